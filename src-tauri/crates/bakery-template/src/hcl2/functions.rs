//! The HCL2 functions: one table of every Packer function (how this version treats it), the
//! ones evaluated, and the state they read while a template is evaluated (time, ids,
//! environment, local files), set by an [`Evaluation`] guard that clears it when dropped.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::UNIX_EPOCH;

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};

use super::stdlib;
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
    /// [`CheckOptions::list_local_files`].
    list_files: Option<crate::check::ListLocalFiles>,
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

/// A function of `params` arguments of any type (it checks their types itself).
macro_rules! pure {
    ($name:literal, $f:path, $params:literal) => {
        evaluated($name, || {
            FuncDef::new($f, std::iter::repeat_n(ParamType::Any, $params))
        })
    };
}

/// A function of at least `params` arguments of any type.
macro_rules! variadic {
    ($name:literal, $f:path, $params:literal) => {
        evaluated($name, || {
            FuncDef::builder()
                .params(std::iter::repeat_n(ParamType::Any, $params))
                .variadic_param(ParamType::Any)
                .build($f)
        })
    };
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
            |a| Ok(stdlib::text("lower", &a[0])?.to_lowercase().into()),
            [ParamType::Any],
        )
    }),
    evaluated("upper", || {
        FuncDef::new(
            |a| Ok(stdlib::text("upper", &a[0])?.to_uppercase().into()),
            [ParamType::Any],
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
    pure!("trimspace", stdlib::trimspace, 1),
    pure!("trim", stdlib::trim, 2),
    pure!("trimprefix", stdlib::trimprefix, 2),
    pure!("trimsuffix", stdlib::trimsuffix, 2),
    pure!("chomp", stdlib::chomp, 1),
    pure!("title", stdlib::title, 1),
    pure!("substr", stdlib::substr, 3),
    pure!("strrev", stdlib::strrev, 1),
    pure!("indent", stdlib::indent, 2),
    variadic!("format", stdlib::format, 1),
    variadic!("formatlist", stdlib::formatlist, 1),
    pure!("urlencode", stdlib::urlencode, 1),
    pure!("distinct", stdlib::distinct, 1),
    pure!("element", stdlib::element, 2),
    pure!("flatten", stdlib::flatten, 1),
    pure!("keys", stdlib::keys, 1),
    pure!("values", stdlib::values, 1),
    variadic!("max", stdlib::max, 0),
    variadic!("min", stdlib::min, 0),
    variadic!("range", stdlib::range, 1),
    pure!("reverse", stdlib::reverse, 1),
    pure!("slice", stdlib::slice, 3),
    pure!("sort", stdlib::sort, 1),
    pure!("toset", stdlib::toset, 1),
    pure!("tolist", stdlib::tolist, 1),
    pure!("tomap", stdlib::tomap, 1),
    pure!("tonumber", stdlib::tonumber, 1),
    pure!("tostring", stdlib::tostring, 1),
    pure!("tobool", stdlib::tobool, 1),
    pure!("zipmap", stdlib::zipmap, 2),
    pure!("compact", stdlib::compact, 1),
    pure!("index", stdlib::index, 2),
    variadic!("coalescelist", stdlib::coalescelist, 0),
    pure!("chunklist", stdlib::chunklist, 2),
    variadic!("setunion", stdlib::setunion, 1),
    variadic!("setintersection", stdlib::setintersection, 1),
    pure!("base64encode", stdlib::base64encode, 1),
    pure!("base64decode", stdlib::base64decode, 1),
    pure!("jsonencode", stdlib::jsonencode, 1),
    pure!("jsondecode", stdlib::jsondecode, 1),
    pure!("yamlencode", stdlib::yamlencode, 1),
    pure!("yamldecode", stdlib::yamldecode, 1),
    pure!("csvdecode", stdlib::csvdecode, 1),
    pure!("md5", stdlib::md5, 1),
    pure!("sha1", stdlib::sha1, 1),
    pure!("sha256", stdlib::sha256, 1),
    pure!("sha512", stdlib::sha512, 1),
    pure!("uuidv5", stdlib::uuidv5, 2),
    pure!("abspath", fn_abspath, 1),
    pure!("basename", stdlib::basename, 1),
    pure!("dirname", stdlib::dirname, 1),
    pure!("pathexpand", fn_pathexpand, 1),
    Function {
        name: "fileset",
        support: Support::ReadsFiles(|| FuncDef::new(fn_fileset, [ParamType::Any, ParamType::Any])),
    },
    pure!("timeadd", stdlib::timeadd, 2),
    pure!("abs", stdlib::abs, 1),
    pure!("ceil", stdlib::ceil, 1),
    pure!("floor", stdlib::floor, 1),
    pure!("log", stdlib::log, 2),
    pure!("pow", stdlib::pow, 2),
    pure!("signum", stdlib::signum, 1),
    pure!("parseint", stdlib::parseint, 2),
    variadic!("cidrsubnets", stdlib::cidrsubnets, 1),
    not_yet("rsadecrypt"),
    pure!("textencodebase64", stdlib::textencodebase64, 2),
    pure!("textdecodebase64", stdlib::textdecodebase64, 2),
    not_yet("bcrypt"),
    pure!("cidrhost", stdlib::cidrhost, 2),
    pure!("cidrnetmask", stdlib::cidrnetmask, 1),
    pure!("cidrsubnet", stdlib::cidrsubnet, 3),
    not_yet("consul_key"),
    not_yet("convert"),
    pure!("legacy_strftime", fn_legacy_strftime, 1),
    evaluated("regexall", || {
        FuncDef::new(fn_regexall, [ParamType::String, ParamType::String])
    }),
    variadic!("setproduct", stdlib::setproduct, 1),
    not_yet("vault"),
    not_yet("aws_secretsmanager"),
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
            list_files: options.list_local_files,
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

/// `legacy_strftime("format")`: the time of this run in a C `strftime` format (what
/// Packer's lestrrat-go/strftime reads), each directive formatted as its Go layout.
fn fn_legacy_strftime(args: FuncArgs) -> Result<hcl::Value, String> {
    let spec = stdlib::text("legacy_strftime", &args[0])?;
    let now = EVAL
        .with(|e| e.borrow().as_ref().map(|w| w.now))
        .unwrap_or(UNIX_EPOCH);
    let go = |layout: &str| crate::isotime::format(now, layout);
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(d) = chars.next() else {
            return Err(
                "legacy_strftime: the format ends with a lone %; write %% for a percent sign"
                    .to_string(),
            );
        };
        let piece = match d {
            'A' => go("Monday"),
            'a' => go("Mon"),
            'B' => go("January"),
            'b' | 'h' => go("Jan"),
            'C' => format!("{:02}", go("2006").parse::<u32>().unwrap_or(0) / 100),
            'c' => go("Mon Jan _2 15:04:05 2006"),
            'D' | 'x' => go("01/02/06"),
            'd' => go("02"),
            'e' => go("_2"),
            'F' => go("2006-01-02"),
            'H' => go("15"),
            'I' => go("03"),
            'j' => go("002"),
            'k' => format!("{:>2}", go("15").trim_start_matches('0').max("0")),
            'l' => format!("{:>2}", go("3")),
            'M' => go("04"),
            'm' => go("01"),
            'n' => "\n".to_string(),
            'p' => go("PM"),
            'R' => go("15:04"),
            'r' => go("03:04:05 PM"),
            'S' => go("05"),
            'T' | 'X' => go("15:04:05"),
            't' => "\t".to_string(),
            'v' => go("_2-Jan-2006"),
            'Y' => go("2006"),
            'y' => go("06"),
            'Z' => go("MST"),
            'z' => go("-0700"),
            '%' => "%".to_string(),
            'U' | 'u' | 'V' | 'W' | 'w' => {
                return Err(format!(
                    "legacy_strftime: %{d} (week numbers and days) is not supported yet; use legacy_isotime with a Go layout or formatdate"
                ));
            }
            other => {
                return Err(format!(
                    "legacy_strftime: %{other} is not a strftime directive; write %% for a percent sign"
                ));
            }
        };
        out.push_str(&piece);
    }
    Ok(out.into())
}

/// A Go (RE2) regular expression, translated where regex-lite reads it differently.
fn compile(pattern: &str) -> Result<regex_lite::Regex, String> {
    let translated = stdlib::translate_re2(pattern)
        .map_err(|err| format!("invalid regular expression: {err}"))?;
    regex_lite::Regex::new(&translated)
        .map_err(|err| format!("invalid regular expression \"{pattern}\": {err}"))
}

/// The environment's `HOME` during an evaluation.
fn home() -> Option<String> {
    EVAL.with(|e| e.borrow().as_ref().and_then(|w| w.env.get("HOME").cloned()))
}

/// `abspath(path)`: relative to `path.cwd`, cleaned.
fn fn_abspath(args: FuncArgs) -> Result<hcl::Value, String> {
    let path = stdlib::text("abspath", &args[0])?;
    if path.starts_with('/') {
        return Ok(stdlib::clean(&path).into());
    }
    let cwd = EVAL
        .with(|e| e.borrow().as_ref().map(|w| w.paths.1.clone()))
        .filter(|cwd| cwd.starts_with('/'))
        .or_else(|| {
            std::env::current_dir()
                .ok()
                .map(|d| d.display().to_string())
        })
        .unwrap_or_else(|| "/".to_string());
    Ok(stdlib::clean(&format!("{cwd}/{path}")).into())
}

/// `pathexpand(path)`: a leading `~` is the home folder (`HOME`).
fn fn_pathexpand(args: FuncArgs) -> Result<hcl::Value, String> {
    let path = stdlib::text("pathexpand", &args[0])?;
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path.into());
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return Err(format!(
            "pathexpand: \"{path}\": only ~ (your own home folder) can be expanded, not another user's"
        ));
    }
    let home =
        home().ok_or_else(|| format!("pathexpand: \"{path}\" needs HOME, which is not set"))?;
    Ok(format!("{}{rest}", home.trim_end_matches('/')).into())
}

