//! A Packer JSON template as HCL2, as written (what `packer hcl2_upgrade` does, keeping every
//! value's meaning): `variables` → `variable` blocks (a `null` default is required,
//! `sensitive-variables` → `sensitive = true`; a default that uses other variables → a
//! `local`), `{{user `x`}}` → `var.x`, builders → `source` blocks, one `build` with
//! `sources = [...]`, provisioners and post-processors as blocks with `only`/`except`/`override`
//! naming sources `TYPE.NAME`.
//!
//! `{{ }}` functions become their HCL2 equivalents: `{{isotime}}` → `timestamp()`,
//! `{{isotime "layout"}}` → `legacy_isotime("layout")`, `{{uuid}}` → `uuidv4()`,
//! `{{env `X`}}` (in a variable's default) → `env("X")`, `lower`/`upper`, `split` → `split()[n]`,
//! `replace_all` → `replace()`, `clean_resource_name` → `regex_replace()`, `{{template_dir}}` →
//! `path.root`, `{{pwd}}` → `path.cwd`, `{{build_name}}`/`{{build_type}}` → `source.name` /
//! `source.type`, `{{ build `X` }}` in a step → `build.X`. `{{timestamp}}` (Unix seconds, which
//! no HCL2 function gives) and the builders' `{{ .SourceAMIName }}`-style values stay as they are:
//! Packer's amazon plugin renders them in HCL2 templates too, and so does the checker.

use std::collections::{BTreeMap, BTreeSet};

use super::hcl_writer::{Expr, Item, hcl_string, is_identifier, template_text, write_items};
use crate::TemplateError;
use crate::diagnostic::{Code, Diagnostic};
use crate::json::{self, Member, Node, Value};
use crate::model::{build_name, hcl_build_name};
use crate::render::{Operand, Piece, Pipeline, pieces};

/// Options written as nested blocks in HCL2 (when their value is an object or a list of them).
const BLOCKS: &[&str] = &[
    "source_ami_filter",
    "metadata_options",
    "aws_polling",
    "assume_role",
    "launch_block_device_mappings",
    "ami_block_device_mappings",
    "vpc_filter",
    "subnet_filter",
    "security_group_filter",
];

/// The character class `clean_resource_name` keeps (see [`crate::render::ami_name_char`]).
pub(crate) const CLEAN_PATTERN: &str = "[^a-zA-Z0-9()\\[\\] ./'@_-]";

