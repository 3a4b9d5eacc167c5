//! Wait for SSH: pick the address (`ssh_host` override, else by `ssh_interface`), then
//! connect with retries until `ssh_timeout`, through the bastion when `ssh_bastion_host` is
//! set. With `communicator: "none"`, nothing: the bake never connects.

use crate::EngineError;
use crate::spec::Communicator;

use crate::spec::BastionSpec;
use crate::ssh::{Bastion, Login, SshSession, TemporaryKey};
use crate::steps::Bake;

/// The address SSH goes to (see [`Bake::ssh_address`]).
pub fn ssh_address(bake: &Bake<'_>) -> Result<String, EngineError> {
    bake.ssh_address()
}

/// Connects to the instance over SSH (through the bastion if any) and keeps the session for the
/// provisioners; fails when SSH does not answer within `ssh_timeout`.
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    if bake.spec.communicator == Communicator::None {
        // Packer's StepConnect does nothing for communicator "none".
        bake.ctx
            .note("communicator \"none\": not connecting to the instance");
        return Ok(());
    }
    let host = bake.ssh_address()?;
    let login = match (&bake.spec.ssh_agent_socket, &bake.state.key) {
        (Some(socket), _) => Login::Agent(socket),
        (None, Some(key)) => Login::Key(key),
        (None, None) => unreachable!("the key pair step makes or loads a key"),
    };
    let bastion_key = match &bake.spec.ssh.bastion {
        Some(BastionSpec {
            agent_socket: None,
            password: None,
            private_key_file: Some(file),
            ..
        }) => Some(TemporaryKey::load(file, "ssh_bastion_private_key_file")?),
        _ => None,
    };
    let bastion = bake.spec.ssh.bastion.as_ref().map(|spec| Bastion {
        host: &spec.host,
        port: spec.port,
        username: &spec.username,
        login: match (&spec.agent_socket, &spec.password, &bastion_key) {
            (Some(socket), _, _) => Login::Agent(socket),
            (None, Some(password), _) => Login::Password(password),
            (None, None, Some(key)) => Login::Key(key),
            // The template checker requires a way to log in; the temporary key is
            // the last resort (a bastion that knows the bake's key pair).
            (None, None, None) => login,
        },
    });
    let session = SshSession::connect(
        bake.ctx,
        &host,
        bake.spec.ssh.port,
        &bake.spec.ssh.username,
        login,
        bastion,
        bake.spec.ssh.timeout,
    )
    .await?;
    bake.ctx.note(format!(
        "Connected to {} (host key {})",
        session.target,
        session.host_key.as_deref().unwrap_or("unknown")
    ));
    bake.state.ssh = Some(session);
    Ok(())
}
