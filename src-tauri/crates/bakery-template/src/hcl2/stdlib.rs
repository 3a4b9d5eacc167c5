//! The pure functions of Packer's HCL2 library (HashiCorp's go-cty stdlib, as Terraform has
//! them): strings, collections, encodings, hashes, paths and time. Each takes its arguments
//! as `any` and checks their types itself, so its errors name the function and say what it
//! needs (hcl-rs checks the arity). The functions that read the evaluation's state (the
//! environment, the file hooks) are in the sibling `functions`.

use hcl::Value;
use hcl::eval::FuncArgs;

use super::values::plain_text;

pub(super) type Returned = Result<Value, String>;

/// The largest width, precision, indentation or result size the functions make (Go refuses
/// widths past a million too): a template asking for more is a mistake, not a bake.
const LIMIT: usize = 1_000_000;

// ---- Arguments ---------------------------------------------------------------------------

/// What kind of value `v` is, as Packer's messages say it.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// A number as Packer prints it: integral values without a fraction.
pub(super) fn number_text(n: &hcl::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// A string argument: strings, numbers and bools convert (like Packer's automatic
/// conversion); null and collections are errors.
pub(super) fn text(f: &str, v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(number_text(n)),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("{f}: expected a string, got {}", kind(other))),
    }
}

/// A number argument (a numeric string converts).
fn number(f: &str, v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => Ok(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("{f}: \"{s}\" is not a number")),
        other => Err(format!("{f}: expected a number, got {}", kind(other))),
    }
}

/// A whole-number argument.
fn integer(f: &str, v: &Value) -> Result<i64, String> {
    let n = number(f, v)?;
    if n.fract() != 0.0 {
        return Err(format!("{f}: expected a whole number, got {n}"));
    }
    Ok(n as i64)
}

/// A list argument.
fn list<'a>(f: &str, v: &'a Value) -> Result<&'a Vec<Value>, String> {
    match v {
        Value::Array(items) => Ok(items),
        other => Err(format!("{f}: expected a list, got {}", kind(other))),
    }
}

/// A map argument.
fn map<'a>(f: &str, v: &'a Value) -> Result<&'a hcl::Map<String, Value>, String> {
    match v {
        Value::Object(map) => Ok(map),
        other => Err(format!("{f}: expected a map, got {}", kind(other))),
    }
}

/// A number as a value (whole numbers as integers).
fn number_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Value::from(n as i64)
    } else {
        hcl::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// The elements of a list as one type, like Packer's lists: when strings are mixed with
/// numbers or bools, every one becomes a string.
fn unified(items: &[Value]) -> Vec<Value> {
    let has_string = items.iter().any(|v| matches!(v, Value::String(_)));
    let all_primitive = items
        .iter()
        .all(|v| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_)));
    if has_string && all_primitive {
        items
            .iter()
            .map(|v| Value::String(text("", v).unwrap_or_default()))
            .collect()
    } else {
        items.to_vec()
    }
}

/// A set's elements in Packer's order: distinct, strings sorted lexically and numbers by
/// value; other elements keep their order.
fn as_set(items: &[Value]) -> Vec<Value> {
    let mut out = distinct_values(&unified(items));
    if out.iter().all(|v| matches!(v, Value::String(_))) {
        out.sort_by_key(plain_text);
    } else if out.iter().all(|v| matches!(v, Value::Number(_))) {
        out.sort_by(|a, b| {
            let (a, b) = (number("", a).unwrap_or(0.0), number("", b).unwrap_or(0.0));
            a.total_cmp(&b)
        });
    }
    out
}

fn distinct_values(items: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

// ---- Strings -----------------------------------------------------------------------------

pub(super) fn trimspace(a: FuncArgs) -> Returned {
    Ok(text("trimspace", &a[0])?.trim().into())
}

pub(super) fn trim(a: FuncArgs) -> Returned {
    let s = text("trim", &a[0])?;
    let cutset: Vec<char> = text("trim", &a[1])?.chars().collect();
    Ok(s.trim_matches(|c| cutset.contains(&c)).into())
}

pub(super) fn trimprefix(a: FuncArgs) -> Returned {
    let (s, prefix) = (text("trimprefix", &a[0])?, text("trimprefix", &a[1])?);
    Ok(s.strip_prefix(prefix.as_str()).unwrap_or(&s).into())
}

pub(super) fn trimsuffix(a: FuncArgs) -> Returned {
    let (s, suffix) = (text("trimsuffix", &a[0])?, text("trimsuffix", &a[1])?);
    Ok(s.strip_suffix(suffix.as_str()).unwrap_or(&s).into())
}

pub(super) fn chomp(a: FuncArgs) -> Returned {
    Ok(text("chomp", &a[0])?.trim_end_matches(['\r', '\n']).into())
}

/// Go's `strings.Title`: the first letter of every word upper-cased.
pub(super) fn title(a: FuncArgs) -> Returned {
    let s = text("title", &a[0])?;
    let separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            c.is_whitespace()
        }
    };
    let mut out = String::with_capacity(s.len());
    let mut previous = ' ';
    for c in s.chars() {
        if separator(previous) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        previous = c;
    }
    Ok(out.into())
}

/// `substr(string, offset, length)`: in characters; a negative offset counts from the end,
/// a length of -1 takes the rest. Past the end is an empty string, like Packer.
pub(super) fn substr(a: FuncArgs) -> Returned {
    let s = text("substr", &a[0])?;
    let offset = integer("substr", &a[1])?;
    let length = integer("substr", &a[2])?;
    let chars: Vec<char> = s.chars().collect();
    let total = chars.len() as i64;
    let start = if offset < 0 {
        (total + offset).max(0)
    } else {
        offset
    };
    if start >= total {
        return Ok("".into());
    }
    if length < -1 {
        return Err(format!(
            "substr: length {length} is negative; use -1 for the rest of the string"
        ));
    }
    let end = if length == -1 {
        total
    } else {
        start.saturating_add(length).min(total)
    };
    Ok(chars[start as usize..end as usize]
        .iter()
        .collect::<String>()
        .into())
}

pub(super) fn strrev(a: FuncArgs) -> Returned {
    Ok(text("strrev", &a[0])?
        .chars()
        .rev()
        .collect::<String>()
        .into())
}

/// `indent(spaces, string)`: every line but the first indented.
pub(super) fn indent(a: FuncArgs) -> Returned {
    let n = integer("indent", &a[0])?;
    if !(0..=LIMIT as i64).contains(&n) {
        return Err(format!("indent: {n} spaces is not between 0 and {LIMIT}"));
    }
    let pad = " ".repeat(n as usize);
    Ok(text("indent", &a[1])?
        .replace('\n', &format!("\n{pad}"))
        .into())
}

/// Go's `url.QueryEscape`.
pub(super) fn urlencode(a: FuncArgs) -> Returned {
    let s = text("urlencode", &a[0])?;
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(out.into())
}

