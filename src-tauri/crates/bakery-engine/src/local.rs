//! `shell-local`: commands and scripts run on the operator's machine (as a provisioner, in
//! order with the others, or as a post-processor once the image exists), like Packer's:
//! `inline` becomes a temporary script, each script is run by `execute_command` with
//! `{{.Vars}}` and `{{.Script}}` filled in, every output line is an event, and a non-zero
//! exit fails the bake.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::EngineError;
use crate::context::BakeContext;
use crate::event::{BakeEvent, OutputStream, StepName};
use crate::shell_script::{self, assignments};
use crate::spec::LocalShell;

/// Packer's default `execute_command` for shell-local on Unix.
pub const DEFAULT_EXECUTE_COMMAND: [&str; 3] = ["/bin/sh", "-c", "{{.Vars}} {{.Script}}"];

/// The environment of the scripts: Packer's variables, then the user's.
pub fn environment(build_name: &str, local: &LocalShell) -> Vec<(String, String)> {
    shell_script::environment(build_name, &local.environment_vars)
}

/// `execute_command` for one script: `{{.Vars}}` (`KEY='value' …`) and `{{.Script}}`
/// filled in every argument.
pub fn command_line(local: &LocalShell, vars: &[(String, String)], script: &str) -> Vec<String> {
    let assignments = assignments(vars);
    let template: Vec<String> = match &local.execute_command {
        Some(command) if !command.is_empty() => command.clone(),
        _ => DEFAULT_EXECUTE_COMMAND
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    template
        .iter()
        .map(|arg| {
            arg.replace("{{.Vars}}", &assignments)
                .replace("{{ .Vars }}", &assignments)
                .replace("{{.Script}}", script)
                .replace("{{ .Script }}", script)
        })
        .collect()
}

/// The script Packer writes for `inline`: the shebang, then one command a line.
pub fn inline_script(local: &LocalShell) -> String {
    shell_script::inline_script(local.inline_shebang.as_deref(), &local.inline)
}

/// A temporary script file, removed when dropped (also when the bake is cancelled).
struct TempScript(PathBuf);

impl TempScript {
    fn create(bake_id: &str, label: &str, text: &str) -> Result<Self, EngineError> {
        use std::os::unix::fs::OpenOptionsExt;
        let tag: String = label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let path = std::env::temp_dir().join(format!(
            "bakery-local-{bake_id}-{}-{tag}.sh",
            std::process::id()
        ));
        let write_err = |source| EngineError::WriteFile {
            path: path.clone(),
            source,
        };
        let _ = std::fs::remove_file(&path);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o700)
            .open(&path)
            .map_err(write_err)?;
        file.write_all(text.as_bytes()).map_err(write_err)?;
        Ok(Self(path))
    }
}

