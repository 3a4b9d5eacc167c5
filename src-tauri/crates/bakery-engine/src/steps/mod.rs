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
use crate::error::EngineError;
use crate::spec::{BakeSpec, SshInterface};
use crate::ssh::{SshSession, TemporaryKey};

/// The source image a bake starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundImage {
    /// Its AMI id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The owner's account id.
    pub owner_id: String,
    /// The owner's alias (`amazon`, `aws-marketplace`), else its account id.
    pub owner_name: String,
    /// When it was made (EC2's timestamp).
    pub creation_date: String,
    /// Its tags (`{{ .SourceAMITags.KEY }}`).
    pub tags: std::collections::BTreeMap<String, String>,
}

impl FoundImage {
    /// Packer's build-time variables for this source image, built in `region`
    /// (`{{ .SourceAMI }}`, `{{ .SourceAMITags.Name }}`, `{{ .BuildRegion }}`, ...).
    pub fn build_variables(&self, region: &str) -> std::collections::BTreeMap<String, String> {
        let mut vars = std::collections::BTreeMap::from([
            ("BuildRegion".to_string(), region.to_string()),
            ("SourceAMI".to_string(), self.id.clone()),
            ("SourceAMIName".to_string(), self.name.clone()),
            ("SourceAMIOwner".to_string(), self.owner_id.clone()),
            ("SourceAMIOwnerName".to_string(), self.owner_name.clone()),
            (
                "SourceAMICreationDate".to_string(),
                self.creation_date.clone(),
            ),
        ]);
        for (key, value) in &self.tags {
            vars.insert(format!("SourceAMITags.{key}"), value.clone());
        }
        vars
    }
}

/// The launched instance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LaunchedInstance {
    /// Its instance id.
    pub id: String,
    /// Its public IPv4 address, when it has one.
    pub public_ip: Option<String>,
    /// Its private IPv4 address.
    pub private_ip: Option<String>,
    /// Its public DNS name, when the VPC gives one.
    pub public_dns: Option<String>,
    /// Its private DNS name.
    pub private_dns: Option<String>,
}

/// What the steps have found and made so far.
#[derive(Default)]
pub struct BakeState {
    /// The account the credentials belong to (from preflight's GetCallerIdentity).
    pub account_id: Option<String>,
    /// The VPC the bake runs in (given, found, or made).
    pub vpc_id: Option<String>,
    /// The subnet the instance is launched in.
    pub subnet_id: Option<String>,
    /// The source image found.
    pub source_image: Option<FoundImage>,
    /// The key SSH logs in with (temporary, or the user's file); never on disk.
    pub key: Option<TemporaryKey>,
    /// The key pair the instance is launched with (temporary, or `ssh_keypair_name`).
    pub key_name: Option<String>,
    /// The security groups of the instance (the temporary one, or the given ones).
    pub security_group_ids: Vec<String>,
    /// The instance, once launched.
    pub instance: Option<LaunchedInstance>,
    /// The SSH session to the instance, once connected.
    pub ssh: Option<SshSession>,
    /// The image in the build region, then its copies.
    pub artifacts: Vec<Artifact>,
}

/// A bake in progress: its inputs, its region's EC2, and its state.
pub struct Bake<'a> {
    /// The bake's context: its id, history, clock, events and cancel.
    pub ctx: &'a BakeContext,
    /// The spec with the build-time variables filled once the source image is known (as
    /// written before).
    pub spec: std::borrow::Cow<'a, BakeSpec>,
    /// The spec as written (copies fill `{{ .BuildRegion }}` with their own region).
    pub written: &'a BakeSpec,
    /// The credentials and settings every AWS client of the bake uses.
    pub sdk: &'a SdkConfig,
    /// EC2 in the bake's region.
    pub ec2: Ec2,
    /// What the steps have found and made so far.
    pub state: BakeState,
}

impl Bake<'_> {
    /// An EC2 client for another region (copies).
    pub fn ec2_in(&self, region: &str) -> Ec2 {
        Ec2::new(self.sdk, region)
    }

    /// The region the bake runs in (the spec's).
    pub fn region(&self) -> &str {
        &self.spec.region
    }

    /// The address SSH goes to: `ssh_host`, else the instance's address by `ssh_interface`
    /// (its public IP, else its private one, when none is set).
    pub fn ssh_address(&self) -> Result<String, EngineError> {
        if let Some(host) = &self.spec.ssh.host {
            return Ok(host.clone());
        }
        let instance = self.state.instance.as_ref().expect("the launch step ran");
        let address = match self.spec.ssh.interface {
            Some(SshInterface::PrivateIp) => instance.private_ip.clone(),
            Some(SshInterface::PublicDns) => instance.public_dns.clone(),
            Some(SshInterface::PrivateDns) => instance.private_dns.clone(),
            Some(SshInterface::PublicIp) => instance.public_ip.clone(),
            None => instance
                .public_ip
                .clone()
                .or_else(|| instance.private_ip.clone()),
        };
        address.ok_or_else(|| EngineError::Ssh {
            target: instance.id.clone(),
            message: "the instance has no address for SSH".into(),
            hint: Some(
                "launch in a subnet that assigns public IPs (associate_public_ip_address) or set ssh_interface to private_ip".into(),
            ),
        })
    }
}
