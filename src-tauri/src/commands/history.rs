//! The History view: the timeline's window, one bake whole, how it differs from the bake
//! before, an image's lineage, a template's step times, and where a bake's images stand in
//! the account now — adapters over `bakery-app`'s history use cases. The view asks for the
//! visible window only.

use bakery_app::catalog::ImageStanding;
use bakery_app::history::{
    BakeDetail, BakeDiff, ExpectedSteps, Lineage, StepTimes, Timeline, TimelineQuery,
};
use tauri::State;

use crate::AppState;
use crate::error::IpcError;

/// How many recent bakes of a template the trends chart shows.
const TREND_BAKES: u32 = 50;

/// The bakes of a window of time (clustered when there are more than it asks to draw).
#[tauri::command]
#[specta::specta]
pub fn history_timeline(
    state: State<'_, AppState>,
    query: TimelineQuery,
) -> Result<Timeline, IpcError> {
    Ok(state.bakery.timeline(&query)?)
}

/// One bake, whole: template as baked, variables (sensitive ones redacted), account,
/// source image, steps, images, resources.
#[tauri::command]
#[specta::specta]
pub fn history_bake(state: State<'_, AppState>, bake_id: String) -> Result<BakeDetail, IpcError> {
    Ok(state.bakery.bake_detail(&bake_id)?)
}

/// How a bake differs from the previous bake of its template and build.
#[tauri::command]
#[specta::specta]
pub fn history_diff(state: State<'_, AppState>, bake_id: String) -> Result<BakeDiff, IpcError> {
    Ok(state.bakery.bake_diff(&bake_id, None)?)
}

/// What an image was baked from and what was baked from it.
#[tauri::command]
#[specta::specta]
pub fn history_lineage(state: State<'_, AppState>, image_id: String) -> Result<Lineage, IpcError> {
    Ok(state.bakery.lineage(&image_id)?)
}

/// The step times of a template's recent bakes, oldest first, and the expected time of each
/// step in `region`.
#[tauri::command]
#[specta::specta]
pub fn history_trends(
    state: State<'_, AppState>,
    template_path: String,
    region: String,
) -> Result<(Vec<StepTimes>, ExpectedSteps), IpcError> {
    Ok((
        state.bakery.trends(&template_path, None, TREND_BAKES)?,
        state.bakery.expected_steps(&template_path, &region)?,
    ))
}

/// Where each image a bake produced stands in the account now, asked with the active
/// profile.
#[tauri::command]
#[specta::specta]
pub async fn history_image_standings(
    state: State<'_, AppState>,
    bake_id: String,
) -> Result<Vec<ImageStanding>, IpcError> {
    let detail = state.bakery.bake_detail(&bake_id)?;
    let images: Vec<(String, String)> = detail
        .artifacts
        .iter()
        .map(|a| (a.region.clone(), a.image_id.clone()))
        .collect();
    let profile = state.target().profile;
    Ok(state
        .catalog
        .image_standings(&state.bakery, profile.as_deref(), &images)
        .await)
}

/// The expected time of each step of a bake of this template in `region` (the median of its
/// recent bakes there): the Bakes view's estimates.
#[tauri::command]
#[specta::specta]
pub fn expected_step_times(
    state: State<'_, AppState>,
    template_path: String,
    region: String,
) -> Result<ExpectedSteps, IpcError> {
    Ok(state.bakery.expected_steps(&template_path, &region)?)
}