pub(super) fn format(a: FuncArgs) -> Returned {
    let spec = text("format", &a[0])?;
    format_values(&spec, &a[1..]).map(Value::from)
}

/// `formatlist(spec, args...)`: `format` once per element of the list arguments (all of one
/// length); other arguments are used in every one.
pub(super) fn formatlist(a: FuncArgs) -> Returned {
    let spec = text("formatlist", &a[0])?;
    let args = &a[1..];
    let mut length: Option<(usize, usize)> = None;
    for (i, arg) in args.iter().enumerate() {
        if let Value::Array(items) = arg {
            match length {
                None => length = Some((items.len(), i)),
                Some((n, first)) if n != items.len() => {
                    return Err(format!(
                        "formatlist: argument {} has {} elements but argument {} has {n}; lists must be of one length",
                        i + 2,
                        items.len(),
                        first + 2
                    ));
                }
                _ => {}
            }
        }
    }
    let Some((n, _)) = length else {
        return Ok(Value::Array(vec![format_values(&spec, args)?.into()]));
    };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let row: Vec<Value> = args
            .iter()
            .map(|arg| match arg {
                Value::Array(items) => items[i].clone(),
                other => other.clone(),
            })
            .collect();
        out.push(Value::from(format_values(&spec, &row)?));
    }
    Ok(Value::Array(out))
}

/// Go's `%q`: a double-quoted string with Go escapes.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's exponent form: `1.5e+03`.
fn go_exponent(x: f64, precision: usize, upper: bool) -> String {
    let rust = format!("{x:.precision$e}");
    let (mantissa, exp) = rust.split_once('e').unwrap_or((&rust, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    let e = if upper { 'E' } else { 'e' };
    format!("{mantissa}{e}{sign}{:02}", exp.abs())
}

/// Go's `%g`: exponent form for large and small exponents, else plain, without trailing
/// zeros.
fn go_general(x: f64, precision: Option<usize>, upper: bool) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    let sci = match precision {
        None => format!("{x:e}"),
        Some(p) => format!("{x:.*e}", p.max(1) - 1),
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits = mantissa.replace('.', "");
    let nd = digits.trim_end_matches('0').len().max(1);
    let dp = exp + 1;
    let prec = precision.map_or(nd, |p| p.max(1));
    let eprec = if precision.is_none() {
        6
    } else if prec > nd && nd as i32 >= dp {
        nd
    } else {
        prec
    };
    if exp < -4 || exp >= eprec as i32 {
        go_exponent(x, prec.min(nd) - 1, upper)
    } else {
        let prec = if prec as i32 > dp { nd } else { prec };
        let decimals = (prec as i32 - dp).max(0) as usize;
        format!("{x:.decimals$}")
    }
}

/// A value for `%v`/`%s`: strings as they are, numbers and bools as text, null as `null`,
/// collections as JSON.
fn value_text(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => number_text(n),
        Value::Bool(b) => b.to_string(),
        other => json_text(other),
    }
}

/// Terraform's `format` verbs: `%v %#v %s %q %d %b %o %x %X %e %E %f %g %G %t %%`, with the
/// flags `- + 0 # space`, a width, a precision and `%[n]` argument indexes.
pub(super) fn format_values(spec: &str, args: &[Value]) -> Result<String, String> {
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut next = 0usize; // the next argument
    let mut used = vec![false; args.len()];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let (mut minus, mut plus, mut zero, mut sharp, mut space) =
            (false, false, false, false, false);
        while i < chars.len() && "-+0# ".contains(chars[i]) {
            match chars[i] {
                '-' => minus = true,
                '+' => plus = true,
                '0' => zero = true,
                '#' => sharp = true,
                _ => space = true,
            }
            i += 1;
        }
        let read_number = |i: &mut usize| {
            let from = *i;
            while *i < chars.len() && chars[*i].is_ascii_digit() {
                *i += 1;
            }
            (from < *i).then(|| {
                chars[from..*i]
                    .iter()
                    .collect::<String>()
                    .parse::<usize>()
                    .unwrap_or(0)
            })
        };
        if i < chars.len() && chars[i] == '[' {
            let close = chars[i..].iter().position(|&c| c == ']').map(|p| i + p);
            let index = close.and_then(|close| {
                chars[i + 1..close]
                    .iter()
                    .collect::<String>()
                    .parse::<usize>()
                    .ok()
            });
            match (close, index) {
                (Some(close), Some(n)) if n >= 1 => {
                    next = n - 1;
                    i = close + 1;
                }
                _ => {
                    return Err(format!(
                        "format: invalid argument index at offset {start} of \"{spec}\"; write %[1]s for the first argument"
                    ));
                }
            }
        }
        let width = read_number(&mut i);
        let precision = if i < chars.len() && chars[i] == '.' {
            i += 1;
            Some(read_number(&mut i).unwrap_or(0))
        } else {
            None
        };
        if width.max(precision).is_some_and(|n| n > LIMIT) {
            return Err(format!(
                "format: the width or precision at offset {start} is over {LIMIT}"
            ));
        }
        let Some(&verb) = chars.get(i) else {
            return Err(format!(
                "format: \"{spec}\" ends in the middle of a verb; write %% for a percent sign"
            ));
        };
        i += 1;
        if verb == '%' {
            out.push('%');
            continue;
        }
        if verb == '*' {
            return Err(format!(
                "format: a width from an argument (%*) at offset {start} is not supported; write the width in the format"
            ));
        }
        let Some(arg) = args.get(next) else {
            return Err(format!(
                "format: \"{spec}\" needs argument {} for %{verb} at offset {start} but has {} argument(s)",
                next + 1,
                args.len()
            ));
        };
        used[next] = true;
        next += 1;
        let need = |what: &str| {
            format!(
                "format: %{verb} at offset {start} needs {what}, got {}",
                if let Value::String(s) = arg {
                    format!("\"{s}\"")
                } else {
                    kind(arg).to_string()
                }
            )
        };
        let signed = |body: String, negative: bool| {
            let sign = if negative {
                "-"
            } else if plus {
                "+"
            } else if space {
                " "
            } else {
                ""
            };
            (sign.to_string(), body)
        };
        let (sign, body, numeric) = match verb {
            'v' | 's' | 'q' => {
                let s = if verb == 'v' && sharp {
                    json_text(arg)
                } else if verb == 'v' {
                    value_text(arg)
                } else {
                    match arg {
                        Value::Array(_) | Value::Object(_) | Value::Null => {
                            return Err(need("a string"));
                        }
                        other => value_text(other),
                    }
                };
                let s = if verb == 'q' { go_quote(&s) } else { s };
                let s = match precision {
                    Some(p) if verb == 's' => s.chars().take(p).collect(),
                    _ => s,
                };
                (String::new(), s, false)
            }
            't' => match arg {
                Value::Bool(b) => (String::new(), b.to_string(), false),
                Value::String(s) if s == "true" || s == "false" => {
                    (String::new(), s.clone(), false)
                }
                _ => return Err(need("a bool")),
            },
            'd' | 'b' | 'o' | 'x' | 'X' => {
                let n = number("", arg).map_err(|_| need("a whole number"))?;
                if n.fract() != 0.0 {
                    return Err(need("a whole number"));
                }
                let m = n.abs() as u128;
                let body = match verb {
                    'd' => m.to_string(),
                    'b' => format!("{m:b}"),
                    'o' => format!("{}{m:o}", if sharp { "0" } else { "" }),
                    'x' => format!("{}{m:x}", if sharp { "0x" } else { "" }),
                    _ => format!("{}{m:X}", if sharp { "0X" } else { "" }),
                };
                let body = match precision {
                    Some(p) if body.len() < p => format!("{}{body}", "0".repeat(p - body.len())),
                    _ => body,
                };
                let (sign, body) = signed(body, n < 0.0);
                (sign, body, precision.is_none())
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                let n = number("", arg).map_err(|_| need("a number"))?;
                let m = n.abs();
                let body = match verb {
                    'e' | 'E' => go_exponent(m, precision.unwrap_or(6), verb == 'E'),
                    'f' | 'F' => format!("{m:.*}", precision.unwrap_or(6)),
                    _ => go_general(m, precision, verb == 'G'),
                };
                let (sign, body) = signed(body, n < 0.0 || (n == 0.0 && n.is_sign_negative()));
                (sign, body, true)
            }
            other => {
                return Err(format!(
                    "format: unsupported verb %{other} at offset {start}; use %s, %d, %f, %q, %v or %t"
                ));
            }
        };
        let len = sign.chars().count() + body.chars().count();
        let pad = width.unwrap_or(0).saturating_sub(len);
        if minus {
            out.push_str(&sign);
            out.push_str(&body);
            out.push_str(&" ".repeat(pad));
        } else if zero && numeric {
            out.push_str(&sign);
            out.push_str(&"0".repeat(pad));
            out.push_str(&body);
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&sign);
            out.push_str(&body);
        }
    }
    if let Some(unused) = used.iter().position(|u| !u) {
        return Err(format!(
            "format: argument {} is not used by \"{spec}\"; remove it or add a verb for it",
            unused + 2
        ));
    }
    Ok(out)
}

