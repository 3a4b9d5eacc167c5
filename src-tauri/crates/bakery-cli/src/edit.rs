//! `bakery set` and `bakery unset`: edit settings of a template in place by field path, like
//! `yq -i` (an adapter over `bakery_app::edit`).

use std::path::{Path, PathBuf};

use bakery_app::{AppError, Environment, VariableValues};
use bakery_template::edit::Change;

use crate::error::CliError;

const PATHS_HELP: &str = "\
PATH is a field path as `bakery validate` prints it: builders[0].instance_type,
builders[0].tags.Name, provisioners[1].inline[0], variables.region (JSON templates);
source.amazon-ebs.NAME.ami_regions, build.provisioner[1].inline[0] (HCL2). A key that is not a
plain name is written in brackets: tags[\"Name tag\"].

Only the edited values change: comments, key order, indentation and blank lines stay as they
are. The result is checked like `bakery validate` checks it; a change that adds errors is
refused (the errors printed as FILE:LINE:COL, nothing written, exit 1) unless --force.";

#[derive(Debug, clap::Args)]
#[command(after_long_help = PATHS_HELP)]
pub struct SetArgs {
    /// Write the file even when the change adds errors (they are printed).
    #[arg(long)]
    force: bool,
    /// Set a user variable for the check: --var name=value (repeatable; later ones win).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Read user variables for the check from a file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// The template: Packer JSON, or HCL2 when it ends in .hcl (one file).
    file: PathBuf,
    /// PATH=VALUE, made in order. VALUE is JSON (a string, number, list, object); a word that
    /// is not JSON is a string: region=eu-west-1.
    #[arg(required = true, value_name = "PATH=VALUE")]
    settings: Vec<String>,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = PATHS_HELP)]
pub struct UnsetArgs {
    /// Write the file even when the change adds errors (they are printed).
    #[arg(long)]
    force: bool,
    /// Set a user variable for the check: --var name=value (repeatable; later ones win).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Read user variables for the check from a file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// The template: Packer JSON, or HCL2 when it ends in .hcl (one file).
    file: PathBuf,
    /// The settings to remove, in order (a list item `…[i]` is removed from its list).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
}

/// `PATH=VALUE` as a change: split at the first `=` outside brackets.
fn setting(arg: &str) -> Result<Change, CliError> {
    let mut depth = 0usize;
    let mut quoted = false;
    let mut split = None;
    for (i, c) in arg.char_indices() {
        match c {
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            '=' if depth == 0 && !quoted => {
                split = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(at) = split else {
        return Err(CliError::Usage(format!(
            "{arg:?} is not PATH=VALUE (e.g. builders[0].instance_type=t3.small)"
        )));
    };
    let (path, raw) = (&arg[..at], &arg[at + 1..]);
    let value = serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::from(raw));
    Ok(Change::Set {
        path: path.to_string(),
        value,
    })
}

fn edit(
    file: &Path,
    changes: &[Change],
    force: bool,
    values: VariableValues,
) -> Result<(), CliError> {
    match bakery_app::edit::edit_file(file, changes, &values, force, &Environment::from_process()) {
        Ok(edited) => {
            for diagnostic in &edited.new_errors {
                eprintln!("{diagnostic}");
            }
            Ok(())
        }
        Err(err) => {
            if let AppError::EditRefused { diagnostics, .. } = &err {
                for diagnostic in diagnostics {
                    eprintln!("{diagnostic}");
                }
            }
            Err(CliError::App(err))
        }
    }
}

pub fn run_set(args: &SetArgs) -> Result<(), CliError> {
    let changes = args
        .settings
        .iter()
        .map(|s| setting(s))
        .collect::<Result<Vec<_>, _>>()?;
    let values = VariableValues {
        vars: args.vars.clone(),
        var_files: args.var_files.clone(),
    };
    edit(&args.file, &changes, args.force, values)
}

pub fn run_unset(args: &UnsetArgs) -> Result<(), CliError> {
    let changes: Vec<Change> = args
        .paths
        .iter()
        .map(|path| Change::Unset { path: path.clone() })
        .collect();
    let values = VariableValues {
        vars: args.vars.clone(),
        var_files: args.var_files.clone(),
    };
    edit(&args.file, &changes, args.force, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_splits_at_the_first_equals_outside_brackets() {
        let Change::Set { path, value } = setting("tags[\"a=b\"]=x=y").unwrap() else {
            panic!()
        };
        assert_eq!(
            (path.as_str(), value),
            ("tags[\"a=b\"]", serde_json::json!("x=y"))
        );
        let Change::Set { value, .. } = setting("ami_regions=[\"a\",\"b\"]").unwrap() else {
            panic!()
        };
        assert_eq!(value, serde_json::json!(["a", "b"]));
        let Change::Set { value, .. } = setting("encrypt_boot=true").unwrap() else {
            panic!()
        };
        assert_eq!(value, serde_json::json!(true));
        assert!(setting("no-equals").is_err());
    }
}
