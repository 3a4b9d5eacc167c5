//! The window on a dark desktop, driven through WebDriver under Xvfb: WebKitGTK takes
//! `prefers-color-scheme` from the GTK theme, so `GTK_THEME=Adwaita:dark` in the app's
//! environment turns the app's dark palette on. A bake (its manifest open, its log searched),
//! the Profiles view, About, the History (timeline and a bake's page) and the template editor (form, code, a problem) are
//! photographed as target/screenshots/dark-*.png.

use std::time::Duration;

use bakery_sandbox::{Sandbox, SandboxOptions};
use bakery_tests::webdriver::{Session, TauriDriver};
use bakery_tests::{target_dir, workspace_binary};

const WAIT: Duration = Duration::from_secs(60);

fn screenshot(session: &Session, name: &str) {
    let dir = target_dir().join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), session.screenshot()).unwrap();
}

fn template(sandbox: &Sandbox) -> String {
    let ami = sandbox
        .ec2("eu-west-1", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap()
        .texts("imageId")
        .remove(0);
    let inline = [
        "echo \"\\033[32mgreen\\033[0m provisioning, \\033[1;33mbold yellow\\033[0m, \\033[34mblue\\033[0m\"",
        "echo 'a warning on stderr' >&2",
        "for i in $(seq 1 30); do echo \"installing package $i of 30\"; done",
        "echo all done",
    ];
    format!(
        r#"{{
  "builders": [{{
    "type": "amazon-ebs", "region": "eu-west-1", "source_ami": "{ami}",
    "instance_type": "t2.micro", "ssh_username": "root",
    "ssh_host": "127.0.0.1", "ssh_port": {port},
    "ami_name": "dark {{{{timestamp}}}}",
    "aws_polling": {{ "delay_seconds": 1 }}
  }}],
  "provisioners": [{{ "type": "shell", "inline": {inline} }}]
}}"#,
        port = sandbox.ssh_port(),
        inline = serde_json::to_string(&inline).unwrap()
    )
}

