//! A temporary VPC (`temporary_vpc`): tagged at creation, found by tag, deleted last (after
//! its subnet, gateway and route table).

use aws_sdk_ec2::types::{ResourceType, TagSpecification};
use bakery_history::{LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::Ec2;
use crate::error::{EngineError, aws_error};
use crate::resources::{CloudResource, Tagged, deleted, of_any_bake, of_bake, tag_spec};
use crate::spec::Polling;

/// An EC2 VPC.
pub struct Vpc;

impl Vpc {
    /// The VPC's tags at creation: the bake id.
    pub fn tags(bake_id: &str) -> TagSpecification {
        tag_spec(ResourceType::Vpc, bake_id, &Default::default())
    }
}

impl CloudResource for Vpc {
    const KIND: ResourceKind = ResourceKind::Vpc;

    async fn find_tagged(ec2: &Ec2) -> Result<Vec<Tagged>, EngineError> {
        let vpcs = ec2
            .client
            .describe_vpcs()
            .filters(of_any_bake())
            .send()
            .await
            .map_err(|e| aws_error("DescribeVpcs", &ec2.region, e))?;
        Ok(vpcs
            .vpcs()
            .iter()
            .map(|v| Self::tagged(v.vpc_id(), v.tags()))
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
                .describe_vpcs()
                .filters(of_bake(&entry.bake_id))
                .send()
                .await
                .map_err(|e| aws_error("DescribeVpcs", region, e))?
                .vpcs()
                .first()
                .and_then(|v| v.vpc_id().map(str::to_string)),
        };
        let Some(id) = id else { return Ok(None) };
        let answer = ec2
            .client
            .delete_vpc()
            .vpc_id(&id)
            .send()
            .await
            .map_err(|e| aws_error("DeleteVpc", region, e));
        deleted(id, answer)
    }
}
