//! The Profiles view: list, add, remove, import, test, sign in and choose the profile to
//! bake with — adapters over `bakery_app::profiles`. What crosses to the webview says
//! whether and where a secret is kept, never the secret; the secret access key of a new
//! profile crosses once, from the form into the keyring.

use std::sync::Arc;

use bakery_app::profiles::{CallerIdentityView, ImportView, NewProfile, ProfileList};
use tauri::{AppHandle, State};

use crate::AppState;
use crate::commands::about::{AppInfo, app_info_of};
use crate::error::IpcError;
use crate::prompts::DialogSsoSignIn;

/// Every profile: `~/.aws/config`, `~/.aws/credentials` and the app's own.
#[tauri::command]
#[specta::specta]
pub async fn list_profiles(state: State<'_, AppState>) -> Result<ProfileList, IpcError> {
    let active = state.target().profile;
    Ok(state.bakery.list_profiles(active.as_deref()).await?)
}

/// Adds an app profile: the secret goes to the OS keyring, the rest to the app's file.
#[tauri::command]
#[specta::specta]
pub async fn add_profile(state: State<'_, AppState>, profile: NewProfile) -> Result<(), IpcError> {
    Ok(state.bakery.add_profile(profile).await?)
}

/// Removes an app profile and its keyring items. Returns the app info (the active profile
/// may have gone with it).
#[tauri::command]
#[specta::specta]
pub async fn remove_profile(state: State<'_, AppState>, name: String) -> Result<AppInfo, IpcError> {
    state.bakery.remove_profile(&name).await?;
    state.forget_active_if(&name);
    Ok(app_info_of(&state))
}

/// Copies a `~/.aws/credentials` profile's static keys into the keyring; with
/// `removePlaintext`, then deletes its key lines from the file (after a backup).
#[tauri::command]
#[specta::specta]
pub async fn import_profile(
    state: State<'_, AppState>,
    name: String,
    remove_plaintext: bool,
) -> Result<ImportView, IpcError> {
    Ok(state.bakery.import_profile(&name, remove_plaintext).await?)
}

/// STS GetCallerIdentity with the profile's credentials (an MFA profile asks for its code
/// through the dialog, once per session).
#[tauri::command]
#[specta::specta]
pub async fn test_profile(
    state: State<'_, AppState>,
    name: String,
) -> Result<CallerIdentityView, IpcError> {
    Ok(state.bakery.test_profile(&name).await?)
}

/// Signs an SSO profile in: the dialog shows the code and the browser opens at the address.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_profile(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
) -> Result<(), IpcError> {
    let prompt = DialogSsoSignIn {
        app: app.clone(),
        profile: name.clone(),
        open_browser: state.open_browser,
    };
    state.bakery.sign_in(&name, Arc::new(prompt)).await?;
    Ok(())
}

/// The MFA dialog's answer to `MfaRequested { id }`; `null` = cancelled.
#[tauri::command]
#[specta::specta]
pub fn answer_mfa(state: State<'_, AppState>, id: u32, code: Option<String>) -> bool {
    state.pending.answer(id, code)
}

/// Makes `name` the profile bakes use (remembered for the next start); its region and
/// endpoint become the active ones.
#[tauri::command]
#[specta::specta]
pub async fn use_profile(state: State<'_, AppState>, name: String) -> Result<AppInfo, IpcError> {
    state.set_active(&name)?;
    Ok(app_info_of(&state))
}
