//! The Templates view: open a template (native dialog, drag and drop, recent files), check
//! the text being edited as the person types, save it, convert it to HCL2, and the starters
//! "New" offers — adapters over `bakery-app`'s editor use cases.

use std::path::{Path, PathBuf};

use bakery_app::VariableValues;
use bakery_app::catalog::{ImageQuery, SourceResolution};
use bakery_app::editor::{
    self, BuilderOption, EditResult, EditorCheck, EditorFile, FormChange, OpenedTemplate, Starter,
};
use bakery_engine::catalog::{ImageChoice, InstanceTypeChoice, KmsKeyChoice, NetworkChoices};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::AppState;
use crate::commands::bakes::{VariableInput, values};
use crate::error::IpcError;

/// Which native dialog to show.
#[derive(Debug, Clone, Copy, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum OpenWhat {
    /// A JSON or `.pkr.hcl` file.
    File,
    /// A folder of `.pkr.hcl` files.
    Folder,
}

/// The native dialog to open a template file or folder; `null` when the person closed it.
#[tauri::command]
#[specta::specta]
pub async fn pick_template_to_edit(
    app: AppHandle,
    what: OpenWhat,
) -> Result<Option<String>, IpcError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let dialog = app.dialog().file().set_title("Open a template");
    let send = move |path: Option<tauri_plugin_dialog::FilePath>| {
        let _ = tx.send(path);
    };
    match what {
        OpenWhat::File => dialog
            .add_filter("Packer templates", &["json", "hcl"])
            .pick_file(send),
        OpenWhat::Folder => dialog.pick_folder(send),
    }
    let picked = rx
        .await
        .map_err(|err| IpcError::internal(format!("the file dialog went away: {err}")))?;
    Ok(picked
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string()))
}

/// The native "Save As" dialog, starting at `suggested`; `null` when closed.
#[tauri::command]
#[specta::specta]
pub async fn pick_save_path(app: AppHandle, suggested: String) -> Result<Option<String>, IpcError> {
    let suggested = PathBuf::from(suggested);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file().set_title("Save the template");
    if let Some(dir) = suggested.parent().filter(|d| d.is_dir()) {
        dialog = dialog.set_directory(dir);
    }
    if let Some(name) = suggested.file_name() {
        dialog = dialog.set_file_name(name.to_string_lossy());
    }
    dialog.save_file(move |path| {
        let _ = tx.send(path);
    });
    let picked = rx
        .await
        .map_err(|err| IpcError::internal(format!("the file dialog went away: {err}")))?;
    Ok(picked
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string()))
}

/// The native dialog to pick script files for a shell provisioner of `template`, starting in
/// its folder: each as the template refers to it (beside it, relative to its folder); empty
/// when the person closed the dialog.
#[tauri::command]
#[specta::specta]
pub async fn pick_script_files(app: AppHandle, template: String) -> Result<Vec<String>, IpcError> {
    let template = PathBuf::from(template);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app.dialog().file().set_title("Add script files");
    let folder = if template.is_dir() {
        Some(template.as_path())
    } else {
        template.parent()
    };
    if let Some(dir) = folder.filter(|d| d.is_dir()) {
        dialog = dialog.set_directory(dir);
    }
    dialog.pick_files(move |paths| {
        let _ = tx.send(paths);
    });
    let picked = rx
        .await
        .map_err(|err| IpcError::internal(format!("the file dialog went away: {err}")))?;
    Ok(picked
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .map(|p| editor::file_reference(&template, &p))
        .collect())
}

/// Reads a template (a file or an HCL2 folder) for the editor.
#[tauri::command]
#[specta::specta]
pub async fn open_template(path: String) -> Result<OpenedTemplate, IpcError> {
    Ok(editor::open(Path::new(&path))?)
}

/// Checks the editor's text as if saved at `path`: every problem, located in UTF-16
/// offsets for the code view and by field for the form.
#[tauri::command]
#[specta::specta]
pub async fn check_template_text(
    state: State<'_, AppState>,
    path: String,
    files: Vec<EditorFile>,
    vars: Vec<VariableInput>,
) -> Result<EditorCheck, IpcError> {
    Ok(editor::check(
        Path::new(&path),
        &files,
        &values(&vars),
        state.bakery.environment(),
    )?)
}

/// Writes the editor's text to `path` as it is (atomically).
#[tauri::command]
#[specta::specta]
pub async fn save_template(path: String, text: String) -> Result<(), IpcError> {
    Ok(editor::save(Path::new(&path), &text)?)
}

