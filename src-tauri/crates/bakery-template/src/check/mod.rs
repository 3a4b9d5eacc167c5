//! Checking a JSON template like `packer validate`, but reporting every problem at once, each
//! at its line and column with the field's path and what to do.
//!
//! The pass reads the JSON (positions kept), applies and renders user variables, renders every
//! string of every builder, provisioner and post-processor, decodes them into the typed model
//! (weakly, like Packer), and then applies Packer's rules and ours. It never stops at the first
//! problem: a value that can't be decoded is reported and left out, and the rest goes on. Real
//! Packer features this version does not bake are errors at their line, never dropped.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::diagnostic::{Code, Diagnostic};
use crate::json::{self, Member, Node, Position, Value};
use crate::model::{
    AmazonEbs, AnsibleLocalProvisioner, AnsibleProvisioner, AssumeRole, AwsPolling, BlockDevice,
    Builder, FileProvisioner, ManifestPostProcessor, MetadataOptions, PostProcessor, Provisioner,
    SecurityGroupFilter, ShellLocal, ShellLocalStep, ShellProvisioner, SourceAmiFilter,
    SubnetFilter, Template, TemporaryVpc, Variable, VariableValue, VpcFilter, build_name,
    option_names,
};
use crate::render::{self, RenderContext, RenderError, Scope};
use crate::suggest::did_you_mean;
use crate::variables::{VariableInputs, Variables};

mod amazon_ebs;
mod aws_shapes;
mod aws_values;
mod decode_paths;
mod steps;
#[cfg(test)]
mod tests;

pub use aws_shapes::{valid_cidr, valid_kms_key, valid_region, valid_resource_id};

/// How to check.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Only the JSON and the template's structure: no variables, no settings (like
    /// `packer validate -syntax-only`).
    pub syntax_only: bool,
    /// Values for the variables.
    pub inputs: VariableInputs,
    /// Tells whether a local file exists (scripts, sources, user data, keys), relative to the
    /// current directory like Packer; `None` skips those checks (an editor without a disk).
    pub local_file_exists: Option<fn(&str) -> bool>,
    /// Reads a local file's text, for HCL2's `file()` and `templatefile()` (given the path
    /// already resolved against `path.root`, like Packer); `None` makes those functions errors
    /// saying the file can't be read here. JSON templates never read files.
    pub read_local_file: Option<fn(&str) -> std::io::Result<String>>,
    /// The region a build that names none bakes in, as Packer falls back to the AWS
    /// configuration (`AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's region), with where it
    /// came from; `None`: a build must name its region.
    pub default_region: Option<DefaultRegion>,
    /// Lists the files under a local folder (recursively), as paths relative to it with `/`
    /// between folders, for HCL2's `fileset()` (given the folder already resolved against
    /// `path.root`); [`local_files_under`] does it on the local disk. `None` makes
    /// `fileset()` an error saying the files can't be listed here.
    pub list_local_files: Option<ListLocalFiles>,
}

/// A region from outside the template, and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultRegion {
    /// The region, e.g. `eu-west-1`.
    pub region: String,
    /// Where it was found, for the warning: `AWS_REGION`, `the profile work`.
    pub from: String,
}

/// Lists the files under a local folder: see [`CheckOptions::list_local_files`].
pub type ListLocalFiles = fn(&str) -> std::io::Result<Vec<String>>;

