//! `bakery validate`: checks a template like `packer validate`, printing every problem as
//! `FILE:LINE:COL: error: MESSAGE (field PATH)` on stderr.

use std::path::PathBuf;

use bakery_app::{Environment, VariableValues};

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

pub fn run(args: &ValidateArgs) -> Result<(), CliError> {
    let values = VariableValues {
        vars: args.vars.clone(),
        var_files: args.var_files.clone(),
    };
    let checked = bakery_app::template::check_template(
        &args.file,
        &values,
        args.syntax_only,
        &Environment::from_process(),
    )?;
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
