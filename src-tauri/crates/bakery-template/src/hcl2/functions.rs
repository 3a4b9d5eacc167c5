//! The HCL2 functions: one table of every Packer function (how this version treats it), the
//! ones evaluated, and the state they read while a template is evaluated (time, ids,
//! environment, local files), set by an [`Evaluation`] guard that clears it when dropped.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::UNIX_EPOCH;

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};

use super::values::plain_text;
use crate::check::CheckOptions;
use crate::render::RenderContext;

/// What the functions read while a template is evaluated.
struct EvalWorld {
    /// The time of this run (`timestamp()`).
    now: std::time::SystemTime,
    /// The render context's ids (`uuidv4()`), given back when the evaluation ends.
    ids: Box<dyn FnMut() -> String + Send>,
    /// The environment passed in (`env()`, `~` in paths).
    env: BTreeMap<String, String>,
    /// `path.root` (what `file()` paths are relative to) and `path.cwd`.
    paths: (String, String),
    /// [`CheckOptions::read_local_file`].
    read_file: Option<fn(&str) -> std::io::Result<String>>,
    /// [`CheckOptions::local_file_exists`].
    file_exists: Option<fn(&str) -> bool>,
}

/// How this version treats one of Packer's HCL2 functions.
#[derive(Clone, Copy)]
pub(super) enum Support {
    /// Evaluated: declared in every evaluation context with this definition.
    Evaluated(fn() -> FuncDef),
    /// Evaluated, and reads local files: its errors are about a file (`Code::LocalFile`).
    ReadsFiles(fn() -> FuncDef),
    /// Evaluated by replacing the call before the expression is (`can`, `try`: they must see
    /// their argument fail).
    Replaced,
    /// A real Packer function this version does not evaluate yet: "not supported yet".
    NotYet,
}

/// One of Packer's HCL2 functions.
pub(super) struct Function {
    /// Its name, as called.
    pub(super) name: &'static str,
    /// How this version treats it.
    pub(super) support: Support,
}

const fn evaluated(name: &'static str, define: fn() -> FuncDef) -> Function {
    Function {
        name,
        support: Support::Evaluated(define),
    }
}

const fn not_yet(name: &'static str) -> Function {
    Function {
        name,
        support: Support::NotYet,
    }
}

