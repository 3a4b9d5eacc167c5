//! The bake's steps, one file each, in the order they run. Each step reads and writes the
//! typed [`BakeState`]; every resource a step creates goes through the ledger first
//! (`ctx.intend` before the call, `ctx.created` after), and cleanup consumes the ledger.

pub mod connect;
pub mod copy_image;
pub mod create_image;
pub mod key_pair;
pub mod launch;
pub mod manifest;
pub mod network;
pub mod post_process;
pub mod preflight;
pub mod provision;
pub mod security_group;
pub mod share;
pub mod source_image;
pub mod stop;

use aws_config::SdkConfig;
use bakery_history::Artifact;

use crate::context::BakeContext;
use crate::ec2::Ec2;
use crate::spec::BakeSpec;
use crate::ssh::{SshSession, TemporaryKey};

/// The source image a bake starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundImage {
    pub id: String,
    pub name: String,
}

/// The launched instance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LaunchedInstance {
    pub id: String,
    pub public_ip: Option<String>,
    pub private_ip: Option<String>,
    pub public_dns: Option<String>,
    pub private_dns: Option<String>,
}

/// What the steps have found and made so far.
#[derive(Default)]
pub struct BakeState {
    pub account_id: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub source_image: Option<FoundImage>,
    pub key: Option<TemporaryKey>,
    pub key_name: Option<String>,
    pub security_group_ids: Vec<String>,
    pub instance: Option<LaunchedInstance>,
    pub ssh: Option<SshSession>,
    /// The image in the build region, then its copies.
    pub artifacts: Vec<Artifact>,
}

/// A bake in progress: its inputs, its region's EC2, and its state.
pub struct Bake<'a> {
    pub ctx: &'a BakeContext,
    pub spec: &'a BakeSpec,
    pub sdk: &'a SdkConfig,
    pub ec2: Ec2,
    pub state: BakeState,
}

impl Bake<'_> {
    /// An EC2 client for another region (copies).
    pub fn ec2_in(&self, region: &str) -> Ec2 {
        Ec2::new(self.sdk, region)
    }

    pub fn region(&self) -> &str {
        &self.spec.region
    }
}
