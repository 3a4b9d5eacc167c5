//! Launch the source instance and wait until it runs.

use aws_sdk_ec2::types::{
    HttpTokensState, IamInstanceProfileSpecification, InstanceMetadataEndpointState,
    InstanceMetadataOptionsRequest, InstanceMetadataTagsState,
    InstanceNetworkInterfaceSpecification, InstanceStateName, ShutdownBehavior,
};
use bakery_history::ResourceKind;
use base64::Engine;

use crate::EngineError;
use crate::ec2::{block_device, poll_until};
use crate::error::aws_error;
use crate::event::StepName;
use crate::resources::instance::Instance;
use crate::steps::{Bake, LaunchedInstance};

mod spot;

/// Launches the source instance (on demand, or spot through a fleet) and waits until it runs; fails
/// when EC2 refuses it or it stops on its own.
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    let image = bake
        .state
        .source_image
        .clone()
        .expect("the source image step ran");
    let instance_id = match bake.spec.spot.clone() {
        Some(spot) => spot::launch(bake, &image.id, &spot).await?,
        None => launch_on_demand(bake, &image.id).await?,
    };

    let ec2 = bake.ec2.clone();
    let id = instance_id.clone();
    let (instance, spot_request) = poll_until(
        bake.ctx,
        StepName::Launch,
        &format!("instance {instance_id}"),
        bake.spec.polling,
        || {
            let ec2 = ec2.clone();
            let id = id.clone();
            async move {
                let Some(instance) = ec2.instance(&id).await? else {
                    // Eventual consistency: a new instance may not be listed yet.
                    return Ok((None, "not listed yet".to_string()));
                };
                let state = instance
                    .state()
                    .and_then(|s| s.name())
                    .cloned()
                    .unwrap_or(InstanceStateName::Pending);
                match state {
                    InstanceStateName::Running => Ok((
                        Some((
                            LaunchedInstance {
                                id: id.clone(),
                                public_ip: instance.public_ip_address().map(str::to_string),
                                private_ip: instance.private_ip_address().map(str::to_string),
                                public_dns: instance
                                    .public_dns_name()
                                    .filter(|d| !d.is_empty())
                                    .map(str::to_string),
                                private_dns: instance
                                    .private_dns_name()
                                    .filter(|d| !d.is_empty())
                                    .map(str::to_string),
                            },
                            instance.spot_instance_request_id().map(str::to_string),
                        )),
                        state.as_str().to_string(),
                    )),
                    InstanceStateName::Pending => Ok((None, state.as_str().to_string())),
                    other => Err(EngineError::BadState {
                        what: format!("instance {id}"),
                        state: other.as_str().to_string(),
                        reason: instance
                            .state_reason()
                            .and_then(|r| r.message())
                            .unwrap_or("it stopped before it ran")
                            .to_string(),
                    }),
                }
            }
        },
    )
    .await?;
    if let Some(spot) = &bake.spec.spot {
        spot::tag_spot_request(bake, spot, spot_request.as_deref()).await?;
    }
    bake.ctx.note(format!(
        "Instance {} is running (public {}, private {})",
        instance.id,
        instance.public_ip.as_deref().unwrap_or("-"),
        instance.private_ip.as_deref().unwrap_or("-")
    ));
    bake.state.instance = Some(instance);
    Ok(())
}

/// RunInstances: one on-demand instance, tagged at launch. Returns its id.
async fn launch_on_demand(bake: &Bake<'_>, image_id: &str) -> Result<String, EngineError> {
    let region = bake.region().to_string();
    let entry = bake.ctx.intend(&region, ResourceKind::Instance, None)?;
    let mut run = bake
        .ec2
        .client
        .run_instances()
        .image_id(image_id)
        .instance_type(bake.spec.instance_type.as_str().into())
        .min_count(1)
        .max_count(1)
        .set_key_name(bake.state.key_name.clone())
        .tag_specifications(Instance::tags(&bake.ctx.bake_id, &bake.spec.run_tags))
        .tag_specifications(Instance::volume_tags(
            &bake.ctx.bake_id,
            &bake.spec.run_volume_tags,
        ))
        .set_block_device_mappings((!bake.spec.launch_block_device_mappings.is_empty()).then(
            || {
                bake.spec
                    .launch_block_device_mappings
                    .iter()
                    .map(block_device)
                    .collect()
            },
        ))
        .set_instance_initiated_shutdown_behavior(
            bake.spec
                .shutdown_behavior
                .map(|b| ShutdownBehavior::from(b.as_str())),
        )
        .set_ebs_optimized(bake.spec.ebs_optimized.then_some(true));
    run = match bake.spec.associate_public_ip_address {
        // A public address is asked for on the network interface, which then carries the
        // subnet and the groups.
        Some(public) => run.network_interfaces(
            InstanceNetworkInterfaceSpecification::builder()
                .device_index(0)
                .associate_public_ip_address(public)
                .delete_on_termination(true)
                .set_subnet_id(bake.state.subnet_id.clone())
                .set_groups(Some(bake.state.security_group_ids.clone()))
                .build(),
        ),
        None => run
            .set_security_group_ids(Some(bake.state.security_group_ids.clone()))
            .set_subnet_id(bake.state.subnet_id.clone()),
    };
    if let Some(options) = &bake.spec.metadata_options {
        run = run.metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .set_http_endpoint(
                    options
                        .http_endpoint
                        .as_deref()
                        .map(InstanceMetadataEndpointState::from),
                )
                .set_http_tokens(options.http_tokens.as_deref().map(HttpTokensState::from))
                .set_http_put_response_hop_limit(
                    options.http_put_response_hop_limit.map(|v| v as i32),
                )
                .set_instance_metadata_tags(
                    options
                        .instance_metadata_tags
                        .as_deref()
                        .map(InstanceMetadataTagsState::from),
                )
                .build(),
        );
    }
    if let Some(user_data) = &bake.spec.user_data {
        run = run.user_data(base64::engine::general_purpose::STANDARD.encode(user_data));
    }
    if let Some(profile) = &bake.spec.iam_instance_profile {
        run = run.iam_instance_profile(
            IamInstanceProfileSpecification::builder()
                .name(profile)
                .build(),
        );
    }
    let launched = run
        .send()
        .await
        .map_err(|e| aws_error("RunInstances", &region, e))?;
    let instance_id = launched
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .unwrap_or_default()
        .to_string();
    bake.ctx
        .created(entry, &region, ResourceKind::Instance, &instance_id)?;
    Ok(instance_id)
}
