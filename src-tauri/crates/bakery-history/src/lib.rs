//! The history store: one SQLite file (WAL) in the data directory holding every bake, its
//! event stream, its artifacts, and the ledger of cloud resources.
//!
//! Ledger invariant: a row is written (`intended`) BEFORE the resource is created, updated
//! with the resource id once it exists (`created`), and closed (`deleted` or `kept`) only
//! after cleanup succeeded or the user asked to keep it. Open rows of a bake whose process is
//! gone (see [`BakeLock`]) are what start-up cleanup consumes.

#![warn(missing_docs)]

mod error;
mod lock;
mod migrations;
mod timeline;
mod transfer;
mod window;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

pub use error::HistoryError;
pub use lock::BakeLock;
pub use timeline::{
    BakeDetail, LaneBy, StepTimes, Timeline, TimelineBake, TimelineCluster, TimelineQuery,
};
pub use transfer::{ExportedBake, ImportReport, PruneReport};

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "history.sqlite3";

/// How a bake ended (or that it has not): the status of its row, and the outcome its
/// last event reports (the engine re-exports it as `BakeOutcome`).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BakeStatus {
    /// Started, not finished (or its process died; start-up recovery finds out).
    Running,
    /// Every step succeeded and cleanup left nothing.
    Succeeded,
    /// A step failed (and cleanup ran), or cleanup left something.
    Failed,
    /// Cancelled by the user (and cleanup ran).
    Cancelled,
    /// Failed with `--on-error=abort`: resources were kept on purpose (and are in the ledger).
    Aborted,
}

impl BakeStatus {
    /// The stored (and serialized) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Aborted => "aborted",
        }
    }

    fn parse(text: &str) -> Result<Self, HistoryError> {
        Ok(match text {
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            "aborted" => Self::Aborted,
            other => return Err(HistoryError::Corrupt(format!("bake status {other:?}"))),
        })
    }
}

/// The kinds of cloud resource a bake creates.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// A temporary EC2 key pair.
    KeyPair,
    /// A temporary security group.
    SecurityGroup,
    /// The source instance.
    Instance,
    /// An image (AMI): the bake's product, or an intermediate one.
    Image,
    /// An image's EBS snapshot.
    Snapshot,
    /// A temporary VPC.
    Vpc,
    /// A temporary VPC's subnet.
    Subnet,
    /// A temporary VPC's internet gateway.
    InternetGateway,
    /// A temporary VPC's route table.
    RouteTable,
    /// The launch template a spot instance's EC2 Fleet request launches from.
    LaunchTemplate,
}

impl ResourceKind {
    /// Every kind.
    pub const ALL: [ResourceKind; 10] = [
        Self::KeyPair,
        Self::SecurityGroup,
        Self::Instance,
        Self::Image,
        Self::Snapshot,
        Self::Vpc,
        Self::Subnet,
        Self::InternetGateway,
        Self::RouteTable,
        Self::LaunchTemplate,
    ];

    /// The stored (and serialized) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KeyPair => "key_pair",
            Self::SecurityGroup => "security_group",
            Self::Instance => "instance",
            Self::Image => "image",
            Self::Snapshot => "snapshot",
            Self::Vpc => "vpc",
            Self::Subnet => "subnet",
            Self::InternetGateway => "internet_gateway",
            Self::RouteTable => "route_table",
            Self::LaunchTemplate => "launch_template",
        }
    }

    fn parse(text: &str) -> Result<Self, HistoryError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| HistoryError::Corrupt(format!("resource kind {text:?}")))
    }
}

/// Where a ledger row stands.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerState {
    /// About to be created; the id may not be known (the create call may or may not have
    /// reached EC2), so cleanup also searches by the `bakery:bake-id` tag or the name.
    Intended,
    /// Created: the id is known.
    Created,
    /// Deleted by cleanup.
    Deleted,
    /// Left on purpose (`--on-error=abort`, or the bake's output image).
    Kept,
    /// Cleanup tried and failed; `note` says why.
    Failed,
}

impl LedgerState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Intended => "intended",
            Self::Created => "created",
            Self::Deleted => "deleted",
            Self::Kept => "kept",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<Self, HistoryError> {
        Ok(match text {
            "intended" => Self::Intended,
            "created" => Self::Created,
            "deleted" => Self::Deleted,
            "kept" => Self::Kept,
            "failed" => Self::Failed,
            other => return Err(HistoryError::Corrupt(format!("ledger state {other:?}"))),
        })
    }
}

