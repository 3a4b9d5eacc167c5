//! Cleanup consumes the ledger: every open entry of a bake is deleted, newest first
//! (instance before its security group and key pair). An entry with no id yet (the process
//! died between the intent and the create call's answer) is looked up by name or by the
//! `bakery:bake-id` tag. A failed delete is retried, then reported with the exact id and why.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{Filter, InstanceStateName};
use bakery_history::{BakeLock, BakeStatus, History, LedgerEntry, ResourceKind};

use crate::EngineError;
use crate::context::BakeContext;
use crate::ec2::{BAKE_ID_TAG, Ec2, poll_until};
use crate::error::aws_error;
use crate::event::{BakeEvent, StepName};
use crate::spec::Polling;

const DELETE_ATTEMPTS: u32 = 4;

/// Deletes every open ledger entry of `ctx.bake_id` — but the images and snapshots when
/// `keep_products` (a bake that succeeded). Returns what could not be deleted.
pub async fn cleanup_bake(
    ctx: &BakeContext,
    sdk: &SdkConfig,
    polling: Polling,
    keep_products: bool,
) -> Vec<String> {
    let entries = match ctx.history.open_entries(&ctx.bake_id) {
        Ok(entries) => entries
            .into_iter()
            .filter(|e| {
                !(keep_products && matches!(e.kind, ResourceKind::Image | ResourceKind::Snapshot))
            })
            .collect(),
        Err(err) => return vec![format!("the ledger could not be read: {err}")],
    };
    let mut left = Vec::new();
    for entry in deletion_order(entries) {
        let ec2 = Ec2::new(sdk, &entry.region);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match delete_entry(ctx, &ec2, &entry, polling).await {
                Ok(Some(id)) => {
                    let _ = ctx.history.mark_deleted(entry.id, &ctx.now());
                    ctx.emit(BakeEvent::ResourceDeleted {
                        kind: entry.kind,
                        id,
                        region: entry.region.clone(),
                    });
                    break;
                }
                Ok(None) => {
                    // Never created (or already gone): nothing to delete.
                    let _ = ctx.history.mark_deleted(entry.id, &ctx.now());
                    break;
                }
                Err(err) if attempt < DELETE_ATTEMPTS => {
                    ctx.note(format!(
                        "Deleting {} {} failed ({err}); retrying",
                        entry.kind.as_str(),
                        describe(&entry)
                    ));
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                }
                Err(err) => {
                    let reason = err.to_string();
                    let _ = ctx.history.mark_failed(entry.id, &reason, &ctx.now());
                    let id = describe(&entry);
                    ctx.emit(BakeEvent::ResourceLeft {
                        kind: entry.kind,
                        id: id.clone(),
                        region: entry.region.clone(),
                        reason: reason.clone(),
                    });
                    left.push(format!(
                        "{} {id} in {} ({reason}); `bakery cleanup` retries it",
                        entry.kind.as_str(),
                        entry.region
                    ));
                    break;
                }
            }
        }
    }
    left
}

/// Newest first, but by what depends on what: the instance before the image and the group,
/// images before their snapshots, the network last (subnet and gateway before the VPC).
fn deletion_order(mut entries: Vec<LedgerEntry>) -> Vec<LedgerEntry> {
    let rank = |kind: ResourceKind| match kind {
        ResourceKind::Instance => 0,
        // Nothing depends on it once the fleet has launched the instance.
        ResourceKind::LaunchTemplate => 1,
        ResourceKind::Image => 1,
        ResourceKind::Snapshot => 2,
        ResourceKind::SecurityGroup => 3,
        ResourceKind::KeyPair => 4,
        ResourceKind::RouteTable => 5,
        ResourceKind::InternetGateway => 6,
        ResourceKind::Subnet => 7,
        ResourceKind::Vpc => 8,
    };
    entries.sort_by_key(|e| (rank(e.kind), std::cmp::Reverse(e.id)));
    entries
}

