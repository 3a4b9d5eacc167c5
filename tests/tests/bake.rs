//! `bakery bake` and `bakery cleanup` as a user runs them, against the sandbox: the
//! article's template bakes; Ctrl-C and `kill -9` at every step boundary leave nothing
//! behind once `bakery cleanup` (or the next start) has run.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use bakery_sandbox::Sandbox;
use bakery_tests::{article_template, sandbox, sandbox_bakery as bakery};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const STEPS: [&str; 13] = [
    "preflight",
    "source_image",
    "network",
    "key_pair",
    "security_group",
    "launch",
    "connect",
    "provision",
    "stop",
    "create_image",
    "copy_image",
    "share",
    "manifest",
];

/// Instances not terminated, bakery security groups, key pairs, in the regions a bake uses.
fn leftovers(sandbox: &Sandbox, images_too: bool) -> Vec<String> {
    let mut left = Vec::new();
    for region in ["eu-west-1", "us-west-2"] {
        let instances = sandbox.ec2(region, "DescribeInstances", &[]).unwrap();
        let states = instances.texts("name");
        if states.iter().any(|s| {
            ["pending", "running", "stopping", "stopped", "shutting-down"].contains(&s.as_str())
        }) {
            left.push(format!(
                "instances in {region}: {:?}",
                instances.texts("instanceId")
            ));
        }
        let groups: Vec<String> = sandbox
            .ec2(region, "DescribeSecurityGroups", &[])
            .unwrap()
            .texts("groupName")
            .into_iter()
            .filter(|g| g.starts_with("bakery_"))
            .collect();
        if !groups.is_empty() {
            left.push(format!("security groups in {region}: {groups:?}"));
        }
        let keys = sandbox
            .ec2(region, "DescribeKeyPairs", &[])
            .unwrap()
            .texts("keyName");
        if !keys.is_empty() {
            left.push(format!("key pairs in {region}: {keys:?}"));
        }
        if images_too {
            let images = sandbox
                .ec2(region, "DescribeImages", &[("Owner.1", "self")])
                .unwrap()
                .texts("imageId");
            if !images.is_empty() {
                left.push(format!("images in {region}: {images:?}"));
            }
        }
    }
    left
}

/// Writes the article template with `inline` as its commands and runs `bakery bake` on it.
fn bake_article(sandbox: &Sandbox, home: &Path, inline: &[&str]) -> std::process::Output {
    let template = home.join("packer.json");
    std::fs::write(&template, article_template(sandbox, inline)).unwrap();
    bakery(sandbox, home)
        .arg("bake")
        .arg(&template)
        .output()
        .unwrap()
}

