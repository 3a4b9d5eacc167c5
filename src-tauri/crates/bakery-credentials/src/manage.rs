//! Adding, removing and importing the app's own profiles. The keyring and `profiles.json`
//! change together: the secret is stored (and read back) before the profile is listed, and
//! a profile's keyring items go when it does.
//!
//! Import with plaintext removal touches the user's credentials file only after the secret
//! is verified in the keyring and a backup of the file is written; the edit itself removes
//! the profile's key lines and keeps every other byte ([`aws_files::remove_static_keys`]).
//! These calls block (keyring, files): run them on a blocking thread from async code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::app_profiles::{AppProfile, AppProfileStore, validate_profile_name};
use crate::aws_files::{self, AwsFiles, FileKind};
use crate::error::{CredentialsError, ProfileField};
use crate::keyring::Keyring;
use crate::profiles::{ProfileSource, Profiles};
use crate::secret::Secret;

/// What `bakery profiles add` is given.
#[derive(Debug, Clone)]
pub struct NewAppProfile {
    /// The name bakes and `--profile` use; letters, digits and `- _ . @ +`.
    pub name: String,
    /// The access key id (`AKIA…`); its secret comes separately, never in this struct.
    pub access_key_id: String,
    /// The region its bakes use when the template names none.
    pub region: Option<String>,
    /// Where its AWS calls go instead of AWS (an emulator, a private endpoint).
    pub endpoint_url: Option<String>,
}

/// Adds an app profile: the secret goes to the keyring, the rest to `profiles.json`.
pub fn add_profile(
    store: &AppProfileStore,
    keyring: &Keyring,
    profiles: &Profiles,
    new: NewAppProfile,
    secret: &Secret,
) -> Result<AppProfile, CredentialsError> {
    validate_profile_name(&new.name)?;
    if let Some(existing) = profiles.find(&new.name) {
        return Err(CredentialsError::ProfileExists {
            name: new.name,
            source_description: existing.source.to_string(),
        });
    }
    let access_key_id = new.access_key_id.trim().to_string();
    if access_key_id.is_empty() {
        return Err(CredentialsError::EmptyField {
            field: ProfileField::AccessKeyId,
            hint: "",
        });
    }
    if secret.expose().trim().is_empty() {
        return Err(CredentialsError::EmptyField {
            field: ProfileField::SecretAccessKey,
            hint: "",
        });
    }
    if let Some(url) = new.endpoint_url.as_deref().filter(|u| !u.is_empty())
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(CredentialsError::InvalidEndpointUrl {
            url: url.to_string(),
        });
    }
    store_secret_verified(keyring, &new.name, secret)?;
    let profile = AppProfile {
        name: new.name,
        access_key_id,
        region: new.region.filter(|r| !r.is_empty()),
        endpoint_url: new.endpoint_url.filter(|u| !u.is_empty()),
        imported_from: None,
    };
    if let Err(err) = store.upsert(profile.clone()) {
        // No secret without its profile: take it out of the keyring again.
        let _ = keyring.delete_profile(&profile.name);
        return Err(err);
    }
    Ok(profile)
}

/// Removes an app profile and its keyring items (secret key, cached session).
pub fn remove_profile(
    store: &AppProfileStore,
    keyring: &Keyring,
    profiles: &Profiles,
    name: &str,
) -> Result<(), CredentialsError> {
    let profile = profiles.get(name)?;
    if let ProfileSource::AwsFiles(locations) = &profile.source {
        return Err(CredentialsError::NotAnAppProfile {
            name: name.to_string(),
            location: locations
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
        });
    }
    keyring.delete_profile(name)?;
    store.remove(name)?;
    Ok(())
}

/// The plaintext keys removed from the credentials file by an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaintextRemoval {
    /// The credentials file the keys were taken out of.
    pub credentials_file: PathBuf,
    /// A copy of the file as it was (it still holds the keys: delete it once satisfied).
    pub backup: PathBuf,
    /// How many lines were removed from it.
    pub lines_removed: usize,
}