/// One ledger row.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The row's id.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub id: i64,
    /// The bake that made it.
    pub bake_id: String,
    /// The region it is in.
    pub region: String,
    /// What it is.
    pub kind: ResourceKind,
    /// A name known before creation (key pair name, security group name).
    pub name: Option<String>,
    /// Its EC2 id, once the create call answered.
    pub resource_id: Option<String>,
    /// Where it stands.
    pub state: LedgerState,
    /// Why it was kept, or why cleanup failed.
    pub note: Option<String>,
}

/// A bake as the history records it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BakeRecord {
    /// The bake id.
    pub id: String,
    /// The template file baked, when there was one.
    pub template_path: Option<String>,
    /// The build (builder name) baked.
    pub build_name: Option<String>,
    /// The AWS profile used.
    pub profile: Option<String>,
    /// The build region.
    pub region: String,
    /// How it ended, or that it has not.
    pub status: BakeStatus,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it finished (RFC 3339).
    pub finished_at: Option<String>,
    /// What went wrong, when something did.
    pub error: Option<String>,
}

/// What is known when a bake starts.
#[derive(Debug, Clone, Default)]
pub struct NewBake<'a> {
    /// The bake id.
    pub id: &'a str,
    /// The template file, when there is one.
    pub template_path: Option<&'a str>,
    /// The template as baked (secrets redacted).
    pub template_text: Option<&'a str>,
    /// The build (builder name).
    pub build_name: Option<&'a str>,
    /// The AWS profile.
    pub profile: Option<&'a str>,
    /// The build region.
    pub region: &'a str,
    /// Every region the bake makes an image in (the build region first).
    pub regions: &'a [String],
    /// The variables' values given for the bake, a JSON object (sensitive ones redacted).
    pub variables: Option<&'a str>,
    /// The machine the bake ran on.
    pub host: Option<&'a str>,
    /// When it starts (RFC 3339).
    pub started_at: &'a str,
}

/// The image a bake started from.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceImage {
    /// Its AMI id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its owner (an alias such as `amazon`, or the account id).
    pub owner: Option<String>,
    /// When it was made (EC2's timestamp).
    pub created: Option<String>,
}

/// Where a step of a bake stands.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Started, not ended.
    Running,
    /// Ended well.
    Succeeded,
    /// Failed.
    Failed,
    /// Cut by a cancel.
    Cancelled,
}

impl StepStatus {
    /// The stored (and serialized) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Result<Self, HistoryError> {
        Ok(match text {
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            other => return Err(HistoryError::Corrupt(format!("step status {other:?}"))),
        })
    }
}

/// One step of a bake as the history records it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step's stored name (`source_image`, `provision`, ...).
    pub step: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it ended (RFC 3339).
    pub finished_at: Option<String>,
    /// Where it stands.
    pub status: StepStatus,
    /// How long it ran, once it ended.
    #[cfg_attr(feature = "specta", specta(type = Option<u32>))]
    pub duration_ms: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
}

/// One stored event of a bake (the event itself is the engine's JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Its place in the bake's stream.
    pub seq: i64,
    /// When it happened (RFC 3339).
    pub at: String,
    /// The event as the engine serialized it (JSON).
    pub event: String,
}

/// An artifact: the image a bake produced in one region.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// The region the image is in.
    pub region: String,
    /// The image (AMI) id.
    pub image_id: String,
    /// Its snapshots.
    pub snapshot_ids: Vec<String>,
    /// Whether its volumes are encrypted (unknown for bakes recorded before this was kept).
    #[serde(default)]
    pub encrypted: Option<bool>,
    /// The accounts (and `all` for public) it is shared with.
    #[serde(default)]
    pub shared_with: Vec<String>,
}

/// The history database. Cheap to share (`Arc<History>`): calls are serialized inside.
pub struct History {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History").field("path", &self.path).finish()
    }
}

