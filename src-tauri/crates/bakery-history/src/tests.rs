use super::*;

const T0: &str = "2026-11-26T10:00:00Z";
const T1: &str = "2026-11-26T10:05:00Z";

fn store() -> (tempfile::TempDir, History) {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open_in(dir.path()).unwrap();
    (dir, history)
}

fn begin(history: &History, id: &str) {
    history
        .begin_bake(&NewBake {
            id,
            region: "eu-west-1",
            started_at: T0,
            template_path: Some("packer.json"),
            ..Default::default()
        })
        .unwrap();
}

#[test]
fn a_bake_is_recorded_from_start_to_finish() {
    let (_dir, history) = store();
    begin(&history, "b1");
    assert_eq!(history.bake("b1").unwrap().status, BakeStatus::Running);
    history
        .finish_bake("b1", BakeStatus::Failed, T1, Some("provisioner exited 2"))
        .unwrap();
    let bake = history.bake("b1").unwrap();
    assert_eq!(bake.status, BakeStatus::Failed);
    assert_eq!(bake.finished_at.as_deref(), Some(T1));
    assert_eq!(bake.error.as_deref(), Some("provisioner exited 2"));
    assert!(matches!(
        history.bake("nope"),
        Err(HistoryError::NoSuchBake(_))
    ));
}

