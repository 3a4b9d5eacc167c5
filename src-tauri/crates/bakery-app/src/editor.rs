//! The template editor's use cases: open a template as text (a JSON file, a `.pkr.hcl`
//! file or a folder of them), check the text being edited on every change with each
//! problem located for the code view (UTF-16 offsets, as CodeMirror counts) and for the
//! form (its field), save it back byte for byte, convert JSON to HCL2, and the starters
//! "New" offers.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use bakery_template::edit::{self, Change, FieldValue};
use bakery_template::{Diagnostic, Severity};
use serde::{Deserialize, Serialize};

use crate::environment::Environment;
use crate::error::AppError;
use crate::prepare::ProblemSeverity;
use crate::template::{TemplateText, VariableValues, check_text, hcl_folder, is_hcl, read};

/// The two ways a Packer template is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// The legacy JSON template (`packer.json`).
    Json,
    /// HCL2: a `.pkr.hcl` file or a folder of them.
    Hcl2,
}

impl Dialect {
    /// The dialect of the template at `path` (a folder is HCL2).
    pub fn of(path: &Path) -> Self {
        if path.is_dir() || is_hcl(path) {
            Self::Hcl2
        } else {
            Self::Json
        }
    }
}

/// One file of the template being edited, with its text as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct EditorFile {
    /// Where it is (or will be) saved.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// A template opened for editing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct OpenedTemplate {
    /// What was opened: the file, or the folder of an HCL2 template.
    pub path: String,
    /// JSON or HCL2.
    pub dialect: Dialect,
    /// Its files: one, or a folder's `.pkr.hcl` files in the order Packer reads them.
    pub files: Vec<EditorFile>,
}

/// Reads a template for the editor: a JSON file, a `.pkr.hcl` file, or a folder holding
/// `.pkr.hcl` files.
pub fn open(path: &Path) -> Result<OpenedTemplate, AppError> {
    let files = if path.is_dir() {
        let folder = hcl_folder(path)?;
        if folder.files.is_empty() {
            return Err(AppError::NoTemplate {
                path: path.to_path_buf(),
            });
        }
        folder
            .files
            .into_iter()
            .map(|(path, text)| EditorFile { path, text })
            .collect()
    } else {
        vec![EditorFile {
            path: path.display().to_string(),
            text: read(path)?,
        }]
    };
    Ok(OpenedTemplate {
        path: path.display().to_string(),
        dialect: Dialect::of(path),
        files,
    })
}

/// A did-you-mean as a one-click fix: replace `from..to` of the problem's file by `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// Start, in UTF-16 code units from the start of the file.
    pub from: u32,
    /// End (exclusive), in UTF-16 code units.
    pub to: u32,
    /// The replacement, e.g. the known key an unknown one was meant to be.
    pub text: String,
}

/// One problem of the text being edited, located for the code view and the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct EditorProblem {
    /// Error or warning.
    pub severity: ProblemSeverity,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The file it is in (a template file, a variable file, or `--var`).
    pub file: String,
    /// Its 1-based line (0: not in a file).
    pub line: u32,
    /// Its 1-based column, in characters.
    pub column: u32,
    /// The setting, e.g. `builders[0].ami_name` or `source.amazon-ebs.web.ami_name`.
    pub field: Option<String>,
    /// Where to underline it in its file, in UTF-16 code units (null when it is not in one
    /// of the template's files).
    pub from: Option<u32>,
    /// The end of the underline (exclusive).
    pub to: Option<u32>,
    /// The did-you-mean, ready to apply.
    pub fix: Option<Fix>,
}

/// The text being edited, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct EditorCheck {
    /// Every problem, errors first, then by file and position.
    pub problems: Vec<EditorProblem>,
    /// How many are errors (the Bake button waits for none).
    pub errors: u32,
    /// The builds the template bakes, by name.
    pub builds: Vec<String>,
    /// The settings as written, for the form (null when no file parses).
    pub form: Option<TemplateForm>,
}

