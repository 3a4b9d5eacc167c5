//! A temporary VPC's internet gateway: tagged at creation, found by tag, detached from its
//! VPC and deleted.

use aws_sdk_ec2::types::{ResourceType, TagSpecification};
use bakery_history::{LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::Ec2;
use crate::error::{EngineError, aws_error};
use crate::resources::{CloudResource, Tagged, of_any_bake, of_bake, tag_spec};
use crate::spec::Polling;

/// An EC2 internet gateway.
pub struct InternetGateway;

impl InternetGateway {
    /// The gateway's tags at creation: the bake id.
    pub fn tags(bake_id: &str) -> TagSpecification {
        tag_spec(ResourceType::InternetGateway, bake_id, &Default::default())
    }
}

impl CloudResource for InternetGateway {
    const KIND: ResourceKind = ResourceKind::InternetGateway;

    async fn find_tagged(ec2: &Ec2) -> Result<Vec<Tagged>, EngineError> {
        let gateways = ec2
            .client
            .describe_internet_gateways()
            .filters(of_any_bake())
            .send()
            .await
            .map_err(|e| aws_error("DescribeInternetGateways", &ec2.region, e))?;
        Ok(gateways
            .internet_gateways()
            .iter()
            .map(|g| Self::tagged(g.internet_gateway_id(), g.tags()))
            .collect())
    }

    async fn delete(
        _ctx: &BakeContext,
        ec2: &Ec2,
        entry: &LedgerEntry,
        _polling: Polling,
    ) -> Result<Option<String>, EngineError> {
        let region = &entry.region;
        let gateways = match &entry.resource_id {
            Some(id) => ec2
                .client
                .describe_internet_gateways()
                .internet_gateway_ids(id),
            None => ec2
                .client
                .describe_internet_gateways()
                .filters(of_bake(&entry.bake_id)),
        }
        .send()
        .await
        .map_err(|e| aws_error("DescribeInternetGateways", region, e));
        let gateways = match gateways {
            Err(err) if err.is_not_found() => return Ok(None),
            other => other?,
        };
        let Some(gateway) = gateways.internet_gateways().first() else {
            return Ok(None);
        };
        let id = gateway
            .internet_gateway_id()
            .unwrap_or_default()
            .to_string();
        for attachment in gateway.attachments() {
            if let Some(vpc) = attachment.vpc_id() {
                ec2.client
                    .detach_internet_gateway()
                    .internet_gateway_id(&id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map_err(|e| aws_error("DetachInternetGateway", region, e))?;
            }
        }
        ec2.client
            .delete_internet_gateway()
            .internet_gateway_id(&id)
            .send()
            .await
            .map_err(|e| aws_error("DeleteInternetGateway", region, e))?;
        Ok(Some(id))
    }
}
