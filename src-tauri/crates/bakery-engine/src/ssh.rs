//! The SSH communicator (russh): connect with retries until `ssh_timeout`, run a command
//! streaming its output line by line, upload and download files over SFTP. The temporary key never touches disk.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use russh::client::{self, Handle};
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, Disconnect};
use russh_sftp::client::SftpSession;
use std::path::Path;

use crate::EngineError;
use crate::context::BakeContext;
use crate::event::{BakeEvent, OutputStream, StepName};
use crate::spec::Secret;

/// The key SSH logs in with, in memory only: generated for the bake (ed25519), or read
/// from the user's key file.
pub struct TemporaryKey {
    /// The private half; redacted when printed.
    pub private: Arc<PrivateKey>,
    /// The OpenSSH public key line, as imported into EC2.
    pub public_openssh: String,
}

impl std::fmt::Debug for TemporaryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemporaryKey")
            .field("public_openssh", &self.public_openssh)
            .field("private", &"***")
            .finish()
    }
}

impl TemporaryKey {
    /// A new ed25519 key, its public line ending in `comment` (the key pair's name).
    pub fn generate(comment: &str) -> Result<Self, EngineError> {
        let mut private = PrivateKey::random(&mut rand::rng(), russh::keys::Algorithm::Ed25519)
            .map_err(|e| EngineError::Preflight(format!("cannot generate an ed25519 key: {e}")))?;
        private.set_comment(comment);
        let public_openssh = private
            .public_key()
            .to_openssh()
            .map_err(|e| EngineError::Preflight(format!("cannot encode the public key: {e}")))?;
        Ok(Self {
            private: Arc::new(private),
            public_openssh,
        })
    }

    /// The user's private key file (unencrypted OpenSSH or PEM), read into memory; fails
    /// naming the template `option` that gave the file.
    pub fn load(file: &Path, option: &str) -> Result<Self, EngineError> {
        let private = russh::keys::load_secret_key(file, None).map_err(|e| {
            EngineError::Preflight(format!(
                "cannot read {option} {}: {e} (an unencrypted OpenSSH or PEM key is needed)",
                file.display()
            ))
        })?;
        let public_openssh = private.public_key().to_openssh().unwrap_or_default();
        Ok(Self {
            private: Arc::new(private),
            public_openssh,
        })
    }
}

/// How the bake logs in.
#[derive(Debug, Clone, Copy)]
pub enum Login<'a> {
    /// A key in memory (the temporary one, or the user's file).
    Key(&'a TemporaryKey),
    /// Any key the SSH agent at this socket holds (`ssh_agent_auth`).
    Agent(&'a Path),
    /// A password (`ssh_bastion_password`); never shown.
    Password(&'a Secret),
}

/// A jump host the instance is reached through (`ssh_bastion_*`).
#[derive(Debug, Clone, Copy)]
pub struct Bastion<'a> {
    /// The jump host's address.
    pub host: &'a str,
    /// Its SSH port.
    pub port: u16,
    /// The user logged in as.
    pub username: &'a str,
    /// How to log in to it.
    pub login: Login<'a>,
}

struct HostKeyRecorder {
    fingerprint: Arc<Mutex<Option<String>>>,
}

impl client::Handler for HostKeyRecorder {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        // A fresh instance's host key is unknown in advance (as with Packer): record it,
        // pin it for the rest of the bake.
        let fingerprint = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => {
                key.fingerprint(Default::default()).to_string()
            }
            PublicKeyOrCertificate::Certificate(cert) => cert
                .public_key()
                .fingerprint(Default::default())
                .to_string(),
        };
        let mut pinned = self.fingerprint.lock().unwrap_or_else(|p| p.into_inner());
        match pinned.as_ref() {
            Some(known) => Ok(*known == fingerprint),
            None => {
                *pinned = Some(fingerprint);
                Ok(true)
            }
        }
    }
}

/// An authenticated SSH session to the instance.
pub struct SshSession {
    handle: Handle<HostKeyRecorder>,
    /// The bastion's session, which carries `handle`'s connection (kept open with it).
    bastion: Option<Handle<HostKeyRecorder>>,
    /// Where the session goes, as notes and errors show it (`user@host:port`, and the bastion).
    pub target: String,
    /// The instance's host key fingerprint, as it presented it.
    pub host_key: Option<String>,
}

