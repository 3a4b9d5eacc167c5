//! The app's data directory, shared by the desktop app and the `bakery` command so that
//! both see the same profiles, history and ledger.
//!
//! Invariant: `BAKERY_HOME`, when set and not empty, wins over the platform default
//! (`<data dir>/<APP_IDENTIFIER>`, the same folder Tauri's `app_data_dir()` resolves to).
#![warn(missing_docs)]

use std::path::{Path, PathBuf};

/// The bundle identifier; also the folder name under the platform's data directory.
pub const APP_IDENTIFIER: &str = "dev.amibakery.app";

/// The environment variable that overrides the data directory.
pub const HOME_ENV: &str = "BAKERY_HOME";

/// Why there is no data directory to use.
#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    /// The platform names no data directory (no `HOME`, say) and `BAKERY_HOME` is unset.
    #[error(
        "no data directory: the platform reports none and {HOME_ENV} is not set; set {HOME_ENV} to a writable folder"
    )]
    NoPlatformDir,
    /// The directory could not be made (a file in the way, no permission).
    #[error(
        "cannot create the data directory {path}: {source}; set {HOME_ENV} to a writable folder"
    )]
    Create {
        /// The directory.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// Where the data directory comes from, for the About view and `bakery --version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeSource {
    /// `BAKERY_HOME` was set.
    Environment,
    /// The platform's app data directory.
    Platform,
}

/// The resolved data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BakeryHome {
    path: PathBuf,
    source: HomeSource,
}

impl BakeryHome {
    /// Resolves the data directory from the process environment.
    pub fn from_env() -> Result<Self, HomeError> {
        Self::resolve(
            std::env::var_os(HOME_ENV).map(PathBuf::from),
            dirs::data_dir(),
        )
    }

    /// Resolves from an explicit override and platform directory (testable without
    /// touching the process environment).
    pub fn resolve(
        override_dir: Option<PathBuf>,
        platform_data_dir: Option<PathBuf>,
    ) -> Result<Self, HomeError> {
        match override_dir {
            Some(path) if !path.as_os_str().is_empty() => Ok(Self {
                path,
                source: HomeSource::Environment,
            }),
            _ => platform_data_dir
                .map(|dir| Self {
                    path: dir.join(APP_IDENTIFIER),
                    source: HomeSource::Platform,
                })
                .ok_or(HomeError::NoPlatformDir),
        }
    }

    /// The directory (it may not exist yet: see [`Self::ensure`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `BAKERY_HOME` or the platform chose it.
    pub fn source(&self) -> HomeSource {
        self.source
    }

    /// Creates the directory (and parents) if missing and returns its path.
    pub fn ensure(&self) -> Result<&Path, HomeError> {
        std::fs::create_dir_all(&self.path).map_err(|source| HomeError::Create {
            path: self.path.clone(),
            source,
        })?;
        Ok(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_wins_over_platform() {
        let home = BakeryHome::resolve(Some("/tmp/x".into()), Some("/data".into())).unwrap();
        assert_eq!(home.path(), Path::new("/tmp/x"));
        assert_eq!(home.source(), HomeSource::Environment);
    }

    #[test]
    fn empty_override_falls_back_to_platform_dir_with_identifier() {
        let home = BakeryHome::resolve(Some("".into()), Some("/data".into())).unwrap();
        assert_eq!(home.path(), Path::new("/data/dev.amibakery.app"));
        assert_eq!(home.source(), HomeSource::Platform);
    }

    #[test]
    fn no_directory_at_all_is_an_error_naming_the_variable() {
        let err = BakeryHome::resolve(None, None).unwrap_err();
        assert!(err.to_string().contains("BAKERY_HOME"), "{err}");
    }

    #[test]
    fn ensure_creates_nested_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let home = BakeryHome::resolve(Some(tmp.path().join("a/b")), None).unwrap();
        assert!(home.ensure().unwrap().is_dir());
    }

    #[test]
    fn ensure_reports_the_path_it_could_not_create() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let home = BakeryHome::resolve(Some(file.join("sub")), None).unwrap();
        let err = home.ensure().unwrap_err();
        assert!(err.to_string().contains("file/sub"), "{err}");
    }
}
