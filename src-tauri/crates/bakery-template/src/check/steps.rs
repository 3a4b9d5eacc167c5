//! Provisioners (`shell`, `file`, `shell-local`) and post-processors (`manifest`,
//! `shell-local`): their options and rules, and `only`/`except`.

use super::*;
use crate::model::BAKED_PROVISIONERS;

pub(super) const OTHER_PROVISIONERS: &[&str] = &[
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
    "breakpoint",
];

pub(super) const OTHER_POST_PROCESSORS: &[&str] = &[
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

/// Options every provisioner takes in Packer that this version does not run yet.
pub(super) const OTHER_PROVISIONER_OPTIONS: &[&str] = &[];

/// Real file provisioner options this version does not run yet (with the common ones).
const OTHER_FILE_OPTIONS: &[&str] = &["generated"];

/// Real shell provisioner options this version does not run yet.
pub(super) const OTHER_SHELL_OPTIONS: &[&str] = &[
    "binary",
    "env_var_format",
    "environment_vars_file",
    "start_retry_timeout",
    "use_env_var_file",
];

/// Real shell-local options (provisioner and post-processor) this version does not run yet.
pub(super) const OTHER_SHELL_LOCAL_OPTIONS: &[&str] = &[
    "env_var_format",
    "only_on",
    "tempfile_extension",
    "use_linux_pathing",
];

/// Where a provisioner is and what it runs for, for [`Checker::overridable_step`].
struct StepContext<'a> {
    node: &'a Node,
    path: &'a str,
    build: Option<(String, String)>,
    builders: &'a [String],
    template: &'a Template,
}

