//! An HCL2 template as Packer JSON, as written, where JSON can say it: `variable` blocks →
//! `variables` (+ `sensitive-variables`), `var.x` → `{{user `x`}}`, locals written out where
//! they are used, `source` blocks → builders named by their label, one `build`'s
//! provisioners and post-processors (`only`/`except`/`override` back to builder names), and the
//! functions the JSON dialect has (`timestamp()` → `{{isotime}}`, `legacy_isotime`, `uuidv4`,
//! `lower`/`upper`, `replace`, `split(...)[n]`, the `clean_resource_name` pattern of
//! `regex_replace`, `env` in defaults, `path.root`, `source.name`, `build.X`).
//!
//! What JSON can't say is an error at its line and column: data sources, `dynamic` blocks,
//! `for` expressions, conditionals, most functions, several builds, typed (list or map)
//! variables, validations.

use std::collections::BTreeMap;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};
use hcl_edit::template::{Element, Template};

use super::to_hcl::CLEAN_PATTERN;
use crate::TemplateError;
use crate::diagnostic::{Code, Diagnostic};
use crate::json::{Member, Node, Position, Value, line_starts};

/// Converts the HCL2 template `text` (named `file` in messages) to Packer JSON.
pub fn hcl_to_json(file: &str, text: &str) -> Result<String, TemplateError> {
    let located = |mut d: Diagnostic| {
        d.file = file.to_string();
        d
    };
    let body = hcl_edit::parser::parse_body(text).map_err(|err| {
        TemplateError::Invalid(vec![located(Diagnostic::error(
            Code::Syntax,
            Position {
                offset: 0,
                line: err.location().line() as u32,
                column: err.location().column() as u32,
            },
            "",
            format!("invalid HCL: {}", err.message()),
        ))])
    })?;
    let mut c = Converter {
        source: text,
        lines: line_starts(text),
        out: Vec::new(),
        locals: BTreeMap::new(),
        in_default: false,
    };
    let root = c.template(&body);
    if c.out.is_empty() {
        Ok(crate::format::write(&root))
    } else {
        Err(TemplateError::Invalid(
            c.out.into_iter().map(located).collect(),
        ))
    }
}

struct Converter<'a> {
    source: &'a str,
    lines: Vec<usize>,
    out: Vec<Diagnostic>,
    locals: BTreeMap<String, Expression>,
    /// Converting a variable's default: `env()` is allowed.
    in_default: bool,
}

/// A problem at a byte range: what can't be written and what to do.
struct Problem {
    span: Option<std::ops::Range<usize>>,
    message: String,
    help: String,
}

fn problem(
    span: Option<std::ops::Range<usize>>,
    message: impl Into<String>,
    help: impl Into<String>,
) -> Problem {
    Problem {
        span,
        message: message.into(),
        help: help.into(),
    }
}

const KEEP_HCL: &str = "keep this template in HCL2, or write the value out";

fn plain(value: Value) -> Node {
    Node {
        at: Position::default(),
        value,
    }
}

fn member(key: &str, value: Node) -> Member {
    Member {
        key: key.to_string(),
        key_at: Position::default(),
        value,
    }
}

fn label(block: &Block, i: usize) -> Option<&str> {
    block.labels.get(i).map(|l| match l {
        BlockLabel::Ident(ident) => ident.as_str(),
        BlockLabel::String(s) => s.as_str(),
    })
}

/// A builder name as the JSON dialect writes it: `source.amazon-ebs.web` / `amazon-ebs.web` → `web`.
fn builder_name(name: &str) -> String {
    let name = name.strip_prefix("source.").unwrap_or(name);
    name.rsplit('.').next().unwrap_or(name).to_string()
}

