//! Open and check a template: a Packer JSON file, a `.pkr.hcl` file or a folder of them
//! (with its `.auto.pkrvars.hcl` files), with the variable values given (`--var`,
//! `--var-file`, `PKR_VAR_*` from the environment) — as `validate`, `bake` and the window
//! all do.

use std::path::{Path, PathBuf};

use bakery_template::{CheckOptions, Checked, RenderContext, VarFile, VariableInputs};

use crate::environment::Environment;
use crate::error::AppError;

/// Values for the template's variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariableValues {
    /// `NAME=VALUE` pairs (later ones win).
    pub vars: Vec<String>,
    /// Variable files: JSON, or `.pkrvars.hcl` for HCL2 (later files win, `vars` over all).
    pub var_files: Vec<PathBuf>,
}

/// A Packer HCL2 template (`.pkr.hcl`) rather than a JSON one.
pub fn is_hcl(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "hcl")
}

/// The file's text, or an error naming it.
pub fn read(path: &Path) -> Result<String, AppError> {
    std::fs::read_to_string(path).map_err(|source| AppError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The folder a template's relative paths are taken from: a folder template is its own.
pub fn template_dir(template: &Path) -> PathBuf {
    let absolute = std::path::absolute(template).unwrap_or_else(|_| template.to_path_buf());
    if absolute.is_dir() {
        absolute
    } else {
        absolute
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// The world as rendering sees it: the environment's clock, ids and variables.
pub fn render_context(template: &Path, env: &Environment) -> RenderContext {
    let ids = env.ids.clone();
    RenderContext {
        now: env.clock.now(),
        ids: Box::new(move || ids()),
        env: env.vars.clone(),
        template_dir: template_dir(template).display().to_string(),
        working_dir: env.working_dir.display().to_string(),
    }
}

/// A folder holding one HCL2 template.
pub struct HclFolder {
    /// Its `.pkr.hcl` files, (name, text), sorted as Packer reads them.
    pub files: Vec<(String, String)>,
    /// Its `.auto.pkrvars.hcl` files, read before any `--var-file`.
    pub var_files: Vec<VarFile>,
}

/// Reads the `.pkr.hcl` and `.auto.pkrvars.hcl` files of a template folder.
pub fn hcl_folder(dir: &Path) -> Result<HclFolder, AppError> {
    let entries = std::fs::read_dir(dir).map_err(|source| AppError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut files = Vec::new();
    let mut var_files = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        if name.ends_with(".auto.pkrvars.hcl") {
            var_files.push(VarFile {
                text: read(&path)?,
                name,
            });
        } else if name.ends_with(".pkr.hcl") {
            files.push((name, read(&path)?));
        }
    }
    Ok(HclFolder { files, var_files })
}

/// A template's text as the checker reads it: one file, or the files of an HCL2 folder.
pub enum TemplateText<'a> {
    /// A JSON or `.pkr.hcl` file's text.
    File(&'a str),
    /// A folder's `.pkr.hcl` files (name, text) and its `.auto.pkrvars.hcl` files.
    Folder {
        /// Its `.pkr.hcl` files, (name, text), sorted as Packer reads them.
        files: &'a [(String, String)],
        /// Its `.auto.pkrvars.hcl` files.
        var_files: &'a [VarFile],
    },
}

/// Reads and checks a template with the values given. Prints nothing: the diagnostics are
/// in the result, every one located.
pub fn check_template(
    file: &Path,
    values: &VariableValues,
    syntax_only: bool,
    env: &Environment,
) -> Result<Checked, AppError> {
    if file.is_dir() {
        let folder = hcl_folder(file)?;
        let text = TemplateText::Folder {
            files: &folder.files,
            var_files: &folder.var_files,
        };
        check_text(file, &text, values, syntax_only, env)
    } else {
        let text = read(file)?;
        check_text(file, &TemplateText::File(&text), values, syntax_only, env)
    }
}

/// Checks a template's text as it is now (the editor's unsaved text, say) as if it were at
/// `file`: relative paths, `path.root` and the dialect come from `file`.
pub fn check_text(
    file: &Path,
    text: &TemplateText<'_>,
    values: &VariableValues,
    syntax_only: bool,
    env: &Environment,
) -> Result<Checked, AppError> {
    let mut inputs = VariableInputs::default();
    if let TemplateText::Folder { var_files, .. } = text {
        inputs.var_files.extend(var_files.iter().cloned());
    }
    for path in &values.var_files {
        inputs.var_files.push(VarFile {
            name: path.display().to_string(),
            text: read(path)?,
        });
    }
    for var in &values.vars {
        inputs.vars.push(VariableInputs::parse_var(var)?);
    }
    let options = CheckOptions {
        syntax_only,
        inputs,
        local_file_exists: Some(|path| Path::new(path).exists()),
        // HCL2's file() and templatefile(), relative to path.root (resolved by the checker).
        read_local_file: Some(|path| std::fs::read_to_string(path)),
        default_region: default_region(env),
        // HCL2's fileset(), under a folder resolved the same way.
        list_local_files: Some(bakery_template::local_files_under),
    };
    let name = file.display().to_string();
    let mut ctx = render_context(file, env);
    Ok(match text {
        TemplateText::Folder { files, .. } => {
            bakery_template::check_hcl_files(files, &options, &mut ctx)
        }
        TemplateText::File(text) if is_hcl(file) => {
            bakery_template::check_hcl(&name, text, &options, &mut ctx)
        }
        TemplateText::File(text) => bakery_template::check(&name, text, &options, &mut ctx),
    })
}

/// Where a build that names no region bakes, as Packer falls back: `AWS_REGION`, then
/// `AWS_DEFAULT_REGION`. (A profile's own region is not consulted here yet.)
fn default_region(env: &Environment) -> Option<bakery_template::DefaultRegion> {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|name| {
            env.var(name).map(|region| bakery_template::DefaultRegion {
                region: region.to_string(),
                from: (*name).to_string(),
            })
        })
}