impl Checker<'_> {
    pub(super) fn only_except_rules(
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

    pub(super) fn provisioners(
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
            if !BAKED_PROVISIONERS.contains(&kind) {
                self.unsupported_type(
                    at_of(node, "type"),
                    &path,
                    "provisioner",
                    kind,
                    BAKED_PROVISIONERS,
                    OTHER_PROVISIONERS,
                );
                continue;
            }
            // {{build_name}} is rendered for the first builder this step runs for.
            let build = first_builder_for(node, builders).map(|n| (n, "amazon-ebs".to_string()));
            let steps: Vec<Provisioner> = if kind == "shell-local" {
                let mut known = ShellLocalStep::Provisioner.option_names();
                known.push("type");
                let other: Vec<&str> = OTHER_PROVISIONER_OPTIONS
                    .iter()
                    .chain(OTHER_SHELL_LOCAL_OPTIONS)
                    .chain(&["override"])
                    .copied()
                    .collect();
                self.check_keys(node, &path, &known, &other);
                let value = self.render_node(node, &path, build);
                let local =
                    self.decode_shell_local(ShellLocalStep::Provisioner, node, value, &path);
                self.shell_local_rules(&local, node, &path);
                if let Some(pause) = &local.pause_before {
                    self.pause_before(
                        pause,
                        at_of(node, "pause_before"),
                        &join(&path, "pause_before"),
                    );
                }
                self.only_except_rules(
                    local.only.as_deref(),
                    local.except.as_deref(),
                    node,
                    &path,
                    builders,
                );
                vec![Provisioner::ShellLocal(local)]
            } else {
                let step = StepContext {
                    node,
                    path: &path,
                    build,
                    builders,
                    template,
                };
                match kind {
                    "ansible" => self.overridable_step(
                        &step,
                        OTHER_PROVISIONER_OPTIONS,
                        Some("inventory_file_template"),
                        Self::ansible_rules,
                        Provisioner::Ansible,
                    ),
                    "ansible-local" => self.overridable_step(
                        &step,
                        OTHER_PROVISIONER_OPTIONS,
                        None,
                        Self::ansible_local_rules,
                        Provisioner::AnsibleLocal,
                    ),
                    "shell" => self.overridable_step(
                        &step,
                        OTHER_SHELL_OPTIONS,
                        None,
                        Self::shell_rules,
                        Provisioner::Shell,
                    ),
                    _ => self.overridable_step(
                        &step,
                        OTHER_FILE_OPTIONS,
                        None,
                        Self::file_rules,
                        Provisioner::File,
                    ),
                }
            };
            if let Some((_, Some(timeout))) = steps.first().map(Provisioner::retries_and_timeout) {
                let timeout = timeout.to_string();
                self.duration(&timeout, at_of(node, "timeout"), &join(&path, "timeout"));
            }
            template.provisioners.extend(steps);
        }
    }

    /// A provisioner with `override`s (shell, file, ansible, ansible-local): its keys
    /// (`other`: real options not baked yet), its values rendered (`raw` kept as written)
    /// and decoded, its `rules` for itself and for each builder's override, `only`/`except`,
    /// that it needs a communicator; then the step each builder runs (see
    /// [`with_overrides_applied`]).
    fn overridable_step<T: Overridable + DeserializeOwned + Default>(
        &mut self,
        step: &StepContext<'_>,
        other: &[&str],
        raw: Option<&str>,
        rules: fn(&mut Self, &T, &Node, &str),
        wrap: fn(T) -> Provisioner,
    ) -> Vec<Provisioner> {
        let StepContext {
            node,
            path,
            builders,
            template,
            ..
        } = *step;
        let mut known = option_names::<T>().to_vec();
        known.push("type");
        let other: Vec<&str> = OTHER_PROVISIONER_OPTIONS
            .iter()
            .chain(other)
            .copied()
            .collect();
        self.check_keys(node, path, &known, &other);
        let value = match raw {
            Some(raw) => self.render_except(node, path, step.build.clone(), raw),
            None => self.render_node(node, path, step.build.clone()),
        };
        let settings: T = self.decode(node, value, path);
        rules(self, &settings, node, path);
        self.overrides(node, path, builders, &known, &other, |checker, name| {
            rules(checker, &settings.for_builder(name), node, path)
        });
        let (only, except) = settings.limits();
        self.only_except_rules(only, except, node, path, builders);
        let kind = node
            .get("type")
            .and_then(|m| m.value.as_str())
            .unwrap_or("provisioner");
        self.needs_communicator(node, path, kind, (only, except), template);
        with_overrides_applied(settings, builders)
            .into_iter()
            .map(wrap)
            .collect()
    }

    /// Renders a step's options but `raw`, kept as written (Packer's plugin excludes it from
    /// interpolation: the ansible provisioner fills `{{ .Host }}` and the rest itself).
    fn render_except(
        &mut self,
        node: &Node,
        path: &str,
        build: Option<(String, String)>,
        raw: &str,
    ) -> serde_json::Value {
        let mut rendered = node.clone();
        if let Value::Object(members) = &mut rendered.value {
            members.retain(|m| m.key != raw);
        }
        let mut value = self.render_node(&rendered, path, build);
        if let (Some(member), serde_json::Value::Object(map)) = (node.get(raw), &mut value)
            && let Some(text) = member.value.as_str()
        {
            map.insert(raw.to_string(), serde_json::Value::String(text.to_string()));
        }
        value
    }

    /// A provisioner's `override`: every name is a builder, every entry holds this
    /// provisioner's options, and the settings each builder ends up with follow the rules
    /// (problems already reported for the step itself are not repeated).
    pub(super) fn overrides(
        &mut self,
        node: &Node,
        path: &str,
        builders: &[String],
        known: &[&str],
        other: &[&str],
        rules: impl Fn(&mut Self, &str),
    ) {
        let Some(member) = node.get("override") else {
            return;
        };
        let Some(entries) = member.value.members() else {
            return; // a wrong type was reported by decoding
        };
        let known: Vec<&str> = known
            .iter()
            .copied()
            .filter(|k| !["type", "override", "only", "except"].contains(k))
            .collect();
        for entry in entries {
            let entry_path = format!("{path}.override.{}", entry.key);
            if !builders.contains(&entry.key) {
                let near = did_you_mean(&entry.key, builders.iter().map(String::as_str));
                self.error(
                    Code::InvalidValue,
                    entry.key_at,
                    entry_path.clone(),
                    format!("override '{}' doesn't exist", entry.key),
                )
                .set_help(match near {
                    Some(near) => format!("did you mean '{near}'? overrides are by builder name"),
                    None => format!("overrides are by builder name: {}", builders.join(", ")),
                });
                continue;
            }
            self.check_keys(&entry.value, &entry_path, &known, other);
            let before = self.out.len();
            rules(self, &entry.key);
            let new: Vec<Diagnostic> = self.out.drain(before..).collect();
            for d in new {
                let repeated = self.out[..before]
                    .iter()
                    .any(|o| o.field == d.field && o.message == d.message);
                if !repeated {
                    self.out.push(Diagnostic {
                        message: format!("{} (for builder {})", d.message, entry.key),
                        ..d
                    });
                }
            }
        }
    }

    pub(super) fn shell_rules(&mut self, shell: &ShellProvisioner, node: &Node, path: &str) {
        if let Some(pause) = &shell.pause_after {
            self.duration(
                pause,
                at_of(node, "pause_after"),
                &join(path, "pause_after"),
            );
        }
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
            self.pause_before(
                pause,
                at_of(node, "pause_before"),
                &join(path, "pause_before"),
            );
        }
    }

    /// Decodes a `shell-local` step's rendered settings, leaving out the option only the
    /// other kind takes (already reported as unknown here), as if [`ShellLocal`] did not have it.
    fn decode_shell_local(
        &mut self,
        step: ShellLocalStep,
        node: &Node,
        mut value: serde_json::Value,
        path: &str,
    ) -> ShellLocal {
        if let serde_json::Value::Object(map) = &mut value {
            for name in step.other_kinds_options() {
                map.remove(*name);
            }
        }
        self.decode(node, value, path)
    }

    /// `shell-local` (provisioner or post-processor): Packer's rules.
    fn shell_local_rules(&mut self, local: &ShellLocal, node: &Node, path: &str) {
        let given: Vec<&str> = [
            (
                "command",
                local.command.as_ref().is_some_and(|s| !s.is_empty()),
            ),
            (
                "inline",
                local.inline.as_ref().is_some_and(|v| !v.is_empty()),
            ),
            (
                "script",
                local.script.as_ref().is_some_and(|s| !s.is_empty()),
            ),
            (
                "scripts",
                local.scripts.as_ref().is_some_and(|v| !v.is_empty()),
            ),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect();
        match given.as_slice() {
            [] => {
                self.error(
                    Code::Missing,
                    node.at,
                    join(path, "inline"),
                    "Command, Inline, Script and Scripts options cannot all be empty.",
                )
                .set_help(
                    "add \"inline\": [\"command\", …], \"command\", \"script\" or \"scripts\"",
                );
            }
            [_] => {}
            [_, second, ..] => {
                self.error(
                    Code::Conflict,
                    at_of(node, second),
                    join(path, second),
                    format!(
                        "You may only specify one of the following options: Command, Inline, Script or Scripts. Please consolidate these options in your config. (found {})",
                        given.join(" and ")
                    ),
                )
                .set_help("keep one of them");
            }
        }
        for (i, var) in local.environment_vars.iter().flatten().enumerate() {
            if !var.contains('=') || var.starts_with('=') {
                self.error(
                    Code::InvalidValue,
                    at_of(node, "environment_vars"),
                    format!("{path}.environment_vars[{i}]"),
                    format!("Environment variable not in format 'key=value': {var}"),
                );
            }
        }
        if let Some(command) = &local.execute_command {
            if command.is_empty() {
                self.error(
                    Code::InvalidValue,
                    at_of(node, "execute_command"),
                    join(path, "execute_command"),
                    "execute_command needs a program to run",
                )
                .set_help("e.g. [\"/bin/bash\", \"-c\", \"{{.Vars}} {{.Script}}\"]");
            } else if !command.iter().any(|c| c.contains(".Script")) {
                self.warn(
                    Code::InvalidValue,
                    at_of(node, "execute_command"),
                    join(path, "execute_command"),
                    "execute_command never runs the script: it has no {{.Script}}",
                )
                .set_help("e.g. [\"/bin/sh\", \"-c\", \"{{.Vars}} {{.Script}}\"]");
            }
        }
        self.local_file(
            local.script.as_deref(),
            at_of(node, "script"),
            &join(path, "script"),
            "script",
        );
        for (i, script) in local.scripts.iter().flatten().enumerate() {
            self.local_file(
                Some(script),
                at_of(node, "scripts"),
                &format!("{path}.scripts[{i}]"),
                "script",
            );
        }
    }

    /// The `ansible` provisioner's rules, as Packer's plugin checks them when it prepares:
    /// the playbook (and a galaxy file, an inventory, the adapter's key files) must be files
    /// on this computer, `inventory_directory` a folder, the key type ECDSA or RSA.
    pub(super) fn ansible_rules(&mut self, ansible: &AnsibleProvisioner, node: &Node, path: &str) {
        match ansible.playbook_file.as_deref() {
            None | Some("") => {
                self.error(
                    Code::Missing,
                    node.at,
                    join(path, "playbook_file"),
                    "playbook_file must be specified.",
                )
                .set_help("add \"playbook_file\": \"playbook.yml\" (a path on this computer)");
            }
            Some(file) => self.local_file(
                Some(file),
                at_of(node, "playbook_file"),
                &join(path, "playbook_file"),
                "playbook_file",
            ),
        }
        for (key, value) in [
            ("galaxy_file", &ansible.galaxy_file),
            ("inventory_file", &ansible.inventory_file),
            ("ssh_host_key_file", &ansible.ssh_host_key_file),
            ("ssh_authorized_key_file", &ansible.ssh_authorized_key_file),
            ("inventory_directory", &ansible.inventory_directory),
        ] {
            self.local_file(value.as_deref(), at_of(node, key), &join(path, key), key);
        }
        if let Some(kind) = &ansible.ansible_proxy_key_type
            && !["RSA", "ECDSA"].contains(&kind.to_uppercase().as_str())
        {
            self.error(
                Code::InvalidValue,
                at_of(node, "ansible_proxy_key_type"),
                join(path, "ansible_proxy_key_type"),
                format!("Invalid value for ansible_proxy_key_type: {kind:?}. Supported values are ECDSA or RSA."),
            )
            .set_help("write \"ECDSA\" (the default) or \"RSA\"");
        }
        if ansible.ansible_winrm_use_http == Some(true) {
            self.warn(
                Code::NotSupported,
                at_of(node, "ansible_winrm_use_http"),
                join(path, "ansible_winrm_use_http"),
                "ansible_winrm_use_http has no effect: this version bakes over SSH, not WinRM",
            )
            .set_help("remove it; Ansible connects over SSH");
        }
        if let Some(pause) = &ansible.pause_before {
            self.pause_before(
                pause,
                at_of(node, "pause_before"),
                &join(path, "pause_before"),
            );
        }
    }

    /// The `ansible-local` provisioner's rules, as Packer's plugin checks them: one of
    /// `playbook_file` and `playbook_files`, and every local file and folder there.
    pub(super) fn ansible_local_rules(
        &mut self,
        local: &AnsibleLocalProvisioner,
        node: &Node,
        path: &str,
    ) {
        let file = local
            .playbook_file
            .as_deref()
            .is_some_and(|f| !f.is_empty());
        let files = local.playbook_files.as_ref().is_some_and(|f| !f.is_empty());
        match (file, files) {
            (false, false) => {
                self.error(
                    Code::Missing,
                    node.at,
                    join(path, "playbook_file"),
                    "Either playbook_file or playbook_files must be specified",
                )
                .set_help("add \"playbook_file\": \"playbook.yml\" (a path on this computer; it is uploaded)");
            }
            (true, true) => {
                self.error(
                    Code::Conflict,
                    at_of(node, "playbook_files"),
                    join(path, "playbook_files"),
                    "Either playbook_file or playbook_files can be specified, not both",
                )
                .set_help("put every playbook in playbook_files");
            }
            _ => {}
        }
        for (key, value) in [
            ("playbook_file", &local.playbook_file),
            ("playbook_dir", &local.playbook_dir),
            ("group_vars", &local.group_vars),
            ("host_vars", &local.host_vars),
            ("inventory_file", &local.inventory_file),
            ("galaxy_file", &local.galaxy_file),
        ] {
            self.local_file(value.as_deref(), at_of(node, key), &join(path, key), key);
        }
        for key in ["playbook_files", "playbook_paths", "role_paths"] {
            let list = match key {
                "playbook_files" => &local.playbook_files,
                "playbook_paths" => &local.playbook_paths,
                _ => &local.role_paths,
            };
            for (i, value) in list.iter().flatten().enumerate() {
                self.local_file(
                    Some(value),
                    at_of(node, key),
                    &format!("{path}.{key}[{i}]"),
                    key,
                );
            }
        }
        if let Some(pause) = &local.pause_before {
            self.pause_before(
                pause,
                at_of(node, "pause_before"),
                &join(path, "pause_before"),
            );
        }
    }

    pub(super) fn file_rules(&mut self, file: &FileProvisioner, node: &Node, path: &str) {
        let source = file.source.as_deref().is_some_and(|s| !s.is_empty());
        let sources = file.sources.as_ref().is_some_and(|s| !s.is_empty());
        if file.content.is_some() {
            if source || sources {
                self.error(
                    Code::Conflict,
                    at_of(node, "content"),
                    join(path, "content"),
                    "Only one of source, sources, or content can be specified.",
                )
                .set_help("write the text in content, or upload files with source");
            }
            if file.direction.as_deref() == Some("download") {
                self.error(
                    Code::Conflict,
                    at_of(node, "content"),
                    join(path, "content"),
                    "content is only for uploads",
                )
                .set_help("remove content, or \"direction\": \"download\"");
            }
        }
        match (source, sources) {
            _ if file.content.is_some() => {}
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
            // Packer 1.6.6 downloads each of `sources` too.
            "download" => {}
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
            self.pause_before(
                pause,
                at_of(node, "pause_before"),
                &join(path, "pause_before"),
            );
        }
    }

    /// A `shell` or `file` step needs a communicator: a build with `communicator: "none"`
    /// it runs for fails there in Packer 1.6.6 ("No communicator found for provisioners!");
    /// here it is an error at the step, before anything is created.
    fn needs_communicator(
        &mut self,
        node: &Node,
        path: &str,
        kind: &str,
        (only, except): (Option<&[String]>, Option<&[String]>),
        template: &Template,
    ) {
        for builder in &template.builders {
            let Builder::AmazonEbs(ebs) = builder;
            if ebs.communicator.as_deref() != Some("none") {
                continue;
            }
            let name = builder.name();
            if crate::model::runs_for(only, except, name) {
                self.error(
                    Code::Conflict,
                    at_of(node, "type"),
                    join(path, "type"),
                    format!(
                        "a {kind} provisioner needs a communicator, and builder '{name}' has communicator \"none\""
                    ),
                )
                .set_help(format!(
                    "only shell-local runs without one: give the builder SSH (ssh_username), or keep this step off it with \"except\": [\"{name}\"]"
                ));
            }
        }
    }

    /// `min_packer_version` must be a version (Packer: "min_version is invalid: Malformed
    /// version"), e.g. `1.5`, `1.6.6`, `v1.7.0-beta`.
    pub(super) fn min_packer_version(&mut self, root: &Node) {
        let Some(m) = root.get("min_packer_version") else {
            return;
        };
        let Some(text) = m.value.as_str() else {
            return; // reported as not a string
        };
        if !go_version(text) {
            self.error(
                Code::InvalidValue,
                m.value.at,
                "min_packer_version",
                format!("min_version is invalid: Malformed version: {text}"),
            )
            .set_help("write the oldest Packer version this template needs, e.g. \"1.6.0\"");
        }
    }

    /// A step's `pause_before`: a Go duration. Packer also accepts a negative one (it does
    /// not pause); so do we, with a warning.
    fn pause_before(&mut self, text: &str, at: Position, field: &str) {
        if let Some(rest) = text.strip_prefix('-')
            && rest != "0"
            && go_duration(rest).is_some()
        {
            self.warn(
                Code::Deprecated,
                at,
                field,
                format!("pause_before \"{text}\" is negative: the step does not pause"),
            )
            .set_help(format!("write \"{rest}\" to pause, or remove pause_before"));
            return;
        }
        self.duration(text, at, field);
    }

    /// What Packer 1.6.6 refuses already when it parses the template (so also with
    /// `-syntax-only`): the shapes of `variables`, `sensitive-variables` and var files, and
    /// each provisioner's `pause_before` (decoded as a duration before anything is rendered).
    pub(super) fn parse_time_shapes(&mut self, root: &Node, options: &CheckOptions) {
        let mut found = Vec::new();
        Variables::collect(
            root.get("variables"),
            root.get("sensitive-variables"),
            &options.inputs,
            &mut found,
        );
        // Required variables without a value and undeclared names are judged in a full check.
        self.out.extend(
            found
                .into_iter()
                .filter(|d| d.is_error() && d.code != Code::Variable),
        );
        let items = root
            .get("provisioners")
            .and_then(|m| m.value.items())
            .unwrap_or_default();
        for (i, node) in items.iter().enumerate() {
            if let Some(m) = node.get("pause_before")
                && let Some(pause) = m.value.as_str()
                && !pause.contains("{{")
            {
                let field = format!("provisioners[{i}].pause_before");
                self.pause_before(pause, m.value.at, &field);
            }
        }
    }

    pub(super) fn post_processors(
        &mut self,
        root: &Node,
        options: &CheckOptions,
        builders: &[String],
        template: &mut Template,
    ) {
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
                if kind == "shell-local" {
                    let local = if node.as_str().is_some() {
                        ShellLocal::default()
                    } else {
                        let mut known = ShellLocalStep::PostProcessor.option_names();
                        known.push("type");
                        let other: Vec<&str> = OTHER_SHELL_LOCAL_OPTIONS
                            .iter()
                            .chain(&["name"])
                            .copied()
                            .collect();
                        self.check_keys(node, &path, &known, &other);
                        let build = first_builder_for(node, builders)
                            .map(|n| (n, "amazon-ebs".to_string()));
                        let value = self.render_node(node, &path, build);
                        self.decode_shell_local(ShellLocalStep::PostProcessor, node, value, &path)
                    };
                    self.shell_local_rules(&local, node, &path);
                    self.only_except_rules(
                        local.only.as_deref(),
                        local.except.as_deref(),
                        node,
                        &path,
                        builders,
                    );
                    built.push(PostProcessor::ShellLocal(local));
                    continue;
                }
                if kind != "manifest" {
                    self.unsupported_type(
                        type_at,
                        &path,
                        "post-processor",
                        kind,
                        &["manifest", "shell-local"],
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
                // Packer renders {{build_name}} here too (for each build); the model holds
                // the first builder this post-processor runs for, as for shell-local.
                let build =
                    first_builder_for(node, builders).map(|n| (n, "amazon-ebs".to_string()));
                let value = self.render_node(node, &path, build);
                let manifest: ManifestPostProcessor = self.decode(node, value, &path);
                built.push(PostProcessor::Manifest(manifest));
            }
            if !built.is_empty() {
                template.post_processors.push(built);
            }
        }
    }
}