/// What a remote command ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandResult {
    /// The command's exit status; `None` when it ended without one (a signal, a dropped
    /// connection).
    pub exit_status: Option<u32>,
    /// The signal that killed it, if any, or None when the connection dropped.
    pub exit_signal: Option<String>,
    /// The last lines it printed, for the error when it fails.
    pub last_lines: Vec<String>,
}

/// Why one connection attempt failed: worth another try (not up yet), or final.
enum Attempt {
    Retry { what: String, state: String },
    Fatal(EngineError),
}

fn client_config() -> Arc<client::Config> {
    Arc::new(client::Config {
        inactivity_timeout: Some(Duration::from_secs(3600)),
        keepalive_interval: Some(Duration::from_secs(15)),
        ..Default::default()
    })
}

/// Logs in on an open connection; `Ok(false)` when the server refused.
async fn authenticate(
    handle: &mut Handle<HostKeyRecorder>,
    username: &str,
    login: Login<'_>,
    target: &str,
) -> Result<bool, EngineError> {
    let ssh_err = |e: russh::Error| EngineError::Ssh {
        target: target.to_string(),
        message: e.to_string(),
        hint: None,
    };
    Ok(match login {
        Login::Key(key) => {
            let hash = handle
                .best_supported_rsa_hash()
                .await
                .ok()
                .flatten()
                .flatten();
            handle
                .authenticate_publickey(
                    username,
                    PrivateKeyWithHashAlg::new(key.private.clone(), hash),
                )
                .await
                .map_err(ssh_err)?
                .success()
        }
        Login::Agent(socket) => agent_login(handle, username, socket, target).await?,
        Login::Password(password) => handle
            .authenticate_password(username, password.expose())
            .await
            .map_err(ssh_err)?
            .success(),
    })
}

fn refused(target: String, login: Login<'_>, hint: String) -> EngineError {
    EngineError::Ssh {
        target,
        message: match login {
            Login::Key(_) => "the server refused the key".into(),
            Login::Agent(_) => "the server refused every key of the SSH agent".into(),
            Login::Password(_) => "the server refused the password".into(),
        },
        hint: Some(hint),
    }
}

