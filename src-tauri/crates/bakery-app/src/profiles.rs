//! Profiles as front ends show and change them: every profile with its kind, region, where
//! its secret is kept (never the secret), its role chain and what is wrong; add (the secret
//! goes straight to the OS keyring), remove, import plaintext keys into the keyring, test
//! with STS, SSO sign-in, and the sign-in status worded once for the window and the CLI.

use std::sync::Arc;
use std::time::SystemTime;

use bakery_credentials::manage::{self, NewAppProfile};
use bakery_credentials::sso::{self, SignInStatus, SsoSignInPrompt};
use bakery_credentials::{
    AwsEnvironment, AwsFiles, Profile, ProfileKind, ProfileSummary, Profiles, Secret,
    SecretLocation,
};
use serde::{Deserialize, Serialize};

use crate::bake::Bakery;
use crate::error::AppError;
use crate::target::is_loopback_url;

/// Where a profile's long-lived secret is kept (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SecretView {
    /// No secret of its own (a role, SSO, credential_process, or settings only).
    None,
    /// In the OS keyring; `present` = the keyring holds it (null when the keyring could not
    /// be asked).
    Keyring {
        /// Whether the keyring holds it.
        present: Option<bool>,
    },
    /// In plain text in a shared file: offer to import it into the keyring.
    PlaintextFile {
        /// The file.
        path: String,
    },
}

/// One profile as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    /// The profile's name.
    pub name: String,
    /// How it gets its credentials.
    pub kind: ProfileKind,
    /// E.g. "assume-role + MFA".
    pub kind_label: String,
    /// It asks for an MFA code.
    pub mfa: bool,
    /// Its region.
    pub region: Option<String>,
    /// Its endpoint.
    pub endpoint_url: Option<String>,
    /// Where it is defined, e.g. "~/.aws/config:12".
    pub source: String,
    /// Where its secret is.
    pub secret: SecretView,
    /// The profile and the profiles its credentials come from.
    pub chain: Vec<String>,
    /// What is wrong with it, worded for the person.
    pub problem: Option<String>,
    /// SSO profiles: "signed in until …", "not signed in", "expired".
    pub sign_in: Option<String>,
    /// SSO profiles that need the sign-in button.
    pub sign_in_needed: bool,
    /// The profile bakes use now.
    pub active: bool,
}

/// Keys given in the environment (`AWS_ACCESS_KEY_ID`, …): what bakes use when no profile
/// is chosen (the built-in sandbox gives them this way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentKeys {
    /// The access key id (not a secret; the secret key is never sent).
    pub access_key_id: String,
    /// The environment's region.
    pub region: Option<String>,
    /// The environment's endpoint.
    pub endpoint_url: Option<String>,
    /// The endpoint is on this machine (the sandbox).
    pub sandbox: bool,
}

/// Every profile, and the files they come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ProfileList {
    /// The profiles.
    pub profiles: Vec<ProfileView>,
    /// Keys from the environment, when there are some.
    pub environment: Option<EnvironmentKeys>,
    /// `~/.aws/config`.
    pub config_file: String,
    /// `~/.aws/credentials`.
    pub credentials_file: String,
    /// The app's own profiles (secrets in the keyring, the rest here).
    pub app_profiles_file: String,
}

/// A new app profile. The secret is moved into the keyring and dropped.
#[derive(Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NewProfile {
    /// Its name.
    pub name: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key (kept only in the keyring).
    pub secret_access_key: String,
    /// Its region.
    pub region: Option<String>,
    /// Its endpoint.
    pub endpoint_url: Option<String>,
}

impl std::fmt::Debug for NewProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewProfile")
            .field("name", &self.name)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .finish_non_exhaustive()
    }
}

/// What STS says the profile's credentials are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CallerIdentityView {
    /// The profile tested.
    pub profile: String,
    /// The account.
    pub account: String,
    /// The caller's ARN.
    pub arn: String,
    /// The caller's user id.
    pub user_id: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImportView {
    /// The profile imported.
    pub profile: String,
    /// The credentials file the key lines were removed from, when asked.
    pub credentials_file: Option<String>,
    /// A copy of that file as it was (it still holds the keys).
    pub backup: Option<String>,
    /// How many key lines were removed.
    pub lines_removed: u32,
}

