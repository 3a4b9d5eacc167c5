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
    AmazonEbs, AssumeRole, AwsPolling, BlockDevice, Builder, FileProvisioner,
    ManifestPostProcessor, MetadataOptions, PostProcessor, Provisioner, ShellProvisioner,
    SourceAmiFilter, Template, TemporaryVpc, Variable, VariableValue, option_names,
};
use crate::render::{self, RenderContext, RenderError, Scope};
use crate::suggest::did_you_mean;
use crate::variables::{VariableInputs, Variables};

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
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

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

const OTHER_PROVISIONERS: &[&str] = &[
    "ansible",
    "ansible-local",
    "chef-client",
    "chef-solo",
    "puppet-masterless",
    "puppet-server",
    "salt-masterless",
    "goss",
    "inspec",
    "converge",
    "powershell",
    "windows-restart",
    "windows-shell",
    "shell-local",
    "breakpoint",
];

const OTHER_POST_PROCESSORS: &[&str] = &[
    "amazon-import",
    "artifice",
    "checksum",
    "compress",
    "docker-import",
    "docker-push",
    "docker-save",
    "docker-tag",
    "googlecompute-export",
    "googlecompute-import",
    "shell-local",
    "vagrant",
    "vagrant-cloud",
    "vsphere",
    "vsphere-template",
    "ucloud-import",
    "yandex-export",
    "digitalocean-import",
    "exoscale-import",
    "alicloud-import",
];

/// Real amazon-ebs options (Packer and its amazon plugin) this version does not bake yet.
const OTHER_EBS_OPTIONS: &[&str] = &[
    "ami_org_arns",
    "ami_ou_arns",
    "ami_product_codes",
    "ami_virtualization_type",
    "availability_zone",
    "block_duration_minutes",
    "boot_mode",
    "capacity_reservation_group_arn",
    "capacity_reservation_id",
    "capacity_reservation_preference",
    "custom_endpoint_ec2",
    "decode_authorization_messages",
    "deprecate_at",
    "disable_stop_instance",
    "ebs_optimized",
    "enable_nitro_enclave",
    "enable_t2_unlimited",
    "enable_unlimited_credits",
    "fleet_tags",
    "imds_support",
    "insecure_skip_tls_verify",
    "max_retries",
    "mfa_code",
    "pause_before_connecting",
    "pause_before_ssm",
    "placement",
    "run_tag",
    "run_volume_tag",
    "security_group_filter",
    "session_manager_port",
    "shared_credentials_file",
    "skip_create_ami",
    "skip_credential_validation",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_save_build_region",
    "snapshot_groups",
    "snapshot_tag",
    "spot_price_auto_product",
    "spot_tag",
    "spot_tags",
    "ssh_bastion_agent_auth",
    "ssh_bastion_host",
    "ssh_bastion_password",
    "ssh_bastion_port",
    "ssh_bastion_private_key_file",
    "ssh_bastion_username",
    "ssh_certificate_file",
    "ssh_ciphers",
    "ssh_clear_authorized_keys",
    "ssh_disable_agent_forwarding",
    "ssh_file_transfer_method",
    "ssh_handshake_attempts",
    "ssh_keep_alive_interval",
    "ssh_key_exchange_algorithms",
    "ssh_local_tunnels",
    "ssh_proxy_host",
    "ssh_proxy_password",
    "ssh_proxy_port",
    "ssh_proxy_username",
    "ssh_read_write_timeout",
    "ssh_remote_tunnels",
    "ssh_wait_timeout",
    "subnet_filter",
    "tag",
    "temporary_iam_instance_profile_policy_document",
    "temporary_key_pair_name",
    "tenancy",
    "tpm_support",
    "uefi_data",
    "vault_aws_engine",
    "vpc_filter",
    "windows_password_timeout",
    "winrm_host",
    "winrm_insecure",
    "winrm_password",
    "winrm_port",
    "winrm_timeout",
    "winrm_use_ntlm",
    "winrm_use_ssl",
    "winrm_username",
];

/// Options every provisioner takes in Packer that this version does not run yet.
const OTHER_PROVISIONER_OPTIONS: &[&str] = &["override", "timeout", "max_retries"];

/// Real shell provisioner options this version does not run yet.
const OTHER_SHELL_OPTIONS: &[&str] = &[
    "binary",
    "env_var_format",
    "environment_vars_file",
    "remote_file",
    "remote_path",
    "skip_clean",
    "start_retry_timeout",
    "use_env_var_file",
    "valid_exit_codes",
    "pause_after",
];

/// Checks a JSON template. `file` names it in the diagnostics.
pub fn check(file: &str, text: &str, options: &CheckOptions, ctx: &mut RenderContext) -> Checked {
    let mut checker = Checker {
        out: Vec::new(),
        ctx,
        vars: Variables::default(),
        local_file_exists: options.local_file_exists,
    };
    let template = checker.run(text, options);
    let mut diagnostics = checker.out;
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

struct Checker<'a> {
    out: Vec<Diagnostic>,
    ctx: &'a mut RenderContext,
    vars: Variables,
    local_file_exists: Option<fn(&str) -> bool>,
}

/// A builder's name and type, for `{{build_name}}`, `only` and `except`.
struct BuildScope<'a> {
    vars: &'a mut Variables,
    build: Option<(String, String)>,
}

