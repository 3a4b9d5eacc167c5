//! AWS profiles and the credentials behind them: the user's `~/.aws` files (read, and only
//! ever edited surgically), the app's own profiles with their secrets in the OS keyring,
//! and credential providers for every profile kind (static keys, role chains, MFA,
//! credential_process).
//!
//! No tauri here: the desktop shell and the `bakery` command are thin adapters over it.

pub mod app_profiles;
pub mod aws_files;
pub mod error;
pub mod keyring;
pub mod manage;
pub mod profiles;
pub mod provider;
pub mod secret;
pub mod sso;
pub mod summary;

pub use app_profiles::{AppProfile, AppProfileStore};
pub use aws_files::AwsFiles;
pub use error::CredentialsError;
pub use keyring::Keyring;
pub use profiles::{Profile, ProfileKind, ProfileSource, Profiles};
pub use provider::{
    AwsEnvironment, CallerIdentity, CredentialResolver, KeyringAccess, MfaPrompt, NoMfaPrompt,
    ProfileCredentials,
};
pub use secret::Secret;
pub use summary::{ProfileProblem, ProfileSummary, SecretLocation};
