//! The sandbox: a local stand-in for AWS, so the app, the CLI and every test can bake with
//! no account. It is one supervisor process (`assets/sandbox.py`) that runs moto's EC2
//! emulator in-process and an OpenSSH `sshd` that accepts any key pair moto knows.
//!
//! Invariants: everything it starts runs under that one supervisor, which stops its children
//! on SIGTERM/SIGINT and when the process that started it dies (so a killed test binary
//! leaves nothing running); [`Sandbox::stop`] and `Drop` stop it by pid and wait for it.
#![warn(missing_docs)]

mod ec2;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde::Deserialize;

pub use ec2::{Ec2Error, QueryResponse};

/// The supervisor, the AMI catalogue and the pinned requirements, embedded in the binary.
const SANDBOX_PY: &str = include_str!("../assets/sandbox.py");
const AMIS_JSON: &str = include_str!("../assets/amis.json");
/// The Python packages the sandbox needs, pinned (what `scripts/setup` installs).
pub const REQUIREMENTS_TXT: &str = include_str!("../assets/requirements.txt");

/// Environment variable naming the Python interpreter that has moto installed.
pub const PYTHON_ENV: &str = "BAKERY_SANDBOX_PYTHON";

/// The dummy access key id moto accepts.
pub const ACCESS_KEY_ID: &str = "testing";
/// The dummy secret access key moto accepts.
pub const SECRET_ACCESS_KEY: &str = "testing";
/// The sandbox's home region.
pub const REGION: &str = "us-east-1";