/// A setting's value as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    /// A literal (every JSON value; an HCL2 string, number, list or map of literals).
    Literal,
    /// HCL2 expression text (`var.region`), as written.
    Expression,
}

/// A setting's value as written: `{kind, value}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FormValue {
    /// A literal or an expression.
    pub kind: ValueKind,
    /// The literal, or the expression's text.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Unknown))]
    pub value: serde_json::Value,
}

impl From<FieldValue> for FormValue {
    fn from(value: FieldValue) -> Self {
        match value {
            FieldValue::Literal(value) => Self {
                kind: ValueKind::Literal,
                value,
            },
            FieldValue::Expression(text) => Self {
                kind: ValueKind::Expression,
                value: serde_json::Value::String(text),
            },
        }
    }
}

/// One build's settings as the form shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FormBuild {
    /// Its name (its `name`, its HCL2 source label, or its type).
    pub name: String,
    /// The file it is written in.
    pub file: String,
    /// Its field path: `builders[0]` or `source.amazon-ebs.web`.
    pub prefix: String,
    /// Every key it sets, as written.
    pub values: BTreeMap<String, FormValue>,
}

/// One provisioner's settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FormProvisioner {
    /// `shell`, `file`, `shell-local`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The file it is written in.
    pub file: String,
    /// Its field path: `provisioners[0]` or `build.provisioner[0]`.
    pub prefix: String,
    /// Every key it sets, as written.
    pub values: BTreeMap<String, FormValue>,
    /// Why the form shows it read-only, when it does.
    pub read_only: Option<String>,
}

/// One variable the template declares.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FormVariable {
    /// Its name.
    pub name: String,
    /// Its default as written; never sent for a sensitive variable.
    pub default: Option<FormValue>,
    /// Sensitive: its value is asked masked and never shown.
    pub sensitive: bool,
    /// The field path of its default: `variables.region` or `variable.region.default`.
    pub prefix: String,
    /// The file it is declared in.
    pub file: String,
}

/// What the form shows: every build, provisioner and variable, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct TemplateForm {
    /// The builds.
    pub builds: Vec<FormBuild>,
    /// The provisioners, in the order they run.
    pub provisioners: Vec<FormProvisioner>,
    /// The variables.
    pub variables: Vec<FormVariable>,
    /// Where a new provisioner goes: `provisioners` or `build.provisioner`.
    pub provisioners_path: String,
}

// The provisioners the engine bakes; others are kept as written and shown read-only.
use bakery_template::model::BAKED_PROVISIONERS;

/// The form of the template's files (the sections of every file that parses).
pub fn form(dialect: Dialect, files: &[EditorFile]) -> Option<TemplateForm> {
    let dialect = match dialect {
        Dialect::Json => edit::Dialect::Json,
        Dialect::Hcl2 => edit::Dialect::Hcl2,
    };
    let mut form = TemplateForm {
        builds: Vec::new(),
        provisioners: Vec::new(),
        variables: Vec::new(),
        provisioners_path: match dialect {
            edit::Dialect::Json => "provisioners".into(),
            edit::Dialect::Hcl2 => "build.provisioner".into(),
        },
    };
    let mut parsed = false;
    for file in files {
        let Some(settings) = edit::settings(&file.text, dialect) else {
            continue;
        };
        parsed = true;
        let values = |section: &edit::Section| -> BTreeMap<String, FormValue> {
            section
                .settings
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect()
        };
        form.builds
            .extend(settings.builds.iter().map(|b| FormBuild {
                name: b.name.clone(),
                file: file.path.clone(),
                prefix: b.path.clone(),
                values: values(b),
            }));
        form.provisioners
            .extend(settings.provisioners.iter().map(|p| FormProvisioner {
                kind: p.kind.clone(),
                file: file.path.clone(),
                prefix: p.path.clone(),
                values: values(p),
                read_only: (!BAKED_PROVISIONERS.contains(&p.kind.as_str())).then(|| {
                    format!(
                        "AMI Bakery does not bake \"{}\" provisioners yet: it is kept as written (bake this template with Packer)",
                        p.kind
                    )
                }),
            }));
        for v in &settings.variables {
            let mut values = values(v);
            let sensitive = settings.sensitive.contains(&v.name)
                || values
                    .get("sensitive")
                    .is_some_and(|s| s.value == serde_json::Value::Bool(true));
            let default = values.remove("default").filter(|_| !sensitive);
            form.variables.push(FormVariable {
                name: v.name.clone(),
                default,
                sensitive,
                prefix: match dialect {
                    edit::Dialect::Json => v.path.clone(),
                    edit::Dialect::Hcl2 => format!("{}.default", v.path),
                },
                file: file.path.clone(),
            });
        }
    }
    parsed.then_some(form)
}

