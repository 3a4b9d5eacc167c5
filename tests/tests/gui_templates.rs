//! The Templates view, driven through the real app window (WebDriver under Xvfb) against
//! the sandbox: New from the Amazon Linux 2023 starter, whose source-AMI picker shows the
//! sandbox catalogue's newest AL2023 image; an instance type picked from the region's
//! list; a misspelt key typed in the code view shown at its line and in the form, fixed by
//! its did-you-mean in one click; Save writing exactly the bytes expected; and corpus
//! templates of both dialects edited in the form, one field each, saved with only that
//! value changed. Screenshots land in target/screenshots.

use std::time::Duration;

use bakery_sandbox::{Sandbox, SandboxOptions};
use bakery_tests::webdriver::TauriDriver;
use bakery_tests::workspace_binary;

const WAIT: Duration = Duration::from_secs(30);

/// WebDriver's key codes (the W3C "keys" table). A modifier stays down until it is sent
/// again (WebKitWebDriver ignores the NULL key).
const CONTROL: &str = "\u{E009}";
const HOME: &str = "\u{E011}";
const DOWN: &str = "\u{E015}";
const END: &str = "\u{E010}";
const ENTER: &str = "\u{E007}";

const TEMPLATE: &str = r#"{
  "builders": [
    {
      "type": "amazon-ebs",
      "region": "us-east-1",
      "source_ami_filter": {
        "filters": { "name": "al2023-ami-2023.*-x86_64" },
        "owners": ["amazon"],
        "most_recent": true
      },
      "instance_type": "t3.micro",
      "ssh_username": "ec2-user",
      "ami_name": "golden {{timestamp}}"
    }
  ]
}
"#;