#[test]
fn the_article_template_bakes_from_the_command_line() {
    let sandbox = sandbox();
    let home = tempfile::tempdir().unwrap();
    let output = bake_article(
        &sandbox,
        home.path(),
        &["sleep 1", "echo yum update -y done"],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("amazon-ebs: yum update -y done"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✓ Run provisioners ("),
        "step durations: {stdout}"
    );
    for region in ["eu-west-1", "us-west-2"] {
        assert!(
            stdout.contains(&format!("is available in {region}")),
            "artifact in {region}: {stdout}"
        );
        let images = sandbox
            .ec2(region, "DescribeImages", &[("Owner.1", "self")])
            .unwrap();
        assert_eq!(images.texts("imageState"), ["available"], "{region}");
        assert!(
            images.texts("name")[0].starts_with("yum-upgrade 1"),
            "{region}"
        );
    }
    assert_eq!(leftovers(&sandbox, false), Vec::<String>::new());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(home.path().join("manifest.json")).unwrap())
            .unwrap();
    let artifact = manifest["builds"][0]["artifact_id"].as_str().unwrap();
    assert!(
        artifact.starts_with("eu-west-1:ami-") && artifact.contains(",us-west-2:ami-"),
        "{artifact}"
    );
}

#[test]
fn a_failing_provisioner_exits_1_and_leaves_nothing() {
    let sandbox = sandbox();
    let home = tempfile::tempdir().unwrap();
    let output = bake_article(&sandbox, home.path(), &["echo working", "exit 42"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("exited with status 42"), "{stderr}");
    assert_eq!(leftovers(&sandbox, true), Vec::<String>::new());
}

#[test]
fn bake_json_prints_every_event_numbered_and_timestamped_with_the_provisioners_output_grouped() {
    let sandbox = sandbox();
    let home = tempfile::tempdir().unwrap();
    let template = home.path().join("packer.json");
    std::fs::write(
        &template,
        article_template(&sandbox, &["echo first line", "echo second line"]),
    )
    .unwrap();
    let output = bakery(&sandbox, home.path())
        .args(["bake", "--json"])
        .arg(&template)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let bake_id = events[0]["bake_id"].as_str().unwrap().to_string();
    for (n, event) in events.iter().enumerate() {
        assert_eq!(
            event["seq"], n as u64,
            "numbered from 0 without gaps: {event}"
        );
        let at = event["at"].as_str().unwrap_or_default();
        // RFC 3339 in UTC with milliseconds: 2026-12-02T21:03:04.123Z
        assert!(
            at.len() == 24 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
            "{event}"
        );
        assert_eq!(event["bake_id"], bake_id.as_str());
        assert_eq!(event["build"], "amazon-ebs");
    }
    let times: Vec<&str> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in time order");
    let position =
        |check: &dyn Fn(&serde_json::Value) -> bool| events.iter().position(check).unwrap();
    let started = position(&|e| e["type"] == "provisioner_started");
    let output_line = position(&|e| e["type"] == "output" && e["line"] == "second line");
    let finished = position(&|e| e["type"] == "provisioner_finished");
    assert!(started < output_line && output_line < finished);
    assert_eq!(events[started]["kind"], "shell");
    assert_eq!(events[started]["title"], "shell: inline (2 lines)");
    assert!(events[finished]["error"].is_null());
    assert!(events[finished]["duration_ms"].is_u64());
}

/// Starts `bakery bake --json`, and when the event `step_started` of `step` is printed,
/// sends `signal`. Returns the exit status.
fn interrupt_at(sandbox: &Sandbox, home: &Path, step: &str, signal: Signal) -> Option<i32> {
    let template = home.join("packer.json");
    std::fs::write(
        &template,
        article_template(sandbox, &["echo provisioning", "sleep 1"]),
    )
    .unwrap();
    let mut child = bakery(sandbox, home)
        .args(["bake", "--json"])
        .arg(&template)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        let Ok(line) = line else { break };
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        if event["type"] == "step_started" && event["step"] == step {
            kill(Pid::from_raw(child.id() as i32), signal).unwrap();
            break;
        }
    }
    child.wait().unwrap().code()
}

#[test]
fn ctrl_c_at_every_step_boundary_cleans_up_before_exiting() {
    for step in STEPS {
        let sandbox = sandbox();
        let home = tempfile::tempdir().unwrap();
        let code = interrupt_at(&sandbox, home.path(), step, Signal::SIGINT);
        // The manifest step may finish before the signal lands: then the bake succeeded.
        if step == "manifest" && code == Some(0) {
            assert_eq!(leftovers(&sandbox, false), Vec::<String>::new());
            continue;
        }
        assert_eq!(code, Some(130), "Ctrl-C at {step}");
        assert_eq!(
            leftovers(&sandbox, true),
            Vec::<String>::new(),
            "Ctrl-C at {step}"
        );
    }
}

#[test]
fn ctrl_c_during_provisioning_prints_the_cut_step_as_cancelled_not_failed() {
    let sandbox = sandbox();
    let home = tempfile::tempdir().unwrap();
    let template = home.path().join("packer.json");
    std::fs::write(
        &template,
        article_template(&sandbox, &["echo provisioning", "sleep 30"]),
    )
    .unwrap();
    let mut child = bakery(&sandbox, home.path())
        .args(["bake", "--json"])
        .arg(&template)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut events: Vec<serde_json::Value> = Vec::new();
    for line in stdout.lines() {
        let Ok(line) = line else { break };
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        if event["type"] == "output" && event["line"] == "provisioning" {
            kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
        }
        events.push(event);
    }
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let cancelled: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["type"] == "step_cancelled")
        .collect();
    assert_eq!(cancelled.len(), 1, "{events:?}");
    assert_eq!(cancelled[0]["step"], "provision");
    assert!(cancelled[0]["duration_ms"].is_u64());
    assert!(cancelled[0]["seq"].is_u64() && cancelled[0]["at"].is_string());
    assert!(
        !events
            .iter()
            .any(|e| e["type"] == "step_failed" && e["step"] == "provision"),
        "a cancel is not a failure"
    );
    let last = events.last().unwrap();
    assert_eq!(last["type"], "bake_finished");
    assert_eq!(last["outcome"], "cancelled");
    assert_eq!(leftovers(&sandbox, true), Vec::<String>::new());
}

