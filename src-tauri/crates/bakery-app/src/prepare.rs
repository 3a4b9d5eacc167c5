//! Before a bake starts in the window: the template checked (errors block the Bake button
//! with their locations), its variables to ask for (sensitive ones masked, their defaults
//! never sent), its builds, and where the bake will go.

use std::path::Path;

use bakery_template::Severity;
use serde::Serialize;

use crate::environment::Environment;
use crate::error::AppError;
use crate::template::{VariableValues, check_template, is_hcl};

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ProblemSeverity {
    /// The template cannot be baked until it is fixed.
    Error,
    /// Worth knowing; the bake can go on.
    Warning,
}

/// One problem of the template, located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// Error or warning.
    pub severity: ProblemSeverity,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The file it is in.
    pub file: String,
    /// Its line (0: not in a file, e.g. a variable value).
    pub line: u32,
    /// Its column.
    pub column: u32,
    /// The setting, e.g. `builders[0].ami_name`.
    pub field: Option<String>,
    /// As `bakery validate` prints it.
    pub text: String,
}

/// A variable the template declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct VariableField {
    /// Its name.
    pub name: String,
    /// It has no default: a value must be given.
    pub required: bool,
    /// Its value is a secret: asked masked, never shown or sent back.
    pub sensitive: bool,
    /// Its default, when it has one and is not sensitive.
    pub default: Option<String>,
}

/// What the window shows before the Bake button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Preparation {
    /// The template.
    pub path: String,
    /// `json` or `hcl2`.
    pub dialect: String,
    /// The builds it bakes.
    pub builds: Vec<String>,
    /// Each build's region, as the template says it (the active target's region is used
    /// when the template names none).
    pub regions: Vec<Option<String>>,
    /// Every problem, errors first.
    pub problems: Vec<Problem>,
    /// How many problems are errors (the Bake button waits for none).
    pub errors: u32,
    /// Its variables.
    pub variables: Vec<VariableField>,
}

/// Checks `path` with the values given so far and says what the bake needs.
pub fn prepare(
    path: &Path,
    values: &VariableValues,
    env: &Environment,
) -> Result<Preparation, AppError> {
    let checked = check_template(path, values, false, env)?;
    let mut problems: Vec<Problem> = checked
        .diagnostics
        .iter()
        .map(|d| Problem {
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
            text: d.to_string(),
        })
        .collect();
    problems.sort_by_key(|p| p.severity != ProblemSeverity::Error);
    let errors = problems
        .iter()
        .filter(|p| p.severity == ProblemSeverity::Error)
        .count();
    let (builds, regions, variables) = match &checked.template {
        Some(template) => (
            template
                .builders
                .iter()
                .map(|builder| builder.name().to_string())
                .collect(),
            template
                .builders
                .iter()
                .map(|builder| {
                    let bakery_template::model::Builder::AmazonEbs(ebs) = builder;
                    ebs.region.clone().filter(|r| !r.is_empty())
                })
                .collect(),
            template
                .variables
                .iter()
                .map(|v| VariableField {
                    name: v.name.clone(),
                    required: v.default.is_none(),
                    sensitive: v.sensitive,
                    default: match (&v.default, v.sensitive) {
                        (Some(value), false) => Some(value.expose().to_string()),
                        _ => None,
                    },
                })
                .collect(),
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    Ok(Preparation {
        path: path.display().to_string(),
        dialect: if path.is_dir() || is_hcl(path) {
            "hcl2".into()
        } else {
            "json".into()
        },
        builds,
        regions,
        problems,
        errors: u32::try_from(errors).unwrap_or(u32::MAX),
        variables,
    })
}