/// What an import did: the app profile made, and the plaintext keys removed if asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    /// The app profile now holding the keys.
    pub profile: AppProfile,
    /// The key lines taken out of the credentials file; `None` when they were left there.
    pub plaintext_removed: Option<PlaintextRemoval>,
}

/// Copies the static keys of credentials-file profile `name` into the keyring as an app
/// profile of the same name (with the region and endpoint the files give it), and, when
/// asked, removes the key lines from the credentials file after writing a backup.
pub fn import_profile(
    files: &AwsFiles,
    store: &AppProfileStore,
    keyring: &Keyring,
    name: &str,
    remove_plaintext: bool,
    now: SystemTime,
) -> Result<ImportOutcome, CredentialsError> {
    let config = aws_files::read(&files.config, FileKind::Config)?;
    let credentials = aws_files::read(&files.credentials, FileKind::Credentials)?;
    let file_profiles = Profiles::from_parts(files, &config, &credentials, &[], store.path());
    let file_profile = file_profiles.get(name)?;
    let keys = file_profile
        .static_keys
        .as_ref()
        .filter(|keys| keys.path == files.credentials && keys.session_token.is_none())
        .ok_or_else(|| CredentialsError::NothingToImport {
            profile: name.to_string(),
            path: files.credentials.clone(),
            kind: match &file_profile.static_keys {
                Some(keys) if keys.session_token.is_some() => {
                    "temporary keys with a session token".to_string()
                }
                Some(keys) => format!("keys in {}", keys.path.display()),
                None => file_profile.kind_label(),
            },
        })?;

    let existing = store.load()?.into_iter().find(|p| p.name == name);
    if let Some(existing) = &existing
        && existing.access_key_id != keys.access_key_id
    {
        return Err(CredentialsError::ProfileExists {
            name: name.to_string(),
            source_description: format!(
                "an app profile with another access key id, in {}",
                store.path().display()
            ),
        });
    }
    store_secret_verified(keyring, name, &keys.secret_access_key)?;
    let profile = AppProfile {
        name: name.to_string(),
        access_key_id: keys.access_key_id.clone(),
        region: file_profile.region.clone(),
        endpoint_url: file_profile.endpoint_url.clone(),
        imported_from: Some(files.credentials.clone()),
    };
    store.upsert(profile.clone())?;

    let plaintext_removed = if remove_plaintext {
        remove_plaintext_keys(&files.credentials, name, now)?
    } else {
        None
    };
    Ok(ImportOutcome {
        profile,
        plaintext_removed,
    })
}

fn store_secret_verified(
    keyring: &Keyring,
    name: &str,
    secret: &Secret,
) -> Result<(), CredentialsError> {
    keyring.set_secret_access_key(name, secret)?;
    match keyring.secret_access_key(name)? {
        Some(stored) if stored == *secret => Ok(()),
        _ => Err(CredentialsError::Keyring {
            message: format!(
                "the secret of \"{name}\" could not be read back after storing it; nothing else was changed"
            ),
        }),
    }
}

fn remove_plaintext_keys(
    path: &Path,
    name: &str,
    now: SystemTime,
) -> Result<Option<PlaintextRemoval>, CredentialsError> {
    // A symlinked credentials file (dotfiles) is edited where it really is; the link stays.
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let path = resolved.as_path();
    let read_err = |source| CredentialsError::Read {
        path: path.to_path_buf(),
        source,
    };
    let original = std::fs::read(path).map_err(read_err)?;
    let text = String::from_utf8(original.clone()).map_err(|_| CredentialsError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"),
    })?;
    let (edited, lines_removed) = aws_files::remove_static_keys(&text, name);
    if lines_removed == 0 {
        return Ok(None);
    }
    let stamp = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let mut backup = PathBuf::from(format!("{}.bakery-backup-{stamp}", path.display()));
    let mut n = 1;
    while backup.exists() {
        backup = PathBuf::from(format!("{}.bakery-backup-{stamp}-{n}", path.display()));
        n += 1;
    }
    write_private(&backup, &original)?;
    let tmp = PathBuf::from(format!("{}.bakery-tmp", path.display()));
    write_private(&tmp, edited.as_bytes())?;
    if let Ok(meta) = std::fs::metadata(path) {
        // Keep the original's permissions (the credentials file is usually 0600).
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(|source| CredentialsError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Some(PlaintextRemoval {
        credentials_file: path.to_path_buf(),
        backup,
        lines_removed,
    }))
}

