//! Create the image from the stopped instance (after force_deregister, if asked) and wait
//! until it is available. The image and its snapshots are ledger entries: kept when the
//! bake succeeds, deleted when it fails.

use aws_sdk_ec2::types::{Filter, ImageState, ResourceType, Tag};
use bakery_history::{Artifact, ResourceKind};

use crate::EngineError;
use crate::context::BakeContext;
use crate::ec2::{BAKE_ID_TAG, Ec2, poll_until, tag_spec};
use crate::error::aws_error;
use crate::event::{BakeEvent, StepName};
use crate::spec::BakeSpec;
use crate::steps::Bake;

/// Deregisters images named `ami_name` owned by the account in `ec2`'s region
/// (force_deregister), and their snapshots with force_delete_snapshot.
pub async fn force_deregister(
    ctx: &BakeContext,
    ec2: &Ec2,
    spec: &BakeSpec,
) -> Result<(), EngineError> {
    let region = ec2.region.clone();
    let existing = ec2
        .client
        .describe_images()
        .owners("self")
        .filters(
            Filter::builder()
                .name("name")
                .values(&spec.ami_name)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("DescribeImages", &region, e))?;
    for image in existing.images() {
        let id = image.image_id().unwrap_or_default();
        ec2.client
            .deregister_image()
            .image_id(id)
            .send()
            .await
            .map_err(|e| aws_error("DeregisterImage", &region, e))?;
        ctx.note(format!("force_deregister: deregistered {id} in {region}"));
        if spec.force_delete_snapshot {
            for snapshot in image
                .block_device_mappings()
                .iter()
                .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()))
            {
                ec2.client
                    .delete_snapshot()
                    .snapshot_id(snapshot)
                    .send()
                    .await
                    .map_err(|e| aws_error("DeleteSnapshot", &region, e))?;
                ctx.note(format!("force_delete_snapshot: deleted {snapshot}"));
            }
        }
    }
    Ok(())
}

/// Waits until `image_id` is available; returns its snapshot ids.
pub async fn wait_available(
    ctx: &BakeContext,
    ec2: &Ec2,
    image_id: &str,
    spec: &BakeSpec,
    step: StepName,
) -> Result<Vec<String>, EngineError> {
    let region = ec2.region.clone();
    let id = image_id.to_string();
    poll_until(
        ctx,
        step,
        &format!("image {image_id} in {region}"),
        spec.polling,
        || {
            let ec2 = ec2.clone();
            let id = id.clone();
            async move {
                let Some(image) = ec2.image(&id).await? else {
                    return Ok((None, "not listed yet".to_string()));
                };
                match image.state() {
                    Some(ImageState::Available) => Ok((
                        Some(
                            image
                                .block_device_mappings()
                                .iter()
                                .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()))
                                .map(str::to_string)
                                .collect(),
                        ),
                        "available".to_string(),
                    )),
                    Some(ImageState::Failed) | Some(ImageState::Error) => {
                        Err(EngineError::BadState {
                            what: format!("image {id}"),
                            state: "failed".into(),
                            reason: image
                                .state_reason()
                                .and_then(|r| r.message())
                                .unwrap_or("EC2 gave no reason")
                                .to_string(),
                        })
                    }
                    other => Ok((
                        None,
                        other.map(|s| s.as_str().to_string()).unwrap_or_default(),
                    )),
                }
            }
        },
    )
    .await
}

