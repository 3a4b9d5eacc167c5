//! The source instance: tagged at launch (with its volumes), found by tag among the
//! instances not yet terminated, deleted by terminating it and waiting until it is gone
//! (its security group can only go then).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{InstanceStateName, ResourceType, TagSpecification};
use bakery_history::{LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::{Ec2, poll_until};
use crate::error::{EngineError, aws_error};
use crate::event::StepName;
use crate::resources::{CloudResource, Tagged, of_any_bake, of_bake, tag_spec};
use crate::spec::Polling;

/// An EC2 instance.
pub struct Instance;

impl Instance {
    /// The instance's tags at launch: `run_tags` and the bake id.
    pub fn tags(bake_id: &str, run_tags: &BTreeMap<String, String>) -> TagSpecification {
        tag_spec(ResourceType::Instance, bake_id, run_tags)
    }

    /// Its volumes' tags at launch: `run_volume_tags` and the bake id.
    pub fn volume_tags(bake_id: &str, volume_tags: &BTreeMap<String, String>) -> TagSpecification {
        tag_spec(ResourceType::Volume, bake_id, volume_tags)
    }
}

impl CloudResource for Instance {
    const KIND: ResourceKind = ResourceKind::Instance;

    async fn find_tagged(ec2: &Ec2) -> Result<Vec<Tagged>, EngineError> {
        let instances = ec2
            .client
            .describe_instances()
            .filters(of_any_bake())
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("instance-state-name")
                    .values("pending")
                    .values("running")
                    .values("stopping")
                    .values("stopped")
                    .build(),
            )
            .send()
            .await
            .map_err(|e| aws_error("DescribeInstances", &ec2.region, e))?;
        Ok(instances
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .map(|i| Self::tagged(i.instance_id(), i.tags()))
            .collect())
    }

    async fn delete(
        ctx: &BakeContext,
        ec2: &Ec2,
        entry: &LedgerEntry,
        polling: Polling,
    ) -> Result<Option<String>, EngineError> {
        let region = &entry.region;
        let ids: Vec<String> = match &entry.resource_id {
            Some(id) => vec![id.clone()],
            None => ec2
                .client
                .describe_instances()
                .filters(of_bake(&entry.bake_id))
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
}