/// Every Packer HCL2 function: the evaluator declares the evaluated ones, and an undefined
/// call is "not supported yet" or gets a did-you-mean over the evaluated ones from here.
pub(super) const FUNCTIONS: &[Function] = &[
    evaluated("timestamp", || FuncDef::builder().build(fn_timestamp)),
    evaluated("uuidv4", || FuncDef::builder().build(fn_uuidv4)),
    evaluated("formatdate", || {
        FuncDef::new(fn_formatdate, [ParamType::String, ParamType::String])
    }),
    evaluated("lower", || {
        FuncDef::new(
            |a| Ok(plain_text(&a[0]).to_lowercase().into()),
            [ParamType::String],
        )
    }),
    evaluated("upper", || {
        FuncDef::new(
            |a| Ok(plain_text(&a[0]).to_uppercase().into()),
            [ParamType::String],
        )
    }),
    evaluated("replace", || {
        FuncDef::new(
            fn_replace,
            [ParamType::String, ParamType::String, ParamType::String],
        )
    }),
    evaluated("split", || {
        FuncDef::new(fn_split, [ParamType::String, ParamType::String])
    }),
    evaluated("join", || {
        FuncDef::new(
            fn_join,
            [ParamType::String, ParamType::array_of(ParamType::Any)],
        )
    }),
    evaluated("concat", || {
        FuncDef::builder()
            .variadic_param(ParamType::array_of(ParamType::Any))
            .build(fn_concat)
    }),
    evaluated("merge", || {
        FuncDef::builder()
            .variadic_param(ParamType::object_of(ParamType::Any))
            .build(fn_merge)
    }),
    evaluated("lookup", || {
        FuncDef::builder()
            .params([ParamType::object_of(ParamType::Any), ParamType::String])
            .variadic_param(ParamType::Any)
            .build(fn_lookup)
    }),
    evaluated("coalesce", || {
        FuncDef::builder()
            .variadic_param(ParamType::Any)
            .build(fn_coalesce)
    }),
    evaluated("length", || FuncDef::new(fn_length, [ParamType::Any])),
    evaluated("contains", || {
        FuncDef::new(
            fn_contains,
            [ParamType::array_of(ParamType::Any), ParamType::Any],
        )
    }),
    evaluated("env", || FuncDef::new(fn_env, [ParamType::String])),
    evaluated("legacy_isotime", || {
        FuncDef::new(fn_legacy_isotime, [ParamType::String])
    }),
    evaluated("regex", || {
        FuncDef::new(fn_regex, [ParamType::String, ParamType::String])
    }),
    evaluated("regex_replace", || {
        FuncDef::new(
            fn_regex_replace,
            [ParamType::String, ParamType::String, ParamType::String],
        )
    }),
    Function {
        name: "can",
        support: Support::Replaced,
    },
    Function {
        name: "try",
        support: Support::Replaced,
    },
    Function {
        name: "file",
        support: Support::ReadsFiles(|| FuncDef::new(fn_file, [ParamType::String])),
    },
    Function {
        name: "fileexists",
        support: Support::ReadsFiles(|| FuncDef::new(fn_fileexists, [ParamType::String])),
    },
    Function {
        name: "templatefile",
        support: Support::ReadsFiles(|| {
            FuncDef::new(
                fn_templatefile,
                [ParamType::String, ParamType::object_of(ParamType::Any)],
            )
        }),
    },
    not_yet("abspath"),
    not_yet("base64decode"),
    not_yet("base64encode"),
    not_yet("basename"),
    not_yet("bcrypt"),
    not_yet("chomp"),
    not_yet("chunklist"),
    not_yet("cidrhost"),
    not_yet("cidrnetmask"),
    not_yet("cidrsubnet"),
    not_yet("coalescelist"),
    not_yet("compact"),
    not_yet("consul_key"),
    not_yet("convert"),
    not_yet("csvdecode"),
    not_yet("dirname"),
    not_yet("distinct"),
    not_yet("element"),
    not_yet("fileset"),
    not_yet("flatten"),
    not_yet("format"),
    not_yet("formatlist"),
    not_yet("index"),
    not_yet("indent"),
    not_yet("jsondecode"),
    not_yet("jsonencode"),
    not_yet("keys"),
    not_yet("legacy_strftime"),
    not_yet("max"),
    not_yet("md5"),
    not_yet("min"),
    not_yet("pathexpand"),
    not_yet("regexall"),
    not_yet("reverse"),
    not_yet("setintersection"),
    not_yet("setproduct"),
    not_yet("setunion"),
    not_yet("sha1"),
    not_yet("sha256"),
    not_yet("sha512"),
    not_yet("slice"),
    not_yet("sort"),
    not_yet("strrev"),
    not_yet("substr"),
    not_yet("title"),
    not_yet("tobool"),
    not_yet("tolist"),
    not_yet("tomap"),
    not_yet("tonumber"),
    not_yet("toset"),
    not_yet("tostring"),
    not_yet("trim"),
    not_yet("trimprefix"),
    not_yet("trimspace"),
    not_yet("trimsuffix"),
    not_yet("urlencode"),
    not_yet("uuidv5"),
    not_yet("values"),
    not_yet("vault"),
    not_yet("aws_secretsmanager"),
    not_yet("yamldecode"),
    not_yet("yamlencode"),
    not_yet("zipmap"),
];

/// The function called `name`, if Packer has one.
pub(super) fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// The names of the functions this version evaluates, in the table's order.
pub(super) fn evaluated_names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS
        .iter()
        .filter(|f| !matches!(f.support, Support::NotYet))
        .map(|f| f.name)
}

thread_local! {
    static EVAL: RefCell<Option<EvalWorld>> = const { RefCell::new(None) };
}

/// One template's evaluation: while it lives, the functions read the time, ids, environment
/// and file hooks from it. Dropping it, also when a panic unwinds, puts back what was there
/// before (nothing, outside a nested one) and gives the ids back to the render context.
pub(super) struct Evaluation<'a> {
    ctx: &'a mut RenderContext,
    previous: Option<EvalWorld>,
}

