//! AWS profiles and the credentials behind them: the user's `~/.aws` files (read, and only
//! ever edited surgically), the app's own profiles with their secrets in the OS keyring,
//! and credential providers for every profile kind (static keys, role chains, MFA, SSO,
//! web identity, credential_process).
//!
//! No tauri here: the desktop shell and the `bakery` command are thin adapters over it.
//!
//! Using a profile for AWS calls (a bake, say): the SDK configuration's credentials renew
//! themselves (new role sessions, MFA asked again through the prompt) while the bake runs.
//!
//! ```no_run
//! # async fn bake_with(profile: &str, region: &str) -> Result<(), bakery_credentials::CredentialsError> {
//! use std::sync::Arc;
//! use bakery_credentials::{CredentialResolver, NoMfaPrompt};
//!
//! let resolver = CredentialResolver::from_env(Arc::new(NoMfaPrompt))?;
//! let sdk_config = resolver.sdk_config_in(profile, region).await?;
//! // aws_sdk_ec2::Client::new(&sdk_config) ...
//! # let _ = sdk_config;
//! # Ok(())
//! # }
//! ```
//!
//! A front end lists profiles with [`Profiles::summaries`] (where a secret is kept, never
//! the secret) and maps a [`CredentialsError`] to `{ kind, message }` with
//! [`CredentialsError::kind`].
#![warn(missing_docs)]

pub mod app_profiles;
pub mod aws_files;
pub mod error;
pub mod keyring;
pub mod manage;
pub mod profiles;
pub mod provider;
pub mod region;
pub mod role;
pub mod secret;
pub mod sso;
pub mod summary;

pub use app_profiles::{AppProfile, AppProfileStore};
pub use aws_files::AwsFiles;
pub use error::{CredentialsError, MfaRefusal, ProfileField};
pub use keyring::Keyring;
pub use profiles::{Profile, ProfileKind, ProfileSource, Profiles};
pub use provider::{
    AwsEnvironment, CallerIdentity, CredentialResolver, KeyringAccess, MfaPrompt, NoMfaPrompt,
    ProfileCredentials,
};
pub use role::{RoleRequest, role_on_top};
pub use secret::Secret;
pub use summary::{ProfileProblem, ProfileSummary, SecretLocation};
