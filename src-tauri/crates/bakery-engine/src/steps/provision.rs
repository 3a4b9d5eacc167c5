//! Run the provisioners in order over SSH: `shell` (inline commands or scripts, with
//! environment_vars and execute_command, like Packer) and `file` (upload, or download with
//! `direction: "download"`); `shell-local`
//! runs on this machine, in its place in the order; `ansible` runs `ansible-playbook` here
//! against the instance (see [`crate::ansible`]).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::EngineError;
use crate::event::{BakeEvent, StepName};
use crate::shell_script;
pub use crate::shell_script::shell_quote;
use crate::spec::Communicator;
use crate::spec::{Provisioner, ShellProvisioner};
use crate::ssh::SshSession;
use crate::steps::Bake;

/// Packer's default `execute_command` for the shell provisioner.
pub const DEFAULT_EXECUTE_COMMAND: &str = "chmod +x {{.Path}}; {{.Vars}} {{.Path}}";

/// The `{{.Vars}}` of execute_command: Packer's own variables, then the user's.
pub fn env_assignments(build_name: &str, shell: &ShellProvisioner) -> String {
    shell_script::assignments(&shell_script::environment(
        build_name,
        &shell.environment_vars,
    ))
}

/// Renders execute_command for one script path.
pub fn execute_command(template: &str, vars: &str, path: &str) -> String {
    template
        .replace("{{.Vars}}", vars)
        .replace("{{ .Vars }}", vars)
        .replace("{{.Path}}", path)
        .replace("{{ .Path }}", path)
}

/// The script Packer writes for `inline`: the shebang, then one command a line.
pub fn inline_script(shell: &ShellProvisioner) -> String {
    shell_script::inline_script(shell.inline_shebang.as_deref(), &shell.inline)
}

/// What Packer's `build` function gives provisioners: the builder's variables and the
/// instance's connection (`{{ build `ID` }}`, `Host`, `Port`, `User`, `ConnType`).
fn build_function_values(bake: &Bake<'_>) -> Result<BTreeMap<String, String>, EngineError> {
    let mut values = bake
        .state
        .source_image
        .as_ref()
        .map(|image| image.build_variables(bake.region()))
        .unwrap_or_default();
    if let Some(instance) = &bake.state.instance {
        values.insert("ID".into(), instance.id.clone());
    }
    if bake.spec.communicator == Communicator::None {
        // Nothing connects: the instance's address if it has one (Packer's Host), no login.
        let host = bake.ssh_address().unwrap_or_default();
        values.insert("Host".into(), host);
        values.insert("Port".into(), String::new());
        values.insert("User".into(), String::new());
        values.insert("ConnType".into(), "none".into());
        return Ok(values);
    }
    values.insert("Host".into(), bake.ssh_address()?);
    values.insert("Port".into(), bake.spec.ssh.port.to_string());
    values.insert("User".into(), bake.spec.ssh.username.clone());
    values.insert("ConnType".into(), "ssh".into());
    Ok(values)
}

/// Runs the provisioners in order; the first failure (a non-zero exit, an upload error) fails the
/// bake.
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    let values = build_function_values(bake)?;
    let provisioners: Vec<Provisioner> = bake
        .spec
        .provisioners
        .iter()
        .map(|p| p.with_build_variables(&values))
        .collect();
    for (index, provisioner) in provisioners.iter().enumerate() {
        bake.ctx.check_cancel(StepName::Provision)?;
        let session = match (provisioner.unlimited(), bake.state.ssh.as_ref()) {
            (Provisioner::ShellLocal(_) | Provisioner::Pause(_), _) => None,
            (_, Some(session)) => Some(session),
            // The plan refuses these for communicator "none"; a spec built by hand may not.
            (_, None) => {
                return Err(EngineError::Preflight(format!(
                    "provisioner {} needs a communicator, and this bake does not connect (communicator \"none\")",
                    index + 1
                )));
            }
        };
        let started = bake.ctx.clock.now();
        let index_u32 = u32::try_from(index).unwrap_or(u32::MAX);
        bake.ctx.emit(BakeEvent::ProvisionerStarted {
            index: index_u32,
            kind: provisioner.kind().to_string(),
            title: provisioner.title(),
        });
        let result = match provisioner {
            Provisioner::Limited {
                step,
                max_retries,
                timeout,
            } => run_limited(bake, session, step, index, *max_retries, *timeout).await,
            step => run_step(bake, session, step, index).await,
        };
        bake.ctx.emit(BakeEvent::ProvisionerFinished {
            index: index_u32,
            duration_ms: u64::try_from(bake.ctx.elapsed_since(started).as_millis())
                .unwrap_or(u64::MAX),
            error: result.as_ref().err().map(ToString::to_string),
        });
        result?;
    }
    Ok(())
}

