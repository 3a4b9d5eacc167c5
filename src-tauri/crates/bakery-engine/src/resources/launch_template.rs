//! The launch template a spot instance's EC2 Fleet launches from: tagged at creation (with
//! `spot_tags`), found by tag, deleted after the instance.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    LaunchTemplateTagSpecificationRequest, ResourceType, Tag, TagSpecification,
};
use bakery_history::{LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::Ec2;
use crate::error::{EngineError, aws_error};
use crate::resources::{CloudResource, Tagged, bake_tag, deleted, of_any_bake, of_bake, tag_spec};
use crate::spec::Polling;

/// An EC2 launch template.
pub struct LaunchTemplate;

impl LaunchTemplate {
    /// The template's own tags: `spot_tags` and the bake id.
    pub fn tags(bake_id: &str, spot_tags: &BTreeMap<String, String>) -> TagSpecification {
        tag_spec(ResourceType::LaunchTemplate, bake_id, spot_tags)
    }

    /// The tags the template gives what it launches (`resource`: the instance or its
    /// volumes): the user's and the bake id.
    pub fn launched_tags(
        resource: ResourceType,
        bake_id: &str,
        user_tags: &BTreeMap<String, String>,
    ) -> LaunchTemplateTagSpecificationRequest {
        let mut spec = LaunchTemplateTagSpecificationRequest::builder()
            .resource_type(resource)
            .tags(bake_tag(bake_id));
        for (key, value) in user_tags {
            spec = spec.tags(Tag::builder().key(key).value(value).build());
        }
        spec.build()
    }
}

impl CloudResource for LaunchTemplate {
    const KIND: ResourceKind = ResourceKind::LaunchTemplate;

    async fn find_tagged(ec2: &Ec2) -> Result<Vec<Tagged>, EngineError> {
        let templates = ec2
            .client
            .describe_launch_templates()
            .filters(of_any_bake())
            .send()
            .await
            .map_err(|e| aws_error("DescribeLaunchTemplates", &ec2.region, e))?;
        Ok(templates
            .launch_templates()
            .iter()
            .map(|t| Self::tagged(t.launch_template_id(), t.tags()))
            .collect())
    }

    async fn delete(
        _ctx: &BakeContext,
        ec2: &Ec2,
        entry: &LedgerEntry,
        _polling: Polling,
    ) -> Result<Option<String>, EngineError> {
        let region = &entry.region;
        let id = match &entry.resource_id {
            Some(id) => Some(id.clone()),
            // The process died before CreateLaunchTemplate answered: by its tag.
            None => ec2
                .client
                .describe_launch_templates()
                .filters(of_bake(&entry.bake_id))
                .send()
                .await
                .map_err(|e| aws_error("DescribeLaunchTemplates", region, e))?
                .launch_templates()
                .first()
                .and_then(|t| t.launch_template_id().map(str::to_string)),
        };
        let Some(id) = id else { return Ok(None) };
        let answer = ec2
            .client
            .delete_launch_template()
            .launch_template_id(&id)
            .send()
            .await
            .map_err(|e| aws_error("DeleteLaunchTemplate", region, e));
        deleted(id, answer)
    }
}
