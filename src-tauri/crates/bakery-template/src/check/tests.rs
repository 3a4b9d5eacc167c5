//! Unit tests of the checker: one or more per rule.

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
    let base = r#""type": "amazon-ebs", "region": "eu-west-1", "source_ami": "ami-0123abcd", "instance_type": "t3.micro", "ssh_username": "ec2-user", "ami_name": "web {{timestamp}}""#;
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
fn without_a_communicator_only_shell_local_steps_may_run() {
    let builders = r#""builders": [{"type": "amazon-ebs", "name": "quiet", "communicator": "none", "region": "eu-west-1", "source_ami": "ami-0123abcd", "instance_type": "t3.micro", "ami_name": "q {{timestamp}}"}, {"type": "amazon-ebs", "name": "ssh", "ssh_username": "admin", "region": "eu-west-1", "source_ami": "ami-0123abcd", "instance_type": "t3.micro", "ami_name": "s {{timestamp}}"}]"#;
    let text = format!(
        r#"{{{builders}, "provisioners": [
            {{"type": "shell-local", "inline": ["echo here"]}},
            {{"type": "shell", "inline": ["true"], "only": ["ssh"]}},
            {{"type": "shell", "inline": ["true"], "except": ["ssh"]}},
            {{"type": "file", "direction": "download", "source": "/etc/hostname", "destination": "out/"}}
        ]}}"#
    );
    let checked = run(&text);
    let errors: Vec<(&str, Code)> = checked
        .errors()
        .map(|d| (d.field.as_str(), d.code))
        .collect();
    assert_eq!(
        errors,
        [
            ("provisioners[2].type", Code::Conflict),
            ("provisioners[3].type", Code::Conflict),
        ],
        "{:#?}",
        checked.diagnostics
    );
    let message = &checked.errors().next().unwrap().message;
    assert!(message.contains("'quiet'"), "{message}");
}

