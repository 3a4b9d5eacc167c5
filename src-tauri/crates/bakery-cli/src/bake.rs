//! `bakery bake`: checks the template, bakes each amazon-ebs build, prints progress (or one
//! JSON event per line with --json), and on Ctrl-C / SIGTERM cancels and cleans up.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use bakery_engine::{BakeContext, BakeEvent, BakeSpec, OnError, OutputStream};
use bakery_history::History;
use bakery_home::BakeryHome;
use tokio_util::sync::CancellationToken;

use crate::error::CliError;
use crate::validate::check_template;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnErrorArg {
    /// Delete everything the bake created (default).
    Cleanup,
    /// Keep the instance and the rest for debugging; `bakery cleanup` deletes them later.
    Abort,
}

#[derive(Debug, clap::Args)]
pub struct BakeArgs {
    /// The AWS profile to use; wins over the template's credentials (default: the
    /// template's access_key/secret_key or profile, else AWS_PROFILE, else the environment).
    #[arg(long)]
    profile: Option<String>,
    /// Bake in this region instead of the template's.
    #[arg(long)]
    region: Option<String>,
    /// Set a user variable: --var name=value (repeatable; later ones win).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Read user variables from a JSON file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// Only bake the builds with these names (repeatable).
    #[arg(long)]
    only: Vec<String>,
    /// What to do with the bake's resources when it fails.
    #[arg(long, value_enum, default_value = "cleanup")]
    on_error: OnErrorArg,
    /// One JSON event per line on stdout instead of readable progress.
    #[arg(long)]
    json: bool,
    /// The template (Packer JSON).
    file: PathBuf,
}

/// The SDK configuration for a bake: the named profile (from ~/.aws or the app's own,
/// secrets from the keyring, MFA asked on the terminal, sessions refreshed while the bake
/// runs), `AWS_PROFILE` when no --profile is given, else the default chain (environment).
pub async fn sdk_config(profile: Option<&str>, region: &str) -> Result<SdkConfig, CliError> {
    let from_env = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    match profile.map(str::to_string).or(from_env) {
        Some(name) => Ok(crate::profiles::resolver_from_env()?
            .sdk_config_in(&name, region)
            .await?),
        None => Ok(aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .load()
            .await),
    }
}

/// The SDK configuration for one builder: `--profile` when given; else the template's
/// `access_key`/`secret_key`(/`token`), else its `profile`, else `AWS_PROFILE` or the
/// environment; then the template's `assume_role` on top, as Packer does. Returns the
/// profile used (for the history), if any.
pub async fn sdk_for_spec(
    flag: Option<&str>,
    spec: &BakeSpec,
) -> Result<(SdkConfig, Option<String>), CliError> {
    let template = &spec.credentials;
    let (base, profile) = match (flag, &template.static_keys, &template.profile) {
        (Some(name), _, _) => (
            sdk_config(Some(name), &spec.region).await?,
            Some(name.to_string()),
        ),
        (None, Some(keys), _) => {
            let credentials = aws_credential_types::Credentials::new(
                keys.access_key.clone(),
                keys.secret_key.expose().clone(),
                keys.token.as_ref().map(|t| t.expose().clone()),
                None,
                "template",
            );
            let config = aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(spec.region.clone()))
                .credentials_provider(credentials)
                .load()
                .await;
            (config, None)
        }
        (None, None, Some(name)) => (
            sdk_config(Some(name), &spec.region).await?,
            Some(name.clone()),
        ),
        (None, None, None) => (
            sdk_config(None, &spec.region).await?,
            std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()),
        ),
    };
    let Some(role) = &template.assume_role else {
        return Ok((base, profile));
    };
    let mut provider = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
        .session_name(
            role.session_name
                .clone()
                .unwrap_or_else(|| format!("bakery-{}", spec.build_name.replace('.', "-"))),
        )
        .configure(&base);
    if let Some(id) = &role.external_id {
        provider = provider.external_id(id.clone());
    }
    if let Some(seconds) = role.duration_seconds {
        provider = provider.session_length(std::time::Duration::from_secs(u64::from(seconds)));
    }
    if let Some(policy) = &role.policy {
        provider = provider.policy(policy.clone());
    }
    let provider = provider.build().await;
    let config = base
        .into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build();
    Ok((config, profile))
}

