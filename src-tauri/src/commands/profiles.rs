//! The Profiles view: list, add, remove, import, test, sign in and choose the profile to
//! bake with. Thin: every rule lives in `bakery-credentials`. What crosses to the webview
//! says whether and where a secret is kept, never the secret; the secret access key of a
//! new profile crosses once, from the form into the keyring.

use std::sync::Arc;
use std::time::SystemTime;

use bakery_credentials::manage::{self, NewAppProfile};
use bakery_credentials::sso::{self, SignInStatus};
use bakery_credentials::{
    AppProfileStore, AwsEnvironment, AwsFiles, CredentialResolver, ProfileKind, ProfileSummary,
    Profiles, Secret, SecretLocation,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};

use crate::commands::about::{AppInfo, app_info_of};
use crate::error::IpcError;
use crate::prompts::{DialogMfaPrompt, DialogSsoSignIn};
use crate::{AppState, is_loopback_url};

/// Where a profile's long-lived secret is kept (never the secret).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SecretView {
    /// No secret of its own (a role, SSO, credential_process, or settings only).
    None,
    /// In the OS keyring; `present` = the keyring holds it (null when the keyring could not
    /// be asked).
    Keyring { present: Option<bool> },
    /// In plain text in a shared file: offer to import it into the keyring.
    PlaintextFile { path: String },
}

/// One profile as the Profiles view shows it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub name: String,
    /// `static_keys`, `assume_role`, `web_identity`, `sso`, `credential_process`,
    /// `app_keyring` or `settings_only`.
    pub kind: String,
    /// E.g. "assume-role + MFA".
    pub kind_label: String,
    pub mfa: bool,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Where it is defined, e.g. "~/.aws/config:12".
    pub source: String,
    pub secret: SecretView,
    /// The profile and the profiles its credentials come from.
    pub chain: Vec<String>,
    /// What is wrong with it, worded for the person.
    pub problem: Option<String>,
    /// SSO profiles: "signed in until …", "not signed in", "expired".
    pub sign_in: Option<String>,
    /// SSO profiles that need the sign-in button.
    pub sign_in_needed: bool,
    /// The profile bakes use now.
    pub active: bool,
}

/// Keys given to the app in its environment (`AWS_ACCESS_KEY_ID`, …): what bakes use when
/// no profile is chosen (the built-in sandbox gives them this way).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentKeys {
    /// The access key id (not a secret; the secret key is never sent).
    pub access_key_id: String,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// The endpoint is on this machine (the sandbox).
    pub sandbox: bool,
}

/// Every profile, and the files they come from.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProfileList {
    pub profiles: Vec<ProfileView>,
    /// Keys from the environment, when there are some.
    pub environment: Option<EnvironmentKeys>,
    pub config_file: String,
    pub credentials_file: String,
    /// The app's own profiles (secrets in the keyring, the rest here).
    pub app_profiles_file: String,
}

/// The Add form. The secret is moved into the keyring and dropped.
#[derive(Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewProfile {
    pub name: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// What STS says the profile's credentials are.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdentityView {
    pub profile: String,
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

/// What an import did.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportView {
    pub profile: String,
    /// The credentials file the key lines were removed from, when asked.
    pub credentials_file: Option<String>,
    /// A copy of that file as it was (it still holds the keys).
    pub backup: Option<String>,
    pub lines_removed: u32,
}

fn files_and_store(state: &AppState) -> (AwsFiles, AppProfileStore) {
    (
        AwsFiles::from_env(),
        AppProfileStore::new(state.home.path()),
    )
}

fn load(state: &AppState) -> Result<(AwsFiles, AppProfileStore, Profiles), IpcError> {
    let (files, store) = files_and_store(state);
    let profiles = Profiles::load(&files, &store)?;
    Ok((files, store, profiles))
}

