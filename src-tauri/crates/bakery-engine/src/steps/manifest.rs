//! Packer's `manifest` post-processor: append this build to the manifest JSON file.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::UNIX_EPOCH;

use serde_json::{Value, json};

use crate::EngineError;
use crate::event::{BakeEvent, ManifestBuild};
use crate::steps::Bake;

/// `region:ami,region:ami`, Packer's artifact id for amazon-ebs.
pub fn artifact_id(bake: &Bake<'_>) -> String {
    bake.state
        .artifacts
        .iter()
        .map(|a| format!("{}:{}", a.region, a.image_id))
        .collect::<Vec<_>>()
        .join(",")
}

/// This build's manifest entry now, with the template's `custom_data` (null when there is
/// none, as Packer writes it).
pub fn entry(bake: &Bake<'_>, custom_data: &BTreeMap<String, String>) -> ManifestBuild {
    let build_time = bake
        .ctx
        .clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    ManifestBuild {
        name: bake.spec.build_name.clone(),
        builder_type: "amazon-ebs".into(),
        build_time,
        files: None,
        artifact_id: artifact_id(bake),
        packer_run_uuid: bake.ctx.bake_id.clone(),
        custom_data: (!custom_data.is_empty()).then(|| custom_data.clone()),
    }
}

/// Appends this build to the manifest at `path`, and reports the entry.
pub fn write(
    bake: &Bake<'_>,
    path: &Path,
    custom_data: &BTreeMap<String, String>,
) -> Result<(), EngineError> {
    let mut manifest: Value = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| json!({ "builds": [], "last_run_uuid": "" }));
    let build = entry(bake, custom_data);
    if let Some(builds) = manifest["builds"].as_array_mut() {
        builds.push(json!(build));
    }
    manifest["last_run_uuid"] = json!(bake.ctx.bake_id);
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    std::fs::write(path, text).map_err(|source| EngineError::WriteFile {
        path: path.to_path_buf(),
        source,
    })?;
    bake.ctx
        .note(format!("Manifest written to {}", path.display()));
    bake.ctx.emit(BakeEvent::Manifest {
        build,
        path: Some(path.display().to_string()),
    });
    Ok(())
}