/// A JSON template's text in HCL2 (as `bakery fmt --to hcl` writes it).
#[tauri::command]
#[specta::specta]
pub async fn convert_template_to_hcl(path: String, text: String) -> Result<String, IpcError> {
    Ok(editor::convert_to_hcl(&path, &text)?)
}

/// The starters "New" offers, and where an unsaved one is checked from.
#[tauri::command]
#[specta::specta]
pub fn template_starters(state: State<'_, AppState>) -> Result<Vec<StarterView>, IpcError> {
    let env = state.bakery.environment();
    Ok(editor::starters(env)
        .into_iter()
        .map(|starter| StarterView {
            path: editor::untitled_path(env, &starter.file_name)
                .display()
                .to_string(),
            starter,
        })
        .collect())
}

/// A starter and the path a new template from it is checked as until it is saved.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StarterView {
    /// The starter.
    #[serde(flatten)]
    pub starter: Starter,
    /// Where "Save" proposes to write it.
    pub path: String,
}

/// Images matching the search in `region` (the active profile's account), newest first.
#[tauri::command]
#[specta::specta]
pub async fn find_images(
    state: State<'_, AppState>,
    region: String,
    query: ImageQuery,
    refresh: bool,
) -> Result<Vec<ImageChoice>, IpcError> {
    let profile = state.target().profile;
    Ok(state
        .catalog
        .images(&state.bakery, profile.as_deref(), &region, &query, refresh)
        .await?)
}

/// The instance types `region` offers, with vCPUs, memory and architectures.
#[tauri::command]
#[specta::specta]
pub async fn list_instance_types(
    state: State<'_, AppState>,
    region: String,
    refresh: bool,
) -> Result<Vec<InstanceTypeChoice>, IpcError> {
    let profile = state.target().profile;
    Ok(state
        .catalog
        .instance_types(&state.bakery, profile.as_deref(), &region, refresh)
        .await?)
}

/// The regions the active profile's account can use.
#[tauri::command]
#[specta::specta]
pub async fn list_regions(
    state: State<'_, AppState>,
    region: String,
    refresh: bool,
) -> Result<Vec<String>, IpcError> {
    let profile = state.target().profile;
    Ok(state
        .catalog
        .regions(&state.bakery, profile.as_deref(), &region, refresh)
        .await?)
}

/// The VPCs, subnets and security groups of `region`.
#[tauri::command]
#[specta::specta]
pub async fn list_network(
    state: State<'_, AppState>,
    region: String,
    refresh: bool,
) -> Result<NetworkChoices, IpcError> {
    let profile = state.target().profile;
    Ok(state
        .catalog
        .network(&state.bakery, profile.as_deref(), &region, refresh)
        .await?)
}

/// The KMS keys of `region` that can encrypt the image: the default EBS key first.
#[tauri::command]
#[specta::specta]
pub async fn list_kms_keys(
    state: State<'_, AppState>,
    region: String,
    refresh: bool,
) -> Result<Vec<KmsKeyChoice>, IpcError> {
    let profile = state.target().profile;
    Ok(state
        .catalog
        .kms_keys(&state.bakery, profile.as_deref(), &region, refresh)
        .await?)
}

/// Every amazon-ebs option Advanced can add, typed, from the template schema.
#[tauri::command]
#[specta::specta]
pub fn builder_options() -> Result<Vec<BuilderOption>, IpcError> {
    Ok(editor::builder_options())
}

/// What each build's source image resolves to in its region, from the editor's text.
#[tauri::command]
#[specta::specta]
pub async fn resolve_source_images(
    state: State<'_, AppState>,
    path: String,
    files: Vec<EditorFile>,
) -> Result<Vec<SourceResolution>, IpcError> {
    let profile = state.target().profile;
    Ok(state
        .catalog
        .resolve_sources(&state.bakery, profile.as_deref(), Path::new(&path), &files)
        .await?)
}

/// One form edit of `file` (its text as the editor has it): the code view's patches, the
/// new text, and the whole template checked again. Nothing is written.
#[tauri::command]
#[specta::specta]
pub async fn edit_template(
    state: State<'_, AppState>,
    path: String,
    files: Vec<EditorFile>,
    file: String,
    changes: Vec<FormChange>,
) -> Result<EditResult, IpcError> {
    Ok(editor::edit_text(
        Path::new(&path),
        &files,
        &file,
        &changes,
        &VariableValues::default(),
        state.bakery.environment(),
    )?)
}
