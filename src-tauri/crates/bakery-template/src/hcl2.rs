//! Packer HCL2 templates (`.pkr.hcl`): read with positions (hcl-edit), evaluated (hcl-rs), and
//! turned into the JSON template's tree so the same checker and model serve both dialects.
//!
//! Covered: `variable` (default, sensitive, validation, type ignored), `locals`/`local` (with
//! `sensitive`), values from `PKR_VAR_name`, var files (`.pkrvars.hcl` or JSON) and `--var`
//! (later wins, like Packer), `source "amazon-ebs" "name"`, `build` with `sources` and `source`
//! blocks, `provisioner`, `post-processor`, `post-processors`, `packer {}` (accepted, nothing to
//! install), `dynamic` blocks (`for_each` over a list or map, `iterator`, `content`), `for`
//! expressions, the functions in [`FUNCTIONS`] (timestamp, formatdate, legacy_isotime, uuidv4,
//! lower, upper, replace, regex, regex_replace, split, join, concat, merge, lookup, coalesce,
//! length, contains, env, can, try, and file, fileexists, templatefile: local files read through
//! [`CheckOptions::read_local_file`] / `local_file_exists`, relative to `path.root` like
//! Packer), and `var.`, `local.`, `path.root`, `path.cwd`,
//! `source.name`/`type`, `build.X` in steps (kept as the build-time `{{ build `X` }}`).
//! `data "amazon-ami"` is read as the `source_ami_filter` of the sources whose `source_ami` is
//! its `.id`; its `.id`/`.name` elsewhere are the build-time `{{ .SourceAMI }}` /
//! `{{ .SourceAMIName }}`. A builder's name is `TYPE.NAME` (what `only`/`except` use in HCL2).
//! An error inside an expression is reported at the innermost part that fails (the
//! interpolation inside a string, the condition, collection or body of a `%{ if }` / `%{ for }`
//! directive, the argument of a function), and the checker's fields are
//! named in HCL2 terms (`source.amazon-ebs.web.ami_name`, `build.provisioner[0].inline`).
//! Real features this version does not read yet (other data sources, the functions in
//! [`OTHER_FUNCTIONS`] such as `fileset()`) are "not supported yet" errors at their line.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::UNIX_EPOCH;

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};

use crate::check::{CheckOptions, Checked, check_tree};
use crate::diagnostic::{Code, Diagnostic};
use crate::json::{Member, Node, Position, Value};
use crate::render::RenderContext;
use crate::suggest::did_you_mean;
use crate::{Secret, VarFile, model};

/// Checks a Packer HCL2 template.
pub fn check_hcl(
    file: &str,
    text: &str,
    options: &CheckOptions,
    ctx: &mut RenderContext,
) -> Checked {
    let mut reader = Reader {
        description: None,
        min_packer_version: None,
        source: text,
        lines: line_starts(text),
        out: Vec::new(),
        amis: BTreeMap::new(),
        paths: (ctx.template_dir.clone(), ctx.working_dir.clone()),
        fields: Vec::new(),
        builder_names: Vec::new(),
        build_label: String::new(),
        failed: Vec::new(),
    };
    let body = match hcl_edit::parser::parse_body(text) {
        Ok(body) => body,
        Err(err) => {
            let at = Position {
                offset: text.len(),
                line: err.location().line() as u32,
                column: err.location().column() as u32,
            };
            let mut d = Diagnostic::error(
                Code::Syntax,
                at,
                "",
                format!("invalid HCL: {}", err.message()),
            );
            d.file = file.to_string();
            return Checked {
                template: None,
                diagnostics: vec![d],
            };
        }
    };
    // Functions that need the context read it from here while evaluating.
    let ids = std::mem::replace(&mut ctx.ids, Box::new(String::new));
    EVAL.with(|e| {
        *e.borrow_mut() = Some(EvalWorld {
            now: ctx.now,
            ids,
            env: ctx.env.clone(),
            paths: (ctx.template_dir.clone(), ctx.working_dir.clone()),
            read_file: options.read_local_file,
            file_exists: options.local_file_exists,
        })
    });
    let (root, variables, sensitive) = reader.read(&body, options, ctx);
    if let Some(world) = EVAL.with(|e| e.borrow_mut().take()) {
        ctx.ids = world.ids;
    }

    let tree_options = CheckOptions {
        inputs: Default::default(),
        ..options.clone()
    };
    let mut checked = check_tree(file, text, &root, &tree_options, ctx);
    for d in &mut checked.diagnostics {
        d.field = hcl_field(&d.field, &reader.fields, &reader.builder_names);
    }
    checked
        .diagnostics
        .retain(|d| !(d.code == Code::Missing && reader.failed.contains(&d.field)));
    if let Some(template) = &mut checked.template {
        template.description = reader.description.take();
        template.min_packer_version = reader.min_packer_version.take();
        template.variables = variables;
        template.sensitive_values = sensitive;
    }
    for mut d in reader.out {
        if d.file.is_empty() {
            d.file = file.to_string();
        }
        checked.diagnostics.push(d);
    }
    checked
        .diagnostics
        .sort_by_key(|d| (d.file != file, d.line == 0, d.line, d.column));
    checked
}

/// Checks the `.pkr.hcl` files of one template (a folder, as Packer reads it): `files` are
/// (name, text) in the order to read them. They are one HCL body; every problem is reported
/// in the file and at the line it is in.
pub fn check_hcl_files(
    files: &[(String, String)],
    options: &CheckOptions,
    ctx: &mut RenderContext,
) -> Checked {
    const JOINED: &str = "\u{0}joined .pkr.hcl files";
    let mut text = String::new();
    let mut starts = Vec::new(); // (first line in the joined text, file name)
    for (name, content) in files {
        starts.push((text.lines().count() as u32 + 1, name.clone()));
        text.push_str(content);
        if !content.ends_with('\n') {
            text.push('\n');
        }
    }
    let mut checked = check_hcl(JOINED, &text, options, ctx);
    for d in &mut checked.diagnostics {
        if d.file != JOINED {
            continue;
        }
        let (first, name) = starts
            .iter()
            .rev()
            .find(|(first, _)| *first <= d.line.max(1))
            .cloned()
            .unwrap_or((1, String::new()));
        d.file = name;
        d.line = d.line.saturating_sub(first - 1);
    }
    checked
}

struct EvalWorld {
    now: std::time::SystemTime,
    ids: Box<dyn FnMut() -> String + Send>,
    env: BTreeMap<String, String>,
    /// `path.root` (what `file()` paths are relative to) and `path.cwd`.
    paths: (String, String),
    /// [`CheckOptions::read_local_file`].
    read_file: Option<fn(&str) -> std::io::Result<String>>,
    /// [`CheckOptions::local_file_exists`].
    file_exists: Option<fn(&str) -> bool>,
}

/// The HCL2 functions this version evaluates.
const FUNCTIONS: &[&str] = &[
    "timestamp",
    "uuidv4",
    "formatdate",
    "lower",
    "upper",
    "replace",
    "split",
    "join",
    "concat",
    "merge",
    "lookup",
    "coalesce",
    "length",
    "contains",
    "env",
    "legacy_isotime",
    "regex",
    "regex_replace",
    "can",
    "try",
    "file",
    "fileexists",
    "templatefile",
];

/// Real Packer HCL2 functions this version does not evaluate yet.
const OTHER_FUNCTIONS: &[&str] = &[
    "abspath",
    "base64decode",
    "base64encode",
    "basename",
    "bcrypt",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "coalescelist",
    "compact",
    "consul_key",
    "convert",
    "csvdecode",
    "dirname",
    "distinct",
    "element",
    "fileset",
    "flatten",
    "format",
    "formatlist",
    "index",
    "indent",
    "jsondecode",
    "jsonencode",
    "keys",
    "legacy_strftime",
    "max",
    "md5",
    "min",
    "pathexpand",
    "regexall",
    "reverse",
    "setintersection",
    "setproduct",
    "setunion",
    "sha1",
    "sha256",
    "sha512",
    "slice",
    "sort",
    "strrev",
    "substr",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "urlencode",
    "uuidv5",
    "values",
    "vault",
    "aws_secretsmanager",
    "yamldecode",
    "yamlencode",
    "zipmap",
];

thread_local! {
    static EVAL: RefCell<Option<EvalWorld>> = const { RefCell::new(None) };
}

struct Reader<'a> {
    /// The first build's `description`.
    description: Option<String>,
    /// `packer { required_version = ">= X" }`'s X.
    min_packer_version: Option<String>,
    source: &'a str,
    lines: Vec<usize>,
    out: Vec<Diagnostic>,
    /// `data "amazon-ami" "NAME"` blocks, as the source AMI filter they stand for.
    amis: BTreeMap<String, Node>,
    /// `path.root` and `path.cwd`.
    paths: (String, String),
    /// The JSON tree's paths (`builders[0]`) and what they are in HCL2
    /// (`source.amazon-ebs.web`), for the checker's diagnostics.
    fields: Vec<(String, String)>,
    /// The builders' names (`TYPE.NAME`), which `override` keys are.
    builder_names: Vec<String>,
    /// `build`, or `build[i]` when there are several.
    build_label: String,
    /// Fields whose value could not be evaluated (already reported): not "missing" too.
    failed: Vec<String>,
}

/// A declared variable: where, its default, and whether it is sensitive.
struct Declared {
    at: Position,
    default: Option<hcl::Value>,
    sensitive: bool,
    value: Option<hcl::Value>,
}

const TOP_BLOCKS: &[&str] = &[
    "packer",
    "variable",
    "variables",
    "locals",
    "local",
    "source",
    "build",
    "data",
];

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn label(block: &Block, i: usize) -> Option<&str> {
    block.labels.get(i).map(|l| match l {
        BlockLabel::Ident(ident) => ident.as_str(),
        BlockLabel::String(s) => s.as_str(),
    })
}

