//! The `bakery` command: the same engine as the desktop app, without the window.

mod bake;
mod cleanup;
mod edit;
mod error;
mod fmt;
mod front;
mod history;
mod inspect;
mod profiles;
mod sandbox;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

#[derive(Debug, Parser)]
#[command(
    name = "bakery",
    version,
    about = "Bake Amazon Machine Images from Packer amazon-ebs templates",
    long_about = "Bake Amazon Machine Images from Packer amazon-ebs templates.\n\nThe data directory is $BAKERY_HOME, or the platform's app data directory when it is not set."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Bake the template's amazon-ebs builds into AMIs.
    Bake(bake::BakeArgs),
    /// Delete what bakes left behind (crashed bakes, bakes kept with --on-error=abort).
    Cleanup(cleanup::CleanupArgs),
    /// Run the local AWS stand-in (EC2 emulator + SSH target) in the foreground until Ctrl-C.
    Sandbox(sandbox::SandboxArgs),
    /// Check a Packer JSON template: silent when it is valid, every problem on stderr otherwise.
    Validate(validate::ValidateArgs),
    /// Show a template's variables, builders, provisioners and post-processors.
    Inspect(inspect::InspectArgs),
    /// Rewrite a template in canonical form (or check that it is: --check), or convert it as
    /// written between JSON and HCL2 (--to hcl|json).
    Fmt(fmt::FmtArgs),
    /// AWS profiles: list, show, add, remove, import into the keyring, test with STS.
    Profiles(profiles::ProfilesArgs),
    /// Set settings of a template in place by field path (PATH=VALUE), keeping everything
    /// else byte for byte; refused when the result does not check, unless --force.
    Set(edit::SetArgs),
    /// Remove settings of a template in place by field path, keeping everything else byte for
    /// byte; refused when the result does not check, unless --force.
    Unset(edit::UnsetArgs),
    /// Every bake this data directory ran: list, show, logs, diff, lineage, export, import, prune.
    History(history::HistoryArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), CliError> = match cli.command {
        Command::Bake(args) => bake::run(&args),
        Command::Cleanup(args) => cleanup::run(&args),
        Command::Sandbox(args) => sandbox::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Profiles(args) => profiles::run(&args),
        Command::Set(args) => edit::run_set(&args),
        Command::Unset(args) => edit::run_unset(&args),
        Command::History(args) => history::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bakery: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
