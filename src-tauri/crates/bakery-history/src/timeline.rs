//! The read side of the timeline: the bakes of a window of time (clustered when there are
//! too many to draw), one bake whole, the bake before it, the lineage links between
//! images, and the step times of recent bakes (trends and ETAs).

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::window::{self, Finding, Split};
use crate::{
    Artifact, BakeRecord, BakeStatus, History, HistoryError, LedgerEntry, SourceImage, StepRecord,
    from_json_text,
};

/// A finished bake longer than this is not looked for before a window's start (running
/// bakes always are): it keeps the window query on the `started_at` index.
pub(crate) const LONGEST_BAKE_DAYS: i64 = 7;

/// What the timeline's lanes are.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneBy {
    /// One lane per template file.
    #[default]
    Template,
    /// One lane per AWS profile.
    Profile,
    /// One lane per AWS account.
    Account,
    /// One lane per build region.
    Region,
}

impl LaneBy {
    /// The lane of a row of `bakes` (or of `timeline_days`, whose columns are named alike).
    pub(crate) fn column(self) -> &'static str {
        match self {
            Self::Template => "COALESCE(template_path, '(no file)')",
            Self::Profile => "COALESCE(profile, '(default credentials)')",
            Self::Account => "COALESCE(account_id, '(account not known)')",
            Self::Region => "region",
        }
    }
}

/// Which bakes of which window of time.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineQuery {
    /// The window's start (RFC 3339 UTC).
    pub from: String,
    /// The window's end (RFC 3339 UTC).
    pub to: String,
    /// What the lanes are.
    #[serde(default)]
    pub lane_by: LaneBy,
    /// Only bakes with one of these statuses (all when empty).
    #[serde(default)]
    pub status: Vec<BakeStatus>,
    /// Only bakes of this template file.
    #[serde(default)]
    pub template: Option<String>,
    /// Only bakes with this profile.
    #[serde(default)]
    pub profile: Option<String>,
    /// Only bakes in this region.
    #[serde(default)]
    pub region: Option<String>,
    /// Only bakes where this text appears (id, template, build, profile, account, region,
    /// error, source image, produced image).
    #[serde(default)]
    pub text: Option<String>,
    /// At most this many bakes one by one; more and the window comes back as clusters.
    pub max_bakes: u32,
    /// Only the newest this many bakes, one by one, however many the window holds (what
    /// `bakery history list` prints); `max_bakes` is not looked at then.
    #[serde(default)]
    pub newest_only: Option<u32>,
    /// How many time buckets a clustered window has.
    pub buckets: u32,
}

/// One bake on the timeline.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineBake {
    /// The bake.
    pub bake: BakeRecord,
    /// The lane it is drawn in.
    pub lane: String,
    /// Recorded as running, but its process is gone (the front end finds out; start-up
    /// recovery cleans up after it).
    pub interrupted: bool,
}

/// Bakes of one lane too close together to draw one by one at this zoom.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineCluster {
    /// The lane.
    pub lane: String,
    /// The first start among them (RFC 3339).
    pub from: String,
    /// The last start among them (RFC 3339).
    pub to: String,
    /// How many.
    pub count: u32,
    /// How many failed (or were aborted).
    pub failed: u32,
    /// How many are running.
    pub running: u32,
}

/// A window of the timeline.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// Every lane with a bake in the window, sorted.
    pub lanes: Vec<String>,
    /// How many bakes match in the window.
    pub total: u32,
    /// The bakes, oldest first, when there are at most `max_bakes`.
    pub bakes: Vec<TimelineBake>,
    /// Else the clusters, per lane and bucket.
    pub clusters: Vec<TimelineCluster>,
    /// When the newest bake of the whole history started (whatever the window and the
    /// filters): an empty window offers to go there.
    pub newest: Option<String>,
}