impl Reader<'_> {
    /// The position of a byte offset, as a value no JSON string walk applies to.
    fn position(&self, offset: usize) -> Position {
        let line = self.lines.partition_point(|&start| start <= offset).max(1);
        let start = self.lines[line - 1];
        let column = self
            .source
            .get(start..offset)
            .map_or(0, |s| s.chars().count()) as u32
            + 1;
        Position {
            offset: self.source.len(),
            line: line as u32,
            column,
        }
    }

    fn at(&self, span: Option<std::ops::Range<usize>>) -> Position {
        self.position(span.map_or(0, |s| s.start))
    }

    fn error(
        &mut self,
        code: Code,
        at: Position,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.out.push(Diagnostic::error(code, at, field, message));
        self.out.last_mut().expect("just pushed")
    }

    fn read(
        &mut self,
        body: &Body,
        options: &CheckOptions,
        ctx: &RenderContext,
    ) -> (Node, Vec<model::Variable>, Vec<Secret<String>>) {
        let mut declared: BTreeMap<String, Declared> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut locals: Vec<(String, Position, Expression)> = Vec::new();
        let mut sources: BTreeMap<String, &Block> = BTreeMap::new();
        let mut builds: Vec<&Block> = Vec::new();
        let mut amis: Vec<(&str, &Block)> = Vec::new();
        let mut validations: Vec<(String, Position, Expression, String)> = Vec::new();
        let mut sensitive_locals: Vec<String> = Vec::new();

        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let at = self.at(attr.key.span());
                    self.error(
                        Code::UnknownKey,
                        at,
                        attr.key.as_str(),
                        format!(
                            "unexpected attribute \"{}\" at the top level",
                            attr.key.as_str()
                        ),
                    )
                    .set_help("settings go inside a source or build block");
                }
                Structure::Block(block) => {
                    let at = self.at(block.ident.span());
                    match block.ident.as_str() {
                        "packer" => {
                            // required_plugins: nothing to install; required_version: noted.
                            if let Some(attr) = block.body.get_attribute("required_version")
                                && let Some(hcl::Value::String(v)) =
                                    self.constant(&attr.value, "packer.required_version")
                            {
                                self.min_packer_version =
                                    Some(v.trim_start_matches(">=").trim().to_string());
                            }
                        }
                        "variable" => {
                            let Some(name) = label(block, 0) else {
                                self.error(
                                    Code::Missing,
                                    at,
                                    "variable",
                                    "a variable block needs a name: variable \"name\" {}",
                                );
                                continue;
                            };
                            let default = block.body.get_attribute("default").and_then(|a| {
                                self.constant(&a.value, &format!("variable.{name}.default"))
                            });
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
                                        .unwrap_or_else(|| {
                                            format!("invalid value for variable {name}")
                                        });
                                    validations.push((
                                        name.to_string(),
                                        self.at(condition.value.span()),
                                        condition.value.clone(),
                                        message,
                                    ));
                                    continue;
                                }
                                self.error(Code::NotSupported, inner_at, format!("variable.{name}.{}", inner.ident.as_str()), format!("\"{}\" blocks in variables are not supported yet", inner.ident.as_str()))
                                    .set_help("the variable is read without them; remove the block to bake with AMI Bakery");
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
                                },
                            );
                        }
                        "variables" => {
                            for attr in block.body.attributes() {
                                let name = attr.key.as_str().to_string();
                                let default =
                                    self.constant(&attr.value, &format!("variables.{name}"));
                                order.push(name.clone());
                                let at = self.at(attr.key.span());
                                declared.insert(
                                    name,
                                    Declared {
                                        at,
                                        default,
                                        sensitive: false,
                                        value: None,
                                    },
                                );
                            }
                        }
                        "locals" => {
                            for attr in block.body.attributes() {
                                locals.push((
                                    attr.key.as_str().to_string(),
                                    self.at(attr.value.span()),
                                    attr.value.clone(),
                                ));
                            }
                        }
                        "local" => {
                            if let (Some(name), Some(attr)) =
                                (label(block, 0), block.body.get_attribute("expression"))
                            {
                                if block
                                    .body
                                    .get_attribute("sensitive")
                                    .and_then(|a| self.constant(&a.value, "sensitive"))
                                    == Some(hcl::Value::Bool(true))
                                {
                                    sensitive_locals.push(name.to_string());
                                }
                                locals.push((
                                    name.to_string(),
                                    self.at(attr.value.span()),
                                    attr.value.clone(),
                                ));
                            }
                        }
                        "source" => match (label(block, 0), label(block, 1)) {
                            (Some(kind), Some(name)) => {
                                sources.insert(format!("{kind}.{name}"), block);
                            }
                            _ => {
                                self.error(Code::Missing, at, "source", "a source block needs a type and a name: source \"amazon-ebs\" \"name\" {}");
                            }
                        },
                        "build" => builds.push(block),
                        "data" => {
                            match (label(block, 0), label(block, 1)) {
                                (Some("amazon-ami"), Some(name)) => amis.push((name, block)),
                                (kind, _) => {
                                    let kind = kind.unwrap_or("?");
                                    self.error(
                                    Code::NotSupported,
                                    at,
                                    format!("data.{kind}"),
                                    format!("data sources of type \"{kind}\" are not supported yet"),
                                )
                                .set_help("only data \"amazon-ami\" is read; put the value in a variable");
                                }
                            }
                        }
                        other => {
                            let d = self.error(
                                Code::UnknownKey,
                                at,
                                other,
                                format!("unknown block type \"{other}\""),
                            );
                            if let Some(near) = did_you_mean(other, TOP_BLOCKS.iter().copied()) {
                                d.set_help(format!("did you mean \"{near}\"?"));
                            }
                        }
                    }
                }
            }
        }

        self.apply_inputs(&mut declared, options, ctx);
        let mut variables_object = hcl::Map::new();
        let mut sensitive_values = Vec::new();
        let mut model_variables = Vec::new();
        for name in &order {
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

        let mut context = base_context(ctx);
        context.declare_var("var", hcl::Value::Object(variables_object));
        for (name, at, condition, message) in validations {
            let unset = declared
                .get(&name)
                .is_some_and(|v| v.value.is_none() && v.default.is_none());
            if unset {
                continue; // reported as required
            }
            match eval(&condition, &context) {
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
                        Some(_) => self.error_at(&condition, &context),
                        None => at,
                    };
                    self.eval_error(at, &format!("variables.{name}"), &err)
                }
            }
        }
        // An amazon-ami data source is the source AMI filter of the sources using its id; its
        // id and name are known when the bake resolves it (Packer's build-time values).
        let mut by_name = hcl::Map::new();
        for (name, block) in amis {
            let mut filter = Vec::new();
            for m in self.body_members(
                &block.body,
                &context,
                &format!("data.amazon-ami.{name}"),
                &[],
            ) {
                match m.key.as_str() {
                    "filters" | "owners" | "most_recent" => filter.push(m),
                    "region" => {}
                    other => {
                        self.error(
                            Code::NotSupported,
                            m.key_at,
                            format!("data.amazon-ami.{name}.{other}"),
                            format!(
                                "\"{other}\" in an amazon-ami data source is not supported yet"
                            ),
                        );
                    }
                }
            }
            self.amis.insert(
                name.to_string(),
                node(self.at(block.span()), Value::Object(filter)),
            );
            let mut ami = hcl::Map::new();
            ami.insert("id".to_string(), hcl::Value::from("{{ .SourceAMI }}"));
            ami.insert("name".to_string(), hcl::Value::from("{{ .SourceAMIName }}"));
            by_name.insert(name.to_string(), hcl::Value::Object(ami));
        }
        let mut data = hcl::Map::new();
        data.insert("amazon-ami".to_string(), hcl::Value::Object(by_name));
        context.declare_var("data", hcl::Value::Object(data));
        // Locals may use each other: evaluate until nothing more resolves.
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
                for (name, at, expr, err) in next {
                    let at = match expr.span() {
                        Some(_) => self.error_at(&expr, &with_locals),
                        None => at,
                    };
                    self.eval_error(at, &format!("locals.{name}"), &err);
                }
                break;
            }
            pending = next.into_iter().map(|(n, a, e, _)| (n, a, e)).collect();
        }
        for name in &sensitive_locals {
            if let Some(hcl::Value::String(value)) = local_values.get(name) {
                sensitive_values.push(Secret::new(value.clone()));
            }
        }
        context.declare_var("local", hcl::Value::Object(local_values));

        let mut builders = Vec::new();
        let mut provisioners = Vec::new();
        let mut post_processors = Vec::new();
        // "At least one builder" is reported at the first build block (or the file's start).
        let root_at = builds
            .first()
            .map_or(self.position(0), |b| self.at(b.span()));
        let several = builds.len() > 1;
        for (i, build) in builds.into_iter().enumerate() {
            self.build_label = if several {
                format!("build[{i}]")
            } else {
                "build".to_string()
            };
            self.build(
                build,
                &sources,
                &context,
                &mut builders,
                &mut provisioners,
                &mut post_processors,
            );
        }
        let root = node(
            root_at,
            Value::Object(vec![
                member("builders", root_at, node(root_at, Value::Array(builders))),
                member(
                    "provisioners",
                    Position::default(),
                    node(Position::default(), Value::Array(provisioners)),
                ),
                member(
                    "post-processors",
                    Position::default(),
                    node(Position::default(), Value::Array(post_processors)),
                ),
            ]),
        );
        (root, model_variables, sensitive_values)
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

    /// A value that needs no variables (a default): literals and functions.
    fn constant(&mut self, expr: &Expression, field: &str) -> Option<hcl::Value> {
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
    fn error_at(&self, expr: &Expression, context: &Context) -> Position {
        self.at(failing_part(expr, context).or_else(|| expr.span()))
    }

    fn eval_error(&mut self, at: Position, field: &str, err: &hcl::eval::Error) {
        if let hcl::eval::ErrorKind::UndefinedFunc(name) = err.kind() {
            let name = name.to_string();
            if OTHER_FUNCTIONS.contains(&name.as_str()) {
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
                if let Some(near) = did_you_mean(&name, FUNCTIONS.iter().copied()) {
                    d.set_help(format!("did you mean {near}()?"));
                }
            }
            return;
        }
        if let hcl::eval::ErrorKind::FuncCall(name, message) = err.kind()
            && FILE_FUNCTIONS.contains(&name.to_string().as_str())
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
        self.error(Code::Render, at, field, err.to_string().replace('\n', " "));
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        &mut self,
        build: &Block,
        sources: &BTreeMap<String, &Block>,
        context: &Context,
        builders: &mut Vec<Node>,
        provisioners: &mut Vec<Node>,
        post_processors: &mut Vec<Node>,
    ) {
        if self.description.is_none()
            && let Some(attr) = build.body.get_attribute("description")
            && let Ok(hcl::Value::String(text)) = eval(&attr.value, context)
        {
            self.description = Some(text);
        }
        // The sources this build bakes: `sources = [...]` and `source "source.x.y" { ... }`.
        let mut wanted: Vec<(String, Position, Option<&Block>)> = Vec::new();
        if let Some(attr) = build.body.get_attribute("sources") {
            let at = self.at(attr.value.span());
            if let Expression::Array(items) = &attr.value {
                for item in items.iter() {
                    let item_at = self.at(item.span());
                    match eval(item, context) {
                        Ok(hcl::Value::String(reference)) => {
                            wanted.push((reference, item_at, None))
                        }
                        _ => {
                            self.error(
                                Code::WrongType,
                                item_at,
                                "build.sources",
                                "a source reference is a string, e.g. \"source.amazon-ebs.web\"",
                            );
                        }
                    }
                }
            } else {
                self.error(
                    Code::WrongType,
                    at,
                    "build.sources",
                    "sources is a list of source references, e.g. [\"source.amazon-ebs.web\"]",
                );
            }
        }
        for inner in build.body.blocks() {
            if inner.ident.as_str() == "source"
                && let Some(reference) = label(inner, 0)
            {
                wanted.push((
                    reference.to_string(),
                    self.at(inner.ident.span()),
                    Some(inner),
                ));
            }
        }
        let mut first_source: Option<hcl::Value> = None;
        for (reference, at, block) in wanted {
            let key = reference
                .strip_prefix("source.")
                .unwrap_or(&reference)
                .to_string();
            let Some(source) = sources.get(&key) else {
                let d = self.error(
                    Code::InvalidValue,
                    at,
                    "build.sources",
                    format!("no source \"{reference}\" is declared"),
                );
                if let Some(near) = did_you_mean(&key, sources.keys().map(String::as_str)) {
                    d.set_help(format!("did you mean \"source.{near}\"?"));
                }
                continue;
            };
            let kind = label(source, 0).unwrap_or("").to_string();
            let mut name = label(source, 1).unwrap_or("").to_string();
            if let Some(own) = block.and_then(|b| b.body.get_attribute("name"))
                && let Ok(hcl::Value::String(own)) = eval(&own.value, context)
            {
                name = own;
            }
            let mut scoped = context.clone();
            let mut source_object = hcl::Map::new();
            source_object.insert("name".to_string(), hcl::Value::String(name.clone()));
            source_object.insert("type".to_string(), hcl::Value::String(kind.clone()));
            scoped.declare_var("source", hcl::Value::Object(source_object));
            let mut members = vec![
                member(
                    "type",
                    self.at(source.span()),
                    node(self.at(source.span()), Value::String(kind.clone())),
                ),
                member(
                    "name",
                    at,
                    node(at, Value::String(format!("{kind}.{name}"))),
                ),
            ];
            members.extend(self.body_members(
                &source.body,
                &scoped,
                &format!("source.{kind}.{name}"),
                &[],
            ));
            if let Some(block) = block {
                // A build's source block adds settings; it can't set one the source sets
                // (Packer: "Duplicate argument").
                for extra in self.body_members(&block.body, &scoped, &reference, &["name"]) {
                    if let Some(first) = members.iter().find(|m| m.key == extra.key) {
                        let first = first.key_at;
                        self.error(
                            Code::Conflict,
                            extra.key_at,
                            format!("{reference}.{}", extra.key),
                            format!(
                                "Argument \"{}\" was already set at line {}",
                                extra.key, first.line
                            ),
                        )
                        .set_help(
                            "set it in the source block or in the build's source block, not both",
                        );
                        continue;
                    }
                    members.push(extra);
                }
            }
            // source_ami = data.amazon-ami.NAME.id: the data source's filter instead.
            let written = block
                .and_then(|b| b.body.get_attribute("source_ami"))
                .or_else(|| source.body.get_attribute("source_ami"))
                .and_then(|a| a.value.span())
                .and_then(|span| self.source.get(span));
            if let Some(name) = written.and_then(ami_reference)
                && let Some(filter) = self.amis.get(&name)
                && let Some(i) = members.iter().position(|m| m.key == "source_ami")
            {
                let at = members[i].key_at;
                // The filter is written (and its problems are) in the data source.
                members[i] = member("source_ami_filter", at, filter.clone());
                self.fields.push((
                    format!("builders[{}].source_ami_filter", builders.len()),
                    format!("data.amazon-ami.{name}"),
                ));
            }
            self.fields.push((
                format!("builders[{}]", builders.len()),
                format!("source.{key}"),
            ));
            self.builder_names.push(format!("{kind}.{name}"));
            builders.push(node(self.at(source.span()), Value::Object(members)));
            if first_source.is_none() {
                let mut object = hcl::Map::new();
                object.insert("name".to_string(), hcl::Value::String(name));
                object.insert("type".to_string(), hcl::Value::String(kind));
                first_source = Some(hcl::Value::Object(object));
            }
        }
        // Steps see `source.name`/`source.type` of the build's first source.
        let mut step_context = context.clone();
        if let Some(first) = first_source {
            step_context.declare_var("source", first);
        }
        // `build.X`: known once the instance runs, kept as the JSON dialect's `{{ build `X` }}`.
        let mut build_values = hcl::Map::new();
        // Every name Packer's `build` has: the JSON dialect's check then says which ones the
        // bake fills and which are not supported yet.
        let names = crate::render::BUILD_FUNCTION_VALUES
            .iter()
            .chain(crate::render::BUILD_FUNCTION_NOT_SUPPORTED);
        for name in names {
            build_values.insert(
                name.to_string(),
                hcl::Value::String(format!("{{{{ build `{name}` }}}}")),
            );
        }
        step_context.declare_var("build", hcl::Value::Object(build_values));
        let build_label = self.build_label.clone();
        let (mut provisioner_index, mut post_index) = (0, 0);
        for inner in build.body.blocks() {
            let at = self.at(inner.ident.span());
            match inner.ident.as_str() {
                "source" => {}
                "provisioner" => {
                    let kind = label(inner, 0).unwrap_or("").to_string();
                    let path = format!("{build_label}.provisioner[{provisioner_index}]");
                    provisioner_index += 1;
                    self.fields.push((
                        format!("provisioners[{}]", provisioners.len()),
                        path.clone(),
                    ));
                    provisioners.push(self.step(inner, &kind, &step_context, &path));
                }
                "post-processor" => {
                    let kind = label(inner, 0).unwrap_or("").to_string();
                    let path = format!("{build_label}.post-processor[{post_index}]");
                    post_index += 1;
                    self.fields.push((
                        format!("post-processors[{}]", post_processors.len()),
                        path.clone(),
                    ));
                    post_processors.push(self.step(inner, &kind, &step_context, &path));
                }
                "post-processors" => {
                    let path = format!("{build_label}.post-processors[{post_index}]");
                    post_index += 1;
                    let json_path = format!("post-processors[{}]", post_processors.len());
                    let mut chain = Vec::new();
                    for (k, b) in inner
                        .body
                        .blocks()
                        .filter(|b| b.ident.as_str() == "post-processor")
                        .enumerate()
                    {
                        let kind = label(b, 0).unwrap_or("").to_string();
                        let step_path = format!("{path}.post-processor[{k}]");
                        self.fields
                            .push((format!("{json_path}[{k}]"), step_path.clone()));
                        chain.push(self.step(b, &kind, &step_context, &step_path));
                    }
                    self.fields.push((json_path, path));
                    post_processors.push(node(at, Value::Array(chain)));
                }
                other => {
                    self.error(
                        Code::NotSupported,
                        at,
                        format!("build.{other}"),
                        format!("\"{other}\" blocks in a build are not supported yet"),
                    );
                }
            }
        }
    }

    /// A provisioner or post-processor block as the JSON template's object.
    fn step(&mut self, block: &Block, kind: &str, context: &Context, path: &str) -> Node {
        let at = self.at(block.span());
        let mut members = vec![member(
            "type",
            at,
            node(
                self.at(block.labels.first().and_then(|l| l.span())),
                Value::String(kind.to_string()),
            ),
        )];
        members.extend(self.body_members(&block.body, context, path, &[]));
        node(at, Value::Object(members))
    }

    /// A `dynamic "NAME" { for_each = ...  content { ... } }` block: one `NAME` block per
    /// element, with `NAME.key` / `NAME.value` (or the `iterator`'s name) in `content`.
    fn dynamic(&mut self, block: &Block, context: &Context, path: &str) -> Vec<(String, Node)> {
        let at = self.at(block.ident.span());
        let Some(name) = label(block, 0).map(str::to_string) else {
            self.error(
                Code::Missing,
                at,
                format!("{path}.dynamic"),
                "a dynamic block needs the name of the blocks it makes: dynamic \"tag\" {}",
            );
            return Vec::new();
        };
        let field = format!("{path}.dynamic.{name}");
        let Some(for_each) = block.body.get_attribute("for_each") else {
            self.error(
                Code::Missing,
                at,
                format!("{field}.for_each"),
                "a dynamic block needs for_each",
            )
            .set_help("for_each = a list or a map; one block is made per element");
            return Vec::new();
        };
        let content = block.body.blocks().find(|b| b.ident.as_str() == "content");
        let Some(content) = content else {
            self.error(
                Code::Missing,
                at,
                format!("{field}.content"),
                "a dynamic block needs a content block",
            )
            .set_help("content { ... } holds the settings of each block made");
            return Vec::new();
        };
        for other in block.body.iter() {
            let (key, key_at) = match other {
                Structure::Attribute(a) => (a.key.as_str(), a.key.span()),
                Structure::Block(b) => (b.ident.as_str(), b.ident.span()),
            };
            if !["for_each", "iterator", "content", "labels"].contains(&key) {
                let key_at = self.at(key_at);
                self.error(
                    Code::UnknownKey,
                    key_at,
                    format!("{field}.{key}"),
                    format!("unexpected \"{key}\" in a dynamic block"),
                )
                .set_help("a dynamic block holds for_each, iterator and content");
            }
        }
        let iterator = match block.body.get_attribute("iterator") {
            Some(attr) => match &attr.value {
                Expression::Variable(v) => v.as_str().to_string(),
                other => {
                    let at = self.at(other.span());
                    self.error(
                        Code::WrongType,
                        at,
                        format!("{field}.iterator"),
                        "iterator is a plain name, e.g. iterator = mapping",
                    );
                    return Vec::new();
                }
            },
            None => name.clone(),
        };
        let elements: Vec<(hcl::Value, hcl::Value)> = match eval(&for_each.value, context) {
            Ok(hcl::Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (hcl::Value::from(i as u64), v))
                .collect(),
            Ok(hcl::Value::Object(map)) => map
                .into_iter()
                .map(|(k, v)| (hcl::Value::String(k), v))
                .collect(),
            Ok(other) => {
                let at = self.at(for_each.value.span());
                self.error(
                    Code::WrongType,
                    at,
                    format!("{field}.for_each"),
                    format!("for_each is a list or a map, not {}", plain_text(&other)),
                );
                return Vec::new();
            }
            Err(err) => {
                let at = self.error_at(&for_each.value, context);
                self.eval_error(at, &format!("{field}.for_each"), &err);
                return Vec::new();
            }
        };
        let block_at = self.at(content.span());
        let mut out = Vec::new();
        for (key, value) in elements {
            let mut scoped = context.clone();
            let mut each = hcl::Map::new();
            each.insert("key".to_string(), key);
            each.insert("value".to_string(), value);
            scoped.declare_var(iterator.clone(), hcl::Value::Object(each));
            let inner = self.body_members(&content.body, &scoped, &format!("{path}.{name}"), &[]);
            out.push((name.clone(), node(block_at, Value::Object(inner))));
        }
        out
    }

    /// The attributes and nested blocks of a body, evaluated; repeated blocks become lists.
    fn body_members(
        &mut self,
        body: &Body,
        context: &Context,
        path: &str,
        skip: &[&str],
    ) -> Vec<Member> {
        let mut members: Vec<Member> = Vec::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let key = attr.key.as_str();
                    if skip.contains(&key) {
                        continue;
                    }
                    let key_at = self.at(attr.key.span());
                    let value_at = self.at(attr.value.span());
                    let field = format!("{path}.{key}");
                    // `only`/`except` name builds as "TYPE.NAME"; a bare source name also works.
                    match eval(&attr.value, context) {
                        Ok(value) => members.push(member(key, key_at, from_hcl(&value, value_at))),
                        Err(err) => {
                            let at = self.error_at(&attr.value, context);
                            self.eval_error(at, &field, &err);
                            self.failed.push(field);
                        }
                    }
                }
                Structure::Block(block) => {
                    let key = block.ident.as_str();
                    let at = self.at(block.span());
                    let key_at = self.at(block.ident.span());
                    if key == "dynamic" {
                        for (name, inner) in self.dynamic(block, context, path) {
                            push_block(&mut members, &name, key_at, inner);
                        }
                        continue;
                    }
                    let inner = node(
                        at,
                        Value::Object(self.body_members(
                            &block.body,
                            context,
                            &format!("{path}.{key}"),
                            &[],
                        )),
                    );
                    push_block(&mut members, key, key_at, inner);
                }
            }
        }
        members
    }
}

