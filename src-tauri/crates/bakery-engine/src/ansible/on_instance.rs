//! `ansible-local`, as Packer's plugin runs it: the playbook (and `playbook_dir`, roles,
//! `group_vars`, `host_vars`, playbook folders, the galaxy file and an inventory) uploaded over
//! SFTP into a staging directory on the instance, `ansible-galaxy` and `ansible-playbook … -c
//! local` run there over SSH with their output as events, then the staging directory removed
//! (unless `clean_staging_directory` is false).

use std::path::Path;

use super::TaskTracker;
use crate::EngineError;
use crate::shell_script::shell_quote;
use crate::spec::AnsibleLocalSpec;
use crate::ssh::SshSession;
use crate::steps::Bake;

/// Packer's default `command` (a shell command line on the instance).
pub const DEFAULT_COMMAND: &str = "ANSIBLE_FORCE_COLOR=1 PYTHONUNBUFFERED=1 ansible-playbook";
/// Where the staging directories go by default.
pub const DEFAULT_STAGING_PARENT: &str = "/tmp/packer-provisioner-ansible-local";

/// The generated inventory: the instance as `127.0.0.1`, in each of `inventory_groups`.
pub fn inventory(groups: &[String]) -> String {
    if groups.is_empty() {
        return "127.0.0.1".into();
    }
    groups
        .iter()
        .map(|group| format!("[{group}]\n127.0.0.1\n"))
        .collect()
}

/// Where a local playbook goes in the staging directory: beside it by name for
/// `playbook_file`; for `playbook_files`, its path inside `playbook_dir` when it is there
/// (already uploaded with it), else its whole path under the staging directory, like Packer.
fn remote_playbook(
    staging: &str,
    playbook: &Path,
    single: bool,
    playbook_dir: Option<&Path>,
) -> (String, bool) {
    if single {
        let name = playbook
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return (format!("{staging}/{name}"), true);
    }
    if let Some(dir) = playbook_dir
        && let Ok(inside) = playbook.strip_prefix(dir)
    {
        return (format!("{staging}/{}", inside.display()), false);
    }
    let relative = playbook
        .to_string_lossy()
        .trim_start_matches('/')
        .to_string();
    (format!("{staging}/{relative}"), true)
}

/// Runs one `ansible-local` provisioner (the `index`th of the bake) over `session`.
pub async fn run(
    bake: &Bake<'_>,
    session: &SshSession,
    spec: &AnsibleLocalSpec,
    index: usize,
) -> Result<(), EngineError> {
    let ctx = bake.ctx;
    if !spec.pause_before.is_zero() {
        crate::steps::provision::pause(bake, spec.pause_before).await?;
    }
    let staging = spec
        .staging_directory
        .clone()
        .unwrap_or_else(|| format!("{DEFAULT_STAGING_PARENT}/{}-{index}", ctx.bake_id));
    let staging = staging.trim_end_matches('/').to_string();
    let label = format!("ansible-local provisioner {}", index + 1);
    let remote = Remote {
        bake,
        session,
        label: &label,
    };
    remote.mkdir(&staging).await?;
    if let Some(dir) = &spec.playbook_dir {
        ctx.note(format!(
            "Uploading the playbook directory {} to {staging}",
            dir.display()
        ));
        remote.upload_contents(dir, &staging).await?;
    }
    let mut playbooks = Vec::new();
    let given = spec
        .playbook_file
        .iter()
        .map(|p| (p, true))
        .chain(spec.playbook_files.iter().map(|p| (p, false)));
    for (playbook, single) in given {
        let (target, upload) =
            remote_playbook(&staging, playbook, single, spec.playbook_dir.as_deref());
        if upload {
            if let Some((parent, _)) = target.rsplit_once('/') {
                remote.mkdir(parent).await?;
            }
            ctx.note(format!(
                "Uploading the playbook {} => {target}",
                playbook.display()
            ));
            session.upload(playbook, &target).await?;
        }
        playbooks.push(target);
    }
    let inventory = match &spec.inventory_file {
        Some(file) => {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "inventory".into());
            let target = format!("{staging}/{name}");
            session.upload(file, &target).await?;
            target
        }
        None => {
            let target = format!("{staging}/packer-provisioner-ansible-local-inventory");
            session
                .write_file(inventory(&spec.inventory_groups).as_bytes(), &target)
                .await?;
            target
        }
    };
    for (folder, target) in [
        (&spec.group_vars, "group_vars".to_string()),
        (&spec.host_vars, "host_vars".to_string()),
    ] {
        if let Some(folder) = folder {
            remote
                .upload_contents(folder, &format!("{staging}/{target}"))
                .await?;
        }
    }
    for (paths, under) in [
        (&spec.role_paths, "roles"),
        (&spec.playbook_paths, "playbooks"),
    ] {
        for folder in paths {
            let name = folder
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            remote
                .upload_contents(folder, &format!("{staging}/{under}/{name}"))
                .await?;
        }
    }
    let quoted = shell_quote(&staging);
    if let Some(galaxy) = &spec.galaxy_file {
        let name = galaxy
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = format!("{staging}/{name}");
        session.upload(galaxy, &target).await?;
        let command = format!(
            "cd {quoted} && {} install -r {} -p {}",
            spec.galaxy_command.as_deref().unwrap_or("ansible-galaxy"),
            shell_quote(&target),
            shell_quote(&format!("{staging}/roles"))
        );
        remote
            .execute(&command, &format!("{label}'s ansible-galaxy"))
            .await?;
    }
    let extra = format!(
        " --extra-vars \"packer_build_name={} packer_builder_type=amazon-ebs\"{}",
        bake.spec.build_name,
        spec.extra_arguments
            .iter()
            .map(|a| format!(" {a}"))
            .collect::<String>()
    );
    let command = spec.command.as_deref().unwrap_or(DEFAULT_COMMAND);
    for playbook in &playbooks {
        let line = format!(
            "cd {quoted} && {command} {}{extra} -c local -i {}",
            shell_quote(playbook),
            shell_quote(&inventory)
        );
        remote.execute(&line, &label).await?;
    }
    if spec.clean_staging_directory {
        ctx.note(format!("Removing the staging directory {staging}"));
        remote
            .execute(&format!("rm -rf {quoted}"), &format!("{label}'s cleanup"))
            .await?;
    } else {
        ctx.note(format!(
            "The staging directory {staging} stays on the instance (clean_staging_directory is false): it is in the image"
        ));
    }
    Ok(())
}