// ---- Collections -------------------------------------------------------------------------

pub(super) fn distinct(a: FuncArgs) -> Returned {
    Ok(Value::Array(distinct_values(&unified(list(
        "distinct", &a[0],
    )?))))
}

/// `element(list, index)`: wraps around past the end.
pub(super) fn element(a: FuncArgs) -> Returned {
    let items = list("element", &a[0])?;
    let index = integer("element", &a[1])?;
    if items.is_empty() {
        return Err("element: the list is empty".to_string());
    }
    if index < 0 {
        return Err(format!(
            "element: index {index} is negative; use an index from 0"
        ));
    }
    Ok(items[index as usize % items.len()].clone())
}

fn flatten_into(items: &[Value], out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::Array(inner) => flatten_into(inner, out),
            other => out.push(other.clone()),
        }
    }
}

pub(super) fn flatten(a: FuncArgs) -> Returned {
    let mut out = Vec::new();
    flatten_into(list("flatten", &a[0])?, &mut out);
    Ok(Value::Array(out))
}

fn sorted_entries(m: &hcl::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = m.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

pub(super) fn keys(a: FuncArgs) -> Returned {
    let m = map("keys", &a[0])?;
    Ok(Value::Array(
        sorted_entries(m)
            .into_iter()
            .map(|(k, _)| Value::from(k.as_str()))
            .collect(),
    ))
}

pub(super) fn values(a: FuncArgs) -> Returned {
    let m = map("values", &a[0])?;
    Ok(Value::Array(
        sorted_entries(m)
            .into_iter()
            .map(|(_, v)| v.clone())
            .collect(),
    ))
}

fn extreme(f: &str, a: &FuncArgs, max: bool) -> Returned {
    let mut best: Option<f64> = None;
    for v in a.iter() {
        let n = number(f, v)?;
        if best.is_none_or(|b| if max { n > b } else { n < b }) {
            best = Some(n);
        }
    }
    best.map(number_value)
        .ok_or_else(|| format!("{f}: give it at least one number"))
}

pub(super) fn max(a: FuncArgs) -> Returned {
    extreme("max", &a, true)
}

pub(super) fn min(a: FuncArgs) -> Returned {
    extreme("min", &a, false)
}

/// `range(limit)`, `range(start, limit)`, `range(start, limit, step)`.
pub(super) fn range(a: FuncArgs) -> Returned {
    let n: Vec<f64> = a
        .iter()
        .map(|v| number("range", v))
        .collect::<Result<_, _>>()?;
    let (start, limit, step) = match n.as_slice() {
        [limit] => (0.0, *limit, if *limit < 0.0 { -1.0 } else { 1.0 }),
        [start, limit] => (*start, *limit, if limit < start { -1.0 } else { 1.0 }),
        [start, limit, step] => (*start, *limit, *step),
        _ => {
            return Err(format!(
                "range: takes 1 to 3 numbers (limit, or start, limit and step), got {}",
                n.len()
            ));
        }
    };
    if step == 0.0 {
        return Err("range: step must not be zero".to_string());
    }
    if step < 0.0 && limit > start {
        return Err(format!(
            "range: the step {step} is negative but the limit {limit} is above the start {start}"
        ));
    }
    if step > 0.0 && limit < start {
        return Err(format!(
            "range: the step {step} is positive but the limit {limit} is below the start {start}"
        ));
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < limit) || (step < 0.0 && x > limit) {
        if out.len() >= 1024 {
            return Err("range: more than 1024 values; use a larger step".to_string());
        }
        out.push(number_value(x));
        x += step;
    }
    Ok(Value::Array(out))
}

pub(super) fn reverse(a: FuncArgs) -> Returned {
    let mut items = list("reverse", &a[0])?.clone();
    items.reverse();
    Ok(Value::Array(items))
}

/// `slice(list, start, end)`: the elements from `start` up to, not including, `end`.
pub(super) fn slice(a: FuncArgs) -> Returned {
    let items = list("slice", &a[0])?;
    let start = integer("slice", &a[1])?;
    let end = integer("slice", &a[2])?;
    if start < 0 {
        return Err(format!("slice: start index {start} is negative"));
    }
    if end > items.len() as i64 {
        return Err(format!(
            "slice: end index {end} is past the end of a list of {} elements",
            items.len()
        ));
    }
    if start > end {
        return Err(format!(
            "slice: start index {start} is after end index {end}"
        ));
    }
    Ok(Value::Array(items[start as usize..end as usize].to_vec()))
}

/// `sort(list)`: strings in lexical order (numbers as their text, like Packer).
pub(super) fn sort(a: FuncArgs) -> Returned {
    let mut items: Vec<String> = list("sort", &a[0])?
        .iter()
        .map(|v| text("sort", v))
        .collect::<Result<_, _>>()?;
    items.sort();
    Ok(Value::Array(items.into_iter().map(Value::from).collect()))
}

pub(super) fn toset(a: FuncArgs) -> Returned {
    Ok(Value::Array(as_set(list("toset", &a[0])?)))
}

pub(super) fn tolist(a: FuncArgs) -> Returned {
    match &a[0] {
        Value::Null => Ok(Value::Null),
        Value::Array(items) => Ok(Value::Array(unified(items))),
        other => Err(format!("tolist: {} can't be a list", kind(other))),
    }
}

pub(super) fn tomap(a: FuncArgs) -> Returned {
    match &a[0] {
        Value::Null => Ok(Value::Null),
        Value::Object(m) => Ok(Value::Object(m.clone())),
        other => Err(format!("tomap: {} can't be a map", kind(other))),
    }
}

pub(super) fn tonumber(a: FuncArgs) -> Returned {
    match &a[0] {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(number_value)
            .ok_or_else(|| format!("tonumber: \"{s}\" is not a number")),
        other => Err(format!("tonumber: {} can't be a number", kind(other))),
    }
}

pub(super) fn tostring(a: FuncArgs) -> Returned {
    match &a[0] {
        Value::Null => Ok(Value::Null),
        Value::Array(_) | Value::Object(_) => Err(format!(
            "tostring: {} can't be a string; use jsonencode() or join()",
            kind(&a[0])
        )),
        other => Ok(text("tostring", other)?.into()),
    }
}

pub(super) fn tobool(a: FuncArgs) -> Returned {
    match &a[0] {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        Value::String(s) => Err(format!(
            "tobool: \"{s}\" is not a bool; use \"true\" or \"false\""
        )),
        other => Err(format!("tobool: {} can't be a bool", kind(other))),
    }
}

pub(super) fn zipmap(a: FuncArgs) -> Returned {
    let keys = list("zipmap", &a[0])?;
    let values = list("zipmap", &a[1])?;
    if keys.len() != values.len() {
        return Err(format!(
            "zipmap: {} keys but {} values; give one value per key",
            keys.len(),
            values.len()
        ));
    }
    let mut out = hcl::Map::new();
    for (k, v) in keys.iter().zip(values) {
        out.insert(text("zipmap", k)?, v.clone());
    }
    Ok(Value::Object(out))
}

pub(super) fn compact(a: FuncArgs) -> Returned {
    let mut out = Vec::new();
    for v in list("compact", &a[0])? {
        if matches!(v, Value::Null) {
            continue;
        }
        let s = text("compact", v)?;
        if !s.is_empty() {
            out.push(Value::from(s));
        }
    }
    Ok(Value::Array(out))
}

pub(super) fn index(a: FuncArgs) -> Returned {
    let items = list("index", &a[0])?;
    items
        .iter()
        .position(|v| v == &a[1])
        .map(Value::from)
        .ok_or_else(|| format!("index: {} is not in the list", json_text(&a[1])))
}

pub(super) fn coalescelist(a: FuncArgs) -> Returned {
    for v in a.iter() {
        if !list("coalescelist", v)?.is_empty() {
            return Ok(v.clone());
        }
    }
    Err("coalescelist: every list is empty".to_string())
}

pub(super) fn chunklist(a: FuncArgs) -> Returned {
    let items = list("chunklist", &a[0])?;
    let size = integer("chunklist", &a[1])?;
    if size < 0 {
        return Err(format!("chunklist: the size {size} is negative"));
    }
    if size == 0 {
        return Ok(Value::Array(vec![Value::Array(items.clone())]));
    }
    Ok(Value::Array(
        items
            .chunks(size as usize)
            .map(|c| Value::Array(c.to_vec()))
            .collect(),
    ))
}

pub(super) fn setunion(a: FuncArgs) -> Returned {
    let mut all = Vec::new();
    for v in a.iter() {
        all.extend(list("setunion", v)?.iter().cloned());
    }
    Ok(Value::Array(as_set(&all)))
}

pub(super) fn setintersection(a: FuncArgs) -> Returned {
    let sets: Vec<Vec<Value>> = a
        .iter()
        .map(|v| list("setintersection", v).map(|items| as_set(items)))
        .collect::<Result<_, _>>()?;
    let Some((first, rest)) = sets.split_first() else {
        return Ok(Value::Array(Vec::new()));
    };
    Ok(Value::Array(
        first
            .iter()
            .filter(|v| rest.iter().all(|s| s.contains(v)))
            .cloned()
            .collect(),
    ))
}

/// `setproduct(sets...)`: every combination of one element of each, in order.
pub(super) fn setproduct(a: FuncArgs) -> Returned {
    let mut out: Vec<Vec<Value>> = vec![Vec::new()];
    for v in a.iter() {
        let items = list("setproduct", v)?;
        if out.len().saturating_mul(items.len()) > LIMIT {
            return Err(format!(
                "setproduct: more than {LIMIT} combinations; use smaller sets"
            ));
        }
        out = out
            .into_iter()
            .flat_map(|prefix| {
                items.iter().map(move |item| {
                    let mut row = prefix.clone();
                    row.push(item.clone());
                    row
                })
            })
            .collect();
    }
    Ok(Value::Array(out.into_iter().map(Value::Array).collect()))
}

// ---- Numbers ----------------------------------------------------------------------------

pub(super) fn abs(a: FuncArgs) -> Returned {
    Ok(number_value(number("abs", &a[0])?.abs()))
}

pub(super) fn ceil(a: FuncArgs) -> Returned {
    Ok(number_value(number("ceil", &a[0])?.ceil()))
}

pub(super) fn floor(a: FuncArgs) -> Returned {
    Ok(number_value(number("floor", &a[0])?.floor()))
}

pub(super) fn log(a: FuncArgs) -> Returned {
    let (n, base) = (number("log", &a[0])?, number("log", &a[1])?);
    let value = n.ln() / base.ln();
    if !value.is_finite() {
        return Err(format!(
            "log: the logarithm of {n} in base {base} is not a number; use a positive number and a base other than 1"
        ));
    }
    Ok(number_value(value))
}

pub(super) fn pow(a: FuncArgs) -> Returned {
    let value = number("pow", &a[0])?.powf(number("pow", &a[1])?);
    if !value.is_finite() {
        return Err("pow: the result is not a finite number".to_string());
    }
    Ok(number_value(value))
}

pub(super) fn signum(a: FuncArgs) -> Returned {
    let n = number("signum", &a[0])?;
    Ok(Value::from(if n > 0.0 {
        1
    } else if n < 0.0 {
        -1
    } else {
        0
    }))
}

/// `parseint(string, base)`: a whole number written in base 2 to 62.
pub(super) fn parseint(a: FuncArgs) -> Returned {
    let s = text("parseint", &a[0])?;
    let base = integer("parseint", &a[1])?;
    if !(2..=62).contains(&base) {
        return Err(format!("parseint: base {base} is not between 2 and 62"));
    }
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    if digits.is_empty() {
        return Err(format!("parseint: \"{s}\" has no digits"));
    }
    let mut n: i128 = 0;
    for c in digits.chars() {
        // Go's big.Int: 0-9, then a-z, then A-Z (case-insensitive up to base 36).
        let d = match c {
            '0'..='9' => c as i128 - '0' as i128,
            'a'..='z' => c as i128 - 'a' as i128 + 10,
            'A'..='Z' if base <= 36 => c as i128 - 'A' as i128 + 10,
            'A'..='Z' => c as i128 - 'A' as i128 + 36,
            _ => base as i128,
        };
        if d >= base as i128 {
            return Err(format!("parseint: \"{s}\" is not a number in base {base}"));
        }
        n = n
            .checked_mul(base as i128)
            .and_then(|n| n.checked_add(d))
            .filter(|n| *n <= i64::MAX as i128)
            .ok_or_else(|| format!("parseint: \"{s}\" is too large"))?;
    }
    Ok(Value::from(if negative { -(n as i64) } else { n as i64 }))
}

// ---- Encodings and hashes ----------------------------------------------------------------

pub(super) fn base64encode(a: FuncArgs) -> Returned {
    use base64::Engine;
    Ok(base64::engine::general_purpose::STANDARD
        .encode(text("base64encode", &a[0])?)
        .into())
}

pub(super) fn base64decode(a: FuncArgs) -> Returned {
    use base64::Engine;
    let s = text("base64decode", &a[0])?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|err| format!("base64decode: \"{s}\" is not base64 ({err})"))?;
    String::from_utf8(bytes)
        .map(Value::from)
        .map_err(|_| format!("base64decode: \"{s}\" decodes to bytes that are not UTF-8 text"))
}

