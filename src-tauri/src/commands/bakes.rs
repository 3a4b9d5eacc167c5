//! The Bakes view: pick a template, see what it needs, bake it, follow every step live,
//! cancel, and clean up after bakes that stopped — adapters over `bakery-app`'s bake and
//! recovery use cases. Events reach the webview over a `Channel` in batches (about every
//! 50 ms), never as one IPC message per log line.

use std::path::PathBuf;
use std::time::Duration;

use bakery_app::bake::BakeSummary;
use bakery_app::prepare::Preparation;
use bakery_app::recover::UnfinishedBake;
use bakery_app::{BakeOrder, VariableValues};
use bakery_engine::cleanup::Leftover;
use bakery_engine::{BakeEvent, BakeOutcome, OnError, StampedEvent};
use serde::Deserialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_notification::NotificationExt;

use crate::AppState;
use crate::error::IpcError;

/// How often a follower's events are sent to the webview.
const BATCH_EVERY: Duration = Duration::from_millis(50);

/// A value for one of the template's variables. Sensitive values come this way only: they
/// are never sent back.
#[derive(Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VariableInput {
    pub name: String,
    pub value: String,
}

impl std::fmt::Debug for VariableInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VariableInput")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

pub(crate) fn values(vars: &[VariableInput]) -> VariableValues {
    VariableValues {
        vars: vars
            .iter()
            .map(|v| format!("{}={}", v.name, v.value))
            .collect(),
        var_files: Vec::new(),
    }
}

/// What to bake.
#[derive(Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StartBake {
    /// The template: a JSON file, a `.pkr.hcl` file or a folder.
    pub path: String,
    pub vars: Vec<VariableInput>,
    /// Packer's `-on-error`: clean up, or keep the instance for debugging.
    pub on_error: OnError,
}

/// The native open dialog for a template; `null` when the person closed it.
#[tauri::command]
#[specta::specta]
pub async fn pick_template(app: AppHandle) -> Result<Option<String>, IpcError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Bake a template")
        .add_filter("Packer templates", &["json", "hcl"])
        .pick_file(move |path| {
            let _ = tx.send(path);
        });
    let picked = rx
        .await
        .map_err(|err| IpcError::internal(format!("the file dialog went away: {err}")))?;
    Ok(picked
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string()))
}

/// Checks the template with the values given so far: its problems (located), its
/// variables and builds.
#[tauri::command]
#[specta::specta]
pub async fn prepare_bake(
    state: State<'_, AppState>,
    path: String,
    vars: Vec<VariableInput>,
) -> Result<Preparation, IpcError> {
    Ok(bakery_app::prepare::prepare(
        &PathBuf::from(path),
        &values(&vars),
        state.bakery.environment(),
    )?)
}

/// Starts baking every build of the template with the active profile; returns the bakes'
/// ids. A desktop notification says how each ended when the window is not focused then.
#[tauri::command]
#[specta::specta]
pub async fn start_bake(
    app: AppHandle,
    state: State<'_, AppState>,
    bake: StartBake,
) -> Result<Vec<String>, IpcError> {
    let order = BakeOrder::new(PathBuf::from(&bake.path), values(&bake.vars));
    // The window showed the template's problems before the Bake button (`prepare_bake`).
    let bakes = state.bakery.bake_template(&order, |_| {})?;
    let ids = bakes.launch(state.target().profile, bake.on_error).await?;
    for id in &ids {
        let (app, bakery, id) = (app.clone(), state.bakery.clone(), id.clone());
        tauri::async_runtime::spawn(async move {
            let mut ended = None;
            let _ = bakery
                .follow(&id, BATCH_EVERY, |batch| {
                    for stamped in batch {
                        if let BakeEvent::BakeFinished { outcome, .. } = stamped.event {
                            ended = Some(outcome);
                        }
                    }
                    true
                })
                .await;
            if let Some(outcome) = ended {
                notify_unless_focused(&app, &id, outcome);
            }
        });
    }
    Ok(ids)
}

fn notify_unless_focused(app: &AppHandle, bake_id: &str, outcome: BakeOutcome) {
    let focused = app
        .get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    if focused {
        return;
    }
    let title = match outcome {
        BakeOutcome::Succeeded => "Bake finished",
        BakeOutcome::Failed => "Bake failed",
        BakeOutcome::Cancelled => "Bake cancelled",
        BakeOutcome::Aborted => "Bake failed: resources kept",
        // A finished bake is never running.
        BakeOutcome::Running => return,
    };
    let _ = app
        .notification()
        .builder()
        .title(title)
        .body(format!("Bake {bake_id}"))
        .show();
}

/// Sends a bake's events to `channel`: every stored one, then the live ones as they come,
/// in batches, until the bake ends or the window goes away.
#[tauri::command]
#[specta::specta]
pub async fn follow_bake(
    state: State<'_, AppState>,
    bake_id: String,
    channel: Channel<Vec<StampedEvent>>,
) -> Result<(), IpcError> {
    // An unknown id fails here, at once; the rest goes on in the background.
    state.bakery.summary_of(&bake_id)?;
    let bakery = state.bakery.clone();
    tauri::async_runtime::spawn(async move {
        let _ = bakery
            .follow(&bake_id, BATCH_EVERY, |batch| channel.send(batch).is_ok())
            .await;
    });
    Ok(())
}

/// Cancels a running bake; it cleans up what it made (the events show each deletion).
#[tauri::command]
#[specta::specta]
pub fn cancel_bake(state: State<'_, AppState>, bake_id: String) -> Result<(), IpcError> {
    Ok(state.bakery.cancel(&bake_id)?)
}

/// "Save as…" for a bake's manifest: the native save dialog, then Packer's `manifest.json`
/// written there. The path written, or `null` when the person closed the dialog.
#[tauri::command]
#[specta::specta]
pub async fn save_manifest(
    app: AppHandle,
    state: State<'_, AppState>,
    bake_id: String,
) -> Result<Option<String>, IpcError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Save the manifest")
        .set_file_name("manifest.json")
        .add_filter("JSON", &["json"])
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    let picked = rx
        .await
        .map_err(|err| IpcError::internal(format!("the file dialog went away: {err}")))?;
    let Some(path) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    state.bakery.save_manifest(&bake_id, &path)?;
    Ok(Some(path.display().to_string()))
}

/// Running and recent bakes, running ones first.
#[tauri::command]
#[specta::specta]
pub fn list_bakes(state: State<'_, AppState>) -> Result<Vec<BakeSummary>, IpcError> {
    Ok(state.bakery.recent(200)?)
}

/// Bakes that stopped without cleaning up (the app or `bakery` was killed), and those kept
/// on purpose, with what they left.
#[tauri::command]
#[specta::specta]
pub fn list_unfinished(state: State<'_, AppState>) -> Result<Vec<UnfinishedBake>, IpcError> {
    Ok(state.bakery.unfinished(true)?)
}

/// "Clean up now": deletes what one stopped bake left; returns what is still there.
#[tauri::command]
#[specta::specta]
pub async fn clean_up_bake(
    state: State<'_, AppState>,
    bake_id: String,
) -> Result<Vec<Leftover>, IpcError> {
    Ok(state.bakery.clean_up_bake(&bake_id).await?)
}
