use super::*;
use crate::{Artifact, BakeStatus, History, LaneBy, NewBake, SourceImage};

fn store() -> (tempfile::TempDir, History) {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open_in(dir.path()).unwrap();
    (dir, history)
}

/// A small deterministic generator (the same store every run).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: i64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        i64::try_from((self.0 >> 33) % sides.unsigned_abs()).unwrap()
    }
}

const TEMPLATES: [Option<&str>; 4] = [
    Some("/ops/web.json"),
    Some("/ops/worker.json"),
    Some("base.pkr.hcl"),
    None,
];
const PROFILES: [Option<&str>; 3] = [Some("dev"), Some("prod"), None];
const REGIONS: [&str; 3] = ["eu-west-1", "us-east-1", "ap-southeast-2"];

/// 1,200 bakes over 40 days, in every lane and status: some at midnight and at a day's last
/// millisecond, some running, some finished days after they started, accounts learned
/// late; then bakes deleted, moved to another template and to another day by hand.
fn busy_history() -> (tempfile::TempDir, History) {
    let (dir, history) = store();
    let base = day_start("2026-10-20").unwrap();
    let mut dice = Dice(7);
    for i in 0..1200_usize {
        let offset = dice.roll(40 * DAY_MS);
        let midnight = base + offset / DAY_MS * DAY_MS;
        let start_ms = match i % 97 {
            0 => midnight,
            1 => midnight + DAY_MS - 1,
            _ => base + offset,
        };
        let start = rfc3339_ms(start_ms);
        let id = format!("bake-{i:04}");
        history
            .begin_bake(&NewBake {
                id: &id,
                template_path: TEMPLATES[i % 4],
                build_name: Some("amazon-ebs"),
                profile: PROFILES[i % 3],
                region: REGIONS[(i / 2) % 3],
                started_at: &start,
                ..NewBake::default()
            })
            .unwrap();
        let account = ["111111111111", "222222222222"][i % 2];
        if i % 5 != 0 {
            history.record_account(&id, account).unwrap();
        }
        let status = match dice.roll(20) {
            0 => None,
            1..=3 => Some(BakeStatus::Failed),
            4 => Some(BakeStatus::Cancelled),
            5 => Some(BakeStatus::Aborted),
            _ => Some(BakeStatus::Succeeded),
        };
        if let Some(status) = status {
            let length = if dice.roll(10) == 0 {
                dice.roll(3 * DAY_MS)
            } else {
                dice.roll(3_600_000)
            };
            let error = (status == BakeStatus::Failed).then_some("provisioner exited 2");
            history
                .finish_bake(&id, status, &rfc3339_ms(start_ms + length), error)
                .unwrap();
        }
        if i % 5 == 0 && i % 3 == 0 {
            history.record_account(&id, account).unwrap();
        }
    }
    // No method deletes or moves a bake; a writer may (by hand, or a later migration).
    history
        .conn()
        .execute_batch(
            "DELETE FROM bakes WHERE id LIKE '%7';
             UPDATE bakes SET template_path = '/ops/moved.json' WHERE id LIKE '%11';
             UPDATE bakes SET started_at = '2026-11-02T12:00:00.000Z' WHERE id IN ('bake-0020', 'bake-0040');
             UPDATE bakes SET status = 'succeeded', finished_at = '2026-11-02T12:30:00.000Z'
             WHERE id = 'bake-0040';",
        )
        .unwrap();
    (dir, history)
}

/// A row of `timeline_days`: the day, template, profile, account, region, status, bakes,
/// first and last start.
type DayRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    i64,
    String,
    String,
);