impl<'a> Evaluation<'a> {
    /// Starts evaluating with `ctx`'s time, ids and environment and `options`' file hooks.
    pub(super) fn begin(ctx: &'a mut RenderContext, options: &CheckOptions) -> Self {
        let world = EvalWorld {
            now: ctx.now,
            ids: std::mem::replace(&mut ctx.ids, Box::new(String::new)),
            env: ctx.env.clone(),
            paths: (ctx.template_dir.clone(), ctx.working_dir.clone()),
            read_file: options.read_local_file,
            file_exists: options.local_file_exists,
        };
        let previous = EVAL.with(|e| e.borrow_mut().replace(world));
        Evaluation { ctx, previous }
    }

    /// The render context (without its ids, which the functions hold meanwhile).
    pub(super) fn ctx(&self) -> &RenderContext {
        self.ctx
    }
}

/// Whether an evaluation is under way on this thread (what the functions would read).
#[cfg(test)]
pub(super) fn evaluating() -> bool {
    EVAL.with(|e| e.borrow().is_some())
}

impl Drop for Evaluation<'_> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // A function that panicked has released its borrow by now; if not, leave it be
        // rather than panic again while unwinding.
        let world = EVAL.with(|e| {
            e.try_borrow_mut()
                .ok()
                .and_then(|mut world| std::mem::replace(&mut *world, previous))
        });
        if let Some(world) = world {
            self.ctx.ids = world.ids;
        }
    }
}

pub(super) fn base_context(ctx: &RenderContext) -> Context<'static> {
    paths_context(&ctx.template_dir, &ctx.working_dir)
}

/// The functions, and `path.root` / `path.cwd`.
pub(super) fn paths_context(root: &str, cwd: &str) -> Context<'static> {
    let mut context = Context::new();
    let mut path = hcl::Map::new();
    path.insert("root".to_string(), hcl::Value::String(root.to_string()));
    path.insert("cwd".to_string(), hcl::Value::String(cwd.to_string()));
    context.declare_var("path", hcl::Value::Object(path));
    for function in FUNCTIONS {
        if let Support::Evaluated(define) | Support::ReadsFiles(define) = function.support {
            context.declare_func(function.name, define());
        }
    }
    context
}

/// A path as `file()` reads it: `~/` is the home folder, a relative path is relative to
/// `path.root` (the template's folder), like Packer.
pub(super) fn resolve_path(path: &str, root: &str, home: Option<&str>) -> String {
    if let (Some(rest), Some(home)) = (path.strip_prefix("~/"), home) {
        return std::path::Path::new(home).join(rest).display().to_string();
    }
    let written = std::path::Path::new(path);
    if written.is_absolute() || root.is_empty() || root == "." {
        return path.to_string();
    }
    std::path::Path::new(root)
        .join(written)
        .display()
        .to_string()
}

/// The path resolved and the hooks that read it (none outside a check).
#[allow(clippy::type_complexity)]
fn file_world(
    path: &str,
) -> (
    String,
    Option<fn(&str) -> std::io::Result<String>>,
    Option<fn(&str) -> bool>,
    (String, String),
) {
    EVAL.with(|e| match e.borrow().as_ref() {
        Some(w) => (
            resolve_path(path, &w.paths.0, w.env.get("HOME").map(String::as_str)),
            w.read_file,
            w.file_exists,
            w.paths.clone(),
        ),
        None => (path.to_string(), None, None, (String::new(), String::new())),
    })
}

/// Reads a local file through the caller's hook, with an error that names the file.
fn read_text(written: &str) -> Result<(String, (String, String)), String> {
    let (resolved, read, _, paths) = file_world(written);
    let Some(read) = read else {
        return Err(format!("file \"{written}\" can't be read here"));
    };
    let looked = if resolved == written {
        String::new()
    } else {
        format!(" (looked for {resolved})")
    };
    match read(&resolved) {
        Ok(text) => Ok((text, paths)),
        Err(err) => Err(match err.kind() {
            std::io::ErrorKind::NotFound => format!("file \"{written}\" does not exist{looked}"),
            std::io::ErrorKind::InvalidData => {
                format!("file \"{written}\" is not UTF-8 text{looked}")
            }
            _ => format!("file \"{written}\" can't be read{looked}: {err}"),
        }),
    }
}