impl Scope for BuildScope<'_> {
    fn user(&mut self, name: &str, ctx: &mut RenderContext) -> Result<String, RenderError> {
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

impl Checker<'_> {
    fn error(
        &mut self,
        code: Code,
        at: Position,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.out.push(Diagnostic::error(code, at, field, message));
        self.out.last_mut().expect("just pushed")
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
            self.vars = Variables::collect(
                root.get("variables"),
                root.get("sensitive-variables"),
                &options.inputs,
                &mut self.out,
            );
            self.vars.render_all(self.ctx, &mut self.out);
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
        }

        let builder_names = self.builders(root, options, &mut template);
        self.provisioners(root, options, &builder_names, &mut template);
        self.post_processors(root, options, &mut template);
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
        };
        let mut problems = Vec::new();
        let value = render_tree(node, path, self.ctx, &mut scope, &mut problems);
        self.out.extend(problems);
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
                    let single: serde_json::Map<_, _> =
                        [(key.clone(), map[&key].clone())].into_iter().collect();
                    if let Err(err) = serde_json::from_value::<T>(serde_json::Value::Object(single))
                    {
                        map.remove(&key);
                        let message = err.to_string();
                        let message = message
                            .split(" at line ")
                            .next()
                            .unwrap_or(&message)
                            .to_string();
                        self.error(
                            Code::WrongType,
                            at_of(node, &key),
                            join(path, &key),
                            format!("\"{key}\": {message}"),
                        );
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
        if items.is_empty() {
            self.error(
                Code::Missing,
                at_of(root, "builders"),
                "builders",
                "at least one builder must be defined",
            )
            .set_help("add {\"type\": \"amazon-ebs\", …} to the list");
        }
        let mut seen: BTreeMap<String, Position> = BTreeMap::new();
        for (i, node) in items.iter().enumerate() {
            let path = format!("builders[{i}]");
            let Some(kind) = self.type_of(node, &path, "builder") else {
                continue;
            };
            let name = match node.get("name") {
                Some(m) => m.value.as_str().unwrap_or(kind).to_string(),
                None => kind.to_string(),
            };
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
            template.builders.push(Builder::AmazonEbs(Box::new(ebs)));
        }
        names
    }

    fn amazon_ebs(&mut self, node: &Node, path: &str, name: &str) -> AmazonEbs {
        let mut known: Vec<&str> = option_names::<AmazonEbs>().to_vec();
        known.push("type");
        self.check_keys(node, path, &known, OTHER_EBS_OPTIONS);
        let nested: [(&str, &[&str]); 5] = [
            ("source_ami_filter", option_names::<SourceAmiFilter>()),
            ("metadata_options", option_names::<MetadataOptions>()),
            ("aws_polling", option_names::<AwsPolling>()),
            ("assume_role", option_names::<AssumeRole>()),
            ("temporary_vpc", option_names::<TemporaryVpc>()),
        ];
        for (key, names) in nested {
            if let Some(m) = node.get(key).filter(|m| m.value.members().is_some()) {
                self.check_keys(&m.value, &join(path, key), names, &[]);
            }
        }
        for key in ["launch_block_device_mappings", "ami_block_device_mappings"] {
            if let Some(items) = node.get(key).and_then(|m| m.value.items()) {
                for (i, item) in items.iter().enumerate() {
                    self.check_keys(
                        item,
                        &format!("{path}.{key}[{i}]"),
                        option_names::<BlockDevice>(),
                        &[],
                    );
                }
            }
        }
        let value = self.render_node(
            node,
            path,
            Some((name.to_string(), "amazon-ebs".to_string())),
        );
        let ebs: AmazonEbs = self.decode(node, value, path);
        self.amazon_ebs_rules(&ebs, node, path);
        ebs
    }

    fn amazon_ebs_rules(&mut self, ebs: &AmazonEbs, node: &Node, path: &str) {
        let at = |key: &str| at_of(node, key);
        let field = |key: &str| join(path, key);
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());

        // Access.
        if !set(&ebs.region) {
            self.error(
                Code::Missing,
                at("region"),
                field("region"),
                "region must be specified",
            )
            .set_help("set \"region\" to the AWS region to bake in, e.g. \"eu-west-1\"");
        }
        let has_secret = ebs
            .secret_key
            .as_ref()
            .is_some_and(|s| !s.expose().is_empty());
        if set(&ebs.access_key) != has_secret {
            let key = if has_secret {
                "secret_key"
            } else {
                "access_key"
            };
            self.error(
                Code::Missing,
                at(key),
                field(key),
                "access_key and secret_key must be set together",
            )
            .set_help("set both, or neither and use a profile or the environment");
        }
        if let Some(role) = &ebs.assume_role
            && !set(&role.role_arn)
        {
            self.error(
                Code::Missing,
                at("assume_role"),
                field("assume_role.role_arn"),
                "assume_role needs a role_arn",
            )
            .set_help("set \"role_arn\": \"arn:aws:iam::123456789012:role/NAME\"");
        }

        // Source.
        let filter_empty = ebs.source_ami_filter.as_ref().is_none_or(|f| {
            f.filters.as_ref().is_none_or(|m| m.is_empty())
                && f.owners.as_ref().is_none_or(|o| o.is_empty())
                && f.most_recent != Some(true)
        });
        if !set(&ebs.source_ami) {
            if filter_empty {
                self.error(Code::Missing, node.at, field("source_ami"), "a source_ami or source_ami_filter must be specified")
                    .set_help("set \"source_ami\": \"ami-…\", or a \"source_ami_filter\" with \"filters\" and \"owners\"");
            } else if ebs.source_ami_filter.as_ref().is_some_and(|f| {
                f.owners
                    .as_ref()
                    .is_none_or(|o| o.iter().all(|o| o.is_empty()))
            }) {
                self.error(
                    Code::Missing,
                    at("source_ami_filter"),
                    field("source_ami_filter.owners"),
                    "For security reasons, your source AMI filter must declare an owner.",
                )
                .set_help("add \"owners\": [\"amazon\"] or the account id that publishes the AMI (e.g. \"099720109477\" for Ubuntu)");
            }
        } else if ebs.source_ami_filter.is_some() && !filter_empty {
            self.warn(
                Code::Deprecated,
                at("source_ami_filter"),
                field("source_ami_filter"),
                "source_ami_filter has no effect when source_ami is set",
            )
            .set_help("remove one of them");
        }

        // Instance.
        let spot_types = ebs
            .spot_instance_types
            .as_ref()
            .is_some_and(|t| !t.is_empty());
        if !set(&ebs.instance_type) && !spot_types {
            self.error(
                Code::Missing,
                at("instance_type"),
                field("instance_type"),
                "either instance_type or spot_instance_types must be specified",
            )
            .set_help("set \"instance_type\", e.g. \"t3.micro\"");
        }
        if set(&ebs.instance_type) && spot_types {
            self.error(Code::Conflict, at("spot_instance_types"), field("spot_instance_types"), "either instance_type or spot_instance_types must be specified, not both")
                .set_help("keep instance_type for one type, or spot_instance_types for a spot request over several");
        }
        let spot = ebs
            .spot_price
            .as_deref()
            .filter(|p| !p.is_empty() && *p != "0");
        if let Some(price) = spot
            && price != "auto"
            && !price.parse::<f64>().is_ok_and(|p| p > 0.0)
        {
            self.error(
                Code::InvalidValue,
                at("spot_price"),
                field("spot_price"),
                format!("spot_price \"{price}\" is not a price"),
            )
            .set_help("write the maximum hourly price in dollars (\"0.05\") or \"auto\"");
        }
        if spot_types && spot.is_none() {
            self.error(
                Code::Missing,
                at("spot_instance_types"),
                field("spot_price"),
                "spot_instance_types needs spot_price",
            )
            .set_help(
                "set \"spot_price\": \"auto\" (or a maximum price) to request a spot instance",
            );
        }
        if set(&ebs.user_data) && set(&ebs.user_data_file) {
            self.error(
                Code::Conflict,
                at("user_data_file"),
                field("user_data_file"),
                "Only one of user_data or user_data_file can be specified.",
            )
            .set_help("remove one of them");
        }
        if let Some(b) = ebs.shutdown_behavior.as_deref().filter(|b| !b.is_empty())
            && b != "stop"
            && b != "terminate"
        {
            self.error(
                Code::InvalidValue,
                at("shutdown_behavior"),
                field("shutdown_behavior"),
                "shutdown_behavior only accepts 'stop' or 'terminate' values.",
            );
        }
        if let Some(md) = &ebs.metadata_options {
            let base = field("metadata_options");
            let md_at = at("metadata_options");
            let checks: [(&str, &Option<String>, [&str; 2]); 3] = [
                ("http_endpoint", &md.http_endpoint, ["enabled", "disabled"]),
                ("http_tokens", &md.http_tokens, ["optional", "required"]),
                (
                    "instance_metadata_tags",
                    &md.instance_metadata_tags,
                    ["enabled", "disabled"],
                ),
            ];
            for (key, value, allowed) in checks {
                if let Some(v) = value
                    .as_deref()
                    .filter(|v| !v.is_empty() && !allowed.contains(v))
                {
                    self.error(
                        Code::InvalidValue,
                        md_at,
                        join(&base, key),
                        format!(
                            "{key} requires either {} or {} as its value, not \"{v}\"",
                            allowed[0], allowed[1]
                        ),
                    );
                }
            }
            if md
                .http_put_response_hop_limit
                .is_some_and(|n| !(1..=64).contains(&n))
            {
                self.error(
                    Code::InvalidValue,
                    md_at,
                    join(&base, "http_put_response_hop_limit"),
                    "http_put_response_hop_limit requires a number between 1 and 64",
                );
            }
        }
        for key in ["launch_block_device_mappings", "ami_block_device_mappings"] {
            let devices = if key == "launch_block_device_mappings" {
                &ebs.launch_block_device_mappings
            } else {
                &ebs.ami_block_device_mappings
            };
            let items = node
                .get(key)
                .and_then(|m| m.value.items())
                .unwrap_or_default();
            for (i, device) in devices.iter().flatten().enumerate() {
                let device_at = items.get(i).map(|n| n.at).unwrap_or(at(key));
                self.block_device_rules(device, device_at, &format!("{path}.{key}[{i}]"));
            }
        }

        // Network.
        if set(&ebs.security_group_id)
            && ebs
                .security_group_ids
                .as_ref()
                .is_some_and(|v| !v.is_empty())
        {
            self.error(
                Code::Conflict,
                at("security_group_ids"),
                field("security_group_ids"),
                "Only one of security_group_id or security_group_ids can be specified.",
            )
            .set_help("put every group in security_group_ids");
        }
        let existing_groups = set(&ebs.security_group_id)
            || ebs
                .security_group_ids
                .as_ref()
                .is_some_and(|v| !v.is_empty());
        for key in [
            "temporary_security_group_source_cidrs",
            "temporary_security_group_source_public_ip",
        ] {
            if existing_groups && node.get(key).is_some() {
                self.warn(Code::Deprecated, at(key), field(key), format!("{key} has no effect: no temporary security group is created when security groups are given"))
                    .set_help(format!("remove {key}, or the security group settings"));
            }
        }
        for (i, cidr) in ebs
            .temporary_security_group_source_cidrs
            .iter()
            .flatten()
            .enumerate()
        {
            if !valid_cidr(cidr) {
                self.error(Code::InvalidValue, at("temporary_security_group_source_cidrs"), format!("{path}.temporary_security_group_source_cidrs[{i}]"), format!("Error parsing CIDR in temporary_security_group_source_cidrs: invalid CIDR address: {cidr}"))
                    .set_help("write an address range like \"203.0.113.0/24\"");
            }
        }
        if let Some(vpc) = &ebs.temporary_vpc {
            for key in ["vpc_id", "subnet_id"] {
                if node.get(key).is_some() {
                    self.error(Code::Conflict, at(key), field(key), format!("{key} and temporary_vpc can't be used together: temporary_vpc creates its own network"))
                        .set_help(format!("remove {key} or temporary_vpc"));
                }
            }
            for (key, value) in [
                ("cidr_block", &vpc.cidr_block),
                ("subnet_cidr_block", &vpc.subnet_cidr_block),
            ] {
                if let Some(cidr) = value
                    .as_deref()
                    .filter(|c| !valid_cidr(c) || c.contains(':'))
                {
                    self.error(
                        Code::InvalidValue,
                        at("temporary_vpc"),
                        format!("{path}.temporary_vpc.{key}"),
                        format!("{key} \"{cidr}\" is not an IPv4 address range"),
                    )
                    .set_help("write a range like \"10.42.0.0/16\"");
                }
            }
        }

        // SSH.
        let communicator = ebs.communicator.as_deref().unwrap_or("ssh");
        match communicator {
            "ssh" | "" => {
                if !set(&ebs.ssh_username) {
                    self.error(Code::Missing, at("ssh_username"), field("ssh_username"), "An ssh_username must be specified")
                        .set_help("set the login user of the source AMI, e.g. \"ec2-user\" (Amazon Linux), \"ubuntu\", \"admin\" (Debian)");
                }
            }
            "none" => {}
            "winrm" => {
                self.error(Code::NotSupported, at("communicator"), field("communicator"), "the winrm communicator is not supported yet")
                    .set_help("AMI Bakery reaches instances over SSH; bake Windows images with Packer for now");
            }
            other => {
                self.error(
                    Code::InvalidValue,
                    at("communicator"),
                    field("communicator"),
                    format!("unknown communicator \"{other}\""),
                )
                .set_help("use \"ssh\" or \"none\"");
            }
        }
        if let Some(kind) = ebs
            .temporary_key_pair_type
            .as_deref()
            .filter(|k| !k.is_empty())
            && kind != "rsa"
            && kind != "ed25519"
        {
            self.error(
                Code::InvalidValue,
                at("temporary_key_pair_type"),
                field("temporary_key_pair_type"),
                "temporary_key_pair_type requires either rsa or ed25519 as its value",
            );
        }
        match ebs.ssh_interface.as_deref().unwrap_or("") {
            "" | "public_ip" | "private_ip" | "public_dns" | "private_dns" => {}
            "session_manager" => {
                self.error(
                    Code::NotSupported,
                    at("ssh_interface"),
                    field("ssh_interface"),
                    "ssh_interface \"session_manager\" is not supported yet",
                )
                .set_help("use public_ip, private_ip, public_dns or private_dns");
            }
            other => {
                self.error(
                    Code::InvalidValue,
                    at("ssh_interface"),
                    field("ssh_interface"),
                    format!("Unknown interface type: {other}"),
                )
                .set_help("use public_ip, private_ip, public_dns or private_dns");
            }
        }
        if set(&ebs.ssh_keypair_name)
            && !set(&ebs.ssh_private_key_file)
            && ebs.ssh_agent_auth != Some(true)
        {
            self.error(Code::Missing, at("ssh_keypair_name"), field("ssh_private_key_file"), "ssh_private_key_file must be provided or ssh_agent_auth enabled when ssh_keypair_name is specified.")
                .set_help("set \"ssh_private_key_file\" to the key pair's private key, or \"ssh_agent_auth\": true");
        }
        self.local_file(
            ebs.user_data_file.as_deref(),
            at("user_data_file"),
            &field("user_data_file"),
            "user_data_file",
        );
        self.local_file(
            ebs.ssh_private_key_file.as_deref(),
            at("ssh_private_key_file"),
            &field("ssh_private_key_file"),
            "ssh_private_key_file",
        );
        if let Some(timeout) = &ebs.ssh_timeout {
            self.duration(timeout, at("ssh_timeout"), &field("ssh_timeout"));
        }
        if ebs.ssh_private_ip.is_some() {
            self.warn(
                Code::Deprecated,
                at("ssh_private_ip"),
                field("ssh_private_ip"),
                "ssh_private_ip is deprecated",
            )
            .set_help("use \"ssh_interface\": \"private_ip\" instead");
        }

        // Image.
        match ebs.ami_name.as_deref() {
            None | Some("") => {
                self.error(
                    Code::Missing,
                    at("ami_name"),
                    field("ami_name"),
                    "ami_name must be specified",
                )
                .set_help("set \"ami_name\", e.g. \"web {{timestamp}}\": unique per bake");
            }
            Some(name) => {
                let known_now = render::without_build_time_actions(name);
                let complete = known_now.len() == name.len();
                let length = name.chars().count();
                if complete && !(3..=128).contains(&length) {
                    self.error(
                        Code::InvalidValue,
                        at("ami_name"),
                        field("ami_name"),
                        format!(
                            "ami_name must be between 3 and 128 characters long (it has {length})"
                        ),
                    );
                }
                if let Some(bad) = known_now.chars().find(|c| !render::ami_name_char(*c)) {
                    self.error(
                        Code::InvalidValue,
                        at("ami_name"),
                        field("ami_name"),
                        "AMIName should only contain alphanumeric characters, parentheses (()), square brackets ([]), spaces ( ), periods (.), slashes (/), dashes (-), single quotes ('), at-signs (@), or underscores(_). You can use the `clean_resource_name` template filter to automatically clean your ami name.",
                    )
                    .set_help(format!("{bad:?} is not allowed; e.g. \"{{{{isotime | clean_resource_name}}}}\" or remove it"));
                }
            }
        }
        let kms = set(&ebs.kms_key_id);
        let region_kms = ebs
            .region_kms_key_ids
            .as_ref()
            .is_some_and(|m| !m.is_empty());
        if (kms || region_kms) && ebs.encrypt_boot != Some(true) {
            let key = if kms {
                "kms_key_id"
            } else {
                "region_kms_key_ids"
            };
            self.error(Code::Conflict, at(key), field(key), "If you have set either region_kms_key_ids or kms_key_id, encrypt_boot must also be true.")
                .set_help("add \"encrypt_boot\": true, or remove the key");
        }
        if let Some(key) = ebs
            .kms_key_id
            .as_deref()
            .filter(|k| !k.is_empty() && !valid_kms_key(k))
        {
            self.error(
                Code::InvalidValue,
                at("kms_key_id"),
                field("kms_key_id"),
                format!("\"{key}\" is not a valid KMS Key Id."),
            )
            .set_help(
                "write a key id, \"alias/NAME\", or an ARN \"arn:aws:kms:REGION:ACCOUNT:key/ID\"",
            );
        }
        for (region, key) in ebs.region_kms_key_ids.iter().flatten() {
            if !key.is_empty() && !valid_kms_key(key) {
                self.error(
                    Code::InvalidValue,
                    at("region_kms_key_ids"),
                    format!("{path}.region_kms_key_ids.{region}"),
                    format!("\"{key}\" is not a valid KMS Key Id."),
                );
            }
        }
        if region_kms {
            let keys = ebs.region_kms_key_ids.as_ref().expect("checked above");
            let copies = ebs.ami_regions.as_deref().unwrap_or_default();
            for region in keys.keys() {
                if !copies.contains(region) {
                    self.error(Code::InvalidValue, at("region_kms_key_ids"), format!("{path}.region_kms_key_ids.{region}"), format!("Region {region} is in region_kms_key_ids but not in ami_regions"))
                        .set_help(format!("add {region} to ami_regions, or remove its key (kms_key_id encrypts the image in the build region)"));
                }
            }
            for region in ebs.ami_regions.iter().flatten() {
                if !keys.contains_key(region) {
                    self.error(
                        Code::Missing,
                        at("region_kms_key_ids"),
                        field("region_kms_key_ids"),
                        format!("Region {region} is in ami_regions but not in region_kms_key_ids"),
                    )
                    .set_help(format!(
                        "add \"{region}\": \"alias/…\" to region_kms_key_ids"
                    ));
                }
            }
        }
        let mut regions_seen: Vec<&str> = Vec::new();
        for region in ebs.ami_regions.iter().flatten() {
            if regions_seen.contains(&region.as_str()) {
                self.warn(
                    Code::Deprecated,
                    at("ami_regions"),
                    field("ami_regions"),
                    format!("{region} is listed twice in ami_regions"),
                );
            } else if ebs.region.as_deref() == Some(region.as_str()) {
                self.warn(
                    Code::Deprecated,
                    at("ami_regions"),
                    field("ami_regions"),
                    format!(
                        "{region} is the build region: the AMI is already there and is not copied"
                    ),
                )
                .set_help(format!("remove {region} from ami_regions"));
            }
            regions_seen.push(region);
        }
        for (key, accounts) in [
            ("ami_users", &ebs.ami_users),
            ("snapshot_users", &ebs.snapshot_users),
        ] {
            for (i, account) in accounts.iter().flatten().enumerate() {
                if !(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())) {
                    self.error(
                        Code::InvalidValue,
                        at(key),
                        format!("{path}.{key}[{i}]"),
                        format!("\"{account}\" is not an AWS account id"),
                    )
                    .set_help("an account id has 12 digits, e.g. \"123456789012\"");
                }
            }
        }
        for (i, group) in ebs.ami_groups.iter().flatten().enumerate() {
            if group != "all" {
                self.error(Code::InvalidValue, at("ami_groups"), format!("{path}.ami_groups[{i}]"), format!("\"{group}\" is not a launch permission group"))
                    .set_help("the only group AWS knows is \"all\" (public); share with accounts through ami_users");
            }
        }
        if ebs.force_delete_snapshot == Some(true) && ebs.force_deregister != Some(true) {
            self.warn(
                Code::Deprecated,
                at("force_delete_snapshot"),
                field("force_delete_snapshot"),
                "force_delete_snapshot has no effect without force_deregister",
            )
            .set_help("add \"force_deregister\": true, or remove force_delete_snapshot");
        }
    }

    fn block_device_rules(&mut self, device: &BlockDevice, at: Position, path: &str) {
        let field = |key: &str| join(path, key);
        if device.device_name.as_deref().is_none_or(str::is_empty) {
            self.error(
                Code::Missing,
                at,
                field("device_name"),
                "The `device_name` must be specified for every device in the block device mapping.",
            )
            .set_help(
                "e.g. \"/dev/xvda\" (Amazon Linux) or \"/dev/sda1\" (Ubuntu) for the root volume",
            );
        }
        let kind = device.volume_type.as_deref().unwrap_or("");
        if !["", "gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"].contains(&kind) {
            self.error(
                Code::InvalidValue,
                at,
                field("volume_type"),
                format!("unknown volume_type \"{kind}\""),
            )
            .set_help("use gp3, gp2, io1, io2, st1, sc1 or standard");
        }
        if device.iops.is_some() && !["io1", "io2", "gp3"].contains(&kind) {
            self.error(
                Code::InvalidValue,
                at,
                field("iops"),
                "iops is only valid for io1, io2 and gp3 volumes",
            )
            .set_help("set \"volume_type\" to gp3, io1 or io2, or remove iops");
        }
        if let Some(throughput) = device.throughput {
            if kind != "gp3" {
                self.error(
                    Code::InvalidValue,
                    at,
                    field("throughput"),
                    "throughput is only valid for gp3 volumes",
                );
            } else if !(125..=1000).contains(&throughput) {
                self.error(
                    Code::InvalidValue,
                    at,
                    field("throughput"),
                    "Throughput must be between 125 and 1000",
                );
            }
        }
        if device.kms_key_id.as_deref().is_some_and(|k| !k.is_empty())
            && device.encrypted != Some(true)
        {
            self.error(
                Code::Conflict,
                at,
                field("kms_key_id"),
                "a device with a kms_key_id must also have `encrypted: true`",
            )
            .set_help("add \"encrypted\": true");
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
        self.error(Code::LocalFile, at, field, format!("{what} {file:?} does not exist"))
            .set_help("paths are relative to the current directory; use {{template_dir}}/… for files beside the template");
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

    fn only_except_rules(
        &mut self,
        only: Option<&[String]>,
        except: Option<&[String]>,
        node: &Node,
        path: &str,
        builders: &[String],
    ) {
        if only.is_some_and(|o| !o.is_empty()) && except.is_some_and(|e| !e.is_empty()) {
            self.error(
                Code::Conflict,
                at_of(node, "except"),
                join(path, "except"),
                "Only one of 'only' or 'except' may be specified.",
            );
        }
        for (key, list) in [("only", only), ("except", except)] {
            for (i, name) in list.into_iter().flatten().enumerate() {
                if !builders.contains(name) {
                    let near = did_you_mean(name, builders.iter().map(String::as_str));
                    self.error(
                        Code::InvalidValue,
                        at_of(node, key),
                        format!("{path}.{key}[{i}]"),
                        format!("'{key}' specified builder '{name}' not found"),
                    )
                    .set_help(match near {
                        Some(near) => format!("did you mean '{near}'?"),
                        None => format!("builders are: {}", builders.join(", ")),
                    });
                }
            }
        }
    }

    fn provisioners(
        &mut self,
        root: &Node,
        options: &CheckOptions,
        builders: &[String],
        template: &mut Template,
    ) {
        let Some(items) = self.list(root, "provisioners") else {
            return;
        };
        for (i, node) in items.iter().enumerate() {
            let path = format!("provisioners[{i}]");
            let Some(kind) = self.type_of(node, &path, "provisioner") else {
                continue;
            };
            if options.syntax_only {
                continue;
            }
            if kind != "shell" && kind != "file" {
                self.unsupported_type(
                    at_of(node, "type"),
                    &path,
                    "provisioner",
                    kind,
                    &["shell", "file"],
                    OTHER_PROVISIONERS,
                );
                continue;
            }
            let build = builders
                .first()
                .map(|n| (n.clone(), "amazon-ebs".to_string()));
            let provisioner = if kind == "shell" {
                let mut known = option_names::<ShellProvisioner>().to_vec();
                known.push("type");
                let other: Vec<&str> = OTHER_PROVISIONER_OPTIONS
                    .iter()
                    .chain(OTHER_SHELL_OPTIONS)
                    .copied()
                    .collect();
                self.check_keys(node, &path, &known, &other);
                let value = self.render_node(node, &path, build);
                let shell: ShellProvisioner = self.decode(node, value, &path);
                self.shell_rules(&shell, node, &path);
                self.only_except_rules(
                    shell.only.as_deref(),
                    shell.except.as_deref(),
                    node,
                    &path,
                    builders,
                );
                Provisioner::Shell(shell)
            } else {
                let mut known = option_names::<FileProvisioner>().to_vec();
                known.push("type");
                self.check_keys(node, &path, &known, OTHER_PROVISIONER_OPTIONS);
                let value = self.render_node(node, &path, build);
                let file: FileProvisioner = self.decode(node, value, &path);
                self.file_rules(&file, node, &path);
                self.only_except_rules(
                    file.only.as_deref(),
                    file.except.as_deref(),
                    node,
                    &path,
                    builders,
                );
                Provisioner::File(file)
            };
            template.provisioners.push(provisioner);
        }
    }

    fn shell_rules(&mut self, shell: &ShellProvisioner, node: &Node, path: &str) {
        let given: Vec<&str> = [
            (
                "inline",
                shell.inline.as_ref().is_some_and(|v| !v.is_empty()),
            ),
            (
                "script",
                shell.script.as_deref().is_some_and(|s| !s.is_empty()),
            ),
            (
                "scripts",
                shell.scripts.as_ref().is_some_and(|v| !v.is_empty()),
            ),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect();
        match given.as_slice() {
            [] => {
                self.error(Code::Missing, node.at, join(path, "inline"), "Either a script file or inline script must be specified.")
                    .set_help("add \"inline\": [\"command\", …], \"script\": \"file.sh\" or \"scripts\": [\"a.sh\", …]");
            }
            [_] => {}
            [_, second, ..] => {
                self.error(
                    Code::Conflict,
                    at_of(node, second),
                    join(path, second),
                    format!(
                        "Only one of inline, script or scripts can be specified (found {})",
                        given.join(" and ")
                    ),
                )
                .set_help("keep one of them");
            }
        }
        for (i, var) in shell.environment_vars.iter().flatten().enumerate() {
            if !var.contains('=') || var.starts_with('=') {
                self.error(
                    Code::InvalidValue,
                    at_of(node, "environment_vars"),
                    format!("{path}.environment_vars[{i}]"),
                    format!("Environment variable not in format 'key=value': {var}"),
                );
            }
        }
        if let Some(command) = &shell.execute_command
            && !command.contains(".Path")
        {
            self.warn(
                Code::InvalidValue,
                at_of(node, "execute_command"),
                join(path, "execute_command"),
                "execute_command never runs the script: it has no {{ .Path }}",
            )
            .set_help("e.g. \"chmod +x {{ .Path }}; {{ .Vars }} sudo -E {{ .Path }}\"");
        }
        self.local_file(
            shell.script.as_deref(),
            at_of(node, "script"),
            &join(path, "script"),
            "script",
        );
        for (i, script) in shell.scripts.iter().flatten().enumerate() {
            self.local_file(
                Some(script),
                at_of(node, "scripts"),
                &format!("{path}.scripts[{i}]"),
                "script",
            );
        }
        if let Some(pause) = &shell.pause_before {
            self.duration(
                pause,
                at_of(node, "pause_before"),
                &join(path, "pause_before"),
            );
        }
    }

    fn file_rules(&mut self, file: &FileProvisioner, node: &Node, path: &str) {
        let source = file.source.as_deref().is_some_and(|s| !s.is_empty());
        let sources = file.sources.as_ref().is_some_and(|s| !s.is_empty());
        match (source, sources) {
            (false, false) => {
                self.error(
                    Code::Missing,
                    node.at,
                    join(path, "source"),
                    "One of source or sources must be specified.",
                )
                .set_help("add \"source\": \"local/file\"");
            }
            (true, true) => {
                self.error(
                    Code::Conflict,
                    at_of(node, "sources"),
                    join(path, "sources"),
                    "Only one of source or sources can be specified.",
                )
                .set_help("put every file in sources");
            }
            _ => {}
        }
        if file.destination.as_deref().is_none_or(str::is_empty) {
            self.error(
                Code::Missing,
                at_of(node, "destination"),
                join(path, "destination"),
                "Destination must be specified.",
            )
            .set_help("set \"destination\" to a path on the instance, e.g. \"/tmp/\"");
        }
        match file.direction.as_deref().unwrap_or("upload") {
            "upload" | "" => {}
            "download" => {
                if sources {
                    self.error(
                        Code::Conflict,
                        at_of(node, "sources"),
                        join(path, "sources"),
                        "a download takes one source, not sources",
                    );
                }
            }
            other => {
                self.error(
                    Code::InvalidValue,
                    at_of(node, "direction"),
                    join(path, "direction"),
                    format!("Direction must be one of: download, upload (not \"{other}\")"),
                );
            }
        }
        if file.direction.as_deref() != Some("download") {
            self.local_file(
                file.source.as_deref(),
                at_of(node, "source"),
                &join(path, "source"),
                "source",
            );
            for (i, source) in file.sources.iter().flatten().enumerate() {
                self.local_file(
                    Some(source),
                    at_of(node, "sources"),
                    &format!("{path}.sources[{i}]"),
                    "source",
                );
            }
        }
        if let Some(pause) = &file.pause_before {
            self.duration(
                pause,
                at_of(node, "pause_before"),
                &join(path, "pause_before"),
            );
        }
    }

    fn post_processors(&mut self, root: &Node, options: &CheckOptions, template: &mut Template) {
        let Some(items) = self.list(root, "post-processors") else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let path = format!("post-processors[{i}]");
            let chain: Vec<(&Node, String)> = match item.items() {
                Some(chain) => chain
                    .iter()
                    .enumerate()
                    .map(|(j, n)| (n, format!("{path}[{j}]")))
                    .collect(),
                None => vec![(item, path.clone())],
            };
            let mut built = Vec::new();
            for (node, path) in chain {
                let kind = match node.as_str() {
                    Some(kind) => kind,
                    None => match self.type_of(node, &path, "post-processor") {
                        Some(kind) => kind,
                        None => continue,
                    },
                };
                if options.syntax_only {
                    continue;
                }
                let type_at = if node.as_str().is_some() {
                    node.at
                } else {
                    at_of(node, "type")
                };
                if kind != "manifest" {
                    self.unsupported_type(
                        type_at,
                        &path,
                        "post-processor",
                        kind,
                        &["manifest"],
                        OTHER_POST_PROCESSORS,
                    );
                    continue;
                }
                if node.as_str().is_some() {
                    built.push(PostProcessor::Manifest(ManifestPostProcessor::default()));
                    continue;
                }
                let mut known = option_names::<ManifestPostProcessor>().to_vec();
                known.push("type");
                self.check_keys(
                    node,
                    &path,
                    &known,
                    &["only", "except", "name", "strip_time"],
                );
                let value = self.render_node(node, &path, None);
                let manifest: ManifestPostProcessor = self.decode(node, value, &path);
                built.push(PostProcessor::Manifest(manifest));
            }
            if !built.is_empty() {
                template.post_processors.push(built);
            }
        }
    }
}

/// Renders every string of a tree; problems are located at the string.
fn render_tree(
    node: &Node,
    path: &str,
    ctx: &mut RenderContext,
    scope: &mut BuildScope<'_>,
    out: &mut Vec<Diagnostic>,
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
            match render::render(s, ctx, scope) {
                Ok(rendered) => serde_json::Value::String(rendered),
                Err(err) => {
                    // A variable whose own value failed was reported at its declaration.
                    if !err.message.starts_with("in variable ") {
                        let code = if err.not_supported {
                            Code::NotSupported
                        } else if err.message.starts_with("variable") {
                            Code::Variable
                        } else {
                            Code::Render
                        };
                        let mut d = Diagnostic::error(
                            code,
                            node.at,
                            path,
                            format!("{} in {s:?}", err.message),
                        );
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
                .map(|(i, n)| render_tree(n, &format!("{path}[{i}]"), ctx, scope, out))
                .collect(),
        ),
        Value::Object(members) => serde_json::Value::Object(
            members
                .iter()
                .map(|m| {
                    (
                        m.key.clone(),
                        render_tree(&m.value, &join(path, &m.key), ctx, scope, out),
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
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    if s == "0" {
        return true;
    }
    if s.is_empty() {
        return false;
    }
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !["ns", "us", "µs", "μs", "ms", "s", "m", "h"].contains(&&rest[..unit]) {
            return false;
        }
        rest = &rest[unit..];
    }
    true
}

/// An IPv4 or IPv6 address range, `address/prefix`.
pub fn valid_cidr(text: &str) -> bool {
    let Some((address, prefix)) = text.split_once('/') else {
        return false;
    };
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => prefix <= 32,
        Ok(std::net::IpAddr::V6(_)) => prefix <= 128,
        Err(_) => false,
    }
}

/// A KMS key id, alias, or key/alias ARN, as Packer accepts them.
pub fn valid_kms_key(key: &str) -> bool {
    let key_id = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase() || b == b'-')
    };
    let alias = |s: &str| {
        s.strip_prefix("alias/").is_some_and(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b":/_-".contains(&b))
        })
    };
    if key_id(key) || alias(key) {
        return true;
    }
    let parts: Vec<&str> = key.splitn(6, ':').collect();
    if let [arn, partition, kms, _region, account, resource] = parts.as_slice() {
        return *arn == "arn"
            && partition.starts_with("aws")
            && *kms == "kms"
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && (resource.strip_prefix("key/").is_some_and(key_id) || alias(resource));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn run(text: &str) -> Checked {
        check(
            "t.json",
            text,
            &CheckOptions::default(),
            &mut RenderContext::fixed(),
        )
    }

    fn run_with(text: &str, vars: &[(&str, &str)]) -> Checked {
        let options = CheckOptions {
            inputs: VariableInputs {
                vars: vars
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            },
            ..Default::default()
        };
        check("t.json", text, &options, &mut RenderContext::fixed())
    }

    /// A valid amazon-ebs builder with `extra` members added (or replaced).
    fn ebs(extra: &str) -> String {
        let base = r#""type": "amazon-ebs", "region": "eu-west-1", "source_ami": "ami-0123", "instance_type": "t3.micro", "ssh_username": "ec2-user", "ami_name": "web {{timestamp}}""#;
        let mut members: Vec<String> = Vec::new();
        let extra_keys: Vec<String> = if extra.is_empty() {
            Vec::new()
        } else {
            json::parse(&format!("{{{extra}}}"))
                .unwrap()
                .root
                .members()
                .unwrap()
                .iter()
                .map(|m| m.key.clone())
                .collect()
        };
        for part in base.split(", ") {
            let key = part.split('"').nth(1).unwrap();
            if !extra_keys.iter().any(|k| k == key) {
                members.push(part.to_string());
            }
        }
        if !extra.is_empty() {
            members.push(extra.to_string());
        }
        format!("{{\"builders\": [{{{}}}]}}", members.join(", "))
    }

    fn messages(checked: &Checked) -> Vec<String> {
        checked.errors().map(|d| d.message.clone()).collect()
    }

    fn only_error(extra: &str) -> Diagnostic {
        let checked = run(&ebs(extra));
        let errors: Vec<&Diagnostic> = checked.errors().collect();
        assert_eq!(errors.len(), 1, "{extra}: {errors:#?}");
        errors[0].clone()
    }

    #[test]
    fn a_minimal_builder_is_valid_and_rendered() {
        let checked = run(&ebs(""));
        assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
        let template = checked.template.unwrap();
        let Builder::AmazonEbs(b) = &template.builders[0];
        assert_eq!(b.ami_name.as_deref(), Some("web 1741064767"));
    }

    #[test]
    fn required_fields_are_all_reported() {
        let checked = run(r#"{"builders": [{"type": "amazon-ebs"}]}"#);
        let fields: Vec<&str> = checked.errors().map(|d| d.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "builders[0].region",
                "builders[0].source_ami",
                "builders[0].instance_type",
                "builders[0].ssh_username",
                "builders[0].ami_name"
            ]
        );
    }

    #[test]
    fn ssh_username_is_not_needed_without_a_communicator() {
        let checked = run(&ebs(r#""communicator": "none", "ssh_username": """#));
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        assert_eq!(
            only_error(r#""communicator": "winrm""#).code,
            Code::NotSupported
        );
    }

    #[test]
    fn ami_name_length_and_characters() {
        let d = only_error(r#""ami_name": "ab""#);
        assert!(d.message.contains("between 3 and 128"));
        let d = only_error(&format!(r#""ami_name": "{}""#, "a".repeat(129)));
        assert!(d.message.contains("between 3 and 128"));
        let d = only_error(r#""ami_name": "web {{isotime}}""#);
        assert!(d.message.starts_with("AMIName should only contain"));
        assert_eq!(d.field, "builders[0].ami_name");
        assert!(
            run(&ebs(
                r#""ami_name": "web {{isotime | clean_resource_name}}""#
            ))
            .is_valid()
        );
        assert!(run(&ebs(r#""ami_name": "web-{{ .SourceAMIName }}""#)).is_valid());
        assert!(run(&ebs(r#""ami_name": "Web (x) [y] a.b/c-d'e@f_g""#)).is_valid());
    }

    #[test]
    fn source_ami_filter_needs_owners() {
        let d = only_error(
            r#""source_ami": "", "source_ami_filter": {"filters": {"name": "al2023-*"}, "most_recent": true}"#,
        );
        assert_eq!(
            d.message,
            "For security reasons, your source AMI filter must declare an owner."
        );
        let checked = run(&ebs(
            r#""source_ami": "", "source_ami_filter": {"filters": {"name": "al2023-*"}, "owners": ["amazon"], "most_recent": true}"#,
        ));
        assert!(checked.is_valid());
        let d = only_error(r#""source_ami": "", "source_ami_filter": {}"#);
        assert!(d.message.contains("source_ami or source_ami_filter"));
    }

    #[test]
    fn kms_key_needs_encrypt_boot_and_a_valid_id() {
        let d = only_error(r#""kms_key_id": "alias/images""#);
        assert!(d.message.contains("encrypt_boot must also be true"));
        assert!(
            run(&ebs(
                r#""kms_key_id": "alias/images", "encrypt_boot": "true""#
            ))
            .is_valid()
        );
        let d = only_error(r#""kms_key_id": "k", "encrypt_boot": true"#);
        assert!(d.message.contains("not a valid KMS Key Id"));
        let d = only_error(
            r#""region_kms_key_ids": {"us-east-1": "alias/a"}, "encrypt_boot": true, "ami_regions": ["us-east-1", "us-west-2"]"#,
        );
        assert!(d.message.contains("us-west-2 is in ami_regions"));
        assert!(valid_kms_key("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(valid_kms_key(
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab"
        ));
        assert!(valid_kms_key(
            "arn:aws:kms:us-east-1:123456789012:alias/images"
        ));
        assert!(!valid_kms_key("arn:aws:kms:us-east-1:1234:key/12"));
    }

    #[test]
    fn mutually_exclusive_options() {
        for (extra, message) in [
            (
                r#""security_group_id": "sg-1", "security_group_ids": ["sg-2"]"#,
                "security_group_id or security_group_ids",
            ),
            (
                r#""user_data": "x", "user_data_file": "u.sh""#,
                "user_data or user_data_file",
            ),
            (
                r#""spot_instance_types": ["t3.micro"], "spot_price": "auto""#,
                "not both",
            ),
            (
                r#""temporary_vpc": {}, "subnet_id": "subnet-1""#,
                "temporary_vpc",
            ),
        ] {
            let d = only_error(extra);
            assert!(d.message.contains(message), "{extra}: {}", d.message);
            assert_eq!(d.code, Code::Conflict);
        }
    }

    #[test]
    fn spot_rules() {
        assert!(run(&ebs(r#""instance_type": "", "spot_instance_types": ["t3.micro", "t3a.micro"], "spot_price": "auto""#)).is_valid());
        let d = only_error(r#""instance_type": "", "spot_instance_types": ["t3.micro"]"#);
        assert!(d.message.contains("needs spot_price"));
        let d = only_error(r#""spot_price": "cheap""#);
        assert!(d.message.contains("not a price"));
        assert!(run(&ebs(r#""spot_price": "0.05""#)).is_valid());
    }

    #[test]
    fn enumerated_values() {
        for extra in [
            r#""shutdown_behavior": "pause""#,
            r#""temporary_key_pair_type": "dsa""#,
            r#""ssh_interface": "ipv6""#,
            r#""metadata_options": {"http_tokens": "always"}"#,
            r#""metadata_options": {"http_put_response_hop_limit": 65}"#,
            r#""ssh_timeout": "5 minutes""#,
            r#""temporary_security_group_source_cidrs": ["10.0.0.0/33"]"#,
            r#""ami_users": ["12345"]"#,
            r#""ami_groups": ["everyone"]"#,
            r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "gp9"}]"#,
            r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "gp2", "iops": 3000}]"#,
            r#""launch_block_device_mappings": [{"volume_size": 20}]"#,
            r#""ami_block_device_mappings": [{"device_name": "/dev/sdb", "kms_key_id": "alias/x"}]"#,
            r#""ssh_keypair_name": "mine""#,
            r#""access_key": "AKIA1""#,
            r#""assume_role": {"session_name": "x"}"#,
        ] {
            let d = only_error(extra);
            assert!(d.field.starts_with("builders[0]."), "{extra}: {d:?}");
        }
        for extra in [
            r#""shutdown_behavior": "terminate", "temporary_key_pair_type": "ed25519", "ssh_interface": "private_ip""#,
            r#""metadata_options": {"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 2}"#,
            r#""ssh_timeout": "1h2m3.5s", "temporary_security_group_source_cidrs": ["203.0.113.0/24", "2001:db8::/32"]"#,
            r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "gp3", "volume_size": "20", "iops": 3000, "throughput": 125, "delete_on_termination": true}]"#,
            r#""ssh_keypair_name": "mine", "ssh_agent_auth": true"#,
            r#""access_key": "AKIA1", "secret_key": "s", "ami_users": ["123456789012"], "ami_groups": ["all"]"#,
        ] {
            let checked = run(&ebs(extra));
            assert!(checked.is_valid(), "{extra}: {:#?}", checked.diagnostics);
        }
    }

    #[test]
    fn unknown_keys_get_a_suggestion_and_real_options_are_not_supported_yet() {
        let d = only_error(r#""regoin": "eu-west-1""#);
        assert_eq!(d.code, Code::UnknownKey);
        assert_eq!(d.help.as_deref(), Some("did you mean \"region\"?"));
        let d = only_error(r#""ebs_optimized": true"#);
        assert_eq!(d.code, Code::NotSupported);
        let d = only_error(
            r#""source_ami_filter": {"filters": {}, "owner": ["amazon"]}, "source_ami": "ami-1""#,
        );
        assert_eq!(d.field, "builders[0].source_ami_filter.owner");
        assert_eq!(d.help.as_deref(), Some("did you mean \"owners\"?"));
    }

    #[test]
    fn wrong_types_are_located_and_the_rest_is_decoded() {
        let checked = run(&ebs(
            r#""ssh_port": "twenty-two", "tags": ["a"], "encrypt_boot": "yes""#,
        ));
        let errors: Vec<&Diagnostic> = checked.errors().collect();
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors.iter().all(|d| d.code == Code::WrongType));
        let Builder::AmazonEbs(b) = &checked.template.unwrap().builders[0];
        assert_eq!(b.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn warnings_for_deprecated_and_no_op_options() {
        let checked = run(&ebs(
            r#""ssh_private_ip": true, "ami_name": "x {{clean_ami_name `a:b`}}", "force_delete_snapshot": true, "security_group_id": "sg-1", "temporary_security_group_source_public_ip": true"#,
        ));
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        assert_eq!(checked.warnings().count(), 4, "{:#?}", checked.diagnostics);
    }

    #[test]
    fn unsupported_builders_provisioners_and_post_processors_are_errors_at_their_line() {
        let text = "{\"builders\": [{\"type\": \"amazon-chroot\"}, {\"type\": \"amazon-ebz\"}],\n\"provisioners\": [{\"type\": \"ansible\", \"playbook_file\": \"p.yml\"}],\n\"post-processors\": [\"compress\", [{\"type\": \"manifest\"}, {\"type\": \"checksum\"}]]}";
        let checked = run(text);
        let d: Vec<(Code, u32, String)> = checked
            .errors()
            .map(|d| (d.code, d.line, d.field.clone()))
            .collect();
        assert_eq!(
            d,
            [
                (Code::NotSupported, 1, "builders[0].type".to_string()),
                (Code::InvalidValue, 1, "builders[1].type".to_string()),
                (Code::NotSupported, 2, "provisioners[0].type".to_string()),
                (Code::NotSupported, 3, "post-processors[0].type".to_string()),
                (
                    Code::NotSupported,
                    3,
                    "post-processors[1][1].type".to_string()
                ),
            ]
        );
        assert_eq!(
            checked.errors().nth(1).unwrap().help.as_deref(),
            Some("did you mean \"amazon-ebs\"?")
        );
    }

    #[test]
    fn shell_and_file_provisioner_rules() {
        let with = |p: &str| {
            format!(
                "{}, \"provisioners\": [{p}]}}",
                ebs("").trim_end_matches('}')
            )
        };
        let cases = [
            (
                r#"{"type": "shell"}"#,
                "Either a script file or inline script",
            ),
            (
                r#"{"type": "shell", "inline": ["a"], "script": "b.sh"}"#,
                "Only one of inline, script or scripts",
            ),
            (
                r#"{"type": "shell", "inline": [], "scripts": ["a.sh"], "environment_vars": ["NOEQUALS"]}"#,
                "not in format 'key=value'",
            ),
            (
                r#"{"type": "shell", "inline": ["a"], "only": ["amazon-ebz"]}"#,
                "'only' specified builder 'amazon-ebz' not found",
            ),
            (
                r#"{"type": "shell", "inline": ["a"], "only": ["amazon-ebs"], "except": ["amazon-ebs"]}"#,
                "Only one of 'only' or 'except'",
            ),
            (
                r#"{"type": "shell", "inline": ["a"], "pause_before": "10"}"#,
                "not a duration",
            ),
            (
                r#"{"type": "shell", "inline": ["a"], "override": {}}"#,
                "does not support yet",
            ),
            (
                r#"{"type": "file", "destination": "/tmp/"}"#,
                "One of source or sources",
            ),
            (
                r#"{"type": "file", "source": "a", "sources": ["b"], "destination": "/tmp/"}"#,
                "Only one of source or sources",
            ),
            (
                r#"{"type": "file", "source": "a"}"#,
                "Destination must be specified",
            ),
            (
                r#"{"type": "file", "source": "a", "destination": "b", "direction": "sideways"}"#,
                "Direction must be one of",
            ),
        ];
        for (provisioner, message) in cases {
            let checked = run(&with(provisioner));
            let errors = messages(&checked);
            assert_eq!(errors.len(), 1, "{provisioner}: {errors:?}");
            assert!(errors[0].contains(message), "{provisioner}: {errors:?}");
        }
        let checked = run(&with(
            r#"{"type": "shell", "inline": "echo one", "execute_command": "sudo sh", "expect_disconnect": "true"}"#,
        ));
        assert!(checked.is_valid());
        assert_eq!(checked.warnings().count(), 1);
        let checked = run(&with(
            r#"{"type": "file", "sources": ["a", "b"], "destination": "/tmp/", "direction": "upload"}"#,
        ));
        assert!(checked.is_valid(), "{:?}", checked.diagnostics);
    }

    #[test]
    fn duplicate_keys_and_builder_names() {
        let checked = run(
            "{\"builders\": [{\"type\": \"amazon-ebs\",\n \"type\": \"amazon-ebs\"}, {\"type\": \"amazon-ebs\"}]}",
        );
        let dup = checked
            .errors()
            .find(|d| d.code == Code::DuplicateKey)
            .unwrap();
        assert_eq!(dup.message, "template has duplicate field: type");
        assert_eq!(
            (dup.line, dup.column, dup.field.as_str()),
            (2, 2, "builders[0]")
        );
        assert!(
            messages(&checked)
                .iter()
                .any(|m| m == "builder with name 'amazon-ebs' already exists")
        );
    }

    #[test]
    fn variables_render_into_settings() {
        let text = r#"{"variables": {"region": null, "port": "2222"}, "builders": [{"type": "amazon-ebs", "region": "{{user `region`}}", "source_ami": "ami-1", "instance_type": "t3.micro", "ssh_username": "admin", "ssh_port": "{{user `port`}}", "ami_name": "{{build_name}}-{{user `region`}}"}]}"#;
        let checked = run_with(text, &[("region", "us-east-2")]);
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        let Builder::AmazonEbs(b) = &checked.template.unwrap().builders[0];
        assert_eq!(b.ssh_port, Some(2222));
        assert_eq!(b.ami_name.as_deref(), Some("amazon-ebs-us-east-2"));
        // Missing, it is reported once, at its declaration.
        let checked = run(text);
        assert_eq!(messages(&checked), ["required variable not set: region"]);
    }

    #[test]
    fn env_outside_variables_and_unknown_functions_are_located() {
        let checked = run(&ebs(
            r#""ami_description": "{{env `HOME`}}", "ami_name": "x {{timestmap}}""#,
        ));
        let errors: Vec<&Diagnostic> = checked.errors().collect();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(
            errors
                .iter()
                .any(|d| d.message.starts_with("env vars are not allowed here"))
        );
        assert!(
            errors
                .iter()
                .any(|d| d.help.as_deref() == Some("did you mean timestamp?"))
        );
    }

    #[test]
    fn syntax_only_checks_structure_not_settings() {
        let options = CheckOptions {
            syntax_only: true,
            ..Default::default()
        };
        let text = r#"{"variables": {"r": null}, "builders": [{"type": "amazon-chroot"}], "provisioners": [{"type": "ansible"}]}"#;
        let checked = check("t.json", text, &options, &mut RenderContext::fixed());
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        let checked = check(
            "t.json",
            "{\"builders\": [{}]}",
            &options,
            &mut RenderContext::fixed(),
        );
        assert_eq!(messages(&checked), ["this builder has no \"type\""]);
        let checked = check(
            "t.json",
            "{\"builders\": [}",
            &options,
            &mut RenderContext::fixed(),
        );
        assert_eq!(checked.diagnostics[0].code, Code::Syntax);
    }

    #[test]
    fn root_keys_comments_and_missing_builders() {
        let checked = run(r#"{"_comment": "ok", "description": "d", "bulders": []}"#);
        let errors: Vec<&Diagnostic> = checked.errors().collect();
        assert_eq!(errors.len(), 2);
        // Sorted by position: the missing builders are reported at the object's start.
        assert_eq!(errors[0].message, "at least one builder must be defined");
        assert_eq!(
            errors[1].help.as_deref(),
            Some("did you mean \"builders\"?")
        );
    }

    #[test]
    fn local_files_must_exist_when_the_caller_can_tell() {
        let text = format!(
            "{}, \"provisioners\": [{{\"type\": \"shell\", \"scripts\": [\"there.sh\", \"missing.sh\"]}}, {{\"type\": \"file\", \"source\": \"gone/\", \"destination\": \"/tmp/\"}}, {{\"type\": \"file\", \"source\": \"/remote/log\", \"destination\": \"log\", \"direction\": \"download\"}}]}}",
            ebs(r#""user_data_file": "there.sh", "ssh_private_key_file": "key.pem", "ssh_keypair_name": "k""#).trim_end_matches('}')
        );
        let options = CheckOptions {
            local_file_exists: Some(|path| path == "there.sh"),
            ..CheckOptions::default()
        };
        let checked = check("t.json", &text, &options, &mut RenderContext::fixed());
        let fields: Vec<&str> = checked.errors().map(|d| d.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "builders[0].ssh_private_key_file",
                "provisioners[0].scripts[1]",
                "provisioners[1].source"
            ],
            "{:#?}",
            checked.diagnostics
        );
        assert!(checked.errors().all(|d| d.code == Code::LocalFile));
        assert!(
            run(&text).is_valid(),
            "without a disk, files are not checked"
        );
    }

    #[test]
    fn region_kms_keys_must_match_ami_regions() {
        let d = only_error(
            r#""encrypt_boot": true, "ami_regions": ["us-west-2"], "region_kms_key_ids": {"us-west-2": "alias/a", "eu-west-1": "alias/b"}"#,
        );
        assert_eq!(
            d.message,
            "Region eu-west-1 is in region_kms_key_ids but not in ami_regions"
        );
        assert_eq!(d.field, "builders[0].region_kms_key_ids.eu-west-1");
    }

    #[test]
    fn ami_regions_warn_about_duplicates_and_the_build_region() {
        let checked = run(&ebs(
            r#""ami_regions": ["us-east-1", "us-east-1", "eu-west-1"]"#,
        ));
        assert!(checked.is_valid());
        let warnings: Vec<&str> = checked.warnings().map(|d| d.message.as_str()).collect();
        assert_eq!(
            warnings,
            [
                "us-east-1 is listed twice in ami_regions",
                "eu-west-1 is the build region: the AMI is already there and is not copied"
            ]
        );
    }

    #[test]
    fn gp3_throughput_range_and_temporary_vpc_ranges() {
        let d = only_error(
            r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "gp3", "throughput": 2000}]"#,
        );
        assert_eq!(d.message, "Throughput must be between 125 and 1000");
        let d = only_error(r#""temporary_vpc": {"cidr_block": "10.0.0.0/99"}"#);
        assert_eq!(d.field, "builders[0].temporary_vpc.cidr_block");
        let d = only_error(r#""temporary_vpc": {"subnet_cidr_block": "2001:db8::/64"}"#);
        assert!(d.message.contains("not an IPv4 address range"));
    }

    #[test]
    fn root_comments_must_be_strings() {
        let checked = run(&ebs("").replacen('{', "{\"_notes\": [\"a\"], ", 1));
        assert_eq!(
            messages(&checked),
            ["root level comment \"_notes\" must be a string, not an array"]
        );
    }

    #[test]
    fn durations() {
        for ok in ["5m", "1h30m", "300ms", "1.5h", "0", "10s"] {
            assert!(valid_duration(ok), "{ok}");
        }
        for bad in ["", "5", "5 m", "m", "1x", "1..5s"] {
            assert!(!valid_duration(bad), "{bad}");
        }
    }
}
