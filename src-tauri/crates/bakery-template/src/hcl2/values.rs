//! HCL2 values as the JSON template's tree (nodes and members at a position) and as plain
//! text: the conversions every part of the HCL2 reader shares, depending on none of them.

use crate::json::{Member, Node, Position, Value};

pub(super) fn node(at: Position, value: Value) -> Node {
    Node { at, value }
}

pub(super) fn member(key: &str, key_at: Position, value: Node) -> Member {
    Member {
        key: key.to_string(),
        key_at,
        value,
    }
}

/// An evaluated value as a tree node; everything inside sits at the expression's position.
pub(super) fn from_hcl(value: &hcl::Value, at: Position) -> Node {
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

pub(super) fn plain_text(value: &hcl::Value) -> String {
    match value {
        hcl::Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}
