//! `bakery sandbox`: runs the sandbox in the foreground and tells the user how to use it.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use bakery_sandbox::{Sandbox, SandboxOptions};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Port of the EC2 endpoint on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Port of the SSH stand-in on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    ssh_port: u16,
    /// Seconds that instances stay pending/stopping/shutting-down and new AMIs pending.
    #[arg(long, default_value_t = 0.0)]
    latency: f64,
    /// Record every EC2 request into this file (JSON lines).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Also write the environment variables (`KEY=value` lines) to this file.
    #[arg(long)]
    env_file: Option<PathBuf>,
}

pub fn run(args: &SandboxArgs) -> Result<(), CliError> {
    // Listen before starting, so a Ctrl-C during start-up still stops what was started.
    let mut signals = Signals::new([SIGINT, SIGTERM]).map_err(CliError::Signals)?;
    let handle = signals.handle();
    let (tx, rx) = mpsc::channel();
    let listener = std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let _ = tx.send(signal);
        }
    });

    let options = SandboxOptions {
        port: args.port,
        ssh_port: args.ssh_port,
        latency_secs: args.latency,
        record: args.record.clone(),
        python: None,
    };
    let sandbox = Sandbox::start(&options)?;
    if let Some(path) = &args.env_file {
        let text: String = sandbox
            .env_vars()
            .iter()
            .map(|(key, value)| format!("{key}={value}\n"))
            .chain([format!("BAKERY_SANDBOX_SSH_PORT={}\n", sandbox.ssh_port())])
            .collect();
        std::fs::write(path, text).map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?;
    }
    print_usage(&sandbox, args);

    let supervisor = sandbox.pids()[0];
    let outcome = loop {
        match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(signal) => {
                let name = if signal == SIGINT {
                    "Ctrl-C"
                } else {
                    "SIGTERM"
                };
                println!("{name}: stopping the sandbox…");
                break Ok(());
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if !bakery_sandbox::process_alive(supervisor) {
                    break Err(CliError::SandboxDied(supervisor));
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break Ok(()),
        }
    };
    handle.close();
    let _ = listener.join();
    sandbox.stop()?;
    if outcome.is_ok() {
        println!("Sandbox stopped; nothing is left running.");
    }
    outcome
}

fn print_usage(sandbox: &Sandbox, args: &SandboxArgs) {
    let endpoint = sandbox.endpoint();
    let ssh_port = sandbox.ssh_port();
    let region = bakery_sandbox::REGION;
    println!("AMI Bakery sandbox is running (Ctrl-C stops it).");
    println!();
    println!("  EC2 endpoint   {endpoint}   (moto, strict validation)");
    println!(
        "  SSH target     127.0.0.1:{ssh_port}   (accepts any key pair imported into the sandbox)"
    );
    if args.latency > 0.0 {
        println!("  latency        {}s per state change", args.latency);
    }
    if let Some(record) = &args.record {
        println!("  recording      {}", record.display());
    }
    println!();
    println!("Use it from a shell:");
    for (key, value) in sandbox.env_vars() {
        println!("  export {key}={value}");
    }
    println!();
    println!("or as a profile (~/.aws/config and ~/.aws/credentials):");
    println!("  [profile sandbox]");
    println!("  region = {region}");
    println!("  endpoint_url = {endpoint}");
    println!("  [sandbox]");
    println!("  aws_access_key_id = {}", bakery_sandbox::ACCESS_KEY_ID);
    println!(
        "  aws_secret_access_key = {}",
        bakery_sandbox::SECRET_ACCESS_KEY
    );
    println!();
    println!("In a template, reach the instance stand-in like Packer does:");
    println!("  \"ssh_host\": \"127.0.0.1\", \"ssh_port\": {ssh_port}, \"ssh_username\": \"root\"");
}