/// A nested block as a member: repeated blocks (and block device mappings) are a list.
fn push_block(members: &mut Vec<Member>, key: &str, key_at: Position, inner: Node) {
    let at = inner.at;
    let listed = key.ends_with("block_device_mappings");
    match members.iter_mut().find(|m| m.key == key) {
        Some(existing) => match &mut existing.value.value {
            Value::Array(items) => items.push(inner),
            _ => {
                let first = std::mem::replace(&mut existing.value, node(at, Value::Null));
                existing.value = node(first.at, Value::Array(vec![first, inner]));
            }
        },
        None if listed => members.push(member(key, key_at, node(at, Value::Array(vec![inner])))),
        None => members.push(member(key, key_at, inner)),
    }
}

/// A JSON tree path (`builders[0].ami_name`) in HCL2 terms (`source.amazon-ebs.web.ami_name`):
/// the longest known prefix replaced; an `override` entry is the map key it is written as
/// (`override["amazon-ebs.web"].inline`).
fn hcl_field(field: &str, fields: &[(String, String)], builders: &[String]) -> String {
    let field = hcl_prefix(field, fields);
    let Some(start) = field.find(".override.") else {
        return field;
    };
    let rest = &field[start + ".override.".len()..];
    let name = builders
        .iter()
        .filter(|n| {
            rest.starts_with(n.as_str())
                && matches!(rest[n.len()..].chars().next(), None | Some('.' | '['))
        })
        .max_by_key(|n| n.len());
    match name {
        Some(name) => format!(
            "{}.override[\"{name}\"]{}",
            &field[..start],
            &rest[name.len()..]
        ),
        None => field,
    }
}

