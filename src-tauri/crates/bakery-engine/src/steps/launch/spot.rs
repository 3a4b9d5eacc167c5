//! A spot instance, the way Packer 1.6.6's amazon-ebs launches one: a launch template made
//! for the bake (market type spot, `spot_price` as the maximum or none for `auto`), then an
//! instant EC2 Fleet of one spot instance over it with one override per type in
//! `spot_instance_types` — EC2 picks the type. The launch template is a ledger entry (tagged
//! `bakery:bake-id` and `spot_tags`), deleted by cleanup after the instance.

use aws_sdk_ec2::types::{
    DefaultTargetCapacityType, FleetLaunchTemplateConfigRequest,
    FleetLaunchTemplateOverridesRequest, FleetLaunchTemplateSpecificationRequest, FleetType,
    InstanceInterruptionBehavior, LaunchTemplateBlockDeviceMappingRequest,
    LaunchTemplateEbsBlockDeviceRequest, LaunchTemplateHttpTokensState,
    LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMarketOptionsRequest, LaunchTemplateInstanceMetadataEndpointState,
    LaunchTemplateInstanceMetadataOptionsRequest, LaunchTemplateInstanceMetadataTagsState,
    LaunchTemplateInstanceNetworkInterfaceSpecificationRequest,
    LaunchTemplateSpotMarketOptionsRequest, MarketType, RequestLaunchTemplateData, ResourceType,
    SpotInstanceType, Tag, TargetCapacitySpecificationRequest, VolumeType,
};
use bakery_history::ResourceKind;
use base64::Engine;

use crate::EngineError;
use crate::error::aws_error;
use crate::resources::launch_template::LaunchTemplate;
use crate::spec::{BlockDevice, SpotSpec};
use crate::steps::Bake;

/// The launch template's name: one per bake.
pub fn launch_template_name(bake_id: &str) -> String {
    format!("bakery_{bake_id}")
}

