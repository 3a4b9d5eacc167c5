//! HCL2 `build` blocks and the bodies inside them: a build's sources become the JSON
//! template's builders (a build's own `source` block adding settings), its `provisioner`,
//! `post-processor` and `post-processors` blocks its steps, and `data "amazon-ami"` the source
//! AMI filter of the sources that use its `.id`. Repeated blocks become lists.

use std::collections::BTreeMap;

use hcl::eval::Context;
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};

use super::expressions::eval;
use super::reader::{Reader, label};
use super::values::{from_hcl, member, node};
use crate::diagnostic::Code;
use crate::json::{Member, Node, Position, Value};
use crate::model::hcl_build_name;
use crate::suggest::did_you_mean;

impl Reader<'_> {
    /// `data "amazon-ami"` blocks: each is the source AMI filter of the sources whose
    /// `source_ami` is its `.id` (kept for [`Reader::build`]); the value of `data` in
    /// expressions, where their id and name are the build-time `{{ .SourceAMI }}` /
    /// `{{ .SourceAMIName }}`.
    pub(super) fn amazon_ami_data(
        &mut self,
        amis: Vec<(&str, &Block)>,
        context: &Context,
    ) -> hcl::Value {
        // An amazon-ami data source is the source AMI filter of the sources using its id; its
        // id and name are known when the bake resolves it (Packer's build-time values).
        let mut by_name = hcl::Map::new();
        for (name, block) in amis {
            let mut filter = Vec::new();
            for m in self.body_members(
                &block.body,
                context,
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
        hcl::Value::Object(data)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn build(
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
                    node(at, Value::String(hcl_build_name(&kind, &name))),
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
            self.builder_names.push(hcl_build_name(&kind, &name));
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
    pub(super) fn step(
        &mut self,
        block: &Block,
        kind: &str,
        context: &Context,
        path: &str,
    ) -> Node {
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

    /// The attributes and nested blocks of a body, evaluated; repeated blocks become lists.
    pub(super) fn body_members(
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

/// `NAME` in an expression written as `data.amazon-ami.NAME.id`.
pub(super) fn ami_reference(written: &str) -> Option<String> {
    let rest = &written[written.find("data.amazon-ami.")? + "data.amazon-ami.".len()..];
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    rest[name.len()..].starts_with(".id").then_some(name)
}
