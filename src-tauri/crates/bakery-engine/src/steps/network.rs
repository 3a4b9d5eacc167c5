//! The network: the template's subnet/VPC or the default VPC (resolved in preflight), or —
//! our extension `"temporary_vpc": true` for accounts without a default VPC — a VPC, a
//! public subnet, an internet gateway and a route table made for this bake. All four are
//! ledger entries; cleanup takes them down in dependency order.

use aws_sdk_ec2::types::AttributeBooleanValue;
use bakery_history::ResourceKind;

use crate::EngineError;
use crate::error::aws_error;
use crate::resources::internet_gateway::InternetGateway;
use crate::resources::route_table::RouteTable;
use crate::resources::subnet::Subnet;
use crate::resources::vpc::Vpc;
use crate::steps::Bake;

/// Chooses the VPC and subnet the instance runs in, or makes a temporary VPC when the template asks
/// for one.
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    let Some(temporary) = bake.spec.temporary_vpc.clone() else {
        return Ok(());
    };
    let region = bake.region().to_string();
    let ctx = bake.ctx;
    let client = bake.ec2.client.clone();

    let entry = ctx.intend(&region, ResourceKind::Vpc, None)?;
    let vpc = client
        .create_vpc()
        .cidr_block(&temporary.cidr_block)
        .tag_specifications(Vpc::tags(&ctx.bake_id))
        .send()
        .await
        .map_err(|e| aws_error("CreateVpc", &region, e))?;
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap_or_default()
        .to_string();
    ctx.created(entry, &region, ResourceKind::Vpc, &vpc_id)?;

    let entry = ctx.intend(&region, ResourceKind::Subnet, None)?;
    let subnet = client
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block(&temporary.subnet_cidr_block)
        .tag_specifications(Subnet::tags(&ctx.bake_id))
        .send()
        .await
        .map_err(|e| aws_error("CreateSubnet", &region, e))?;
    let subnet_id = subnet
        .subnet()
        .and_then(|s| s.subnet_id())
        .unwrap_or_default()
        .to_string();
    ctx.created(entry, &region, ResourceKind::Subnet, &subnet_id)?;
    client
        .modify_subnet_attribute()
        .subnet_id(&subnet_id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .map_err(|e| aws_error("ModifySubnetAttribute", &region, e))?;

    let entry = ctx.intend(&region, ResourceKind::InternetGateway, None)?;
    let gateway = client
        .create_internet_gateway()
        .tag_specifications(InternetGateway::tags(&ctx.bake_id))
        .send()
        .await
        .map_err(|e| aws_error("CreateInternetGateway", &region, e))?;
    let gateway_id = gateway
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .unwrap_or_default()
        .to_string();
    ctx.created(entry, &region, ResourceKind::InternetGateway, &gateway_id)?;
    client
        .attach_internet_gateway()
        .internet_gateway_id(&gateway_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .map_err(|e| aws_error("AttachInternetGateway", &region, e))?;

    let entry = ctx.intend(&region, ResourceKind::RouteTable, None)?;
    let table = client
        .create_route_table()
        .vpc_id(&vpc_id)
        .tag_specifications(RouteTable::tags(&ctx.bake_id))
        .send()
        .await
        .map_err(|e| aws_error("CreateRouteTable", &region, e))?;
    let table_id = table
        .route_table()
        .and_then(|t| t.route_table_id())
        .unwrap_or_default()
        .to_string();
    ctx.created(entry, &region, ResourceKind::RouteTable, &table_id)?;
    client
        .create_route()
        .route_table_id(&table_id)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&gateway_id)
        .send()
        .await
        .map_err(|e| aws_error("CreateRoute", &region, e))?;
    client
        .associate_route_table()
        .route_table_id(&table_id)
        .subnet_id(&subnet_id)
        .send()
        .await
        .map_err(|e| aws_error("AssociateRouteTable", &region, e))?;

    ctx.note(format!(
        "Temporary network: {vpc_id} ({}), subnet {subnet_id}, gateway {gateway_id}",
        temporary.cidr_block
    ));
    bake.state.vpc_id = Some(vpc_id);
    bake.state.subnet_id = Some(subnet_id);
    Ok(())
}