fn describe(entry: &LedgerEntry) -> String {
    entry
        .resource_id
        .clone()
        .or_else(|| entry.name.clone())
        .unwrap_or_else(|| format!("(tagged {BAKE_ID_TAG}={})", entry.bake_id))
}

/// Deletes one entry's resource; `Ok(None)` when there is nothing to delete.
async fn delete_entry(
    ctx: &BakeContext,
    ec2: &Ec2,
    entry: &LedgerEntry,
    polling: Polling,
) -> Result<Option<String>, EngineError> {
    let region = &entry.region;
    let tag_filter = || {
        Filter::builder()
            .name(format!("tag:{BAKE_ID_TAG}"))
            .values(&entry.bake_id)
            .build()
    };
    match entry.kind {
        ResourceKind::Instance => {
            let ids: Vec<String> = match &entry.resource_id {
                Some(id) => vec![id.clone()],
                None => ec2
                    .client
                    .describe_instances()
                    .filters(tag_filter())
                    .send()
                    .await
                    .map_err(|e| aws_error("DescribeInstances", region, e))?
                    .reservations()
                    .iter()
                    .flat_map(|r| r.instances())
                    .filter(|i| {
                        i.state().and_then(|s| s.name()) != Some(&InstanceStateName::Terminated)
                    })
                    .filter_map(|i| i.instance_id().map(str::to_string))
                    .collect(),
            };
            if ids.is_empty() {
                return Ok(None);
            }
            match ec2
                .client
                .terminate_instances()
                .set_instance_ids(Some(ids.clone()))
                .send()
                .await
                .map_err(|e| aws_error("TerminateInstances", region, e))
            {
                Err(err) if err.is_not_found() => return Ok(None),
                other => other?,
            };
            // Wait: the security group can only go once the instance is gone.
            let client = ec2.client.clone();
            poll_until(
                ctx,
                StepName::Cleanup,
                &format!("instance {} terminating", ids.join(",")),
                polling,
                || {
                    let client = client.clone();
                    let ids = ids.clone();
                    let region = region.clone();
                    async move {
                        let described = client
                            .describe_instances()
                            .set_instance_ids(Some(ids))
                            .send()
                            .await
                            .map_err(|e| aws_error("DescribeInstances", &region, e))?;
                        let states: Vec<InstanceStateName> = described
                            .reservations()
                            .iter()
                            .flat_map(|r| r.instances())
                            .filter_map(|i| i.state().and_then(|s| s.name()).cloned())
                            .collect();
                        if states.iter().all(|s| *s == InstanceStateName::Terminated) {
                            Ok((Some(()), "terminated".to_string()))
                        } else {
                            Ok((
                                None,
                                states
                                    .first()
                                    .map(|s| s.as_str().to_string())
                                    .unwrap_or_default(),
                            ))
                        }
                    }
                },
            )
            .await?;
            Ok(Some(ids.join(",")))
        }
        ResourceKind::LaunchTemplate => {
            let id = match &entry.resource_id {
                Some(id) => Some(id.clone()),
                // The process died before CreateLaunchTemplate answered: by its tag.
                None => ec2
                    .client
                    .describe_launch_templates()
                    .filters(tag_filter())
                    .send()
                    .await
                    .map_err(|e| aws_error("DescribeLaunchTemplates", region, e))?
                    .launch_templates()
                    .first()
                    .and_then(|t| t.launch_template_id().map(str::to_string)),
            };
            let Some(id) = id else { return Ok(None) };
            match ec2
                .client
                .delete_launch_template()
                .launch_template_id(&id)
                .send()
                .await
                .map_err(|e| aws_error("DeleteLaunchTemplate", region, e))
            {
                Err(err) if err.is_not_found() => Ok(None),
                Err(err) => Err(err),
                Ok(_) => Ok(Some(id)),
            }
        }
        ResourceKind::SecurityGroup => {
            let id = match &entry.resource_id {
                Some(id) => Some(id.clone()),
                None => ec2
                    .client
                    .describe_security_groups()
                    .filters(tag_filter())
                    .send()
                    .await
                    .map_err(|e| aws_error("DescribeSecurityGroups", region, e))?
                    .security_groups()
                    .first()
                    .and_then(|g| g.group_id().map(str::to_string)),
            };
            let Some(id) = id else { return Ok(None) };
            match ec2
                .client
                .delete_security_group()
                .group_id(&id)
                .send()
                .await
                .map_err(|e| aws_error("DeleteSecurityGroup", region, e))
            {
                Err(err) if err.is_not_found() => Ok(None),
                Err(err) => Err(err),
                Ok(_) => Ok(Some(id)),
            }
        }
        ResourceKind::KeyPair => {
            let Some(name) = entry.resource_id.clone().or_else(|| entry.name.clone()) else {
                return Ok(None);
            };
            // DeleteKeyPair succeeds for a missing key: nothing to look up first.
            ec2.client
                .delete_key_pair()
                .key_name(&name)
                .send()
                .await
                .map_err(|e| aws_error("DeleteKeyPair", region, e))?;
            Ok(Some(name))
        }
        ResourceKind::Image => {
            let ids: Vec<String> = match &entry.resource_id {
                Some(id) => vec![id.clone()],
                None => {
                    // A copy is tagged only after CopyImage answers: find it by its name
                    // (preflight made sure no other image of the account has it).
                    let mut request = ec2.client.describe_images().owners("self");
                    request = match &entry.name {
                        Some(name) => {
                            request.filters(Filter::builder().name("name").values(name).build())
                        }
                        None => request.filters(tag_filter()),
                    };
                    request
                        .send()
                        .await
                        .map_err(|e| aws_error("DescribeImages", region, e))?
                        .images()
                        .iter()
                        .filter_map(|i| i.image_id().map(str::to_string))
                        .collect()
                }
            };
            if ids.is_empty() {
                return Ok(None);
            }
            // Its snapshots go with it (a bake stopped before it recorded them).
            let snapshots: Vec<String> = match ec2
                .client
                .describe_images()
                .set_image_ids(Some(ids.clone()))
                .send()
                .await
                .map_err(|e| aws_error("DescribeImages", region, e))
            {
                Ok(described) => described
                    .images()
                    .iter()
                    .flat_map(|i| i.block_device_mappings())
                    .filter_map(|m| m.ebs().and_then(|e| e.snapshot_id()))
                    .map(str::to_string)
                    .collect(),
                Err(err) if err.is_not_found() => Vec::new(),
                Err(err) => return Err(err),
            };
            for id in &ids {
                match ec2
                    .client
                    .deregister_image()
                    .image_id(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("DeregisterImage", region, e))
                {
                    Err(err) if err.is_not_found() => {}
                    other => {
                        other?;
                    }
                }
            }
            for snapshot in &snapshots {
                match ec2
                    .client
                    .delete_snapshot()
                    .snapshot_id(snapshot)
                    .send()
                    .await
                    .map_err(|e| aws_error("DeleteSnapshot", region, e))
                {
                    Err(err) if err.is_not_found() => {}
                    other => {
                        other?;
                    }
                }
            }
            Ok(Some(ids.join(",")))
        }
        ResourceKind::Snapshot => {
            let Some(id) = &entry.resource_id else {
                return Ok(None);
            };
            match ec2
                .client
                .delete_snapshot()
                .snapshot_id(id)
                .send()
                .await
                .map_err(|e| aws_error("DeleteSnapshot", region, e))
            {
                Err(err) if err.is_not_found() => Ok(None),
                Err(err) => Err(err),
                Ok(_) => Ok(Some(id.clone())),
            }
        }
        ResourceKind::RouteTable => {
            let tables = match &entry.resource_id {
                Some(id) => ec2.client.describe_route_tables().route_table_ids(id),
                None => ec2.client.describe_route_tables().filters(tag_filter()),
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
        ResourceKind::InternetGateway => {
            let gateways = match &entry.resource_id {
                Some(id) => ec2
                    .client
                    .describe_internet_gateways()
                    .internet_gateway_ids(id),
                None => ec2
                    .client
                    .describe_internet_gateways()
                    .filters(tag_filter()),
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
        ResourceKind::Subnet => {
            let id = match &entry.resource_id {
                Some(id) => Some(id.clone()),
                None => ec2
                    .client
                    .describe_subnets()
                    .filters(tag_filter())
                    .send()
                    .await
                    .map_err(|e| aws_error("DescribeSubnets", region, e))?
                    .subnets()
                    .first()
                    .and_then(|s| s.subnet_id().map(str::to_string)),
            };
            let Some(id) = id else { return Ok(None) };
            match ec2
                .client
                .delete_subnet()
                .subnet_id(&id)
                .send()
                .await
                .map_err(|e| aws_error("DeleteSubnet", region, e))
            {
                Err(err) if err.is_not_found() => Ok(None),
                Err(err) => Err(err),
                Ok(_) => Ok(Some(id)),
            }
        }
        ResourceKind::Vpc => {
            let id = match &entry.resource_id {
                Some(id) => Some(id.clone()),
                None => ec2
                    .client
                    .describe_vpcs()
                    .filters(tag_filter())
                    .send()
                    .await
                    .map_err(|e| aws_error("DescribeVpcs", region, e))?
                    .vpcs()
                    .first()
                    .and_then(|v| v.vpc_id().map(str::to_string)),
            };
            let Some(id) = id else { return Ok(None) };
            match ec2
                .client
                .delete_vpc()
                .vpc_id(&id)
                .send()
                .await
                .map_err(|e| aws_error("DeleteVpc", region, e))
            {
                Err(err) if err.is_not_found() => Ok(None),
                Err(err) => Err(err),
                Ok(_) => Ok(Some(id)),
            }
        }
    }
}

/// Deletes one ledger entry's resource now (mid-bake, e.g. the unencrypted image an
/// encrypted copy replaces) and closes the entry.
pub async fn delete_now(
    ctx: &BakeContext,
    ec2: &Ec2,
    entry_id: i64,
    polling: Polling,
) -> Result<(), EngineError> {
    let Some(entry) = ctx
        .history
        .ledger(&ctx.bake_id)?
        .into_iter()
        .find(|e| e.id == entry_id)
    else {
        return Ok(());
    };
    if let Some(id) = delete_entry(ctx, ec2, &entry, polling).await? {
        ctx.emit(BakeEvent::ResourceDeleted {
            kind: entry.kind,
            id,
            region: entry.region.clone(),
        });
    }
    ctx.history.mark_deleted(entry.id, &ctx.now())?;
    Ok(())
}

/// What start-up recovery did for one dead bake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub bake_id: String,
    pub left: Vec<String>,
}

/// Finds bakes whose process died (their lock is free) with resources still in the ledger,
/// cleans them up, and marks them failed. Live bakes (lock held) are left alone, and so are
/// bakes aborted on purpose (`--on-error=abort`) unless `include_aborted` (`bakery cleanup`).
pub async fn recover_dead_bakes(
    history: Arc<History>,
    data_dir: &Path,
    sdk: &SdkConfig,
    include_aborted: bool,
) -> Result<Vec<Recovered>, EngineError> {
    let mut recovered = Vec::new();
    for bake_id in history.bakes_with_open_entries()? {
        if !include_aborted && history.bake(&bake_id)?.status == BakeStatus::Aborted {
            continue;
        }
        let Some(lock) = BakeLock::try_claim(data_dir, &bake_id)? else {
            continue; // still running in another process
        };
        let ctx = BakeContext::new(&bake_id, history.clone(), data_dir.to_path_buf());
        ctx.note("Cleaning up after a bake whose process stopped");
        let left = cleanup_bake(&ctx, sdk, Polling::default(), false).await;
        if let Ok(record) = history.bake(&bake_id)
            && record.status == BakeStatus::Running
        {
            history.finish_bake(
                &bake_id,
                BakeStatus::Failed,
                &ctx.now(),
                Some("the process running this bake stopped (killed or crashed); its resources were cleaned up"),
            )?;
        }
        lock.release();
        recovered.push(Recovered { bake_id, left });
    }
    Ok(recovered)
}

/// What a sweep found and did with one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swept {
    pub region: String,
    pub kind: ResourceKind,
    pub id: String,
    pub bake_id: String,
    /// `deleted`, or why it was left.
    pub outcome: String,
}

/// Sweeps `regions` for resources tagged `bakery:bake-id` (the ledger's safety net: a
/// history lost or another machine's bakes). Resources of running bakes are left alone;
/// images and snapshots are deleted only when their bake is known here and did not succeed
/// (an image of a successful bake is the product, and one of an unknown bake may be too).
pub async fn sweep(
    history: Arc<History>,
    data_dir: &Path,
    sdk: &SdkConfig,
    regions: &[String],
) -> Result<Vec<Swept>, EngineError> {
    let mut swept = Vec::new();
    for region in regions {
        let ec2 = Ec2::new(sdk, region);
        let found = tagged_resources(&ec2).await?;
        let mut entries = Vec::new();
        for (kind, id, bake_id) in found {
            let record = history.bake(&bake_id).ok();
            let live = BakeLock::try_claim(data_dir, &bake_id)?
                .map(|lock| lock.release())
                .is_none();
            let keep = if live {
                Some("its bake is still running".to_string())
            } else if matches!(kind, ResourceKind::Image | ResourceKind::Snapshot) {
                match record.as_ref().map(|r| r.status) {
                    Some(BakeStatus::Succeeded) => Some("the product of a successful bake".into()),
                    None => Some(
                        "its bake is not in this history: delete it yourself if it is not wanted"
                            .into(),
                    ),
                    _ => None,
                }
            } else {
                None
            };
            if let Some(reason) = keep {
                swept.push(Swept {
                    region: region.clone(),
                    kind,
                    id,
                    bake_id,
                    outcome: format!("left: {reason}"),
                });
                continue;
            }
            entries.push(LedgerEntry {
                id: 0,
                bake_id,
                region: region.clone(),
                kind,
                name: None,
                resource_id: Some(id),
                state: bakery_history::LedgerState::Created,
                note: None,
            });
        }
        for entry in deletion_order(entries) {
            let ctx = BakeContext::new(&entry.bake_id, history.clone(), data_dir.to_path_buf());
            let outcome = match delete_entry(&ctx, &ec2, &entry, Polling::default()).await {
                Ok(_) => "deleted".to_string(),
                Err(err) => format!("left: {err}"),
            };
            swept.push(Swept {
                region: region.clone(),
                kind: entry.kind,
                id: entry.resource_id.unwrap_or_default(),
                bake_id: entry.bake_id,
                outcome,
            });
        }
    }
    Ok(swept)
}

/// Every resource in the region carrying the `bakery:bake-id` tag: (kind, id, bake id).
async fn tagged_resources(ec2: &Ec2) -> Result<Vec<(ResourceKind, String, String)>, EngineError> {
    let region = ec2.region.as_str();
    let mut found = Vec::new();
    let tagged = || {
        Filter::builder()
            .name("tag-key")
            .values(BAKE_ID_TAG)
            .build()
    };
    let bake_of = |tags: &[aws_sdk_ec2::types::Tag]| {
        tags.iter()
            .find(|t| t.key() == Some(BAKE_ID_TAG))
            .and_then(|t| t.value())
            .unwrap_or_default()
            .to_string()
    };

    let instances = ec2
        .client
        .describe_instances()
        .filters(tagged())
        .filters(
            Filter::builder()
                .name("instance-state-name")
                .values("pending")
                .values("running")
                .values("stopping")
                .values("stopped")
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("DescribeInstances", region, e))?;
    for instance in instances.reservations().iter().flat_map(|r| r.instances()) {
        found.push((
            ResourceKind::Instance,
            instance.instance_id().unwrap_or_default().to_string(),
            bake_of(instance.tags()),
        ));
    }
    let groups = ec2
        .client
        .describe_security_groups()
        .filters(tagged())
        .send()
        .await
        .map_err(|e| aws_error("DescribeSecurityGroups", region, e))?;
    for group in groups.security_groups() {
        found.push((
            ResourceKind::SecurityGroup,
            group.group_id().unwrap_or_default().to_string(),
            bake_of(group.tags()),
        ));
    }
    let templates = ec2
        .client
        .describe_launch_templates()
        .filters(tagged())
        .send()
        .await
        .map_err(|e| aws_error("DescribeLaunchTemplates", region, e))?;
    for template in templates.launch_templates() {
        found.push((
            ResourceKind::LaunchTemplate,
            template
                .launch_template_id()
                .unwrap_or_default()
                .to_string(),
            bake_of(template.tags()),
        ));
    }
    let keys = ec2
        .client
        .describe_key_pairs()
        .filters(tagged())
        .send()
        .await
        .map_err(|e| aws_error("DescribeKeyPairs", region, e))?;
    for key in keys.key_pairs() {
        found.push((
            ResourceKind::KeyPair,
            key.key_name().unwrap_or_default().to_string(),
            bake_of(key.tags()),
        ));
    }
    let images = ec2
        .client
        .describe_images()
        .owners("self")
        .filters(tagged())
        .send()
        .await
        .map_err(|e| aws_error("DescribeImages", region, e))?;
    for image in images.images() {
        found.push((
            ResourceKind::Image,
            image.image_id().unwrap_or_default().to_string(),
            bake_of(image.tags()),
        ));
    }
    let vpcs = ec2
        .client
        .describe_vpcs()
        .filters(tagged())
        .send()
        .await
        .map_err(|e| aws_error("DescribeVpcs", region, e))?;
    for vpc in vpcs.vpcs() {
        found.push((
            ResourceKind::Vpc,
            vpc.vpc_id().unwrap_or_default().to_string(),
            bake_of(vpc.tags()),
        ));
    }
    let subnets = ec2
        .client
        .describe_subnets()
        .filters(tagged())
        .send()
        .await
        .map_err(|e| aws_error("DescribeSubnets", region, e))?;
    for subnet in subnets.subnets() {
        found.push((
            ResourceKind::Subnet,
            subnet.subnet_id().unwrap_or_default().to_string(),
            bake_of(subnet.tags()),
        ));
    }
    let gateways = ec2
        .client
        .describe_internet_gateways()
        .filters(tagged())
        .send()
        .await
        .map_err(|e| aws_error("DescribeInternetGateways", region, e))?;
    for gateway in gateways.internet_gateways() {
        found.push((
            ResourceKind::InternetGateway,
            gateway
                .internet_gateway_id()
                .unwrap_or_default()
                .to_string(),
            bake_of(gateway.tags()),
        ));
    }
    let tables = ec2
        .client
        .describe_route_tables()
        .filters(tagged())
        .send()
        .await
        .map_err(|e| aws_error("DescribeRouteTables", region, e))?;
    for table in tables.route_tables() {
        found.push((
            ResourceKind::RouteTable,
            table.route_table_id().unwrap_or_default().to_string(),
            bake_of(table.tags()),
        ));
    }
    Ok(found)
}

/// Every region the account can use (for a sweep).
pub async fn all_regions(sdk: &SdkConfig, home_region: &str) -> Result<Vec<String>, EngineError> {
    let regions = Ec2::new(sdk, home_region)
        .client
        .describe_regions()
        .send()
        .await
        .map_err(|e| aws_error("DescribeRegions", home_region, e))?;
    Ok(regions
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect())
}