fn resolver(app: &AppHandle, state: &AppState) -> Result<CredentialResolver, IpcError> {
    let (_, _, profiles) = load(state)?;
    let mfa = DialogMfaPrompt {
        app: app.clone(),
        pending: state.pending.clone(),
    };
    Ok(CredentialResolver::new(
        profiles,
        state.keyring.clone(),
        Arc::new(mfa),
        AwsEnvironment::from_process(),
    ))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|err| IpcError::internal(format!("a background task failed: {err}")))?
}

fn kind_id(kind: ProfileKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| kind.label().to_string())
}

fn view(
    summary: ProfileSummary,
    profiles: &Profiles,
    files: &AwsFiles,
    keyring_has: &dyn Fn(&str) -> Option<bool>,
    active: Option<&str>,
) -> ProfileView {
    let (sign_in, sign_in_needed) = match profiles.find(&summary.name) {
        Some(profile) if profile.kind == ProfileKind::Sso => {
            match sso::sign_in_status(profile, &files.sso_cache, SystemTime::now()) {
                Ok(SignInStatus::ValidUntil(at)) => (
                    Some(format!("signed in until {}", readable_time(&at))),
                    false,
                ),
                Ok(status @ SignInStatus::Expired { renewable: true }) => {
                    (Some(status.to_string()), false)
                }
                Ok(status) => (Some(status.to_string()), true),
                Err(err) => (Some(err.to_string()), false),
            }
        }
        _ => (None, false),
    };
    let secret = match summary.secret {
        SecretLocation::None => SecretView::None,
        SecretLocation::Keyring => SecretView::Keyring {
            present: keyring_has(&summary.name),
        },
        SecretLocation::PlaintextFile { path } => SecretView::PlaintextFile { path },
    };
    ProfileView {
        active: active == Some(summary.name.as_str()),
        kind: kind_id(summary.kind),
        kind_label: summary.kind_label,
        mfa: summary.mfa,
        region: summary.region,
        endpoint_url: summary.endpoint_url,
        source: summary.source,
        secret,
        chain: summary.chain,
        problem: summary.problem.map(|p| p.message),
        sign_in,
        sign_in_needed,
        name: summary.name,
    }
}

