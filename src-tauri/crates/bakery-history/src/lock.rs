//! Which bakes are alive: a running bake holds an exclusive lock on `locks/<bake-id>.lock`
//! in the data directory. The kernel drops the lock when the process dies (even `kill -9`),
//! so a `running` bake whose lock can be taken is a bake that died.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::HistoryError;

/// Held for as long as a bake runs.
#[derive(Debug)]
pub struct BakeLock {
    file: File,
    path: PathBuf,
}

fn lock_path(data_dir: &Path, bake_id: &str) -> PathBuf {
    data_dir.join("locks").join(format!("{bake_id}.lock"))
}

fn open(path: &Path) -> Result<File, HistoryError> {
    let lock_err = |source| HistoryError::Lock {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(lock_err)?;
    }
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(lock_err)
}

impl BakeLock {
    /// Takes the lock of `bake_id`; `None` if another live process holds it.
    pub fn try_claim(data_dir: &Path, bake_id: &str) -> Result<Option<Self>, HistoryError> {
        let path = lock_path(data_dir, bake_id);
        let file = open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { file, path })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(source)) => Err(HistoryError::Lock { path, source }),
        }
    }

    /// Releases the lock and removes its file.
    pub fn release(self) {
        let _ = self.file.unlock();
        let _ = std::fs::remove_file(&self.path);
    }
}
