//! Preflight: everything that can be checked before anything is created — credentials,
//! regions, the AMI name free in every target region, the instance type, the network.

use aws_sdk_ec2::types::Filter;

use crate::EngineError;
use crate::error::aws_error;
use crate::event::StepName;
use crate::steps::Bake;

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
    bake.state.account_id = Some(account);
    bake.ctx.check_cancel(StepName::Preflight)?;

    let mut targets = vec![region.clone()];
    targets.extend(
        bake.spec
            .ami_regions
            .iter()
            .filter(|r| **r != region)
            .cloned(),
    );

    if !bake.spec.force_deregister {
        for target in &targets {
            let ec2 = bake.ec2_in(target);
            let taken = ec2
                .client
                .describe_images()
                .owners("self")
                .filters(
                    Filter::builder()
                        .name("name")
                        .values(&bake.spec.ami_name)
                        .build(),
                )
                .send()
                .await;
            let taken = match taken {
                Ok(taken) => taken,
                Err(err) => {
                    return Err(diagnose_region(
                        bake,
                        target,
                        aws_error("DescribeImages", target, err),
                    )
                    .await);
                }
            };
            if let Some(image) = taken.images().first() {
                return Err(EngineError::Preflight(format!(
                    "an AMI named `{}` already exists in {target} ({}): change ami_name (e.g. add {{{{timestamp}}}}) or set force_deregister",
                    bake.spec.ami_name,
                    image.image_id().unwrap_or_default()
                )));
            }
        }
    }
    bake.ctx.check_cancel(StepName::Preflight)?;

    let offered = bake
        .ec2
        .client
        .describe_instance_type_offerings()
        .location_type(aws_sdk_ec2::types::LocationType::Region)
        .filters(
            Filter::builder()
                .name("instance-type")
                .values(&bake.spec.instance_type)
                .build(),
        )
        .send()
        .await;
    let offered = match offered {
        Ok(offered) => offered,
        Err(err) => {
            return Err(diagnose_region(
                bake,
                &region,
                aws_error("DescribeInstanceTypeOfferings", &region, err),
            )
            .await);
        }
    };
    if offered.instance_type_offerings().is_empty() {
        return Err(EngineError::Preflight(format!(
            "instance type `{}` is not offered in {region}: check instance_type (e.g. t3.micro)",
            bake.spec.instance_type
        )));
    }

    resolve_network(bake).await
}

/// A call to `target` failed: if the region does not exist, say so (with the closest name,
/// asked of us-east-1), else pass the error on. Only asked on failure: no call is spent on
/// it when the regions are right.
async fn diagnose_region(bake: &Bake<'_>, target: &str, err: EngineError) -> EngineError {
    let Ok(regions) = bake
        .ec2_in("us-east-1")
        .client
        .describe_regions()
        .all_regions(true)
        .send()
        .await
    else {
        return err;
    };
    let known: Vec<&str> = regions
        .regions()
        .iter()
        .filter_map(|r| r.region_name())
        .collect();
    if known.contains(&target) {
        return err;
    }
    let close = known
        .iter()
        .min_by_key(|k| edit_distance(k, target))
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default();
    EngineError::Preflight(format!(
        "region `{target}` does not exist{close}; check region and ami_regions"
    ))
}

async fn resolve_network(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    let region = bake.region().to_string();
    if bake.spec.temporary_vpc.is_some() {
        return Ok(()); // the network step makes one
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
        if let Some(wanted) = &bake.spec.vpc_id
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
    if let Some(vpc_id) = &bake.spec.vpc_id {
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

/// Levenshtein distance, for "did you mean" on region names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    #[test]
    fn edit_distance_finds_region_typos() {
        assert_eq!(super::edit_distance("eu-west-1", "eu-wset-1"), 2);
        assert_eq!(super::edit_distance("us-east-1", "us-east-1"), 0);
    }
}