/// A step with `max_retries` / `timeout`, as Packer runs one: each attempt stopped after
/// `timeout`, and a failed one run again at once while retries are left (a cancel is not
/// retried).
async fn run_limited(
    bake: &Bake<'_>,
    session: Option<&SshSession>,
    step: &Provisioner,
    index: usize,
    max_retries: u32,
    timeout: Option<Duration>,
) -> Result<(), EngineError> {
    if let Some(after) = timeout {
        bake.ctx.note(format!(
            "Setting a {} timeout for provisioner {}",
            humantime::format_duration(after),
            index + 1
        ));
    }
    let mut left = max_retries;
    loop {
        let attempt = run_step(bake, session, step, index);
        let result = match timeout {
            Some(after) => match tokio::time::timeout(after, attempt).await {
                Ok(result) => result,
                Err(_) => Err(EngineError::ProvisionerTimeout {
                    step: format!("provisioner {} ({})", index + 1, step.title()),
                    after: humantime::format_duration(after).to_string(),
                }),
            },
            None => attempt.await,
        };
        match result {
            Err(err) if left > 0 && !matches!(err, EngineError::Cancelled(_)) => {
                bake.ctx.note(format!(
                    "Provisioner {} failed ({err}); retrying with {left} tr{} left",
                    index + 1,
                    if left == 1 { "y" } else { "ies" }
                ));
                left -= 1;
            }
            result => return result,
        }
    }
}

/// Runs one step (not a [`Provisioner::Limited`]) once.
async fn run_step(
    bake: &Bake<'_>,
    connection: Option<&SshSession>,
    provisioner: &Provisioner,
    index: usize,
) -> Result<(), EngineError> {
    let session = || connection.expect("checked by run");
    match provisioner {
        Provisioner::Shell(shell) => {
            if !shell.pause_before.is_zero() {
                pause(bake, shell.pause_before).await?;
            }
            let mut scripts: Vec<(String, Vec<u8>)> = Vec::new();
            if !shell.inline.is_empty() {
                scripts.push((
                    "inline commands".to_string(),
                    inline_script(shell).into_bytes(),
                ));
            }
            for path in &shell.scripts {
                let bytes = std::fs::read(path).map_err(|source| EngineError::ReadFile {
                    path: path.clone(),
                    source,
                })?;
                scripts.push((format!("script {}", path.display()), bytes));
            }
            for (n, (label, bytes)) in scripts.iter().enumerate() {
                bake.ctx.note(format!(
                    "Provisioning with shell: {label} of provisioner {}",
                    index + 1
                ));
                let script = Script {
                    label,
                    index,
                    n,
                    bytes: &bytes[..],
                };
                run_script(bake, session(), shell, &script).await?;
            }
        }
        Provisioner::File {
            source,
            destination,
        } => {
            bake.ctx
                .note(format!("Uploading {} => {destination}", source.display()));
            let files = session().upload(source, destination).await?;
            bake.ctx.note(format!("Uploaded {files} file(s)"));
        }
        Provisioner::Download {
            source,
            destination,
        } => {
            bake.ctx
                .note(format!("Downloading {source} => {}", destination.display()));
            let files = session().download(bake.ctx, source, destination).await?;
            bake.ctx.note(format!("Downloaded {files} file(s)"));
        }
        Provisioner::Content {
            content,
            destination,
        } => {
            let target = if destination.ends_with('/') {
                format!("{destination}pkr-file-content")
            } else {
                destination.clone()
            };
            bake.ctx
                .note(format!("Writing {} byte(s) => {target}", content.len()));
            session().write_file(content.as_bytes(), &target).await?;
        }
        Provisioner::Pause(duration) => pause(bake, *duration).await?,
        Provisioner::Ansible(ansible) => {
            crate::ansible::run(bake, session(), ansible, index).await?;
        }
        Provisioner::AnsibleLocal(local) => {
            crate::ansible::on_instance::run(bake, session(), local, index).await?;
        }
        Provisioner::ShellLocal(local) => {
            crate::local::run(
                bake.ctx,
                &bake.spec.build_name,
                local,
                StepName::Provision,
                &format!("provisioner {}", index + 1),
            )
            .await?;
        }

        // `run` unwraps it; nested, the inner step runs once.
        Provisioner::Limited { step, .. } => {
            Box::pin(run_step(bake, connection, step, index)).await?;
        }
    }
    Ok(())
}

