//! Canonical JSON text of a template: the same document, laid out one way.
//!
//! Keys keep the order they were written in and every value is kept (strings, `{{ }}`,
//! comments in `_` keys); only the layout changes: two-space indentation, one object member
//! per line, lists of plain values on one line when they fit in [`WIDTH`] columns, non-ASCII
//! text as is, a final newline. A document with duplicate keys is not formatted, as one of
//! the values would be lost.

use crate::TemplateError;
use crate::diagnostic::{Code, Diagnostic};
use crate::json::{self, Node, Value};

/// Lines longer than this break lists onto one item per line.
pub const WIDTH: usize = 100;

/// The canonical text of a JSON template (or var file).
pub fn format_json(file: &str, text: &str) -> Result<String, TemplateError> {
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
    if !doc.duplicates.is_empty() {
        return Err(TemplateError::Invalid(
            doc.duplicates
                .iter()
                .map(|dup| {
                    let mut d = Diagnostic::error(
                        Code::DuplicateKey,
                        dup.at,
                        "",
                        format!("template has duplicate field: {}", dup.key),
                    );
                    d.help =
                        Some("keep one of them before formatting, or a value would be lost".into());
                    located(d)
                })
                .collect(),
        ));
    }
    Ok(write(&doc.root))
}

/// The canonical text of a JSON tree.
pub(crate) fn write(root: &Node) -> String {
    let mut out = String::new();
    write_value(root, 0, 0, &mut out);
    out.push('\n');
    out
}

/// Writes `node` at indentation `depth`; `column` is where it starts on the current line.
fn write_value(node: &Node, depth: usize, column: usize, out: &mut String) {
    match &node.value {
        Value::Object(members) if members.is_empty() => out.push_str("{}"),
        Value::Object(members) => {
            out.push_str("{\n");
            for (i, member) in members.iter().enumerate() {
                indent(depth + 1, out);
                let start = out.len();
                write_string(&member.key, out);
                out.push_str(": ");
                let column = (depth + 1) * 2 + (out.len() - start);
                write_value(&member.value, depth + 1, column, out);
                if i + 1 < members.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(depth, out);
            out.push('}');
        }
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            if let Some(inline) = inline_list(items)
                && column + inline.chars().count() < WIDTH
            {
                out.push_str(&inline);
                return;
            }
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                indent(depth + 1, out);
                write_value(item, depth + 1, (depth + 1) * 2, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(depth, out);
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
    }
}

/// `[a, b, c]` when every item is a plain value.
fn inline_list(items: &[Node]) -> Option<String> {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if matches!(item.value, Value::Array(_) | Value::Object(_)) {
            return None;
        }
        if i > 0 {
            out.push_str(", ");
        }
        write_value(item, 0, 0, &mut out);
    }
    out.push(']');
    Some(out)
}

fn indent(depth: usize, out: &mut String) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_canonical_and_values_are_kept() {
        let text = "{\"builders\":[{\"type\":\"amazon-ebs\",\"ami_name\":\"a {{timestamp}}\",\"ami_regions\":[\"us-east-1\",\"eu-west-1\"],\"tags\":{}}],\n\"_c\":\"é \\\" \\\\ \\n\",\"n\":[1,2.5,true,null],\"e\":[]}";
        let formatted = format_json("t.json", text).unwrap();
        assert_eq!(
            formatted,
            r#"{
  "builders": [
    {
      "type": "amazon-ebs",
      "ami_name": "a {{timestamp}}",
      "ami_regions": ["us-east-1", "eu-west-1"],
      "tags": {}
    }
  ],
  "_c": "é \" \\ \n",
  "n": [1, 2.5, true, null],
  "e": []
}
"#
        );
        // Formatting is idempotent and keeps the meaning.
        assert_eq!(format_json("t.json", &formatted).unwrap(), formatted);
        assert_eq!(
            json::parse(&formatted).unwrap().root.to_serde(),
            json::parse(text).unwrap().root.to_serde()
        );
    }

    #[test]
    fn long_lists_break_one_item_per_line() {
        let items: Vec<String> = (0..12)
            .map(|i| format!("\"sudo yum install -y package-{i}\""))
            .collect();
        let text = format!("{{\"inline\": [{}]}}", items.join(","));
        let formatted = format_json("t.json", &text).unwrap();
        assert!(
            formatted.contains("\"inline\": [\n    \"sudo yum install -y package-0\",\n"),
            "{formatted}"
        );
        assert!(formatted.lines().all(|l| l.chars().count() <= WIDTH));
    }

    #[test]
    fn control_characters_are_escaped() {
        let formatted = format_json("t.json", "[\"a\\u0001b\\tc\"]").unwrap();
        assert_eq!(formatted, "[\"a\\u0001b\\tc\"]\n");
    }

    #[test]
    fn duplicates_and_syntax_errors_are_not_formatted() {
        let TemplateError::Invalid(d) = format_json("t.json", "{\"a\": 1, \"a\": 2}").unwrap_err()
        else {
            panic!("expected diagnostics");
        };
        assert_eq!(d[0].message, "template has duplicate field: a");
        assert_eq!(d[0].file, "t.json");
        assert!(format_json("t.json", "{").is_err());
    }
}
