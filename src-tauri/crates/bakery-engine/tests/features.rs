//! The amazon-ebs options users rely on, each baked against the sandbox: copies to other
//! regions with sharing and encryption, a temporary VPC, the user's own key pair, and a
//! folder uploaded by the file provisioner.

mod support;

use std::path::PathBuf;

use bakery_engine::{BakeEvent, Provisioner, ShellProvisioner, TemporaryVpcSpec};
use bakery_sandbox::{Sandbox, SandboxOptions, recorded_calls};
use support::{Harness, article_spec, drain, leftovers, sdk_for};

/// A sandbox of the test's own that records every call into `<dir>/calls.jsonl`.
fn recording_sandbox() -> (tempfile::TempDir, Sandbox) {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(&SandboxOptions {
        record: Some(dir.path().join("calls.jsonl")),
        ..Default::default()
    })
    .unwrap();
    (dir, sandbox)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_are_encrypted_shared_and_tagged_in_every_region() {
    // A sandbox of its own, recording: moto ignores CopyImage's Encrypted/KmsKeyId, so the
    // encryption is checked on the requests the bake sent.
    let (dir, sandbox) = recording_sandbox();
    let record = dir.path().join("calls.jsonl");
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, _rx) = harness.context("multi");
    let mut spec = article_spec(&sandbox, "golden multi");
    spec.ami_regions = vec!["us-west-2".into(), "eu-central-1".into()];
    spec.ami_users = vec!["111122223333".into()];
    spec.snapshot_users = vec!["111122223333".into()];
    spec.encrypt_boot = true;
    spec.kms_key_id = Some("alias/golden".into());
    spec.region_kms_key_ids = [("eu-central-1".to_string(), "alias/eu-key".to_string())].into();

    let result = bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    let regions: Vec<&str> = result.artifacts.iter().map(|a| a.region.as_str()).collect();
    assert_eq!(regions, ["us-east-1", "us-west-2", "eu-central-1"]);
    for artifact in &result.artifacts {
        let image = sandbox
            .ec2(
                &artifact.region,
                "DescribeImages",
                &[("ImageId.1", &artifact.image_id)],
            )
            .unwrap();
        assert_eq!(image.texts("name"), ["golden multi"], "{}", artifact.region);
        assert_eq!(image.texts("imageState"), ["available"]);
        assert!(
            image.texts("value").contains(&"multi".to_string()),
            "bake-id tag"
        );
        let permission = sandbox
            .ec2(
                &artifact.region,
                "DescribeImageAttribute",
                &[
                    ("ImageId", &artifact.image_id),
                    ("Attribute", "launchPermission"),
                ],
            )
            .unwrap();
        assert_eq!(
            permission.texts("userId"),
            ["111122223333"],
            "{}",
            artifact.region
        );
        // The only image of the account in the region: the unencrypted one is gone.
        let own = leftovers(&sandbox, &artifact.region);
        assert_eq!(
            own.images,
            std::slice::from_ref(&artifact.image_id),
            "{}",
            artifact.region
        );
    }

    let calls = recorded_calls(&record).unwrap();
    let copies: Vec<_> = calls.iter().filter(|c| c.action == "CopyImage").collect();
    assert_eq!(
        copies.len(),
        3,
        "one encrypted copy in place, two to other regions"
    );
    for copy in &copies {
        assert_eq!(copy.param("Encrypted"), Some("true"), "{copy:?}");
    }
    let keys: Vec<Option<&str>> = copies.iter().map(|c| c.param("KmsKeyId")).collect();
    assert!(keys.contains(&Some("alias/golden")), "{keys:?}");
    assert!(
        keys.contains(&Some("alias/eu-key")),
        "region_kms_key_ids: {keys:?}"
    );
    let snapshot_shares = calls
        .iter()
        .filter(|c| c.action == "ModifySnapshotAttribute")
        .count();
    assert!(
        snapshot_shares >= 3,
        "snapshot_users on every copy's snapshots"
    );
    sandbox.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_vpc_is_made_for_the_bake_and_taken_down() {
    let sandbox = bakery_tests::sandbox();
    let count = |action: &str, tag: &str| {
        sandbox
            .ec2("us-east-1", action, &[])
            .unwrap()
            .texts(tag)
            .len()
    };
    let before = (
        count("DescribeVpcs", "vpcId"),
        count("DescribeSubnets", "subnetId"),
        count("DescribeInternetGateways", "internetGatewayId"),
    );
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("tmpvpc");
    let mut spec = article_spec(&sandbox, "in its own vpc");
    spec.temporary_vpc = Some(TemporaryVpcSpec::default());
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    let made: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            BakeEvent::ResourceCreated { kind, id, .. } => Some(format!("{}:{id}", kind.as_str())),
            _ => None,
        })
        .collect();
    for kind in ["vpc:", "subnet:", "internet_gateway:", "route_table:"] {
        assert!(
            made.iter().any(|m| m.starts_with(kind)),
            "{kind} in {made:?}"
        );
    }
    let after = (
        count("DescribeVpcs", "vpcId"),
        count("DescribeSubnets", "subnetId"),
        count("DescribeInternetGateways", "internetGatewayId"),
    );
    assert_eq!(after, before, "the temporary network is gone");
    let left = leftovers(&sandbox, "us-east-1");
    assert!(left.instances.is_empty() && left.security_groups.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_own_key_pair_is_used_and_kept() {
    let sandbox = bakery_tests::sandbox();
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = bakery_tests::ssh_keygen(dir.path(), "my-key");
    use base64::Engine;
    sandbox
        .ec2(
            "us-east-1",
            "ImportKeyPair",
            &[
                ("KeyName", "my-key"),
                (
                    "PublicKeyMaterial",
                    &base64::engine::general_purpose::STANDARD.encode(&public),
                ),
            ],
        )
        .unwrap();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, _rx) = harness.context("ownkey");
    let mut spec = article_spec(&sandbox, "own key");
    spec.ssh_keypair_name = Some("my-key".into());
    spec.ssh_private_key_file = Some(key);
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    let keys = sandbox
        .ec2("us-east-1", "DescribeKeyPairs", &[])
        .unwrap()
        .texts("keyName");
    assert_eq!(
        keys,
        ["my-key"],
        "the user's key stays, no temporary key was made"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_provisioner_uploads_a_folder_over_sftp() {
    let sandbox = bakery_tests::sandbox();
    let local = tempfile::tempdir().unwrap();
    let folder = local.path().join("site");
    std::fs::create_dir_all(folder.join("conf")).unwrap();
    std::fs::write(folder.join("index.html"), "<h1>golden</h1>\n").unwrap();
    std::fs::write(folder.join("conf/app.conf"), "port = 8080\n").unwrap();
    // The stand-in "instance" is this machine: upload into a fresh folder of it.
    let remote = tempfile::tempdir().unwrap();
    let destination = remote.path().display().to_string();

    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("files");
    let mut spec = article_spec(&sandbox, "with files");
    spec.provisioners = vec![
        Provisioner::File {
            source: folder.clone(),
            destination: destination.clone(),
        },
        Provisioner::File {
            source: PathBuf::from(format!("{}/", folder.display())),
            destination: format!("{destination}/flat"),
        },
        Provisioner::Shell(ShellProvisioner {
            inline: vec![format!("cat {destination}/site/conf/app.conf")],
            ..Default::default()
        }),
        // `content`: a text written to a file, or into a folder as pkr-file-content.
        Provisioner::Content {
            content: "Welcome to the golden image\n".into(),
            destination: format!("{destination}/motd"),
        },
        Provisioner::Content {
            content: "into the folder\n".into(),
            destination: format!("{destination}/"),
        },
    ];
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, BakeEvent::Output { line, .. } if line == "port = 8080")),
        "the uploaded file was read on the instance"
    );
    let uploaded = remote.path();
    assert_eq!(
        std::fs::read_to_string(uploaded.join("site/index.html")).unwrap(),
        "<h1>golden</h1>\n",
        "without a trailing slash the folder itself is uploaded"
    );
    assert_eq!(
        std::fs::read_to_string(uploaded.join("flat/conf/app.conf")).unwrap(),
        "port = 8080\n",
        "with a trailing slash its contents are"
    );
    assert_eq!(
        std::fs::read_to_string(uploaded.join("motd")).unwrap(),
        "Welcome to the golden image\n"
    );
    assert_eq!(
        std::fs::read_to_string(uploaded.join("pkr-file-content")).unwrap(),
        "into the folder\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_is_opened_only_to_the_operators_public_address() {
    // A stand-in for checkip.amazonaws.com on this machine.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut stream in listener.incoming().flatten() {
            let mut buffer = [0u8; 1024];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\n203.0.113.7\n",
            );
        }
    });
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("myip");
    let mut spec = article_spec(&sandbox, "my address only");
    spec.public_ip_lookup_url = Some(url);
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    assert!(
        events.iter().any(|e| matches!(
            e,
            BakeEvent::Note { text } if text.contains("allows SSH") && text.ends_with("from 203.0.113.7/32")
        )),
        "the group admits the looked-up /32 and nothing else"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_and_image_options_reach_ec2() {
    use bakery_engine::spec::{BlockDevice, MetadataOptions};
    let (dir, sandbox) = recording_sandbox();
    let record = dir.path().join("calls.jsonl");
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, _rx) = harness.context("options");
    let mut spec = article_spec(&sandbox, "with options");
    let root = BlockDevice {
        device_name: Some("/dev/xvda".into()),
        volume_size: Some(20),
        volume_type: Some("gp3".into()),
        delete_on_termination: Some(true),
        ..Default::default()
    };
    spec.launch_block_device_mappings = vec![root.clone()];
    spec.ami_block_device_mappings = vec![BlockDevice {
        device_name: Some("/dev/sdb".into()),
        virtual_name: Some("ephemeral0".into()),
        ..Default::default()
    }];
    spec.run_volume_tags = [("Backup".to_string(), "no".to_string())].into();
    spec.metadata_options = Some(MetadataOptions {
        http_tokens: Some("required".into()),
        http_put_response_hop_limit: Some(2),
        ..Default::default()
    });
    spec.associate_public_ip_address = Some(true);
    spec.ena_support = Some(true);
    spec.sriov_support = Some(true);
    // Options of the current plugin: EBS-optimized, IMDSv2 required by the image, sharing
    // with an organization and making the snapshots public.
    spec.ebs_optimized = true;
    spec.imds_support = Some("v2.0".into());
    let org = "arn:aws:organizations::111122223333:organization/o-abcdefghij";
    spec.ami_org_arns = vec![org.into()];
    spec.snapshot_groups = vec!["all".into()];
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");

    let calls = recorded_calls(&record).unwrap();
    let run = calls.iter().find(|c| c.action == "RunInstances").unwrap();
    assert_eq!(run.param("EbsOptimized"), Some("true"), "{run:?}");
    let image_attributes: Vec<_> = calls
        .iter()
        .filter(|c| c.action == "ModifyImageAttribute")
        .collect();
    assert!(
        image_attributes
            .iter()
            .any(|c| c.param("ImdsSupport.Value") == Some("v2.0")),
        "{image_attributes:?}"
    );
    assert!(
        image_attributes.iter().any(|c| c
            .params
            .iter()
            .any(|(k, v)| k.ends_with("OrganizationArn") && v == org)),
        "{image_attributes:?}"
    );
    let snapshot_attributes: Vec<_> = calls
        .iter()
        .filter(|c| c.action == "ModifySnapshotAttribute")
        .collect();
    assert!(
        snapshot_attributes.iter().any(|c| c
            .params
            .iter()
            .any(|(k, v)| k.ends_with(".Group") && v == "all")),
        "{snapshot_attributes:?}"
    );
    assert_eq!(run.param("BlockDeviceMapping.1.Ebs.VolumeSize"), Some("20"));
    assert_eq!(
        run.param("BlockDeviceMapping.1.Ebs.VolumeType"),
        Some("gp3")
    );
    assert_eq!(run.param("MetadataOptions.HttpTokens"), Some("required"));
    assert_eq!(
        run.param("MetadataOptions.HttpPutResponseHopLimit"),
        Some("2")
    );
    assert_eq!(
        run.param("NetworkInterface.1.AssociatePublicIpAddress"),
        Some("true")
    );
    assert!(
        run.params
            .iter()
            .any(|(k, v)| k.starts_with("TagSpecification.2.Tag.") && v == "Backup"),
        "run_volume_tags on the volumes: {run:?}"
    );
    let create = calls.iter().find(|c| c.action == "CreateImage").unwrap();
    assert_eq!(
        create.param("BlockDeviceMapping.1.VirtualName"),
        Some("ephemeral0")
    );
    let modified: Vec<_> = calls
        .iter()
        .filter(|c| c.action == "ModifyInstanceAttribute")
        .collect();
    assert!(
        modified
            .iter()
            .any(|c| c.param("EnaSupport.Value") == Some("true"))
    );
    assert!(
        modified
            .iter()
            .any(|c| c.param("SriovNetSupport.Value") == Some("simple"))
    );
    sandbox.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_agent_auth_logs_in_with_the_agents_key() {
    let sandbox = bakery_tests::sandbox();
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = bakery_tests::ssh_keygen(dir.path(), "agent-key");
    let socket = dir.path().join("agent.sock");
    let mut agent = std::process::Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&socket)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("ssh-agent runs (openssh-client)");
    for _ in 0..100 {
        if socket.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let added = std::process::Command::new("ssh-add")
        .arg(&key)
        .env("SSH_AUTH_SOCK", &socket)
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    // The key file is gone: only the agent can log in now.
    std::fs::remove_file(&key).unwrap();
    use base64::Engine;
    sandbox
        .ec2(
            "us-east-1",
            "ImportKeyPair",
            &[
                ("KeyName", "agent-key"),
                (
                    "PublicKeyMaterial",
                    &base64::engine::general_purpose::STANDARD.encode(&public),
                ),
            ],
        )
        .unwrap();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, _rx) = harness.context("agent");
    let mut spec = article_spec(&sandbox, "via the agent");
    spec.ssh_keypair_name = Some("agent-key".into());
    spec.ssh_agent_socket = Some(socket.clone());
    let result = bakery_engine::bake(&ctx, &sdk, &spec).await;
    let _ = agent.kill();
    let _ = agent.wait();
    result.expect("bakes through the agent");
    let keys = sandbox
        .ec2("us-east-1", "DescribeKeyPairs", &[])
        .unwrap()
        .texts("keyName");
    assert_eq!(keys, ["agent-key"], "no temporary key pair was made");
}

