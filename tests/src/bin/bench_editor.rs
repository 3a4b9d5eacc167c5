//! Benchmark, not a test: the template editor's round trip through IPC in the real app
//! window (WebDriver under Xvfb): one form edit of a generated 1,000-line template, patched
//! by the Rust edit engine and the whole template checked again (`edit_template`), in JSON
//! and in HCL2; against the same window's trivial command (`app_info`) as the baseline,
//! measured in the same run. Prints the median and the slowest of each, and their ratio.
//!
//! Run: `scripts/bench-editor [ROUNDS]` (builds, then runs this under Xvfb).

use serde_json::{Value, json};

use bakery_sandbox::{Sandbox, SandboxOptions};
use bakery_tests::webdriver::TauriDriver;
use bakery_tests::workspace_binary;

/// A JSON template of `lines` lines: one builder, one shell step with many inline lines.
fn json_template(lines: usize) -> String {
    let head = r#"{
  "builders": [
    {
      "type": "amazon-ebs",
      "region": "us-east-1",
      "source_ami": "ami-0123456789abcdef0",
      "instance_type": "t3.micro",
      "ssh_username": "ec2-user",
      "ami_name": "bench {{timestamp}}",
      "tags": { "Name": "bench" }
    }
  ],
  "provisioners": [
    {
      "type": "shell",
      "inline": [
"#;
    let tail = "\n      ]\n    }\n  ]\n}\n";
    let body_lines = lines.saturating_sub(head.lines().count() + tail.lines().count());
    let body: Vec<String> = (0..body_lines)
        .map(|i| format!("        \"echo step {i} of the golden image\""))
        .collect();
    format!("{head}{}{tail}", body.join(",\n"))
}

/// The same in HCL2.
fn hcl_template(lines: usize) -> String {
    let head = r#"source "amazon-ebs" "bench" {
  region        = "us-east-1"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "ec2-user"
  ami_name      = "bench {{timestamp}}"
}

build {
  sources = ["source.amazon-ebs.bench"]

  provisioner "shell" {
    inline = [
"#;
    let tail = "\n    ]\n  }\n}\n";
    let body_lines = lines.saturating_sub(head.lines().count() + tail.lines().count());
    let body: Vec<String> = (0..body_lines)
        .map(|i| format!("      \"echo step {i} of the golden image\""))
        .collect();
    format!("{head}{}{tail}", body.join(",\n"))
}

const MEASURE: &str = r#"
const [rounds, path, text, field] = arguments;
const invoke = window.__TAURI_INTERNALS__.invoke;
const files = [{ path, text }];
const edits = [];
const base = [];
for (let i = 0; i < rounds; i++) {
  let t = performance.now();
  await invoke("edit_template", {
    path, files, file: path,
    changes: [{ op: "set", path: field, value: i % 2 ? "t3.large" : "t3.small" }],
  });
  edits.push(performance.now() - t);
  t = performance.now();
  await invoke("app_info");
  base.push(performance.now() - t);
}
return { edits, base };
"#;

fn stats(values: &Value) -> (f64, f64) {
    let mut v: Vec<f64> = values
        .as_array()
        .expect("a list of times")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[v.len() - 1])
}

fn main() {
    let rounds: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let sandbox = Sandbox::start(&SandboxOptions::default()).expect("the sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let mut env = sandbox.env_vars();
    env.push(("HOME", dir.path().display().to_string()));
    env.push((
        "BAKERY_HOME",
        dir.path().join("bakery-home").display().to_string(),
    ));
    let driver = TauriDriver::start(&env);
    let session = driver.session(&workspace_binary("ami-bakery"));
    session.find(
        "[data-testid=section-templates]",
        std::time::Duration::from_secs(30),
    );
    println!("template editor: one form edit + re-check through IPC, {rounds} rounds each");
    println!(
        "{:<8} {:>6} {:>12} {:>12} {:>12} {:>10}",
        "dialect", "lines", "edit median", "edit max", "app_info", "ratio"
    );
    for (dialect, name, text, field) in [
        (
            "JSON",
            "bench.json",
            json_template(1000),
            "builders[0].instance_type",
        ),
        (
            "HCL2",
            "bench.pkr.hcl",
            hcl_template(1000),
            "source.amazon-ebs.bench.instance_type",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        let result = session.script_async(
            MEASURE,
            json!([rounds, path.display().to_string(), text, field]),
        );
        assert!(result.get("error").is_none(), "{result}");
        let (edit_median, edit_max) = stats(&result["edits"]);
        let (base_median, _) = stats(&result["base"]);
        println!(
            "{dialect:<8} {:>6} {:>9.1} ms {:>9.1} ms {:>9.1} ms {:>9.1}×",
            text.lines().count(),
            edit_median,
            edit_max,
            base_median,
            edit_median / base_median.max(0.001)
        );
    }
    session.close();
}
