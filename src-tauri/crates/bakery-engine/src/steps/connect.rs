//! Wait for SSH: pick the address (`ssh_host` override, else by `ssh_interface`), then
//! connect with retries until `ssh_timeout`.

use crate::EngineError;
use crate::ssh::{Login, SshSession};
use crate::steps::Bake;

pub fn ssh_address(bake: &Bake<'_>) -> Result<String, EngineError> {
    if let Some(host) = &bake.spec.ssh.host {
        return Ok(host.clone());
    }
    let instance = bake.state.instance.as_ref().expect("the launch step ran");
    let address = match bake.spec.ssh.interface.as_deref() {
        Some("private_ip") => instance.private_ip.clone(),
        Some("public_dns") => instance.public_dns.clone(),
        Some("private_dns") => instance.private_dns.clone(),
        Some("public_ip") => instance.public_ip.clone(),
        _ => instance
            .public_ip
            .clone()
            .or_else(|| instance.private_ip.clone()),
    };
    address.ok_or_else(|| EngineError::Ssh {
        target: instance.id.clone(),
        message: "the instance has no address for SSH".into(),
        hint: Some(
            "launch in a subnet that assigns public IPs (associate_public_ip_address) or set ssh_interface to private_ip".into(),
        ),
    })
}

pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    let host = ssh_address(bake)?;
    let login = match (&bake.spec.ssh_agent_socket, &bake.state.key) {
        (Some(socket), _) => Login::Agent(socket),
        (None, Some(key)) => Login::Key(key),
        (None, None) => unreachable!("the key pair step makes or loads a key"),
    };
    let session = SshSession::connect(
        bake.ctx,
        &host,
        bake.spec.ssh.port,
        &bake.spec.ssh.username,
        login,
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
