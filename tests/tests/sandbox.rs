//! The sandbox as tests and users meet it: moto answers EC2 with our catalogue, the SSH
//! stand-in accepts exactly the key pairs moto knows, and stopping leaves nothing running.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use bakery_sandbox::{Sandbox, SandboxOptions, process_alive};
use bakery_tests::{sandbox, ssh_keygen, ssh_run};

fn images(owner: &str) -> Vec<(String, String)> {
    let sandbox = sandbox();
    let response = sandbox
        .ec2("us-east-1", "DescribeImages", &[("Owner.1", owner)])
        .expect("DescribeImages");
    let names = response.texts("name");
    let dates = response.texts("creationDate");
    assert_eq!(names.len(), dates.len());
    names.into_iter().zip(dates).collect()
}

#[test]
fn the_catalogue_has_dated_versions_of_each_distribution_under_its_real_owner() {
    for (owner, families) in [
        ("amazon", &["al2023-ami-", "amzn2-ami-hvm-"][..]),
        (
            "099720109477",
            &["ubuntu-jammy-22.04", "ubuntu-noble-24.04"][..],
        ),
        ("136693071363", &["debian-12-"][..]),
    ] {
        let found = images(owner);
        for family in families {
            let dates: BTreeSet<&String> = found
                .iter()
                .filter(|(name, _)| name.contains(family))
                .map(|(_, date)| date)
                .collect();
            assert!(
                dates.len() >= 2,
                "owner {owner}: {family} needs several versions with distinct dates, found {found:?}"
            );
        }
    }
}

#[test]
fn a_name_filter_narrows_the_catalogue() {
    let sandbox = sandbox();
    let response = sandbox
        .ec2(
            "us-east-1",
            "DescribeImages",
            &[
                ("Owner.1", "099720109477"),
                ("Filter.1.Name", "name"),
                (
                    "Filter.1.Value.1",
                    "ubuntu/images/*ubuntu-noble-24.04-amd64-server-*",
                ),
            ],
        )
        .unwrap();
    let names = response.texts("name");
    assert!(!names.is_empty());
    assert!(
        names.iter().all(|n| n.contains("noble-24.04-amd64")),
        "{names:?}"
    );
}

#[test]
fn ssh_accepts_a_key_pair_imported_into_moto_and_runs_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = ssh_keygen(dir.path(), "bake-key");
    let sandbox = sandbox();

    // Before the import the stand-in refuses the key, like an instance launched without it.
    let (code, _, _) = ssh_run(sandbox.ssh_port(), "root", &key, "true");
    assert_eq!(code, 255, "an unknown key is refused");

    use base64::Engine;
    let material = base64::engine::general_purpose::STANDARD.encode(&public);
    sandbox
        .ec2(
            "us-east-1",
            "ImportKeyPair",
            &[("KeyName", "bakery-test"), ("PublicKeyMaterial", &material)],
        )
        .expect("ImportKeyPair");
    let (code, stdout, stderr) = ssh_run(
        sandbox.ssh_port(),
        "root",
        &key,
        "echo provisioned on $(uname -s); exit 7",
    );
    assert_eq!(
        code, 7,
        "the remote exit status comes back; stderr: {stderr}"
    );
    assert_eq!(stdout.trim(), "provisioned on Linux");
}

#[test]
fn reset_forgets_what_a_test_made_but_keeps_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = ssh_keygen(dir.path(), "k");
    use base64::Engine;
    let material = base64::engine::general_purpose::STANDARD.encode(&public);
    {
        let sandbox = sandbox();
        sandbox
            .ec2(
                "us-east-1",
                "ImportKeyPair",
                &[("KeyName", "left-over"), ("PublicKeyMaterial", &material)],
            )
            .unwrap();
    }
    let sandbox = sandbox(); // a new lease resets
    let keys = sandbox.ec2("us-east-1", "DescribeKeyPairs", &[]).unwrap();
    assert!(
        keys.texts("keyName").is_empty(),
        "{:?}",
        keys.texts("keyName")
    );
    let amis = sandbox
        .ec2("us-east-1", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap();
    assert!(!amis.texts("imageId").is_empty());
}