/// One bake, whole: what the detail page shows and `history show` prints.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BakeDetail {
    /// Its summary row.
    pub bake: BakeRecord,
    /// The template as baked (sensitive values redacted).
    pub template_text: Option<String>,
    /// Its SHA-256 (the same for every bake of the same text).
    pub template_hash: Option<String>,
    /// The variables' values given (sensitive ones redacted), a JSON object.
    #[cfg_attr(feature = "specta", specta(type = std::collections::BTreeMap<String, String>))]
    pub variables: serde_json::Value,
    /// The account it ran in.
    pub account_id: Option<String>,
    /// The machine it ran on.
    pub host: Option<String>,
    /// Every region it makes an image in.
    pub regions: Vec<String>,
    /// The image it started from.
    pub source_image: Option<SourceImage>,
    /// Its steps, in order.
    pub steps: Vec<StepRecord>,
    /// The images it produced.
    pub artifacts: Vec<Artifact>,
    /// Every cloud resource it made, and where each stands.
    pub ledger: Vec<LedgerEntry>,
}

/// The durations of one bake's steps (for trends and ETAs).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTimes {
    /// The bake.
    pub bake_id: String,
    /// When it started.
    pub started_at: String,
    /// How it ended.
    pub status: BakeStatus,
    /// Its region.
    pub region: String,
    /// (step, milliseconds) of every step that ended, in order.
    #[cfg_attr(feature = "specta", specta(type = Vec<(String, u32)>))]
    pub steps: Vec<(String, i64)>,
}

impl History {
    /// The bakes of a window of time matching the query: one by one when there are at most
    /// `max_bakes`, else counted per lane and time bucket.
    pub fn timeline(&self, query: &TimelineQuery) -> Result<Timeline, HistoryError> {
        self.timeline_found(query, Finding::Indexed)
    }

    /// [`History::timeline`] with every row of the window read and matched: what the
    /// rollup and the text index must agree with.
    #[cfg(test)]
    pub(crate) fn timeline_scanned(&self, query: &TimelineQuery) -> Result<Timeline, HistoryError> {
        self.timeline_found(query, Finding::Scan)
    }

    fn timeline_found(
        &self,
        query: &TimelineQuery,
        finding: Finding,
    ) -> Result<Timeline, HistoryError> {
        let conn = self.conn();
        // The window counted per lane and time bucket: the clusters, and from them the
        // lanes and the total.
        let split = Split::of(&conn, query, finding)?;
        let clusters = window::count(&conn, query, split.as_ref())?.clusters();
        let total: u32 = clusters.iter().map(|c| c.count).sum();
        let mut lanes: Vec<String> = clusters.iter().map(|c| c.lane.clone()).collect();
        lanes.dedup();
        let newest: Option<String> =
            conn.query_row("SELECT MAX(started_at) FROM bakes", [], |row| row.get(0))?;
        let mut timeline = Timeline {
            lanes,
            total,
            newest,
            ..Timeline::default()
        };
        if query.newest_only.is_none() && total > query.max_bakes {
            timeline.clusters = clusters;
        } else {
            timeline.bakes = window::read(&conn, query, split.as_ref())?;
        }
        Ok(timeline)
    }

