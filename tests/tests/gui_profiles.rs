//! The Profiles view, driven through the real app window (WebDriver under Xvfb), against
//! the real Secret Service (gnome-keyring under `dbus-run-session`), the sandbox's STS
//! (moto) and a local stand-in for the SSO endpoints.

// The SSO OIDC + portal stand-in lives with the credentials crate's tests; shared here.
#[allow(dead_code)]
#[path = "../../src-tauri/crates/bakery-credentials/tests/support/sso_stand_in.rs"]
mod sso_stand_in;

use std::time::Duration;

use bakery_tests::webdriver::{Session, TauriDriver};
use bakery_tests::{any_file_contains, secret_tool_lookup, target_dir, workspace_binary};

const WAIT: Duration = Duration::from_secs(30);

fn row(name: &str) -> String {
    format!("[data-testid=profile-row-{name}]")
}

/// Waits for the row status of `name` to settle (not "busy") and returns it. Empty text is
/// not settled: it is what WebDriver gives for an element Svelte just replaced.
fn settled_status(session: &Session, name: &str) -> String {
    session.wait_text(&format!("[data-testid=profile-status-{name}]"), WAIT, |t| {
        !t.is_empty() && !t.ends_with('…')
    })
}

/// Everything the webview holds: its DOM and the values of its inputs.
fn everything_in_the_webview(session: &Session) -> String {
    let values = session.script(
        "return Array.from(document.querySelectorAll('input')).map(i => i.value).join('\\n');",
    );
    format!(
        "{}\n{}",
        session.page_source(),
        values.as_str().unwrap_or("")
    )
}