/// The first builder a provisioner runs for, from its `only`/`except` as written.
fn first_builder_for(node: &Node, builders: &[String]) -> Option<String> {
    let names = |key: &str| -> Option<Vec<String>> {
        let member = node.get(key)?;
        match member.value.items() {
            Some(items) => Some(
                items
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_string)
                    .collect(),
            ),
            None => member.value.as_str().map(|s| vec![s.to_string()]),
        }
    };
    let only = names("only");
    let except = names("except");
    builders
        .iter()
        .find(|b| crate::model::runs_for(only.as_deref(), except.as_deref(), b))
        .or(builders.first())
        .cloned()
}

/// What a provisioner's `override` needs of it.
trait Overridable: Clone {
    fn only_except(&mut self) -> (&mut Option<Vec<String>>, &mut Option<Vec<String>>);
    /// Its `only` and `except`, to read.
    fn limits(&self) -> (Option<&[String]>, Option<&[String]>);
    fn take_overrides(&mut self) -> Option<BTreeMap<String, Self>>;
    fn for_builder(&self, name: &str) -> Self;
}

impl Overridable for ShellProvisioner {
    fn only_except(&mut self) -> (&mut Option<Vec<String>>, &mut Option<Vec<String>>) {
        (&mut self.only, &mut self.except)
    }
    fn limits(&self) -> (Option<&[String]>, Option<&[String]>) {
        (self.only.as_deref(), self.except.as_deref())
    }
    fn take_overrides(&mut self) -> Option<BTreeMap<String, Self>> {
        self.overrides.take()
    }
    fn for_builder(&self, name: &str) -> Self {
        ShellProvisioner::for_builder(self, name)
    }
}