/// The encodings `textencodebase64`/`textdecodebase64` read, by IANA name or alias.
#[derive(Clone, Copy)]
enum TextEncoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
    Ascii,
}

fn text_encoding(f: &str, name: &str) -> Result<(TextEncoding, &'static str), String> {
    Ok(match name.to_ascii_uppercase().as_str() {
        "UTF-8" | "UTF8" | "CSUTF8" => (TextEncoding::Utf8, "UTF-8"),
        "UTF-16LE" | "CSUTF16LE" => (TextEncoding::Utf16Le, "UTF-16LE"),
        "UTF-16BE" | "CSUTF16BE" => (TextEncoding::Utf16Be, "UTF-16BE"),
        "ISO-8859-1" | "ISO_8859-1" | "LATIN1" | "L1" | "IBM819" | "CP819" | "CSISOLATIN1" => {
            (TextEncoding::Latin1, "ISO-8859-1")
        }
        "US-ASCII" | "ASCII" | "US" | "ANSI_X3.4-1968" | "CSASCII" => {
            (TextEncoding::Ascii, "US-ASCII")
        }
        _ => {
            return Err(format!(
                "{f}: the encoding \"{name}\" is not supported yet; use UTF-8, UTF-16LE, UTF-16BE, ISO-8859-1 or US-ASCII"
            ));
        }
    })
}

