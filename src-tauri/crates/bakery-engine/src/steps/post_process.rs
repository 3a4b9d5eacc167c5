//! The post-processors, in the order of the template's chains, once the image exists and
//! is copied and shared: Packer's `manifest` (append this build to a JSON file) and
//! `shell-local` (commands on this machine, e.g. reading the manifest with `jq`). A failure
//! fails the bake, and cleanup then removes everything it made, images included.

use crate::EngineError;
use crate::event::{BakeEvent, StepName};
use crate::spec::PostProcessor;
use crate::steps::{Bake, manifest};

/// Runs the post-processors in order; the first failure fails the bake.
pub async fn run(bake: &mut Bake<'_>) -> Result<(), EngineError> {
    for (index, post_processor) in bake.spec.post_processors.iter().enumerate() {
        bake.ctx.check_cancel(StepName::Manifest)?;
        match post_processor {
            PostProcessor::Manifest {
                output,
                custom_data,
            } => manifest::write(bake, output, custom_data)?,
            PostProcessor::ShellLocal(local) => {
                crate::local::run(
                    bake.ctx,
                    &bake.spec.build_name,
                    local,
                    StepName::Manifest,
                    &format!("post-processor {}", index + 1),
                )
                .await?;
            }
        }
    }
    // Without a `manifest` post-processor the entry is still the bake's record of its images.
    if !bake
        .spec
        .post_processors
        .iter()
        .any(|p| matches!(p, PostProcessor::Manifest { .. }))
    {
        let build = manifest::entry(bake, &Default::default());
        bake.ctx.emit(BakeEvent::Manifest { build, path: None });
    }
    Ok(())
}
