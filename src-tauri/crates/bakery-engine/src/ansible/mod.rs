//! The `ansible` provisioner, as Packer's remote Ansible runs it: `ansible-galaxy` installs
//! the galaxy file's roles and collections, then `ansible-playbook` runs on this machine with
//! a generated inventory naming the instance, every output line an event.
//!
//! By default (`use_proxy`) Ansible connects to an SSH [`adapter`] on 127.0.0.1 that carries
//! its sessions over the bake's own SSH session, so it reaches the instance wherever the bake
//! does (a bastion included) and the bake's key stays in memory; only the adapter's one-time
//! key is written, 0600 in a 0700 folder of the bake's, removed when the step ends. With
//! `use_proxy: false` Ansible connects to the instance itself with the bake's key, written the
//! same way (or the user's own `ssh_private_key_file`, or the SSH agent).

pub mod adapter;
pub mod on_instance;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::EngineError;
use crate::event::StepName;
use crate::local::stream_output;
use crate::spec::{AnsibleSpec, GalaxySpec};
use crate::ssh::SshSession;
use crate::steps::Bake;
use adapter::{Adapter, AdapterKeys};

/// Packer's default `command`.
pub const DEFAULT_COMMAND: &str = "ansible-playbook";
/// Packer's default `galaxy_command`.
pub const DEFAULT_GALAXY_COMMAND: &str = "ansible-galaxy";
/// The prefix of the folders the step keeps its key and inventory in, in the temporary folder.
pub const PRIVATE_DIR_PREFIX: &str = "bakery-ansible-";

/// A folder of the step's own (0700) in the temporary folder, for the key Ansible logs in
/// with and the generated inventory; removed when dropped, so also when the bake fails or is
/// cancelled (a killed bake's is removed by the next recovery, see [`remove_left_behind`]).
pub struct PrivateDir(PathBuf);

impl PrivateDir {
    /// `<tmp>/bakery-ansible-<bake id>-<pid>-<index>`.
    pub fn create(bake_id: &str, index: usize) -> Result<Self, EngineError> {
        use std::os::unix::fs::DirBuilderExt;
        let path = std::env::temp_dir().join(format!(
            "{PRIVATE_DIR_PREFIX}{bake_id}-{}-{index}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|source| EngineError::WriteFile {
                path: path.clone(),
                source,
            })?;
        Ok(Self(path))
    }