#[test]
fn ctrl_c_in_the_terminal_prints_the_cut_step_as_cancelled() {
    let sandbox = sandbox();
    let home = tempfile::tempdir().unwrap();
    let template = home.path().join("packer.json");
    std::fs::write(
        &template,
        article_template(&sandbox, &["echo provisioning", "sleep 30"]),
    )
    .unwrap();
    let mut child = bakery(&sandbox, home.path())
        .arg("bake")
        .arg(&template)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let Ok(line) = line else { break };
        if line.ends_with(": provisioning") {
            kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
        }
        lines.push(line);
    }
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(
        child.wait().unwrap().code(),
        Some(130),
        "{lines:#?}\n{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.contains(": ⊘ Run provisioners cancelled (")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|line| line.contains("✗ Run provisioners")),
        "a cancel is not printed as a failure: {lines:#?}"
    );
    assert_eq!(
        lines.last().map(String::as_str),
        Some("    amazon-ebs: cancelled during “Run provisioners”"),
        "{lines:#?}"
    );
    assert_eq!(leftovers(&sandbox, true), Vec::<String>::new());
}

#[test]
fn kill_9_at_every_step_boundary_is_cleaned_up_by_the_next_start() {
    for step in STEPS {
        let sandbox = sandbox();
        let home = tempfile::tempdir().unwrap();
        let code = interrupt_at(&sandbox, home.path(), step, Signal::SIGKILL);
        assert_eq!(code, None, "killed at {step}");
        // The store is whole after the kill, and the bake shows as interrupted.
        let db = rusqlite::Connection::open(home.path().join("history.sqlite3")).unwrap();
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(check, "ok", "killed at {step}");
        drop(db);
        let list = bakery(&sandbox, home.path())
            .args(["history", "list", "--json"])
            .output()
            .unwrap();
        let bake: serde_json::Value =
            serde_json::from_str(String::from_utf8_lossy(&list.stdout).trim()).unwrap();
        assert_eq!(
            (&bake["status"], &bake["interrupted"]),
            (&"running".into(), &true.into()),
            "killed at {step}: {bake}"
        );
        let cleanup = bakery(&sandbox, home.path())
            .arg("cleanup")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&cleanup.stdout);
        assert!(
            cleanup.status.success(),
            "cleanup after kill at {step}: {stdout}"
        );
        assert_eq!(
            leftovers(&sandbox, true),
            Vec::<String>::new(),
            "killed at {step}: {stdout}"
        );
        // The history survived the kill whole: the bake, marked failed by the cleanup, with
        // every step that ended before the kill recorded as it ended.
        let list = bakery(&sandbox, home.path())
            .args(["history", "list", "--json"])
            .output()
            .unwrap();
        let bake: serde_json::Value =
            serde_json::from_str(String::from_utf8_lossy(&list.stdout).trim()).unwrap();
        assert_eq!(bake["status"], "failed", "killed at {step}: {bake}");
        assert!(
            bake["error"].as_str().is_some_and(
                |e| e.contains("the process running this bake stopped (killed or crashed)")
            ),
            "killed at {step}: {bake}"
        );
        let show = bakery(&sandbox, home.path())
            .args(["history", "show", bake["id"].as_str().unwrap(), "--json"])
            .output()
            .unwrap();
        let detail: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
        let recorded: Vec<(&str, &str)> = detail["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["step"].as_str().unwrap(), s["status"].as_str().unwrap()))
            .collect();
        let before: Vec<(&str, &str)> = STEPS
            .iter()
            .take_while(|s| **s != step)
            .map(|s| (*s, "succeeded"))
            .collect();
        assert_eq!(
            recorded.get(..before.len()),
            Some(before.as_slice()),
            "killed at {step}"
        );
        assert!(
            recorded.iter().any(|(s, _)| *s == step),
            "the killed step's start is recorded: {recorded:?}"
        );
        assert!(
            !recorded.iter().any(|(_, status)| *status == "running"),
            "no step of a dead bake stays running: {recorded:?}"
        );
    }
}