/// One script of a shell provisioner: what it is called in messages, which provisioner and
/// which of its scripts it is, and its text.
struct Script<'a> {
    label: &'a str,
    index: usize,
    n: usize,
    bytes: &'a [u8],
}

async fn run_script(
    bake: &Bake<'_>,
    session: &SshSession,
    shell: &ShellProvisioner,
    script: &Script<'_>,
) -> Result<(), EngineError> {
    let Script {
        label,
        index,
        n,
        bytes,
    } = *script;
    let folder = shell.remote_folder.as_deref().unwrap_or("/tmp");
    let path = match (&shell.remote_path, &shell.remote_file) {
        (Some(path), _) => path.clone(),
        (None, Some(file)) => format!("{folder}/{file}"),
        (None, None) => format!("{folder}/bakery-script-{}-{index}-{n}.sh", bake.ctx.bake_id),
    };
    let clean = if shell.skip_clean {
        String::new()
    } else {
        format!(" rm -f {};", shell_quote(&path))
    };
    let vars = env_assignments(&bake.spec.build_name, shell);
    let template = shell
        .execute_command
        .as_deref()
        .unwrap_or(DEFAULT_EXECUTE_COMMAND);
    let quoted = shell_quote(&path);
    let result = if bake.spec.ssh.pty {
        // ssh_pty: a terminal would read the script as typed input, so it goes over SFTP
        // first; then it runs under the pseudo-terminal and is removed, whatever its status.
        session.write_file(bytes, &path).await?;
        let command = format!(
            "{{ {}\n}}; status=$?;{clean} exit $status",
            execute_command(template, &vars, &path)
        );
        session.run_in(bake.ctx, &command, None, true).await?
    } else {
        // One round trip: the script arrives on stdin, runs, and is removed, whatever its
        // status.
        let command = format!(
            "cat > {quoted} && {{ {}\n}} </dev/null; status=$?;{clean} exit $status",
            execute_command(template, &vars, &path)
        );
        session.run(bake.ctx, &command, Some(bytes)).await?
    };
    let valid = |code: u32| {
        if shell.valid_exit_codes.is_empty() {
            code == 0
        } else {
            shell.valid_exit_codes.contains(&code)
        }
    };
    match result.exit_status {
        Some(code) if valid(code) => Ok(()),
        None if shell.expect_disconnect => {
            bake.ctx
                .note("The connection dropped, as expect_disconnect allows");
            Ok(())
        }
        status => Err(EngineError::Provisioner {
            // Named, not the command line: `{{.Vars}}` may hold sensitive values.
            command: format!("shell provisioner {} ({label})", index + 1),
            status: status.unwrap_or(255),
            last_lines: result.last_lines,
        }),
    }
}

/// Waits `duration` (a step's `pause_before`, a `pause_after`), or until the bake is cancelled.
pub(crate) async fn pause(bake: &Bake<'_>, duration: Duration) -> Result<(), EngineError> {
    bake.ctx
        .note(format!("Pausing {duration:?} before the next provisioner"));
    tokio::select! {
        _ = tokio::time::sleep(duration) => Ok(()),
        _ = bake.ctx.cancel.cancelled() => Err(EngineError::Cancelled(StepName::Provision)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_vars_are_quoted_like_packer() {
        let shell = ShellProvisioner {
            environment_vars: vec![("GREETING".into(), "it's here".into())],
            ..Default::default()
        };
        assert_eq!(
            env_assignments("web", &shell),
            r"PACKER_BUILD_NAME='web' PACKER_BUILDER_TYPE='amazon-ebs' GREETING='it'\''s here'"
        );
    }

    #[test]
    fn execute_command_fills_vars_and_path() {
        assert_eq!(
            execute_command(
                "echo 'pw' | sudo -S sh -c '{{ .Vars }} {{ .Path }}'",
                "A='1'",
                "/tmp/s.sh"
            ),
            "echo 'pw' | sudo -S sh -c 'A='1' /tmp/s.sh'"
        );
        assert_eq!(
            execute_command(DEFAULT_EXECUTE_COMMAND, "A='1'", "/tmp/s.sh"),
            "chmod +x /tmp/s.sh; A='1' /tmp/s.sh"
        );
    }

    #[test]
    fn inline_commands_become_a_script_that_stops_at_the_first_error() {
        let shell = ShellProvisioner {
            inline: vec!["sleep 30".into(), "sudo yum update -y".into()],
            ..Default::default()
        };
        assert_eq!(
            inline_script(&shell),
            "#!/bin/sh -e\nsleep 30\nsudo yum update -y\n"
        );
    }
}