impl Overridable for FileProvisioner {
    fn only_except(&mut self) -> (&mut Option<Vec<String>>, &mut Option<Vec<String>>) {
        (&mut self.only, &mut self.except)
    }
    fn limits(&self) -> (Option<&[String]>, Option<&[String]>) {
        (self.only.as_deref(), self.except.as_deref())
    }
    fn take_overrides(&mut self) -> Option<BTreeMap<String, Self>> {
        self.overrides.take()
    }
    fn for_builder(&self, name: &str) -> Self {
        FileProvisioner::for_builder(self, name)
    }
}

impl Overridable for AnsibleProvisioner {
    fn only_except(&mut self) -> (&mut Option<Vec<String>>, &mut Option<Vec<String>>) {
        (&mut self.only, &mut self.except)
    }
    fn limits(&self) -> (Option<&[String]>, Option<&[String]>) {
        (self.only.as_deref(), self.except.as_deref())
    }
    fn take_overrides(&mut self) -> Option<BTreeMap<String, Self>> {
        self.overrides.take()
    }
    fn for_builder(&self, name: &str) -> Self {
        AnsibleProvisioner::for_builder(self, name)
    }
}

impl Overridable for AnsibleLocalProvisioner {
    fn only_except(&mut self) -> (&mut Option<Vec<String>>, &mut Option<Vec<String>>) {
        (&mut self.only, &mut self.except)
    }
    fn limits(&self) -> (Option<&[String]>, Option<&[String]>) {
        (self.only.as_deref(), self.except.as_deref())
    }
    fn take_overrides(&mut self) -> Option<BTreeMap<String, Self>> {
        self.overrides.take()
    }
    fn for_builder(&self, name: &str) -> Self {
        AnsibleLocalProvisioner::for_builder(self, name)
    }
}

