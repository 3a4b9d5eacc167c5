//! Benchmark, not a test: a bake whose provisioner prints LINES lines (default 1,000,000),
//! baked against the sandbox from the real app window (WebDriver under Xvfb), and the same
//! template baked by `bakery bake` in the same run as the baseline. Prints the time from the
//! Bake button until the log's tail is visible (the last line in the DOM, the line count
//! complete), its ratio to the CLI's wall time, and the longest frame while the log view is
//! scrolled through all its lines.
//!
//! Run: `xvfb-run -a cargo run -p bakery-tests --bin bench_log -- [LINES]` after
//! `cargo build --workspace` (scripts/bench-log does both).

use std::process::Command;
use std::time::{Duration, Instant};

use bakery_sandbox::{Sandbox, SandboxOptions};
use bakery_tests::webdriver::TauriDriver;
use bakery_tests::workspace_binary;

fn template(sandbox: &Sandbox, lines: u64) -> String {
    let ami = sandbox
        .ec2("eu-west-1", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap()
        .texts("imageId")
        .remove(0);
    format!(
        r#"{{"builders": [{{"type": "amazon-ebs", "region": "eu-west-1", "source_ami": "{ami}",
  "instance_type": "t2.micro", "ssh_username": "root", "ssh_host": "127.0.0.1",
  "ssh_port": {port}, "ami_name": "log bench {{{{timestamp}}}}"}}],
  "provisioners": [{{"type": "shell", "inline": ["seq -f 'line %.0f of the provisioner output, as a build prints it' 1 {lines}"]}}]}}"#,
        port = sandbox.ssh_port()
    )
}