#[test]
fn cleanup_sweep_deletes_tagged_leftovers_in_every_region() {
    let sandbox = sandbox();
    let home = tempfile::tempdir().unwrap();
    // What a bake on another machine (whose history is lost) might have left.
    let ami = sandbox
        .ec2("us-west-2", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap()
        .texts("imageId")
        .remove(0);
    let tag = [
        ("TagSpecification.1.Tag.1.Key", "bakery:bake-id"),
        ("TagSpecification.1.Tag.1.Value", "ghost"),
    ];
    let mut run = vec![
        ("ImageId", ami.as_str()),
        ("InstanceType", "t2.micro"),
        ("MinCount", "1"),
        ("MaxCount", "1"),
        ("TagSpecification.1.ResourceType", "instance"),
    ];
    run.extend(tag);
    sandbox.ec2("us-west-2", "RunInstances", &run).unwrap();
    let mut group = vec![
        ("GroupName", "bakery_ghost"),
        ("GroupDescription", "left by a lost bake"),
        ("TagSpecification.1.ResourceType", "security-group"),
    ];
    group.extend(tag);
    sandbox
        .ec2("us-west-2", "CreateSecurityGroup", &group)
        .unwrap();
    assert_eq!(
        leftovers(&sandbox, false).len(),
        2,
        "the setup left an instance and a group"
    );

    let output = bakery(&sandbox, home.path())
        .args(["cleanup", "--sweep"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("us-west-2 instance i-"), "{stdout}");
    assert!(stdout.contains("(bake ghost): deleted"), "{stdout}");
    assert_eq!(leftovers(&sandbox, false), Vec::<String>::new(), "{stdout}");
}

#[test]
fn sensitive_variables_never_reach_the_output_or_the_history() {
    let sandbox = sandbox();
    let home = tempfile::tempdir().unwrap();
    let ami = sandbox
        .ec2("us-east-1", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap()
        .texts("imageId")
        .remove(0);
    let secret = "hunter2-do-not-print";
    let template = home.path().join("packer.json");
    std::fs::write(
        &template,
        format!(
            r#"{{
  "variables": {{ "db_password": "" }},
  "sensitive-variables": ["db_password"],
  "builders": [{{"type": "amazon-ebs", "region": "us-east-1", "source_ami": "{ami}",
    "instance_type": "t2.micro", "ssh_username": "root", "ssh_host": "127.0.0.1",
    "ssh_port": {port}, "ami_name": "sensitive {{{{timestamp}}}}"}}],
  "provisioners": [{{"type": "shell",
    "environment_vars": ["DB_PASSWORD={{{{user `db_password`}}}}"],
    "inline": ["echo configuring with $DB_PASSWORD", "echo failing with $DB_PASSWORD >&2", "exit 1"]}}]
}}"#,
            port = sandbox.ssh_port()
        ),
    )
    .unwrap();
    let output = bakery(&sandbox, home.path())
        .args(["bake", "--var", &format!("db_password={secret}")])
        .arg(&template)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("configuring with <sensitive>"), "{stdout}");
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "{stdout}\n{stderr}"
    );
    let history = std::fs::read(home.path().join("history.sqlite3")).unwrap();
    let wal = std::fs::read(home.path().join("history.sqlite3-wal")).unwrap_or_default();
    for bytes in [history, wal] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the secret is in the history database"
        );
    }
}