/// The model holds a step as each builder runs it: a step with an `override` becomes the
/// step for the builders without one, then one step per overridden builder (`only` it),
/// in place, so whoever runs the steps can't miss an override.
fn with_overrides_applied<T: Overridable>(step: T, builders: &[String]) -> Vec<T> {
    let mut base = step.clone();
    let overrides = match base.take_overrides() {
        Some(o) if !o.is_empty() => o,
        _ => return vec![base],
    };
    let runs_for = |step: &mut T, name: &str| {
        let (only, except) = step.only_except();
        crate::model::runs_for(only.as_deref(), except.as_deref(), name)
    };
    let overridden: Vec<&String> = overrides
        .keys()
        .filter(|name| builders.contains(name))
        .collect();
    let mut steps = Vec::new();
    let (only, except) = base.only_except();
    match only {
        Some(names) if !names.is_empty() => {
            names.retain(|n| !overridden.contains(&n));
            if !names.is_empty() {
                steps.push(base.clone());
            }
        }
        _ => {
            let except = except.get_or_insert_with(Vec::new);
            for name in &overridden {
                if !except.contains(name) {
                    except.push(name.to_string());
                }
            }
            steps.push(base.clone());
        }
    }
    let mut original = step;
    for name in overridden {
        if runs_for(&mut original, name) {
            let mut for_one = original.for_builder(name);
            let (only, except) = for_one.only_except();
            *only = Some(vec![name.clone()]);
            *except = None;
            steps.push(for_one);
        }
    }
    steps
}

/// A version as hashicorp/go-version reads it: `v`? then numbers separated by dots, then an
/// optional pre-release (`-beta1`, `rc1`) and build metadata (`+abc`).
fn go_version(text: &str) -> bool {
    let s = text.strip_prefix('v').unwrap_or(text);
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (numbers, rest) = s.split_at(end);
    if numbers.is_empty() || numbers.split('.').any(str::is_empty) {
        return false;
    }
    let (pre, meta) = match rest.split_once('+') {
        Some((pre, meta)) => (pre, Some(meta)),
        None => (rest, None),
    };
    let word = |w: &str| {
        !w.is_empty()
            && w.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'~')
            })
    };
    let pre_ok = pre.is_empty() || word(pre.strip_prefix('-').unwrap_or(pre));
    pre_ok && meta.is_none_or(word)
}