/// `textencodebase64(string, encoding)`: the string in that encoding, as base64 (UTF-16LE
/// for PowerShell's `-EncodedCommand`).
pub(super) fn textencodebase64(a: FuncArgs) -> Returned {
    use base64::Engine;
    let f = "textencodebase64";
    let s = text(f, &a[0])?;
    let (encoding, name) = text_encoding(f, &text(f, &a[1])?)?;
    let narrow = |limit: u32| -> Result<Vec<u8>, String> {
        s.chars()
            .map(|c| u8::try_from(c as u32).ok().filter(|b| (*b as u32) <= limit))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| format!("{f}: the string has characters that {name} can't represent"))
    };
    let bytes: Vec<u8> = match encoding {
        TextEncoding::Utf8 => s.as_bytes().to_vec(),
        TextEncoding::Utf16Le => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        TextEncoding::Utf16Be => s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        TextEncoding::Latin1 => narrow(0xff)?,
        TextEncoding::Ascii => narrow(0x7f)?,
    };
    Ok(base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .into())
}

/// `textdecodebase64(base64, encoding)`: base64 of text in that encoding, as a string.
pub(super) fn textdecodebase64(a: FuncArgs) -> Returned {
    use base64::Engine;
    let f = "textdecodebase64";
    let source = text(f, &a[0])?;
    let (encoding, name) = text_encoding(f, &text(f, &a[1])?)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(source.trim())
        .map_err(|err| format!("{f}: \"{source}\" is not base64 ({err})"))?;
    let invalid = || format!("{f}: the bytes are not valid {name} text");
    let units = |be: bool| -> Result<Vec<u16>, String> {
        if bytes.len() % 2 != 0 {
            return Err(invalid());
        }
        Ok(bytes
            .chunks(2)
            .map(|p| {
                if be {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            })
            .collect())
    };
    let decoded = match encoding {
        TextEncoding::Utf8 => String::from_utf8(bytes.clone()).map_err(|_| invalid())?,
        TextEncoding::Utf16Le => String::from_utf16(&units(false)?).map_err(|_| invalid())?,
        TextEncoding::Utf16Be => String::from_utf16(&units(true)?).map_err(|_| invalid())?,
        TextEncoding::Latin1 => bytes.iter().map(|&b| b as char).collect(),
        TextEncoding::Ascii if bytes.is_ascii() => bytes.iter().map(|&b| b as char).collect(),
        TextEncoding::Ascii => return Err(invalid()),
    };
    Ok(decoded.into())
}

/// JSON as Packer writes it: keys sorted, `<`, `>` and `&` escaped like Go.
pub(super) fn json_text(v: &Value) -> String {
    fn string(s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                    out.push_str(&format!("\\u{:04x}", c as u32))
                }
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(&b.to_string()),
            Value::Number(n) => out.push_str(&number_text(n)),
            Value::String(s) => string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            Value::Object(m) => {
                out.push('{');
                for (i, (k, item)) in sorted_entries(m).into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    string(k, out);
                    out.push(':');
                    write(item, out);
                }
                out.push('}');
            }
        }
    }
    let mut out = String::new();
    write(v, &mut out);
    out
}

pub(super) fn jsonencode(a: FuncArgs) -> Returned {
    Ok(json_text(&a[0]).into())
}

fn from_json(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(f)) => number_value(f),
            _ => Value::Null,
        },
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(items) => Value::Array(items.into_iter().map(from_json).collect()),
        serde_json::Value::Object(m) => {
            Value::Object(m.into_iter().map(|(k, v)| (k, from_json(v))).collect())
        }
    }
}

pub(super) fn jsondecode(a: FuncArgs) -> Returned {
    let s = text("jsondecode", &a[0])?;
    serde_json::from_str::<serde_json::Value>(&s)
        .map(from_json)
        .map_err(|err| format!("jsondecode: not valid JSON: {err}"))
}

