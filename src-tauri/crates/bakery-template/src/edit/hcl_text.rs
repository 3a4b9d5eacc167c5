//! Edits of HCL2 files, over `hcl-edit`'s spans: blocks are named by their type and labels
//! (`source.amazon-ebs.web`) or by their index among the blocks of that type
//! (`build.provisioner[1]`); attributes, list items and map entries by key and index.
//!
//! A new attribute goes on its own line after the block's last attribute, its `=` aligned with
//! that line's like `packer fmt` aligns a run of attributes; an object value becomes a nested
//! block where the format has one ([`crate::export::HCL_BLOCKS`], `provisioner`), a map
//! (`tags = {…}`) otherwise. A string is written as literal text (`${` doubled), like the
//! converter writes it; [`FieldValue::Expression`] is how expressions are read.

use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::{Array, Expression, Object, ObjectKey};
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};
use hcl_edit::template::Element;
use serde_json::Value as Json;

use super::change::{Change, EditError, FieldValue};
use super::layout::Patch;
use super::layout::{self, Items, ListDiff};
use super::path::{self, Segment};
use crate::convert::{hcl_string, is_identifier};
use crate::export::HCL_BLOCKS;

/// Blocks that hold a list of steps, written with their type as the label.
const STEP_BLOCKS: &[&str] = &["provisioner", "post-processor"];

/// Whether `key` is written as nested blocks when its value is an object (or a list of them).
fn block_key(key: &str) -> bool {
    HCL_BLOCKS.contains(&key) || STEP_BLOCKS.contains(&key) || key == "post-processors"
}

fn span(item: &impl Span) -> Range<usize> {
    item.span().unwrap_or(0..0)
}

/// Reads the file, or says where it does not parse.
fn read(source: &str, path: &str) -> Result<Body, EditError> {
    hcl_edit::parser::parse_body(source).map_err(|err| {
        let line = err.location().line();
        let column = err.location().column();
        EditError {
            path: path.to_string(),
            message: format!(
                "the file is not valid HCL ({}): fix the text before editing a field",
                err.message()
            ),
            line: Some(line),
            column: Some(column),
        }
    })
}

/// A place a path leads to.
#[derive(Clone, Copy)]
enum Place<'b> {
    /// The body of a block (the file's top level when `block` is `None`).
    Body(&'b Body, Option<&'b Block>),
    /// The blocks of one type in a body (`provisioner` without an index).
    Blocks(&'b Body, Option<&'b Block>, &'b str),
    /// An expression (an attribute's value, a list item, a map entry's value).
    Expr(&'b Expression),
    /// The type label of a step block (`provisioner "shell"`), as its `type`.
    Label(&'b Block),
}

enum Walk<'b> {
    Found(Place<'b>),
    /// `place` is the deepest that exists; `depth` segments lead to it.
    Missing {
        place: Place<'b>,
        depth: usize,
    },
    /// A value that holds nothing (`depth` segments lead to it).
    NotContainer {
        at: usize,
        depth: usize,
        what: &'static str,
    },
}

fn blocks_of<'b>(body: &'b Body, ident: &str) -> Vec<&'b Block> {
    body.blocks()
        .filter(|b| b.ident.as_str() == ident)
        .collect()
}

fn label_text(label: &BlockLabel) -> &str {
    match label {
        BlockLabel::Ident(ident) => ident.as_str(),
        BlockLabel::String(s) => s.as_str(),
    }
}

fn object_key_text(key: &ObjectKey) -> Option<String> {
    match key {
        ObjectKey::Ident(ident) => Some(ident.as_str().to_string()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.as_str().to_string()),
        ObjectKey::Expression(Expression::Variable(v)) => Some(v.as_str().to_string()),
        ObjectKey::Expression(_) => None,
    }
}

fn walk<'b>(top: &'b Body, segments: &[Segment]) -> Walk<'b> {
    let mut place = Place::Body(top, None);
    let mut depth = 0;
    while depth < segments.len() {
        let segment = &segments[depth];
        let missing = Walk::Missing { place, depth };
        match place {
            Place::Body(body, block) => {
                let Segment::Key(key) = segment else {
                    return Walk::NotContainer {
                        at: block.map_or(0, |b| span(b).start),
                        depth,
                        what: "a block",
                    };
                };
                if let Some(attribute) = body.get_attribute(key) {
                    place = Place::Expr(&attribute.value);
                    depth += 1;
                    continue;
                }
                if key == "type"
                    && let Some(block) = block
                    && block.labels.len() == 1
                    && STEP_BLOCKS.contains(&block.ident.as_str())
                {
                    place = Place::Label(block);
                    depth += 1;
                    continue;
                }
                let blocks = blocks_of(body, key);
                let labels = blocks.first().map_or(0, |b| b.labels.len());
                if blocks.is_empty() {
                    return missing;
                }
                if labels > 0 && !matches!(segments.get(depth + 1), Some(Segment::Index(_))) {
                    let wanted = &segments[depth + 1..];
                    if wanted.len() < labels {
                        return Walk::Found(Place::Blocks(body, block, blocks[0].ident.as_str()));
                    }
                    let found = blocks.iter().find(|b| {
                        b.labels.iter().zip(wanted).all(|(label, segment)| {
                            matches!(segment, Segment::Key(k) if k == label_text(label))
                        })
                    });
                    match found {
                        Some(found) => {
                            place = Place::Body(&found.body, Some(found));
                            depth += 1 + labels;
                        }
                        None => return missing,
                    }
                    continue;
                }
                match segments.get(depth + 1) {
                    Some(Segment::Index(i)) => match blocks.get(*i) {
                        Some(found) => {
                            place = Place::Body(&found.body, Some(found));
                            depth += 2;
                        }
                        None => {
                            return Walk::Missing {
                                place: Place::Blocks(body, block, blocks[0].ident.as_str()),
                                depth: depth + 1,
                            };
                        }
                    },
                    None => {
                        return Walk::Found(Place::Blocks(body, block, blocks[0].ident.as_str()));
                    }
                    Some(Segment::Key(_)) if blocks.len() == 1 => {
                        place = Place::Body(&blocks[0].body, Some(blocks[0]));
                        depth += 1;
                    }
                    Some(Segment::Key(_)) => {
                        return Walk::NotContainer {
                            at: span(blocks[1]).start,
                            depth,
                            what: "several blocks (say which one, as NAME[0])",
                        };
                    }
                }
            }
            Place::Blocks(body, block, ident) => {
                // Only reached through an index right after the type.
                let Segment::Index(i) = segment else {
                    return missing;
                };
                match blocks_of(body, ident).get(*i) {
                    Some(found) => place = Place::Body(&found.body, Some(found)),
                    None => {
                        return Walk::Missing {
                            place: Place::Blocks(body, block, ident),
                            depth,
                        };
                    }
                }
                depth += 1;
            }
            Place::Expr(expr) => {
                let next = match (expr, segment) {
                    (Expression::Array(array), Segment::Index(i)) => array.get(*i),
                    (Expression::Object(object), Segment::Key(key)) => object
                        .iter()
                        .find(|(k, _)| object_key_text(k).as_deref() == Some(key.as_str()))
                        .map(|(_, v)| v.expr()),
                    (Expression::Array(_), _) => {
                        return Walk::NotContainer {
                            at: span(expr).start,
                            depth,
                            what: "a list",
                        };
                    }
                    (Expression::Object(_), _) => {
                        return Walk::NotContainer {
                            at: span(expr).start,
                            depth,
                            what: "a map",
                        };
                    }
                    _ => {
                        return Walk::NotContainer {
                            at: span(expr).start,
                            depth,
                            what: "a value that is not a list or map",
                        };
                    }
                };
                match next {
                    Some(next) => {
                        place = Place::Expr(next);
                        depth += 1;
                    }
                    None => return missing,
                }
            }
            Place::Label(block) => {
                return Walk::NotContainer {
                    at: span(block).start,
                    depth,
                    what: "a step type",
                };
            }
        }
    }
    Walk::Found(place)
}

