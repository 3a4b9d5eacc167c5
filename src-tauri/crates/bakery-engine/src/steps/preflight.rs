//! Preflight: everything that can be checked before anything is created — credentials,
//! regions, the AMI name free in every target region, the instance type, the network (ids,
//! or `vpc_filter`/`subnet_filter` resolved like Packer).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;

use crate::EngineError;
pub use crate::ec2::{describe_filters, ec2_filters};
use crate::error::aws_error;
use crate::event::StepName;
use crate::regions::diagnose_region;
use crate::resources::image::ami_name_free;
use crate::spec::SubnetPick;
use crate::steps::Bake;

/// Checks what can be checked before anything is made; fails naming the first problem.
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    let region = bake.region().to_string();

    let sts = aws_sdk_sts::Client::new(bake.sdk);
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| aws_error("GetCallerIdentity", &region, e))?;
    let account = identity.account().unwrap_or_default().to_string();
    bake.ctx.note(format!(
        "Credentials are valid: account {account}, {}",
        identity.arn().unwrap_or_default()
    ));
    let _ = bake.ctx.history.record_account(&bake.ctx.bake_id, &account);
    bake.state.account_id = Some(account);
    bake.ctx.check_cancel(StepName::Preflight)?;

    // Ansible runs on this machine: it must be there before anything is made for it.
    for provisioner in &bake.spec.provisioners {
        if let crate::spec::Provisioner::Ansible(ansible) = provisioner
            && let Some(version) = crate::ansible::check_installed(ansible).await?
        {
            bake.ctx.note(format!("Ansible is here: {version}"));
        }
    }

    if bake.spec.ami_name.contains("{{") {
        bake.ctx.note(format!(
            "The AMI name `{}` uses build-time variables: it is checked once the source image is known",
            bake.spec.ami_name
        ));
    } else if !bake.spec.force_deregister {
        ami_name_free(bake.sdk, &bake.spec).await?;
    }
    bake.ctx.check_cancel(StepName::Preflight)?;

    // A spot bake may use any of its types; each must be offered here.
    let (types, option) = match &bake.spec.spot {
        Some(spot) if !spot.instance_types.is_empty() => {
            (spot.instance_types.clone(), "spot_instance_types")
        }
        _ => (vec![bake.spec.instance_type.clone()], "instance_type"),
    };
    let offered = bake
        .ec2
        .client
        .describe_instance_type_offerings()
        .location_type(aws_sdk_ec2::types::LocationType::Region)
        .filters(
            Filter::builder()
                .name("instance-type")
                .set_values(Some(types.clone()))
                .build(),
        )
        .send()
        .await;
    let offered = match offered {
        Ok(offered) => offered,
        Err(err) => {
            return Err(diagnose_region(
                bake.sdk,
                &region,
                aws_error("DescribeInstanceTypeOfferings", &region, err),
            )
            .await);
        }
    };
    let missing: Vec<&String> = types
        .iter()
        .filter(|t| {
            !offered
                .instance_type_offerings()
                .iter()
                .any(|o| o.instance_type().map(|i| i.as_str()) == Some(t.as_str()))
        })
        .collect();
    if let Some(missing) = missing.first() {
        return Err(EngineError::Preflight(format!(
            "instance type `{missing}` is not offered in {region}: check {option} (e.g. t3.micro)"
        )));
    }

    resolve_network(bake).await
}

/// `vpc_filter`: exactly one available VPC must match (Packer's rule).
async fn vpc_from_filter(
    bake: &Bake<'_>,
    filters: &BTreeMap<String, Vec<String>>,
) -> Result<String, EngineError> {
    let region = bake.region();
    let mut wanted = filters.clone();
    wanted.insert("state".into(), vec!["available".into()]);
    let found = bake
        .ec2
        .client
        .describe_vpcs()
        .set_filters(Some(ec2_filters(&wanted)))
        .send()
        .await
        .map_err(|e| aws_error("DescribeVpcs", region, e))?;
    let ids: Vec<&str> = found.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
    match ids.as_slice() {
        [one] => {
            bake.ctx.note(format!(
                "vpc_filter ({}) found VPC {one}",
                describe_filters(filters)
            ));
            Ok(one.to_string())
        }
        _ => Err(EngineError::Preflight(format!(
            "vpc_filter ({}) matched {} VPCs in {region}{}: exactly one must match; make the filters more specific or set vpc_id",
            describe_filters(filters),
            ids.len(),
            if ids.is_empty() {
                String::new()
            } else {
                format!(" ({})", ids.join(", "))
            }
        ))),
    }
}

