//! The History view, driven through the real app window (WebDriver under Xvfb) against the
//! sandbox: bakes made with `bakery bake` (a base image, an application image from it, the
//! base again with a tag changed, a failing one) on the timeline; the status filter; a
//! bake's page with the changes since the bake before in a merge view, its lineage (the
//! application image out of date), its trends and its images asked in the account; Bake
//! again; and a history of thousands of bakes drawn as clusters until zoomed in.
//! Screenshots land in target/screenshots.

use std::time::Duration;

use bakery_tests::webdriver::{Session, TauriDriver};
use bakery_tests::{article_template, sandbox, sandbox_bakery, workspace_binary};

const WAIT: Duration = Duration::from_secs(60);

/// Scrolls <main> (only it: `scrollIntoView` would slide the whole page) so the element is
/// near the top, for the screenshot that follows.
fn scroll_to(session: &Session, css: &str) {
    session.script(&format!(
        "const el = document.querySelector({}); const main = document.querySelector('main'); main.scrollTop += el.getBoundingClientRect().top - main.getBoundingClientRect().top - 120",
        serde_json::to_string(css).unwrap()
    ));
    std::thread::sleep(Duration::from_millis(200));
}

fn count(session: &Session, css: &str) -> u64 {
    session
        .script(&format!(
            "return document.querySelectorAll({}).length",
            serde_json::to_string(css).unwrap()
        ))
        .as_u64()
        .unwrap()
}

fn wait_count(session: &Session, css: &str, want: u64) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let n = count(session, css);
        if n == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css}: {n} elements, not {want}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `text` with its first `"source_ami"` set to `ami` and its AMI named `name …`.
fn from_image(text: &str, ami: &str, name: &str) -> String {
    let start = text.find("\"source_ami\": \"").unwrap() + "\"source_ami\": \"".len();
    let end = start + text[start..].find('"').unwrap();
    format!("{}{ami}{}", &text[..start], &text[end..]).replace(
        "yum-upgrade {{timestamp}}",
        &format!("{name} {{{{timestamp}}}}"),
    )
}

