//! From a checked template to the bakes it asks for: one [`BakeSpec`] per build, planned for
//! the environment given (region override, SSH agent, public-address lookup) — never patched
//! afterwards.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bakery_engine::BakeSpec;
use bakery_template::{Checked, Template};

use crate::environment::Environment;
use crate::error::AppError;
use crate::template::template_dir;

/// What the person chose beyond the template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Only bake the builds with these names (all when empty).
    pub only: Vec<String>,
    /// Bake in this region instead of the template's.
    pub region: Option<String>,
}

/// A template's bakes, ready to start.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The template as the person named it.
    pub path: PathBuf,
    /// One bake per build, in the template's order.
    pub specs: Vec<BakeSpec>,
    /// The checked template (its redaction hides sensitive values in every reported line).
    pub template: Arc<Template>,
    /// The template as baked, sensitive values redacted (for the history).
    pub as_baked: String,
    /// The variables' values the person gave (`NAME=VALUE`, later ones winning), a JSON
    /// object, sensitive ones redacted (for the history; "Bake again" offers them).
    pub variables: String,
}

/// The values of `vars` as the history records them: sensitive variables' values and any
/// sensitive value inside another replaced by `<sensitive>`.
pub fn recorded_variables(vars: &[String], template: &Template) -> String {
    let mut values = serde_json::Map::new();
    for pair in vars {
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        let sensitive = template
            .variables
            .iter()
            .any(|v| v.name == name && v.sensitive);
        let value = if sensitive {
            "<sensitive>".to_string()
        } else {
            template.redact(value)
        };
        values.insert(name.to_string(), serde_json::Value::String(value));
    }
    serde_json::Value::Object(values).to_string()
}

/// Plans a checked template. A template with errors is refused (its diagnostics say why).
pub fn plan(
    path: &Path,
    checked: Checked,
    options: &PlanOptions,
    env: &Environment,
) -> Result<Plan, AppError> {
    let errors = checked.errors().count();
    let Some(template) = checked.template.filter(|_| errors == 0) else {
        return Err(AppError::TemplateInvalid {
            path: path.to_path_buf(),
            errors: errors.max(1),
        });
    };
    let specs = bakery_engine::plan::bake_specs_in(
        &template,
        &template_dir(path),
        &options.only,
        &env.plan_environment(options.region.clone()),
    )?;
    let as_baked = bakery_template::to_json(&template);
    Ok(Plan {
        path: path.to_path_buf(),
        specs,
        template: Arc::new(template),
        as_baked,
        variables: "{}".to_string(),
    })
}
