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

mod change;
mod hcl_text;
mod json_text;
mod layout;
mod path;
mod settings;
#[cfg(test)]
mod tests;

pub use change::{Change, Dialect, EditError, FieldValue};
pub use layout::Patch;
pub use path::Segment;
pub use settings::{Section, Settings, settings};

/// The patches that make `change` to the template `source`: non-overlapping, sorted by start.
/// Applying them with [`apply`] gives the changed template.
pub fn patches(source: &str, dialect: Dialect, change: &Change) -> Result<Vec<Patch>, EditError> {
    let segments = path::parse(change.path())?;
    // Giving a setting the value it already has changes nothing, not even how it is spelled
    // (`"caf\u00e9"`, `1.50`, a heredoc): the bytes stay as written.
    let unchanged = match change {
        Change::Set { path, value } => {
            matches!(get(source, dialect, path), Ok(Some(FieldValue::Literal(v))) if v == *value)
        }
        Change::SetExpression { path, expression } => matches!(
            get(source, dialect, path),
            Ok(Some(FieldValue::Expression(e))) if e == *expression
        ),
        _ => false,
    };
    if unchanged {
        return Ok(Vec::new());
    }
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
