//! Create the image from the stopped instance (after force_deregister, if asked) and wait
//! until it is available. The image and its snapshots are ledger entries: kept when the
//! bake succeeds, deleted when it fails.

use bakery_history::{Artifact, ResourceKind};

use crate::EngineError;
use crate::error::aws_error;
use crate::event::{BakeEvent, StepName};
use crate::resources::delete_now;
use crate::resources::image::Image;
use crate::steps::Bake;

pub use crate::resources::image::{force_deregister, wait_available};
pub use crate::resources::snapshot::record_snapshots;
pub use crate::resources::tag_resources;

/// The name of the unencrypted image an `encrypt_boot` bake makes first (like Packer, the
/// final name goes to the encrypted copy).
pub fn intermediate_name(bake_id: &str) -> String {
    format!("bakery-unencrypted-{bake_id}")
}

/// Makes the image from the stopped instance, deregistering a same-named one first with
/// `force_deregister`, and waits until it is available.
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
    let image_tags = crate::resources::image_tags(
        bake.ctx,
        &bake.spec.build_name,
        bake.state.source_image.as_ref().map(|s| s.id.as_str()),
        &bake.spec.tags,
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
        .tag_specifications(Image::tags(&bake.ctx.bake_id, &image_tags))
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
            &image_tags,
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
        delete_now(bake.ctx, &bake.ec2, entry, bake.spec.polling).await?;
        for snapshot_entry in snapshot_entries {
            delete_now(bake.ctx, &bake.ec2, snapshot_entry, bake.spec.polling).await?;
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
        ..Default::default()
    });
    Ok(())
}
