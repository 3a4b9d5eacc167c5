//! The History view's questions against a store of 100,000 bakes (a year of a busy team:
//! four templates, three regions, each bake with its 14 steps, 10 log lines and an image),
//! each timed as the median of repeated runs and printed as a ratio to a baseline measured
//! in the same run: reading every bake's summary (what a view that loads the whole history
//! would do before drawing anything).
//!
//! `cargo bench -p bakery-history --bench timeline [-- BAKES]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use bakery_history::{
    Artifact, BakeDetail, BakeRecord, BakeStatus, ExportedBake, History, LaneBy, StepRecord,
    StepStatus, StoredEvent, TimelineQuery,
};

const STEPS: [&str; 14] = [
    "preflight",
    "source_image",
    "network",
    "key_pair",
    "security_group",
    "launch",
    "connect",
    "provision",
    "stop",
    "create_image",
    "copy_image",
    "share",
    "manifest",
    "cleanup",
];

/// Seconds since the epoch as RFC 3339 UTC with milliseconds.
fn rfc3339(secs: u64) -> String {
    humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + Duration::from_secs(secs)).to_string()
}

fn bake(i: usize, count: usize, end: u64) -> ExportedBake {
    const YEAR: u64 = 365 * 86_400;
    let start = end - YEAR + (i as u64 * YEAR) / count as u64;
    let templates = ["web.json", "worker.json", "base/al2023.pkr.hcl", "db.json"];
    let regions = ["eu-west-1", "us-east-1", "ap-southeast-2"];
    let status = if i.is_multiple_of(17) {
        BakeStatus::Failed
    } else {
        BakeStatus::Succeeded
    };
    let id = format!("{i:08x}-bench");
    let steps = STEPS
        .iter()
        .enumerate()
        .map(|(n, step)| StepRecord {
            step: (*step).into(),
            started_at: rfc3339(start + n as u64 * 20),
            finished_at: Some(rfc3339(start + n as u64 * 20 + 20)),
            status: StepStatus::Succeeded,
            duration_ms: Some(20_000),
            error: None,
        })
        .collect();
    let events = (0..10)
        .map(|n| StoredEvent {
            seq: n,
            at: rfc3339(start + 140 + n as u64),
            event: format!(
                r#"{{"type":"output","stream":"stdout","line":"installing package {n}"}}"#
            ),
        })
        .collect();
    ExportedBake {
        detail: BakeDetail {
            bake: BakeRecord {
                id: id.clone(),
                template_path: Some(format!("/home/ops/images/{}", templates[i % 4])),
                build_name: Some("amazon-ebs".into()),
                profile: Some(["dev", "prod"][i % 2].into()),
                region: regions[i % 3].into(),
                status,
                started_at: rfc3339(start),
                finished_at: Some(rfc3339(start + 300)),
                error: None,
            },
            template_text: Some(format!(
                "{{\"builders\": [{{\"ami_name\": \"app {}\"}}]}}",
                i % 50
            )),
            template_hash: None,
            variables: serde_json::json!({"version": format!("1.{}", i % 30)}),
            account_id: Some("123456789012".into()),
            host: Some("ci".into()),
            regions: vec![regions[i % 3].into()],
            source_image: None,
            steps,
            artifacts: vec![Artifact {
                region: regions[i % 3].into(),
                image_id: format!("ami-{i:017x}"),
                snapshot_ids: vec![format!("snap-{i:017x}")],
                encrypted: Some(false),
                shared_with: vec![],
            }],
            ledger: vec![],
        },
        events,
    }
}

/// The median of `runs` timed calls of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let history = History::open_in(dir.path()).unwrap();
    let end = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let filling = Instant::now();
    for i in 0..count {
        history.import(&bake(i, count, end)).unwrap();
    }
    println!(
        "store: {count} bakes, {} step rows, {} log lines, filled in {:.1} s",
        count * STEPS.len(),
        count * 10,
        filling.elapsed().as_secs_f64()
    );

    let window = |days: u64| TimelineQuery {
        from: rfc3339(end - days * 86_400),
        to: rfc3339(end),
        lane_by: LaneBy::Template,
        max_bakes: 600,
        buckets: 35,
        ..TimelineQuery::default()
    };
    let baseline = median(5, || {
        black_box(history.bakes().unwrap());
    });
    println!(
        "baseline: every bake's summary read: {:.1} ms",
        baseline.as_secs_f64() * 1e3
    );
    let ask = |name: &str, query: TimelineQuery| {
        let mut shown = 0;
        let time = median(15, || {
            let t = history.timeline(&query).unwrap();
            shown = t.bakes.len() + t.clusters.len();
            black_box(t);
        });
        println!(
            "{name:<44} {:>8.2} ms  {:>5.3}× the baseline  ({shown} bars or clusters)",
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() / baseline.as_secs_f64()
        );
    };
    ask("timeline, a day (bakes one by one)", window(1));
    ask("timeline, a week (bakes one by one)", window(7));
    ask("timeline, a month (clusters)", window(30));
    ask("timeline, a year (clusters)", window(365));
    ask(
        "timeline, a year, failed only",
        TimelineQuery {
            status: vec![BakeStatus::Failed],
            ..window(365)
        },
    );
    ask(
        "timeline, a year, free text (an AMI id)",
        TimelineQuery {
            text: Some(format!("ami-{:017x}", count / 2)),
            ..window(365)
        },
    );
    ask(
        "timeline, a year, lanes by region",
        TimelineQuery {
            lane_by: LaneBy::Region,
            ..window(365)
        },
    );
    let id = format!("{:08x}-bench", count / 2);
    let detail = median(15, || {
        black_box(history.detail(&id).unwrap());
    });
    println!(
        "{:<44} {:>8.2} ms  {:>5.3}× the baseline",
        "one bake whole (detail)",
        detail.as_secs_f64() * 1e3,
        detail.as_secs_f64() / baseline.as_secs_f64()
    );
    let trends = median(15, || {
        black_box(
            history
                .step_times("/home/ops/images/web.json", Some("eu-west-1"), 50)
                .unwrap(),
        );
    });
    println!(
        "{:<44} {:>8.2} ms  {:>5.3}× the baseline",
        "a template's last 50 bakes' step times",
        trends.as_secs_f64() * 1e3,
        trends.as_secs_f64() / baseline.as_secs_f64()
    );
}
