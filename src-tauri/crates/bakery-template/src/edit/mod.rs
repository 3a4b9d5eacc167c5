//! The template edit engine: one change to one setting of a template, as text patches at that
//! value's span, so a form edit changes only the bytes of that value.
//!
//! Invariant: every byte outside the patched spans survives (comments, key order, indentation,
//! blank lines). New values are written in the file's own style: JSON with the indentation of
//! their siblings, HCL2 as `key = value` aligned with the neighbouring line, objects as nested
//! blocks where the format has blocks (`source_ami_filter`, `provisioner`, …). Inserting an item
//! and removing it again gives back the original bytes; so does setting a value and setting the
//! old value back.
//!
//! Settings are named by the field paths the checker prints: `builders[0].tags.Name`,
//! `provisioners[1].inline[0]`, `variables.region` (JSON) and `source.amazon-ebs.web.ami_regions`,
//! `build.provisioner[1].inline[0]` (HCL2). A key that is not an identifier is written
//! `tags["Name tag"]`.

use std::fmt;

use serde::{Deserialize, Serialize};

mod hcl_text;
mod json_text;
mod layout;
mod path;
mod settings;
#[cfg(test)]
mod tests;

pub use path::Segment;
pub use settings::{Section, Settings, settings};

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

/// Replace the bytes `start..end` of the source with `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patch {
    /// The first byte replaced (a byte offset into the source).
    pub start: usize,
    /// The byte after the last one replaced (`start` for a pure insertion).
    pub end: usize,
    /// What the bytes are replaced with.
    pub text: String,
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

/// The patches that make `change` to the template `source`: non-overlapping, sorted by start.
/// Applying them with [`apply`] gives the changed template.
pub fn patches(source: &str, dialect: Dialect, change: &Change) -> Result<Vec<Patch>, EditError> {
    let segments = path::parse(change.path())?;
    let mut out = match dialect {
        Dialect::Json => json_text::patches(source, change, &segments)?,
        Dialect::Hcl2 => hcl_text::patches(source, change, &segments)?,
    };
    out.sort_by_key(|p| (p.start, p.end));
    // New lines end like the file's lines.
    if source.contains("\r\n") {
        for patch in &mut out {
            if patch.text.contains('\n') {
                patch.text = patch.text.replace("\r\n", "\n").replace('\n', "\r\n");
            }
        }
    }
    // Removals of neighbouring items may share bytes: they become one patch.
    let mut merged: Vec<Patch> = Vec::with_capacity(out.len());
    for patch in out {
        match merged.last_mut() {
            Some(last) if patch.start < last.end => {
                last.end = last.end.max(patch.end);
                last.text.push_str(&patch.text);
            }
            _ => merged.push(patch),
        }
    }
    Ok(merged)
}

/// `source` with `patches` (sorted, non-overlapping, as [`patches`] returns them) applied.
pub fn apply(source: &str, patches: &[Patch]) -> String {
    let mut out =
        String::with_capacity(source.len() + patches.iter().map(|p| p.text.len()).sum::<usize>());
    let mut at = 0;
    for patch in patches {
        let start = patch.start.clamp(at, source.len());
        out.push_str(&source[at..start]);
        out.push_str(&patch.text);
        at = patch.end.clamp(start, source.len());
    }
    out.push_str(&source[at..]);
    out
}

/// The value of the setting at `path`, as written; `None` when it is not set.
pub fn get(source: &str, dialect: Dialect, path: &str) -> Result<Option<FieldValue>, EditError> {
    let segments = path::parse(path)?;
    match dialect {
        Dialect::Json => json_text::get(source, path, &segments),
        Dialect::Hcl2 => hcl_text::get(source, path, &segments),
    }
}

/// Where the value of the setting at `path` is written: its bytes in `source` (in HCL2 a
/// block's whole text for a block); `None` when it is not set. For the code view to show the
/// field a form control edits.
pub fn locate(
    source: &str,
    dialect: Dialect,
    path: &str,
) -> Result<Option<std::ops::Range<usize>>, EditError> {
    let segments = path::parse(path)?;
    match dialect {
        Dialect::Json => json_text::locate(source, path, &segments),
        Dialect::Hcl2 => hcl_text::locate(source, path, &segments),
    }
}

/// Makes the changes one after the other: the template's text after all of them.
pub fn edit(source: &str, dialect: Dialect, changes: &[Change]) -> Result<String, EditError> {
    let mut text = source.to_string();
    for change in changes {
        let found = patches(&text, dialect, change)?;
        text = apply(&text, &found);
    }
    Ok(text)
}