/// Launches the spot instance; returns its id once EC2 has answered.
pub async fn launch(
    bake: &Bake<'_>,
    image_id: &str,
    spot: &SpotSpec,
) -> Result<String, EngineError> {
    let region = bake.region().to_string();
    let spec = &bake.spec;
    let name = launch_template_name(&bake.ctx.bake_id);

    let mut market = LaunchTemplateSpotMarketOptionsRequest::builder()
        .spot_instance_type(SpotInstanceType::OneTime)
        .instance_interruption_behavior(InstanceInterruptionBehavior::Terminate);
    if let Some(price) = &spot.max_price {
        market = market.max_price(price);
    }
    let mut data = RequestLaunchTemplateData::builder()
        .image_id(image_id)
        .instance_market_options(
            LaunchTemplateInstanceMarketOptionsRequest::builder()
                .market_type(MarketType::Spot)
                .spot_options(market.build())
                .build(),
        )
        .set_key_name(bake.state.key_name.clone())
        .tag_specifications(LaunchTemplate::launched_tags(
            ResourceType::Instance,
            &bake.ctx.bake_id,
            &spec.run_tags,
        ))
        .tag_specifications(LaunchTemplate::launched_tags(
            ResourceType::Volume,
            &bake.ctx.bake_id,
            &spec.run_volume_tags,
        ))
        .set_block_device_mappings((!spec.launch_block_device_mappings.is_empty()).then(|| {
            spec.launch_block_device_mappings
                .iter()
                .map(template_block_device)
                .collect()
        }))
        .set_ebs_optimized(spec.ebs_optimized.then_some(true));
    // No InstanceInitiatedShutdownBehavior, as current Packer sends none for spot: EC2
    // refuses `stop` on a one-time spot request, and such an instance terminates anyway.
    // A subnet can only be named on a network interface in a launch template.
    data = if bake.state.subnet_id.is_some() || spec.associate_public_ip_address.is_some() {
        data.network_interfaces(
            LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                .device_index(0)
                .set_associate_public_ip_address(spec.associate_public_ip_address)
                .delete_on_termination(true)
                .set_subnet_id(bake.state.subnet_id.clone())
                .set_groups(Some(bake.state.security_group_ids.clone()))
                .build(),
        )
    } else {
        data.set_security_group_ids(Some(bake.state.security_group_ids.clone()))
    };
    if let Some(options) = &spec.metadata_options {
        data = data.metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .set_http_endpoint(
                    options
                        .http_endpoint
                        .as_deref()
                        .map(LaunchTemplateInstanceMetadataEndpointState::from),
                )
                .set_http_tokens(
                    options
                        .http_tokens
                        .as_deref()
                        .map(LaunchTemplateHttpTokensState::from),
                )
                .set_http_put_response_hop_limit(
                    options.http_put_response_hop_limit.map(|v| v as i32),
                )
                .set_instance_metadata_tags(
                    options
                        .instance_metadata_tags
                        .as_deref()
                        .map(LaunchTemplateInstanceMetadataTagsState::from),
                )
                .build(),
        );
    }
    if let Some(user_data) = &spec.user_data {
        data = data.user_data(base64::engine::general_purpose::STANDARD.encode(user_data));
    }
    if let Some(profile) = &spec.iam_instance_profile {
        data = data.iam_instance_profile(
            LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                .name(profile)
                .build(),
        );
    }

    let entry = bake
        .ctx
        .intend(&region, ResourceKind::LaunchTemplate, Some(&name))?;
    let created = bake
        .ec2
        .client
        .create_launch_template()
        .launch_template_name(&name)
        .version_description("made by AMI Bakery to launch a spot instance")
        .launch_template_data(data.build())
        .tag_specifications(LaunchTemplate::tags(&bake.ctx.bake_id, &spot.tags))
        .send()
        .await
        .map_err(|e| aws_error("CreateLaunchTemplate", &region, e))?;
    let template_id = created
        .launch_template()
        .and_then(|t| t.launch_template_id())
        .unwrap_or_default()
        .to_string();
    bake.ctx
        .created(entry, &region, ResourceKind::LaunchTemplate, &template_id)?;

    let overrides: Vec<FleetLaunchTemplateOverridesRequest> = spot
        .instance_types
        .iter()
        .map(|t| {
            FleetLaunchTemplateOverridesRequest::builder()
                .instance_type(t.as_str().into())
                .build()
        })
        .collect();
    let entry = bake.ctx.intend(&region, ResourceKind::Instance, None)?;
    let fleet = bake
        .ec2
        .client
        .create_fleet()
        .r#type(FleetType::Instant)
        .replace_unhealthy_instances(false)
        .launch_template_configs(
            FleetLaunchTemplateConfigRequest::builder()
                .launch_template_specification(
                    FleetLaunchTemplateSpecificationRequest::builder()
                        .launch_template_id(&template_id)
                        .version("1")
                        .build(),
                )
                .set_overrides(Some(overrides))
                .build(),
        )
        .target_capacity_specification(
            TargetCapacitySpecificationRequest::builder()
                .total_target_capacity(1)
                .default_target_capacity_type(DefaultTargetCapacityType::Spot)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("CreateFleet", &region, e))?;
    let launched = fleet.instances().iter().find_map(|i| {
        Some((
            i.instance_ids().first()?.clone(),
            i.instance_type().cloned(),
        ))
    });
    let Some((instance_id, instance_type)) = launched else {
        // An instant fleet answers with the reasons instead of an error: no capacity at
        // this price in any of the types, for example.
        let reasons: Vec<String> = fleet
            .errors()
            .iter()
            .map(|e| {
                let tried = e
                    .launch_template_and_overrides()
                    .and_then(|l| l.overrides())
                    .and_then(|o| o.instance_type())
                    .map(|t| format!("{}: ", t.as_str()))
                    .unwrap_or_default();
                format!(
                    "{tried}{} {}",
                    e.error_code().unwrap_or("error"),
                    e.error_message().unwrap_or_default()
                )
            })
            .collect();
        return Err(EngineError::Aws {
            action: "CreateFleet",
            code: "NoSpotInstance".into(),
            message: if reasons.is_empty() {
                "the fleet launched no instance".into()
            } else {
                reasons.join("; ")
            },
            hint: Some(format!(
                "EC2 had no spot capacity for {} at {} in {region}: raise spot_price (or \"auto\"), add spot_instance_types, or bake on demand (remove spot_price)",
                spot.instance_types.join(", "),
                spot.max_price
                    .as_deref()
                    .map_or("the on-demand price".to_string(), |p| format!("${p}/h"))
            )),
        });
    };
    bake.ctx
        .created(entry, &region, ResourceKind::Instance, &instance_id)?;
    bake.ctx.note(format!(
        "Spot instance {instance_id} ({}) launched by fleet {} (max price: {})",
        instance_type.as_ref().map_or("?", |t| t.as_str()),
        fleet.fleet_id().unwrap_or("-"),
        spot.max_price
            .as_deref()
            .unwrap_or("auto, the on-demand price"),
    ));
    Ok(instance_id)
}

/// `spot_tags` also go on the spot request, once the instance names it (Packer does the
/// same; an instance launched without one has nothing to tag).
pub async fn tag_spot_request(
    bake: &Bake<'_>,
    spot: &SpotSpec,
    request_id: Option<&str>,
) -> Result<(), EngineError> {
    let Some(request_id) = request_id.filter(|r| !r.is_empty()) else {
        return Ok(());
    };
    if spot.tags.is_empty() {
        return Ok(());
    }
    let region = bake.region();
    bake.ec2
        .client
        .create_tags()
        .resources(request_id)
        .set_tags(Some(
            spot.tags
                .iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .send()
        .await
        .map_err(|e| aws_error("CreateTags", region, e))?;
    Ok(())
}

/// A template block device in the launch template's form.
fn template_block_device(device: &BlockDevice) -> LaunchTemplateBlockDeviceMappingRequest {
    let mut mapping = LaunchTemplateBlockDeviceMappingRequest::builder()
        .set_device_name(device.device_name.clone())
        .set_virtual_name(device.virtual_name.clone());
    if device.no_device == Some(true) {
        return mapping.no_device("").build();
    }
    if device.virtual_name.is_none() {
        mapping = mapping.ebs(
            LaunchTemplateEbsBlockDeviceRequest::builder()
                .set_volume_size(device.volume_size.map(|v| v as i32))
                .set_volume_type(device.volume_type.as_deref().map(VolumeType::from))
                .delete_on_termination(device.delete_on_termination.unwrap_or(true))
                .set_encrypted(device.encrypted)
                .set_kms_key_id(device.kms_key_id.clone())
                .set_iops(device.iops.map(|v| v as i32))
                .set_throughput(device.throughput.map(|v| v as i32))
                .set_snapshot_id(device.snapshot_id.clone())
                .build(),
        );
    }
    mapping.build()
}