/// `fileset(path, pattern)`: the files under `path` (relative to `path.root`) whose path
/// relative to it matches the glob `pattern` (`*`, `**`, `?`, `{a,b}`, `[...]`), sorted.
fn fn_fileset(args: FuncArgs) -> Result<hcl::Value, String> {
    let written = stdlib::text("fileset", &args[0])?;
    let pattern = stdlib::text("fileset", &args[1])?;
    let matcher = glob_regex(&pattern)?;
    let (resolved, list) = EVAL.with(|e| match e.borrow().as_ref() {
        Some(w) => (
            resolve_path(&written, &w.paths.0, w.env.get("HOME").map(String::as_str)),
            w.list_files,
        ),
        None => (written.clone(), None),
    });
    let Some(list) = list else {
        return Err(format!(
            "fileset(\"{written}\", \"{pattern}\") can't list local files here"
        ));
    };
    let looked = if resolved == written {
        String::new()
    } else {
        format!(" (looked in {resolved})")
    };
    let files = match list(&resolved) {
        Ok(files) => files,
        // Packer's fileset of a folder that is not there is empty.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(err) => {
            return Err(format!(
                "fileset: the folder \"{written}\" can't be listed{looked}: {err}"
            ));
        }
    };
    let mut matched: Vec<String> = files.into_iter().filter(|f| matcher.is_match(f)).collect();
    matched.sort();
    matched.dedup();
    Ok(hcl::Value::Array(
        matched.into_iter().map(hcl::Value::from).collect(),
    ))
}

