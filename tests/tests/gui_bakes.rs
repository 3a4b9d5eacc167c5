//! The Bakes view, driven through the real app window (WebDriver under Xvfb) against a
//! sandbox in latency mode (moto + sshd): a template baked from the window, step by step,
//! to its AMI; a failing provisioner; a cancel during provisioning; and a `kill -9` of the
//! app mid-bake, cleaned up from the recovery panel after the next start. After each, the
//! account holds nothing of the bake but its AMIs. Screenshots land in target/screenshots.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bakery_sandbox::{Sandbox, SandboxOptions};
use bakery_tests::webdriver::{Session, TauriDriver};
use bakery_tests::{target_dir, workspace_binary};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const WAIT: Duration = Duration::from_secs(60);

fn template(sandbox: &Sandbox, inline: &[&str]) -> String {
    let ami = sandbox
        .ec2("eu-west-1", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap()
        .texts("imageId")
        .remove(0);
    format!(
        r#"{{
  "builders": [{{
    "type": "amazon-ebs", "region": "eu-west-1", "source_ami": "{ami}",
    "instance_type": "t2.micro", "ssh_username": "root",
    "ssh_host": "127.0.0.1", "ssh_port": {port},
    "ami_name": "window {{{{timestamp}}}}",
    "aws_polling": {{ "delay_seconds": 1 }}
  }}],
  "provisioners": [{{ "type": "shell", "inline": {inline} }}]
}}"#,
        port = sandbox.ssh_port(),
        inline = serde_json::to_string(inline).unwrap()
    )
}

/// Instances not terminated, security groups other than default, key pairs.
fn leftovers(sandbox: &Sandbox) -> Vec<String> {
    let mut left = Vec::new();
    let instances = sandbox.ec2("eu-west-1", "DescribeInstances", &[]).unwrap();
    let states = instances.texts("name");
    if states.iter().any(|s| s != "terminated") {
        left.push(format!("instances: {states:?}"));
    }
    let groups = sandbox
        .ec2("eu-west-1", "DescribeSecurityGroups", &[])
        .unwrap()
        .texts("groupName");
    if groups.iter().any(|g| g != "default") {
        left.push(format!("security groups: {groups:?}"));
    }
    let keys = sandbox
        .ec2("eu-west-1", "DescribeKeyPairs", &[])
        .unwrap()
        .texts("keyName");
    if !keys.is_empty() {
        left.push(format!("key pairs: {keys:?}"));
    }
    left
}

fn screenshot(session: &Session, name: &str) {
    let dir = target_dir().join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), session.screenshot()).unwrap();
}

/// Opens the template at `path` and presses Bake; returns once the bake page shows.
fn bake(session: &Session, path: &Path, first: bool) {
    if first {
        session
            .find("[data-testid=bakes-template-path]", WAIT)
            .send_keys(&path.display().to_string());
    }
    session
        .find("[data-testid=bakes-template-open]", WAIT)
        .click();
    session.wait_text("[data-testid=start-bake-builds]", WAIT, |t| {
        t == "amazon-ebs"
    });
    session
        .find("[data-testid=start-bake-submit]", WAIT)
        .click();
    session.find("[data-testid=bake-page]", WAIT);
}

fn status(session: &Session, word: &str) -> String {
    session.wait_text("[data-testid=bake-status]", WAIT, |t| t == word)
}

fn back(session: &Session) {
    session.find("[data-testid=bake-back]", WAIT).click();
    session.find("[data-testid=bakes-template-open]", WAIT);
}

/// The app processes started with this data directory.
fn app_pids(binary: &Path, data_dir: &Path) -> Vec<i32> {
    let marker = format!("BAKERY_HOME={}", data_dir.display());
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            exe.as_deref() == Some(binary)
                && environ.split(|b| *b == 0).any(|v| v == marker.as_bytes())
        })
        .collect()
}

