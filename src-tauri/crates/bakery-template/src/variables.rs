//! User variables: declarations, values from var files and `--var`, and their rendering.
//!
//! Precedence is Packer's: a declaration's default, then each `--var-file` in the order given,
//! then each `--var` in the order given; a later source wins. A variable declared with a
//! `null` default must get a value from a later source. Values are rendered once, lazily, in
//! a scope where `{{env}}` is allowed and `{{user}}` reads other variables (cycles are errors).

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::json::{self, Node, Position, Value};
use crate::render::{self, RenderContext, RenderError, Scope};
use crate::suggest::did_you_mean;

/// A `--var-file`: its name (for messages) and its JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarFile {
    /// The file's name, for messages.
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// The values given on the command line (or by the app), in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariableInputs {
    /// `--var-file` contents, in order.
    pub var_files: Vec<VarFile>,
    /// `--var name=value`, in order.
    pub vars: Vec<(String, String)>,
}

impl VariableInputs {
    /// Splits a `--var` argument `name=value` (the value may contain `=`).
    pub fn parse_var(arg: &str) -> Result<(String, String), crate::TemplateError> {
        match arg.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_string(), value.to_string()))
            }
            _ => Err(crate::TemplateError::VarArgument(arg.to_string())),
        }
    }
}

/// Where a variable's current value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    /// The declaration's default.
    Default,
    /// The `--var-file` of this name.
    VarFile(String),
    /// A `--var` argument.
    CommandLine,
}

/// One declared variable and the value it ends up with, before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The variable's name.
    pub name: String,
    /// Where it is declared in the template.
    pub at: Position,
    /// The default as written (`None` for a `null` default: required).
    pub default: Option<String>,
    /// The value after every source is applied, not yet rendered.
    pub raw: Option<String>,
    /// Where the value comes from.
    pub source: ValueSource,
    /// Whether it is listed in `sensitive-variables`.
    pub sensitive: bool,
}

/// The template's variables with every source applied; renders values on demand.
#[derive(Debug, Default)]
pub struct Variables {
    /// Every declared variable, in the order declared.
    pub declared: Vec<Declared>,
    index: BTreeMap<String, usize>,
    rendered: BTreeMap<String, Result<String, RenderError>>,
    in_progress: Vec<String>,
}

impl Variables {
    /// Reads the `variables` and `sensitive-variables` sections and applies `inputs`.
    /// Problems are pushed to `out` (file names left empty mean the template itself).
    pub fn collect(
        variables: Option<&json::Member>,
        sensitive: Option<&json::Member>,
        inputs: &VariableInputs,
        out: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut vars = Variables::default();
        if let Some(member) = variables {
            match &member.value.value {
                Value::Object(members) => {
                    for m in members {
                        let field = format!("variables.{}", m.key);
                        let default = match &m.value.value {
                            Value::Null => None,
                            Value::String(s) => Some(s.clone()),
                            // Packer 1.6.6 refuses numbers and booleans here too ("expected
                            // type 'string', got unconvertible type 'float64'").
                            _ => {
                                out.push(
                                    Diagnostic::error(
                                        Code::WrongType,
                                        m.value.at,
                                        field,
                                        format!(
                                            "a variable's default must be a string or null, not {}",
                                            m.value.kind()
                                        ),
                                    )
                                    .help(match &m.value.value {
                                        Value::Bool(_) | Value::Number(_) => {
                                            format!("write it in quotes: \"{}\"", json_scalar(&m.value.value))
                                        }
                                        _ => "write lists and maps as a string and split them with {{split}}".to_string(),
                                    }),
                                );
                                Some(String::new())
                            }
                        };
                        vars.index.insert(m.key.clone(), vars.declared.len());
                        vars.declared.push(Declared {
                            name: m.key.clone(),
                            at: m.key_at,
                            raw: default.clone(),
                            default,
                            source: ValueSource::Default,
                            sensitive: false,
                        });
                    }
                }
                _ => out.push(Diagnostic::error(
                    Code::WrongType,
                    member.value.at,
                    "variables",
                    format!(
                        "\"variables\" must be an object of name: default, not {}",
                        member.value.kind()
                    ),
                )),
            }
        }
        if let Some(member) = sensitive {
            let names: Vec<&Node> = match member.value.items() {
                Some(items) => items.iter().collect(),
                None => {
                    out.push(Diagnostic::error(
                        Code::WrongType,
                        member.value.at,
                        "sensitive-variables",
                        "\"sensitive-variables\" must be a list of variable names",
                    ));
                    Vec::new()
                }
            };
            for (i, node) in names.into_iter().enumerate() {
                let field = format!("sensitive-variables[{i}]");
                match node.as_str() {
                    Some(name) => match vars.index.get(name) {
                        Some(&at) => vars.declared[at].sensitive = true,
                        None => out.push(vars.unknown(name, node.at, field)),
                    },
                    None => out.push(Diagnostic::error(
                        Code::WrongType,
                        node.at,
                        field,
                        "a sensitive variable is named by a string",
                    )),
                }
            }
        }
        for file in &inputs.var_files {
            vars.apply_var_file(file, out);
        }
        for (name, value) in &inputs.vars {
            match vars.index.get(name) {
                Some(&at) => {
                    vars.declared[at].raw = Some(value.clone());
                    vars.declared[at].source = ValueSource::CommandLine;
                }
                None => {
                    let mut d = vars.unknown(name, Position::default(), String::new());
                    d.file = "--var".to_string();
                    d.line = 0;
                    d.column = 0;
                    out.push(d);
                }
            }
        }
        for var in &vars.declared {
            if var.raw.is_none() {
                out.push(
                    Diagnostic::error(
                        Code::Variable,
                        var.at,
                        format!("variables.{}", var.name),
                        format!("required variable not set: {}", var.name),
                    )
                    .help(format!(
                        "pass it with --var {}=VALUE or in a --var-file, or give it a default",
                        var.name
                    )),
                );
            }
        }
        vars
    }

