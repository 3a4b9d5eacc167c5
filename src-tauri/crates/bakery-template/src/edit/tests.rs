//! The edit engine on small templates of both dialects: what changes and what stays.

use serde_json::json;

use super::*;

fn set(path: &str, value: serde_json::Value) -> Change {
    Change::Set {
        path: path.to_string(),
        value,
    }
}

fn unset(path: &str) -> Change {
    Change::Unset {
        path: path.to_string(),
    }
}

fn run(source: &str, dialect: Dialect, change: Change) -> String {
    let found = patches(source, dialect, &change).unwrap_or_else(|e| panic!("{e}"));
    apply(source, &found)
}

const JSON: &str = r#"{
    "variables": {
        "region": "eu-west-1"
    },
    "builders": [
        {
            "type": "amazon-ebs",
            "region": "{{user `region`}}",
            "instance_type": "t3.micro",
            "ami_regions": ["us-east-1", "us-west-2"],
            "tags": {
                "Name": "web"
            }
        }
    ],
    "provisioners": [
        {"type": "shell", "inline": ["echo one"]},
        {"type": "shell", "inline": ["echo two"]}
    ]
}
"#;

#[test]
fn a_json_set_changes_only_the_value() {
    let out = run(
        JSON,
        Dialect::Json,
        set("builders[0].instance_type", json!("t3.large")),
    );
    assert_eq!(out, JSON.replace("\"t3.micro\"", "\"t3.large\""));
}

#[test]
fn a_new_json_key_takes_its_siblings_indentation() {
    let out = run(
        JSON,
        Dialect::Json,
        set("builders[0].ssh_username", json!("ec2-user")),
    );
    assert!(
        out.contains("            },\n            \"ssh_username\": \"ec2-user\"\n        }"),
        "{out}"
    );
    assert_eq!(
        run(&out, Dialect::Json, unset("builders[0].ssh_username")),
        JSON
    );
    let out = run(
        JSON,
        Dialect::Json,
        set("builders[0].tags.Owner", json!("me")),
    );
    assert!(
        out.contains("\"Name\": \"web\",\n                \"Owner\": \"me\"\n"),
        "{out}"
    );
    let out = run(
        JSON,
        Dialect::Json,
        set("builders[0].run_tags[\"a b\"]", json!("x")),
    );
    assert!(
        out.contains("\"run_tags\": {\n                \"a b\": \"x\"\n            }"),
        "{out}"
    );
}

