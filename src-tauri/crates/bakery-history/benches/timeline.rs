//! The History view's questions against a store of 100,000 bakes (a year of a busy team:
//! four templates, three regions, each bake with its 14 steps, 100 log lines and an image:
//! 10,000,000 log lines),
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

/// Log lines per bake.
const LINES: usize = 100;

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
    let events = (0..LINES)
        .map(|n| StoredEvent {
            seq: n as i64,
            at: rfc3339(start + 140 + n as u64),
            event: format!(
                r#"{{"type":"output","stream":"stdout","line":"installing package {n} of {LINES}"}}"#
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
    // Each bake through `import` (its summary, steps and image, and the triggers that keep
    // the timeline's rollup and search text); its log lines, the bulk of the store, through
    // a second connection, a thousand bakes to a transaction (`import` takes one per bake).
    let mut lines = rusqlite::Connection::open(history.path()).unwrap();
    lines.busy_timeout(Duration::from_secs(10)).unwrap();
    let ids: Vec<usize> = (0..count).collect();
    for batch in ids.chunks(1000) {
        let mut batch_lines = Vec::with_capacity(batch.len());
        for &i in batch {
            let mut whole = bake(i, count, end);
            let events = std::mem::take(&mut whole.events);
            history.import(&whole).unwrap();
            batch_lines.push((whole.detail.bake.id, events));
        }
        let tx = lines.transaction().unwrap();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO bake_events (bake_id, seq, at, event) VALUES (?1, ?2, ?3, ?4)",
                )
                .unwrap();
            for (id, events) in batch_lines {
                for event in events {
                    insert
                        .execute(rusqlite::params![id, event.seq, event.at, event.event])
                        .unwrap();
                }
            }
        }
        tx.commit().unwrap();
    }
    println!(
        "store: {count} bakes, {} step rows, {} log lines, filled in {:.1} s",
        count * STEPS.len(),
        count * LINES,
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
    ask("timeline, a week (clusters: more than 600)", window(7));
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
    let events = median(15, || {
        black_box(history.events(&id).unwrap());
    });
    println!(
        "{:<44} {:>8.2} ms  {:>5.3}× the baseline",
        format!("one bake's {LINES} log lines (events)"),
        events.as_secs_f64() * 1e3,
        events.as_secs_f64() / baseline.as_secs_f64()
    );
    // `bakery history list --since D`: the window from D to the end of time, counted, and its
    // newest 50 bakes (the CLI's default `--limit`) read one by one.
    let list_since = |days: u64| {
        let query = TimelineQuery {
            from: rfc3339(end - days * 86_400),
            to: "9999-12-31T23:59:59Z".into(),
            max_bakes: u32::MAX,
            newest_only: Some(50),
            buckets: 1,
            ..TimelineQuery::default()
        };
        let mut listed = 0;
        let time = median(15, || {
            let t = history.timeline(&query).unwrap();
            listed = t.bakes.len();
            black_box(t);
        });
        println!(
            "{:<44} {:>8.2} ms  {:>5.3}× the baseline  ({listed} bakes)",
            format!("history list --since {days}d"),
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() / baseline.as_secs_f64()
        );
    };
    list_since(30);
    list_since(365);
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