#[test]
fn events_come_back_in_order() {
    let (_dir, history) = store();
    begin(&history, "b1");
    history.append_event("b1", 1, T0, r#"{"a":1}"#).unwrap();
    history.append_event("b1", 0, T0, r#"{"a":0}"#).unwrap();
    let events = history.events("b1").unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [0, 1]);
    assert!(
        history.append_event("b1", 1, T0, "{}").is_err(),
        "seq is unique"
    );
}

#[test]
fn the_ledger_tracks_a_resource_from_intent_to_deletion() {
    let (_dir, history) = store();
    begin(&history, "b1");
    let key = history
        .intend(
            "b1",
            "eu-west-1",
            ResourceKind::KeyPair,
            Some("bakery-b1"),
            T0,
        )
        .unwrap();
    let sg = history
        .intend("b1", "eu-west-1", ResourceKind::SecurityGroup, None, T0)
        .unwrap();
    history.mark_created(sg, "sg-123", T0).unwrap();
    let open = history.open_entries("b1").unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(open[0].state, LedgerState::Intended);
    assert_eq!(open[0].name.as_deref(), Some("bakery-b1"));
    assert_eq!(open[1].resource_id.as_deref(), Some("sg-123"));
    assert_eq!(history.bakes_with_open_entries().unwrap(), ["b1"]);

    history.mark_failed(sg, "DependencyViolation", T1).unwrap();
    history.mark_deleted(key, T1).unwrap();
    let open = history.open_entries("b1").unwrap();
    assert_eq!(open.len(), 1, "a failed delete stays open");
    assert_eq!(
        open[0].resource_id.as_deref(),
        Some("sg-123"),
        "the id survives"
    );
    history.mark_deleted(sg, T1).unwrap();
    assert!(history.open_entries("b1").unwrap().is_empty());
    assert!(history.bakes_with_open_entries().unwrap().is_empty());
    assert_eq!(history.ledger("b1").unwrap().len(), 2);
}

#[test]
fn kept_resources_are_not_open() {
    let (_dir, history) = store();
    begin(&history, "b1");
    let inst = history
        .intend("b1", "eu-west-1", ResourceKind::Instance, None, T0)
        .unwrap();
    history.mark_created(inst, "i-1", T0).unwrap();
    history.mark_kept(inst, "--on-error=abort", T1).unwrap();
    assert!(history.open_entries("b1").unwrap().is_empty());
}

#[test]
fn artifacts_round_trip() {
    let (_dir, history) = store();
    begin(&history, "b1");
    let artifact = Artifact {
        region: "eu-west-1".into(),
        image_id: "ami-1".into(),
        snapshot_ids: vec!["snap-1".into()],
        encrypted: Some(false),
        shared_with: vec!["all".into()],
    };
    history.record_artifact("b1", &artifact).unwrap();
    assert_eq!(history.artifacts("b1").unwrap(), [artifact]);
}

#[test]
fn reopening_keeps_data_and_does_not_rerun_migrations() {
    let dir = tempfile::tempdir().unwrap();
    {
        let history = History::open_in(dir.path()).unwrap();
        begin(&history, "b1");
    }
    let history = History::open_in(dir.path()).unwrap();
    assert_eq!(history.bakes().unwrap().len(), 1);
    let versions: i64 = history
        .conn()
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, migrations::MIGRATIONS.len() as i64);
    let mode: String = history
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_bake_lock_is_exclusive_until_released() {
    let dir = tempfile::tempdir().unwrap();
    let lock = BakeLock::try_claim(dir.path(), "b1")
        .unwrap()
        .expect("free");
    // Another open file description (as another process would have) cannot take it.
    assert!(BakeLock::try_claim(dir.path(), "b1").unwrap().is_none());
    lock.release();
    assert!(BakeLock::try_claim(dir.path(), "b1").unwrap().is_some());
}

/// The first released schema, with a bake recorded the way that version did: the second
/// migration keeps it whole and gives it its steps (from its events) and its regions.
#[test]
fn the_timeline_migration_upgrades_a_first_schema_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations::run_these(&mut conn, &migrations::MIGRATIONS[..1]).unwrap();
        conn.execute_batch(
            r#"INSERT INTO bakes (id, template_path, template_text, build_name, profile, region, status, started_at, finished_at)
               VALUES ('old', 'packer.json', '{"builders":[]}', 'web', 'dev', 'eu-west-1', 'succeeded', '2026-11-26T10:00:00.000Z', '2026-11-26T10:05:00.000Z');
               INSERT INTO bake_events VALUES ('old', 0, '2026-11-26T10:00:00.000Z', '{"type":"bake_started","bake_id":"old","build":"web","region":"eu-west-1"}');
               INSERT INTO bake_events VALUES ('old', 1, '2026-11-26T10:00:00.000Z', '{"type":"step_started","step":"preflight"}');
               INSERT INTO bake_events VALUES ('old', 2, '2026-11-26T10:00:01.500Z', '{"type":"step_finished","step":"preflight","duration_ms":1500}');
               INSERT INTO bake_events VALUES ('old', 3, '2026-11-26T10:00:01.500Z', '{"type":"step_started","step":"provision"}');
               INSERT INTO bake_events VALUES ('old', 4, '2026-11-26T10:04:00.000Z', '{"type":"step_failed","step":"provision","duration_ms":238500,"error":"exit 2"}');
               INSERT INTO artifacts (bake_id, region, image_id) VALUES ('old', 'eu-west-1', 'ami-1');"#,
        )
        .unwrap();
    }
    let history = History::open(&path).unwrap();
    let detail = history.detail("old").unwrap();
    assert_eq!(detail.template_text.as_deref(), Some(r#"{"builders":[]}"#));
    assert_eq!(detail.template_hash, None, "old rows keep their own text");
    assert_eq!(detail.regions, ["eu-west-1"]);
    assert_eq!(detail.variables, serde_json::json!({}));
    let steps: Vec<_> = detail
        .steps
        .iter()
        .map(|s| (s.step.as_str(), s.status, s.duration_ms, s.error.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            ("preflight", StepStatus::Succeeded, Some(1500), None),
            (
                "provision",
                StepStatus::Failed,
                Some(238_500),
                Some("exit 2")
            ),
        ]
    );
    assert_eq!(detail.artifacts[0].encrypted, None);
    assert!(detail.artifacts[0].shared_with.is_empty());
    let applied: i64 = history
        .conn()
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(applied, migrations::MIGRATIONS.len() as i64);
}

/// A history written by the first release (and upgraded by the second migration): the
/// rollup migration counts its bakes per day and indexes their text, and its triggers keep
/// both right from then on.
#[test]
fn the_rollup_migration_counts_and_indexes_a_first_schema_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations::run_these(&mut conn, &migrations::MIGRATIONS[..1]).unwrap();
        for i in 0..60 {
            let start = format!("2026-11-{:02}T{:02}:00:00.000Z", 10 + i / 4, i % 24);
            let (status, end) = match i % 5 {
                0 => ("running", None),
                1 => ("failed", Some(start.replace(":00:00.000Z", ":09:00.000Z"))),
                _ => (
                    "succeeded",
                    Some(start.replace(":00:00.000Z", ":09:00.000Z")),
                ),
            };
            conn.execute(
                "INSERT INTO bakes (id, template_path, build_name, profile, region, status, started_at, finished_at, error)
                 VALUES (?1, ?2, 'web', ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    format!("old-{i:02}"),
                    ["a.json", "b.json", "c.json"][i % 3],
                    ["dev", "prod"][i % 2],
                    ["eu-west-1", "us-east-1"][i % 2],
                    status,
                    start,
                    end,
                    (status == "failed").then_some("Provisioner exited 2"),
                ],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO artifacts (bake_id, region, image_id) VALUES (?1, 'eu-west-1', ?2)",
                rusqlite::params![format!("old-{i:02}"), format!("ami-0old{i:02}")],
            )
            .unwrap();
        }
    }
    let history = History::open(&path).unwrap();
    let (days, counted): (i64, i64) = history
        .conn()
        .query_row("SELECT COUNT(*), SUM(bakes) FROM timeline_days", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(counted, 60);
    assert!(days > 15, "rows per day and lane ({days})");
    let same = |history: &History| {
        for buckets in [1, 3, 15] {
            for max_bakes in [0, 100] {
                let query = TimelineQuery {
                    buckets,
                    max_bakes,
                    ..window("2026-11-09T12:00:00.000Z", "2026-11-30T00:00:00.000Z")
                };
                let timeline = history.timeline(&query).unwrap();
                assert_eq!(timeline.total, 60);
                assert_eq!(timeline, history.timeline_scanned(&query).unwrap());
            }
        }
    };
    same(&history);
    let found = history
        .timeline(&TimelineQuery {
            text: Some("AMI-0OLD42".into()),
            ..window("2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z")
        })
        .unwrap();
    assert_eq!(
        found
            .bakes
            .iter()
            .map(|b| b.bake.id.as_str())
            .collect::<Vec<_>>(),
        ["old-42"]
    );
    // The old running bakes end: the migrated history's triggers follow.
    for id in history.running_bakes().unwrap() {
        history
            .finish_bake(&id, BakeStatus::Cancelled, "2026-11-30T00:00:00.000Z", None)
            .unwrap();
    }
    same(&history);
    let running: i64 = history
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM timeline_days WHERE status = 'running'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(running, 0);
}

