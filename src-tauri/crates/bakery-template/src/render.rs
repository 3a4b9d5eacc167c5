//! Rendering of `{{ ... }}` in JSON templates: the subset of Go templates Packer's legacy
//! JSON dialect uses.
//!
//! An action is a pipeline of commands (`{{isotime | clean_resource_name}}`), each a function
//! and its arguments (strings in `"..."` or `` `...` ``, integers, or `( pipeline )`); the
//! value piped in becomes the last argument, as in Go. Actions that reference build-time data
//! (`{{ .SourceAMI }}`, `{{ .SourceAMITags.x }}`, `{{ build `ID` }}`, `{{.Path}}` in an
//! `execute_command`) are kept verbatim for the engine to fill later. Time, ids, the
//! environment and the template's folder come from a [`RenderContext`], so tests control them.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::isotime;

/// What rendering reads from the world: passed in, never looked up.
pub struct RenderContext {
    /// The instant of this run: `{{timestamp}}` and `{{isotime}}` all use it.
    pub now: SystemTime,
    /// Makes a new id for each `{{uuid}}`.
    pub ids: Box<dyn FnMut() -> String + Send>,
    /// The environment `{{env `X`}}` reads (only in variable defaults).
    pub env: BTreeMap<String, String>,
    /// The folder holding the template, for `{{template_dir}}`.
    pub template_dir: String,
    /// The current directory, for `{{pwd}}`.
    pub working_dir: String,
}

impl fmt::Debug for RenderContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenderContext")
            .field("now", &self.now)
            .field("env", &format_args!("{} variables", self.env.len()))
            .field("template_dir", &self.template_dir)
            .field("working_dir", &self.working_dir)
            .finish_non_exhaustive()
    }
}

impl RenderContext {
    /// A fixed context for tests and examples: 2025-03-04T05:06:07Z, ids `id-1`, `id-2`, …,
    /// an empty environment.
    pub fn fixed() -> Self {
        let mut n = 0;
        RenderContext {
            now: UNIX_EPOCH + std::time::Duration::from_secs(1_741_064_767),
            ids: Box::new(move || {
                n += 1;
                format!("id-{n}")
            }),
            env: BTreeMap::new(),
            template_dir: ".".to_string(),
            working_dir: ".".to_string(),
        }
    }
}

/// What a string is rendered for: which functions and values it may use.
pub trait Scope {
    /// The value of the user variable `name`.
    fn user(&mut self, name: &str, ctx: &mut RenderContext) -> Result<String, RenderError>;
    /// Whether `{{env}}` is allowed (only in variable defaults, like Packer).
    fn env_allowed(&self) -> bool {
        false
    }
    /// `{{build_name}}` and `{{build_type}}`, when rendering a builder's settings.
    fn build(&self) -> Option<(&str, &str)> {
        None
    }
}

/// Why a string could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    /// What went wrong.
    pub message: String,
    /// What the user can do about it, when there is something to say.
    pub help: Option<String>,
    /// The failure is a real Packer feature this version does not bake yet.
    pub not_supported: bool,
    /// Where the failing `{{` starts in the rendered text, in characters.
    pub at: Option<usize>,
}