#[test]
fn credentials_written_in_the_template_sign_the_bake_and_assume_its_role() {
    // A sandbox of its own, recording, to see which keys signed each call.
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("calls.jsonl");
    let sandbox = Sandbox::start(&bakery_sandbox::SandboxOptions {
        record: Some(record.clone()),
        ..Default::default()
    })
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let template = article_template(&sandbox, &["echo baked with the role of the template"]).replace(
        r#""ami_users": ["111122223333"]"#,
        r#""ami_users": ["111122223333"],
        "access_key": "AKIATEMPLATEKEY01",
        "secret_key": "{{user `secret`}}",
        "assume_role": {"role_arn": "arn:aws:iam::123456789012:role/baker", "session_name": "from-template"}"#,
    );
    let template = template.replacen(
        "{\n    \"builders\"",
        "{\n    \"variables\": {\"secret\": \"not-a-real-secret-key\"},\n    \"sensitive-variables\": [\"secret\"],\n    \"builders\"",
        1,
    );
    let path = home.path().join("packer.json");
    std::fs::write(&path, &template).unwrap();
    // No keys and no profile in the environment: only the template's can sign.
    let output = bakery(&sandbox, home.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .arg("bake")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(!stdout.contains("not-a-real-secret-key") && !stderr.contains("not-a-real-secret-key"));

    let calls = bakery_sandbox::recorded_calls(&record).unwrap();
    let assume = calls
        .iter()
        .find(|c| c.action == "AssumeRole")
        .expect("the template's role is assumed");
    assert_eq!(
        assume.param("RoleArn"),
        Some("arn:aws:iam::123456789012:role/baker")
    );
    assert_eq!(assume.param("RoleSessionName"), Some("from-template"));
    assert_eq!(assume.access_key_id.as_deref(), Some("AKIATEMPLATEKEY01"));
    let launch = calls
        .iter()
        .find(|c| c.action == "RunInstances")
        .expect("an instance was launched");
    let signer = launch.access_key_id.clone().unwrap_or_default();
    assert!(
        !signer.is_empty() && signer != "AKIATEMPLATEKEY01",
        "EC2 calls are signed with the role's session, not the template's keys: {signer}"
    );
    // Every call after the role is assumed (the first one is this test's own lookup).
    let assumed_at = calls.iter().position(|c| c.action == "AssumeRole").unwrap();
    assert!(
        calls[assumed_at + 1..]
            .iter()
            .all(|c| c.access_key_id.as_deref() == Some(signer.as_str())),
        "every other call uses the role's session: {:?}",
        calls
            .iter()
            .map(|c| (c.action.as_str(), c.access_key_id.as_deref()))
            .collect::<Vec<_>>()
    );
    assert_eq!(leftovers(&sandbox, false), Vec::<String>::new());
    sandbox.stop().unwrap();
}

/// The article's template with one `ansible` step (`use_proxy: false`, so the bake's own key
/// is written for Ansible) whose playbook waits on the instance, for a signal to land in it.
fn ansible_template(sandbox: &Sandbox, home: &Path) -> PathBuf {
    let playbook = home.join("site.yml");
    std::fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: Wait on the instance\n      ansible.builtin.wait_for:\n        path: /nonexistent/bakery-never\n        timeout: 10\n",
    )
    .unwrap();
    let mut template: serde_json::Value =
        serde_json::from_str(&article_template(sandbox, &[])).unwrap();
    template["provisioners"] = serde_json::json!([{
        "type": "ansible",
        "playbook_file": playbook,
        "command": bakery_tests::ansible_playbook(),
        "extra_arguments": ["--extra-vars", "ansible_python_interpreter=/usr/bin/python3"],
        "use_proxy": false
    }]);
    let path = home.join("ansible.json");
    std::fs::write(&path, template.to_string()).unwrap();
    path
}

