//! Evaluating HCL2 expressions: `can()` and `try()` resolved first (they must see their
//! arguments fail), and an error located at the innermost part that fails (the sibling
//! `values` turns the value into the JSON template's tree).

use hcl::eval::{Context, Evaluate};
use hcl_edit::Span;
use hcl_edit::expr::Expression;

use super::functions::{Support, evaluated_names, function, paths_context};
use super::reader::Reader;
use crate::diagnostic::Code;
use crate::json::Position;
use crate::suggest::did_you_mean;

impl Reader<'_> {
    /// A value that needs no variables (a default): literals and functions.
    pub(super) fn constant(&mut self, expr: &Expression, field: &str) -> Option<hcl::Value> {
        let context = paths_context(&self.paths.0, &self.paths.1);
        match eval(expr, &context) {
            Ok(value) => Some(value),
            Err(err) => {
                let at = self.error_at(expr, &context);
                self.eval_error(at, field, &err);
                None
            }
        }
    }

    /// Where evaluating `expr` fails: the innermost part that fails on its own (an
    /// interpolation inside a string, a function's argument), else the expression.
    pub(super) fn error_at(&self, expr: &Expression, context: &Context) -> Position {
        self.at(failing_part(expr, context).or_else(|| expr.span()))
    }

    pub(super) fn eval_error(&mut self, at: Position, field: &str, err: &hcl::eval::Error) {
        // A use of a local that failed (reported where it is set) is not another error.
        if let hcl::eval::ErrorKind::NoSuchKey(key) = err.kind()
            && self.failed_locals.contains(key)
            && err
                .expr()
                .is_some_and(|e| e.to_string().contains(&format!("local.{key}")))
        {
            return;
        }
        // Nor is a use of a data source whose type was refused where it is declared.
        if let hcl::eval::ErrorKind::NoSuchKey(key) = err.kind()
            && self.unsupported_data.contains(key)
            && err
                .expr()
                .is_some_and(|e| e.to_string().contains(&format!("data.{key}")))
        {
            return;
        }
        if let hcl::eval::ErrorKind::UndefinedFunc(name) = err.kind() {
            let name = name.to_string();
            if function(&name).is_some_and(|f| matches!(f.support, Support::NotYet)) {
                self.error(
                    Code::NotSupported,
                    at,
                    field,
                    format!("the function {name}() is not supported yet"),
                )
                .set_help("put the value in a variable and pass it with --var");
            } else {
                let d = self.error(
                    Code::Render,
                    at,
                    field,
                    format!("function {name}() is not defined"),
                );
                if let Some(near) = did_you_mean(&name, evaluated_names()) {
                    d.set_help(format!("did you mean {near}()?"));
                }
            }
            return;
        }
        if let hcl::eval::ErrorKind::FuncCall(name, message) = err.kind()
            && function(&name.to_string())
                .is_some_and(|f| matches!(f.support, Support::ReadsFiles(_)))
        {
            let message = message.replace('\n', " ");
            if message.starts_with("in template file") || message.starts_with("template file") {
                self.error(Code::Render, at, field, message);
            } else if message.ends_with(" here") {
                self.error(Code::LocalFile, at, field, message).set_help(
                    "this check has no access to local files; `bakery validate` reads them",
                );
            } else {
                self.error(Code::LocalFile, at, field, message)
                    .set_help("relative paths are relative to the template's folder (path.root), as in Packer: fix the path or create the file");
            }
            return;
        }
        if let hcl::eval::ErrorKind::FuncCall(name, message) = err.kind() {
            let (message, help) = call_error(&name.to_string(), message);
            let d = self.error(Code::Render, at, field, message);
            if let Some(help) = help {
                d.set_help(help);
            }
            return;
        }
        self.error(Code::Render, at, field, err.to_string().replace('\n', " "));
    }
}

/// A function's error as said to the user: its own message (which names it), or the
/// evaluator's arity and type errors in the function's terms, with what to do.
fn call_error(name: &str, message: &str) -> (String, Option<String>) {
    let message = message.replace('\n', " ");
    if message.starts_with(&format!("{name}:")) {
        return (message, None);
    }
    // hcl-rs: "expected N positional arguments, got M".
    if let Some(rest) = message.strip_prefix("expected ")
        && let Some((expected, got)) = rest.split_once(" positional arguments, got ")
        && let (Ok(expected), Ok(got)) = (expected.parse::<usize>(), got.parse::<usize>())
    {
        let text = if got > expected {
            format!("{name}() takes {expected} argument(s), got {got}")
        } else {
            format!("{name}() needs {expected} argument(s), got {got}")
        };
        let help = if got > expected {
            format!("remove the extra argument(s) of {name}()")
        } else {
            format!("give {name}() its {expected} argument(s)")
        };
        return (text, Some(help));
    }
    (format!("{name}(): {message}"), None)
}

/// Evaluates an expression, with `can()` and `try()` (which must see their arguments fail)
/// resolved first.
pub(super) fn eval(expr: &Expression, context: &Context) -> Result<hcl::Value, hcl::eval::Error> {
    let mut expr = hcl::Expression::from(expr.clone());
    resolve_can_try(&mut expr, context);
    expr.evaluate(context)
}

