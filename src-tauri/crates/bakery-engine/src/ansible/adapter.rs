//! The SSH adapter Ansible connects to, like Packer's: an SSH server on 127.0.0.1 that
//! lets in only the one-time key (or `ssh_authorized_key_file`) as the inventory's user, and
//! carries each of Ansible's sessions — commands, the SFTP subsystem, scp — over a channel
//! of the bake's own SSH session. So Ansible reaches the instance wherever the bake does
//! (through the bastion too), and the bake's key never leaves memory.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::{Algorithm, EcdsaCurve, PrivateKey, PublicKey};
use russh::server::{self, Auth, ChannelOpenHandle, Msg, Session};
use russh::{Channel, ChannelId, ChannelMsg, Disconnect};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::EngineError;
use crate::ssh::SshSession;

/// The adapter's keys: its host key, and the key pair Ansible logs in with.
pub struct AdapterKeys {
    /// What the adapter presents as its host key.
    pub host: PrivateKey,
    /// The public key it lets in.
    pub authorized: PublicKey,
    /// The private half for Ansible (none when the user gave `ssh_authorized_key_file`).
    pub client: Option<PrivateKey>,
}

impl AdapterKeys {
    /// One-time keys of the type asked for (ECDSA P-384, Packer's default, or RSA 2048),
    /// or the user's files.
    pub fn new(
        rsa: bool,
        host_key_file: Option<&Path>,
        authorized_key_file: Option<&Path>,
    ) -> Result<Self, EngineError> {
        let generate = || {
            let algorithm = if rsa {
                Algorithm::Rsa { hash: None }
            } else {
                Algorithm::Ecdsa {
                    curve: EcdsaCurve::NistP384,
                }
            };
            PrivateKey::random(&mut rand::rng(), algorithm).map_err(|e| {
                EngineError::Preflight(format!("cannot generate the Ansible adapter's key: {e}"))
            })
        };
        let host = match host_key_file {
            Some(file) => russh::keys::load_secret_key(file, None).map_err(|e| {
                EngineError::Preflight(format!(
                    "cannot read ssh_host_key_file {}: {e} (an unencrypted OpenSSH or PEM key is needed)",
                    file.display()
                ))
            })?,
            None => generate()?,
        };
        let (authorized, client) = match authorized_key_file {
            Some(file) => {
                let key = russh::keys::load_public_key(file).map_err(|e| {
                    EngineError::Preflight(format!(
                        "cannot read ssh_authorized_key_file {}: {e} (an OpenSSH public key line is needed)",
                        file.display()
                    ))
                })?;
                (key, None)
            }
            None => {
                let client = generate()?;
                (client.public_key().clone(), Some(client))
            }
        };
        Ok(Self {
            host,
            authorized,
            client,
        })
    }
}

/// The adapter, listening; [`Adapter::serve`] carries the sessions until the future it
/// runs beside ends.
pub struct Adapter {
    listener: TcpListener,
    config: Arc<server::Config>,
    user: String,
    authorized: PublicKey,
    /// The port Ansible connects to on 127.0.0.1.
    pub port: u16,
}

impl Adapter {
    /// Listens on 127.0.0.1: the first free of ten ports from `local_port` (Packer's rule),
    /// or any free port.
    pub async fn bind(
        keys: &AdapterKeys,
        user: &str,
        local_port: Option<u16>,
    ) -> Result<Self, EngineError> {
        let ports: Vec<u16> = match local_port {
            Some(first) => (0..10).filter_map(|i| first.checked_add(i)).collect(),
            None => vec![0],
        };
        let mut last_error = None;
        let mut bound = None;
        for port in ports {
            match TcpListener::bind(("127.0.0.1", port)).await {
                Ok(listener) => {
                    bound = Some(listener);
                    break;
                }
                Err(e) => last_error = Some(format!("127.0.0.1:{port}: {e}")),
            }
        }
        let Some(listener) = bound else {
            return Err(EngineError::Preflight(format!(
                "the Ansible adapter cannot listen ({}): choose another local_port, or remove it to let the system pick one",
                last_error.unwrap_or_default()
            )));
        };
        let port = listener
            .local_addr()
            .map_err(|e| EngineError::Preflight(format!("the Ansible adapter's port: {e}")))?
            .port();
        let config = Arc::new(server::Config {
            keys: vec![keys.host.clone()],
            auth_rejection_time: Duration::from_millis(200),
            auth_rejection_time_initial: Some(Duration::ZERO),
            inactivity_timeout: Some(Duration::from_secs(3600)),
            nodelay: true,
            ..Default::default()
        });
        Ok(Self {
            listener,
            config,
            user: user.to_string(),
            authorized: keys.authorized.clone(),
            port,
        })
    }

    /// Serves Ansible's connections over `upstream` until `work` ends, then disconnects
    /// every client (so an SSH ControlMaster Ansible left behind exits too) and returns what
    /// `work` returned.
    pub async fn serve<T>(
        self,
        upstream: &SshSession,
        sftp_command: Option<&str>,
        work: impl std::future::Future<Output = T>,
    ) -> T {
        use futures::StreamExt;
        use futures::stream::FuturesUnordered;

        let (opened_tx, mut opened_rx) = mpsc::unbounded_channel::<Channel<Msg>>();
        let mut sessions: Vec<server::Handle> = Vec::new();
        let mut proxies = FuturesUnordered::new();
        tokio::pin!(work);
        let result = loop {
            tokio::select! {
                result = &mut work => break result,
                accepted = self.listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    if !peer.ip().is_loopback() {
                        continue;
                    }
                    let handler = ClientHandler {
                        user: self.user.clone(),
                        authorized: self.authorized.clone(),
                        opened: opened_tx.clone(),
                    };
                    if let Ok(running) = server::run_stream(self.config.clone(), stream, handler).await {
                        sessions.push(running.handle());
                    }
                }
                Some(channel) = opened_rx.recv() => {
                    proxies.push(proxy(channel, upstream, sftp_command));
                }
                Some(()) = proxies.next(), if !proxies.is_empty() => {}
            }
        };
        for session in sessions {
            let _ = session
                .disconnect(
                    Disconnect::ByApplication,
                    "the Ansible step is over".into(),
                    "en".into(),
                )
                .await;
        }
        result
    }
}