    fn unknown(&self, name: &str, at: Position, field: String) -> Diagnostic {
        let d = Diagnostic::warning(
            Code::Variable,
            at,
            field,
            format!("variable {name} is not declared in \"variables\"; it has no effect"),
        );
        match did_you_mean(name, self.declared.iter().map(|v| v.name.as_str())) {
            Some(near) => d.help(format!("did you mean {near}?")),
            None => d.help(format!("declare it: \"variables\": {{\"{name}\": \"\"}}")),
        }
    }

    fn apply_var_file(&mut self, file: &VarFile, out: &mut Vec<Diagnostic>) {
        let located = |mut d: Diagnostic| {
            d.file = file.name.clone();
            d
        };
        let doc = match json::parse(&file.text) {
            Ok(doc) => doc,
            Err(err) => {
                out.push(located(Diagnostic::error(
                    Code::Syntax,
                    err.at,
                    "",
                    err.message,
                )));
                return;
            }
        };
        for dup in &doc.duplicates {
            out.push(located(Diagnostic::error(
                Code::DuplicateKey,
                dup.at,
                dup.key.clone(),
                format!("template has duplicate field: {}", dup.key),
            )));
        }
        let Some(members) = doc.root.members() else {
            out.push(located(Diagnostic::error(
                Code::WrongType,
                doc.root.at,
                "",
                "a var file must be a JSON object of \"name\": \"value\"",
            )));
            return;
        };
        for m in members {
            // Packer 1.6.6 reads a var file as string values only ("cannot unmarshal number
            // into Go value of type string").
            let value = match &m.value.value {
                Value::String(s) => s.clone(),
                other => {
                    let mut d = Diagnostic::error(
                        Code::WrongType,
                        m.value.at,
                        m.key.clone(),
                        format!(
                            "a variable's value must be a string, not {}",
                            m.value.kind()
                        ),
                    );
                    if matches!(other, Value::Bool(_) | Value::Number(_)) {
                        d = d.help(format!("write it in quotes: \"{}\"", json_scalar(other)));
                    }
                    out.push(located(d));
                    continue;
                }
            };
            match self.index.get(&m.key) {
                Some(&at) => {
                    self.declared[at].raw = Some(value);
                    self.declared[at].source = ValueSource::VarFile(file.name.clone());
                }
                None => out.push(located(self.unknown(&m.key, m.key_at, m.key.clone()))),
            }
        }
    }

    /// The declared variable called `name`.
    pub fn get(&self, name: &str) -> Option<&Declared> {
        self.index.get(name).map(|&i| &self.declared[i])
    }