/// Replaces every `can(x)` by whether `x` evaluates, and `try(a, b, …)` by the first argument
/// that does (the last one's error when none does).
pub(super) fn resolve_can_try(expr: &mut hcl::Expression, context: &Context) {
    use hcl::Expression as E;
    match expr {
        E::FuncCall(call)
            if call.name.namespace.is_empty()
                && matches!(call.name.name.as_str(), "can" | "try") =>
        {
            for arg in &mut call.args {
                resolve_can_try(arg, context);
            }
            if call.name.name.as_str() == "can" {
                if call.args.len() == 1 {
                    *expr = E::Bool(call.args[0].evaluate(context).is_ok());
                }
                return;
            }
            if let Some(value) = call.args.iter().find_map(|a| a.evaluate(context).ok()) {
                *expr = E::from(value);
            } else if let Some(last) = call.args.pop() {
                *expr = last;
            }
        }
        E::FuncCall(call) => {
            for arg in &mut call.args {
                resolve_can_try(arg, context);
            }
        }
        E::Array(items) => items.iter_mut().for_each(|e| resolve_can_try(e, context)),
        E::Object(map) => map.values_mut().for_each(|e| resolve_can_try(e, context)),
        E::Parenthesis(inner) => resolve_can_try(inner, context),
        E::Traversal(t) => resolve_can_try(&mut t.expr, context),
        E::Conditional(c) => {
            resolve_can_try(&mut c.cond_expr, context);
            resolve_can_try(&mut c.true_expr, context);
            resolve_can_try(&mut c.false_expr, context);
        }
        E::Operation(op) => match op.as_mut() {
            hcl::expr::Operation::Unary(u) => resolve_can_try(&mut u.expr, context),
            hcl::expr::Operation::Binary(b) => {
                resolve_can_try(&mut b.lhs_expr, context);
                resolve_can_try(&mut b.rhs_expr, context);
            }
        },
        _ => {}
    }
}

/// The span of the innermost part of `expr` that fails to evaluate on its own.
pub(super) fn failing_part(expr: &Expression, context: &Context) -> Option<std::ops::Range<usize>> {
    let mut parts: Vec<&Expression> = Vec::new();
    let template = match expr {
        Expression::StringTemplate(t) => Some(&**t),
        Expression::HeredocTemplate(h) => Some(&h.template),
        _ => None,
    };
    if let Some(template) = template
        && let Some(span) = failing_in_template(template, context)
    {
        return Some(span);
    }
    match expr {
        Expression::Array(items) => parts.extend(items.iter()),
        Expression::Object(object) => parts.extend(object.iter().map(|(_, v)| v.expr())),
        Expression::FuncCall(call) => {
            if matches!(call.name.name.as_str(), "can" | "try") {
                return None;
            }
            parts.extend(call.args.iter())
        }
        Expression::Parenthesis(p) => parts.push(p.inner()),
        Expression::Conditional(c) => {
            parts.extend([&c.cond_expr, &c.true_expr, &c.false_expr]);
        }
        Expression::Traversal(t) => parts.push(&t.expr),
        Expression::UnaryOp(u) => parts.push(&u.expr),
        Expression::BinaryOp(b) => parts.extend([&b.lhs_expr, &b.rhs_expr]),
        _ => {}
    }
    for part in parts {
        if eval(part, context).is_err() {
            return failing_part(part, context).or_else(|| part.span());
        }
    }
    None
}

/// The span of what fails in a string template: inside `${ }` the innermost failing part;
/// inside `%{ if }` its condition or the branch taken; inside `%{ for }` its collection or
/// the body, with the loop's variables bound to each element in turn; else the directive.
pub(super) fn failing_in_template(
    template: &hcl_edit::template::Template,
    context: &Context,
) -> Option<std::ops::Range<usize>> {
    use hcl_edit::template::Element;
    failing_element(template, context).or_else(|| {
        // Nothing fails alone: the first directive, where the template's logic is.
        template.iter().find_map(|element| match element {
            Element::Directive(d) => d.span(),
            _ => None,
        })
    })
}

pub(super) fn failing_element(
    template: &hcl_edit::template::Template,
    context: &Context,
) -> Option<std::ops::Range<usize>> {
    use hcl_edit::template::{Directive, Element};
    let at_expr = |expr: &Expression| failing_part(expr, context).or_else(|| expr.span());
    for element in template.iter() {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(i) => {
                if eval(&i.expr, context).is_err() {
                    return at_expr(&i.expr);
                }
            }
            Element::Directive(directive) => match &**directive {
                Directive::If(d) => {
                    let cond = &d.if_expr.cond_expr;
                    let branch = match eval(cond, context) {
                        Err(_) => return at_expr(cond),
                        Ok(hcl::Value::Bool(true)) => Some(&d.if_expr.template),
                        Ok(hcl::Value::Bool(false)) => d.else_expr.as_ref().map(|e| &e.template),
                        Ok(_) => return cond.span(), // not true or false
                    };
                    if let Some(branch) = branch
                        && let Some(span) = failing_element(branch, context)
                    {
                        return Some(span);
                    }
                }
                Directive::For(d) => {
                    let f = &d.for_expr;
                    let elements: Vec<(hcl::Value, hcl::Value)> =
                        match eval(&f.collection_expr, context) {
                            Err(_) => return at_expr(&f.collection_expr),
                            Ok(hcl::Value::Array(items)) => items
                                .into_iter()
                                .enumerate()
                                .map(|(i, v)| (hcl::Value::from(i as u64), v))
                                .collect(),
                            Ok(hcl::Value::Object(map)) => map
                                .into_iter()
                                .map(|(k, v)| (hcl::Value::String(k), v))
                                .collect(),
                            Ok(_) => return f.collection_expr.span(), // not a list or map
                        };
                    for (key, value) in elements {
                        let mut scoped = context.clone();
                        if let Some(key_var) = &f.key_var {
                            scoped.declare_var(key_var.as_str(), key);
                        }
                        scoped.declare_var(f.value_var.as_str(), value);
                        if let Some(span) = failing_element(&f.template, &scoped) {
                            return Some(span);
                        }
                    }
                }
            },
        }
    }
    None
}
