//! Benchmark, not a test: bakes the same template with AMI Bakery (`bakery bake`) and with
//! Packer 1.6.6 (`packer build`) against one sandbox in latency mode, alternating rounds,
//! and prints median wall time and EC2 call count of both, and their ratios. Then measures
//! AMI Bakery's copy phase with 1 and with 4 `ami_regions`.
//!
//! Run: `scripts/bench` (or `cargo run -p bakery-tests --bin bench_bake -- [ROUNDS] [LATENCY]`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bakery_sandbox::{Sandbox, SandboxOptions, recorded_actions};
use bakery_tests::workspace_binary;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn source_ami(sandbox: &Sandbox) -> String {
    sandbox
        .ec2(
            "us-east-1",
            "DescribeImages",
            &[
                ("Owner.1", "amazon"),
                ("Filter.1.Name", "name"),
                ("Filter.1.Value.1", "al2023-ami-2023.*-x86_64"),
            ],
        )
        .expect("DescribeImages")
        .texts("imageId")
        .remove(0)
}

/// The template both tools bake. Packer's copy adds the options it needs to reach the
/// sandbox (endpoint, keys, no region/credential/metadata checks); AMI Bakery reaches it
/// through AWS_ENDPOINT_URL and the sandbox's keys in the environment.
fn template(
    sandbox: &Sandbox,
    ami: &str,
    for_packer: bool,
    regions: &[&str],
    polling: bool,
) -> String {
    let packer_only = if for_packer {
        format!(
            r#""custom_endpoint_ec2": "{}", "skip_region_validation": true,
        "skip_credential_validation": true, "skip_metadata_api_check": true,
        "access_key": "testing", "secret_key": "testing","#,
            sandbox.endpoint()
        )
    } else {
        String::new()
    };
    let regions = serde_json::to_string(regions).unwrap();
    let polling = if polling {
        r#","aws_polling": { "delay_seconds": 1, "max_attempts": 60 }"#
    } else {
        ""
    };
    format!(
        r#"{{
    "builders": [{{
        "type": "amazon-ebs", {packer_only}
        "region": "us-east-1",
        "source_ami": "{ami}",
        "instance_type": "t2.micro",
        "ssh_username": "root",
        "ssh_host": "127.0.0.1",
        "ssh_port": {port},
        "ami_name": "bench {{{{timestamp}}}} {{{{uuid}}}}",
        "ami_regions": {regions}{polling}
    }}],
    "provisioners": [{{ "type": "shell", "inline": ["echo provisioning", "uname -a"] }}]
}}"#,
        port = sandbox.ssh_port()
    )
}

struct Run {
    wall: Duration,
    ec2_calls: usize,
    copy_ms: Option<u64>,
}

fn run(sandbox: &Sandbox, record: &Path, dir: &Path, tool: &str, text: &str) -> Run {
    let file = dir.join(format!("{tool}.json"));
    std::fs::write(&file, text).unwrap();
    let before = recorded_actions(record).unwrap().len();
    let mut command = if tool == "packer" {
        let mut c = Command::new("packer");
        c.arg("build").arg(&file).env("CHECKPOINT_DISABLE", "1");
        c
    } else {
        let mut c = Command::new(workspace_binary("bakery"));
        c.args(["bake", "--json"]).arg(&file);
        c
    };
    for (key, value) in sandbox.env_vars() {
        command.env(key, value);
    }
    command
        .env("BAKERY_HOME", dir.join("home"))
        .current_dir(dir)
        .stdin(Stdio::null());
    let start = Instant::now();
    let output = command.output().expect("the tool runs");
    let wall = start.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{tool} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let copy_ms = stdout.lines().find_map(|line| {
        let event: serde_json::Value = serde_json::from_str(line).ok()?;
        (event["type"] == "step_finished" && event["step"] == "copy_image")
            .then(|| event["duration_ms"].as_u64())?
    });
    let ec2_calls = recorded_actions(record)
        .unwrap()
        .into_iter()
        .skip(before)
        // STS is not EC2 (GetCallerIdentity goes to the same emulator).
        .filter(|action| action != "GetCallerIdentity")
        .count();
    Run {
        wall,
        ec2_calls,
        copy_ms,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let latency: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2.0);
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("calls.jsonl");
    let sandbox = Sandbox::start(&SandboxOptions {
        latency_secs: latency,
        record: Some(record.clone()),
        ..Default::default()
    })
    .expect("the sandbox starts");
    let ami = source_ami(&sandbox);
    let packer_version = Command::new("packer")
        .arg("version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "packer not found".into());
    println!("sandbox latency {latency} s per state change; {rounds} rounds each, alternating");
    println!(
        "peer: {packer_version}; AMI Bakery: bakery {}",
        env!("CARGO_PKG_VERSION")
    );

    for (title, polling) in [
        (
            "the template as written (each tool's default polling)",
            false,
        ),
        ("both with \"aws_polling\": {\"delay_seconds\": 1}", true),
    ] {
        println!();
        println!("== {title}");
        let mut packer = Vec::new();
        let mut bakery = Vec::new();
        for round in 1..=rounds {
            for tool in if round % 2 == 1 {
                ["packer", "bakery"]
            } else {
                ["bakery", "packer"]
            } {
                let text = template(&sandbox, &ami, tool == "packer", &[], polling);
                let r = run(&sandbox, &record, dir.path(), tool, &text);
                println!(
                    "round {round} {tool:>6}: {:6.2} s, {:3} EC2 calls",
                    r.wall.as_secs_f64(),
                    r.ec2_calls
                );
                if tool == "packer" {
                    &mut packer
                } else {
                    &mut bakery
                }
                .push(r);
            }
        }
        let wall = |runs: &[Run]| median(runs.iter().map(|r| r.wall.as_secs_f64()).collect());
        let calls = |runs: &[Run]| median(runs.iter().map(|r| r.ec2_calls as f64).collect());
        let (pw, bw, pc, bc) = (wall(&packer), wall(&bakery), calls(&packer), calls(&bakery));
        println!("one region          median wall   median EC2 calls");
        println!("Packer 1.6.6        {pw:8.2} s     {pc:6.0}");
        println!("AMI Bakery          {bw:8.2} s     {bc:6.0}");
        println!("ratio (ours/Packer) {:8.2}x     {:6.2}x", bw / pw, bc / pc);
    }

    let mut copy1 = Vec::new();
    let mut copy4 = Vec::new();
    for _ in 1..=rounds {
        let one = run(
            &sandbox,
            &record,
            dir.path(),
            "bakery",
            &template(&sandbox, &ami, false, &["us-west-2"], false),
        );
        copy1.push(one.copy_ms.unwrap_or_default() as f64 / 1000.0);
        let four = run(
            &sandbox,
            &record,
            dir.path(),
            "bakery",
            &template(
                &sandbox,
                &ami,
                false,
                &["us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"],
                false,
            ),
        );
        copy4.push(four.copy_ms.unwrap_or_default() as f64 / 1000.0);
    }
    let (c1, c4) = (median(copy1), median(copy4));
    println!();
    println!("== AMI Bakery's copy phase (CopyImage step, copies run in parallel)");
    println!(
        "copy phase         1 region {c1:.2} s   4 regions {c4:.2} s   ratio {:.2}x",
        c4 / c1
    );
    sandbox.stop().unwrap();
}
