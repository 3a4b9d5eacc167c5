//! Start a bake and get a handle: its stamped events as they happen, a cancel, its result.
//! [`Bakery`] is what a front end holds: the data directory, the environment, the keyring
//! and MFA prompt of this front end, the history, and the bakes running in this process
//! (several at once), which a window can follow again after it reloads (stored events
//! first, then live ones).
//!
//! Check, plan and start is one use case ([`Bakery::bake_template`]): the window's Bake
//! button starts every build at once ([`TemplateBakes::launch`]), `bakery bake` one after
//! the other ([`TemplateBakes::start_next`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bakery_credentials::{
    AppProfileStore, AwsEnvironment, AwsFiles, CredentialResolver, KeyringAccess, MfaPrompt,
    Profiles,
};
use bakery_engine::{BakeContext, BakeEvent, BakeResult, BakeSpec, OnError, StampedEvent};
use bakery_history::{BakeRecord, BakeStatus, History};
use bakery_template::Diagnostic;
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use crate::credentials::sdk_for_build;
use crate::environment::Environment;
use crate::error::AppError;
use crate::plan::{Plan, PlanOptions};
use crate::template::VariableValues;

/// What a front end holds to run the use cases.
pub struct Bakery {
    data_dir: PathBuf,
    env: Environment,
    keyring: KeyringAccess,
    mfa: Arc<dyn MfaPrompt>,
    history: OnceLock<Arc<History>>,
    running: Mutex<HashMap<String, Arc<LiveBake>>>,
}

impl std::fmt::Debug for Bakery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bakery")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

/// How to run one bake, beyond its plan.
#[derive(Debug, Clone, Default)]
pub struct BakeRequest {
    /// The profile the person chose; wins over the template's credentials.
    pub profile: Option<String>,
    /// What to do with the resources when the bake fails (Packer's `-on-error`).
    pub on_error: OnError,
    /// Cancels the bake (everything it made is then cleaned up).
    pub cancel: CancellationToken,
}

/// A template to bake, as the person gave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BakeOrder {
    /// The template: a JSON file, a `.pkr.hcl` file or a folder of them.
    pub path: PathBuf,
    /// Values for its variables.
    pub values: VariableValues,
    /// Which of its builds to bake, and in which region.
    pub options: PlanOptions,
}

impl BakeOrder {
    /// Every build of the template at `path`, each in its own region.
    pub fn new(path: PathBuf, values: VariableValues) -> Self {
        Self {
            path,
            values,
            options: PlanOptions::default(),
        }
    }
}

/// A template checked and planned, its bakes ready to start: all at once in the
/// background ([`Self::launch`]), or one after the other ([`Self::start_next`]).
pub struct TemplateBakes {
    bakery: Arc<Bakery>,
    plan: Plan,
    started: usize,
}

impl std::fmt::Debug for TemplateBakes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateBakes")
            .field("path", &self.plan.path)
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}

impl TemplateBakes {
    /// The plan: one bake per build, in the template's order.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Cleans up after the bakes of this data directory whose process died (see
    /// [`Bakery::recover`]), with `profile`'s credentials in the first build's region: what
    /// `bakery bake` does before it starts.
    pub async fn recover(
        &self,
        profile: Option<&str>,
    ) -> Result<Vec<bakery_engine::cleanup::Recovered>, AppError> {
        let region = self
            .plan
            .specs
            .first()
            .map_or("", |spec| spec.region.as_str());
        self.bakery.recover(profile, region).await
    }

    /// Starts the next build's bake (see [`Bakery::start`]); `None` once every build has
    /// started. Fails before anything is made when the build's credentials cannot be had.
    pub async fn start_next(
        &mut self,
        request: &BakeRequest,
    ) -> Option<Result<BakeHandle, AppError>> {
        let spec = self.plan.specs.get(self.started)?.clone();
        self.started += 1;
        Some(self.bakery.start(&self.plan, spec, request).await)
    }

    /// Starts every build at once in the background of this process (see
    /// [`Bakery::launch`]); returns the bakes' ids, in the template's order.
    pub async fn launch(
        self,
        profile: Option<String>,
        on_error: OnError,
    ) -> Result<Vec<String>, AppError> {
        self.bakery.launch(&self.plan, profile, on_error).await
    }
}

/// A bake that has started.
pub struct BakeHandle {
    /// The bake's id (its history row, its ledger entries' and resources' tag).
    pub bake_id: String,
    /// The build it bakes.
    pub build: String,
    /// The profile its credentials come from, if any.
    pub profile: Option<String>,
    events: mpsc::UnboundedReceiver<StampedEvent>,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<Result<BakeResult, bakery_engine::EngineError>>,
}