/// One connection from Ansible: logs in only the expected user with the expected key, and
/// hands each session channel it opens to the adapter.
struct ClientHandler {
    user: String,
    authorized: PublicKey,
    opened: mpsc::UnboundedSender<Channel<Msg>>,
}

impl ClientHandler {
    fn allows(&self, user: &str, key: &PublicKey) -> Auth {
        if user == self.user && key.key_data() == self.authorized.key_data() {
            Auth::Accept
        } else {
            Auth::reject()
        }
    }
}

impl server::Handler for ClientHandler {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.allows(user, offer.public_key))
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.allows(user, key.public_key))
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        let _ = self.opened.send(channel);
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        _variable_name: &str,
        _variable_value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }
}

/// Carries one of Ansible's sessions over a new channel of the bake's session: the requests
/// that set it up (a terminal, environment), then the command or subsystem, then the bytes
/// both ways, the exit status and the end.
async fn proxy(down: Channel<Msg>, upstream: &SshSession, sftp_command: Option<&str>) {
    let (mut down_rx, down_tx) = down.split();
    let Ok(up) = upstream.open_channel().await else {
        let _ = down_tx.exit_status(255).await;
        let _ = down_tx.close().await;
        return;
    };
    // What Ansible asks for before it starts a command.
    loop {
        let Some(message) = down_rx.wait().await else {
            let _ = up.close().await;
            return;
        };
        let started = match message {
            ChannelMsg::RequestPty {
                term,
                col_width,
                row_height,
                pix_width,
                pix_height,
                terminal_modes,
                ..
            } => up
                .request_pty(
                    false,
                    &term,
                    col_width,
                    row_height,
                    pix_width,
                    pix_height,
                    &terminal_modes,
                )
                .await
                .map(|()| false),
            ChannelMsg::SetEnv {
                variable_name,
                variable_value,
                ..
            } => up
                .set_env(false, variable_name, variable_value)
                .await
                .map(|()| false),
            ChannelMsg::Exec { command, .. } => up.exec(false, command).await.map(|()| true),
            ChannelMsg::RequestShell { .. } => up.request_shell(false).await.map(|()| true),
            ChannelMsg::RequestSubsystem { name, .. } => match sftp_command {
                Some(command) if name == "sftp" => up.exec(false, command).await.map(|()| true),
                _ => up.request_subsystem(false, name).await.map(|()| true),
            },
            ChannelMsg::Eof | ChannelMsg::Close => {
                let _ = up.close().await;
                return;
            }
            _ => Ok(false),
        };
        match started {
            Ok(true) => break,
            Ok(false) => {}
            Err(_) => {
                let _ = down_tx.exit_status(255).await;
                let _ = down_tx.close().await;
                return;
            }
        }
    }
    let (mut up_rx, up_tx) = up.split();
    let to_instance = async {
        while let Some(message) = down_rx.wait().await {
            let sent = match message {
                ChannelMsg::Data { data } => up_tx.data_bytes(data).await,
                ChannelMsg::Eof => up_tx.eof().await,
                ChannelMsg::WindowChange {
                    col_width,
                    row_height,
                    pix_width,
                    pix_height,
                } => {
                    up_tx
                        .window_change(col_width, row_height, pix_width, pix_height)
                        .await
                }
                ChannelMsg::Signal { signal } => up_tx.signal(signal).await,
                ChannelMsg::Close => break,
                _ => Ok(()),
            };
            if sent.is_err() {
                break;
            }
        }
        let _ = up_tx.close().await;
    };
    let to_ansible = async {
        while let Some(message) = up_rx.wait().await {
            let sent = match message {
                ChannelMsg::Data { data } => down_tx.data_bytes(data).await,
                ChannelMsg::ExtendedData { data, ext } => {
                    down_tx.extended_data_bytes(ext, data).await
                }
                ChannelMsg::ExitStatus { exit_status } => down_tx.exit_status(exit_status).await,
                // A signal ends it like a shell reports one.
                ChannelMsg::ExitSignal { .. } => down_tx.exit_status(255).await,
                ChannelMsg::Eof => down_tx.eof().await,
                ChannelMsg::Close => break,
                _ => Ok(()),
            };
            if sent.is_err() {
                break;
            }
        }
        let _ = down_tx.close().await;
    };
    tokio::join!(to_instance, to_ansible);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_keys_are_ecdsa_by_default_and_rsa_when_asked() {
        let ecdsa = AdapterKeys::new(false, None, None).expect("ECDSA keys");
        assert_eq!(
            ecdsa.host.algorithm(),
            Algorithm::Ecdsa {
                curve: EcdsaCurve::NistP384
            }
        );
        assert!(ecdsa.client.is_some());
        let rsa = AdapterKeys::new(true, None, None).expect("RSA keys");
        assert!(rsa.host.algorithm().is_rsa(), "{:?}", rsa.host.algorithm());
    }
}