/// `file(path)`: the text of a local file.
fn fn_file(args: FuncArgs) -> Result<hcl::Value, String> {
    read_text(&plain_text(&args[0])).map(|(text, _)| text.into())
}

/// `fileexists(path)`: whether a local file exists.
fn fn_fileexists(args: FuncArgs) -> Result<hcl::Value, String> {
    let written = plain_text(&args[0]);
    match file_world(&written) {
        (resolved, _, Some(exists), _) => Ok(exists(&resolved).into()),
        _ => Err(format!(
            "fileexists(\"{written}\") can't look at local files here"
        )),
    }
}

/// `templatefile(path, vars)`: a local file read as a string template (`${}`, `%{ if }`,
/// `%{ for }`) with `vars` as its variables and the functions but `templatefile` itself.
fn fn_templatefile(args: FuncArgs) -> Result<hcl::Value, String> {
    let written = plain_text(&args[0]);
    let (source, (root, cwd)) = read_text(&written)?;
    let template: hcl::Template = source
        .parse()
        .map_err(|err: hcl::Error| format!("template file \"{written}\": {err}"))?;
    let mut context = paths_context(&root, &cwd);
    context.declare_func(
        "templatefile",
        FuncDef::builder()
            .variadic_param(ParamType::Any)
            .build(|_| Err("templatefile can't be called from inside a template file".to_string())),
    );
    if let hcl::Value::Object(vars) = &args[1] {
        for (name, value) in vars {
            context.declare_var(name.as_str(), value.clone());
        }
    }
    template
        .evaluate(&context)
        .map(hcl::Value::from)
        .map_err(|err| {
            format!(
                "in template file \"{written}\": {}",
                err.to_string().replace('\n', " ")
            )
        })
}

fn fn_timestamp(_: FuncArgs) -> Result<hcl::Value, String> {
    let now = EVAL
        .with(|e| e.borrow().as_ref().map(|w| w.now))
        .unwrap_or(UNIX_EPOCH);
    Ok(crate::isotime::format(now, crate::isotime::RFC3339).into())
}

/// `legacy_isotime("layout")`: the time of this run in a Go layout, like `{{isotime}}`.
fn fn_legacy_isotime(args: FuncArgs) -> Result<hcl::Value, String> {
    let now = EVAL
        .with(|e| e.borrow().as_ref().map(|w| w.now))
        .unwrap_or(UNIX_EPOCH);
    Ok(crate::isotime::format(now, &plain_text(&args[0])).into())
}

fn compile(pattern: &str) -> Result<regex_lite::Regex, String> {
    regex_lite::Regex::new(pattern)
        .map_err(|err| format!("invalid regular expression \"{pattern}\": {err}"))
}

/// `regex_replace(string, pattern, replacement)`: every match replaced (`$1` for groups).
fn fn_regex_replace(args: FuncArgs) -> Result<hcl::Value, String> {
    let re = compile(&plain_text(&args[1]))?;
    Ok(re
        .replace_all(&plain_text(&args[0]), plain_text(&args[2]).as_str())
        .into_owned()
        .into())
}

/// `regex(pattern, string)`: the first match; its groups as a list (or an object when they
/// are named) when there are any.
fn fn_regex(args: FuncArgs) -> Result<hcl::Value, String> {
    let pattern = plain_text(&args[0]);
    let re = compile(&pattern)?;
    let subject = plain_text(&args[1]);
    let caps = re
        .captures(&subject)
        .ok_or_else(|| format!("regex: \"{pattern}\" does not match \"{subject}\""))?;
    if caps.len() == 1 {
        return Ok(caps.get(0).map_or("", |m| m.as_str()).into());
    }
    let group = |i: usize| caps.get(i).map_or(hcl::Value::Null, |m| m.as_str().into());
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.iter().all(Option::is_some) {
        let mut map = hcl::Map::new();
        for (i, name) in names.iter().enumerate() {
            map.insert(name.unwrap_or_default().to_string(), group(i + 1));
        }
        return Ok(hcl::Value::Object(map));
    }
    Ok(hcl::Value::Array((1..caps.len()).map(group).collect()))
}