    /// The rendered value of `name` (rendered on first use).
    pub fn value(&mut self, name: &str, ctx: &mut RenderContext) -> Result<String, RenderError> {
        if let Some(done) = self.rendered.get(name) {
            return done.clone();
        }
        let Some(var) = self.get(name) else {
            let err = RenderError::new(format!("variable {name} is not declared in \"variables\""));
            return Err(
                match did_you_mean(name, self.declared.iter().map(|v| v.name.as_str())) {
                    Some(near) => err.help(format!("did you mean {near}?")),
                    None => err.help(format!("declare it: \"variables\": {{\"{name}\": \"\"}}")),
                },
            );
        };
        // A required variable without a value is reported once, at its declaration; uses
        // of it render as its name, so they don't cascade into more errors.
        let raw = var.raw.clone().unwrap_or_else(|| name.to_string());
        if self.in_progress.iter().any(|n| n == name) {
            return Err(RenderError::new(format!(
                "variables refer to each other in a loop: {} -> {name}",
                self.in_progress.join(" -> ")
            )));
        }
        self.in_progress.push(name.to_string());
        let result = render::render(&raw, ctx, &mut DefaultScope(self)).map_err(|mut e| {
            // Name the variable where the failure starts, not every one that uses it.
            if !e.message.starts_with("in variable ") {
                e.message = format!("in variable {name}: {}", e.message);
            }
            e
        });
        self.in_progress.pop();
        self.rendered.insert(name.to_string(), result.clone());
        result
    }

    /// Renders every variable, reporting failures at their declaration.
    pub fn render_all(&mut self, ctx: &mut RenderContext, out: &mut Vec<Diagnostic>) {
        let names: Vec<(String, Position)> = self
            .declared
            .iter()
            .map(|v| (v.name.clone(), v.at))
            .collect();
        for (name, at) in names {
            if self.get(&name).is_some_and(|v| v.raw.is_none()) {
                continue;
            }
            if let Err(err) = self.value(&name, ctx)
                && err.message.starts_with(&format!("in variable {name}:"))
            {
                let code = if err.not_supported {
                    Code::NotSupported
                } else {
                    Code::Render
                };
                let mut d = Diagnostic::error(code, at, format!("variables.{name}"), err.message);
                d.help = err.help;
                out.push(d);
            }
        }
    }
}

/// The scope of variable values: `{{env}}` allowed, `{{user}}` reads other variables.
struct DefaultScope<'a>(&'a mut Variables);

impl Scope for DefaultScope<'_> {
    fn user(&mut self, name: &str, ctx: &mut RenderContext) -> Result<String, RenderError> {
        self.0.value(name, ctx)
    }
    fn env_allowed(&self) -> bool {
        true
    }
}

