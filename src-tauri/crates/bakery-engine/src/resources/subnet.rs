//! A temporary VPC's public subnet: tagged at creation, found by tag, deleted before its
//! VPC.

use aws_sdk_ec2::types::{ResourceType, TagSpecification};
use bakery_history::{LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::Ec2;
use crate::error::{EngineError, aws_error};
use crate::resources::{CloudResource, Tagged, deleted, of_any_bake, of_bake, tag_spec};
use crate::spec::Polling;

/// An EC2 subnet.
pub struct Subnet;

impl Subnet {
    /// The subnet's tags at creation: the bake id.
    pub fn tags(bake_id: &str) -> TagSpecification {
        tag_spec(ResourceType::Subnet, bake_id, &Default::default())
    }
}

impl CloudResource for Subnet {
    const KIND: ResourceKind = ResourceKind::Subnet;

    async fn find_tagged(ec2: &Ec2) -> Result<Vec<Tagged>, EngineError> {
        let subnets = ec2
            .client
            .describe_subnets()
            .filters(of_any_bake())
            .send()
            .await
            .map_err(|e| aws_error("DescribeSubnets", &ec2.region, e))?;
        Ok(subnets
            .subnets()
            .iter()
            .map(|s| Self::tagged(s.subnet_id(), s.tags()))
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
                .describe_subnets()
                .filters(of_bake(&entry.bake_id))
                .send()
                .await
                .map_err(|e| aws_error("DescribeSubnets", region, e))?
                .subnets()
                .first()
                .and_then(|s| s.subnet_id().map(str::to_string)),
        };
        let Some(id) = id else { return Ok(None) };
        let answer = ec2
            .client
            .delete_subnet()
            .subnet_id(&id)
            .send()
            .await
            .map_err(|e| aws_error("DeleteSubnet", region, e));
        deleted(id, answer)
    }
}
