//! `bakery profiles` as a user runs it, against the sandbox's STS and the real Secret
//! Service (run under `dbus-run-session -- scripts/with-keyring`, as scripts/test does).

// The SSO OIDC + portal stand-in lives with the credentials crate's tests; shared here.
// (This test uses only part of it.)
#[allow(dead_code)]
#[path = "../../src-tauri/crates/bakery-credentials/tests/support/sso_stand_in.rs"]
mod sso_stand_in;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use bakery_tests::{any_file_contains, secret_tool_lookup, workspace_binary};

/// A user: a temp HOME (with ~/.aws) and a temp BAKERY_HOME.
struct User {
    dir: tempfile::TempDir,
}

impl User {
    fn new(config: &str, credentials: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let aws = dir.path().join("home/.aws");
        std::fs::create_dir_all(&aws).unwrap();
        std::fs::write(aws.join("config"), config).unwrap();
        std::fs::write(aws.join("credentials"), credentials).unwrap();
        Self { dir }
    }

    fn bakery_home(&self) -> PathBuf {
        self.dir.path().join("bakery-home")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(workspace_binary("bakery"));
        command.arg("profiles").args(args);
        self.environment(&mut command);
        command
    }

    /// This user's HOME and BAKERY_HOME, and no AWS_* variables of the test's own.
    fn environment(&self, command: &mut Command) {
        command
            .env("HOME", self.dir.path().join("home"))
            .env("BAKERY_HOME", self.bakery_home());
        for var in [
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
        ] {
            command.env_remove(var);
        }
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_command(self.command(args), stdin)
    }

    fn run_command(&self, mut command: Command, stdin: &str) -> Output {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "bakery failed: {}\n{}",
        text(&output.stderr),
        text(&output.stdout)
    );
    text(&output.stdout)
}