/// `subnet_filter`: the available subnets that match (in the VPC, when known); several
/// need `most_free` (the most free addresses) or `random` (Packer's rules).
async fn subnet_from_filter(
    bake: &Bake<'_>,
    filter: &crate::spec::SubnetFilterSpec,
    vpc_id: Option<&str>,
) -> Result<(String, String), EngineError> {
    let region = bake.region();
    let mut wanted = filter.filters.clone();
    wanted.insert("state".into(), vec!["available".into()]);
    if let Some(vpc) = vpc_id {
        wanted.insert("vpc-id".into(), vec![vpc.to_string()]);
    }
    let found = bake
        .ec2
        .client
        .describe_subnets()
        .set_filters(Some(ec2_filters(&wanted)))
        .send()
        .await
        .map_err(|e| aws_error("DescribeSubnets", region, e))?;
    let subnets = found.subnets();
    let shown = describe_filters(&filter.filters);
    let within = vpc_id.map(|v| format!(" in {v}")).unwrap_or_default();
    let chosen = match subnets {
        [] => {
            return Err(EngineError::Preflight(format!(
                "subnet_filter ({shown}) matched no available subnet{within} in {region}: check the filters (tags are case-sensitive) or set subnet_id"
            )));
        }
        [one] => one,
        several if filter.pick == Some(SubnetPick::MostFree) => several
            .iter()
            .max_by_key(|s| s.available_ip_address_count().unwrap_or(0))
            .expect("not empty"),
        several if filter.pick == Some(SubnetPick::Random) => {
            &several[rand::random_range(0..several.len())]
        }
        several => {
            let ids: Vec<&str> = several.iter().filter_map(|s| s.subnet_id()).collect();
            return Err(EngineError::Preflight(format!(
                "subnet_filter ({shown}) matched {} subnets{within} ({}): make the filters more specific, or set \"most_free\" or \"random\" to true",
                ids.len(),
                ids.join(", ")
            )));
        }
    };
    let subnet = chosen.subnet_id().unwrap_or_default().to_string();
    let vpc = chosen.vpc_id().unwrap_or_default().to_string();
    bake.ctx.note(format!(
        "subnet_filter ({shown}) found subnet {subnet} in {vpc} ({} free addresses, of {} matching)",
        chosen.available_ip_address_count().unwrap_or(0),
        subnets.len()
    ));
    Ok((subnet, vpc))
}

async fn resolve_network(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    let region = bake.region().to_string();
    if bake.spec.temporary_vpc.is_some() {
        return Ok(()); // the network step makes one
    }
    let mut vpc_id = bake.spec.vpc_id.clone();
    if vpc_id.is_none()
        && let Some(filters) = &bake.spec.vpc_filter
    {
        vpc_id = Some(vpc_from_filter(bake, filters).await?);
    }
    if bake.spec.subnet_id.is_none()
        && let Some(filter) = &bake.spec.subnet_filter
    {
        let (subnet, vpc) = subnet_from_filter(bake, filter, vpc_id.as_deref()).await?;
        bake.state.subnet_id = Some(subnet);
        bake.state.vpc_id = Some(vpc);
        return Ok(());
    }
    if let Some(subnet_id) = &bake.spec.subnet_id {
        let subnets = bake
            .ec2
            .client
            .describe_subnets()
            .subnet_ids(subnet_id)
            .send()
            .await
            .map_err(|e| aws_error("DescribeSubnets", &region, e))?;
        let subnet = subnets.subnets().first().ok_or_else(|| {
            EngineError::Preflight(format!("subnet `{subnet_id}` does not exist in {region}"))
        })?;
        let vpc = subnet.vpc_id().unwrap_or_default().to_string();
        if let Some(wanted) = &vpc_id
            && *wanted != vpc
        {
            return Err(EngineError::Preflight(format!(
                "subnet `{subnet_id}` is in {vpc}, not in vpc_id `{wanted}`: fix one of them"
            )));
        }
        bake.state.subnet_id = Some(subnet_id.clone());
        bake.state.vpc_id = Some(vpc);
        return Ok(());
    }
    if let Some(vpc_id) = &vpc_id {
        let vpcs = bake
            .ec2
            .client
            .describe_vpcs()
            .vpc_ids(vpc_id)
            .send()
            .await
            .map_err(|e| aws_error("DescribeVpcs", &region, e))?;
        if vpcs.vpcs().is_empty() {
            return Err(EngineError::Preflight(format!(
                "vpc `{vpc_id}` does not exist in {region}"
            )));
        }
        bake.state.vpc_id = Some(vpc_id.clone());
        return Ok(());
    }
    let defaults = bake
        .ec2
        .client
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .map_err(|e| aws_error("DescribeVpcs", &region, e))?;
    match defaults.vpcs().first().and_then(|v| v.vpc_id()) {
        Some(vpc) => {
            bake.state.vpc_id = Some(vpc.to_string());
            Ok(())
        }
        None => Err(EngineError::Preflight(format!(
            "the account has no default VPC in {region}: set subnet_id (and vpc_id), or \"temporary_vpc\": true"
        ))),
    }
}