    /// The one bake whose id starts with `prefix` (ids are long; people type the start).
    pub fn resolve(&self, prefix: &str) -> Result<String, HistoryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id FROM bakes WHERE id = ?1 OR (length(?1) >= 4 AND substr(id, 1, length(?1)) = ?1)
             ORDER BY id = ?1 DESC, id LIMIT 3",
        )?;
        let ids = stmt
            .query_map(params![prefix], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        match ids.as_slice() {
            [] => Err(HistoryError::NoSuchBake(prefix.to_string())),
            [one, ..] if one == prefix => Ok(one.clone()),
            [one] => Ok(one.clone()),
            several => Err(HistoryError::AmbiguousId {
                prefix: prefix.to_string(),
                matches: several.to_vec(),
            }),
        }
    }

    /// One bake, whole.
    pub fn detail(&self, id: &str) -> Result<BakeDetail, HistoryError> {
        let bake = self.bake(id)?;
        let (template_text, template_hash, variables, account_id, host, regions, source) = self
            .conn()
            .query_row(
                "SELECT COALESCE(t.text, b.template_text), b.template_hash, b.variables, b.account_id,
                        b.host, b.regions, b.source_image_id, b.source_image_name,
                        b.source_image_owner, b.source_image_created
                 FROM bakes b LEFT JOIN templates t ON t.hash = b.template_hash WHERE b.id = ?1",
                params![id],
                |row| {
                    let source_id: Option<String> = row.get(6)?;
                    Ok((
                        row.get::<_, Option<String>>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, Option<String>>(4)?,
                        row.get::<_, String>(5)?,
                        source_id.map(|id| {
                            Ok::<_, rusqlite::Error>(SourceImage {
                                id,
                                name: row.get(7)?,
                                owner: row.get(8)?,
                                created: row.get(9)?,
                            })
                        }),
                    ))
                },
            )?;
        Ok(BakeDetail {
            bake,
            template_text,
            template_hash,
            variables: from_json_text(&variables)?,
            account_id,
            host,
            regions: from_json_text(&regions)?,
            source_image: source.transpose()?,
            steps: self.steps(id)?,
            artifacts: self.artifacts(id)?,
            ledger: self.ledger(id)?,
        })
    }

    /// The bake of the same template file and build that started last before this one.
    pub fn previous_bake(&self, id: &str) -> Result<Option<String>, HistoryError> {
        let bake = self.bake(id)?;
        let Some(path) = bake.template_path else {
            return Ok(None);
        };
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM bakes
                 WHERE template_path = ?1 AND build_name IS ?2 AND (started_at, id) < (?3, ?4)
                 ORDER BY started_at DESC, id DESC LIMIT 1",
                params![path, bake.build_name, bake.started_at, bake.id],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// The bake that produced an image, if the history has it.
    pub fn produced_by(&self, image_id: &str) -> Result<Option<String>, HistoryError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT bake_id FROM artifacts WHERE image_id = ?1 LIMIT 1",
                params![image_id],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// The bakes that started from an image, oldest first.
    pub fn built_from(&self, image_id: &str) -> Result<Vec<String>, HistoryError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id FROM bakes WHERE source_image_id = ?1 ORDER BY started_at, id")?;
        let rows = stmt.query_map(params![image_id], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest image a succeeded bake of this template and build made in `region`.
    pub fn newest_image(
        &self,
        template_path: &str,
        build_name: Option<&str>,
        region: &str,
    ) -> Result<Option<String>, HistoryError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT a.image_id FROM artifacts a JOIN bakes b ON b.id = a.bake_id
                 WHERE b.template_path = ?1 AND b.build_name IS ?2 AND a.region = ?3
                   AND b.status = 'succeeded'
                 ORDER BY b.started_at DESC, b.id DESC LIMIT 1",
                params![template_path, build_name, region],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// The step times of the newest `limit` finished bakes of a template (in one region,
    /// when given), oldest first.
    pub fn step_times(
        &self,
        template_path: &str,
        region: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StepTimes>, HistoryError> {
        let conn = self.conn();
        let mut bakes_stmt = conn.prepare(
            "SELECT id, started_at, status, region FROM bakes
             WHERE template_path = ?1 AND (?2 IS NULL OR region = ?2) AND status != 'running'
             ORDER BY started_at DESC, id DESC LIMIT ?3",
        )?;
        let bakes = bakes_stmt
            .query_map(params![template_path, region, limit], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut steps_stmt = conn.prepare(
            "SELECT step, duration_ms FROM bake_steps
             WHERE bake_id = ?1 AND duration_ms IS NOT NULL ORDER BY started_at, rowid",
        )?;
        let mut out = Vec::with_capacity(bakes.len());
        for (bake_id, started_at, status, region) in bakes.into_iter().rev() {
            let steps = steps_stmt
                .query_map(params![bake_id], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?;
            out.push(StepTimes {
                bake_id,
                started_at,
                status: BakeStatus::parse(&status)?,
                region,
                steps,
            });
        }
        Ok(out)
    }
}