fn fn_uuidv4(_: FuncArgs) -> Result<hcl::Value, String> {
    EVAL.with(|e| e.borrow_mut().as_mut().map(|w| (w.ids)()))
        .map(hcl::Value::from)
        .ok_or_else(|| "uuidv4 is not available here".to_string())
}

/// Terraform's `formatdate` spec (`YYYY-MM-DD hh:mm:ss`), on an RFC 3339 time.
fn fn_formatdate(args: FuncArgs) -> Result<hcl::Value, String> {
    let spec = plain_text(&args[0]);
    let time = plain_text(&args[1]);
    let b = time.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[10] != b'T' {
        return Err(format!(
            "formatdate: \"{time}\" is not an RFC 3339 time (use timestamp())"
        ));
    }
    let num =
        |r: std::ops::Range<usize>| time.get(r).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    let (year, month, day, hour, minute, second) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    );
    let month_name = crate::isotime::MONTHS
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("");
    let mut out = String::new();
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&c| c == '\'')
                .map_or(chars.len(), |p| i + 1 + p);
            out.extend(&chars[i + 1..end]);
            i = end + 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        let piece = match (c, run) {
            ('Y', 4) => format!("{year:04}"),
            ('Y', 2) => format!("{:02}", year % 100),
            ('M', 4) => month_name.to_string(),
            ('M', 3) => month_name.chars().take(3).collect(),
            ('M', 2) => format!("{month:02}"),
            ('M', 1) => month.to_string(),
            ('D', 2) => format!("{day:02}"),
            ('D', 1) => day.to_string(),
            ('h', 2) => format!("{hour:02}"),
            ('h', 1) => hour.to_string(),
            ('H', 2) => format!("{:02}", if hour % 12 == 0 { 12 } else { hour % 12 }),
            ('H', 1) => (if hour % 12 == 0 { 12 } else { hour % 12 }).to_string(),
            ('m', 2) => format!("{minute:02}"),
            ('m', 1) => minute.to_string(),
            ('s', 2) => format!("{second:02}"),
            ('s', 1) => second.to_string(),
            ('A', 2) => (if hour < 12 { "AM" } else { "PM" }).to_string(),
            ('a', 2) => (if hour < 12 { "am" } else { "pm" }).to_string(),
            ('Z', 1) => "Z".to_string(),
            ('Z', 3) => "UTC".to_string(),
            ('Z', 4) => "+0000".to_string(),
            ('Z', 5) => "+00:00".to_string(),
            (c, _) if c.is_ascii_alphabetic() => {
                return Err(format!(
                    "formatdate: unknown format \"{}\"",
                    chars[i..i + run].iter().collect::<String>()
                ));
            }
            _ => chars[i..i + run].iter().collect(),
        };
        out.push_str(&piece);
        i += run;
    }
    Ok(out.into())
}

fn fn_replace(args: FuncArgs) -> Result<hcl::Value, String> {
    let (s, old, new) = (
        plain_text(&args[0]),
        plain_text(&args[1]),
        plain_text(&args[2]),
    );
    if old.len() > 1 && old.starts_with('/') && old.ends_with('/') {
        return Err("replace with a /regular expression/ is not supported yet".to_string());
    }
    Ok(s.replace(&old, &new).into())
}

fn fn_split(args: FuncArgs) -> Result<hcl::Value, String> {
    let (sep, s) = (plain_text(&args[0]), plain_text(&args[1]));
    Ok(hcl::Value::Array(
        s.split(sep.as_str()).map(hcl::Value::from).collect(),
    ))
}

fn fn_join(args: FuncArgs) -> Result<hcl::Value, String> {
    let sep = plain_text(&args[0]);
    let hcl::Value::Array(items) = &args[1] else {
        return Err("join takes a list".to_string());
    };
    Ok(items
        .iter()
        .map(plain_text)
        .collect::<Vec<_>>()
        .join(&sep)
        .into())
}

fn fn_concat(args: FuncArgs) -> Result<hcl::Value, String> {
    let mut out = Vec::new();
    for list in args.iter() {
        if let hcl::Value::Array(items) = list {
            out.extend(items.iter().cloned());
        }
    }
    Ok(hcl::Value::Array(out))
}

