//! What one bake does, fully rendered: the engine's input. The template crate's model is
//! turned into a `BakeSpec` per builder; the engine never sees template syntax.

use std::collections::BTreeMap;

pub use bakery_template::model::{BlockDevice, MetadataOptions};
use std::path::PathBuf;
use std::time::Duration;

/// The default address lookup (Amazon's own).
pub const DEFAULT_PUBLIC_IP_URL: &str = "https://checkip.amazonaws.com";

/// Where the source image comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceImage {
    /// An explicit AMI id (`source_ami`).
    Id(String),
    /// `source_ami_filter`: filters + owners, newest when `most_recent`.
    Filter {
        filters: BTreeMap<String, Vec<String>>,
        owners: Vec<String>,
        most_recent: bool,
    },
}

/// How the engine reaches the instance.
#[derive(Debug, Clone, PartialEq)]
pub struct SshSpec {
    pub username: String,
    /// `ssh_host`: overrides the instance's address (the sandbox uses 127.0.0.1).
    pub host: Option<String>,
    pub port: u16,
    /// `ssh_timeout`: how long to wait for SSH to answer.
    pub timeout: Duration,
    /// `ssh_interface`: `public_ip`, `private_ip`, `public_dns`, `private_dns`.
    pub interface: Option<String>,
}

/// One provisioner, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Provisioner {
    Shell(ShellProvisioner),
    /// `file`: upload `source` (a file) to `destination`.
    File {
        source: PathBuf,
        destination: String,
    },
}

/// `shell`: inline commands and/or script files run on the instance.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShellProvisioner {
    pub inline: Vec<String>,
    /// Local script files, run in order.
    pub scripts: Vec<PathBuf>,
    pub environment_vars: Vec<(String, String)>,
    /// Packer's `execute_command` with `{{.Vars}}` and `{{.Path}}`.
    pub execute_command: Option<String>,
    pub inline_shebang: Option<String>,
    pub remote_folder: Option<String>,
    /// The command may drop the connection (a reboot): not a failure.
    pub expect_disconnect: bool,
    pub pause_before: Duration,
}

/// The address ranges of a temporary VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporaryVpcSpec {
    pub cidr_block: String,
    pub subnet_cidr_block: String,
}

impl Default for TemporaryVpcSpec {
    fn default() -> Self {
        Self {
            cidr_block: "10.0.0.0/16".into(),
            subnet_cidr_block: "10.0.1.0/24".into(),
        }
    }
}

/// Packer's `aws_polling`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Polling {
    /// The longest wait between two polls (polls start fast and back off to this).
    pub delay: Duration,
    pub max_attempts: u32,
}

impl Default for Polling {
    fn default() -> Self {
        Self {
            delay: Duration::from_secs(5),
            max_attempts: 120,
        }
    }
}

/// One amazon-ebs build, rendered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BakeSpec {
    pub build_name: String,
    pub region: String,
    pub source: Option<SourceImage>,
    pub instance_type: String,
    pub ami_name: String,
    pub ami_description: Option<String>,
    pub ssh: SshSpec,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    /// Our extension `temporary_vpc`: a VPC, subnet, internet gateway and route table made
    /// for the bake and torn down after it.
    pub temporary_vpc: Option<TemporaryVpcSpec>,
    /// `ssh_keypair_name`: an existing key pair (with `ssh_private_key_file`) instead of a
    /// temporary one.
    pub ssh_keypair_name: Option<String>,
    /// `ssh_private_key_file`: the private key that logs in.
    pub ssh_private_key_file: Option<PathBuf>,
    /// `ssh_agent_auth`: log in with a key held by the SSH agent at this socket (the
    /// CLI passes `SSH_AUTH_SOCK`); no key pair is made.
    pub ssh_agent_socket: Option<PathBuf>,
    pub security_group_ids: Vec<String>,
    /// CIDRs allowed to SSH to the temporary security group (default: the operator's /32).
    pub ssh_source_cidrs: Vec<String>,
    /// Where to look up the operator's public address for the default /32 (a URL that
    /// answers with the address as text). `None`: [`DEFAULT_PUBLIC_IP_URL`], except when
    /// SSH goes to this machine (`ssh_host` 127.0.0.1: the sandbox, a tunnel).
    pub public_ip_lookup_url: Option<String>,
    pub associate_public_ip_address: Option<bool>,
    pub iam_instance_profile: Option<String>,
    pub user_data: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub run_tags: BTreeMap<String, String>,
    pub snapshot_tags: BTreeMap<String, String>,
    pub provisioners: Vec<Provisioner>,
    /// Volumes of the source instance (`launch_block_device_mappings`).
    pub launch_block_device_mappings: Vec<BlockDevice>,
    /// Volumes recorded in the image (`ami_block_device_mappings`).
    pub ami_block_device_mappings: Vec<BlockDevice>,
    /// Tags of the source instance's volumes (`run_volume_tags`).
    pub run_volume_tags: BTreeMap<String, String>,
    pub ena_support: Option<bool>,
    pub sriov_support: Option<bool>,
    pub metadata_options: Option<MetadataOptions>,
    /// `shutdown_behavior`: `stop` (default) or `terminate`.
    pub shutdown_behavior: Option<String>,
    pub ami_regions: Vec<String>,
    pub ami_users: Vec<String>,
    pub ami_groups: Vec<String>,
    pub encrypt_boot: bool,
    pub kms_key_id: Option<String>,
    /// The KMS key for each copy's region (`region_kms_key_ids`).
    pub region_kms_key_ids: BTreeMap<String, String>,
    /// Accounts that may create volumes from the snapshots (`snapshot_users`).
    pub snapshot_users: Vec<String>,
    pub force_deregister: bool,
    pub force_delete_snapshot: bool,
    pub polling: Polling,
    /// Where to write Packer's manifest (`manifest` post-processor), if asked.
    pub manifest_output: Option<PathBuf>,
}

impl Default for SshSpec {
    fn default() -> Self {
        Self {
            username: "ec2-user".into(),
            host: None,
            port: 22,
            timeout: Duration::from_secs(300),
            interface: None,
        }
    }
}
