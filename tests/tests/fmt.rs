//! `bakery fmt` as a user runs it on a template file.

use std::process::{Command, Output};

use bakery_tests::workspace_binary;

fn bakery(args: &[&str], file: &std::path::Path) -> Output {
    Command::new(workspace_binary("bakery"))
        .args(args)
        .arg(file)
        .output()
        .unwrap()
}

const MESSY: &str = "{\"builders\":[{\"type\":\"amazon-ebs\",\"region\":\"eu-west-1\",\n\"source_ami\":\"ami-01ccc867\",\"instance_type\":\"t2.micro\",\"ssh_username\":\"ec2-user\",\n    \"ami_name\":\"yum-upgrade {{timestamp}}\"}],\"provisioners\":[{\"type\":\"shell\",\"inline\":[\"sleep 30\",\"sudo yum update -y\"]}]}";

const CANONICAL: &str = r#"{
  "builders": [
    {
      "type": "amazon-ebs",
      "region": "eu-west-1",
      "source_ami": "ami-01ccc867",
      "instance_type": "t2.micro",
      "ssh_username": "ec2-user",
      "ami_name": "yum-upgrade {{timestamp}}"
    }
  ],
  "provisioners": [
    {
      "type": "shell",
      "inline": ["sleep 30", "sudo yum update -y"]
    }
  ]
}
"#;

#[test]
fn check_diff_then_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("packer.json");
    std::fs::write(&file, MESSY).unwrap();

    // --check: exit 3, the file is left alone.
    let output = bakery(&["fmt", "--check"], &file);
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), MESSY);

    // --check --diff: the changes, still nothing written.
    let output = bakery(&["fmt", "--check", "--diff"], &file);
    assert_eq!(output.status.code(), Some(3));
    let diff = String::from_utf8_lossy(&output.stdout);
    assert!(
        diff.starts_with(&format!("--- {}\n", file.display())),
        "{diff}"
    );
    assert!(
        diff.contains("\n+      \"ami_name\": \"yum-upgrade {{timestamp}}\"\n"),
        "{diff}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), MESSY);

    // Plain: rewritten, its name printed; then it is formatted.
    let output = bakery(&["fmt"], &file);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        file.display().to_string()
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), CANONICAL);
    let output = bakery(&["fmt", "--check"], &file);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty() && output.stderr.is_empty());

    // The formatted template still validates.
    assert!(bakery(&["validate"], &file).status.success());
}

#[test]
fn a_duplicate_key_is_not_formatted_away() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dup.json");
    let text = "{\"builders\": [],\n \"builders\": [{}]}";
    std::fs::write(&file, text).unwrap();
    let output = bakery(&["fmt"], &file);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(":2:2: error: template has duplicate field: builders"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}
