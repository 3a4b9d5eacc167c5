//! Test support for AMI Bakery's integration and end-to-end tests.
//!
//! [`sandbox`] hands out the one sandbox of this test binary (started on first use on free
//! ports, reset before each lease). Leases are exclusive, so tests that share it run one at
//! a time. The sandbox's supervisor watches this process: when the test binary exits or
//! dies (panic, abort, kill -9) it stops moto and sshd itself, so nothing is left running.

pub mod fault_proxy;
pub mod webdriver;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

use bakery_sandbox::{Sandbox, SandboxOptions};

static SHARED: OnceLock<Mutex<Sandbox>> = OnceLock::new();

/// Exclusive use of this test binary's sandbox, freshly reset.
pub struct SandboxLease {
    guard: MutexGuard<'static, Sandbox>,
}

impl std::ops::Deref for SandboxLease {
    type Target = Sandbox;
    fn deref(&self) -> &Sandbox {
        &self.guard
    }
}

/// The test binary's sandbox, reset to the catalogue and nothing else.
pub fn sandbox() -> SandboxLease {
    let shared = SHARED.get_or_init(|| {
        let sandbox = Sandbox::start(&SandboxOptions::default())
            .unwrap_or_else(|err| panic!("the sandbox could not start: {err}"));
        Mutex::new(sandbox)
    });
    // A test that panicked while holding the lease poisons the lock; the reset below
    // makes the sandbox usable again.
    let guard = shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    guard
        .reset()
        .unwrap_or_else(|err| panic!("the sandbox could not be reset: {err}"));
    SandboxLease { guard }
}

/// The repository's root folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `ansible-playbook` of the set-up command's `.venv-ansible` (ansible-core, pinned in
/// `tests/ansible-requirements.txt`).
pub fn ansible_playbook() -> PathBuf {
    let path = workspace_root().join(".venv-ansible/bin/ansible-playbook");
    assert!(
        path.exists(),
        "no {}: run scripts/setup (it installs ansible-core into .venv-ansible)",
        path.display()
    );
    path
}

/// The workspace's target directory (`target/`), where the app and `bakery` are built.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
}

/// A binary of the workspace, built by `cargo build --workspace` (see README's test command).
pub fn workspace_binary(name: &str) -> PathBuf {
    // The test executable lives in target/<profile>/deps/; binaries one level up.
    let from_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|dir| dir.join(name)));
    let path = from_exe
        .filter(|p| p.exists())
        .unwrap_or_else(|| target_dir().join("debug").join(name));
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --workspace` before the end-to-end tests",
        path.display()
    );
    path
}

/// An ed25519 key pair made by `ssh-keygen` in `dir`: (private key path, public key line).
pub fn ssh_keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen runs (apt package openssh-client)");
    assert!(status.success(), "ssh-keygen failed");
    let public = std::fs::read_to_string(key.with_extension("pub"))
        .expect("public key written")
        .trim()
        .to_string();
    (key, public)
}

/// Runs `command` on the SSH stand-in as `user` with `key`: (exit code, stdout, stderr).
pub fn ssh_run(port: u16, user: &str, key: &Path, command: &str) -> (i32, String, String) {
    let output = Command::new("ssh")
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "ConnectTimeout=10",
            "-p",
        ])
        .arg(port.to_string())
        .arg("-i")
        .arg(key)
        .arg(format!("{user}@127.0.0.1"))
        .arg(command)
        .output()
        .expect("ssh runs (apt package openssh-client)");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The app's keyring item `user` (e.g. `aws-secret-access-key:NAME`) as `secret-tool` reads
/// it from the Secret Service; None when there is none.
pub fn secret_tool_lookup(user: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", "dev.amibakery.app", "username", user])
        .output()
        .expect("secret-tool runs (apt package libsecret-tools)");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Whether any file under `dir` (recursively) contains `needle`.
pub fn any_file_contains(dir: &Path, needle: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            any_file_contains(&path, needle)
        } else {
            std::fs::read(&path).is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(needle))
        }
    })
}

/// The article's packer.json, as written, but: the instance is the sandbox's SSH
/// stand-in (ssh_host/ssh_port, root), the VPC/subnet ids (of the article's account) are
/// left to the default VPC, and the source AMI is one of the sandbox's catalogue.
pub fn article_template(sandbox: &Sandbox, inline: &[&str]) -> String {
    let ami = sandbox
        .ec2("eu-west-1", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap()
        .texts("imageId")
        .remove(0);
    let inline = serde_json::to_string(inline).unwrap();
    format!(
        r#"{{
    "builders": [{{
        "type": "amazon-ebs",
        "region": "eu-west-1",
        "source_ami": "{ami}",
        "instance_type": "t2.micro",
        "ssh_username": "root",
        "ssh_host": "127.0.0.1",
        "ssh_port": {port},
        "ami_name": "yum-upgrade {{{{timestamp}}}}",
        "ami_regions": ["us-west-2"],
        "ami_users": ["111122223333"]
    }}],
    "provisioners": [{{
        "type": "shell",
        "inline": {inline}
    }}],
    "post-processors": [{{ "type": "manifest", "output": "manifest.json" }}]
}}"#,
        port = sandbox.ssh_port()
    )
}

/// `bakery` with the sandbox's credentials and endpoints, its data directory `home`, run
/// in `home`.
pub fn sandbox_bakery(sandbox: &Sandbox, home: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(workspace_binary("bakery"));
    for (key, value) in sandbox.env_vars() {
        command.env(key, value);
    }
    command
        .env("BAKERY_HOME", home)
        .env_remove("AWS_PROFILE")
        .current_dir(home);
    command
}
