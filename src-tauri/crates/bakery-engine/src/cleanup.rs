//! Cleanup consumes the ledger: every open entry of a bake is deleted, newest first
//! (instance before its security group and key pair). An entry with no id yet (the process
//! died between the intent and the create call's answer) is looked up by name or by the
//! `bakery:bake-id` tag. A failed delete is retried, then reported with the exact id and why.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use bakery_history::{BakeLock, BakeStatus, History, LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::Ec2;
use crate::error::EngineError;
use crate::event::BakeEvent;
use crate::resources::{self, BAKE_ID_TAG};
use crate::spec::Polling;

const DELETE_ATTEMPTS: u32 = 4;

/// A resource cleanup could not delete, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Leftover {
    /// What it is.
    pub kind: ResourceKind,
    /// Its id (or name, or how it is tagged when the id never came back).
    pub id: String,
    /// Where it is.
    pub region: String,
    /// Why it could not be deleted.
    pub reason: String,
}

impl std::fmt::Display for Leftover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} in {} ({}); `bakery cleanup` retries it",
            self.kind.as_str(),
            self.id,
            self.region,
            self.reason
        )
    }
}

/// Deletes every open ledger entry of `ctx.bake_id` — but the images and snapshots when
/// `keep_products` (a bake that succeeded). Returns what could not be deleted; fails only
/// when the ledger cannot be read.
pub async fn cleanup_bake(
    ctx: &BakeContext,
    sdk: &SdkConfig,
    polling: Polling,
    keep_products: bool,
) -> Result<Vec<Leftover>, EngineError> {
    let entries = match ctx.history.open_entries(&ctx.bake_id) {
        Ok(entries) => entries
            .into_iter()
            .filter(|e| {
                !(keep_products && matches!(e.kind, ResourceKind::Image | ResourceKind::Snapshot))
            })
            .collect(),
        Err(err) => return Err(err.into()),
    };
    let mut left = Vec::new();
    for entry in deletion_order(entries) {
        let ec2 = Ec2::new(sdk, &entry.region);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match resources::delete(ctx, &ec2, &entry, polling).await {
                Ok(Some(id)) => {
                    let _ = ctx.history.mark_deleted(entry.id, &ctx.now());
                    ctx.emit(BakeEvent::ResourceDeleted {
                        kind: entry.kind,
                        id,
                        region: entry.region.clone(),
                    });
                    break;
                }
                Ok(None) => {
                    // Never created (or already gone): nothing to delete.
                    let _ = ctx.history.mark_deleted(entry.id, &ctx.now());
                    break;
                }
                Err(err) if attempt < DELETE_ATTEMPTS => {
                    ctx.note(format!(
                        "Deleting {} {} failed ({err}); retrying",
                        entry.kind.as_str(),
                        describe(&entry)
                    ));
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
                Err(err) => {
                    let reason = err.to_string();
                    let _ = ctx.history.mark_failed(entry.id, &reason, &ctx.now());
                    let id = describe(&entry);
                    ctx.emit(BakeEvent::ResourceLeft {
                        kind: entry.kind,
                        id: id.clone(),
                        region: entry.region.clone(),
                        reason: reason.clone(),
                    });
                    left.push(Leftover {
                        kind: entry.kind,
                        id,
                        region: entry.region.clone(),
                        reason,
                    });
                    break;
                }
            }
        }
    }
    Ok(left)
}

/// Newest first, but by what depends on what: the instance before the image and the group,
/// images before their snapshots, the network last (subnet and gateway before the VPC).
fn deletion_order(mut entries: Vec<LedgerEntry>) -> Vec<LedgerEntry> {
    let rank = |kind: ResourceKind| match kind {
        ResourceKind::Instance => 0,
        // Nothing depends on it once the fleet has launched the instance.
        ResourceKind::LaunchTemplate => 1,
        ResourceKind::Image => 1,
        ResourceKind::Snapshot => 2,
        ResourceKind::SecurityGroup => 3,
        ResourceKind::KeyPair => 4,
        ResourceKind::RouteTable => 5,
        ResourceKind::InternetGateway => 6,
        ResourceKind::Subnet => 7,
        ResourceKind::Vpc => 8,
    };
    entries.sort_by_key(|e| (rank(e.kind), std::cmp::Reverse(e.id)));
    entries
}

fn describe(entry: &LedgerEntry) -> String {
    entry
        .resource_id
        .clone()
        .or_else(|| entry.name.clone())
        .unwrap_or_else(|| format!("(tagged {BAKE_ID_TAG}={})", entry.bake_id))
}

pub use crate::regions::all_regions;
pub use crate::resources::delete_now;

/// What start-up recovery did for one dead bake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The bake cleaned up.
    pub bake_id: String,
    /// What could not be deleted, with why (empty when everything went).
    pub left: Vec<Leftover>,
}

/// The error of a step that was running when its bake's process died.
const STOPPED_DURING_STEP: &str = "the process running this bake stopped during this step";

/// Marks failed the bakes recorded as running whose process died before they made anything
/// (no ledger rows left to clean: [`recover_dead_bakes`] never sees them), so the history
/// does not show them running forever. No AWS call. Returns their ids.
pub fn close_dead_bakes_without_resources(
    history: &Arc<History>,
    data_dir: &Path,
) -> Result<Vec<String>, EngineError> {
    let open = history.bakes_with_open_entries()?;
    let mut closed = Vec::new();
    for bake_id in history.running_bakes()? {
        if open.contains(&bake_id) {
            continue;
        }
        let Some(lock) = BakeLock::try_claim(data_dir, &bake_id)? else {
            continue; // still running in another process
        };
        let ctx = BakeContext::new(&bake_id, history.clone(), data_dir.to_path_buf());
        history.interrupt_steps(&bake_id, &ctx.now(), STOPPED_DURING_STEP)?;
        history.finish_bake(
            &bake_id,
            BakeStatus::Failed,
            &ctx.now(),
            Some(
                "the process running this bake stopped (killed or crashed) before it made anything",
            ),
        )?;
        lock.release();
        closed.push(bake_id);
    }
    Ok(closed)
}