/// One form edit of one setting, by its field path, as the webview sends it (the edit
/// engine's [`Change`], typed for the bindings).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum FormChange {
    /// Give the setting this value (created when absent).
    Set {
        /// The field path.
        path: String,
        /// The value.
        #[cfg_attr(feature = "specta", specta(type = specta_typescript::Unknown))]
        value: serde_json::Value,
    },
    /// Remove the setting.
    Unset {
        /// The field path.
        path: String,
    },
    /// Insert a list item at `path` (ending in `[i]`).
    Insert {
        /// The new item's field path.
        path: String,
        /// The item.
        #[cfg_attr(feature = "specta", specta(type = specta_typescript::Unknown))]
        value: serde_json::Value,
    },
    /// Remove the list item at `path`.
    Remove {
        /// The item's field path.
        path: String,
    },
    /// HCL2: give the setting expression text, written as is.
    SetExpression {
        /// The field path.
        path: String,
        /// The expression.
        expression: String,
    },
    /// Move the list item at `path` to index `to`.
    Move {
        /// The item's field path.
        path: String,
        /// Its index after the move.
        to: u32,
    },
}

impl From<FormChange> for Change {
    fn from(change: FormChange) -> Self {
        match change {
            FormChange::Set { path, value } => Change::Set { path, value },
            FormChange::Unset { path } => Change::Unset { path },
            FormChange::Insert { path, value } => Change::Insert { path, value },
            FormChange::Remove { path } => Change::Remove { path },
            FormChange::SetExpression { path, expression } => {
                Change::SetExpression { path, expression }
            }
            FormChange::Move { path, to } => Change::Move {
                path,
                to: to as usize,
            },
        }
    }
}

/// A text change for the code view, in UTF-16 code units of the text before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TextPatch {
    /// Start.
    pub from: u32,
    /// End (exclusive).
    pub to: u32,
    /// The replacement.
    pub text: String,
}

/// A form edit made: the code view's patches, the new text, the template checked again.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct EditResult {
    /// The file edited.
    pub file: String,
    /// The changes to its text (UTF-16 offsets of the text as it was).
    pub patches: Vec<TextPatch>,
    /// Its text after the edit.
    pub text: String,
    /// The whole template checked with the edit.
    pub check: EditorCheck,
}

