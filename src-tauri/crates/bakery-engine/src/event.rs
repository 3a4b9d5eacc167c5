//! The bake's event stream: everything a bake reports, in order. The CLI prints it, the
//! shell forwards it to the webview, the history stores it; the timeline is a query over it.
//! No event ever carries a secret.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use bakery_history::ResourceKind;

/// The steps of a bake, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    Preflight,
    SourceImage,
    Network,
    KeyPair,
    SecurityGroup,
    Launch,
    Connect,
    Provision,
    Stop,
    CreateImage,
    CopyImage,
    Share,
    /// The post-processors (`manifest`, `shell-local`); named `manifest` in stored events.
    Manifest,
    Cleanup,
}

impl StepName {
    pub fn title(self) -> &'static str {
        match self {
            Self::Preflight => "Preflight checks",
            Self::SourceImage => "Find the source image",
            Self::Network => "Prepare the network",
            Self::KeyPair => "Create a temporary key pair",
            Self::SecurityGroup => "Create a temporary security group",
            Self::Launch => "Launch the source instance",
            Self::Connect => "Wait for SSH",
            Self::Provision => "Run provisioners",
            Self::Stop => "Stop the instance",
            Self::CreateImage => "Create the image",
            Self::CopyImage => "Copy the image to other regions",
            Self::Share => "Share the image",
            Self::Manifest => "Run the post-processors",
            Self::Cleanup => "Clean up",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum OutputStream {
    Stdout,
    Stderr,
}

/// How a bake ended: the history's [`BakeStatus`] (one enum for both, so the event and
/// the stored row can't disagree); a finished bake is never `running`.
pub use bakery_history::BakeStatus as BakeOutcome;
pub use bakery_history::BakeStatus;

/// One build as Packer's `manifest` post-processor writes it (`builds[]` in `manifest.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ManifestBuild {
    /// The build's name.
    pub name: String,
    /// Always `amazon-ebs`.
    pub builder_type: String,
    /// When the manifest was written, in seconds since the Unix epoch.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub build_time: u64,
    /// Packer's amazon-ebs writes `null`.
    pub files: Option<Vec<String>>,
    /// `region:ami-…,region:ami-…`.
    pub artifact_id: String,
    /// The bake's id.
    pub packer_run_uuid: String,
    /// The post-processor's `custom_data` (null when there is none).
    pub custom_data: Option<BTreeMap<String, String>>,
}

/// An event as it is stored and sent: its place in the bake (`seq`, from 0, no gaps) and
/// when it happened (`at`, RFC 3339 UTC with milliseconds, from the bake's injected clock),
/// then the event's own fields. `bakery bake --json` prints exactly this (plus the bake id
/// and build name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StampedEvent {
    /// The event's number in its bake, from 0.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub seq: u64,
    /// When it happened, e.g. `2026-12-02T21:03:04.123Z`.
    pub at: String,
    /// The event itself.
    #[serde(flatten)]
    pub event: BakeEvent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BakeEvent {
    BakeStarted {
        bake_id: String,
        build: String,
        region: String,
    },
    StepStarted {
        step: StepName,
    },
    StepFinished {
        step: StepName,
        #[cfg_attr(feature = "specta", specta(type = u32))]
        duration_ms: u64,
    },
    StepFailed {
        step: StepName,
        #[cfg_attr(feature = "specta", specta(type = u32))]
        duration_ms: u64,
        error: String,
    },
    /// The step that was running when the bake was cancelled: stopped on purpose, not broken.
    StepCancelled {
        step: StepName,
        #[cfg_attr(feature = "specta", specta(type = u32))]
        duration_ms: u64,
    },
    /// Something worth telling the user (which AMI a filter found, which address SSH uses).
    Note {
        text: String,
    },
    ResourceCreated {
        kind: ResourceKind,
        id: String,
        region: String,
    },
    ResourceDeleted {
        kind: ResourceKind,
        id: String,
        region: String,
    },
    /// A resource that could not be deleted, or was left on purpose; says exactly what.
    ResourceLeft {
        kind: ResourceKind,
        id: String,
        region: String,
        reason: String,
    },
    /// Waiting on EC2 (instance state, image availability).
    Waiting {
        what: String,
        state: String,
        attempt: u32,
    },
    /// A provisioner begins: the output lines after it are its own.
    ProvisionerStarted {
        /// Its place in the template's provisioners, from 0.
        index: u32,
        /// Its type as the template names it (`shell`, `file`, `shell-local`, ...).
        kind: String,
        /// What it does, as the log's group heading shows it.
        title: String,
    },
    /// A provisioner ended (an error when it failed).
    ProvisionerFinished {
        index: u32,
        #[cfg_attr(feature = "specta", specta(type = u32))]
        duration_ms: u64,
        error: Option<String>,
    },
    Output {
        stream: OutputStream,
        line: String,
    },
    Artifact {
        region: String,
        image_id: String,
    },
    /// This build's entry in Packer's `manifest.json`, once every image exists; `path` is the
    /// file a `manifest` post-processor appended it to (none when the template has none).
    Manifest {
        build: ManifestBuild,
        path: Option<String>,
    },
    BakeFinished {
        outcome: BakeOutcome,
        #[cfg_attr(feature = "specta", specta(type = u32))]
        duration_ms: u64,
        error: Option<String>,
    },
}
