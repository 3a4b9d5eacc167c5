//! `bakery cleanup`: deletes what bakes left behind — bakes whose process died, and bakes
//! kept on purpose with --on-error=abort.

use bakery_history::History;
use bakery_home::BakeryHome;
use std::sync::Arc;

use crate::bake::sdk_config;
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    runtime.block_on(async {
        let home = BakeryHome::from_env()?;
        let dir = home.ensure()?.to_path_buf();
        let history = Arc::new(History::open_in(&dir)?);
        let sdk = sdk_config(args.profile.as_deref(), &args.region).await?;
        let recovered =
            bakery_engine::cleanup::recover_dead_bakes(history.clone(), &dir, &sdk, true).await?;
        let mut left = Vec::new();
        if args.sweep {
            let regions = bakery_engine::cleanup::all_regions(&sdk, &args.region).await?;
            let swept = bakery_engine::cleanup::sweep(history, &dir, &sdk, &regions).await?;
            println!(
                "Swept {} region(s): {} tagged resource(s) found.",
                regions.len(),
                swept.len()
            );
            for item in swept {
                println!(
                    "  {} {} {} (bake {}): {}",
                    item.region,
                    item.kind.as_str(),
                    item.id,
                    item.bake_id,
                    item.outcome
                );
                if item.outcome.starts_with("left: ")
                    && !item.outcome.contains("successful bake")
                    && !item.outcome.contains("still running")
                    && !item.outcome.contains("not in this history")
                {
                    left.push(format!(
                        "{} {} in {}",
                        item.kind.as_str(),
                        item.id,
                        item.region
                    ));
                }
            }
        }
        if recovered.is_empty() && !args.sweep {
            println!("Nothing to clean up: every bake's resources are accounted for.");
        }
        for bake in recovered {
            if bake.left.is_empty() {
                println!("Bake {}: cleaned up.", bake.bake_id);
            } else {
                let still: Vec<String> = bake.left.iter().map(ToString::to_string).collect();
                println!("Bake {}: still left: {}", bake.bake_id, still.join("; "));
                left.extend(still);
            }
        }
        if left.is_empty() {
            Ok(())
        } else {
            Err(CliError::LeftBehind(left))
        }
    })
}
