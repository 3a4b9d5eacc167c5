//! What an edit is made of: the dialect of the file, one change to one setting, the value of
//! a setting as written, and why an edit could not be made.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::layout;

/// The two ways a Packer template is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// The legacy JSON template (`packer.json`).
    Json,
    /// An HCL2 file (`.pkr.hcl`).
    Hcl2,
}

impl Dialect {
    /// The dialect of a file, by its name: `.hcl` files are HCL2, everything else JSON.
    pub fn of_file(name: &str) -> Dialect {
        if name.ends_with(".hcl") {
            Dialect::Hcl2
        } else {
            Dialect::Json
        }
    }
}

/// One change to one setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// Give the setting at `path` this value; the key (and missing parent objects or blocks)
    /// is created when absent.
    Set {
        /// The setting's field path.
        path: String,
        /// The new value.
        value: serde_json::Value,
    },
    /// Remove the setting at `path` (its key and its line). Nothing to do when it is absent.
    Unset {
        /// The setting's field path.
        path: String,
    },
    /// Insert a list item: `path` ends in `[i]`; `i` equal to the list's length appends.
    Insert {
        /// The new item's field path.
        path: String,
        /// The new item.
        value: serde_json::Value,
    },
    /// Remove a list item: `path` ends in `[i]`.
    Remove {
        /// The item's field path.
        path: String,
    },
    /// HCL2 only: give the setting at `path` an expression, written as is (`var.region`,
    /// `"${local.name}-web"`); created when absent like [`Change::Set`].
    SetExpression {
        /// The setting's field path.
        path: String,
        /// The HCL2 expression text.
        expression: String,
    },
    /// Move a list item (a provisioner, a whole block in HCL2) to index `to`: `path` ends in
    /// `[i]`.
    Move {
        /// The item's field path.
        path: String,
        /// Where the item ends up, as an index of the list after the move.
        to: usize,
    },
}

impl Change {
    /// The field path the change is about.
    pub fn path(&self) -> &str {
        match self {
            Change::Set { path, .. }
            | Change::Unset { path }
            | Change::Insert { path, .. }
            | Change::SetExpression { path, .. }
            | Change::Remove { path }
            | Change::Move { path, .. } => path,
        }
    }
}

/// The value of a setting as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum FieldValue {
    /// A value written as a literal (every JSON value; an HCL2 string without `${…}`, a number,
    /// a list or map of literals, a block of literals).
    Literal(serde_json::Value),
    /// HCL2 expression text that is not a literal (`var.region`, `"${local.name}-x"`), as
    /// written.
    Expression(String),
}

/// Why a change could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditError {
    /// The field path of the change.
    pub path: String,
    /// What is wrong and what to do.
    pub message: String,
    /// The 1-based line of the text the problem is at, when it is at one.
    pub line: Option<usize>,
    /// The 1-based column (in characters) on that line.
    pub column: Option<usize>,
}

impl EditError {
    /// An error about `path` that is not at a place in the text.
    pub(crate) fn new(path: &str, message: impl Into<String>) -> Self {
        EditError {
            path: path.to_string(),
            message: message.into(),
            line: None,
            column: None,
        }
    }

    /// An error about `path` at the byte `offset` of `source`.
    pub(crate) fn at(path: &str, message: impl Into<String>, source: &str, offset: usize) -> Self {
        let (line, column) = layout::line_column(source, offset);
        EditError {
            path: path.to_string(),
            message: message.into(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "{line}:{column}: {}: {}", self.path, self.message)
            }
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for EditError {}
