//! The image (AMI) and its copies: tagged at creation (a copy with CreateTags once it
//! exists), found by tag or by name (a copy is tagged only after CopyImage answers),
//! deleted by deregistering it and deleting its snapshots. Also what the image steps share:
//! `force_deregister` and the wait until an image is available.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{Filter, ImageState, ResourceType, TagSpecification};
use bakery_history::{LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::{Ec2, poll_until};
use crate::error::{EngineError, aws_error};
use crate::event::StepName;
use crate::regions::diagnose_region;
use crate::resources::{CloudResource, Tagged, of_any_bake, of_bake, tag_spec};
use crate::spec::{BakeSpec, Polling};

/// An EC2 image (AMI).
pub struct Image;

impl Image {
    /// The image's tags at creation: `tags` and the bake id.
    pub fn tags(bake_id: &str, tags: &BTreeMap<String, String>) -> TagSpecification {
        tag_spec(ResourceType::Image, bake_id, tags)
    }
}

impl CloudResource for Image {
    const KIND: ResourceKind = ResourceKind::Image;

    async fn find_tagged(ec2: &Ec2) -> Result<Vec<Tagged>, EngineError> {
        let images = ec2
            .client
            .describe_images()
            .owners("self")
            .filters(of_any_bake())
            .send()
            .await
            .map_err(|e| aws_error("DescribeImages", &ec2.region, e))?;
        Ok(images
            .images()
            .iter()
            .map(|i| Self::tagged(i.image_id(), i.tags()))
            .collect())
    }

    async fn delete(
        _ctx: &BakeContext,
        ec2: &Ec2,
        entry: &LedgerEntry,
        _polling: Polling,
    ) -> Result<Option<String>, EngineError> {
        let region = &entry.region;
        let ids: Vec<String> = match &entry.resource_id {
            Some(id) => vec![id.clone()],
            None => {
                // A copy is tagged only after CopyImage answers: find it by its name
                // (preflight made sure no other image of the account has it).
                let mut request = ec2.client.describe_images().owners("self");
                request = match &entry.name {
                    Some(name) => {
                        request.filters(Filter::builder().name("name").values(name).build())
                    }
                    None => request.filters(of_bake(&entry.bake_id)),
                };
                request
                    .send()
                    .await
                    .map_err(|e| aws_error("DescribeImages", region, e))?
                    .images()
                    .iter()
                    .filter_map(|i| i.image_id().map(str::to_string))
                    .collect()
            }
        };
        if ids.is_empty() {
            return Ok(None);
        }
        // Its snapshots go with it (a bake stopped before it recorded them).
        let snapshots: Vec<String> = match ec2
            .client
            .describe_images()
            .set_image_ids(Some(ids.clone()))
            .send()
            .await
            .map_err(|e| aws_error("DescribeImages", region, e))
        {
            Ok(described) => described
                .images()
                .iter()
                .flat_map(|i| i.block_device_mappings())
                .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()))
                .map(str::to_string)
                .collect(),
            Err(err) if err.is_not_found() => Vec::new(),
            Err(err) => return Err(err),
        };
        for id in &ids {
            match ec2
                .client
                .deregister_image()
                .image_id(id)
                .send()
                .await
                .map_err(|e| aws_error("DeregisterImage", region, e))
            {
                Err(err) if err.is_not_found() => {}
                other => {
                    other?;
                }
            }
        }
        for snapshot in &snapshots {
            match ec2
                .client
                .delete_snapshot()
                .snapshot_id(snapshot)
                .send()
                .await
                .map_err(|e| aws_error("DeleteSnapshot", region, e))
            {
                Err(err) if err.is_not_found() => {}
                other => {
                    other?;
                }
            }
        }
        Ok(Some(ids.join(",")))
    }
}

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

/// No image of the account is named `ami_name` in the build region or a copy region.
pub async fn ami_name_free(sdk: &SdkConfig, spec: &BakeSpec) -> Result<(), EngineError> {
    let region = spec.region.clone();
    let mut targets = vec![region.clone()];
    targets.extend(spec.ami_regions.iter().filter(|r| **r != region).cloned());

    for target in &targets {
        let ec2 = Ec2::new(sdk, target);
        let taken = ec2
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
            .await;
        let taken = match taken {
            Ok(taken) => taken,
            Err(err) => {
                return Err(
                    diagnose_region(sdk, target, aws_error("DescribeImages", target, err)).await,
                );
            }
        };
        if let Some(image) = taken.images().first() {
            return Err(EngineError::Preflight(format!(
                "an AMI named `{}` already exists in {target} ({}): change ami_name (e.g. add {{{{timestamp}}}}) or set force_deregister",
                spec.ami_name,
                image.image_id().unwrap_or_default()
            )));
        }
    }
    Ok(())
}
