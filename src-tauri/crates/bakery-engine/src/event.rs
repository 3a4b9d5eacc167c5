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
    /// Credentials, regions, the AMI name and the instance type are checked before anything is
    /// made.
    Preflight,
    /// The source AMI is found (by id, or by filter and owners).
    SourceImage,
    /// The VPC and subnet are chosen, or a temporary VPC is made.
    Network,
    /// The temporary key pair is made (or the user's key is loaded).
    KeyPair,
    /// The temporary security group is made (or the given groups are checked).
    SecurityGroup,
    /// The source instance is launched and waited for until it runs.
    Launch,
    /// SSH is waited for until it answers (through the bastion if any).
    Connect,
    /// The provisioners run, in order.
    Provision,
    /// The instance is stopped.
    Stop,
    /// The image is made from the stopped instance and waited for.
    CreateImage,
    /// The image is copied to `ami_regions`.
    CopyImage,
    /// The image (and its copies) is shared with `ami_users` and `ami_groups`.
    Share,
    /// The post-processors (`manifest`, `shell-local`); named `manifest` in stored events.
    Manifest,
    /// Everything the bake made is deleted, in reverse order (after success, failure or cancel).
    Cleanup,
}

impl StepName {
    /// The step's stored name (`source_image`), as events and the history's steps name it.
    pub fn key(self) -> &'static str {
        match self {
            Self::Preflight => "preflight",
            Self::SourceImage => "source_image",
            Self::Network => "network",
            Self::KeyPair => "key_pair",
            Self::SecurityGroup => "security_group",
            Self::Launch => "launch",
            Self::Connect => "connect",
            Self::Provision => "provision",
            Self::Stop => "stop",
            Self::CreateImage => "create_image",
            Self::CopyImage => "copy_image",
            Self::Share => "share",
            Self::Manifest => "manifest",
            Self::Cleanup => "cleanup",
        }
    }

    /// The step's heading, as the CLI and the Bakes view show it ("Wait for SSH").
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

/// Which output of a command a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum OutputStream {
    /// Its standard output.
    Stdout,
    /// Its standard error.
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

/// Everything a bake reports, one variant per kind, serialized with a `type` tag in snake_case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BakeEvent {
    /// The bake has begun (its history row exists).
    BakeStarted {
        /// Its id: its history row, its ledger entries and its resources' `bakery:bake-id` tag.
        bake_id: String,
        /// The build it bakes.
        build: String,
        /// The region it bakes in.
        region: String,
    },
    /// A step begins.
    StepStarted {
        /// Which one.
        step: StepName,
    },
    /// A step ended well.
    StepFinished {
        /// Which one.
        step: StepName,
        /// How long it took.
        #[cfg_attr(feature = "specta", specta(type = u32))]
        duration_ms: u64,
    },
    /// A step failed; the bake cleans up next.
    StepFailed {
        /// Which one.
        step: StepName,
        /// How long it ran.
        #[cfg_attr(feature = "specta", specta(type = u32))]
        duration_ms: u64,
        /// Why it failed (secrets redacted).
        error: String,
    },
    /// The step that was running when the bake was cancelled: stopped on purpose, not broken.
    StepCancelled {
        /// Which one.
        step: StepName,
        /// How long it ran before the cancel.
        #[cfg_attr(feature = "specta", specta(type = u32))]
        duration_ms: u64,
    },
    /// Something worth telling the user (which AMI a filter found, which address SSH uses).
    Note {
        /// What to tell.
        text: String,
    },
    /// A cloud resource was made (and written to the ledger).
    ResourceCreated {
        /// What it is.
        kind: ResourceKind,
        /// Its id.
        id: String,
        /// Where it is.
        region: String,
    },
    /// A cloud resource was deleted.
    ResourceDeleted {
        /// What it was.
        kind: ResourceKind,
        /// Its id.
        id: String,
        /// Where it was.
        region: String,
    },
    /// A resource that could not be deleted, or was left on purpose; says exactly what.
    ResourceLeft {
        /// What it is.
        kind: ResourceKind,
        /// Its id.
        id: String,
        /// Where it is.
        region: String,
        /// Why it is still there, and what to do about it.
        reason: String,
    },
    /// Waiting on EC2 (instance state, image availability: sent when the state changes) or
    /// on SSH (sent at each attempt).
    Waiting {
        /// What is waited for, e.g. "instance i-0abc" or "SSH on 10.0.1.5:22".
        what: String,
        /// Its state now (EC2's, or why SSH did not answer yet).
        state: String,
        /// The poll's or attempt's number, from 1.
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
        /// Its place in the template's provisioners, from 0.
        index: u32,
        /// How long it ran.
        #[cfg_attr(feature = "specta", specta(type = u32))]
        duration_ms: u64,
        /// Why it failed; `None` when it succeeded.
        error: Option<String>,
    },
    /// One line a command printed (on the instance, or on this machine for `shell-local`).
    Output {
        /// Which output it came from.
        stream: OutputStream,
        /// The line, without its newline (secrets redacted).
        line: String,
    },
    /// An image the bake produced (one per region).
    Artifact {
        /// Its region.
        region: String,
        /// The AMI's id.
        image_id: String,
    },
    /// This build's entry in Packer's `manifest.json`, once every image exists; `path` is the
    /// file a `manifest` post-processor appended it to (none when the template has none).
    Manifest {
        /// The entry, as Packer writes it.
        build: ManifestBuild,
        /// The manifest file it was appended to, if any.
        path: Option<String>,
    },
    /// The bake has ended, cleanup included: always the last event.
    BakeFinished {
        /// How it ended.
        outcome: BakeOutcome,
        /// How long the whole bake took.
        #[cfg_attr(feature = "specta", specta(type = u32))]
        duration_ms: u64,
        /// Why it failed, and what cleanup left, when it did.
        error: Option<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steps_key_is_its_serialized_name() {
        for step in crate::STEPS.iter().copied().chain([StepName::Cleanup]) {
            assert_eq!(
                serde_json::to_value(step).unwrap(),
                serde_json::Value::String(step.key().into())
            );
        }
    }
}
