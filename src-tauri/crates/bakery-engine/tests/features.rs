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
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");

    let calls = recorded_calls(&record).unwrap();
    let run = calls.iter().find(|c| c.action == "RunInstances").unwrap();
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