#[test]
fn a_template_is_baked_followed_cancelled_and_recovered_from_the_window() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the GUI tests under `xvfb-run -a` (scripts/test does)"
    );
    let sandbox = Sandbox::start(&SandboxOptions {
        latency_secs: 0.5,
        ..SandboxOptions::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("bakery-home");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let path: PathBuf = dir.path().join("packer.json");
    let mut env: Vec<(&str, String)> = sandbox.env_vars();
    env.push(("HOME", home.display().to_string()));
    env.push(("BAKERY_HOME", data_dir.display().to_string()));
    env.push(("BAKERY_NO_BROWSER", "1".into()));
    let driver = TauriDriver::start(&env);
    let app = workspace_binary("ami-bakery");
    let session = driver.session(&app);
    session.find("[data-testid=nav-bakes]", WAIT).click();
    session.wait_text("[data-testid=bakes-empty]", WAIT, |t| {
        t.contains("No bakes yet")
    });

    // 1. Bake: the steps go running -> done in order, the output shows, the AMI at the end.
    std::fs::write(
        &path,
        template(
            &sandbox,
            &[
                "echo \"\\033[32mgreen\\033[0m provisioning\"",
                "sleep 2",
                "echo all done",
            ],
        ),
    )
    .unwrap();
    bake(&session, &path, true);
    session.wait_text("[data-testid=step-provision-state]", WAIT, |t| {
        t == "Running"
    });
    screenshot(&session, "bake-running");
    status(&session, "Succeeded");
    for step in [
        "preflight",
        "launch",
        "connect",
        "provision",
        "create_image",
        "cleanup",
    ] {
        let state = session
            .find(&format!("[data-testid=step-{step}-state]"), WAIT)
            .text();
        assert_eq!(state, "Done", "{step}");
        let took = session
            .find(&format!("[data-testid=step-{step}-duration]"), WAIT)
            .text();
        assert!(took.chars().any(|c| c.is_ascii_digit()), "{step}: {took}");
    }
    let log = session.wait_text("[data-testid=log-view]", WAIT, |t| t.contains("all done"));
    assert!(
        log.contains("green provisioning"),
        "ANSI codes rendered as colour: {log}"
    );
    let ami = session.wait_text("[data-testid=bake-ami-id-eu-west-1]", WAIT, |t| {
        t.starts_with("ami-")
    });
    let image = sandbox
        .ec2("eu-west-1", "DescribeImages", &[("ImageId.1", &ami)])
        .unwrap();
    assert_eq!(image.texts("imageState"), vec!["available".to_string()]);
    assert_eq!(leftovers(&sandbox), Vec::<String>::new());
    screenshot(&session, "bake-succeeded");
    // The log, scrolled into view inside the page: its rows and its own scrollbar.
    session.script(
        "const el = document.querySelector('[data-testid=log-view]'); const main = document.querySelector('main'); main.scrollTop += el.getBoundingClientRect().top - main.getBoundingClientRect().top - 20; return true;",
    );
    screenshot(&session, "bake-log");

    // 2. A failing provisioner: its step is open with the error; nothing is left.
    back(&session);
    std::fs::write(
        &path,
        template(&sandbox, &["echo about to fail", "exit 42"]),
    )
    .unwrap();
    bake(&session, &path, false);
    status(&session, "Failed");
    let error = session.wait_text("[data-testid=step-provision-error]", WAIT, |t| {
        t.contains("42")
    });
    assert!(error.contains("exit"), "{error}");
    assert_eq!(
        session
            .find("[data-testid=step-cleanup-state]", WAIT)
            .text(),
        "Done"
    );
    assert_eq!(leftovers(&sandbox), Vec::<String>::new());
    screenshot(&session, "bake-failed");

    // 3. Cancel during provisioning (asked first): the cleanup shows, then "cancelled".
    back(&session);
    // 3,000 lines first: the log box grows to its full height and the tail stays in view
    // (only the visible rows are in the DOM, so "waiting" is seen only if it follows).
    std::fs::write(
        &path,
        template(
            &sandbox,
            &["seq -f 'row %.0f' 1 3000", "echo waiting", "sleep 60"],
        ),
    )
    .unwrap();
    bake(&session, &path, false);
    session.wait_text("[data-testid=log-view]", WAIT, |t| t.contains("waiting"));
    assert_eq!(
        session.find("[data-testid=log-line-count]", WAIT).text(),
        "3,001 lines"
    );
    session.find("[data-testid=bake-cancel]", WAIT).click();
    session
        .find("[data-testid=bake-cancel-confirm]", WAIT)
        .click();
    status(&session, "Cancelled");
    session.wait_text("[data-testid=step-cleanup-state]", WAIT, |t| t == "Done");
    assert_eq!(
        session
            .find("[data-testid=step-provision-state]", WAIT)
            .text(),
        "Cancelled",
        "a cancel is not shown as a failure"
    );
    let resources = session.find("[data-testid=resource-list]", WAIT).text();
    assert!(resources.contains("Deleted"), "{resources}");
    assert_eq!(leftovers(&sandbox), Vec::<String>::new());
    screenshot(&session, "bake-cancelled");

    // 4. kill -9 of the app mid-bake; the next start lists what it left; one click cleans.
    back(&session);
    std::fs::write(&path, template(&sandbox, &["echo long job", "sleep 60"])).unwrap();
    bake(&session, &path, false);
    session.wait_text("[data-testid=log-view]", WAIT, |t| t.contains("long job"));
    let pids = app_pids(&app, &data_dir);
    assert!(!pids.is_empty(), "the app's process is found");
    for pid in pids {
        kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    }
    assert!(
        !leftovers(&sandbox).is_empty(),
        "the killed bake left its instance"
    );
    // The killed app's WebDriver session is gone with it: a new driver starts the app anew.
    drop(session);
    drop(driver);
    let driver = TauriDriver::start(&env);
    let session = driver.session(&app);
    session.find("[data-testid=nav-bakes]", WAIT).click();
    let panel = session.wait_text("[data-testid=recovery-panel]", WAIT, |t| {
        t.contains("stopped without cleaning up")
    });
    assert!(
        panel.contains("Instance") || panel.contains("instance"),
        "{panel}"
    );
    screenshot(&session, "bake-recovery");
    session.find("[data-testid=recovery-clean]", WAIT).click();
    session.wait_gone("[data-testid=recovery-panel]", WAIT);
    assert_eq!(leftovers(&sandbox), Vec::<String>::new());
    session.wait_text("[data-testid=bakes-list]", WAIT, |t| {
        t.contains("Failed") && t.contains("Succeeded") && t.contains("Cancelled")
    });
    screenshot(&session, "bakes-list");
    session.close();
}