/// Converts the Packer JSON template `text` (named `file` in messages) to HCL2.
pub fn json_to_hcl(file: &str, text: &str) -> Result<String, TemplateError> {
    let located = |mut d: Diagnostic| {
        d.file = file.to_string();
        d
    };
    let doc = json::parse(text).map_err(|err| {
        TemplateError::Invalid(vec![located(Diagnostic::error(
            Code::Syntax,
            err.at,
            "",
            format!("invalid JSON: {}", err.message),
        ))])
    })?;
    let mut converter = Converter {
        source: text,
        out: Vec::new(),
        variables: BTreeSet::new(),
        locals: BTreeSet::new(),
        builders: BTreeMap::new(),
    };
    for dup in &doc.duplicates {
        converter.error(
            Code::DuplicateKey,
            dup.at,
            "",
            format!("template has duplicate field: {}", dup.key),
            "keep one of them before converting, or a value would be lost",
        );
    }
    let items = converter.template(&doc.root);
    if converter.out.is_empty() {
        Ok(write_items(&items))
    } else {
        Err(TemplateError::Invalid(
            converter.out.into_iter().map(located).collect(),
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Where {
    /// A variable's default (or a local made of one): `env` allowed, no build values.
    Default,
    /// A builder's setting: `{{ .SourceAMIName }}` kept for the plugin.
    Builder,
    /// A provisioner's or post-processor's setting: `{{ build `X` }}` → `build.X`.
    Step,
}

/// A converted `{{ }}` value.
#[derive(Debug, Clone)]
enum Conv {
    Str(String),
    Int(i64),
    /// An HCL2 expression.
    Hcl(String),
    /// Legacy template text kept as it is (Packer's plugins render it).
    Legacy(String),
}

/// Why an action can't be converted, and what to do.
struct Problem {
    message: String,
    help: String,
}

fn problem(message: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem {
        message: message.into(),
        help: help.into(),
    }
}

struct Converter<'a> {
    source: &'a str,
    out: Vec<Diagnostic>,
    variables: BTreeSet<String>,
    locals: BTreeSet<String>,
    /// Builder name → type, for `only`/`except`/`override`.
    builders: BTreeMap<String, String>,
}

impl Converter<'_> {
    fn error(
        &mut self,
        code: Code,
        at: json::Position,
        field: impl Into<String>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.out
            .push(Diagnostic::error(code, at, field, message).help(help));
    }

    fn template(&mut self, root: &Node) -> Vec<Item> {
        let Some(members) = root.members() else {
            self.error(
                Code::WrongType,
                root.at,
                "",
                format!("a template is a JSON object, not {}", root.kind()),
                "convert a Packer JSON template: { \"builders\": [...] }",
            );
            return Vec::new();
        };
        let mut items = Vec::new();
        // Comments first, as they usually introduce the template.
        for m in members.iter().filter(|m| m.key.starts_with('_')) {
            let text = match m.value.as_str() {
                Some(s) => s.to_string(),
                None => serde_json::to_string(&m.value.to_serde()).unwrap_or_default(),
            };
            items.push(Item::Comment(format!("{}: {text}", m.key)));
        }
        if !items.is_empty() {
            items.push(Item::Blank);
        }
        if let Some(m) = root.get("min_packer_version") {
            match m.value.as_str() {
                Some(version) => {
                    items.push(Item::Block {
                        header: "packer".into(),
                        body: vec![Item::Attr {
                            key: "required_version".into(),
                            value: Expr::Raw(hcl_string(&format!(">= {version}"))),
                        }],
                    });
                    items.push(Item::Blank);
                }
                None => self.error(
                    Code::WrongType,
                    m.value.at,
                    "min_packer_version",
                    "min_packer_version is a string",
                    "write it as \"1.5.0\"",
                ),
            }
        }
        for m in members {
            let known = [
                "description",
                "min_packer_version",
                "variables",
                "sensitive-variables",
                "builders",
                "provisioners",
                "post-processors",
            ];
            if !m.key.starts_with('_') && !known.contains(&m.key.as_str()) {
                self.error(
                    Code::UnknownKey,
                    m.key_at,
                    m.key.clone(),
                    format!("unknown top-level key \"{}\"", m.key),
                    "remove it or fix its name before converting (bakery validate names it)",
                );
            }
        }
        items.extend(self.variables(root));

        let mut sources = Vec::new();
        if let Some(builders) = root.get("builders") {
            let list = builders.value.items().unwrap_or_default();
            for node in list {
                let kind = node
                    .get("type")
                    .and_then(|m| m.value.as_str())
                    .unwrap_or("");
                let name = build_name(node.get("name").and_then(|m| m.value.as_str()), kind);
                self.builders.insert(name.to_string(), kind.to_string());
            }
            if builders.value.items().is_none() {
                self.error(
                    Code::WrongType,
                    builders.value.at,
                    "builders",
                    "builders is a list of builder objects",
                    "write it as \"builders\": [{ \"type\": \"amazon-ebs\", ... }]",
                );
            }
            for (i, node) in list.iter().enumerate() {
                if let Some((label, item)) = self.builder(node, i) {
                    sources.push(label);
                    items.push(item);
                    items.push(Item::Blank);
                }
            }
        }

        let mut build = Vec::new();
        if let Some(m) = root.get("description") {
            match m.value.as_str() {
                Some(d) => build.push(Item::Attr {
                    key: "description".into(),
                    value: Expr::Raw(hcl_string(d)),
                }),
                None => self.error(
                    Code::WrongType,
                    m.value.at,
                    "description",
                    "description is a string",
                    "write the description as one string",
                ),
            }
        }
        build.push(Item::Attr {
            key: "sources".into(),
            value: Expr::List(
                sources
                    .iter()
                    .map(|s| Expr::Raw(hcl_string(&format!("source.{s}"))))
                    .collect(),
            ),
        });
        if let Some(m) = root.get("provisioners") {
            for (i, node) in m.value.items().unwrap_or_default().iter().enumerate() {
                build.push(Item::Blank);
                let path = format!("provisioners[{i}]");
                if let Some(item) = self.step(node, "provisioner", &path) {
                    build.push(item);
                }
            }
        }
        if let Some(m) = root.get("post-processors") {
            for (i, node) in m.value.items().unwrap_or_default().iter().enumerate() {
                build.push(Item::Blank);
                let path = format!("post-processors[{i}]");
                match &node.value {
                    Value::Array(chain) => {
                        let mut body = Vec::new();
                        for (j, step) in chain.iter().enumerate() {
                            if let Some(item) =
                                self.step(step, "post-processor", &format!("{path}[{j}]"))
                            {
                                body.push(item);
                            }
                        }
                        build.push(Item::Block {
                            header: "post-processors".into(),
                            body,
                        });
                    }
                    _ => {
                        if let Some(item) = self.step(node, "post-processor", &path) {
                            build.push(item);
                        }
                    }
                }
            }
        }
        items.push(Item::Block {
            header: "build".into(),
            body: build,
        });
        items
    }

    /// `variable` blocks, and the `locals` for variables whose default uses other variables
    /// (an HCL2 default can't).
    fn variables(&mut self, root: &Node) -> Vec<Item> {
        let Some(variables) = root.get("variables") else {
            return Vec::new();
        };
        let Some(members) = variables.value.members() else {
            self.error(
                Code::WrongType,
                variables.value.at,
                "variables",
                "variables is an object of name: default",
                "write it as \"variables\": { \"region\": \"us-east-1\" }",
            );
            return Vec::new();
        };
        let mut sensitive = BTreeSet::new();
        if let Some(m) = root.get("sensitive-variables") {
            for item in m.value.items().unwrap_or_default() {
                if let Some(name) = item.as_str() {
                    sensitive.insert(name.to_string());
                }
            }
        }
        for m in members {
            let uses_user = m.value.as_str().is_some_and(uses_variables);
            if uses_user {
                self.locals.insert(m.key.clone());
            } else {
                self.variables.insert(m.key.clone());
            }
        }
        let mut items = Vec::new();
        let mut locals = Vec::new();
        for m in members {
            let field = format!("variables.{}", m.key);
            if !is_identifier(&m.key) {
                self.error(
                    Code::InvalidValue,
                    m.key_at,
                    field.clone(),
                    format!("\"{}\" can't be an HCL2 variable name", m.key),
                    "rename it (letters, digits, _ and -, not starting with a digit) where it is declared and used",
                );
                continue;
            }
            let is_sensitive = sensitive.contains(&m.key);
            if self.locals.contains(&m.key) {
                let Some(value) = self.value(&m.value, Where::Default, &field) else {
                    continue;
                };
                if is_sensitive {
                    items.push(Item::Comment(format!(
                        "\"{}\" uses other variables in its default: a local in HCL2",
                        m.key
                    )));
                    items.push(Item::Block {
                        header: format!("local {}", hcl_string(&m.key)),
                        body: vec![
                            Item::Attr {
                                key: "expression".into(),
                                value,
                            },
                            Item::Attr {
                                key: "sensitive".into(),
                                value: Expr::Raw("true".into()),
                            },
                        ],
                    });
                    items.push(Item::Blank);
                } else {
                    locals.push(Item::Attr {
                        key: m.key.clone(),
                        value,
                    });
                }
                continue;
            }
            let mut body = Vec::new();
            match &m.value.value {
                Value::Null => body.push(Item::Attr {
                    key: "type".into(),
                    value: Expr::Raw("string".into()),
                }),
                Value::String(_) => {
                    body.push(Item::Attr {
                        key: "type".into(),
                        value: Expr::Raw("string".into()),
                    });
                    if let Some(value) = self.value(&m.value, Where::Default, &field) {
                        body.push(Item::Attr {
                            key: "default".into(),
                            value,
                        });
                    }
                }
                Value::Bool(_) | Value::Number(_) => body.push(Item::Attr {
                    key: "default".into(),
                    value: Expr::Raw(
                        serde_json::to_string(&m.value.to_serde()).unwrap_or_default(),
                    ),
                }),
                Value::Array(_) | Value::Object(_) => {
                    self.error(
                        Code::WrongType,
                        m.value.at,
                        field,
                        format!("a variable's default is a string, not {}", m.value.kind()),
                        "Packer JSON variables are strings: write the default as one",
                    );
                    continue;
                }
            }
            if is_sensitive {
                body.push(Item::Attr {
                    key: "sensitive".into(),
                    value: Expr::Raw("true".into()),
                });
            }
            items.push(Item::Block {
                header: format!("variable {}", hcl_string(&m.key)),
                body,
            });
            items.push(Item::Blank);
        }
        for name in &sensitive {
            if !members.iter().any(|m| &m.key == name) {
                // Packer accepts it and it hides nothing: said, not converted.
                items.push(Item::Comment(format!(
                    "sensitive-variables names {name}, which is not declared: left out"
                )));
                items.push(Item::Blank);
            }
        }
        if !locals.is_empty() {
            items.push(Item::Comment(
                "Variables whose default uses other variables: locals in HCL2 (an HCL2 default can't use variables)."
                    .into(),
            ));
            items.push(Item::Block {
                header: "locals".into(),
                body: locals,
            });
            items.push(Item::Blank);
        }
        items
    }

    /// A builder as a `source` block; its label is `TYPE.NAME`.
    fn builder(&mut self, node: &Node, i: usize) -> Option<(String, Item)> {
        let path = format!("builders[{i}]");
        let Some(members) = node.members() else {
            self.error(
                Code::WrongType,
                node.at,
                path,
                format!("a builder is an object, not {}", node.kind()),
                "write it as { \"type\": \"amazon-ebs\", ... }",
            );
            return None;
        };
        let Some(kind) = node.get("type").and_then(|m| m.value.as_str()) else {
            self.error(
                Code::Missing,
                node.at,
                format!("{path}.type"),
                "a builder needs a \"type\"",
                "add \"type\": \"amazon-ebs\"",
            );
            return None;
        };
        let name_member = node.get("name");
        let name = build_name(name_member.and_then(|m| m.value.as_str()), kind).to_string();
        if name.contains("{{") || name.contains('"') || name.contains('.') {
            let at = name_member.map_or(node.at, |m| m.value.at);
            self.error(
                Code::InvalidValue,
                at,
                format!("{path}.name"),
                format!("the builder name \"{name}\" can't be an HCL2 source name"),
                "give the builder a plain name (letters, digits, - and _)",
            );
            return None;
        }
        let body = self.body(members, Where::Builder, &path, &["type", "name"]);
        Some((
            hcl_build_name(kind, &name),
            Item::Block {
                header: format!("source {} {}", hcl_string(kind), hcl_string(&name)),
                body,
            },
        ))
    }

    /// A provisioner or post-processor (`block` names which) as a block.
    fn step(&mut self, node: &Node, block: &str, path: &str) -> Option<Item> {
        if let Some(kind) = node.as_str() {
            // A post-processor written as its type alone.
            return Some(Item::Block {
                header: format!("{block} {}", hcl_string(kind)),
                body: Vec::new(),
            });
        }
        let Some(members) = node.members() else {
            self.error(
                Code::WrongType,
                node.at,
                path,
                format!("a {block} is an object, not {}", node.kind()),
                "write it as { \"type\": \"shell\", ... }",
            );
            return None;
        };
        let Some(kind) = node.get("type").and_then(|m| m.value.as_str()) else {
            self.error(
                Code::Missing,
                node.at,
                format!("{path}.type"),
                format!("a {block} needs a \"type\""),
                "add its \"type\", e.g. \"shell\"",
            );
            return None;
        };
        let mut body = Vec::new();
        let rest: Vec<Member> = members
            .iter()
            .filter(|m| !["type", "only", "except", "override"].contains(&m.key.as_str()))
            .cloned()
            .collect();
        body.extend(self.body(&rest, Where::Step, path, &[]));
        for key in ["only", "except"] {
            let Some(m) = node.get(key) else { continue };
            let names: Vec<&Node> = match &m.value.value {
                Value::Array(items) => items.iter().collect(),
                Value::String(_) => vec![&m.value],
                _ => Vec::new(),
            };
            let mut list = Vec::new();
            for name in names {
                match name.as_str() {
                    Some(n) => list.push(Expr::Raw(hcl_string(&self.qualified(n)))),
                    None => self.error(
                        Code::WrongType,
                        name.at,
                        format!("{path}.{key}"),
                        format!("{key} lists builder names"),
                        "write each builder's name as a string",
                    ),
                }
            }
            body.push(Item::Attr {
                key: key.into(),
                value: Expr::List(list),
            });
        }
        if let Some(m) = node.get("override") {
            match m.value.members() {
                Some(overrides) => {
                    let mut entries = Vec::new();
                    for o in overrides {
                        let field = format!("{path}.override.{}", o.key);
                        if let Some(settings) = self.value(&o.value, Where::Step, &field) {
                            entries.push((self.qualified(&o.key), settings));
                        }
                    }
                    body.push(Item::Attr {
                        key: "override".into(),
                        value: Expr::Map(entries),
                    });
                }
                None => self.error(
                    Code::WrongType,
                    m.value.at,
                    format!("{path}.override"),
                    "override is an object of builder name: settings",
                    "write it as \"override\": { \"NAME\": { ... } }",
                ),
            }
        }
        Some(Item::Block {
            header: format!("{block} {}", hcl_string(kind)),
            body,
        })
    }

    /// A builder's name as HCL2 names it: `TYPE.NAME`.
    fn qualified(&self, name: &str) -> String {
        match self.builders.get(name) {
            Some(kind) => hcl_build_name(kind, name),
            None if name.contains('.') => name.to_string(),
            None => hcl_build_name("amazon-ebs", name),
        }
    }

    /// An object's members as attributes and blocks.
    fn body(&mut self, members: &[Member], at: Where, path: &str, skip: &[&str]) -> Vec<Item> {
        let mut attrs = Vec::new();
        let mut blocks = Vec::new();
        for m in members {
            if skip.contains(&m.key.as_str()) {
                continue;
            }
            let field = format!("{path}.{}", m.key);
            if !is_identifier(&m.key) {
                self.error(
                    Code::InvalidValue,
                    m.key_at,
                    field,
                    format!("\"{}\" can't be an HCL2 attribute name", m.key),
                    "fix the option's name (bakery validate says which it should be)",
                );
                continue;
            }
            let objects: Option<Vec<&[Member]>> = match &m.value.value {
                Value::Object(inner) => Some(vec![inner]),
                Value::Array(items) if !items.is_empty() => items
                    .iter()
                    .map(|n| n.members())
                    .collect::<Option<Vec<_>>>(),
                _ => None,
            };
            match objects {
                Some(objects) if BLOCKS.contains(&m.key.as_str()) => {
                    for (i, inner) in objects.into_iter().enumerate() {
                        let inner_path = if matches!(m.value.value, Value::Array(_)) {
                            format!("{field}[{i}]")
                        } else {
                            field.clone()
                        };
                        blocks.push(Item::Blank);
                        blocks.push(Item::Block {
                            header: m.key.clone(),
                            body: self.body(inner, at, &inner_path, &[]),
                        });
                    }
                }
                _ => {
                    if let Some(value) = self.value(&m.value, at, &field) {
                        attrs.push(Item::Attr {
                            key: m.key.clone(),
                            value,
                        });
                    }
                }
            }
        }
        attrs.extend(blocks);
        attrs
    }

    /// A JSON value as an HCL2 expression.
    fn value(&mut self, node: &Node, at: Where, field: &str) -> Option<Expr> {
        Some(match &node.value {
            Value::Null => Expr::Raw("null".into()),
            Value::Bool(b) => Expr::Raw(b.to_string()),
            Value::Number(n) => Expr::Raw(n.to_string()),
            Value::String(s) => self.string(node, s, at, field)?,
            Value::Array(items) => Expr::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.value(item, at, &format!("{field}[{i}]")))
                    .collect::<Option<Vec<_>>>()?,
            ),
            Value::Object(members) => Expr::Map(
                members
                    .iter()
                    .map(|m| {
                        self.value(&m.value, at, &format!("{field}.{}", m.key))
                            .map(|v| (m.key.clone(), v))
                    })
                    .collect::<Option<Vec<_>>>()?,
            ),
        })
    }

    /// A string with `{{ }}` actions as an HCL2 expression (a bare `var.x` when the whole
    /// string is one variable).
    fn string(&mut self, node: &Node, text: &str, at: Where, field: &str) -> Option<Expr> {
        let parts = match pieces(text) {
            Ok(parts) => parts,
            Err(err) => {
                let pos = node.position_in_string(self.source, err.at.unwrap_or(0));
                self.error(
                    Code::Render,
                    pos,
                    field,
                    err.message,
                    err.help
                        .unwrap_or_else(|| "fix the {{ }} action (bakery validate)".into()),
                );
                return None;
            }
        };
        let mut template = String::new();
        let mut expressions = Vec::new();
        let mut literal = true;
        for part in parts {
            match part {
                Piece::Text(t) => template.push_str(&template_text(&t)),
                Piece::BuildTime { build, text, .. } => match (at, build) {
                    (Where::Step, Some(x)) if is_identifier(&x) => {
                        template.push_str(&format!("${{build.{x}}}"));
                        expressions.push(format!("build.{x}"));
                        literal = false;
                    }
                    _ => template.push_str(&template_text(&text)),
                },
                Piece::Action {
                    at: index,
                    text,
                    pipeline,
                } => match self.pipeline(&pipeline, at) {
                    Ok(Conv::Legacy(t)) => template.push_str(&template_text(&t)),
                    Ok(Conv::Str(s)) => template.push_str(&template_text(&s)),
                    Ok(Conv::Int(n)) => template.push_str(&n.to_string()),
                    Ok(Conv::Hcl(expr)) => {
                        template.push_str(&format!("${{{expr}}}"));
                        expressions.push(expr);
                        literal = false;
                    }
                    Err(p) => {
                        let pos = node.position_in_string(self.source, index);
                        self.error(
                            Code::NotSupported,
                            pos,
                            field,
                            format!("{text} can't be written in HCL2: {}", p.message),
                            p.help,
                        );
                        return None;
                    }
                },
            }
        }
        if !literal && expressions.len() == 1 && template == format!("${{{}}}", expressions[0]) {
            return Some(Expr::Raw(expressions.remove(0)));
        }
        Some(Expr::Raw(format!("\"{template}\"")))
    }

    fn pipeline(&self, pipeline: &Pipeline, at: Where) -> Result<Conv, Problem> {
        let mut piped: Option<Conv> = None;
        for command in pipeline {
            let mut args = Vec::new();
            for operand in &command[1..] {
                args.push(self.operand(operand, at)?);
            }
            if let Some(value) = piped.take() {
                args.push(value);
            }
            piped = Some(match &command[0] {
                Operand::Function(name) => self.call(name, args, at)?,
                other if args.is_empty() => self.operand(other, at)?,
                _ => {
                    return Err(problem(
                        "only a function can take arguments",
                        "fix the action",
                    ));
                }
            });
        }
        Ok(piped.unwrap_or(Conv::Str(String::new())))
    }

    fn operand(&self, operand: &Operand, at: Where) -> Result<Conv, Problem> {
        match operand {
            Operand::Str(s) => Ok(Conv::Str(s.clone())),
            Operand::Int(n) => Ok(Conv::Int(*n)),
            Operand::Nested(p) => self.pipeline(p, at),
            Operand::Function(name) => self.call(name, Vec::new(), at),
        }
    }

    fn call(&self, name: &str, args: Vec<Conv>, at: Where) -> Result<Conv, Problem> {
        let expr = |c: &Conv| -> Result<String, Problem> {
            match c {
                Conv::Str(s) => Ok(hcl_string(s)),
                Conv::Int(n) => Ok(n.to_string()),
                Conv::Hcl(e) => Ok(e.clone()),
                Conv::Legacy(t) => Err(problem(
                    format!("{t} has no HCL2 equivalent to pass to {name}"),
                    "compute the value in a variable and pass it with --var",
                )),
            }
        };
        let usage = |u: &str| problem(format!("{name} is written {u}"), format!("write it as {u}"));
        let timestamp = |c: &Conv| matches!(c, Conv::Legacy(t) if t == "{{timestamp}}");
        Ok(match (name, args.as_slice()) {
            ("user", [Conv::Str(var)]) => {
                if self.locals.contains(var) {
                    Conv::Hcl(format!("local.{var}"))
                } else if self.variables.contains(var) {
                    Conv::Hcl(format!("var.{var}"))
                } else {
                    return Err(problem(
                        format!("the variable {var} is not declared"),
                        format!("declare it in \"variables\": {{\"{var}\": \"...\"}}"),
                    ));
                }
            }
            ("user", _) => return Err(usage("{{user `name`}}")),
            ("env", [Conv::Str(var)]) if at == Where::Default => {
                Conv::Hcl(format!("env({})", hcl_string(var)))
            }
            ("env", _) => {
                return Err(problem(
                    "env vars are only read in a variable's default",
                    "read the environment in a variable's default and use {{user `name`}} here",
                ));
            }
            ("timestamp", []) => Conv::Legacy("{{timestamp}}".into()),
            ("isotime", []) => Conv::Hcl("timestamp()".into()),
            ("isotime", [layout]) => Conv::Hcl(format!("legacy_isotime({})", expr(layout)?)),
            ("uuid", []) => Conv::Hcl("uuidv4()".into()),
            ("clean_resource_name" | "clean_ami_name" | "lower" | "upper", [value])
                if timestamp(value) =>
            {
                // Unix seconds are digits: nothing to clean or change.
                value.clone()
            }
            ("clean_resource_name" | "clean_ami_name", [value]) => Conv::Hcl(format!(
                "regex_replace({}, {}, \"-\")",
                expr(value)?,
                hcl_string(CLEAN_PATTERN)
            )),
            ("lower" | "upper", [value]) => Conv::Hcl(format!("{name}({})", expr(value)?)),
            ("split", [value, sep, Conv::Int(n)]) if *n >= 0 => {
                Conv::Hcl(format!("split({}, {})[{n}]", expr(sep)?, expr(value)?))
            }
            ("split", _) => return Err(usage("{{split `a,b` `,` 0}}")),
            ("replace", [old, new, Conv::Int(n), value]) if *n < 0 => {
                replace_call(old, new, value, &expr)?
            }
            ("replace", [_, _, Conv::Int(n), _]) => {
                return Err(problem(
                    format!("HCL2's replace() changes every occurrence, not the first {n}"),
                    "use replace_all if every occurrence may change, or compute the value in a variable",
                ));
            }
            ("replace_all", [old, new, value]) => replace_call(old, new, value, &expr)?,
            ("template_dir", []) => Conv::Hcl("path.root".into()),
            ("pwd", []) => Conv::Hcl("path.cwd".into()),
            ("build_name" | "build_type", []) if at == Where::Default => {
                return Err(problem(
                    format!("{name} is only known inside a builder or provisioner"),
                    "use it in the builder's or step's setting instead of a variable",
                ));
            }
            ("build_name", []) => Conv::Hcl("source.name".into()),
            ("build_type", []) => Conv::Hcl("source.type".into()),
            ("vault", [path, key]) => Conv::Hcl(format!("vault({}, {})", expr(path)?, expr(key)?)),
            ("consul_key", [key]) => Conv::Hcl(format!("consul_key({})", expr(key)?)),
            ("aws_secretsmanager", [id]) => {
                Conv::Hcl(format!("aws_secretsmanager({}, null)", expr(id)?))
            }
            ("aws_secretsmanager", [id, key]) => {
                Conv::Hcl(format!("aws_secretsmanager({}, {})", expr(id)?, expr(key)?))
            }
            ("strftime", [format]) => Conv::Hcl(format!("legacy_strftime({})", expr(format)?)),
            ("packer_version", []) => Conv::Hcl("packer.version".into()),
            (other, _) => {
                return Err(problem(
                    format!("{other} with these arguments has no HCL2 equivalent"),
                    "compute the value in a variable and pass it with --var",
                ));
            }
        })
    }
}