#[test]
fn strict_validation_rejects_unknown_amis_and_instance_types() {
    let sandbox = sandbox();
    let err = sandbox
        .ec2(
            "us-east-1",
            "RunInstances",
            &[
                ("ImageId", "ami-00000000000000000"),
                ("InstanceType", "t3.micro"),
                ("MinCount", "1"),
                ("MaxCount", "1"),
            ],
        )
        .unwrap_err();
    assert!(err.to_string().contains("InvalidAMIID"), "{err}");

    let ami = sandbox
        .ec2("us-east-1", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap()
        .texts("imageId")
        .remove(0);
    let err = sandbox
        .ec2(
            "us-east-1",
            "RunInstances",
            &[
                ("ImageId", &ami),
                ("InstanceType", "t9.nonsense"),
                ("MinCount", "1"),
                ("MaxCount", "1"),
            ],
        )
        .unwrap_err();
    assert!(err.to_string().contains("InstanceType"), "{err}");
}

fn first_ami(sandbox: &Sandbox) -> String {
    sandbox
        .ec2("us-east-1", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap()
        .texts("imageId")
        .remove(0)
}

fn instance_state(sandbox: &Sandbox, id: &str) -> String {
    sandbox
        .ec2("us-east-1", "DescribeInstances", &[("InstanceId.1", id)])
        .unwrap()
        .texts("name")
        .into_iter()
        .find(|s| {
            [
                "pending",
                "running",
                "stopping",
                "stopped",
                "shutting-down",
                "terminated",
            ]
            .contains(&s.as_str())
        })
        .unwrap_or_default()
}

#[test]
fn latency_mode_keeps_instances_pending_then_running_and_records_calls() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("calls.jsonl");
    let sandbox = Sandbox::start(&SandboxOptions {
        latency_secs: 1.0,
        record: Some(record.clone()),
        ..Default::default()
    })
    .unwrap();
    let ami = first_ami(&sandbox);
    let run = sandbox
        .ec2(
            "us-east-1",
            "RunInstances",
            &[
                ("ImageId", &ami),
                ("InstanceType", "t3.micro"),
                ("MinCount", "1"),
                ("MaxCount", "1"),
            ],
        )
        .unwrap();
    let id = run.texts("instanceId").remove(0);
    let started = Instant::now();
    assert_eq!(instance_state(&sandbox, &id), "pending");
    let deadline = started + Duration::from_secs(10);
    while instance_state(&sandbox, &id) != "running" {
        assert!(
            Instant::now() < deadline,
            "the instance never became running"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "pending lasted about the latency"
    );
    sandbox.stop().unwrap();
    let actions = bakery_sandbox::recorded_actions(&record).unwrap();
    let run_calls = actions.iter().filter(|a| *a == "RunInstances").count();
    assert_eq!(
        run_calls, 1,
        "one RunInstances in the recording: {actions:?}"
    );
    assert_eq!(actions.first().map(String::as_str), Some("DescribeImages"));
}

#[test]
fn stop_leaves_no_process_behind() {
    let sandbox = Sandbox::start(&SandboxOptions::default()).unwrap();
    let pids = sandbox.pids();
    assert!(pids.iter().all(|&pid| process_alive(pid)), "{pids:?} run");
    sandbox.stop().unwrap();
    assert!(
        pids.iter().all(|&pid| !process_alive(pid)),
        "{pids:?} are gone"
    );
}

/// Run as a child process by `a_crashing_owner_leaves_no_process_behind`.
#[test]
#[ignore = "a helper process, run by a_crashing_owner_leaves_no_process_behind"]
fn crash_helper() {
    let pid_file = std::env::var("BAKERY_CRASH_HELPER_PIDS").expect("run by the crash test");
    let sandbox = Sandbox::start(&SandboxOptions::default()).unwrap();
    let pids = sandbox.pids();
    std::fs::write(&pid_file, format!("{} {}", pids[0], pids[1])).unwrap();
    // Die without running any destructor, as a `kill -9` or an abort would.
    std::process::abort();
}

#[test]
fn a_crashing_owner_leaves_no_process_behind() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pids");
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_helper", "--ignored", "--nocapture"])
        .env("BAKERY_CRASH_HELPER_PIDS", &pid_file)
        .status()
        .unwrap();
    assert!(!status.success(), "the helper aborted");
    let pids: Vec<u32> = std::fs::read_to_string(&pid_file)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|&pid| process_alive(pid)) {
        assert!(
            Instant::now() < deadline,
            "{pids:?} outlived the process that started them"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