/// The instance's side of the step: commands and uploads, failures named.
struct Remote<'a> {
    bake: &'a Bake<'a>,
    session: &'a SshSession,
    label: &'a str,
}

impl Remote<'_> {
    async fn mkdir(&self, dir: &str) -> Result<(), EngineError> {
        self.execute(&format!("mkdir -p {}", shell_quote(dir)), self.label)
            .await
    }

    /// A local folder's contents into `target` (made first), like Packer's `uploadDir`.
    async fn upload_contents(&self, folder: &Path, target: &str) -> Result<(), EngineError> {
        self.mkdir(target).await?;
        let contents = format!("{}/", folder.display().to_string().trim_end_matches('/'));
        let files = self.session.upload(Path::new(&contents), target).await?;
        self.bake.ctx.note(format!(
            "Uploaded {files} file(s) from {} => {target}",
            folder.display()
        ));
        Ok(())
    }

    /// Runs `command` on the instance, its output as events; a non-zero exit fails the step
    /// naming `what` (and the Ansible task that failed, if any).
    async fn execute(&self, command: &str, what: &str) -> Result<(), EngineError> {
        let ctx = self.bake.ctx;
        ctx.note(format!("Executing: {command}"));
        let result = self.session.run(ctx, command, None).await?;
        match result.exit_status {
            Some(0) => Ok(()),
            Some(127) => Err(EngineError::Provisioner {
                command: format!(
                    "{what} (a command it runs is not installed on the instance: install Ansible there first, e.g. with a shell provisioner before this one)"
                ),
                status: 127,
                last_lines: result.last_lines,
            }),
            status => {
                let mut tracker = TaskTracker::default();
                for line in &result.last_lines {
                    tracker.line(line);
                }
                Err(EngineError::Provisioner {
                    command: match tracker.failed {
                        Some(task) => format!("{what}, at the task \"{task}\","),
                        None => what.to_string(),
                    },
                    status: status.unwrap_or(255),
                    last_lines: result.last_lines,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inventory_puts_the_instance_in_each_group() {
        assert_eq!(inventory(&[]), "127.0.0.1");
        assert_eq!(
            inventory(&["web".into(), "db".into()]),
            "[web]\n127.0.0.1\n[db]\n127.0.0.1\n"
        );
    }

    #[test]
    fn playbooks_land_in_the_staging_directory_like_packers() {
        let staging = "/tmp/s";
        assert_eq!(
            remote_playbook(staging, Path::new("/work/site.yml"), true, None),
            ("/tmp/s/site.yml".to_string(), true)
        );
        assert_eq!(
            remote_playbook(
                staging,
                Path::new("/work/ansible/play/web.yml"),
                false,
                Some(Path::new("/work/ansible"))
            ),
            ("/tmp/s/play/web.yml".to_string(), false),
            "inside playbook_dir: already uploaded with it"
        );
        assert_eq!(
            remote_playbook(staging, Path::new("/work/other/db.yml"), false, None),
            ("/tmp/s/work/other/db.yml".to_string(), true)
        );
    }
}
