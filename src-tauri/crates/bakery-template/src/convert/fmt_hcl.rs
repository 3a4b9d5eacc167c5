//! The canonical layout of an HCL2 file, like `packer fmt`: two-space indentation by nesting,
//! `key = value` with the `=` of consecutive one-line attributes aligned, trailing spaces
//! removed, at most one blank line in a row, one final newline. Comments, heredocs and the
//! order of everything are kept; values are not rewritten.

use crate::TemplateError;
use crate::diagnostic::{Code, Diagnostic};
use crate::json::Position;

/// The canonical text of an HCL2 file.
pub fn format_hcl(file: &str, text: &str) -> Result<String, TemplateError> {
    if let Err(err) = hcl_edit::parser::parse_body(text) {
        let mut d = Diagnostic::error(
            Code::Syntax,
            Position {
                offset: 0,
                line: err.location().line() as u32,
                column: err.location().column() as u32,
            },
            "",
            format!("invalid HCL: {}", err.message()),
        );
        d.file = file.to_string();
        d.help = Some("fix the syntax first: nothing is formatted".into());
        return Err(TemplateError::Invalid(vec![d]));
    }
    let mut lines: Vec<Line> = Vec::new();
    let mut scan = Scanner::default();
    let mut heredoc: Option<String> = None;
    for raw in text.lines() {
        if let Some(end) = &heredoc {
            let done = raw.trim() == end;
            lines.push(Line::Verbatim(raw.trim_end_matches('\r').to_string()));
            if done {
                heredoc = None;
            }
            continue;
        }
        if scan.in_block_comment {
            scan.line(raw);
            lines.push(Line::Verbatim(raw.trim_end().to_string()));
            continue;
        }
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            if !matches!(lines.last(), None | Some(Line::Blank)) {
                lines.push(Line::Blank);
            }
            continue;
        }
        let closers = trimmed
            .chars()
            .take_while(|c| matches!(c, '}' | ']' | ')'))
            .count() as i32;
        let depth = (scan.depth - closers).max(0) as usize;
        let before = scan.depth;
        heredoc = scan.line(trimmed);
        let balanced = scan.depth == before && heredoc.is_none() && !scan.in_block_comment;
        match attribute(trimmed) {
            Some((key, value)) => lines.push(Line::Attr {
                depth,
                key,
                value,
                one_line: balanced,
            }),
            None => lines.push(Line::Other {
                depth,
                text: trimmed.to_string(),
            }),
        }
    }
    while matches!(lines.last(), Some(Line::Blank)) {
        lines.pop();
    }
    // A blank line just inside a block's braces goes.
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        match &lines[i] {
            Line::Blank => {
                let after_open = out.trim_end_matches('\n').ends_with('{');
                let before_close = matches!(&lines.get(i + 1), Some(Line::Other { text, .. }) if text.starts_with('}'));
                if !after_open && !before_close {
                    out.push('\n');
                }
                i += 1;
            }
            Line::Verbatim(text) => {
                out.push_str(text);
                out.push('\n');
                i += 1;
            }
            Line::Other { depth, text } => {
                out.push_str(&"  ".repeat(*depth));
                out.push_str(text);
                out.push('\n');
                i += 1;
            }
            Line::Attr { .. } => {
                let mut run: Vec<(usize, &str, &str)> = Vec::new();
                while let Some(Line::Attr {
                    depth,
                    key,
                    value,
                    one_line,
                }) = lines.get(i)
                {
                    if !run.is_empty() && (!one_line || *depth != run[0].0) {
                        break;
                    }
                    run.push((*depth, key, value));
                    i += 1;
                    if !one_line {
                        break;
                    }
                }
                let width = run.iter().map(|(_, k, _)| k.chars().count()).max();
                for (depth, key, value) in &run {
                    let gap = width.unwrap_or(0) - key.chars().count();
                    out.push_str(&format!(
                        "{}{key}{} = {value}\n",
                        "  ".repeat(*depth),
                        " ".repeat(gap)
                    ));
                }
            }
        }
    }
    Ok(out)
}

enum Line {
    Blank,
    Verbatim(String),
    Attr {
        depth: usize,
        key: String,
        value: String,
        one_line: bool,
    },
    Other {
        depth: usize,
        text: String,
    },
}

