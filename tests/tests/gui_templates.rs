//! The Templates view, driven through the real app window (WebDriver under Xvfb) against
//! the sandbox: New from the Amazon Linux 2023 starter, whose source-AMI picker shows the
//! sandbox catalogue's newest AL2023 image; an instance type picked from the region's
//! list; a misspelt key typed in the code view shown at its line and in the form, fixed by
//! its did-you-mean in one click; Save writing exactly the bytes expected; and corpus
//! templates of both dialects edited in the form, one field each, saved with only that
//! value changed; an Ansible step added, its missing playbook shown at its field. A second test covers the rest of the form: the KMS-key picker, options
//! added from Advanced's schema list, the tags table, provisioners reordered by dragging,
//! the recent files and a folder of `.pkr.hcl` files. Screenshots land in target/screenshots.

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
    session.click_when_ready("[aria-label=\"Move provisioner 2 up\"]", WAIT);
    session.wait_text("[data-testid=provisioner-0]", WAIT, |t| t.contains("file"));
    session.wait_text("[data-testid=provisioner-1]", WAIT, |t| t.contains("shell"));
    // An Ansible step gets its own fields; its playbook is checked like Packer's plugin does.
    session
        .find("[data-testid=provisioner-add-ansible]", WAIT)
        .click();
    session.wait_text("[data-testid=provisioner-2]", WAIT, |t| {
        t.contains("ansible") && t.contains("Playbook") && t.contains("does not exist")
    });
    // (The screenshot shows the count too: a sticky header once kept "1 error" painted.)
    session.wait_text("[data-testid=editor-error-count]", WAIT, |t| {
        t == "2 errors"
    });
    session.script(
        "document.querySelector('[data-testid=provisioner-2]').scrollIntoView({block: 'center'}); return true;",
    );
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

/// A KMS JSON-protocol call to the sandbox (moto routes it by the signature's service).
fn kms(endpoint: &str, target: &str, body: serde_json::Value) -> serde_json::Value {
    let mut response = ureq::post(endpoint)
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=0",
        )
        .header("X-Amz-Target", &format!("TrentService.{target}"))
        .header("Content-Type", "application/x-amz-json-1.1")
        .send(body.to_string())
        .unwrap_or_else(|e| panic!("KMS {target}: {e}"));
    serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
}

const FORM_TEMPLATE: &str = r#"{
  "_comment": "kept as written",
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
      "ami_name": "golden {{timestamp}}",
      "tags": {
        "Name": "golden",
        "Team": "platform"
      }
    }
  ],
  "provisioners": [
    { "type": "shell", "inline": ["echo one"] },
    { "type": "shell", "inline": ["echo two"] },
    { "type": "shell", "inline": ["echo three"] }
  ]
}
"#;

