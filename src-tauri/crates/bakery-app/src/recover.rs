//! Nothing left behind: bakes whose process died (a `kill -9`, a crash, a closed laptop)
//! are found in the ledger and cleaned up — at the start of the next bake, from the
//! window's recovery panel, or by `bakery cleanup` (which also deletes what bakes kept on
//! purpose with `--on-error=abort`, and can sweep every region by tag).

use bakery_engine::cleanup::{self, Leftover, Recovered, Swept};
use bakery_engine::{BakeContext, BakeEvent, Polling, StepName};
use bakery_history::{BakeLock, BakeStatus, LedgerState, ResourceKind};
use serde::Serialize;

use crate::bake::Bakery;
use crate::credentials::sdk_config;
use crate::error::AppError;

/// A resource a bake made, as a recovery list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct LeftResource {
    /// What it is.
    pub kind: ResourceKind,
    /// Its id (or name, when it was never given an id).
    pub id: String,
    /// Where it is.
    pub region: String,
}

/// A bake that stopped without cleaning up, and what it still has in the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct UnfinishedBake {
    /// The bake's id.
    pub bake_id: String,
    /// Its template.
    pub template_path: Option<String>,
    /// Its build.
    pub build: Option<String>,
    /// The profile it used.
    pub profile: Option<String>,
    /// Its region.
    pub region: String,
    /// When it started.
    pub started_at: String,
    /// Kept on purpose (`--on-error=abort`), not crashed.
    pub kept_on_purpose: bool,
    /// What its ledger says is still there (or may be: created, or about to be).
    pub resources: Vec<LeftResource>,
}

/// What `bakery cleanup` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupReport {
    /// The dead bakes cleaned up (with what was still left of each).
    pub recovered: Vec<Recovered>,
    /// The regions swept, when asked.
    pub swept_regions: Vec<String>,
    /// What the sweep found.
    pub swept: Vec<Swept>,
    /// Everything still left in the account, one line each.
    pub left: Vec<String>,
}

impl Bakery {
    /// Bakes of this data directory that stopped without cleaning up: their process is gone
    /// (its lock is free) and the ledger still has open entries; with `include_kept`, also
    /// the bakes kept on purpose.
    pub fn unfinished(&self, include_kept: bool) -> Result<Vec<UnfinishedBake>, AppError> {
        let history = self.history()?;
        let mut bakes = Vec::new();
        for bake_id in history.bakes_with_open_entries()? {
            let record = history.bake(&bake_id)?;
            let kept = record.status == BakeStatus::Aborted;
            if kept && !include_kept {
                continue;
            }
            // Still running (here or in another process): not ours to touch.
            let Some(lock) = BakeLock::try_claim(self.data_dir(), &bake_id)? else {
                continue;
            };
            lock.release();
            let resources = history
                .open_entries(&bake_id)?
                .into_iter()
                .filter(|e| e.state != LedgerState::Intended || e.resource_id.is_some())
                .map(|e| LeftResource {
                    kind: e.kind,
                    id: e.resource_id.or(e.name).unwrap_or_default(),
                    region: e.region,
                })
                .collect();
            bakes.push(UnfinishedBake {
                bake_id,
                template_path: record.template_path,
                build: record.build_name,
                profile: record.profile,
                region: record.region,
                started_at: record.started_at,
                kept_on_purpose: kept,
                resources,
            });
        }
        Ok(bakes)
    }

    /// Cleans up after every bake whose process died (not those kept on purpose), with
    /// `profile`'s credentials (`region` for the calls that are not regional). Cheap when
    /// there is nothing to do: no AWS call is made then.
    pub async fn recover(
        &self,
        profile: Option<&str>,
        region: &str,
    ) -> Result<Vec<Recovered>, AppError> {
        self.recover_with(profile, region, false).await
    }

