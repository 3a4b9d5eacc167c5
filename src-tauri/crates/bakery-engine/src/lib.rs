//! The bake engine: Packer amazon-ebs's lifecycle over the EC2 API, headless.
//!
//! A bake runs its steps in order ([`steps`]), reports through [`BakeEvent`]s, writes every
//! resource to the ledger before creating it, and ends with cleanup consuming the ledger —
//! on success, failure and cancel alike. `--on-error=abort` keeps resources on purpose but
//! recorded. A bake holds a [`bakery_history::BakeLock`] while it runs, so after a crash the
//! next start finds it dead and [`cleanup::recover_dead_bakes`] cleans up.
#![warn(missing_docs)]

pub mod ansible;
pub mod build_variables;
pub mod catalog;
pub mod cleanup;
pub mod context;
pub mod ec2;
pub mod error;
pub mod event;
pub mod local;
pub mod plan;
pub mod regions;
pub mod resources;
pub mod shell_script;
pub mod spec;
pub mod ssh;
pub mod steps;

use std::time::SystemTime;

use aws_config::SdkConfig;
use bakery_history::{Artifact, BakeLock, NewBake};

pub use context::{BakeContext, Clock, OnError, Redactor, SystemClock};
pub use error::EngineError;
pub use event::{
    BakeEvent, BakeOutcome, BakeStatus, ManifestBuild, OutputStream, StampedEvent, StepName,
};
pub use spec::{
    AnsibleLocalSpec, AnsibleSpec, BakeSpec, BastionSpec, Communicator, GalaxySpec, LocalShell,
    Polling, PostProcessor, Provisioner, RoleSpec, ShellProvisioner, ShutdownBehavior, SourceImage,
    SpotSpec, SshInterface, SshSpec, StaticKeys, SubnetFilterSpec, SubnetPick, TemplateCredentials,
    TemporaryVpcSpec,
};

use crate::ec2::Ec2;
use crate::steps::{Bake, BakeState};

/// What a finished bake produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BakeResult {
    /// The bake's id.
    pub bake_id: String,
    /// The images it made, one per region (the build region's first).
    pub artifacts: Vec<Artifact>,
}

/// The steps in the order they run.
pub const STEPS: [StepName; 13] = [
    StepName::Preflight,
    StepName::SourceImage,
    StepName::Network,
    StepName::KeyPair,
    StepName::SecurityGroup,
    StepName::Launch,
    StepName::Connect,
    StepName::Provision,
    StepName::Stop,
    StepName::CreateImage,
    StepName::CopyImage,
    StepName::Share,
    StepName::Manifest,
];

async fn run_step(step: StepName, bake: &mut Bake<'_>) -> Result<(), EngineError> {
    match step {
        StepName::Preflight => steps::preflight::run(bake).await,
        StepName::SourceImage => steps::source_image::run(bake).await,
        StepName::Network => steps::network::run(bake).await,
        StepName::KeyPair => steps::key_pair::run(bake).await,
        StepName::SecurityGroup => steps::security_group::run(bake).await,
        StepName::Launch => steps::launch::run(bake).await,
        StepName::Connect => steps::connect::run(bake).await,
        StepName::Provision => steps::provision::run(bake).await,
        StepName::Stop => steps::stop::run(bake).await,
        StepName::CreateImage => steps::create_image::run(bake).await,
        StepName::CopyImage => steps::copy_image::run(bake).await,
        StepName::Share => steps::share::run(bake).await,
        StepName::Manifest => steps::post_process::run(bake).await,
        StepName::Cleanup => Ok(()),
    }
}