/// Makes `changes` to `file` (one of `files`, with its text as the editor has it) through
/// the edit engine, and checks the template again. Nothing is written.
pub fn edit_text(
    path: &Path,
    files: &[EditorFile],
    file: &str,
    changes: &[FormChange],
    values: &VariableValues,
    env: &Environment,
) -> Result<EditResult, AppError> {
    let changes: Vec<Change> = changes.iter().cloned().map(Change::from).collect();
    let index = files
        .iter()
        .position(|f| f.path == file)
        .ok_or_else(|| AppError::Internal(format!("{file} is not a file of this template")))?;
    let before = files[index].text.as_str();
    let dialect = Dialect::of(path);
    let engine_dialect = match dialect {
        Dialect::Json => edit::Dialect::Json,
        Dialect::Hcl2 => edit::Dialect::Hcl2,
    };
    let (text, patches) = match changes.as_slice() {
        [change] => {
            let patches = edit::patches(before, engine_dialect, change)?;
            let text = edit::apply(before, &patches);
            let patches = patches
                .iter()
                .map(|p| TextPatch {
                    from: utf16(before, p.start),
                    to: utf16(before, p.end),
                    text: p.text.clone(),
                })
                .collect();
            (text, patches)
        }
        _ => {
            let text = edit::edit(before, engine_dialect, &changes)?;
            let patch = difference(before, &text);
            (text, patch.into_iter().collect())
        }
    };
    let mut edited = files.to_vec();
    edited[index].text = text.clone();
    let check = check(path, &edited, values, env)?;
    Ok(EditResult {
        file: file.to_string(),
        patches,
        text,
        check,
    })
}

/// The one span where `after` differs from `before` (their common start and end kept).
fn difference(before: &str, after: &str) -> Option<TextPatch> {
    if before == after {
        return None;
    }
    let start = before
        .char_indices()
        .zip(after.chars())
        .find(|((_, a), b)| a != b)
        .map_or(before.len().min(after.len()), |((i, _), _)| i);
    let tail = before[start..]
        .chars()
        .rev()
        .zip(after[start..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    let before_end = before.len() - tail;
    let after_end = after.len() - tail;
    Some(TextPatch {
        from: utf16(before, start),
        to: utf16(before, before_end),
        text: after[start..after_end].to_string(),
    })
}

/// Checks the editor's text as if it were saved at `path` (what was opened, or where a
/// new template will be saved): every problem located in the files given.
pub fn check(
    path: &Path,
    files: &[EditorFile],
    values: &VariableValues,
    env: &Environment,
) -> Result<EditorCheck, AppError> {
    let checked = if path.is_dir() {
        let folder = hcl_folder(path)?;
        let sources: Vec<(String, String)> = files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect();
        let text = TemplateText::Folder {
            files: &sources,
            var_files: &folder.var_files,
        };
        check_text(path, &text, values, false, env)?
    } else {
        let text = files.first().map(|f| f.text.as_str()).unwrap_or_default();
        check_text(path, &TemplateText::File(text), values, false, env)?
    };
    let name = path.display().to_string();
    let mut problems: Vec<EditorProblem> = checked
        .diagnostics
        .iter()
        .map(|d| {
            // A single file's diagnostics name the path as given.
            let text = files
                .iter()
                .find(|f| f.path == d.file || (files.len() == 1 && d.file == name))
                .map(|f| f.text.as_str());
            locate(d, text)
        })
        .collect();
    problems.sort_by_key(|p| (p.severity != ProblemSeverity::Error, p.line, p.column));
    let errors = problems
        .iter()
        .filter(|p| p.severity == ProblemSeverity::Error)
        .count() as u32;
    let builds = checked
        .template
        .iter()
        .flat_map(|t| &t.builders)
        .map(|builder| {
            let bakery_template::model::Builder::AmazonEbs(ebs) = builder;
            ebs.name.clone().unwrap_or_else(|| "amazon-ebs".to_string())
        })
        .collect();
    Ok(EditorCheck {
        problems,
        errors,
        builds,
        form: form(Dialect::of(path), files),
    })
}

fn locate(d: &Diagnostic, text: Option<&str>) -> EditorProblem {
    let span = text.filter(|_| d.line > 0).and_then(|text| {
        let start = byte_at(text, d.line, d.column)?;
        let (word_start, word_end) = word_at(text, start);
        Some((text, start, word_start, word_end))
    });
    let (from, to, fix) = match span {
        Some((text, start, word_start, word_end)) => {
            let end = word_end.max(start + text[start..].chars().next().map_or(0, char::len_utf8));
            let fix = d.fix.as_ref().map(|replacement| Fix {
                from: utf16(text, word_start),
                to: utf16(text, word_end),
                text: replacement.clone(),
            });
            (Some(utf16(text, start)), Some(utf16(text, end)), fix)
        }
        None => (None, None, None),
    };
    EditorProblem {
        severity: match d.severity {
            Severity::Error => ProblemSeverity::Error,
            Severity::Warning => ProblemSeverity::Warning,
        },
        message: d.message.clone(),
        help: d.help.clone(),
        file: d.file.clone(),
        line: d.line,
        column: d.column,
        field: Some(d.field.clone()).filter(|f| !f.is_empty()),
        from,
        to,
        fix,
    }
}

/// The byte offset of a 1-based line and character column (the end of the line when the
/// column is past it).
fn byte_at(text: &str, line: u32, column: u32) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let line_text = &text[start..];
    let line_end = line_text.find('\n').unwrap_or(line_text.len());
    let offset = line_text[..line_end]
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(line_end, |(i, _)| i);
    Some(start + offset)
}

/// The word a problem points at, for the underline and the fix: a quoted string's
/// contents, or an identifier (letters, digits, `_`, `-`).
fn word_at(text: &str, start: usize) -> (usize, usize) {
    let rest = &text[start..];
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return (start + 1, start + 1 + i),
                '\n' => break,
                _ => escaped = false,
            }
        }
        return (start, start);
    }
    let len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
        .map_or(rest.len(), |(i, _)| i);
    (start, start + len)
}

