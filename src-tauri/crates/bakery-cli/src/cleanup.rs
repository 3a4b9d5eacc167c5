//! `bakery cleanup`: deletes what bakes left behind — bakes whose process died, and bakes
//! kept on purpose with --on-error=abort.

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct CleanupArgs {
    /// The AWS profile to use.
    #[arg(long)]
    profile: Option<String>,
    /// The region for the API calls that are not regional (default: us-east-1).
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Also search every region for resources tagged `bakery:bake-id` that no running bake
    /// owns, and delete them (images of successful bakes are kept).
    #[arg(long)]
    sweep: bool,
}

pub fn run(args: &CleanupArgs) -> Result<(), CliError> {
    let bakery = crate::front::bakery()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    let report =
        runtime.block_on(bakery.cleanup(args.profile.as_deref(), &args.region, args.sweep))?;
    if args.sweep {
        println!(
            "Swept {} region(s): {} tagged resource(s) found.",
            report.swept_regions.len(),
            report.swept.len()
        );
        for item in &report.swept {
            println!(
                "  {} {} {} (bake {}): {}",
                item.region,
                item.kind.as_str(),
                item.id,
                item.bake_id,
                item.outcome
            );
        }
    }
    if report.recovered.is_empty() && !args.sweep {
        println!("Nothing to clean up: every bake's resources are accounted for.");
    }
    for bake in &report.recovered {
        if bake.left.is_empty() {
            println!("Bake {}: cleaned up.", bake.bake_id);
        } else {
            let left: Vec<String> = bake.left.iter().map(ToString::to_string).collect();
            println!("Bake {}: still left: {}", bake.bake_id, left.join("; "));
        }
    }
    if report.left.is_empty() {
        Ok(())
    } else {
        Err(CliError::LeftBehind(report.left))
    }
}
