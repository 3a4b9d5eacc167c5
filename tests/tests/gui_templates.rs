//! The Templates view, driven through the real app window (WebDriver under Xvfb) against
//! the sandbox: the starters, a template opened by path, a misspelt key typed in the code
//! view shown at its line with its did-you-mean fixed in one click, and Save writing
//! exactly the bytes typed. Screenshots land in target/screenshots.

use std::time::Duration;

use bakery_sandbox::{Sandbox, SandboxOptions};
use bakery_tests::webdriver::TauriDriver;
use bakery_tests::workspace_binary;

const WAIT: Duration = Duration::from_secs(30);

/// WebDriver's key codes (the W3C "keys" table). A modifier stays down until it is sent
/// again (WebKitWebDriver ignores the NULL key).
const CONTROL: &str = "\u{E009}";
const HOME: &str = "\u{E011}";
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
    session.save_screenshot("templates-starter");

    // Open a JSON template by its path (the starter is unchanged: no question asked).
    let path = dir.path().join("golden.json");
    std::fs::write(&path, TEMPLATE).unwrap();
    session.find("[data-testid=templates-close]", WAIT).click();
    open_by_path(&session, &path);
    session.wait_text("[data-testid=templates-title]", WAIT, |t| {
        t.starts_with("golden.json")
    });
    session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("No problems")
    });

    // Type a misspelt top-level key on a new second line.
    let content = session.find("[data-testid=code-view-content]", WAIT);
    content.click();
    content.send_keys(&format!(
        "{CONTROL}{HOME}{CONTROL}{END}{ENTER}\"descriptin\": \"golden image\","
    ));
    let problems = session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("descriptin")
    });
    assert!(problems.contains("golden.json:2:3"), "{problems}");
    assert!(
        problems.contains("did you mean \"description\"?"),
        "{problems}"
    );
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
    session.find("[data-testid=templates-save]", WAIT).click();
    session.wait_gone("[data-testid=templates-dirty]", WAIT);
    let expected = TEMPLATE.replacen("{\n", "{\n  \"description\": \"golden image\",\n", 1);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    session.save_screenshot("templates-saved");

    session.close();
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