/// YAML as Packer writes it: keys sorted and quoted, strings quoted, multi-line strings as
/// literal blocks.
pub(super) fn yaml_text(v: &Value) -> String {
    fn scalar(v: &Value, indent: usize) -> Option<String> {
        Some(match v {
            Value::Null => "null".to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => number_text(n),
            Value::String(s) if s.contains('\n') && !s.contains('\r') => {
                let pad = " ".repeat(indent + 2);
                let (body, chomp) = match s.strip_suffix('\n') {
                    Some(body) if !body.ends_with('\n') => (body, "|"),
                    Some(body) => (body, "|+"),
                    None => (s.as_str(), "|-"),
                };
                let mut out = chomp.to_string();
                for line in body.split('\n') {
                    out.push('\n');
                    if !line.is_empty() {
                        out.push_str(&pad);
                        out.push_str(line);
                    }
                }
                out
            }
            Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
            Value::Array(items) if items.is_empty() => "[]".to_string(),
            Value::Object(m) if m.is_empty() => "{}".to_string(),
            _ => return None,
        })
    }
    fn write(v: &Value, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match v {
            Value::Array(items) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&pad);
                    }
                    out.push_str("- ");
                    match scalar(item, indent) {
                        Some(s) => {
                            out.push_str(&s);
                            out.push('\n');
                        }
                        None => write(item, indent + 2, out),
                    }
                }
            }
            Value::Object(m) if !m.is_empty() => {
                for (i, (k, item)) in sorted_entries(m).into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(&pad);
                    }
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push(':');
                    match (scalar(item, indent), item) {
                        (Some(s), _) => {
                            out.push(' ');
                            out.push_str(&s);
                            out.push('\n');
                        }
                        (None, Value::Array(_)) => {
                            out.push('\n');
                            out.push_str(&pad);
                            write(item, indent, out);
                        }
                        (None, _) => {
                            out.push('\n');
                            out.push_str(&" ".repeat(indent + 2));
                            write(item, indent + 2, out);
                        }
                    }
                }
            }
            other => {
                out.push_str(&scalar(other, indent).unwrap_or_default());
                out.push('\n');
            }
        }
    }
    let mut out = String::new();
    write(v, 0, &mut out);
    out
}

pub(super) fn yamlencode(a: FuncArgs) -> Returned {
    Ok(yaml_text(&a[0]).into())
}

fn from_yaml(v: serde_yaml_ng::Value) -> Result<Value, String> {
    use serde_yaml_ng::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(f)) => number_value(f),
            _ => Value::Null,
        },
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => {
            Value::Array(items.into_iter().map(from_yaml).collect::<Result<_, _>>()?)
        }
        Y::Mapping(m) => {
            let mut out = hcl::Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    _ => return Err("yamldecode: a map key must be a string".to_string()),
                };
                out.insert(key, from_yaml(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => from_yaml(tagged.value)?,
    })
}

pub(super) fn yamldecode(a: FuncArgs) -> Returned {
    let s = text("yamldecode", &a[0])?;
    if s.trim().is_empty() {
        return Ok(Value::Null);
    }
    let value: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&s).map_err(|err| format!("yamldecode: not valid YAML: {err}"))?;
    from_yaml(value)
}

/// `csvdecode(text)`: a list of maps, one per row after the header row.
pub(super) fn csvdecode(a: FuncArgs) -> Returned {
    let s = text("csvdecode", &a[0])?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(s.as_bytes());
    let mut records = reader.records();
    let headers = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(err)) => return Err(format!("csvdecode: {err}")),
        None => return Err("csvdecode: the text has no header line".to_string()),
    };
    let mut out = Vec::new();
    for (row, record) in records.enumerate() {
        let record = record.map_err(|err| match err.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!(
                "csvdecode: line {} has {len} fields but the header line has {expected_len}",
                row + 2
            ),
            _ => format!("csvdecode: {err}"),
        })?;
        let mut m = hcl::Map::new();
        for (k, v) in headers.iter().zip(record.iter()) {
            m.insert(k.to_string(), Value::from(v));
        }
        out.push(Value::Object(m));
    }
    Ok(Value::Array(out))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn md5(a: FuncArgs) -> Returned {
    use md5::Digest;
    Ok(hex(&md5::Md5::digest(text("md5", &a[0])?.as_bytes())).into())
}

pub(super) fn sha1(a: FuncArgs) -> Returned {
    use sha1::Digest;
    Ok(hex(&sha1::Sha1::digest(text("sha1", &a[0])?.as_bytes())).into())
}

pub(super) fn sha256(a: FuncArgs) -> Returned {
    use sha2::Digest;
    Ok(hex(&sha2::Sha256::digest(text("sha256", &a[0])?.as_bytes())).into())
}

pub(super) fn sha512(a: FuncArgs) -> Returned {
    use sha2::Digest;
    Ok(hex(&sha2::Sha512::digest(text("sha512", &a[0])?.as_bytes())).into())
}

/// `uuidv5(namespace, name)`: the namespace `dns`, `url`, `oid`, `x500` or a UUID.
pub(super) fn uuidv5(a: FuncArgs) -> Returned {
    let namespace = text("uuidv5", &a[0])?;
    let name = text("uuidv5", &a[1])?;
    let ns = match namespace.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other).map_err(|_| {
            format!("uuidv5: the namespace \"{other}\" is not dns, url, oid, x500 or a UUID")
        })?,
    };
    Ok(uuid::Uuid::new_v5(&ns, name.as_bytes()).to_string().into())
}

// ---- Paths -------------------------------------------------------------------------------