#[test]
fn the_timeline_shows_every_bake_and_a_bake_shows_what_changed_where_it_came_from_and_its_trends() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the GUI tests under `xvfb-run -a` (scripts/test does)"
    );
    let sandbox = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let data_dir = dir.path().join("bakery-home");
    let home = dir.path().join("home");
    for d in [&work, &home] {
        std::fs::create_dir_all(d).unwrap();
    }
    // The CLI bakes into the same data directory the window reads.
    let cli = |args: &[&str]| {
        let mut command = sandbox_bakery(&sandbox, &work);
        command.env("BAKERY_HOME", &data_dir).args(args);
        let output = command.output().unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr),
        )
    };
    let base = article_template(&sandbox, &["echo baking the base"]).replace(
        r#""ami_users": ["111122223333"]"#,
        r#""ami_users": ["111122223333"],
        "tags": {"version": "1"}"#,
    );
    std::fs::write(work.join("base.json"), &base).unwrap();
    let (ok, out) = cli(&["bake", "--json", "base.json"]);
    assert!(ok, "{out}");
    let base_ami = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["type"] == "artifact" && e["region"] == "eu-west-1")
        .unwrap()["image_id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(
        work.join("app.json"),
        from_image(&base, &base_ami, "app").replace("baking the base", "baking the app"),
    )
    .unwrap();
    let (ok, out) = cli(&["bake", "app.json"]);
    assert!(ok, "{out}");
    let (ok, out) = cli(&["set", "base.json", "builders[0].tags.version=2"]);
    assert!(ok, "{out}");
    let (ok, out) = cli(&["bake", "base.json"]);
    assert!(ok, "{out}");
    std::fs::write(
        work.join("fail.json"),
        article_template(&sandbox, &["echo about to fail", "exit 3"]),
    )
    .unwrap();
    let (ok, out) = cli(&["bake", "fail.json"]);
    assert!(!ok, "{out}");

    let mut env: Vec<(&str, String)> = sandbox.env_vars();
    env.push(("HOME", home.display().to_string()));
    env.push(("BAKERY_HOME", data_dir.display().to_string()));
    env.push(("BAKERY_NO_BROWSER", "1".into()));
    let driver = TauriDriver::start(&env);
    let session = driver.session(&workspace_binary("ami-bakery"));
    session.find("[data-testid=nav-history]", WAIT).click();

    // Four bakes today, in three lanes (one per template).
    wait_count(&session, "[data-testid=timeline-bake]", 4);
    wait_count(&session, "[data-testid=timeline-lane]", 3);
    assert_eq!(count(&session, "[data-testid=history-row]"), 4);
    session.wait_text("[data-testid=history-count]", WAIT, |t| {
        t.starts_with("4 bakes in this window")
    });
    assert_eq!(
        count(&session, "[data-testid=timeline-bake][data-status=failed]"),
        1
    );
    session.save_screenshot("history-timeline");

    // The status filter: only the failed bake.
    session
        .find("[data-testid=history-status-failed]", WAIT)
        .click();
    wait_count(&session, "[data-testid=history-row]", 1);
    let row = session
        .script("return document.querySelector('[data-testid=history-row]').textContent")
        .to_string();
    assert!(row.contains("fail.json") && row.contains("Failed"), "{row}");
    session.save_screenshot("history-filtered");
    session.find("[data-testid=history-clear]", WAIT).click();
    wait_count(&session, "[data-testid=history-row]", 4);

    // Free text: an AMI id finds the bake that made it and the one baked from it.
    session
        .find("[data-testid=history-search]", WAIT)
        .send_keys(&base_ami);
    wait_count(&session, "[data-testid=history-row]", 2);
    session.find("[data-testid=history-clear]", WAIT).click();
    wait_count(&session, "[data-testid=history-row]", 4);

    // The newest base bake (rows are newest first: fail, base, app, base).
    session
        .find(
            "[data-testid=history-row]:nth-child(2) [data-testid=history-open]",
            WAIT,
        )
        .click();
    session.wait_text("[data-testid=bake-title]", WAIT, |t| t == "base.json");
    session.wait_text("[data-testid=bake-status]", WAIT, |t| t == "Succeeded");
    session.wait_text("[data-testid=history-account]", WAIT, |t| {
        t == "123456789012"
    });
    let source = session.find("[data-testid=history-source]", WAIT).text();
    assert!(source.contains("ami-"), "{source}");
    session.wait_text("[data-testid=history-diff-base]", WAIT, |t| {
        t.contains("changed lines are marked")
    });
    // The merge view marks the tag's line on both sides.
    let changed = session
        .script(
            "return [...document.querySelectorAll('[data-testid=history-diff] .cm-changedLine')].map(e => e.textContent)",
        )
        .to_string();
    assert!(
        changed.contains("\\\"version\\\": \\\"1\\\"")
            && changed.contains("\\\"version\\\": \\\"2\\\""),
        "{changed}"
    );
    // The log, from the store: the provisioner's line.
    session.wait_text("[data-testid=bake-page]", WAIT, |t| {
        t.contains("baking the base")
    });
    scroll_to(&session, "[data-testid=history-diff]");
    session.save_screenshot("history-bake-diff");

    // Its images, asked in the account now.
    session
        .find("[data-testid=history-check-images]", WAIT)
        .click();
    session.wait_text("[data-testid=history-image-state]", WAIT, |t| {
        t == "available"
    });

    // Trends: two bakes of base.json, both succeeded.
    session
        .find("[data-testid=history-tab-trends]", WAIT)
        .click();
    session.wait_text("[data-testid=trends-success]", WAIT, |t| {
        t.starts_with("2 of 2 recent bakes succeeded")
    });
    scroll_to(&session, "[data-testid=trends]");
    session.save_screenshot("history-trends");

    // Lineage of the first base bake: the app descends from it, and is out of date.
    session
        .find("[data-testid=history-tab-lineage]", WAIT)
        .click();
    session.find("[data-testid=lineage]", WAIT);
    session.find("[data-testid=lineage-base]", WAIT);
    session.wait_text("[data-testid=lineage-no-descendants]", WAIT, |t| {
        t.contains("No bake here used this image")
    });
    session.find("[data-testid=bake-back]", WAIT).click();
    session
        .find(
            "[data-testid=history-row]:nth-child(4) [data-testid=history-open]",
            WAIT,
        )
        .click();
    session.wait_text("[data-testid=bake-title]", WAIT, |t| t == "base.json");
    session.wait_text("[data-testid=history-first-bake]", WAIT, |t| {
        t.contains("The first bake of base.json")
    });
    session
        .find("[data-testid=history-tab-lineage]", WAIT)
        .click();
    let descendant = session.wait_text("[data-testid=lineage-descendant]", WAIT, |t| {
        t.contains("app.json")
    });
    assert!(descendant.contains("Out of date"), "{descendant}");
    assert_eq!(
        session
            .find("[data-testid=lineage-descendant]", WAIT)
            .attribute("data-freshness")
            .as_deref(),
        Some("out_of_date")
    );
    scroll_to(&session, "[data-testid=lineage]");
    session.save_screenshot("history-lineage");

    // Bake again: the Bakes view with the template checked, ready to bake.
    session
        .find("[data-testid=history-bake-again]", WAIT)
        .click();
    session.wait_text("[data-testid=start-bake-builds]", WAIT, |t| {
        t == "amazon-ebs"
    });
    let form = session.find("[data-testid=start-bake]", WAIT).text();
    assert!(form.contains("base.json"), "{form}");
    session.save_screenshot("history-bake-again");
    session.close();
}