fn replace_call(
    old: &Conv,
    new: &Conv,
    value: &Conv,
    expr: &dyn Fn(&Conv) -> Result<String, Problem>,
) -> Result<Conv, Problem> {
    if let Conv::Str(old) = old
        && old.len() > 1
        && old.starts_with('/')
        && old.ends_with('/')
    {
        return Err(problem(
            format!("HCL2's replace() reads \"{old}\" as a regular expression"),
            "use regex_replace() in the HCL2 template, or a different text to replace",
        ));
    }
    Ok(Conv::Hcl(format!(
        "replace({}, {}, {})",
        expr(value)?,
        expr(old)?,
        expr(new)?
    )))
}

/// Whether a variable's default reads other variables (`{{user}}`).
fn uses_variables(text: &str) -> bool {
    fn pipeline_uses(p: &Pipeline) -> bool {
        p.iter().flatten().any(|op| match op {
            Operand::Function(name) => name == "user",
            Operand::Nested(inner) => pipeline_uses(inner),
            _ => false,
        })
    }
    pieces(text).is_ok_and(|parts| {
        parts.iter().any(|p| match p {
            Piece::Action { pipeline, .. } => pipeline_uses(pipeline),
            _ => false,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(text: &str) -> String {
        match json_to_hcl("t.json", text) {
            Ok(hcl) => hcl,
            Err(TemplateError::Invalid(ds)) => panic!("{ds:#?}"),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn variables_functions_and_steps() {
        let hcl = convert(
            r#"{
  "_comment": "Golden web image",
  "min_packer_version": "1.5.0",
  "variables": {
    "region": "eu-west-1",
    "version": null,
    "token": "{{env `TOKEN`}}",
    "name": "web-{{user `version`}}"
  },
  "sensitive-variables": ["token"],
  "builders": [{
    "type": "amazon-ebs", "name": "web",
    "region": "{{user `region`}}",
    "ami_name": "{{user `name`}}-{{timestamp}} {{isotime \"2006-01-02\"}} {{uuid}}",
    "source_ami_filter": {"filters": {"name": "al2023-*", "virtualization-type": "hvm"}, "owners": ["amazon"], "most_recent": true},
    "tags": {"Base": "{{ .SourceAMIName }}", "Built": "{{build_name}}", "Upper": "{{user `region` | upper}}"},
    "launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": 20}]
  }],
  "provisioners": [{"type": "shell", "inline": ["echo {{ build `ID` }} ${HOME} {{template_dir}}"], "only": ["web"],
    "override": {"web": {"inline": ["echo {{split (user `version`) \".\" 0}}"]}}}],
  "post-processors": ["manifest", [{"type": "manifest", "output": "{{user `region`}}.json"}]]
}"#,
        );
        assert_eq!(
            hcl,
            r#"# _comment: Golden web image

packer {
  required_version = ">= 1.5.0"
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "version" {
  type = string
}

variable "token" {
  type      = string
  default   = env("TOKEN")
  sensitive = true
}

# Variables whose default uses other variables: locals in HCL2 (an HCL2 default can't use variables).
locals {
  name = "web-${var.version}"
}

source "amazon-ebs" "web" {
  region   = var.region
  ami_name = "${local.name}-{{timestamp}} ${legacy_isotime("2006-01-02")} ${uuidv4()}"
  tags = {
    Base  = "{{ .SourceAMIName }}"
    Built = source.name
    Upper = upper(var.region)
  }

  source_ami_filter {
    filters = {
      name                  = "al2023-*"
      "virtualization-type" = "hvm"
    }
    owners      = ["amazon"]
    most_recent = true
  }

  launch_block_device_mappings {
    device_name = "/dev/xvda"
    volume_size = 20
  }
}

build {
  sources = ["source.amazon-ebs.web"]

  provisioner "shell" {
    inline = ["echo ${build.ID} $${HOME} ${path.root}"]
    only   = ["amazon-ebs.web"]
    override = {
      "amazon-ebs.web" = {
        inline = ["echo ${split(".", var.version)[0]}"]
      }
    }
  }

  post-processor "manifest" {}

  post-processors {
    post-processor "manifest" {
      output = "${var.region}.json"
    }
  }
}
"#
        );
    }

    #[test]
    fn what_cannot_be_converted_is_located() {
        let text = "{\n  \"builders\": [{\"type\": \"amazon-ebs\",\n    \"ami_name\": \"x {{user `nope`}} {{env `HOME`}}\"}]\n}";
        let Err(TemplateError::Invalid(ds)) = json_to_hcl("t.json", text) else {
            panic!("an error")
        };
        assert_eq!(ds.len(), 1, "{ds:#?}");
        assert_eq!((ds[0].line, ds[0].column), (3, 20));
        assert_eq!(ds[0].file, "t.json");
        assert_eq!(ds[0].field, "builders[0].ami_name");
        assert!(ds[0].message.contains("the variable nope is not declared"));
        assert!(ds[0].help.as_deref().unwrap().contains("declare it"));

        let text = "{\"builders\": [{\"type\": \"amazon-ebs\", \"ami_name\": \"{{replace `a` `b` 1 `aa`}}\"}]}";
        let Err(TemplateError::Invalid(ds)) = json_to_hcl("t.json", text) else {
            panic!("an error")
        };
        assert!(ds[0].message.contains("not the first 1"), "{ds:#?}");
    }
}
