//! Every way reading or checking a template can fail.

use crate::diagnostic::Diagnostic;

/// Why a template could not be read or checked.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The template (or a var file) has problems; all of them are listed.
    #[error("{} error(s) in the template", .0.iter().filter(|d| d.is_error()).count())]
    Invalid(Vec<Diagnostic>),
    /// A `--var` argument is not `name=value`.
    #[error("--var {0:?} is not name=value")]
    VarArgument(String),
}