    /// Writes `text` to `name` in the folder, readable by this user only (0600).
    pub fn write(&self, name: &str, text: &str) -> Result<PathBuf, EngineError> {
        write_private(&self.0.join(name), text)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_private(path: &Path, text: &str) -> Result<PathBuf, EngineError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let err = |source| EngineError::WriteFile {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(err)?;
    file.write_all(text.as_bytes()).map_err(err)?;
    Ok(path.to_path_buf())
}

/// Removes what a killed bake's Ansible step left in the temporary folder (its key and
/// inventory folder); returns how many folders it removed.
pub fn remove_left_behind(bake_id: &str) -> usize {
    let prefix = format!("{PRIVATE_DIR_PREFIX}{bake_id}-");
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .filter(|e| std::fs::remove_dir_all(e.path()).is_ok())
        .count()
}

/// Checks that Ansible runs here (`command --version`, unless `skip_version_check`), before
/// anything is created; returns the first line it printed (`ansible-playbook [core 2.18.1]`).
pub async fn check_installed(spec: &AnsibleSpec) -> Result<Option<String>, EngineError> {
    if spec.skip_version_check {
        return Ok(None);
    }
    let command = spec.command.as_deref().unwrap_or(DEFAULT_COMMAND);
    let output = tokio::process::Command::new(command)
        .arg("--version")
        .current_dir(&spec.working_dir)
        .stdin(Stdio::null())
        .output()
        .await;
    match output {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .map(str::to_string)),
        Ok(out) => Err(EngineError::Preflight(format!(
            "`{command} --version` failed ({}): {}; check the ansible provisioner's command, or set skip_version_check if an earlier step installs Ansible",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
        Err(e) => Err(EngineError::Preflight(format!(
            "the ansible provisioner runs `{command}` on this computer, and it cannot be run ({e}): install Ansible (`pip install ansible-core`), or set command to where ansible-playbook is"
        ))),
    }
}

/// Where and as whom Ansible logs in, and with what.
struct Connection {
    host: String,
    port: u16,
    user: String,
    /// The key file for `ansible_ssh_private_key_file`, if any.
    key_file: Option<PathBuf>,
    /// Whether the adapter presents a one-time host key (so nothing is worth remembering).
    one_time_host_key: bool,
}

/// Runs one `ansible` provisioner (the `index`th of the bake) over `session`.
pub async fn run(
    bake: &Bake<'_>,
    session: &SshSession,
    spec: &AnsibleSpec,
    index: usize,
) -> Result<(), EngineError> {
    let ctx = bake.ctx;
    if !spec.pause_before.is_zero() {
        crate::steps::provision::pause(bake, spec.pause_before).await?;
    }
    let label = format!(
        "ansible provisioner {} ({})",
        index + 1,
        spec.playbook_file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let env = environment(bake, spec);
    if let Some(galaxy) = &spec.galaxy {
        run_galaxy(bake, galaxy, spec, &env, &label).await?;
    }
    let dir = PrivateDir::create(&ctx.bake_id, index)?;
    let use_proxy = spec.use_proxy || bake.spec.ssh.bastion.is_some();
    if !spec.use_proxy && use_proxy {
        ctx.note(
            "use_proxy is false, but the instance is reached through a bastion: Ansible goes through the adapter instead",
        );
    }
    let ansible_user = |default: &str| spec.user.clone().unwrap_or_else(|| default.to_string());
    if use_proxy {
        ctx.note("Setting up proxy adapter for Ansible");
        let keys = AdapterKeys::new(
            spec.rsa_adapter_keys,
            spec.ssh_host_key_file.as_deref(),
            spec.ssh_authorized_key_file.as_deref(),
        )?;
        let user = ansible_user(&local_user());
        let adapter = Adapter::bind(&keys, &user, spec.local_port).await?;
        let key_file = match &keys.client {
            Some(key) => Some(dir.write("adapter-key", &openssh_private(key)?)?),
            None => None,
        };
        let connection = Connection {
            host: "127.0.0.1".into(),
            port: adapter.port,
            user,
            key_file,
            one_time_host_key: spec.ssh_host_key_file.is_none(),
        };
        let playbook = run_playbook(bake, spec, &env, &dir, &connection, &label);
        adapter
            .serve(session, spec.sftp_command.as_deref(), playbook)
            .await
    } else {
        ctx.note("Not using the proxy adapter for Ansible: it connects to the instance with the bake's key");
        let key_file = match (&bake.spec.ssh_private_key_file, &bake.spec.ssh_agent_socket) {
            (Some(file), _) => Some(file.clone()),
            (None, Some(_)) => None,
            (None, None) => match &bake.state.key {
                Some(key) => Some(dir.write("instance-key", &openssh_private(&key.private)?)?),
                None => None,
            },
        };
        let connection = Connection {
            host: bake.ssh_address()?,
            port: bake.spec.ssh.port,
            user: ansible_user(&bake.spec.ssh.username),
            key_file,
            one_time_host_key: false,
        };
        run_playbook(bake, spec, &env, &dir, &connection, &label).await
    }
}

/// The name of the user running the bake (Packer's default `user` with the adapter).
fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "root".into())
}

fn openssh_private(key: &russh::keys::PrivateKey) -> Result<String, EngineError> {
    key.to_openssh(russh::keys::ssh_key::LineEnding::LF)
        .map(|text| text.to_string())
        .map_err(|e| EngineError::Preflight(format!("cannot encode the key for Ansible: {e}")))
}

/// Ansible's environment: `ansible_env_vars`, then what Packer adds unless they are set
/// (`ANSIBLE_HOST_KEY_CHECKING=False` without `ssh_host_key_file`, `ANSIBLE_SCP_IF_SSH=True`
/// without `use_sftp`), the SSH agent's socket with `ssh_agent_auth`, and unbuffered output
/// so each line arrives as it is printed.
fn environment(bake: &Bake<'_>, spec: &AnsibleSpec) -> Vec<(String, String)> {
    let mut env = spec.env_vars.clone();
    let mut default = |name: &str, value: &str| {
        if !env.iter().any(|(k, _)| k == name) {
            env.push((name.to_string(), value.to_string()));
        }
    };
    if spec.ssh_host_key_file.is_none() {
        default("ANSIBLE_HOST_KEY_CHECKING", "False");
    }
    if !spec.use_sftp {
        default("ANSIBLE_SCP_IF_SSH", "True");
    }
    default("PYTHONUNBUFFERED", "1");
    if let Some(socket) = &bake.spec.ssh_agent_socket {
        default("SSH_AUTH_SOCK", &socket.display().to_string());
    }
    env
}

/// The generated inventory: the host line (`inventory_file_template`, or Packer's default),
/// once on its own and once under each group, then the empty groups.
pub fn inventory(spec: &AnsibleSpec, host: &str, port: u16, user: &str) -> String {
    let template = spec.inventory_file_template.as_deref().unwrap_or(
        "{{ .HostAlias }} ansible_host={{ .Host }} ansible_user={{ .User }} ansible_port={{ .Port }}\n",
    );
    let alias = spec.host_alias.as_deref().unwrap_or("default");
    let mut line = template.to_string();
    for (name, value) in [
        ("HostAlias", alias.to_string()),
        ("Host", host.to_string()),
        ("User", user.to_string()),
        ("Port", port.to_string()),
    ] {
        line = line
            .replace(&format!("{{{{ .{name} }}}}"), &value)
            .replace(&format!("{{{{.{name}}}}}"), &value);
    }
    let mut text = line.clone();
    for group in &spec.groups {
        text.push_str(&format!("[{group}]\n{line}"));
    }
    for group in &spec.empty_groups {
        text.push_str(&format!("[{group}]\n"));
    }
    text
}

/// `ansible-playbook`'s arguments, as Packer builds them: the build's name and type as extra
/// variables, `--ssh-extra-args` when a key is given, the user's `extra_arguments`, the key
/// file, then the inventory and the playbook last.
fn arguments(
    bake: &Bake<'_>,
    spec: &AnsibleSpec,
    connection: &Connection,
    inventory: &Path,
) -> Vec<String> {
    let mut args = vec![
        "-e".to_string(),
        format!("packer_build_name={:?}", bake.spec.build_name),
        "-e".to_string(),
        "packer_builder_type=amazon-ebs".to_string(),
    ];
    if connection.key_file.is_some() {
        let mut ssh_args: Vec<String> = if spec.ssh_extra_args.is_empty() {
            vec!["-o IdentitiesOnly=yes".to_string()]
        } else {
            spec.ssh_extra_args.clone()
        };
        if connection.one_time_host_key && spec.ssh_extra_args.is_empty() {
            // The adapter's host key is new each time: not worth a line in known_hosts.
            ssh_args.push("-o UserKnownHostsFile=/dev/null".to_string());
        }
        args.push("--ssh-extra-args".to_string());
        args.push(format!("'{}'", ssh_args.join("' '")));
    }
    args.extend(spec.extra_arguments.iter().cloned());
    let names_password = args
        .iter()
        .any(|a| a.split('=').any(|part| part == "ansible_password"));
    if let Some(key) = &connection.key_file
        && !names_password
    {
        args.push("-e".to_string());
        args.push(format!("ansible_ssh_private_key_file={}", key.display()));
    }
    args.push("-i".to_string());
    args.push(inventory.display().to_string());
    args.push(spec.playbook_file.display().to_string());
    args
}

/// The command line as the log shows it: values of extra arguments whose name says
/// password or secret hidden, like Packer.
pub fn shown_command(command: &str, args: &[String], extra_arguments: &[String]) -> String {
    let mut shown = format!("{command} {}", args.join(" "));
    for arg in extra_arguments {
        if let Some((name, value)) = arg.split_once('=') {
            let name = name.to_lowercase();
            if !value.is_empty() && (name.contains("password") || name.contains("secret")) {
                shown = shown.replace(value, "*****");
            }
        }
    }
    shown
}

/// Reads Ansible's output for the task that failed: the last `TASK [name]` heading before a
/// `fatal:` or `failed:` line.
#[derive(Default)]
pub struct TaskTracker {
    current: Option<String>,
    /// The first task that failed.
    pub failed: Option<String>,
    /// The last lines printed, for the error.
    pub last: Vec<String>,
}

impl TaskTracker {
    /// Takes one line of Ansible's output.
    pub fn line(&mut self, line: &str) {
        self.last.push(line.to_string());
        if self.last.len() > 20 {
            self.last.remove(0);
        }
        if let Some(rest) = line.strip_prefix("TASK [")
            && let Some(end) = rest.rfind(']')
        {
            self.current = Some(rest[..end].to_string());
        } else if (line.starts_with("fatal: [") || line.starts_with("failed: ["))
            && self.failed.is_none()
        {
            self.failed = self.current.clone();
        }
    }
}

async fn run_playbook(
    bake: &Bake<'_>,
    spec: &AnsibleSpec,
    env: &[(String, String)],
    dir: &PrivateDir,
    connection: &Connection,
    label: &str,
) -> Result<(), EngineError> {
    let ctx = bake.ctx;
    let inventory = match &spec.inventory_file {
        Some(file) => file.clone(),
        None => {
            let text = inventory(spec, &connection.host, connection.port, &connection.user);
            match (&spec.inventory_directory, spec.keep_inventory_file) {
                (None, false) => dir.write("inventory", &text)?,
                (folder, _) => {
                    let folder = folder.clone().unwrap_or_else(std::env::temp_dir);
                    write_private(
                        &folder.join(format!(
                            "packer-provisioner-ansible-{}-{}",
                            ctx.bake_id,
                            rand::random::<u32>()
                        )),
                        &text,
                    )?
                }
            }
        }
    };
    // The inventory written outside the step's folder goes when the step ends, unless kept.
    let _remove_inventory = (spec.inventory_file.is_none()
        && !inventory.starts_with(dir.path())
        && !spec.keep_inventory_file)
        .then(|| RemoveOnDrop(inventory.clone()));
    if spec.keep_inventory_file && spec.inventory_file.is_none() {
        ctx.note(format!(
            "The inventory is kept at {} (keep_inventory_file)",
            inventory.display()
        ));
    }
    let command = spec.command.as_deref().unwrap_or(DEFAULT_COMMAND);
    let args = arguments(bake, spec, connection, &inventory);
    ctx.note(format!(
        "Executing Ansible: {}",
        shown_command(command, &args, &spec.extra_arguments)
    ));
    run_here(ctx, command, &args, env, &spec.working_dir, label).await
}

/// Runs `command` on this machine in `dir` with `env` added, every output line an event; a
/// failure is a provisioner error naming `what` and the Ansible task that failed, if any.
async fn run_here(
    ctx: &crate::context::BakeContext,
    command: &str,
    args: &[String],
    env: &[(String, String)],
    dir: &Path,
    what: &str,
) -> Result<(), EngineError> {
    let failed =
        |status: u32, last_lines: Vec<String>, task: Option<String>| EngineError::Provisioner {
            command: match task {
                Some(task) => format!("{what}, at the task \"{task}\","),
                None => what.to_string(),
            },
            status,
            last_lines,
        };
    let mut child = tokio::process::Command::new(command)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| failed(127, vec![format!("cannot run {command}: {e}")], None))?;
    let mut tracker = TaskTracker::default();
    let status = stream_output(ctx, &mut child, StepName::Provision, |_, line| {
        tracker.line(line)
    })
    .await?
    .map_err(|e| failed(255, vec![e.to_string()], None))?;
    if status.success() {
        return Ok(());
    }
    Err(failed(
        status.code().map(|c| c as u32).unwrap_or(255),
        tracker.last,
        tracker.failed,
    ))
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `galaxy_file`: roles (`ansible-galaxy install -r`) unless the file lists only
/// collections, and collections (`ansible-galaxy collection install -r`) when it lists them,
/// like Packer.
async fn run_galaxy(
    bake: &Bake<'_>,
    galaxy: &GalaxySpec,
    spec: &AnsibleSpec,
    env: &[(String, String)],
    label: &str,
) -> Result<(), EngineError> {
    let text = std::fs::read_to_string(&galaxy.file).map_err(|source| EngineError::ReadFile {
        path: galaxy.file.clone(),
        source,
    })?;
    let has = |key: &str| text.lines().any(|l| l.starts_with(key));
    let (roles, collections) = (has("roles:"), has("collections:"));
    let file = galaxy.file.display().to_string();
    let mut runs: Vec<Vec<String>> = Vec::new();
    let flags = |mut args: Vec<String>, path: &Option<PathBuf>| {
        if galaxy.force {
            args.push("-f".into());
        }
        if galaxy.force_with_deps {
            args.push("--force-with-deps".into());
        }
        if let Some(path) = path {
            args.push("-p".into());
            args.push(path.display().to_string());
        }
        args
    };
    if roles || !collections {
        runs.push(flags(
            vec!["install".into(), "-r".into(), file.clone()],
            &galaxy.roles_path,
        ));
    }
    if collections {
        runs.push(flags(
            vec![
                "collection".into(),
                "install".into(),
                "-r".into(),
                file.clone(),
            ],
            &galaxy.collections_path,
        ));
    }
    let command = galaxy.command.as_deref().unwrap_or(DEFAULT_GALAXY_COMMAND);
    for args in runs {
        bake.ctx.note(format!(
            "Executing Ansible Galaxy: {command} {}",
            args.join(" ")
        ));
        run_here(
            bake.ctx,
            command,
            &args,
            env,
            &spec.working_dir,
            &format!("{label}'s {command}"),
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inventory_names_the_host_in_each_group_like_packer() {
        let spec = AnsibleSpec {
            groups: vec!["web".into(), "db".into()],
            empty_groups: vec!["spare".into()],
            ..Default::default()
        };
        assert_eq!(
            inventory(&spec, "127.0.0.1", 40022, "ci"),
            "default ansible_host=127.0.0.1 ansible_user=ci ansible_port=40022\n\
             [web]\ndefault ansible_host=127.0.0.1 ansible_user=ci ansible_port=40022\n\
             [db]\ndefault ansible_host=127.0.0.1 ansible_user=ci ansible_port=40022\n\
             [spare]\n"
        );
        let spec = AnsibleSpec {
            host_alias: Some("golden".into()),
            inventory_file_template: Some(
                "{{.HostAlias}} ansible_host={{ .Host }}:{{.Port}}\n".into(),
            ),
            ..Default::default()
        };
        assert_eq!(
            inventory(&spec, "10.0.0.5", 22, "admin"),
            "golden ansible_host=10.0.0.5:22\n"
        );
    }

    #[test]
    fn the_failed_task_is_the_last_heading_before_fatal() {
        let mut tracker = TaskTracker::default();
        for line in [
            "PLAY [all] *****",
            "TASK [Gathering Facts] *****",
            "ok: [default]",
            "TASK [Install nginx] *****",
            "fatal: [default]: FAILED! => {\"msg\": \"No package matching 'nginx'\"}",
            "TASK [never reached] *****",
            "PLAY RECAP *****",
        ] {
            tracker.line(line);
        }
        assert_eq!(tracker.failed.as_deref(), Some("Install nginx"));
        let mut tracker = TaskTracker::default();
        tracker.line("ERROR! the playbook: site.yml could not be found");
        assert_eq!(tracker.failed, None);
    }

    #[test]
    fn passwords_and_secrets_in_extra_arguments_are_hidden_in_the_shown_command() {
        let extra = vec![
            "--extra-vars".to_string(),
            "db_password=hunter2".to_string(),
            "region=eu-west-1".to_string(),
        ];
        let shown = shown_command("ansible-playbook", &extra, &extra);
        assert_eq!(
            shown,
            "ansible-playbook --extra-vars db_password=***** region=eu-west-1"
        );
    }
}