#[test]
fn profiles_are_listed_added_tested_with_mfa_imported_signed_in_and_removed_from_the_window() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the GUI tests under `xvfb-run -a` (scripts/test does)"
    );
    let sandbox = bakery_tests::sandbox();
    let stand_in = sso_stand_in::SsoStandIn::start();
    let pid = std::process::id();
    let endpoint = sandbox.endpoint().to_string();

    // A user with every kind of profile in ~/.aws, and one broken chain.
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let aws = home.join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    let plain = format!("plain-{pid}");
    let admin = format!("admin-{pid}");
    let corp = format!("corp-{pid}");
    let plain_secret = format!("plain-secret-{pid}");
    std::fs::write(
        aws.join("config"),
        format!(
            "# team profiles\n[profile {plain}]\nregion = us-east-1\nendpoint_url = {endpoint}\n\n\
             [profile {admin}]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = {plain}\n\
             role_session_name = gui-mfa\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n\
             region = eu-west-1\nendpoint_url = {endpoint}\n\n\
             [profile {corp}]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Builder\n\
             region = us-east-1\nendpoint_url = {endpoint}\n\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n\
             [profile broken]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = nowhere\n"
        ),
    )
    .unwrap();
    let credentials = format!(
        "# keys of the old days\n[{plain}]\naws_access_key_id = testing\naws_secret_access_key = {plain_secret}\n"
    );
    std::fs::write(aws.join("credentials"), &credentials).unwrap();
    let data_dir = dir.path().join("bakery-home");

    let driver = TauriDriver::start(&[
        ("HOME", home.display().to_string()),
        ("BAKERY_HOME", data_dir.display().to_string()),
        ("BAKERY_NO_BROWSER", "1".into()),
        ("AWS_ENDPOINT_URL_SSO", stand_in.endpoint.clone()),
        ("AWS_ENDPOINT_URL_SSO_OIDC", stand_in.endpoint.clone()),
    ]);
    let session = driver.session(&workspace_binary("ami-bakery"));
    session.find("[data-testid=nav-profiles]", WAIT).click();

    // Listed with their kinds, where the secret is, and what is wrong.
    session.find(&row(&plain), WAIT);
    let kind = |name: &str| {
        session
            .find(&format!("[data-testid=profile-kind-{name}]"), WAIT)
            .text()
    };
    assert!(kind(&plain).contains("static keys"), "{}", kind(&plain));
    assert!(
        kind(&admin).contains("assume-role + MFA"),
        "{}",
        kind(&admin)
    );
    assert!(kind(&corp).contains("SSO"), "{}", kind(&corp));
    assert!(kind(&corp).contains("not signed in"), "{}", kind(&corp));
    session.wait_text("[data-testid=profile-problem-broken]", WAIT, |t| {
        t.contains("source_profile \"nowhere\"")
    });
    session.wait_text(
        &format!("[data-testid=profile-secret-{plain}]"),
        WAIT,
        |t| t.contains("Plain text file"),
    );
    assert!(!everything_in_the_webview(&session).contains(&plain_secret));

    // Move the plaintext keys into the keyring, removing them from the file.
    session
        .find(&format!("[data-testid=profile-import-{plain}]"), WAIT)
        .click();
    session
        .find("[data-testid=import-remove-plaintext]", WAIT)
        .click();
    session
        .find("[data-testid=profile-import-confirm]", WAIT)
        .click();
    let status = settled_status(&session, &plain);
    assert!(status.contains("removed from"), "{status}");
    assert_eq!(
        secret_tool_lookup(&format!("aws-secret-access-key:{plain}")).as_deref(),
        Some(plain_secret.as_str())
    );
    let left = std::fs::read_to_string(aws.join("credentials")).unwrap();
    assert!(!left.contains(&plain_secret), "{left}");
    assert!(left.contains("# keys of the old days"), "{left}");
    session.wait_text(
        &format!("[data-testid=profile-secret-{plain}]"),
        WAIT,
        |t| t.contains("OS keyring"),
    );

    // Test: STS answers with the keyring profile's identity.
    session
        .find(&format!("[data-testid=profile-test-{plain}]"), WAIT)
        .click();
    let status = settled_status(&session, &plain);
    assert!(status.contains("Account 123456789012"), "{status}");

    // The MFA profile asks for its code in a dialog, then assumes the role.
    session
        .find(&format!("[data-testid=profile-test-{admin}]"), WAIT)
        .click();
    session.wait_text("[data-testid=mfa-serial]", WAIT, |t| {
        t == "arn:aws:iam::123456789012:mfa/me"
    });
    session
        .find("[data-testid=mfa-code]", WAIT)
        .send_keys("123456");
    session.find("[data-testid=mfa-submit]", WAIT).click();
    let status = settled_status(&session, &admin);
    assert!(
        status.contains("arn:aws:sts::123456789012:assumed-role/admin/gui-mfa"),
        "{status}"
    );
    session.wait_gone("[data-testid=mfa-dialog]", WAIT);
    // The session is cached in the keyring: the second test asks nothing.
    session
        .find(&format!("[data-testid=profile-test-{admin}]"), WAIT)
        .click();
    let status = settled_status(&session, &admin);
    assert!(status.contains("assumed-role/admin/gui-mfa"), "{status}");
    assert!(!session.exists("[data-testid=mfa-dialog]"));

    // Add a profile: a wrong endpoint is pointed at, then the secret goes to the keyring.
    let added = format!("gui-{pid}");
    let added_secret = format!("gui-secret-{pid}");
    session.find("[data-testid=profile-add-open]", WAIT).click();
    session
        .find("[data-testid=add-name]", WAIT)
        .send_keys(&added);
    session
        .find("[data-testid=add-access-key-id]", WAIT)
        .send_keys("testing");
    session
        .find("[data-testid=add-secret]", WAIT)
        .send_keys(&added_secret);
    session
        .find("[data-testid=add-region]", WAIT)
        .send_keys("eu-central-1");
    session
        .find("[data-testid=add-endpoint]", WAIT)
        .send_keys("ftp://127.0.0.1");
    session.find("[data-testid=add-submit]", WAIT).click();
    session.wait_text("[data-testid=add-error-endpointUrl]", WAIT, |t| {
        t.contains("must start with http:// or https://")
    });
    assert_eq!(
        secret_tool_lookup(&format!("aws-secret-access-key:{added}")),
        None,
        "nothing is stored from a form with an error"
    );
    session.script(
        "const i = document.querySelector('[data-testid=add-endpoint]'); i.value = ''; \
         i.dispatchEvent(new Event('input', {bubbles: true})); return null;",
    );
    session
        .find("[data-testid=add-endpoint]", WAIT)
        .send_keys(&endpoint);
    session.find("[data-testid=add-submit]", WAIT).click();
    let status = settled_status(&session, &added);
    assert!(status.contains("in the OS keyring"), "{status}");
    assert_eq!(
        secret_tool_lookup(&format!("aws-secret-access-key:{added}")).as_deref(),
        Some(added_secret.as_str())
    );
    assert!(!any_file_contains(&data_dir, &added_secret));
    assert!(!everything_in_the_webview(&session).contains(&added_secret));

    // Use it: the header follows, with the sandbox badge for its loopback endpoint.
    session
        .find(&format!("[data-testid=profile-use-{added}]"), WAIT)
        .click();
    session.wait_text("[data-testid=header-profile]", WAIT, |t| t == added);
    session.wait_text("[data-testid=header-region]", WAIT, |t| t == "eu-central-1");
    session.find("[data-testid=header-sandbox]", WAIT);
    session.find(
        &format!("{} [data-testid=profile-active]", row(&added)),
        WAIT,
    );

    // SSO: the dialog shows the code; once approved the profile is signed in.
    session
        .find(&format!("[data-testid=profile-signin-{corp}]"), WAIT)
        .click();
    let code = session.wait_text("[data-testid=sso-code]", WAIT, |t| !t.is_empty());
    let uri = session.find("[data-testid=sso-uri]", WAIT).text();
    assert!(uri.starts_with("https://device.sso.stand-in/"), "{uri}");
    stand_in.approve(code.trim());
    let status = settled_status(&session, &corp);
    assert!(status.contains("Signed in"), "{status}");
    session.wait_gone("[data-testid=sso-dialog]", WAIT);
    session.wait_text(
        &format!("[data-testid=profile-signin-status-{corp}]"),
        WAIT,
        |t| t.contains("signed in until 20") && t.ends_with(" UTC"),
    );
    session
        .find(&format!("[data-testid=profile-test-{corp}]"), WAIT)
        .click();
    let status = settled_status(&session, &corp);
    assert!(status.contains("Account 123456789012"), "{status}");

    let shots = target_dir().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::write(shots.join("profiles.png"), session.screenshot()).unwrap();

    // Remove the added profile: gone from the list and from the keyring.
    session
        .find(&format!("[data-testid=profile-remove-{added}]"), WAIT)
        .click();
    session
        .find("[data-testid=profile-remove-confirm]", WAIT)
        .click();
    session.wait_gone(&row(&added), WAIT);
    assert_eq!(
        secret_tool_lookup(&format!("aws-secret-access-key:{added}")),
        None
    );
    assert!(!everything_in_the_webview(&session).contains(&plain_secret));
    session.close();
}