impl std::fmt::Debug for BakeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BakeHandle")
            .field("bake_id", &self.bake_id)
            .finish_non_exhaustive()
    }
}

impl BakeHandle {
    /// The next event; `None` once the bake has reported its end.
    pub async fn next_event(&mut self) -> Option<StampedEvent> {
        self.events.recv().await
    }

    /// Cancels the bake: it stops at the next safe point and cleans up.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Waits for the end: what was produced, or why not.
    pub async fn finish(self) -> Result<BakeResult, AppError> {
        match self.task.await {
            Ok(result) => Ok(result?),
            Err(err) => Err(AppError::Internal(format!("the bake's task failed: {err}"))),
        }
    }
}

/// One bake as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BakeSummary {
    /// The bake's id.
    pub id: String,
    /// The template it was baked from.
    pub template_path: Option<String>,
    /// The build's name.
    pub build: Option<String>,
    /// The profile its credentials came from.
    pub profile: Option<String>,
    /// The region it baked in.
    pub region: String,
    /// How it ended, or `running`.
    pub status: BakeStatus,
    /// Its process stopped before it ended (killed, crashed): recovery cleans it up.
    pub interrupted: bool,
    /// When it started (RFC 3339 UTC).
    pub started_at: String,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

struct LiveBake {
    cancel: CancellationToken,
    /// Taken (dropped) when the bake has ended, which closes every follower's stream.
    live: Mutex<Option<broadcast::Sender<StampedEvent>>>,
}

/// How many events a follower may fall behind before it reads the history instead.
const LIVE_BUFFER: usize = 4096;
/// The largest batch a replay delivers at once.
const REPLAY_BATCH: usize = 5000;

impl Bakery {
    /// A front end's bakery: `data_dir` is ensured to exist; MFA codes are asked through
    /// `mfa` (a terminal prompt, a dialog).
    pub fn new(
        data_dir: &Path,
        env: Environment,
        keyring: KeyringAccess,
        mfa: Arc<dyn MfaPrompt>,
    ) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            env,
            keyring,
            mfa,
            history: OnceLock::new(),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The environment the use cases were given.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The OS keyring, connected on first use.
    pub fn keyring(&self) -> &KeyringAccess {
        &self.keyring
    }

    /// The history database in the data directory, opened (and migrated) once.
    pub fn history(&self) -> Result<Arc<History>, AppError> {
        if let Some(history) = self.history.get() {
            return Ok(history.clone());
        }
        std::fs::create_dir_all(&self.data_dir).map_err(|source| AppError::Write {
            path: self.data_dir.clone(),
            source,
        })?;
        let history = Arc::new(History::open_in(&self.data_dir)?);
        Ok(self.history.get_or_init(|| history).clone())
    }

    /// The user's AWS files and the app's own profile store.
    pub fn profile_sources(&self) -> (AwsFiles, AppProfileStore) {
        (AwsFiles::from_env(), AppProfileStore::new(&self.data_dir))
    }

    /// Every profile, read now.
    pub fn profiles(&self) -> Result<Profiles, AppError> {
        let (files, store) = self.profile_sources();
        Ok(Profiles::load(&files, &store)?)
    }

    /// Credentials for any profile, asking MFA codes through this front end's prompt.
    pub fn resolver(&self) -> Result<CredentialResolver, AppError> {
        let env = self.env.clone();
        Ok(CredentialResolver::new(
            self.profiles()?,
            self.keyring.clone(),
            self.mfa.clone(),
            AwsEnvironment::from_lookup(move |name| env.var(name).map(str::to_string)),
        ))
    }

    /// Checks the template of `order` with its values and plans its bakes, ready to start.
    /// Every diagnostic of the check (warnings too) goes to `report` first, so a template
    /// refused for its errors has them reported, located. Prints nothing itself.
    pub fn bake_template(
        self: &Arc<Self>,
        order: &BakeOrder,
        report: impl FnMut(&Diagnostic),
    ) -> Result<TemplateBakes, AppError> {
        let checked =
            crate::template::check_template(&order.path, &order.values, false, &self.env)?;
        checked.diagnostics.iter().for_each(report);
        let mut plan = crate::plan::plan(&order.path, checked, &order.options, &self.env)?;
        plan.variables = crate::plan::recorded_variables(&order.values.vars, &plan.template);
        Ok(TemplateBakes {
            bakery: self.clone(),
            plan,
            started: 0,
        })
    }