/// A glob (`*` within a folder, `**` across folders, `?`, `{a,b}`, `[...]` with `!` or `^`
/// to negate) as an anchored regular expression over `/`-separated relative paths.
pub(super) fn glob_regex(pattern: &str) -> Result<regex_lite::Regex, String> {
    let chars: Vec<char> = pattern.trim_start_matches("./").chars().collect();
    let mut re = String::from("^");
    let mut braces = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                let at_start = i == 0 || chars[i - 1] == '/';
                if at_start && chars.get(i + 2) == Some(&'/') {
                    re.push_str("(?:[^/]*/)*");
                    i += 3;
                } else {
                    re.push_str(".*");
                    i += 2;
                }
                continue;
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '{' => {
                braces += 1;
                re.push_str("(?:");
            }
            '}' if braces > 0 => {
                braces -= 1;
                re.push(')');
            }
            ',' if braces > 0 => re.push('|'),
            '[' => {
                let close = chars[i + 1..]
                    .iter()
                    .skip(1)
                    .position(|&c| c == ']')
                    .map(|p| i + 2 + p);
                let Some(close) = close else {
                    return Err(format!(
                        "fileset: the [ in \"{pattern}\" is not closed; add a ]"
                    ));
                };
                re.push('[');
                let mut body = &chars[i + 1..close];
                if let Some(('!' | '^', rest)) = body.split_first().map(|(c, r)| (*c, r)) {
                    re.push('^');
                    body = rest;
                }
                for &b in body {
                    if matches!(b, '[' | ']' | '\\' | '&' | '~' | '^') {
                        re.push('\\');
                    }
                    re.push(b);
                }
                re.push(']');
                i = close + 1;
                continue;
            }
            '\\' if i + 1 < chars.len() => {
                i += 1;
                re.push_str(&regex_lite::escape(&chars[i].to_string()));
            }
            c => re.push_str(&regex_lite::escape(&c.to_string())),
        }
        i += 1;
    }
    if braces > 0 {
        return Err(format!(
            "fileset: the {{ in \"{pattern}\" is not closed; add a }}"
        ));
    }
    re.push('$');
    regex_lite::Regex::new(&re)
        .map_err(|err| format!("fileset: the pattern \"{pattern}\" is not a glob: {err}"))
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
    captures_value(&re, &caps)
}