/// The literal value of an expression, when it is one.
fn literal(expr: &Expression) -> Option<Json> {
    Some(match expr {
        Expression::Null(_) => Json::Null,
        Expression::Bool(b) => Json::Bool(*b.value()),
        Expression::Number(n) => {
            let n = n.value();
            if let Some(u) = n.as_u64() {
                Json::from(u)
            } else if let Some(i) = n.as_i64() {
                Json::from(i)
            } else {
                serde_json::Number::from_f64(n.as_f64()?).map(Json::Number)?
            }
        }
        Expression::String(s) => Json::String(s.as_str().to_string()),
        Expression::StringTemplate(template) => {
            let mut text = String::new();
            for element in template {
                match element {
                    Element::Literal(s) => text.push_str(s.as_str()),
                    _ => return None,
                }
            }
            Json::String(text)
        }
        Expression::Array(array) => Json::Array(array.iter().map(literal).collect::<Option<_>>()?),
        Expression::Object(object) => Json::Object(
            object
                .iter()
                .map(|(k, v)| Some((object_key_text(k)?, literal(v.expr())?)))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

/// A block's body as an object of literals (its type label as `type` for a step).
fn body_literal(body: &Body, block: Option<&Block>) -> Option<Json> {
    let mut out = serde_json::Map::new();
    if let Some(block) = block
        && block.labels.len() == 1
        && STEP_BLOCKS.contains(&block.ident.as_str())
    {
        out.insert(
            "type".to_string(),
            Json::String(label_text(&block.labels[0]).to_string()),
        );
    }
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => {
                out.insert(a.key.as_str().to_string(), literal(&a.value)?);
            }
            Structure::Block(b) => {
                let ident = b.ident.as_str();
                if out.contains_key(ident) {
                    continue;
                }
                out.insert(ident.to_string(), blocks_literal(body, ident)?);
            }
        }
    }
    Some(Json::Object(out))
}

/// The blocks of one type as literals: a list when the option is a list (or there are several),
/// else one object.
fn blocks_literal(body: &Body, ident: &str) -> Option<Json> {
    let blocks = blocks_of(body, ident);
    let values = blocks
        .iter()
        .map(|b| body_literal(&b.body, Some(b)))
        .collect::<Option<Vec<_>>>()?;
    if values.len() == 1 && !list_of_blocks(ident) {
        values.into_iter().next()
    } else {
        Some(Json::Array(values))
    }
}

/// Options whose blocks are a list (several may be written).
fn list_of_blocks(ident: &str) -> bool {
    ident.ends_with("_mappings") || STEP_BLOCKS.contains(&ident) || ident == "post-processors"
}

/// A JSON template's path in this file's terms, like the checker names fields in HCL2:
/// `builders[i]` is the `i`th source the builds bake (`source.TYPE.NAME`), `provisioners[k]`
/// the `k`th provisioner block of the builds, `variables.NAME` the variable's default. `None`
/// when the path is not one of those.
fn json_style(body: &Body, segments: &[Segment]) -> Option<Vec<Segment>> {
    let key = |k: &str| Segment::Key(k.to_string());
    let (Segment::Key(first), rest) = segments.split_first()? else {
        return None;
    };
    let builds = blocks_of(body, "build");
    let build_path = |b: usize| {
        if builds.len() > 1 {
            vec![key("build"), Segment::Index(b)]
        } else {
            vec![key("build")]
        }
    };
    match (first.as_str(), rest) {
        ("builders", [Segment::Index(i), more @ ..]) => {
            let mut references = Vec::new();
            for build in &builds {
                if let Some(attribute) = build.body.get_attribute("sources")
                    && let Expression::Array(list) = &attribute.value
                {
                    references.extend(list.iter().filter_map(|e| match e {
                        Expression::String(s) => Some(s.as_str().to_string()),
                        _ => None,
                    }));
                }
                references.extend(
                    build
                        .body
                        .blocks()
                        .filter(|b| b.ident.as_str() == "source")
                        .filter_map(|b| b.labels.first().map(|l| label_text(l).to_string())),
                );
            }
            let declared: Vec<String> = blocks_of(body, "source")
                .iter()
                .filter(|b| b.labels.len() == 2)
                .map(|b| format!("{}.{}", label_text(&b.labels[0]), label_text(&b.labels[1])))
                .collect();
            let reference = references
                .iter()
                .map(|r| r.strip_prefix("source.").unwrap_or(r))
                .filter(|r| declared.iter().any(|d| d == r))
                .nth(*i)?;
            let (kind, name) = reference.split_once('.')?;
            let mut out = vec![key("source"), key(kind), key(name)];
            out.extend(more.iter().cloned());
            Some(out)
        }
        ("provisioners", [Segment::Index(k), more @ ..]) => {
            let mut k = *k;
            for (b, build) in builds.iter().enumerate() {
                let count = blocks_of(&build.body, "provisioner").len();
                if k < count || (k == count && b + 1 == builds.len()) {
                    let mut out = build_path(b);
                    out.extend([key("provisioner"), Segment::Index(k)]);
                    out.extend(more.iter().cloned());
                    return Some(out);
                }
                k -= count;
            }
            None
        }
        ("variables", [Segment::Key(name)]) => {
            Some(vec![key("variable"), key(name), key("default")])
        }
        _ => None,
    }
}

/// The value at `segments`, as written.
pub(super) fn get(
    source: &str,
    path: &str,
    segments: &[Segment],
) -> Result<Option<FieldValue>, EditError> {
    let body = read(source, path)?;
    Ok(get_in(&body, source, segments))
}

/// The value at `segments` of the parsed file `body` (whose text is `source`), as written.
pub(super) fn get_in(body: &Body, source: &str, segments: &[Segment]) -> Option<FieldValue> {
    let translated = json_style(body, segments);
    let segments = translated.as_deref().unwrap_or(segments);
    let found = match walk(body, segments) {
        Walk::Found(place) => place,
        _ => return None,
    };
    let (value, range) = match found {
        Place::Expr(expr) => (literal(expr), span(expr)),
        Place::Label(block) => (
            Some(Json::String(label_text(&block.labels[0]).to_string())),
            0..0,
        ),
        Place::Body(body, block) => (
            body_literal(body, block),
            block.map_or(0..source.len(), span),
        ),
        Place::Blocks(body, _, ident) => {
            let blocks = blocks_of(body, ident);
            let range = blocks.first().map_or(0..0, |b| span(*b)).start
                ..blocks.last().map_or(0..0, |b| span(*b)).end;
            (blocks_literal(body, ident), range)
        }
    };
    Some(match value {
        Some(value) => FieldValue::Literal(value),
        None => FieldValue::Expression(source[range].to_string()),
    })
}

/// The bytes of the value at `segments`.
pub(super) fn locate(
    source: &str,
    path: &str,
    segments: &[Segment],
) -> Result<Option<Range<usize>>, EditError> {
    let body = read(source, path)?;
    let translated = json_style(&body, segments);
    let segments = translated.as_deref().unwrap_or(segments);
    Ok(match walk(&body, segments) {
        Walk::Found(Place::Expr(expr)) => Some(span(expr)),
        Walk::Found(Place::Label(block)) => Some(span(&block.labels[0])),
        Walk::Found(Place::Body(_, Some(block))) => Some(span(block)),
        Walk::Found(Place::Body(_, None)) => Some(0..source.len()),
        Walk::Found(Place::Blocks(body, _, ident)) => {
            let blocks = blocks_of(body, ident);
            Some(span(blocks[0]).start..span(blocks[blocks.len() - 1]).end)
        }
        _ => None,
    })
}

/// How the file writes values: its indentation step.
struct Style {
    unit: String,
}

/// A map key or attribute name as written.
fn key_text(key: &str) -> String {
    if is_identifier(key) && !key.contains('-') {
        key.to_string()
    } else {
        hcl_string(key)
    }
}

impl Style {
    /// `value` as an HCL2 expression on a line indented by `indent`.
    fn value(&self, value: &Json, indent: &str) -> String {
        match value {
            Json::String(s) => hcl_string(s),
            Json::Array(items) if items.is_empty() => "[]".to_string(),
            Json::Object(members) if members.is_empty() => "{}".to_string(),
            Json::Array(items) => {
                let inline = items
                    .iter()
                    .map(|v| match v {
                        Json::Array(_) | Json::Object(_) => None,
                        scalar => Some(self.value(scalar, indent)),
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(|items| format!("[{}]", items.join(", ")));
                match inline {
                    Some(line) if indent.len() + line.len() <= 80 => line,
                    _ => {
                        let inner = format!("{indent}{}", self.unit);
                        let mut out = "[\n".to_string();
                        for item in items {
                            out.push_str(&format!("{inner}{},\n", self.value(item, &inner)));
                        }
                        out.push_str(indent);
                        out.push(']');
                        out
                    }
                }
            }
            Json::Object(members) => {
                let inner = format!("{indent}{}", self.unit);
                let entries: Vec<(String, &Json)> =
                    members.iter().map(|(k, v)| (key_text(k), v)).collect();
                format!("{{\n{}{indent}}}", self.aligned(&entries, &inner))
            }
            scalar => scalar.to_string(),
        }
    }

    /// `key = value` lines, the `=` of one-line values aligned.
    fn aligned(&self, entries: &[(String, &Json)], indent: &str) -> String {
        let values: Vec<String> = entries.iter().map(|(_, v)| self.value(v, indent)).collect();
        let width = entries
            .iter()
            .zip(&values)
            .filter(|(_, v)| !v.contains('\n'))
            .map(|((k, _), _)| k.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for ((key, _), value) in entries.iter().zip(&values) {
            let pad = if value.contains('\n') {
                0
            } else {
                width.saturating_sub(key.chars().count())
            };
            out.push_str(&format!("{indent}{key}{} = {value}\n", " ".repeat(pad)));
        }
        out
    }

    /// The lines of a block body holding `object`: attributes first, aligned, then nested
    /// blocks.
    fn body(&self, object: &serde_json::Map<String, Json>, indent: &str, skip: &[&str]) -> String {
        let attributes: Vec<(String, &Json)> = object
            .iter()
            .filter(|(k, v)| !skip.contains(&k.as_str()) && !is_block_value(k, v))
            .map(|(k, v)| (key_text(k), v))
            .collect();
        let mut out = self.aligned(&attributes, indent);
        for (key, value) in object.iter().filter(|(k, v)| is_block_value(k, v)) {
            let objects = match value {
                Json::Array(items) => items.iter().collect(),
                one => vec![one],
            };
            for object in objects {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(indent);
                out.push_str(&self.block(key, object, indent));
                out.push('\n');
            }
        }
        out
    }

    /// A block `ident { … }` holding `value` (a step's `type` becomes its label), starting on
    /// a line indented by `indent`.
    fn block(&self, ident: &str, value: &Json, indent: &str) -> String {
        let empty = serde_json::Map::new();
        let object = value.as_object().unwrap_or(&empty);
        let mut head = ident.to_string();
        if STEP_BLOCKS.contains(&ident) {
            let kind = object.get("type").and_then(Json::as_str).unwrap_or("shell");
            head.push_str(&format!(" {}", hcl_string(kind)));
        }
        let inner = format!("{indent}{}", self.unit);
        let body = self.body(object, &inner, &["type"]);
        format!("{head} {{\n{body}{indent}}}")
    }
}

/// Whether `value` under `key` is written as nested blocks.
fn is_block_value(key: &str, value: &Json) -> bool {
    block_key(key)
        && match value {
            Json::Object(_) => true,
            Json::Array(items) => !items.is_empty() && items.iter().all(Json::is_object),
            _ => false,
        }
}

/// The patches that make `change`.
pub(super) fn patches(
    source: &str,
    change: &Change,
    segments: &[Segment],
) -> Result<Vec<Patch>, EditError> {
    let path = change.path();
    let body = read(source, path)?;
    let translated = json_style(&body, segments);
    let segments = translated.as_deref().unwrap_or(segments);
    let editor = Editor {
        source,
        path,
        style: Style {
            unit: layout::indent_unit(source),
        },
    };
    let mut out = Vec::new();
    match change {
        Change::Set { value, .. } => editor.set(&body, segments, value, &mut out)?,
        Change::SetExpression { expression, .. } => {
            editor.set_expression(&body, segments, expression, &mut out)?
        }
        Change::Unset { .. } => {
            if let Walk::Found(place) = walk(&body, segments) {
                editor.unset(&body, segments, place, &mut out)?;
            }
        }
        Change::Insert { value, .. } => {
            let (list, index) = editor.list_item(&body, segments, true)?;
            match list {
                Some(list) => editor.insert(list, index, value, &mut out)?,
                None => editor.set(
                    &body,
                    &segments[..segments.len() - 1],
                    &Json::Array(vec![value.clone()]),
                    &mut out,
                )?,
            }
        }
        Change::Remove { .. } => {
            let (list, index) = editor.list_item(&body, segments, false)?;
            let list = list.ok_or_else(|| editor.missing(segments))?;
            editor.remove(list, index, index, &mut out);
        }
        Change::Move { to, .. } => {
            let (list, index) = editor.list_item(&body, segments, false)?;
            let list = list.ok_or_else(|| editor.missing(segments))?;
            let len = editor.len(list);
            if *to >= len {
                return Err(EditError::new(
                    path,
                    format!(
                        "can't move the item to [{to}]: the list has {len} item(s), so the last place is [{}]",
                        len - 1
                    ),
                ));
            }
            match list {
                Place::Expr(Expression::Array(array)) => {
                    out.extend(editor.items(array).move_item(source, index, *to));
                }
                Place::Blocks(body, _, ident) => {
                    let slots = Items {
                        open: 0,
                        close: 0,
                        items: blocks_of(body, ident)
                            .iter()
                            .map(|b| editor.with_comments(span(*b)))
                            .collect(),
                    };
                    out.extend(slots.move_item(source, index, *to));
                }
                _ => return Err(editor.missing(segments)),
            }
        }
    }
    Ok(out)
}

struct Editor<'a> {
    source: &'a str,
    path: &'a str,
    style: Style,
}

/// A list a path's last index points into.
type ListPlace<'b> = Place<'b>;

impl Editor<'_> {
    fn missing(&self, segments: &[Segment]) -> EditError {
        EditError::new(
            self.path,
            format!(
                "{} is not in the file: check the path (the checker's field names, like source.amazon-ebs.NAME.ami_name)",
                path::join(segments)
            ),
        )
    }

    fn indent_at(&self, offset: usize) -> &str {
        layout::indent_of(self.source, offset)
    }

    /// A block's bytes with the comment lines right above it.
    fn with_comments(&self, range: Range<usize>) -> Range<usize> {
        let mut start = layout::line_start(self.source, range.start);
        while start > 0 {
            let above = layout::line_start(self.source, start - 1);
            let line = self.source[above..start].trim();
            if line.starts_with('#') || line.starts_with("//") {
                start = above;
            } else {
                break;
            }
        }
        if start == layout::line_start(self.source, range.start) {
            return range;
        }
        start + self.indent_at(start).len()..range.end
    }

    fn items(&self, array: &Array) -> Items {
        let whole = span(array);
        Items {
            open: whole.start,
            close: whole.end.saturating_sub(1),
            items: array.iter().map(span).collect(),
        }
    }

    fn len(&self, list: ListPlace) -> usize {
        match list {
            Place::Expr(Expression::Array(array)) => array.len(),
            Place::Blocks(body, _, ident) => blocks_of(body, ident).len(),
            _ => 0,
        }
    }

    /// The list an item path (`…[i]`) points into (a list attribute, or the blocks of one
    /// type) and the index; `None` for the list when it is absent (for an insertion at
    /// `[0]`). `insert` allows the index one past the end.
    fn list_item<'b>(
        &self,
        top: &'b Body,
        segments: &[Segment],
        insert: bool,
    ) -> Result<(Option<ListPlace<'b>>, usize), EditError> {
        let Some((Segment::Index(index), parent)) = segments.split_last() else {
            return Err(EditError::new(
                self.path,
                "the path must end in a list index, like build.provisioner[1]",
            ));
        };
        let list = match walk(top, parent) {
            Walk::Found(place @ (Place::Expr(Expression::Array(_)) | Place::Blocks(..))) => place,
            Walk::Found(Place::Expr(expr)) => {
                return Err(EditError::at(
                    self.path,
                    format!("{} is not a list", path::join(parent)),
                    self.source,
                    span(expr).start,
                ));
            }
            Walk::Missing { place, depth }
                if insert && *index == 0 && depth + 1 == parent.len() =>
            {
                // No such list (or blocks of that type) yet: the insertion creates it.
                if let Place::Body(..) = place {
                    return Ok((None, 0));
                }
                return Err(self.missing(parent));
            }
            _ => return Err(self.missing(parent)),
        };
        let len = self.len(list);
        let last = if insert { len } else { len.saturating_sub(1) };
        if *index > last || (!insert && len == 0) {
            return Err(EditError::new(
                self.path,
                format!(
                    "{} has {len} item(s): use an index from 0 to {last}",
                    path::join(parent)
                ),
            ));
        }
        Ok((Some(list), *index))
    }

    fn set_expression(
        &self,
        top: &Body,
        segments: &[Segment],
        expression: &str,
        out: &mut Vec<Patch>,
    ) -> Result<(), EditError> {
        let text = expression.trim();
        if let Err(err) = hcl_edit::parser::parse_expr(text) {
            return Err(EditError::new(
                self.path,
                format!("{text:?} is not an HCL2 expression: {}", err.message()),
            ));
        }
        match walk(top, segments) {
            Walk::Found(Place::Expr(expr)) => {
                let range = span(expr);
                if self.source[range.clone()] != *text {
                    out.push(Patch {
                        start: range.start,
                        end: range.end,
                        text: text.to_string(),
                    });
                }
                Ok(())
            }
            Walk::Missing {
                place: Place::Body(body, Some(block)),
                depth,
            } if depth + 1 == segments.len() => {
                let Segment::Key(key) = &segments[depth] else {
                    return Err(self.missing(segments));
                };
                // Written like a value, then the value's text swapped for the expression.
                let placeholder = Json::Null;
                let mut patch = self.add_to_body(body, Some(block), key, &placeholder);
                if let Some(at) = patch.text.rfind("= null") {
                    patch.text.replace_range(at + 2..at + 6, text);
                }
                out.push(patch);
                Ok(())
            }
            Walk::Missing {
                place: Place::Expr(Expression::Object(object)),
                depth,
            } if depth + 1 == segments.len() => {
                let Segment::Key(key) = &segments[depth] else {
                    return Err(self.missing(segments));
                };
                let mut patch = self.add_entry(object, key, &Json::Null);
                if let Some(at) = patch.text.rfind("= null") {
                    patch.text.replace_range(at + 2..at + 6, text);
                }
                out.push(patch);
                Ok(())
            }
            _ => Err(EditError::new(
                self.path,
                "an expression goes in an attribute or a map entry: check the path",
            )),
        }
    }

    fn set(
        &self,
        top: &Body,
        segments: &[Segment],
        value: &Json,
        out: &mut Vec<Patch>,
    ) -> Result<(), EditError> {
        match walk(top, segments) {
            Walk::Found(place) => self.replace(place, value, out),
            Walk::NotContainer { at, depth, what } => Err(EditError::at(
                self.path,
                format!(
                    "{} is {what}, so it has no {}",
                    path::join(&segments[..depth]),
                    segments[depth]
                ),
                self.source,
                at,
            )),
            Walk::Missing { place, depth } => {
                let mut wrapped = value.clone();
                for segment in segments[depth + 1..].iter().rev() {
                    match segment {
                        Segment::Key(key) => {
                            let mut object = serde_json::Map::new();
                            object.insert(key.clone(), wrapped);
                            wrapped = Json::Object(object);
                        }
                        Segment::Index(_) => {
                            return Err(EditError::new(
                                self.path,
                                format!(
                                    "{} is not in the file: insert the list item first",
                                    path::join(&segments[..=depth])
                                ),
                            ));
                        }
                    }
                }
                match (place, &segments[depth]) {
                    (Place::Body(body, block), Segment::Key(key)) => {
                        if block.is_none() {
                            return Err(self.missing(segments));
                        }
                        out.push(self.add_to_body(body, block, key, &wrapped));
                        Ok(())
                    }
                    (Place::Expr(Expression::Object(object)), Segment::Key(key)) => {
                        out.push(self.add_entry(object, key, &wrapped));
                        Ok(())
                    }
                    (
                        list @ (Place::Expr(Expression::Array(_)) | Place::Blocks(..)),
                        Segment::Index(i),
                    ) if *i == self.len(list) => self.insert(list, *i, &wrapped, out),
                    (list, Segment::Index(_)) => Err(EditError::new(
                        self.path,
                        format!(
                            "{} has {} item(s): set one of them, or insert at [{}]",
                            path::join(&segments[..depth]),
                            self.len(list),
                            self.len(list)
                        ),
                    )),
                    _ => Err(self.missing(segments)),
                }
            }
        }
    }

    /// Gives the place the value `value`, changing as few bytes as possible.
    fn replace(&self, place: Place, value: &Json, out: &mut Vec<Patch>) -> Result<(), EditError> {
        match place {
            Place::Expr(expr) => {
                self.replace_expr(expr, value, out);
                Ok(())
            }
            Place::Label(block) => {
                let Json::String(kind) = value else {
                    return Err(EditError::new(
                        self.path,
                        "a step's type is a string, like \"shell\"",
                    ));
                };
                if label_text(&block.labels[0]) != kind {
                    let at = span(&block.labels[0]);
                    out.push(Patch {
                        start: at.start,
                        end: at.end,
                        text: hcl_string(kind),
                    });
                }
                Ok(())
            }
            Place::Body(body, block) => match (value, block) {
                (Json::Object(object), Some(block)) => {
                    self.replace_body(body, block, object, out);
                    Ok(())
                }
                _ => Err(EditError::new(
                    self.path,
                    "this is a block: give it an object of its settings",
                )),
            },
            Place::Blocks(body, block, ident) => {
                let blocks = blocks_of(body, ident);
                match value {
                    Json::Object(object) if blocks.len() == 1 => {
                        self.replace_body(&blocks[0].body, blocks[0], object, out);
                        Ok(())
                    }
                    Json::Array(new) if new.iter().all(Json::is_object) => {
                        let old: Vec<Json> = blocks
                            .iter()
                            .map(|b| body_literal(&b.body, Some(b)).unwrap_or(Json::Null))
                            .collect();
                        let diff = ListDiff::new(&old, new);
                        for (o, n) in diff.changed {
                            if let Json::Object(object) = &new[n] {
                                self.replace_body(&blocks[o].body, blocks[o], object, out);
                            }
                        }
                        let list = Place::Blocks(body, block, ident);
                        if let Some((first, last)) = diff.removed {
                            self.remove(list, first, last, out);
                        }
                        if let Some((at, first, last)) = diff.inserted {
                            for item in &new[first..=last] {
                                self.insert_block(body, block, ident, at, item, out);
                            }
                        }
                        Ok(())
                    }
                    _ => Err(EditError::new(
                        self.path,
                        format!(
                            "{ident} is written as {} block(s): give an object, or a list of objects",
                            blocks.len()
                        ),
                    )),
                }
            }
        }
    }

    fn replace_expr(&self, expr: &Expression, value: &Json, out: &mut Vec<Patch>) {
        if literal(expr).as_ref() == Some(value) {
            return;
        }
        let range = span(expr);
        match (expr, value) {
            (Expression::Array(array), Json::Array(new))
                if !array.is_empty() && !new.is_empty() =>
            {
                let old: Vec<Option<Json>> = array.iter().map(literal).collect();
                let wanted: Vec<Option<Json>> = new.iter().cloned().map(Some).collect();
                let diff = ListDiff::new(&old, &wanted);
                let items = self.items(array);
                for (o, n) in diff.changed {
                    if let Some(item) = array.get(o) {
                        self.replace_expr(item, &new[n], out);
                    }
                }
                if let Some((first, last)) = diff.removed {
                    out.push(items.remove(first, last));
                }
                if let Some((at, first, last)) = diff.inserted {
                    let indent = self.list_indent(&items);
                    let texts: Vec<String> = new[first..=last]
                        .iter()
                        .map(|v| self.style.value(v, &indent))
                        .collect();
                    out.push(items.insert(self.source, at, &texts));
                }
            }
            (Expression::Object(object), Json::Object(new))
                if object
                    .iter()
                    .any(|(k, _)| object_key_text(k).is_some_and(|k| new.contains_key(&k))) =>
            {
                let entries: Vec<(Option<String>, &Expression, Range<usize>)> = object
                    .iter()
                    .map(|(k, v)| {
                        (
                            object_key_text(k),
                            v.expr(),
                            span(k).start..span(v.expr()).end,
                        )
                    })
                    .collect();
                let multiline = self.object_multiline(object);
                let inline = Items {
                    open: range.start,
                    close: range.end.saturating_sub(1),
                    items: entries.iter().map(|(_, _, r)| r.clone()).collect(),
                };
                let mut k = 0;
                while k < entries.len() {
                    let kept = entries[k].0.as_ref().and_then(|key| new.get(key));
                    if let Some(v) = kept {
                        self.replace_expr(entries[k].1, v, out);
                        k += 1;
                        continue;
                    }
                    let first = k;
                    while k < entries.len()
                        && !entries[k]
                            .0
                            .as_ref()
                            .is_some_and(|key| new.contains_key(key))
                    {
                        k += 1;
                    }
                    if multiline {
                        for (_, _, r) in &entries[first..k] {
                            out.push(self.remove_line(r.clone()));
                        }
                    } else {
                        out.push(inline.remove(first, k - 1));
                    }
                }
                let added: Vec<(&String, &Json)> = new
                    .iter()
                    .filter(|(key, _)| !entries.iter().any(|(k, _, _)| k.as_ref() == Some(key)))
                    .collect();
                for (key, v) in added {
                    out.push(self.add_entry(object, key, v));
                }
            }
            _ => out.push(Patch {
                start: range.start,
                end: range.end,
                text: self.style.value(value, self.indent_at(range.start)),
            }),
        }
    }

    /// Whether a map's entries are written one a line.
    fn object_multiline(&self, object: &Object) -> bool {
        let whole = span(object);
        match object.iter().next() {
            Some((k, _)) => self.source[whole.start..span(k).start].contains('\n'),
            None => self.source[whole.clone()].contains('\n'),
        }
    }

    /// The indentation of a list's items: theirs, or one step in from its line.
    fn list_indent(&self, items: &Items) -> String {
        if items.multiline(self.source) && !items.items.is_empty() {
            items.item_indent(self.source).to_string()
        } else {
            format!("{}{}", self.indent_at(items.open), self.style.unit)
        }
    }

    /// Removes the lines an item is written on (only its bytes when it shares its line).
    fn remove_line(&self, range: Range<usize>) -> Patch {
        if layout::starts_line(self.source, range.start)
            && layout::ends_line(self.source, range.end, true)
        {
            Patch {
                start: layout::line_start(self.source, range.start),
                end: layout::line_after(self.source, range.end),
                text: String::new(),
            }
        } else {
            Patch {
                start: range.start,
                end: range.end,
                text: String::new(),
            }
        }
    }

    /// `key = value` after the line `after` (an attribute or map entry), its `=` aligned with
    /// that line's when the key fits.
    fn line_after_item(
        &self,
        after: Option<(Range<usize>, Range<usize>)>,
        key: &str,
        value: &Json,
        indent: &str,
    ) -> String {
        let key = key_text(key);
        let mut pad = 1;
        if let Some((key_range, whole)) = after
            && !self.source[whole.clone()].contains('\n')
        {
            let rest = &self.source[key_range.end..whole.end];
            if let Some(eq) = rest.find(['=', ':']) {
                let width = self.source[key_range.start..key_range.end + eq]
                    .chars()
                    .count();
                pad = width.saturating_sub(key.chars().count()).max(1);
            }
        }
        let value = self.style.value(value, indent);
        if value.contains('\n') {
            // A value on several lines is not aligned (like `packer fmt`).
            pad = 1;
        }
        format!("{indent}{key}{}= {value}\n", " ".repeat(pad))
    }

    /// Adds the entry `key` to a map.
    fn add_entry(&self, object: &Object, key: &str, value: &Json) -> Patch {
        let whole = span(object);
        let last = object.iter().last();
        match last {
            None => {
                let mut new = serde_json::Map::new();
                new.insert(key.to_string(), value.clone());
                Patch {
                    start: whole.start,
                    end: whole.end,
                    text: self
                        .style
                        .value(&Json::Object(new), self.indent_at(whole.start)),
                }
            }
            Some((k, v)) if self.object_multiline(object) => {
                let entry = span(k).start..span(v.expr()).end;
                let indent = self.indent_at(entry.start).to_string();
                let at = layout::line_after(self.source, entry.end);
                Patch {
                    start: at,
                    end: at,
                    text: self.line_after_item(Some((span(k), entry)), key, value, &indent),
                }
            }
            Some(_) => {
                let items = Items {
                    open: whole.start,
                    close: whole.end.saturating_sub(1),
                    items: object
                        .iter()
                        .map(|(k, v)| span(k).start..span(v.expr()).end)
                        .collect(),
                };
                let text = format!(
                    "{} = {}",
                    key_text(key),
                    self.style.value(value, self.indent_at(whole.start))
                );
                items.insert(self.source, items.items.len(), &[text])
            }
        }
    }

    /// The indentation of a body's lines.
    fn body_indent(&self, body: &Body, block: Option<&Block>) -> String {
        match body.iter().next() {
            Some(first) => self.indent_at(span(first).start).to_string(),
            None => match block {
                Some(block) => format!("{}{}", self.indent_at(span(block).start), self.style.unit),
                None => String::new(),
            },
        }
    }

    /// Adds the setting `key` (an attribute, or nested blocks when the format has them) to a
    /// block's body.
    fn add_to_body(&self, body: &Body, block: Option<&Block>, key: &str, value: &Json) -> Patch {
        let indent = self.body_indent(body, block);
        if is_block_value(key, value) {
            let objects: Vec<&Json> = match value {
                Json::Array(items) => items.iter().collect(),
                one => vec![one],
            };
            let mut text = String::new();
            for object in objects {
                text.push_str(&format!(
                    "{indent}{}\n",
                    self.style.block(key, object, &indent)
                ));
            }
            return self.add_lines(body, block, None, text, true);
        }
        let last = body.attributes().last();
        let text = self.line_after_item(last.map(|a| (span(&a.key), span(a))), key, value, &indent);
        self.add_lines(body, block, last.map(span), text, false)
    }

    /// Inserts whole lines `text` into a body: after `after` (a structure) when given, else
    /// after the body's last structure (blocks, `blank` line before) or at its start.
    fn add_lines(
        &self,
        body: &Body,
        block: Option<&Block>,
        after: Option<Range<usize>>,
        text: String,
        blank: bool,
    ) -> Patch {
        let after = after.or_else(|| {
            if blank {
                body.iter().last().map(span)
            } else {
                None
            }
        });
        if let Some(after) = after {
            let at = layout::line_after(self.source, after.end);
            let mut text = text;
            if blank {
                text.insert(0, '\n');
            }
            if at == self.source.len() && !self.source.ends_with('\n') {
                text.insert(0, '\n');
            }
            return Patch {
                start: at,
                end: at,
                text,
            };
        }
        match block {
            Some(block) => {
                let whole = span(block);
                // After the `{` line; a one-line `{}` is opened up.
                let open = self.source[whole.start..whole.end]
                    .find('{')
                    .map_or(whole.start, |i| whole.start + i);
                if self.source[open..whole.end].contains('\n') {
                    let at = layout::line_after(self.source, open);
                    let mut text = text;
                    if body.iter().next().is_some() && blank {
                        text.push('\n');
                    }
                    Patch {
                        start: at,
                        end: at,
                        text,
                    }
                } else {
                    Patch {
                        start: open,
                        end: whole.end,
                        text: format!("{{\n{text}{}}}", self.indent_at(whole.start)),
                    }
                }
            }
            None => {
                let at = self.source.len();
                let lead = if self.source.is_empty() || self.source.ends_with("\n\n") {
                    ""
                } else if self.source.ends_with('\n') {
                    "\n"
                } else {
                    "\n\n"
                };
                Patch {
                    start: at,
                    end: at,
                    text: format!("{lead}{text}"),
                }
            }
        }
    }

    /// Inserts a block of type `ident` holding `value` so it becomes the `index`-th of its
    /// type.
    fn insert_block(
        &self,
        body: &Body,
        block: Option<&Block>,
        ident: &str,
        index: usize,
        value: &Json,
        out: &mut Vec<Patch>,
    ) {
        let blocks = blocks_of(body, ident);
        let indent = self.body_indent(body, block);
        let text = format!("{indent}{}\n", self.style.block(ident, value, &indent));
        let structures: Vec<Range<usize>> = body.iter().map(span).collect();
        // The structure the new block follows.
        let previous = if index < blocks.len() {
            let start = span(blocks[index]).start;
            structures.iter().rev().find(|s| s.end <= start).cloned()
        } else {
            blocks.last().map(|b| span(*b)).or_else(|| {
                // After the last structure that is not a later kind of step.
                let kinds: Vec<&Structure> = body.iter().collect();
                structures
                    .iter()
                    .zip(kinds)
                    .rev()
                    .find(|(_, s)| {
                        !(ident == "provisioner"
                            && matches!(s, Structure::Block(b) if b.ident.as_str().starts_with("post-processor")))
                    })
                    .map(|(r, _)| r.clone())
            })
        };
        match previous {
            Some(previous) => out.push(self.add_lines(body, block, Some(previous), text, true)),
            None if index < blocks.len() => {
                let at =
                    layout::line_start(self.source, self.with_comments(span(blocks[index])).start);
                out.push(Patch {
                    start: at,
                    end: at,
                    text: format!("{text}\n"),
                });
            }
            None => out.push(self.add_lines(body, block, None, text, false)),
        }
    }

    fn insert(
        &self,
        list: ListPlace,
        index: usize,
        value: &Json,
        out: &mut Vec<Patch>,
    ) -> Result<(), EditError> {
        match list {
            Place::Expr(Expression::Array(array)) => {
                let items = self.items(array);
                if items.items.is_empty() {
                    let whole = span(array);
                    out.push(Patch {
                        start: whole.start,
                        end: whole.end,
                        text: self.style.value(
                            &Json::Array(vec![value.clone()]),
                            self.indent_at(whole.start),
                        ),
                    });
                } else {
                    let indent = self.list_indent(&items);
                    out.push(items.insert(self.source, index, &[self.style.value(value, &indent)]));
                }
                Ok(())
            }
            Place::Blocks(body, block, ident) => {
                if !value.is_object() {
                    return Err(EditError::new(
                        self.path,
                        format!("a {ident} block is an object of its settings"),
                    ));
                }
                self.insert_block(body, block, ident, index, value, out);
                Ok(())
            }
            _ => Err(EditError::new(self.path, "this is not a list")),
        }
    }

    /// Removes the items `first..=last` of a list.
    fn remove(&self, list: ListPlace, first: usize, last: usize, out: &mut Vec<Patch>) {
        match list {
            Place::Expr(Expression::Array(array)) => {
                out.push(self.items(array).remove(first, last))
            }
            Place::Blocks(body, _, ident) => {
                let blocks = blocks_of(body, ident);
                for block in &blocks[first..=last] {
                    out.push(self.remove_structure(body, self.with_comments(span(*block))));
                }
            }
            _ => {}
        }
    }

    /// Removes a structure of a body and the blank lines before it (after the one before), so
    /// that inserting it again gives back the same bytes.
    fn remove_structure(&self, body: &Body, range: Range<usize>) -> Patch {
        let previous = body
            .iter()
            .map(span)
            .filter(|s| s.end <= range.start)
            .last();
        let end = layout::line_after(self.source, range.end);
        match previous {
            Some(previous) => Patch {
                start: layout::line_after(self.source, previous.end),
                end,
                text: String::new(),
            },
            None => {
                let next = body.iter().map(span).find(|s| s.start >= range.end);
                let end = next.map_or(end, |n| {
                    layout::line_start(self.source, self.with_comments(n).start)
                });
                Patch {
                    start: layout::line_start(self.source, range.start),
                    end,
                    text: String::new(),
                }
            }
        }
    }

    fn replace_body(
        &self,
        body: &Body,
        block: &Block,
        new: &serde_json::Map<String, Json>,
        out: &mut Vec<Patch>,
    ) {
        if block.labels.len() == 1
            && STEP_BLOCKS.contains(&block.ident.as_str())
            && let Some(kind) = new.get("type")
        {
            let _ = self.replace(Place::Label(block), kind, out);
        }
        let mut seen: Vec<&str> = Vec::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(a) => match new.get(a.key.as_str()) {
                    Some(v) => self.replace_expr(&a.value, v, out),
                    None => out.push(self.remove_line(span(a))),
                },
                Structure::Block(b) => {
                    let ident = b.ident.as_str();
                    if seen.contains(&ident) {
                        continue;
                    }
                    seen.push(ident);
                    match new.get(ident) {
                        Some(v) => {
                            let _ = self.replace(Place::Blocks(body, Some(block), ident), v, out);
                        }
                        None => {
                            let count = blocks_of(body, ident).len();
                            self.remove(Place::Blocks(body, Some(block), ident), 0, count - 1, out);
                        }
                    }
                }
            }
        }
        for (key, value) in new {
            let present = key == "type" && STEP_BLOCKS.contains(&block.ident.as_str())
                || body.get_attribute(key).is_some()
                || seen.contains(&key.as_str());
            if !present {
                out.push(self.add_to_body(body, Some(block), key, value));
            }
        }
    }

    fn unset(
        &self,
        top: &Body,
        segments: &[Segment],
        place: Place,
        out: &mut Vec<Patch>,
    ) -> Result<(), EditError> {
        let parent = &segments[..segments.len() - 1];
        match place {
            Place::Expr(expr) => {
                let Walk::Found(holder) = walk(top, parent) else {
                    return Ok(());
                };
                match holder {
                    Place::Body(body, _) => {
                        if let Some(a) = body.attributes().find(|a| std::ptr::eq(&a.value, expr)) {
                            out.push(self.remove_line(span(a)));
                        }
                    }
                    Place::Expr(Expression::Object(object)) => {
                        let entries: Vec<Range<usize>> = object
                            .iter()
                            .map(|(k, v)| span(k).start..span(v.expr()).end)
                            .collect();
                        let Some(i) = object
                            .iter()
                            .position(|(_, v)| std::ptr::eq(v.expr(), expr))
                        else {
                            return Ok(());
                        };
                        if self.object_multiline(object) {
                            out.push(self.remove_line(entries[i].clone()));
                        } else {
                            let whole = span(object);
                            let items = Items {
                                open: whole.start,
                                close: whole.end - 1,
                                items: entries,
                            };
                            out.push(items.remove(i, i));
                        }
                    }
                    Place::Expr(Expression::Array(array)) => {
                        if let Some(Segment::Index(i)) = segments.last() {
                            out.push(self.items(array).remove(*i, *i));
                        }
                    }
                    _ => {}
                }
                Ok(())
            }
            Place::Body(_, Some(block)) => {
                let Walk::Found(holder) = walk(top, parent) else {
                    return Ok(());
                };
                let holder_body = match holder {
                    Place::Body(b, _) | Place::Blocks(b, _, _) => b,
                    _ => top,
                };
                out.push(self.remove_structure(holder_body, self.with_comments(span(block))));
                Ok(())
            }
            Place::Blocks(body, _, ident) => {
                let count = blocks_of(body, ident).len();
                for b in &blocks_of(body, ident)[..count] {
                    out.push(self.remove_structure(body, self.with_comments(span(*b))));
                }
                Ok(())
            }
            Place::Label(_) => Err(EditError::new(
                self.path,
                "a step's type can be changed, not removed",
            )),
            Place::Body(_, None) => Err(EditError::new(self.path, "that is the whole file")),
        }
    }
}
