//! Every way finding a profile or its credentials can fail, worded so the person reading
//! it knows what to do next. Invariant: no variant carries a secret (keyring errors are
//! reduced to their message before they get here).

use std::path::PathBuf;

/// Why a profile or its credentials could not be had; the message says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// An AWS file or the app's profiles file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// An AWS file or the app's profiles file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The app's own profiles file is not valid JSON of profiles.
    #[error("{path} is not a valid profiles file: {message}; fix or remove it")]
    AppProfilesCorrupt {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// The app's data directory could not be found or made.
    #[error(transparent)]
    Home(#[from] bakery_home::HomeError),

    /// No profile has this name, in the AWS files or the app's.
    #[error("no profile named \"{name}\"; `bakery profiles list` shows the profiles there are")]
    UnknownProfile {
        /// The name asked for.
        name: String,
    },
    /// A profile with this name exists already (adding would shadow it).
    #[error(
        "profile \"{name}\" already exists ({source_description}); choose another name or remove it first"
    )]
    ProfileExists {
        /// The name.
        name: String,
        /// Where the existing one is defined.
        source_description: String,
    },
    /// An endpoint URL that is not http(s).
    #[error("endpoint URL \"{url}\" must start with http:// or https://")]
    InvalidEndpointUrl {
        /// The URL given.
        url: String,
    },
    /// A required input of a new profile was left empty.
    #[error("the {field}{hint} is empty")]
    EmptyField {
        /// Which input is empty.
        field: ProfileField,
        /// How to give it, when the front end has something to say (e.g. " (give it on stdin)").
        hint: &'static str,
    },
    /// Removing a profile the user's AWS files define: the app edits only its own.
    #[error(
        "profile \"{name}\" is defined in your AWS files ({location}), not by AMI Bakery; edit that file to remove it"
    )]
    NotAnAppProfile {
        /// The profile.
        name: String,
        /// The file and section that define it.
        location: String,
    },
    /// A name that cannot be a profile's (empty, too long, or other characters than letters,
    /// digits and `- _ . @ +`).
    #[error("\"{name}\" is not a usable profile name: {reason}")]
    InvalidProfileName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A role profile whose `source_profile` does not exist.
    #[error(
        "profile \"{profile}\" names source_profile \"{missing}\", which does not exist ({location}); add [profile {missing}] to your AWS config or fix the name"
    )]
    MissingSourceProfile {
        /// The role profile.
        profile: String,
        /// The source profile it names.
        missing: String,
        /// Where the role profile is defined.
        location: String,
    },
    /// Role profiles whose `source_profile`s lead back to themselves.
    #[error(
        "the role chain of profile \"{profile}\" loops: {chain}; make one of them use static keys or a credential_source"
    )]
    RoleChainCycle {
        /// The profile asked for.
        profile: String,
        /// The loop, `a -> b -> a`.
        chain: String,
    },
    /// A role profile that says two things about where its source credentials come from.
    #[error(
        "profile \"{profile}\" has both source_profile and credential_source ({location}); keep one"
    )]
    AmbiguousSource {
        /// The role profile.
        profile: String,
        /// Where it is defined.
        location: String,
    },
    /// A profile that lacks a setting its kind needs (half a key pair, an SSO profile with
    /// no start URL…).
    #[error("profile \"{profile}\" has {problem} ({location})")]
    IncompleteProfile {
        /// The profile.
        profile: String,
        /// What is missing, worded to follow "has".
        problem: String,
        /// Where it is defined.
        location: String,
    },
    /// Importing a profile into the keyring that has no static keys to import.
    #[error("profile \"{profile}\" has no static keys in {path} to import (it is {kind})")]
    NothingToImport {
        /// The profile.
        profile: String,
        /// The credentials file looked in.
        path: PathBuf,
        /// What kind of profile it is instead.
        kind: String,
    },
    /// Signing in to a profile that is not an SSO one.
    #[error("profile \"{profile}\" is {kind}, not SSO: there is nothing to sign in to")]
    NotSso {
        /// The profile.
        profile: String,
        /// What kind of profile it is.
        kind: String,
    },
    /// A profile setting the app cannot use yet.
    #[error("{what} is not supported yet for profile \"{profile}\"")]
    Unsupported {
        /// The profile.
        profile: String,
        /// The setting, or what it asks for.
        what: String,
    },

    /// No keyring to keep secrets in: no Secret Service on the D-Bus session.
    #[error(
        "no Secret Service is running ({message}); start one in your D-Bus session (e.g. `gnome-keyring-daemon --start --components=secrets`, or KeePassXC with Secret Service enabled)"
    )]
    NoSecretService {
        /// What the keyring library said.
        message: String,
    },
    /// The keyring is there but locked.
    #[error(
        "the keyring is locked ({message}); unlock it (log in to your desktop session, or `echo PASSWORD | gnome-keyring-daemon --unlock`) and try again"
    )]
    KeyringLocked {
        /// What the keyring library said.
        message: String,
    },
    /// Any other keyring failure.
    #[error("the keyring failed: {message}")]
    Keyring {
        /// What the keyring library said (never a secret).
        message: String,
    },
    /// An app profile whose secret is gone from the keyring.
    #[error(
        "no secret for profile \"{profile}\" in the keyring; add it again with `bakery profiles add {profile} --access-key-id ...`"
    )]
    SecretMissing {
        /// The profile.
        profile: String,
    },

    /// A role needs an MFA code and none came.
    #[error("the MFA code for {serial} was not given: {reason}")]
    MfaCodeMissing {
        /// The MFA device (`mfa_serial`).
        serial: String,
        /// Why: declined by the person, or no way to ask.
        reason: MfaRefusal,
    },
    /// STS refused the MFA code (wrong, or already used).
    #[error(
        "STS rejected the MFA code for {serial} (profile \"{profile}\"): {message}; wait for the next code and try again"
    )]
    MfaRejected {
        /// The profile.
        profile: String,
        /// The MFA device.
        serial: String,
        /// What STS said.
        message: String,
    },
    /// An STS call (GetCallerIdentity, AssumeRole…) failed.
    #[error("{call} for profile \"{profile}\" failed: {message}")]
    Sts {
        /// The profile.
        profile: String,
        /// The STS operation.
        call: &'static str,
        /// What STS said.
        message: String,
    },
    /// An SSO profile has no valid sign-in (none yet, or it expired).
    #[error("{reason} for profile \"{profile}\"; sign in with `bakery profiles login {profile}`")]
    SsoLoginNeeded {
        /// The profile.
        profile: String,
        /// Why, e.g. "the SSO sign-in has expired".
        reason: String,
    },
    /// An SSO call (device authorization, token, role credentials) failed.
    #[error("SSO {call} for profile \"{profile}\" failed: {message}")]
    Sso {
        /// The profile.
        profile: String,
        /// The SSO operation.
        call: &'static str,
        /// What the SSO service said.
        message: String,
    },
    /// A profile's `credential_process` did not run, failed, or printed something unusable.
    #[error("credential_process of profile \"{profile}\" failed: {message}")]
    CredentialProcess {
        /// The profile.
        profile: String,
        /// What went wrong.
        message: String,
    },
    /// A profile's `credential_source` (the environment, the container, the instance's
    /// metadata) gave no credentials.
    #[error("{what} for profile \"{profile}\" failed: {message}")]
    Provider {
        /// The profile.
        profile: String,
        /// The setting that named it.
        what: &'static str,
        /// What it said.
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