/// Why the sandbox did not start, stop or answer.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// No Python with moto installed where the sandbox looked.
    #[error(
        "no Python with moto found at {path}: run `scripts/setup` (it creates .venv-sandbox), or set {PYTHON_ENV} to a python that has `moto[server]` installed"
    )]
    NoPython {
        /// The interpreter looked for.
        path: PathBuf,
    },
    /// A file of the sandbox could not be written or read (its work directory, a
    /// recording).
    #[error("the sandbox work directory could not be prepared: {0}")]
    Workdir(#[source] std::io::Error),
    /// The supervisor process could not be started.
    #[error("the sandbox supervisor could not be started ({python}): {source}")]
    Spawn {
        /// The interpreter it was started with.
        python: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The supervisor failed or exited before it was ready (the message says why), or a
    /// recording has an unreadable line.
    #[error("the sandbox did not start: {0}")]
    Startup(String),
    /// The supervisor did not say it was ready in time (the wait, and its log so far).
    #[error("the sandbox did not become ready within {0:?}; its log: {1}")]
    Timeout(Duration, String),
    /// The supervisor could not be signalled or did not exit.
    #[error("stopping the sandbox (pid {pid}) failed: {message}")]
    Stop {
        /// The supervisor's process id.
        pid: u32,
        /// What went wrong.
        message: String,
    },
    /// A call to the emulator failed.
    #[error(transparent)]
    Ec2(#[from] Ec2Error),
}

/// How to start the sandbox.
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// The EC2 endpoint's port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The SSH stand-in's port on 127.0.0.1; 0 picks a free one.
    pub ssh_port: u16,
    /// Latency mode: seconds that instances stay pending/stopping/shutting-down and new
    /// AMIs pending after each change. 0 = EC2 state changes are instant.
    pub latency_secs: f64,
    /// Record every EC2 request moto receives into this file (JSON lines).
    pub record: Option<PathBuf>,
    /// The Python interpreter with moto; defaults to [`default_python`].
    pub python: Option<PathBuf>,
}

/// What the supervisor prints once moto and sshd answer.
#[derive(Debug, Clone, Deserialize)]
struct ReadyLine {
    ready: bool,
    #[serde(default)]
    endpoint: String,
    #[serde(default)]
    ssh_port: u16,
    #[serde(default)]
    pid: u32,
    #[serde(default)]
    sshd_pid: u32,
    #[serde(default)]
    error: Option<String>,
}

/// A running sandbox. Stops everything it started when stopped or dropped.
#[derive(Debug)]
pub struct Sandbox {
    child: Option<Child>,
    endpoint: String,
    ssh_port: u16,
    supervisor_pid: u32,
    sshd_pid: u32,
    workdir: tempfile::TempDir,
}

/// The interpreter used when neither the options nor `BAKERY_SANDBOX_PYTHON` name one:
/// the set-up command's `.venv-sandbox`, found next to the running binary's checkout
/// (`target/debug/bakery` → the repository root), else in this source checkout.
pub fn default_python() -> PathBuf {
    if let Some(path) = std::env::var_os(PYTHON_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let venv_python = |dir: &Path| dir.join(".venv-sandbox/bin/python");
    if let Ok(exe) = std::env::current_exe()
        && let Some(found) = exe
            .ancestors()
            .skip(1)
            .map(venv_python)
            .find(|candidate| candidate.exists())
    {
        return found;
    }
    venv_python(Path::new(env!("CARGO_MANIFEST_DIR")))
        .parent()
        .map(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../.venv-sandbox/bin/python"))
        .unwrap_or_default()
        .components()
        .collect()
}

impl Sandbox {
    /// Starts the supervisor and waits (up to 60 s) until moto and sshd answer.
    pub fn start(options: &SandboxOptions) -> Result<Self, SandboxError> {
        let python = options.python.clone().unwrap_or_else(default_python);
        if !python.exists() {
            return Err(SandboxError::NoPython { path: python });
        }
        let workdir = tempfile::Builder::new()
            .prefix("bakery-sandbox-")
            .tempdir()
            .map_err(SandboxError::Workdir)?;
        let script = workdir.path().join("sandbox.py");
        std::fs::write(&script, SANDBOX_PY).map_err(SandboxError::Workdir)?;
        std::fs::write(workdir.path().join("amis.json"), AMIS_JSON)
            .map_err(SandboxError::Workdir)?;
        let log_path = workdir.path().join("supervisor.log");
        let log = std::fs::File::create(&log_path).map_err(SandboxError::Workdir)?;

        let mut command = Command::new(&python);
        command
            .arg(&script)
            .arg("--workdir")
            .arg(workdir.path())
            .arg("--port")
            .arg(options.port.to_string())
            .arg("--ssh-port")
            .arg(options.ssh_port.to_string())
            .arg("--latency")
            .arg(options.latency_secs.to_string())
            .arg("--parent-pid")
            .arg(std::process::id().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        if let Some(record) = &options.record {
            command.arg("--record").arg(record);
        }
        let mut child = command.spawn().map_err(|source| SandboxError::Spawn {
            python: python.clone(),
            source,
        })?;

        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = tx.send(reader.read_line(&mut line).map(|_| line.clone()));
            // Keep draining so the supervisor never blocks on a full pipe.
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });
        let timeout = Duration::from_secs(60);
        let line = match rx.recv_timeout(timeout) {
            Ok(Ok(line)) => line,
            Ok(Err(err)) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(SandboxError::Startup(err.to_string()));
            }
            Err(_) => {
                // SIGTERM first: the supervisor then also stops what runs under sshd.
                let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
                std::thread::sleep(Duration::from_secs(2));
                let _ = child.kill();
                let _ = child.wait();
                return Err(SandboxError::Timeout(timeout, read_log(&log_path)));
            }
        };
        let ready: ReadyLine = match serde_json::from_str(line.trim()) {
            Ok(ready) => ready,
            Err(_) => {
                let _ = child.wait();
                return Err(SandboxError::Startup(format!(
                    "the supervisor exited before it was ready: {}",
                    read_log(&log_path)
                )));
            }
        };
        if !ready.ready {
            let _ = child.wait();
            return Err(SandboxError::Startup(
                ready.error.unwrap_or_else(|| read_log(&log_path)),
            ));
        }
        Ok(Self {
            supervisor_pid: ready.pid,
            sshd_pid: ready.sshd_pid,
            endpoint: ready.endpoint,
            ssh_port: ready.ssh_port,
            child: Some(child),
            workdir,
        })
    }

    /// The EC2 endpoint, e.g. `http://127.0.0.1:5000`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The SSH stand-in's port on 127.0.0.1.
    pub fn ssh_port(&self) -> u16 {
        self.ssh_port
    }

    /// The pids of every process the sandbox runs: the supervisor (moto) and sshd.
    pub fn pids(&self) -> [u32; 2] {
        [self.supervisor_pid, self.sshd_pid]
    }

    /// The supervisor's work directory (sshd config, logs).
    pub fn workdir(&self) -> &Path {
        self.workdir.path()
    }

    /// Environment variables that point an AWS SDK or CLI at the sandbox.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.to_string()),
            ("AWS_REGION", REGION.to_string()),
        ]
    }

    /// Wipes every resource the tests made (instances, key pairs, groups, images they
    /// created) and restores the AMI catalogue.
    pub fn reset(&self) -> Result<(), SandboxError> {
        ec2::reset(&self.endpoint)?;
        Ok(())
    }

    /// Calls an EC2 Query API action in `region` and returns the parsed response.
    pub fn ec2(
        &self,
        region: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<QueryResponse, SandboxError> {
        Ok(ec2::call(&self.endpoint, region, action, params)?)
    }

    /// Stops the supervisor (SIGTERM, then SIGKILL after 10 s) and waits until it and
    /// sshd are gone.
    pub fn stop(mut self) -> Result<(), SandboxError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), SandboxError> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let pid = child.id();
        let stop_err = |message: String| SandboxError::Stop { pid, message };
        if child
            .try_wait()
            .map_err(|e| stop_err(e.to_string()))?
            .is_none()
        {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if child
                    .try_wait()
                    .map_err(|e| stop_err(e.to_string()))?
                    .is_some()
                {
                    break;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    child.wait().map_err(|e| stop_err(e.to_string()))?;
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        // sshd is the supervisor's child: it is stopped by it; make sure of it.
        let deadline = Instant::now() + Duration::from_secs(5);
        while process_alive(self.sshd_pid) {
            if Instant::now() > deadline {
                let _ = kill(Pid::from_raw(self.sshd_pid as i32), Signal::SIGKILL);
                return Err(stop_err(format!(
                    "sshd (pid {}) outlived the supervisor and was killed",
                    self.sshd_pid
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// Whether a process with this pid exists and is not a zombie.
pub fn process_alive(pid: u32) -> bool {
    if pid == 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the first field after the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(')')
            .map(|(_, rest)| !rest.trim_start().starts_with('Z'))
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// One recorded API call: its action and its (form-decoded) parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    /// The EC2 action, e.g. `RunInstances`.
    pub action: String,
    /// Its parameters, (name, value), in request order.
    pub params: Vec<(String, String)>,
    /// The access key id the request was signed with (from its SigV4 `Authorization`).
    pub access_key_id: Option<String>,
}

impl RecordedCall {
    /// The first value of `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

fn form_decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every call in a recording made with [`SandboxOptions::record`], in order.
pub fn recorded_calls(path: &Path) -> Result<Vec<RecordedCall>, SandboxError> {
    let text = std::fs::read_to_string(path).map_err(SandboxError::Workdir)?;
    let mut calls = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let record: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| SandboxError::Startup(format!("unreadable recording line: {e}")))?;
        let body = record["body"].as_str().unwrap_or_default();
        let body = if record["body_encoded"].as_bool() == Some(true) {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            body.to_string()
        };
        let query = record["url"]
            .as_str()
            .and_then(|url| url.split_once('?'))
            .map(|(_, q)| q.to_string())
            .unwrap_or_default();
        let params: Vec<(String, String)> = body
            .split('&')
            .chain(query.split('&'))
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (form_decode(k), form_decode(v)))
            .collect();
        if let Some(action) = params
            .iter()
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v.clone())
        {
            let access_key_id = record["headers"]["Authorization"]
                .as_str()
                .and_then(|auth| auth.split("Credential=").nth(1))
                .and_then(|credential| credential.split('/').next())
                .map(str::to_string);
            calls.push(RecordedCall {
                action,
                params,
                access_key_id,
            });
        }
    }
    Ok(calls)
}

/// The EC2 actions in a recording made with [`SandboxOptions::record`], in order
/// (e.g. `["DescribeImages", "RunInstances"]`): how benchmarks and tests count API calls.
pub fn recorded_actions(path: &Path) -> Result<Vec<String>, SandboxError> {
    Ok(recorded_calls(path)?
        .into_iter()
        .map(|call| call.action)
        .collect())
}

fn read_log(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(20).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}
