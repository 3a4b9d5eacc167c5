//! HCL2 `dynamic` blocks: `dynamic "NAME" { for_each, iterator, content }` makes one `NAME`
//! block per element of a list or map.

use hcl::eval::Context;
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Structure};

use super::expressions::eval;
use super::reader::{Reader, label};
use super::values::{node, plain_text};
use crate::diagnostic::Code;
use crate::json::{Node, Value};

impl Reader<'_> {
    /// A `dynamic "NAME" { for_each = ...  content { ... } }` block: one `NAME` block per
    /// element, with `NAME.key` / `NAME.value` (or the `iterator`'s name) in `content`.
    pub(super) fn dynamic(
        &mut self,
        block: &Block,
        context: &Context,
        path: &str,
    ) -> Vec<(String, Node)> {
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
}