/// The rollup's rows are those counted from `bakes` now.
fn rollup_is_exact(history: &History) {
    let rows = |sql: &str| -> Vec<DayRow> {
        let conn = history.conn();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
                row.get(7)?,
                row.get(8)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    let kept = rows(
        "SELECT day, template_path, profile, account_id, region, status, bakes, first_started, last_started
         FROM timeline_days ORDER BY 1, 2, 3, 4, 5, 6",
    );
    let counted = rows(
        "SELECT substr(started_at, 1, 10), template_path, profile, account_id, region, status,
                COUNT(*), MIN(started_at), MAX(started_at)
         FROM bakes GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6",
    );
    assert_eq!(kept, counted);
}

fn filtered(lane_by: LaneBy) -> TimelineQuery {
    TimelineQuery {
        lane_by,
        ..TimelineQuery::default()
    }
}

/// Windows with partial and whole days, at midnight, without milliseconds, a day, every
/// time, backwards; bucket counts from one to narrower than a day; every filter and lane.
fn every_query() -> Vec<TimelineQuery> {
    let windows = [
        ("2026-10-01T00:00:00.000Z", "2026-12-31T00:00:00.000Z"),
        ("2026-10-24T13:17:05.250Z", "2026-11-21T05:00:00.000Z"),
        ("2026-10-25T00:00:00.000Z", "2026-11-15T00:00:00.000Z"),
        ("2026-11-01T06:00:00Z", "2026-11-29T18:00:00Z"),
        ("2026-11-03T00:00:00.000Z", "2026-11-04T00:00:00.000Z"),
        ("1970-01-01T00:00:00.000Z", "9999-12-31T23:59:59Z"),
        ("2026-11-20T00:00:00.000Z", "2026-11-10T00:00:00.000Z"),
    ];
    let filters = [
        filtered(LaneBy::Template),
        TimelineQuery {
            status: vec![BakeStatus::Failed],
            ..filtered(LaneBy::Profile)
        },
        TimelineQuery {
            status: vec![BakeStatus::Running, BakeStatus::Aborted],
            ..filtered(LaneBy::Account)
        },
        TimelineQuery {
            template: Some("/ops/web.json".into()),
            ..filtered(LaneBy::Region)
        },
        TimelineQuery {
            template: Some("/ops/moved.json".into()),
            ..filtered(LaneBy::Template)
        },
        TimelineQuery {
            profile: Some("prod".into()),
            ..filtered(LaneBy::Account)
        },
        TimelineQuery {
            region: Some("us-east-1".into()),
            status: vec![BakeStatus::Succeeded, BakeStatus::Cancelled],
            ..filtered(LaneBy::Template)
        },
    ];
    let mut queries = Vec::new();
    for (from, to) in windows {
        for buckets in [1, 3, 7, 35, 240] {
            for filter in &filters {
                for max_bakes in [0, u32::MAX] {
                    queries.push(TimelineQuery {
                        from: from.into(),
                        to: to.into(),
                        buckets,
                        max_bakes,
                        ..filter.clone()
                    });
                }
            }
        }
    }
    queries
}

#[test]
fn a_zoomed_out_window_counts_from_the_rollup_what_the_scan_counts() {
    let (_dir, history) = busy_history();
    rollup_is_exact(&history);
    let mut rolled = 0;
    for query in every_query() {
        let indexed = history.timeline(&query).unwrap();
        assert_eq!(
            indexed,
            history.timeline_scanned(&query).unwrap(),
            "{query:?}"
        );
        let conn = history.conn();
        let counter = Counter::new(&query).unwrap();
        rolled += usize::from(!whole_days(&conn, &query, &counter).unwrap().is_empty());
    }
    assert!(
        rolled > 100,
        "most windows count days from the rollup ({rolled})"
    );

    // The comparison is sharp: without the trigger that follows a status, a bake that ends
    // stays counted as running in its day's row, and the year's clusters say so.
    let year = TimelineQuery {
        from: "2026-10-01T00:00:00.000Z".into(),
        to: "2026-12-31T00:00:00.000Z".into(),
        buckets: 7,
        max_bakes: 0,
        ..TimelineQuery::default()
    };
    let runs = whole_days(&history.conn(), &year, &Counter::new(&year).unwrap()).unwrap();
    let running = history.running_bakes().unwrap();
    let ending = running
        .iter()
        .find(|id| {
            let day = history.bake(id).unwrap().started_at[..10].to_string();
            runs.iter()
                .any(|(first, last)| *first <= day && day <= *last)
        })
        .expect("a bake running on a whole day");
    history
        .conn()
        .execute_batch("DROP TRIGGER timeline_days_bake_changed")
        .unwrap();
    history
        .finish_bake(
            ending,
            BakeStatus::Succeeded,
            "2026-12-01T00:00:00.000Z",
            None,
        )
        .unwrap();
    assert_ne!(
        history.timeline(&year).unwrap(),
        history.timeline_scanned(&year).unwrap()
    );
}

/// Bakes with text worth finding: errors with `%`, `_`, a backslash, quotes and a capital
/// non-ASCII letter; source images; one or two images each, one replaced; one deleted.
fn searched_history() -> (tempfile::TempDir, History) {
    let (dir, history) = store();
    let errors = [
        "Provisioner EXITED 2",
        "timeout: 100% of retries_used",
        "Échec de la copie",
        "a \"quoted\" word",
        "path a\\b not found",
    ];
    for i in 0..300_usize {
        let id = format!("bake-{i:04}");
        let start = format!(
            "2026-11-{:02}T{:02}:{:02}:00.000Z",
            1 + i % 28,
            i % 24,
            i % 60
        );
        history
            .begin_bake(&NewBake {
                id: &id,
                template_path: TEMPLATES[i % 4],
                build_name: Some("amazon-ebs"),
                profile: PROFILES[i % 3],
                region: REGIONS[(i / 6) % 3],
                started_at: &start,
                ..NewBake::default()
            })
            .unwrap();
        if i % 4 != 0 {
            history
                .record_account(&id, ["111111111111", "222222222222"][i % 2])
                .unwrap();
        }
        if i % 3 == 0 {
            history
                .record_source_image(
                    &id,
                    &SourceImage {
                        id: format!("ami-base{:04}", i / 3),
                        name: Some(format!("al2023-ami-2026.{}", i % 12)),
                        ..SourceImage::default()
                    },
                )
                .unwrap();
        }
        for region in &REGIONS[..1 + i % 2] {
            history
                .record_artifact(
                    &id,
                    &Artifact {
                        region: (*region).into(),
                        image_id: image(i, region),
                        ..Artifact::default()
                    },
                )
                .unwrap();
        }
        let (status, error) = match i % 6 {
            0 => (BakeStatus::Failed, Some(errors[(i / 6) % errors.len()])),
            5 => (BakeStatus::Running, None),
            _ => (BakeStatus::Succeeded, None),
        };
        if status != BakeStatus::Running {
            history
                .finish_bake(&id, status, &start.replace(":00.000Z", ":30.000Z"), error)
                .unwrap();
        }
    }
    history
        .record_artifact(
            "bake-0001",
            &Artifact {
                region: "eu-west-1".into(),
                image_id: "ami-replaced".into(),
                ..Artifact::default()
            },
        )
        .unwrap();
    history
        .conn()
        .execute_batch("DELETE FROM bakes WHERE id = 'bake-0002'")
        .unwrap();
    (dir, history)
}

/// The image bake `i` made in `region` (the first two regions only).
fn image(i: usize, region: &str) -> String {
    format!("ami-{:017x}", i * 2 + usize::from(region != REGIONS[0]))
}

#[test]
fn free_text_finds_from_its_index_what_the_scan_finds() {
    let (_dir, history) = searched_history();
    // Every bake, and three days of the 28 (where text held by many is matched row by row).
    const WIDE: (&str, &str) = ("2026-10-01T00:00:00.000Z", "2026-12-31T00:00:00.000Z");
    const NARROW: (&str, &str) = ("2026-11-10T00:00:00.000Z", "2026-11-13T00:00:00.000Z");
    let within = |(from, to): (&str, &str), text: &str, max_bakes: u32| TimelineQuery {
        from: from.into(),
        to: to.into(),
        text: Some(text.into()),
        buckets: 10,
        max_bakes,
        ..TimelineQuery::default()
    };
    let ami = image(49, REGIONS[1]);
    let replaced = image(1, REGIONS[0]);
    let deleted = image(2, REGIONS[0]);
    let searches = [
        "e",
        "eu",
        "1",
        "%",
        "_",
        "\\",
        "100%",
        "retries_used",
        "es_u",
        &ami,
        &ami.to_uppercase(),
        &ami[..ami.len() - 1],
        &replaced,
        &deleted,
        "ami-replaced",
        "us-east-1",
        "exited",
        "  EXITED 2 ",
        "échec",
        "Échec",
        "\"quoted\"",
        "a\\b",
        "us-east-1 provisioner",
        "222222222222",
        "web.json",
        "al2023-ami-2026.3",
        "ami-base0007",
        "bake-0042",
        "no such text",
    ];
    let mut found = HashMap::new();
    for window in [WIDE, NARROW] {
        for text in searches {
            for max_bakes in [0, u32::MAX] {
                let query = within(window, text, max_bakes);
                let indexed = history.timeline(&query).unwrap();
                assert_eq!(
                    indexed,
                    history.timeline_scanned(&query).unwrap(),
                    "{query:?}"
                );
                if window == WIDE {
                    found.insert(text, indexed.total);
                }
            }
        }
    }
    // Each way of matching was taken: among the index's candidates, in each row of a
    // narrow window, in every row and image of a wide one.
    let how = |window, text| FreeText::of(&history.conn(), &within(window, text, 0), text).unwrap();
    assert!(matches!(how(WIDE, "bake-0042"), FreeText::Among(_)));
    assert!(matches!(how(NARROW, "bake-0042"), FreeText::Among(_)));
    assert_eq!(how(NARROW, "web.json"), FreeText::Each);
    assert_eq!(how(NARROW, "e"), FreeText::Each);
    assert_eq!(how(WIDE, "e"), FreeText::Like);
    // What a user checks: an image id in any case, its bake; a replaced image and a
    // deleted bake, nothing; `%` and `_` literally; ASCII case folded, É not (as LIKE).
    assert_eq!(found[ami.as_str()], 1);
    assert_eq!(found[ami.to_uppercase().as_str()], 1);
    assert!(
        found[&ami[..ami.len() - 1]] > 1,
        "a part of an id finds every id holding it"
    );
    assert_eq!(found[replaced.as_str()], 0, "replaced");
    assert_eq!(found[deleted.as_str()], 0, "deleted with its bake");
    assert_eq!(found["ami-replaced"], 1);
    assert_eq!(found["bake-0042"], 1);
    assert_eq!(found["100%"], found["retries_used"]);
    assert!(found["100%"] > 0);
    assert_eq!(found["es_u"], found["retries_used"]);
    assert_eq!(found["%"], found["100%"]);
    assert_eq!(found["exited"], found["  EXITED 2 "]);
    assert!(found["exited"] > 0);
    assert!(found["Échec"] > 0);
    assert_eq!(found["échec"], 0, "LIKE folds ASCII letters only");
    assert!(found["us-east-1 provisioner"] > 0, "across columns");
    assert!(
        found["ami-base0007"] > 0 && found["al2023-ami-2026.3"] > 0,
        "{found:?}"
    );
    assert_eq!(found["no such text"], 0);

    // The comparison is sharp: with the index emptied, a search finds nothing.
    history
        .conn()
        .execute_batch("DELETE FROM bake_text")
        .unwrap();
    let exited = within(WIDE, "exited", 0);
    assert_ne!(
        history.timeline(&exited).unwrap(),
        history.timeline_scanned(&exited).unwrap()
    );
}

#[test]
fn the_search_text_follows_every_write() {
    let (_dir, history) = searched_history();
    let conn = history.conn();
    let kept: Vec<(String, String)> = conn
        .prepare(
            "SELECT k.bake_id, t.text FROM bake_text t JOIN bake_text_keys k ON k.id = t.rowid
             ORDER BY k.bake_id",
        )
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let now: Vec<(String, String)> = conn
        .prepare("SELECT bake_id, text FROM bake_search_text ORDER BY bake_id")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(kept.len(), 299);
    assert_eq!(kept, now);
}

#[test]
fn whole_days_are_those_inside_the_window_and_one_bucket() {
    let (_dir, history) = store();
    for (id, start) in [
        ("a", "2026-11-01T10:00:00.000Z"),
        ("b", "2026-11-30T10:00:00.000Z"),
    ] {
        history
            .begin_bake(&NewBake {
                id,
                region: "eu-west-1",
                started_at: start,
                ..NewBake::default()
            })
            .unwrap();
    }
    let days = |from: &str, to: &str, buckets: u32| {
        let query = TimelineQuery {
            from: from.into(),
            to: to.into(),
            buckets,
            ..TimelineQuery::default()
        };
        whole_days(&history.conn(), &query, &Counter::new(&query).unwrap()).unwrap()
    };
    let run = |first: &str, last: &str| (first.to_string(), last.to_string());
    // The first day starts before the window as text ("2026-11-01" < "2026-11-01T00…");
    // the last one is not whole before the window ends.
    assert_eq!(
        days("2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z", 1),
        [run("2026-11-02", "2026-11-30")]
    );
    assert_eq!(
        days("2026-10-31T23:00:00.000Z", "2026-11-30T12:00:00.000Z", 1),
        [run("2026-11-01", "2026-11-29")]
    );
    // Three buckets of ten days: boundaries at midnight cut no day; else the days holding
    // one are left to the scan.
    assert_eq!(
        days("2026-10-31T00:00:00.000Z", "2026-11-30T00:00:00.000Z", 3),
        [run("2026-11-01", "2026-11-29")]
    );
    assert_eq!(
        days("2026-10-31T06:00:00.000Z", "2026-11-30T06:00:00.000Z", 3),
        [
            run("2026-11-01", "2026-11-09"),
            run("2026-11-11", "2026-11-19"),
            run("2026-11-21", "2026-11-29")
        ]
    );
    // Buckets narrower than a day: no day is whole in one.
    assert!(days("2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z", 60).is_empty());
    assert_eq!(day_after("2026-11-30"), "2026-11-31");
}

#[test]
fn written_times_read_as_humantime_reads_them() {
    let humantime = |at: &str| {
        let time = humantime::parse_rfc3339_weak(at).unwrap();
        i64::try_from(
            time.duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis(),
        )
        .unwrap()
    };
    let mut dice = Dice(11);
    let mut times: Vec<String> = (0..20_000)
        .map(|_| rfc3339_ms(dice.roll(4_200_000_000_000)))
        .collect();
    times.extend(
        [
            "1970-01-01T00:00:00.000Z",
            "2000-02-29T23:59:59.999Z",
            "2024-02-29T12:00:00.000Z",
            "2100-02-28T00:00:00.001Z",
            "2100-03-01T00:00:00.000Z",
            "2026-12-31T23:59:59.999Z",
            "9999-12-31T23:59:59.999Z",
        ]
        .map(String::from),
    );
    for at in &times {
        assert_eq!(written_epoch_ms(at), Some(humantime(at)), "{at}");
    }
    // Anything else is left to humantime: a leap second, no milliseconds, another zone,
    // a day the month lacks.
    for at in [
        "2026-12-31T23:59:60.000Z",
        "2026-12-07T10:00:00Z",
        "2026-12-07T10:00:00.000+00:00",
        "2026-12-07T10:00:00.0000Z",
        "2026-02-29T10:00:00.000Z",
        "2026-13-01T10:00:00.000Z",
        "1969-12-31T23:59:59.999Z",
        "2026-12-07 10:00:00.000Z",
    ] {
        assert_eq!(written_epoch_ms(at), None, "{at}");
    }
    assert_eq!(
        epoch_ms("2026-12-31T23:59:60.000Z").unwrap(),
        humantime("2026-12-31T23:59:59.000Z")
    );
}

#[test]
fn the_newest_only_are_the_last_of_every_bake_one_by_one() {
    let (_dir, history) = busy_history();
    for query in [
        TimelineQuery {
            from: "2026-10-01T00:00:00.000Z".into(),
            to: "2026-12-31T00:00:00.000Z".into(),
            lane_by: LaneBy::Region,
            max_bakes: u32::MAX,
            buckets: 35,
            ..TimelineQuery::default()
        },
        TimelineQuery {
            from: "2026-10-25T13:00:00.000Z".into(),
            to: "9999-12-31T23:59:59Z".into(),
            status: vec![BakeStatus::Failed, BakeStatus::Running],
            max_bakes: u32::MAX,
            buckets: 1,
            ..TimelineQuery::default()
        },
    ] {
        let every = history
            .timeline(&TimelineQuery {
                max_bakes: u32::MAX,
                ..query.clone()
            })
            .unwrap();
        assert!(every.bakes.len() > 60, "{}", every.bakes.len());
        for n in [0, 1, 7, 50, 100_000] {
            let newest = history
                .timeline(&TimelineQuery {
                    max_bakes: 0,
                    newest_only: Some(n),
                    ..query.clone()
                })
                .unwrap();
            let skip = every.bakes.len().saturating_sub(n as usize);
            assert_eq!(newest.bakes, every.bakes[skip..], "newest {n} of {query:?}");
            assert_eq!(newest.total, every.total);
            assert!(newest.clusters.is_empty());
        }
    }
}
