//! The app's own profiles: `profiles.json` in the data directory (`BAKERY_HOME`).
//!
//! Invariant: this file holds names, regions, endpoints and access key ids, never a secret
//! access key or session token; those live only in the OS keyring ([`crate::keyring`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CredentialsError;

/// The file's name inside the data directory.
pub const APP_PROFILES_FILE: &str = "profiles.json";

/// One profile the app keeps: its secret access key is in the keyring under its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppProfile {
    /// Its name; the keyring item of its secret is filed under it.
    pub name: String,
    /// The access key id (`AKIA…`); its secret is in the keyring only.
    pub access_key_id: String,
    /// The region its bakes use when the template names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Where its AWS calls go instead of AWS (an emulator, a private endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// The credentials file its keys were imported from, if they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<PathBuf>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AppProfilesFile {
    version: u32,
    profiles: Vec<AppProfile>,
}

/// `profiles.json` of one data directory.
#[derive(Debug, Clone)]
pub struct AppProfileStore {
    path: PathBuf,
}

impl AppProfileStore {
    /// The store in `home` (the file is created on the first save).
    pub fn new(home: &Path) -> Self {
        Self {
            path: home.join(APP_PROFILES_FILE),
        }
    }

    /// The file's path (`profiles.json` in the data directory), whether it exists yet or not.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every app profile, in the order they were added (none when the file is absent).
    pub fn load(&self) -> Result<Vec<AppProfile>, CredentialsError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(CredentialsError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let file: AppProfilesFile =
            serde_json::from_str(&text).map_err(|err| CredentialsError::AppProfilesCorrupt {
                path: self.path.clone(),
                message: err.to_string(),
            })?;
        Ok(file.profiles)
    }

    /// Replaces the file's content (written to a temporary file, then renamed over it).
    pub fn save(&self, profiles: &[AppProfile]) -> Result<(), CredentialsError> {
        let write_err = |source| CredentialsError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(write_err)?;
        }
        let file = AppProfilesFile {
            version: 1,
            profiles: profiles.to_vec(),
        };
        let mut text = serde_json::to_string_pretty(&file).expect("profiles serialize");
        text.push('\n');
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(write_err)?;
        std::fs::rename(&tmp, &self.path).map_err(write_err)
    }

    /// Adds or replaces the profile with `profile.name`.
    pub fn upsert(&self, profile: AppProfile) -> Result<(), CredentialsError> {
        let mut profiles = self.load()?;
        match profiles.iter_mut().find(|p| p.name == profile.name) {
            Some(existing) => *existing = profile,
            None => profiles.push(profile),
        }
        self.save(&profiles)
    }

    /// Removes the profile; `false` when there was none of that name.
    pub fn remove(&self, name: &str) -> Result<bool, CredentialsError> {
        let mut profiles = self.load()?;
        let before = profiles.len();
        profiles.retain(|p| p.name != name);
        if profiles.len() == before {
            return Ok(false);
        }
        self.save(&profiles)?;
        Ok(true)
    }
}

/// Checks a name the user gives a new profile.
pub fn validate_profile_name(name: &str) -> Result<(), CredentialsError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.len() > 64 {
        Some("it is longer than 64 characters")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+'))
    {
        Some("use letters, digits and - _ . @ + only")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(CredentialsError::InvalidProfileName {
            name: name.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str) -> AppProfile {
        AppProfile {
            name: name.into(),
            access_key_id: "AKIAEXAMPLE".into(),
            region: Some("eu-west-1".into()),
            endpoint_url: None,
            imported_from: None,
        }
    }

    #[test]
    fn upsert_load_remove_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = AppProfileStore::new(dir.path());
        assert!(store.load().unwrap().is_empty());
        store.upsert(profile("a")).unwrap();
        store.upsert(profile("b")).unwrap();
        let mut changed = profile("a");
        changed.region = None;
        store.upsert(changed.clone()).unwrap();
        assert_eq!(store.load().unwrap(), [changed, profile("b")]);
        assert!(store.remove("a").unwrap());
        assert!(!store.remove("a").unwrap());
        assert_eq!(store.load().unwrap(), [profile("b")]);
    }

    #[test]
    fn a_corrupt_file_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let store = AppProfileStore::new(dir.path());
        std::fs::write(store.path(), "{not json").unwrap();
        let err = store.load().unwrap_err();
        assert!(err.to_string().contains("profiles.json"), "{err}");
    }

    #[test]
    fn names_are_checked() {
        assert!(validate_profile_name("sandbox-1").is_ok());
        assert!(validate_profile_name("").is_err());
        assert!(validate_profile_name("has space").is_err());
        assert!(validate_profile_name("a]b").is_err());
    }
}