impl SshSession {
    /// Connects and authenticates, retrying (connection refused, no route, banner not yet
    /// ready) until `timeout`. An authentication failure is final: retrying won't help.
    /// With a `bastion`, the engine logs in to the bastion first and runs the instance's
    /// SSH session over a `direct-tcpip` channel of it (the instance is then resolved and
    /// reached from the bastion, like `ssh -J`).
    pub async fn connect(
        ctx: &BakeContext,
        host: &str,
        port: u16,
        username: &str,
        login: Login<'_>,
        bastion: Option<Bastion<'_>>,
        timeout: Duration,
    ) -> Result<Self, EngineError> {
        let target = format!("{username}@{host}:{port}");
        let started = Instant::now();
        let fingerprint = Arc::new(Mutex::new(None));
        let bastion_fingerprint = Arc::new(Mutex::new(None));
        let mut bastion_handle: Option<Handle<HostKeyRecorder>> = None;
        let mut attempt = 0u32;
        let mut delay = Duration::from_millis(200);
        loop {
            attempt += 1;
            let handler = HostKeyRecorder {
                fingerprint: fingerprint.clone(),
            };
            let connected = match bastion {
                None => match tokio::time::timeout(
                    Duration::from_secs(30),
                    client::connect(client_config(), (host, port), handler),
                )
                .await
                {
                    Ok(Ok(handle)) => Ok(handle),
                    Ok(Err(err)) => Err(Attempt::Retry {
                        what: format!("SSH on {host}:{port}"),
                        state: err.to_string(),
                    }),
                    Err(_) => Err(Attempt::Retry {
                        what: format!("SSH on {host}:{port}"),
                        state: "connection timed out".into(),
                    }),
                },
                Some(jump) => {
                    through_bastion(
                        &jump,
                        &mut bastion_handle,
                        &bastion_fingerprint,
                        (host, port),
                        handler,
                    )
                    .await
                }
            };
            match connected {
                Ok(mut handle) => {
                    if !authenticate(&mut handle, username, login, &target).await? {
                        return Err(refused(
                            target,
                            login,
                            format!(
                                "check ssh_username (`{username}`: Amazon Linux uses ec2-user, Ubuntu ubuntu, Debian admin), that the instance was launched with the matching key pair, and that the image accepts the key type (else set temporary_key_pair_type to rsa)"
                            ),
                        ));
                    }
                    let host_key = fingerprint
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .clone();
                    let target = match &bastion {
                        Some(jump) => format!(
                            "{target} through bastion {}@{}:{}",
                            jump.username, jump.host, jump.port
                        ),
                        None => target,
                    };
                    return Ok(Self {
                        handle,
                        bastion: bastion_handle,
                        target,
                        host_key,
                    });
                }
                Err(Attempt::Fatal(err)) => return Err(err),
                Err(Attempt::Retry { what, state }) => {
                    ctx.emit(BakeEvent::Waiting {
                        what,
                        state,
                        attempt,
                    });
                }
            }
            if started.elapsed() >= timeout {
                return Err(EngineError::Ssh {
                    target,
                    message: format!("no SSH answer within {timeout:?}"),
                    hint: Some(match &bastion {
                        Some(jump) => format!(
                            "check that the bastion {}:{} answers and may forward to the instance (AllowTcpForwarding), that the instance's security group allows the bastion, and raise ssh_timeout if the image boots slowly",
                            jump.host, jump.port
                        ),
                        None => "check that the security group allows your address, the instance has a reachable address (ssh_interface), and raise ssh_timeout if the image boots slowly".into(),
                    }),
                });
            }
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = ctx.cancel.cancelled() => return Err(EngineError::Cancelled(StepName::Connect)),
            }
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    fn ssh_err(&self, err: impl std::fmt::Display) -> EngineError {
        EngineError::Ssh {
            target: self.target.clone(),
            message: err.to_string(),
            hint: None,
        }
    }

    /// Runs `command`, feeding `stdin`, emitting each output line as an event.
    pub async fn run(
        &self,
        ctx: &BakeContext,
        command: &str,
        stdin: Option<&[u8]>,
    ) -> Result<CommandResult, EngineError> {
        self.run_in(ctx, command, stdin, false).await
    }

    /// Like [`Self::run`]; with `pty` the command runs under a pseudo-terminal (`ssh_pty`,
    /// for sudo with `requiretty`): its stdout and stderr arrive as one stream.
    pub async fn run_in(
        &self,
        ctx: &BakeContext,
        command: &str,
        stdin: Option<&[u8]>,
        pty: bool,
    ) -> Result<CommandResult, EngineError> {
        let mut channel = self
            .handle
            .channel_open_session()
            .await
            .map_err(|e| self.ssh_err(e))?;
        if pty {
            channel
                .request_pty(true, "xterm", 80, 40, 0, 0, &[])
                .await
                .map_err(|e| self.ssh_err(e))?;
        }
        channel
            .exec(true, command)
            .await
            .map_err(|e| self.ssh_err(e))?;
        if let Some(bytes) = stdin {
            channel.data(bytes).await.map_err(|e| self.ssh_err(e))?;
        }
        channel.eof().await.map_err(|e| self.ssh_err(e))?;

        let mut lines = LineSplitter::default();
        let mut result = CommandResult {
            exit_status: None,
            exit_signal: None,
            last_lines: Vec::new(),
        };
        loop {
            let message = tokio::select! {
                message = channel.wait() => message,
                _ = ctx.cancel.cancelled() => {
                    let _ = channel.close().await;
                    return Err(EngineError::Cancelled(StepName::Provision));
                }
            };
            match message {
                Some(ChannelMsg::Data { data }) => {
                    lines.push(ctx, OutputStream::Stdout, &data);
                }
                Some(ChannelMsg::ExtendedData { data, ext: 1 }) => {
                    lines.push(ctx, OutputStream::Stderr, &data);
                }
                Some(ChannelMsg::ExitStatus { exit_status }) => {
                    result.exit_status = Some(exit_status);
                }
                Some(ChannelMsg::ExitSignal { signal_name, .. }) => {
                    result.exit_signal = Some(format!("{signal_name:?}"));
                }
                Some(_) => {}
                None => break,
            }
        }
        lines.flush(ctx);
        result.last_lines = lines.last;
        Ok(result)
    }

    /// Uploads `local` (a file, or a folder with everything in it) over SFTP, with
    /// Packer's rules: a folder with a trailing slash uploads its contents into
    /// `destination`, without one the folder itself; a file goes to `destination`, or into
    /// it when `destination` ends with a slash. Returns the number of files uploaded.
    pub async fn upload(&self, local: &Path, destination: &str) -> Result<usize, EngineError> {
        let sftp = self.sftp().await?;
        let read_err = |path: &Path, source| EngineError::ReadFile {
            path: path.to_path_buf(),
            source,
        };
        let mut count = 0;
        if local.is_dir() {
            let contents_only = local.to_string_lossy().ends_with('/');
            let root = if contents_only {
                destination.trim_end_matches('/').to_string()
            } else {
                let name = local
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                format!("{}/{name}", destination.trim_end_matches('/'))
            };
            let mut todo = vec![(local.to_path_buf(), root)];
            while let Some((dir, remote)) = todo.pop() {
                if sftp.try_exists(&remote).await.unwrap_or(false) {
                    // Already there (destination itself, or a re-upload).
                } else {
                    sftp.create_dir(&remote)
                        .await
                        .map_err(|e| self.ssh_err(format!("SFTP mkdir {remote}: {e}")))?;
                }
                let entries = std::fs::read_dir(&dir).map_err(|e| read_err(&dir, e))?;
                for entry in entries {
                    let entry = entry.map_err(|e| read_err(&dir, e))?;
                    let path = entry.path();
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let target = format!("{remote}/{name}");
                    if path.is_dir() {
                        todo.push((path, target));
                    } else {
                        self.put(&sftp, &path, &target).await?;
                        count += 1;
                    }
                }
            }
        } else {
            let target = if destination.ends_with('/') {
                let name = local
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                format!("{destination}{name}")
            } else {
                destination.to_string()
            };
            self.put(&sftp, local, &target).await?;
            count += 1;
        }
        let _ = sftp.close().await;
        Ok(count)
    }

    /// An SFTP session on a channel of this connection.
    async fn sftp(&self) -> Result<SftpSession, EngineError> {
        let channel = self
            .handle
            .channel_open_session()
            .await
            .map_err(|e| self.ssh_err(e))?;
        channel
            .request_subsystem(true, "sftp")
            .await
            .map_err(|e| self.ssh_err(e))?;
        SftpSession::new(channel.into_stream())
            .await
            .map_err(|e| self.ssh_err(format!("SFTP: {e}")))
    }

    /// Downloads `remote` over SFTP to `local` on this machine, with Packer's rules (the
    /// file provisioner's `direction: "download"`): a file goes to `local`, or into it when
    /// `local` ends with a slash; a folder (a trailing slash, or found to be one) comes with
    /// everything in it and lands in `local` under its own name, as `scp -r` gives Packer.
    /// Missing local folders are made. Emits a note per file; returns how many came.
    pub async fn download(
        &self,
        ctx: &BakeContext,
        remote: &str,
        local: &Path,
    ) -> Result<usize, EngineError> {
        let sftp = self.sftp().await?;
        let result = self.download_with(&sftp, ctx, remote, local).await;
        let _ = sftp.close().await;
        result
    }

    async fn download_with(
        &self,
        sftp: &SftpSession,
        ctx: &BakeContext,
        remote: &str,
        local: &Path,
    ) -> Result<usize, EngineError> {
        let write_err = |path: &Path, source| EngineError::WriteFile {
            path: path.to_path_buf(),
            source,
        };
        let trimmed = remote.trim_end_matches('/');
        let name = trimmed.rsplit('/').next().unwrap_or(trimmed).to_string();
        let is_dir = remote.ends_with('/')
            || sftp
                .metadata(remote)
                .await
                .map_err(|e| self.ssh_err(format!("SFTP stat {remote}: {e}")))?
                .is_dir();
        if !is_dir {
            let target = if local.to_string_lossy().ends_with('/') {
                local.join(&name)
            } else {
                local.to_path_buf()
            };
            if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| write_err(parent, e))?;
            }
            self.get(sftp, ctx, remote, &target).await?;
            return Ok(1);
        }
        let root = if trimmed.is_empty() { "/" } else { trimmed };
        let mut count = 0;
        let mut todo = vec![(root.to_string(), local.join(&name))];
        while let Some((dir, into)) = todo.pop() {
            std::fs::create_dir_all(&into).map_err(|e| write_err(&into, e))?;
            let entries = sftp
                .read_dir(dir.as_str())
                .await
                .map_err(|e| self.ssh_err(format!("SFTP list {dir}: {e}")))?;
            for entry in entries {
                let file = entry.file_name();
                if file == "." || file == ".." {
                    continue;
                }
                let path = format!("{}/{file}", dir.trim_end_matches('/'));
                let mut kind = entry.file_type();
                if kind.is_symlink() {
                    // Followed, as scp -r does.
                    kind = sftp
                        .metadata(path.as_str())
                        .await
                        .map_err(|e| self.ssh_err(format!("SFTP stat {path}: {e}")))?
                        .file_type();
                }
                if kind.is_dir() {
                    todo.push((path, into.join(&file)));
                } else if kind.is_file() {
                    self.get(sftp, ctx, &path, &into.join(&file)).await?;
                    count += 1;
                }
            }
        }
        Ok(count)
    }

    async fn get(
        &self,
        sftp: &SftpSession,
        ctx: &BakeContext,
        remote: &str,
        local: &Path,
    ) -> Result<(), EngineError> {
        use tokio::io::AsyncReadExt;
        let mut file = sftp
            .open(remote)
            .await
            .map_err(|e| self.ssh_err(format!("SFTP open {remote}: {e}")))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .await
            .map_err(|e| self.ssh_err(format!("SFTP read {remote}: {e}")))?;
        std::fs::write(local, &bytes).map_err(|source| EngineError::WriteFile {
            path: local.to_path_buf(),
            source,
        })?;
        ctx.note(format!(
            "Downloaded {remote} => {} ({} bytes)",
            local.display(),
            bytes.len()
        ));
        Ok(())
    }

    async fn put(&self, sftp: &SftpSession, local: &Path, remote: &str) -> Result<(), EngineError> {
        let bytes = std::fs::read(local).map_err(|source| EngineError::ReadFile {
            path: local.to_path_buf(),
            source,
        })?;
        self.put_bytes(sftp, &bytes, remote).await
    }

    /// Writes `bytes` to the file `remote` over SFTP (one session for this file).
    pub async fn write_file(&self, bytes: &[u8], remote: &str) -> Result<(), EngineError> {
        let sftp = self.sftp().await?;
        let written = self.put_bytes(&sftp, bytes, remote).await;
        let _ = sftp.close().await;
        written
    }

    async fn put_bytes(
        &self,
        sftp: &SftpSession,
        bytes: &[u8],
        remote: &str,
    ) -> Result<(), EngineError> {
        use tokio::io::AsyncWriteExt;
        let mut file = sftp
            .create(remote)
            .await
            .map_err(|e| self.ssh_err(format!("SFTP create {remote}: {e}")))?;
        file.write_all(bytes)
            .await
            .map_err(|e| self.ssh_err(format!("SFTP write {remote}: {e}")))?;
        file.shutdown()
            .await
            .map_err(|e| self.ssh_err(format!("SFTP close {remote}: {e}")))?;
        Ok(())
    }

    /// A new session channel on the instance's connection (the Ansible adapter carries each
    /// of Ansible's sessions over one).
    pub(crate) async fn open_channel(&self) -> Result<russh::Channel<client::Msg>, EngineError> {
        self.handle
            .channel_open_session()
            .await
            .map_err(|e| self.ssh_err(e))
    }

    /// Disconnects from the instance, then from the bastion; errors are ignored (the bake is done
    /// with it).
    pub async fn close(self) {
        let _ = self
            .handle
            .disconnect(Disconnect::ByApplication, "bake done", "en")
            .await;
        if let Some(bastion) = self.bastion {
            let _ = bastion
                .disconnect(Disconnect::ByApplication, "bake done", "en")
                .await;
        }
    }
}

