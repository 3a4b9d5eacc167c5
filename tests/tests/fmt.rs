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

    // --diff alone: the same changes printed, exit 0, and still nothing written.
    let output = bakery(&["fmt", "--diff"], &file);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), diff);
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

const WITH_VARIABLES: &str = r#"{
  "variables": {"region": "eu-west-1", "token": "{{env `TOKEN`}}"},
  "sensitive-variables": ["token"],
  "builders": [{"type": "amazon-ebs", "name": "web", "region": "{{user `region`}}",
    "source_ami": "ami-01ccc867", "instance_type": "t3.micro", "ssh_username": "ec2-user",
    "ami_name": "web-{{user `region`}}-{{timestamp}}"}],
  "provisioners": [{"type": "shell", "inline": ["echo {{build_name}}"], "only": ["web"]}]
}"#;

#[test]
fn to_hcl_prints_or_writes_the_template_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("packer.json");
    std::fs::write(&file, WITH_VARIABLES).unwrap();

    let output = bakery(&["fmt", "--to", "hcl"], &file);
    assert!(output.status.success(), "{output:?}");
    let hcl = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        hcl.contains("variable \"region\" {\n  type    = string\n  default = \"eu-west-1\"\n}"),
        "{hcl}"
    );
    assert!(
        hcl.contains("  default   = env(\"TOKEN\")\n  sensitive = true\n"),
        "{hcl}"
    );
    assert!(hcl.contains("  region        = var.region\n"), "{hcl}");
    assert!(
        hcl.contains("  ami_name      = \"web-${var.region}-{{timestamp}}\"\n"),
        "{hcl}"
    );
    assert!(hcl.contains("only   = [\"amazon-ebs.web\"]"), "{hcl}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), WITH_VARIABLES);

    // -w: next to the file; it validates, is already formatted, and goes back to JSON.
    let output = bakery(&["fmt", "--to", "hcl", "-w"], &file);
    assert!(output.status.success(), "{output:?}");
    let written = dir.path().join("packer.pkr.hcl");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        written.display().to_string()
    );
    assert_eq!(std::fs::read_to_string(&written).unwrap(), hcl);
    let output = bakery(&["validate"], &written);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(bakery(&["fmt", "--check"], &written).status.code(), Some(0));
    let output = bakery(&["fmt", "--to", "json"], &written);
    assert!(output.status.success(), "{output:?}");
    let json = String::from_utf8_lossy(&output.stdout);
    assert!(json.contains("\"region\": \"{{user `region`}}\""), "{json}");
    assert!(json.contains("\"only\": [\"web\"]"), "{json}");
}

#[test]
fn what_cannot_be_converted_is_located_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("web.pkr.hcl");
    let text = "source \"amazon-ebs\" \"web\" {\n  ami_name = \"web-${formatdate(\"YYYY\", timestamp())}\"\n  dynamic \"tag\" {\n    for_each = {}\n    content {}\n  }\n}\nbuild {\n  sources = [\"source.amazon-ebs.web\"]\n}\n";
    std::fs::write(&file, text).unwrap();
    let output = bakery(&["fmt", "--to", "json", "-w"], &file);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let name = file.display().to_string();
    assert!(
        stderr.contains(&format!("{name}:2:21: error: formatdate() can't be written in a JSON template (field source.amazon-ebs.web.ami_name)")),
        "{stderr}"
    );
    assert!(stderr.contains("help: use legacy_isotime"), "{stderr}");
    assert!(
        stderr.contains(&format!("{name}:3:3: error: dynamic blocks")),
        "{stderr}"
    );
    assert!(!dir.path().join("web.json").exists());
}

#[test]
fn an_hcl2_file_is_laid_out_canonically_keeping_comments() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("web.pkr.hcl");
    let messy = "# the web image\nsource \"amazon-ebs\" \"web\" {\nregion=\"eu-west-1\" # Ireland\n      instance_type = \"t3.micro\"\n}\n\n\n\nbuild {\n sources = [\"source.amazon-ebs.web\"]\n}\n";
    std::fs::write(&file, messy).unwrap();
    assert_eq!(bakery(&["fmt", "--check"], &file).status.code(), Some(3));
    let output = bakery(&["fmt"], &file);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "# the web image\nsource \"amazon-ebs\" \"web\" {\n  region        = \"eu-west-1\" # Ireland\n  instance_type = \"t3.micro\"\n}\n\nbuild {\n  sources = [\"source.amazon-ebs.web\"]\n}\n"
    );
    assert_eq!(bakery(&["fmt", "--check"], &file).status.code(), Some(0));
}