impl Drop for TempScript {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs a `shell-local` step: its inline commands, then its scripts.
pub async fn run(
    ctx: &BakeContext,
    build_name: &str,
    local: &LocalShell,
    step: StepName,
    label: &str,
) -> Result<(), EngineError> {
    if !local.pause_before.is_zero() {
        ctx.note(format!(
            "Pausing {:?} before the next provisioner",
            local.pause_before
        ));
        tokio::select! {
            _ = tokio::time::sleep(local.pause_before) => {}
            _ = ctx.cancel.cancelled() => return Err(EngineError::Cancelled(step)),
        }
    }
    let vars = environment(build_name, local);
    if !local.inline.is_empty() {
        let script = TempScript::create(&ctx.bake_id, label, &inline_script(local))?;
        ctx.note(format!("Running local shell: inline commands of {label}"));
        run_script(ctx, local, &vars, &script.0, step).await?;
    }
    for path in &local.scripts {
        ctx.check_cancel(step)?;
        ctx.note(format!("Running local shell script: {}", path.display()));
        run_script(ctx, local, &vars, path, step).await?;
    }
    Ok(())
}

async fn run_script(
    ctx: &BakeContext,
    local: &LocalShell,
    vars: &[(String, String)],
    script: &Path,
    step: StepName,
) -> Result<(), EngineError> {
    let script_text = script.display().to_string();
    let argv = command_line(local, vars, &script_text);
    let shown = local
        .execute_command
        .clone()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| {
            DEFAULT_EXECUTE_COMMAND
                .iter()
                .map(|s| s.to_string())
                .collect()
        })
        .join(" ")
        .replace("{{.Script}}", &script_text)
        .replace("{{ .Script }}", &script_text);
    let failed = |status: u32, last_lines: Vec<String>| EngineError::Provisioner {
        command: format!("shell-local provisioner (`{shown}`, on this machine)"),
        status,
        last_lines,
    };
    let mut child = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(&local.working_dir)
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| failed(127, vec![format!("cannot run {}: {e}", argv[0])]))?;
    let mut last: Vec<String> = Vec::new();
    let status = stream_output(ctx, &mut child, step, |_, line| {
        last.push(line.to_string());
        if last.len() > 20 {
            last.remove(0);
        }
    })
    .await?
    .map_err(|e| failed(255, vec![e.to_string()]))?;
    let code = status.code().map(|c| c as u32).unwrap_or(255);
    let valid = if local.valid_exit_codes.is_empty() {
        status.success()
    } else {
        status.code().is_some() && local.valid_exit_codes.contains(&code)
    };
    if valid {
        return Ok(());
    }
    Err(failed(code, last))
}

/// Emits every line `child` prints (its stdout and stderr piped) as an event, shows each to
/// `on_line`, and waits for it to end; on cancel it is killed and the step ends
/// `Cancelled`. The inner error is waiting's own.
pub(crate) async fn stream_output(
    ctx: &BakeContext,
    child: &mut tokio::process::Child,
    step: StepName,
    mut on_line: impl FnMut(OutputStream, &str),
) -> Result<std::io::Result<std::process::ExitStatus>, EngineError> {
    let mut stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut stderr = BufReader::new(child.stderr.take().expect("piped")).lines();
    let mut emit = |stream: OutputStream, line: String| {
        on_line(stream, &line);
        ctx.emit(BakeEvent::Output { stream, line });
    };
    let (mut out_open, mut err_open) = (true, true);
    while out_open || err_open {
        tokio::select! {
            line = stdout.next_line(), if out_open => match line {
                Ok(Some(line)) => emit(OutputStream::Stdout, line),
                _ => out_open = false,
            },
            line = stderr.next_line(), if err_open => match line {
                Ok(Some(line)) => emit(OutputStream::Stderr, line),
                _ => err_open = false,
            },
            _ = ctx.cancel.cancelled() => {
                let _ = child.kill().await;
                return Err(EngineError::Cancelled(step));
            }
        }
    }
    tokio::select! {
        status = child.wait() => Ok(status),
        _ = ctx.cancel.cancelled() => {
            let _ = child.kill().await;
            Err(EngineError::Cancelled(step))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execute_command_gets_vars_and_script_like_packer() {
        let local = LocalShell {
            environment_vars: vec![("GREETING".into(), "it's here".into())],
            ..Default::default()
        };
        let vars = environment("web", &local);
        assert_eq!(
            command_line(&local, &vars, "/tmp/s.sh"),
            [
                "/bin/sh",
                "-c",
                r"PACKER_BUILD_NAME='web' PACKER_BUILDER_TYPE='amazon-ebs' GREETING='it'\''s here' /tmp/s.sh"
            ]
        );
        let local = LocalShell {
            execute_command: Some(vec!["bash".into(), "{{ .Script }}".into()]),
            ..Default::default()
        };
        assert_eq!(
            command_line(&local, &[], "/tmp/s.sh"),
            ["bash", "/tmp/s.sh"]
        );
    }

    #[test]
    fn inline_commands_become_a_script_that_stops_at_the_first_error() {
        let local = LocalShell {
            inline: vec!["jq -r .builds manifest.json".into()],
            ..Default::default()
        };
        assert_eq!(
            inline_script(&local),
            "#!/bin/sh -e\njq -r .builds manifest.json\n"
        );
    }
}
