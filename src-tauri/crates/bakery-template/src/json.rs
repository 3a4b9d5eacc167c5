//! The span-aware JSON reader: every key and value keeps its line and column.
//!
//! Strict JSON (RFC 8259, like Packer's `encoding/json`): no comments, no trailing commas.
//! A syntax error stops the read and carries the position of the offending character.
//! Duplicate keys do not stop it: the first occurrence is kept in the tree and every later one
//! is reported in [`Document::duplicates`], so all of them can be shown at once.

use std::fmt;

/// Where something starts in the template text: 1-based line and column (in characters),
/// and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Position {
    /// The byte offset in the text (the HCL2 reader puts the text's length here, past any
    /// string a JSON walk would look into).
    pub offset: usize,
    /// The 1-based line.
    pub line: u32,
    /// The 1-based column, in characters.
    pub column: u32,
}

impl Position {
    /// The position of byte `offset` in `text`, whose lines start at `line_starts`
    /// (see [`line_starts`]).
    pub(crate) fn of_offset(text: &str, line_starts: &[usize], offset: usize) -> Position {
        let line = line_starts.partition_point(|&start| start <= offset).max(1);
        let start = line_starts[line - 1];
        let column = text.get(start..offset).map_or(0, |s| s.chars().count()) as u32 + 1;
        Position {
            offset,
            line: line as u32,
            column,
        }
    }
}

/// The byte offset where each line of `text` starts.
pub(crate) fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A JSON value and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value starts.
    pub at: Position,
    /// The value.
    pub value: Value,
}

/// A JSON value; objects keep their members in the order written.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(serde_json::Number),
    /// A string, unescaped.
    String(String),
    /// An array's items.
    Array(Vec<Node>),
    /// An object's members, in the order written (the first of a duplicated key).
    Object(Vec<Member>),
}

/// One `"key": value` pair of an object, in the order written.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The key, unescaped.
    pub key: String,
    /// Where the key starts.
    pub key_at: Position,
    /// The value and where it starts.
    pub value: Node,
}

/// A key written twice in the same object.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateKey {
    /// The key.
    pub key: String,
    /// Where it is written again.
    pub at: Position,
    /// Where it is written first (the occurrence kept in the tree).
    pub first: Position,
}

/// A whole JSON file read into a tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The top-level value.
    pub root: Node,
    /// Every key written again in its object, in the order found.
    pub duplicates: Vec<DuplicateKey>,
}

/// Why a JSON text could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// The offending character.
    pub at: Position,
    /// What is wrong there.
    pub message: String,
}

impl Node {
    /// What kind of value this is, as an error message says it (`a string`, `an array`).
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// The text, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The members, when this is an object.
    pub fn members(&self) -> Option<&[Member]> {
        match &self.value {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The items, when this is an array.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The member `key` of an object (the first one when written twice).
    pub fn get(&self, key: &str) -> Option<&Member> {
        self.members()?.iter().find(|m| m.key == key)
    }

    /// Where the `index`-th character of this string value is written in `source` (escapes
    /// such as `\n` or `\u00e9` take several characters in the file, one in the value).
    /// The string's own position when this is not a string of `source`.
    pub fn position_in_string(&self, source: &str, index: usize) -> Position {
        let Value::String(_) = self.value else {
            return self.at;
        };
        // Only a string written as a JSON string literal in `source` can be walked.
        if !source
            .get(self.at.offset..)
            .is_some_and(|raw| raw.starts_with('"'))
        {
            return self.at;
        }
        let Some(raw) = source.get(self.at.offset + 1..) else {
            return self.at;
        };
        let mut chars = raw.chars();
        let (mut columns, mut bytes) = (1u32, 1usize);
        for _ in 0..index {
            let Some(c) = chars.next() else {
                return self.at;
            };
            let mut width = c.len_utf8();
            let mut count = 1;
            match c {
                '"' => return self.at,
                '\\' => {
                    let escape = chars.next().unwrap_or('"');
                    width += escape.len_utf8();
                    count += 1;
                    if escape == 'u' {
                        let hex: String = chars.by_ref().take(4).collect();
                        width += hex.len();
                        count += 4;
                        let code = u32::from_str_radix(&hex, 16).unwrap_or(0);
                        if (0xD800..0xDC00).contains(&code) && chars.as_str().starts_with("\\u") {
                            // A surrogate pair is one character of the value.
                            chars.by_ref().take(6).for_each(drop);
                            width += 6;
                            count += 6;
                        }
                    }
                }
                _ => {}
            }
            columns += count;
            bytes += width;
        }
        Position {
            offset: self.at.offset + bytes,
            line: self.at.line,
            column: self.at.column + columns,
        }
    }

    /// The tree as a plain `serde_json::Value` (positions dropped).
    pub fn to_serde(&self) -> serde_json::Value {
        self.to_serde_with(&mut |s| s.to_string())
    }

    /// Like [`Node::to_serde`], with every string (not keys) passed through `string`.
    pub fn to_serde_with(&self, string: &mut dyn FnMut(&str) -> String) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(string(s)),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(|n| n.to_serde_with(string)).collect())
            }
            Value::Object(members) => serde_json::Value::Object(
                members
                    .iter()
                    .map(|m| (m.key.clone(), m.value.to_serde_with(string)))
                    .collect(),
            ),
        }
    }
}

