//! The desktop shell: builds the Tauri app, holds its state, registers the commands.
//! No business logic lives here (DESIGN.md, boundary rule 2).

pub mod commands;
pub mod error;
pub mod prompts;

use std::sync::{Arc, RwLock};

use bakery_credentials::KeyringAccess;
use bakery_home::BakeryHome;
use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, IpcError};
use crate::prompts::PendingAnswers;

/// Where the app's generated TypeScript bindings live, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/backend/bindings.ts";

/// The AWS target bakes use: from the environment at start (`AWS_PROFILE`, `AWS_REGION`,
/// a loopback `AWS_ENDPOINT_URL` = the sandbox), else the profile chosen last time in the
/// Profiles view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveTarget {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub sandbox_endpoint: Option<String>,
}

impl ActiveTarget {
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let endpoint = var("AWS_ENDPOINT_URL_EC2").or_else(|| var("AWS_ENDPOINT_URL"));
        Self {
            profile: var("AWS_PROFILE"),
            region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
            sandbox_endpoint: endpoint.filter(|url| is_loopback_url(url)),
        }
    }
}

/// The file in the data directory that remembers the chosen profile.
const ACTIVE_TARGET_FILE: &str = "active-profile.json";

impl ActiveTarget {
    /// The environment's target when it names a profile or keys; else the one remembered in
    /// `home`; else whatever the environment gives.
    pub fn at_start(home: &BakeryHome) -> Self {
        let from_env = Self::from_env();
        if from_env.profile.is_some() || std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
            return from_env;
        }
        std::fs::read(home.path().join(ACTIVE_TARGET_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<ActiveTarget>(&bytes).ok())
            .filter(|t| t.profile.is_some())
            .unwrap_or(from_env)
    }
}

pub(crate) fn is_loopback_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    rest.starts_with("127.") || rest.starts_with("localhost") || rest.starts_with("[::1]")
}

/// State shared by all commands.
pub struct AppState {
    pub home: BakeryHome,
    target: RwLock<ActiveTarget>,
    /// The OS keyring, connected on first use and shared.
    pub keyring: KeyringAccess,
    /// MFA dialogs waiting for the webview's answer.
    pub pending: Arc<PendingAnswers>,
    /// Open the browser for SSO sign-ins (off with `BAKERY_NO_BROWSER=1`).
    pub open_browser: bool,
}

impl AppState {
    pub fn new(home: BakeryHome, target: ActiveTarget) -> Self {
        Self {
            home,
            target: RwLock::new(target),
            keyring: KeyringAccess::native(),
            pending: Arc::new(PendingAnswers::default()),
            open_browser: std::env::var_os("BAKERY_NO_BROWSER").is_none(),
        }
    }

    /// The target bakes use now.
    pub fn target(&self) -> ActiveTarget {
        self.target
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Makes `profile` the active one and remembers it for the next start.
    pub fn set_active(
        &self,
        profile: &str,
        region: Option<String>,
        sandbox_endpoint: Option<String>,
    ) -> Result<(), IpcError> {
        let target = ActiveTarget {
            profile: Some(profile.to_string()),
            region,
            sandbox_endpoint,
        };
        let json = serde_json::to_vec_pretty(&target)
            .map_err(|err| IpcError::internal(err.to_string()))?;
        let path = self.home.path().join(ACTIVE_TARGET_FILE);
        std::fs::write(&path, json).map_err(|err| {
            IpcError::new(
                ErrorKind::Io,
                format!("cannot write {}: {err}", path.display()),
            )
        })?;
        *self.target.write().unwrap_or_else(|p| p.into_inner()) = target;
        Ok(())
    }

    /// After `profile` is removed: it is no longer active, here or at the next start.
    pub fn forget_active_if(&self, profile: &str) {
        let mut target = self.target.write().unwrap_or_else(|p| p.into_inner());
        if target.profile.as_deref() == Some(profile) {
            *target = ActiveTarget::from_env();
            let _ = std::fs::remove_file(self.home.path().join(ACTIVE_TARGET_FILE));
        }
    }
}

/// The typed command set; also the source of the generated TypeScript bindings.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            commands::about::app_info,
            commands::profiles::list_profiles,
            commands::profiles::add_profile,
            commands::profiles::remove_profile,
            commands::profiles::import_profile,
            commands::profiles::test_profile,
            commands::profiles::sign_in_profile,
            commands::profiles::answer_mfa,
            commands::profiles::use_profile,
        ])
        .events(tauri_specta::collect_events![
            prompts::MfaRequested,
            prompts::SsoSignInStarted
        ])
}

/// Renders the TypeScript bindings as they should be committed.
pub fn render_bindings() -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("ami-bakery-bindings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let file = dir.join("bindings.ts");
    specta_builder()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated by tauri-specta from the Rust commands: do not edit.\n// Regenerate: UPDATE_BINDINGS=1 cargo test -p ami-bakery bindings\n"),
            &file,
        )
        .map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(text)
}

pub fn run() {
    let home = match BakeryHome::from_env() {
        Ok(home) => home,
        Err(err) => {
            eprintln!("ami-bakery: {err}");
            std::process::exit(2);
        }
    };
    if let Err(err) = home.ensure() {
        eprintln!("ami-bakery: {err}");
        std::process::exit(2);
    }
    let builder = specta_builder();
    tauri::Builder::default()
        .manage({
            let target = ActiveTarget::at_start(&home);
            AppState::new(home, target)
        })
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|err| {
            eprintln!("ami-bakery: the window could not start: {err}");
            std::process::exit(1);
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_fresh() {
        let fresh = render_bindings().expect("render bindings");
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).expect("write bindings");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: run `UPDATE_BINDINGS=1 cargo test -p ami-bakery bindings` and commit it",
            path.display()
        );
    }

    #[test]
    fn only_loopback_endpoints_count_as_the_sandbox() {
        assert!(is_loopback_url("http://127.0.0.1:5000"));
        assert!(is_loopback_url("http://localhost:5000"));
        assert!(!is_loopback_url("https://ec2.eu-west-1.amazonaws.com"));
    }
}
