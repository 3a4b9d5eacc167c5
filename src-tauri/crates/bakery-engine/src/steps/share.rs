//! Share every artifact: launch permissions (ami_users, ami_groups) on each image.

use aws_sdk_ec2::types::{LaunchPermission, LaunchPermissionModifications, PermissionGroup};

use crate::EngineError;
use crate::error::aws_error;
use crate::steps::Bake;

/// Grants launch permission on every image the bake made to `ami_users` and `ami_groups`.
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    if !bake.spec.snapshot_users.is_empty() {
        share_snapshots(bake).await?;
    }
    if bake.spec.ami_users.is_empty() && bake.spec.ami_groups.is_empty() {
        return Ok(());
    }
    let mut add = LaunchPermissionModifications::builder();
    for user in &bake.spec.ami_users {
        add = add.add(LaunchPermission::builder().user_id(user).build());
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
            "Shared {} in {} with users {:?} groups {:?}",
            artifact.image_id, artifact.region, bake.spec.ami_users, bake.spec.ami_groups
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
        "Shared the snapshots with {:?}",
        bake.spec.snapshot_users
    ));
    Ok(())
}