/// A byte offset as UTF-16 code units, as JavaScript strings (and CodeMirror) count.
fn utf16(text: &str, byte: usize) -> u32 {
    text[..byte].chars().map(char::len_utf16).sum::<usize>() as u32
}

/// Writes the editor's text to `path` as it is, atomically: a temporary file in the same
/// folder, then a rename, so a crash never leaves half a template.
pub fn save(path: &Path, text: &str) -> Result<(), AppError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.bakery-save"));
    let failed = |source| AppError::Write {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&temp, text).map_err(failed)?;
    // Keep the file's permissions (a script-like 0600 template stays private).
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&temp, meta.permissions());
    }
    std::fs::rename(&temp, path).map_err(|source| {
        let _ = std::fs::remove_file(&temp);
        failed(source)
    })
}

/// A JSON template's text as HCL2 (what `bakery fmt --to hcl` writes), for "Convert to
/// HCL2": the result is a new `.pkr.hcl` file, the JSON file is left as it is.
pub fn convert_to_hcl(name: &str, text: &str) -> Result<String, AppError> {
    Ok(bakery_template::json_to_hcl(name, text)?)
}

/// A template to start from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Starter {
    /// Stable id, e.g. `amazon-linux-2023`.
    pub id: String,
    /// What the list shows.
    pub title: String,
    /// One line about it.
    pub detail: String,
    /// Its dialect.
    pub dialect: Dialect,
    /// The file name "Save" proposes.
    pub file_name: String,
    /// Its text.
    pub text: String,
}

/// What kind of value an option takes, for the input the form gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum OptionKind {
    /// Text (an id, a name, a duration).
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A list of strings.
    List,
    /// A map of names to strings (tags).
    Map,
    /// A nested settings object, or a list of them (block devices): edited in the code.
    Object,
}

/// An option of the amazon-ebs builder the form's Advanced section can add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BuilderOption {
    /// Its key (`force_deregister`).
    pub name: String,
    /// The value it takes.
    pub kind: OptionKind,
    /// What it does (the schema's description).
    pub description: String,
}

/// Keys Advanced does not offer to add: credentials written into a template end up in
/// version control (a profile holds them instead), and `type` is the builder itself.
const NOT_OFFERED: &[&str] = &["access_key", "secret_key", "token", "type"];

