//! The `amazon-ebs` builder's checks: its options, Packer's rules and ours.

use super::*;

/// Real amazon-ebs options (Packer and its amazon plugin, v1.8) this version does not bake yet
/// (`boot_mode`, `tpm_support` and `uefi_data` are not among them: only amazon-ebssurrogate
/// and amazon-chroot have those, and Packer calls them unknown here too).
pub(super) const OTHER_EBS_OPTIONS: &[&str] = &[
    "ami_product_codes",
    "availability_zone",
    "block_duration_minutes",
    "capacity_reservation_group_arn",
    "capacity_reservation_id",
    "capacity_reservation_preference",
    "custom_endpoint_ec2",
    "decode_authorization_messages",
    "deprecate_at",
    "deregistration_protection",
    "disable_stop_instance",
    "enable_nitro_enclave",
    "enable_t2_unlimited",
    "enable_unlimited_credits",
    "fast_launch",
    "fleet_tag",
    "fleet_tags",
    "insecure_skip_tls_verify",
    "license_specifications",
    "max_retries",
    "mfa_code",
    "no_ephemeral",
    "pause_before_connecting",
    "pause_before_ssm",
    "placement",
    "run_tag",
    "run_volume_tag",
    "session_manager_port",
    "shared_credentials_file",
    "skip_ami_run_tags",
    "skip_create_ami",
    "skip_credential_validation",
    "skip_metadata_api_check",
    "skip_save_build_region",
    "snapshot_copy_duration_minutes",
    "snapshot_tag",
    "spot_allocation_strategy",
    "spot_price_auto_product",
    "spot_tag",
    "ssh_bastion_certificate_file",
    "ssh_bastion_interactive",
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
    "tag",
    "temporary_iam_instance_profile_policy_document",
    "temporary_key_pair_bits",
    "temporary_key_pair_name",
    "tenancy",
    "vault_aws_engine",
    "windows_password_timeout",
    "winrm_host",
    "winrm_insecure",
    "winrm_no_proxy",
    "winrm_password",
    "winrm_port",
    "winrm_timeout",
    "winrm_use_ntlm",
    "winrm_use_ssl",
    "winrm_username",
];

