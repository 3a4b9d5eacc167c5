//! The temporary key pair: ed25519 generated in memory, its public half imported into EC2.

use aws_sdk_ec2::primitives::Blob;
use bakery_history::ResourceKind;

use crate::EngineError;
use crate::error::aws_error;
use crate::resources::key_pair::KeyPair;
use crate::ssh::TemporaryKey;
use crate::steps::Bake;

/// The key pair's name for a bake (known before it exists, so cleanup can find it).
pub fn key_name(bake_id: &str) -> String {
    format!("bakery_{bake_id}")
}

/// Gives the bake its SSH key: the agent's, the user's key file, or a temporary ed25519 key pair
/// imported into EC2 (a ledger entry).
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    if let Some(socket) = &bake.spec.ssh_agent_socket {
        // ssh_agent_auth: the agent's keys log in; the key pair (if any) is the user's.
        bake.ctx.note(format!(
            "Logging in with the SSH agent at {} (key pair {})",
            socket.display(),
            bake.spec.ssh_keypair_name.as_deref().unwrap_or("none")
        ));
        bake.state.key_name = bake.spec.ssh_keypair_name.clone();
        return Ok(());
    }
    if let Some(file) = &bake.spec.ssh_private_key_file {
        // The user's own key: nothing to create or clean up.
        let key = TemporaryKey::load(file, "ssh_private_key_file")?;
        bake.ctx.note(format!(
            "Using the key pair {} and {}",
            bake.spec
                .ssh_keypair_name
                .as_deref()
                .unwrap_or("baked into the image"),
            file.display()
        ));
        bake.state.key = Some(key);
        bake.state.key_name = bake.spec.ssh_keypair_name.clone();
        return Ok(());
    }
    let region = bake.region().to_string();
    let name = key_name(&bake.ctx.bake_id);
    let key = TemporaryKey::generate(&name)?;
    let entry = bake
        .ctx
        .intend(&region, ResourceKind::KeyPair, Some(&name))?;
    bake.ec2
        .client
        .import_key_pair()
        .key_name(&name)
        .public_key_material(Blob::new(key.public_openssh.as_bytes()))
        .tag_specifications(KeyPair::tags(&bake.ctx.bake_id))
        .send()
        .await
        .map_err(|e| aws_error("ImportKeyPair", &region, e))?;
    bake.ctx
        .created(entry, &region, ResourceKind::KeyPair, &name)?;
    bake.state.key = Some(key);
    bake.state.key_name = Some(name);
    Ok(())
}
