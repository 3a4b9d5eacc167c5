//! The source image: an explicit id, or `source_ami_filter` (filters + owners, newest first
//! when `most_recent`) resolved like Packer does.

use std::borrow::Cow;

use aws_sdk_ec2::types::Filter;

use crate::EngineError;
use crate::error::aws_error;
use crate::resources::image::ami_name_free;
use crate::spec::SourceImage;
use crate::steps::{Bake, FoundImage};

/// Finds the source image (by id, or by filter, newest first with `most_recent`); fails when none,
/// or several without `most_recent`, match.
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    let region = bake.region().to_string();
    let source = bake.spec.source.clone().ok_or_else(|| {
        EngineError::Preflight("no source image: set source_ami or source_ami_filter".into())
    })?;
    let mut request = bake.ec2.client.describe_images();
    let described = match &source {
        SourceImage::Id(id) => request.image_ids(id),
        SourceImage::Filter {
            filters, owners, ..
        } => {
            for (name, values) in filters {
                request = request.filters(
                    Filter::builder()
                        .name(name)
                        .set_values(Some(values.clone()))
                        .build(),
                );
            }
            for owner in owners {
                request = request.owners(owner);
            }
            request
        }
    }
    .send()
    .await
    .map_err(|e| aws_error("DescribeImages", &region, e))?;

    let mut images: Vec<_> = described.images().to_vec();
    if images.is_empty() {
        return Err(match &source {
            SourceImage::Id(id) => EngineError::Preflight(format!(
                "source_ami `{id}` was not found in {region}: AMIs are regional (wrong region?), or it is private to another account"
            )),
            SourceImage::Filter { owners, .. } => EngineError::Preflight(format!(
                "source_ami_filter matched no image in {region} (owners {owners:?}): loosen the filters, check the owners, or the region"
            )),
        });
    }
    if let SourceImage::Filter { most_recent, .. } = &source {
        if images.len() > 1 && !most_recent {
            return Err(EngineError::Preflight(format!(
                "source_ami_filter matched {} images in {region}: set \"most_recent\": true or narrow the filters",
                images.len()
            )));
        }
        images.sort_by(|a, b| b.creation_date().cmp(&a.creation_date()));
    }
    let image = &images[0];
    let owner_id = image.owner_id().unwrap_or_default().to_string();
    let found = FoundImage {
        id: image.image_id().unwrap_or_default().to_string(),
        name: image.name().unwrap_or_default().to_string(),
        owner_name: image
            .image_owner_alias()
            .map(str::to_string)
            .unwrap_or_else(|| owner_id.clone()),
        owner_id,
        creation_date: image.creation_date().unwrap_or_default().to_string(),
        tags: image
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect(),
    };
    let _ = bake.ctx.history.record_source_image(
        &bake.ctx.bake_id,
        &bakery_history::SourceImage {
            id: found.id.clone(),
            name: Some(found.name.clone()).filter(|n| !n.is_empty()),
            owner: Some(found.owner_name.clone()).filter(|n| !n.is_empty()),
            created: Some(found.creation_date.clone()).filter(|n| !n.is_empty()),
        },
    );
    bake.ctx.note(format!(
        "Source image: {} ({}, created {})",
        found.id,
        found.name,
        image.creation_date().unwrap_or("?")
    ));
    if bake.written.uses_build_variables() {
        bake.spec = Cow::Owned(
            bake.written
                .with_build_variables(&found.build_variables(&region)),
        );
        bake.ctx.note(format!(
            "Build-time variables filled: the AMI will be named `{}`",
            bake.spec.ami_name
        ));
        bake.state.source_image = Some(found);
        // The name is known only now: preflight could not check it.
        if bake.written.ami_name.contains("{{") && !bake.spec.force_deregister {
            ami_name_free(bake.sdk, &bake.spec).await?;
        }
        return Ok(());
    }
    bake.state.source_image = Some(found);
    Ok(())
}
