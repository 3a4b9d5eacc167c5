//! A temporary VPC's route table: tagged at creation, found by tag, disassociated from its
//! subnet and deleted.

use aws_sdk_ec2::types::{ResourceType, TagSpecification};
use bakery_history::{LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::Ec2;
use crate::error::{EngineError, aws_error};
use crate::resources::{CloudResource, Tagged, of_any_bake, of_bake, tag_spec};
use crate::spec::Polling;

/// An EC2 route table.
pub struct RouteTable;

impl RouteTable {
    /// The route table's tags at creation: the bake id.
    pub fn tags(bake_id: &str) -> TagSpecification {
        tag_spec(ResourceType::RouteTable, bake_id, &Default::default())
    }
}

impl CloudResource for RouteTable {
    const KIND: ResourceKind = ResourceKind::RouteTable;

    async fn find_tagged(ec2: &Ec2) -> Result<Vec<Tagged>, EngineError> {
        let tables = ec2
            .client
            .describe_route_tables()
            .filters(of_any_bake())
            .send()
            .await
            .map_err(|e| aws_error("DescribeRouteTables", &ec2.region, e))?;
        Ok(tables
            .route_tables()
            .iter()
            .map(|t| Self::tagged(t.route_table_id(), t.tags()))
            .collect())
    }

    async fn delete(
        _ctx: &BakeContext,
        ec2: &Ec2,
        entry: &LedgerEntry,
        _polling: Polling,
    ) -> Result<Option<String>, EngineError> {
        let region = &entry.region;
        let tables = match &entry.resource_id {
            Some(id) => ec2.client.describe_route_tables().route_table_ids(id),
            None => ec2
                .client
                .describe_route_tables()
                .filters(of_bake(&entry.bake_id)),
        }
        .send()
        .await
        .map_err(|e| aws_error("DescribeRouteTables", region, e));
        let tables = match tables {
            Err(err) if err.is_not_found() => return Ok(None),
            other => other?,
        };
        let Some(table) = tables.route_tables().first() else {
            return Ok(None);
        };
        let id = table.route_table_id().unwrap_or_default().to_string();
        for association in table.associations() {
            if let Some(association_id) = association.route_table_association_id() {
                ec2.client
                    .disassociate_route_table()
                    .association_id(association_id)
                    .send()
                    .await
                    .map_err(|e| aws_error("DisassociateRouteTable", region, e))?;
            }
        }
        ec2.client
            .delete_route_table()
            .route_table_id(&id)
            .send()
            .await
            .map_err(|e| aws_error("DeleteRouteTable", region, e))?;
        Ok(Some(id))
    }
}