fn fn_merge(args: FuncArgs) -> Result<hcl::Value, String> {
    let mut out = hcl::Map::new();
    for map in args.iter() {
        if let hcl::Value::Object(entries) = map {
            for (k, v) in entries {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(hcl::Value::Object(out))
}

fn fn_lookup(args: FuncArgs) -> Result<hcl::Value, String> {
    let key = plain_text(&args[1]);
    let found = match &args[0] {
        hcl::Value::Object(map) => map.get(&key).cloned(),
        _ => None,
    };
    found
        .or_else(|| args.get(2).cloned())
        .ok_or_else(|| format!("lookup: no key \"{key}\" and no default"))
}

/// `env("NAME")`: the environment passed in (empty when not set, like Packer).
fn fn_env(args: FuncArgs) -> Result<hcl::Value, String> {
    let name = plain_text(&args[0]);
    Ok(EVAL
        .with(|e| e.borrow().as_ref().and_then(|w| w.env.get(&name).cloned()))
        .unwrap_or_default()
        .into())
}

fn fn_length(args: FuncArgs) -> Result<hcl::Value, String> {
    match &args[0] {
        hcl::Value::String(s) => Ok(s.chars().count().into()),
        hcl::Value::Array(items) => Ok(items.len().into()),
        hcl::Value::Object(map) => Ok(map.len().into()),
        other => Err(format!("length: {} has no length", plain_text(other))),
    }
}

fn fn_contains(args: FuncArgs) -> Result<hcl::Value, String> {
    let hcl::Value::Array(items) = &args[0] else {
        return Err("contains takes a list".to_string());
    };
    Ok(items.contains(&args[1]).into())
}

fn fn_coalesce(args: FuncArgs) -> Result<hcl::Value, String> {
    args.iter()
        .find(|v| !matches!(v, hcl::Value::Null) && *v != &hcl::Value::String(String::new()))
        .cloned()
        .ok_or_else(|| "coalesce: every argument is null or empty".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_functions_and_legacy_isotime() {
        let f = |expr: &str| {
            let mut text = String::from("variable \"v\" {\n  default = \"x\"\n}\nlocals {\n  r = ");
            text.push_str(expr);
            text.push_str("\n}\n");
            let mut reader_ctx = RenderContext::fixed();
            let evaluation = Evaluation::begin(&mut reader_ctx, &CheckOptions::default());
            let value = expr
                .parse::<hcl::Expression>()
                .unwrap()
                .evaluate(&base_context(&RenderContext::fixed()));
            drop(evaluation);
            value
        };
        assert_eq!(
            f(r#"regex_replace("Feature/Login Page!", "[^a-zA-Z0-9-]", "-")"#).unwrap(),
            hcl::Value::from("Feature-Login-Page-")
        );
        assert_eq!(
            f(r#"regex("^ami-([0-9a-f]+)$", "ami-0abc")"#).unwrap(),
            hcl::Value::Array(vec!["0abc".into()])
        );
        assert_eq!(
            f(r#"regex("v[0-9]+", "app-v12-x")"#).unwrap(),
            hcl::Value::from("v12")
        );
        assert!(f(r#"regex("^ami-", "img")"#).is_err());
        assert_eq!(
            f(r#"legacy_isotime("2006-01-02 15:04")"#).unwrap(),
            hcl::Value::from("2025-03-04 05:06")
        );
    }

    #[test]
    fn formatdate_follows_its_own_spec() {
        let f = |spec: &str| {
            format!("formatdate(\"{spec}\", \"2025-03-04T05:06:07Z\")")
                .parse::<hcl::Expression>()
                .unwrap()
                .evaluate(&base_context(&RenderContext::fixed()))
        };
        assert_eq!(
            f("YYYY-MM-DD'T'hh:mm:ssZ").unwrap(),
            hcl::Value::from("2025-03-04T05:06:07Z")
        );
        assert_eq!(
            f("DD MMM YY, H:mm AA").unwrap(),
            hcl::Value::from("04 Mar 25, 5:06 AM")
        );
        assert!(f("YYYY-QQ").is_err());
    }
}