/// Reads `text` as one JSON value.
pub fn parse(text: &str) -> Result<Document, SyntaxError> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        offset: 0,
        line: 1,
        line_start: 0,
        duplicates: Vec::new(),
        depth: 0,
    };
    // A UTF-8 byte order mark is tolerated, as editors on Windows write one.
    if text.starts_with('\u{feff}') {
        reader.offset = 3;
        reader.line_start = 3;
    }
    reader.skip_whitespace();
    if reader.offset >= reader.bytes.len() {
        return Err(reader.error("the file is empty: a template is a JSON object"));
    }
    let root = reader.value()?;
    reader.skip_whitespace();
    if reader.offset < reader.bytes.len() {
        return Err(reader.error(&format!(
            "unexpected {} after the end of the top-level value",
            reader.describe_here()
        )));
    }
    Ok(Document {
        root,
        duplicates: reader.duplicates,
    })
}

const MAX_DEPTH: usize = 512;

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    offset: usize,
    line: u32,
    line_start: usize,
    duplicates: Vec<DuplicateKey>,
    depth: usize,
}

impl Reader<'_> {
    fn position(&self) -> Position {
        let column = self.text[self.line_start..self.offset].chars().count() as u32 + 1;
        Position {
            offset: self.offset,
            line: self.line,
            column,
        }
    }

    fn error(&self, message: &str) -> SyntaxError {
        SyntaxError {
            at: self.position(),
            message: message.to_string(),
        }
    }

    fn describe_here(&self) -> String {
        match self.text[self.offset..].chars().next() {
            None => "end of file".to_string(),
            Some(c) if c.is_control() => format!("control character {:?}", c),
            Some(c) => format!("character '{c}'"),
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(&b) = self.bytes.get(self.offset) {
            match b {
                b' ' | b'\t' | b'\r' => self.offset += 1,
                b'\n' => {
                    self.offset += 1;
                    self.line += 1;
                    self.line_start = self.offset;
                }
                _ => break,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.offset).copied()
    }

    fn value(&mut self) -> Result<Node, SyntaxError> {
        let at = self.position();
        let value = match self.peek() {
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.keyword("true", Value::Bool(true))?,
            Some(b'f') => self.keyword("false", Value::Bool(false))?,
            Some(b'n') => self.keyword("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b'/') => return Err(self.error("comments are not allowed in JSON templates")),
            Some(b'\'') => {
                return Err(self.error("strings must use double quotes (\"), not single quotes"));
            }
            _ => {
                return Err(
                    self.error(&format!("expected a value, found {}", self.describe_here()))
                );
            }
        };
        Ok(Node { at, value })
    }

    fn keyword(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self.text[self.offset..].starts_with(word) {
            self.offset += word.len();
            Ok(value)
        } else {
            Err(self.error(&format!("expected a value, found {}", self.describe_here())))
        }
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("values are nested too deeply"));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value, SyntaxError> {
        self.enter()?;
        self.offset += 1; // {
        let mut members: Vec<Member> = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.offset += 1;
            self.depth -= 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                let what = if self.peek() == Some(b'}') {
                    "a trailing comma is not allowed before '}'".to_string()
                } else {
                    format!(
                        "expected a key in double quotes, found {}",
                        self.describe_here()
                    )
                };
                return Err(self.error(&what));
            }
            let key_at = self.position();
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error(&format!(
                    "expected ':' after the key \"{key}\", found {}",
                    self.describe_here()
                )));
            }
            self.offset += 1;
            self.skip_whitespace();
            let value = self.value()?;
            if let Some(first) = members.iter().find(|m| m.key == key) {
                self.duplicates.push(DuplicateKey {
                    key,
                    at: key_at,
                    first: first.key_at,
                });
            } else {
                members.push(Member { key, key_at, value });
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.offset += 1,
                Some(b'}') => {
                    self.offset += 1;
                    self.depth -= 1;
                    return Ok(Value::Object(members));
                }
                _ => {
                    return Err(self.error(&format!(
                        "expected ',' or '}}' after an object member, found {}",
                        self.describe_here()
                    )));
                }
            }
        }
    }

    fn array(&mut self) -> Result<Value, SyntaxError> {
        self.enter()?;
        self.offset += 1; // [
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.offset += 1;
            self.depth -= 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            if self.peek() == Some(b']') {
                return Err(self.error("a trailing comma is not allowed before ']'"));
            }
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.offset += 1,
                Some(b']') => {
                    self.offset += 1;
                    self.depth -= 1;
                    return Ok(Value::Array(items));
                }
                _ => {
                    return Err(self.error(&format!(
                        "expected ',' or ']' after an array element, found {}",
                        self.describe_here()
                    )));
                }
            }
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.offset += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.offset;
            while let Some(&b) = self.bytes.get(self.offset) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.offset += 1;
            }
            out.push_str(&self.text[start..self.offset]);
            match self.peek() {
                None => return Err(self.error("a string is not closed: missing '\"'")),
                Some(b'"') => {
                    self.offset += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.offset += 1;
                    let escape = self.peek();
                    self.offset += 1;
                    let c = match escape {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => {
                            self.offset -= 1;
                            return Err(self.error(&format!(
                                "invalid escape in a string: {}",
                                self.describe_here()
                            )));
                        }
                    };
                    out.push(c);
                }
                Some(_) => {
                    return Err(self.error(&format!(
                        "{} inside a string: write it escaped (\\n, \\t, …)",
                        self.describe_here()
                    )));
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .text
            .get(self.offset..self.offset + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("\\u must be followed by four hexadecimal digits"))?;
        let value = u32::from_str_radix(digits, 16).unwrap_or(0);
        self.offset += 4;
        Ok(value)
    }

    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.text[self.offset..].starts_with("\\u") {
            let saved = self.offset;
            self.offset += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            self.offset = saved;
        }
        Ok(char::from_u32(first).unwrap_or('\u{fffd}'))
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.offset;
        if self.peek() == Some(b'-') {
            self.offset += 1;
        }
        let digits = |r: &mut Self| {
            let s = r.offset;
            while r.peek().is_some_and(|b| b.is_ascii_digit()) {
                r.offset += 1;
            }
            r.offset - s
        };
        match self.peek() {
            Some(b'0') => self.offset += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.error("expected a digit in a number")),
        }
        if self.peek() == Some(b'.') {
            self.offset += 1;
            if digits(self) == 0 {
                return Err(self.error("expected a digit after the decimal point"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.offset += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.offset += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        let raw = &self.text[start..self.offset];
        raw.parse::<serde_json::Number>()
            .map(Value::Number)
            .map_err(|_| SyntaxError {
                at: Position {
                    offset: start,
                    ..self.position()
                },
                message: format!("the number {raw} is out of range"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_carry_line_and_column() {
        let doc = parse("{\n  \"a\": [1, \"x\"],\n  \"b\": {\"c\": true}\n}").unwrap();
        let a = doc.root.get("a").unwrap();
        assert_eq!((a.key_at.line, a.key_at.column), (2, 3));
        assert_eq!((a.value.at.line, a.value.at.column), (2, 8));
        let items = a.value.items().unwrap();
        assert_eq!((items[1].at.line, items[1].at.column), (2, 12));
        let c = doc.root.get("b").unwrap().value.get("c").unwrap();
        assert_eq!((c.key_at.line, c.key_at.column), (3, 9));
        assert_eq!(c.value.value, Value::Bool(true));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let doc = parse("{\"é\": \"ü\", \"k\": 1}").unwrap();
        assert_eq!(doc.root.get("k").unwrap().key_at.column, 12);
    }

    #[test]
    fn duplicate_keys_are_all_reported_and_the_first_is_kept() {
        let doc = parse("{\"region\": \"a\",\n \"region\": \"b\", \"region\": \"c\"}").unwrap();
        assert_eq!(doc.duplicates.len(), 2);
        assert_eq!(doc.duplicates[0].key, "region");
        assert_eq!(
            (doc.duplicates[0].at.line, doc.duplicates[0].at.column),
            (2, 2)
        );
        assert_eq!(doc.duplicates[0].first.column, 2);
        assert_eq!(doc.root.get("region").unwrap().value.as_str(), Some("a"));
    }

    #[test]
    fn same_key_in_different_objects_is_not_a_duplicate() {
        let doc = parse("[{\"type\": 1}, {\"type\": 2}]").unwrap();
        assert!(doc.duplicates.is_empty());
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let err = parse("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!((err.at.line, err.at.column), (3, 7));
        assert!(err.message.contains("expected ':'"), "{}", err.message);

        let err = parse("{\"a\": [1, 2,]}").unwrap_err();
        assert_eq!(err.at.column, 13);
        assert!(err.message.contains("trailing comma"));

        let err = parse("{\"a\": 1,}").unwrap_err();
        assert!(err.message.contains("trailing comma"));

        let err = parse("{\"a\": \"open").unwrap_err();
        assert!(err.message.contains("not closed"));

        let err = parse("{} x").unwrap_err();
        assert_eq!(err.at.column, 4);

        let err = parse("// c\n{}").unwrap_err();
        assert!(err.message.contains("comments"));

        assert!(parse("   ").unwrap_err().message.contains("empty"));
    }

    #[test]
    fn escapes_and_numbers_are_decoded() {
        let doc = parse(r#"["a\"b\\c\n\u00e9\ud83d\ude00", -1.5e3, 0, 12]"#).unwrap();
        let items = doc.root.items().unwrap();
        assert_eq!(items[0].as_str(), Some("a\"b\\c\né😀"));
        assert_eq!(
            doc.root.to_serde(),
            serde_json::json!(["a\"b\\c\né😀", -1500.0, 0, 12])
        );
        assert!(parse("[01]").is_err());
        assert!(parse("[1.]").is_err());
        assert!(parse("[\"\t\"]").is_err());
    }

    #[test]
    fn positions_inside_strings_count_escapes() {
        let text = "{\"a\": \"x\\n\\u00e9é {{bad}}\"}";
        let doc = parse(text).unwrap();
        let a = &doc.root.get("a").unwrap().value;
        assert_eq!(a.as_str(), Some("x\néé {{bad}}"));
        let at = a.position_in_string(text, 5); // the '{' of "{{bad}}"
        assert_eq!(at.column, 19);
        assert_eq!(&text[at.offset..at.offset + 2], "{{");
        assert_eq!(a.position_in_string(text, 0).column, a.at.column + 1);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000);
        assert!(parse(&text).unwrap_err().message.contains("nested"));
    }
}
