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
        let sdk = sdk_config(args.profile.as_deref(), &args.region).await;
        let recovered =
            bakery_engine::cleanup::recover_dead_bakes(history, &dir, &sdk, true).await?;
        if recovered.is_empty() {
            println!("Nothing to clean up: every bake's resources are accounted for.");
        }
        let mut left = Vec::new();
        for bake in recovered {
            if bake.left.is_empty() {
                println!("Bake {}: cleaned up.", bake.bake_id);
            } else {
                println!(
                    "Bake {}: still left: {}",
                    bake.bake_id,
                    bake.left.join("; ")
                );
                left.extend(bake.left);
            }
        }
        if left.is_empty() {
            Ok(())
        } else {
            Err(CliError::LeftBehind(left))
        }
    })
}
