//! The OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on
//! Windows) through `keyring-core`: the only place an app profile's secret access key and
//! a cached MFA session are stored.
//!
//! Items: service [`KEYRING_SERVICE`], user `aws-secret-access-key:<profile>` (the secret
//! key) and `aws-session:<profile>` (a JSON session with its expiry). Every call here is
//! synchronous and may block on D-Bus: call it through `spawn_blocking` from async code.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keyring_core::{CredentialStore, Entry};
use serde::{Deserialize, Serialize};

use crate::error::CredentialsError;
use crate::secret::Secret;

/// The keyring service every item of the app is filed under.
pub const KEYRING_SERVICE: &str = bakery_home::APP_IDENTIFIER;

/// The keyring user of a profile's secret access key.
pub fn secret_key_user(profile: &str) -> String {
    format!("aws-secret-access-key:{profile}")
}

fn session_user(profile: &str) -> String {
    format!("aws-session:{profile}")
}

/// Temporary credentials kept in the keyring until they expire (an MFA session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedSession {
    /// The session's access key id (`ASIA…`); not a secret.
    pub access_key_id: String,
    /// The session's secret key, redacted when printed.
    pub secret_access_key: Secret,
    /// The token STS issued with the key; every call sends it.
    pub session_token: Secret,
    /// When STS says it expires.
    pub expiration: SystemTime,
    /// What the session was made for (role and MFA device): a session cached for another
    /// role or device than the profile names now is not used.
    pub scope: String,
}

impl CachedSession {
    /// Still usable at `now` for at least `margin`.
    pub fn valid_at(&self, now: SystemTime, margin: Duration) -> bool {
        self.expiration > now + margin
    }
}

/// The stored form of [`CachedSession`]; exists only between serde and the keyring call.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration_unix: u64,
    #[serde(default)]
    scope: String,
}

/// A handle on one credential store.
#[derive(Debug, Clone)]
pub struct Keyring {
    store: Arc<CredentialStore>,
    /// Give new items a readable label (Secret Service shows it in Seahorse / KeePassXC).
    labelled: bool,
}

impl Keyring {
    /// The platform's keyring. On Linux this connects to the Secret Service on the session
    /// bus and fails, saying what to start, when there is none.
    pub fn native() -> Result<Self, CredentialsError> {
        Ok(Self {
            store: native_store()?,
            labelled: cfg!(target_os = "linux"),
        })
    }

    /// An in-memory keyring that forgets everything when dropped (unit tests, demos).
    pub fn in_memory() -> Self {
        let store: Arc<CredentialStore> =
            keyring_core::mock::Store::new().expect("the mock store always builds");
        Self {
            store,
            labelled: false,
        }
    }

    /// Which store this is (e.g. "Secret Service store, ...").
    pub fn vendor(&self) -> String {
        self.store.vendor()
    }

    fn entry(&self, user: &str, label: &str) -> Result<Entry, CredentialsError> {
        if self.labelled {
            let modifiers = std::collections::HashMap::from([("label", label)]);
            Entry::new_in_store_with_modifiers(&self.store, KEYRING_SERVICE, user, &modifiers)
        } else {
            Entry::new_in_store(&self.store, KEYRING_SERVICE, user)
        }
        .map_err(map_error)
    }

    fn secret_entry(&self, profile: &str) -> Result<Entry, CredentialsError> {
        self.entry(
            &secret_key_user(profile),
            &format!("AMI Bakery: AWS secret access key of profile {profile}"),
        )
    }

    fn session_entry(&self, profile: &str) -> Result<Entry, CredentialsError> {
        self.entry(
            &session_user(profile),
            &format!("AMI Bakery: AWS session of profile {profile}"),
        )
    }

    /// Stores an app profile's secret access key, replacing the one there was.
    pub fn set_secret_access_key(
        &self,
        profile: &str,
        secret: &Secret,
    ) -> Result<(), CredentialsError> {
        self.secret_entry(profile)?
            .set_password(secret.expose())
            .map_err(map_error)
    }