/// Tags resources with the bake id and `tags`.
pub async fn tag_resources(
    ctx: &BakeContext,
    ec2: &Ec2,
    resources: &[String],
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<(), EngineError> {
    if resources.is_empty() {
        return Ok(());
    }
    let mut request = ec2
        .client
        .create_tags()
        .set_resources(Some(resources.to_vec()))
        .tags(Tag::builder().key(BAKE_ID_TAG).value(&ctx.bake_id).build());
    for (key, value) in tags {
        request = request.tags(Tag::builder().key(key).value(value).build());
    }
    request
        .send()
        .await
        .map_err(|e| aws_error("CreateTags", &ec2.region, e))?;
    Ok(())
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

/// The name of the unencrypted image an `encrypt_boot` bake makes first (like Packer, the
/// final name goes to the encrypted copy).
pub fn intermediate_name(bake_id: &str) -> String {
    format!("bakery-unencrypted-{bake_id}")
}

pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    let region = bake.region().to_string();
    if bake.spec.force_deregister {
        force_deregister(bake.ctx, &bake.ec2, &bake.spec).await?;
    }
    let instance_id = bake
        .state
        .instance
        .as_ref()
        .expect("the launch step ran")
        .id
        .clone();
    let mut snapshot_tags = bake.spec.snapshot_tags.clone();
    snapshot_tags.extend(
        bake.spec
            .tags
            .clone()
            .into_iter()
            .filter(|(k, _)| !bake.spec.snapshot_tags.contains_key(k)),
    );
    let encrypt = bake.spec.encrypt_boot;
    let first_name = if encrypt {
        intermediate_name(&bake.ctx.bake_id)
    } else {
        bake.spec.ami_name.clone()
    };
    let entry = bake
        .ctx
        .intend(&region, ResourceKind::Image, Some(&first_name))?;
    let created = bake
        .ec2
        .client
        .create_image()
        .instance_id(&instance_id)
        .name(&first_name)
        .set_description(bake.spec.ami_description.clone())
        .set_block_device_mappings((!bake.spec.ami_block_device_mappings.is_empty()).then(|| {
            bake.spec
                .ami_block_device_mappings
                .iter()
                .map(crate::ec2::block_device)
                .collect()
        }))
        .tag_specifications(tag_spec(
            ResourceType::Image,
            &bake.ctx.bake_id,
            &bake.spec.tags,
        ))
        .send()
        .await
        .map_err(|e| aws_error("CreateImage", &region, e))?;
    let mut image_id = created.image_id().unwrap_or_default().to_string();
    bake.ctx
        .created(entry, &region, ResourceKind::Image, &image_id)?;
    let mut snapshots = wait_available(
        bake.ctx,
        &bake.ec2,
        &image_id,
        &bake.spec,
        StepName::CreateImage,
    )
    .await?;
    let snapshot_entries = record_snapshots(bake.ctx, &region, &snapshots)?;

    if encrypt {
        // encrypt_boot: an encrypted copy takes the name; the unencrypted image goes.
        let copy_entry =
            bake.ctx
                .intend(&region, ResourceKind::Image, Some(&bake.spec.ami_name))?;
        let copied = bake
            .ec2
            .client
            .copy_image()
            .source_image_id(&image_id)
            .source_region(&region)
            .name(&bake.spec.ami_name)
            .set_description(bake.spec.ami_description.clone())
            .encrypted(true)
            .set_kms_key_id(bake.spec.kms_key_id.clone())
            .send()
            .await
            .map_err(|e| aws_error("CopyImage", &region, e))?;
        let encrypted_id = copied.image_id().unwrap_or_default().to_string();
        bake.ctx
            .created(copy_entry, &region, ResourceKind::Image, &encrypted_id)?;
        tag_resources(
            bake.ctx,
            &bake.ec2,
            std::slice::from_ref(&encrypted_id),
            &bake.spec.tags,
        )
        .await?;
        let encrypted_snapshots = wait_available(
            bake.ctx,
            &bake.ec2,
            &encrypted_id,
            &bake.spec,
            StepName::CreateImage,
        )
        .await?;
        record_snapshots(bake.ctx, &region, &encrypted_snapshots)?;
        crate::cleanup::delete_now(bake.ctx, &bake.ec2, entry, bake.spec.polling).await?;
        for snapshot_entry in snapshot_entries {
            crate::cleanup::delete_now(bake.ctx, &bake.ec2, snapshot_entry, bake.spec.polling)
                .await?;
        }
        bake.ctx.note(format!(
            "Encrypted {encrypted_id} replaces the unencrypted {image_id}"
        ));
        image_id = encrypted_id;
        snapshots = encrypted_snapshots;
    }

    // Snapshots are tagged once they exist (as Packer does): a snapshot tag specification
    // on CreateImage is not accepted everywhere.
    if !bake.spec.snapshot_tags.is_empty() {
        tag_resources(bake.ctx, &bake.ec2, &snapshots, &snapshot_tags).await?;
    }
    bake.ctx.emit(BakeEvent::Artifact {
        region: region.clone(),
        image_id: image_id.clone(),
    });
    bake.state.artifacts.push(Artifact {
        region,
        image_id,
        snapshot_ids: snapshots,
    });
    Ok(())
}