/// `key = value` (or `"key" = value`): the key and the value as written.
fn attribute(line: &str) -> Option<(String, String)> {
    let key_len = if let Some(quoted) = line.strip_prefix('"') {
        let mut escaped = false;
        let end = quoted.char_indices().find(|&(_, c)| {
            let stop = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            stop
        })?;
        end.0 + 2
    } else {
        line.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))?
    };
    if key_len == 0 {
        return None;
    }
    let rest = line[key_len..].trim_start();
    let value = rest.strip_prefix('=')?;
    if value.starts_with('=') {
        return None;
    }
    Some((line[..key_len].to_string(), value.trim().to_string()))
}

/// Nesting across lines: brackets outside strings and comments.
#[derive(Default)]
struct Scanner {
    depth: i32,
    /// Open strings and interpolations: `None` a string, `Some(n)` an interpolation with `n`
    /// braces open inside it.
    stack: Vec<Option<u32>>,
    in_block_comment: bool,
}

impl Scanner {
    /// Reads one line; returns the delimiter of a heredoc it opens.
    fn line(&mut self, line: &str) -> Option<String> {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        let mut heredoc = None;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if self.in_block_comment {
                if c == '*' && next == Some('/') {
                    self.in_block_comment = false;
                    i += 1;
                }
                i += 1;
                continue;
            }
            match self.stack.last_mut() {
                Some(None) => match c {
                    '\\' => i += 1,
                    '"' => {
                        self.stack.pop();
                    }
                    '$' | '%' if next == Some('{') => {
                        self.stack.push(Some(0));
                        i += 1;
                    }
                    _ => {}
                },
                top => {
                    let in_interp = top.is_some();
                    match c {
                        '"' => self.stack.push(None),
                        '#' => break,
                        '/' if next == Some('/') => break,
                        '/' if next == Some('*') => {
                            self.in_block_comment = true;
                            i += 1;
                        }
                        '<' if next == Some('<') && !in_interp => {
                            let rest: String = chars[i + 2..].iter().collect();
                            let rest = rest.trim_start_matches('-');
                            let name: String = rest
                                .chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '_')
                                .collect();
                            if !name.is_empty() {
                                heredoc = Some(name);
                                break;
                            }
                        }
                        '{' | '[' | '(' => match self.stack.last_mut() {
                            Some(Some(n)) => *n += 1,
                            _ => self.depth += 1,
                        },
                        '}' | ']' | ')' => match self.stack.last_mut() {
                            Some(Some(0)) if c == '}' => {
                                self.stack.pop();
                            }
                            Some(Some(n)) => *n = n.saturating_sub(1),
                            _ => self.depth -= 1,
                        },
                        _ => {}
                    }
                }
            }
            i += 1;
        }
        heredoc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_canonical_and_comments_stay() {
        let text = "# Web image\nvariable \"region\" {\n default=\"eu-west-1\" # where\n    type = string\n}\n\n\n\nsource \"amazon-ebs\" \"web\" {\n\n  region = var.region\n  instance_type=\"t3.micro\"\n  tags = {\n  Name = \"web-${var.region}\"\n  \"kubernetes.io/role\"=\"node\"\n  }\n  user_data = <<EOF\n  #!/bin/sh\n    echo {\nEOF\n  /* a\n     block */\n}\n";
        let formatted = format_hcl("t.pkr.hcl", text).unwrap();
        assert_eq!(
            formatted,
            "# Web image\nvariable \"region\" {\n  default = \"eu-west-1\" # where\n  type    = string\n}\n\nsource \"amazon-ebs\" \"web\" {\n  region        = var.region\n  instance_type = \"t3.micro\"\n  tags = {\n    Name                 = \"web-${var.region}\"\n    \"kubernetes.io/role\" = \"node\"\n  }\n  user_data = <<EOF\n  #!/bin/sh\n    echo {\nEOF\n  /* a\n     block */\n}\n"
        );
        assert_eq!(format_hcl("t.pkr.hcl", &formatted).unwrap(), formatted);
        let Err(TemplateError::Invalid(ds)) = format_hcl("t.pkr.hcl", "source {\n") else {
            panic!("a syntax error")
        };
        assert_eq!(ds[0].code, Code::Syntax);
    }
}
