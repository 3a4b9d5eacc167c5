//! What a bake is given from outside (boundary rule 5): its id, the clock, cancellation,
//! the history (ledger), and where events go. Tests control all of them.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use bakery_history::{History, ResourceKind};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::EngineError;
use crate::event::{BakeEvent, StampedEvent};

/// The time source.
pub trait Clock: Send + Sync {
    /// The time now (a fixed or stepped clock in tests).
    fn now(&self) -> SystemTime;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A function that hides secrets in a text.
pub type Redactor = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// What to do with the bake's resources when it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Delete everything the bake created (the default).
    #[default]
    Cleanup,
    /// Leave the resources for debugging; they stay recorded in the ledger.
    Abort,
}

/// Everything a bake needs from its caller.
#[derive(Clone)]
pub struct BakeContext {
    /// The bake's id: its history row, ledger entries, lock file and resources' tag.
    pub bake_id: String,
    /// Where the bake reads the time (step durations, event stamps, ledger times).
    pub clock: Arc<dyn Clock>,
    /// Cancels the bake: it stops at the next safe point and cleans up.
    pub cancel: CancellationToken,
    /// The history database: the bake's row, its events and its ledger.
    pub history: Arc<History>,
    /// The data directory (for the bake's lock file).
    pub data_dir: PathBuf,
    /// Where every event goes as it happens, stamped with its `seq` and time.
    pub events: Option<UnboundedSender<StampedEvent>>,
    /// What to do with the resources when the bake fails (Packer's `-on-error`).
    pub on_error: OnError,
    /// The template's path and text, recorded in the history as baked.
    pub template_path: Option<String>,
    /// The template's text as baked, sensitive values redacted.
    pub template_text: Option<String>,
    /// The profile the credentials came from, recorded with the bake.
    pub profile: Option<String>,
    /// The variables' values given for the bake, a JSON object with sensitive values
    /// redacted: recorded with it ("Bake again" offers them).
    pub variables: Option<String>,
    /// The machine the bake runs on (this one's host name by default), recorded with it.
    pub host: Option<String>,
    /// Hides sensitive values (the template's sensitive variables) in every text the bake
    /// reports: output lines, notes, errors.
    pub redact: Option<Redactor>,
    pub(crate) seq: Arc<AtomicI64>,
    /// The shortest time any earlier wait of this bake was still seen in its old state:
    /// later waits skip the polls scheduled before it (fewer calls, never a later answer
    /// than the plain schedule would give for such a wait).
    pub(crate) pending_floor: Arc<std::sync::Mutex<Option<Duration>>>,
}

impl std::fmt::Debug for BakeContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BakeContext")
            .field("bake_id", &self.bake_id)
            .field("on_error", &self.on_error)
            .finish_non_exhaustive()
    }
}

impl BakeContext {
    /// A context for bake `bake_id` with the real clock, no listener, a fresh cancel and
    /// `OnError::Cleanup`; callers set the rest.
    pub fn new(bake_id: impl Into<String>, history: Arc<History>, data_dir: PathBuf) -> Self {
        Self {
            bake_id: bake_id.into(),
            clock: Arc::new(SystemClock),
            cancel: CancellationToken::new(),
            history,
            data_dir,
            events: None,
            on_error: OnError::Cleanup,
            template_path: None,
            template_text: None,
            profile: None,
            variables: None,
            host: local_host_name(),
            redact: None,
            seq: Arc::new(AtomicI64::new(0)),
            pending_floor: Arc::new(std::sync::Mutex::new(None)),
        }
    }

    /// A context for more work on a bake that already ran (cleanup after a crash or after
    /// `--on-error=abort`): its events continue the bake's numbering in the history.
    pub fn resume(bake_id: impl Into<String>, history: Arc<History>, data_dir: PathBuf) -> Self {
        let bake_id = bake_id.into();
        let next = history
            .events(&bake_id)
            .ok()
            .and_then(|events| events.last().map(|e| e.seq + 1))
            .unwrap_or(0);
        let ctx = Self::new(bake_id, history, data_dir);
        ctx.seq.store(next, Ordering::SeqCst);
        ctx
    }

