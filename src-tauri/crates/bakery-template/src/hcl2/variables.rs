//! HCL2 variables: `variable` and `variables` blocks, their values from `PKR_VAR_name`, var
//! files (`.pkrvars.hcl` or JSON) and `--var` (later wins, like Packer), their `validation`
//! blocks, and `locals` (which may use each other).

use std::collections::BTreeMap;

use hcl::eval::{Context, Evaluate};
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Block;

use super::expressions::eval;
use super::reader::{Reader, label};
use super::values::plain_text;
use crate::check::CheckOptions;
use crate::diagnostic::{Code, Diagnostic};
use crate::json::Position;
use crate::render::RenderContext;
use crate::{Secret, VarFile, model};

/// A declared variable: where, its default, and whether it is sensitive.
struct Declared {
    at: Position,
    default: Option<hcl::Value>,
    sensitive: bool,
    value: Option<hcl::Value>,
    /// Its default could not be evaluated (already reported): not "required" as well.
    default_failed: bool,
}

/// A `validation` block: the variable, where its condition is, the condition, the message.
type Validation = (String, Position, Expression, String);

/// The variables a template declares, in the order first written, and their validations.
#[derive(Default)]
pub(super) struct Declarations {
    declared: BTreeMap<String, Declared>,
    order: Vec<String>,
    validations: Vec<Validation>,
}

/// The declared variables' values.
pub(super) struct Values {
    /// `var` in expressions.
    pub(super) var: hcl::Map<String, hcl::Value>,
    /// The text of the sensitive ones, to hide wherever it shows.
    pub(super) sensitive: Vec<Secret>,
    /// The model's list of variables.
    pub(super) model: Vec<model::Variable>,
}