#[test]
fn add_list_test_remove_a_keyring_profile() {
    let sandbox = bakery_tests::sandbox();
    let user = User::new("", "");
    let name = format!("e2e-{}", std::process::id());
    let secret = format!("e2e-secret-{}", std::process::id());

    // add: the secret on stdin, never on the command line.
    let output = user.run(
        &[
            "add",
            &name,
            "--access-key-id",
            "testing",
            "--region",
            "us-east-1",
            "--endpoint-url",
            sandbox.endpoint(),
        ],
        &format!("{secret}\n"),
    );
    let stdout = ok(&output);
    assert!(
        stdout.contains(&format!("added profile \"{name}\"")),
        "{stdout}"
    );
    assert_eq!(
        secret_tool_lookup(&format!("aws-secret-access-key:{name}")).as_deref(),
        Some(secret.as_str())
    );
    assert!(!any_file_contains(&user.bakery_home(), &secret));
    assert!(!text(&output.stderr).contains(&secret));

    // list
    let stdout = ok(&user.run(&["list"], ""));
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&name))
        .unwrap_or_else(|| panic!("{name} not listed:\n{stdout}"));
    assert!(line.contains("app keyring"), "{line}");
    assert!(line.contains("us-east-1"), "{line}");
    assert!(line.contains("keyring ("), "{line}");

    // show: where the secret is, never the secret
    let stdout = ok(&user.run(&["show", &name], ""));
    assert!(stdout.contains("in the keyring"), "{stdout}");
    assert!(!stdout.contains(&secret), "{stdout}");

    // test: STS GetCallerIdentity in the sandbox
    let stdout = ok(&user.run(&["test", &name], ""));
    assert!(stdout.contains("account: 123456789012"), "{stdout}");
    assert!(stdout.contains("arn:     arn:aws:"), "{stdout}");

    // remove
    let stdout = ok(&user.run(&["remove", &name], ""));
    assert!(stdout.contains("removed"), "{stdout}");
    let stdout = ok(&user.run(&["list"], ""));
    assert!(!stdout.contains(&name), "{stdout}");
    assert_eq!(
        secret_tool_lookup(&format!("aws-secret-access-key:{name}")),
        None
    );
    let output = user.run(&["test", &name], "");
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("no profile named"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn list_shows_every_kind_from_the_aws_files_and_what_is_wrong() {
    let user = User::new(
        "[default]\nregion = eu-west-1\n\n\
         [profile dev]\nrole_arn = arn:aws:iam::111111111111:role/Dev\nsource_profile = default\nmfa_serial = arn:aws:iam::111111111111:mfa/me\n\n\
         [profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n\n\
         [profile proc]\ncredential_process = /bin/creds\n\n\
         [profile typo]\nrole_arn = arn:aws:iam::111111111111:role/T\nsource_profile = defualt\n",
        "[default]\naws_access_key_id = AKIA\naws_secret_access_key = not-shown-anywhere\n",
    );
    let stdout = ok(&user.run(&["list"], ""));
    let kind_of = |name: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not listed:\n{stdout}"))
            .to_string()
    };
    assert!(kind_of("default").contains("static keys"));
    assert!(kind_of("default").contains(".aws/config:1, "));
    assert!(kind_of("dev").contains("assume-role + MFA"));
    assert!(kind_of("sso").contains("SSO"));
    assert!(kind_of("proc").contains("credential_process"));
    assert!(
        stdout.contains("! typo: profile \"typo\" names source_profile \"defualt\""),
        "{stdout}"
    );
    assert!(!stdout.contains("not-shown-anywhere"));

    // The same as JSON, for scripts: where each secret is kept, never the secret.
    let json = ok(&user.run(&["list", "--json"], ""));
    let listed: serde_json::Value = serde_json::from_str(&json).unwrap();
    let by_name = |name: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in {json}"))
            .clone()
    };
    assert_eq!(by_name("dev")["kind"], "assume_role");
    assert_eq!(by_name("dev")["mfa"], true);
    assert_eq!(
        by_name("dev")["chain"],
        serde_json::json!(["dev", "default"])
    );
    assert_eq!(by_name("default")["secret"]["type"], "plaintext_file");
    assert_eq!(by_name("typo")["problem"]["kind"], "missing_source_profile");
    assert!(!json.contains("not-shown-anywhere"));

    let stdout = ok(&user.run(&["show", "dev"], ""));
    assert!(stdout.contains("chain:"), "{stdout}");
    assert!(stdout.contains("dev -> default"), "{stdout}");
    let stdout = ok(&user.run(&["show", "default"], ""));
    assert!(stdout.contains("in plain text in"), "{stdout}");
    assert!(!stdout.contains("not-shown-anywhere"), "{stdout}");
}