/// `2026-11-26T04:51:32.29Z` as `2026-11-26 04:51 UTC`: what a person reads in a table.
fn readable_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) if rfc3339.ends_with('Z') => format!("{day} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// Every profile: `~/.aws/config`, `~/.aws/credentials` and the app's own.
#[tauri::command]
#[specta::specta]
pub async fn list_profiles(state: State<'_, AppState>) -> Result<ProfileList, IpcError> {
    let (files, store, profiles) = load(&state)?;
    let active = state.target().profile;
    let keyring = state.keyring.clone();
    let app_names: Vec<String> = profiles
        .iter()
        .filter(|p| p.kind == ProfileKind::AppKeyring)
        .map(|p| p.name.clone())
        .collect();
    // Ask the keyring (a D-Bus round trip each) off the main thread, and only when there
    // are app profiles: the list works without a Secret Service otherwise.
    let present: Vec<(String, Option<bool>)> = blocking(move || {
        Ok(app_names
            .into_iter()
            .map(|name| {
                let has = keyring
                    .get()
                    .and_then(|k| k.secret_access_key(&name))
                    .map(|s| s.is_some())
                    .ok();
                (name, has)
            })
            .collect())
    })
    .await?;
    let keyring_has = |name: &str| -> Option<bool> { present.iter().find(|(n, _)| n == name)?.1 };
    let views = profiles
        .summaries()
        .into_iter()
        .map(|s| view(s, &profiles, &files, &keyring_has, active.as_deref()))
        .collect();
    let env = AwsEnvironment::from_process();
    let environment = env.access_key_id.map(|access_key_id| EnvironmentKeys {
        access_key_id,
        region: env.region,
        sandbox: env.endpoint_url.as_deref().is_some_and(is_loopback_url),
        endpoint_url: env.endpoint_url,
    });
    Ok(ProfileList {
        profiles: views,
        environment,
        config_file: files.config.display().to_string(),
        credentials_file: files.credentials.display().to_string(),
        app_profiles_file: store.path().display().to_string(),
    })
}

/// Adds an app profile: the secret goes to the OS keyring (and is read back to check it
/// arrived), the rest to the app's profiles file.
#[tauri::command]
#[specta::specta]
pub async fn add_profile(state: State<'_, AppState>, profile: NewProfile) -> Result<(), IpcError> {
    let (_, store, profiles) = load(&state)?;
    let keyring = state.keyring.clone();
    let secret = Secret::new(profile.secret_access_key);
    let new = NewAppProfile {
        name: profile.name.trim().to_string(),
        access_key_id: profile.access_key_id,
        region: profile.region.map(|r| r.trim().to_string()),
        endpoint_url: profile.endpoint_url.map(|u| u.trim().to_string()),
    };
    blocking(move || {
        let keyring = keyring.get()?;
        manage::add_profile(&store, &keyring, &profiles, new, &secret)?;
        Ok(())
    })
    .await
}

/// Removes an app profile and its keyring items. Profiles of the `~/.aws` files are the
/// user's to edit there. Returns the app info (the active profile may have gone with it).
#[tauri::command]
#[specta::specta]
pub async fn remove_profile(state: State<'_, AppState>, name: String) -> Result<AppInfo, IpcError> {
    let (_, store, profiles) = load(&state)?;
    let keyring = state.keyring.clone();
    let removed = name.clone();
    blocking(move || {
        let keyring = keyring.get()?;
        manage::remove_profile(&store, &keyring, &profiles, &name)?;
        Ok(())
    })
    .await?;
    state.forget_active_if(&removed);
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
    let (files, store) = files_and_store(&state);
    let keyring = state.keyring.clone();
    blocking(move || {
        let keyring = keyring.get()?;
        let outcome = manage::import_profile(
            &files,
            &store,
            &keyring,
            &name,
            remove_plaintext,
            SystemTime::now(),
        )?;
        let removal = outcome.plaintext_removed;
        Ok(ImportView {
            profile: outcome.profile.name,
            credentials_file: removal
                .as_ref()
                .map(|r| r.credentials_file.display().to_string()),
            backup: removal.as_ref().map(|r| r.backup.display().to_string()),
            lines_removed: removal
                .map(|r| u32::try_from(r.lines_removed).unwrap_or(u32::MAX))
                .unwrap_or(0),
        })
    })
    .await
}

/// STS GetCallerIdentity with the profile's credentials (an MFA profile asks for its code
/// through the dialog, once per session).
#[tauri::command]
#[specta::specta]
pub async fn test_profile(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
) -> Result<CallerIdentityView, IpcError> {
    let resolver = resolver(&app, &state)?;
    let identity = resolver.caller_identity(&name).await?;
    Ok(CallerIdentityView {
        profile: name,
        account: identity.account,
        arn: identity.arn,
        user_id: identity.user_id,
    })
}

/// Signs an SSO profile in with the device-authorization flow: the dialog shows the code
/// and the browser opens at the address; the token is cached where the AWS CLI finds it.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_profile(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
) -> Result<(), IpcError> {
    let resolver = resolver(&app, &state)?;
    let prompt = DialogSsoSignIn {
        app: app.clone(),
        profile: name.clone(),
        open_browser: state.open_browser,
    };
    resolver.sso_login(&name, Arc::new(prompt)).await?;
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
pub async fn use_profile(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
) -> Result<AppInfo, IpcError> {
    // The region and endpoint its calls will go to, by the resolver's own rules.
    let resolver = resolver(&app, &state)?;
    let region = resolver.region(&name)?;
    let endpoint = resolver.endpoint_url(&name)?;
    state.set_active(
        &name,
        Some(region),
        endpoint.filter(|url| is_loopback_url(url)),
    )?;
    Ok(app_info_of(&state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_times_read_as_minutes_in_utc() {
        assert_eq!(
            readable_time("2026-11-26T04:51:32.292615Z"),
            "2026-11-26 04:51 UTC"
        );
        assert_eq!(readable_time("soon"), "soon");
    }
}