/// Opens the history in the data directory and cleans up after bakes that died.
pub async fn open_history(
    sdk_region: &str,
    profile: Option<&str>,
    json: bool,
) -> Result<(Arc<History>, PathBuf), CliError> {
    let home = BakeryHome::from_env()?;
    let dir = home.ensure()?.to_path_buf();
    let history = Arc::new(History::open_in(&dir)?);
    if !history.bakes_with_open_entries()?.is_empty() {
        let sdk = sdk_config(profile, sdk_region).await?;
        let recovered =
            bakery_engine::cleanup::recover_dead_bakes(history.clone(), &dir, &sdk, false).await?;
        for bake in recovered {
            if !json {
                eprintln!(
                    "Cleaned up after bake {} (its process had stopped){}",
                    bake.bake_id,
                    if bake.left.is_empty() {
                        String::new()
                    } else {
                        let still: Vec<String> =
                            bake.left.iter().map(ToString::to_string).collect();
                        format!("; still left: {}", still.join("; "))
                    }
                );
            }
        }
    }
    Ok((history, dir))
}

/// The checked template's bakes, the template as baked (secrets redacted, for the history)
/// and its redaction of sensitive values (for every line the bake reports).
type Loaded = (Vec<BakeSpec>, String, Arc<bakery_template::Template>);

fn load_specs(args: &BakeArgs) -> Result<Loaded, CliError> {
    let checked = check_template(&args.file, &args.vars, &args.var_files, false)?;
    for diagnostic in &checked.diagnostics {
        eprintln!("{diagnostic}");
    }
    let errors = checked.errors().count();
    let Some(template) = checked.template.filter(|_| errors == 0) else {
        return Err(CliError::TemplateInvalid {
            path: args.file.clone(),
            errors: errors.max(1),
        });
    };
    let absolute = std::path::absolute(&args.file).unwrap_or_else(|_| args.file.clone());
    let dir = if absolute.is_dir() {
        absolute
    } else {
        absolute
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let mut specs = bakery_engine::plan::bake_specs(&template, &dir, &args.only)?;
    let lookup = std::env::var("BAKERY_PUBLIC_IP_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let agent = std::env::var_os("SSH_AUTH_SOCK")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    for spec in &mut specs {
        if let Some(region) = &args.region {
            spec.region = region.clone();
        }
        spec.public_ip_lookup_url = lookup.clone();
        if bakery_engine::plan::wants_agent(&template, &spec.build_name) {
            spec.ssh_agent_socket = Some(agent.clone().ok_or_else(|| {
                bakery_engine::EngineError::Preflight(
                    "ssh_agent_auth is set but no SSH agent runs (SSH_AUTH_SOCK is empty): start ssh-agent and ssh-add the key".into(),
                )
            })?);
        }
        if bakery_engine::plan::wants_bastion_agent(&template, &spec.build_name)
            && let Some(bastion) = spec.ssh.bastion.as_mut()
        {
            bastion.agent_socket = Some(agent.clone().ok_or_else(|| {
                bakery_engine::EngineError::Preflight(
                    "ssh_bastion_agent_auth is set but no SSH agent runs (SSH_AUTH_SOCK is empty): start ssh-agent and ssh-add the bastion's key".into(),
                )
            })?);
        }
    }
    let as_baked = bakery_template::to_json(&template);
    Ok((specs, as_baked, Arc::new(template)))
}

pub fn run(args: &BakeArgs) -> Result<(), CliError> {
    let (specs, text, template) = load_specs(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    runtime.block_on(bake_all(args, specs, text, template))
}

async fn bake_all(
    args: &BakeArgs,
    specs: Vec<BakeSpec>,
    text: String,
    template: Arc<bakery_template::Template>,
) -> Result<(), CliError> {
    let first_region = specs[0].region.clone();
    let (history, data_dir) =
        open_history(&first_region, args.profile.as_deref(), args.json).await?;
    let cancel = CancellationToken::new();
    listen_for_signals(cancel.clone(), args.json)?;

    let mut failures = 0;
    let mut cancelled = false;
    for spec in specs {
        let (sdk, profile) = sdk_for_spec(args.profile.as_deref(), &spec).await?;
        let bake_id = uuid::Uuid::new_v4().to_string();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut ctx = BakeContext::new(&bake_id, history.clone(), data_dir.clone());
        ctx.cancel = cancel.clone();
        ctx.events = Some(tx);
        ctx.on_error = match args.on_error {
            OnErrorArg::Cleanup => OnError::Cleanup,
            OnErrorArg::Abort => OnError::Abort,
        };
        ctx.template_path = Some(args.file.display().to_string());
        ctx.template_text = Some(text.clone());
        ctx.profile = profile;
        let redactor = template.clone();
        ctx.redact = Some(Arc::new(move |line: &str| redactor.redact(line)));

        let json = args.json;
        let build = spec.build_name.clone();
        let printer = tokio::spawn(async move {
            let mut printer = Printer::new(build, json);
            while let Some(event) = rx.recv().await {
                printer.print(&bake_id, &event);
            }
        });
        let result = bakery_engine::bake(&ctx, &sdk, &spec).await;
        drop(ctx);
        let _ = printer.await;
        match result {
            Ok(_) => {}
            Err(bakery_engine::EngineError::Cancelled(_)) => {
                cancelled = true;
                break;
            }
            Err(err) => {
                failures += 1;
                if !args.json {
                    eprintln!(
                        "Build '{}' errored: {}",
                        spec.build_name,
                        template.redact(&err.to_string())
                    );
                }
            }
        }
    }
    if cancelled {
        return Err(CliError::Cancelled);
    }
    match failures {
        0 => Ok(()),
        n => Err(CliError::BakesFailed(n)),
    }
}

fn listen_for_signals(cancel: CancellationToken, json: bool) -> Result<(), CliError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).map_err(CliError::Signals)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(CliError::Signals)?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            if !json {
                eprintln!(
                    "Cancelling: cleaning up what the bake created (this can take a minute)…"
                );
            }
            cancel.cancel();
        }
    });
    Ok(())
}

