//! HCL2 text written from items (attributes aligned, lists wrapped past the width, one blank
//! line at most), and HCL2 string literals: what the JSON → HCL2 conversion and the export
//! write with.

/// What HCL2 text is written from: attributes, blocks, comments, blank lines.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    Blank,
    Comment(String),
    Attr { key: String, value: Expr },
    Block { header: String, body: Vec<Item> },
}

/// An attribute's value: an expression on one line, or a list / map laid out by the writer.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Raw(String),
    List(Vec<Expr>),
    Map(Vec<(String, Expr)>),
}

/// Lists longer than this go one item per line.
const WIDTH: usize = 100;

/// The HCL2 text of `items` at the top level.
pub(crate) fn write_items(items: &[Item]) -> String {
    let mut out = String::new();
    write_body(items, 0, &mut out);
    // One blank line at most anywhere, none at the end.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn write_body(items: &[Item], depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let mut i = 0;
    while i < items.len() {
        match &items[i] {
            Item::Blank => {
                if !out.is_empty() && !out.ends_with("{\n") && !out.ends_with("\n\n") {
                    out.push('\n');
                }
                i += 1;
            }
            Item::Comment(text) => {
                for line in text.lines() {
                    out.push_str(&pad);
                    out.push('#');
                    if !line.is_empty() {
                        out.push(' ');
                        out.push_str(line);
                    }
                    out.push('\n');
                }
                i += 1;
            }
            Item::Block { header, body } => {
                if body.is_empty() {
                    out.push_str(&format!("{pad}{header} {{}}\n"));
                } else {
                    out.push_str(&format!("{pad}{header} {{\n"));
                    write_body(body, depth + 1, out);
                    while out.ends_with("\n\n") {
                        out.pop();
                    }
                    out.push_str(&format!("{pad}}}\n"));
                }
                i += 1;
            }
            Item::Attr { .. } => {
                // A run of attributes: their `=` aligned, as `packer fmt` does.
                // A multi-line value stands alone.
                let mut run = Vec::new();
                while let Some(Item::Attr { key, value }) = items.get(i) {
                    let text = render(value, depth);
                    if text.contains('\n') && !run.is_empty() {
                        break;
                    }
                    i += 1;
                    let alone = text.contains('\n');
                    run.push((key, text));
                    if alone {
                        break;
                    }
                }
                let width = run
                    .iter()
                    .map(|(k, _)| k.chars().count())
                    .max()
                    .unwrap_or(0);
                for (key, value) in run {
                    let gap = width - key.chars().count();
                    out.push_str(&format!("{pad}{key}{} = {value}\n", " ".repeat(gap)));
                }
            }
        }
    }
}

/// An expression's text; lines after the first are indented for `depth`.
fn render(expr: &Expr, depth: usize) -> String {
    match expr {
        Expr::Raw(text) => text.clone(),
        Expr::List(items) => {
            let flat: Vec<String> = items.iter().map(|e| render(e, depth + 1)).collect();
            let one_line = format!("[{}]", flat.join(", "));
            if flat.iter().all(|f| !f.contains('\n')) && one_line.len() + depth * 2 <= WIDTH {
                return one_line;
            }
            let pad = "  ".repeat(depth + 1);
            let mut out = String::from("[\n");
            for item in flat {
                out.push_str(&format!("{pad}{item},\n"));
            }
            out.push_str(&"  ".repeat(depth));
            out.push(']');
            out
        }
        Expr::Map(entries) if entries.is_empty() => "{}".to_string(),
        Expr::Map(entries) => {
            let pad = "  ".repeat(depth + 1);
            let lines: Vec<(String, String)> = entries
                .iter()
                .map(|(k, v)| (map_key(k), render(v, depth + 1)))
                .collect();
            let mut out = String::from("{\n");
            // Runs of one-line entries are aligned; a multi-line entry stands alone.
            let mut start = 0;
            while start < lines.len() {
                let mut end = start + 1;
                if !lines[start].1.contains('\n') {
                    while end < lines.len() && !lines[end].1.contains('\n') {
                        end += 1;
                    }
                }
                let run = &lines[start..end];
                let width = run
                    .iter()
                    .map(|(k, _)| k.chars().count())
                    .max()
                    .unwrap_or(0);
                for (key, value) in run {
                    let gap = width - key.chars().count();
                    out.push_str(&format!("{pad}{key}{} = {value}\n", " ".repeat(gap)));
                }
                start = end;
            }
            out.push_str(&"  ".repeat(depth));
            out.push('}');
            out
        }
    }
}

/// A map key: bare when it is a plain identifier, quoted otherwise.
fn map_key(key: &str) -> String {
    if is_identifier(key) && !key.contains('-') {
        key.to_string()
    } else {
        hcl_string(key)
    }
}

/// Whether `name` can be an HCL attribute or block name.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// An HCL string literal: escapes, and `${`/`%{` doubled so they stay text.
pub(crate) fn hcl_string(s: &str) -> String {
    format!("\"{}\"", template_text(s))
}

/// Text inside an HCL quoted template, kept literal.
pub(crate) fn template_text(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_aligned_and_lists_wrap() {
        let items = vec![Item::Block {
            header: "source \"amazon-ebs\" \"web\"".into(),
            body: vec![
                Item::Attr {
                    key: "region".into(),
                    value: Expr::Raw("var.region".into()),
                },
                Item::Attr {
                    key: "instance_type".into(),
                    value: Expr::Raw("\"t3.micro\"".into()),
                },
                Item::Attr {
                    key: "tags".into(),
                    value: Expr::Map(vec![
                        ("Name".into(), Expr::Raw("\"web\"".into())),
                        ("kubernetes.io/role".into(), Expr::Raw("\"node\"".into())),
                    ]),
                },
                Item::Blank,
                Item::Block {
                    header: "source_ami_filter".into(),
                    body: vec![Item::Attr {
                        key: "owners".into(),
                        value: Expr::List(vec![Expr::Raw("\"amazon\"".into())]),
                    }],
                },
            ],
        }];
        assert_eq!(
            write_items(&items),
            "source \"amazon-ebs\" \"web\" {\n  region        = var.region\n  instance_type = \"t3.micro\"\n  tags = {\n    Name                 = \"web\"\n    \"kubernetes.io/role\" = \"node\"\n  }\n\n  source_ami_filter {\n    owners = [\"amazon\"]\n  }\n}\n"
        );
        assert_eq!(
            hcl_string("a ${b} %{c} \"d\""),
            "\"a $${b} %%{c} \\\"d\\\"\""
        );
    }
}