    /// The profile's secret access key; `None` when the keyring has no such item.
    pub fn secret_access_key(&self, profile: &str) -> Result<Option<Secret>, CredentialsError> {
        match self.secret_entry(profile)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(err) => Err(map_error(err)),
        }
    }

    /// Deletes the profile's secret key and cached session; absent items are fine.
    pub fn delete_profile(&self, profile: &str) -> Result<(), CredentialsError> {
        for entry in [self.secret_entry(profile)?, self.session_entry(profile)?] {
            match entry.delete_credential() {
                Ok(()) | Err(keyring_core::Error::NoEntry) => {}
                Err(err) => return Err(map_error(err)),
            }
        }
        Ok(())
    }

    /// The cached session of `profile`, if any (expired or not: the caller decides).
    pub fn session(&self, profile: &str) -> Result<Option<CachedSession>, CredentialsError> {
        let value = match self.session_entry(profile)?.get_password() {
            Ok(value) => Secret::new(value),
            Err(keyring_core::Error::NoEntry) => return Ok(None),
            Err(err) => return Err(map_error(err)),
        };
        // An unreadable cache entry is treated as no cache: the session is made again.
        let Ok(stored) = serde_json::from_str::<StoredSession>(value.expose()) else {
            return Ok(None);
        };
        Ok(Some(CachedSession {
            access_key_id: stored.access_key_id,
            secret_access_key: Secret::new(stored.secret_access_key),
            session_token: Secret::new(stored.session_token),
            expiration: UNIX_EPOCH + Duration::from_secs(stored.expiration_unix),
            scope: stored.scope,
        }))
    }

    /// Caches a profile's session (an MFA session) until it expires, replacing the one there was.
    pub fn set_session(
        &self,
        profile: &str,
        session: &CachedSession,
    ) -> Result<(), CredentialsError> {
        let stored = StoredSession {
            access_key_id: session.access_key_id.clone(),
            secret_access_key: session.secret_access_key.expose().to_string(),
            session_token: session.session_token.expose().to_string(),
            expiration_unix: session
                .expiration
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs(),
            scope: session.scope.clone(),
        };
        let value = Secret::new(serde_json::to_string(&stored).expect("session serializes"));
        self.session_entry(profile)?
            .set_password(value.expose())
            .map_err(map_error)
    }

    /// Forgets a profile's cached session (the next use asks MFA again); no session is fine.
    pub fn delete_session(&self, profile: &str) -> Result<(), CredentialsError> {
        match self.session_entry(profile)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(err) => Err(map_error(err)),
        }
    }
}

#[cfg(target_os = "linux")]
fn native_store() -> Result<Arc<CredentialStore>, CredentialsError> {
    let store: Arc<CredentialStore> =
        zbus_secret_service_keyring_store::Store::new().map_err(|err| match map_error(err) {
            CredentialsError::Keyring { message } => CredentialsError::NoSecretService { message },
            other => other,
        })?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn native_store() -> Result<Arc<CredentialStore>, CredentialsError> {
    let store: Arc<CredentialStore> =
        apple_native_keyring_store::keychain::Store::new().map_err(map_error)?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn native_store() -> Result<Arc<CredentialStore>, CredentialsError> {
    let store: Arc<CredentialStore> =
        windows_native_keyring_store::Store::new().map_err(map_error)?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn native_store() -> Result<Arc<CredentialStore>, CredentialsError> {
    Err(CredentialsError::Keyring {
        message: "this platform has no supported keyring".into(),
    })
}

/// Reduces a keyring error to an actionable one without any bytes of a secret.
fn map_error(err: keyring_core::Error) -> CredentialsError {
    use keyring_core::Error as E;
    let message = match &err {
        E::NoStorageAccess(inner) => {
            return CredentialsError::KeyringLocked {
                message: inner.to_string(),
            };
        }
        E::PlatformFailure(inner) => inner.to_string(),
        E::BadEncoding(_) => "a stored item is not valid UTF-8".to_string(),
        E::BadDataFormat(_, inner) => format!("a stored item is malformed: {inner}"),
        other => other.to_string(),
    };
    let no_service = [
        "org.freedesktop.secrets",
        "ServiceUnknown",
        "DBUS_SESSION_BUS_ADDRESS",
        "No such file or directory",
        "Connection refused",
    ];
    if no_service.iter().any(|needle| message.contains(needle)) {
        CredentialsError::NoSecretService { message }
    } else {
        CredentialsError::Keyring { message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_round_trip_and_delete() {
        let keyring = Keyring::in_memory();
        assert_eq!(keyring.secret_access_key("p").unwrap(), None);
        keyring
            .set_secret_access_key("p", &Secret::new("s3cr3t"))
            .unwrap();
        assert_eq!(
            keyring.secret_access_key("p").unwrap().unwrap().expose(),
            "s3cr3t"
        );
        keyring.delete_profile("p").unwrap();
        assert_eq!(keyring.secret_access_key("p").unwrap(), None);
        keyring.delete_profile("p").unwrap();
    }

    #[test]
    fn session_round_trip_keeps_expiry_to_the_second() {
        let keyring = Keyring::in_memory();
        let expiration = UNIX_EPOCH + Duration::from_secs(1_900_000_000);
        let session = CachedSession {
            access_key_id: "ASIA1".into(),
            secret_access_key: Secret::new("k"),
            session_token: Secret::new("t"),
            expiration,
            scope: "arn:aws:iam::1:role/r|arn:aws:iam::1:mfa/m".into(),
        };
        keyring.set_session("p", &session).unwrap();
        let back = keyring.session("p").unwrap().unwrap();
        assert_eq!(back, session);
        assert!(back.valid_at(
            expiration - Duration::from_secs(600),
            Duration::from_secs(300)
        ));
        assert!(!back.valid_at(
            expiration - Duration::from_secs(60),
            Duration::from_secs(300)
        ));
        keyring.delete_session("p").unwrap();
        assert_eq!(keyring.session("p").unwrap(), None);
    }

    #[test]
    fn locked_keyring_says_unlock() {
        let err = map_error(keyring_core::Error::NoStorageAccess("locked".into()));
        assert_eq!(err.kind(), "keyring_locked");
        assert!(err.to_string().contains("unlock"), "{err}");
        let err = map_error(keyring_core::Error::PlatformFailure(
            "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided".into(),
        ));
        assert_eq!(err.kind(), "no_secret_service");
        assert!(err.to_string().contains("gnome-keyring-daemon"), "{err}");
    }
}