#[test]
fn test_asks_for_the_mfa_code_and_assumes_the_role() {
    let sandbox = bakery_tests::sandbox();
    let config = format!(
        "[profile base]\nregion = us-east-1\nendpoint_url = {e}\n\n\
         [profile admin-{pid}]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n\
         role_session_name = cli-mfa\nmfa_serial = arn:aws:iam::123456789012:mfa/me\nendpoint_url = {e}\n",
        e = sandbox.endpoint(),
        pid = std::process::id()
    );
    let user = User::new(
        &config,
        "[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    );
    let name = format!("admin-{}", std::process::id());
    let output = user.run(&["test", &name], "123456\n");
    let stdout = ok(&output);
    assert!(
        text(&output.stderr).contains("MFA code for arn:aws:iam::123456789012:mfa/me"),
        "{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("arn:aws:sts::123456789012:assumed-role/admin/cli-mfa"),
        "{stdout}"
    );
    // The session is cached in the keyring: no code is asked the second time.
    let output = user.run(&["test", &name], "");
    let stdout = ok(&output);
    assert!(
        !text(&output.stderr).contains("MFA code"),
        "{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("assumed-role/admin/cli-mfa"), "{stdout}");
}

#[test]
fn without_a_secret_service_add_says_what_to_start_and_writes_nothing() {
    let user = User::new("", "");
    let mut command = user.command(&["add", "nowhere", "--access-key-id", "AKIA"]);
    command.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let output = user.run_command(command, "some-secret\n");
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("no Secret Service is running"), "{stderr}");
    assert!(stderr.contains("gnome-keyring-daemon"), "{stderr}");
    assert!(!stderr.contains("some-secret"), "{stderr}");
    assert!(!any_file_contains(&user.bakery_home(), "nowhere"));
}

#[test]
fn login_signs_in_with_the_device_flow_and_the_next_command_uses_the_token() {
    let sandbox = bakery_tests::sandbox();
    let stand_in = sso_stand_in::SsoStandIn::start();
    let user = User::new(
        &format!(
            "[profile corp]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Builder\n\
             region = us-east-1\nendpoint_url = {}\n\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
            sandbox.endpoint()
        ),
        "",
    );
    let with_sso_endpoints = |mut command: Command| {
        command
            .env("AWS_ENDPOINT_URL_SSO", &stand_in.endpoint)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &stand_in.endpoint);
        command
    };

    // Not signed in yet.
    let output = user.run_command(with_sso_endpoints(user.command(&["test", "corp"])), "");
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("bakery profiles login corp"),
        "{}",
        text(&output.stderr)
    );

    let stdout = ok(&user.run(&["show", "corp"], ""));
    assert!(
        stdout.contains("not signed in (sign in: `bakery profiles login corp`)"),
        "{stdout}"
    );

    // login: the person reads the code on stderr and approves it in the browser.
    let mut child = with_sso_endpoints(user.command(&["login", "corp", "--no-browser"]))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut shown = String::new();
    let code = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "login exited: {shown}"
        );
        shown.push_str(&line);
        if let Some(rest) = line.split("shows the code ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('.')
                .to_string();
        }
    };
    assert!(shown.contains("https://device.sso.stand-in/"), "{shown}");
    stand_in.approve(&code);
    let output = child.wait_with_output().unwrap();
    let stdout = ok(&output);
    assert!(stdout.contains("signed in \"corp\""), "{stdout}");
    assert!(stdout.contains(".aws/sso/cache/"), "{stdout}");

    let stdout = ok(&user.run(&["show", "corp"], ""));
    assert!(stdout.contains("sign-in:"), "{stdout}");
    assert!(stdout.contains("signed in until 20"), "{stdout}");

    // The next command finds the cached token; STS accepts the role credentials.
    let stdout = ok(&user.run_command(with_sso_endpoints(user.command(&["test", "corp"])), ""));
    assert!(stdout.contains("account: 123456789012"), "{stdout}");
}

#[test]
fn with_a_locked_keyring_add_says_to_unlock_it_and_writes_nothing() {
    let user = User::new("", "");
    // A D-Bus session of its own whose gnome-keyring was started but never unlocked.
    let locked = r#"export XDG_DATA_HOME="$(mktemp -d)" XDG_RUNTIME_DIR="$(mktemp -d)"
eval "$(gnome-keyring-daemon --start --components=secrets)"
exec "$@""#;
    let mut command = Command::new("dbus-run-session");
    command
        .args(["--", "sh", "-c", locked, "sh"])
        .arg(workspace_binary("bakery"))
        .args(["profiles", "add", "locked", "--access-key-id", "AKIA"]);
    user.environment(&mut command);
    let output = user.run_command(command, "some-secret\n");
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("the keyring is locked"), "{stderr}");
    assert!(stderr.contains("unlock it"), "{stderr}");
    assert!(!stderr.contains("some-secret"), "{stderr}");
    assert!(!any_file_contains(&user.bakery_home(), "locked"));
}