/// The Ansible step's private folders (key and inventory) of this bake in the temporary folder.
fn ansible_folders(bake_id: &str) -> Vec<PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("bakery-ansible-{bake_id}-"))
        })
        .collect()
}

/// The Ansible step's folders, each with the names of the files in it.
type StepFolders = Vec<(PathBuf, Vec<String>)>;

/// Runs the ansible template and sends `signal` once Ansible is in its task; returns the
/// exit code, the bake's id, and the step's folders with the files in them then.
fn signal_during_ansible(
    sandbox: &Sandbox,
    home: &Path,
    signal: Signal,
) -> (Option<i32>, String, StepFolders) {
    let template = ansible_template(sandbox, home);
    let mut child = bakery(sandbox, home)
        .args(["bake", "--json"])
        .arg(&template)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (mut bake_id, mut folders) = (String::new(), Vec::new());
    for line in stdout.lines() {
        let Ok(line) = line else { break };
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        if let Some(id) = event["bake_id"].as_str() {
            bake_id = id.to_string();
        }
        if event["type"] == "output"
            && event["line"]
                .as_str()
                .is_some_and(|l| l.starts_with("TASK [Wait on the instance]"))
        {
            folders = ansible_folders(&bake_id)
                .into_iter()
                .map(|dir| {
                    let mut files: Vec<String> = std::fs::read_dir(&dir)
                        .unwrap()
                        .flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect();
                    files.sort();
                    (dir, files)
                })
                .collect();
            kill(Pid::from_raw(child.id() as i32), signal).unwrap();
            if signal == Signal::SIGKILL {
                break;
            }
        }
    }
    (child.wait().unwrap().code(), bake_id, folders)
}

#[test]
fn the_ansible_steps_key_file_goes_on_ctrl_c_and_after_kill_9() {
    let sandbox = sandbox();
    let home = tempfile::tempdir().unwrap();
    let (code, bake_id, folders) = signal_during_ansible(&sandbox, home.path(), Signal::SIGINT);
    assert_eq!(code, Some(130));
    assert_eq!(folders.len(), 1, "the step had its folder: {folders:?}");
    assert_eq!(
        folders[0].1,
        ["instance-key", "inventory"],
        "the bake's key was written for Ansible, beside the inventory"
    );
    assert_eq!(
        ansible_folders(&bake_id),
        Vec::<PathBuf>::new(),
        "Ctrl-C removed it"
    );
    assert_eq!(leftovers(&sandbox, true), Vec::<String>::new());
    drop(sandbox);

    let sandbox = self::sandbox();
    let home = tempfile::tempdir().unwrap();
    let (code, bake_id, folders) = signal_during_ansible(&sandbox, home.path(), Signal::SIGKILL);
    assert_eq!(code, None);
    assert_eq!(folders.len(), 1, "{folders:?}");
    assert_eq!(
        ansible_folders(&bake_id),
        [folders[0].0.clone()],
        "a killed process can't remove it"
    );
    let cleanup = bakery(&sandbox, home.path())
        .arg("cleanup")
        .output()
        .unwrap();
    assert!(cleanup.status.success());
    assert_eq!(
        ansible_folders(&bake_id),
        Vec::<PathBuf>::new(),
        "the next start's recovery removed the key: {}",
        String::from_utf8_lossy(&cleanup.stdout)
    );
    assert_eq!(leftovers(&sandbox, true), Vec::<String>::new());
}