/// Writes a new file readable by its owner only (it may hold keys).
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CredentialsError> {
    let write_err = |source| CredentialsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(write_err)?;
    file.write_all(bytes).map_err(write_err)?;
    file.sync_all().map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREDENTIALS: &str = "# my keys, do not share\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = default-secret\n\n# the build account\n[build]   ; rotated monthly\naws_access_key_id=AKIABUILD\naws_secret_access_key=build/secret+key\nregion = eu-west-1\n\n[temp]\naws_access_key_id = ASIATEMP\naws_secret_access_key = t\naws_session_token = tok\n";

    struct Fixture {
        _dir: tempfile::TempDir,
        files: AwsFiles,
        store: AppProfileStore,
        keyring: Keyring,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let aws = dir.path().join(".aws");
        std::fs::create_dir_all(&aws).unwrap();
        std::fs::write(
            aws.join("config"),
            "[profile build]\nendpoint_url = http://127.0.0.1:5000\n",
        )
        .unwrap();
        std::fs::write(aws.join("credentials"), CREDENTIALS).unwrap();
        let files = AwsFiles {
            config: aws.join("config"),
            credentials: aws.join("credentials"),
            sso_cache: "/sso-cache".into(),
        };
        let store = AppProfileStore::new(&dir.path().join("home"));
        Fixture {
            _dir: dir,
            files,
            store,
            keyring: Keyring::in_memory(),
        }
    }

    fn load(f: &Fixture) -> Profiles {
        Profiles::load(&f.files, &f.store).unwrap()
    }

    #[test]
    fn add_then_remove() {
        let f = fixture();
        let new = NewAppProfile {
            name: "mine".into(),
            access_key_id: "AKIAMINE".into(),
            region: Some("us-east-1".into()),
            endpoint_url: None,
        };
        add_profile(
            &f.store,
            &f.keyring,
            &load(&f),
            new.clone(),
            &Secret::new("s"),
        )
        .unwrap();
        let profiles = load(&f);
        let mine = profiles.get("mine").unwrap();
        assert_eq!(mine.access_key_id(), Some("AKIAMINE"));
        assert_eq!(
            f.keyring
                .secret_access_key("mine")
                .unwrap()
                .unwrap()
                .expose(),
            "s"
        );
        let err = add_profile(&f.store, &f.keyring, &profiles, new, &Secret::new("s")).unwrap_err();
        assert_eq!(err.kind(), "profile_exists");

        let err = remove_profile(&f.store, &f.keyring, &profiles, "default").unwrap_err();
        assert_eq!(err.kind(), "not_an_app_profile");
        remove_profile(&f.store, &f.keyring, &profiles, "mine").unwrap();
        assert!(load(&f).find("mine").is_none());
        assert_eq!(f.keyring.secret_access_key("mine").unwrap(), None);
    }

    #[test]
    fn add_refuses_file_profile_names_and_empty_secrets() {
        let f = fixture();
        let new = |name: &str| NewAppProfile {
            name: name.into(),
            access_key_id: "AKIA".into(),
            region: None,
            endpoint_url: None,
        };
        let err = add_profile(
            &f.store,
            &f.keyring,
            &load(&f),
            new("build"),
            &Secret::new("s"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("credentials:7"), "{err}");
        let err = add_profile(
            &f.store,
            &f.keyring,
            &load(&f),
            new("x"),
            &Secret::new(" \n"),
        )
        .unwrap_err();
        assert_eq!(err.kind(), "empty_field");
        let mut bad_url = new("y");
        bad_url.endpoint_url = Some("127.0.0.1:5000".into());
        let err =
            add_profile(&f.store, &f.keyring, &load(&f), bad_url, &Secret::new("s")).unwrap_err();
        assert_eq!(err.kind(), "invalid_endpoint_url");
        assert_eq!(f.keyring.secret_access_key("y").unwrap(), None);
    }

    #[test]
    fn import_keeps_the_file_until_asked_then_removes_only_key_lines() {
        let f = fixture();
        let now = UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let outcome = import_profile(&f.files, &f.store, &f.keyring, "build", false, now).unwrap();
        assert_eq!(outcome.plaintext_removed, None);
        assert_eq!(outcome.profile.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            outcome.profile.endpoint_url.as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(
            std::fs::read_to_string(&f.files.credentials).unwrap(),
            CREDENTIALS
        );
        assert_eq!(
            f.keyring
                .secret_access_key("build")
                .unwrap()
                .unwrap()
                .expose(),
            "build/secret+key"
        );
        assert_eq!(load(&f).get("build").unwrap().kind_label(), "app keyring");

        // Again, now removing the plaintext (the same keys: no conflict).
        let outcome = import_profile(&f.files, &f.store, &f.keyring, "build", true, now).unwrap();
        let removal = outcome.plaintext_removed.unwrap();
        assert_eq!(removal.lines_removed, 2);
        assert_eq!(
            std::fs::read_to_string(&removal.backup).unwrap(),
            CREDENTIALS
        );
        assert_eq!(
            std::fs::read_to_string(&f.files.credentials).unwrap(),
            CREDENTIALS.replace(
                "aws_access_key_id=AKIABUILD\naws_secret_access_key=build/secret+key\n",
                ""
            )
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&removal.backup)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // The role chains and listing still find "build", now in the keyring.
        assert_eq!(
            load(&f).get("build").unwrap().access_key_id(),
            Some("AKIABUILD")
        );
    }

    #[cfg(unix)]
    #[test]
    fn import_edits_a_symlinked_credentials_file_where_it_really_is() {
        let f = fixture();
        let dotfiles = f._dir.path().join("dotfiles");
        std::fs::create_dir_all(&dotfiles).unwrap();
        let real = dotfiles.join("aws-credentials");
        std::fs::rename(&f.files.credentials, &real).unwrap();
        std::os::unix::fs::symlink(&real, &f.files.credentials).unwrap();
        let now = SystemTime::now();
        let outcome = import_profile(&f.files, &f.store, &f.keyring, "build", true, now).unwrap();
        let removal = outcome.plaintext_removed.unwrap();
        assert!(
            std::fs::symlink_metadata(&f.files.credentials)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            !std::fs::read_to_string(&real)
                .unwrap()
                .contains("AKIABUILD")
        );
        assert_eq!(
            removal.backup.parent(),
            Some(real.canonicalize().unwrap().parent().unwrap())
        );
    }

    #[test]
    fn import_refuses_what_is_not_durable_static_keys() {
        let f = fixture();
        let now = SystemTime::now();
        let err = import_profile(&f.files, &f.store, &f.keyring, "temp", true, now).unwrap_err();
        assert_eq!(err.kind(), "nothing_to_import");
        assert!(err.to_string().contains("session token"), "{err}");
        let err = import_profile(&f.files, &f.store, &f.keyring, "nope", true, now).unwrap_err();
        assert_eq!(err.kind(), "unknown_profile");
        assert_eq!(
            std::fs::read_to_string(&f.files.credentials).unwrap(),
            CREDENTIALS
        );
    }
}
