//! Edits of JSON templates, over the span-aware reader's tree: a value's bytes run from its
//! position to the end of its literal; new members and items copy the separators, indentation
//! and `": "` of their siblings.

use serde_json::Value as Json;

use super::change::{Change, EditError, FieldValue};
use super::layout::Patch;
use super::layout::{self, Items, ListDiff};
use super::path::{self, Segment};
use crate::json::{self, Member, Node, Value};

/// Reads the template, or says where it does not parse.
fn read(source: &str, path: &str) -> Result<json::Document, EditError> {
    json::parse(source).map_err(|err| {
        EditError::at(
            path,
            format!(
                "the template is not valid JSON ({}): fix the text before editing a field",
                err.message
            ),
            source,
            err.at.offset,
        )
    })
}

/// The value at `segments`, as written.
pub(super) fn get(
    source: &str,
    path: &str,
    segments: &[Segment],
) -> Result<Option<FieldValue>, EditError> {
    let doc = read(source, path)?;
    Ok(match walk(&doc.root, segments) {
        Walk::Found(node) => Some(FieldValue::Literal(node.to_serde())),
        Walk::Missing { .. } => None,
        Walk::NotContainer { .. } => None,
    })
}

/// The bytes of the value at `segments`.
pub(super) fn locate(
    source: &str,
    path: &str,
    segments: &[Segment],
) -> Result<Option<std::ops::Range<usize>>, EditError> {
    let doc = read(source, path)?;
    Ok(match walk(&doc.root, segments) {
        Walk::Found(node) => Some(node.at.offset..value_end(source, node.at.offset)),
        _ => None,
    })
}

/// Where a path leads in the tree.
enum Walk<'a> {
    /// To this value.
    Found(&'a Node),
    /// To nothing: `parent` is the deepest value that exists, and `depth` segments lead to it.
    Missing { parent: &'a Node, depth: usize },
    /// Through a value that is not an object or list (`depth` segments lead to it).
    NotContainer { node: &'a Node, depth: usize },
}

fn walk<'a>(root: &'a Node, segments: &[Segment]) -> Walk<'a> {
    let mut node = root;
    for (depth, segment) in segments.iter().enumerate() {
        let next = match (&node.value, segment) {
            (Value::Object(members), Segment::Key(key)) => {
                members.iter().find(|m| &m.key == key).map(|m| &m.value)
            }
            (Value::Array(items), Segment::Index(i)) => items.get(*i),
            (Value::Object(_) | Value::Array(_), _) => {
                return Walk::NotContainer { node, depth };
            }
            _ => return Walk::NotContainer { node, depth },
        };
        match next {
            Some(next) => node = next,
            None => {
                return Walk::Missing {
                    parent: node,
                    depth,
                };
            }
        }
    }
    Walk::Found(node)
}

/// Where the value starting at `start` ends (the text is valid JSON).
pub(super) fn value_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = start;
    match bytes.get(i) {
        Some(b'"') => string_end(bytes, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        i = string_end(bytes, i);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            bytes.len()
        }
        _ => {
            while i < bytes.len()
                && !matches!(bytes[i], b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
            {
                i += 1;
            }
            i
        }
    }
}

/// Where the string starting at `start` (its opening quote) ends.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// How the file writes values: its indentation step.
struct Style {
    unit: String,
}

