//! `bakery set` and `bakery unset` as a user runs them on template files of both dialects.

use std::path::Path;
use std::process::{Command, Output};

use bakery_tests::workspace_binary;

fn bakery(args: &[&str], file: &Path, rest: &[&str]) -> Output {
    Command::new(workspace_binary("bakery"))
        .args(args)
        .arg(file)
        .args(rest)
        .output()
        .unwrap()
}

const JSON: &str = r#"{
  "description": "a web server image",
  "builders": [
    {
      "type": "amazon-ebs",
      "region": "eu-west-1",
      "source_ami": "ami-0123456789abcdef0",
      "instance_type": "t3.micro",
      "ssh_username": "ec2-user",
      "ami_name": "web {{timestamp}}",
      "tags": {
        "Name": "web"
      }
    }
  ],
  "provisioners": [
    {
      "type": "shell",
      "inline": ["sudo yum -y update"]
    }
  ]
}
"#;

const HCL: &str = r#"# The web server image.
source "amazon-ebs" "web" {
  region        = "eu-west-1"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro" # cheap
  ssh_username  = "ec2-user"
  ami_name      = "web {{timestamp}}"
}

build {
  sources = ["source.amazon-ebs.web"]

  provisioner "shell" {
    inline = ["sudo yum -y update"]
  }
}
"#;

#[test]
fn set_changes_only_the_values_given() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("packer.json");
    std::fs::write(&file, JSON).unwrap();
    let output = bakery(
        &["set"],
        &file,
        &[
            "builders[0].instance_type=t3.large",
            "builders[0].tags.Team=\"platform\"",
            "builders[0].ami_regions=[\"us-east-1\"]",
            "provisioners[0].inline[0]=sudo dnf -y upgrade",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "{output:?}"
    );
    let expected = JSON
        .replace("\"t3.micro\"", "\"t3.large\"")
        .replace(
            "\"Name\": \"web\"\n",
            "\"Name\": \"web\",\n        \"Team\": \"platform\"\n",
        )
        .replace(
            "      }\n    }\n  ],",
            "      },\n      \"ami_regions\": [\"us-east-1\"]\n    }\n  ],",
        )
        .replace("sudo yum -y update", "sudo dnf -y upgrade");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);

    let file = dir.path().join("web.pkr.hcl");
    std::fs::write(&file, HCL).unwrap();
    let output = bakery(
        &["set"],
        &file,
        &[
            "source.amazon-ebs.web.instance_type=t3.large",
            "source.amazon-ebs.web.ami_users=[\"123456789012\"]",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let expected = HCL
        .replace("\"t3.micro\" # cheap", "\"t3.large\" # cheap")
        .replace(
            "  ami_name      = \"web {{timestamp}}\"\n",
            "  ami_name      = \"web {{timestamp}}\"\n  ami_users     = [\"123456789012\"]\n",
        );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
}

#[test]
fn unset_removes_the_key_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("packer.json");
    std::fs::write(&file, JSON).unwrap();
    let output = bakery(&["unset"], &file, &["builders[0].tags", "description"]);
    assert!(output.status.success(), "{output:?}");
    let expected = JSON
        .replace("  \"description\": \"a web server image\",\n", "")
        .replace(
            ",\n      \"tags\": {\n        \"Name\": \"web\"\n      }",
            "",
        );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);

    let file = dir.path().join("web.pkr.hcl");
    std::fs::write(&file, HCL).unwrap();
    let output = bakery(&["unset"], &file, &["build.provisioner[0]"]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        HCL.replace(
            "\n  provisioner \"shell\" {\n    inline = [\"sudo yum -y update\"]\n  }\n",
            ""
        )
    );
}

#[test]
fn a_change_that_breaks_the_template_is_refused_with_its_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("packer.json");
    std::fs::write(&file, JSON).unwrap();
    let output = bakery(&["set"], &file, &["builders[0].instance_type=[1, 2]"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:8:24: error:", file.display()))
            && stderr.contains("(field builders[0].instance_type)"),
        "{stderr}"
    );
    assert!(stderr.contains("refused"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), JSON, "untouched");

    let file = dir.path().join("web.pkr.hcl");
    std::fs::write(&file, HCL).unwrap();
    let output = bakery(&["unset"], &file, &["source.amazon-ebs.web.region"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("(field source.amazon-ebs.web.region)"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), HCL, "untouched");

    // A path that names nothing says so, and writes nothing.
    let output = bakery(&["set"], &file, &["build.provisioner[3].inline[0]=x"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("build.provisioner[3]"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), HCL);
}

#[test]
fn force_writes_a_breaking_change_and_prints_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("packer.json");
    std::fs::write(&file, JSON).unwrap();
    let output = bakery(&["unset", "--force"], &file, &["builders[0].region"]);
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("(field builders[0].region)"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        JSON.replace("      \"region\": \"eu-west-1\",\n", "")
    );
}
