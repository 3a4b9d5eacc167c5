//! The source image: an explicit id, or `source_ami_filter` (filters + owners, newest first
//! when `most_recent`) resolved like Packer does.

use aws_sdk_ec2::types::Filter;

use crate::EngineError;
use crate::error::aws_error;
use crate::spec::SourceImage;
use crate::steps::{Bake, FoundImage};

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
    let found = FoundImage {
        id: image.image_id().unwrap_or_default().to_string(),
        name: image.name().unwrap_or_default().to_string(),
    };
    bake.ctx.note(format!(
        "Source image: {} ({}, created {})",
        found.id,
        found.name,
        image.creation_date().unwrap_or("?")
    ));
    bake.state.source_image = Some(found);
    Ok(())
}