impl Style {
    /// `value` as JSON text starting on a line indented by `indent`.
    fn text(&self, value: &Json, indent: &str) -> String {
        match value {
            Json::Array(items) if items.is_empty() => "[]".to_string(),
            Json::Object(members) if members.is_empty() => "{}".to_string(),
            Json::Array(items) => {
                let inline = items
                    .iter()
                    .map(|v| match v {
                        Json::Array(_) | Json::Object(_) => None,
                        scalar => Some(scalar.to_string()),
                    })
                    .collect::<Option<Vec<_>>>()
                    .map(|items| format!("[{}]", items.join(", ")));
                match inline {
                    Some(line) if indent.len() + line.len() <= 70 => line,
                    _ => {
                        let inner = format!("{indent}{}", self.unit);
                        let items: Vec<String> = items
                            .iter()
                            .map(|v| format!("{inner}{}", self.text(v, &inner)))
                            .collect();
                        format!("[\n{}\n{indent}]", items.join(",\n"))
                    }
                }
            }
            Json::Object(members) => {
                let inner = format!("{indent}{}", self.unit);
                let members: Vec<String> = members
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{inner}{}: {}",
                            Json::from(k.as_str()),
                            self.text(v, &inner)
                        )
                    })
                    .collect();
                format!("{{\n{}\n{indent}}}", members.join(",\n"))
            }
            scalar => scalar.to_string(),
        }
    }
}

/// The patches that make `change`.
pub(super) fn patches(
    source: &str,
    change: &Change,
    segments: &[Segment],
) -> Result<Vec<Patch>, EditError> {
    let path = change.path();
    let doc = read(source, path)?;
    let editor = Editor {
        source,
        path,
        style: Style {
            unit: layout::indent_unit(source),
        },
    };
    let mut out = Vec::new();
    match change {
        Change::Set { value, .. } => editor.set(&doc.root, segments, value, &mut out)?,
        Change::Unset { .. } => editor.unset(&doc.root, segments, &mut out)?,
        Change::SetExpression { .. } => {
            return Err(EditError::new(
                path,
                "a JSON template has no expressions: set a value (functions go in strings, like \"{{user `region`}}\")",
            ));
        }
        Change::Insert { value, .. } => {
            let (list, index) = editor.list_item(&doc.root, segments, true)?;
            match list {
                Some(list) => editor.insert(list, index, value, &mut out),
                // The list is absent: it is created holding the item.
                None => editor.set(
                    &doc.root,
                    &segments[..segments.len() - 1],
                    &Json::Array(vec![value.clone()]),
                    &mut out,
                )?,
            }
        }
        Change::Remove { .. } => {
            let (list, index) = editor.list_item(&doc.root, segments, false)?;
            let list = list.ok_or_else(|| editor.missing(segments))?;
            out.push(editor.items(list).remove(index, index));
        }
        Change::Move { to, .. } => {
            let (list, index) = editor.list_item(&doc.root, segments, false)?;
            let list = list.ok_or_else(|| editor.missing(segments))?;
            let len = list.items().map_or(0, <[Node]>::len);
            if *to >= len {
                return Err(EditError::at(
                    path,
                    format!(
                        "can't move the item to [{to}]: the list has {len} item(s), so the last place is [{}]",
                        len - 1
                    ),
                    source,
                    list.at.offset,
                ));
            }
            out.extend(editor.items(list).move_item(source, index, *to));
        }
    }
    Ok(out)
}

struct Editor<'a> {
    source: &'a str,
    path: &'a str,
    style: Style,
}

