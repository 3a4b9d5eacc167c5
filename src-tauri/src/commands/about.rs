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
    Ok(app_info_of(&state))
}

pub(crate) fn app_info_of(state: &AppState) -> AppInfo {
    let target = state.target();
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: state.bakery.data_dir().display().to_string(),
        profile: target.profile,
        region: target.region,
        sandbox_endpoint: target.sandbox_endpoint,
    }
}