/// The files under `folder` on the local disk (recursively, not following links to
/// folders), as paths relative to it with `/` between folders: what
/// [`CheckOptions::list_local_files`] expects.
pub fn local_files_under(folder: &str) -> std::io::Result<Vec<String>> {
    fn walk(dir: &std::path::Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(&entry.path(), &relative, out)?;
            } else if entry.path().is_file() {
                out.push(relative);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(std::path::Path::new(folder), "", &mut out)?;
    out.sort();
    Ok(out)
}

/// What checking found: the model (as far as it could be read) and every problem.
#[derive(Debug, Clone)]
pub struct Checked {
    /// `None` only when the file is not JSON or not an object.
    pub template: Option<Template>,
    /// Errors and warnings, in the order of the file.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// The problems that stop a bake.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The problems that do not stop a bake.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    /// Whether the template has no errors (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }
}

const ROOT_KEYS: &[&str] = &[
    "description",
    "min_packer_version",
    "variables",
    "sensitive-variables",
    "builders",
    "provisioners",
    "post-processors",
];

/// Builder types of Packer and its plugins that this version does not bake yet.
const OTHER_BUILDERS: &[&str] = &[
    "amazon-chroot",
    "amazon-instance",
    "amazon-ebssurrogate",
    "amazon-ebsvolume",
    "azure-arm",
    "azure-chroot",
    "docker",
    "googlecompute",
    "qemu",
    "virtualbox-iso",
    "virtualbox-ovf",
    "vmware-iso",
    "vmware-vmx",
    "vsphere-iso",
    "vsphere-clone",
    "hyperv-iso",
    "digitalocean",
    "openstack",
    "oracle-oci",
    "alicloud-ecs",
    "hcloud",
    "lxd",
    "lxc",
    "null",
    "file",
    "parallels-iso",
    "proxmox",
    "scaleway",
    "tencentcloud-cvm",
    "yandex",
    "linode",
    "vagrant",
];

/// Checks a JSON template. `file` names it in the diagnostics.
pub fn check(file: &str, text: &str, options: &CheckOptions, ctx: &mut RenderContext) -> Checked {
    let mut checker = Checker::new(text, options, ctx);
    let template = checker.run(text, options);
    checker.finish(file, template)
}

/// Checks a template another reader (HCL2) has already turned into the JSON template's tree:
/// `builders`, `provisioners`, `post-processors`, values with their positions in `source`.
/// Variables are that reader's business; strings may still hold `{{ }}` functions.
pub(crate) fn check_tree(
    file: &str,
    source: &str,
    root: &Node,
    options: &CheckOptions,
    ctx: &mut RenderContext,
) -> Checked {
    let mut checker = Checker::new(source, options, ctx);
    checker.inner_paths = true;
    let mut template = Template::default();
    let builder_names = checker.builders(root, options, &mut template);
    checker.provisioners(root, options, &builder_names, &mut template);
    checker.post_processors(root, options, &builder_names, &mut template);
    checker.finish(file, Some(template))
}

struct Checker<'a> {
    /// The template's text, to point inside its strings.
    source: &'a str,
    out: Vec<Diagnostic>,
    ctx: &'a mut RenderContext,
    vars: Variables,
    local_file_exists: Option<fn(&str) -> bool>,
    default_region: Option<DefaultRegion>,
    /// Fields whose value uses a required variable that has no value: that is reported once,
    /// at the variable, so their values are not judged (no cascade of errors).
    unsettled: Vec<String>,
    /// Where errors about unsettled fields go (never reported).
    discarded: Vec<Diagnostic>,
    /// A value of the wrong type inside a list setting is reported at itself
    /// (`launch_block_device_mappings[1].volume_size`, [`decode_paths`]) rather than at the
    /// setting: for HCL2, whose nested blocks are such lists.
    inner_paths: bool,
}

/// A builder's name and type, for `{{build_name}}`, `only` and `except`.
struct BuildScope<'a> {
    vars: &'a mut Variables,
    build: Option<(String, String)>,
    /// Set when a required variable without a value was used (it renders as its name).
    used_unset: bool,
    /// Undeclared variables used by the string being rendered: each rendered empty, as
    /// Packer does, and reported as a warning at the string.
    undeclared: Vec<RenderError>,
}

impl Scope for BuildScope<'_> {
    fn user(&mut self, name: &str, ctx: &mut RenderContext) -> Result<String, RenderError> {
        if self.vars.get(name).is_none() {
            // Packer renders an undeclared `{{user `x`}}` as "" and goes on; so do we, saying so.
            if let Err(err) = self.vars.value(name, ctx) {
                self.undeclared.push(err);
            }
            return Ok(String::new());
        }
        if self.vars.get(name).is_some_and(|v| v.raw.is_none()) {
            self.used_unset = true;
        }
        self.vars.value(name, ctx)
    }
    fn build(&self) -> Option<(&str, &str)> {
        self.build.as_ref().map(|(n, t)| (n.as_str(), t.as_str()))
    }
}