/// `regexall(pattern, string)`: every match, each as `regex` gives it (a list of none when
/// nothing matches).
fn fn_regexall(args: FuncArgs) -> Result<hcl::Value, String> {
    let re = compile(&plain_text(&args[0]))?;
    let subject = plain_text(&args[1]);
    re.captures_iter(&subject)
        .map(|caps| captures_value(&re, &caps))
        .collect::<Result<_, _>>()
        .map(hcl::Value::Array)
}

/// One match as Packer's `regex` gives it: the match without groups, else its groups as a
/// list, or as an object when they are all named (a group that took no part is "").
fn captures_value(
    re: &regex_lite::Regex,
    caps: &regex_lite::Captures<'_>,
) -> Result<hcl::Value, String> {
    if caps.len() == 1 {
        return Ok(caps.get(0).map_or("", |m| m.as_str()).into());
    }
    let group = |i: usize| hcl::Value::from(caps.get(i).map_or("", |m| m.as_str()));
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.iter().all(Option::is_some) {
        let mut map = hcl::Map::new();
        for (i, name) in names.iter().enumerate() {
            map.insert(name.unwrap_or_default().to_string(), group(i + 1));
        }
        return Ok(hcl::Value::Object(map));
    }
    if names.iter().any(Option::is_some) {
        return Err(
            "regex: the pattern mixes named and unnamed groups; name all of them or none (use (?:...) for a group that captures nothing)"
                .to_string(),
        );
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
    // Packer's replace is go-cty's: the substring is literal, also when written /like this/
    // (Terraform's regular-expression form is Terraform's own); regex_replace takes patterns.
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
        return Err("join: the second argument must be a list".to_string());
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
        return Err("contains: the first argument must be a list".to_string());
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