/// A JSON number or boolean as written, for "write it in quotes" hints.
fn json_scalar(value: &Value) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(template: &str, inputs: &VariableInputs) -> (Variables, Vec<Diagnostic>) {
        let doc = json::parse(template).unwrap();
        let mut out = Vec::new();
        let vars = Variables::collect(
            doc.root.get("variables"),
            doc.root.get("sensitive-variables"),
            inputs,
            &mut out,
        );
        (vars, out)
    }

    fn var_file(name: &str, text: &str) -> VarFile {
        VarFile {
            name: name.into(),
            text: text.into(),
        }
    }

    #[test]
    fn later_sources_win_defaults_then_var_files_then_vars() {
        let template =
            r#"{"variables": {"a": "default", "b": "default", "c": "default", "d": "default"}}"#;
        let inputs = VariableInputs {
            var_files: vec![
                var_file("one.json", r#"{"a": "file1", "b": "file1", "c": "file1"}"#),
                var_file("two.json", r#"{"b": "file2", "c": "file2"}"#),
            ],
            vars: vec![("c".into(), "cli1".into()), ("c".into(), "cli2".into())],
        };
        let (mut vars, out) = collect(template, &inputs);
        assert!(out.is_empty(), "{out:?}");
        let mut ctx = RenderContext::fixed();
        assert_eq!(vars.value("a", &mut ctx).unwrap(), "file1");
        assert_eq!(vars.value("b", &mut ctx).unwrap(), "file2");
        assert_eq!(vars.value("c", &mut ctx).unwrap(), "cli2");
        assert_eq!(vars.value("d", &mut ctx).unwrap(), "default");
        assert_eq!(
            vars.get("b").unwrap().source,
            ValueSource::VarFile("two.json".into())
        );
        assert_eq!(vars.get("c").unwrap().source, ValueSource::CommandLine);
    }

    #[test]
    fn a_required_variable_without_a_value_is_named() {
        let (_, out) = collect(
            "{\"variables\": {\n  \"region\": null}}",
            &VariableInputs::default(),
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].message, "required variable not set: region");
        assert_eq!((out[0].line, out[0].column), (2, 3));
        let inputs = VariableInputs {
            vars: vec![("region".into(), "eu-west-1".into())],
            ..Default::default()
        };
        let (mut vars, out) = collect("{\"variables\": {\"region\": null}}", &inputs);
        assert!(out.is_empty());
        assert_eq!(
            vars.value("region", &mut RenderContext::fixed()).unwrap(),
            "eu-west-1"
        );
    }

    #[test]
    fn defaults_may_read_the_environment_and_other_variables() {
        let template = r#"{"variables": {"key": "{{env `AWS_ACCESS_KEY_ID`}}", "name": "{{user `prefix`}}-{{timestamp}}", "prefix": "web"}}"#;
        let (mut vars, out) = collect(template, &VariableInputs::default());
        assert!(out.is_empty());
        let mut ctx = RenderContext::fixed();
        ctx.env.insert("AWS_ACCESS_KEY_ID".into(), "AKIA1".into());
        assert_eq!(vars.value("key", &mut ctx).unwrap(), "AKIA1");
        assert_eq!(vars.value("name", &mut ctx).unwrap(), "web-1741064767");
    }

    #[test]
    fn loops_and_unknown_names_are_errors() {
        let template =
            r#"{"variables": {"a": "{{user `b`}}", "b": "{{user `a`}}", "region": "x"}}"#;
        let (mut vars, _) = collect(template, &VariableInputs::default());
        let mut ctx = RenderContext::fixed();
        assert!(
            vars.value("a", &mut ctx)
                .unwrap_err()
                .message
                .contains("loop")
        );
        let err = vars.value("regoin", &mut ctx).unwrap_err();
        assert_eq!(err.help.as_deref(), Some("did you mean region?"));
        let mut out = Vec::new();
        vars.render_all(&mut ctx, &mut out);
        assert!(!out.is_empty());
    }

    #[test]
    fn undeclared_inputs_and_bad_var_files_are_reported() {
        let inputs = VariableInputs {
            var_files: vec![
                var_file("vars.json", "{\"regoin\": \"x\"}"),
                var_file("bad.json", "{\"a\": }"),
            ],
            vars: vec![("other".into(), "1".into())],
        };
        let (_, out) = collect(r#"{"variables": {"region": "a"}}"#, &inputs);
        assert_eq!(out.len(), 3, "{out:#?}");
        assert_eq!(out[0].file, "vars.json");
        assert_eq!(out[0].help.as_deref(), Some("did you mean region?"));
        assert!(!out[0].is_error());
        assert_eq!(out[1].file, "bad.json");
        assert!(out[1].is_error());
        assert_eq!(out[2].file, "--var");
        assert_eq!(
            out[2].to_string(),
            "--var: warning: variable other is not declared in \"variables\"; it has no effect\n    help: declare it: \"variables\": {\"other\": \"\"}"
        );
    }

    #[test]
    fn sensitive_variables_are_marked() {
        let (vars, out) = collect(
            r#"{"variables": {"secret": "s3", "x": ""}, "sensitive-variables": ["secret", "nope"]}"#,
            &VariableInputs::default(),
        );
        assert!(vars.get("secret").unwrap().sensitive);
        assert!(!vars.get("x").unwrap().sensitive);
        assert_eq!(out.len(), 1);
        assert!(!out[0].is_error());
    }

    #[test]
    fn var_arguments_split_at_the_first_equals_sign() {
        assert_eq!(
            VariableInputs::parse_var("tags=a=b").unwrap(),
            ("tags".into(), "a=b".into())
        );
        assert!(VariableInputs::parse_var("novalue").is_err());
        assert!(VariableInputs::parse_var("=x").is_err());
    }
    #[test]
    fn numbers_and_booleans_are_refused_as_defaults_and_in_var_files_like_packer() {
        // Packer 1.6.6: "variable size: '' expected type 'string', got unconvertible type
        // 'float64'" and, for a var file, "cannot unmarshal number into Go value of type string".
        let inputs = VariableInputs {
            var_files: vec![var_file(
                "vars.json",
                r#"{"size": 20, "name": "web", "on": true}"#,
            )],
            vars: Vec::new(),
        };
        let (_, out) = collect(
            r#"{"variables": {"size": 8, "enabled": false, "name": "x", "on": "", "none": null}}"#,
            &inputs,
        );
        let errors: Vec<_> = out.iter().filter(|d| d.is_error()).collect();
        let fields: Vec<&str> = errors.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "variables.size",
                "variables.enabled",
                "size",
                "on",
                "variables.none"
            ],
            "{out:#?}"
        );
        assert_eq!(errors[0].help.as_deref(), Some("write it in quotes: \"8\""));
        assert_eq!(
            errors[1].help.as_deref(),
            Some("write it in quotes: \"false\"")
        );
        assert_eq!(errors[2].file, "vars.json");
        assert_eq!(
            errors[2].help.as_deref(),
            Some("write it in quotes: \"20\"")
        );
        assert!(
            errors[4]
                .message
                .contains("required variable not set: none")
        );
    }
}
