//! `bakery profiles ...`: list, show, add, remove, import and test AWS profiles.
//!
//! Secrets never come from argv: `add` reads the secret access key from stdin when stdin is
//! not a terminal, else from a hidden prompt. MFA codes are read from stdin, one line each,
//! after a prompt on stderr.

use std::io::{IsTerminal, Read, Write};
use std::sync::Arc;
use std::time::SystemTime;

use bakery_app::profiles::{NewProfile, sign_in_status};
use bakery_credentials::keyring::{KEYRING_SERVICE, secret_key_user};
use bakery_credentials::profiles::RoleSource;
use bakery_credentials::sso::{self, SsoSignInPrompt};
use bakery_credentials::{
    AppProfileStore, AwsFiles, CredentialsError, Keyring, Profile, ProfileField, ProfileKind,
    ProfileSource, Profiles, Secret,
};
use bakery_home::BakeryHome;

use crate::front::bakery;
use clap::{Args, Subcommand};

use crate::error::CliError;

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    #[command(subcommand)]
    command: ProfilesCommand,
}

#[derive(Debug, Subcommand)]
enum ProfilesCommand {
    /// Every profile: ~/.aws/config, ~/.aws/credentials and the app's own (keyring).
    List {
        /// One JSON array of profiles (kind, region, source, where the secret is kept,
        /// role chain, problem) instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// One profile in detail: kind, region, endpoint, role chain, where its secret is.
    Show { name: String },
    /// Add an app profile; the secret access key is read from stdin (or a hidden prompt)
    /// and kept only in the OS keyring.
    Add {
        name: String,
        #[arg(long)]
        access_key_id: String,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        endpoint_url: Option<String>,
    },
    /// Remove an app profile and its keyring items.
    Remove { name: String },
    /// Copy a ~/.aws/credentials profile's static keys into the keyring as an app profile.
    Import {
        name: String,
        /// Then delete the key lines from the credentials file (a backup is written first;
        /// every other line, comments included, stays as it is).
        #[arg(long)]
        remove_plaintext: bool,
    },
    /// Check a profile's credentials with STS GetCallerIdentity: prints account and ARN.
    Test { name: String },
    /// Sign an SSO profile in (device authorization in the browser); the token is cached in
    /// ~/.aws/sso/cache, where the AWS CLI finds it too.
    Login {
        name: String,
        /// Only print the address and code; don't open a browser.
        #[arg(long)]
        no_browser: bool,
    },
}

pub fn run(args: &ProfilesArgs) -> Result<(), CliError> {
    let files = AwsFiles::from_env();
    let home = BakeryHome::from_env().map_err(CredentialsError::from)?;
    let store = AppProfileStore::new(home.path());
    match &args.command {
        ProfilesCommand::List { json: false } => list(&Profiles::load(&files, &store)?),
        ProfilesCommand::List { json: true } => {
            let summaries = Profiles::load(&files, &store)?.summaries();
            println!(
                "{}",
                serde_json::to_string_pretty(&summaries).expect("summaries serialize")
            );
            Ok(())
        }
        ProfilesCommand::Show { name } => show(&Profiles::load(&files, &store)?, name),
        ProfilesCommand::Add {
            name,
            access_key_id,
            region,
            endpoint_url,
        } => {
            let profiles = Profiles::load(&files, &store)?;
            // Refuse before asking for the secret when the name is taken.
            if let Some(existing) = profiles.find(name) {
                return Err(CredentialsError::ProfileExists {
                    name: name.clone(),
                    source_description: existing.source.to_string(),
                }
                .into());
            }
            let secret = read_secret(name)?;
            let new = NewProfile {
                name: name.clone(),
                access_key_id: access_key_id.clone(),
                secret_access_key: secret.expose().to_string(),
                region: region.clone(),
                endpoint_url: endpoint_url.clone(),
            };
            runtime()?.block_on(bakery()?.add_profile(new))?;
            println!(
                "added profile \"{name}\": secret access key in the keyring ({KEYRING_SERVICE}, {})",
                secret_key_user(name)
            );
            Ok(())
        }
        ProfilesCommand::Remove { name } => {
            let shadowed = runtime()?.block_on(bakery()?.remove_profile(name))?;
            println!("removed profile \"{name}\" and its keyring items");
            if !shadowed.is_empty() {
                println!(
                    "\"{name}\" from your AWS files ({}) is used again",
                    shadowed.join(", ")
                );
            }
            Ok(())
        }
        ProfilesCommand::Import {
            name,
            remove_plaintext,
        } => {
            let outcome = runtime()?.block_on(bakery()?.import_profile(name, *remove_plaintext))?;
            println!(
                "imported the keys of \"{name}\" from {} into the keyring",
                files.credentials.display()
            );
            match (outcome.credentials_file, outcome.backup) {
                (Some(credentials_file), Some(backup)) => println!(
                    "removed {} key line(s) from {credentials_file}; the old file is at {backup} (it still holds the keys: delete it once you have checked `bakery profiles test {name}`)",
                    outcome.lines_removed,
                ),
                _ if *remove_plaintext => {}
                _ => println!(
                    "the keys are still in {} too; run again with --remove-plaintext to delete them there",
                    files.credentials.display()
                ),
            }
            Ok(())
        }
        ProfilesCommand::Test { name } => {
            let identity = runtime()?.block_on(bakery()?.test_profile(name))?;
            println!("account: {}", identity.account);
            println!("arn:     {}", identity.arn);
            println!("user id: {}", identity.user_id);
            Ok(())
        }
        ProfilesCommand::Login { name, no_browser } => {
            let prompt = Arc::new(BrowserSignIn {
                open_browser: !no_browser,
            });
            let cache = runtime()?.block_on(bakery()?.sign_in(name, prompt))?;
            println!(
                "signed in \"{name}\"; the token is cached in {}",
                cache.display()
            );
            Ok(())
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

fn list(profiles: &Profiles) -> Result<(), CliError> {
    if profiles.is_empty() {
        println!(
            "no profiles: add one with `bakery profiles add NAME --access-key-id ID`, or configure ~/.aws"
        );
        return Ok(());
    }
    let rows: Vec<[String; 4]> = profiles
        .iter()
        .map(|p| {
            [
                p.name.clone(),
                p.kind_label(),
                p.region.clone().unwrap_or_else(|| "-".into()),
                p.source.to_string(),
            ]
        })
        .collect();
    let header = [
        "NAME".to_string(),
        "KIND".into(),
        "REGION".into(),
        "SOURCE".into(),
    ];
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .chain([&header])
                .map(|r| r[i].len())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = std::io::stdout().lock();
    for row in [&header].into_iter().chain(&rows) {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
    }
    for profile in profiles.iter() {
        if let Err(err) = profiles.check(&profile.name)
            && !matches!(profile.kind, ProfileKind::SettingsOnly)
        {
            let _ = writeln!(out, "! {}: {err}", profile.name);
        }
    }
    Ok(())
}

fn show(profiles: &Profiles, name: &str) -> Result<(), CliError> {
    let profile = profiles.get(name)?;
    let mut lines: Vec<(&str, String)> = vec![
        ("name", profile.name.clone()),
        ("kind", profile.kind_label()),
        (
            "region",
            profile.region.clone().unwrap_or_else(|| "-".into()),
        ),
        (
            "endpoint",
            profile.endpoint_url.clone().unwrap_or_else(|| "-".into()),
        ),
        ("source", profile.source.to_string()),
    ];
    if let Some(id) = profile.access_key_id() {
        lines.push(("access key id", id.to_string()));
    }
    lines.push(("secret", secret_location(profile)));
    if let Some(role) = &profile.role {
        lines.push(("role_arn", role.role_arn.clone()));
        match &role.source {
            Some(RoleSource::Profile(p)) => lines.push(("source_profile", p.clone())),
            Some(RoleSource::CredentialSource(s)) => lines.push(("credential_source", s.clone())),
            None => {}
        }
        if let Some(v) = &role.role_session_name {
            lines.push(("role_session_name", v.clone()));
        }
        if let Some(v) = &role.external_id {
            lines.push(("external_id", v.clone()));
        }
        if let Some(v) = role.duration_seconds {
            lines.push(("duration_seconds", v.to_string()));
        }
    }
    if let Some(serial) = &profile.mfa_serial {
        lines.push(("mfa_serial", serial.clone()));
    }
    if let Some(sso) = &profile.sso {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        lines.push(("sso_start_url", dash(&sso.start_url)));
        lines.push(("sso_region", dash(&sso.region)));
        lines.push(("sso_account_id", dash(&sso.account_id)));
        lines.push(("sso_role_name", dash(&sso.role_name)));
        if let Some(files) = profiles.files() {
            let (status, needed) = sign_in_status(profile, files, SystemTime::now());
            lines.push((
                "sign-in",
                if needed {
                    format!("{status} (sign in: `bakery profiles login {name}`)")
                } else {
                    status
                },
            ));
        }
    }
    if let Some(command) = &profile.credential_process {
        lines.push(("credential_process", command.clone()));
    }
    if let Some(shadows) = &profile.shadows {
        let list: Vec<String> = shadows.iter().map(ToString::to_string).collect();
        lines.push(("hides", list.join(", ")));
    }
    match profiles.chain(name) {
        Ok(chain) if chain.len() > 1 => {
            let names: Vec<&str> = chain.iter().map(|p| p.name.as_str()).collect();
            lines.push(("chain", names.join(" -> ")));
        }
        _ => {}
    }
    if let Err(err) = profiles.check(name) {
        lines.push(("problem", err.to_string()));
    }
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    for (key, value) in lines {
        println!("{:<width$} {value}", format!("{key}:"));
    }
    Ok(())
}

/// Where the profile's secret is, without reading it.
fn secret_location(profile: &Profile) -> String {
    match (&profile.source, &profile.static_keys) {
        (ProfileSource::App { .. }, _) => {
            let present = Keyring::native()
                .and_then(|k| k.secret_access_key(&profile.name))
                .map(|s| s.is_some());
            match present {
                Ok(true) => format!(
                    "in the keyring (service {KEYRING_SERVICE}, user {})",
                    secret_key_user(&profile.name)
                ),
                Ok(false) => "MISSING from the keyring: add the profile again".to_string(),
                Err(err) => format!("in the keyring, which cannot be read now: {err}"),
            }
        }
        (_, Some(keys)) => format!(
            "in plain text in {} (move it to the keyring: `bakery profiles import {} --remove-plaintext`)",
            keys.path.display(),
            profile.name
        ),
        _ => "-".to_string(),
    }
}

/// The secret access key: stdin when it is not a terminal, else a hidden prompt.
fn read_secret(name: &str) -> Result<Secret, CliError> {
    let stdin = std::io::stdin();
    let value = if stdin.is_terminal() {
        rpassword::prompt_password(format!("Secret access key for \"{name}\": "))
            .map_err(CliError::SecretInput)?
    } else {
        let mut value = String::new();
        stdin
            .lock()
            .read_to_string(&mut value)
            .map_err(CliError::SecretInput)?;
        value
    };
    let secret = Secret::new(value.trim());
    if secret.is_empty() {
        return Err(CredentialsError::EmptyField {
            field: ProfileField::SecretAccessKey,
            hint: " (give it on stdin or at the prompt)",
        }
        .into());
    }
    Ok(secret)
}

/// Prints where to approve the SSO sign-in and opens the browser there.
struct BrowserSignIn {
    open_browser: bool,
}

impl SsoSignInPrompt for BrowserSignIn {
    fn show(&self, verification_uri: &str, user_code: &str) {
        eprintln!("To sign in, open {verification_uri}");
        eprintln!("and check that it shows the code {user_code}. Waiting for approval...");
        if self.open_browser {
            let opened = sso::open_in_browser(verification_uri);
            if !opened {
                eprintln!("(no browser could be opened: open the address yourself)");
            }
        }
    }
}