impl Converter<'_> {
    fn position(&self, offset: usize) -> Position {
        Position::of_offset(self.source, &self.lines, offset)
    }

    fn report(&mut self, p: Problem, field: &str) {
        let at = self.position(p.span.map_or(0, |s| s.start));
        self.out
            .push(Diagnostic::error(Code::NotSupported, at, field, p.message).help(p.help));
    }

    fn template(&mut self, body: &Body) -> Node {
        let mut variables: Vec<Member> = Vec::new();
        let mut sensitive: Vec<Node> = Vec::new();
        let mut sources: BTreeMap<String, &Block> = BTreeMap::new();
        let mut builds: Vec<&Block> = Vec::new();
        let mut min_version: Option<String> = None;
        for structure in body.iter() {
            let Structure::Block(block) = structure else {
                if let Structure::Attribute(attr) = structure {
                    let p = problem(
                        attr.key.span(),
                        format!(
                            "unexpected attribute \"{}\" at the top level",
                            attr.key.as_str()
                        ),
                        "settings go inside a source or build block",
                    );
                    self.report(p, attr.key.as_str());
                }
                continue;
            };
            match block.ident.as_str() {
                "locals" => {
                    for attr in block.body.attributes() {
                        self.locals
                            .insert(attr.key.as_str().to_string(), attr.value.clone());
                    }
                }
                "local" => {
                    if let (Some(name), Some(attr)) =
                        (label(block, 0), block.body.get_attribute("expression"))
                    {
                        self.locals.insert(name.to_string(), attr.value.clone());
                    }
                }
                _ => {}
            }
        }
        for structure in body.iter() {
            let Structure::Block(block) = structure else {
                continue;
            };
            let span = block.ident.span();
            match block.ident.as_str() {
                "packer" => {
                    if let Some(attr) = block.body.get_attribute("required_version") {
                        match &attr.value {
                            Expression::String(v)
                                if v.value().trim_start().starts_with(">=")
                                    && !v.value().contains(',') =>
                            {
                                min_version = Some(
                                    v.value().trim_start()[2..].trim().to_string(),
                                );
                            }
                            other => self.report(
                                problem(
                                    other.span(),
                                    "only a \">= X\" required_version can be written as min_packer_version",
                                    "write required_version = \">= 1.7.0\"",
                                ),
                                "packer.required_version",
                            ),
                        }
                    }
                }
                "variable" => {
                    let Some(name) = label(block, 0) else {
                        continue;
                    };
                    let field = format!("variable.{name}");
                    let mut default = plain(Value::Null);
                    for structure in block.body.iter() {
                        match structure {
                            Structure::Attribute(attr) => match attr.key.as_str() {
                                "default" => {
                                    self.in_default = true;
                                    let value = self.value(&attr.value, &field);
                                    self.in_default = false;
                                    if let Some(value) = value {
                                        default = match value.value {
                                            Value::Bool(b) => plain(Value::String(b.to_string())),
                                            Value::Number(n) => plain(Value::String(n.to_string())),
                                            Value::Array(_) | Value::Object(_) => {
                                                self.report(
                                                    problem(
                                                        attr.value.span(),
                                                        "a JSON template's variables are strings, not lists or maps",
                                                        KEEP_HCL,
                                                    ),
                                                    &field,
                                                );
                                                continue;
                                            }
                                            other => plain(other),
                                        };
                                    }
                                }
                                "sensitive" => {
                                    if matches!(&attr.value, Expression::Bool(b) if *b.value()) {
                                        sensitive.push(plain(Value::String(name.to_string())));
                                    }
                                }
                                "type" | "description" | "nullable" => {}
                                other => self.report(
                                    problem(
                                        attr.key.span(),
                                        format!(
                                            "\"{other}\" of a variable can't be written in JSON"
                                        ),
                                        "remove it",
                                    ),
                                    &field,
                                ),
                            },
                            Structure::Block(inner) => self.report(
                                problem(
                                    inner.ident.span(),
                                    format!(
                                        "\"{}\" blocks of a variable can't be written in JSON",
                                        inner.ident.as_str()
                                    ),
                                    "remove the block (JSON templates have no validations)",
                                ),
                                &field,
                            ),
                        }
                    }
                    variables.push(member(name, default));
                }
                "variables" => {
                    for attr in block.body.attributes() {
                        let field = format!("variables.{}", attr.key.as_str());
                        if let Some(value) = self.value(&attr.value, &field) {
                            variables.push(member(attr.key.as_str(), value));
                        }
                    }
                }
                "source" => {
                    if let (Some(kind), Some(name)) = (label(block, 0), label(block, 1)) {
                        sources.insert(format!("{kind}.{name}"), block);
                    }
                }
                "build" => builds.push(block),
                "locals" | "local" => {}
                other => self.report(
                    problem(
                        span,
                        format!("{other} blocks can't be written in a JSON template"),
                        KEEP_HCL,
                    ),
                    other,
                ),
            }
        }
        for extra in builds.iter().skip(1) {
            self.report(
                problem(
                    extra.ident.span(),
                    "a JSON template is one build; this is a second build block",
                    "put each build in its own HCL2 file before converting, or keep HCL2",
                ),
                "build",
            );
        }
        let mut root = Vec::new();
        let mut builders = Vec::new();
        let mut provisioners = Vec::new();
        let mut post_processors = Vec::new();
        if let Some(build) = builds.first() {
            if let Some(attr) = build.body.get_attribute("description")
                && let Some(d) = self.value(&attr.value, "build.description")
            {
                root.push(member("description", d));
            }
            self.build(
                build,
                &sources,
                &mut builders,
                &mut provisioners,
                &mut post_processors,
            );
        }
        if let Some(v) = min_version {
            root.push(member("min_packer_version", plain(Value::String(v))));
        }
        if !variables.is_empty() {
            root.push(member("variables", plain(Value::Object(variables))));
        }
        if !sensitive.is_empty() {
            root.push(member(
                "sensitive-variables",
                plain(Value::Array(sensitive)),
            ));
        }
        root.push(member("builders", plain(Value::Array(builders))));
        if !provisioners.is_empty() {
            root.push(member("provisioners", plain(Value::Array(provisioners))));
        }
        if !post_processors.is_empty() {
            root.push(member(
                "post-processors",
                plain(Value::Array(post_processors)),
            ));
        }
        plain(Value::Object(root))
    }

    fn build(
        &mut self,
        build: &Block,
        sources: &BTreeMap<String, &Block>,
        builders: &mut Vec<Node>,
        provisioners: &mut Vec<Node>,
        post_processors: &mut Vec<Node>,
    ) {
        let mut wanted: Vec<(String, Option<&Block>)> = Vec::new();
        if let Some(attr) = build.body.get_attribute("sources")
            && let Expression::Array(items) = &attr.value
        {
            for item in items.iter() {
                if let Expression::String(s) = item {
                    wanted.push((s.value().to_string(), None));
                }
            }
        }
        for inner in build.body.blocks() {
            if inner.ident.as_str() == "source"
                && let Some(reference) = label(inner, 0)
            {
                wanted.push((reference.to_string(), Some(inner)));
            }
        }
        for (reference, extra) in wanted {
            let key = reference.strip_prefix("source.").unwrap_or(&reference);
            let Some(source) = sources.get(key) else {
                continue;
            };
            let kind = label(source, 0).unwrap_or("");
            let mut name = label(source, 1).unwrap_or("").to_string();
            if let Some(own) = extra.and_then(|b| b.body.get_attribute("name"))
                && let Expression::String(s) = &own.value
            {
                name = s.value().to_string();
            }
            // A builder named by its type is what an unnamed JSON builder is called.
            let mut members = vec![member("type", plain(Value::String(kind.to_string())))];
            if name != kind {
                members.push(member("name", plain(Value::String(name.clone()))));
            }
            let path = format!("source.{kind}.{name}");
            members.extend(self.body(&source.body, &path, &[]));
            if let Some(extra) = extra {
                members.extend(self.body(&extra.body, &path, &["name"]));
            }
            builders.push(plain(Value::Object(members)));
        }
        let (mut p, mut q) = (0, 0);
        for inner in build.body.blocks() {
            match inner.ident.as_str() {
                "provisioner" => {
                    let path = format!("build.provisioner[{p}]");
                    p += 1;
                    provisioners.push(self.step(inner, &path));
                }
                "post-processor" => {
                    let path = format!("build.post-processor[{q}]");
                    q += 1;
                    post_processors.push(self.step(inner, &path));
                }
                "post-processors" => {
                    let path = format!("build.post-processors[{q}]");
                    q += 1;
                    let chain = inner
                        .body
                        .blocks()
                        .enumerate()
                        .map(|(k, b)| self.step(b, &format!("{path}.post-processor[{k}]")))
                        .collect();
                    post_processors.push(plain(Value::Array(chain)));
                }
                "source" => {}
                other => self.report(
                    problem(
                        inner.ident.span(),
                        format!("\"{other}\" blocks of a build can't be written in JSON"),
                        KEEP_HCL,
                    ),
                    &format!("build.{other}"),
                ),
            }
        }
    }

    fn step(&mut self, block: &Block, path: &str) -> Node {
        let kind = label(block, 0).unwrap_or("");
        let mut members = vec![member("type", plain(Value::String(kind.to_string())))];
        for m in self.body(&block.body, path, &[]) {
            let value = match (m.key.as_str(), m.value.value) {
                ("only" | "except", Value::Array(items)) => Value::Array(
                    items
                        .into_iter()
                        .map(|n| match n.value {
                            Value::String(s) => plain(Value::String(builder_name(&s))),
                            other => plain(other),
                        })
                        .collect(),
                ),
                ("override", Value::Object(entries)) => Value::Object(
                    entries
                        .into_iter()
                        .map(|e| member(&builder_name(&e.key), e.value))
                        .collect(),
                ),
                (_, other) => other,
            };
            members.push(member(&m.key, plain(value)));
        }
        plain(Value::Object(members))
    }

    /// A body's attributes and nested blocks as object members.
    fn body(&mut self, body: &Body, path: &str, skip: &[&str]) -> Vec<Member> {
        let mut members: Vec<Member> = Vec::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let key = attr.key.as_str();
                    if skip.contains(&key) {
                        continue;
                    }
                    if let Some(value) = self.value(&attr.value, &format!("{path}.{key}")) {
                        members.push(member(key, value));
                    }
                }
                Structure::Block(block) => {
                    let key = block.ident.as_str();
                    if key == "dynamic" {
                        self.report(
                            problem(
                                block.ident.span(),
                                "dynamic blocks can't be written in a JSON template",
                                "write the blocks out one by one, or keep HCL2",
                            ),
                            &format!("{path}.dynamic"),
                        );
                        continue;
                    }
                    let inner = plain(Value::Object(self.body(
                        &block.body,
                        &format!("{path}.{key}"),
                        &[],
                    )));
                    match members.iter_mut().find(|m| m.key == key) {
                        Some(existing) => match &mut existing.value.value {
                            Value::Array(items) => items.push(inner),
                            _ => {
                                let first =
                                    std::mem::replace(&mut existing.value, plain(Value::Null));
                                existing.value = plain(Value::Array(vec![first, inner]));
                            }
                        },
                        None if key.ends_with("block_device_mappings") => {
                            members.push(member(key, plain(Value::Array(vec![inner]))))
                        }
                        None => members.push(member(key, inner)),
                    }
                }
            }
        }
        members
    }

    /// An expression as a JSON value (strings with `{{ }}` where it computes something).
    fn value(&mut self, expr: &Expression, field: &str) -> Option<Node> {
        let result = match expr {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => Ok(serde_json::to_value(n.value())
                .ok()
                .and_then(|v| v.as_number().cloned())
                .map_or(Value::Null, Value::Number)),
            Expression::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    out.push(self.value(item, &format!("{field}[{i}]"))?);
                }
                Ok(Value::Array(out))
            }
            Expression::Object(object) => {
                let mut out = Vec::new();
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                        ObjectKey::Expression(other) => {
                            let p = problem(
                                other.span(),
                                "a computed map key can't be written in JSON",
                                KEEP_HCL,
                            );
                            self.report(p, field);
                            return None;
                        }
                    };
                    let v = self.value(value.expr(), &format!("{field}.{key}"))?;
                    out.push(member(&key, v));
                }
                Ok(Value::Object(out))
            }
            other => self.text(other).map(Value::String),
        };
        match result {
            Ok(value) => Some(plain(value)),
            Err(p) => {
                self.report(p, field);
                None
            }
        }
    }

    /// An expression that gives a string, as JSON template text.
    fn text(&self, expr: &Expression) -> Result<String, Problem> {
        match expr {
            Expression::String(s) => Ok(s.value().to_string()),
            Expression::StringTemplate(t) => self.template_text(t),
            Expression::HeredocTemplate(h) => self.template_text(&h.template),
            Expression::Traversal(t) if matches!(&t.expr, Expression::Variable(v) if v.as_str() == "local") =>
            {
                let name = self.local_name(t)?;
                let local = self.locals.get(&name).ok_or_else(|| {
                    problem(
                        expr.span(),
                        format!("local.{name} is not declared"),
                        "declare it in a locals block",
                    )
                })?;
                self.text(local)
            }
            Expression::Number(n) => Ok(n.value().to_string()),
            Expression::Bool(b) => Ok(b.value().to_string()),
            other => {
                let command = self.go(other)?;
                // Build values are written as Packer's documentation (and HCL2's reader) does.
                Ok(if command.starts_with("build `") {
                    format!("{{{{ {command} }}}}")
                } else {
                    format!("{{{{{command}}}}}")
                })
            }
        }
    }

    fn template_text(&self, template: &Template) -> Result<String, Problem> {
        let mut out = String::new();
        for element in template.iter() {
            match element {
                Element::Literal(text) => out.push_str(text.value()),
                Element::Interpolation(i) => out.push_str(&self.text(&i.expr)?),
                Element::Directive(_) => {
                    return Err(problem(
                        None,
                        "%{ } directives can't be written in a JSON template",
                        KEEP_HCL,
                    ));
                }
            }
        }
        Ok(out)
    }

    fn local_name(&self, t: &hcl_edit::expr::Traversal) -> Result<String, Problem> {
        match t.operators.first().map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(name)) if t.operators.len() == 1 => {
                Ok(name.as_str().to_string())
            }
            _ => Err(problem(
                t.span(),
                "only a whole local can be written in JSON",
                KEEP_HCL,
            )),
        }
    }

    /// An expression as a Go template command (`user `x``, `upper (user `x`)`).
    fn go(&self, expr: &Expression) -> Result<String, Problem> {
        let span = expr.span();
        let cant = |what: &str| {
            problem(
                span.clone(),
                format!("{what} can't be written in a JSON template"),
                KEEP_HCL,
            )
        };
        let arg = |e: &Expression| -> Result<String, Problem> {
            let g = self.go(e)?;
            Ok(
                if g.contains(' ') && !g.starts_with('"') && !g.starts_with('`') {
                    format!("({g})")
                } else {
                    g
                },
            )
        };
        match expr {
            Expression::String(s) => Ok(go_string(s.value())),
            Expression::Number(n) => Ok(n.value().to_string()),
            Expression::Parenthesis(p) => self.go(p.inner()),
            Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => {
                let text = self.text(expr)?;
                if text.contains("{{") {
                    Err(cant("a string with interpolations passed to a function"))
                } else {
                    Ok(go_string(&text))
                }
            }
            Expression::Traversal(t) => {
                let Expression::Variable(root) = &t.expr else {
                    if let Expression::FuncCall(call) = &t.expr
                        && call.name.name.as_str() == "split"
                        && let [TraversalOperator::Index(Expression::Number(n))] =
                            t.operators.iter().map(|o| o.value()).collect::<Vec<_>>()[..]
                        && let [sep, value] = call.args.iter().collect::<Vec<_>>()[..]
                    {
                        return Ok(format!("split {} {} {}", arg(value)?, arg(sep)?, n.value()));
                    }
                    return Err(cant("this expression"));
                };
                let attr = match t.operators.first().map(|o| o.value()) {
                    Some(TraversalOperator::GetAttr(name)) if t.operators.len() == 1 => {
                        name.as_str().to_string()
                    }
                    _ => return Err(cant("this reference")),
                };
                match (root.as_str(), attr.as_str()) {
                    ("var", x) => Ok(format!("user `{x}`")),
                    ("local", x) => match self.locals.get(x) {
                        Some(local) => self.go(local),
                        None => Err(problem(
                            span,
                            format!("local.{x} is not declared"),
                            "declare it in a locals block",
                        )),
                    },
                    ("path", "root") => Ok("template_dir".into()),
                    ("path", "cwd") => Ok("pwd".into()),
                    ("source", "name") => Ok("build_name".into()),
                    ("source", "type") => Ok("build_type".into()),
                    ("build", x) => Ok(format!("build `{x}`")),
                    (r, x) => Err(cant(&format!("{r}.{x}"))),
                }
            }
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                let args: Vec<&Expression> = call.args.iter().collect();
                match (name, &args[..]) {
                    ("timestamp", []) => Ok("isotime".into()),
                    ("uuidv4", []) => Ok("uuid".into()),
                    ("legacy_isotime", [layout]) => Ok(format!("isotime {}", arg(layout)?)),
                    ("lower" | "upper", [value]) => Ok(format!("{name} {}", arg(value)?)),
                    ("replace", [value, old, new]) => Ok(format!(
                        "replace_all {} {} {}",
                        arg(old)?,
                        arg(new)?,
                        arg(value)?
                    )),
                    ("regex_replace", [value, Expression::String(p), Expression::String(r)])
                        if p.value() == CLEAN_PATTERN && r.value() == "-" =>
                    {
                        Ok(format!("clean_resource_name {}", arg(value)?))
                    }
                    ("env", [var]) if self.in_default => Ok(format!("env {}", arg(var)?)),
                    ("env", _) => Err(problem(
                        span,
                        "a JSON template reads the environment only in a variable's default",
                        "move env() into a variable's default and use the variable here",
                    )),
                    ("vault", [path, key]) => Ok(format!("vault {} {}", arg(path)?, arg(key)?)),
                    ("consul_key", [key]) => Ok(format!("consul_key {}", arg(key)?)),
                    ("aws_secretsmanager", [id, key]) => {
                        Ok(format!("aws_secretsmanager {} {}", arg(id)?, arg(key)?))
                    }
                    ("formatdate", _) => Err(problem(
                        span,
                        "formatdate() can't be written in a JSON template",
                        "use legacy_isotime(\"2006-01-02\") (a Go layout), which JSON writes as {{isotime \"2006-01-02\"}}",
                    )),
                    (other, _) => Err(cant(&format!("the function {other}()"))),
                }
            }
            Expression::ForExpr(_) => Err(cant("a for expression")),
            Expression::Conditional(_) => Err(cant("a conditional (a ? b : c)")),
            _ => Err(cant("this expression")),
        }
    }
}