impl RenderError {
    /// An error with this message, no help and no position.
    pub fn new(message: impl Into<String>) -> Self {
        RenderError {
            message: message.into(),
            help: None,
            not_supported: false,
            at: None,
        }
    }
    /// The same error with what the user can do about it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The functions of Packer's JSON templates that this version renders.
pub const FUNCTIONS: &[&str] = &[
    "user",
    "env",
    "timestamp",
    "isotime",
    "uuid",
    "clean_resource_name",
    "clean_ami_name",
    "lower",
    "upper",
    "split",
    "replace",
    "replace_all",
    "template_dir",
    "pwd",
    "build_name",
    "build_type",
    "build",
];

/// Real Packer functions that need a service this version does not talk to yet.
const NOT_SUPPORTED: &[&str] = &[
    "vault",
    "consul_key",
    "aws_secretsmanager",
    "aws_secretsmanager_raw",
    "sed",
    "packer_version",
    "strftime",
];

/// Whether `text` contains a template action at all.
pub fn has_actions(text: &str) -> bool {
    text.contains("{{")
}

/// Renders every `{{ ... }}` of `text`.
pub fn render(
    text: &str,
    ctx: &mut RenderContext,
    scope: &mut dyn Scope,
) -> Result<String, RenderError> {
    if !has_actions(text) {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let mut literal = &rest[..open];
        let mut inner_start = open + 2;
        if rest[inner_start..].starts_with("- ") {
            literal = literal.trim_end();
            inner_start += 1;
        }
        out.push_str(literal);
        let action_at = text[..text.len() - rest.len() + open].chars().count();
        let located = |mut e: RenderError| {
            e.at = Some(action_at);
            e
        };
        let tokens = tokenize(&rest[inner_start..]).map_err(located)?;
        let close = inner_start + tokens.end;
        let action_text = &rest[open..close + 2];
        let mut after = &rest[close + 2..];
        if tokens.trim_right {
            after = after.trim_start();
        }
        if tokens.build_time() {
            tokens.known_build_variables().map_err(located)?;
            out.push_str(action_text);
        } else {
            let value = eval_action(&tokens, action_text, ctx, scope).map_err(located)?;
            out.push_str(&value.to_string());
        }
        rest = after;
    }
    out.push_str(rest);
    Ok(out)
}

fn eval_action(
    tokens: &Tokens,
    action_text: &str,
    ctx: &mut RenderContext,
    scope: &mut dyn Scope,
) -> Result<Arg, RenderError> {
    let mut parser = Parser {
        tokens: &tokens.tokens,
        at: 0,
    };
    let pipeline = parser.pipeline()?;
    if parser.at != tokens.tokens.len() {
        return Err(RenderError::new(format!(
            "unexpected {} in {action_text}",
            tokens.tokens[parser.at]
        )));
    }
    if pipeline.is_empty() {
        return Err(RenderError::new(format!("empty action {action_text}")));
    }
    eval_pipeline(&pipeline, ctx, scope)
}

/// `text` with every kept build-time action removed (for checks on what is known now).
pub fn without_build_time_actions(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        match rest[open..].find("}}") {
            Some(close) => rest = &rest[open + close + 2..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Packer's amazon `clean_resource_name`: every character an AMI name may not hold becomes `-`.
pub fn clean_resource_name(name: &str) -> String {
    name.chars()
        .map(|c| if ami_name_char(c) { c } else { '-' })
        .collect()
}

/// Whether `c` may appear in an AMI name.
pub fn ami_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "()[] ./-'@_".contains(c)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Field(String),
    Str(String),
    Int(i64),
    Pipe,
    Open,
    Close,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(s) => write!(f, "{s}"),
            Token::Field(s) => write!(f, "{s}"),
            Token::Str(s) => write!(f, "{s:?}"),
            Token::Int(n) => write!(f, "{n}"),
            Token::Pipe => write!(f, "'|'"),
            Token::Open => write!(f, "'('"),
            Token::Close => write!(f, "')'"),
        }
    }
}

struct Tokens {
    tokens: Vec<Token>,
    /// Offset of the closing `}}` (or ` -}}`'s `-`) in the text after `{{`.
    end: usize,
    trim_right: bool,
}

/// The build-time variables something fills at bake time: the amazon-ebs builder's
/// (`{{ .SourceAMI }}`, `{{ .SourceAMITags.NAME }}`, …) and the provisioners'
/// `execute_command` ones (`{{ .Path }}`, `{{ .Vars }}`, shell-local's `{{ .Script }}`,
/// `{{ .Command }}`). Any other `{{ .X }}` would stay as written (Packer renders it
/// `<no value>` or refuses it), so it is an error.
pub const BUILD_TIME_VARIABLES: &[&str] = &[
    "BuildRegion",
    "SourceAMI",
    "SourceAMICreationDate",
    "SourceAMIName",
    "SourceAMIOwner",
    "SourceAMIOwnerName",
    "SourceAMITags",
    "Path",
    "Vars",
    "Script",
    "Command",
];

/// What `{{ build `X` }}` gives provisioners at bake time: the builder's variables and the
/// instance's connection, as the engine fills them.
pub const BUILD_FUNCTION_VALUES: &[&str] = &[
    "ID",
    "Host",
    "Port",
    "User",
    "ConnType",
    "BuildRegion",
    "SourceAMI",
    "SourceAMIName",
    "SourceAMIOwner",
    "SourceAMIOwnerName",
    "SourceAMICreationDate",
];

/// Values Packer's `build` function has that AMI Bakery does not fill yet (passwords, the
/// HTTP server, the run's UUID, the temporary key).
pub(crate) const BUILD_FUNCTION_NOT_SUPPORTED: &[&str] = &[
    "Password",
    "PackerRunUUID",
    "PackerHTTPAddr",
    "PackerHTTPIP",
    "PackerHTTPPort",
    "SSHPublicKey",
    "SSHPrivateKey",
    "WinRMPassword",
];

/// The name in `names` that `name` was probably meant to be (any case; did_you_mean
/// compares in lower case).
fn near_name(name: &str, names: &[&'static str]) -> Option<&'static str> {
    if let Some(same) = names.iter().find(|v| v.eq_ignore_ascii_case(name)) {
        return Some(same);
    }
    let lower: Vec<String> = names.iter().map(|v| v.to_lowercase()).collect();
    let near =
        crate::suggest::did_you_mean(&name.to_lowercase(), lower.iter().map(String::as_str))?;
    names.iter().find(|v| v.eq_ignore_ascii_case(near)).copied()
}

impl Tokens {
    /// `{{ build `X` }}` names a value the bake fills.
    fn known_build_function_value(&self) -> Result<(), RenderError> {
        let [Token::Ident(f), Token::Str(name)] = self.tokens.as_slice() else {
            return Ok(());
        };
        if f != "build" || BUILD_FUNCTION_VALUES.contains(&name.as_str()) {
            return Ok(());
        }
        if BUILD_FUNCTION_NOT_SUPPORTED.contains(&name.as_str()) {
            let mut err = RenderError::new(format!(
                "{{{{ build `{name}` }}}} is not supported yet: AMI Bakery does not fill it"
            ));
            err.not_supported = true;
            return Err(err.help(format!("build gives {}", BUILD_FUNCTION_VALUES.join(", "))));
        }
        let near = near_name(name, BUILD_FUNCTION_VALUES);
        let err = RenderError::new(format!(
            "{{{{ build `{name}` }}}} is not known: nothing fills it at bake time"
        ));
        Err(match near {
            Some(near) => err.help(format!("did you mean {{{{ build `{near}` }}}}?")),
            None => err.help(format!("build gives {}", BUILD_FUNCTION_VALUES.join(", "))),
        })
    }

    /// Every `.X` of a build-time action names a variable something fills.
    fn known_build_variables(&self) -> Result<(), RenderError> {
        self.known_build_function_value()?;
        for token in &self.tokens {
            let Token::Field(field) = token else {
                continue;
            };
            let name = field
                .trim_start_matches('.')
                .split('.')
                .next()
                .unwrap_or("");
            if name.is_empty() || BUILD_TIME_VARIABLES.contains(&name) {
                continue;
            }
            let mut err = RenderError::new(format!(
                "build-time variable .{name} is not known: nothing fills it at bake time"
            ));
            let near = near_name(name, BUILD_TIME_VARIABLES);
            err = match near {
                Some(near) => err.help(format!("did you mean {{{{ .{near} }}}}?")),
                None => err.help(format!(
                    "the build-time variables are .{}; for the time of the bake use {{{{timestamp}}}} or {{{{isotime}}}}",
                    BUILD_TIME_VARIABLES.join(", .")
                )),
            };
            return Err(err);
        }
        Ok(())
    }

    fn build_time(&self) -> bool {
        self.tokens.iter().any(|t| match t {
            Token::Field(_) => true,
            Token::Ident(name) => name == "build",
            _ => false,
        })
    }
}

fn tokenize(text: &str) -> Result<Tokens, RenderError> {
    let mut tokens = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    let unclosed = || RenderError::new("an action is not closed: missing \"}}\"");
    while i < chars.len() {
        let (at, c) = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '}' if text[at..].starts_with("}}") => {
                return Ok(Tokens {
                    tokens,
                    end: at,
                    trim_right: false,
                });
            }
            '-' if text[at..].starts_with("-}}") && at > 0 => {
                return Ok(Tokens {
                    tokens,
                    end: at + 1,
                    trim_right: true,
                });
            }
            '|' => {
                tokens.push(Token::Pipe);
                i += 1;
            }
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            '`' => {
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && chars[j].1 != '`' {
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(RenderError::new("a `raw string` is not closed"));
                }
                let s: String = chars[start..j].iter().map(|(_, c)| c).collect();
                tokens.push(Token::Str(s));
                i = j + 1;
            }
            '"' => {
                let mut s = String::new();
                let mut j = i + 1;
                loop {
                    let Some(&(_, c)) = chars.get(j) else {
                        return Err(RenderError::new("a \"quoted string\" is not closed"));
                    };
                    match c {
                        '"' => break,
                        '\\' => {
                            let escaped = chars.get(j + 1).map(|(_, c)| *c).ok_or_else(unclosed)?;
                            s.push(match escaped {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                other => other,
                            });
                            j += 2;
                        }
                        c => {
                            s.push(c);
                            j += 1;
                        }
                    }
                }
                tokens.push(Token::Str(s));
                i = j + 1;
            }
            '.' => {
                let mut j = i + 1;
                while j < chars.len()
                    && (chars[j].1.is_alphanumeric() || chars[j].1 == '_' || chars[j].1 == '.')
                {
                    j += 1;
                }
                let s: String = chars[i..j].iter().map(|(_, c)| c).collect();
                tokens.push(Token::Field(s));
                i = j;
            }
            c if c.is_ascii_digit() || c == '-' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j].1.is_ascii_digit() {
                    j += 1;
                }
                let s: String = chars[i..j].iter().map(|(_, c)| c).collect();
                let n = s
                    .parse()
                    .map_err(|_| RenderError::new(format!("bad number {s}")))?;
                tokens.push(Token::Int(n));
                i = j;
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].1.is_alphanumeric() || chars[j].1 == '_') {
                    j += 1;
                }
                let s: String = chars[i..j].iter().map(|(_, c)| c).collect();
                tokens.push(Token::Ident(s));
                i = j;
            }
            other => {
                return Err(RenderError::new(format!(
                    "unexpected character '{other}' in a {{{{ }}}} action"
                )));
            }
        }
    }
    Err(unclosed())
}

