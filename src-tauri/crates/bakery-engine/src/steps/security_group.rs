//! The temporary security group: SSH only from the template's CIDRs, else from the
//! operator's address (/32). Never 0.0.0.0/0 unless the template says so. Groups given by id
//! or found by `security_group_filter` are used as they are, and none is made.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{IpPermission, IpRange};
use bakery_history::ResourceKind;

use crate::EngineError;
use crate::ec2::{describe_filters, ec2_filters};
use crate::error::aws_error;
use crate::resources::security_group::SecurityGroup;
use crate::spec::Communicator;
use crate::spec::DEFAULT_PUBLIC_IP_URL;
use crate::steps::Bake;

/// The temporary security group's name for a bake (known before it exists, so cleanup can find it).
pub fn group_name(bake_id: &str) -> String {
    format!("bakery_{bake_id}")
}

/// The CIDRs allowed to reach SSH: the template's, else the operator's public address /32
/// (looked up like Packer's `temporary_security_group_source_public_ip`), never 0.0.0.0/0
/// unless the template lists it.
pub async fn source_cidrs(bake: &Bake<'_>) -> Result<Vec<String>, EngineError> {
    if !bake.spec.ssh_source_cidrs.is_empty() {
        return Ok(bake.spec.ssh_source_cidrs.clone());
    }
    let loopback = bake
        .spec
        .ssh
        .host
        .as_deref()
        .is_some_and(|h| h.starts_with("127.") || h == "localhost" || h == "::1");
    let url = match (&bake.spec.public_ip_lookup_url, loopback) {
        (Some(url), _) => url.clone(),
        // The instance is reached through this machine: only it needs in.
        (None, true) => return Ok(vec!["127.0.0.1/32".into()]),
        (None, false) => DEFAULT_PUBLIC_IP_URL.to_string(),
    };
    let address = lookup_public_ip(&url).await.map_err(|why| {
        EngineError::Preflight(format!(
            "cannot find this machine's public address at {url} ({why}): set temporary_security_group_source_cidrs to the address(es) SSH comes from"
        ))
    })?;
    Ok(vec![format!("{address}/32")])
}

/// Asks `url` for this machine's public IPv4 address.
pub async fn lookup_public_ip(url: &str) -> Result<std::net::Ipv4Addr, String> {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .build()
            .into();
        let text = agent
            .get(&url)
            .call()
            .map_err(|e| e.to_string())?
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        text.trim()
            .parse::<std::net::Ipv4Addr>()
            .map_err(|_| format!("the answer {:?} is not an IPv4 address", text.trim()))
    })
    .await
    .map_err(|e| e.to_string())?
}

/// `security_group_filter`: every group that matches, in the bake's VPC (Packer's rule);
/// none is an error here (Packer would launch with none and fail later at AWS).
async fn groups_from_filter(
    bake: &mut Bake<'_>,
    filters: &BTreeMap<String, Vec<String>>,
) -> Result<(), EngineError> {
    let region = bake.region().to_string();
    let mut wanted = filters.clone();
    if let Some(vpc) = &bake.state.vpc_id {
        wanted.insert("vpc-id".into(), vec![vpc.clone()]);
    }
    let found = bake
        .ec2
        .client
        .describe_security_groups()
        .set_filters(Some(ec2_filters(&wanted)))
        .send()
        .await
        .map_err(|e| aws_error("DescribeSecurityGroups", &region, e))?;
    let ids: Vec<String> = found
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id().map(str::to_string))
        .collect();
    let within = bake
        .state
        .vpc_id
        .as_deref()
        .map(|v| format!(" in {v}"))
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(EngineError::Preflight(format!(
            "security_group_filter ({}) matched no security group{within} in {region}: check the filters (tags are case-sensitive) or set security_group_ids",
            describe_filters(filters)
        )));
    }
    bake.ctx.note(format!(
        "security_group_filter ({}) found {}",
        describe_filters(filters),
        ids.join(", ")
    ));
    bake.state.security_group_ids = ids;
    Ok(())
}

/// Gives the instance its security groups: the given or found ones, or a temporary group that lets
/// SSH in from the allowed addresses only (a ledger entry).
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    if !bake.spec.security_group_ids.is_empty() {
        bake.state.security_group_ids = bake.spec.security_group_ids.clone();
        return Ok(());
    }
    if let Some(filters) = bake.spec.security_group_filter.clone() {
        return groups_from_filter(bake, &filters).await;
    }
    let region = bake.region().to_string();
    // communicator "none": the group lets nothing in (Packer 1.6.6 still makes it, with a
    // rule for port 0, as nothing connects), so no address is looked up.
    let cidrs = if bake.spec.communicator == Communicator::None {
        Vec::new()
    } else {
        source_cidrs(bake).await?
    };
    let name = group_name(&bake.ctx.bake_id);
    let entry = bake
        .ctx
        .intend(&region, ResourceKind::SecurityGroup, Some(&name))?;
    let created = bake
        .ec2
        .client
        .create_security_group()
        .group_name(&name)
        .description(format!(
            "AMI Bakery temporary group for bake {}",
            bake.ctx.bake_id
        ))
        .set_vpc_id(bake.state.vpc_id.clone())
        .tag_specifications(SecurityGroup::tags(&bake.ctx.bake_id))
        .send()
        .await
        .map_err(|e| aws_error("CreateSecurityGroup", &region, e))?;
    let group_id = created.group_id().unwrap_or_default().to_string();
    bake.ctx
        .created(entry, &region, ResourceKind::SecurityGroup, &group_id)?;
    if cidrs.is_empty() {
        bake.ctx.note(format!(
            "Security group {group_id} allows nothing in (communicator \"none\")"
        ));
        bake.state.security_group_ids = vec![group_id];
        return Ok(());
    }
    let port = i32::from(bake.spec.ssh.port);
    let mut permission = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port);
    for cidr in &cidrs {
        permission = permission.ip_ranges(IpRange::builder().cidr_ip(cidr).build());
    }
    bake.ec2
        .client
        .authorize_security_group_ingress()
        .group_id(&group_id)
        .ip_permissions(permission.build())
        .send()
        .await
        .map_err(|e| aws_error("AuthorizeSecurityGroupIngress", &region, e))?;
    bake.ctx.note(format!(
        "Security group {group_id} allows SSH (port {port}) from {}",
        cidrs.join(", ")
    ));
    bake.state.security_group_ids = vec![group_id];
    Ok(())
}
