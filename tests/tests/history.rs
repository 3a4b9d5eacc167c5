//! `bakery history` as a user runs it, against the sandbox: real bakes recorded whole (the
//! account, the source image, the steps, the images with their sharing), the diff of a
//! re-bake after a `bakery set`, the lineage from a base image to an application image
//! baked from it (out of date once the base is baked again), logs, export and import into
//! another data directory, and prune.

use std::path::Path;
use std::process::Output;

use bakery_sandbox::Sandbox;
use bakery_tests::{article_template, sandbox, sandbox_bakery};

fn run(sandbox: &Sandbox, home: &Path, args: &[&str]) -> Output {
    let output = sandbox_bakery(sandbox, home).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "bakery {args:?}:\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The ids of the bakes `history list --json` prints, oldest first.
fn bake_ids(sandbox: &Sandbox, home: &Path) -> Vec<String> {
    stdout(&run(sandbox, home, &["history", "list", "--json"]))
        .lines()
        .map(|line| {
            let bake: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(bake["status"], "succeeded", "{line}");
            bake["id"].as_str().unwrap().to_string()
        })
        .collect()
}

fn show(sandbox: &Sandbox, home: &Path, id: &str) -> serde_json::Value {
    serde_json::from_str(&stdout(&run(
        sandbox,
        home,
        &["history", "show", id, "--json"],
    )))
    .unwrap()
}

/// `template` with its `"source_ami"` set to `ami` and its AMI named `name {{timestamp}}`.
fn from_image(template: &str, ami: &str, name: &str) -> String {
    let start = template.find("\"source_ami\": \"").unwrap() + "\"source_ami\": \"".len();
    let end = start + template[start..].find('"').unwrap();
    format!("{}{ami}{}", &template[..start], &template[end..]).replace(
        "yum-upgrade {{timestamp}}",
        &format!("{name} {{{{timestamp}}}}"),
    )
}

#[test]
fn every_bake_is_recorded_and_compared_with_the_one_before_and_linked_to_what_it_came_from() {
    let sandbox = sandbox();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let base = home.join("base.json");
    let text = article_template(&sandbox, &["echo baking the base image"]).replace(
        r#""ami_users": ["111122223333"]"#,
        r#""ami_users": ["111122223333"],
        "tags": {"version": "1", "team": "platform"}"#,
    );
    std::fs::write(&base, &text).unwrap();

    // The base image, baked once; an application image from it; the base again, changed.
    run(&sandbox, home, &["bake", "base.json"]);
    let first = bake_ids(&sandbox, home).remove(0);
    let first_detail = show(&sandbox, home, &first);
    let base_ami = first_detail["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["region"] == "eu-west-1")
        .unwrap()["image_id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(
        home.join("app.json"),
        from_image(&text, &base_ami, "app").replace("baking the base image", "baking the app"),
    )
    .unwrap();
    run(&sandbox, home, &["bake", "app.json"]);
    run(
        &sandbox,
        home,
        &["set", "base.json", "builders[0].tags.version=2"],
    );
    run(&sandbox, home, &["bake", "base.json"]);
    let ids = bake_ids(&sandbox, home);
    assert_eq!(ids.len(), 3, "{ids:?}");
    let (app, second) = (ids[1].clone(), ids[2].clone());

    // Recorded whole: where, from what, every step, the images with their sharing.
    let detail = &first_detail;
    assert_eq!(
        detail["bake"]["template_path"],
        home.join("base.json").display().to_string(),
        "recorded absolute: the history is read from anywhere"
    );
    assert_eq!(detail["account_id"], "123456789012", "{detail:#}");
    assert_eq!(
        detail["regions"],
        serde_json::json!(["eu-west-1", "us-west-2"])
    );
    assert!(
        detail["host"].as_str().is_some_and(|h| !h.is_empty()),
        "{detail:#}"
    );
    let catalogue_ami = text
        .split("\"source_ami\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert_eq!(detail["source_image"]["id"], catalogue_ami);
    assert!(
        detail["source_image"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "{detail:#}"
    );
    let steps: Vec<(&str, &str)> = detail["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    for step in [
        "preflight",
        "source_image",
        "provision",
        "create_image",
        "copy_image",
        "cleanup",
    ] {
        assert!(steps.contains(&(step, "succeeded")), "{step}: {steps:?}");
    }
    let artifacts = detail["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 2);
    for artifact in artifacts {
        assert_eq!(artifact["shared_with"], serde_json::json!(["111122223333"]));
        assert_eq!(artifact["encrypted"], false);
    }
    assert!(
        detail["template_text"]
            .as_str()
            .unwrap()
            .contains("\"version\": \"1\""),
        "{detail:#}"
    );

    // The re-bake against the one before it: the changed tag and nothing else.
    let diff = stdout(&run(&sandbox, home, &["history", "diff", &second]));
    assert!(diff.contains(&format!("--- bake {first}")), "{diff}");
    assert!(diff.contains(&format!("+++ bake {second}")), "{diff}");
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .collect();
    // As baked: `{{timestamp}}` rendered, so the AMI's name differs too.
    assert_eq!(changed.len(), 4, "{diff}");
    assert!(
        changed[0].starts_with("-      \"ami_name\": \"yum-upgrade 1"),
        "{diff}"
    );
    assert!(
        changed[1].starts_with("+      \"ami_name\": \"yum-upgrade 1"),
        "{diff}"
    );
    assert_eq!(
        changed[2].trim(),
        "-        \"version\": \"1\"".trim(),
        "{diff}"
    );
    assert_eq!(
        changed[3].trim(),
        "+        \"version\": \"2\"".trim(),
        "{diff}"
    );
    let first_diff = stdout(&run(&sandbox, home, &["history", "diff", &first[..8]]));
    assert!(
        first_diff.contains("base.json (amazon-ebs): nothing to compare with"),
        "{first_diff}"
    );

    // The lineage: base → app, and the app is behind the base's newest image now.
    let lineage = stdout(&run(&sandbox, home, &["history", "lineage", &base_ami]));
    assert!(
        lineage.contains(catalogue_ami) && lineage.contains(&format!("bake {first}")),
        "the base's own ancestry: {lineage}"
    );
    let app_line = lineage
        .lines()
        .find(|l| l.contains(&format!("bake {app}")))
        .unwrap_or_else(|| panic!("the app bake descends from the base image: {lineage}"));
    assert!(
        app_line.contains("app.json") && app_line.contains("OUT OF DATE"),
        "{lineage}"
    );
    let app_detail = show(&sandbox, home, &app);
    let app_ami = app_detail["artifacts"][0]["image_id"].as_str().unwrap();
    let up = stdout(&run(&sandbox, home, &["history", "lineage", app_ami]));
    assert!(
        up.contains(&format!("bake {first}")) && up.contains(&format!("bake {app}")),
        "the app image's ancestry goes back through the base bake: {up}"
    );

    // The log as the bake printed it.
    let logs = stdout(&run(&sandbox, home, &["history", "logs", &app]));
    assert!(logs.contains("amazon-ebs: baking the app"), "{logs}");
    assert!(logs.contains("✓ Run provisioners ("), "{logs}");

    // Export, import elsewhere (twice: the second time skips), the same bakes there.
    let export = run(&sandbox, home, &["history", "export"]);
    std::fs::write(home.join("export.jsonl"), &export.stdout).unwrap();
    assert_eq!(stdout(&export).lines().count(), 3);
    let elsewhere = tempfile::tempdir().unwrap();
    let export_file = home.join("export.jsonl");
    let import = ["history", "import", export_file.to_str().unwrap()];
    let imported = stdout(&run(&sandbox, elsewhere.path(), &import));
    assert!(
        imported.starts_with("Imported 3 bake(s); 0 already"),
        "{imported}"
    );
    let again = stdout(&run(&sandbox, elsewhere.path(), &import));
    assert!(
        again.starts_with("Imported 0 bake(s); 3 already"),
        "{again}"
    );
    assert_eq!(bake_ids(&sandbox, elsewhere.path()), ids);
    assert_eq!(
        stdout(&run(
            &sandbox,
            elsewhere.path(),
            &["history", "list", "--json"]
        )),
        stdout(&run(&sandbox, home, &["history", "list", "--json"])),
        "the imported history lists exactly as the exported one"
    );
    assert_eq!(show(&sandbox, elsewhere.path(), &app), app_detail);

    // Rebuilt from the account alone: the same bakes, and the same lineage.
    let teammate = tempfile::tempdir().unwrap();
    let rebuilt = stdout(&run(
        &sandbox,
        teammate.path(),
        &["history", "import", "--from-account"],
    ));
    assert!(
        rebuilt.starts_with("Imported 3 bake(s) from the account's tagged images"),
        "{rebuilt}"
    );
    assert_eq!(bake_ids(&sandbox, teammate.path()), ids);
    let theirs = stdout(&run(
        &sandbox,
        teammate.path(),
        &["history", "lineage", &base_ami],
    ));
    let app_line = theirs
        .lines()
        .find(|l| l.contains(&format!("bake {app}")))
        .unwrap_or_else(|| panic!("the lineage rebuilt from the account: {theirs}"));
    assert!(
        app_line.contains("app.json") && app_line.contains("OUT OF DATE"),
        "{theirs}"
    );
    assert!(theirs.contains(catalogue_ami), "{theirs}");
    let again = stdout(&run(
        &sandbox,
        teammate.path(),
        &["history", "import", "--from-account"],
    ));
    assert!(again.starts_with("Imported 0 bake(s)"), "{again}");

    // A line that is not a bake: refused with its place, nothing added.
    std::fs::write(home.join("bad.jsonl"), "{\"bake\": 1}\n").unwrap();
    let bad = sandbox_bakery(&sandbox, elsewhere.path())
        .args([
            "history",
            "import",
            home.join("bad.jsonl").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bad.jsonl:1:"), "{stderr}");

    // Prune: the logs go, the bakes stay.
    let pruned = stdout(&run(
        &sandbox,
        home,
        &["history", "prune", "--older-than", "0s"],
    ));
    assert!(pruned.contains("of 3 bake(s)"), "{pruned}");
    assert_eq!(bake_ids(&sandbox, home), ids);
    assert!(stdout(&run(&sandbox, home, &["history", "logs", &app])).is_empty());
    assert_eq!(show(&sandbox, home, &app)["steps"], app_detail["steps"]);

    // An unknown id says so.
    let missing = sandbox_bakery(&sandbox, home)
        .args(["history", "show", "nope-nope"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("no bake with id nope-nope"), "{stderr}");
}

#[test]
fn logs_follow_a_running_bake_to_its_end() {
    let sandbox = sandbox();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    std::fs::write(
        home.join("slow.json"),
        article_template(&sandbox, &["echo first", "sleep 2", "echo last"]),
    )
    .unwrap();
    let mut bake = sandbox_bakery(&sandbox, home)
        .args(["bake", "slow.json"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the bake to be recorded, then follow it from another process.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let id = loop {
        let list = stdout(&run(&sandbox, home, &["history", "list", "--json"]));
        if let Some(line) = list.lines().next() {
            let bake: serde_json::Value = serde_json::from_str(line).unwrap();
            break bake["id"].as_str().unwrap().to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the bake never showed"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let followed = stdout(&run(&sandbox, home, &["history", "logs", &id, "--follow"]));
    assert!(bake.wait().unwrap().success());
    assert!(followed.contains("amazon-ebs: first"), "{followed}");
    assert!(followed.contains("amazon-ebs: last"), "{followed}");
    assert!(
        followed
            .lines()
            .last()
            .unwrap_or_default()
            .contains("finished after"),
        "followed to the bake's end: {followed}"
    );
}
