//! `bakery validate` and `bakery inspect` as a user runs them on template files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bakery_tests::workspace_binary;

fn template(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../src-tauri/crates/bakery-template/tests")
        .join(name)
}

fn bakery(args: &[&str], file: &Path) -> Output {
    Command::new(workspace_binary("bakery"))
        .args(args)
        .arg(file)
        .output()
        .unwrap()
}

#[test]
fn the_article_template_is_valid_and_validate_is_silent() {
    let output = bakery(&["validate"], &template("templates/article.json"));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn three_mistakes_give_three_located_errors_and_exit_1() {
    let file = template("templates/three-mistakes.json");
    let output = bakery(&["validate"], &file);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let prefix = format!("{}:", file.display());
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with(&prefix) && l.contains(": error: "))
        .collect();
    assert_eq!(errors.len(), 3, "{stderr}");
    let located: Vec<String> = errors
        .iter()
        .map(|l| {
            let rest = &l[prefix.len()..];
            let mut parts = rest.splitn(3, ':');
            format!("{}:{}", parts.next().unwrap(), parts.next().unwrap())
        })
        .collect();
    assert_eq!(located, ["8:9", "9:34", "12:17"], "{stderr}");
    assert!(errors[0].ends_with("(field builders[0].asociate_public_ip_address)"));
    assert!(stderr.contains("did you mean \"associate_public_ip_address\"?"));
    assert!(errors[2].contains("unknown provisioner type \"shel\""));
}

#[test]
fn syntax_only_skips_settings_and_vars_fill_required_variables() {
    let corpus = template("corpus/03-eks-worker-shape.json");
    let output = bakery(&["validate"], &corpus);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("required variable not set: ami_name"),
        "{stderr}"
    );
    assert!(
        stderr.contains("required variable not set: k8s_version"),
        "{stderr}"
    );

    let output = bakery(&["validate", "--syntax-only"], &corpus);
    assert_eq!(output.status.code(), Some(0), "{output:?}");

    let vars = template("corpus/03-eks-worker-shape.vars.json");
    let output = bakery(
        &[
            "validate",
            "--var-file",
            vars.to_str().unwrap(),
            "--var",
            "k8s_version=1.30.0",
        ],
        &corpus,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn warnings_are_printed_but_do_not_fail() {
    let output = bakery(
        &["validate"],
        &template("corpus/08-legacy-clean-ami-name.json"),
    );
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches(": warning: ").count(), 2, "{stderr}");
    assert!(stderr.contains("clean_ami_name is deprecated"), "{stderr}");
}

#[test]
fn a_syntax_error_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.json");
    std::fs::write(
        &file,
        "{\n  \"builders\": [\n    {\"type\": \"amazon-ebs\",}\n  ]\n}\n",
    )
    .unwrap();
    let output = bakery(&["validate", "--syntax-only"], &file);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("{}:3:27: error: invalid JSON", file.display())),
        "{stderr}"
    );
}

#[test]
fn inspect_lists_the_parts_of_a_template() {
    let output = bakery(&["inspect"], &template("corpus/03-eks-worker-shape.json"));
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("Required variables:\n\n  ami_name\n  k8s_version\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("registry_token") && stdout.contains("<sensitive>"),
        "{stdout}"
    );
    assert!(stdout.contains("Builders:\n\n  amazon-ebs\n"), "{stdout}");
    assert!(
        stdout.contains("Provisioners:\n\n  shell\n  shell\n  file\n  shell\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Post-processors:\n\n  manifest\n  manifest\n"),
        "{stdout}"
    );
}

#[test]
fn hcl2_templates_are_validated_too() {
    let output = bakery(&["validate"], &template("corpus-hcl/h01-article.pkr.hcl"));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "{output:?}"
    );

    let output = bakery(
        &["validate"],
        &template("corpus-hcl/h04-required-plugins-data.pkr.hcl"),
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("web.pkr.hcl");
    std::fs::write(&file, "source \"amazon-ebs\" \"web\" {}\n\ndata \"http\" \"ip\" {\n  url = \"https://checkip.amazonaws.com\"\n}\n").unwrap();
    let output = bakery(&["validate"], &file);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:3:1: error: data sources of type \"http\" are not supported yet",
            file.display()
        )),
        "{stderr}"
    );

    let h02 = template("corpus-hcl/h02-variables-locals.pkr.hcl");
    let output = bakery(&["validate"], &h02);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("required variable not set: app_version")
    );
    let output = bakery(&["validate", "--var", "app_version=1.0"], &h02);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn a_folder_of_hcl2_files_is_one_template() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("variables.pkr.hcl", "variable \"region\" {}\n");
    write("prod.auto.pkrvars.hcl", "region = \"eu-west-1\"\n");
    write(
        "sources.pkr.hcl",
        "source \"amazon-ebs\" \"web\" {\n  region        = var.region\n  source_ami    = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username  = \"ec2-user\"\n  ami_name      = \"web {{timestamp}}\"\n}\n",
    );
    write(
        "build.pkr.hcl",
        "build {\n  sources = [\"source.amazon-ebs.web\"]\n}\n",
    );
    let output = bakery(&["validate"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{output:?}");

    write(
        "build.pkr.hcl",
        "build {\n  sources = [\"source.amazon-ebs.web\"]\n  provisioner \"shel\" {}\n}\n",
    );
    let output = bakery(&["validate"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let build = dir.path().join("build.pkr.hcl");
    assert!(
        stderr.starts_with(&format!(
            "{}:3:15: error: unknown provisioner type \"shel\"",
            build.display()
        )),
        "{stderr}"
    );

    let output = bakery(&["inspect"], dir.path());
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("amazon-ebs.web"),
        "{output:?}"
    );
}

#[test]
fn hcl2_mistakes_inside_expressions_are_located_in_hcl_terms() {
    let file = template("corpus-hcl/h09-mistakes-in-expressions.pkr.hcl");
    let output = bakery(&["validate"], &file);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let name = file.display().to_string();
    assert!(
        stderr.contains(&format!(
            "{name}:17:30: error: no such key: `enviroment` in expression `\"web-${{var.env}}-${{var.enviroment}}\"` (field source.amazon-ebs.web.tags)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{name}:32:1: error: data sources of type \"http\" are not supported yet (field data.http)"
        )),
        "{stderr}"
    );
    // The dynamic blocks of h08 are read: it is valid.
    let output = bakery(
        &["validate"],
        &template("corpus-hcl/h08-dynamic-blocks.pkr.hcl"),
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}