    /// Starts baking `spec` (one build of `plan`): resolves its credentials, then runs the
    /// bake on the runtime; the handle streams its events. Fails before anything is made
    /// when the credentials cannot be had.
    pub async fn start(
        &self,
        plan: &Plan,
        spec: BakeSpec,
        request: &BakeRequest,
    ) -> Result<BakeHandle, AppError> {
        let resolver = self.resolver()?;
        let (sdk, profile) =
            sdk_for_build(&resolver, request.profile.as_deref(), &spec, &self.env).await?;
        let history = self.history()?;
        let bake_id = (self.env.ids)();
        let (tx, rx) = mpsc::unbounded_channel();
        let mut ctx = BakeContext::new(&bake_id, history, self.data_dir.clone());
        ctx.clock = self.env.clock.clone();
        ctx.cancel = request.cancel.clone();
        ctx.events = Some(tx);
        ctx.on_error = request.on_error;
        // Absolute: the history is read from other folders (the window, `history list`).
        let absolute = std::path::absolute(&plan.path).unwrap_or_else(|_| plan.path.clone());
        ctx.template_path = Some(absolute.display().to_string());
        ctx.template_text = Some(plan.as_baked.clone());
        ctx.profile = profile.clone();
        ctx.variables = Some(plan.variables.clone());
        let redactor = plan.template.clone();
        ctx.redact = Some(Arc::new(move |line: &str| redactor.redact(line)));
        let build = spec.build_name.clone();
        let task = tokio::spawn(async move { bakery_engine::bake(&ctx, &sdk, &spec).await });
        Ok(BakeHandle {
            bake_id,
            build,
            profile,
            events: rx,
            cancel: request.cancel.clone(),
            task,
        })
    }

    /// Starts every build of `plan` in the background of this process (the window's bakes):
    /// each can be followed ([`Self::follow`]) and cancelled ([`Self::cancel`]) by its id,
    /// and several run at once. Returns the bakes' ids, in the template's order.
    pub async fn launch(
        self: &Arc<Self>,
        plan: &Plan,
        profile: Option<String>,
        on_error: OnError,
    ) -> Result<Vec<String>, AppError> {
        let mut ids = Vec::new();
        for spec in &plan.specs {
            let request = BakeRequest {
                profile: profile.clone(),
                on_error,
                cancel: CancellationToken::new(),
            };
            let mut handle = self.start(plan, spec.clone(), &request).await?;
            let (live, _) = broadcast::channel(LIVE_BUFFER);
            let bake = Arc::new(LiveBake {
                cancel: request.cancel.clone(),
                live: Mutex::new(Some(live.clone())),
            });
            let id = handle.bake_id.clone();
            self.lock_running().insert(id.clone(), bake.clone());
            let me = self.clone();
            ids.push(id.clone());
            tokio::spawn(async move {
                while let Some(event) = handle.next_event().await {
                    // No follower yet is fine: the events are in the history too.
                    let _ = live.send(event);
                }
                let _ = handle.finish().await;
                drop(live);
                lock(&bake.live).take();
                me.lock_running().remove(&id);
            });
        }
        Ok(ids)
    }

    /// Cancels a bake running in this process; it then cleans up what it made.
    pub fn cancel(&self, bake_id: &str) -> Result<(), AppError> {
        let bake = self
            .lock_running()
            .get(bake_id)
            .cloned()
            .ok_or_else(|| AppError::NoRunningBake(bake_id.to_string()))?;
        bake.cancel.cancel();
        Ok(())
    }

