//! The one error type that crosses IPC: `{ kind, message, field? }`, so the UI can branch on
//! `kind` and point at `field` without parsing messages.

use serde::Serialize;

/// What went wrong, in a form the UI can branch on. Serialized in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Reading or writing a file or folder failed.
    Io,
    /// The request named something that does not exist or is malformed; see `field`.
    InvalidInput,
    /// A defect in the app; the message says what to report.
    Internal,
    /// No profile (or other named thing) of that name.
    NotFound,
    /// The OS keyring is missing, locked or failed; the message says what to start or unlock.
    Keyring,
    /// Credentials could not be had (STS, a role chain, MFA, credential_process, SSO).
    Credentials,
    /// An SSO profile needs a (new) sign-in: offer the sign-in button.
    SignInNeeded,
    /// The person declined (closed the MFA dialog).
    Cancelled,
}

/// An error as the webview receives it.
#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
    /// The input field the error is about, when there is one (e.g. `builders[0].region`).
    pub field: Option<String>,
}

impl From<bakery_home::HomeError> for IpcError {
    fn from(err: bakery_home::HomeError) -> Self {
        Self {
            kind: ErrorKind::Io,
            message: err.to_string(),
            field: None,
        }
    }
}

impl IpcError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            field: None,
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

impl From<bakery_credentials::CredentialsError> for IpcError {
    /// Every credentials failure keeps its message (written for the person, never carrying a
    /// secret); the kind says what the UI can offer, `field` which form input is wrong.
    fn from(err: bakery_credentials::CredentialsError) -> Self {
        use bakery_credentials::CredentialsError as E;
        let (kind, field) = match &err {
            E::Read { .. } | E::Write { .. } | E::AppProfilesCorrupt { .. } | E::Home(_) => {
                (ErrorKind::Io, None)
            }
            E::UnknownProfile { .. } => (ErrorKind::NotFound, Some("name")),
            E::ProfileExists { .. } | E::InvalidProfileName { .. } => {
                (ErrorKind::InvalidInput, Some("name"))
            }
            E::EmptyField { field } if field.starts_with("access key id") => {
                (ErrorKind::InvalidInput, Some("accessKeyId"))
            }
            E::EmptyField { field } if field.starts_with("secret access key") => {
                (ErrorKind::InvalidInput, Some("secretAccessKey"))
            }
            E::InvalidEndpointUrl { .. } => (ErrorKind::InvalidInput, Some("endpointUrl")),
            E::EmptyField { .. }
            | E::NotAnAppProfile { .. }
            | E::NothingToImport { .. }
            | E::NotSso { .. } => (ErrorKind::InvalidInput, None),
            E::NoSecretService { .. }
            | E::KeyringLocked { .. }
            | E::Keyring { .. }
            | E::SecretMissing { .. } => (ErrorKind::Keyring, None),
            E::SsoLoginNeeded { .. } => (ErrorKind::SignInNeeded, None),
            E::MfaCodeMissing { message, .. } if message.contains("cancelled") => {
                (ErrorKind::Cancelled, None)
            }
            _ => (ErrorKind::Credentials, None),
        };
        Self {
            kind,
            message: err.to_string(),
            field: field.map(str::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_ipc_as_kind_message_field() {
        let err = IpcError {
            kind: ErrorKind::InvalidInput,
            message: "region is required".into(),
            field: Some("builders[0].region".into()),
        };
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "invalid_input",
                "message": "region is required",
                "field": "builders[0].region"
            })
        );
    }

    #[test]
    fn credentials_errors_name_the_form_field_and_what_the_ui_can_offer() {
        use bakery_credentials::CredentialsError as E;
        let err: IpcError = E::EmptyField {
            field: "secret access key",
        }
        .into();
        assert_eq!(
            (err.kind, err.field.as_deref()),
            (ErrorKind::InvalidInput, Some("secretAccessKey"))
        );
        let err: IpcError = E::InvalidEndpointUrl {
            url: "ftp://x".into(),
        }
        .into();
        assert_eq!(err.field.as_deref(), Some("endpointUrl"));
        let err: IpcError = E::SsoLoginNeeded {
            profile: "corp".into(),
            reason: "no token".into(),
        }
        .into();
        assert_eq!(err.kind, ErrorKind::SignInNeeded);
        let err: IpcError = E::KeyringLocked {
            message: "locked".into(),
        }
        .into();
        assert_eq!(err.kind, ErrorKind::Keyring);
        assert!(err.message.contains("unlock"), "{}", err.message);
        let err: IpcError = E::MfaCodeMissing {
            serial: "arn:aws:iam::1:mfa/me".into(),
            message: "the dialog was cancelled".into(),
        }
        .into();
        assert_eq!(err.kind, ErrorKind::Cancelled);
    }

    #[test]
    fn home_errors_are_io_errors_without_a_field() {
        let err: IpcError = bakery_home::HomeError::NoPlatformDir.into();
        assert_eq!(err.kind, ErrorKind::Io);
        assert!(err.field.is_none());
        assert!(err.message.contains("BAKERY_HOME"));
    }
}
