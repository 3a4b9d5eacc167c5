//! Moving bakes between histories (export to JSON lines, import them elsewhere) and
//! keeping a history small (prune drops old bakes' events, never their summary, steps,
//! artifacts or open ledger rows).

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::{
    BakeDetail, History, HistoryError, LedgerState, StoredEvent, json_text, store_template,
};

/// One line of an export: a finished bake whole, with its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedBake {
    /// The bake.
    #[serde(flatten)]
    pub detail: BakeDetail,
    /// Its events, in order.
    pub events: Vec<StoredEvent>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Bakes added.
    pub imported: u32,
    /// Bakes already in this history (left as they are).
    pub skipped: u32,
}

/// What a prune did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Bakes whose events were dropped.
    pub bakes: u32,
    /// Events dropped.
    pub events: u64,
}

/// Why an open row of an imported ledger is closed here: cleanup belongs to the history
/// (and the credentials) it came from.
pub const IMPORTED_OPEN_NOTE: &str = "open in the history this bake was imported from: clean it up there, or run `bakery cleanup --sweep` in its account";

impl History {
    /// The finished bakes that started at or after `since` (all when `None`), oldest first,
    /// each handed to `each` whole (streamed: one bake in memory at a time).
    pub fn export(
        &self,
        since: Option<&str>,
        mut each: impl FnMut(ExportedBake) -> Result<(), HistoryError>,
    ) -> Result<u32, HistoryError> {
        let ids: Vec<String> = {
            let conn = self.conn();
            let mut stmt = conn.prepare(
                "SELECT id FROM bakes WHERE status != 'running' AND (?1 IS NULL OR started_at >= ?1)
                 ORDER BY started_at, id",
            )?;
            stmt.query_map(params![since], |row| row.get(0))?
                .collect::<Result<_, _>>()?
        };
        let mut count = 0;
        for id in ids {
            each(ExportedBake {
                detail: self.detail(&id)?,
                events: self.events(&id)?,
            })?;
            count += 1;
        }
        Ok(count)
    }

    /// Adds an exported bake, unless this history has its id already (then it is left as
    /// it is). Ledger rows still open in the exporting history are recorded as kept, with
    /// [`IMPORTED_OPEN_NOTE`]: this history never cleans up another's resources.
    pub fn import(&self, bake: &ExportedBake) -> Result<bool, HistoryError> {
        let detail = &bake.detail;
        let record = &detail.bake;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM bakes WHERE id = ?1)",
            params![record.id],
            |row| row.get(0),
        )?;
        if exists {
            return Ok(false);
        }
        let hash = detail
            .template_text
            .as_deref()
            .map(|text| store_template(&tx, text))
            .transpose()?;
        let source = detail.source_image.as_ref();
        tx.execute(
            "INSERT INTO bakes (id, template_path, template_hash, build_name, profile, region, regions,
                                variables, host, account_id, status, started_at, finished_at, error,
                                source_image_id, source_image_name, source_image_owner, source_image_created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            params![
                record.id,
                record.template_path,
                hash,
                record.build_name,
                record.profile,
                record.region,
                json_text(&detail.regions)?,
                json_text(&detail.variables)?,
                detail.host,
                detail.account_id,
                record.status.as_str(),
                record.started_at,
                record.finished_at,
                record.error,
                source.map(|s| &s.id),
                source.and_then(|s| s.name.as_ref()),
                source.and_then(|s| s.owner.as_ref()),
                source.and_then(|s| s.created.as_ref()),
            ],
        )?;
        // Cached statements: a bake brings a hundred log lines or more, each one insert.
        let mut insert_step = tx.prepare_cached(
            "INSERT INTO bake_steps (bake_id, step, started_at, finished_at, status, duration_ms, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for step in &detail.steps {
            insert_step.execute(params![
                record.id,
                step.step,
                step.started_at,
                step.finished_at,
                step.status.as_str(),
                step.duration_ms,
                step.error
            ])?;
        }
        drop(insert_step);
        let mut insert_event = tx.prepare_cached(
            "INSERT INTO bake_events (bake_id, seq, at, event) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for event in &bake.events {
            insert_event.execute(params![record.id, event.seq, event.at, event.event])?;
        }
        drop(insert_event);
        let mut insert_artifact = tx.prepare_cached(
            "INSERT INTO artifacts (bake_id, region, image_id, snapshot_ids, encrypted, shared_with)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for artifact in &detail.artifacts {
            insert_artifact.execute(params![
                record.id,
                artifact.region,
                artifact.image_id,
                json_text(&artifact.snapshot_ids)?,
                artifact.encrypted,
                json_text(&artifact.shared_with)?
            ])?;
        }
        drop(insert_artifact);
        let at = record.finished_at.as_deref().unwrap_or(&record.started_at);
        for entry in &detail.ledger {
            let open = matches!(
                entry.state,
                LedgerState::Intended | LedgerState::Created | LedgerState::Failed
            );
            let (state, note) = if open {
                (LedgerState::Kept, Some(IMPORTED_OPEN_NOTE.to_string()))
            } else {
                (entry.state, entry.note.clone())
            };
            tx.execute(
                "INSERT INTO ledger (bake_id, region, kind, name, resource_id, state, note, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![
                    record.id,
                    entry.region,
                    entry.kind.as_str(),
                    entry.name,
                    entry.resource_id,
                    state.as_str(),
                    note,
                    at
                ],
            )?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Drops the events (log lines included) of bakes that finished before `before` and
    /// have nothing left to clean up. Their summary, steps, template, artifacts and ledger
    /// stay: the timeline, the trends and the lineage still show them.
    pub fn prune(&self, before: &str) -> Result<PruneReport, HistoryError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS prune_ids (id TEXT PRIMARY KEY); DELETE FROM prune_ids;",
        )?;
        tx.execute(
            "INSERT INTO prune_ids (id)
             SELECT b.id FROM bakes b
             WHERE b.status != 'running' AND b.finished_at < ?1
               AND EXISTS (SELECT 1 FROM bake_events e WHERE e.bake_id = b.id)
               AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.bake_id = b.id
                               AND l.state IN ('intended', 'created', 'failed'))",
            params![before],
        )?;
        let bakes: i64 = tx.query_row("SELECT COUNT(*) FROM prune_ids", [], |row| row.get(0))?;
        let events = tx.execute(
            "DELETE FROM bake_events WHERE bake_id IN (SELECT id FROM prune_ids)",
            [],
        )?;
        tx.execute("DELETE FROM prune_ids", [])?;
        tx.commit()?;
        Ok(PruneReport {
            bakes: u32::try_from(bakes).unwrap_or(u32::MAX),
            events: events as u64,
        })
    }
}