/// Every option of the amazon-ebs builder, by name, from the template schema (so the list
/// can't drift from what the checker accepts).
pub fn builder_options() -> Vec<BuilderOption> {
    let schema = bakery_template::schema::json_schema();
    let Some(properties) = schema
        .pointer("/definitions/AmazonEbs/properties")
        .and_then(serde_json::Value::as_object)
    else {
        return Vec::new();
    };
    let mut options: Vec<BuilderOption> = properties
        .iter()
        .filter(|(name, _)| !NOT_OFFERED.contains(&name.as_str()))
        .map(|(name, property)| BuilderOption {
            name: name.clone(),
            kind: option_kind(property),
            description: property
                .get("description")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .replace('\n', " "),
        })
        .collect();
    options.sort_by(|a, b| a.name.cmp(&b.name));
    options
}

fn option_kind(property: &serde_json::Value) -> OptionKind {
    if property.get("anyOf").is_some() || property.get("$ref").is_some() {
        return OptionKind::Object;
    }
    let types: Vec<&str> = match property.get("type") {
        Some(serde_json::Value::String(t)) => vec![t.as_str()],
        Some(serde_json::Value::Array(ts)) => ts.iter().filter_map(|t| t.as_str()).collect(),
        _ => Vec::new(),
    };
    match types.iter().find(|t| **t != "null").copied() {
        Some("boolean") => OptionKind::Boolean,
        Some("integer" | "number") => OptionKind::Number,
        Some("array") => match property.pointer("/items/type") {
            Some(serde_json::Value::String(t)) if t == "string" => OptionKind::List,
            _ => OptionKind::Object,
        },
        Some("object") => OptionKind::Map,
        _ => OptionKind::String,
    }
}

/// The starters "New" offers; with the sandbox's SSH stand-in known
/// (`BAKERY_SANDBOX_SSH_PORT`), one that bakes in the sandbox as it is.
pub fn starters(env: &Environment) -> Vec<Starter> {
    let starter = |id: &str, title: &str, detail: &str, file_name: &str, text: &str| Starter {
        id: id.into(),
        title: title.into(),
        detail: detail.into(),
        dialect: Dialect::of(Path::new(file_name)),
        file_name: file_name.into(),
        text: text.into(),
    };
    let mut list = Vec::new();
    if let Some(port) = env
        .var("BAKERY_SANDBOX_SSH_PORT")
        .filter(|p| p.parse::<u16>().is_ok())
    {
        list.push(starter(
            "sandbox",
            "Sandbox: bakes here as it is",
            "Amazon Linux 2023 from the sandbox's catalogue, provisioned over its SSH stand-in",
            "sandbox.json",
            &include_str!("../starters/sandbox.json").replace("SSH_PORT", port),
        ));
    }
    list.extend([
        starter(
            "amazon-linux-2023",
            "Amazon Linux 2023",
            "The newest x86_64 AL2023 image by source_ami_filter, updated with dnf",
            "amazon-linux-2023.pkr.hcl",
            include_str!("../starters/amazon-linux-2023.pkr.hcl"),
        ),
        starter(
            "ubuntu-24.04",
            "Ubuntu 24.04 LTS",
            "Canonical's newest Noble amd64 server image, updated with apt",
            "ubuntu-24.04.pkr.hcl",
            include_str!("../starters/ubuntu-24.04.pkr.hcl"),
        ),
        starter(
            "debian-12",
            "Debian 12",
            "The Debian cloud team's newest Bookworm amd64 image, updated with apt",
            "debian-12.pkr.hcl",
            include_str!("../starters/debian-12.pkr.hcl"),
        ),
        starter(
            "packer-json",
            "The article's packer.json",
            "The yum-upgrade template in legacy JSON: put in your VPC, subnet and source AMI",
            "packer.json",
            include_str!("../starters/packer.json"),
        ),
    ]);
    list
}

/// The folder a new template's "Save" dialog opens in, and where it is checked from
/// before it is saved: the working directory.
pub fn untitled_path(env: &Environment, file_name: &str) -> PathBuf {
    env.working_dir.join(file_name)
}