#[test]
fn import_moves_keys_into_the_keyring_and_remove_plaintext_keeps_the_rest_of_the_file() {
    let sandbox = bakery_tests::sandbox();
    let name = format!("imp-{}", std::process::id());
    let config = format!(
        "[profile {name}]\nregion = us-east-1\nendpoint_url = {}\n",
        sandbox.endpoint()
    );
    let credentials = format!(
        "# work keys -- rotate quarterly\n[{name}]\n; issued 2026-10\naws_access_key_id = testing\naws_secret_access_key = imported-secret-{name}\n\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other\n"
    );
    let user = User::new(&config, &credentials);
    let credentials_file = user.dir.path().join("home/.aws/credentials");

    // Import, keeping the plaintext: the keyring profile hides the file one.
    let stdout = ok(&user.run(&["import", &name], ""));
    assert!(stdout.contains("--remove-plaintext"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&credentials_file).unwrap(),
        credentials
    );
    let stdout = ok(&user.run(&["list"], ""));
    let line = stdout.lines().find(|l| l.starts_with(&name)).unwrap();
    assert!(line.contains("app keyring"), "{line}");
    assert!(line.contains("imported from"), "{line}");
    assert!(ok(&user.run(&["test", &name], "")).contains("account: 123456789012"));

    // Removing the app profile brings the file profile back.
    let stdout = ok(&user.run(&["remove", &name], ""));
    assert!(stdout.contains("is used again"), "{stdout}");
    let stdout = ok(&user.run(&["list"], ""));
    let line = stdout.lines().find(|l| l.starts_with(&name)).unwrap();
    assert!(line.contains("static keys"), "{line}");

    // Import again, removing the plaintext: only the two key lines go, a backup is kept.
    let stdout = ok(&user.run(&["import", &name, "--remove-plaintext"], ""));
    assert!(stdout.contains("removed 2 key line(s)"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&credentials_file).unwrap(),
        credentials.replace(
            &format!(
                "aws_access_key_id = testing\naws_secret_access_key = imported-secret-{name}\n"
            ),
            ""
        )
    );
    let backup = stdout
        .split("the old file is at ")
        .nth(1)
        .and_then(|rest| rest.split(" (").next())
        .unwrap();
    assert_eq!(std::fs::read_to_string(backup).unwrap(), credentials);
    assert!(ok(&user.run(&["test", &name], "")).contains("account: 123456789012"));
    ok(&user.run(&["remove", &name], ""));
}

#[test]
fn a_bake_with_a_keyring_profile_keeps_the_secret_out_of_every_file_and_log() {
    let sandbox = bakery_tests::sandbox();
    let user = User::new("", "");
    let name = format!("bake-{}", std::process::id());
    let secret = format!("never-on-disk-{}", std::process::id());
    ok(&user.run(
        &[
            "add",
            &name,
            "--access-key-id",
            "AKIABAKERYTEST",
            "--region",
            "us-east-1",
            "--endpoint-url",
            sandbox.endpoint(),
        ],
        &format!("{secret}\n"),
    ));
    let ami = sandbox
        .ec2("us-east-1", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap()
        .texts("imageId")
        .remove(0);
    let template = user.dir.path().join("packer.json");
    std::fs::write(
        &template,
        format!(
            r#"{{"builders": [{{"type": "amazon-ebs", "region": "us-east-1", "source_ami": "{ami}",
  "instance_type": "t2.micro", "ssh_username": "root", "ssh_host": "127.0.0.1",
  "ssh_port": {port}, "ami_name": "from a keyring profile {{{{timestamp}}}}"}}],
 "provisioners": [{{"type": "shell", "inline": ["echo baked with $PACKER_BUILD_NAME"]}}]}}"#,
            port = sandbox.ssh_port()
        ),
    )
    .unwrap();
    let mut bake = Command::new(workspace_binary("bakery"));
    bake.args(["bake", "--profile", &name]).arg(&template);
    user.environment(&mut bake);
    let output = user.run_command(bake, "");
    let stdout = ok(&output);
    assert!(stdout.contains("is available in us-east-1"), "{stdout}");
    for (what, text) in [("stdout", stdout.clone()), ("stderr", text(&output.stderr))] {
        assert!(
            !text.contains(&secret),
            "the secret is in the bake's {what}"
        );
    }
    let mut json = Command::new(workspace_binary("bakery"));
    json.args(["bake", "--json", "--profile", &name])
        .arg(&template);
    user.environment(&mut json);
    let events = ok(&user.run_command(json, ""));
    assert!(!events.contains(&secret), "the secret is in the events");
    assert!(
        !any_file_contains(&user.bakery_home(), &secret),
        "the secret is in a file under BAKERY_HOME (history, ledger, profiles)"
    );
    assert!(
        !any_file_contains(user.dir.path(), &secret),
        "the secret is on disk"
    );
    ok(&user.run(&["remove", &name], ""));
}