#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Function(String),
    Str(String),
    Int(i64),
    Nested(Vec<Vec<Operand>>),
}

pub(crate) type Pipeline = Vec<Vec<Operand>>;

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
}

impl Parser<'_> {
    fn pipeline(&mut self) -> Result<Pipeline, RenderError> {
        let mut commands = Vec::new();
        loop {
            let mut command = Vec::new();
            while let Some(token) = self.tokens.get(self.at) {
                match token {
                    Token::Pipe | Token::Close => break,
                    Token::Ident(name) => command.push(Operand::Function(name.clone())),
                    Token::Str(s) => command.push(Operand::Str(s.clone())),
                    Token::Int(n) => command.push(Operand::Int(*n)),
                    Token::Field(_) => unreachable!("build-time actions are kept verbatim"),
                    Token::Open => {
                        self.at += 1;
                        let nested = self.pipeline()?;
                        if self.tokens.get(self.at) != Some(&Token::Close) {
                            return Err(RenderError::new("a '(' is not closed"));
                        }
                        command.push(Operand::Nested(nested));
                    }
                }
                self.at += 1;
            }
            if command.is_empty() && !commands.is_empty() {
                return Err(RenderError::new("missing command after '|'"));
            }
            if !command.is_empty() {
                commands.push(command);
            }
            if self.tokens.get(self.at) == Some(&Token::Pipe) {
                self.at += 1;
            } else {
                return Ok(commands);
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Arg {
    Str(String),
    Int(i64),
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Str(s) => write!(f, "{s}"),
            Arg::Int(n) => write!(f, "{n}"),
        }
    }
}

fn eval_pipeline(
    pipeline: &Pipeline,
    ctx: &mut RenderContext,
    scope: &mut dyn Scope,
) -> Result<Arg, RenderError> {
    let mut piped: Option<Arg> = None;
    for command in pipeline {
        let mut args = Vec::new();
        for operand in &command[1..] {
            args.push(eval_operand(operand, ctx, scope)?);
        }
        if let Some(value) = piped.take() {
            args.push(value);
        }
        piped = Some(match &command[0] {
            Operand::Function(name) => call(name, &args, ctx, scope)?,
            other if args.is_empty() => eval_operand(other, ctx, scope)?,
            _ => return Err(RenderError::new("only a function can take arguments")),
        });
    }
    Ok(piped.unwrap_or(Arg::Str(String::new())))
}

fn eval_operand(
    operand: &Operand,
    ctx: &mut RenderContext,
    scope: &mut dyn Scope,
) -> Result<Arg, RenderError> {
    match operand {
        Operand::Str(s) => Ok(Arg::Str(s.clone())),
        Operand::Int(n) => Ok(Arg::Int(*n)),
        Operand::Nested(p) => eval_pipeline(p, ctx, scope),
        Operand::Function(name) => call(name, &[], ctx, scope),
    }
}

fn string_args<'a, const N: usize>(
    name: &str,
    args: &'a [Arg],
    usage: &str,
) -> Result<[&'a str; N], RenderError> {
    if args.len() != N {
        return Err(RenderError::new(format!(
            "{name} takes {N} argument{}, got {}",
            if N == 1 { "" } else { "s" },
            args.len()
        ))
        .help(format!("write it as {usage}")));
    }
    let mut out = [""; N];
    for (slot, arg) in out.iter_mut().zip(args) {
        *slot = match arg {
            Arg::Str(s) => s,
            Arg::Int(_) => {
                return Err(
                    RenderError::new(format!("{name} takes strings, got a number"))
                        .help(format!("write it as {usage}")),
                );
            }
        };
    }
    Ok(out)
}