#[test]
fn templates_are_started_opened_checked_fixed_and_saved_from_the_window() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the GUI tests under `xvfb-run -a` (scripts/test does)"
    );
    let sandbox = Sandbox::start(&SandboxOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut env: Vec<(&str, String)> = sandbox.env_vars();
    env.push(("HOME", home.display().to_string()));
    env.push((
        "BAKERY_HOME",
        dir.path().join("bakery-home").display().to_string(),
    ));
    env.push(("BAKERY_NO_BROWSER", "1".into()));
    env.push(("BAKERY_SANDBOX_SSH_PORT", sandbox.ssh_port().to_string()));
    let driver = TauriDriver::start(&env);
    let session = driver.session(&workspace_binary("ami-bakery"));

    // The landing section offers the starters, the sandbox's first.
    session.find("[data-testid=templates-starter-sandbox]", WAIT);
    for id in [
        "amazon-linux-2023",
        "ubuntu-24.04",
        "debian-12",
        "packer-json",
    ] {
        session.find(&format!("[data-testid=\"templates-starter-{id}\"]"), WAIT);
    }
    session.save_screenshot("templates-start");

    // New from the Amazon Linux 2023 starter: HCL2, and it checks clean.
    session
        .find("[data-testid=templates-starter-amazon-linux-2023]", WAIT)
        .click();
    session.wait_text("[data-testid=templates-title]", WAIT, |t| {
        t.starts_with("amazon-linux-2023.pkr.hcl")
    });
    session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("No problems")
    });
    let code = session.find("[data-testid=code-view]", WAIT).text();
    assert!(code.contains("source_ami_filter"), "{code}");
    // The source-AMI picker: what the filter resolves to in the build's region, the
    // sandbox catalogue's newest AL2023 x86_64 image.
    let newest = sandbox
        .ec2(
            "us-east-1",
            "DescribeImages",
            &[
                ("Owner.1", "amazon"),
                ("Filter.1.Name", "name"),
                (
                    "Filter.1.Value.1",
                    "al2023-ami-2023.6.20241111.0-kernel-6.1-x86_64",
                ),
            ],
        )
        .unwrap()
        .texts("imageId")
        .remove(0);
    session.wait_text("[data-testid=source-resolution-id]", WAIT, |t| t == newest);
    let name = session
        .find("[data-testid=source-resolution-name]", WAIT)
        .attribute("title")
        .unwrap_or_default();
    assert_eq!(name, "al2023-ami-2023.6.20241111.0-kernel-6.1-x86_64");
    session.save_screenshot("templates-starter");

    // Pick an instance type from the region's list: the code changes by that value only.
    session
        .find("[data-testid=instance-type-picker]", WAIT)
        .click();
    session
        .find("[data-testid=instance-type-filter]", WAIT)
        .send_keys("t3.sm");
    session.find("[data-testid=\"instance-type-t3.small\"]", WAIT);
    session.save_screenshot("templates-instance-types");
    session
        .find("[data-testid=\"instance-type-t3.small\"]", WAIT)
        .click();
    session.wait_text("[data-testid=code-view]", WAIT, |t| {
        t.contains("instance_type = \"t3.small\"")
    });
    session.find("[data-testid=templates-dirty]", WAIT);

    // The VPC from the account's list; Ctrl+Z outside the text undoes that form edit.
    let vpc = sandbox
        .ec2("us-east-1", "DescribeVpcs", &[])
        .unwrap()
        .texts("vpcId")
        .remove(0);
    let picker = session.find("[data-testid=network-picker-vpc]", WAIT);
    picker.click();
    session
        .find(&format!("[data-testid=network-choice-{vpc}]"), WAIT)
        .click();
    // (The form is re-read from the text Rust parsed, so it shows what the code holds.)
    let vpc_field = "[data-testid=\"field-source.amazon-ebs.al2023.vpc_id\"]";
    wait_value(&session, vpc_field, &vpc);
    session
        .find("[data-testid=network-picker-vpc]", WAIT)
        .send_keys(&format!("{CONTROL}z{CONTROL}"));
    wait_value(&session, vpc_field, "");

    // Provisioners: add a file step, move it first.
    session
        .find("[data-testid=provisioner-add-file]", WAIT)
        .click();
    session.wait_text("[data-testid=provisioner-1]", WAIT, |t| t.contains("file"));
    session
        .find("[aria-label=\"Move provisioner 2 up\"]", WAIT)
        .click();
    session.wait_text("[data-testid=provisioner-0]", WAIT, |t| t.contains("file"));
    session.wait_text("[data-testid=provisioner-1]", WAIT, |t| t.contains("shell"));
    session.save_screenshot("templates-provisioners");

    // Closing with unsaved changes asks first; "Don't save" drops them.
    session.find("[data-testid=templates-close]", WAIT).click();
    session
        .find("[data-testid=unsaved-dialog-discard]", WAIT)
        .click();

    // Open a JSON template by its path (the starter is unchanged: no question asked).
    let path = dir.path().join("golden.json");
    std::fs::write(&path, TEMPLATE).unwrap();
    open_by_path(&session, &path);
    session.wait_text("[data-testid=templates-title]", WAIT, |t| {
        t.starts_with("golden.json")
    });
    session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("No problems")
    });

    // Type a misspelt key on a new line after the builder's region (line 5).
    let content = session.find("[data-testid=code-view-content]", WAIT);
    content.click();
    content.send_keys(&format!(
        "{CONTROL}{HOME}{CONTROL}{DOWN}{DOWN}{DOWN}{DOWN}{END}{ENTER}\"ami_descriptin\": \"golden image\","
    ));
    let problems = session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("ami_descriptin")
    });
    assert!(problems.contains("golden.json:6:7"), "{problems}");
    assert!(
        problems.contains("did you mean \"ami_description\"?"),
        "{problems}"
    );
    // ... and at the field in the form.
    let at_field = session.wait_text(
        "[data-testid=\"field-builders[0].ami_descriptin-problem\"]",
        WAIT,
        |t| !t.is_empty(),
    );
    assert!(at_field.contains("unknown configuration key"), "{at_field}");
    session.wait_text("[data-testid=templates-bake-reason]", WAIT, |t| {
        t == "Fix 1 error first"
    });
    assert_eq!(
        session
            .find("[data-testid=templates-bake]", WAIT)
            .attribute("disabled")
            .as_deref(),
        Some("true")
    );
    session.find("[data-testid=templates-dirty]", WAIT);
    // The underline sits on the key in the code view.
    session.find(".cm-lintRange-error", WAIT);
    session.save_screenshot("templates-error");

    // The did-you-mean fixes it.
    session
        .find("[data-testid=editor-problem-fix]", WAIT)
        .click();
    session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("No problems")
    });
    let description = session
        .find("[data-testid=\"field-builders[0].ami_description\"]", WAIT)
        .attribute("value");
    assert_eq!(description.as_deref(), Some("golden image"));
    session.find("[data-testid=templates-save]", WAIT).click();
    session.wait_gone("[data-testid=templates-dirty]", WAIT);
    let expected = TEMPLATE.replacen(
        "\"region\": \"us-east-1\",\n",
        "\"region\": \"us-east-1\",\n      \"ami_description\": \"golden image\",\n",
        1,
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    session.save_screenshot("templates-saved");

    // Convert to HCL2: a new, unsaved .pkr.hcl template beside it that checks clean.
    session
        .find("[data-testid=templates-convert]", WAIT)
        .click();
    session.wait_text("[data-testid=templates-title]", WAIT, |t| {
        t.starts_with("golden.pkr.hcl")
    });
    session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("No problems")
    });
    wait_value(
        &session,
        "[data-testid=\"field-source.amazon-ebs.amazon-ebs.ami_description\"]",
        "golden image",
    );
    // Not saved yet: closing it asks, "Don't save" drops the conversion.
    session.find("[data-testid=templates-close]", WAIT).click();
    session
        .find("[data-testid=unsaved-dialog-discard]", WAIT)
        .click();
    session.find("[data-testid=templates-path-input]", WAIT);

    // Corpus templates of both dialects: one field edited in the form each, saved; the file
    // differs from the original only in that value.
    let corpus = bakery_tests::workspace_root().join("src-tauri/crates/bakery-template/tests");
    for (name, field, old, value) in [
        (
            "corpus/01-getting-started-al2.json",
            "builders[0].instance_type",
            "t3.micro",
            "t3.large",
        ),
        (
            "corpus-hcl/h01-article.pkr.hcl",
            "source.amazon-ebs.yum-upgrade.instance_type",
            "t2.micro",
            "t3.large",
        ),
        (
            "corpus-hcl/h03-two-sources-only.pkr.hcl",
            "source.amazon-ebs.al2023.ssh_username",
            "ec2-user",
            "ssm-user",
        ),
    ] {
        let original = std::fs::read_to_string(corpus.join(name)).unwrap();
        let copy = dir.path().join(name.rsplit('/').next().unwrap());
        std::fs::write(&copy, &original).unwrap();
        open_by_path(&session, &copy);
        let input = session.find(&format!("[data-testid=\"field-{field}\"]"), WAIT);
        input.click();
        input.send_keys(&format!("{CONTROL}a{CONTROL}{value}{ENTER}"));
        session.find("[data-testid=templates-dirty]", WAIT);
        session.find("[data-testid=templates-save]", WAIT).click();
        session.wait_gone("[data-testid=templates-dirty]", WAIT);
        let saved = std::fs::read_to_string(&copy).unwrap();
        let expected = original.replacen(&format!("\"{old}\""), &format!("\"{value}\""), 1);
        assert_eq!(saved, expected, "{name}");
        if name.ends_with("h03-two-sources-only.pkr.hcl") {
            break; // the last: left open for the screenshot
        }
        session.find("[data-testid=templates-close]", WAIT).click();
    }
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !session.exists("[data-testid=templates-dirty]"),
        "saved, the template is not marked changed"
    );
    session.save_screenshot("templates-form-hcl");

    session.close();
}

/// Waits until the input matching `css` holds `value`.
fn wait_value(session: &bakery_tests::webdriver::Session, css: &str, value: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let now = session
            .find(css, WAIT)
            .attribute("value")
            .unwrap_or_default();
        if now == value {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "`{css}` still holds {now:?}, not {value:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Opens the template at `path` from the start page's path box.
fn open_by_path(session: &bakery_tests::webdriver::Session, path: &std::path::Path) {
    session
        .find("[data-testid=templates-path-input]", WAIT)
        .send_keys(&path.display().to_string());
    session
        .find("[data-testid=templates-path-open]", WAIT)
        .click();
}