/// A resource made for a test, tagged `key=value` (raw EC2 call to the sandbox).
fn create_tagged(
    sandbox: &Sandbox,
    action: &str,
    resource: &str,
    params: &[(&str, &str)],
    (key, value): (&str, &str),
    id_tag: &str,
) -> String {
    let mut all: Vec<(&str, &str)> = params.to_vec();
    all.extend([
        ("TagSpecification.1.ResourceType", resource),
        ("TagSpecification.1.Tag.1.Key", key),
        ("TagSpecification.1.Tag.1.Value", value),
    ]);
    sandbox
        .ec2("us-east-1", action, &all)
        .unwrap()
        .texts(id_tag)[0]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_filters_find_the_vpc_subnet_and_security_groups_by_tags() {
    use bakery_engine::SubnetFilterSpec;
    use std::collections::BTreeMap;
    let (dir, sandbox) = recording_sandbox();
    let record = dir.path().join("calls.jsonl");
    let vpc = create_tagged(
        &sandbox,
        "CreateVpc",
        "vpc",
        &[("CidrBlock", "10.50.0.0/16")],
        ("Name", "build-vpc"),
        "vpcId",
    );
    let subnet = |cidr: &str, tier: &str| {
        create_tagged(
            &sandbox,
            "CreateSubnet",
            "subnet",
            &[("VpcId", &vpc), ("CidrBlock", cidr)],
            ("Tier", tier),
            "subnetId",
        )
    };
    let small = subnet("10.50.1.0/26", "build");
    let big = subnet("10.50.2.0/24", "build");
    let _other = subnet("10.50.8.0/22", "db");
    let group = create_tagged(
        &sandbox,
        "CreateSecurityGroup",
        "security-group",
        &[
            ("GroupName", "packer-builders"),
            ("GroupDescription", "builders"),
            ("VpcId", &vpc),
        ],
        ("Class", "packer"),
        "groupId",
    );
    let filters = |k: &str, v: &str| BTreeMap::from([(k.to_string(), vec![v.to_string()])]);

    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("filters");
    let mut spec = article_spec(&sandbox, "found by tags");
    spec.vpc_filter = Some(filters("tag:Name", "build-vpc"));
    spec.subnet_filter = Some(SubnetFilterSpec {
        filters: filters("tag:Tier", "build"),
        pick: Some(bakery_engine::SubnetPick::MostFree),
    });
    spec.security_group_filter = Some(filters("tag:Class", "packer"));
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;

    let calls = recorded_calls(&record).unwrap();
    let run = calls.iter().find(|c| c.action == "RunInstances").unwrap();
    let launched_in = run
        .param("SubnetId")
        .or(run.param("NetworkInterface.1.SubnetId"));
    assert_eq!(
        launched_in,
        Some(big.as_str()),
        "most_free: the /24 ({big}), not the /26 ({small}): {run:?}"
    );
    assert!(
        run.params.iter().any(|(_, v)| *v == group),
        "launched with the filtered group: {run:?}"
    );
    assert!(
        !calls.iter().any(|c| c.action == "CreateSecurityGroup"
            && c.param("GroupName") != Some("packer-builders")),
        "no temporary group when the filter finds one"
    );
    let groups_call = calls
        .iter()
        .find(|c| c.action == "DescribeSecurityGroups")
        .unwrap();
    assert!(
        groups_call.params.iter().any(|(_, v)| *v == vpc),
        "groups are looked up in the bake's VPC: {groups_call:?}"
    );
    assert!(events.iter().any(
        |e| matches!(e, BakeEvent::Note { text } if text.contains(&format!("found subnet {big} in {vpc}")))
    ));

    // Two subnets match and nothing says which: an error naming the filter, before anything
    // is created.
    let (ctx, _rx) = harness.context("ambiguous");
    let mut spec = article_spec(&sandbox, "ambiguous");
    spec.subnet_filter = Some(SubnetFilterSpec {
        filters: filters("tag:Tier", "build"),
        ..Default::default()
    });
    let err = bakery_engine::bake(&ctx, &sdk, &spec)
        .await
        .expect_err("two subnets match")
        .to_string();
    assert!(
        err.contains("subnet_filter (tag:Tier=build) matched 2 subnets")
            && err.contains("most_free"),
        "{err}"
    );

    // No group matches: an error naming the filter; the key pair made before is gone.
    let (ctx, _rx) = harness.context("nogroup");
    let mut spec = article_spec(&sandbox, "no group");
    spec.security_group_filter = Some(filters("tag:Class", "nobody"));
    let err = bakery_engine::bake(&ctx, &sdk, &spec)
        .await
        .expect_err("no group matches")
        .to_string();
    assert!(
        err.contains("security_group_filter (tag:Class=nobody) matched no security group"),
        "{err}"
    );
    let left = leftovers(&sandbox, "us-east-1");
    assert!(
        left.instances.is_empty() && left.key_pairs.is_empty() && left.security_groups.is_empty(),
        "{left:?}"
    );

    // A VPC filter must match exactly one VPC.
    let (ctx, _rx) = harness.context("novpc");
    let mut spec = article_spec(&sandbox, "no vpc");
    spec.vpc_filter = Some(filters("tag:Name", "missing"));
    let err = bakery_engine::bake(&ctx, &sdk, &spec)
        .await
        .expect_err("no vpc matches")
        .to_string();
    assert!(
        err.contains("vpc_filter (tag:Name=missing) matched 0 VPCs"),
        "{err}"
    );
    sandbox.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ssh_session_goes_through_the_bastion() {
    use bakery_engine::BastionSpec;
    let sandbox = bakery_tests::sandbox();
    // The sandbox's sshd is the bastion too: it accepts the key pairs moto knows, so the
    // bastion's key is imported (it is not the bake's key).
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = bakery_tests::ssh_keygen(dir.path(), "jump-key");
    use base64::Engine;
    sandbox
        .ec2(
            "us-east-1",
            "ImportKeyPair",
            &[
                ("KeyName", "jump-key"),
                (
                    "PublicKeyMaterial",
                    &base64::engine::general_purpose::STANDARD.encode(&public),
                ),
            ],
        )
        .unwrap();
    let fingerprint = std::process::Command::new("ssh-keygen")
        .arg("-lf")
        .arg(key.with_extension("pub"))
        .output()
        .unwrap();
    let fingerprint = String::from_utf8_lossy(&fingerprint.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let log = sandbox.workdir().join("sshd.log");
    let accepted = |fingerprint: &str| {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("Accepted publickey") && l.contains(fingerprint))
            .count()
    };
    let before = accepted(&fingerprint);

    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("bastion");
    let mut spec = article_spec(&sandbox, "behind a bastion");
    let bastion = BastionSpec {
        host: "127.0.0.1".into(),
        port: sandbox.ssh_port(),
        username: "root".into(),
        private_key_file: Some(key.clone()),
        ..Default::default()
    };
    spec.ssh.bastion = Some(bastion.clone());
    let baked = bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    let port = sandbox.ssh_port();
    assert!(
        events.iter().any(|e| matches!(e, BakeEvent::Note { text }
            if text.starts_with(&format!("Connected to root@127.0.0.1:{port} through bastion root@127.0.0.1:{port}")))),
        "{events:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, BakeEvent::Output { line, .. } if line == "hello from the bake")),
        "the provisioner ran over the tunnel"
    );
    assert_eq!(
        accepted(&fingerprint),
        before + 1,
        "sshd let the bastion key in once"
    );

    // A bastion that does not answer: the instance's own port answers, yet the bake can't
    // reach it — SSH really goes through the bastion — and fails naming it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let (ctx, _rx) = harness.context("nobastion");
    let mut spec = article_spec(&sandbox, "bastion down");
    spec.ssh.timeout = std::time::Duration::from_secs(2);
    spec.ssh.bastion = Some(BastionSpec {
        port: closed_port,
        ..bastion
    });
    let err = bakery_engine::bake(&ctx, &sdk, &spec)
        .await
        .expect_err("the bastion is down")
        .to_string();
    assert!(err.contains("bastion 127.0.0.1"), "{err}");
    let left = leftovers(&sandbox, "us-east-1");
    assert!(
        left.instances.is_empty()
            && left.security_groups.is_empty()
            && left.images == [baked.artifacts[0].image_id.clone()],
        "only the first bake's image stays: {left:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_local_runs_in_order_and_reads_the_manifest_after_it() {
    use bakery_engine::{LocalShell, PostProcessor};
    let sandbox = bakery_tests::sandbox();
    let work = tempfile::tempdir().unwrap();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("local");
    let mut spec = article_spec(&sandbox, "with local steps");
    spec.provisioners.push(Provisioner::ShellLocal(LocalShell {
        inline: vec!["echo \"local $PACKER_BUILD_NAME $GREETING in $(basename $PWD)\"".into()],
        environment_vars: vec![("GREETING".into(), "it's here".into())],
        working_dir: work.path().to_path_buf(),
        ..Default::default()
    }));
    // A file step's pause_before becomes a pause of its own.
    spec.provisioners
        .push(Provisioner::Pause(std::time::Duration::from_millis(200)));
    spec.provisioners.push(Provisioner::Shell(ShellProvisioner {
        inline: vec!["echo remote after local".into()],
        ..Default::default()
    }));
    let script = work.path().join("read.sh");
    std::fs::write(&script, "echo \"read by script: $(cat ami-id.txt)\"\n").unwrap();
    spec.post_processors = vec![
        PostProcessor::Manifest {
            output: work.path().join("manifest.json"),
            custom_data: [("team".to_string(), "platform".to_string())].into(),
        },
        PostProcessor::ShellLocal(LocalShell {
            inline: vec![
                "jq -r '.builds[-1].artifact_id' manifest.json | cut -d: -f2 > ami-id.txt".into(),
            ],
            working_dir: work.path().to_path_buf(),
            ..Default::default()
        }),
        PostProcessor::ShellLocal(LocalShell {
            scripts: vec![script],
            execute_command: Some(vec!["/bin/bash".into(), "{{.Script}}".into()]),
            working_dir: work.path().to_path_buf(),
            ..Default::default()
        }),
    ];
    let result = bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    let image = &result.artifacts[0].image_id;
    assert_eq!(
        std::fs::read_to_string(work.path().join("ami-id.txt")).unwrap(),
        format!("{image}\n"),
        "the manifest was written before shell-local read it"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        manifest["builds"][0]["custom_data"],
        serde_json::json!({"team": "platform"})
    );
    let reported: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            BakeEvent::Manifest { build, path } => Some((build, path)),
            _ => None,
        })
        .collect();
    assert_eq!(reported.len(), 1, "one manifest written, one reported");
    assert_eq!(
        serde_json::to_value(reported[0].0).unwrap(),
        manifest["builds"][0],
        "the event carries the entry as written"
    );
    assert_eq!(
        reported[0].1.as_deref(),
        Some(
            work.path()
                .join("manifest.json")
                .display()
                .to_string()
                .as_str()
        )
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            BakeEvent::Note { text, .. } if text.starts_with("Pausing 200ms")
        )),
        "the pause is reported"
    );
    let lines: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            BakeEvent::Output { line, .. } => Some(line.as_str()),
            _ => None,
        })
        .collect();
    let folder = work.path().file_name().unwrap().to_string_lossy();
    let local = format!("local amazon-ebs it's here in {folder}");
    let read = format!("read by script: {image}");
    let position = |wanted: &str| lines.iter().position(|l| *l == wanted);
    assert!(
        position("hello from the bake") < position(&local)
            && position(&local) < position("remote after local")
            && position(&read).is_some(),
        "in order, each line an event: {lines:?}"
    );
    let leftover_scripts = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("bakery-local-local-")
        })
        .count();
    assert_eq!(leftover_scripts, 0, "the inline scripts are removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_shell_local_post_processor_fails_the_bake_and_leaves_nothing() {
    use bakery_engine::{LocalShell, PostProcessor};
    let sandbox = bakery_tests::sandbox();
    let work = tempfile::tempdir().unwrap();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("localfail");
    let mut spec = article_spec(&sandbox, "local failure");
    spec.post_processors = vec![PostProcessor::ShellLocal(LocalShell {
        inline: vec!["echo checking the image".into(), "exit 3".into()],
        working_dir: work.path().to_path_buf(),
        ..Default::default()
    })];
    let err = bakery_engine::bake(&ctx, &sdk, &spec)
        .await
        .expect_err("the post-processor fails");
    drop(ctx);
    let events = drain(rx).await;
    let text = err.to_string();
    assert!(
        text.contains("exited with status 3") && text.contains("checking the image"),
        "{text}"
    );
    assert!(events.iter().any(|e| matches!(
        e,
        BakeEvent::StepFailed {
            step: bakery_engine::StepName::Manifest,
            ..
        }
    )));
    let left = leftovers(&sandbox, "us-east-1");
    assert!(
        left.is_empty(),
        "the image of a failed bake is deleted too: {left:?}"
    );
}