/// A Go template string literal.
fn go_string(s: &str) -> String {
    if !s.contains('`') {
        format!("`{s}`")
    } else {
        format!("{s:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_becomes_json_as_written() {
        let text = r#"
packer {
  required_version = ">= 1.7.0"
}
variable "region" {
  type    = string
  default = "eu-west-1"
}
variable "token" {
  default   = env("TOKEN")
  sensitive = true
}
locals {
  name = "web-${var.region}"
}
source "amazon-ebs" "web" {
  region   = var.region
  ami_name = "${local.name}-{{timestamp}}-${upper(var.region)}"
  tags     = { Built = source.name }
  launch_block_device_mappings {
    device_name = "/dev/xvda"
  }
}
build {
  sources = ["source.amazon-ebs.web"]
  provisioner "shell" {
    inline = ["echo ${build.ID}"]
    only   = ["amazon-ebs.web"]
  }
  post-processor "manifest" {}
}
"#;
        let json = hcl_to_json("t.pkr.hcl", text).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            json,
            r#"{
  "min_packer_version": "1.7.0",
  "variables": {
    "region": "eu-west-1",
    "token": "{{env `TOKEN`}}"
  },
  "sensitive-variables": ["token"],
  "builders": [
    {
      "type": "amazon-ebs",
      "name": "web",
      "region": "{{user `region`}}",
      "ami_name": "web-{{user `region`}}-{{timestamp}}-{{upper (user `region`)}}",
      "tags": {
        "Built": "{{build_name}}"
      },
      "launch_block_device_mappings": [
        {
          "device_name": "/dev/xvda"
        }
      ]
    }
  ],
  "provisioners": [
    {
      "type": "shell",
      "inline": ["echo {{ build `ID` }}"],
      "only": ["web"]
    }
  ],
  "post-processors": [
    {
      "type": "manifest"
    }
  ]
}
"#
        );
    }

    #[test]
    fn what_json_cannot_say_is_located() {
        let text = "data \"http\" \"x\" {}\nsource \"amazon-ebs\" \"web\" {\n  ami_name = \"a-${formatdate(\"YYYY\", timestamp())}\"\n}\nbuild {\n  sources = [\"source.amazon-ebs.web\"]\n}\n";
        let Err(TemplateError::Invalid(ds)) = hcl_to_json("t.pkr.hcl", text) else {
            panic!("errors")
        };
        let found: Vec<(u32, u32)> = ds.iter().map(|d| (d.line, d.column)).collect();
        assert_eq!(found, [(1, 1), (3, 19)], "{ds:#?}");
        assert!(ds[1].help.as_deref().unwrap().contains("legacy_isotime"));
        assert_eq!(ds[1].field, "source.amazon-ebs.web.ami_name");
    }
}