impl History {
    /// Opens (creating and migrating if needed) `history.sqlite3` in `data_dir`.
    pub fn open_in(data_dir: &Path) -> Result<Self, HistoryError> {
        Self::open(&data_dir.join(DATABASE_FILE))
    }

    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let open_err = |source| HistoryError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        // First: another opener may be migrating (holding the write lock) this moment.
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        // Turning WAL on takes the file's exclusive lock without waiting for it (SQLite
        // calls no busy handler there): try again while another opener holds the file.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                done => break done.map_err(open_err)?,
            }
        }
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        // A row an INSERT OR REPLACE replaces fires its delete triggers: the timeline's
        // rollup and search text (kept by triggers) then see it go.
        conn.pragma_update(None, "recursive_triggers", "ON")
            .map_err(open_err)?;
        // 32 MiB of pages (SQLite's default is 2): a year's window of 100,000 bakes reads
        // about 30 MiB of rows and index, which then stay in memory between questions.
        conn.pragma_update(None, "cache_size", "-32768")
            .map_err(open_err)?;
        migrations::run(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a bake that starts (`running`). The template as baked is stored once per
    /// distinct text (content-addressed by its SHA-256).
    pub fn begin_bake(&self, bake: &NewBake<'_>) -> Result<(), HistoryError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let hash = bake
            .template_text
            .map(|text| store_template(&tx, text))
            .transpose()?;
        let regions = if bake.regions.is_empty() {
            json_text(&[bake.region])?
        } else {
            json_text(bake.regions)?
        };
        tx.execute(
            "INSERT INTO bakes (id, template_path, template_hash, build_name, profile, region, regions, variables, host, status, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'running', ?10)",
            params![
                bake.id,
                bake.template_path,
                hash,
                bake.build_name,
                bake.profile,
                bake.region,
                regions,
                bake.variables.unwrap_or("{}"),
                bake.host,
                bake.started_at
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records the account a bake runs in (preflight learns it).
    pub fn record_account(&self, bake_id: &str, account_id: &str) -> Result<(), HistoryError> {
        self.conn().execute(
            "UPDATE bakes SET account_id = ?2 WHERE id = ?1",
            params![bake_id, account_id],
        )?;
        Ok(())
    }

    /// Records the image a bake starts from.
    pub fn record_source_image(
        &self,
        bake_id: &str,
        image: &SourceImage,
    ) -> Result<(), HistoryError> {
        self.conn().execute(
            "UPDATE bakes SET source_image_id = ?2, source_image_name = ?3, source_image_owner = ?4, source_image_created = ?5
             WHERE id = ?1",
            params![bake_id, image.id, image.name, image.owner, image.created],
        )?;
        Ok(())
    }

    /// Records that a step of a bake started.
    pub fn step_started(&self, bake_id: &str, step: &str, at: &str) -> Result<(), HistoryError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO bake_steps (bake_id, step, started_at, status) VALUES (?1, ?2, ?3, 'running')",
            params![bake_id, step, at],
        )?;
        Ok(())
    }

    /// Records how a step of a bake ended.
    pub fn step_ended(
        &self,
        bake_id: &str,
        step: &str,
        status: StepStatus,
        at: &str,
        duration_ms: u64,
        error: Option<&str>,
    ) -> Result<(), HistoryError> {
        self.conn().execute(
            "UPDATE bake_steps SET finished_at = ?3, status = ?4, duration_ms = ?5, error = ?6
             WHERE bake_id = ?1 AND step = ?2",
            params![
                bake_id,
                step,
                at,
                status.as_str(),
                i64::try_from(duration_ms).unwrap_or(i64::MAX),
                error
            ],
        )?;
        Ok(())
    }

    /// A bake's steps, in the order they started.
    pub fn steps(&self, bake_id: &str) -> Result<Vec<StepRecord>, HistoryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT step, started_at, finished_at, status, duration_ms, error FROM bake_steps
             WHERE bake_id = ?1 ORDER BY started_at, rowid",
        )?;
        let rows = stmt.query_map(params![bake_id], |row| {
            Ok((
                StepRecord {
                    step: row.get(0)?,
                    started_at: row.get(1)?,
                    finished_at: row.get(2)?,
                    status: StepStatus::Running,
                    duration_ms: row.get(4)?,
                    error: row.get(5)?,
                },
                row.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (step, status) = row?;
            Ok(StepRecord {
                status: StepStatus::parse(&status)?,
                ..step
            })
        })
        .collect()
    }

    /// Records how a bake ended, when, and what went wrong.
    pub fn finish_bake(
        &self,
        id: &str,
        status: BakeStatus,
        at: &str,
        error: Option<&str>,
    ) -> Result<(), HistoryError> {
        let changed = self.conn().execute(
            "UPDATE bakes SET status = ?2, finished_at = ?3, error = ?4 WHERE id = ?1",
            params![id, status.as_str(), at, error],
        )?;
        if changed == 0 {
            return Err(HistoryError::NoSuchBake(id.to_string()));
        }
        Ok(())
    }

    /// One bake by id.
    pub fn bake(&self, id: &str) -> Result<BakeRecord, HistoryError> {
        self.conn()
            .query_row(
                &format!("{BAKE_COLUMNS} WHERE id = ?1"),
                params![id],
                bake_from_row,
            )
            .optional()?
            .ok_or_else(|| HistoryError::NoSuchBake(id.to_string()))?
    }

    /// Every bake, newest first.
    pub fn bakes(&self) -> Result<Vec<BakeRecord>, HistoryError> {
        self.recent_bakes(usize::MAX)
    }

    /// The newest `limit` bakes, newest first.
    pub fn recent_bakes(&self, limit: usize) -> Result<Vec<BakeRecord>, HistoryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "{BAKE_COLUMNS} ORDER BY started_at DESC, id LIMIT ?1"
        ))?;
        let rows = stmt.query_map(
            params![i64::try_from(limit).unwrap_or(i64::MAX)],
            bake_from_row,
        )?;
        rows.map(|row| row?).collect()
    }

    /// Stores one event of a bake's stream.
    pub fn append_event(
        &self,
        bake_id: &str,
        seq: i64,
        at: &str,
        event_json: &str,
    ) -> Result<(), HistoryError> {
        self.conn().execute(
            "INSERT INTO bake_events (bake_id, seq, at, event) VALUES (?1, ?2, ?3, ?4)",
            params![bake_id, seq, at, event_json],
        )?;
        Ok(())
    }

    /// A bake's events, in order.
    pub fn events(&self, bake_id: &str) -> Result<Vec<StoredEvent>, HistoryError> {
        self.events_after(bake_id, -1)
    }

    /// A bake's events after the one numbered `seq`, in order (a follower's next batch).
    pub fn events_after(&self, bake_id: &str, seq: i64) -> Result<Vec<StoredEvent>, HistoryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT seq, at, event FROM bake_events WHERE bake_id = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![bake_id, seq], |row| {
            Ok(StoredEvent {
                seq: row.get(0)?,
                at: row.get(1)?,
                event: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records an image a bake produced.
    pub fn record_artifact(&self, bake_id: &str, artifact: &Artifact) -> Result<(), HistoryError> {
        let snapshots = serde_json::to_string(&artifact.snapshot_ids)
            .map_err(|e| HistoryError::Corrupt(e.to_string()))?;
        self.conn().execute(
            "INSERT OR REPLACE INTO artifacts (bake_id, region, image_id, snapshot_ids, encrypted, shared_with)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                bake_id,
                artifact.region,
                artifact.image_id,
                snapshots,
                artifact.encrypted,
                json_text(&artifact.shared_with)?
            ],
        )?;
        Ok(())
    }

    /// The images a bake produced.
    pub fn artifacts(&self, bake_id: &str) -> Result<Vec<Artifact>, HistoryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT region, image_id, snapshot_ids, encrypted, shared_with FROM artifacts WHERE bake_id = ?1 ORDER BY region",
        )?;
        let rows = stmt.query_map(params![bake_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<bool>>(3)?,
                row.get::<_, String>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (region, image_id, snapshots, encrypted, shared_with) = row?;
            Ok(Artifact {
                region,
                image_id,
                snapshot_ids: from_json_text(&snapshots)?,
                encrypted,
                shared_with: from_json_text(&shared_with)?,
            })
        })
        .collect()
    }

    /// Writes the intent to create a resource; returns the ledger row's id.
    pub fn intend(
        &self,
        bake_id: &str,
        region: &str,
        kind: ResourceKind,
        name: Option<&str>,
        at: &str,
    ) -> Result<i64, HistoryError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO ledger (bake_id, region, kind, name, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'intended', ?5, ?5)",
            params![bake_id, region, kind.as_str(), name, at],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// The resource exists: record its id.
    pub fn mark_created(
        &self,
        entry: i64,
        resource_id: &str,
        at: &str,
    ) -> Result<(), HistoryError> {
        self.update_entry(entry, LedgerState::Created, Some(resource_id), None, at)
    }

    /// The resource is gone (deleted by cleanup, or found not to exist).
    pub fn mark_deleted(&self, entry: i64, at: &str) -> Result<(), HistoryError> {
        self.update_entry(entry, LedgerState::Deleted, None, None, at)
    }

    /// The resource is left on purpose.
    pub fn mark_kept(&self, entry: i64, note: &str, at: &str) -> Result<(), HistoryError> {
        self.update_entry(entry, LedgerState::Kept, None, Some(note), at)
    }

    /// Cleanup failed; `note` says why. The row stays open for the next cleanup.
    pub fn mark_failed(&self, entry: i64, note: &str, at: &str) -> Result<(), HistoryError> {
        self.update_entry(entry, LedgerState::Failed, None, Some(note), at)
    }

    fn update_entry(
        &self,
        entry: i64,
        state: LedgerState,
        resource_id: Option<&str>,
        note: Option<&str>,
        at: &str,
    ) -> Result<(), HistoryError> {
        self.conn().execute(
            "UPDATE ledger SET state = ?2, resource_id = COALESCE(?3, resource_id), note = ?4, updated_at = ?5
             WHERE id = ?1",
            params![entry, state.as_str(), resource_id, note, at],
        )?;
        Ok(())
    }

    /// Rows of a bake still to clean: intended, created or failed.
    pub fn open_entries(&self, bake_id: &str) -> Result<Vec<LedgerEntry>, HistoryError> {
        self.entries_where(
            "bake_id = ?1 AND state IN ('intended', 'created', 'failed')",
            bake_id,
        )
    }

    /// Every row of a bake.
    pub fn ledger(&self, bake_id: &str) -> Result<Vec<LedgerEntry>, HistoryError> {
        self.entries_where("bake_id = ?1", bake_id)
    }

    fn entries_where(
        &self,
        condition: &str,
        bake_id: &str,
    ) -> Result<Vec<LedgerEntry>, HistoryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT id, bake_id, region, kind, name, resource_id, state, note FROM ledger WHERE {condition} ORDER BY id"
        ))?;
        let rows = stmt.query_map(params![bake_id], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, String>(6)?,
                row.get::<_, Option<String>>(7)?,
            ))
        })?;
        rows.map(|row| {
            let (id, bake_id, region, kind, name, resource_id, state, note) = row?;
            Ok(LedgerEntry {
                id,
                bake_id,
                region,
                kind: ResourceKind::parse(&kind)?,
                name,
                resource_id,
                state: LedgerState::parse(&state)?,
                note,
            })
        })
        .collect()
    }

    /// Bakes recorded as running (some may have lost their process: see [`BakeLock`]).
    pub fn running_bakes(&self) -> Result<Vec<String>, HistoryError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id FROM bakes WHERE status = 'running' ORDER BY started_at")?;
        let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Ends the steps of a dead bake that were still running: failed, with `error`.
    pub fn interrupt_steps(
        &self,
        bake_id: &str,
        at: &str,
        error: &str,
    ) -> Result<(), HistoryError> {
        self.conn().execute(
            "UPDATE bake_steps SET status = 'failed', finished_at = ?2, error = ?3
             WHERE bake_id = ?1 AND status = 'running'",
            params![bake_id, at, error],
        )?;
        Ok(())
    }

    /// Bakes that still have resources to clean, oldest first.
    pub fn bakes_with_open_entries(&self) -> Result<Vec<String>, HistoryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT DISTINCT l.bake_id FROM ledger l JOIN bakes b ON b.id = l.bake_id
             WHERE l.state IN ('intended', 'created', 'failed') ORDER BY b.started_at",
        )?;
        let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The SHA-256 of a template's text, in hex: its key in the `templates` table.
