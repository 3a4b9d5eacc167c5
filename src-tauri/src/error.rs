//! The one error type that crosses IPC: `{ kind, message, field? }`, so the UI can branch on
//! `kind` and point at `field` without parsing messages. The kinds are `bakery-app`'s.

use serde::Serialize;

pub use bakery_app::error::ErrorKind;

/// An error as the webview receives it.
#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
    /// The input field the error is about, when there is one (e.g. `builders[0].region`).
    pub field: Option<String>,
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

impl From<bakery_app::AppError> for IpcError {
    fn from(err: bakery_app::AppError) -> Self {
        Self {
            kind: err.kind(),
            field: err.field().map(str::to_string),
            message: err.to_string(),
        }
    }
}

impl From<bakery_home::HomeError> for IpcError {
    fn from(err: bakery_home::HomeError) -> Self {
        bakery_app::AppError::from(err).into()
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
    fn a_use_case_error_keeps_its_kind_field_and_message() {
        let err: IpcError =
            bakery_app::AppError::from(bakery_credentials::CredentialsError::InvalidEndpointUrl {
                url: "ftp://x".into(),
            })
            .into();
        assert_eq!(err.kind, ErrorKind::InvalidInput);
        assert_eq!(err.field.as_deref(), Some("endpointUrl"));
        assert!(err.message.contains("ftp://x"), "{}", err.message);
    }

    #[test]
    fn home_errors_are_io_errors_without_a_field() {
        let err: IpcError = bakery_home::HomeError::NoPlatformDir.into();
        assert_eq!(err.kind, ErrorKind::Io);
        assert!(err.field.is_none());
        assert!(err.message.contains("BAKERY_HOME"));
    }
}