/// Finds bakes whose process died (their lock is free) with resources still in the ledger,
/// cleans them up, and marks them failed. Live bakes (lock held) are left alone, and so are
/// bakes aborted on purpose (`--on-error=abort`) unless `include_aborted` (`bakery cleanup`).
pub async fn recover_dead_bakes(
    history: Arc<History>,
    data_dir: &Path,
    sdk: &SdkConfig,
    include_aborted: bool,
) -> Result<Vec<Recovered>, EngineError> {
    let mut recovered = Vec::new();
    for bake_id in history.bakes_with_open_entries()? {
        if !include_aborted && history.bake(&bake_id)?.status == BakeStatus::Aborted {
            continue;
        }
        let Some(lock) = BakeLock::try_claim(data_dir, &bake_id)? else {
            continue; // still running in another process
        };
        let ctx = BakeContext::new(&bake_id, history.clone(), data_dir.to_path_buf());
        ctx.note("Cleaning up after a bake whose process stopped");
        let left = cleanup_bake(&ctx, sdk, Polling::default(), false).await?;
        // A killed Ansible step's key and inventory folder, on this machine.
        if crate::ansible::remove_left_behind(&bake_id) > 0 {
            ctx.note("Removed the Ansible step's key and inventory it left on this computer");
        }
        if let Ok(record) = history.bake(&bake_id)
            && record.status == BakeStatus::Running
        {
            history.interrupt_steps(&bake_id, &ctx.now(), STOPPED_DURING_STEP)?;
            history.finish_bake(
                &bake_id,
                BakeStatus::Failed,
                &ctx.now(),
                Some("the process running this bake stopped (killed or crashed); its resources were cleaned up"),
            )?;
        }
        lock.release();
        recovered.push(Recovered { bake_id, left });
    }
    Ok(recovered)
}

/// What a sweep found and did with one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swept {
    /// Its region.
    pub region: String,
    /// What it is.
    pub kind: ResourceKind,
    /// Its id.
    pub id: String,
    /// The bake its `bakery:bake-id` tag names.
    pub bake_id: String,
    /// `deleted`, or why it was left.
    pub outcome: String,
}

/// Sweeps `regions` for resources tagged `bakery:bake-id` (the ledger's safety net: a
/// history lost or another machine's bakes). Resources of running bakes are left alone;
/// images and snapshots are deleted only when their bake is known here and did not succeed
/// (an image of a successful bake is the product, and one of an unknown bake may be too).
pub async fn sweep(
    history: Arc<History>,
    data_dir: &Path,
    sdk: &SdkConfig,
    regions: &[String],
) -> Result<Vec<Swept>, EngineError> {
    let mut swept = Vec::new();
    for region in regions {
        let ec2 = Ec2::new(sdk, region);
        let found = tagged_resources(&ec2).await?;
        let mut entries = Vec::new();
        for (kind, id, bake_id) in found {
            let record = history.bake(&bake_id).ok();
            let live = BakeLock::try_claim(data_dir, &bake_id)?
                .map(|lock| lock.release())
                .is_none();
            let keep = if live {
                Some("its bake is still running".to_string())
            } else if matches!(kind, ResourceKind::Image | ResourceKind::Snapshot) {
                match record.as_ref().map(|r| r.status) {
                    Some(BakeStatus::Succeeded) => Some("the product of a successful bake".into()),
                    None => Some(
                        "its bake is not in this history: delete it yourself if it is not wanted"
                            .into(),
                    ),
                    _ => None,
                }
            } else {
                None
            };
            if let Some(reason) = keep {
                swept.push(Swept {
                    region: region.clone(),
                    kind,
                    id,
                    bake_id,
                    outcome: format!("left: {reason}"),
                });
                continue;
            }
            entries.push(LedgerEntry {
                id: 0,
                bake_id,
                region: region.clone(),
                kind,
                name: None,
                resource_id: Some(id),
                state: bakery_history::LedgerState::Created,
                note: None,
            });
        }
        for entry in deletion_order(entries) {
            let ctx = BakeContext::new(&entry.bake_id, history.clone(), data_dir.to_path_buf());
            let outcome = match resources::delete(&ctx, &ec2, &entry, Polling::default()).await {
                Ok(_) => "deleted".to_string(),
                Err(err) => format!("left: {err}"),
            };
            swept.push(Swept {
                region: region.clone(),
                kind: entry.kind,
                id: entry.resource_id.unwrap_or_default(),
                bake_id: entry.bake_id,
                outcome,
            });
        }
    }
    Ok(swept)
}

/// Every resource in the region carrying the `bakery:bake-id` tag: (kind, id, bake id).
async fn tagged_resources(ec2: &Ec2) -> Result<Vec<(ResourceKind, String, String)>, EngineError> {
    let mut found = Vec::new();
    for kind in resources::SWEPT {
        for tagged in resources::find_tagged(kind, ec2).await? {
            found.push((tagged.kind, tagged.id, tagged.bake_id));
        }
    }
    Ok(found)
}
