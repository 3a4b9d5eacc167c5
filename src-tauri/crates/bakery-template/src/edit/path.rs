//! Field paths as the checker prints them (`builders[0].tags.Name`, `tags["Name tag"]`,
//! `build.provisioner[1].inline[0]`), read into segments.

use std::fmt;

use super::change::EditError;

/// One step of a field path: a key of an object (or a block's name or label), or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// `.name` or `["name"]`.
    Key(String),
    /// `[i]`.
    Index(usize),
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Key(key) if is_plain_key(key) => write!(f, "{key}"),
            Segment::Key(key) => write!(f, "[{}]", serde_json::Value::from(key.as_str())),
            Segment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A key that can be written after a `.` in a path.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && !key.contains(['.', '[', ']', '"', ' '])
}

/// The segments of a path written as a list of them.
pub(super) fn join(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Key(key) if is_plain_key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

/// Reads a field path.
pub(super) fn parse(path: &str) -> Result<Vec<Segment>, EditError> {
    let wrong = |what: &str| {
        EditError::new(
            path,
            format!(
                "{what}: write a field path like builders[0].tags.Name, tags[\"Name tag\"] or build.provisioner[1].inline[0]"
            ),
        )
    };
    let mut segments = Vec::new();
    let mut rest = path.trim();
    if rest.is_empty() {
        return Err(wrong("the path is empty"));
    }
    let mut first = true;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            if inner.starts_with('"') {
                // A quoted key: a JSON string up to the closing `"]`.
                let mut end = None;
                let mut escaped = false;
                for (i, c) in inner.char_indices().skip(1) {
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => {
                            end = Some(i);
                            break;
                        }
                        _ => escaped = false,
                    }
                }
                let end = end.ok_or_else(|| wrong("a quoted key is not closed"))?;
                let key: String = serde_json::from_str(&inner[..=end])
                    .map_err(|_| wrong("a quoted key is not a valid string"))?;
                rest = inner[end + 1..]
                    .strip_prefix(']')
                    .ok_or_else(|| wrong("a quoted key must be followed by ]"))?;
                segments.push(Segment::Key(key));
            } else {
                let close = inner.find(']').ok_or_else(|| wrong("a [ is not closed"))?;
                let index = inner[..close]
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| wrong(&format!("[{}] is not a list index", &inner[..close])))?;
                segments.push(Segment::Index(index));
                rest = &inner[close + 1..];
            }
        } else {
            if !first {
                rest = rest
                    .strip_prefix('.')
                    .ok_or_else(|| wrong("expected . or [ between the parts of the path"))?;
            }
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end == 0 {
                return Err(wrong("a part of the path is empty"));
            }
            if rest[..end].contains([']', '"']) {
                return Err(wrong("a key with ] or \" in it is written [\"key\"]"));
            }
            segments.push(Segment::Key(rest[..end].to_string()));
            rest = &rest[end..];
        }
        first = false;
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Segment {
        Segment::Key(k.to_string())
    }

    #[test]
    fn the_checkers_paths_are_read() {
        assert_eq!(
            parse("builders[0].tags.Name").unwrap(),
            vec![key("builders"), Segment::Index(0), key("tags"), key("Name")]
        );
        assert_eq!(
            parse("source.amazon-ebs.web.tags[\"Name tag\"]").unwrap(),
            vec![
                key("source"),
                key("amazon-ebs"),
                key("web"),
                key("tags"),
                key("Name tag")
            ]
        );
        assert_eq!(
            parse("build.provisioner[0].override[\"amazon-ebs.web\"].inline[1]").unwrap(),
            vec![
                key("build"),
                key("provisioner"),
                Segment::Index(0),
                key("override"),
                key("amazon-ebs.web"),
                key("inline"),
                Segment::Index(1)
            ]
        );
        assert_eq!(
            join(&parse("a.b[\"x.y\"][2].c").unwrap()),
            "a.b[\"x.y\"][2].c"
        );
    }

    #[test]
    fn a_wrong_path_says_how_to_write_one() {
        for wrong in ["", "a..b", "a[x]", "a[\"b", "a[1", "a]b"] {
            let err = parse(wrong).unwrap_err();
            assert!(err.message.contains("write a field path"), "{wrong}: {err}");
        }
    }
}
