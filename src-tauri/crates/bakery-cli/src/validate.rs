//! `bakery validate`: checks a template like `packer validate`, printing every problem as
//! `FILE:LINE:COL: error: MESSAGE (field PATH)` on stderr.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bakery_template::{CheckOptions, RenderContext, VarFile, VariableInputs};

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Only check that the file is a well-formed template (JSON, structure), not its settings.
    #[arg(long)]
    syntax_only: bool,
    /// Set a user variable: --var name=value (repeatable; later ones win).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Read user variables from a file: JSON, or .pkrvars.hcl for HCL2 (repeatable; later files
    /// win, --var wins over all).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// The template: Packer JSON, HCL2 when it ends in .pkr.hcl, or a folder of .pkr.hcl files
    /// (with its .auto.pkrvars.hcl files).
    file: PathBuf,
}

/// A Packer HCL2 template (`.pkr.hcl`) rather than a JSON one.
pub fn is_hcl(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "hcl")
}

pub fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The world as rendering sees it from the command line: now, random ids, this environment.
pub fn render_context(template: &Path) -> RenderContext {
    let absolute = std::path::absolute(template).unwrap_or_else(|_| template.to_path_buf());
    // A folder of .pkr.hcl files is its own template_dir (path.root).
    let template_dir = if absolute.is_dir() {
        absolute.display().to_string()
    } else {
        absolute
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| ".".to_string())
    };
    let working_dir = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| ".".to_string());
    RenderContext {
        now: SystemTime::now(),
        ids: Box::new(|| uuid::Uuid::new_v4().to_string()),
        env: std::env::vars().collect::<BTreeMap<_, _>>(),
        template_dir,
        working_dir,
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
pub fn hcl_folder(dir: &Path) -> Result<HclFolder, CliError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CliError::Read {
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

/// Reads and checks a template — a JSON file, a `.pkr.hcl` file or a folder of them — with
/// the variables given, as `validate` and `bake` both do. Prints nothing.
pub fn check_template(
    file: &Path,
    vars: &[String],
    var_files: &[PathBuf],
    syntax_only: bool,
) -> Result<bakery_template::Checked, CliError> {
    let folder = if file.is_dir() {
        Some(hcl_folder(file)?)
    } else {
        None
    };
    let text = match &folder {
        Some(_) => String::new(),
        None => read(file)?,
    };
    let mut inputs = VariableInputs::default();
    if let Some(folder) = &folder {
        inputs.var_files.extend(folder.var_files.iter().cloned());
    }
    for path in var_files {
        inputs.var_files.push(VarFile {
            name: path.display().to_string(),
            text: read(path)?,
        });
    }
    for var in vars {
        inputs.vars.push(VariableInputs::parse_var(var)?);
    }
    let options = CheckOptions {
        syntax_only,
        inputs,
        local_file_exists: Some(|path| Path::new(path).exists()),
        // HCL2's file() and templatefile(), relative to path.root (resolved by the checker).
        read_local_file: Some(|path| std::fs::read_to_string(path)),
    };
    let name = file.display().to_string();
    let mut ctx = render_context(file);
    Ok(if let Some(folder) = &folder {
        bakery_template::check_hcl_files(&folder.files, &options, &mut ctx)
    } else if is_hcl(file) {
        bakery_template::check_hcl(&name, &text, &options, &mut ctx)
    } else {
        bakery_template::check(&name, &text, &options, &mut ctx)
    })
}

pub fn run(args: &ValidateArgs) -> Result<(), CliError> {
    let checked = check_template(&args.file, &args.vars, &args.var_files, args.syntax_only)?;
    for diagnostic in &checked.diagnostics {
        eprintln!("{diagnostic}");
    }
    match checked.errors().count() {
        0 => Ok(()),
        errors => Err(CliError::TemplateInvalid {
            path: args.file.clone(),
            errors,
        }),
    }
}