/// `2026-11-26T04:51:32.29Z` as `2026-11-26 04:51 UTC`: what a person reads.
pub fn readable_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) if rfc3339.ends_with('Z') => format!("{day} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// An SSO profile's sign-in, worded once for every front end: the text, and whether a
/// sign-in is needed (an expired token that renews itself is not).
pub fn sign_in_status(profile: &Profile, files: &AwsFiles, now: SystemTime) -> (String, bool) {
    match sso::sign_in_status(profile, &files.sso_cache, now) {
        Ok(SignInStatus::ValidUntil(at)) => {
            (format!("signed in until {}", readable_time(&at)), false)
        }
        Ok(status @ SignInStatus::Expired { renewable: true }) => (status.to_string(), false),
        Ok(status) => (status.to_string(), true),
        Err(err) => (err.to_string(), false),
    }
}

impl Bakery {
    /// Every profile: `~/.aws/config`, `~/.aws/credentials` and the app's own; `active`
    /// is marked. The keyring is asked (off the async threads) only when there are app
    /// profiles, so the list works without a Secret Service otherwise.
    pub async fn list_profiles(&self, active: Option<&str>) -> Result<ProfileList, AppError> {
        let (files, store) = self.profile_sources();
        let profiles = Profiles::load(&files, &store)?;
        let app_names: Vec<String> = profiles
            .iter()
            .filter(|p| p.kind == ProfileKind::AppKeyring)
            .map(|p| p.name.clone())
            .collect();
        let keyring = self.keyring().clone();
        let present: Vec<(String, Option<bool>)> = tokio::task::spawn_blocking(move || {
            app_names
                .into_iter()
                .map(|name| {
                    let has = keyring
                        .get()
                        .and_then(|k| k.secret_access_key(&name))
                        .map(|s| s.is_some())
                        .ok();
                    (name, has)
                })
                .collect()
        })
        .await
        .map_err(|err| AppError::Internal(format!("a background task failed: {err}")))?;
        let keyring_has =
            |name: &str| -> Option<bool> { present.iter().find(|(n, _)| n == name)?.1 };
        let now = self.environment().clock.now();
        let views = profiles
            .summaries()
            .into_iter()
            .map(|s| view(s, &profiles, &files, &keyring_has, active, now))
            .collect();
        let env = self.environment().clone();
        let aws = AwsEnvironment::from_lookup(move |name| env.var(name).map(str::to_string));
        let environment = aws.access_key_id.map(|access_key_id| EnvironmentKeys {
            access_key_id,
            region: aws.region,
            sandbox: aws.endpoint_url.as_deref().is_some_and(is_loopback_url),
            endpoint_url: aws.endpoint_url,
        });
        Ok(ProfileList {
            profiles: views,
            environment,
            config_file: files.config.display().to_string(),
            credentials_file: files.credentials.display().to_string(),
            app_profiles_file: store.path().display().to_string(),
        })
    }

    /// Adds an app profile: the secret goes to the OS keyring (and is read back to check it
    /// arrived), the rest to the app's profiles file.
    pub async fn add_profile(&self, profile: NewProfile) -> Result<(), AppError> {
        let (_, store) = self.profile_sources();
        let profiles = self.profiles()?;
        let secret = Secret::new(profile.secret_access_key);
        let new = NewAppProfile {
            name: profile.name.trim().to_string(),
            access_key_id: profile.access_key_id,
            region: profile.region.map(|r| r.trim().to_string()),
            endpoint_url: profile.endpoint_url.map(|u| u.trim().to_string()),
        };
        self.keyring()
            .run(move |keyring| manage::add_profile(&store, keyring, &profiles, new, &secret))
            .await?;
        Ok(())
    }

    /// Removes an app profile and its keyring items; returns where a profile of the same
    /// name in the user's AWS files is used again from, if any.
    pub async fn remove_profile(&self, name: &str) -> Result<Vec<String>, AppError> {
        let (_, store) = self.profile_sources();
        let profiles = self.profiles()?;
        let shadowed: Vec<String> = profiles
            .find(name)
            .and_then(|p| p.shadows.as_ref())
            .map(|s| s.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        let owned = name.to_string();
        self.keyring()
            .run(move |keyring| manage::remove_profile(&store, keyring, &profiles, &owned))
            .await?;
        Ok(shadowed)
    }

    /// Copies a `~/.aws/credentials` profile's static keys into the keyring; with
    /// `remove_plaintext`, then deletes its key lines from the file (after a backup).
    pub async fn import_profile(
        &self,
        name: &str,
        remove_plaintext: bool,
    ) -> Result<ImportView, AppError> {
        let (files, store) = self.profile_sources();
        let owned = name.to_string();
        let now = self.environment().clock.now();
        let outcome = self
            .keyring()
            .run(move |keyring| {
                manage::import_profile(&files, &store, keyring, &owned, remove_plaintext, now)
            })
            .await?;
        let removal = outcome.plaintext_removed;
        Ok(ImportView {
            profile: outcome.profile.name,
            credentials_file: removal
                .as_ref()
                .map(|r| r.credentials_file.display().to_string()),
            backup: removal.as_ref().map(|r| r.backup.display().to_string()),
            lines_removed: removal
                .map(|r| u32::try_from(r.lines_removed).unwrap_or(u32::MAX))
                .unwrap_or(0),
        })
    }

    /// STS GetCallerIdentity with the profile's credentials (an MFA profile asks for its
    /// code through the prompt, once per session).
    pub async fn test_profile(&self, name: &str) -> Result<CallerIdentityView, AppError> {
        let identity = self.resolver()?.caller_identity(name).await?;
        Ok(CallerIdentityView {
            profile: name.to_string(),
            account: identity.account,
            arn: identity.arn,
            user_id: identity.user_id,
        })
    }

    /// Signs an SSO profile in (device authorization; `prompt` shows the address and code);
    /// returns where the token is cached (the AWS CLI finds it there too).
    pub async fn sign_in(
        &self,
        name: &str,
        prompt: Arc<dyn SsoSignInPrompt>,
    ) -> Result<std::path::PathBuf, AppError> {
        Ok(self.resolver()?.sso_login(name, prompt).await?)
    }
}

fn view(
    summary: ProfileSummary,
    profiles: &Profiles,
    files: &AwsFiles,
    keyring_has: &dyn Fn(&str) -> Option<bool>,
    active: Option<&str>,
    now: SystemTime,
) -> ProfileView {
    let (sign_in, sign_in_needed) = match profiles.find(&summary.name) {
        Some(profile) if profile.kind == ProfileKind::Sso => {
            let (text, needed) = sign_in_status(profile, files, now);
            (Some(text), needed)
        }
        _ => (None, false),
    };
    let secret = match summary.secret {
        SecretLocation::None => SecretView::None,
        SecretLocation::Keyring => SecretView::Keyring {
            present: keyring_has(&summary.name),
        },
        SecretLocation::PlaintextFile { path } => SecretView::PlaintextFile { path },
    };
    ProfileView {
        active: active == Some(summary.name.as_str()),
        kind: summary.kind,
        kind_label: summary.kind_label,
        mfa: summary.mfa,
        region: summary.region,
        endpoint_url: summary.endpoint_url,
        source: summary.source,
        secret,
        chain: summary.chain,
        problem: summary.problem.map(|p| p.message),
        sign_in,
        sign_in_needed,
        name: summary.name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_times_read_as_minutes_in_utc() {
        assert_eq!(
            readable_time("2026-11-26T04:51:32.292615Z"),
            "2026-11-26 04:51 UTC"
        );
        assert_eq!(readable_time("soon"), "soon");
    }
}