/// Bakes `spec`. Always cleans up (unless `ctx.on_error` is `Abort` and the bake failed)
/// before returning; the result says what was produced, the error what went wrong.
pub async fn bake(
    ctx: &BakeContext,
    sdk: &SdkConfig,
    spec: &BakeSpec,
) -> Result<BakeResult, EngineError> {
    let lock = BakeLock::try_claim(&ctx.data_dir, &ctx.bake_id)?.ok_or_else(|| {
        EngineError::Preflight(format!("bake {} is already running", ctx.bake_id))
    })?;
    let started = ctx.clock.now();
    ctx.history.begin_bake(&NewBake {
        id: &ctx.bake_id,
        template_path: ctx.template_path.as_deref(),
        template_text: ctx.template_text.as_deref(),
        build_name: Some(&spec.build_name),
        profile: ctx.profile.as_deref(),
        region: &spec.region,
        regions: &std::iter::once(spec.region.clone())
            .chain(
                spec.ami_regions
                    .iter()
                    .filter(|r| **r != spec.region)
                    .cloned(),
            )
            .collect::<Vec<_>>(),
        variables: ctx.variables.as_deref(),
        host: ctx.host.as_deref(),
        started_at: &ctx.now(),
    })?;
    ctx.emit(BakeEvent::BakeStarted {
        bake_id: ctx.bake_id.clone(),
        build: spec.build_name.clone(),
        region: spec.region.clone(),
    });

    let mut bake = Bake {
        ctx,
        spec: std::borrow::Cow::Borrowed(spec),
        written: spec,
        sdk,
        ec2: Ec2::new(sdk, &spec.region),
        state: BakeState::default(),
    };
    let outcome = run_steps(&mut bake).await;
    if let Some(session) = bake.state.ssh.take() {
        session.close().await;
    }
    let mut artifacts = std::mem::take(&mut bake.state.artifacts);

    // Cleanup runs even when the bake was cancelled: it has its own cancel token.
    let cleanup_ctx = BakeContext {
        cancel: tokio_util::sync::CancellationToken::new(),
        ..ctx.clone()
    };
    let (status, error) = match &outcome {
        Ok(()) => (BakeStatus::Succeeded, None),
        Err(EngineError::Cancelled(_)) => (BakeStatus::Cancelled, Some(outcome_text(&outcome))),
        Err(_) if ctx.on_error == OnError::Abort => {
            (BakeStatus::Aborted, Some(outcome_text(&outcome)))
        }
        Err(_) => (BakeStatus::Failed, Some(outcome_text(&outcome))),
    };
    // What cleanup left, as the bake reports it (see [`cleanup::Leftover`]).
    let mut left: Vec<String> = Vec::new();
    let mut unreadable = None;
    if status == BakeStatus::Aborted {
        keep_everything(ctx)?;
    } else {
        let step_start = ctx.clock.now();
        ctx.emit(BakeEvent::StepStarted {
            step: StepName::Cleanup,
        });
        // The images are the product only once the bake has finished: until then (a crash
        // during cleanup) they stay open in the ledger and recovery deletes them.
        match cleanup::cleanup_bake(
            &cleanup_ctx,
            sdk,
            spec.polling,
            status == BakeStatus::Succeeded,
        )
        .await
        {
            Ok(leftovers) => left = leftovers.iter().map(ToString::to_string).collect(),
            Err(err) => {
                left = vec![format!("the ledger could not be read: {err}")];
                unreadable = Some(err);
            }
        }
        finish_step(ctx, StepName::Cleanup, step_start, left.first().cloned());
    }

    let error = match (&error, left.is_empty()) {
        (Some(e), true) => Some(e.clone()),
        (Some(e), false) => Some(format!("{e}; and cleanup left: {}", left.join("; "))),
        (None, false) => Some(format!("cleanup left: {}", left.join("; "))),
        (None, true) => None,
    };
    let status = if status == BakeStatus::Succeeded && !left.is_empty() {
        BakeStatus::Failed
    } else {
        status
    };
    // Every step succeeded: the images are the product, even if cleanup left something.
    if outcome.is_ok() {
        let encrypted = spec.encrypt_boot
            || spec
                .launch_block_device_mappings
                .iter()
                .chain(&spec.ami_block_device_mappings)
                .any(|device| device.encrypted == Some(true));
        let shared_with: Vec<String> = spec
            .ami_users
            .iter()
            .chain(&spec.ami_groups)
            .cloned()
            .collect();
        for artifact in &mut artifacts {
            // A copy is encrypted also when its region has a KMS key of its own.
            artifact.encrypted =
                Some(encrypted || spec.region_kms_key_ids.contains_key(&artifact.region));
            artifact.shared_with = shared_with.clone();
            ctx.history.record_artifact(&ctx.bake_id, artifact)?;
        }
        keep_artifacts(ctx, "the bake's output")?;
    }
    let error = match (&ctx.redact, error) {
        (Some(redact), Some(text)) => Some(redact(&text)),
        (_, error) => error,
    };
    ctx.history
        .finish_bake(&ctx.bake_id, status, &ctx.now(), error.as_deref())?;
    ctx.emit(BakeEvent::BakeFinished {
        outcome: status,
        duration_ms: ms(ctx.elapsed_since(started)),
        error: error.clone(),
    });
    lock.release();
    match outcome {
        Ok(()) if left.is_empty() => Ok(BakeResult {
            bake_id: ctx.bake_id.clone(),
            artifacts,
        }),
        Ok(()) => Err(unreadable.unwrap_or(EngineError::LeftBehind(left))),
        Err(err) => Err(err),
    }
}

