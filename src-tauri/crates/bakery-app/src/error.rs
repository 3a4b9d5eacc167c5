//! The one error of the use cases, and the stable code a front end branches on
//! ([`AppError::kind`]) with the form input it is about ([`AppError::field`]) — never by
//! reading the message.

use std::path::PathBuf;

use bakery_credentials::{CredentialsError, MfaRefusal, ProfileField};

/// What went wrong, in a form a front end can branch on. Serialized in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Reading or writing a file or folder failed.
    Io,
    /// The request named something that does not exist or is malformed; see `field`.
    InvalidInput,
    /// A defect in the app; the message says what to report.
    Internal,
    /// No profile, bake (or other named thing) of that name.
    NotFound,
    /// The OS keyring is missing, locked or failed; the message says what to start or unlock.
    Keyring,
    /// Credentials could not be had (STS, a role chain, MFA, credential_process, SSO).
    Credentials,
    /// An SSO profile needs a (new) sign-in: offer the sign-in button.
    SignInNeeded,
    /// The person declined (closed the MFA dialog), or cancelled a bake.
    Cancelled,
    /// The template has errors (each one located in the diagnostics).
    TemplateInvalid,
    /// A bake could not start or did not succeed; the message says what to do.
    Bake,
}

/// Every way a use case can fail.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// What was read.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// What was written.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A value given for the template (e.g. a malformed `--var`).
    #[error(transparent)]
    Template(#[from] bakery_template::TemplateError),
    /// A folder opened as a template holds no `.pkr.hcl` file.
    #[error(
        "{path} holds no .pkr.hcl file: open a Packer JSON file, a .pkr.hcl file or a folder of them"
    )]
    NoTemplate {
        /// The folder.
        path: PathBuf,
    },
    /// The template has errors; they are in the check's diagnostics.
    #[error("{path}: {errors} error(s)")]
    TemplateInvalid {
        /// The template.
        path: PathBuf,
        /// How many errors it has.
        errors: usize,
    },
    /// An edit could not be made (the path names nothing, the file does not parse, …).
    #[error(transparent)]
    Edit(#[from] bakery_template::edit::EditError),
    /// An edit would add these errors to the template: nothing was written.
    #[error(
        "{path}: the change was refused, it adds {} error(s); nothing was written (--force writes it anyway)",
        .diagnostics.len()
    )]
    EditRefused {
        /// The template.
        path: PathBuf,
        /// The errors the change adds, each located.
        diagnostics: Vec<bakery_template::Diagnostic>,
    },
    /// A folder given where one template file is edited.
    #[error("{0} is a folder: edit one of its .pkr.hcl files")]
    NotOneFile(PathBuf),
    /// Profiles and credentials.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The data directory.
    #[error(transparent)]
    Home(#[from] bakery_home::HomeError),
    /// The history database.
    #[error(transparent)]
    History(#[from] bakery_history::HistoryError),
    /// The bake engine.
    #[error(transparent)]
    Engine(#[from] bakery_engine::EngineError),
    /// No bake with this id runs in this process.
    #[error("no running bake has the id {0}")]
    NoRunningBake(String),
    /// The bake has reported no manifest (its images do not exist yet, or it failed first).
    #[error("bake {0} has no manifest: it made no image")]
    NoManifest(String),
    /// A line of a history export that cannot be read.
    #[error("{file}:{line}:{column}: not a bake exported by `bakery history export`: {message}")]
    ImportLine {
        /// The file imported.
        file: String,
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A defect: says what to report.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// The stable code a front end branches on.
    pub fn kind(&self) -> ErrorKind {
        use CredentialsError as C;
        match self {
            Self::Read { .. } | Self::Write { .. } | Self::Home(_) => ErrorKind::Io,
            Self::Template(_) | Self::NoTemplate { .. } => ErrorKind::InvalidInput,
            Self::TemplateInvalid { .. } | Self::EditRefused { .. } => ErrorKind::TemplateInvalid,
            Self::Edit(_) | Self::NotOneFile(_) => ErrorKind::InvalidInput,
            Self::History(
                bakery_history::HistoryError::NoSuchBake(_)
                | bakery_history::HistoryError::AmbiguousId { .. },
            ) => ErrorKind::NotFound,
            Self::ImportLine { .. } => ErrorKind::InvalidInput,
            Self::History(_) | Self::Internal(_) => ErrorKind::Internal,
            Self::NoRunningBake(_) | Self::NoManifest(_) => ErrorKind::NotFound,
            Self::Engine(bakery_engine::EngineError::Cancelled(_)) => ErrorKind::Cancelled,
            Self::Engine(_) => ErrorKind::Bake,
            Self::Credentials(err) => match err {
                C::Read { .. } | C::Write { .. } | C::AppProfilesCorrupt { .. } | C::Home(_) => {
                    ErrorKind::Io
                }
                C::UnknownProfile { .. } => ErrorKind::NotFound,
                C::ProfileExists { .. }
                | C::InvalidProfileName { .. }
                | C::InvalidEndpointUrl { .. }
                | C::EmptyField { .. }
                | C::NotAnAppProfile { .. }
                | C::NothingToImport { .. }
                | C::NotSso { .. } => ErrorKind::InvalidInput,
                C::NoSecretService { .. }
                | C::KeyringLocked { .. }
                | C::Keyring { .. }
                | C::SecretMissing { .. } => ErrorKind::Keyring,
                C::SsoLoginNeeded { .. } => ErrorKind::SignInNeeded,
                C::MfaCodeMissing {
                    reason: MfaRefusal::Cancelled,
                    ..
                } => ErrorKind::Cancelled,
                _ => ErrorKind::Credentials,
            },
        }
    }

    /// The form input the error is about (as the Profiles form names its inputs), if any.
    pub fn field(&self) -> Option<&'static str> {
        use CredentialsError as C;
        let field = match self {
            Self::Credentials(C::UnknownProfile { .. })
            | Self::Credentials(C::ProfileExists { .. })
            | Self::Credentials(C::InvalidProfileName { .. }) => ProfileField::Name,
            Self::Credentials(C::InvalidEndpointUrl { .. }) => ProfileField::EndpointUrl,
            Self::Credentials(C::EmptyField { field, .. }) => *field,
            _ => return None,
        };
        Some(match field {
            ProfileField::Name => "name",
            ProfileField::AccessKeyId => "accessKeyId",
            ProfileField::SecretAccessKey => "secretAccessKey",
            ProfileField::EndpointUrl => "endpointUrl",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_errors_name_the_form_field_and_what_the_ui_can_offer() {
        let err = AppError::from(CredentialsError::EmptyField {
            field: ProfileField::SecretAccessKey,
            hint: "",
        });
        assert_eq!(
            (err.kind(), err.field()),
            (ErrorKind::InvalidInput, Some("secretAccessKey"))
        );
        let err = AppError::from(CredentialsError::InvalidEndpointUrl {
            url: "ftp://x".into(),
        });
        assert_eq!(err.field(), Some("endpointUrl"));
        let err = AppError::from(CredentialsError::SsoLoginNeeded {
            profile: "corp".into(),
            reason: "no token".into(),
        });
        assert_eq!(err.kind(), ErrorKind::SignInNeeded);
        let err = AppError::from(CredentialsError::KeyringLocked {
            message: "locked".into(),
        });
        assert_eq!(err.kind(), ErrorKind::Keyring);
        assert!(err.to_string().contains("unlock"), "{err}");
    }

    #[test]
    fn a_declined_mfa_dialog_is_a_cancel_by_its_type_not_its_words() {
        let declined = AppError::from(CredentialsError::MfaCodeMissing {
            serial: "arn:aws:iam::1:mfa/me".into(),
            reason: MfaRefusal::Cancelled,
        });
        assert_eq!(declined.kind(), ErrorKind::Cancelled);
        // A reason that merely says "cancelled" is not a cancel.
        let failed = AppError::from(CredentialsError::MfaCodeMissing {
            serial: "arn:aws:iam::1:mfa/me".into(),
            reason: MfaRefusal::Unavailable("the prompt was cancelled by a timeout".into()),
        });
        assert_eq!(failed.kind(), ErrorKind::Credentials);
    }
}
