//! An image's snapshots: tagged with CreateTags once the image is available, recorded in
//! the ledger then, deleted by id. A sweep does not look for them: they go with their image.

use bakery_history::{LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::Ec2;
use crate::error::{EngineError, aws_error};
use crate::resources::{CloudResource, Tagged, deleted};
use crate::spec::Polling;

/// An EBS snapshot.
pub struct Snapshot;

impl CloudResource for Snapshot {
    const KIND: ResourceKind = ResourceKind::Snapshot;

    /// None: a snapshot is found through its image, and deleted with it.
    async fn find_tagged(_ec2: &Ec2) -> Result<Vec<Tagged>, EngineError> {
        Ok(Vec::new())
    }

    async fn delete(
        _ctx: &BakeContext,
        ec2: &Ec2,
        entry: &LedgerEntry,
        _polling: Polling,
    ) -> Result<Option<String>, EngineError> {
        let Some(id) = &entry.resource_id else {
            return Ok(None);
        };
        let answer = ec2
            .client
            .delete_snapshot()
            .snapshot_id(id)
            .send()
            .await
            .map_err(|e| aws_error("DeleteSnapshot", &entry.region, e));
        deleted(id.clone(), answer)
    }
}

/// Records an image's snapshots in the ledger (so a failed bake deletes them too).
pub fn record_snapshots(
    ctx: &BakeContext,
    region: &str,
    snapshots: &[String],
) -> Result<Vec<i64>, EngineError> {
    let mut entries = Vec::new();
    for snapshot in snapshots {
        let entry = ctx.intend(region, ResourceKind::Snapshot, None)?;
        ctx.created(entry, region, ResourceKind::Snapshot, snapshot)?;
        entries.push(entry);
    }
    Ok(entries)
}