pub fn template_hash(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Stores a template's text once (keyed by its SHA-256) and returns its key.
fn store_template(tx: &rusqlite::Transaction<'_>, text: &str) -> Result<String, HistoryError> {
    let hash = template_hash(text);
    tx.execute(
        "INSERT OR IGNORE INTO templates (hash, text) VALUES (?1, ?2)",
        params![hash, text],
    )?;
    Ok(hash)
}

fn json_text<T: Serialize + ?Sized>(value: &T) -> Result<String, HistoryError> {
    serde_json::to_string(value).map_err(|e| HistoryError::Corrupt(e.to_string()))
}

fn from_json_text<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, HistoryError> {
    serde_json::from_str(text).map_err(|e| HistoryError::Corrupt(e.to_string()))
}

macro_rules! bake_fields {
    () => {
        "SELECT id, template_path, build_name, profile, region, status, started_at, finished_at, error"
    };
}
/// The columns [`bake_from_row`] reads, in its order (a query adds its FROM).
pub(crate) const BAKE_FIELDS: &str = bake_fields!();
const BAKE_COLUMNS: &str = concat!(bake_fields!(), " FROM bakes");

fn bake_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<BakeRecord, HistoryError>> {
    let status: String = row.get(5)?;
    let record = BakeRecord {
        id: row.get(0)?,
        template_path: row.get(1)?,
        build_name: row.get(2)?,
        profile: row.get(3)?,
        region: row.get(4)?,
        status: BakeStatus::Running,
        started_at: row.get(6)?,
        finished_at: row.get(7)?,
        error: row.get(8)?,
    };
    Ok(BakeStatus::parse(&status).map(|status| BakeRecord { status, ..record }))
}

#[cfg(test)]
mod tests;