/// Go's `filepath.Clean` (with `/`).
pub(super) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Base`.
pub(super) fn basename(a: FuncArgs) -> Returned {
    let path = text("basename", &a[0])?;
    if path.is_empty() {
        return Ok(".".into());
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok("/".into());
    }
    Ok(trimmed.rsplit('/').next().unwrap_or(trimmed).into())
}

/// Go's `filepath.Dir`.
pub(super) fn dirname(a: FuncArgs) -> Returned {
    let path = text("dirname", &a[0])?;
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    Ok(clean(dir).into())
}

// ---- Networks -----------------------------------------------------------------------------

/// A CIDR prefix: its network address (host bits cleared, like Go's `net.ParseCIDR`), the
/// address's width (32 or 128) and the prefix length.
fn cidr(f: &str, v: &Value) -> Result<(u128, u32, u32), String> {
    let s = text(f, v)?;
    let invalid = || {
        format!("{f}: \"{s}\" is not a CIDR prefix; write it like \"10.0.0.0/16\" or \"fd00::/8\"")
    };
    let (addr, prefix) = s.split_once('/').ok_or_else(invalid)?;
    let addr: std::net::IpAddr = addr.parse().map_err(|_| invalid())?;
    let prefix: u32 = prefix
        .parse()
        .ok()
        .filter(|p: &u32| prefix.bytes().all(|b| b.is_ascii_digit()) && *p <= 128)
        .ok_or_else(invalid)?;
    let (value, bits) = match addr {
        std::net::IpAddr::V4(a) => (u32::from(a) as u128, 32),
        std::net::IpAddr::V6(a) => (u128::from(a), 128),
    };
    if prefix > bits {
        return Err(invalid());
    }
    Ok((value & netmask(bits, prefix), bits, prefix))
}

/// The mask of a prefix of `prefix` bits in an address of `bits`.
fn netmask(bits: u32, prefix: u32) -> u128 {
    let full = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    full & !host_mask(bits, prefix)
}

fn host_mask(bits: u32, prefix: u32) -> u128 {
    match bits - prefix {
        128 => u128::MAX,
        n => (1u128 << n) - 1,
    }
}

fn address(value: u128, bits: u32) -> String {
    if bits == 32 {
        std::net::Ipv4Addr::from(value as u32).to_string()
    } else {
        std::net::Ipv6Addr::from(value).to_string()
    }
}

/// `cidrnetmask(prefix)`: the prefix's mask as an address.
pub(super) fn cidrnetmask(a: FuncArgs) -> Returned {
    let (_, bits, prefix) = cidr("cidrnetmask", &a[0])?;
    Ok(address(netmask(bits, prefix), bits).into())
}

/// `cidrhost(prefix, hostnum)`: the address of host `hostnum` in the network (negative
/// numbers count from its end).
pub(super) fn cidrhost(a: FuncArgs) -> Returned {
    let (network, bits, prefix) = cidr("cidrhost", &a[0])?;
    let host = integer("cidrhost", &a[1])?;
    let hosts = host_mask(bits, prefix); // the number of addresses, less one
    let magnitude = host.unsigned_abs() as u128;
    let offset = if host >= 0 && magnitude <= hosts {
        Some(magnitude)
    } else if host < 0 && magnitude - 1 <= hosts {
        Some(hosts - (magnitude - 1))
    } else {
        None
    };
    let offset = offset.ok_or_else(|| {
        format!(
            "cidrhost: a /{prefix} network has {} addresses; host {host} is not one of them",
            hosts.saturating_add(1)
        )
    })?;
    Ok(address(network | offset, bits).into())
}

/// `cidrsubnet(prefix, newbits, netnum)`: subnet `netnum` of the prefix made `newbits` longer.
pub(super) fn cidrsubnet(a: FuncArgs) -> Returned {
    let (network, bits, prefix) = cidr("cidrsubnet", &a[0])?;
    let newbits = integer("cidrsubnet", &a[1])?;
    let netnum = integer("cidrsubnet", &a[2])?;
    if newbits < 0 || prefix as i64 + newbits > bits as i64 {
        return Err(format!(
            "cidrsubnet: a /{prefix} can't be extended by {newbits} bits (a prefix is at most /{bits})"
        ));
    }
    let new_prefix = prefix + newbits as u32;
    if netnum < 0 {
        return Err(format!("cidrsubnet: subnet number {netnum} is negative"));
    }
    let count = if newbits >= 64 {
        u128::MAX
    } else {
        1u128 << newbits
    };
    if netnum as u128 >= count {
        return Err(format!(
            "cidrsubnet: {newbits} new bits make {count} subnets (0 to {}); {netnum} is not one of them",
            count - 1
        ));
    }
    let shifted = (netnum as u128)
        .checked_shl(bits - new_prefix)
        .filter(|_| netnum == 0 || bits - new_prefix < 128)
        .unwrap_or(0);
    Ok(format!("{}/{new_prefix}", address(network | shifted, bits)).into())
}

/// `cidrsubnets(prefix, newbits...)`: consecutive subnets of the prefix, each `newbits`
/// longer, packed after one another like Terraform's (go-cidr's `NextSubnet`).
pub(super) fn cidrsubnets(a: FuncArgs) -> Returned {
    let (network, bits, start) = cidr("cidrsubnets", &a[0])?;
    let modulus_mask = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    // The subnet before the prefix, at the first subnet's length: the first one comes after
    // it (so a prefix starting at address 0 has no room, as in Packer).
    let first = match a.get(1) {
        Some(v) => integer("cidrsubnets", v)?,
        None => return Ok(Value::Array(Vec::new())),
    };
    let mut current_prefix = (start as i64 + first).clamp(start as i64, bits as i64) as u32;
    let mut current = network.wrapping_sub(1) & modulus_mask & netmask(bits, current_prefix);
    let mut out = Vec::new();
    for arg in &a[1..] {
        let length = integer("cidrsubnets", arg)?;
        if length < 1 {
            return Err(format!(
                "cidrsubnets: each new subnet must extend the prefix by at least one bit, not {length}"
            ));
        }
        if length > 32 {
            return Err(format!(
                "cidrsubnets: a subnet may extend the prefix by at most 32 bits, not {length}"
            ));
        }
        if start as i64 + length > bits as i64 {
            return Err(format!(
                "cidrsubnets: extending /{start} by {length} bits is longer than /{bits}"
            ));
        }
        let new_prefix = start + length as u32;
        let current_last = current | host_mask(bits, current_prefix);
        let last = (current_last & netmask(bits, new_prefix)) | host_mask(bits, new_prefix);
        let next = last.wrapping_add(1) & modulus_mask;
        if next == 0 || next & netmask(bits, start) != network {
            return Err(format!(
                "cidrsubnets: no room left in /{start} for a /{new_prefix} after {}/{current_prefix}",
                address(current, bits)
            ));
        }
        current = next & netmask(bits, new_prefix);
        current_prefix = new_prefix;
        out.push(Value::from(format!(
            "{}/{new_prefix}",
            address(current, bits)
        )));
    }
    Ok(Value::Array(out))
}

// ---- Time --------------------------------------------------------------------------------

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// An RFC 3339 time: nanoseconds since the epoch, and its offset from UTC in seconds.
fn parse_rfc3339(s: &str) -> Option<(i128, i64)> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (h, mi, sec) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos: i128 = 0;
    if b[i] == b'.' {
        let from = i + 1;
        i = from;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = s.get(from..i)?;
        if frac.is_empty() {
            return None;
        }
        let frac9: String = format!("{frac:0<9}").chars().take(9).collect();
        nanos = frac9.parse().ok()?;
    }
    let offset = match s.get(i..)? {
        "Z" | "z" => 0,
        zone if zone.len() == 6 && (zone.starts_with('+') || zone.starts_with('-')) => {
            if zone.as_bytes()[3] != b':' {
                return None;
            }
            let oh = digits(i + 1..i + 3)?;
            let om = digits(i + 4..i + 6)?;
            let o = oh * 3600 + om * 60;
            if zone.starts_with('-') { -o } else { o }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset;
    Some((secs as i128 * 1_000_000_000 + nanos, offset))
}

/// Go's `time.ParseDuration`: `1h30m`, `-1.5h`, `300ms`, `2h45m10s`.
pub(super) fn parse_duration(s: &str) -> Result<i128, String> {
    let invalid = || {
        format!("timeadd: \"{s}\" is not a duration; write it like \"1h30m\", \"-10m\" or \"45s\"")
    };
    let (negative, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." {
            return Err(invalid());
        }
        let value: f64 = number.parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => {
                return Err(format!(
                    "timeadd: \"{s}\" has a number without a unit; use h, m, s, ms, us or ns"
                ));
            }
            other => {
                return Err(format!(
                    "timeadd: unknown unit \"{other}\" in \"{s}\"; use h, m, s, ms, us or ns (no days: write 24h)"
                ));
            }
        };
        total += value * scale;
    }
    // Go's durations are at most about 292 years.
    if total.abs() > i64::MAX as f64 {
        return Err(format!(
            "timeadd: \"{s}\" is longer than a duration can be (about 292 years)"
        ));
    }
    let nanos = total.round() as i128;
    Ok(if negative { -nanos } else { nanos })
}

/// `timeadd(timestamp, duration)`: RFC 3339 in the timestamp's own offset.
pub(super) fn timeadd(a: FuncArgs) -> Returned {
    let time = text("timeadd", &a[0])?;
    let duration = text("timeadd", &a[1])?;
    let (nanos, offset) = parse_rfc3339(&time).ok_or_else(|| {
        format!(
            "timeadd: \"{time}\" is not an RFC 3339 time such as \"2025-03-04T05:06:07Z\" (use timestamp())"
        )
    })?;
    let nanos = nanos + parse_duration(&duration)?;
    let local = nanos.div_euclid(1_000_000_000) as i64 + offset;
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let zone = if offset == 0 {
        "Z".to_string()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        format!(
            "{sign}{:02}:{:02}",
            offset.abs() / 3600,
            offset.abs() % 3600 / 60
        )
    };
    Ok(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{zone}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
    .into())
}

// ---- Regular expressions -----------------------------------------------------------------

/// A Go (RE2) pattern as regex-lite reads it: inside a character class a `[` that does not
/// start `[:name:]` is a literal, and `&&`, `--` and `~~` are literals (not set operations);
/// `\Q…\E` quotes; a `{` that starts no repetition is a literal. Unicode classes (`\pL`) are
/// refused with advice.
pub(super) fn translate_re2(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let escape = |c: char, out: &mut String| {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    };
    let unicode_class = |i: usize| -> String {
        let end = if chars.get(i + 2) == Some(&'{') {
            chars[i..]
                .iter()
                .position(|&c| c == '}')
                .map_or(chars.len(), |p| i + p + 1)
        } else {
            (i + 3).min(chars.len())
        };
        format!(
            "the Unicode class {} in \"{pattern}\" is not supported yet; write the characters as a class such as [a-zA-Z]",
            chars[i..end].iter().collect::<String>()
        )
    };
    // Go's octal escapes: \0, \0NN, \NN, \NNN (a lone \1 would be a backreference, which RE2
    // does not have); `i` is at the backslash. The character as regex-lite reads it, and
    // where the escape ends.
    let octal = |i: usize| -> Option<Result<(String, usize), String>> {
        let first = *chars.get(i + 1)?;
        if !('0'..='7').contains(&first) {
            return None;
        }
        let mut j = i + 1;
        let mut value = 0u32;
        while j < chars.len() && j < i + 4 && ('0'..='7').contains(&chars[j]) {
            value = value * 8 + (chars[j] as u32 - '0' as u32);
            j += 1;
        }
        if first != '0' && j == i + 2 {
            return Some(Err(format!(
                "\\{first} in \"{pattern}\" is a backreference, which Go's regular expressions do not have; match the text again instead"
            )));
        }
        Some(Ok((format!("\\x{{{value:x}}}"), j)))
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if let Some(escape) = octal(i) => {
                let (text, end) = escape?;
                out.push_str(&text);
                i = end;
            }
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    return Err(format!("\"{pattern}\" ends with a lone \\"));
                };
                match next {
                    'Q' => {
                        let body_start = i + 2;
                        let mut j = body_start;
                        while j < chars.len()
                            && !(chars[j] == '\\' && chars.get(j + 1) == Some(&'E'))
                        {
                            j += 1;
                        }
                        for &q in &chars[body_start..j] {
                            escape(q, &mut out);
                        }
                        i = (j + 2).min(chars.len().max(j));
                        continue;
                    }
                    'p' | 'P' => return Err(unicode_class(i)),
                    'C' => out.push('.'),
                    _ => {
                        out.push('\\');
                        out.push(next);
                    }
                }
                i += 2;
            }
            '{' => {
                // A repetition is {n}, {n,} or {n,m}; anything else is a literal brace.
                let close = chars[i..].iter().position(|&c| c == '}').map(|p| i + p);
                let is_repeat = close.is_some_and(|close| {
                    let body: String = chars[i + 1..close].iter().collect();
                    let (lo, hi) = body.split_once(',').unwrap_or((&body, "0"));
                    !lo.is_empty()
                        && lo.bytes().all(|b| b.is_ascii_digit())
                        && hi.bytes().all(|b| b.is_ascii_digit())
                        && !out.is_empty()
                });
                if is_repeat {
                    out.push('{');
                } else {
                    out.push_str("\\{");
                }
                i += 1;
            }
            '[' => {
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
                loop {
                    let Some(&c) = chars.get(i) else {
                        return Err(format!(
                            "the character class in \"{pattern}\" is not closed; add a ]"
                        ));
                    };
                    match c {
                        ']' => {
                            out.push(']');
                            i += 1;
                            break;
                        }
                        '[' if chars.get(i + 1) == Some(&':') => {
                            let end = chars[i + 2..]
                                .windows(2)
                                .position(|w| w == [':', ']'])
                                .map(|p| i + 2 + p + 2);
                            match end {
                                Some(end) => {
                                    out.extend(&chars[i..end]);
                                    i = end;
                                }
                                None => {
                                    out.push_str("\\[");
                                    i += 1;
                                }
                            }
                        }
                        '[' | '&' | '~' => {
                            out.push('\\');
                            out.push(c);
                            i += 1;
                        }
                        '-' if chars.get(i + 1) == Some(&'-') => {
                            out.push_str("\\-");
                            i += 1;
                        }
                        '\\' if let Some(escape) = octal(i) => {
                            let (text, end) = escape?;
                            out.push_str(&text);
                            i = end;
                        }
                        '\\' => {
                            match chars.get(i + 1) {
                                Some('p' | 'P') => return Err(unicode_class(i)),
                                Some(&next) => {
                                    out.push('\\');
                                    out.push(next);
                                }
                                None => {
                                    return Err(format!("\"{pattern}\" ends with a lone \\"));
                                }
                            }
                            i += 2;
                        }
                        c => {
                            out.push(c);
                            i += 1;
                        }
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}