    async fn recover_with(
        &self,
        profile: Option<&str>,
        region: &str,
        include_kept: bool,
    ) -> Result<Vec<Recovered>, AppError> {
        let history = self.history()?;
        cleanup::close_dead_bakes_without_resources(&history, self.data_dir())?;
        if history.bakes_with_open_entries()?.is_empty() {
            return Ok(Vec::new());
        }
        let sdk = sdk_config(&self.resolver()?, profile, region, self.environment()).await?;
        Ok(cleanup::recover_dead_bakes(history, self.data_dir(), &sdk, include_kept).await?)
    }

    /// `bakery cleanup`: every dead bake and every bake kept on purpose is cleaned up; with
    /// `sweep`, every region is also searched for resources tagged `bakery:bake-id` that no
    /// running bake owns (images of successful bakes are kept).
    pub async fn cleanup(
        &self,
        profile: Option<&str>,
        region: &str,
        sweep: bool,
    ) -> Result<CleanupReport, AppError> {
        let history = self.history()?;
        cleanup::close_dead_bakes_without_resources(&history, self.data_dir())?;
        let sdk = sdk_config(&self.resolver()?, profile, region, self.environment()).await?;
        let recovered =
            cleanup::recover_dead_bakes(history.clone(), self.data_dir(), &sdk, true).await?;
        let mut report = CleanupReport::default();
        if sweep {
            report.swept_regions = cleanup::all_regions(&sdk, region).await?;
            report.swept =
                cleanup::sweep(history, self.data_dir(), &sdk, &report.swept_regions).await?;
            for item in &report.swept {
                if item.outcome.starts_with("left: ")
                    && !item.outcome.contains("successful bake")
                    && !item.outcome.contains("still running")
                    && !item.outcome.contains("not in this history")
                {
                    report.left.push(format!(
                        "{} {} in {}",
                        item.kind.as_str(),
                        item.id,
                        item.region
                    ));
                }
            }
        }
        for bake in &recovered {
            report
                .left
                .extend(bake.left.iter().map(ToString::to_string));
        }
        report.recovered = recovered;
        Ok(report)
    }

    /// "Clean up now" for one bake that stopped without cleaning up (kept on purpose, or
    /// its process died), with the profile it baked with. Its cleanup is reported as the
    /// bake's own events (a visible Clean up step). Returns what is still left.
    pub async fn clean_up_bake(&self, bake_id: &str) -> Result<Vec<Leftover>, AppError> {
        let history = self.history()?;
        let record = history.bake(bake_id)?;
        let Some(lock) = BakeLock::try_claim(self.data_dir(), bake_id)? else {
            return Err(AppError::Engine(bakery_engine::EngineError::Preflight(
                format!("bake {bake_id} is still running: cancel it instead"),
            )));
        };
        let sdk = sdk_config(
            &self.resolver()?,
            record.profile.as_deref(),
            &record.region,
            self.environment(),
        )
        .await?;
        let ctx = BakeContext::resume(bake_id, history.clone(), self.data_dir().to_path_buf());
        let started = ctx.clock.now();
        ctx.emit(BakeEvent::StepStarted {
            step: StepName::Cleanup,
        });
        let left = cleanup::cleanup_bake(&ctx, &sdk, Polling::default(), false).await?;
        let duration_ms = u64::try_from(ctx.elapsed_since(started).as_millis()).unwrap_or(0);
        ctx.emit(match left.first() {
            None => BakeEvent::StepFinished {
                step: StepName::Cleanup,
                duration_ms,
            },
            Some(first) => BakeEvent::StepFailed {
                step: StepName::Cleanup,
                duration_ms,
                error: first.to_string(),
            },
        });
        if record.status == BakeStatus::Running {
            history.finish_bake(
                bake_id,
                BakeStatus::Failed,
                &ctx.now(),
                Some("the process running this bake stopped (killed or crashed); its resources were cleaned up"),
            )?;
        }
        lock.release();
        Ok(left)
    }
}
