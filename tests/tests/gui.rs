//! The real app window, driven through WebDriver (tauri-driver + WebKitWebDriver) under Xvfb.

use std::time::Duration;

use bakery_tests::webdriver::TauriDriver;
use bakery_tests::{target_dir, workspace_binary};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn the_app_opens_every_section_and_about_shows_what_rust_reports() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the GUI tests under `xvfb-run -a` (scripts/test does)"
    );
    let home = tempfile::tempdir().unwrap();
    let data_dir = home.path().join("bakery-home");
    let app = workspace_binary("ami-bakery");
    let driver = TauriDriver::start(&[
        ("BAKERY_HOME", data_dir.display().to_string()),
        ("AWS_PROFILE", "sandbox".into()),
        ("AWS_REGION", "eu-west-1".into()),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:5999".into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
    ]);
    let session = driver.session(&app);

    // The header shows the active target the app was started with.
    session.wait_text("[data-testid=header-profile]", WAIT, |t| {
        t.contains("sandbox")
    });
    session.wait_text("[data-testid=header-region]", WAIT, |t| {
        t.contains("eu-west-1")
    });

    for (id, heading) in [
        ("templates", "Templates"),
        ("bakes", "Bakes"),
        ("history", "History"),
        ("profiles", "Profiles"),
        ("about", "About"),
    ] {
        let nav = session.find(&format!("[data-testid=nav-{id}]"), WAIT);
        nav.click();
        session.wait_text(&format!("[data-testid=section-{id}] h1"), WAIT, |t| {
            t.contains(heading)
        });
        assert_eq!(
            nav.attribute("aria-current").as_deref(),
            Some("page"),
            "the sidebar marks {heading} as the current section"
        );
    }

    // Profiles: the environment's keys (how the sandbox is given to the app) are named, the
    // secret key never.
    session.find("[data-testid=nav-profiles]", WAIT).click();
    let note = session.wait_text("[data-testid=profiles-environment]", WAIT, |t| {
        t.contains("AWS_ACCESS_KEY_ID=testing")
    });
    assert!(note.contains("Sandbox"), "{note}");
    assert!(note.contains("http://127.0.0.1:5999"), "{note}");
    session.find("[data-testid=nav-about]", WAIT).click();

    // About: the version and data directory come from Rust, not from the front end.
    let version = session.wait_text("[data-testid=about-version]", WAIT, |t| !t.is_empty());
    assert_eq!(version.trim(), env!("CARGO_PKG_VERSION"));
    let shown_dir = session.wait_text("[data-testid=about-data-dir]", WAIT, |t| !t.is_empty());
    assert_eq!(shown_dir.trim(), data_dir.display().to_string());
    assert!(data_dir.is_dir(), "the app created its data directory");

    let png = session.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
    let shots = target_dir().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::write(shots.join("about.png"), &png).unwrap();

    // Back to Templates for the README's screenshot of the main window.
    session.find("[data-testid=nav-templates]", WAIT).click();
    session.wait_text("[data-testid=section-templates] h1", WAIT, |t| {
        t.contains("Templates")
    });
    std::fs::write(shots.join("main-window.png"), session.screenshot()).unwrap();
    session.close();
}