fn call(
    name: &str,
    args: &[Arg],
    ctx: &mut RenderContext,
    scope: &mut dyn Scope,
) -> Result<Arg, RenderError> {
    let none = |usage: &str| -> Result<(), RenderError> {
        if args.is_empty() {
            Ok(())
        } else {
            Err(RenderError::new(format!("{name} takes no arguments"))
                .help(format!("write it as {usage}")))
        }
    };
    let value = match name {
        "user" => {
            let [var] = string_args::<1>(name, args, "{{user `name`}}")?;
            scope.user(var, ctx)?
        }
        "env" => {
            let [var] = string_args::<1>(name, args, "{{env `NAME`}}")?;
            if !scope.env_allowed() {
                return Err(RenderError::new("env vars are not allowed here").help(format!(
                    "read the environment in a variable's default (\"variables\": {{\"{}\": \"{{{{env `{var}`}}}}\"}}) and use {{{{user `{}`}}}} here",
                    var.to_lowercase(),
                    var.to_lowercase()
                )));
            }
            ctx.env.get(var).cloned().unwrap_or_default()
        }
        "timestamp" => {
            none("{{timestamp}}")?;
            let secs = ctx
                .now
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            secs.to_string()
        }
        "isotime" => match args {
            [] => isotime::format(ctx.now, isotime::RFC3339),
            [Arg::Str(layout)] => isotime::format(ctx.now, layout),
            _ => {
                return Err(RenderError::new("isotime takes at most one layout")
                    .help("write it as {{isotime}} or {{isotime \"2006-01-02\"}}"));
            }
        },
        "uuid" => {
            none("{{uuid}}")?;
            (ctx.ids)()
        }
        "clean_resource_name" | "clean_ami_name" => {
            let [s] = string_args::<1>(name, args, "{{clean_resource_name `name`}}")?;
            clean_resource_name(s)
        }
        "lower" => string_args::<1>(name, args, "{{lower `TEXT`}}")?[0].to_lowercase(),
        "upper" => string_args::<1>(name, args, "{{upper `text`}}")?[0].to_uppercase(),
        "split" => {
            let usage = "{{split `a,b` `,` 0}}";
            let (s, sep, n) = match args {
                [Arg::Str(s), Arg::Str(sep), Arg::Int(n)] => (s, sep, *n),
                _ => {
                    return Err(
                        RenderError::new("split takes a string, a separator and an index")
                            .help(format!("write it as {usage}")),
                    );
                }
            };
            let parts: Vec<&str> = s.split(sep.as_str()).collect();
            usize::try_from(n)
                .ok()
                .and_then(|i| parts.get(i))
                .map(|p| p.to_string())
                .ok_or_else(|| {
                    RenderError::new(format!(
                        "split: index {n} is out of range: {s:?} has {} parts",
                        parts.len()
                    ))
                })?
        }
        "replace" => {
            let (old, new, n, src) = match args {
                [Arg::Str(old), Arg::Str(new), Arg::Int(n), Arg::Str(src)] => (old, new, *n, src),
                _ => {
                    return Err(
                        RenderError::new("replace takes old, new, a count and the text")
                            .help("write it as {{replace `old` `new` 1 `text`}}"),
                    );
                }
            };
            match usize::try_from(n) {
                Ok(n) => src.replacen(old.as_str(), new, n),
                Err(_) => src.replace(old.as_str(), new),
            }
        }
        "replace_all" => {
            let [old, new, src] =
                string_args::<3>(name, args, "{{replace_all `old` `new` `text`}}")?;
            src.replace(old, new)
        }
        "template_dir" => {
            none("{{template_dir}}")?;
            ctx.template_dir.clone()
        }
        "pwd" => {
            none("{{pwd}}")?;
            ctx.working_dir.clone()
        }
        "build_name" | "build_type" => {
            none("{{build_name}}")?;
            match scope.build() {
                Some((build_name, build_type)) => {
                    if name == "build_name" {
                        build_name.to_string()
                    } else {
                        build_type.to_string()
                    }
                }
                None => {
                    return Err(RenderError::new(format!(
                        "{name} is only known inside a builder or provisioner"
                    )));
                }
            }
        }
        _ if NOT_SUPPORTED.contains(&name) => {
            return Err(RenderError {
                message: format!("the template function {name} is not supported yet"),
                help: Some("put the value in a variable and pass it with --var".into()),
                not_supported: true,
                at: None,
            });
        }
        _ => {
            let mut err = RenderError::new(format!("function \"{name}\" not defined"));
            if let Some(near) = crate::suggest::did_you_mean(name, FUNCTIONS.iter().copied()) {
                err = err.help(format!("did you mean {near}?"));
            }
            return Err(err);
        }
    };
    Ok(Arg::Str(value))
}