/// Bakes as `bakery history export` writes them, `count` of them over the last `days` days.
fn synthetic_export(count: usize, days: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let templates = ["web.json", "worker.json", "base/al2023.pkr.hcl", "db.json"];
    let mut out = String::new();
    for i in 0..count {
        let start = now - days * 86_400 + (i as u64 * days * 86_400) / count as u64;
        let at = rfc3339;
        let status = if i % 13 == 0 { "failed" } else { "succeeded" };
        let line = serde_json::json!({
            "bake": {
                "id": format!("synthetic-{i:06}"),
                "template_path": templates[i % templates.len()],
                "build_name": "amazon-ebs",
                "profile": "dev",
                "region": "eu-west-1",
                "status": status,
                "started_at": at(start),
                "finished_at": at(start + 300),
                "error": if status == "failed" { serde_json::json!("provisioner exited 1") } else { serde_json::Value::Null },
            },
            "template_text": "{}",
            "template_hash": null,
            "variables": {},
            "account_id": "123456789012",
            "host": "ci",
            "regions": ["eu-west-1"],
            "source_image": null,
            "steps": [],
            "artifacts": [],
            "ledger": [],
            "events": [],
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

/// Seconds since the epoch as RFC 3339 UTC with milliseconds.
fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[test]
fn thousands_of_bakes_are_clusters_until_zoomed_in() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no X display: run the GUI tests under `xvfb-run -a` (scripts/test does)"
    );
    let sandbox = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("bakery-home");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let export = dir.path().join("bakes.jsonl");
    std::fs::write(&export, synthetic_export(5000, 300)).unwrap();
    let output = sandbox_bakery(&sandbox, dir.path())
        .env("BAKERY_HOME", &data_dir)
        .args(["history", "import", export.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&output.stdout).starts_with("Imported 5000 bake(s)"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let mut env: Vec<(&str, String)> = sandbox.env_vars();
    env.push(("HOME", home.display().to_string()));
    env.push(("BAKERY_HOME", data_dir.display().to_string()));
    let driver = TauriDriver::start(&env);
    let session = driver.session(&workspace_binary("ami-bakery"));
    session.find("[data-testid=nav-history]", WAIT).click();
    session.wait_text("[data-testid=history-count]", WAIT, |t| {
        t.ends_with("bakes in this window.") || t.contains("listed")
    });
    // A year: 5000 bakes are clusters, their counts adding up.
    session
        .find("[data-testid=history-zoom-year]", WAIT)
        .click();
    session.wait_text("[data-testid=history-count]", WAIT, |t| {
        t.contains("shown as clusters")
    });
    let total = session
        .script(
            "return [...document.querySelectorAll('[data-testid=timeline-cluster]')].reduce((n, e) => n + Number(e.dataset.count), 0)",
        )
        .as_u64()
        .unwrap();
    let in_window: u64 = session
        .find("[data-testid=history-count]", WAIT)
        .text()
        .split_whitespace()
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert_eq!(total, in_window);
    assert_eq!(in_window, 5000);
    assert!(
        session
            .find("[data-testid=history-count]", WAIT)
            .text()
            .starts_with("5,000 bakes"),
        "counts are written with thousands separators"
    );
    assert_eq!(count(&session, "[data-testid=timeline-lane]"), 4);
    session.save_screenshot("history-clusters");
    // Click a cluster: zoomed into it, its bakes one by one.
    // WebKitGTK's WebDriver calls SVG shapes "not interactable": the click is dispatched.
    session.find("[data-testid=timeline-cluster]", WAIT);
    session.script(
        "document.querySelector('[data-testid=timeline-cluster]').dispatchEvent(new MouseEvent('click', { bubbles: true }))",
    );
    session.wait_text("[data-testid=history-count]", WAIT, |t| {
        !t.contains("clusters") && t.contains("in this window")
    });
    assert!(count(&session, "[data-testid=timeline-bake]") > 0);
    session.save_screenshot("history-zoomed");
    session.close();
}