impl Checker<'_> {
    pub(super) fn amazon_ebs(&mut self, node: &Node, path: &str, name: &str) -> AmazonEbs {
        let mut known: Vec<&str> = option_names::<AmazonEbs>().to_vec();
        known.push("type");
        self.check_keys(node, path, &known, OTHER_EBS_OPTIONS);
        self.filter_values(node, path);
        let nested: [(&str, &[&str]); 8] = [
            ("source_ami_filter", option_names::<SourceAmiFilter>()),
            (
                "security_group_filter",
                option_names::<SecurityGroupFilter>(),
            ),
            ("subnet_filter", option_names::<SubnetFilter>()),
            ("vpc_filter", option_names::<VpcFilter>()),
            ("metadata_options", option_names::<MetadataOptions>()),
            ("aws_polling", option_names::<AwsPolling>()),
            ("assume_role", option_names::<AssumeRole>()),
            ("temporary_vpc", option_names::<TemporaryVpc>()),
        ];
        for (key, names) in nested {
            // Real nested keys of the current plugin this version doesn't bake yet.
            let other: &[&str] = match key {
                "source_ami_filter" => &["include_deprecated"],
                "security_group_filter" | "subnet_filter" | "vpc_filter" => &["filter"],
                _ => &[],
            };
            if let Some(m) = node.get(key).filter(|m| m.value.members().is_some()) {
                self.check_keys(&m.value, &join(path, key), names, other);
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
                    self.fractional_numbers(item, &format!("{path}.{key}[{i}]"));
                }
            }
        }
        let value = self.render_node(
            node,
            path,
            Some((name.to_string(), "amazon-ebs".to_string())),
        );
        let mut ebs: AmazonEbs = self.decode(node, value, path);
        // (Also when it renders empty: Packer's `region = ""` falls back the same way.)
        if ebs.region.as_deref().is_none_or(str::is_empty)
            && !self.unsettled.iter().any(|u| u == &join(path, "region"))
            && let Some(default) = self.default_region.clone()
        {
            // Packer's fallback to the AWS configuration, said where it came from.
            self.out.push(
                Diagnostic::warning(
                    Code::Missing,
                    node.at,
                    join(path, "region"),
                    format!(
                        "region is not set: baking in {}, taken from {}",
                        default.region, default.from
                    ),
                )
                .help("set \"region\" to bake in the same region wherever the template runs"),
            );
            ebs.region = Some(default.region);
        }
        self.amazon_ebs_rules(&ebs, node, path);
        self.aws_value_rules(&ebs, node, path);
        ebs
    }

    pub(super) fn amazon_ebs_rules(&mut self, ebs: &AmazonEbs, node: &Node, path: &str) {
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
            .set_help("set \"region\": \"eu-west-1\" (or a variable), or give one outside the template as Packer takes it: AWS_REGION or AWS_DEFAULT_REGION");
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
        // A filter that failed to decode was reported with its own error.
        let filter_unreadable =
            node.get("source_ami_filter").is_some() && ebs.source_ami_filter.is_none();
        if !set(&ebs.source_ami) {
            if filter_empty && !filter_unreadable {
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
        if spot.is_none() && ebs.spot_tags.as_ref().is_some_and(|t| !t.is_empty()) {
            self.warn(
                Code::Deprecated,
                at("spot_tags"),
                field("spot_tags"),
                "spot_tags has no effect without spot_price: the instance is on-demand",
            )
            .set_help(
                "set \"spot_price\": \"auto\" to bake on a spot instance, or remove spot_tags",
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
        if let Some(v) = ebs
            .imds_support
            .as_deref()
            .filter(|v| !v.is_empty() && *v != "v2.0")
        {
            self.error(
                Code::InvalidValue,
                at("imds_support"),
                field("imds_support"),
                format!("imds_support must be \"v2.0\" or empty (not \"{v}\")"),
            )
            .set_help("write \"v2.0\" to require IMDSv2 on instances launched from the image");
        }
        match ebs.ami_virtualization_type.as_deref().unwrap_or("") {
            "" | "hvm" => {}
            "paravirtual" => {
                for (key, on) in [
                    ("ena_support", ebs.ena_support == Some(true)),
                    ("sriov_support", ebs.sriov_support == Some(true)),
                ] {
                    if on {
                        self.error(
                            Code::Conflict,
                            at(key),
                            field(key),
                            format!(
                                "{key} needs an hvm image: ami_virtualization_type is paravirtual"
                            ),
                        )
                        .set_help("remove it, or bake from an hvm source image");
                    }
                }
            }
            other => {
                self.error(
                    Code::InvalidValue,
                    at("ami_virtualization_type"),
                    field("ami_virtualization_type"),
                    format!("ami_virtualization_type must be hvm or paravirtual (not \"{other}\")"),
                )
                .set_help("write \"hvm\" (every current instance type)");
            }
        }
        for (i, group) in ebs.snapshot_groups.iter().flatten().enumerate() {
            if group != "all" {
                self.error(
                    Code::InvalidValue,
                    at("snapshot_groups"),
                    format!("{}[{i}]", field("snapshot_groups")),
                    format!("snapshot_groups has only one group, \"all\" (not \"{group}\")"),
                )
                .set_help("write \"all\" to make the snapshots public, or share with accounts in snapshot_users");
            }
        }
        if spot.is_some() && ebs.shutdown_behavior.as_deref() == Some("stop") {
            self.warn(
                Code::NotSupported,
                at("shutdown_behavior"),
                field("shutdown_behavior"),
                "shutdown_behavior \"stop\" has no effect on a spot instance: EC2 refuses it for a one-time spot request, so it is not sent (as current Packer does) and the instance terminates",
            )
            .set_help("remove shutdown_behavior, or remove spot_price to bake on demand");
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
                let device_node = items.get(i);
                let device_at = device_node.map(|n| n.at).unwrap_or(at(key));
                let device_path = format!("{path}.{key}[{i}]");
                self.block_device_rules(device, device_at, &device_path);
                self.iops_rules(device, device_node, device_at, &device_path);
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
        let given_groups = set(&ebs.security_group_id)
            || ebs
                .security_group_ids
                .as_ref()
                .is_some_and(|v| !v.is_empty());
        let filters_of =
            |f: Option<&BTreeMap<String, Vec<String>>>| f.is_some_and(|m| !m.is_empty());
        let group_filter = filters_of(
            ebs.security_group_filter
                .as_ref()
                .and_then(|f| f.filters.as_ref()),
        );
        let subnet_filter = filters_of(ebs.subnet_filter.as_ref().and_then(|f| f.filters.as_ref()));
        let vpc_filter = filters_of(ebs.vpc_filter.as_ref().and_then(|f| f.filters.as_ref()));
        // Packer: a filter without filters is "empty" and ignored; one beside the id it
        // would find is ignored too. Both are accepted, so they are warnings here.
        for (key, has_filters, id_keys) in [
            (
                "security_group_filter",
                group_filter,
                &["security_group_id", "security_group_ids"][..],
            ),
            ("subnet_filter", subnet_filter, &["subnet_id"][..]),
            ("vpc_filter", vpc_filter, &["vpc_id"][..]),
        ] {
            if node.get(key).is_none() {
                continue;
            }
            if !has_filters {
                self.warn(
                    Code::Deprecated,
                    at(key),
                    join(&field(key), "filters"),
                    format!("{key} has no filters: it has no effect"),
                )
                .set_help(format!(
                    "add \"filters\": {{\"tag:Name\": \"…\"}}, or remove {key}"
                ));
                continue;
            }
            let given: Vec<&str> = id_keys
                .iter()
                .copied()
                .filter(|k| node.get(k).is_some())
                .collect();
            if let Some(id_key) = given.first() {
                self.warn(
                    Code::Deprecated,
                    at(key),
                    field(key),
                    format!("{key} has no effect: {id_key} is set"),
                )
                .set_help(format!("remove {key}, or {id_key}"));
            }
        }
        let existing_groups = given_groups || group_filter;
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
            } else if (cidr == "0.0.0.0/0" || cidr == "::/0") && !existing_groups {
                self.warn(Code::InvalidValue, at("temporary_security_group_source_cidrs"), format!("{path}.temporary_security_group_source_cidrs[{i}]"), format!("{cidr} lets the whole internet try SSH on the instance while it is baked"))
                    .set_help("use \"temporary_security_group_source_public_ip\": true to let in only this computer, or your network's range");
            }
        }
        if let Some(vpc) = &ebs.temporary_vpc {
            for key in ["vpc_id", "subnet_id", "vpc_filter", "subnet_filter"] {
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
            // Baked without connecting, like Packer: remote provisioners are refused at
            // their line (steps.rs).
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
            // Real interfaces of the current plugin (ipv6 since v1.5) not baked yet.
            interface @ ("session_manager" | "ipv6") => {
                self.error(
                    Code::NotSupported,
                    at("ssh_interface"),
                    field("ssh_interface"),
                    format!("ssh_interface \"{interface}\" is not supported yet"),
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
        if ebs
            .ssh_password
            .as_ref()
            .is_some_and(|p| !p.expose().is_empty())
        {
            self.error(
                Code::NotSupported,
                at("ssh_password"),
                field("ssh_password"),
                "ssh_password is not supported yet: AMI Bakery logs in with a key",
            )
            .set_help("remove it: the bake makes a temporary key pair, or set ssh_keypair_name and ssh_private_key_file");
        }
        if ebs.temporary_key_pair_type.as_deref() == Some("rsa") {
            self.warn(
                Code::NotSupported,
                at("temporary_key_pair_type"),
                field("temporary_key_pair_type"),
                "temporary_key_pair_type rsa is not supported yet: the temporary key pair is ed25519",
            )
            .set_help("remove it, or set ssh_keypair_name with an RSA key pair of yours");
        }
        self.bastion_rules(ebs, node, path);
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
                    let at = match node.get("ami_name") {
                        Some(m) => m.value.position_in_string(
                            self.source,
                            culprit(m.value.as_str().unwrap_or("")),
                        ),
                        None => node.at,
                    };
                    self.error(
                        Code::InvalidValue,
                        at,
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
        // Packer: AWS can't share an image encrypted with the account's default key.
        if ebs.encrypt_boot == Some(true) && ebs.ami_users.as_ref().is_some_and(|u| !u.is_empty()) {
            if !kms {
                self.error(
                    Code::Conflict,
                    at("ami_users"),
                    field("ami_users"),
                    "Cannot share AMI encrypted with default KMS key",
                )
                .set_help("set \"kms_key_id\" to a customer managed key the accounts in ami_users may use (AWS can't share an image encrypted with aws/ebs), or remove ami_users");
            }
            for (region, key) in ebs.region_kms_key_ids.iter().flatten() {
                if key.is_empty() {
                    self.error(
                        Code::Conflict,
                        at("region_kms_key_ids"),
                        format!("{path}.region_kms_key_ids.{region}"),
                        "Cannot share AMI encrypted with default KMS key for other regions",
                    )
                    .set_help(format!("set the key for {region} to a customer managed key the accounts in ami_users may use"));
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

    /// `ssh_bastion_*`: Packer's rules (a way to log in to the bastion, its key file
    /// exists) and ours (bastion options without a bastion do nothing).
    fn bastion_rules(&mut self, ebs: &AmazonEbs, node: &Node, path: &str) {
        let at = |key: &str| at_of(node, key);
        let field = |key: &str| join(path, key);
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
        let others = [
            "ssh_bastion_port",
            "ssh_bastion_username",
            "ssh_bastion_private_key_file",
            "ssh_bastion_agent_auth",
            "ssh_bastion_password",
        ];
        if !set(&ebs.ssh_bastion_host) {
            for key in others {
                if node.get(key).is_some() {
                    self.warn(
                        Code::Deprecated,
                        at(key),
                        field(key),
                        format!("{key} has no effect without ssh_bastion_host"),
                    )
                    .set_help(format!(
                        "set \"ssh_bastion_host\" to the jump host, or remove {key}"
                    ));
                }
            }
            return;
        }
        if ebs.communicator.as_deref() == Some("none") {
            self.warn(
                Code::Deprecated,
                at("ssh_bastion_host"),
                field("ssh_bastion_host"),
                "ssh_bastion_host has no effect with communicator \"none\"",
            );
        }
        let password = ebs
            .ssh_bastion_password
            .as_ref()
            .is_some_and(|p| !p.expose().is_empty());
        let key_file = set(&ebs.ssh_bastion_private_key_file) || set(&ebs.ssh_private_key_file);
        if ebs.ssh_bastion_agent_auth != Some(true) && !password && !key_file {
            self.error(
                Code::Missing,
                at("ssh_bastion_host"),
                field("ssh_bastion_private_key_file"),
                "ssh_bastion_password or ssh_bastion_private_key_file must be specified",
            )
            .set_help("set \"ssh_bastion_private_key_file\" to the key that logs in to the bastion, or \"ssh_bastion_agent_auth\": true");
        }
        self.local_file(
            ebs.ssh_bastion_private_key_file.as_deref(),
            at("ssh_bastion_private_key_file"),
            &field("ssh_bastion_private_key_file"),
            "ssh_bastion_private_key_file",
        );
    }

    pub(super) fn block_device_rules(&mut self, device: &BlockDevice, at: Position, path: &str) {
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
}

impl Checker<'_> {
    /// Packer 1.6.6 decodes every `filters` value of `source_ami_filter` as one string
    /// ("expected type 'string'"): a list is refused, even of one. (The network filters'
    /// lists are still read as several values; Packer 1.6.6 refuses those too.)
    fn filter_values(&mut self, node: &Node, path: &str) {
        for key in ["source_ami_filter"] {
            let Some(filters) = node
                .get(key)
                .and_then(|m| m.value.get("filters"))
                .and_then(|m| m.value.members())
            else {
                continue;
            };
            for m in filters {
                if m.value.items().is_some() {
                    self.error(
                        Code::WrongType,
                        m.value.at,
                        format!("{path}.{key}.filters.{}", m.key),
                        format!("filter \"{}\" must be a string, not a list (Packer: expected type 'string')", m.key),
                    )
                    .set_help("give one value; wildcards match several: \"name\": \"ubuntu/images/*-22.04-*\"");
                }
            }
        }
    }

    /// A JSON number with a fraction where a whole number goes: Packer (Go) truncates it
    /// and so does the model; AWS takes whole GiB, IOPS and MiB/s, so this says so.
    fn fractional_numbers(&mut self, device: &Node, path: &str) {
        for key in ["volume_size", "iops", "throughput"] {
            let Some(m) = device.get(key) else { continue };
            let Value::Number(n) = &m.value.value else {
                continue;
            };
            if n.is_f64()
                && let Some(f) = n.as_f64().filter(|f| f.fract() != 0.0)
            {
                self.warn(
                    Code::InvalidValue,
                    m.value.at,
                    join(path, key),
                    format!(
                        "{key} {n} is not a whole number: it is used as {}",
                        f.trunc()
                    ),
                )
                .set_help(format!(
                    "write {} or {} (AWS takes whole numbers)",
                    f.trunc(),
                    f.ceil()
                ));
            }
        }
    }

    /// Provisioned IOPS: Packer's ranges (io1/io2 100 to 64000, gp3 3000 to 16000) and
    /// AWS's IOPS-to-size ratios (io1 50:1, io2 500:1). AWS requires iops for io1 and io2
    /// (Packer 1.6.6 only asks when volume_size is set).
    fn iops_rules(&mut self, device: &BlockDevice, node: Option<&Node>, at: Position, path: &str) {
        let kind = device.volume_type.as_deref().unwrap_or("");
        let iops_at = node.map(|n| at_of(n, "iops")).unwrap_or(at);
        let field = join(path, "iops");
        let name = device.device_name.as_deref().unwrap_or("");
        match (kind, device.iops) {
            ("io1" | "io2", None) => {
                let type_at = node.map(|n| at_of(n, "volume_type")).unwrap_or(at);
                self.error(
                    Code::Missing,
                    type_at,
                    field,
                    format!("IOPS must be between 100 and 64000 for device {name}"),
                )
                .set_help(format!("{kind} volumes need \"iops\": the provisioned IOPS, 100 to 64000 (e.g. \"iops\": 3000); or use gp3"));
            }
            ("io1" | "io2", Some(iops)) => {
                let ratio = if kind == "io1" { 50 } else { 500 };
                if !(100..=64000).contains(&iops) {
                    self.error(
                        Code::InvalidValue,
                        iops_at,
                        field,
                        format!("IOPS must be between 100 and 64000 for device {name}"),
                    )
                    .set_help(format!("{iops} is out of range for {kind}"));
                } else if let Some(size) = device.volume_size.filter(|s| *s > 0)
                    && u64::from(iops) > u64::from(size) * ratio
                {
                    self.error(
                        Code::InvalidValue,
                        iops_at,
                        field,
                        format!("{name}: the maximum ratio of provisioned IOPS to requested volume size (in GiB) is {ratio}:1 for {kind} volumes"),
                    )
                    .set_help(format!(
                        "{size} GiB allows at most {} IOPS; lower iops or make volume_size at least {} GiB",
                        u64::from(size) * ratio,
                        u64::from(iops).div_ceil(ratio)
                    ));
                }
            }
            ("gp3", Some(iops)) if !(3000..=16000).contains(&iops) => {
                self.error(
                    Code::InvalidValue,
                    iops_at,
                    field,
                    format!("IOPS must be between 3000 and 16000 for device {name}"),
                )
                .set_help(
                    "gp3 includes 3000 IOPS: remove iops for the baseline, or set 3000 to 16000",
                );
            }
            _ => {}
        }
    }
}

/// Where a bad AMI name comes from in the name as written: the first character it may not
/// hold outside `{{ }}`, else the first `{{ }}` (whose value holds one).
fn culprit(written: &str) -> usize {
    let mut first_action = None;
    let mut depth = 0;
    let chars: Vec<char> = written.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '{' && chars.get(i + 1) == Some(&'{') {
            first_action.get_or_insert(i);
            depth += 1;
            i += 2;
            continue;
        }
        if depth > 0 && chars[i] == '}' && chars.get(i + 1) == Some(&'}') {
            depth -= 1;
            i += 2;
            continue;
        }
        if depth == 0 && !render::ami_name_char(chars[i]) {
            return i;
        }
        i += 1;
    }
    first_action.unwrap_or(0)
}