#[test]
fn json_lists_change_item_by_item() {
    let out = run(
        JSON,
        Dialect::Json,
        set(
            "builders[0].ami_regions",
            json!(["us-east-1", "eu-central-1", "us-west-2"]),
        ),
    );
    assert!(
        out.contains(r#"["us-east-1", "eu-central-1", "us-west-2"]"#),
        "{out}"
    );
    let moved = run(
        JSON,
        Dialect::Json,
        Change::Move {
            path: "provisioners[1]".into(),
            to: 0,
        },
    );
    assert!(moved.find("echo two").unwrap() < moved.find("echo one").unwrap());
    let back = run(
        &moved,
        Dialect::Json,
        Change::Move {
            path: "provisioners[0]".into(),
            to: 1,
        },
    );
    assert_eq!(back, JSON);
    let inserted = run(
        JSON,
        Dialect::Json,
        Change::Insert {
            path: "provisioners[1]".into(),
            value: json!({"type": "shell", "inline": ["echo mid"]}),
        },
    );
    let removed = run(
        &inserted,
        Dialect::Json,
        Change::Remove {
            path: "provisioners[1]".into(),
        },
    );
    assert_eq!(removed, JSON);
}

const HCL: &str = r#"# A comment that stays.
source "amazon-ebs" "web" {
  region        = "eu-west-1"
  instance_type = "t3.micro" # small
  ami_regions   = ["us-east-1"]
  tags = {
    Name = "web"
  }
}

build {
  sources = ["source.amazon-ebs.web"]

  provisioner "shell" {
    inline = ["echo one"]
  }

  # Second step.
  provisioner "shell" {
    inline = [
      "echo two",
      "echo three",
    ]
  }
}
"#;

#[test]
fn an_hcl_set_changes_only_the_value() {
    let out = run(
        HCL,
        Dialect::Hcl2,
        set("source.amazon-ebs.web.instance_type", json!("t3.large")),
    );
    assert_eq!(out, HCL.replace("\"t3.micro\"", "\"t3.large\""));
    let out = run(
        HCL,
        Dialect::Hcl2,
        set("build.provisioner[1].inline[1]", json!("echo 3")),
    );
    assert_eq!(out, HCL.replace("\"echo three\"", "\"echo 3\""));
    let out = run(
        HCL,
        Dialect::Hcl2,
        set("source.amazon-ebs.web.tags.Name", json!("api")),
    );
    assert_eq!(out, HCL.replace("Name = \"web\"", "Name = \"api\""));
}

#[test]
fn a_new_hcl_attribute_is_aligned_with_the_line_above() {
    let out = run(
        HCL,
        Dialect::Hcl2,
        set("source.amazon-ebs.web.ssh_username", json!("ec2-user")),
    );
    assert!(
        out.contains("  tags = {\n    Name = \"web\"\n  }\n  ssh_username = \"ec2-user\"\n}"),
        "{out}"
    );
    assert_eq!(
        run(
            &out,
            Dialect::Hcl2,
            unset("source.amazon-ebs.web.ssh_username")
        ),
        HCL
    );
    // A value on several lines is not aligned.
    let aligned = "source \"amazon-ebs\" \"x\" {\n  region        = \"a\"\n}\n";
    let out = run(
        aligned,
        Dialect::Hcl2,
        set("source.amazon-ebs.x.run_tags", json!({"Name": "builder"})),
    );
    assert!(
        out.contains("\"a\"\n  run_tags = {\n    Name = \"builder\"\n  }\n}"),
        "{out}"
    );
    let out = run(
        aligned,
        Dialect::Hcl2,
        set("source.amazon-ebs.x.ami_name", json!("n")),
    );
    assert!(out.contains("\"a\"\n  ami_name      = \"n\"\n}"), "{out}");
    let out = run(
        HCL,
        Dialect::Hcl2,
        set("source.amazon-ebs.web.tags.Env", json!("prod")),
    );
    assert!(
        out.contains("    Name = \"web\"\n    Env  = \"prod\"\n"),
        "{out}"
    );
    let out = run(
        HCL,
        Dialect::Hcl2,
        set(
            "source.amazon-ebs.web.source_ami_filter",
            json!({"owners": ["amazon"], "most_recent": true}),
        ),
    );
    assert!(
        out.contains("  }\n\n  source_ami_filter {\n    most_recent = true\n    owners      = [\"amazon\"]\n  }\n}"),
        "{out}"
    );
}

#[test]
fn hcl_provisioners_are_inserted_moved_and_removed_as_blocks() {
    let inserted = run(
        HCL,
        Dialect::Hcl2,
        Change::Insert {
            path: "build.provisioner[1]".into(),
            value: json!({"type": "shell", "inline": ["echo mid"]}),
        },
    );
    assert!(
        inserted.contains(
            "  }\n\n  provisioner \"shell\" {\n    inline = [\"echo mid\"]\n  }\n\n  # Second step."
        ),
        "{inserted}"
    );
    let removed = run(
        &inserted,
        Dialect::Hcl2,
        Change::Remove {
            path: "build.provisioner[1]".into(),
        },
    );
    assert_eq!(removed, HCL);
    let moved = run(
        HCL,
        Dialect::Hcl2,
        Change::Move {
            path: "build.provisioner[1]".into(),
            to: 0,
        },
    );
    assert!(
        moved.find("# Second step.").unwrap() < moved.find("echo one").unwrap(),
        "{moved}"
    );
    let back = run(
        &moved,
        Dialect::Hcl2,
        Change::Move {
            path: "build.provisioner[0]".into(),
            to: 1,
        },
    );
    assert_eq!(back, HCL);
}

#[test]
fn get_reads_literals_and_expressions() {
    let source = "source \"amazon-ebs\" \"web\" {\n  region = var.region\n  ami_name = \"x-${local.t}\"\n  tags = { Name = \"n\" }\n}\n";
    assert_eq!(
        get(source, Dialect::Hcl2, "source.amazon-ebs.web.region").unwrap(),
        Some(FieldValue::Expression("var.region".into()))
    );
    assert_eq!(
        get(source, Dialect::Hcl2, "source.amazon-ebs.web.ami_name").unwrap(),
        Some(FieldValue::Expression("\"x-${local.t}\"".into()))
    );
    assert_eq!(
        get(
            source,
            Dialect::Hcl2,
            "source.amazon-ebs.web.tags[\"Name\"]"
        )
        .unwrap(),
        Some(FieldValue::Literal(json!("n")))
    );
    assert_eq!(
        get(source, Dialect::Hcl2, "source.amazon-ebs.web.nope").unwrap(),
        None
    );
    assert_eq!(
        get(JSON, Dialect::Json, "builders[0].ami_regions[1]").unwrap(),
        Some(FieldValue::Literal(json!("us-west-2")))
    );
}

#[test]
fn errors_name_the_path_and_say_what_to_do() {
    let err = patches(
        JSON,
        Dialect::Json,
        &Change::Remove {
            path: "provisioners[5]".into(),
        },
    )
    .unwrap_err();
    assert_eq!(err.path, "provisioners[5]");
    assert!(
        err.to_string().contains("use an index from 0 to 1"),
        "{err}"
    );
    let err = patches("{\"a\": }", Dialect::Json, &unset("a")).unwrap_err();
    assert_eq!((err.line, err.column), (Some(1), Some(7)));
    assert!(err.to_string().contains("fix the text"), "{err}");
}

#[test]
fn an_hcl_file_takes_the_json_templates_paths_too() {
    let out = run(
        HCL,
        Dialect::Hcl2,
        set("builders[0].instance_type", json!("t3.large")),
    );
    assert_eq!(out, HCL.replace("\"t3.micro\"", "\"t3.large\""));
    let out = run(
        HCL,
        Dialect::Hcl2,
        set("provisioners[1].inline[0]", json!("echo 2")),
    );
    assert_eq!(out, HCL.replace("\"echo two\"", "\"echo 2\""));
    assert_eq!(
        get(HCL, Dialect::Hcl2, "builders[0].tags.Name").unwrap(),
        Some(FieldValue::Literal(json!("web")))
    );
}

#[test]
fn new_lines_end_like_the_files_lines() {
    let crlf = HCL.replace('\n', "\r\n");
    let out = run(
        &crlf,
        Dialect::Hcl2,
        set("source.amazon-ebs.web.ssh_username", json!("admin")),
    );
    assert!(
        out.contains("  }\r\n  ssh_username = \"admin\"\r\n}"),
        "{out:?}"
    );
    assert_eq!(
        run(
            &out,
            Dialect::Hcl2,
            unset("source.amazon-ebs.web.ssh_username")
        ),
        crlf
    );
    let crlf = JSON.replace('\n', "\r\n");
    let out = run(
        &crlf,
        Dialect::Json,
        set("builders[0].ssh_username", json!("admin")),
    );
    assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
    assert_eq!(
        run(&out, Dialect::Json, unset("builders[0].ssh_username")),
        crlf
    );
}

#[test]
fn setting_the_value_a_setting_has_keeps_how_it_is_spelled() {
    let json = "{\"builders\": [{\"type\": \"amazon-ebs\", \"ami_description\": \"caf\\u00e9\", \"spot_price\": 1.50}]}";
    for change in [
        set("builders[0].ami_description", json!("café")),
        set("builders[0].spot_price", json!(1.5)),
    ] {
        assert_eq!(patches(json, Dialect::Json, &change).unwrap(), Vec::new());
    }
    // A different value is written (in the file's own style).
    let out = run(json, Dialect::Json, set("builders[0].spot_price", json!(2)));
    assert!(out.contains("\"spot_price\": 2}"), "{out}");

    let hcl = "source \"amazon-ebs\" \"web\" {\n  region = var.region\n  ami_description = \"caf\\u00e9\"\n}\n";
    let same = [
        set("source.amazon-ebs.web.ami_description", json!("café")),
        Change::SetExpression {
            path: "source.amazon-ebs.web.region".into(),
            expression: "var.region".into(),
        },
    ];
    for change in same {
        assert_eq!(
            patches(hcl, Dialect::Hcl2, &change).unwrap(),
            Vec::new(),
            "{change:?}"
        );
    }
}
