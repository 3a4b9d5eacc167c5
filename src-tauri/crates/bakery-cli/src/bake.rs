//! `bakery bake`: checks the template, bakes each amazon-ebs build, prints progress (or one
//! JSON event per line with --json), and on Ctrl-C / SIGTERM cancels and cleans up.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use bakery_app::{AppError, BakeOrder, BakeRequest, PlanOptions, TemplateBakes, VariableValues};
use bakery_engine::{BakeEvent, OnError, OutputStream, StampedEvent};
use tokio_util::sync::CancellationToken;

use crate::error::CliError;
use crate::front::bakery;

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

pub fn run(args: &BakeArgs) -> Result<(), CliError> {
    let order = BakeOrder {
        path: args.file.clone(),
        values: VariableValues {
            vars: args.vars.clone(),
            var_files: args.var_files.clone(),
        },
        options: PlanOptions {
            only: args.only.clone(),
            region: args.region.clone(),
        },
    };
    let bakes = bakery()?.bake_template(&order, |diagnostic| eprintln!("{diagnostic}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    runtime.block_on(bake_all(args, bakes))
}

async fn bake_all(args: &BakeArgs, mut bakes: TemplateBakes) -> Result<(), CliError> {
    for bake in bakes.recover(args.profile.as_deref()).await? {
        if !args.json {
            eprintln!(
                "Cleaned up after bake {} (its process had stopped){}",
                bake.bake_id,
                if bake.left.is_empty() {
                    String::new()
                } else {
                    format!("; still left: {}", join(&bake.left))
                }
            );
        }
    }
    let cancel = CancellationToken::new();
    listen_for_signals(cancel.clone(), args.json)?;

    let request = BakeRequest {
        profile: args.profile.clone(),
        on_error: match args.on_error {
            OnErrorArg::Cleanup => OnError::Cleanup,
            OnErrorArg::Abort => OnError::Abort,
        },
        cancel,
    };
    let mut failures = 0;
    let mut cancelled = false;
    while let Some(started) = bakes.start_next(&request).await {
        let mut handle = started?;
        let build = handle.build.clone();
        let mut printer = Printer::new(build.clone(), args.json);
        while let Some(event) = handle.next_event().await {
            printer.print(&handle.bake_id, &event);
        }
        match handle.finish().await {
            Ok(_) => {}
            Err(AppError::Engine(bakery_engine::EngineError::Cancelled(_))) => {
                cancelled = true;
                break;
            }
            Err(err) => {
                failures += 1;
                if !args.json {
                    eprintln!(
                        "Build '{build}' errored: {}",
                        bakes.plan().template.redact(&err.to_string())
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

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
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
pub(crate) struct Printer {
    build: String,
    json: bool,
    started: Instant,
}

impl Printer {
    pub(crate) fn new(build: String, json: bool) -> Self {
        Self {
            build,
            json,
            started: Instant::now(),
        }
    }

    pub(crate) fn print(&mut self, bake_id: &str, stamped: &StampedEvent) {
        let mut out = std::io::stdout().lock();
        let event = &stamped.event;
        if self.json {
            let mut value = serde_json::to_value(stamped).unwrap_or_default();
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
            // Stopped by the user, not failed: the bake's end says what cleanup did.
            BakeEvent::StepCancelled { step, duration_ms } => format!(
                "    {build}: ⊘ {} cancelled ({})",
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
            // The notes already say which provisioner runs; its end shows in the step's.
            BakeEvent::ProvisionerStarted { .. } | BakeEvent::ProvisionerFinished { .. } => {
                return;
            }
            BakeEvent::Output { stream, line } => match stream {
                OutputStream::Stdout => format!("    {build}: {line}"),
                OutputStream::Stderr => format!("    {build}: (stderr) {line}"),
            },
            BakeEvent::Artifact { region, image_id } => {
                format!("    {build}: AMI {image_id} is available in {region}")
            }
            // The manifest's file, when one is written, is named in a note.
            BakeEvent::Manifest { .. } => return,
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
