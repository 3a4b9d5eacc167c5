//! Stop the instance (closing SSH first) and wait until it is stopped; a spot instance is
//! not stopped, nor its ENA / SR-IOV attributes changed (current Packer skips both).

use aws_sdk_ec2::types::{AttributeBooleanValue, AttributeValue, InstanceStateName};

use crate::EngineError;
use crate::ec2::poll_until;
use crate::error::aws_error;
use crate::event::StepName;
use crate::steps::Bake;

/// Closes SSH, stops the instance and waits until it is stopped (a spot instance is left
/// running), then sets `ena_support` / `sriov_support` on it for the image.
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    if let Some(session) = bake.state.ssh.take() {
        session.close().await;
    }
    let region = bake.region().to_string();
    let id = bake
        .state
        .instance
        .as_ref()
        .expect("the launch step ran")
        .id
        .clone();
    if bake.spec.spot.is_some() {
        // Like Packer: a one-time spot instance can't be stopped; the image is taken from
        // the running instance (CreateImage reboots it for a consistent file system).
        bake.ctx.note(format!(
            "Instance {id} is a spot instance: not stopped (EC2 can't stop a one-time spot instance)"
        ));
        // Nor are ENA and SR-IOV set on it, as current Packer skips them for spot: EC2
        // changes those attributes only on a stopped instance. The image keeps the source
        // image's.
        if bake.spec.ena_support.is_some() || bake.spec.sriov_support == Some(true) {
            bake.ctx.note(
                "ena_support / sriov_support are not set on a running spot instance: the image has the source image's",
            );
        }
        return Ok(());
    }
    bake.ec2
        .client
        .stop_instances()
        .instance_ids(&id)
        .send()
        .await
        .map_err(|e| aws_error("StopInstances", &region, e))?;
    let ec2 = bake.ec2.clone();
    poll_until(
        bake.ctx,
        StepName::Stop,
        &format!("instance {id}"),
        bake.spec.polling,
        || {
            let ec2 = ec2.clone();
            let id = id.clone();
            async move {
                let state = ec2
                    .instance(&id)
                    .await?
                    .and_then(|i| i.state().and_then(|s| s.name()).cloned())
                    .unwrap_or(InstanceStateName::Stopping);
                match state {
                    InstanceStateName::Stopped => Ok((Some(()), "stopped".into())),
                    InstanceStateName::Terminated | InstanceStateName::ShuttingDown => {
                        Err(EngineError::BadState {
                            what: format!("instance {id}"),
                            state: state.as_str().into(),
                            reason: "it terminated instead of stopping (shutdown_behavior?)".into(),
                        })
                    }
                    other => Ok((None, other.as_str().to_string())),
                }
            }
        },
    )
    .await?;
    set_image_features(bake, &id).await
}

/// `ena_support` / `sriov_support`: set on the stopped instance so the image carries them.
async fn set_image_features(bake: &Bake<'_>, id: &str) -> Result<(), EngineError> {
    let region = bake.region();
    if let Some(ena) = bake.spec.ena_support {
        bake.ec2
            .client
            .modify_instance_attribute()
            .instance_id(id)
            .ena_support(AttributeBooleanValue::builder().value(ena).build())
            .send()
            .await
            .map_err(|e| aws_error("ModifyInstanceAttribute", region, e))?;
    }
    if bake.spec.sriov_support == Some(true) {
        bake.ec2
            .client
            .modify_instance_attribute()
            .instance_id(id)
            .sriov_net_support(AttributeValue::builder().value("simple").build())
            .send()
            .await
            .map_err(|e| aws_error("ModifyInstanceAttribute", region, e))?;
    }
    Ok(())
}
