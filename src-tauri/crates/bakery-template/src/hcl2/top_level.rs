//! The HCL2 reader's walk: a template's top-level blocks in the order written, turned into the
//! JSON template's tree, with every problem reported at its line. What each block means is in
//! the sibling modules (variables, blocks, dynamic blocks).

use std::collections::BTreeMap;

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};

use super::functions::base_context;
use super::reader::{Reader, label};
use super::values::{member, node};
use super::variables::Declarations;
use crate::check::CheckOptions;
use crate::diagnostic::Code;
use crate::json::{Node, Position, Value};
use crate::render::RenderContext;
use crate::suggest::did_you_mean;
use crate::{Secret, model};

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

impl Reader<'_> {
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
                                    self.unsupported_data.push(kind.to_string());
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