fn hcl_prefix(field: &str, fields: &[(String, String)]) -> String {
    fields
        .iter()
        .filter(|(json, _)| {
            field.starts_with(json.as_str())
                && matches!(field[json.len()..].chars().next(), None | Some('.' | '['))
        })
        .max_by_key(|(json, _)| json.len())
        .map_or_else(
            || field.to_string(),
            |(json, hcl)| format!("{hcl}{}", &field[json.len()..]),
        )
}

/// `NAME` in an expression written as `data.amazon-ami.NAME.id`.
fn ami_reference(written: &str) -> Option<String> {
    let rest = &written[written.find("data.amazon-ami.")? + "data.amazon-ami.".len()..];
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    rest[name.len()..].starts_with(".id").then_some(name)
}

/// Evaluates an expression, with `can()` and `try()` (which must see their arguments fail)
/// resolved first.
fn eval(expr: &Expression, context: &Context) -> Result<hcl::Value, hcl::eval::Error> {
    let mut expr = hcl::Expression::from(expr.clone());
    resolve_can_try(&mut expr, context);
    expr.evaluate(context)
}

/// Replaces every `can(x)` by whether `x` evaluates, and `try(a, b, …)` by the first argument
/// that does (the last one's error when none does).
fn resolve_can_try(expr: &mut hcl::Expression, context: &Context) {
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
fn failing_part(expr: &Expression, context: &Context) -> Option<std::ops::Range<usize>> {
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
fn failing_in_template(
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

fn failing_element(
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

fn node(at: Position, value: Value) -> Node {
    Node { at, value }
}

fn member(key: &str, key_at: Position, value: Node) -> Member {
    Member {
        key: key.to_string(),
        key_at,
        value,
    }
}

/// An evaluated value as a tree node; everything inside sits at the expression's position.
fn from_hcl(value: &hcl::Value, at: Position) -> Node {
    node(
        at,
        match value {
            hcl::Value::Null => Value::Null,
            hcl::Value::Bool(b) => Value::Bool(*b),
            hcl::Value::Number(n) => serde_json::to_value(n)
                .ok()
                .and_then(|v| v.as_number().cloned())
                .map_or(Value::Null, Value::Number),
            hcl::Value::String(s) => Value::String(s.clone()),
            hcl::Value::Array(items) => {
                Value::Array(items.iter().map(|v| from_hcl(v, at)).collect())
            }
            hcl::Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| member(k, at, from_hcl(v, at)))
                    .collect(),
            ),
        },
    )
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

fn plain_text(value: &hcl::Value) -> String {
    match value {
        hcl::Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn base_context(ctx: &RenderContext) -> Context<'static> {
    paths_context(&ctx.template_dir, &ctx.working_dir)
}

/// The functions, and `path.root` / `path.cwd`.
fn paths_context(root: &str, cwd: &str) -> Context<'static> {
    let mut context = Context::new();
    let mut path = hcl::Map::new();
    path.insert("root".to_string(), hcl::Value::String(root.to_string()));
    path.insert("cwd".to_string(), hcl::Value::String(cwd.to_string()));
    context.declare_var("path", hcl::Value::Object(path));
    let string = || ParamType::String;
    context.declare_func("timestamp", FuncDef::builder().build(fn_timestamp));
    context.declare_func("uuidv4", FuncDef::builder().build(fn_uuidv4));
    context.declare_func(
        "formatdate",
        FuncDef::new(fn_formatdate, [string(), string()]),
    );
    context.declare_func(
        "lower",
        FuncDef::new(|a| Ok(text(&a[0]).to_lowercase().into()), [string()]),
    );
    context.declare_func(
        "upper",
        FuncDef::new(|a| Ok(text(&a[0]).to_uppercase().into()), [string()]),
    );
    context.declare_func(
        "replace",
        FuncDef::new(fn_replace, [string(), string(), string()]),
    );
    context.declare_func("split", FuncDef::new(fn_split, [string(), string()]));
    context.declare_func(
        "join",
        FuncDef::new(fn_join, [string(), ParamType::array_of(ParamType::Any)]),
    );
    context.declare_func(
        "concat",
        FuncDef::builder()
            .variadic_param(ParamType::array_of(ParamType::Any))
            .build(fn_concat),
    );
    context.declare_func(
        "merge",
        FuncDef::builder()
            .variadic_param(ParamType::object_of(ParamType::Any))
            .build(fn_merge),
    );
    context.declare_func(
        "lookup",
        FuncDef::builder()
            .params([ParamType::object_of(ParamType::Any), string()])
            .variadic_param(ParamType::Any)
            .build(fn_lookup),
    );
    context.declare_func("length", FuncDef::new(fn_length, [ParamType::Any]));
    context.declare_func("env", FuncDef::new(fn_env, [ParamType::String]));
    context.declare_func(
        "contains",
        FuncDef::new(
            fn_contains,
            [ParamType::array_of(ParamType::Any), ParamType::Any],
        ),
    );
    context.declare_func(
        "legacy_isotime",
        FuncDef::new(fn_legacy_isotime, [string()]),
    );
    context.declare_func(
        "regex_replace",
        FuncDef::new(fn_regex_replace, [string(), string(), string()]),
    );
    context.declare_func("regex", FuncDef::new(fn_regex, [string(), string()]));
    context.declare_func(
        "coalesce",
        FuncDef::builder()
            .variadic_param(ParamType::Any)
            .build(fn_coalesce),
    );
    context.declare_func("file", FuncDef::new(fn_file, [string()]));
    context.declare_func("fileexists", FuncDef::new(fn_fileexists, [string()]));
    context.declare_func(
        "templatefile",
        FuncDef::new(
            fn_templatefile,
            [string(), ParamType::object_of(ParamType::Any)],
        ),
    );
    context
}

/// The functions that read local files: their errors are about a file (`Code::LocalFile`).
const FILE_FUNCTIONS: &[&str] = &["file", "fileexists", "templatefile"];

/// A path as `file()` reads it: `~/` is the home folder, a relative path is relative to
/// `path.root` (the template's folder), like Packer.
fn resolve_path(path: &str, root: &str, home: Option<&str>) -> String {
    if let (Some(rest), Some(home)) = (path.strip_prefix("~/"), home) {
        return std::path::Path::new(home).join(rest).display().to_string();
    }
    let written = std::path::Path::new(path);
    if written.is_absolute() || root.is_empty() || root == "." {
        return path.to_string();
    }
    std::path::Path::new(root)
        .join(written)
        .display()
        .to_string()
}

/// The path resolved and the hooks that read it (none outside a check).
#[allow(clippy::type_complexity)]
fn file_world(
    path: &str,
) -> (
    String,
    Option<fn(&str) -> std::io::Result<String>>,
    Option<fn(&str) -> bool>,
    (String, String),
) {
    EVAL.with(|e| match e.borrow().as_ref() {
        Some(w) => (
            resolve_path(path, &w.paths.0, w.env.get("HOME").map(String::as_str)),
            w.read_file,
            w.file_exists,
            w.paths.clone(),
        ),
        None => (path.to_string(), None, None, (String::new(), String::new())),
    })
}

/// Reads a local file through the caller's hook, with an error that names the file.
fn read_text(written: &str) -> Result<(String, (String, String)), String> {
    let (resolved, read, _, paths) = file_world(written);
    let Some(read) = read else {
        return Err(format!("file \"{written}\" can't be read here"));
    };
    let looked = if resolved == written {
        String::new()
    } else {
        format!(" (looked for {resolved})")
    };
    match read(&resolved) {
        Ok(text) => Ok((text, paths)),
        Err(err) => Err(match err.kind() {
            std::io::ErrorKind::NotFound => format!("file \"{written}\" does not exist{looked}"),
            std::io::ErrorKind::InvalidData => {
                format!("file \"{written}\" is not UTF-8 text{looked}")
            }
            _ => format!("file \"{written}\" can't be read{looked}: {err}"),
        }),
    }
}

/// `file(path)`: the text of a local file.
fn fn_file(args: FuncArgs) -> Result<hcl::Value, String> {
    read_text(&text(&args[0])).map(|(text, _)| text.into())
}

/// `fileexists(path)`: whether a local file exists.
fn fn_fileexists(args: FuncArgs) -> Result<hcl::Value, String> {
    let written = text(&args[0]);
    match file_world(&written) {
        (resolved, _, Some(exists), _) => Ok(exists(&resolved).into()),
        _ => Err(format!(
            "fileexists(\"{written}\") can't look at local files here"
        )),
    }
}

/// `templatefile(path, vars)`: a local file read as a string template (`${}`, `%{ if }`,
/// `%{ for }`) with `vars` as its variables and the functions but `templatefile` itself.
fn fn_templatefile(args: FuncArgs) -> Result<hcl::Value, String> {
    let written = text(&args[0]);
    let (source, (root, cwd)) = read_text(&written)?;
    let template: hcl::Template = source
        .parse()
        .map_err(|err: hcl::Error| format!("template file \"{written}\": {err}"))?;
    let mut context = paths_context(&root, &cwd);
    context.declare_func(
        "templatefile",
        FuncDef::builder()
            .variadic_param(ParamType::Any)
            .build(|_| Err("templatefile can't be called from inside a template file".to_string())),
    );
    if let hcl::Value::Object(vars) = &args[1] {
        for (name, value) in vars {
            context.declare_var(name.as_str(), value.clone());
        }
    }
    template
        .evaluate(&context)
        .map(hcl::Value::from)
        .map_err(|err| {
            format!(
                "in template file \"{written}\": {}",
                err.to_string().replace('\n', " ")
            )
        })
}

fn text(value: &hcl::Value) -> String {
    match value {
        hcl::Value::String(s) => s.clone(),
        other => plain_text(other),
    }
}

fn fn_timestamp(_: FuncArgs) -> Result<hcl::Value, String> {
    let now = EVAL
        .with(|e| e.borrow().as_ref().map(|w| w.now))
        .unwrap_or(UNIX_EPOCH);
    Ok(crate::isotime::format(now, crate::isotime::RFC3339).into())
}

/// `legacy_isotime("layout")`: the time of this run in a Go layout, like `{{isotime}}`.
fn fn_legacy_isotime(args: FuncArgs) -> Result<hcl::Value, String> {
    let now = EVAL
        .with(|e| e.borrow().as_ref().map(|w| w.now))
        .unwrap_or(UNIX_EPOCH);
    Ok(crate::isotime::format(now, &text(&args[0])).into())
}

fn compile(pattern: &str) -> Result<regex_lite::Regex, String> {
    regex_lite::Regex::new(pattern)
        .map_err(|err| format!("invalid regular expression \"{pattern}\": {err}"))
}

/// `regex_replace(string, pattern, replacement)`: every match replaced (`$1` for groups).
fn fn_regex_replace(args: FuncArgs) -> Result<hcl::Value, String> {
    let re = compile(&text(&args[1]))?;
    Ok(re
        .replace_all(&text(&args[0]), text(&args[2]).as_str())
        .into_owned()
        .into())
}

/// `regex(pattern, string)`: the first match; its groups as a list (or an object when they
/// are named) when there are any.
fn fn_regex(args: FuncArgs) -> Result<hcl::Value, String> {
    let pattern = text(&args[0]);
    let re = compile(&pattern)?;
    let subject = text(&args[1]);
    let caps = re
        .captures(&subject)
        .ok_or_else(|| format!("regex: \"{pattern}\" does not match \"{subject}\""))?;
    if caps.len() == 1 {
        return Ok(caps.get(0).map_or("", |m| m.as_str()).into());
    }
    let group = |i: usize| caps.get(i).map_or(hcl::Value::Null, |m| m.as_str().into());
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.iter().all(Option::is_some) {
        let mut map = hcl::Map::new();
        for (i, name) in names.iter().enumerate() {
            map.insert(name.unwrap_or_default().to_string(), group(i + 1));
        }
        return Ok(hcl::Value::Object(map));
    }
    Ok(hcl::Value::Array((1..caps.len()).map(group).collect()))
}

fn fn_uuidv4(_: FuncArgs) -> Result<hcl::Value, String> {
    EVAL.with(|e| e.borrow_mut().as_mut().map(|w| (w.ids)()))
        .map(hcl::Value::from)
        .ok_or_else(|| "uuidv4 is not available here".to_string())
}

/// Terraform's `formatdate` spec (`YYYY-MM-DD hh:mm:ss`), on an RFC 3339 time.
fn fn_formatdate(args: FuncArgs) -> Result<hcl::Value, String> {
    let spec = text(&args[0]);
    let time = text(&args[1]);
    let b = time.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[10] != b'T' {
        return Err(format!(
            "formatdate: \"{time}\" is not an RFC 3339 time (use timestamp())"
        ));
    }
    let num =
        |r: std::ops::Range<usize>| time.get(r).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    let (year, month, day, hour, minute, second) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    );
    let month_name = crate::isotime::MONTHS
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("");
    let mut out = String::new();
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&c| c == '\'')
                .map_or(chars.len(), |p| i + 1 + p);
            out.extend(&chars[i + 1..end]);
            i = end + 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        let piece = match (c, run) {
            ('Y', 4) => format!("{year:04}"),
            ('Y', 2) => format!("{:02}", year % 100),
            ('M', 4) => month_name.to_string(),
            ('M', 3) => month_name.chars().take(3).collect(),
            ('M', 2) => format!("{month:02}"),
            ('M', 1) => month.to_string(),
            ('D', 2) => format!("{day:02}"),
            ('D', 1) => day.to_string(),
            ('h', 2) => format!("{hour:02}"),
            ('h', 1) => hour.to_string(),
            ('H', 2) => format!("{:02}", if hour % 12 == 0 { 12 } else { hour % 12 }),
            ('H', 1) => (if hour % 12 == 0 { 12 } else { hour % 12 }).to_string(),
            ('m', 2) => format!("{minute:02}"),
            ('m', 1) => minute.to_string(),
            ('s', 2) => format!("{second:02}"),
            ('s', 1) => second.to_string(),
            ('A', 2) => (if hour < 12 { "AM" } else { "PM" }).to_string(),
            ('a', 2) => (if hour < 12 { "am" } else { "pm" }).to_string(),
            ('Z', 1) => "Z".to_string(),
            ('Z', 3) => "UTC".to_string(),
            ('Z', 4) => "+0000".to_string(),
            ('Z', 5) => "+00:00".to_string(),
            (c, _) if c.is_ascii_alphabetic() => {
                return Err(format!(
                    "formatdate: unknown format \"{}\"",
                    chars[i..i + run].iter().collect::<String>()
                ));
            }
            _ => chars[i..i + run].iter().collect(),
        };
        out.push_str(&piece);
        i += run;
    }
    Ok(out.into())
}

