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
    assert_eq!(versions, 1);
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
