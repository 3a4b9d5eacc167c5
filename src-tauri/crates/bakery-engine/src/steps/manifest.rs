//! Packer's `manifest` post-processor: append this build to the manifest JSON file.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::UNIX_EPOCH;

use serde_json::{Value, json};

use crate::EngineError;
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

/// Appends this build to the manifest at `path`, with the template's `custom_data` (null
/// when there is none, as Packer writes it).
pub fn write(
    bake: &Bake<'_>,
    path: &Path,
    custom_data: &BTreeMap<String, String>,
) -> Result<(), EngineError> {
    let mut manifest: Value = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| json!({ "builds": [], "last_run_uuid": "" }));
    let build_time = bake
        .ctx
        .clock
        .now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let entry = json!({
        "name": bake.spec.build_name,
        "builder_type": "amazon-ebs",
        "build_time": build_time,
        "files": null,
        "artifact_id": artifact_id(bake),
        "packer_run_uuid": bake.ctx.bake_id,
        "custom_data": if custom_data.is_empty() { Value::Null } else { json!(custom_data) },
    });
    if let Some(builds) = manifest["builds"].as_array_mut() {
        builds.push(entry);
    }
    manifest["last_run_uuid"] = json!(bake.ctx.bake_id);
    let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    std::fs::write(path, text).map_err(|source| EngineError::WriteFile {
        path: path.to_path_buf(),
        source,
    })?;
    bake.ctx
        .note(format!("Manifest written to {}", path.display()));
    Ok(())
}
