//! Every way the history store can fail.

use std::path::PathBuf;

/// Every way the history store can fail.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The database file could not be opened.
    #[error("cannot open the history database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// A migration failed.
    #[error("history migration {version} failed: {source}")]
    Migration {
        /// The migration.
        version: &'static str,
        /// Why.
        source: rusqlite::Error,
    },
    /// A query failed.
    #[error("history database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// No bake has this id.
    #[error("no bake with id {0} in the history")]
    NoSuchBake(String),
    /// Several bakes' ids start with what was given.
    #[error("{prefix} is the start of several bakes' ids ({}…): give more of it", .matches.join(", "))]
    AmbiguousId {
        /// What was given.
        prefix: String,
        /// Some of the ids it starts.
        matches: Vec<String>,
    },
    /// A stored value this version does not know.
    #[error("the history holds a value this version does not know: {0}")]
    Corrupt(String),
    /// The bake lock file could not be used.
    #[error("cannot use the bake lock {path}: {source}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}