impl Editor<'_> {
    fn missing(&self, segments: &[Segment]) -> EditError {
        EditError::new(
            self.path,
            format!(
                "{} is not in the template: check the path (the checker's field names)",
                path::join(segments)
            ),
        )
    }

    /// The items of an array or the members of an object, as laid out.
    fn items(&self, node: &Node) -> Items {
        let open = node.at.offset;
        let close = value_end(self.source, open) - 1;
        let items = match &node.value {
            Value::Array(items) => items
                .iter()
                .map(|n| n.at.offset..value_end(self.source, n.at.offset))
                .collect(),
            Value::Object(members) => members
                .iter()
                .map(|m| m.key_at.offset..value_end(self.source, m.value.at.offset))
                .collect(),
            _ => Vec::new(),
        };
        Items { open, close, items }
    }

    /// The list an item path (`…[i]`) points into and the index; `None` for the list when it
    /// is absent (for an insertion at `[0]`). `insert` allows the index one past the end.
    fn list_item<'n>(
        &self,
        root: &'n Node,
        segments: &[Segment],
        insert: bool,
    ) -> Result<(Option<&'n Node>, usize), EditError> {
        let Some((Segment::Index(index), parent)) = segments.split_last() else {
            return Err(EditError::new(
                self.path,
                "the path must end in a list index, like provisioners[1]",
            ));
        };
        let list = match walk(root, parent) {
            Walk::Found(node) => node,
            Walk::Missing { .. } if insert && *index == 0 => return Ok((None, 0)),
            _ => return Err(self.missing(parent)),
        };
        let Some(items) = list.items() else {
            return Err(EditError::at(
                self.path,
                format!("{} is {}, not a list", path::join(parent), list.kind()),
                self.source,
                list.at.offset,
            ));
        };
        let last = if insert {
            items.len()
        } else {
            items.len().saturating_sub(1)
        };
        if *index > last || (!insert && items.is_empty()) {
            return Err(EditError::at(
                self.path,
                format!(
                    "{} has {} item(s): use an index from 0 to {last}",
                    path::join(parent),
                    items.len()
                ),
                self.source,
                list.at.offset,
            ));
        }
        Ok((Some(list), *index))
    }

    /// The indentation of the line a value starts on.
    fn indent(&self, node: &Node) -> &str {
        layout::indent_of(self.source, node.at.offset)
    }

    fn set(
        &self,
        root: &Node,
        segments: &[Segment],
        value: &Json,
        out: &mut Vec<Patch>,
    ) -> Result<(), EditError> {
        match walk(root, segments) {
            Walk::Found(node) => {
                self.replace(node, value, out);
                Ok(())
            }
            Walk::NotContainer { node, depth } => Err(EditError::at(
                self.path,
                format!(
                    "{} is {}, so it has no {}",
                    path::join(&segments[..depth]),
                    node.kind(),
                    segments[depth]
                ),
                self.source,
                node.at.offset,
            )),
            Walk::Missing { parent, depth } => {
                // Wrap the value in the objects the rest of the path names.
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
                                    "{} is not in the template: insert the list item first",
                                    path::join(&segments[..=depth])
                                ),
                            ));
                        }
                    }
                }
                match (&parent.value, &segments[depth]) {
                    (Value::Object(members), Segment::Key(key)) => {
                        out.push(self.add_member(parent, members, key, &wrapped));
                        Ok(())
                    }
                    (Value::Array(items), Segment::Index(i)) if *i == items.len() => {
                        self.insert(parent, *i, &wrapped, out);
                        Ok(())
                    }
                    (Value::Array(items), _) => Err(EditError::at(
                        self.path,
                        format!(
                            "{} has {} item(s): set one of them, or insert at [{}]",
                            path::join(&segments[..depth]),
                            items.len(),
                            items.len()
                        ),
                        self.source,
                        parent.at.offset,
                    )),
                    _ => Err(self.missing(segments)),
                }
            }
        }
    }

    /// Gives `node` the value `value`, changing as few bytes as possible.
    fn replace(&self, node: &Node, value: &Json, out: &mut Vec<Patch>) {
        if node.to_serde() == *value {
            return;
        }
        match (&node.value, value) {
            (Value::Array(old), Json::Array(new)) if !old.is_empty() && !new.is_empty() => {
                let old_values: Vec<Json> = old.iter().map(Node::to_serde).collect();
                let diff = ListDiff::new(&old_values, new);
                for (o, n) in diff.changed {
                    self.replace(&old[o], &new[n], out);
                }
                let items = self.items(node);
                if let Some((first, last)) = diff.removed {
                    out.push(items.remove(first, last));
                }
                if let Some((at, first, last)) = diff.inserted {
                    let indent = self.item_indent(node, &items);
                    let texts: Vec<String> = new[first..=last]
                        .iter()
                        .map(|v| self.style.text(v, &indent))
                        .collect();
                    out.push(items.insert(self.source, at, &texts));
                }
            }
            (Value::Object(old), Json::Object(new))
                if old.iter().any(|m| new.contains_key(&m.key)) =>
            {
                let items = self.items(node);
                let mut k = 0;
                while k < old.len() {
                    if let Some(v) = new.get(&old[k].key) {
                        self.replace(&old[k].value, v, out);
                        k += 1;
                        continue;
                    }
                    let first = k;
                    while k < old.len() && !new.contains_key(&old[k].key) {
                        k += 1;
                    }
                    out.push(items.remove(first, k - 1));
                }
                let added: Vec<(&String, &Json)> = new
                    .iter()
                    .filter(|(key, _)| !old.iter().any(|m| &m.key == *key))
                    .collect();
                if !added.is_empty() {
                    let texts: Vec<String> = added
                        .iter()
                        .map(|(key, v)| self.member_text(node, &items, key, v))
                        .collect();
                    out.push(items.insert(self.source, old.len(), &texts));
                }
            }
            _ => {
                let start = node.at.offset;
                out.push(Patch {
                    start,
                    end: value_end(self.source, start),
                    text: self.style.text(value, self.indent(node)),
                });
            }
        }
    }

    /// The indentation of a list's or object's items: theirs, or one step in from the line
    /// the list starts on.
    fn item_indent(&self, node: &Node, items: &Items) -> String {
        if items.multiline(self.source) && !items.items.is_empty() {
            items.item_indent(self.source).to_string()
        } else {
            format!("{}{}", self.indent(node), self.style.unit)
        }
    }

    /// `"key": value` as the members of `object` write it.
    fn member_text(&self, object: &Node, items: &Items, key: &str, value: &Json) -> String {
        let colon = object
            .members()
            .and_then(|members| members.first())
            .map(|m| {
                let key_end = string_end(self.source.as_bytes(), m.key_at.offset);
                self.source[key_end..m.value.at.offset].to_string()
            })
            .filter(|colon| !colon.contains('\n'))
            .unwrap_or_else(|| ": ".to_string());
        let indent = self.item_indent(object, items);
        format!(
            "{}{colon}{}",
            Json::from(key),
            self.style.text(value, &indent)
        )
    }

    /// Adds the member `key` at the end of `object`.
    fn add_member(&self, object: &Node, members: &[Member], key: &str, value: &Json) -> Patch {
        let items = self.items(object);
        if members.is_empty() {
            let mut new = serde_json::Map::new();
            new.insert(key.to_string(), value.clone());
            return Patch {
                start: items.open,
                end: items.close + 1,
                text: self.style.text(&Json::Object(new), self.indent(object)),
            };
        }
        let text = self.member_text(object, &items, key, value);
        items.insert(self.source, members.len(), &[text])
    }

    /// Inserts `value` into the list `list` at `index`.
    fn insert(&self, list: &Node, index: usize, value: &Json, out: &mut Vec<Patch>) {
        let items = self.items(list);
        if items.items.is_empty() {
            out.push(Patch {
                start: items.open,
                end: items.close + 1,
                text: self
                    .style
                    .text(&Json::Array(vec![value.clone()]), self.indent(list)),
            });
            return;
        }
        let indent = self.item_indent(list, &items);
        let text = self.style.text(value, &indent);
        out.push(items.insert(self.source, index, &[text]));
    }

    fn unset(
        &self,
        root: &Node,
        segments: &[Segment],
        out: &mut Vec<Patch>,
    ) -> Result<(), EditError> {
        let Some((last, parent_path)) = segments.split_last() else {
            return Err(self.missing(segments));
        };
        let parent = match walk(root, parent_path) {
            Walk::Found(parent) => parent,
            _ => return Ok(()),
        };
        let items = self.items(parent);
        match (&parent.value, last) {
            (Value::Object(members), Segment::Key(key)) => {
                if let Some(i) = members.iter().position(|m| &m.key == key) {
                    out.push(items.remove(i, i));
                }
                Ok(())
            }
            (Value::Array(list), Segment::Index(i)) => {
                if *i < list.len() {
                    out.push(items.remove(*i, *i));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
