//! The HCL2 reader: walks a template's top-level blocks in the order written and turns them
//! into the JSON template's tree, with every problem reported at its line. What each block
//! means is in the sibling modules (variables, blocks, dynamic blocks).

use std::collections::BTreeMap;

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};

use super::expressions::{member, node};
use super::functions::base_context;
use super::variables::Declarations;
use crate::check::CheckOptions;
use crate::diagnostic::{Code, Diagnostic};
use crate::json::{Node, Position, Value};
use crate::render::RenderContext;
use crate::suggest::did_you_mean;
use crate::{Secret, model};

/// What reading a template collects besides the tree: its problems, and how its JSON paths
/// are named in HCL2.
pub(super) struct Reader<'a> {
    /// The first build's `description`.
    pub(super) description: Option<String>,
    /// `packer { required_version = ">= X" }`'s X.
    pub(super) min_packer_version: Option<String>,
    /// The template's text.
    pub(super) source: &'a str,
    /// Where each line of it starts.
    pub(super) lines: Vec<usize>,
    /// The problems found while reading, beside the checker's.
    pub(super) out: Vec<Diagnostic>,
    /// `data "amazon-ami" "NAME"` blocks, as the source AMI filter they stand for.
    pub(super) amis: BTreeMap<String, Node>,
    /// `path.root` and `path.cwd`.
    pub(super) paths: (String, String),
    /// The JSON tree's paths (`builders[0]`) and what they are in HCL2
    /// (`source.amazon-ebs.web`), for the checker's diagnostics.
    pub(super) fields: Vec<(String, String)>,
    /// The builders' names (`TYPE.NAME`), which `override` keys are.
    pub(super) builder_names: Vec<String>,
    /// `build`, or `build[i]` when there are several.
    pub(super) build_label: String,
    /// Fields whose value could not be evaluated (already reported): not "missing" too.
    pub(super) failed: Vec<String>,
}

/// The blocks a template has at its top level.
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

/// The byte offset where each line starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// A block's `i`th label, as written.
pub(super) fn label(block: &Block, i: usize) -> Option<&str> {
    block.labels.get(i).map(|l| match l {
        BlockLabel::Ident(ident) => ident.as_str(),
        BlockLabel::String(s) => s.as_str(),
    })
}

impl<'a> Reader<'a> {
    /// A reader of `source`, whose `path.root` and `path.cwd` are the context's.
    pub(super) fn new(source: &'a str, ctx: &RenderContext) -> Self {
        Reader {
            description: None,
            min_packer_version: None,
            source,
            lines: line_starts(source),
            out: Vec::new(),
            amis: BTreeMap::new(),
            paths: (ctx.template_dir.clone(), ctx.working_dir.clone()),
            fields: Vec::new(),
            builder_names: Vec::new(),
            build_label: String::new(),
            failed: Vec::new(),
        }
    }

    /// The position of a byte offset, as a value no JSON string walk applies to.
    pub(super) fn position(&self, offset: usize) -> Position {
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

    /// The position where a span starts (the file's start without one).
    pub(super) fn at(&self, span: Option<std::ops::Range<usize>>) -> Position {
        self.position(span.map_or(0, |s| s.start))
    }

    /// Reports an error; the caller may add help to it.
    pub(super) fn error(
        &mut self,
        code: Code,
        at: Position,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.out.push(Diagnostic::error(code, at, field, message));
        self.out.last_mut().expect("just pushed")
    }

    /// The template as the JSON template's tree, its variables, and the values to hide.
    pub(super) fn read(
        &mut self,
        body: &Body,
        options: &CheckOptions,
        ctx: &RenderContext,
    ) -> (Node, Vec<model::Variable>, Vec<Secret>) {
        let mut declarations = Declarations::default();
        let mut locals: Vec<(String, Position, Expression)> = Vec::new();
        let mut sources: BTreeMap<String, &Block> = BTreeMap::new();
        let mut builds: Vec<&Block> = Vec::new();
        let mut amis: Vec<(&str, &Block)> = Vec::new();
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
                        "variable" => self.variable_block(block, at, &mut declarations),
                        "variables" => self.variables_block(block, &mut declarations),
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
                                d.fix = Some(near.to_string());
                            }
                        }
                    }
                }
            }
        }

        let values = self.variable_values(&mut declarations, options, ctx);
        let mut sensitive_values = values.sensitive;
        let mut context = base_context(ctx);
        context.declare_var("var", hcl::Value::Object(values.var));
        self.validate(declarations, &context);
        let data = self.amazon_ami_data(amis, &context);
        context.declare_var("data", data);
        let local_values = self.locals(locals, &context);
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
        (root, values.model, sensitive_values)
    }
}
