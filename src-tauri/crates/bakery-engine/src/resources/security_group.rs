//! The temporary security group: tagged at creation, found by tag, deleted once the
//! instance is gone.

use aws_sdk_ec2::types::{ResourceType, TagSpecification};
use bakery_history::{LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::Ec2;
use crate::error::{EngineError, aws_error};
use crate::resources::{CloudResource, Tagged, deleted, of_any_bake, of_bake, tag_spec};
use crate::spec::Polling;

/// An EC2 security group.
pub struct SecurityGroup;

impl SecurityGroup {
    /// The group's tags at creation: the bake id.
    pub fn tags(bake_id: &str) -> TagSpecification {
        tag_spec(ResourceType::SecurityGroup, bake_id, &Default::default())
    }
}

impl CloudResource for SecurityGroup {
    const KIND: ResourceKind = ResourceKind::SecurityGroup;

    async fn find_tagged(ec2: &Ec2) -> Result<Vec<Tagged>, EngineError> {
        let groups = ec2
            .client
            .describe_security_groups()
            .filters(of_any_bake())
            .send()
            .await
            .map_err(|e| aws_error("DescribeSecurityGroups", &ec2.region, e))?;
        Ok(groups
            .security_groups()
            .iter()
            .map(|g| Self::tagged(g.group_id(), g.tags()))
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
            None => ec2
                .client
                .describe_security_groups()
                .filters(of_bake(&entry.bake_id))
                .send()
                .await
                .map_err(|e| aws_error("DescribeSecurityGroups", region, e))?
                .security_groups()
                .first()
                .and_then(|g| g.group_id().map(str::to_string)),
        };
        let Some(id) = id else { return Ok(None) };
        let answer = ec2
            .client
            .delete_security_group()
            .group_id(&id)
            .send()
            .await
            .map_err(|e| aws_error("DeleteSecurityGroup", region, e));
        deleted(id, answer)
    }
}