fn at_of(node: &Node, key: &str) -> Position {
    node.get(key).map(|m| m.value.at).unwrap_or(node.at)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> Checker<'a> {
    fn new(source: &'a str, options: &CheckOptions, ctx: &'a mut RenderContext) -> Self {
        Checker {
            source,
            out: Vec::new(),
            ctx,
            vars: Variables::default(),
            local_file_exists: options.local_file_exists,
            default_region: options.default_region.clone(),
            unsettled: Vec::new(),
            discarded: Vec::new(),
            inner_paths: false,
        }
    }

    /// The diagnostics named after `file` and in the order of the file.
    fn finish(self, file: &str, template: Option<Template>) -> Checked {
        let mut diagnostics = self.out;
        for d in &mut diagnostics {
            if d.file.is_empty() {
                d.file = file.to_string();
            }
        }
        // Stable order: by file position, var files and --var after the template.
        diagnostics.sort_by_key(|d| (d.file != file, d.line == 0, d.line, d.column));
        Checked {
            template,
            diagnostics,
        }
    }
}

impl Checker<'_> {
    fn error(
        &mut self,
        code: Code,
        at: Position,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let d = Diagnostic::error(code, at, field, message);
        if code == Code::InvalidValue && !self.settled(&d.field) {
            self.discarded.push(d);
            return self.discarded.last_mut().expect("just pushed");
        }
        self.out.push(d);
        self.out.last_mut().expect("just pushed")
    }

    /// Whether `field` (or anything under it) has a value that doesn't depend on a required
    /// variable left without one.
    fn settled(&self, field: &str) -> bool {
        !self.unsettled.iter().any(|u| {
            u == field
                || u.strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
                || field
                    .strip_prefix(u.as_str())
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
    }

    fn warn(
        &mut self,
        code: Code,
        at: Position,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.out.push(Diagnostic::warning(code, at, field, message));
        self.out.last_mut().expect("just pushed")
    }

    fn run(&mut self, text: &str, options: &CheckOptions) -> Option<Template> {
        let doc = match json::parse(text) {
            Ok(doc) => doc,
            Err(err) => {
                self.error(
                    Code::Syntax,
                    err.at,
                    "",
                    format!("invalid JSON: {}", err.message),
                );
                return None;
            }
        };
        for dup in &doc.duplicates {
            let parent = path_of(&doc.root, dup.first, "").unwrap_or_default();
            self.error(
                Code::DuplicateKey,
                dup.at,
                parent,
                format!("template has duplicate field: {}", dup.key),
            )
            .set_help(format!(
                "\"{}\" is already set at line {}, column {}: keep one of them",
                dup.key, dup.first.line, dup.first.column
            ));
        }
        let root = &doc.root;
        let Some(members) = root.members() else {
            self.error(
                Code::WrongType,
                root.at,
                "",
                format!("a template is a JSON object, not {}", root.kind()),
            );
            return None;
        };
        let mut template = Template::default();
        for m in members {
            if m.key.starts_with('_') {
                if m.value.as_str().is_none() {
                    self.error(
                        Code::WrongType,
                        m.value.at,
                        m.key.clone(),
                        format!(
                            "root level comment \"{}\" must be a string, not {}",
                            m.key,
                            m.value.kind()
                        ),
                    )
                    .set_help("Packer only accepts strings as \"_\" comments");
                }
                continue;
            }
            if ROOT_KEYS.contains(&m.key.as_str()) {
                continue;
            }
            self.unknown_key(m, "", ROOT_KEYS, &[]);
        }
        template.description = self.plain_string(root, "description");
        template.min_packer_version = self.plain_string(root, "min_packer_version");

        if !options.syntax_only {
            self.min_packer_version(root);
            self.vars = Variables::collect(
                root.get("variables"),
                root.get("sensitive-variables"),
                &options.inputs,
                &mut self.out,
            );
            self.vars.render_all(self.ctx, &mut self.out);
            let sensitive: Vec<String> = self
                .vars
                .declared
                .iter()
                .filter(|v| v.sensitive)
                .map(|v| v.name.clone())
                .collect();
            for name in sensitive {
                if let Ok(value) = self.vars.value(&name, self.ctx) {
                    template.sensitive_values.push(crate::Secret::new(value));
                }
            }
            template.variables = self
                .vars
                .declared
                .iter()
                .map(|v| Variable {
                    name: v.name.clone(),
                    default: v
                        .default
                        .clone()
                        .map(|d| VariableValue::new(d, v.sensitive)),
                    sensitive: v.sensitive,
                })
                .collect();
        } else {
            self.parse_time_shapes(root, options);
        }

        let builder_names = self.builders(root, options, &mut template);
        self.provisioners(root, options, &builder_names, &mut template);
        self.post_processors(root, options, &builder_names, &mut template);
        Some(template)
    }

    fn plain_string(&mut self, root: &Node, key: &str) -> Option<String> {
        let m = root.get(key)?;
        match m.value.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.error(
                    Code::WrongType,
                    m.value.at,
                    key,
                    format!("\"{key}\" must be a string, not {}", m.value.kind()),
                );
                None
            }
        }
    }

    fn unknown_key(&mut self, m: &Member, path: &str, known: &[&str], other: &[&str]) {
        let field = join(path, &m.key);
        if other.contains(&m.key.as_str()) {
            self.error(
                Code::NotSupported,
                m.key_at,
                field,
                format!(
                    "\"{}\" is a Packer option that AMI Bakery does not support yet",
                    m.key
                ),
            )
            .set_help("remove it to bake with AMI Bakery, or bake this template with Packer");
            return;
        }
        let near = did_you_mean(&m.key, known.iter().chain(other).copied());
        let d = self.error(
            Code::UnknownKey,
            m.key_at,
            field,
            format!("unknown configuration key: \"{}\"", m.key),
        );
        if let Some(near) = near {
            d.help = Some(format!("did you mean \"{near}\"?"));
            d.fix = Some(near.to_string());
        } else if path.is_empty() {
            d.help = Some("keys starting with \"_\" are comments and are ignored".into());
        }
    }

    fn check_keys(&mut self, node: &Node, path: &str, known: &[&str], other: &[&str]) {
        for m in node.members().unwrap_or_default() {
            if !known.contains(&m.key.as_str()) {
                self.unknown_key(m, path, known, other);
            }
        }
    }

    /// The list at `root[key]`, or an error when it is something else.
    fn list<'n>(&mut self, root: &'n Node, key: &str) -> Option<&'n [Node]> {
        let m = root.get(key)?;
        match m.value.items() {
            Some(items) => Some(items),
            None => {
                self.error(
                    Code::WrongType,
                    m.value.at,
                    key,
                    format!("\"{key}\" must be a list, not {}", m.value.kind()),
                );
                None
            }
        }
    }

    /// The `type` of a builder, provisioner or post-processor object.
    fn type_of<'n>(&mut self, node: &'n Node, path: &str, what: &str) -> Option<&'n str> {
        if node.members().is_none() {
            self.error(
                Code::WrongType,
                node.at,
                path,
                format!("a {what} is an object with a \"type\", not {}", node.kind()),
            );
            return None;
        }
        match node.get("type") {
            None => {
                self.error(
                    Code::Missing,
                    node.at,
                    path,
                    format!("this {what} has no \"type\""),
                )
                .set_help(format!(
                    "add \"type\": \"{}\"",
                    match what {
                        "builder" => "amazon-ebs",
                        "provisioner" => "shell",
                        _ => "manifest",
                    }
                ));
                None
            }
            Some(m) => match m.value.as_str() {
                Some(t) => Some(t),
                None => {
                    self.error(
                        Code::WrongType,
                        m.value.at,
                        join(path, "type"),
                        format!("\"type\" must be a string, not {}", m.value.kind()),
                    );
                    None
                }
            },
        }
    }

    fn unsupported_type(
        &mut self,
        at: Position,
        path: &str,
        what: &str,
        kind: &str,
        ours: &[&str],
        theirs: &[&str],
    ) {
        let field = join(path, "type");
        if theirs.contains(&kind) {
            self.error(
                Code::NotSupported,
                at,
                field,
                format!("the {kind} {what} is not supported yet"),
            )
            .set_help(format!(
                "AMI Bakery bakes with: {}; remove this {what} or bake this template with Packer",
                ours.join(", ")
            ));
        } else {
            let near = did_you_mean(kind, ours.iter().chain(theirs).copied());
            let d = self.error(
                Code::InvalidValue,
                at,
                field,
                format!("unknown {what} type \"{kind}\""),
            );
            d.help = Some(match near {
                Some(near) => format!("did you mean \"{near}\"?"),
                None => format!("known {what} types: {}", ours.join(", ")),
            });
        }
    }

    /// Renders every string under `node` (keys excluded) into a plain JSON value.
    fn render_node(
        &mut self,
        node: &Node,
        path: &str,
        build: Option<(String, String)>,
    ) -> serde_json::Value {
        let mut scope = BuildScope {
            vars: &mut self.vars,
            build,
            used_unset: false,
            undeclared: Vec::new(),
        };
        let mut problems = Vec::new();
        let mut unsettled = Vec::new();
        let value = render_tree(
            node,
            path,
            self.source,
            self.ctx,
            &mut scope,
            &mut problems,
            &mut unsettled,
        );
        self.out.extend(problems);
        self.unsettled.extend(unsettled);
        value
    }

    /// Decodes a settings object, reporting each member that has the wrong type and
    /// decoding the rest.
    fn decode<T: DeserializeOwned + Default>(
        &mut self,
        node: &Node,
        value: serde_json::Value,
        path: &str,
    ) -> T {
        let serde_json::Value::Object(mut map) = value else {
            self.error(
                Code::WrongType,
                node.at,
                path,
                format!("expected an object of settings, not {}", node.kind()),
            );
            return T::default();
        };
        map.remove("type");
        match serde_json::from_value::<T>(serde_json::Value::Object(map.clone())) {
            Ok(t) => t,
            Err(_) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                for key in keys {
                    let Err(message) = decode_paths::decode_alone::<T>(&key, map[&key].clone())
                    else {
                        continue;
                    };
                    // Each innermost part that fails is reported at its line and left out.
                    let found = if self.inner_paths {
                        decode_paths::failures::<T>(&key, &map[&key], message)
                    } else {
                        vec![decode_paths::Failure {
                            steps: Vec::new(),
                            message,
                        }]
                    };
                    for failure in &found {
                        let at = match node.get(&key) {
                            Some(m) => decode_paths::position(&m.value, &failure.steps),
                            None => node.at,
                        };
                        let field = format!("{key}{}", decode_paths::suffix(&failure.steps));
                        let last = match failure.steps.last() {
                            Some(decode_paths::Step::Key(k)) => k.as_str(),
                            _ => "",
                        };
                        let message = failure
                            .message
                            .strip_prefix(&format!("\"{last}\": "))
                            .unwrap_or(&failure.message);
                        self.error(
                            Code::WrongType,
                            at,
                            join(path, &field),
                            format!("\"{field}\": {message}"),
                        );
                    }
                    let mut paths: Vec<_> = found.into_iter().map(|f| f.steps).collect();
                    if paths.iter().any(Vec::is_empty) {
                        map.remove(&key);
                        continue;
                    }
                    if let Some(value) = map.get_mut(&key) {
                        decode_paths::remove_all(value, &mut paths);
                    }
                    if decode_paths::decode_alone::<T>(&key, map[&key].clone()).is_err() {
                        map.remove(&key);
                    }
                }
                serde_json::from_value(serde_json::Value::Object(map)).unwrap_or_default()
            }
        }
    }

    fn builders(
        &mut self,
        root: &Node,
        options: &CheckOptions,
        template: &mut Template,
    ) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let Some(items) = self.list(root, "builders") else {
            if root.get("builders").is_none() {
                self.error(
                    Code::Missing,
                    root.at,
                    "builders",
                    "at least one builder must be defined",
                )
                .set_help("add \"builders\": [{\"type\": \"amazon-ebs\", …}]");
            }
            return names;
        };
        // Packer 1.6.6 parses an empty list and refuses it only in a full check.
        if items.is_empty() && !options.syntax_only {
            self.error(
                Code::Missing,
                at_of(root, "builders"),
                "builders",
                "at least one builder must be defined",
            )
            .set_help("add {\"type\": \"amazon-ebs\", …} to the list");
        }
        let mut seen: BTreeMap<String, Position> = BTreeMap::new();
        let mut images = Vec::new();
        for (i, node) in items.iter().enumerate() {
            let path = format!("builders[{i}]");
            let Some(kind) = self.type_of(node, &path, "builder") else {
                continue;
            };
            let name =
                build_name(node.get("name").and_then(|m| m.value.as_str()), kind).to_string();
            let name_at = node.get("name").map(|m| m.value.at).unwrap_or(node.at);
            if let Some(first) = seen.get(&name) {
                let first = *first;
                self.error(
                    Code::Conflict,
                    name_at,
                    join(&path, "name"),
                    format!("builder with name '{name}' already exists"),
                )
                .set_help(format!(
                    "the builder at line {} has the same name; give each builder its own \"name\"",
                    first.line
                ));
            } else {
                seen.insert(name.clone(), name_at);
            }
            names.push(name.clone());
            if kind != "amazon-ebs" {
                if !options.syntax_only {
                    self.unsupported_type(
                        at_of(node, "type"),
                        &path,
                        "builder",
                        kind,
                        &["amazon-ebs"],
                        OTHER_BUILDERS,
                    );
                }
                continue;
            }
            if options.syntax_only {
                continue;
            }
            let ebs = self.amazon_ebs(node, &path, &name);
            images.push((path, at_of(node, "ami_name"), ebs.clone()));
            template.builders.push(Builder::AmazonEbs(Box::new(ebs)));
        }
        self.same_image_names(&images);
        names
    }

    /// Two builders must not create AMIs of the same name in the same region: the second
    /// bake fails (or, with `force_deregister`, deletes the first one's image).
    fn same_image_names(&mut self, images: &[(String, Position, AmazonEbs)]) {
        let mut made: Vec<(&str, &str, &str)> = Vec::new(); // (region, name, builder path)
        for (path, at, ebs) in images {
            let Some(name) = ebs.ami_name.as_deref().filter(|n| !n.is_empty()) else {
                continue;
            };
            if render::without_build_time_actions(name).len() != name.len() {
                continue; // the name depends on the build (e.g. {{ .SourceAMIName }})
            }
            let regions = ebs.region.iter().chain(ebs.ami_regions.iter().flatten());
            for region in regions {
                if let Some((_, _, other)) = made
                    .iter()
                    .find(|(r, n, p)| r == region && *n == name && p != path)
                {
                    let other = other.to_string();
                    self.error(
                        Code::Conflict,
                        *at,
                        join(path, "ami_name"),
                        format!("{other} already creates an AMI named \"{name}\" in {region}"),
                    )
                    .set_help("make the names differ, e.g. with {{build_name}} in ami_name");
                    break;
                }
            }
            for region in ebs.region.iter().chain(ebs.ami_regions.iter().flatten()) {
                made.push((region, name, path));
            }
        }
    }

    /// A local file the template names must exist (when the caller can tell).
    fn local_file(&mut self, file: Option<&str>, at: Position, field: &str, what: &str) {
        let (Some(exists), Some(file)) = (self.local_file_exists, file) else {
            return;
        };
        if file.is_empty() || file.contains("{{") || exists(file) {
            return;
        }
        let d = self.error(
            Code::LocalFile,
            at,
            field,
            format!("{what} {file:?} does not exist"),
        );
        if std::path::Path::new(file).is_absolute() {
            // Already beside the template (or anywhere named in full): the name is wrong.
            d.set_help("check the file's name and folder");
        } else {
            d.set_help("paths are relative to the current directory; use {{template_dir}}/… for files beside the template");
        }
    }

    fn duration(&mut self, text: &str, at: Position, field: &str) {
        if !valid_duration(text) {
            self.error(
                Code::InvalidValue,
                at,
                field,
                format!("\"{text}\" is not a duration"),
            )
            .set_help("write a number with a unit: \"30s\", \"5m\", \"1h30m\"");
        }
    }
}