fn main() {
    let lines: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let sandbox = Sandbox::start(&SandboxOptions::default()).expect("the sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("packer.json");
    std::fs::write(&path, template(&sandbox, lines)).unwrap();

    // Baseline: the same bake from the command line (`BENCH_NO_CLI=1` skips it while
    // iterating on the window).
    let with_cli = std::env::var_os("BENCH_NO_CLI").is_none();
    let started = Instant::now();
    let mut cli = Command::new(workspace_binary("bakery"));
    for (key, value) in sandbox.env_vars() {
        cli.env(key, value);
    }
    if with_cli {
        let status = cli
            .env("BAKERY_HOME", dir.path().join("cli-home"))
            .args(["bake", "--json"])
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "the CLI bake failed");
    }
    let cli_secs = started.elapsed().as_secs_f64();

    // The window.
    let mut env = sandbox.env_vars();
    env.push((
        "BAKERY_HOME",
        dir.path().join("app-home").display().to_string(),
    ));
    env.push(("HOME", dir.path().display().to_string()));
    let driver = TauriDriver::start(&env);
    let session = driver.session(&workspace_binary("ami-bakery"));
    let wait = Duration::from_secs(900);
    session.find("[data-testid=nav-bakes]", wait).click();
    session
        .find("[data-testid=bakes-template-path]", wait)
        .send_keys(&path.display().to_string());
    session
        .find("[data-testid=bakes-template-open]", wait)
        .click();
    session.find("[data-testid=start-bake-submit]", wait);
    let started = Instant::now();
    session
        .find("[data-testid=start-bake-submit]", wait)
        .click();
    let count = format!("{} lines", group_thousands(lines));
    session.wait_text("[data-testid=log-line-count]", wait, |t| t == count);
    let last = format!("line {lines} of the provisioner output");
    session.wait_text("[data-testid=log-viewport]", wait, |t| t.contains(&last));
    let tail_secs = started.elapsed().as_secs_f64();

    // The rest of the bake (stop, image, clean-up) with the million lines on the page: every
    // frame's length until the page says the bake ended. The scrolling below starts after.
    session.script(
        "window.__finish = []; let last = performance.now();
         function tick(now) {
           window.__finish.push(now - last); last = now;
           const badge = document.querySelector('[data-testid=bake-status]');
           if (badge !== null && badge.dataset.status !== 'running') window.__finishDone = true;
           else requestAnimationFrame(tick);
         }
         requestAnimationFrame(tick); return true;",
    );
    while session.script("return window.__finishDone === true;") != serde_json::json!(true) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let ended_secs = started.elapsed().as_secs_f64();
    let finishing: Vec<f64> = session
        .script("return window.__finish.slice(1);")
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_f64())
        .collect();

    // Idle frames first (the webview's own frame interval, the floor of any frame below).
    // Then scroll through every line: 240 frames, each a jump of the scrollbar to the next
    // 1/240th. Each frame
    // also times its script (the scroll handler and Svelte's update, which runs in a
    // microtask) and the style and layout it forces; the rest of the frame is paint.
    session.script(
        "const el = document.querySelector('[data-testid=log-scrollbar]');
         window.__idle = []; window.__frames = []; window.__script = []; window.__layout = [];
         let last = performance.now(); let n = 0; let idle = 0;
         function still(now) {
           window.__idle.push(now - last); last = now; idle += 1;
           requestAnimationFrame(idle < 60 ? still : frame);
         }
         function frame(now) {
           window.__frames.push(now - last); last = now; n += 1;
           const t0 = performance.now();
           el.scrollTop = (el.scrollHeight - el.clientHeight) * (n / 240);
           el.dispatchEvent(new Event('scroll'));
           queueMicrotask(() => {
             const t1 = performance.now();
             void el.getBoundingClientRect(); void document.body.offsetHeight;
             void document.querySelector('[data-testid=log-view] .rows').offsetWidth;
             window.__script.push(t1 - t0); window.__layout.push(performance.now() - t1);
           });
           if (n < 240) requestAnimationFrame(frame); else window.__done = true;
         }
         requestAnimationFrame(still); return true;",
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while session.script("return window.__done === true;") != serde_json::json!(true) {
        assert!(Instant::now() < deadline, "scrolling did not finish");
        std::thread::sleep(Duration::from_millis(200));
    }
    let numbers = |name: &str| -> Vec<f64> {
        session
            .script(&format!("return window.{name};"))
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_f64())
            .collect()
    };
    // The same-run floor of a frame that changes anything: 120 frames that each change one
    // number in a small box of their own (what the webview pays to repaint and present at all).
    session.script(
        "const box = document.createElement('div');
         box.style.cssText = 'position:fixed;left:4px;bottom:4px;font:12px monospace';
         document.body.appendChild(box);
         window.__tiny = []; let last = performance.now(); let n = 0;
         function tick(now) {
           window.__tiny.push(now - last); last = now; n += 1; box.textContent = String(n);
           if (n < 121) requestAnimationFrame(tick); else { box.remove(); window.__tinyDone = true; }
         }
         requestAnimationFrame(tick); return true;",
    );
    while session.script("return window.__tinyDone === true;") != serde_json::json!(true) {
        assert!(
            Instant::now() < deadline,
            "the floor's frames did not finish"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let tiny = numbers("__tiny.slice(1)");
    let idle = numbers("__idle.slice(1)");
    let frames = numbers("__frames.slice(1)");
    let script_ms = numbers("__script");
    let layout_ms = numbers("__layout");
    let longest = frames.iter().copied().fold(0.0, f64::max);
    let median = median_of(&frames);
    let middle = format!("line {} of", lines / 2);
    session.script(
        "const el = document.querySelector('[data-testid=log-scrollbar]');
         el.scrollTop = (el.scrollHeight - el.clientHeight) / 2;
         el.dispatchEvent(new Event('scroll')); return true;",
    );
    let shown = session.wait_text("[data-testid=log-viewport]", Duration::from_secs(10), |t| {
        t.contains(&middle)
    });
    let rows = session.script("return document.querySelectorAll('[data-testid=log-line]').length;");
    session.close();

    println!("log lines: {lines}");
    if with_cli {
        println!("bakery bake (CLI, same template): {cli_secs:.1} s");
        println!(
            "window: Bake -> tail visible: {tail_secs:.1} s ({:.2}x the CLI bake)",
            tail_secs / cli_secs
        );
    } else {
        println!("window: Bake -> tail visible: {tail_secs:.1} s (CLI baseline skipped)");
    }
    println!(
        "the rest of the bake, to its end at {ended_secs:.1} s: {} frames, longest {:.1} ms, median {:.1} ms",
        finishing.len(),
        finishing.iter().copied().fold(0.0, f64::max),
        median_of(&finishing)
    );
    println!(
        "scrolling through all lines, 240 frames: longest frame {longest:.1} ms, median {median:.1} ms"
    );
    let mut by_length: Vec<(usize, f64)> = frames.iter().copied().enumerate().collect();
    by_length.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut sorted = frames.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    println!(
        "  90th percentile {:.1} ms; the longest three: {}",
        sorted[sorted.len() * 9 / 10],
        by_length
            .iter()
            .take(3)
            .map(|(i, ms)| format!("frame {} {ms:.0} ms", i + 1))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  the same run's floor, a frame that changes one number elsewhere: median {:.1} ms, longest {:.1} ms (scrolling frames are {:.2}x this)",
        median_of(&tiny),
        tiny.iter().copied().fold(0.0, f64::max),
        median / median_of(&tiny).max(0.001)
    );
    println!(
        "  per frame, median: script (scroll handler + Svelte update) {:.1} ms, style and layout {:.1} ms; idle frame interval {:.1} ms; longest script {:.1} ms",
        median_of(&script_ms),
        median_of(&layout_ms),
        median_of(&idle),
        script_ms.iter().copied().fold(0.0, f64::max),
    );
    println!(
        "rows in the DOM: {rows}; the middle of the log shows line {} ({} characters on screen)",
        lines / 2,
        shown.len()
    );
}

fn median_of(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