/// One attempt through the bastion: log in to it (once, kept for the next attempts while
/// it stays open), open a `direct-tcpip` channel to the instance, start SSH over it.
async fn through_bastion(
    jump: &Bastion<'_>,
    session: &mut Option<Handle<HostKeyRecorder>>,
    fingerprint: &Arc<Mutex<Option<String>>>,
    (host, port): (&str, u16),
    handler: HostKeyRecorder,
) -> Result<Handle<HostKeyRecorder>, Attempt> {
    let bastion_target = format!("{}@{}:{}", jump.username, jump.host, jump.port);
    if session.as_ref().is_some_and(|h| h.is_closed()) {
        *session = None;
    }
    if session.is_none() {
        let recorder = HostKeyRecorder {
            fingerprint: fingerprint.clone(),
        };
        let retry = |state: String| Attempt::Retry {
            what: format!("SSH on the bastion {}:{}", jump.host, jump.port),
            state,
        };
        let mut handle = match tokio::time::timeout(
            Duration::from_secs(30),
            client::connect(client_config(), (jump.host, jump.port), recorder),
        )
        .await
        {
            Ok(Ok(handle)) => handle,
            Ok(Err(err)) => return Err(retry(err.to_string())),
            Err(_) => return Err(retry("connection timed out".into())),
        };
        if !authenticate(&mut handle, jump.username, jump.login, &bastion_target)
            .await
            .map_err(Attempt::Fatal)?
        {
            return Err(Attempt::Fatal(refused(
                bastion_target,
                jump.login,
                format!(
                    "check ssh_bastion_username (`{}`) and the bastion's key (ssh_bastion_private_key_file, ssh_bastion_agent_auth or ssh_bastion_password)",
                    jump.username
                ),
            )));
        }
        *session = Some(handle);
    }
    let bastion = session.as_ref().expect("logged in above");
    let what = format!(
        "SSH on {host}:{port} through the bastion {}:{}",
        jump.host, jump.port
    );
    let channel = match bastion
        .channel_open_direct_tcpip(host, u32::from(port), "127.0.0.1", 0)
        .await
    {
        Ok(channel) => channel,
        Err(err) => {
            return Err(Attempt::Retry {
                what,
                state: format!("the bastion could not connect: {err}"),
            });
        }
    };
    match tokio::time::timeout(
        Duration::from_secs(30),
        client::connect_stream(client_config(), channel.into_stream(), handler),
    )
    .await
    {
        Ok(Ok(handle)) => Ok(handle),
        Ok(Err(err)) => Err(Attempt::Retry {
            what,
            state: err.to_string(),
        }),
        Err(_) => Err(Attempt::Retry {
            what,
            state: "connection timed out".into(),
        }),
    }
}

