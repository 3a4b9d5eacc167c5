//! Copy the image to every `ami_regions` region at once, then wait for all copies.

use std::borrow::Cow;

use bakery_history::{Artifact, ResourceKind};

use crate::EngineError;
use crate::error::aws_error;
use crate::event::{BakeEvent, StepName};
use crate::resources::image::{force_deregister, wait_available};
use crate::resources::snapshot::record_snapshots;
use crate::resources::tag_resources;
use crate::spec::BakeSpec;
use crate::steps::Bake;

/// Copies the image to each of `ami_regions` at once (encrypted with that region's KMS key, if
/// given) and waits until every copy is available.
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    let source = bake
        .state
        .artifacts
        .first()
        .cloned()
        .expect("the image exists");
    let targets: Vec<String> = bake
        .spec
        .ami_regions
        .iter()
        .filter(|r| **r != source.region)
        .cloned()
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let source_ami = bake.state.source_image.as_ref().map(|s| s.id.clone());
    let copies = targets.iter().map(|target| {
        let ec2 = bake.ec2_in(target);
        let ctx = bake.ctx;
        let source_ami = source_ami.clone();
        // A copy's name, description and tags see its own region as `{{ .BuildRegion }}`.
        let spec = match &bake.state.source_image {
            Some(image) if bake.written.uses_build_variables() => Cow::Owned(
                bake.written
                    .with_build_variables(&image.build_variables(target)),
            ),
            _ => Cow::Borrowed(&*bake.spec),
        };
        let source = &source;
        async move {
            let spec: &BakeSpec = &spec;
            let region = ec2.region.clone();
            if spec.force_deregister {
                force_deregister(ctx, &ec2, spec).await?;
            }
            let entry = ctx.intend(&region, ResourceKind::Image, Some(&spec.ami_name))?;
            let copied =
                ec2.client
                    .copy_image()
                    .source_image_id(&source.image_id)
                    .source_region(&source.region)
                    .name(&spec.ami_name)
                    .set_description(spec.ami_description.clone())
                    .encrypted(spec.encrypt_boot || spec.region_kms_key_ids.contains_key(&region))
                    .set_kms_key_id(
                        spec.region_kms_key_ids.get(&region).cloned().or_else(|| {
                            spec.encrypt_boot.then(|| spec.kms_key_id.clone()).flatten()
                        }),
                    )
                    .send()
                    .await
                    .map_err(|e| aws_error("CopyImage", &region, e))?;
            let image_id = copied.image_id().unwrap_or_default().to_string();
            ctx.created(entry, &region, ResourceKind::Image, &image_id)?;
            let image_tags = crate::resources::image_tags(
                ctx,
                &spec.build_name,
                source_ami.as_deref(),
                &spec.tags,
            );
            tag_resources(ctx, &ec2, std::slice::from_ref(&image_id), &image_tags).await?;
            let snapshots = wait_available(ctx, &ec2, &image_id, spec, StepName::CopyImage).await?;
            record_snapshots(ctx, &region, &snapshots)?;
            let mut snapshot_tags = spec.tags.clone();
            snapshot_tags.extend(spec.snapshot_tags.clone());
            tag_resources(ctx, &ec2, &snapshots, &snapshot_tags).await?;
            ctx.emit(BakeEvent::Artifact {
                region: region.clone(),
                image_id: image_id.clone(),
            });
            Ok::<_, EngineError>(Artifact {
                region,
                image_id,
                snapshot_ids: snapshots,
                ..Default::default()
            })
        }
    });
    let artifacts = futures::future::try_join_all(copies).await?;
    bake.state.artifacts.extend(artifacts);
    Ok(())
}