#[test]
fn a_download_may_take_several_sources_like_packer() {
    let text = format!(
        r#"{{"builders": [{}], "provisioners": [{{"type": "file", "direction": "download", "sources": ["/etc/hostname", "/var/log/app/"], "destination": "out/"}}]}}"#,
        &ebs("")[14..ebs("").len() - 2]
    );
    let checked = run(&text);
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    assert_eq!(checked.warnings().count(), 0, "{:#?}", checked.diagnostics);
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
    // Pointed at the action whose value holds the ':' ...
    let text = ebs(r#""ami_name": "web {{isotime}}""#);
    assert_eq!(d.column, text.find("{{isotime").unwrap() as u32 + 1);
    // ... or at the bad character itself.
    let text = ebs(r#""ami_name": "web:{{timestamp}}""#);
    let d = only_error(r#""ami_name": "web:{{timestamp}}""#);
    assert_eq!(d.column, text.find("web:").unwrap() as u32 + 4);
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
            r#""security_group_id": "sg-11111111", "security_group_ids": ["sg-22222222"]"#,
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
            r#""temporary_vpc": {}, "subnet_id": "subnet-11111111""#,
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
    let d = only_error(r#""enable_nitro_enclave": true"#);
    assert_eq!(d.code, Code::NotSupported);
    let d = only_error(
        r#""source_ami_filter": {"filters": {}, "owner": ["amazon"]}, "source_ami": "ami-1234abcd""#,
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
        r#""ssh_private_ip": true, "ami_name": "x {{clean_ami_name `a:b`}}", "force_delete_snapshot": true, "security_group_id": "sg-11111111", "temporary_security_group_source_public_ip": true"#,
    ));
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    assert_eq!(checked.warnings().count(), 4, "{:#?}", checked.diagnostics);
}

#[test]
fn unsupported_builders_provisioners_and_post_processors_are_errors_at_their_line() {
    let text = "{\"builders\": [{\"type\": \"amazon-chroot\"}, {\"type\": \"amazon-ebz\"}],\n\"provisioners\": [{\"type\": \"chef-solo\", \"cookbook_paths\": [\"cookbooks\"]}],\n\"post-processors\": [\"compress\", [{\"type\": \"manifest\"}, {\"type\": \"checksum\"}]]}";
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
            r#"{"type": "shell", "inline": ["a"], "use_env_var_file": true}"#,
            "does not support yet",
        ),
        (
            r#"{"type": "shell", "inline": ["a"], "override": {"amazon-ebz": {}}}"#,
            "override 'amazon-ebz' doesn't exist",
        ),
        (
            r#"{"type": "shell", "inline": ["a"], "override": {"amazon-ebs": {"bogus": 1}}}"#,
            "unknown configuration key: \"bogus\"",
        ),
        (
            r#"{"type": "shell", "inline": ["a"], "override": {"amazon-ebs": {"script": "b.sh"}}}"#,
            "Only one of inline, script or scripts can be specified (found inline and script) (for builder amazon-ebs)",
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
            r#"{"type": "file", "source": "a", "content": "hello", "destination": "/tmp/x"}"#,
            "Only one of source, sources, or content",
        ),
        (
            r#"{"type": "file", "content": "hello"}"#,
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
    let text = r#"{"variables": {"region": null, "port": "2222"}, "builders": [{"type": "amazon-ebs", "region": "{{user `region`}}", "source_ami": "ami-1234abcd", "instance_type": "t3.micro", "ssh_username": "admin", "ssh_port": "{{user `port`}}", "ami_name": "{{build_name}}-{{user `region`}}"}]}"#;
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
    let typo = errors
        .iter()
        .find(|d| d.help.as_deref() == Some("did you mean timestamp?"))
        .unwrap();
    let text = ebs(r#""ami_description": "{{env `HOME`}}", "ami_name": "x {{timestmap}}""#);
    assert_eq!(typo.column, text.find("{{timestmap").unwrap() as u32 + 1);
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
fn two_builders_may_not_make_the_same_ami_in_the_same_region() {
    let builder = |name: &str, region: &str, copies: &str| {
        format!(
            r#"{{"type": "amazon-ebs", "name": "{name}", "region": "{region}", "ami_regions": [{copies}], "source_ami": "ami-1234abcd", "instance_type": "t3.micro", "ssh_username": "u", "ami_name": "web {{{{timestamp}}}}"}}"#
        )
    };
    let text = format!(
        r#"{{"builders": [{}, {}]}}"#,
        builder("a", "us-east-1", ""),
        builder("b", "eu-west-1", r#""us-east-1""#)
    );
    let checked = run(&text);
    assert_eq!(
        messages(&checked),
        ["builders[0] already creates an AMI named \"web 1741064767\" in us-east-1"]
    );
    assert_eq!(
        checked.errors().next().unwrap().field,
        "builders[1].ami_name"
    );
    let text = format!(
        r#"{{"builders": [{}, {}]}}"#,
        builder("a", "us-east-1", ""),
        builder("b", "eu-west-1", "")
    );
    assert!(run(&text).is_valid());
}

#[test]
fn build_name_in_a_provisioner_is_the_first_builder_it_runs_for() {
    let text = r#"{"builders": [
        {"type": "amazon-ebs", "name": "a", "region": "us-east-1", "source_ami": "ami-1234abcd", "instance_type": "t3.micro", "ssh_username": "u", "ami_name": "{{build_name}}-x"},
        {"type": "amazon-ebs", "name": "b", "region": "us-east-1", "source_ami": "ami-1234abcd", "instance_type": "t3.micro", "ssh_username": "u", "ami_name": "{{build_name}}-x"}],
      "provisioners": [
        {"type": "shell", "inline": ["echo {{build_name}}"], "only": ["b"]},
        {"type": "shell", "inline": ["echo {{build_name}}"], "except": ["a"]},
        {"type": "shell", "inline": ["echo {{build_name}}"]}]}"#;
    let checked = run(text);
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let said: Vec<String> = checked
        .template
        .unwrap()
        .provisioners
        .iter()
        .map(|p| match p {
            Provisioner::Shell(s) => s.inline.as_ref().unwrap()[0].clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(said, ["echo b", "echo b", "echo a"]);
}

#[test]
fn an_override_becomes_a_step_of_its_own_for_its_builder() {
    let builder = |name: &str| {
        format!(
            r#"{{"type": "amazon-ebs", "name": "{name}", "region": "us-east-1", "source_ami": "ami-1234abcd", "instance_type": "t3.micro", "ssh_username": "u", "ami_name": "{name} {{{{timestamp}}}}"}}"#
        )
    };
    let template = |provisioner: &str| {
        format!(
            r#"{{"builders": [{}, {}, {}], "provisioners": [{provisioner}]}}"#,
            builder("a"),
            builder("b"),
            builder("c")
        )
    };
    // (provisioner, the steps it becomes: (only, except, execute_command))
    type Step = (Option<Vec<String>>, Option<Vec<String>>, Option<String>);
    let steps = |provisioner: &str| -> Vec<Step> {
        let checked = run(&template(provisioner));
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        checked
            .template
            .unwrap()
            .provisioners
            .into_iter()
            .map(|p| match p {
                Provisioner::Shell(s) => {
                    assert!(s.overrides.is_none());
                    (s.only, s.except, s.execute_command)
                }
                _ => unreachable!(),
            })
            .collect()
    };
    let v = |names: &[&str]| Some(names.iter().map(|n| n.to_string()).collect::<Vec<_>>());
    let cmd = |c: &str| Some(c.to_string());

    assert_eq!(
        steps(
            r#"{"type": "shell", "inline": ["x"], "execute_command": "sudo", "override": {"b": {"execute_command": "su"}}}"#
        ),
        [(None, v(&["b"]), cmd("sudo")), (v(&["b"]), None, cmd("su"))]
    );
    assert_eq!(
        steps(
            r#"{"type": "shell", "inline": ["x"], "only": ["a", "b"], "override": {"b": {"execute_command": "su"}}}"#
        ),
        [(v(&["a"]), None, None), (v(&["b"]), None, cmd("su"))]
    );
    assert_eq!(
        steps(
            r#"{"type": "shell", "inline": ["x"], "only": ["b"], "override": {"b": {"execute_command": "su"}}}"#
        ),
        [(v(&["b"]), None, cmd("su"))]
    );
    assert_eq!(
        steps(
            r#"{"type": "shell", "inline": ["x"], "except": ["b"], "override": {"b": {"execute_command": "su"}}}"#
        ),
        [(None, v(&["b"]), None)],
        "an override for a builder the step skips changes nothing"
    );
}

#[test]
fn values_aws_refuses_are_caught_before_the_bake() {
    for (extra, message) in [
        (
            r#""region": "eu-west-1a""#,
            "\"eu-west-1a\" is not an AWS region",
        ),
        (
            r#""ami_regions": ["us-east"]"#,
            "\"us-east\" is not an AWS region",
        ),
        (
            r#""source_ami": "ami-12345""#,
            "\"ami-12345\" is not an AMI id",
        ),
        (
            r#""vpc_id": "subnet-4d13d12a""#,
            "\"subnet-4d13d12a\" is not a VPC id",
        ),
        (
            r#""security_group_ids": ["sg-1"]"#,
            "\"sg-1\" is not a security group id",
        ),
        (
            r#""instance_type": "t3micro""#,
            "\"t3micro\" is not an EC2 instance type",
        ),
        (r#""tags": {"aws:owner": "me"}"#, "reserved by AWS"),
        (
            r#""run_tags": {"Name": ""}, "snapshot_tags": {"": "x"}"#,
            "can't be empty",
        ),
    ] {
        let d = only_error(extra);
        assert!(d.message.contains(message), "{extra}: {}", d.message);
    }
    let d = only_error(r#""region": "eu-west-1a""#);
    assert_eq!(
        d.help.as_deref(),
        Some("eu-west-1a is an availability zone; its region is eu-west-1")
    );
    let long = "x".repeat(256);
    let d = only_error(&format!(r#""ami_description": "{long}""#));
    assert!(d.message.contains("AWS allows 255"));
    // Values that are still templates are not judged.
    assert!(
        run(&ebs(
            r#""tags": {"Source": "{{ .SourceAMI }}", "{{ .BuildRegion }}": "x"}"#
        ))
        .is_valid()
    );
}

#[test]
fn a_required_variable_without_a_value_does_not_cascade() {
    let text = r#"{"variables": {"region": null, "key": null, "types": null},
        "builders": [{"type": "amazon-ebs", "region": "{{user `region`}}", "source_ami": "ami-1234abcd",
        "instance_type": "t3.micro", "ssh_username": "u", "ami_name": "x {{timestamp}}",
        "encrypt_boot": true, "kms_key_id": "{{user `key`}}", "ami_regions": ["{{user `region`}}"],
        "ami_users": ["{{user `types`}}"]}]}"#;
    assert_eq!(
        messages(&run(text)),
        [
            "required variable not set: region",
            "required variable not set: key",
            "required variable not set: types"
        ]
    );
}

#[test]
fn ssh_open_to_the_internet_is_a_warning() {
    let checked = run(&ebs(
        r#""temporary_security_group_source_cidrs": ["0.0.0.0/0"]"#,
    ));
    assert!(checked.is_valid());
    let warnings: Vec<&str> = checked.warnings().map(|d| d.message.as_str()).collect();
    assert_eq!(
        warnings,
        ["0.0.0.0/0 lets the whole internet try SSH on the instance while it is baked"]
    );
}

#[test]
fn durations() {
    for ok in ["5m", "1h30m", "300ms", "1.5h", "0", "10s"] {
        assert!(valid_duration(ok), "{ok}");
    }
    for bad in ["", "5", "5 m", "m", "1x", "1..5s", "-5s"] {
        assert!(!valid_duration(bad), "{bad}");
    }
    use std::time::Duration;
    assert_eq!(go_duration("1h30m"), Some(Duration::from_secs(5400)));
    assert_eq!(go_duration("1m30.5s"), Some(Duration::from_millis(90_500)));
    assert_eq!(go_duration("250ms"), Some(Duration::from_millis(250)));
    assert_eq!(go_duration("0"), Some(Duration::ZERO));
}

#[test]
fn network_filters_are_read_and_checked_like_packer() {
    let checked = run(&ebs(
        r#""security_group_filter": {"filters": {"tag:Class": "packer"}}, "subnet_filter": {"filters": {"tag:Tier": ["build", "ci"]}, "most_free": "true", "random": true}, "vpc_filter": {"filters": {"tag:Name": "main"}}"#,
    ));
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    let Builder::AmazonEbs(b) = &checked.template.unwrap().builders[0];
    let subnet = b.subnet_filter.as_ref().unwrap();
    assert_eq!(subnet.most_free, Some(true));
    assert_eq!(
        subnet.filters.as_ref().unwrap()["tag:Tier"],
        ["build", "ci"]
    );
    assert_eq!(
        b.security_group_filter
            .as_ref()
            .unwrap()
            .filters
            .as_ref()
            .unwrap()["tag:Class"],
        ["packer"]
    );

    // Packer: an option a filter does not have is an unknown key, located at the key.
    let d = only_error(r#""vpc_filter": {"filters": {"tag:A": "b"}, "most_free": true}"#);
    assert_eq!(
        (d.code, d.field.as_str()),
        (Code::UnknownKey, "builders[0].vpc_filter.most_free")
    );
}

#[test]
fn a_network_filter_beside_its_id_or_without_filters_does_nothing_and_says_so() {
    // Packer 1.6.6 accepts both and ignores the filter: warnings, not errors.
    let checked = run(&ebs(
        r#""security_group_ids": ["sg-0123abcd"], "security_group_filter": {"filters": {"tag:A": "b"}}, "subnet_id": "subnet-0123abcd", "subnet_filter": {"filters": {"tag:A": "b"}}, "vpc_filter": {}"#,
    ));
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let warnings: Vec<(&str, &str)> = checked
        .warnings()
        .map(|d| (d.field.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [
            (
                "builders[0].security_group_filter",
                "security_group_filter has no effect: security_group_ids is set"
            ),
            (
                "builders[0].subnet_filter",
                "subnet_filter has no effect: subnet_id is set"
            ),
            (
                "builders[0].vpc_filter.filters",
                "vpc_filter has no filters: it has no effect"
            ),
        ]
    );
    // The filter's groups replace the temporary group, as given ids do.
    let checked = run(&ebs(
        r#""security_group_filter": {"filters": {"tag:A": "b"}}, "temporary_security_group_source_cidrs": ["10.0.0.0/8"]"#,
    ));
    assert_eq!(checked.warnings().count(), 1, "{:#?}", checked.diagnostics);
}

#[test]
fn network_filters_conflict_with_a_temporary_vpc() {
    let d = only_error(r#""temporary_vpc": {}, "subnet_filter": {"filters": {"tag:A": "b"}}"#);
    assert_eq!(
        (d.code, d.field.as_str()),
        (Code::Conflict, "builders[0].subnet_filter")
    );
}

#[test]
fn a_bastion_needs_a_way_to_log_in() {
    let d = only_error(r#""ssh_bastion_host": "jump.example.com""#);
    assert_eq!(d.code, Code::Missing);
    assert_eq!(d.field, "builders[0].ssh_bastion_private_key_file");
    assert_eq!(
        d.message,
        "ssh_bastion_password or ssh_bastion_private_key_file must be specified"
    );
    for login in [
        r#""ssh_bastion_password": "pw""#,
        r#""ssh_bastion_agent_auth": true"#,
        r#""ssh_bastion_private_key_file": "jump.pem""#,
        // Packer falls back to the instance's key.
        r#""ssh_keypair_name": "k", "ssh_private_key_file": "key.pem""#,
    ] {
        let checked = run(&ebs(&format!(
            r#""ssh_bastion_host": "jump.example.com", "ssh_bastion_port": "2222", {login}"#
        )));
        assert!(
            checked.diagnostics.is_empty(),
            "{login}: {:#?}",
            checked.diagnostics
        );
    }
    let checked = run(&ebs(
        r#""ssh_bastion_host": "jump", "ssh_bastion_password": "hunter2""#,
    ));
    let Builder::AmazonEbs(b) = &checked.template.unwrap().builders[0];
    assert_eq!(format!("{:?}", b.ssh_bastion_password), "Some(***)");
}

#[test]
fn bastion_options_without_a_bastion_do_nothing_and_its_key_must_exist() {
    let checked = run(&ebs(
        r#""ssh_bastion_username": "jump", "ssh_bastion_port": 2222"#,
    ));
    assert!(checked.is_valid());
    let fields: Vec<&str> = checked.warnings().map(|d| d.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "builders[0].ssh_bastion_username",
            "builders[0].ssh_bastion_port"
        ]
    );
    let options = CheckOptions {
        local_file_exists: Some(|path| path == "there.pem"),
        ..CheckOptions::default()
    };
    let text = ebs(r#""ssh_bastion_host": "jump", "ssh_bastion_private_key_file": "gone.pem""#);
    let checked = check("t.json", &text, &options, &mut RenderContext::fixed());
    let errors: Vec<(Code, &str)> = checked
        .errors()
        .map(|d| (d.code, d.field.as_str()))
        .collect();
    assert_eq!(
        errors,
        [(Code::LocalFile, "builders[0].ssh_bastion_private_key_file")]
    );
    // Options Packer has that are not baked yet are said so.
    let d = only_error(
        r#""ssh_bastion_host": "jump", "ssh_bastion_agent_auth": true, "ssh_bastion_interactive": true"#,
    );
    assert_eq!(d.code, Code::NotSupported);
}

#[test]
fn shell_local_rules_for_provisioners_and_post_processors() {
    let with = |p: &str, pp: &str| {
        format!(
            "{}, \"provisioners\": [{p}], \"post-processors\": [{pp}]}}",
            ebs("").trim_end_matches('}')
        )
    };
    let ok = r#"{"type": "shell-local", "command": "true"}"#;
    let cases = [
        (
            r#"{"type": "shell-local"}"#,
            "Command, Inline, Script and Scripts options cannot all be empty.",
            "provisioners[0].inline",
        ),
        (
            r#"{"type": "shell-local", "inline": ["a"], "command": "b"}"#,
            "You may only specify one of the following options: Command, Inline, Script or Scripts. Please consolidate these options in your config. (found command and inline)",
            "provisioners[0].inline",
        ),
        (
            r#"{"type": "shell-local", "inline": ["a"], "environment_vars": ["=x"]}"#,
            "Environment variable not in format 'key=value': =x",
            "provisioners[0].environment_vars[0]",
        ),
        (
            r#"{"type": "shell-local", "inline": ["a"], "execute_command": []}"#,
            "execute_command needs a program to run",
            "provisioners[0].execute_command",
        ),
        (
            r#"{"type": "shell-local", "inline": ["a"], "pause_before": "soon"}"#,
            "\"soon\" is not a duration",
            "provisioners[0].pause_before",
        ),
        (
            r#"{"type": "shell-local", "inline": ["a"], "except": ["amazon-ebz"]}"#,
            "'except' specified builder 'amazon-ebz' not found",
            "provisioners[0].except[0]",
        ),
        (
            r#"{"type": "shell-local", "inline": ["a"], "only_on": ["linux"]}"#,
            "\"only_on\" is a Packer option that AMI Bakery does not support yet",
            "provisioners[0].only_on",
        ),
    ];
    for (provisioner, message, field) in cases {
        let checked = run(&with(provisioner, ok));
        let errors: Vec<(&str, &str)> = checked
            .errors()
            .map(|d| (d.message.as_str(), d.field.as_str()))
            .collect();
        assert_eq!(errors, [(message, field)], "{provisioner}");
        // The same step as a post-processor (pause_before is a provisioner's option only).
        if !provisioner.contains("pause_before") {
            let checked = run(&with(ok, provisioner));
            let errors: Vec<(&str, String)> = checked
                .errors()
                .map(|d| (d.message.as_str(), d.field.clone()))
                .collect();
            let field = field.replace("provisioners[0]", "post-processors[0]");
            assert_eq!(errors, [(message, field)], "post-processor {provisioner}");
        }
    }
    // A bare "shell-local" post-processor has nothing to run.
    let checked = run(&with(ok, r#"["manifest", "shell-local"]"#));
    assert_eq!(
        messages(&checked),
        ["Command, Inline, Script and Scripts options cannot all be empty."]
    );
    // A script that never runs is a warning.
    let checked = run(&with(
        r#"{"type": "shell-local", "inline": ["a"], "execute_command": ["bash", "-c", "echo"]}"#,
        ok,
    ));
    assert!(checked.is_valid());
    assert_eq!(checked.warnings().count(), 1);
}

#[test]
fn shell_local_steps_are_in_the_model_in_order() {
    let text = format!(
        "{}, \"provisioners\": [{{\"type\": \"shell-local\", \"inline\": [\"echo {{{{build_name}}}}\"], \"environment_vars\": [\"A=1\"], \"execute_command\": \"bash {{{{.Script}}}}\"}}], \"post-processors\": [[{{\"type\": \"manifest\", \"output\": \"m.json\"}}, {{\"type\": \"shell-local\", \"script\": \"read.sh\", \"only\": [\"amazon-ebs\"]}}]]}}",
        ebs("").trim_end_matches('}')
    );
    let checked = run(&text);
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    let template = checked.template.unwrap();
    let Provisioner::ShellLocal(local) = &template.provisioners[0] else {
        panic!("{:?}", template.provisioners);
    };
    assert_eq!(local.inline.as_ref().unwrap()[0], "echo amazon-ebs");
    assert_eq!(
        local.execute_command.as_deref(),
        Some(&["bash {{.Script}}".to_string()][..]),
        "build-time placeholders stay for the engine; one string is a list of one"
    );
    let chain = &template.post_processors[0];
    assert!(matches!(chain[0], PostProcessor::Manifest(_)));
    let PostProcessor::ShellLocal(local) = &chain[1] else {
        panic!("{chain:?}");
    };
    assert_eq!(local.script.as_deref(), Some("read.sh"));
    assert_eq!(local.only.as_deref(), Some(&["amazon-ebs".to_string()][..]));
}

#[test]
fn provisioned_iops_ranges_and_ratios() {
    let d = only_error(
        r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "io1", "volume_size": 100}]"#,
    );
    assert_eq!(
        d.message,
        "IOPS must be between 100 and 64000 for device /dev/xvda"
    );
    assert_eq!(d.field, "builders[0].launch_block_device_mappings[0].iops");
    assert_eq!(d.code, Code::Missing);
    let d = only_error(
        r#""ami_block_device_mappings": [{"device_name": "/dev/xvdf", "volume_type": "io2", "volume_size": 100, "iops": 50}]"#,
    );
    assert_eq!(
        d.message,
        "IOPS must be between 100 and 64000 for device /dev/xvdf"
    );
    assert_eq!(d.field, "builders[0].ami_block_device_mappings[0].iops");
    // Located at the value.
    let text = ebs(
        r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "io1", "volume_size": 10, "iops": 5000}]"#,
    );
    let checked = run(&text);
    let d = checked.errors().next().unwrap();
    assert!(d.message.contains("is 50:1 for io1 volumes"), "{d:?}");
    assert_eq!(d.column as usize, text.find("5000").unwrap() + 1);
    assert!(d.help.as_deref().unwrap().contains("at most 500 IOPS"));
    let d = only_error(
        r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "gp3", "iops": 1000}]"#,
    );
    assert_eq!(
        d.message,
        "IOPS must be between 3000 and 16000 for device /dev/xvda"
    );
    // Within range and ratio: io2 allows 500 per GiB; gp3 iops is optional.
    for ok in [
        r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "io2", "volume_size": 10, "iops": 5000}]"#,
        r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "io1", "volume_size": 100, "iops": 5000}]"#,
        r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "gp3", "iops": 3000}]"#,
        r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_type": "gp3"}]"#,
    ] {
        let checked = run(&ebs(ok));
        assert!(checked.is_valid(), "{ok}: {:#?}", checked.diagnostics);
    }
}

#[test]
fn an_image_encrypted_with_the_default_key_cannot_be_shared() {
    let d = only_error(r#""encrypt_boot": true, "ami_users": ["123456789012"]"#);
    assert_eq!(d.message, "Cannot share AMI encrypted with default KMS key");
    assert_eq!(d.field, "builders[0].ami_users");
    assert!(d.help.as_deref().unwrap().contains("kms_key_id"));
    // Packer's condition: ami_users, encrypt_boot and no kms_key_id (region keys don't count).
    let d = only_error(
        r#""encrypt_boot": true, "ami_users": ["123456789012"], "ami_regions": ["us-east-1"], "region_kms_key_ids": {"us-east-1": "alias/share"}"#,
    );
    assert_eq!(d.message, "Cannot share AMI encrypted with default KMS key");
    let checked = run(&ebs(
        r#""encrypt_boot": true, "kms_key_id": "alias/share", "ami_users": ["123456789012"]"#,
    ));
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let checked = run(&ebs(r#""ami_users": ["123456789012"]"#));
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
}

#[test]
fn filter_values_are_one_string_each() {
    let text = ebs(
        r#""source_ami": "", "source_ami_filter": {"filters": {"name": ["a-*", "b-*"]}, "owners": ["amazon"], "most_recent": true}"#,
    );
    let checked = run(&text);
    let errors: Vec<&Diagnostic> = checked.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].field,
        "builders[0].source_ami_filter.filters.name"
    );
    assert_eq!(
        errors[0].column as usize,
        text.find("[\"a-*\"").unwrap() + 1
    );
    let d = only_error(
        r#""source_ami": "", "source_ami_filter": {"filters": {"name": ["a-*"]}, "owners": ["amazon"]}"#,
    );
    assert_eq!(d.code, Code::WrongType);
}

#[test]
fn a_filter_or_value_that_failed_is_not_judged_again() {
    // An unreadable source_ami_filter is its own error, not also "no source AMI".
    let d = only_error(
        r#""source_ami": "", "source_ami_filter": {"filters": {"name": "a-*"}, "owners": ["amazon"], "most_recent": "yes"}"#,
    );
    assert_eq!(d.field, "builders[0].source_ami_filter");
    let d = only_error(r#""source_ami": "", "source_ami_filter": "ubuntu-*""#);
    assert_eq!(d.field, "builders[0].source_ami_filter");
    // A value whose {{ }} failed is not then checked as a key id or account id.
    let d = only_error(
        r#""encrypt_boot": true, "kms_key_id": "arn:aws:kms:eu-west-1:123456789012:key/{{ keyid }}""#,
    );
    assert_eq!(d.code, Code::Render);
}

#[test]
fn an_undeclared_user_variable_renders_empty_with_a_warning_as_in_packer() {
    let checked = run(&ebs(
        r#""ami_users": "{{user `nobody`}}", "ami_description": "by {{user `team`}}""#,
    ));
    assert_eq!(
        messages(&checked),
        Vec::<String>::new(),
        "{:#?}",
        checked.diagnostics
    );
    let warnings: Vec<&Diagnostic> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::Variable)
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(
        warnings[0]
            .message
            .contains("variable nobody is not declared")
            && warnings[0].message.contains("renders as empty"),
        "{warnings:#?}"
    );
    assert!(warnings[0].help.as_deref().unwrap().contains("declare it"));
    let template = checked.template.unwrap();
    let Builder::AmazonEbs(b) = &template.builders[0];
    assert_eq!(b.ami_description.as_deref(), Some("by "));
    assert!(
        b.ami_users.as_ref().is_none_or(|u| u.is_empty()),
        "shared with nobody: {:?}",
        b.ami_users
    );
    // A required setting that renders empty is still required.
    let d = only_error(r#""ssh_username": "{{user `who`}}""#);
    assert_eq!(d.field, "builders[0].ssh_username");
}

#[test]
fn syntax_only_refuses_what_packer_refuses_at_parse() {
    let syntax_only = |text: &str, var_file: Option<&str>| {
        let mut options = CheckOptions {
            syntax_only: true,
            ..Default::default()
        };
        if let Some(text) = var_file {
            options.inputs.var_files.push(crate::VarFile {
                name: "v.json".into(),
                text: text.into(),
            });
        }
        check("t.json", text, &options, &mut RenderContext::fixed())
    };
    let builders = r#""builders": [{"type": "amazon-ebs"}]"#;
    for (text, field) in [
        (
            format!(r#"{{"variables": {{"size": 30}}, {builders}}}"#),
            "variables.size",
        ),
        (
            format!(r#"{{"variables": {{"on": true}}, {builders}}}"#),
            "variables.on",
        ),
        (
            format!(r#"{{"variables": ["a"], {builders}}}"#),
            "variables",
        ),
        (
            format!(r#"{{"variables": {{"a": ""}}, "sensitive-variables": "a", {builders}}}"#),
            "sensitive-variables",
        ),
        (
            format!(
                r#"{{{builders}, "provisioners": [{{"type": "shell", "pause_before": "10 seconds"}}]}}"#
            ),
            "provisioners[0].pause_before",
        ),
    ] {
        let checked = syntax_only(&text, None);
        let errors: Vec<&Diagnostic> = checked.errors().collect();
        assert_eq!(errors.len(), 1, "{text}: {errors:#?}");
        assert_eq!(errors[0].field, field);
    }
    let text = format!(r#"{{"variables": {{"size": ""}}, {builders}}}"#);
    let checked = syntax_only(&text, Some(r#"{"size": 30}"#));
    assert_eq!(checked.errors().count(), 1, "{:#?}", checked.diagnostics);
    assert_eq!(checked.errors().next().unwrap().file, "v.json");
    // Required variables without a value, an empty builder list: only in a full check.
    for text in [
        format!(r#"{{"variables": {{"r": null}}, {builders}}}"#),
        r#"{"builders": []}"#.to_string(),
    ] {
        let checked = syntax_only(&text, None);
        assert!(checked.is_valid(), "{text}: {:#?}", checked.diagnostics);
    }
    assert!(!run(r#"{"builders": []}"#).is_valid());
}

#[test]
fn a_negative_pause_before_is_accepted_like_packer_with_a_warning() {
    let text = format!(
        r#"{{"builders": [{{{}}}], "provisioners": [{{"type": "shell", "inline": ["true"], "pause_before": "-5s"}}]}}"#,
        &ebs("")[15..ebs("").len() - 3]
    );
    let checked = run(&text);
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let warning = checked.warnings().next().unwrap();
    assert_eq!(warning.field, "provisioners[0].pause_before");
    assert!(warning.message.contains("does not pause"));
}

#[test]
fn min_packer_version_must_be_a_version_and_generated_is_not_supported_yet() {
    for ok in ["1.5", "1.6.6", "v1.7.0-beta", "1.6.0+ent"] {
        let checked = run(&format!(
            r#"{{"min_packer_version": "{ok}", {}"#,
            &ebs("")[1..]
        ));
        assert!(checked.is_valid(), "{ok}: {:#?}", checked.diagnostics);
    }
    let checked = run(&format!(
        r#"{{"min_packer_version": "latest", {}"#,
        &ebs("")[1..]
    ));
    assert_eq!(
        messages(&checked),
        ["min_version is invalid: Malformed version: latest"]
    );
    assert_eq!(checked.errors().next().unwrap().column, 24);
    let text = format!(
        r#"{{"builders": [{{{}}}], "provisioners": [{{"type": "file", "source": "a", "destination": "/tmp/a", "generated": true}}]}}"#,
        &ebs("")[15..ebs("").len() - 3]
    );
    let checked = run(&text);
    let errors: Vec<&Diagnostic> = checked.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, Code::NotSupported);
    assert_eq!(errors[0].field, "provisioners[0].generated");
}

#[test]
fn a_build_time_variable_nothing_fills_is_located() {
    let text = ebs(r#""ami_name": "quick {{.CreateTime}}""#);
    let checked = run(&text);
    let errors: Vec<&Diagnostic> = checked.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].field, "builders[0].ami_name");
    assert_eq!(
        errors[0].column as usize,
        text.find("{{.Create").unwrap() + 1
    );
}

#[test]
fn build_name_in_a_manifest_output_is_the_builder_it_runs_for() {
    let text = format!(
        r#"{{"builders": [{{{}}}], "post-processors": [{{"type": "manifest", "output": "out/{{{{build_name}}}}-manifest.json"}}]}}"#,
        &ebs("")[15..ebs("").len() - 3]
    );
    let checked = run(&text);
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let PostProcessor::Manifest(m) = &checked.template.unwrap().post_processors[0][0] else {
        panic!("a manifest");
    };
    assert_eq!(m.output.as_deref(), Some("out/amazon-ebs-manifest.json"));
}

#[test]
fn a_fractional_volume_size_is_truncated_like_packer_with_a_warning() {
    let text = ebs(
        r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": 8.5, "volume_type": "gp2"}]"#,
    );
    let checked = run(&text);
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let warning = checked.warnings().next().unwrap();
    assert_eq!(
        warning.field,
        "builders[0].launch_block_device_mappings[0].volume_size"
    );
    assert_eq!(warning.column as usize, text.find("8.5").unwrap() + 1);
    let Builder::AmazonEbs(b) = &checked.template.unwrap().builders[0];
    assert_eq!(
        b.launch_block_device_mappings.as_ref().unwrap()[0].volume_size,
        Some(8)
    );
    // A string is parsed as an integer and refused, as in Packer.
    let d = only_error(
        r#""launch_block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": "8.5"}]"#,
    );
    assert_eq!(d.code, Code::WrongType);
}

#[test]
fn a_missing_region_falls_back_to_the_aws_configuration_as_in_packer() {
    // Nothing outside the template names one: the build must.
    let d = only_error(r#""region": """#);
    assert_eq!(d.field, "builders[0].region");
    assert_eq!(d.message, "region must be specified");
    assert!(d.help.as_deref().unwrap().contains("AWS_REGION"));

    // The environment or the profile names one: the bake goes there, and says so.
    let options = CheckOptions {
        default_region: Some(crate::DefaultRegion {
            region: "eu-west-1".into(),
            from: "AWS_DEFAULT_REGION".into(),
        }),
        ..CheckOptions::default()
    };
    let without = ebs("").replace(r#""region": "eu-west-1", "#, "");
    assert!(!without.contains("region"), "{without}");
    for text in [without.clone(), ebs(r#""region": """#)] {
        let checked = check("t.json", &text, &options, &mut RenderContext::fixed());
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        let warning = checked.warnings().next().expect("a warning");
        assert_eq!(warning.field, "builders[0].region");
        assert_eq!(
            warning.message,
            "region is not set: baking in eu-west-1, taken from AWS_DEFAULT_REGION"
        );
        let Builder::AmazonEbs(b) = &checked.template.unwrap().builders[0];
        assert_eq!(b.region.as_deref(), Some("eu-west-1"));
    }
    // A region the template names wins.
    let checked = check("t.json", &ebs(""), &options, &mut RenderContext::fixed());
    assert_eq!(checked.warnings().count(), 0, "{:#?}", checked.diagnostics);
}

#[test]
fn spot_tags_are_baked_with_spot_price_and_a_no_op_without() {
    let checked = run(&ebs(r#""spot_price": "auto", "spot_tags": {"Team": "ci"}"#));
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    assert_eq!(checked.warnings().count(), 0, "{:#?}", checked.diagnostics);
    let checked = run(&ebs(r#""spot_tags": {"Team": "ci"}"#));
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let warnings: Vec<(&str, &str)> = checked
        .warnings()
        .map(|d| (d.field.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        [(
            "builders[0].spot_tags",
            "spot_tags has no effect without spot_price: the instance is on-demand"
        )]
    );
}

#[test]
fn options_the_engine_does_not_bake_yet_say_so_at_their_line() {
    let not_supported = |checked: &Checked| -> Vec<String> {
        checked
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::NotSupported)
            .map(|d| d.field.clone())
            .collect()
    };
    // Warnings: the verdict stays Packer's; the bake says what it does instead. Credentials
    // in the template are baked with (`bakery bake` turns them into the SDK configuration).
    let checked = run(&ebs(
        r#""profile": "prod", "access_key": "AKIA", "secret_key": "s", "assume_role": {"role_arn": "arn:aws:iam::123456789012:role/x"}, "ssh_pty": true, "temporary_key_pair_type": "rsa""#,
    ));
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    assert_eq!(
        not_supported(&checked),
        ["builders[0].temporary_key_pair_type"]
    );
    // Empty credentials (user variables left empty) are the usual idiom: nothing to say.
    let checked = run(&ebs(r#""access_key": "", "secret_key": """#));
    assert!(not_supported(&checked).is_empty());
    // communicator "none" is baked (without connecting).
    let checked = run(&ebs(r#""communicator": "none", "ssh_username": """#));
    assert!(not_supported(&checked).is_empty(), "{checked:#?}");
    // ssh_password would log in another way than the bake does: an error.
    let d = only_error(r#""ssh_password": "hunter2""#);
    assert_eq!(
        (d.code, d.field.as_str()),
        (Code::NotSupported, "builders[0].ssh_password")
    );

    let text = format!(
        r#"{{"builders": [{}], "provisioners": [{{"type": "file", "direction": "download", "source": "/tmp/x", "destination": "x", "pause_before": "5s"}}], "post-processors": [{{"type": "manifest", "custom_data": {{"k": "v"}}}}]}}"#,
        &ebs("")[14..ebs("").len() - 2]
    );
    // A download, a file step's pause and the manifest's custom_data are baked: nothing to say.
    let checked = run(&text);
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    assert!(
        not_supported(&checked).is_empty(),
        "{:#?}",
        checked.diagnostics
    );
}

#[test]
fn a_comma_separated_string_is_a_list_as_packer_decodes_it() {
    let checked = run(&ebs(
        r#""ami_users": "111111111111,222222222222", "ami_regions": "us-west-2,eu-west-1""#,
    ));
    assert_eq!(
        messages(&checked),
        Vec::<String>::new(),
        "{:#?}",
        checked.diagnostics
    );
    let template = checked.template.unwrap();
    let Builder::AmazonEbs(b) = &template.builders[0];
    assert_eq!(
        b.ami_users.as_deref(),
        Some(&["111111111111".to_string(), "222222222222".to_string()][..])
    );
    assert_eq!(b.ami_regions.as_ref().map(Vec::len), Some(2));
    // Each item is judged on its own: a bad one is named.
    let d = only_error(r#""ami_users": "111111111111,12345""#);
    assert!(d.message.contains("12345"), "{d:?}");
}

#[test]
fn the_ansible_provisioner_is_checked_like_packers_plugin_prepares_it() {
    let template = |provisioner: &str| {
        let builders = ebs(r#""name": "web""#);
        format!(
            "{},\n\"provisioners\": [{provisioner}]}}",
            builders.trim_end_matches('}')
        )
    };
    // Every option of the plugin decodes; weak decoding as for the other steps.
    let checked = run(&template(
        r#"{"type": "ansible", "playbook_file": "site.yml", "command": "ansible-playbook", "extra_arguments": ["--extra-vars", "env=prod"], "ansible_env_vars": ["ANSIBLE_NOCOLOR=True"], "ansible_ssh_extra_args": ["-o ForwardAgent=yes"], "groups": "web,db", "empty_groups": ["spare"], "host_alias": "golden", "user": "ec2-user", "local_port": "40022", "ansible_proxy_key_type": "rsa", "sftp_command": "/usr/libexec/openssh/sftp-server -e", "skip_version_check": "true", "use_sftp": true, "inventory_file_template": "{{ .HostAlias }} ansible_host={{ .Host }}\n", "keep_inventory_file": false, "galaxy_command": "ansible-galaxy", "galaxy_force_install": true, "galaxy_force_with_deps": false, "use_proxy": false, "pause_before": "5s", "override": {"web": {"user": "admin"}}}"#,
    ));
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let template_model = checked.template.as_ref().unwrap();
    let Provisioner::Ansible(ansible) = &template_model.provisioners[0] else {
        panic!("{:#?}", template_model.provisioners);
    };
    assert_eq!(
        ansible.groups.as_deref(),
        Some(&["web".to_string(), "db".to_string()][..])
    );
    assert_eq!(ansible.local_port, Some(40022));
    let Some(Provisioner::Ansible(for_web)) = template_model.provisioners.last() else {
        panic!("{:#?}", template_model.provisioners);
    };
    assert_eq!(
        for_web.user.as_deref(),
        Some("admin"),
        "the override is applied"
    );
    assert_eq!(
        for_web.inventory_file_template.as_deref(),
        Some("{{ .HostAlias }} ansible_host={{ .Host }}\n"),
        "kept as written, for the provisioner to fill"
    );

    // Packer's plugin: playbook_file is required, the key type is ECDSA or RSA.
    let checked = run(&template(
        r#"{"type": "ansible", "ansible_proxy_key_type": "ed25519", "ansible_winrm_use_http": true}"#,
    ));
    assert_eq!(
        messages(&checked),
        [
            "playbook_file must be specified.",
            "Invalid value for ansible_proxy_key_type: \"ed25519\". Supported values are ECDSA or RSA."
        ]
    );
    assert_eq!(
        checked
            .warnings()
            .map(|d| d.field.as_str())
            .collect::<Vec<_>>(),
        ["provisioners[0].ansible_winrm_use_http"]
    );
    // Options every provisioner has: max_retries (weakly decoded) and timeout (a duration).
    let checked = run(&template(
        r#"{"type": "ansible", "playbook_file": "site.yml", "max_retries": "3", "timeout": "10m"}"#,
    ));
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let checked = run(&template(
        r#"{"type": "ansible", "playbook_file": "site.yml", "timeout": "ten minutes"}"#,
    ));
    assert_eq!(
        checked
            .errors()
            .map(|d| d.field.as_str())
            .collect::<Vec<_>>(),
        ["provisioners[0].timeout"]
    );
}

#[test]
fn a_spot_bake_warns_that_shutdown_behavior_stop_is_not_sent() {
    let checked = run(&ebs(r#""spot_price": "auto", "shutdown_behavior": "stop""#));
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    assert_eq!(
        checked
            .warnings()
            .map(|d| d.field.as_str())
            .collect::<Vec<_>>(),
        ["builders[0].shutdown_behavior"]
    );
    let checked = run(&ebs(r#""shutdown_behavior": "stop""#));
    assert_eq!(checked.warnings().count(), 0, "on demand it is baked");
}

#[test]
fn current_plugin_options_not_baked_yet_are_said_so_and_surrogate_ones_are_unknown() {
    for extra in [
        r#""deregistration_protection": {"enabled": true}"#,
        r#""spot_allocation_strategy": "price-capacity-optimized""#,
        r#""skip_ami_run_tags": true"#,
        r#""ssh_interface": "ipv6""#,
        r#""source_ami_filter": {"filters": {"name": "x-*"}, "owners": ["self"], "include_deprecated": true}"#,
    ] {
        assert_eq!(only_error(extra).code, Code::NotSupported, "{extra}");
    }
    for extra in [r#""boot_mode": "uefi""#, r#""tpm_support": "v2.0""#] {
        assert_eq!(only_error(extra).code, Code::UnknownKey, "{extra}");
    }
}

#[test]
fn image_attributes_of_the_current_plugin_are_checked() {
    let checked = run(&ebs(
        r#""ebs_optimized": true, "imds_support": "v2.0", "ami_org_arns": ["arn:aws:organizations::111122223333:organization/o-abc"], "ami_ou_arns": ["arn:aws:organizations::111122223333:ou/o-abc/ou-x"], "snapshot_groups": ["all"], "ami_virtualization_type": "hvm", "skip_region_validation": true, "skip_profile_validation": true"#,
    ));
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    assert_eq!(
        only_error(r#""imds_support": "v1.0""#).field,
        "builders[0].imds_support"
    );
    assert_eq!(
        only_error(r#""ami_virtualization_type": "paravirtual", "ena_support": true"#).field,
        "builders[0].ena_support"
    );
    assert_eq!(
        only_error(r#""snapshot_groups": ["everyone"]"#).field,
        "builders[0].snapshot_groups[0]"
    );
}

#[test]
fn the_readme_lists_everything_the_checker_refuses_as_not_supported_yet() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../README.md"),
    )
    .unwrap();
    let start = readme
        .find("**Not supported yet**")
        .expect("the README's Not supported yet list");
    let section = &readme[start..];
    let section = &section[..section.find("\n\n").unwrap_or(section.len())];
    let lists: [(&str, &[&str]); 6] = [
        ("builders", super::OTHER_BUILDERS),
        ("provisioners", steps::OTHER_PROVISIONERS),
        ("post-processors", steps::OTHER_POST_PROCESSORS),
        ("amazon-ebs options", amazon_ebs::OTHER_EBS_OPTIONS),
        ("shell options", steps::OTHER_SHELL_OPTIONS),
        ("shell-local options", steps::OTHER_SHELL_LOCAL_OPTIONS),
    ];
    for (what, names) in lists {
        for name in names {
            assert!(
                section.contains(&format!("`{name}`")),
                "the README's Not supported yet list lacks the {what} `{name}`"
            );
        }
    }
}
