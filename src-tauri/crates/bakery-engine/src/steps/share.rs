//! Share every artifact: launch permissions (ami_users, ami_groups, ami_org_arns,
//! ami_ou_arns) on each image, create-volume permissions (snapshot_users, snapshot_groups) on
//! its snapshots, and `imds_support` on each image, as Packer's StepModifyAMIAttributes does.

use aws_sdk_ec2::types::{
    AttributeValue, LaunchPermission, LaunchPermissionModifications, PermissionGroup,
};

use crate::EngineError;
use crate::error::aws_error;
use crate::steps::Bake;

/// Grants launch permission on every image the bake made to `ami_users` and `ami_groups`.
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    if let Some(imds) = bake.spec.imds_support.clone() {
        for artifact in bake.state.artifacts.clone() {
            bake.ec2_in(&artifact.region)
                .client
                .modify_image_attribute()
                .image_id(&artifact.image_id)
                .imds_support(AttributeValue::builder().value(&imds).build())
                .send()
                .await
                .map_err(|e| aws_error("ModifyImageAttribute", &artifact.region, e))?;
        }
        bake.ctx.note(format!(
            "Instances launched from the image must use IMDSv2 (imds_support {imds})"
        ));
    }
    if !bake.spec.snapshot_users.is_empty() || !bake.spec.snapshot_groups.is_empty() {
        share_snapshots(bake).await?;
    }
    let spec = &bake.spec;
    if spec.ami_users.is_empty()
        && spec.ami_groups.is_empty()
        && spec.ami_org_arns.is_empty()
        && spec.ami_ou_arns.is_empty()
    {
        return Ok(());
    }
    let mut add = LaunchPermissionModifications::builder();
    for user in &bake.spec.ami_users {
        add = add.add(LaunchPermission::builder().user_id(user).build());
    }
    for org in &bake.spec.ami_org_arns {
        add = add.add(LaunchPermission::builder().organization_arn(org).build());
    }
    for ou in &bake.spec.ami_ou_arns {
        add = add.add(
            LaunchPermission::builder()
                .organizational_unit_arn(ou)
                .build(),
        );
    }
    for group in &bake.spec.ami_groups {
        add = add.add(
            LaunchPermission::builder()
                .group(PermissionGroup::from(group.as_str()))
                .build(),
        );
    }
    let add = add.build();
    for artifact in bake.state.artifacts.clone() {
        let ec2 = bake.ec2_in(&artifact.region);
        ec2.client
            .modify_image_attribute()
            .image_id(&artifact.image_id)
            .launch_permission(add.clone())
            .send()
            .await
            .map_err(|e| aws_error("ModifyImageAttribute", &artifact.region, e))?;
        bake.ctx.note(format!(
            "Shared {} in {} with users {:?} groups {:?} organizations {:?} units {:?}",
            artifact.image_id,
            artifact.region,
            bake.spec.ami_users,
            bake.spec.ami_groups,
            bake.spec.ami_org_arns,
            bake.spec.ami_ou_arns
        ));
    }
    Ok(())
}

/// `snapshot_users`: who may create volumes from each artifact's snapshots.
async fn share_snapshots(bake: &Bake<'_>) -> Result<(), EngineError> {
    use aws_sdk_ec2::types::{
        CreateVolumePermission, CreateVolumePermissionModifications, OperationType,
    };
    let mut add = CreateVolumePermissionModifications::builder();
    for user in &bake.spec.snapshot_users {
        add = add.add(CreateVolumePermission::builder().user_id(user).build());
    }
    for group in &bake.spec.snapshot_groups {
        add = add.add(
            CreateVolumePermission::builder()
                .group(PermissionGroup::from(group.as_str()))
                .build(),
        );
    }
    let add = add.build();
    for artifact in &bake.state.artifacts {
        let ec2 = bake.ec2_in(&artifact.region);
        for snapshot in &artifact.snapshot_ids {
            ec2.client
                .modify_snapshot_attribute()
                .snapshot_id(snapshot)
                .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
                .operation_type(OperationType::Add)
                .create_volume_permission(add.clone())
                .send()
                .await
                .map_err(|e| aws_error("ModifySnapshotAttribute", &artifact.region, e))?;
        }
    }
    bake.ctx.note(format!(
        "Shared the snapshots with users {:?} groups {:?}",
        bake.spec.snapshot_users, bake.spec.snapshot_groups
    ));
    Ok(())
}