/// Tries each key the agent at `socket` holds until the server accepts one.
async fn agent_login(
    handle: &mut Handle<HostKeyRecorder>,
    username: &str,
    socket: &Path,
    target: &str,
) -> Result<bool, EngineError> {
    use russh::keys::agent::AgentIdentity;
    use russh::keys::agent::client::AgentClient;
    let agent_err = |message: String| EngineError::Ssh {
        target: target.to_string(),
        message,
        hint: Some("start ssh-agent and add the key (ssh-add), or drop ssh_agent_auth".into()),
    };
    let mut agent = AgentClient::connect_uds(socket).await.map_err(|e| {
        agent_err(format!(
            "cannot reach the SSH agent at {}: {e}",
            socket.display()
        ))
    })?;
    let identities = agent
        .request_identities()
        .await
        .map_err(|e| agent_err(format!("the SSH agent did not list its keys: {e}")))?;
    if identities.is_empty() {
        return Err(agent_err("the SSH agent holds no key".into()));
    }
    let hash = handle
        .best_supported_rsa_hash()
        .await
        .ok()
        .flatten()
        .flatten();
    for identity in identities {
        let AgentIdentity::PublicKey { key, .. } = identity else {
            continue;
        };
        let result = handle
            .authenticate_publickey_with(username, key, hash, &mut agent)
            .await
            .map_err(|e| agent_err(format!("signing with the agent failed: {e:?}")))?;
        if result.success() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Splits a byte stream into lines per stream and keeps the last 20 for error messages.
#[derive(Default)]
struct LineSplitter {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    last: Vec<String>,
}

impl LineSplitter {
    fn push(&mut self, ctx: &BakeContext, stream: OutputStream, data: &[u8]) {
        let buffer = match stream {
            OutputStream::Stdout => &mut self.stdout,
            OutputStream::Stderr => &mut self.stderr,
        };
        buffer.extend_from_slice(data);
        while let Some(pos) = buffer.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=pos).collect();
            let text = String::from_utf8_lossy(&line[..line.len() - 1])
                .trim_end_matches('\r')
                .to_string();
            Self::emit(&mut self.last, ctx, stream, text);
        }
    }

    fn flush(&mut self, ctx: &BakeContext) {
        for stream in [OutputStream::Stdout, OutputStream::Stderr] {
            let buffer = match stream {
                OutputStream::Stdout => std::mem::take(&mut self.stdout),
                OutputStream::Stderr => std::mem::take(&mut self.stderr),
            };
            if !buffer.is_empty() {
                let text = String::from_utf8_lossy(&buffer).to_string();
                Self::emit(&mut self.last, ctx, stream, text);
            }
        }
    }

    fn emit(last: &mut Vec<String>, ctx: &BakeContext, stream: OutputStream, line: String) {
        last.push(line.clone());
        if last.len() > 20 {
            last.remove(0);
        }
        ctx.emit(BakeEvent::Output { stream, line });
    }
}