/// How a template refers to a local file (a script picked from disk): beside the template,
/// relative to its folder as Packer writes it (`{{template_dir}}/scripts/a.sh` in JSON,
/// `${path.root}/scripts/a.sh` in HCL2), so the bake finds it whatever its working directory;
/// elsewhere, by its absolute path.
pub fn file_reference(template: &Path, file: &Path) -> String {
    let folder = if template.is_dir() {
        template
    } else {
        template.parent().unwrap_or(Path::new(""))
    };
    let Ok(inside) = file.strip_prefix(folder) else {
        return file.display().to_string();
    };
    let relative = inside
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if folder.as_os_str().is_empty() || relative.is_empty() {
        return file.display().to_string();
    }
    match Dialect::of(template) {
        Dialect::Json => format!("{{{{template_dir}}}}/{relative}"),
        Dialect::Hcl2 => format!("${{path.root}}/{relative}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_beside_the_template_is_referred_to_from_its_folder() {
        let json = Path::new("/work/t/packer.json");
        assert_eq!(
            file_reference(json, Path::new("/work/t/scripts/a b.sh")),
            "{{template_dir}}/scripts/a b.sh"
        );
        assert_eq!(
            file_reference(
                Path::new("/work/t/web.pkr.hcl"),
                Path::new("/work/t/setup.sh")
            ),
            "${path.root}/setup.sh"
        );
        assert_eq!(
            file_reference(json, Path::new("/elsewhere/setup.sh")),
            "/elsewhere/setup.sh"
        );
        // "/work/tt" is not inside "/work/t".
        assert_eq!(
            file_reference(json, Path::new("/work/tt/setup.sh")),
            "/work/tt/setup.sh"
        );
    }

    #[test]
    fn offsets_count_utf16_units_and_words_stop_at_punctuation() {
        let text = "{\n  \"ä😀\": 1, \"instance_tipe\": \"t3\"\n}";
        let start = byte_at(text, 2, 12).unwrap();
        assert_eq!(&text[start..start + 1], "\"");
        let (from, to) = word_at(text, start);
        assert_eq!(&text[from..to], "instance_tipe");
        // "ä" is one UTF-16 unit and two bytes, "😀" two units and four bytes.
        assert_eq!(utf16("ä😀x", 6), 3);
        assert_eq!(utf16(text, from), 2 + 2 + 1 + 2 + 1 + 6 + 1);
    }

    #[test]
    fn a_difference_is_one_span_in_utf16_units() {
        let patch = difference("ä: 1, b: 2", "ä: 1, b: 3").unwrap();
        assert_eq!((patch.from, patch.to, patch.text.as_str()), (9, 10, "3"));
        assert_eq!(difference("same", "same"), None);
        let patch = difference("ab", "aXb").unwrap();
        assert_eq!((patch.from, patch.to, patch.text.as_str()), (1, 1, "X"));
    }

    #[test]
    fn ansible_steps_are_edited_in_the_form_and_other_provisioners_are_read_only() {
        let text = r#"{"builders": [{"type": "amazon-ebs"}], "provisioners": [{"type": "ansible", "playbook_file": "site.yml"}, {"type": "ansible-local", "playbook_file": "site.yml"}, {"type": "chef-solo"}]}"#;
        let form = form(
            Dialect::Json,
            &[EditorFile {
                path: "/work/t/packer.json".into(),
                text: text.into(),
            }],
        )
        .expect("parses");
        let read_only: Vec<(&str, bool)> = form
            .provisioners
            .iter()
            .map(|p| (p.kind.as_str(), p.read_only.is_some()))
            .collect();
        assert_eq!(
            read_only,
            [
                ("ansible", false),
                ("ansible-local", false),
                ("chef-solo", true)
            ]
        );
    }

    #[test]
    fn a_column_past_the_line_is_its_end() {
        assert_eq!(byte_at("ab\ncd", 2, 9), Some(5));
        assert_eq!(byte_at("ab", 3, 1), None);
    }
}