/// Readable progress, like Packer's: `==> build: Step`, output indented, durations.
struct Printer {
    build: String,
    json: bool,
    started: Instant,
}

impl Printer {
    fn new(build: String, json: bool) -> Self {
        Self {
            build,
            json,
            started: Instant::now(),
        }
    }

    fn print(&mut self, bake_id: &str, event: &BakeEvent) {
        let mut out = std::io::stdout().lock();
        if self.json {
            let mut value = serde_json::to_value(event).unwrap_or_default();
            if let Some(object) = value.as_object_mut() {
                object.insert("bake_id".into(), bake_id.into());
                object.insert("build".into(), self.build.clone().into());
            }
            let _ = writeln!(out, "{value}");
            return;
        }
        let build = &self.build;
        let line = match event {
            BakeEvent::BakeStarted {
                bake_id, region, ..
            } => {
                self.started = Instant::now();
                format!("==> {build}: baking in {region} (bake {bake_id})")
            }
            BakeEvent::StepStarted { step } => format!("==> {build}: {}", step.title()),
            BakeEvent::StepFinished { step, duration_ms } => {
                format!(
                    "    {build}: ✓ {} ({})",
                    step.title(),
                    seconds(*duration_ms)
                )
            }
            BakeEvent::StepFailed {
                step, duration_ms, ..
            } => format!(
                "    {build}: ✗ {} ({})",
                step.title(),
                seconds(*duration_ms)
            ),
            BakeEvent::Note { text } => format!("    {build}: {text}"),
            BakeEvent::ResourceCreated { kind, id, region } => {
                format!("    {build}: created {} {id} in {region}", kind.as_str())
            }
            BakeEvent::ResourceDeleted { kind, id, region } => {
                format!("    {build}: deleted {} {id} in {region}", kind.as_str())
            }
            BakeEvent::ResourceLeft {
                kind,
                id,
                region,
                reason,
            } => format!(
                "    {build}: LEFT {} {id} in {region}: {reason}",
                kind.as_str()
            ),
            BakeEvent::Waiting { what, state, .. } => {
                format!("    {build}: waiting for {what}: {state}")
            }
            BakeEvent::Output { stream, line } => match stream {
                OutputStream::Stdout => format!("    {build}: {line}"),
                OutputStream::Stderr => format!("    {build}: (stderr) {line}"),
            },
            BakeEvent::Artifact { region, image_id } => {
                format!("    {build}: AMI {image_id} is available in {region}")
            }
            BakeEvent::BakeFinished {
                outcome,
                duration_ms,
                error,
            } => {
                let mut text = format!(
                    "==> {build}: {} after {}",
                    match outcome {
                        bakery_engine::BakeOutcome::Succeeded => "finished",
                        bakery_engine::BakeOutcome::Failed => "FAILED",
                        bakery_engine::BakeOutcome::Cancelled => "cancelled",
                        bakery_engine::BakeOutcome::Aborted =>
                            "FAILED (resources kept: --on-error=abort)",
                        // A finished bake is never running.
                        bakery_engine::BakeOutcome::Running => "running",
                    },
                    seconds(*duration_ms)
                );
                if let Some(error) = error {
                    text.push_str(&format!("\n    {build}: {error}"));
                }
                text
            }
        };
        let _ = writeln!(out, "{line}");
        if let BakeEvent::BakeFinished { .. } = event {
            let _ = out.flush();
        }
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}