#[test]
fn a_dark_gtk_theme_gives_the_window_its_dark_palette() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the GUI tests under `xvfb-run -a` (scripts/test does)"
    );
    let sandbox = Sandbox::start(&SandboxOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let aws = home.join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    let endpoint = sandbox.endpoint().to_string();
    std::fs::write(
        aws.join("config"),
        format!(
            "[profile team]\nregion = eu-west-1\nendpoint_url = {endpoint}\n\n\
             [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = team\n\
             region = eu-west-1\n\n\
             [profile broken]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = nowhere\n"
        ),
    )
    .unwrap();
    std::fs::write(
        aws.join("credentials"),
        "[team]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let path = dir.path().join("packer.json");
    std::fs::write(&path, template(&sandbox)).unwrap();

    let mut env: Vec<(&str, String)> = sandbox.env_vars();
    env.push(("HOME", home.display().to_string()));
    env.push((
        "BAKERY_HOME",
        dir.path().join("bakery-home").display().to_string(),
    ));
    env.push(("BAKERY_NO_BROWSER", "1".into()));
    env.push(("GTK_THEME", "Adwaita:dark".into()));
    let driver = TauriDriver::start(&env);
    let session = driver.session(&workspace_binary("ami-bakery"));
    session.find("[data-testid=nav-bakes]", WAIT);

    assert_eq!(
        session.script("return matchMedia('(prefers-color-scheme: dark)').matches;"),
        serde_json::json!(true),
        "GTK_THEME=Adwaita:dark makes WebKitGTK prefer a dark scheme"
    );
    assert_eq!(
        session.script("return getComputedStyle(document.documentElement).backgroundColor;"),
        serde_json::json!("rgb(15, 20, 32)"),
        "the page takes the dark palette's background"
    );

    // A bake to its end: the page, its log searched, its manifest unfolded.
    session.find("[data-testid=nav-bakes]", WAIT).click();
    session
        .find("[data-testid=bakes-template-path]", WAIT)
        .send_keys(&path.display().to_string());
    session
        .find("[data-testid=bakes-template-open]", WAIT)
        .click();
    session.wait_text("[data-testid=start-bake-builds]", WAIT, |t| {
        t == "amazon-ebs"
    });
    session
        .find("[data-testid=start-bake-submit]", WAIT)
        .click();
    session.wait_text("[data-testid=bake-status]", WAIT, |t| t == "Succeeded");
    session.wait_text("[data-testid=log-view]", WAIT, |t| t.contains("all done"));
    let ami = session.wait_text("[data-testid=bake-ami-id-eu-west-1]", WAIT, |t| {
        t.starts_with("ami-")
    });
    session
        .find("[data-testid=bake-manifest] summary", WAIT)
        .click();
    let manifest = session.wait_text("[data-testid=bake-manifest-text]", WAIT, |t| {
        t.contains("artifact_id")
    });
    assert!(
        manifest.contains(&format!("\"artifact_id\": \"eu-west-1:{ami}\"")),
        "{manifest}"
    );
    assert!(
        manifest.contains("\"builder_type\": \"amazon-ebs\""),
        "{manifest}"
    );
    session.script(
        "document.querySelector('[data-testid=bake-result]').scrollIntoView(); return true;",
    );
    screenshot(&session, "dark-bake-succeeded");
    session
        .find("[data-testid=log-search]", WAIT)
        .send_keys("package 2");
    session.wait_text("[data-testid=log-search-count]", WAIT, |t| t.contains("of"));
    screenshot(&session, "dark-bake-log");

    session.find("[data-testid=bake-back]", WAIT).click();
    session.wait_text("[data-testid=bakes-list]", WAIT, |t| {
        t.contains("Succeeded")
    });
    screenshot(&session, "dark-bakes-list");

    session.find("[data-testid=nav-profiles]", WAIT).click();
    session.wait_text("[data-testid=section-profiles]", WAIT, |t| {
        t.contains("broken")
    });
    screenshot(&session, "dark-profiles");

    session.find("[data-testid=nav-about]", WAIT).click();
    session.find("[data-testid=section-about] h1", WAIT);
    screenshot(&session, "dark-about");

    // The history: the bake on the timeline, then its page with the template as baked.
    session.find("[data-testid=nav-history]", WAIT).click();
    session.find("[data-testid=timeline-bake]", WAIT);
    screenshot(&session, "dark-history");
    session.find("[data-testid=history-open]", WAIT).click();
    session.wait_text("[data-testid=history-first-bake]", WAIT, |t| {
        t.contains("nothing to compare with")
    });
    session.find("[data-testid=history-template] .cm-content", WAIT);
    session.script(
        "const m = document.querySelector('main'); m.scrollTop += document.querySelector('[data-testid=history-facts]').getBoundingClientRect().top - m.getBoundingClientRect().top - 20; return true;",
    );
    screenshot(&session, "dark-history-bake");

    // The template editor: the form, the code's highlighting, a problem.
    session.find("[data-testid=nav-templates]", WAIT).click();
    session
        .find("[data-testid=templates-starter-amazon-linux-2023]", WAIT)
        .click();
    session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("No problems")
    });
    session.find("[data-testid=source-resolution]", WAIT);
    let content = session.find("[data-testid=code-view-content]", WAIT);
    content.click();
    content.send_keys("\u{E009}\u{E011}\u{E009}\u{E007}bogus = 1\u{E007}");
    session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("bogus")
    });
    screenshot(&session, "dark-templates");

    // Advanced's option list and the provisioners' handles, then the KMS-key picker.
    let add = session.find("[data-testid=advanced-add-input]", WAIT);
    add.click();
    add.send_keys("tags");
    session.find("[data-testid=advanced-add-list]", WAIT);
    screenshot(&session, "dark-templates-advanced");
    add.send_keys("\u{E00C}"); // Escape closes the list
    session.wait_gone("[data-testid=advanced-add-list]", WAIT);
    session.click_when_ready("[data-testid=kms-picker]", WAIT);
    session.wait_text("[data-testid=kms-list]", WAIT, |t| {
        t.contains("alias/aws/ebs")
    });
    screenshot(&session, "dark-templates-kms");
    session.close();
}