fn fn_replace(args: FuncArgs) -> Result<hcl::Value, String> {
    let (s, old, new) = (text(&args[0]), text(&args[1]), text(&args[2]));
    if old.len() > 1 && old.starts_with('/') && old.ends_with('/') {
        return Err("replace with a /regular expression/ is not supported yet".to_string());
    }
    Ok(s.replace(&old, &new).into())
}

fn fn_split(args: FuncArgs) -> Result<hcl::Value, String> {
    let (sep, s) = (text(&args[0]), text(&args[1]));
    Ok(hcl::Value::Array(
        s.split(sep.as_str()).map(hcl::Value::from).collect(),
    ))
}

fn fn_join(args: FuncArgs) -> Result<hcl::Value, String> {
    let sep = text(&args[0]);
    let hcl::Value::Array(items) = &args[1] else {
        return Err("join takes a list".to_string());
    };
    Ok(items.iter().map(text).collect::<Vec<_>>().join(&sep).into())
}

fn fn_concat(args: FuncArgs) -> Result<hcl::Value, String> {
    let mut out = Vec::new();
    for list in args.iter() {
        if let hcl::Value::Array(items) = list {
            out.extend(items.iter().cloned());
        }
    }
    Ok(hcl::Value::Array(out))
}

fn fn_merge(args: FuncArgs) -> Result<hcl::Value, String> {
    let mut out = hcl::Map::new();
    for map in args.iter() {
        if let hcl::Value::Object(entries) = map {
            for (k, v) in entries {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(hcl::Value::Object(out))
}

fn fn_lookup(args: FuncArgs) -> Result<hcl::Value, String> {
    let key = text(&args[1]);
    let found = match &args[0] {
        hcl::Value::Object(map) => map.get(&key).cloned(),
        _ => None,
    };
    found
        .or_else(|| args.get(2).cloned())
        .ok_or_else(|| format!("lookup: no key \"{key}\" and no default"))
}

/// `env("NAME")`: the environment passed in (empty when not set, like Packer).
fn fn_env(args: FuncArgs) -> Result<hcl::Value, String> {
    let name = text(&args[0]);
    Ok(EVAL
        .with(|e| e.borrow().as_ref().and_then(|w| w.env.get(&name).cloned()))
        .unwrap_or_default()
        .into())
}

fn fn_length(args: FuncArgs) -> Result<hcl::Value, String> {
    match &args[0] {
        hcl::Value::String(s) => Ok(s.chars().count().into()),
        hcl::Value::Array(items) => Ok(items.len().into()),
        hcl::Value::Object(map) => Ok(map.len().into()),
        other => Err(format!("length: {} has no length", plain_text(other))),
    }
}

fn fn_contains(args: FuncArgs) -> Result<hcl::Value, String> {
    let hcl::Value::Array(items) = &args[0] else {
        return Err("contains takes a list".to_string());
    };
    Ok(items.contains(&args[1]).into())
}

fn fn_coalesce(args: FuncArgs) -> Result<hcl::Value, String> {
    args.iter()
        .find(|v| !matches!(v, hcl::Value::Null) && *v != &hcl::Value::String(String::new()))
        .cloned()
        .ok_or_else(|| "coalesce: every argument is null or empty".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Builder, Provisioner};

    const ARTICLE: &str = r#"
packer {
  required_plugins {
    amazon = {
      version = ">= 1.2.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "token" {
  type      = string
  default   = "s3cr3t"
  sensitive = true
}

locals {
  stamp = formatdate("YYYYMMDD-hhmm", timestamp())
  name  = "${var.prefix}-${local.stamp}"
}

variable "prefix" {
  default = "yum-upgrade"
}

source "amazon-ebs" "al2" {
  region        = var.region
  vpc_id        = "vpc-4925e72e"
  subnet_id     = "subnet-4d13d12a"
  source_ami    = "ami-01ccc867"
  instance_type = "t2.micro"
  ssh_username  = "ec2-user"
  ami_name      = local.name
  tags = merge({ Name = local.name }, { Team = upper("platform") })
  launch_block_device_mappings {
    device_name = "/dev/xvda"
    volume_size = 20
  }
}

build {
  sources = ["source.amazon-ebs.al2"]

  provisioner "shell" {
    inline = ["sleep 30", "sudo yum update -y", "echo ${source.name} ${var.token}"]
    only   = ["amazon-ebs.al2"]
  }

  post-processor "manifest" {
    output = "manifest-${var.region}.json"
  }
}
"#;

    fn run(text: &str, options: &CheckOptions) -> Checked {
        check_hcl("t.pkr.hcl", text, options, &mut RenderContext::fixed())
    }

    #[test]
    fn a_typical_template_reads_into_the_model() {
        let checked = run(ARTICLE, &CheckOptions::default());
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        let template = checked.template.unwrap();
        let Builder::AmazonEbs(ebs) = &template.builders[0];
        assert_eq!(ebs.name.as_deref(), Some("amazon-ebs.al2"));
        assert_eq!(ebs.region.as_deref(), Some("eu-west-1"));
        assert_eq!(ebs.ami_name.as_deref(), Some("yum-upgrade-20250304-0506"));
        assert_eq!(ebs.tags.as_ref().unwrap()["Team"], "PLATFORM");
        assert_eq!(
            ebs.launch_block_device_mappings.as_ref().unwrap()[0].volume_size,
            Some(20)
        );
        let Provisioner::Shell(shell) = &template.provisioners[0] else {
            panic!("a shell step")
        };
        assert_eq!(shell.inline.as_ref().unwrap()[2], "echo al2 s3cr3t");
        assert_eq!(template.redact("token s3cr3t"), "token <sensitive>");
        assert_eq!(template.variables.len(), 3);
        assert_eq!(template.post_processors.len(), 1);
    }

    #[test]
    fn values_come_from_env_var_files_and_vars_in_that_order() {
        let mut ctx = RenderContext::fixed();
        ctx.env.insert("PKR_VAR_region".into(), "us-east-1".into());
        let checked = check_hcl("t.pkr.hcl", ARTICLE, &CheckOptions::default(), &mut ctx);
        let region = |c: &Checked| {
            let Builder::AmazonEbs(ebs) = &c.template.as_ref().unwrap().builders[0];
            ebs.region.clone().unwrap()
        };
        assert_eq!(region(&checked), "us-east-1");
        let mut options = CheckOptions::default();
        options.inputs.var_files.push(VarFile {
            name: "prod.pkrvars.hcl".into(),
            text: "region = \"eu-central-1\"\n".into(),
        });
        let mut ctx = RenderContext::fixed();
        ctx.env.insert("PKR_VAR_region".into(), "us-east-1".into());
        assert_eq!(
            region(&check_hcl("t.pkr.hcl", ARTICLE, &options, &mut ctx)),
            "eu-central-1"
        );
        options
            .inputs
            .vars
            .push(("region".into(), "ap-south-1".into()));
        assert_eq!(region(&run(ARTICLE, &options)), "ap-south-1");
    }

    #[test]
    fn problems_are_located_in_the_hcl_file() {
        let text = "source \"amazon-ebs\" \"x\" {\n  region = \"eu-west-1\"\n  source_ami = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username = \"u\"\n  ami_name = \"a {{isotime}}\"\n  regoin = \"x\"\n}\nbuild {\n  sources = [\"source.amazon-ebs.y\"]\n}\n";
        let checked = run(text, &CheckOptions::default());
        let located: Vec<(u32, u32, String)> = checked
            .errors()
            .map(|d| (d.line, d.column, d.message.clone()))
            .collect();
        assert_eq!(located.len(), 2, "{located:#?}");
        assert_eq!((located[0].0, located[0].1), (9, 1), "{located:#?}");
        assert_eq!(located[0].2, "at least one builder must be defined");
        assert_eq!((located[1].0, located[1].1), (10, 14));
        assert!(located[1].2.contains("no source \"source.amazon-ebs.y\""));

        let text = text.replace("amazon-ebs.y", "amazon-ebs.x");
        let checked = run(&text, &CheckOptions::default());
        let located: Vec<(u32, u32)> = checked.errors().map(|d| (d.line, d.column)).collect();
        assert_eq!(located, [(6, 14), (7, 3)], "{:#?}", checked.diagnostics);
    }

    #[test]
    fn missing_variables_syntax_errors_and_unsupported_blocks() {
        let checked = run(
            "variable \"region\" {}\nsource \"amazon-ebs\" \"x\" {\n  region = var.region\n}\n",
            &CheckOptions::default(),
        );
        assert!(
            checked
                .errors()
                .any(|d| d.message == "required variable not set: region" && d.line == 1)
        );

        let checked = run("source \"amazon-ebs\" {\n", &CheckOptions::default());
        assert_eq!(checked.diagnostics[0].code, Code::Syntax);
        assert!(checked.diagnostics[0].line >= 1);

        let checked = run(
            "data \"http\" \"x\" {\n  url = \"https://example.com\"\n}\n",
            &CheckOptions::default(),
        );
        assert!(
            checked
                .errors()
                .any(|d| d.code == Code::NotSupported && d.line == 1)
        );
    }

    #[test]
    fn an_amazon_ami_data_source_becomes_the_source_ami_filter() {
        let text = r#"
data "amazon-ami" "ubuntu" {
  filters = { name = "ubuntu/images/*ubuntu-jammy-22.04-amd64-server-*" }
  owners      = ["099720109477"]
  most_recent = true
  region      = "us-east-1"
}
locals { base = data.amazon-ami.ubuntu.name }
source "amazon-ebs" "u" {
  region        = "us-east-1"
  source_ami    = data.amazon-ami.ubuntu.id
  instance_type = "t3.micro"
  ssh_username  = "ubuntu"
  ami_name      = "u-{{timestamp}}"
  tags          = { Base = local.base }
}
build { sources = ["source.amazon-ebs.u"] }
"#;
        let checked = run(text, &CheckOptions::default());
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        let template = checked.template.unwrap();
        let Builder::AmazonEbs(ebs) = &template.builders[0];
        assert_eq!(ebs.source_ami, None);
        let filter = ebs.source_ami_filter.as_ref().unwrap();
        assert_eq!(
            filter.owners.as_deref(),
            Some(&["099720109477".to_string()][..])
        );
        assert_eq!(filter.most_recent, Some(true));
        assert_eq!(ebs.tags.as_ref().unwrap()["Base"], "{{ .SourceAMIName }}");
        assert_eq!(
            ami_reference("data.amazon-ami.ubuntu.id"),
            Some("ubuntu".into())
        );
        assert_eq!(ami_reference("data.amazon-ami.ubuntu.name"), None);
    }

    #[test]
    fn variable_validations_are_evaluated() {
        let text = r#"
variable "env" {
  default = "staging"
  validation {
    condition     = contains(["dev", "prod"], var.env)
    error_message = "The env must be dev or prod."
  }
}
variable "name" {
  default = "ab"
  validation {
    condition     = length(var.name) >= 2
    error_message = "Two characters at least."
  }
}
variable "ami" {
  default = "img-1"
  validation {
    condition     = can(regex("^ami-", var.ami))
    error_message = "An AMI id."
  }
}
"#;
        let checked = run(text, &CheckOptions::default());
        let errors: Vec<(u32, Code, String)> = checked
            .errors()
            .filter(|d| d.field.starts_with("variables."))
            .map(|d| (d.line, d.code, d.message.clone()))
            .collect();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert_eq!(
            errors[0],
            (
                5,
                Code::InvalidValue,
                "invalid value for variable env: The env must be dev or prod.".to_string()
            )
        );
        assert_eq!(errors[1].0, 19);
        assert_eq!(errors[1].1, Code::InvalidValue, "can(regex()) is evaluated");
        assert_eq!(errors[1].2, "invalid value for variable ami: An AMI id.");

        let mut ctx = RenderContext::fixed();
        ctx.env.insert("AWS_REGION".into(), "ca-central-1".into());
        let text = "variable \"region\" {\n  default = env(\"AWS_REGION\")\n}\nlocals {\n  x = lowr(var.region)\n}\n";
        let checked = check_hcl("t.pkr.hcl", text, &CheckOptions::default(), &mut ctx);
        let typo = checked.errors().find(|d| d.line == 5).unwrap();
        assert_eq!(typo.message, "function lowr() is not defined");
        assert_eq!(typo.help.as_deref(), Some("did you mean lower()?"));
        assert_eq!(
            checked.template.unwrap().variables[0]
                .default
                .as_ref()
                .map(|d| d.expose().to_string()),
            Some("ca-central-1".to_string())
        );
    }

    #[test]
    fn a_build_source_block_adds_settings_but_does_not_replace_them() {
        let text = "source \"amazon-ebs\" \"x\" {\n  region = \"us-east-1\"\n  source_ami = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username = \"u\"\n  ami_name = \"a-{{timestamp}}\"\n}\nbuild {\n  source \"source.amazon-ebs.x\" {\n    ami_name = \"b-{{timestamp}}\"\n  }\n}\n";
        let checked = run(text, &CheckOptions::default());
        let errors: Vec<(u32, String)> = checked
            .errors()
            .map(|d| (d.line, d.message.clone()))
            .collect();
        assert_eq!(
            errors,
            [(
                10,
                "Argument \"ami_name\" was already set at line 6".to_string()
            )]
        );
    }

    #[test]
    fn a_folder_of_files_is_one_template_with_problems_in_their_files() {
        let files = vec![
            (
                "variables.pkr.hcl".to_string(),
                "variable \"region\" {\n  default = \"eu-west-1\"\n}\n".to_string(),
            ),
            (
                "sources.pkr.hcl".to_string(),
                "source \"amazon-ebs\" \"web\" {\n  region = var.region\n  source_ami = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username = \"u\"\n  ami_name = \"web {{timestamp}}\"\n  regoin = \"x\"\n}".to_string(),
            ),
            (
                "build.pkr.hcl".to_string(),
                "build {\n  sources = [\"source.amazon-ebs.web\"]\n  provisioner \"shel\" {}\n}\n".to_string(),
            ),
        ];
        let checked = check_hcl_files(
            &files,
            &CheckOptions::default(),
            &mut RenderContext::fixed(),
        );
        let located: Vec<(String, u32)> =
            checked.errors().map(|d| (d.file.clone(), d.line)).collect();
        assert_eq!(
            located,
            [
                ("sources.pkr.hcl".to_string(), 7),
                ("build.pkr.hcl".to_string(), 3)
            ],
            "{:#?}",
            checked.diagnostics
        );
        let Builder::AmazonEbs(ebs) = &checked.template.unwrap().builders[0];
        assert_eq!(ebs.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn dynamic_blocks_and_for_expressions_make_their_blocks() {
        let text = r#"
variable "disks" {
  default = { "/dev/xvdb" = 50, "/dev/xvdc" = 100 }
}
locals {
  names = [for n in ["a", "b"] : upper(n)]
}
source "amazon-ebs" "x" {
  region        = "us-east-1"
  source_ami    = "ami-01ccc867"
  instance_type = "t3.micro"
  ssh_username  = "u"
  ami_name      = "x-${join("-", local.names)}-{{timestamp}}"
  launch_block_device_mappings {
    device_name = "/dev/xvda"
    volume_size = 8
  }
  dynamic "launch_block_device_mappings" {
    for_each = var.disks
    iterator = disk
    content {
      device_name = disk.key
      volume_size = disk.value
    }
  }
  dynamic "ami_block_device_mappings" {
    for_each = ["/dev/xvdb"]
    content {
      device_name  = ami_block_device_mappings.value
      no_device    = true
    }
  }
}
build { sources = ["source.amazon-ebs.x"] }
"#;
        let checked = run(text, &CheckOptions::default());
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        let template = checked.template.unwrap();
        let Builder::AmazonEbs(ebs) = &template.builders[0];
        assert_eq!(ebs.ami_name.as_deref(), Some("x-A-B-1741064767"));
        let disks: Vec<(Option<&str>, Option<u32>)> = ebs
            .launch_block_device_mappings
            .as_ref()
            .unwrap()
            .iter()
            .map(|d| (d.device_name.as_deref(), d.volume_size))
            .collect();
        assert_eq!(
            disks,
            [
                (Some("/dev/xvda"), Some(8)),
                (Some("/dev/xvdb"), Some(50)),
                (Some("/dev/xvdc"), Some(100))
            ]
        );
        assert_eq!(ebs.ami_block_device_mappings.as_ref().unwrap().len(), 1);

        let broken = "source \"amazon-ebs\" \"x\" {\n  dynamic \"tag\" {\n    for_each = 3\n  }\n}\nbuild { sources = [\"source.amazon-ebs.x\"] }\n";
        let checked = run(broken, &CheckOptions::default());
        let errors: Vec<(u32, u32, String)> = checked
            .errors()
            .filter(|d| d.field.contains("dynamic"))
            .map(|d| (d.line, d.column, d.message.clone()))
            .collect();
        assert_eq!(
            errors,
            [(2, 3, "a dynamic block needs a content block".to_string())]
        );
    }

    #[test]
    fn errors_inside_strings_point_at_the_interpolation_and_fields_are_hcl_paths() {
        let text = "variable \"env\" {\n  default = \"dev\"\n}\nsource \"amazon-ebs\" \"web\" {\n  region = \"us-east-1\"\n  source_ami = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username = \"u\"\n  ami_name = \"web-${var.env}-${var.nope}-{{timestamp}}\"\n  regoin = \"x\"\n}\nbuild {\n  sources = [\"source.amazon-ebs.web\"]\n  provisioner \"shell\" {\n    inline = [\"echo ${upper(local.missing)}\"]\n  }\n  provisioner \"shell\" {\n    inlin = [\"x\"]\n  }\n}\n";
        let checked = run(text, &CheckOptions::default());
        // A value that can't be evaluated is not "missing" as well.
        let errors: Vec<(u32, u32, String)> = checked
            .errors()
            .map(|d| (d.line, d.column, d.field.clone()))
            .collect();
        assert_eq!(
            errors,
            [
                (9, 32, "source.amazon-ebs.web.ami_name".to_string()),
                (10, 3, "source.amazon-ebs.web.regoin".to_string()),
                (15, 29, "build.provisioner[0].inline".to_string()),
                (17, 3, "build.provisioner[1].inline".to_string()),
                (18, 5, "build.provisioner[1].inlin".to_string()),
            ],
            "{:#?}",
            checked.diagnostics
        );
    }

    #[test]
    fn regex_functions_and_legacy_isotime() {
        let f = |expr: &str| {
            let mut text = String::from("variable \"v\" {\n  default = \"x\"\n}\nlocals {\n  r = ");
            text.push_str(expr);
            text.push_str("\n}\n");
            let mut reader_ctx = RenderContext::fixed();
            EVAL.with(|e| {
                *e.borrow_mut() = Some(EvalWorld {
                    now: reader_ctx.now,
                    ids: std::mem::replace(&mut reader_ctx.ids, Box::new(String::new)),
                    env: BTreeMap::new(),
                    paths: (".".into(), ".".into()),
                    read_file: None,
                    file_exists: None,
                })
            });
            let value = expr
                .parse::<hcl::Expression>()
                .unwrap()
                .evaluate(&base_context(&RenderContext::fixed()));
            EVAL.with(|e| e.borrow_mut().take());
            value
        };
        assert_eq!(
            f(r#"regex_replace("Feature/Login Page!", "[^a-zA-Z0-9-]", "-")"#).unwrap(),
            hcl::Value::from("Feature-Login-Page-")
        );
        assert_eq!(
            f(r#"regex("^ami-([0-9a-f]+)$", "ami-0abc")"#).unwrap(),
            hcl::Value::Array(vec!["0abc".into()])
        );
        assert_eq!(
            f(r#"regex("v[0-9]+", "app-v12-x")"#).unwrap(),
            hcl::Value::from("v12")
        );
        assert!(f(r#"regex("^ami-", "img")"#).is_err());
        assert_eq!(
            f(r#"legacy_isotime("2006-01-02 15:04")"#).unwrap(),
            hcl::Value::from("2025-03-04 05:06")
        );
    }

    #[test]
    fn can_and_try_see_their_arguments_fail() {
        let text = "locals {\n  a = try(local.nope, \"fallback\")\n  b = can(regex(\"^x\", \"y\"))\n  c = can(regex(\"^y\", \"y\"))\n}\nsource \"amazon-ebs\" \"x\" {\n  region = \"us-east-1\"\n  source_ami = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username = \"u\"\n  ami_name = \"${local.a}-${local.b}-${local.c}\"\n}\nbuild { sources = [\"source.amazon-ebs.x\"] }\n";
        let checked = run(text, &CheckOptions::default());
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        let Builder::AmazonEbs(ebs) = &checked.template.unwrap().builders[0];
        assert_eq!(ebs.ami_name.as_deref(), Some("fallback-false-true"));
    }

    #[test]
    fn file_functions_read_through_the_hook_relative_to_path_root() {
        let text = r#"source "amazon-ebs" "x" {
  region        = "us-east-1"
  source_ami    = "ami-01ccc867"
  instance_type = "t3.micro"
  ssh_username  = "u"
  ami_name      = "x-{{timestamp}}"
  user_data     = file("scripts/boot.sh")
  tags = {
    Motd   = templatefile("/etc/motd.tpl", { name = "web", disks = ["a", "b"] })
    Exists = "${fileexists("scripts/boot.sh")}-${fileexists("nope")}"
    Gone   = "is ${file("gone.txt")}"
  }
}
build { sources = ["source.amazon-ebs.x"] }
"#;
        let options = CheckOptions {
            read_local_file: Some(|path| match path {
                "/t/scripts/boot.sh" => Ok("#!/bin/sh\necho hi\n".to_string()),
                "/etc/motd.tpl" => {
                    Ok("%{ for d in disks }${upper(d)}%{ endfor } on ${name}".to_string())
                }
                _ => Err(std::io::ErrorKind::NotFound.into()),
            }),
            local_file_exists: Some(|path| path == "/t/scripts/boot.sh"),
            ..CheckOptions::default()
        };
        let mut ctx = RenderContext::fixed();
        ctx.template_dir = "/t".to_string();
        let checked = check_hcl("t.pkr.hcl", text, &options, &mut ctx);
        let errors: Vec<(u32, u32, Code, String, String)> = checked
            .errors()
            .map(|d| (d.line, d.column, d.code, d.field.clone(), d.message.clone()))
            .collect();
        assert_eq!(
            errors,
            [(
                11,
                20,
                Code::LocalFile,
                "source.amazon-ebs.x.tags".to_string(),
                "file \"gone.txt\" does not exist (looked for /t/gone.txt)".to_string()
            )]
        );
        assert!(
            checked
                .errors()
                .next()
                .unwrap()
                .help
                .as_deref()
                .unwrap()
                .contains("path.root"),
            "says what to do"
        );
        let Builder::AmazonEbs(ebs) = &checked.template.unwrap().builders[0];
        assert_eq!(ebs.user_data.as_deref(), Some("#!/bin/sh\necho hi\n"));

        // Without the failing tag, every value is read.
        let fine = text.replace("    Gone   = \"is ${file(\"gone.txt\")}\"\n", "");
        let checked = check_hcl("t.pkr.hcl", &fine, &options, &mut ctx);
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        let Builder::AmazonEbs(ebs) = &checked.template.unwrap().builders[0];
        let tags = ebs.tags.as_ref().unwrap();
        assert_eq!(tags["Motd"], "AB on web");
        assert_eq!(tags["Exists"], "true-false");

        // An editor without a disk: file() says it can't read, at the call (one error per
        // attribute: the first value of `tags` that fails).
        let checked = run(&fine, &CheckOptions::default());
        let errors: Vec<(u32, u32, Code)> = checked
            .errors()
            .map(|d| (d.line, d.column, d.code))
            .collect();
        assert_eq!(
            errors,
            [(7, 19, Code::LocalFile), (9, 14, Code::LocalFile)],
            "{:#?}",
            checked.diagnostics
        );
        assert_eq!(
            resolve_path("~/k.pem", "/t", Some("/home/u")),
            "/home/u/k.pem"
        );
        assert_eq!(resolve_path("a/b", ".", None), "a/b");
    }

    #[test]
    fn errors_inside_template_directives_point_inside_them() {
        let source = |value: &str| {
            format!(
                "variable \"disks\" {{\n  default = [\"b\", \"c\"]\n}}\nsource \"amazon-ebs\" \"x\" {{\n  region        = \"us-east-1\"\n  source_ami    = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username  = \"u\"\n  ami_name      = \"x-{{{{timestamp}}}}\"\n  ami_description = {value}\n}}\nbuild {{ sources = [\"source.amazon-ebs.x\"] }}\n"
            )
        };
        let located = |value: &str| {
            let checked = run(&source(value), &CheckOptions::default());
            let errors: Vec<(u32, u32, String)> = checked
                .errors()
                .map(|d| (d.line, d.column, d.field.clone()))
                .collect();
            (errors, checked)
        };
        // Evaluated when right.
        let (errors, checked) =
            located(r#""%{ for d in var.disks }${upper(d)}%{ endfor }%{ if true }!%{ endif }""#);
        assert!(errors.is_empty(), "{:#?}", checked.diagnostics);
        let Builder::AmazonEbs(ebs) = &checked.template.unwrap().builders[0];
        assert_eq!(ebs.ami_description.as_deref(), Some("BC!"));
        // Column 21 is the value's opening quote: each error is at what fails inside.
        let cases = [
            // the condition of an if
            (r#""%{ if var.nope == "x" }a%{ endif }""#, 28),
            // inside the branch taken
            (r#""%{ if true }${local.gone}%{ else }b%{ endif }""#, 36),
            // the else branch taken
            (r#""%{ if false }a%{ else }${lowr("B")}%{ endif }""#, 47),
            // a for's collection
            (r#""%{ for d in var.disk }${d}%{ endfor }""#, 34),
            // inside a for's body, with the loop variable bound
            (
                r#""%{ for i, d in var.disks }${d}-${upper(i)}%{ endfor }""#,
                55,
            ),
            // a condition that is not true or false
            (r#""%{ if "yes" }a%{ endif }""#, 28),
            // a heredoc
            (
                "<<EOT\n%{ for d in var.disks }\n${d.size}\n%{ endfor }\nEOT",
                0,
            ),
        ];
        for (value, column) in cases {
            let (errors, checked) = located(value);
            let expected = if column == 0 {
                (12, 3, "source.amazon-ebs.x.ami_description".to_string())
            } else {
                (
                    10,
                    column,
                    "source.amazon-ebs.x.ami_description".to_string(),
                )
            };
            assert_eq!(errors, [expected], "{value}: {:#?}", checked.diagnostics);
        }
    }

    #[test]
    fn fields_inside_options_are_named_as_written_in_hcl() {
        let text = r#"data "amazon-ami" "base" {
  owners      = ["amazon"]
  most_recent = "maybe"
}
source "amazon-ebs" "web" {
  region        = "us-east-1"
  source_ami    = data.amazon-ami.base.id
  instance_type = "t3.micro"
  ssh_username  = "u"
  ami_name      = "web-{{timestamp}}"
  launch_block_device_mappings {
    device_name = "/dev/xvda"
    volume_size = 8
  }
  launch_block_device_mappings {
    device_name = "/dev/xvdb"
    volume_size = "big"
  }
}
build {
  sources = ["source.amazon-ebs.web"]
  provisioner "shell" {
    inline   = ["a", "b", { x = 1 }]
    override = {
      "amazon-ebs.web" = { inlin = ["x"] }
    }
  }
}
"#;
        let checked = run(text, &CheckOptions::default());
        let errors: Vec<(u32, u32, &str)> = checked
            .errors()
            .map(|d| (d.line, d.column, d.field.as_str()))
            .collect();
        for expected in [
            // the data source that stands for the source_ami_filter
            (1, 1, "data.amazon-ami.base"),
            // the second block, at its own line; the first block is kept
            (
                17,
                19,
                "source.amazon-ebs.web.launch_block_device_mappings[1].volume_size",
            ),
            (23, 16, "build.provisioner[0].inline[2]"),
            // (inside an object expression, keys sit at the expression)
            (
                24,
                16,
                "build.provisioner[0].override[\"amazon-ebs.web\"].inlin",
            ),
        ] {
            assert!(errors.contains(&expected), "{expected:?} in {errors:#?}");
        }
        let template = checked.template.unwrap();
        let Builder::AmazonEbs(ebs) = &template.builders[0];
        let sizes: Vec<Option<u32>> = ebs
            .launch_block_device_mappings
            .iter()
            .flatten()
            .map(|d| d.volume_size)
            .collect();
        assert_eq!(sizes, [Some(8), None], "only the wrong value is left out");
        assert_eq!(
            hcl_field(
                "provisioners[0].override.amazon-ebs.web.inline[1]",
                &[("provisioners[0]".into(), "build.provisioner[0]".into())],
                &["amazon-ebs.web".into()]
            ),
            "build.provisioner[0].override[\"amazon-ebs.web\"].inline[1]"
        );
    }

    #[test]
    fn formatdate_follows_its_own_spec() {
        let f = |spec: &str| {
            format!("formatdate(\"{spec}\", \"2025-03-04T05:06:07Z\")")
                .parse::<hcl::Expression>()
                .unwrap()
                .evaluate(&base_context(&RenderContext::fixed()))
        };
        assert_eq!(
            f("YYYY-MM-DD'T'hh:mm:ssZ").unwrap(),
            hcl::Value::from("2025-03-04T05:06:07Z")
        );
        assert_eq!(
            f("DD MMM YY, H:mm AA").unwrap(),
            hcl::Value::from("04 Mar 25, 5:06 AM")
        );
        assert!(f("YYYY-QQ").is_err());
    }
}
