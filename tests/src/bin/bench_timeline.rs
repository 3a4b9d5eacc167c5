//! Benchmark, not a test: the History's timeline in the real app window (WebKitGTK under Xvfb,
//! WebDriver) over a store of BAKES bakes (default 100,000) spread over the last year. Zooms
//! with the wheel and pans by dragging, one input per frame, from the year down to hours and
//! back, and prints each phase's frames (median, longest) — the answers to the queries the
//! view makes after each gesture included — against a same-run floor: frames that change one
//! number elsewhere on the page.
//!
//! Run: `scripts/bench-timeline [BAKES]` (builds, then runs this under Xvfb and a keyring).

use std::time::{Duration, Instant};

use bakery_history::{
    Artifact, BakeDetail, BakeRecord, BakeStatus, ExportedBake, History, StepRecord, StepStatus,
    StoredEvent,
};
use bakery_sandbox::{Sandbox, SandboxOptions};
use bakery_tests::webdriver::{Session, TauriDriver};
use bakery_tests::workspace_binary;

/// The steps every generated bake went through.
const STEPS: [&str; 8] = [
    "preflight",
    "source_image",
    "launch",
    "connect",
    "provision",
    "stop",
    "create_image",
    "cleanup",
];

/// Seconds since the epoch as RFC 3339 UTC with milliseconds, as the history writes times.
fn rfc3339(secs: u64) -> String {
    humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

/// Bake `i` of `count`, over the year before `end`: six templates, three regions, two
/// profiles, one in seventeen failed.
fn bake(i: usize, count: usize, end: u64) -> ExportedBake {
    const YEAR: u64 = 365 * 86_400;
    let start = end - YEAR + (i as u64 * YEAR) / count as u64;
    let templates = [
        "web/packer.json",
        "worker/packer.json",
        "base/al2023.pkr.hcl",
        "db/postgres-16.pkr.hcl",
        "edge/nginx.json",
        "ci/runner-ubuntu-24.04.pkr.hcl",
    ];
    let regions = ["eu-west-1", "us-east-1", "ap-southeast-2"];
    let failed = i.is_multiple_of(17);
    let steps = STEPS
        .iter()
        .enumerate()
        .map(|(n, step)| StepRecord {
            step: (*step).into(),
            started_at: rfc3339(start + n as u64 * 30),
            finished_at: Some(rfc3339(start + n as u64 * 30 + 30)),
            status: StepStatus::Succeeded,
            duration_ms: Some(30_000),
            error: None,
        })
        .collect();
    let events = (0..10)
        .map(|n| StoredEvent {
            seq: n,
            at: rfc3339(start + 120 + n as u64),
            event: format!(
                r#"{{"type":"output","stream":"stdout","line":"step {n} of the build"}}"#
            ),
        })
        .collect();
    ExportedBake {
        detail: BakeDetail {
            bake: BakeRecord {
                id: format!("{i:08x}-0000-4000-8000-bench0timeline"),
                template_path: Some(format!(
                    "/home/ops/images/{}",
                    templates[i % templates.len()]
                )),
                build_name: Some("amazon-ebs".into()),
                profile: Some(["dev", "prod"][i % 2].into()),
                region: regions[i % 3].into(),
                status: if failed {
                    BakeStatus::Failed
                } else {
                    BakeStatus::Succeeded
                },
                started_at: rfc3339(start),
                finished_at: Some(rfc3339(start + 240)),
                error: failed.then(|| {
                    "the shell provisioner 1 (inline commands) exited with status 1".into()
                }),
            },
            template_text: Some(format!(
                "{{\"builders\": [{{\"ami_name\": \"app {}\"}}]}}",
                i % 40
            )),
            template_hash: None,
            variables: serde_json::json!({}),
            account_id: Some("123456789012".into()),
            host: Some("bench".into()),
            regions: vec![regions[i % 3].into()],
            source_image: None,
            steps,
            artifacts: if failed {
                vec![]
            } else {
                vec![Artifact {
                    region: regions[i % 3].into(),
                    image_id: format!("ami-{i:017x}"),
                    snapshot_ids: vec![format!("snap-{i:017x}")],
                    encrypted: Some(false),
                    shared_with: vec![],
                }]
            },
            ledger: vec![],
        },
        events,
    }
}

/// Runs `script` (which sets `window.__done` when its frames are over) and returns the frame
/// lengths it stored in `window.__frames`.
fn frames(session: &Session, script: &str) -> Vec<f64> {
    session.script(&format!(
        "window.__done = false; window.__frames = []; {script}; return true;"
    ));
    let deadline = Instant::now() + Duration::from_secs(180);
    while session.script("return window.__done === true;") != serde_json::json!(true) {
        assert!(Instant::now() < deadline, "the frames did not finish");
        std::thread::sleep(Duration::from_millis(200));
    }
    session
        .script("return window.__frames.slice(1);")
        .as_array()
        .unwrap()
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect()
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn longest(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

/// A frame loop: `each(n)` is the JavaScript run in frame n (1-based) of `inputs`, then
/// `settle` more frames with no input (the view's queries after the gesture answer in them).
fn gesture(each: &str, inputs: u32, settle: u32) -> String {
    format!(
        "let last = performance.now(); let n = 0;
         function tick(now) {{
           window.__frames.push(now - last); last = now; n += 1;
           if (n <= {inputs}) {{ {each} }}
           if (n < {inputs} + {settle}) requestAnimationFrame(tick); else window.__done = true;
         }}
         requestAnimationFrame(tick)"
    )
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("bakery-home");
    std::fs::create_dir_all(&home).unwrap();
    let end = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let filling = Instant::now();
    {
        let history = History::open_in(&home).unwrap();
        for i in 0..count {
            history.import(&bake(i, count, end)).unwrap();
        }
    }
    println!(
        "store: {count} bakes over a year, filled in {:.1} s",
        filling.elapsed().as_secs_f64()
    );

    let sandbox = Sandbox::start(&SandboxOptions::default()).expect("the sandbox starts");
    let mut env = sandbox.env_vars();
    env.push(("BAKERY_HOME", home.display().to_string()));
    env.push(("HOME", dir.path().display().to_string()));
    let driver = TauriDriver::start(&env);
    let session = driver.session(&workspace_binary("ami-bakery"));
    let wait = Duration::from_secs(120);
    session.find("[data-testid=nav-history]", wait).click();
    session
        .find("[data-testid=history-zoom-year]", wait)
        .click();
    let clusters = session.wait_text("[data-testid=history-count]", wait, |t| {
        t.contains("bakes in this window")
    });
    println!("the year shows: {clusters}");

    // A synthetic pointer cannot be captured: capturing it would throw.
    session.script("Element.prototype.setPointerCapture = function () {}; return true;");
    let svg = "const svg = document.querySelector('[data-testid=timeline] svg'); const r = svg.getBoundingClientRect();
               const range = () => document.querySelector('[data-testid=history-range]').textContent;";
    session.script("window.__ranges = []; return true;");

    let floor = frames(
        &session,
        &format!(
            "const box = document.createElement('div');
             box.style.cssText = 'position:fixed;left:4px;bottom:4px;font:12px monospace';
             document.body.appendChild(box);
             {}",
            gesture(
                "box.textContent = String(n); if (n === 120) box.remove();",
                120,
                0
            )
        ),
    );
    // The wheel: 24 steps in (a year to about four days), 24 out, twice, one per frame.
    let zooming = frames(
        &session,
        &format!(
            "{svg} {}",
            gesture(
                "if (n === 1 || n === 25) window.__ranges.push(range());
                 const inward = Math.floor((n - 1) / 24) % 2 === 0;
                 svg.dispatchEvent(new WheelEvent('wheel', { deltaY: inward ? -100 : 100,
                   clientX: r.left + r.width * 0.6, clientY: r.top + 10, bubbles: true,
                   cancelable: true }));",
                96,
                60,
            )
        ),
    );
    // A month's window, then a drag of 8 px per frame for 120 frames (about five weeks here).
    session
        .find("[data-testid=history-zoom-month]", wait)
        .click();
    session.wait_text("[data-testid=history-range]", wait, |t| !t.is_empty());
    std::thread::sleep(Duration::from_millis(500));
    let panning = frames(
        &session,
        &format!(
            "{svg} const x0 = r.left + r.width * 0.9;
             const at = (type, x) => svg.dispatchEvent(new PointerEvent(type, {{ pointerId: 1,
               button: 0, clientX: x, clientY: r.top + 10, bubbles: true, cancelable: true }}));
             at('pointerdown', x0); {}",
            gesture(
                "if (n === 1) window.__ranges.push(range());
                 at('pointermove', x0 - 8 * n); if (n === 120) at('pointerup', x0 - 8 * n);",
                120,
                60,
            )
        ),
    );
    std::thread::sleep(Duration::from_millis(1000));
    // What the gestures did to the window shown (a gesture that moved nothing measures nothing).
    let ranges = session.script("window.__ranges.push(document.querySelector('[data-testid=history-range]').textContent); return window.__ranges;");
    let ranges: Vec<String> = ranges
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    session.close();
    assert_eq!(ranges.len(), 4, "{ranges:?}");
    assert_ne!(ranges[0], ranges[1], "the wheel zoomed nothing");
    assert_ne!(ranges[2], ranges[3], "the drag panned nothing");
    println!(
        "windows shown: before the wheel {:?}; 24 steps in {:?}; the month before the drag {:?}; after {:?}",
        ranges[0], ranges[1], ranges[2], ranges[3]
    );

    println!("frames (ms), median / longest:");
    println!(
        "  floor: one number changed elsewhere, 120 frames: {:.1} / {:.1}",
        median(&floor),
        longest(&floor)
    );
    for (name, list) in [
        (
            "wheel zoom year -> days -> year, twice, then settling",
            &zooming,
        ),
        (
            "drag-pan a month's window by 960 px, then settling",
            &panning,
        ),
    ] {
        println!(
            "  {name}: {:.1} / {:.1} ({} frames; median {:.2}x the floor's)",
            median(list),
            longest(list),
            list.len(),
            median(list) / median(&floor).max(0.001)
        );
    }
}
