//! The `bakery` command as a user runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bakery_sandbox::process_alive;
use bakery_tests::workspace_binary;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

#[test]
fn version_prints_the_workspace_version() {
    let output = Command::new(workspace_binary("bakery"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("bakery {}", env!("CARGO_PKG_VERSION"))
    );
}

fn sandbox_stops_cleanly_on(signal: Signal) {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("sandbox.env");
    let mut child = Command::new(workspace_binary("bakery"))
        .arg("sandbox")
        .arg("--env-file")
        .arg(&env_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !banner.contains("ssh_port") {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "bakery sandbox exited: {banner}"
        );
        banner.push_str(&line);
        assert!(Instant::now() < deadline);
    }
    assert!(
        banner.contains("export AWS_ENDPOINT_URL=http://127.0.0.1:"),
        "{banner}"
    );
    assert!(banner.contains("[profile sandbox]"), "{banner}");

    // The endpoint it printed answers EC2 calls.
    let env = std::fs::read_to_string(&env_file).unwrap();
    let endpoint = env
        .lines()
        .find_map(|l| l.strip_prefix("AWS_ENDPOINT_URL="))
        .unwrap()
        .to_string();
    let ssh_port: u16 = env
        .lines()
        .find_map(|l| l.strip_prefix("BAKERY_SANDBOX_SSH_PORT="))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        banner.contains(&format!("127.0.0.1:{ssh_port}")),
        "{banner}"
    );
    let images = bakery_sandbox::QueryResponse {
        xml: ureq::post(&endpoint)
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0",
            )
            .send_form([("Action", "DescribeImages"), ("Owner.1", "amazon")])
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    };
    assert!(!images.texts("imageId").is_empty());

    // Every process it started, by pid: the supervisor (child of bakery) and sshd.
    let descendants = descendants_of(child.id());
    assert!(
        descendants.len() >= 2,
        "supervisor and sshd run: {descendants:?}"
    );

    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "bakery sandbox exits 0 after {signal:?}");
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
    assert!(rest.contains("nothing is left running"), "{rest}");
    for pid in descendants {
        assert!(!process_alive(pid), "pid {pid} outlived bakery sandbox");
    }
}

#[test]
fn sandbox_answers_ec2_and_stops_everything_on_ctrl_c() {
    sandbox_stops_cleanly_on(Signal::SIGINT);
}

#[test]
fn sandbox_stops_everything_on_sigterm() {
    sandbox_stops_cleanly_on(Signal::SIGTERM);
}

/// Every live descendant of `pid`, from /proc.
fn descendants_of(pid: u32) -> Vec<u32> {
    let mut parents = std::collections::HashMap::<u32, Vec<u32>>::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parents.entry(ppid).or_default().push(child);
        }
    }
    let mut found = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for &c in parents.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
            found.push(c);
            todo.push(c);
        }
    }
    found
}