    /// The ids of the bakes running in this process.
    pub fn running(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.lock_running().keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Recent bakes, newest first, running ones included (at most `limit`).
    pub fn recent(&self, limit: usize) -> Result<Vec<BakeSummary>, AppError> {
        let history = self.history()?;
        let running = self.running();
        let mut bakes: Vec<BakeSummary> = history
            .recent_bakes(limit)?
            .into_iter()
            .map(|record| self.summary(record, &running))
            .collect();
        // Running bakes first, each group newest first.
        bakes.sort_by_key(|b| b.status != BakeStatus::Running || b.interrupted);
        Ok(bakes)
    }

    /// Recorded as running, but not running here and no other process holds its lock.
    pub(crate) fn is_interrupted(&self, record: &BakeRecord, running_here: &[String]) -> bool {
        record.status == BakeStatus::Running
            && !running_here.contains(&record.id)
            && bakery_history::BakeLock::try_claim(&self.data_dir, &record.id)
                .ok()
                .flatten()
                .map(|lock| lock.release())
                .is_some()
    }

    /// One bake's summary.
    pub fn summary_of(&self, bake_id: &str) -> Result<BakeSummary, AppError> {
        let record = self.history()?.bake(bake_id)?;
        Ok(self.summary(record, &self.running()))
    }

    fn summary(&self, record: BakeRecord, running_here: &[String]) -> BakeSummary {
        let interrupted = self.is_interrupted(&record, running_here);
        BakeSummary {
            id: record.id,
            template_path: record.template_path,
            build: record.build_name,
            profile: record.profile,
            region: record.region,
            status: record.status,
            interrupted,
            started_at: record.started_at,
            finished_at: record.finished_at,
            error: record.error,
        }
    }

    /// Packer's `manifest.json` of a bake, as a fresh `manifest` post-processor would write it:
    /// the build the engine reported once its images existed, and `last_run_uuid`.
    pub fn manifest(&self, bake_id: &str) -> Result<serde_json::Value, AppError> {
        let build = self
            .stored_events(bake_id)?
            .into_iter()
            .rev()
            .find_map(|stamped| match stamped.event {
                BakeEvent::Manifest { build, .. } => Some(build),
                _ => None,
            })
            .ok_or_else(|| AppError::NoManifest(bake_id.to_string()))?;
        Ok(serde_json::json!({ "builds": [build], "last_run_uuid": bake_id }))
    }

    /// Writes [`Bakery::manifest`] to `path` (pretty JSON, like Packer's).
    pub fn save_manifest(&self, bake_id: &str, path: &Path) -> Result<(), AppError> {
        let text = serde_json::to_string_pretty(&self.manifest(bake_id)?)
            .map_err(|err| AppError::Internal(format!("the manifest did not serialize: {err}")))?;
        std::fs::write(path, text).map_err(|source| AppError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Every event a bake has reported so far, in order (from the history).
    pub fn stored_events(&self, bake_id: &str) -> Result<Vec<StampedEvent>, AppError> {
        self.stored_events_from(bake_id, 0)
    }

    fn stored_events_from(&self, bake_id: &str, from: u64) -> Result<Vec<StampedEvent>, AppError> {
        let stored = self.history()?.events(bake_id)?;
        stored
            .into_iter()
            .filter(|e| u64::try_from(e.seq).is_ok_and(|seq| seq >= from))
            .map(|e| {
                let event: BakeEvent = serde_json::from_str(&e.event).map_err(|err| {
                    AppError::Internal(format!(
                        "event {} of bake {bake_id} is unreadable in the history: {err}",
                        e.seq
                    ))
                })?;
                Ok(StampedEvent {
                    seq: u64::try_from(e.seq).unwrap_or_default(),
                    at: e.at,
                    event,
                })
            })
            .collect()
    }

    /// Follows a bake: every event it has reported (read back from the history), then its
    /// live events as they come, delivered in batches at most every `every` (a log line
    /// each is too many messages for a webview). Ends when the bake has ended or `deliver`
    /// returns false (the window went away).
    pub async fn follow(
        &self,
        bake_id: &str,
        every: Duration,
        mut deliver: impl FnMut(Vec<StampedEvent>) -> bool + Send,
    ) -> Result<(), AppError> {
        // Subscribe before reading the history: an event is stored before it is sent, so
        // every event is in one or the other (or both: `next` skips those).
        let mut live = self
            .lock_running()
            .get(bake_id)
            .and_then(|bake| lock(&bake.live).as_ref().map(broadcast::Sender::subscribe));
        let mut next = 0u64;
        let stored = self.stored_events(bake_id)?;
        if stored.is_empty() && live.is_none() {
            // Unknown ids fail; a known bake with no events yet is fine.
            self.history()?.bake(bake_id)?;
        }
        for chunk in stored.chunks(REPLAY_BATCH) {
            next = chunk.last().map_or(next, |e| e.seq + 1);
            if !deliver(chunk.to_vec()) {
                return Ok(());
            }
        }
        let Some(live) = live.as_mut() else {
            return Ok(());
        };
        loop {
            let mut batch = Vec::new();
            let mut ended = false;
            let first = live.recv().await;
            let until = tokio::time::Instant::now() + every;
            let mut received = Some(first);
            while let Some(result) = received.take() {
                match result {
                    Ok(event) if event.seq >= next => {
                        next = event.seq + 1;
                        batch.push(event);
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        // Fell behind the live buffer: the history has them all.
                        let missed = self.stored_events_from(bake_id, next)?;
                        if let Some(last) = missed.last() {
                            next = last.seq + 1;
                        }
                        batch.extend(missed);
                    }
                    Err(broadcast::error::RecvError::Closed) => {
                        ended = true;
                        break;
                    }
                }
                if let Ok(more) = tokio::time::timeout_at(until, live.recv()).await {
                    received = Some(more);
                }
            }
            if ended {
                // Whatever was stored after the last live event we saw.
                batch.extend(self.stored_events_from(bake_id, next)?);
            }
            if !batch.is_empty() && !deliver(batch) {
                return Ok(());
            }
            if ended {
                return Ok(());
            }
        }
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<LiveBake>>> {
        lock(&self.running)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