    /// The current time, RFC 3339 with milliseconds (UTC).
    pub fn now(&self) -> String {
        humantime::format_rfc3339_millis(self.clock.now()).to_string()
    }

    /// How long since `start`, by the bake's clock (zero if the clock went back).
    pub fn elapsed_since(&self, start: SystemTime) -> Duration {
        self.clock.now().duration_since(start).unwrap_or_default()
    }

    /// Reports an event: stored in the history and sent to the listener.
    pub fn emit(&self, mut event: BakeEvent) {
        if let Some(redact) = &self.redact {
            match &mut event {
                BakeEvent::Output { line: text, .. }
                | BakeEvent::Note { text }
                | BakeEvent::StepFailed { error: text, .. }
                | BakeEvent::ResourceLeft { reason: text, .. }
                | BakeEvent::ProvisionerStarted { title: text, .. }
                | BakeEvent::ProvisionerFinished {
                    error: Some(text), ..
                }
                | BakeEvent::BakeFinished {
                    error: Some(text), ..
                } => *text = redact(text),
                _ => {}
            }
        }
        let seq = self.seq.fetch_add(1, Ordering::SeqCst);
        let at = self.now();
        if let Ok(json) = serde_json::to_string(&event) {
            // The history is best effort for events and steps; the ledger (below) is not.
            let _ = self.history.append_event(&self.bake_id, seq, &at, &json);
            let _ = self.record_step(&event, &at);
        }
        if let Some(events) = &self.events {
            let _ = events.send(StampedEvent {
                seq: u64::try_from(seq).unwrap_or_default(),
                at,
                event,
            });
        }
    }

    /// A step's start or end, as its own row (the waterfall and trends read them).
    fn record_step(&self, event: &BakeEvent, at: &str) -> Result<(), bakery_history::HistoryError> {
        use bakery_history::StepStatus;
        let (step, ended) = match event {
            BakeEvent::StepStarted { step } => (step, None),
            BakeEvent::StepFinished { step, duration_ms } => {
                (step, Some((StepStatus::Succeeded, *duration_ms, None)))
            }
            BakeEvent::StepFailed {
                step,
                duration_ms,
                error,
            } => (
                step,
                Some((StepStatus::Failed, *duration_ms, Some(error.as_str()))),
            ),
            BakeEvent::StepCancelled { step, duration_ms } => {
                (step, Some((StepStatus::Cancelled, *duration_ms, None)))
            }
            _ => return Ok(()),
        };
        let key = step.key();
        match ended {
            None => self.history.step_started(&self.bake_id, key, at),
            Some((status, duration_ms, error)) => {
                self.history
                    .step_ended(&self.bake_id, key, status, at, duration_ms, error)
            }
        }
    }

    /// Reports a note: something worth telling the user.
    pub fn note(&self, text: impl Into<String>) {
        self.emit(BakeEvent::Note { text: text.into() });
    }

    /// Ledger: the intent to create a resource, written before the create call.
    pub fn intend(
        &self,
        region: &str,
        kind: ResourceKind,
        name: Option<&str>,
    ) -> Result<i64, EngineError> {
        Ok(self
            .history
            .intend(&self.bake_id, region, kind, name, &self.now())?)
    }

    /// Ledger: the resource exists.
    pub fn created(
        &self,
        entry: i64,
        region: &str,
        kind: ResourceKind,
        id: &str,
    ) -> Result<(), EngineError> {
        self.history.mark_created(entry, id, &self.now())?;
        self.emit(BakeEvent::ResourceCreated {
            kind,
            id: id.to_string(),
            region: region.to_string(),
        });
        Ok(())
    }

    /// Fails with `Cancelled` if the bake was cancelled.
    pub fn check_cancel(&self, step: crate::event::StepName) -> Result<(), EngineError> {
        if self.cancel.is_cancelled() {
            return Err(EngineError::Cancelled(step));
        }
        Ok(())
    }
}

/// This machine's host name (Linux's kernel hostname, else `HOSTNAME`/`COMPUTERNAME`).
fn local_host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
}