fn outcome_text(outcome: &Result<(), EngineError>) -> String {
    match outcome {
        Ok(()) => String::new(),
        Err(err) => err.to_string(),
    }
}

async fn run_steps(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    let ctx = bake.ctx;
    for step in STEPS {
        ctx.check_cancel(step)?;
        let start = ctx.clock.now();
        ctx.emit(BakeEvent::StepStarted { step });
        let result = tokio::select! {
            result = run_step(step, bake) => result,
            _ = ctx.cancel.cancelled() => Err(EngineError::Cancelled(step)),
        };
        match result {
            Ok(()) => finish_step(ctx, step, start, None),
            Err(err @ EngineError::Cancelled(_)) => {
                ctx.emit(BakeEvent::StepCancelled {
                    step,
                    duration_ms: ms(ctx.elapsed_since(start)),
                });
                return Err(err);
            }
            Err(err) => {
                finish_step(ctx, step, start, Some(err.to_string()));
                return Err(err);
            }
        }
    }
    Ok(())
}

fn finish_step(ctx: &BakeContext, step: StepName, start: SystemTime, error: Option<String>) {
    let duration_ms = ms(ctx.elapsed_since(start));
    ctx.emit(match error {
        None => BakeEvent::StepFinished { step, duration_ms },
        Some(error) => BakeEvent::StepFailed {
            step,
            duration_ms,
            error,
        },
    });
}

fn ms(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// On success the images and snapshots are the product: keep them.
fn keep_artifacts(ctx: &BakeContext, note: &str) -> Result<(), EngineError> {
    for entry in ctx.history.open_entries(&ctx.bake_id)? {
        if matches!(
            entry.kind,
            bakery_history::ResourceKind::Image | bakery_history::ResourceKind::Snapshot
        ) {
            ctx.history.mark_kept(entry.id, note, &ctx.now())?;
        }
    }
    Ok(())
}

/// `--on-error=abort`: leave everything, recorded (the entries stay open, the bake is
/// `aborted`, which start-up recovery skips), and say exactly what.
fn keep_everything(ctx: &BakeContext) -> Result<(), EngineError> {
    for entry in ctx.history.open_entries(&ctx.bake_id)? {
        let note = "left on purpose (--on-error=abort); `bakery cleanup` deletes it";
        ctx.emit(BakeEvent::ResourceLeft {
            kind: entry.kind,
            id: entry
                .resource_id
                .clone()
                .or(entry.name.clone())
                .unwrap_or_default(),
            region: entry.region.clone(),
            reason: note.into(),
        });
    }
    Ok(())
}
