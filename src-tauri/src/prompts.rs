//! The GUI's answers to the credential crate's questions: an MFA code is asked with a dialog
//! (an event to the webview, answered by the `answer_mfa` command); an SSO sign-in shows the
//! address and code in a dialog and opens the browser.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bakery_credentials::sso::{SsoSignInPrompt, open_in_browser};
use bakery_credentials::{MfaPrompt, MfaRefusal};
use serde::{Deserialize, Serialize};
use tauri::AppHandle;
use tauri_specta::Event;

/// How long an MFA dialog waits for the person before the call fails.
const MFA_WAIT: Duration = Duration::from_secs(5 * 60);

/// The webview is asked for the current code of an MFA device.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct MfaRequested {
    /// Answer with `answer_mfa(id, code)`.
    pub id: u32,
    pub profile: String,
    /// The device's ARN (`mfa_serial`).
    pub serial: String,
}

/// An SSO sign-in waits for the person to approve `userCode` at `verificationUri`.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct SsoSignInStarted {
    pub profile: String,
    pub verification_uri: String,
    pub user_code: String,
    /// Whether a browser was opened at the address (otherwise the dialog says to open it).
    pub browser_opened: bool,
}

/// Questions waiting for the webview's answer, by id.
#[derive(Default)]
pub struct PendingAnswers {
    next: AtomicU32,
    waiting: Mutex<HashMap<u32, SyncSender<Option<String>>>>,
}

impl PendingAnswers {
    fn ask(&self) -> (u32, Receiver<Option<String>>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = sync_channel(1);
        self.lock().insert(id, tx);
        (id, rx)
    }

    fn forget(&self, id: u32) {
        self.lock().remove(&id);
    }

    /// Delivers the answer to question `id`; false when nobody waits for it any more.
    pub fn answer(&self, id: u32, answer: Option<String>) -> bool {
        match self.lock().remove(&id) {
            Some(tx) => tx.send(answer).is_ok(),
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u32, SyncSender<Option<String>>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Asks for MFA codes with the webview's dialog.
pub struct DialogMfaPrompt {
    pub app: AppHandle,
    pub pending: Arc<PendingAnswers>,
}

impl MfaPrompt for DialogMfaPrompt {
    fn mfa_code(&self, profile: &str, serial: &str) -> Result<String, MfaRefusal> {
        let (id, answer) = self.pending.ask();
        let event = MfaRequested {
            id,
            profile: profile.to_string(),
            serial: serial.to_string(),
        };
        if let Err(err) = event.emit(&self.app) {
            self.pending.forget(id);
            return Err(MfaRefusal::Unavailable(format!(
                "the MFA dialog could not be shown: {err}"
            )));
        }
        let result = match answer.recv_timeout(MFA_WAIT) {
            Ok(Some(code)) if !code.trim().is_empty() => Ok(code.trim().to_string()),
            Ok(_) => Err(MfaRefusal::Cancelled),
            Err(_) => Err(MfaRefusal::Unavailable(format!(
                "no code was entered within {} minutes",
                MFA_WAIT.as_secs() / 60
            ))),
        };
        self.pending.forget(id);
        result
    }
}

/// Shows where to approve an SSO sign-in, and opens the browser there unless
/// `BAKERY_NO_BROWSER` is set (tests, remote sessions).
pub struct DialogSsoSignIn {
    pub app: AppHandle,
    pub profile: String,
    pub open_browser: bool,
}

impl SsoSignInPrompt for DialogSsoSignIn {
    fn show(&self, verification_uri: &str, user_code: &str) {
        let browser_opened = self.open_browser && open_in_browser(verification_uri);
        let _ = SsoSignInStarted {
            profile: self.profile.clone(),
            verification_uri: verification_uri.to_string(),
            user_code: user_code.to_string(),
            browser_opened,
        }
        .emit(&self.app);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_reaches_the_question_it_is_for_and_only_once() {
        let pending = PendingAnswers::default();
        let (first, first_rx) = pending.ask();
        let (second, second_rx) = pending.ask();
        assert_ne!(first, second);
        assert!(pending.answer(second, Some("123456".into())));
        assert_eq!(second_rx.recv().unwrap().as_deref(), Some("123456"));
        assert!(!pending.answer(second, Some("again".into())));
        assert!(pending.answer(first, None));
        assert_eq!(first_rx.recv().unwrap(), None);
        assert!(!pending.answer(99, None), "no such question");
    }
}
