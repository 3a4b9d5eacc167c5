//! Every way finding a profile or its credentials can fail, worded so the person reading
//! it knows what to do next. Invariant: no variant carries a secret (keyring errors are
//! reduced to their message before they get here).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid profiles file: {message}; fix or remove it")]
    AppProfilesCorrupt { path: PathBuf, message: String },
    #[error(transparent)]
    Home(#[from] bakery_home::HomeError),

    #[error("no profile named \"{name}\"; `bakery profiles list` shows the profiles there are")]
    UnknownProfile { name: String },
    #[error(
        "profile \"{name}\" already exists ({source_description}); choose another name or remove it first"
    )]
    ProfileExists {
        name: String,
        source_description: String,
    },
    #[error("endpoint URL \"{url}\" must start with http:// or https://")]
    InvalidEndpointUrl { url: String },
    #[error("the {field}{hint} is empty")]
    EmptyField {
        /// Which input is empty.
        field: ProfileField,
        /// How to give it, when the front end has something to say (e.g. " (give it on stdin)").
        hint: &'static str,
    },
    #[error(
        "profile \"{name}\" is defined in your AWS files ({location}), not by AMI Bakery; edit that file to remove it"
    )]
    NotAnAppProfile { name: String, location: String },
    #[error("\"{name}\" is not a usable profile name: {reason}")]
    InvalidProfileName { name: String, reason: &'static str },
    #[error(
        "profile \"{profile}\" names source_profile \"{missing}\", which does not exist ({location}); add [profile {missing}] to your AWS config or fix the name"
    )]
    MissingSourceProfile {
        profile: String,
        missing: String,
        location: String,
    },
    #[error(
        "the role chain of profile \"{profile}\" loops: {chain}; make one of them use static keys or a credential_source"
    )]
    RoleChainCycle { profile: String, chain: String },
    #[error(
        "profile \"{profile}\" has both source_profile and credential_source ({location}); keep one"
    )]
    AmbiguousSource { profile: String, location: String },
    #[error("profile \"{profile}\" has {problem} ({location})")]
    IncompleteProfile {
        profile: String,
        problem: String,
        location: String,
    },
    #[error("profile \"{profile}\" has no static keys in {path} to import (it is {kind})")]
    NothingToImport {
        profile: String,
        path: PathBuf,
        kind: String,
    },
    #[error("profile \"{profile}\" is {kind}, not SSO: there is nothing to sign in to")]
    NotSso { profile: String, kind: String },
    #[error("{what} is not supported yet for profile \"{profile}\"")]
    Unsupported { profile: String, what: String },

    #[error(
        "no Secret Service is running ({message}); start one in your D-Bus session (e.g. `gnome-keyring-daemon --start --components=secrets`, or KeePassXC with Secret Service enabled)"
    )]
    NoSecretService { message: String },
    #[error(
        "the keyring is locked ({message}); unlock it (log in to your desktop session, or `echo PASSWORD | gnome-keyring-daemon --unlock`) and try again"
    )]
    KeyringLocked { message: String },
    #[error("the keyring failed: {message}")]
    Keyring { message: String },
    #[error(
        "no secret for profile \"{profile}\" in the keyring; add it again with `bakery profiles add {profile} --access-key-id ...`"
    )]
    SecretMissing { profile: String },

    #[error("the MFA code for {serial} was not given: {reason}")]
    MfaCodeMissing {
        serial: String,
        /// Why: declined by the person, or no way to ask.
        reason: MfaRefusal,
    },
    #[error(
        "STS rejected the MFA code for {serial} (profile \"{profile}\"): {message}; wait for the next code and try again"
    )]
    MfaRejected {
        profile: String,
        serial: String,
        message: String,
    },
    #[error("{call} for profile \"{profile}\" failed: {message}")]
    Sts {
        profile: String,
        call: &'static str,
        message: String,
    },
    #[error("{reason} for profile \"{profile}\"; sign in with `bakery profiles login {profile}`")]
    SsoLoginNeeded { profile: String, reason: String },
    #[error("SSO {call} for profile \"{profile}\" failed: {message}")]
    Sso {
        profile: String,
        call: &'static str,
        message: String,
    },
    #[error("credential_process of profile \"{profile}\" failed: {message}")]
    CredentialProcess { profile: String, message: String },
    #[error("{what} for profile \"{profile}\" failed: {message}")]
    Provider {
        profile: String,
        what: &'static str,
        message: String,
    },
}

impl CredentialsError {
    /// A stable, machine-readable name for the kind of failure (the UI branches on it).
    pub fn kind(&self) -> &'static str {
        match self {
            CredentialsError::Read { .. } | CredentialsError::Write { .. } => "io",
            CredentialsError::AppProfilesCorrupt { .. } => "app_profiles_corrupt",
            CredentialsError::Home(_) => "home",
            CredentialsError::UnknownProfile { .. } => "unknown_profile",
            CredentialsError::ProfileExists { .. } => "profile_exists",
            CredentialsError::InvalidProfileName { .. } => "invalid_profile_name",
            CredentialsError::EmptyField { .. } => "empty_field",
            CredentialsError::InvalidEndpointUrl { .. } => "invalid_endpoint_url",
            CredentialsError::NotAnAppProfile { .. } => "not_an_app_profile",
            CredentialsError::MissingSourceProfile { .. } => "missing_source_profile",
            CredentialsError::RoleChainCycle { .. } => "role_chain_cycle",
            CredentialsError::AmbiguousSource { .. } => "ambiguous_source",
            CredentialsError::IncompleteProfile { .. } => "incomplete_profile",
            CredentialsError::NothingToImport { .. } => "nothing_to_import",
            CredentialsError::Unsupported { .. } => "unsupported",
            CredentialsError::NotSso { .. } => "not_sso",
            CredentialsError::NoSecretService { .. } => "no_secret_service",
            CredentialsError::KeyringLocked { .. } => "keyring_locked",
            CredentialsError::Keyring { .. } => "keyring",
            CredentialsError::SecretMissing { .. } => "secret_missing",
            CredentialsError::MfaCodeMissing { .. } => "mfa_code_missing",
            CredentialsError::MfaRejected { .. } => "mfa_rejected",
            CredentialsError::Sts { .. } => "sts",
            CredentialsError::SsoLoginNeeded { .. } => "sso_login_needed",
            CredentialsError::Sso { .. } => "sso",
            CredentialsError::CredentialProcess { .. } => "credential_process",
            CredentialsError::Provider { .. } => "provider",
        }
    }
}

/// An input of a profile a person fills in (the Add form, `bakery profiles add`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    /// The profile's name.
    Name,
    /// The access key id.
    AccessKeyId,
    /// The secret access key.
    SecretAccessKey,
    /// The endpoint URL.
    EndpointUrl,
}

impl std::fmt::Display for ProfileField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Name => "profile name",
            Self::AccessKeyId => "access key id",
            Self::SecretAccessKey => "secret access key",
            Self::EndpointUrl => "endpoint URL",
        })
    }
}

/// Why no MFA code came back from a [`crate::MfaPrompt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MfaRefusal {
    /// The person declined (closed the dialog).
    Cancelled,
    /// The code was empty.
    Empty,
    /// Nobody could be asked, or asking failed; says why.
    Unavailable(String),
}

impl std::fmt::Display for MfaRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cancelled => f.write_str("the dialog was cancelled"),
            Self::Empty => f.write_str("the code was empty"),
            Self::Unavailable(why) => f.write_str(why),
        }
    }
}