/// One piece of a string as written: literal text or a `{{ }}` action (for conversions).
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    Text(String),
    /// A build-time action, kept verbatim (`{{ .SourceAMI }}`); `build` is X of `{{ build `X` }}`.
    BuildTime {
        text: String,
        build: Option<String>,
    },
    /// An action rendered now; `at` is where its `{{` starts, in characters.
    Action {
        at: usize,
        text: String,
        pipeline: Pipeline,
    },
}

/// `text` as literal pieces and parsed actions, without rendering anything.
pub(crate) fn pieces(text: &str) -> Result<Vec<Piece>, RenderError> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut literal_text = String::new();
    while let Some(open) = rest.find("{{") {
        let mut literal = &rest[..open];
        let mut inner_start = open + 2;
        if rest[inner_start..].starts_with("- ") {
            literal = literal.trim_end();
            inner_start += 1;
        }
        literal_text.push_str(literal);
        let at = text[..text.len() - rest.len() + open].chars().count();
        let located = |mut e: RenderError| {
            e.at = Some(at);
            e
        };
        let tokens = tokenize(&rest[inner_start..]).map_err(located)?;
        let close = inner_start + tokens.end;
        let action_text = rest[open..close + 2].to_string();
        let mut after = &rest[close + 2..];
        if tokens.trim_right {
            after = after.trim_start();
        }
        if !literal_text.is_empty() {
            out.push(Piece::Text(std::mem::take(&mut literal_text)));
        }
        if tokens.build_time() {
            let build = match tokens.tokens.as_slice() {
                [Token::Ident(f), Token::Str(x)] if f == "build" => Some(x.clone()),
                _ => None,
            };
            out.push(Piece::BuildTime {
                text: action_text,
                build,
            });
        } else {
            let mut parser = Parser {
                tokens: &tokens.tokens,
                at: 0,
            };
            let pipeline = parser.pipeline().map_err(located)?;
            if parser.at != tokens.tokens.len() || pipeline.is_empty() {
                return Err(located(RenderError::new(format!(
                    "cannot read the action {action_text}"
                ))));
            }
            out.push(Piece::Action {
                at,
                text: action_text,
                pipeline,
            });
        }
        rest = after;
    }
    literal_text.push_str(rest);
    if !literal_text.is_empty() {
        out.push(Piece::Text(literal_text));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Vars(BTreeMap<String, String>, bool);
    impl Scope for Vars {
        fn user(&mut self, name: &str, _: &mut RenderContext) -> Result<String, RenderError> {
            self.0
                .get(name)
                .cloned()
                .ok_or_else(|| RenderError::new(format!("variable {name} not defined")))
        }
        fn env_allowed(&self) -> bool {
            self.1
        }
        fn build(&self) -> Option<(&str, &str)> {
            Some(("web", "amazon-ebs"))
        }
    }

    fn r(text: &str) -> Result<String, RenderError> {
        let mut ctx = RenderContext::fixed();
        ctx.env.insert("HOME".into(), "/home/baker".into());
        let mut vars = Vars(
            [
                ("region", "eu-west-1"),
                ("list", "a,b,c"),
                ("name", "My App"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            false,
        );
        render(text, &mut ctx, &mut vars)
    }

    #[test]
    fn text_without_actions_is_unchanged() {
        assert_eq!(r("plain {text}").unwrap(), "plain {text}");
    }

    #[test]
    fn user_variables_in_both_quote_styles() {
        assert_eq!(r("{{user `region`}}").unwrap(), "eu-west-1");
        assert_eq!(r("x-{{ user \"region\" }}-y").unwrap(), "x-eu-west-1-y");
        let err = r("{{user `regoin`}}").unwrap_err();
        assert!(err.message.contains("regoin"));
    }

    #[test]
    fn timestamp_isotime_and_uuid_come_from_the_context() {
        assert_eq!(r("app {{timestamp}}").unwrap(), "app 1741064767");
        assert_eq!(r("{{isotime}}").unwrap(), "2025-03-04T05:06:07Z");
        assert_eq!(r("{{isotime \"2006-01-02\"}}").unwrap(), "2025-03-04");
        assert_eq!(r("{{isotime `20060102-1504`}}").unwrap(), "20250304-0506");
        assert_eq!(r("{{uuid}} {{uuid}}").unwrap(), "id-1 id-2");
    }

    #[test]
    fn clean_resource_name_as_call_and_pipeline() {
        assert_eq!(
            r("{{isotime | clean_resource_name}}").unwrap(),
            "2025-03-04T05-06-07Z"
        );
        assert_eq!(
            r("{{clean_resource_name `a:b,c/d (e) [f] g'h@i_j`}}").unwrap(),
            "a-b-c/d (e) [f] g'h@i_j"
        );
        assert_eq!(r("{{clean_ami_name `x:y`}}").unwrap(), "x-y");
        assert_eq!(clean_resource_name("ünï"), "-n-");
    }

    #[test]
    fn string_functions() {
        assert_eq!(r("{{lower `ABC`}}{{upper `def`}}").unwrap(), "abcDEF");
        assert_eq!(r("{{user `name` | lower}}").unwrap(), "my app");
        assert_eq!(r("{{split (user `list`) `,` 1}}").unwrap(), "b");
        assert!(
            r("{{split `a,b` `,` 5}}")
                .unwrap_err()
                .message
                .contains("out of range")
        );
        assert_eq!(r("{{replace_all `-` `_` `a-b-c`}}").unwrap(), "a_b_c");
        assert_eq!(r("{{replace `-` `_` 1 `a-b-c`}}").unwrap(), "a_b-c");
        assert_eq!(
            r("{{user `region` | replace_all `-` ``}}").unwrap(),
            "euwest1"
        );
    }

    #[test]
    fn env_is_only_allowed_where_the_scope_allows_it() {
        let err = r("{{env `HOME`}}").unwrap_err();
        assert_eq!(err.message, "env vars are not allowed here");
        let mut ctx = RenderContext::fixed();
        ctx.env.insert("HOME".into(), "/home/baker".into());
        let mut vars = Vars(BTreeMap::new(), true);
        assert_eq!(
            render("{{env `HOME`}}|{{env `NOPE`}}", &mut ctx, &mut vars).unwrap(),
            "/home/baker|"
        );
    }

    #[test]
    fn build_time_actions_are_kept_verbatim() {
        let text = "from {{ .SourceAMIName }} in {{.BuildRegion}} {{ .SourceAMITags.team }} {{ build `ID` }}";
        assert_eq!(r(text).unwrap(), text);
        assert_eq!(
            r("chmod +x {{ .Path }}; {{ .Vars }} sudo -E {{ .Path }} {{timestamp}}").unwrap(),
            "chmod +x {{ .Path }}; {{ .Vars }} sudo -E {{ .Path }} 1741064767"
        );
        assert_eq!(without_build_time_actions("a {{ .SourceAMI }} b"), "a  b");
    }

    #[test]
    fn unknown_build_time_variables_are_errors_with_a_suggestion() {
        let err = r("quick {{.CreateTime}}").unwrap_err();
        assert_eq!(
            err.message,
            "build-time variable .CreateTime is not known: nothing fills it at bake time"
        );
        assert_eq!(err.at, Some(6));
        assert!(err.help.unwrap().contains("{{timestamp}}"));
        let err = r("{{ .SourceAMINme }}").unwrap_err();
        assert_eq!(
            err.help.as_deref(),
            Some("did you mean {{ .SourceAMIName }}?")
        );
        assert!(r("{{ .SourceAMITags.team }} {{ .Script }} {{ .Command }}").is_ok());
    }

    #[test]
    fn the_build_function_names_a_value_the_bake_fills() {
        assert!(r("{{ build `ID` }} {{ build `SourceAMIName` }} {{build `Host`}}").is_ok());
        let err = r("on {{ build `Id` }}").unwrap_err();
        assert_eq!(
            err.message,
            "{{ build `Id` }} is not known: nothing fills it at bake time"
        );
        assert_eq!(err.help.as_deref(), Some("did you mean {{ build `ID` }}?"));
        assert_eq!(err.at, Some(3));
        let err = r("{{ build `PackerHTTPAddr` }}").unwrap_err();
        assert!(err.not_supported, "{err:?}");
    }

    #[test]
    fn build_name_and_type_and_dirs() {
        assert_eq!(
            r("{{build_name}}/{{build_type}}").unwrap(),
            "web/amazon-ebs"
        );
        assert_eq!(r("{{template_dir}}/x {{pwd}}").unwrap(), "./x .");
    }

    #[test]
    fn mistakes_are_explained() {
        let err = r("{{timestamp").unwrap_err();
        assert!(err.message.contains("not closed"));
        let err = r("x-é-{{timestamp}}-{{timestmap}}").unwrap_err();
        assert_eq!(err.message, "function \"timestmap\" not defined");
        assert_eq!(err.at, Some(18), "the failing action's {{{{, in characters");
        assert_eq!(err.help.as_deref(), Some("did you mean timestamp?"));
        let err = r("{{vault `/secret` `key`}}").unwrap_err();
        assert!(err.not_supported);
        let err = r("{{upper}}").unwrap_err();
        assert!(err.message.contains("takes 1 argument"));
        assert!(r("{{}}").is_err());
        assert!(r("{{ timestamp | }}").is_err());
        assert!(r("{{ (timestamp }}").is_err());
    }

    #[test]
    fn trim_markers() {
        assert_eq!(r("a  {{- timestamp -}}  b").unwrap(), "a1741064767b");
    }
}