/// The tags of `resource_id` in `region`, as EC2 lists them.
fn tags_of(sandbox: &Sandbox, region: &str, resource_id: &str) -> Vec<(String, String)> {
    let tags = sandbox
        .ec2(
            region,
            "DescribeTags",
            &[
                ("Filter.1.Name", "resource-id"),
                ("Filter.1.Value.1", resource_id),
            ],
        )
        .unwrap();
    tags.texts("key")
        .into_iter()
        .zip(tags.texts("value"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_time_variables_fill_the_name_description_and_tags_with_each_copys_region() {
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("buildvars");
    let mut spec = article_spec(&sandbox, "ignored");
    spec.ami_name = "base-{{ .SourceAMIName }}".into();
    spec.ami_description = Some("from {{.SourceAMI}} owned by {{ .SourceAMIOwnerName }}".into());
    spec.tags = [
        ("Base".to_string(), "{{ .SourceAMIName }}".to_string()),
        ("Region".to_string(), "{{ .BuildRegion }}".to_string()),
    ]
    .into();
    spec.run_tags = [("From".to_string(), "{{ .SourceAMI }}".to_string())].into();
    spec.ami_regions = vec!["us-west-2".into()];
    // Provisioners get them through Packer's `build` function, with the instance's id.
    spec.provisioners = vec![Provisioner::Shell(ShellProvisioner {
        inline: vec!["echo \"on {{ build `ID` }} from {{ build `SourceAMIName` }}\"".into()],
        environment_vars: vec![("REGION".into(), "{{ build `BuildRegion` }}".into())],
        ..Default::default()
    })];
    spec.provisioners.push(Provisioner::Shell(ShellProvisioner {
        inline: vec!["echo \"region=$REGION\"".into()],
        environment_vars: vec![("REGION".into(), "{{ build `BuildRegion` }}".into())],
        ..Default::default()
    }));

    let result = bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    let source = events
        .iter()
        .find_map(|e| match e {
            BakeEvent::Note { text, .. } if text.starts_with("Source image: ") => {
                Some(text.clone())
            }
            _ => None,
        })
        .expect("the source image is reported");
    // "Source image: ami-… (NAME, created …)"
    let source_id = source["Source image: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let source_name = source
        .split('(')
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    assert!(source_name.starts_with("al2023-ami-2023."), "{source}");

    assert_eq!(result.artifacts.len(), 2);
    for artifact in &result.artifacts {
        let image = sandbox
            .ec2(
                &artifact.region,
                "DescribeImages",
                &[("ImageId.1", &artifact.image_id)],
            )
            .unwrap();
        assert_eq!(image.texts("name"), [format!("base-{source_name}")]);
        assert_eq!(
            image.texts("description"),
            [format!("from {source_id} owned by amazon")],
            "{}",
            artifact.region
        );
        let tags = tags_of(&sandbox, &artifact.region, &artifact.image_id);
        assert!(
            tags.contains(&("Base".to_string(), source_name.clone())),
            "{tags:?}"
        );
        assert!(
            tags.contains(&("Region".to_string(), artifact.region.clone())),
            "a copy's {{{{ .BuildRegion }}}} is its own region: {tags:?}"
        );
    }
    // The instance carried the filled run tag (it is terminated, but still described).
    let instances = sandbox
        .ec2(
            "us-east-1",
            "DescribeInstances",
            &[
                ("Filter.1.Name", "tag:From"),
                ("Filter.1.Value.1", &source_id),
            ],
        )
        .unwrap();
    assert_eq!(instances.texts("instanceId").len(), 1, "run_tags filled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_made_of_build_time_variables_is_checked_once_it_is_known() {
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, _rx) = harness.context("taken-1");
    let mut spec = article_spec(&sandbox, "ignored");
    spec.ami_name = "again-{{ .SourceAMIName }}".into();
    bakery_engine::bake(&ctx, &sdk, &spec)
        .await
        .expect("first bake");

    let (ctx, _rx) = harness.context("taken-2");
    let err = bakery_engine::bake(&ctx, &sdk, &spec)
        .await
        .expect_err("the name is taken");
    let text = err.to_string();
    assert!(text.contains("already exists in us-east-1"), "{text}");
    assert!(text.contains("again-al2023-ami-2023."), "{text}");
    let own = leftovers(&sandbox, "us-east-1");
    assert_eq!(own.images.len(), 1, "only the first bake's image: {own:?}");
    assert!(own.instances.is_empty(), "{own:?}");
    assert!(own.key_pairs.is_empty(), "{own:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spot_bake_launches_through_a_fleet_and_leaves_nothing() {
    use bakery_engine::SpotSpec;
    let (dir, sandbox) = recording_sandbox();
    let record = dir.path().join("calls.jsonl");
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("spot");
    let mut spec = article_spec(&sandbox, "on spot");
    // spot_instance_types instead of instance_type, like Packer.
    spec.instance_type = String::new();
    spec.spot = Some(SpotSpec {
        max_price: Some("0.05".into()),
        instance_types: vec!["t3.micro".into(), "t2.micro".into()],
        tags: [("Purpose".to_string(), "ci {{ .SourceAMIName }}".to_string())].into(),
    });
    // What EC2 refuses on a one-time spot instance (real EC2; moto accepts both): stop as
    // its shutdown behaviour, and ENA changed while it runs. Current Packer sends neither.
    spec.shutdown_behavior = Some(bakery_engine::ShutdownBehavior::Stop);
    spec.ena_support = Some(true);
    let result = bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, BakeEvent::Output { line, .. } if line == "hello from the bake")),
        "the provisioner ran on the spot instance"
    );

    let calls = recorded_calls(&record).unwrap();
    assert!(
        !calls.iter().any(|c| c.action == "RunInstances"),
        "no on-demand launch"
    );
    assert!(
        !calls.iter().any(|c| c.action == "StopInstances"),
        "a one-time spot instance is not stopped"
    );
    let template = calls
        .iter()
        .find(|c| c.action == "CreateLaunchTemplate")
        .expect("a launch template");
    assert_eq!(
        template.param("LaunchTemplateData.InstanceInitiatedShutdownBehavior"),
        None,
        "{template:?}"
    );
    assert!(
        !calls.iter().any(|c| c.action == "ModifyInstanceAttribute"),
        "ENA is not changed on the running spot instance"
    );
    let market = "LaunchTemplateData.InstanceMarketOptions";
    assert_eq!(
        template.param(&format!("{market}.MarketType")),
        Some("spot"),
        "{template:?}"
    );
    assert_eq!(
        template.param(&format!("{market}.SpotOptions.MaxPrice")),
        Some("0.05")
    );
    assert_eq!(
        template.param(&format!("{market}.SpotOptions.SpotInstanceType")),
        Some("one-time")
    );
    assert!(
        template
            .params
            .iter()
            .any(|(_, v)| v.starts_with("ci al2023-ami-")),
        "spot_tags (build variables filled) on the launch template: {template:?}"
    );
    let fleet = calls
        .iter()
        .find(|c| c.action == "CreateFleet")
        .expect("a fleet");
    assert_eq!(fleet.param("Type"), Some("instant"), "{fleet:?}");
    assert_eq!(
        fleet.param("TargetCapacitySpecification.DefaultTargetCapacityType"),
        Some("spot")
    );
    let types: Vec<&str> = fleet
        .params
        .iter()
        .filter(|(k, _)| k.ends_with(".InstanceType"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(types, ["t3.micro", "t2.micro"], "one override per type");
    assert!(calls.iter().any(|c| c.action == "DeleteLaunchTemplate"));

    // EC2 says the instance was spot, and tagged for the bake at launch.
    let instances = sandbox
        .ec2(
            "us-east-1",
            "DescribeInstances",
            &[
                ("Filter.1.Name", "tag:bakery:bake-id"),
                ("Filter.1.Value.1", "spot"),
            ],
        )
        .unwrap();
    assert_eq!(instances.texts("instanceLifecycle"), ["spot"]);
    assert_eq!(instances.texts("instanceType"), ["t3.micro"]);

    let left = leftovers(&sandbox, "us-east-1");
    assert!(
        left.instances.is_empty()
            && left.key_pairs.is_empty()
            && left.security_groups.is_empty()
            && left.images == [result.artifacts[0].image_id.clone()],
        "{left:?}"
    );
    let templates = sandbox
        .ec2("us-east-1", "DescribeLaunchTemplates", &[])
        .unwrap()
        .texts("launchTemplateId");
    assert!(templates.is_empty(), "{templates:?}");
    sandbox.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launch_template_of_a_killed_bake_is_found_by_its_tag_and_deleted() {
    use bakery_history::{NewBake, ResourceKind};
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    // The bake died between its intent row and CreateLaunchTemplate's answer.
    harness
        .history
        .begin_bake(&NewBake {
            id: "killed-spot",
            template_path: None,
            template_text: None,
            build_name: Some("amazon-ebs"),
            profile: None,
            region: "us-east-1",
            started_at: "2026-11-26T00:00:00Z",
            ..NewBake::default()
        })
        .unwrap();
    harness
        .history
        .intend(
            "killed-spot",
            "us-east-1",
            ResourceKind::LaunchTemplate,
            Some("bakery_killed-spot"),
            "2026-11-26T00:00:01Z",
        )
        .unwrap();
    let images = sandbox
        .ec2("us-east-1", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap()
        .texts("imageId");
    create_tagged(
        &sandbox,
        "CreateLaunchTemplate",
        "launch-template",
        &[
            ("LaunchTemplateName", "bakery_killed-spot"),
            ("LaunchTemplateData.ImageId", &images[0]),
        ],
        ("bakery:bake-id", "killed-spot"),
        "launchTemplateId",
    );
    let recovered = bakery_engine::cleanup::recover_dead_bakes(
        harness.history.clone(),
        harness.data_dir(),
        &sdk,
        false,
    )
    .await
    .unwrap();
    assert_eq!(recovered.len(), 1);
    assert!(recovered[0].left.is_empty(), "{recovered:?}");
    let templates = sandbox
        .ec2("us-east-1", "DescribeLaunchTemplates", &[])
        .unwrap()
        .texts("launchTemplateName");
    assert!(
        !templates.contains(&"bakery_killed-spot".to_string()),
        "{templates:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn communicator_none_bakes_without_connecting_and_leaves_nothing() {
    use bakery_engine::LocalShell;
    let (dir, sandbox) = recording_sandbox();
    let record = dir.path().join("calls.jsonl");
    let work = tempfile::tempdir().unwrap();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("quiet");
    let mut spec = article_spec(&sandbox, "no communicator");
    spec.communicator = bakery_engine::Communicator::None;
    // Nothing answers here: a bake that tried SSH would wait out its timeout and fail.
    spec.ssh.host = Some("192.0.2.1".into());
    spec.ssh.timeout = std::time::Duration::from_secs(2);
    spec.provisioners = vec![Provisioner::ShellLocal(LocalShell {
        inline: vec!["echo \"conn {{ build `ConnType` }} for {{ build `ID` }}\"".into()],
        working_dir: work.path().to_path_buf(),
        ..Default::default()
    })];
    let result = bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, BakeEvent::Output { line, .. }
            if line.starts_with("conn none for i-"))),
        "shell-local ran, with the build function's values: {events:#?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, BakeEvent::Waiting { what, .. } if what.contains("SSH"))),
        "no SSH wait"
    );

    let calls = recorded_calls(&record).unwrap();
    let count = |action: &str| calls.iter().filter(|c| c.action == action).count();
    // Packer 1.6.6 still makes its temporary key pair and security group with communicator
    // "none"; the group lets nothing in here (Packer's rule is for port 0).
    assert_eq!(count("ImportKeyPair"), 1);
    assert_eq!(count("DeleteKeyPair"), 1);
    assert_eq!(count("CreateSecurityGroup"), 1);
    assert_eq!(
        count("AuthorizeSecurityGroupIngress"),
        0,
        "nothing connects: no way in"
    );
    assert_eq!(count("CreateImage"), 1);
    let left = leftovers(&sandbox, "us-east-1");
    assert!(
        left.instances.is_empty()
            && left.key_pairs.is_empty()
            && left.security_groups.is_empty()
            && left.images == [result.artifacts[0].image_id.clone()],
        "{left:?}"
    );
    sandbox.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_provisioner_downloads_a_file_and_a_folder_over_sftp() {
    let sandbox = bakery_tests::sandbox();
    // The stand-in "instance" is this machine: a report and a folder of logs on it.
    let remote = tempfile::tempdir().unwrap();
    let logs = remote.path().join("logs");
    std::fs::create_dir_all(logs.join("app")).unwrap();
    std::fs::write(logs.join("boot.log"), "booted\n").unwrap();
    std::fs::write(logs.join("app/app.log"), "started\n").unwrap();
    let local = tempfile::tempdir().unwrap();
    let out = local.path().join("out");

    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("fetch");
    let mut spec = article_spec(&sandbox, "with downloads");
    let report = format!("{}/report.txt", remote.path().display());
    spec.provisioners = vec![
        Provisioner::Shell(ShellProvisioner {
            inline: vec![format!("echo 'packages: 42' > {report}")],
            ..Default::default()
        }),
        // Into a folder (a trailing slash): under the file's own name.
        Provisioner::Download {
            source: report.clone(),
            destination: PathBuf::from(format!("{}/", out.display())),
        },
        // To a file name, its folder made on the way.
        Provisioner::Download {
            source: report.clone(),
            destination: out.join("renamed/packages.txt"),
        },
        // A folder, with everything in it, under its own name.
        Provisioner::Download {
            source: format!("{}/", logs.display()),
            destination: PathBuf::from(format!("{}/", out.display())),
        },
    ];
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    let read = |path: &str| std::fs::read_to_string(out.join(path)).unwrap();
    assert_eq!(read("report.txt"), "packages: 42\n");
    assert_eq!(read("renamed/packages.txt"), "packages: 42\n");
    assert_eq!(read("logs/boot.log"), "booted\n");
    assert_eq!(read("logs/app/app.log"), "started\n");
    let notes: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            BakeEvent::Note { text } if text.starts_with("Downloaded /") => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 4, "a note per file: {notes:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_pty_runs_the_shell_provisioner_under_a_terminal() {
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let probe =
        "if [ -t 0 ] && [ -t 1 ]; then echo \"terminal: yes\"; else echo \"terminal: no\"; fi";
    let outputs = |events: &[BakeEvent]| -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                BakeEvent::Output { line, .. } if line.starts_with("terminal: ") => {
                    Some(line.trim_end_matches('\r').to_string())
                }
                _ => None,
            })
            .collect()
    };
    for (pty, expected) in [(true, "terminal: yes"), (false, "terminal: no")] {
        let (ctx, rx) = harness.context(&format!("pty-{pty}"));
        let mut spec = article_spec(&sandbox, &format!("pty {pty}"));
        spec.ssh.pty = pty;
        spec.provisioners = vec![Provisioner::Shell(ShellProvisioner {
            inline: vec![probe.into()],
            ..Default::default()
        })];
        bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
        drop(ctx);
        let events = drain(rx).await;
        assert_eq!(outputs(&events), [expected], "ssh_pty {pty}");
    }
    assert!(leftovers(&sandbox, "us-east-1").instances.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_retries_runs_a_failing_step_again_and_timeout_stops_one_that_hangs() {
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    // The stand-in instance is this machine: the script counts its runs in a file of ours
    // and succeeds on the third.
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("runs");
    let flaky = Provisioner::Shell(ShellProvisioner {
        inline: vec![
            format!(
                "n=$(( $(cat {0} 2>/dev/null || echo 0) + 1 )); echo $n > {0}",
                counter.display()
            ),
            "echo \"run $n\"; [ \"$n\" -ge 3 ]".into(),
        ],
        ..Default::default()
    });
    let (ctx, rx) = harness.context("retries");
    let mut spec = article_spec(&sandbox, "with retries");
    spec.provisioners = vec![Provisioner::Limited {
        step: Box::new(flaky.clone()),
        max_retries: 2,
        timeout: None,
    }];
    let baked = bakery_engine::bake(&ctx, &sdk, &spec)
        .await
        .expect("the third run succeeds");
    drop(ctx);
    let events = drain(rx).await;
    assert_eq!(std::fs::read_to_string(&counter).unwrap(), "3\n");
    let only_the_image = || {
        let left = leftovers(&sandbox, "us-east-1");
        assert!(
            left.instances.is_empty()
                && left.security_groups.is_empty()
                && left.key_pairs.is_empty()
                && left.images == [baked.artifacts[0].image_id.clone()],
            "{left:?}"
        );
    };
    let retried = events
        .iter()
        .filter(
            |e| matches!(e, BakeEvent::Note { text } if text.starts_with("Provisioner 1 failed")),
        )
        .count();
    assert_eq!(retried, 2, "{events:#?}");

    // One retry is not enough this time: the bake fails, and leaves nothing.
    std::fs::remove_file(&counter).unwrap();
    let (ctx, _rx) = harness.context("too-few-retries");
    let mut spec = article_spec(&sandbox, "too few retries");
    spec.provisioners = vec![Provisioner::Limited {
        step: Box::new(flaky),
        max_retries: 1,
        timeout: None,
    }];
    let err = bakery_engine::bake(&ctx, &sdk, &spec).await.unwrap_err();
    assert!(
        matches!(err, bakery_engine::EngineError::Provisioner { .. }),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&counter).unwrap(), "2\n");
    only_the_image();

    // A step that hangs is stopped at its timeout.
    let (ctx, _rx) = harness.context("timeout");
    let mut spec = article_spec(&sandbox, "hangs");
    spec.provisioners = vec![Provisioner::Limited {
        step: Box::new(Provisioner::Shell(ShellProvisioner {
            inline: vec!["sleep 60".into()],
            ..Default::default()
        })),
        max_retries: 0,
        timeout: Some(std::time::Duration::from_secs(2)),
    }];
    let started = std::time::Instant::now();
    let err = bakery_engine::bake(&ctx, &sdk, &spec).await.unwrap_err();
    assert!(
        err.to_string().contains(
            "provisioner 1 (shell: inline (1 line)) did not finish within its timeout of 2s"
        ),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(45),
        "it did not wait for the sleep"
    );
    only_the_image();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_steps_take_valid_exit_codes_env_remote_path_and_skip_clean() {
    use bakery_engine::LocalShell;
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    // The stand-in instance is this machine: the kept script lands in a folder of ours.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("kept.sh");
    let (ctx, rx) = harness.context("shell-options");
    let mut spec = article_spec(&sandbox, "shell options");
    spec.provisioners = vec![
        Provisioner::Shell(ShellProvisioner {
            inline: vec!["echo \"greeting=$GREETING\"".into(), "exit 3".into()],
            // environment_vars, then env (which wins for GREETING), as the plan merges them.
            environment_vars: vec![("GREETING".into(), "hello".into())],
            valid_exit_codes: vec![0, 3],
            remote_path: Some(script.display().to_string()),
            skip_clean: true,
            ..Default::default()
        }),
        Provisioner::ShellLocal(LocalShell {
            inline: vec!["exit 2".into()],
            valid_exit_codes: vec![2],
            working_dir: dir.path().to_path_buf(),
            ..Default::default()
        }),
    ];
    bakery_engine::bake(&ctx, &sdk, &spec)
        .await
        .expect("exit 3 and exit 2 are valid here");
    drop(ctx);
    let events = drain(rx).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, BakeEvent::Output { line, .. } if line == "greeting=hello")),
        "{events:#?}"
    );
    assert!(
        std::fs::read_to_string(&script).unwrap().contains("exit 3"),
        "skip_clean kept the script at remote_path"
    );

    // Without them, exit 3 fails the bake.
    let (ctx, _rx) = harness.context("shell-exit-3");
    let mut spec = article_spec(&sandbox, "exit 3");
    spec.provisioners = vec![Provisioner::Shell(ShellProvisioner {
        inline: vec!["exit 3".into()],
        ..Default::default()
    })];
    let err = bakery_engine::bake(&ctx, &sdk, &spec).await.unwrap_err();
    assert!(
        matches!(
            err,
            bakery_engine::EngineError::Provisioner { status: 3, .. }
        ),
        "{err}"
    );
}