impl Reader<'_> {
    /// A `variable "NAME" { default, sensitive, validation {...} }` block.
    pub(super) fn variable_block(
        &mut self,
        block: &Block,
        at: Position,
        declarations: &mut Declarations,
    ) {
        let Declarations {
            declared,
            order,
            validations,
        } = declarations;
        let Some(name) = label(block, 0) else {
            self.error(
                Code::Missing,
                at,
                "variable",
                "a variable block needs a name: variable \"name\" {}",
            );
            return;
        };
        let default_attr = block.body.get_attribute("default");
        let default =
            default_attr.and_then(|a| self.constant(&a.value, &format!("variable.{name}.default")));
        let default_failed = default_attr.is_some() && default.is_none();
        let sensitive = block
            .body
            .get_attribute("sensitive")
            .and_then(|a| self.constant(&a.value, "sensitive"))
            .is_some_and(|v| v == hcl::Value::Bool(true));
        for inner in block.body.blocks() {
            let inner_at = self.at(inner.ident.span());
            let condition = inner.body.get_attribute("condition");
            if inner.ident.as_str() == "validation"
                && let Some(condition) = condition
            {
                let message = inner
                    .body
                    .get_attribute("error_message")
                    .and_then(|a| self.constant(&a.value, "error_message"))
                    .map(|v| plain_text(&v))
                    .unwrap_or_else(|| format!("invalid value for variable {name}"));
                validations.push((
                    name.to_string(),
                    self.at(condition.value.span()),
                    condition.value.clone(),
                    message,
                ));
                continue;
            }
            self.error(
                Code::NotSupported,
                inner_at,
                format!("variable.{name}.{}", inner.ident.as_str()),
                format!(
                    "\"{}\" blocks in variables are not supported yet",
                    inner.ident.as_str()
                ),
            )
            .set_help(
                "the variable is read without them; remove the block to bake with AMI Bakery",
            );
        }
        if !declared.contains_key(name) {
            order.push(name.to_string());
        }
        declared.insert(
            name.to_string(),
            Declared {
                at,
                default,
                sensitive,
                value: None,
                default_failed,
            },
        );
    }

    /// A `variables { NAME = default }` block.
    pub(super) fn variables_block(&mut self, block: &Block, declarations: &mut Declarations) {
        let Declarations {
            declared, order, ..
        } = declarations;
        for attr in block.body.attributes() {
            let name = attr.key.as_str().to_string();
            let default = self.constant(&attr.value, &format!("variables.{name}"));
            let default_failed = default.is_none();
            order.push(name.clone());
            let at = self.at(attr.key.span());
            declared.insert(
                name,
                Declared {
                    at,
                    default,
                    sensitive: false,
                    value: None,
                    default_failed,
                },
            );
        }
    }

    /// Every declared variable's value: the one given, else its default; one without either
    /// is reported as required (and stands for its own name).
    pub(super) fn variable_values(
        &mut self,
        declarations: &mut Declarations,
        options: &CheckOptions,
        ctx: &RenderContext,
    ) -> Values {
        self.apply_inputs(&mut declarations.declared, options, ctx);
        let Declarations {
            declared, order, ..
        } = &*declarations;
        let mut variables_object = hcl::Map::new();
        let mut sensitive_values = Vec::new();
        let mut model_variables = Vec::new();
        for name in order {
            let Some(var) = declared.get(name) else {
                continue;
            };
            let value = var.value.clone().or_else(|| var.default.clone());
            match &value {
                Some(value) => {
                    if var.sensitive
                        && let hcl::Value::String(s) = value
                    {
                        sensitive_values.push(Secret::new(s.clone()));
                    }
                    variables_object.insert(name.clone(), value.clone());
                }
                None if var.default_failed => {
                    // Its default's error is reported; it stands for its own name meanwhile.
                    variables_object.insert(name.clone(), hcl::Value::String(name.clone()));
                }
                None => {
                    self.error(Code::Variable, var.at, format!("variables.{name}"), format!("required variable not set: {name}"))
                        .set_help(format!("pass it with --var {name}=VALUE, PKR_VAR_{name}, or in a --var-file, or give it a default"));
                    variables_object.insert(name.clone(), hcl::Value::String(name.clone()));
                }
            }
            model_variables.push(model::Variable {
                name: name.clone(),
                default: var
                    .default
                    .as_ref()
                    .map(|d| model::VariableValue::new(plain_text(d), var.sensitive)),
                sensitive: var.sensitive,
            });
        }
        Values {
            var: variables_object,
            sensitive: sensitive_values,
            model: model_variables,
        }
    }

    /// Evaluates the validations of the variables that have a value.
    pub(super) fn validate(&mut self, declarations: Declarations, context: &Context) {
        let Declarations {
            declared,
            validations,
            ..
        } = declarations;
        for (name, at, condition, message) in validations {
            let unset = declared
                .get(&name)
                .is_some_and(|v| v.value.is_none() && v.default.is_none());
            if unset {
                continue; // reported as required, or its default's error is
            }
            match eval(&condition, context) {
                Ok(hcl::Value::Bool(true)) => {}
                Ok(hcl::Value::Bool(false)) => {
                    self.error(
                        Code::InvalidValue,
                        at,
                        format!("variables.{name}"),
                        format!("invalid value for variable {name}: {message}"),
                    );
                }
                Ok(other) => {
                    self.error(
                        Code::WrongType,
                        at,
                        format!("variables.{name}"),
                        format!(
                            "a validation condition must be true or false, not {}",
                            plain_text(&other)
                        ),
                    );
                }
                Err(err) => {
                    let at = match condition.span() {
                        Some(_) => self.error_at(&condition, context),
                        None => at,
                    };
                    self.eval_error(at, &format!("variables.{name}"), &err)
                }
            }
        }
    }

    /// The locals' values: evaluated until nothing more resolves (they may use each other);
    /// the ones that never do are reported.
    pub(super) fn locals(
        &mut self,
        locals: Vec<(String, Position, Expression)>,
        context: &Context,
    ) -> hcl::Map<String, hcl::Value> {
        let mut local_values = hcl::Map::new();
        let mut pending = locals;
        loop {
            let mut next = Vec::new();
            let mut progressed = false;
            let mut with_locals = context.clone();
            with_locals.declare_var("local", hcl::Value::Object(local_values.clone()));
            for (name, at, expr) in pending {
                match eval(&expr, &with_locals) {
                    Ok(value) => {
                        local_values.insert(name, value);
                        progressed = true;
                    }
                    Err(err) => next.push((name, at, expr, err)),
                }
            }
            if next.is_empty() {
                break;
            }
            if !progressed {
                // One error per cause: a local that fails only because it uses another
                // failing local is not reported (unless they all use each other).
                let names: Vec<String> = next.iter().map(|(n, ..)| n.clone()).collect();
                let uses_failing = |err: &hcl::eval::Error| matches!(err.kind(), hcl::eval::ErrorKind::NoSuchKey(key) if names.contains(key));
                let all_dependent = next.iter().all(|(.., err)| uses_failing(err));
                for (name, at, expr, err) in &next {
                    if uses_failing(err) && !all_dependent {
                        continue;
                    }
                    let at = match expr.span() {
                        Some(_) => self.error_at(expr, &with_locals),
                        None => *at,
                    };
                    self.eval_error(at, &format!("locals.{name}"), err);
                }
                self.failed_locals.extend(names);
                break;
            }
            pending = next.into_iter().map(|(n, a, e, _)| (n, a, e)).collect();
        }
        local_values
    }

    /// Values from `PKR_VAR_name`, then var files, then `--var` (later wins).
    fn apply_inputs(
        &mut self,
        declared: &mut BTreeMap<String, Declared>,
        options: &CheckOptions,
        ctx: &RenderContext,
    ) {
        for (key, value) in &ctx.env {
            if let Some(name) = key.strip_prefix("PKR_VAR_")
                && let Some(var) = declared.get_mut(name)
            {
                var.value = Some(typed_input(value, var.default.as_ref()));
            }
        }
        for file in &options.inputs.var_files {
            self.var_file(file, declared);
        }
        for (name, value) in &options.inputs.vars {
            match declared.get_mut(name) {
                Some(var) => var.value = Some(typed_input(value, var.default.as_ref())),
                None => {
                    let mut d = Diagnostic::warning(
                        Code::Variable,
                        Position::default(),
                        "",
                        format!("variable {name} is not declared; it has no effect"),
                    );
                    d.file = "--var".to_string();
                    d.line = 0;
                    self.out.push(d);
                }
            }
        }
    }

    fn var_file(&mut self, file: &VarFile, declared: &mut BTreeMap<String, Declared>) {
        if file.name.ends_with(".json") {
            match serde_json::from_str::<BTreeMap<String, serde_json::Value>>(&file.text) {
                Ok(values) => {
                    for (name, value) in values {
                        if let Some(var) = declared.get_mut(&name) {
                            var.value = hcl::to_value(&value).ok();
                        }
                    }
                }
                Err(err) => {
                    let mut d = Diagnostic::error(
                        Code::Syntax,
                        Position {
                            offset: 0,
                            line: err.line() as u32,
                            column: err.column() as u32,
                        },
                        "",
                        format!("invalid JSON: {err}"),
                    );
                    d.file = file.name.clone();
                    self.out.push(d);
                }
            }
            return;
        }
        match hcl_edit::parser::parse_body(&file.text) {
            Ok(body) => {
                let context = Context::new();
                for attr in body.attributes() {
                    let name = attr.key.as_str();
                    let value = hcl::Expression::from(attr.value.clone()).evaluate(&context);
                    match (declared.get_mut(name), value) {
                        (Some(var), Ok(value)) => var.value = Some(value),
                        (Some(_), Err(err)) => {
                            let mut d = Diagnostic::error(
                                Code::Render,
                                Position::default(),
                                name,
                                format!("in {}: {err}", file.name),
                            );
                            d.file = file.name.clone();
                            self.out.push(d);
                        }
                        (None, _) => {
                            let mut d = Diagnostic::warning(
                                Code::Variable,
                                Position::default(),
                                name,
                                format!("variable {name} is not declared; it has no effect"),
                            );
                            d.file = file.name.clone();
                            self.out.push(d);
                        }
                    }
                }
            }
            Err(err) => {
                let at = Position {
                    offset: 0,
                    line: err.location().line() as u32,
                    column: err.location().column() as u32,
                };
                let mut d = Diagnostic::error(
                    Code::Syntax,
                    at,
                    "",
                    format!("invalid HCL: {}", err.message()),
                );
                d.file = file.name.clone();
                self.out.push(d);
            }
        }
    }
}

/// A `--var`/`PKR_VAR_` text as the variable's type: a string unless the default is not one.
fn typed_input(text: &str, default: Option<&hcl::Value>) -> hcl::Value {
    match default {
        Some(hcl::Value::String(_)) | None => hcl::Value::String(text.to_string()),
        Some(_) => text
            .parse::<hcl::Expression>()
            .ok()
            .and_then(|e| e.evaluate(&Context::new()).ok())
            .unwrap_or_else(|| hcl::Value::String(text.to_string())),
    }
}
