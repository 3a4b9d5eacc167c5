//! What the About view and the header show: version, data directory, active target.

use serde::Serialize;
use tauri::State;

use crate::AppState;
use crate::error::IpcError;

/// The app's identity and where it works.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's version, from Cargo.
    pub version: String,
    /// The data directory (`BAKERY_HOME` or the platform's app data dir).
    pub data_dir: String,
    /// The active AWS profile, when one is selected.
    pub profile: Option<String>,
    /// The active region, when one is selected.
    pub region: Option<String>,
    /// The local sandbox's EC2 endpoint, when the app talks to the sandbox.
    pub sandbox_endpoint: Option<String>,
}

#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: state.home.path().display().to_string(),
        profile: state.target.profile.clone(),
        region: state.target.region.clone(),
        sandbox_endpoint: state.target.sandbox_endpoint.clone(),
    })
}