/// Renders every string of a tree; problems are located at the string.
fn render_tree(
    node: &Node,
    path: &str,
    source: &str,
    ctx: &mut RenderContext,
    scope: &mut BuildScope<'_>,
    out: &mut Vec<Diagnostic>,
    unsettled: &mut Vec<String>,
) -> serde_json::Value {
    match &node.value {
        Value::String(s) => {
            if !render::has_actions(s) {
                return serde_json::Value::String(s.clone());
            }
            if s.contains("clean_ami_name") {
                out.push(
                    Diagnostic::warning(
                        Code::Deprecated,
                        node.at,
                        path,
                        "clean_ami_name is deprecated and was removed from Packer",
                    )
                    .help("use clean_resource_name, which does the same"),
                );
            }
            scope.used_unset = false;
            scope.undeclared.clear();
            let rendered = render::render(s, ctx, scope);
            if scope.used_unset {
                unsettled.push(path.to_string());
            }
            for err in scope.undeclared.drain(..) {
                let mut d = Diagnostic::warning(
                    Code::Variable,
                    node.at,
                    path,
                    format!(
                        "{} in {s:?}: it renders as empty, as in Packer",
                        err.message
                    ),
                );
                d.help = err.help;
                out.push(d);
            }
            match rendered {
                Ok(rendered) => serde_json::Value::String(rendered),
                Err(err) => {
                    // Reported here once: the unrendered text is not judged as a value.
                    unsettled.push(path.to_string());
                    // A variable whose own value failed was reported at its declaration.
                    if !err.message.starts_with("in variable ") {
                        let code = if err.not_supported {
                            Code::NotSupported
                        } else if err.message.starts_with("variable") {
                            Code::Variable
                        } else {
                            Code::Render
                        };
                        let at = match err.at {
                            Some(index) => node.position_in_string(source, index),
                            None => node.at,
                        };
                        let mut d =
                            Diagnostic::error(code, at, path, format!("{} in {s:?}", err.message));
                        d.help = err.help;
                        out.push(d);
                    }
                    serde_json::Value::String(s.clone())
                }
            }
        }
        Value::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    render_tree(
                        n,
                        &format!("{path}[{i}]"),
                        source,
                        ctx,
                        scope,
                        out,
                        unsettled,
                    )
                })
                .collect(),
        ),
        Value::Object(members) => serde_json::Value::Object(
            members
                .iter()
                .map(|m| {
                    (
                        m.key.clone(),
                        render_tree(
                            &m.value,
                            &join(path, &m.key),
                            source,
                            ctx,
                            scope,
                            out,
                            unsettled,
                        ),
                    )
                })
                .collect(),
        ),
        _ => node.to_serde(),
    }
}

