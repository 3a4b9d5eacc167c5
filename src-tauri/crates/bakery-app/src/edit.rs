//! Edit a template file by field path and check the result (`bakery set` / `bakery unset`):
//! the changes are made in order by the edit engine ([`bakery_template::edit`]), the result is
//! checked like `validate` checks, and a result with errors the file did not have is refused
//! (the file untouched) unless forced. The file is replaced atomically (a temporary file in
//! the same folder, renamed over it) and differs from before only in the edited values.

use std::path::Path;

use bakery_template::edit::{self, Change, Dialect};
use bakery_template::{Checked, Diagnostic};

use crate::environment::Environment;
use crate::error::AppError;
use crate::template::{TemplateText, VariableValues, check_text, read};

/// What an edit did.
#[derive(Debug)]
pub struct Edited {
    /// The template's text after the changes.
    pub text: String,
    /// The check of that text.
    pub checked: Checked,
    /// The errors the changes added (written anyway only when forced).
    pub new_errors: Vec<Diagnostic>,
    /// Whether the file was written (false when nothing changed).
    pub written: bool,
}

/// Makes `changes` to the template file `file` and writes it back, unless the result has
/// errors the file did not have and `force` is not set: then [`AppError::EditRefused`] holds
/// them and the file is untouched.
pub fn edit_file(
    file: &Path,
    changes: &[Change],
    values: &VariableValues,
    force: bool,
    env: &Environment,
) -> Result<Edited, AppError> {
    if file.is_dir() {
        return Err(AppError::NotOneFile(file.to_path_buf()));
    }
    let before = read(file)?;
    let dialect = Dialect::of_file(&file.display().to_string());
    let text = edit::edit(&before, dialect, changes)?;
    let checked = check_text(file, &TemplateText::File(&text), values, false, env)?;
    let new_errors = if checked.is_valid() {
        Vec::new()
    } else {
        let old = check_text(file, &TemplateText::File(&before), values, false, env)?;
        added_errors(&old, &checked)
    };
    if !new_errors.is_empty() && !force {
        return Err(AppError::EditRefused {
            path: file.to_path_buf(),
            diagnostics: new_errors,
        });
    }
    let written = text != before;
    if written {
        crate::editor::save(file, &text)?;
    }
    Ok(Edited {
        text,
        checked,
        new_errors,
        written,
    })
}

/// The errors of `after` that `before` does not have (by what they say and where in the
/// template's fields, not by line: an edit moves lines).
fn added_errors(before: &Checked, after: &Checked) -> Vec<Diagnostic> {
    let mut old: Vec<(String, String)> = before
        .errors()
        .map(|d| (d.field.clone(), d.message.clone()))
        .collect();
    let mut added = Vec::new();
    for d in after.errors() {
        let key = (d.field.clone(), d.message.clone());
        match old.iter().position(|k| *k == key) {
            Some(i) => {
                old.swap_remove(i);
            }
            None => added.push(d.clone()),
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEMPLATE: &str = "{\n  \"builders\": [\n    {\n      \"type\": \"amazon-ebs\",\n      \"region\": \"eu-west-1\",\n      \"source_ami\": \"ami-0123456789abcdef0\",\n      \"instance_type\": \"t3.micro\",\n      \"ssh_username\": \"ec2-user\",\n      \"ami_name\": \"web\"\n    }\n  ]\n}\n";

    fn env() -> Environment {
        Environment {
            vars: Default::default(),
            working_dir: std::env::temp_dir(),
            ..Environment::from_process()
        }
    }

    #[test]
    fn an_edit_is_written_and_a_breaking_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.json");
        std::fs::write(&file, TEMPLATE).unwrap();
        let set = |path: &str, value| Change::Set {
            path: path.into(),
            value,
        };
        let edited = edit_file(
            &file,
            &[set("builders[0].instance_type", json!("t3.large"))],
            &VariableValues::default(),
            false,
            &env(),
        )
        .unwrap();
        assert!(edited.written && edited.checked.is_valid());
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            TEMPLATE.replace("t3.micro", "t3.large")
        );
        let err = edit_file(
            &file,
            &[Change::Unset {
                path: "builders[0].region".into(),
            }],
            &VariableValues::default(),
            false,
            &env(),
        )
        .unwrap_err();
        let AppError::EditRefused { diagnostics, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(diagnostics[0].field, "builders[0].region");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            TEMPLATE.replace("t3.micro", "t3.large")
        );
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left");
    }
}