fn bake_at(
    history: &History,
    id: &str,
    template: &str,
    text: &str,
    start: &str,
    end: Option<(&str, BakeStatus)>,
) {
    history
        .begin_bake(&NewBake {
            id,
            template_path: Some(template),
            template_text: Some(text),
            build_name: Some("web"),
            profile: Some("dev"),
            region: "eu-west-1",
            regions: &["eu-west-1".into(), "us-east-1".into()],
            variables: Some(r#"{"version":"1.2"}"#),
            host: Some("laptop"),
            started_at: start,
        })
        .unwrap();
    if let Some((end, status)) = end {
        history.finish_bake(id, status, end, None).unwrap();
    }
}

#[test]
fn the_same_template_text_is_stored_once() {
    let (_dir, history) = store();
    bake_at(
        &history,
        "a",
        "web.json",
        "{\"x\":1}",
        "2026-12-01T10:00:00.000Z",
        None,
    );
    bake_at(
        &history,
        "b",
        "web.json",
        "{\"x\":1}",
        "2026-12-01T11:00:00.000Z",
        None,
    );
    bake_at(
        &history,
        "c",
        "web.json",
        "{\"x\":2}",
        "2026-12-01T12:00:00.000Z",
        None,
    );
    let count: i64 = history
        .conn()
        .query_row("SELECT COUNT(*) FROM templates", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 2);
    let a = history.detail("a").unwrap();
    assert_eq!(a.template_hash, history.detail("b").unwrap().template_hash);
    assert_eq!(a.template_text.as_deref(), Some("{\"x\":1}"));
    assert_eq!(a.regions, ["eu-west-1", "us-east-1"]);
    assert_eq!(a.host.as_deref(), Some("laptop"));
    assert_eq!(a.variables["version"], "1.2");
    assert_eq!(history.previous_bake("c").unwrap().as_deref(), Some("b"));
    assert_eq!(history.previous_bake("a").unwrap(), None);
}

#[test]
fn steps_source_image_and_account_are_recorded() {
    let (_dir, history) = store();
    begin(&history, "b1");
    history.step_started("b1", "preflight", T0).unwrap();
    history
        .step_ended("b1", "preflight", StepStatus::Succeeded, T1, 300_000, None)
        .unwrap();
    history.step_started("b1", "launch", T1).unwrap();
    history.record_account("b1", "123456789012").unwrap();
    let source = SourceImage {
        id: "ami-base".into(),
        name: Some("al2023".into()),
        owner: Some("amazon".into()),
        created: Some("2026-11-01T00:00:00.000Z".into()),
    };
    history.record_source_image("b1", &source).unwrap();
    let detail = history.detail("b1").unwrap();
    assert_eq!(detail.account_id.as_deref(), Some("123456789012"));
    assert_eq!(detail.source_image, Some(source));
    assert_eq!(detail.steps.len(), 2);
    assert_eq!(detail.steps[0].duration_ms, Some(300_000));
    assert_eq!(detail.steps[1].status, StepStatus::Running);
    assert_eq!(history.built_from("ami-base").unwrap(), ["b1"]);
}

fn window(from: &str, to: &str) -> TimelineQuery {
    TimelineQuery {
        from: from.into(),
        to: to.into(),
        max_bakes: 100,
        buckets: 10,
        ..TimelineQuery::default()
    }
}

#[test]
fn the_timeline_returns_the_bakes_of_its_window_and_filters_them() {
    let (_dir, history) = store();
    let ok = BakeStatus::Succeeded;
    bake_at(
        &history,
        "early",
        "a.json",
        "1",
        "2026-12-01T08:00:00.000Z",
        Some(("2026-12-01T08:10:00.000Z", ok)),
    );
    bake_at(
        &history,
        "across",
        "b.json",
        "2",
        "2026-12-01T09:55:00.000Z",
        Some(("2026-12-01T10:05:00.000Z", BakeStatus::Failed)),
    );
    bake_at(
        &history,
        "inside",
        "a.json",
        "1",
        "2026-12-01T10:30:00.000Z",
        Some(("2026-12-01T10:40:00.000Z", ok)),
    );
    bake_at(
        &history,
        "running",
        "a.json",
        "1",
        "2026-12-01T06:00:00.000Z",
        None,
    );
    bake_at(
        &history,
        "later",
        "a.json",
        "1",
        "2026-12-01T12:00:00.000Z",
        Some(("2026-12-01T12:10:00.000Z", ok)),
    );
    let ids = |t: &Timeline| {
        t.bakes
            .iter()
            .map(|b| b.bake.id.clone())
            .collect::<Vec<_>>()
    };

    let all = history
        .timeline(&window(
            "2026-12-01T10:00:00.000Z",
            "2026-12-01T11:00:00.000Z",
        ))
        .unwrap();
    assert_eq!(ids(&all), ["running", "across", "inside"]);
    assert_eq!(all.lanes, ["a.json", "b.json"]);
    assert_eq!(all.total, 3);
    assert_eq!(all.newest.as_deref(), Some("2026-12-01T12:00:00.000Z"));
    // The widest window `history list` asks for: every bake.
    let ever = history
        .timeline(&window("1970-01-01T00:00:00.000Z", "9999-12-31T23:59:59Z"))
        .unwrap();
    assert_eq!(ever.total, 5);

    let failed = history
        .timeline(&TimelineQuery {
            status: vec![BakeStatus::Failed],
            ..window("2026-12-01T00:00:00.000Z", "2026-12-02T00:00:00.000Z")
        })
        .unwrap();
    assert_eq!(ids(&failed), ["across"]);

    history
        .record_artifact(
            "inside",
            &Artifact {
                region: "eu-west-1".into(),
                image_id: "ami-0inside".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let by_image = history
        .timeline(&TimelineQuery {
            text: Some("0INSIDE".into()),
            ..window("2026-12-01T00:00:00.000Z", "2026-12-02T00:00:00.000Z")
        })
        .unwrap();
    assert_eq!(
        ids(&by_image),
        ["inside"],
        "free text finds a produced image, any case"
    );
    let by_percent = history
        .timeline(&TimelineQuery {
            text: Some("%".into()),
            ..window("2026-12-01T00:00:00.000Z", "2026-12-02T00:00:00.000Z")
        })
        .unwrap();
    assert!(
        by_percent.bakes.is_empty(),
        "a % is a literal, not a wildcard"
    );

    let by_region = history
        .timeline(&TimelineQuery {
            lane_by: LaneBy::Region,
            template: Some("a.json".into()),
            ..window("2026-12-01T00:00:00.000Z", "2026-12-02T00:00:00.000Z")
        })
        .unwrap();
    assert_eq!(by_region.lanes, ["eu-west-1"]);
    assert_eq!(by_region.total, 4);
}

#[test]
fn a_crowded_window_comes_back_as_clusters_per_lane_and_bucket() {
    let (_dir, history) = store();
    for i in 0..30 {
        let template = if i % 3 == 0 { "b.json" } else { "a.json" };
        let status = if i % 5 == 0 {
            BakeStatus::Failed
        } else {
            BakeStatus::Succeeded
        };
        let start = format!("2026-12-01T{:02}:{:02}:00.000Z", i / 6, (i % 6) * 10);
        let end = format!("2026-12-01T{:02}:{:02}:30.000Z", i / 6, (i % 6) * 10);
        bake_at(
            &history,
            &format!("b{i:02}"),
            template,
            "t",
            &start,
            Some((&end, status)),
        );
    }
    let query = TimelineQuery {
        max_bakes: 10,
        buckets: 5,
        ..window("2026-12-01T00:00:00.000Z", "2026-12-01T05:00:00.000Z")
    };
    let timeline = history.timeline(&query).unwrap();
    assert!(timeline.bakes.is_empty());
    assert_eq!(timeline.total, 30);
    assert_eq!(timeline.clusters.iter().map(|c| c.count).sum::<u32>(), 30);
    assert_eq!(timeline.clusters.iter().map(|c| c.failed).sum::<u32>(), 6);
    // Two lanes, five one-hour buckets each.
    assert_eq!(timeline.clusters.len(), 10);
    let first = &timeline.clusters[0];
    assert_eq!((first.lane.as_str(), first.count), ("a.json", 4));
    assert_eq!(first.from, "2026-12-01T00:10:00.000Z");
    assert_eq!(first.to, "2026-12-01T00:50:00.000Z");
}

#[test]
fn prune_drops_old_events_but_keeps_summaries_and_open_ledger_rows() {
    let (_dir, history) = store();
    bake_at(
        &history,
        "old",
        "a.json",
        "t",
        "2026-10-01T10:00:00.000Z",
        Some(("2026-10-01T10:10:00.000Z", BakeStatus::Succeeded)),
    );
    bake_at(
        &history,
        "leaky",
        "a.json",
        "t",
        "2026-10-02T10:00:00.000Z",
        Some(("2026-10-02T10:10:00.000Z", BakeStatus::Failed)),
    );
    bake_at(
        &history,
        "new",
        "a.json",
        "t",
        "2026-12-01T10:00:00.000Z",
        Some(("2026-12-01T10:10:00.000Z", BakeStatus::Succeeded)),
    );
    for id in ["old", "leaky", "new"] {
        history.append_event(id, 0, T0, "{}").unwrap();
        history.append_event(id, 1, T0, "{}").unwrap();
        history.step_started(id, "preflight", T0).unwrap();
    }
    let entry = history
        .intend("leaky", "eu-west-1", ResourceKind::Instance, None, T0)
        .unwrap();
    history.mark_created(entry, "i-1", T0).unwrap();

    let report = history.prune("2026-11-01T00:00:00.000Z").unwrap();
    assert_eq!(
        report,
        PruneReport {
            bakes: 1,
            events: 2
        }
    );
    assert!(history.events("old").unwrap().is_empty());
    assert_eq!(
        history.events("leaky").unwrap().len(),
        2,
        "open resources keep their bake whole"
    );
    assert_eq!(history.events("new").unwrap().len(), 2);
    let old = history.detail("old").unwrap();
    assert_eq!(old.bake.status, BakeStatus::Succeeded);
    assert_eq!(old.steps.len(), 1);
    assert_eq!(old.template_text.as_deref(), Some("t"));
    assert_eq!(history.open_entries("leaky").unwrap().len(), 1);
}

#[test]
fn an_export_imports_whole_elsewhere_and_never_twice() {
    let (_dir, history) = store();
    bake_at(
        &history,
        "done",
        "a.json",
        "{\"a\":1}",
        T0,
        Some((T1, BakeStatus::Failed)),
    );
    bake_at(&history, "going", "a.json", "{\"a\":1}", T1, None);
    history
        .append_event("done", 0, T0, r#"{"type":"note","text":"hi"}"#)
        .unwrap();
    history.step_started("done", "preflight", T0).unwrap();
    let entry = history
        .intend("done", "eu-west-1", ResourceKind::Instance, None, T0)
        .unwrap();
    history.mark_created(entry, "i-leak", T0).unwrap();
    history
        .record_artifact(
            "done",
            &Artifact {
                region: "eu-west-1".into(),
                image_id: "ami-1".into(),
                snapshot_ids: vec!["snap-1".into()],
                encrypted: Some(true),
                shared_with: vec!["111122223333".into()],
            },
        )
        .unwrap();
    let mut lines = Vec::new();
    let count = history
        .export(None, |bake| {
            lines.push(serde_json::to_string(&bake).unwrap());
            Ok(())
        })
        .unwrap();
    assert_eq!(count, 1, "a running bake is not exported");

    let (_dir2, other) = store();
    let bake: ExportedBake = serde_json::from_str(&lines[0]).unwrap();
    assert!(other.import(&bake).unwrap());
    assert!(
        !other.import(&bake).unwrap(),
        "the same bake twice is skipped"
    );
    let mut original = history.detail("done").unwrap();
    let imported = other.detail("done").unwrap();
    assert_eq!(imported.ledger[0].state, LedgerState::Kept);
    assert_eq!(
        imported.ledger[0].note.as_deref(),
        Some(transfer::IMPORTED_OPEN_NOTE)
    );
    assert!(
        other.bakes_with_open_entries().unwrap().is_empty(),
        "nothing to clean up here"
    );
    original.ledger = imported.ledger.clone();
    assert_eq!(imported, original);
    assert_eq!(
        other.events("done").unwrap(),
        history.events("done").unwrap()
    );
}

#[test]
fn a_short_id_finds_its_bake() {
    let (_dir, history) = store();
    begin(&history, "4f2a9c31-aaaa");
    begin(&history, "4f2b0000-bbbb");
    assert_eq!(history.resolve("4f2a").unwrap(), "4f2a9c31-aaaa");
    assert!(
        matches!(history.resolve("4f2"), Err(HistoryError::NoSuchBake(_))),
        "too short"
    );
    assert!(matches!(
        history.resolve("4f2a9c31-aaaa").as_deref(),
        Ok("4f2a9c31-aaaa")
    ));
    let err = history
        .resolve("4f2a")
        .map(|_| ())
        .and(history.resolve("4f20"));
    assert!(err.is_err());
    begin(&history, "4f2a9c31-cccc");
    assert!(matches!(
        history.resolve("4f2a"),
        Err(HistoryError::AmbiguousId { .. })
    ));
}

/// A bake and `history list` opening a new history at the same moment: each migration runs
/// once, and every opener gets a migrated store.
#[test]
fn several_processes_opening_a_new_history_at_once_all_get_it_migrated() {
    for _ in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DATABASE_FILE);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    History::open(&path).map(|_| ())
                })
            })
            .collect();
        for opener in openers {
            opener.join().unwrap().unwrap();
        }
        let history = History::open(&path).unwrap();
        let versions: i64 = history
            .conn()
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(versions, migrations::MIGRATIONS.len() as i64);
    }
}