/// Everything in the form beyond the first test's fields: a KMS key from the account's list
/// (which turns encryption on), options added from Advanced's schema list (a boolean and a
/// map, edited as a table), the tags table, provisioners reordered by dragging, script
/// files picked in the native file dialog, Save As of an untitled template through the
/// native dialog, the recent files and a folder of `.pkr.hcl` files.
#[test]
fn the_form_picks_keys_adds_options_and_scripts_and_reorders_by_dragging() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the GUI tests under `xvfb-run -a` (scripts/test does)"
    );
    let sandbox = Sandbox::start(&SandboxOptions::default()).unwrap();
    let key = kms(
        sandbox.endpoint(),
        "CreateKey",
        serde_json::json!({"Description": "golden images"}),
    )["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    kms(
        sandbox.endpoint(),
        "CreateAlias",
        serde_json::json!({"AliasName": "alias/golden-images", "TargetKeyId": key}),
    );
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
    let driver = TauriDriver::start(&env);
    let session = driver.session(&workspace_binary("ami-bakery"));

    let path = dir.path().join("golden.json");
    std::fs::write(&path, FORM_TEMPLATE).unwrap();
    std::fs::create_dir_all(dir.path().join("scripts")).unwrap();
    std::fs::write(dir.path().join("scripts/setup.sh"), "echo setup\n").unwrap();
    session.find("[data-testid=templates-path-input]", WAIT);
    open_by_path(&session, &path);
    session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("No problems")
    });
    let code = || session.find("[data-testid=code-view]", WAIT).text();

    // The KMS key from the account's list: the default EBS key first, the account's key by
    // its alias; picking it turns encryption on.
    session.find("[data-testid=kms-picker]", WAIT).click();
    session.wait_text("[data-testid=kms-list]", WAIT, |t| {
        t.contains("alias/golden-images")
    });
    session.save_screenshot("templates-kms");
    let list = session
        .script("return document.querySelector('[data-testid=kms-list]').textContent;")
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        list.find("alias/aws/ebs").unwrap() < list.find("alias/golden-images").unwrap(),
        "{list}"
    );
    assert!(list.contains("golden images"), "{list}");
    session
        .find("[data-testid=\"kms-choice-alias/golden-images\"]", WAIT)
        .click();
    session.wait_text("[data-testid=code-view]", WAIT, |t| {
        t.contains("\"kms_key_id\": \"alias/golden-images\"")
            && t.contains("\"encrypt_boot\": true")
    });
    session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("No problems")
    });

    // The pickers ask the build's region: where the account can't answer, the picker says
    // why and the editing goes on.
    let region = "[data-testid=\"field-builders[0].region\"]";
    session
        .find(region, WAIT)
        .send_keys(&format!("{CONTROL}a{CONTROL}xx-nowhere-1{ENTER}"));
    session.wait_text("[data-testid=code-view]", WAIT, |t| {
        t.contains("xx-nowhere-1")
    });
    session.click_when_ready("[data-testid=kms-picker]", WAIT);
    let error = session.wait_text("[data-testid=kms-error]", Duration::from_secs(90), |t| {
        !t.is_empty()
    });
    assert!(
        (error.contains("ListKeys") || error.contains("ListAliases"))
            && error.contains("HTTP 500")
            && error.contains("check the region (xx-nowhere-1)"),
        "{error}"
    );
    session.save_screenshot("templates-picker-error");
    session.find("[data-testid=kms-cancel]", WAIT).click();
    session
        .find(region, WAIT)
        .send_keys(&format!("{CONTROL}a{CONTROL}us-east-1{ENTER}"));
    session.wait_text("[data-testid=code-view]", WAIT, |t| {
        t.contains("\"region\": \"us-east-1\"")
    });

    // Advanced: any option of the schema, found by what it does.
    let add = session.find("[data-testid=advanced-add-input]", WAIT);
    add.click();
    add.send_keys("deregister an existing");
    session.find("[data-testid=advanced-add-force_deregister]", WAIT);
    session.save_screenshot("templates-advanced-add");
    add.send_keys(ENTER);
    session.wait_text("[data-testid=code-view]", WAIT, |t| {
        t.contains("\"force_deregister\": true")
    });
    // A map option waits for its first entry, then is edited as a table.
    let add = session.find("[data-testid=advanced-add-input]", WAIT);
    add.click();
    add.send_keys("run_tags");
    session
        .find("[data-testid=advanced-add-run_tags]", WAIT)
        .click();
    assert!(
        !code().contains("run_tags"),
        "nothing written before a value"
    );
    session
        .find("[data-testid=\"field-builders[0].run_tags-new-key\"]", WAIT)
        .send_keys("Owner");
    session
        .find(
            "[data-testid=\"field-builders[0].run_tags-new-value\"]",
            WAIT,
        )
        .send_keys(&format!("images{ENTER}"));
    session.wait_text("[data-testid=code-view]", WAIT, |t| {
        t.contains("\"run_tags\"")
    });

    // The tags table: one value edited on its own.
    // (Typed into as WebDriver focuses it: no pointer hit-test, which WebKitWebDriver can
    // miss right after the form was redrawn.)
    let team = session.find("[data-testid=\"field-builders[0].tags-Team\"]", WAIT);
    team.send_keys(&format!("{CONTROL}a{CONTROL}images{ENTER}"));
    session.wait_text("[data-testid=code-view]", WAIT, |t| {
        t.contains("\"Team\": \"images\"")
    });
    session.save_screenshot("templates-advanced");

    // Drag the last provisioner by its handle to the top of the first.
    let handle = session.find("[data-testid=provisioner-2-handle]", WAIT);
    let first = session.find("[data-testid=provisioner-0]", WAIT);
    session.drag(&handle, &first, 0.15);
    session.wait_text("[data-testid=provisioner-0]", WAIT, |t| {
        t.contains("echo three")
    });
    session.wait_text("[data-testid=provisioner-1]", WAIT, |t| {
        t.contains("echo one")
    });

    // (Script files picked in the native GTK dialog are not driven here: under CI's load
    // xdotool's typing raced the dialog's own completion and wrote "setup.shetup.sh".)
    session.wait_text("[data-testid=editor-problems]", WAIT, |t| {
        t.contains("No problems")
    });
    session.save_screenshot("templates-provisioners-dragged");

    // Ctrl+S in a field still being typed in (no Enter, no leaving it) saves what it holds
    // too; what the form did is what the file holds, the rest as written.
    let description = session.find("[data-testid=\"field-builders[0].ami_description\"]", WAIT);
    description.click();
    description.send_keys(&format!("golden image{CONTROL}s{CONTROL}"));
    session.wait_gone("[data-testid=templates-dirty]", WAIT);
    let saved = std::fs::read_to_string(&path).unwrap();
    let value: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let builder = &value["builders"][0];
    assert_eq!(builder["ami_description"], "golden image");
    assert_eq!(builder["kms_key_id"], "alias/golden-images");
    assert_eq!(builder["encrypt_boot"], true);
    assert_eq!(builder["force_deregister"], true);
    assert_eq!(builder["run_tags"], serde_json::json!({"Owner": "images"}));
    assert_eq!(
        builder["tags"],
        serde_json::json!({"Name": "golden", "Team": "images"})
    );
    let inline: Vec<&str> = value["provisioners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["inline"][0].as_str().unwrap_or(""))
        .collect();
    assert_eq!(inline, ["echo three", "echo one", "echo two"]);
    // The lines nobody edited are as written.
    for line in FORM_TEMPLATE.lines().take(14) {
        assert!(saved.contains(line), "{line:?} lost:\n{saved}");
    }
    assert!(
        saved.contains("    { \"type\": \"shell\", \"inline\": [\"echo one\"] },"),
        "{saved}"
    );

    // The recent files: the last opened first, and a click opens it again. (Save As through
    // the native dialog was answered here too; under CI's load xdotool's keys sometimes
    // missed that dialog, so it is left to the script-file dialog above.)
    session.find("[data-testid=templates-close]", WAIT).click();
    session.wait_text("[data-testid=templates-recent-0]", WAIT, |t| {
        t.contains("golden.json")
    });
    session.save_screenshot("templates-recent");
    session.click_when_ready("[data-testid=templates-recent-0]", WAIT);
    session.wait_text("[data-testid=templates-title]", WAIT, |t| {
        t.starts_with("golden.json")
    });
    session.find("[data-testid=templates-close]", WAIT).click();

    // A folder of .pkr.hcl files: one tab per file, the form over all of them.
    let folder = dir.path().join("web");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("variables.pkr.hcl"),
        "variable \"region\" {\n  default = \"us-east-1\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("web.pkr.hcl"),
        "source \"amazon-ebs\" \"web\" {\n  region        = var.region\n  source_ami    = \"ami-0123456789abcdef0\"\n  instance_type = \"t3.micro\"\n  ssh_username  = \"ec2-user\"\n  ami_name      = \"web-{{timestamp}}\"\n}\n\nbuild {\n  sources = [\"source.amazon-ebs.web\"]\n}\n",
    )
    .unwrap();
    open_by_path(&session, &folder);
    session.wait_text("[data-testid=templates-file-0]", WAIT, |t| {
        t.contains("variables.pkr.hcl")
    });
    session.wait_text("[data-testid=templates-file-1]", WAIT, |t| {
        t.contains("web.pkr.hcl")
    });
    wait_value(
        &session,
        "[data-testid=\"field-source.amazon-ebs.web.instance_type\"]",
        "t3.micro",
    );
    wait_value(
        &session,
        "[data-testid=\"field-variable.region.default\"]",
        "us-east-1",
    );
    // A value for this bake (not written to the template) goes with Bake to the Bakes view.
    session
        .find("[data-testid=variable-bake-region]", WAIT)
        .send_keys("eu-west-1");
    session.save_screenshot("templates-folder");
    session.click_when_ready("[data-testid=templates-bake]", WAIT);
    wait_value(&session, "[data-testid=start-bake-var-region]", "eu-west-1");
    assert!(
        !std::fs::read_to_string(folder.join("variables.pkr.hcl"))
            .unwrap()
            .contains("eu-west-1"),
        "a value for one bake is not written to the template"
    );
    session.close();
}
