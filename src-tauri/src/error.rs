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
    fn home_errors_are_io_errors_without_a_field() {
        let err: IpcError = bakery_home::HomeError::NoPlatformDir.into();
        assert_eq!(err.kind, ErrorKind::Io);
        assert!(err.field.is_none());
        assert!(err.message.contains("BAKERY_HOME"));
    }
}
