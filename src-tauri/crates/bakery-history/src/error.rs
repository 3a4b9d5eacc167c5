//! Every way the history store can fail.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot open the history database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("history migration {version} failed: {source}")]
    Migration {
        version: &'static str,
        source: rusqlite::Error,
    },
    #[error("history database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("no bake with id {0} in the history")]
    NoSuchBake(String),
    #[error("the history holds a value this version does not know: {0}")]
    Corrupt(String),
    #[error("cannot use the bake lock {path}: {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
}
