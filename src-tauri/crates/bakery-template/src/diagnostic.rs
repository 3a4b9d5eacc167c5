//! [`Diagnostic`]: one problem found in a template, with where it is and what to do.

use std::fmt;

use serde::Serialize;

use crate::json::Position;

/// An error stops the bake; a warning does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The template can't be baked as written.
    Error,
    /// Worth fixing, but the bake can go on.
    Warning,
}

/// What kind of problem, stable for the UI to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// The file is not valid JSON.
    Syntax,
    /// A key is written twice in the same object.
    DuplicateKey,
    /// A key the template format does not know (probably a typo).
    UnknownKey,
    /// A value of the wrong type (a list where a string goes, …).
    WrongType,
    /// A required setting is missing.
    Missing,
    /// A setting's value is not allowed.
    InvalidValue,
    /// Two settings that can't be used together.
    Conflict,
    /// A real Packer feature this version does not bake yet.
    NotSupported,
    /// A `{{ ... }}` expression could not be rendered.
    Render,
    /// A user variable is required, unknown, or badly passed.
    Variable,
    /// A local file the template names (script, source, user data, key) does not exist.
    LocalFile,
    /// A deprecated setting or one that has no effect.
    Deprecated,
}

/// One problem in a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Whether it stops the bake.
    pub severity: Severity,
    /// What kind of problem it is.
    pub code: Code,
    /// The file the problem is in (the template, a var file, or `--var`).
    pub file: String,
    /// The 1-based line (0 when the problem has no line, like a `--var`).
    pub line: u32,
    /// The 1-based column, in characters.
    pub column: u32,
    /// Where in the template, e.g. `builders[0].ami_name` (empty for the whole file).
    pub field: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The one-click fix of a did-you-mean: the text that replaces the word at
    /// `line:column` (an unknown key's nearest known key). Not part of `validate --json`.
    #[serde(skip)]
    pub fix: Option<String>,
}

impl Diagnostic {
    /// An error of this kind at this position.
    pub fn error(
        code: Code,
        at: Position,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: String::new(),
            line: at.line,
            column: at.column,
            field: field.into(),
            message: message.into(),
            help: None,
            fix: None,
        }
    }

    /// A warning of this kind at this position.
    pub fn warning(
        code: Code,
        at: Position,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, at, field, message)
        }
    }

    /// The same diagnostic with what to do about it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Like [`Diagnostic::help`], on a diagnostic already collected.
    pub fn set_help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Whether it stops the bake.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `FILE:LINE:COL: error: MESSAGE (field PATH)`, then the help on its own line.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // A problem with no line (a --var argument) is shown by its source alone.
        if self.line == 0 {
            write!(f, "{}: {severity}: {}", self.file, self.message)?;
        } else {
            write!(
                f,
                "{}:{}:{}: {severity}: {}",
                self.file, self.line, self.column, self.message
            )?;
        }
        if !self.field.is_empty() {
            write!(f, " (field {})", self.field)?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n    help: {help}")?;
        }
        Ok(())
    }
}