/// The path of the object holding the key written at `key_at`.
fn path_of(node: &Node, key_at: Position, path: &str) -> Option<String> {
    match &node.value {
        Value::Object(members) => {
            if members.iter().any(|m| m.key_at == key_at) {
                return Some(path.to_string());
            }
            members
                .iter()
                .find_map(|m| path_of(&m.value, key_at, &join(path, &m.key)))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, n)| path_of(n, key_at, &format!("{path}[{i}]"))),
        _ => None,
    }
}

/// A Go duration (`time.ParseDuration`): `300ms`, `1.5h`, `2h45m`; a bare `0` too.
pub fn valid_duration(text: &str) -> bool {
    go_duration(text).is_some()
}

/// Reads a Go duration (`time.ParseDuration`) as Packer does for `ssh_timeout`,
/// `pause_before` …: `300ms`, `1.5h`, `2h45m`, `0`. Negative durations are `None` here, as
/// no option takes one.
pub fn go_duration(text: &str) -> Option<std::time::Duration> {
    let s = text.strip_prefix('+').unwrap_or(text);
    if s == "0" {
        return Some(std::time::Duration::ZERO);
    }
    if s.is_empty() || s.starts_with('-') {
        return None;
    }
    let mut seconds = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        seconds += value * scale;
        rest = &rest[unit..];
    }
    std::time::Duration::try_from_secs_f64(seconds).ok()
}
