//! The typed model of a template: what users write in Packer's amazon-ebs templates.
//!
//! Values are held as they will be baked: user variables and functions rendered, build-time
//! placeholders (`{{ .SourceAMI }}`, `{{ .Path }}`) kept verbatim for the engine. Every option
//! is optional here; which ones are required is the checker's business (`check`), so a
//! half-written template still has a model for the editor. The doc comment of each option is
//! its user-facing documentation (tooltips, JSON schema).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Secret;

/// A whole template: variables, builders, provisioners and post-processors.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Template {
    /// What the template builds, shown by `bakery inspect`.
    pub description: Option<String>,
    /// The oldest Packer version the template's author supports (informative here).
    pub min_packer_version: Option<String>,
    /// User variables, in the order written; `null` as a default means required.
    pub variables: Vec<Variable>,
    /// The machines to bake, in order; each one yields its own AMI(s).
    pub builders: Vec<Builder>,
    /// What runs on the instance before the image is taken, in order.
    pub provisioners: Vec<Provisioner>,
    /// What runs after the image is taken: each element is a chain run in order.
    pub post_processors: Vec<Vec<PostProcessor>>,
    /// The values of the `sensitive-variables` as rendered: they may have flowed into any
    /// setting (an `environment_vars` entry, a tag), so output is passed through
    /// [`Template::redact`] before it is shown or stored.
    #[serde(skip)]
    pub sensitive_values: Vec<Secret>,
}

impl Template {
    /// `text` with every sensitive variable's value replaced by `<sensitive>`, as Packer does
    /// in its output (longest values first, so one that contains another is hidden whole).
    pub fn redact(&self, text: &str) -> String {
        let mut values: Vec<&str> = self
            .sensitive_values
            .iter()
            .map(|s| s.expose().as_str())
            .filter(|s| !s.is_empty())
            .collect();
        values.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = text.to_string();
        for value in values {
            out = out.replace(value, "<sensitive>");
        }
        out
    }
}

/// A user variable (`"variables": {"name": "default"}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variable {
    /// The name used in `{{user `name`}}`.
    pub name: String,
    /// The default as written (`None`: the variable is required and has no default).
    pub default: Option<VariableValue>,
    /// Listed in `sensitive-variables`: its value is never shown.
    pub sensitive: bool,
}

/// The value of a variable: plain, or secret when it is listed in `sensitive-variables`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum VariableValue {
    /// A value that may be shown.
    Plain(String),
    /// A sensitive value: shown as `***`.
    Secret(Secret),
}

impl VariableValue {
    /// A secret value when `sensitive`, else a plain one.
    pub fn new(value: String, sensitive: bool) -> Self {
        if sensitive {
            VariableValue::Secret(Secret::new(value))
        } else {
            VariableValue::Plain(value)
        }
    }

    /// The value itself, secret or not.
    pub fn expose(&self) -> &str {
        match self {
            VariableValue::Plain(s) => s,
            VariableValue::Secret(s) => s.expose(),
        }
    }
}

/// A builder: how a machine is launched and turned into an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
pub enum Builder {
    /// Launch an EC2 instance from a source AMI, provision it over SSH, and create an
    /// EBS-backed AMI from it.
    #[serde(rename = "amazon-ebs")]
    AmazonEbs(Box<AmazonEbs>),
}

impl Builder {
    /// The builder's name: its `name`, or its type when it has none (see [`build_name`]).
    pub fn name(&self) -> &str {
        match self {
            Builder::AmazonEbs(ebs) => build_name(ebs.name.as_deref(), self.type_name()),
        }
    }

    /// The builder's `type` (`amazon-ebs`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Builder::AmazonEbs(_) => "amazon-ebs",
        }
    }
}

/// The `amazon-ebs` builder's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AmazonEbs {
    /// A name for this builder, used by `only`/`except` and in the bake's output. Defaults
    /// to the type (`amazon-ebs`); two builders of the same type need different names.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,

    // --- Access ---
    /// The AWS region where the instance is launched and the AMI created (e.g. `eu-west-1`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub region: Option<String>,
    /// The AWS profile (from `~/.aws/config`) whose credentials are used.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub profile: Option<String>,
    /// An access key id. Prefer a profile: keys written in a template end up in version
    /// control.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub access_key: Option<String>,
    /// The secret access key that goes with `access_key`. Never shown.
    #[serde(
        deserialize_with = "crate::weak::opt_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub secret_key: Option<Secret>,
    /// A session token for temporary credentials. Never shown.
    #[serde(
        deserialize_with = "crate::weak::opt_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub token: Option<Secret>,
    /// Assume this IAM role before baking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assume_role: Option<AssumeRole>,
    /// How often and how many times to poll AWS while waiting (instance running, AMI
    /// available).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_polling: Option<AwsPolling>,

    // --- Source ---
    /// The AMI id to start from (e.g. `ami-0abcdef1234567890`). Either this or
    /// `source_ami_filter` is required.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_ami: Option<String>,
    /// Finds the AMI to start from by filters and owners, instead of a fixed id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ami_filter: Option<SourceAmiFilter>,

    // --- Instance ---
    /// The EC2 instance type used while baking (e.g. `t3.micro`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub instance_type: Option<String>,
    /// Run a spot instance: the maximum hourly price in dollars, or `auto` for the
    /// on-demand price as the maximum. Empty or `0`: on-demand.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub spot_price: Option<String>,
    /// Instance types a spot request may use (instead of `instance_type`).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub spot_instance_types: Option<Vec<String>>,
    /// Tags on the spot request (and the launch template it is made from), not on the
    /// instance (use `run_tags` for that).
    #[serde(
        deserialize_with = "crate::weak::opt_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub spot_tags: Option<BTreeMap<String, String>>,
    /// The IAM instance profile given to the instance while it is being baked.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub iam_instance_profile: Option<String>,
    /// User data passed to the instance at launch (cloud-init script or cloud-config).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_data: Option<String>,
    /// A file whose content is passed as user data (instead of `user_data`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_data_file: Option<String>,
    /// What the instance does when shut down from inside: `stop` (default) or `terminate`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub shutdown_behavior: Option<String>,
    /// The instance metadata service settings of the instance while it is being baked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_options: Option<MetadataOptions>,
    /// Tags on the instance while it is being baked.
    #[serde(
        deserialize_with = "crate::weak::opt_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub run_tags: Option<BTreeMap<String, String>>,
    /// Tags on the instance's volumes while it is being baked.
    #[serde(
        deserialize_with = "crate::weak::opt_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub run_volume_tags: Option<BTreeMap<String, String>>,
    /// Volumes attached to the instance at launch (e.g. a bigger root volume).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_block_device_mappings: Option<Vec<BlockDevice>>,

    // --- Network ---
    /// The VPC to launch in; found from `subnet_id` when only that is given.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub vpc_id: Option<String>,
    /// The subnet to launch in. Needed when the account has no default VPC (or use
    /// `temporary_vpc`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub subnet_id: Option<String>,
    /// Give the instance a public IP address (needed to reach it over SSH from outside the
    /// VPC when the subnet does not assign one).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub associate_public_ip_address: Option<bool>,
    /// An existing security group for the instance (instead of a temporary one).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub security_group_id: Option<String>,
    /// Existing security groups for the instance (instead of a temporary one).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub security_group_ids: Option<Vec<String>>,
    /// Addresses the temporary security group lets in over SSH (CIDR blocks).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub temporary_security_group_source_cidrs: Option<Vec<String>>,
    /// Let in only this computer's public address (as a /32) in the temporary security
    /// group.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub temporary_security_group_source_public_ip: Option<bool>,
    /// Finds existing security groups by filters (every group that matches, in the bake's
    /// VPC), instead of `security_group_id(s)` or a temporary group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_group_filter: Option<SecurityGroupFilter>,
    /// Finds the subnet to launch in by filters, when `subnet_id` is not set: exactly one must
    /// match, unless `most_free` or `random` picks one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_filter: Option<SubnetFilter>,
    /// Finds the VPC by filters, when `vpc_id` is not set: exactly one must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_filter: Option<VpcFilter>,
    /// AMI Bakery extension (not in Packer): create a VPC, subnet, internet gateway and
    /// route table for the bake and delete them afterwards, for accounts with no default VPC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_vpc: Option<TemporaryVpc>,

    // --- SSH ---
    /// How to reach the instance: `ssh` (default) or `none` (no provisioners).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub communicator: Option<String>,
    /// The user to log in as over SSH (e.g. `ec2-user`, `ubuntu`, `admin`). Required with the
    /// SSH communicator.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_username: Option<String>,
    /// A password to log in with instead of a key. Never shown.
    #[serde(
        deserialize_with = "crate::weak::opt_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_password: Option<Secret>,
    /// The SSH port (default 22).
    #[serde(
        deserialize_with = "crate::weak::opt_u16",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_port: Option<u16>,
    /// How long to wait for SSH to come up, as a duration (`5m`, `1m30s`; default `5m`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_timeout: Option<String>,
    /// Which address of the instance to connect to: `public_ip`, `private_ip`,
    /// `public_dns` or `private_dns`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_interface: Option<String>,
    /// Connect to this host instead of the instance's address (e.g. a tunnel or, in tests,
    /// the sandbox's SSH target).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_host: Option<String>,
    /// Use this existing EC2 key pair instead of a temporary one; needs
    /// `ssh_private_key_file` or `ssh_agent_auth`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_keypair_name: Option<String>,
    /// The private key file to log in with.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_private_key_file: Option<String>,
    /// Log in with the keys of the local SSH agent.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_agent_auth: Option<bool>,
    /// Reach the instance through this jump host: SSH logs in to the bastion first and
    /// tunnels the instance's SSH connection through it.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_bastion_host: Option<String>,
    /// The bastion's SSH port (default 22).
    #[serde(
        deserialize_with = "crate::weak::opt_u16",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_bastion_port: Option<u16>,
    /// The user to log in to the bastion as (default: `ssh_username`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_bastion_username: Option<String>,
    /// The private key file that logs in to the bastion (default: `ssh_private_key_file`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_bastion_private_key_file: Option<String>,
    /// Log in to the bastion with the keys of the local SSH agent.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_bastion_agent_auth: Option<bool>,
    /// A password that logs in to the bastion instead of a key. Never shown.
    #[serde(
        deserialize_with = "crate::weak::opt_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_bastion_password: Option<Secret>,
    /// Ask for a pseudo-terminal when running commands (some `sudo` setups need one:
    /// `Defaults requiretty`).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_pty: Option<bool>,
    /// The type of the temporary key pair: `rsa` (default) or `ed25519`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub temporary_key_pair_type: Option<String>,
    /// Deprecated: use `ssh_interface: "private_ip"`.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_private_ip: Option<bool>,

    // --- Image ---
    /// The name of the new AMI: 3 to 128 characters, letters, digits and `()[] ./-'@_`;
    /// unique in the account and region (use `{{timestamp}}` or `force_deregister`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ami_name: Option<String>,
    /// The description of the new AMI.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ami_description: Option<String>,
    /// Tags on the AMI (and its copies).
    #[serde(
        deserialize_with = "crate::weak::opt_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub tags: Option<BTreeMap<String, String>>,
    /// Tags on the AMI's snapshots.
    #[serde(
        deserialize_with = "crate::weak::opt_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub snapshot_tags: Option<BTreeMap<String, String>>,
    /// Volumes of the AMI (e.g. a bigger or encrypted root volume in the image).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ami_block_device_mappings: Option<Vec<BlockDevice>>,
    /// Other regions the AMI is copied to after it is created.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub ami_regions: Option<Vec<String>>,
    /// AWS account ids allowed to launch the AMI.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub ami_users: Option<Vec<String>>,
    /// Groups allowed to launch the AMI; `all` makes it public.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub ami_groups: Option<Vec<String>>,
    /// AWS account ids allowed to create volumes from the AMI's snapshots.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub snapshot_users: Option<Vec<String>>,
    /// Encrypt the AMI's root volume (with `kms_key_id`, or the account's default key).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub encrypt_boot: Option<bool>,
    /// The KMS key (id, alias or ARN) that encrypts the AMI's root volume; needs
    /// `encrypt_boot: true`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub kms_key_id: Option<String>,
    /// The KMS key per region for the encrypted copies in `ami_regions`; needs
    /// `encrypt_boot: true` and a key for every region in `ami_regions`.
    #[serde(
        deserialize_with = "crate::weak::opt_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub region_kms_key_ids: Option<BTreeMap<String, String>>,
    /// Enable Elastic Network Adapter support on the AMI.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub ena_support: Option<bool>,
    /// Launch the build instance EBS-optimized.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub ebs_optimized: Option<bool>,
    /// `v2.0`: instances launched from the AMI must use IMDSv2 (set on the AMI and each copy; it can't be unset).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub imds_support: Option<String>,
    /// AWS Organizations (ARNs) the AMI is shared with.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub ami_org_arns: Option<Vec<String>>,
    /// Organizational units (ARNs) the AMI is shared with.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub ami_ou_arns: Option<Vec<String>>,
    /// Groups that may create volumes from the AMI's snapshots (`all` makes them public).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub snapshot_groups: Option<Vec<String>>,
    /// `hvm` or `paravirtual`: only checked (ENA and SR-IOV need `hvm`); the image takes the source's.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ami_virtualization_type: Option<String>,
    /// Don't check that `region` and `ami_regions` are regions EC2 knows.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub skip_region_validation: Option<bool>,
    /// Don't check that `iam_instance_profile` exists (this version doesn't check it anyway).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub skip_profile_validation: Option<bool>,
    /// Enable enhanced networking (SR-IOV) on the AMI.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub sriov_support: Option<bool>,
    /// Deregister an existing AMI of the same name before creating the new one.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub force_deregister: Option<bool>,
    /// Also delete the snapshots of the AMI that `force_deregister` removes.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub force_delete_snapshot: Option<bool>,
}

/// Finds the source AMI by filters, like `aws ec2 describe-images`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SourceAmiFilter {
    /// DescribeImages filters, e.g. `"name": "al2023-ami-*-x86_64"`,
    /// `"virtualization-type": "hvm"`, `"root-device-type": "ebs"`.
    #[serde(
        deserialize_with = "crate::weak::opt_map_of_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub filters: Option<BTreeMap<String, Vec<String>>>,
    /// Who must own the AMI: account ids, or `self`, `amazon`, `aws-marketplace`.
    /// Required, so a look-alike AMI of a stranger is never used.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub owners: Option<Vec<String>>,
    /// When several AMIs match, take the newest (otherwise several matches are an error).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub most_recent: Option<bool>,
}

/// Finds security groups by filters, like `aws ec2 describe-security-groups`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SecurityGroupFilter {
    /// DescribeSecurityGroups filters, e.g. `"tag:Class": "packer"`, `"group-name": "build-*"`.
    #[serde(
        deserialize_with = "crate::weak::opt_map_of_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub filters: Option<BTreeMap<String, Vec<String>>>,
}

/// Finds the subnet by filters, like `aws ec2 describe-subnets`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SubnetFilter {
    /// DescribeSubnets filters, e.g. `"tag:Tier": "build"`, `"availability-zone": "eu-west-1a"`.
    #[serde(
        deserialize_with = "crate::weak::opt_map_of_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub filters: Option<BTreeMap<String, Vec<String>>>,
    /// When several subnets match, take the one with the most free IP addresses.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub most_free: Option<bool>,
    /// When several subnets match, take one at random (`most_free` wins when both are set).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub random: Option<bool>,
}

/// Finds the VPC by filters, like `aws ec2 describe-vpcs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct VpcFilter {
    /// DescribeVpcs filters, e.g. `"tag:Name": "build"`, `"cidr": "10.0.0.0/16"`.
    #[serde(
        deserialize_with = "crate::weak::opt_map_of_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub filters: Option<BTreeMap<String, Vec<String>>>,
}

/// A volume of the instance at launch, or of the AMI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BlockDevice {
    /// The device name, e.g. `/dev/xvda` or `/dev/sda1` (the root device of most AMIs).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub device_name: Option<String>,
    /// The volume type: `gp2`, `gp3`, `io1`, `io2`, `st1`, `sc1` or `standard`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub volume_type: Option<String>,
    /// The size in GiB.
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub volume_size: Option<u32>,
    /// Delete the volume when the instance is terminated.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub delete_on_termination: Option<bool>,
    /// Encrypt the volume.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub encrypted: Option<bool>,
    /// The KMS key that encrypts the volume; needs `encrypted: true`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub kms_key_id: Option<String>,
    /// Provisioned IOPS (`io1`, `io2`, `gp3`).
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub iops: Option<u32>,
    /// Throughput in MiB/s (`gp3` only).
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub throughput: Option<u32>,
    /// Create the volume from this snapshot.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub snapshot_id: Option<String>,
    /// An instance store volume name (`ephemeral0` …) instead of an EBS volume.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub virtual_name: Option<String>,
    /// Leave this device out of the mapping (remove a device the source AMI has).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub no_device: Option<bool>,
}

/// The instance metadata service (IMDS) settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct MetadataOptions {
    /// `enabled` (default) or `disabled`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub http_endpoint: Option<String>,
    /// `optional` (IMDSv1 and v2, default) or `required` (IMDSv2 only).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub http_tokens: Option<String>,
    /// How many network hops a metadata response may travel, 1 to 64 (default 1).
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub http_put_response_hop_limit: Option<u32>,
    /// `enabled` or `disabled` (default): the instance's tags in the metadata.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub instance_metadata_tags: Option<String>,
}

/// How to wait for AWS: the delay between polls and how many polls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AwsPolling {
    /// Seconds between two polls.
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub delay_seconds: Option<u32>,
    /// How many polls before giving up.
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_attempts: Option<u32>,
}

/// An IAM role to assume with the base credentials.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AssumeRole {
    /// The ARN of the role to assume.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub role_arn: Option<String>,
    /// The session's name in CloudTrail.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub session_name: Option<String>,
    /// The external id the role's trust policy asks for.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_id: Option<String>,
    /// How long the session lasts, in seconds.
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub duration_seconds: Option<u32>,
    /// An inline policy that narrows the session's permissions (JSON).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub policy: Option<String>,
    /// Managed policy ARNs that narrow the session's permissions.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub policy_arns: Option<Vec<String>>,
    /// Session tags.
    #[serde(
        deserialize_with = "crate::weak::opt_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub tags: Option<BTreeMap<String, String>>,
    /// Session tag keys passed on to roles assumed from this one.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub transitive_tag_keys: Option<Vec<String>>,
}

/// AMI Bakery's temporary network for accounts without a default VPC.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct TemporaryVpc {
    /// The VPC's address range (default `10.42.0.0/16`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub cidr_block: Option<String>,
    /// The subnet's address range, inside the VPC's (default `10.42.1.0/24`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub subnet_cidr_block: Option<String>,
}

/// The provisioner types this version bakes (every other type is refused as not supported
/// yet, and the editor shows it read-only).
pub const BAKED_PROVISIONERS: &[&str] =
    &["shell", "file", "shell-local", "ansible", "ansible-local"];

/// A provisioner: a step that changes the instance before the image is taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
// A template has a handful of steps: their size doesn't matter, unboxed reads better.
#[allow(clippy::large_enum_variant)]
pub enum Provisioner {
    /// Run shell commands or scripts on the instance.
    #[serde(rename = "shell")]
    Shell(ShellProvisioner),
    /// Upload files or folders to the instance (or download them from it).
    #[serde(rename = "file")]
    File(FileProvisioner),
    /// Run commands or scripts on this computer (not on the instance), in order with the
    /// other provisioners.
    #[serde(rename = "shell-local")]
    ShellLocal(ShellLocal),
    /// Run an Ansible playbook from this computer against the instance (Packer's remote
    /// `ansible` provisioner).
    #[serde(rename = "ansible")]
    Ansible(AnsibleProvisioner),
    /// Upload a playbook and run Ansible on the instance itself (Packer's `ansible-local`).
    #[serde(rename = "ansible-local")]
    AnsibleLocal(AnsibleLocalProvisioner),
}

impl Provisioner {
    /// The provisioner's `type` (`shell`, `file`, `shell-local`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Provisioner::Shell(_) => "shell",
            Provisioner::File(_) => "file",
            Provisioner::ShellLocal(_) => "shell-local",
            Provisioner::Ansible(_) => "ansible",
            Provisioner::AnsibleLocal(_) => "ansible-local",
        }
    }

    /// The builders this provisioner is limited to (`only`) and excluded from (`except`).
    pub fn only_except(&self) -> (Option<&[String]>, Option<&[String]>) {
        match self {
            Provisioner::Shell(s) => (s.only.as_deref(), s.except.as_deref()),
            Provisioner::File(f) => (f.only.as_deref(), f.except.as_deref()),
            Provisioner::ShellLocal(l) => (l.only.as_deref(), l.except.as_deref()),
            Provisioner::Ansible(a) => (a.only.as_deref(), a.except.as_deref()),
            Provisioner::AnsibleLocal(a) => (a.only.as_deref(), a.except.as_deref()),
        }
    }

    /// Its `only` and `except`, to change them (an HCL2 build qualifies the names).
    pub fn only_except_mut(&mut self) -> (&mut Option<Vec<String>>, &mut Option<Vec<String>>) {
        match self {
            Provisioner::Shell(s) => (&mut s.only, &mut s.except),
            Provisioner::File(f) => (&mut f.only, &mut f.except),
            Provisioner::ShellLocal(l) => (&mut l.only, &mut l.except),
            Provisioner::Ansible(a) => (&mut a.only, &mut a.except),
            Provisioner::AnsibleLocal(a) => (&mut a.only, &mut a.except),
        }
    }

    /// Its `max_retries` and `timeout`, which every provisioner has.
    pub fn retries_and_timeout(&self) -> (Option<u32>, Option<&str>) {
        let (retries, timeout) = match self {
            Provisioner::Shell(s) => (s.max_retries, &s.timeout),
            Provisioner::File(f) => (f.max_retries, &f.timeout),
            Provisioner::ShellLocal(l) => (l.max_retries, &l.timeout),
            Provisioner::Ansible(a) => (a.max_retries, &a.timeout),
            Provisioner::AnsibleLocal(a) => (a.max_retries, &a.timeout),
        };
        (retries, timeout.as_deref())
    }

    /// Whether this provisioner runs for the build named `build_name` (see [`runs_for`]).
    pub fn runs_for(&self, build_name: &str) -> bool {
        let (only, except) = self.only_except();
        runs_for(only, except, build_name)
    }
}

/// The name a build answers to in `only`/`except`, `--only`, `{{build_name}}` and what a bake
/// reports, like Packer: the builder's `name`, or its `type` when it has none. An HCL2
/// template's builders are named [`hcl_build_name`] by the HCL2 reader.
pub fn build_name<'a>(name: Option<&'a str>, builder_type: &'a str) -> &'a str {
    name.unwrap_or(builder_type)
}

/// The name of an HCL2 build of the source `source "TYPE" "NAME"`: `TYPE.NAME`
/// (`amazon-ebs.web`), which its build's `sources` refer to as `source.TYPE.NAME`.
pub fn hcl_build_name(builder_type: &str, name: &str) -> String {
    format!("{builder_type}.{name}")
}

/// Whether a step with these `only` / `except` lists runs for the build named `build_name`,
/// as Packer 1.6.6 decides it (`OnlyExcept.Skip`): a non-empty `only` runs it for the builds
/// it names; else a non-empty `except` runs it for the others; an empty or absent list
/// (`"only": []`) limits nothing, so the step runs for every build.
pub fn runs_for(only: Option<&[String]>, except: Option<&[String]>, build_name: &str) -> bool {
    let named = |names: &[String]| names.iter().any(|n| n == build_name);
    match (only, except) {
        (Some(only), _) if !only.is_empty() => named(only),
        (_, Some(except)) if !except.is_empty() => !named(except),
        _ => true,
    }
}

/// The `shell` provisioner's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ShellProvisioner {
    /// Commands to run, one per line of a generated script (instead of `script`/`scripts`).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub inline: Option<Vec<String>>,
    /// A local script file to upload and run (instead of `inline`/`scripts`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub script: Option<String>,
    /// Local script files to upload and run in order (instead of `inline`/`script`).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub scripts: Option<Vec<String>>,
    /// Environment variables for the scripts, each `KEY=value`.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub environment_vars: Option<Vec<String>>,
    /// How each script is run; `{{ .Vars }}` is the environment and `{{ .Path }}` the
    /// uploaded script (default `chmod +x {{.Path}}; {{.Vars}} {{.Path}}`), e.g.
    /// `sudo -E sh -eux '{{ .Path }}'`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub execute_command: Option<String>,
    /// The first line of the script generated from `inline` (default `#!/bin/sh -e`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub inline_shebang: Option<String>,
    /// The folder on the instance where scripts are uploaded (default `/tmp`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub remote_folder: Option<String>,
    /// The script's file name in `remote_folder` (default a name of the bake's).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub remote_file: Option<String>,
    /// The script's whole path on the instance (instead of `remote_folder` + `remote_file`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub remote_path: Option<String>,
    /// Keep the uploaded script on the instance after it ran.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub skip_clean: Option<bool>,
    /// Exit codes that count as success (default `[0]`).
    #[serde(
        deserialize_with = "crate::weak::opt_u32s",
        skip_serializing_if = "Option::is_none"
    )]
    pub valid_exit_codes: Option<Vec<u32>>,
    /// Environment variables as a map; a name also in `environment_vars` takes this value.
    #[serde(
        deserialize_with = "crate::weak::opt_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub env: Option<BTreeMap<String, String>>,
    /// Wait this long after the scripts ran, as a duration (`10s`, `1m`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub pause_after: Option<String>,
    /// The script may reboot the instance or drop the connection: not an error.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub expect_disconnect: Option<bool>,
    /// Wait this long before running, as a duration (`10s`, `1m`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub pause_before: Option<String>,
    /// Run it again up to this many times when it fails.
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_retries: Option<u32>,
    /// Stop it when it runs longer than this duration (`5m`, `1h`): the bake then fails.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<String>,
    /// Run only for these builders (by name).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub only: Option<Vec<String>>,
    /// Run for every builder except these (by name).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub except: Option<Vec<String>>,
    /// Settings that replace this step's for one builder, by builder name (e.g. another
    /// `execute_command` where the login user has no sudo). In a checked template it is
    /// already applied: the step for that builder is a step of its own (`only` it).
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub overrides: Option<BTreeMap<String, ShellProvisioner>>,
}

impl ShellProvisioner {
    /// This step's settings for the builder `name`, its `override` applied.
    pub fn for_builder(&self, name: &str) -> ShellProvisioner {
        with_override(self, self.overrides.as_ref().and_then(|o| o.get(name)))
    }
}

/// The `file` provisioner's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FileProvisioner {
    /// The local file or folder to upload (a folder ending in `/` uploads its content).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub source: Option<String>,
    /// Several local files or folders to upload (instead of `source`).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub sources: Option<Vec<String>>,
    /// A text written to `destination` on the instance (instead of `source`/`sources`); a
    /// destination ending in `/` gets it as `pkr-file-content`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub content: Option<String>,
    /// Where on the instance (or, for a download, locally) the files go. Required.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub destination: Option<String>,
    /// `upload` (default) or `download`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub direction: Option<String>,
    /// Wait this long before running, as a duration (`10s`, `1m`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub pause_before: Option<String>,
    /// Run it again up to this many times when it fails.
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_retries: Option<u32>,
    /// Stop it when it runs longer than this duration (`5m`, `1h`): the bake then fails.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<String>,
    /// Run only for these builders (by name).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub only: Option<Vec<String>>,
    /// Run for every builder except these (by name).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub except: Option<Vec<String>>,
    /// Settings that replace this step's for one builder, by builder name. In a checked
    /// template it is already applied: the step for that builder is a step of its own.
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub overrides: Option<BTreeMap<String, FileProvisioner>>,
}

impl FileProvisioner {
    /// This step's settings for the builder `name`, its `override` applied.
    pub fn for_builder(&self, name: &str) -> FileProvisioner {
        with_override(self, self.overrides.as_ref().and_then(|o| o.get(name)))
    }
}

/// The `ansible` provisioner's settings (Packer's remote Ansible: the playbook runs on this
/// computer and reaches the instance over SSH).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AnsibleProvisioner {
    /// The playbook to run, on this computer. Required.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub playbook_file: Option<String>,
    /// The command that runs the playbook (default `ansible-playbook`); a path to an executable, not a shell line.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub command: Option<String>,
    /// More arguments for `ansible-playbook`, one per item, not passed through a shell (e.g. `--extra-vars`, `env=prod`).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub extra_arguments: Option<Vec<String>>,
    /// Environment variables for Ansible, each `KEY=value` (e.g. `ANSIBLE_NOCOLOR=True`).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub ansible_env_vars: Option<Vec<String>>,
    /// What `--ssh-extra-args` gets (default `-o IdentitiesOnly=yes`).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub ansible_ssh_extra_args: Option<Vec<String>>,
    /// Inventory groups the instance is put in.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub groups: Option<Vec<String>>,
    /// Inventory groups that exist but stay empty.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub empty_groups: Option<Vec<String>>,
    /// The instance's name in the inventory (default `default`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub host_alias: Option<String>,
    /// The `ansible_user` (default: the user running the bake with the adapter; the SSH username without it).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub user: Option<String>,
    /// The first port the SSH adapter tries on 127.0.0.1 (it tries ten from there); any free port when unset.
    #[serde(
        deserialize_with = "crate::weak::opt_u16",
        skip_serializing_if = "Option::is_none"
    )]
    pub local_port: Option<u16>,
    /// A private key the SSH adapter presents as its host key, instead of a one-time key (host key checking then stays on).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_host_key_file: Option<String>,
    /// A public key the SSH adapter accepts, instead of a one-time key pair (its private key is then yours to give Ansible).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ssh_authorized_key_file: Option<String>,
    /// The type of the adapter's one-time keys: `ECDSA` (default) or `RSA`.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ansible_proxy_key_type: Option<String>,
    /// The command run on the instance for Ansible's SFTP (default: the SSH server's own sftp subsystem).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub sftp_command: Option<String>,
    /// Don't run `ansible-playbook --version` before the bake (for an Ansible installed by an earlier step).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub skip_version_check: Option<bool>,
    /// Let Ansible copy files over SFTP; else Packer asks it for scp (`ANSIBLE_SCP_IF_SSH=True`).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub use_sftp: Option<bool>,
    /// The folder the generated inventory is written to (for its `group_vars` and `host_vars`); default a temporary folder.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub inventory_directory: Option<String>,
    /// The generated inventory's host line (default `{{ .HostAlias }} ansible_host={{ .Host }} ansible_user={{ .User }} ansible_port={{ .Port }}`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub inventory_file_template: Option<String>,
    /// An inventory file of your own, instead of the generated one.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub inventory_file: Option<String>,
    /// Keep the generated inventory file after the step.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub keep_inventory_file: Option<bool>,
    /// A requirements file of roles and collections installed with `ansible-galaxy` before the playbook runs.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub galaxy_file: Option<String>,
    /// The command that installs the galaxy file (default `ansible-galaxy`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub galaxy_command: Option<String>,
    /// Overwrite roles and collections already installed (`--force`).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub galaxy_force_install: Option<bool>,
    /// Overwrite them and their dependencies (`--force-with-deps`).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub galaxy_force_with_deps: Option<bool>,
    /// Where `ansible-galaxy` installs roles (`-p`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub roles_path: Option<String>,
    /// Where `ansible-galaxy` installs collections (`-p`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub collections_path: Option<String>,
    /// Carry Ansible's SSH over the bake's own session through an adapter on 127.0.0.1 (default `true`); `false` connects Ansible to the instance directly with the bake's key.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub use_proxy: Option<bool>,
    /// WinRM over HTTP (Windows only: this version bakes over SSH).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub ansible_winrm_use_http: Option<bool>,
    /// Wait this long before running, as a duration (`10s`, `1m`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub pause_before: Option<String>,
    /// Run it again up to this many times when it fails.
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_retries: Option<u32>,
    /// Stop it when it runs longer than this duration (`5m`, `1h`): the bake then fails.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<String>,
    /// Run only for these builders (by name).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub only: Option<Vec<String>>,
    /// Run for every builder except these (by name).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub except: Option<Vec<String>>,
    /// Settings that replace this step's for one builder, by builder name. In a checked
    /// template it is already applied: the step for that builder is a step of its own.
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub overrides: Option<BTreeMap<String, AnsibleProvisioner>>,
}

impl AnsibleProvisioner {
    /// This step's settings for the builder `name`, its `override` applied.
    pub fn for_builder(&self, name: &str) -> AnsibleProvisioner {
        with_override(self, self.overrides.as_ref().and_then(|o| o.get(name)))
    }
}

/// The `ansible-local` provisioner's settings (Ansible installed on the instance runs the
/// uploaded playbook there, `-c local`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AnsibleLocalProvisioner {
    /// The playbook to upload and run (instead of `playbook_files`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub playbook_file: Option<String>,
    /// Playbooks to upload and run in order (instead of `playbook_file`).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub playbook_files: Option<Vec<String>>,
    /// A local folder uploaded as the staging directory first (the whole Ansible tree).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub playbook_dir: Option<String>,
    /// Local folders of playbooks uploaded under the staging directory's `playbooks/`.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub playbook_paths: Option<Vec<String>>,
    /// Local role folders uploaded under the staging directory's `roles/`.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub role_paths: Option<Vec<String>>,
    /// A local `group_vars` folder uploaded beside the playbook.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub group_vars: Option<String>,
    /// A local `host_vars` folder uploaded beside the playbook.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub host_vars: Option<String>,
    /// Where on the instance everything is uploaded (default `/tmp/packer-provisioner-ansible-local/<unique id>`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub staging_directory: Option<String>,
    /// Remove the staging directory once Ansible is done (default `true` here: the playbooks stay out of the image; `false` keeps them).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub clean_staging_directory: Option<bool>,
    /// An inventory file of your own, uploaded (give `--limit` in `extra_arguments`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub inventory_file: Option<String>,
    /// Groups the instance (`127.0.0.1`) is put in, in the generated inventory.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub inventory_groups: Option<Vec<String>>,
    /// A requirements file uploaded and installed with `ansible-galaxy` on the instance before the playbook.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub galaxy_file: Option<String>,
    /// The command that installs the galaxy file on the instance (default `ansible-galaxy`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub galaxy_command: Option<String>,
    /// The command that runs the playbook on the instance (default `ANSIBLE_FORCE_COLOR=1 PYTHONUNBUFFERED=1 ansible-playbook`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub command: Option<String>,
    /// More arguments for `ansible-playbook`, joined with spaces on its command line.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub extra_arguments: Option<Vec<String>>,
    /// Wait this long before running, as a duration (`10s`, `1m`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub pause_before: Option<String>,
    /// Run it again up to this many times when it fails.
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_retries: Option<u32>,
    /// Stop it when it runs longer than this duration (`5m`, `1h`): the bake then fails.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<String>,
    /// Run only for these builders (by name).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub only: Option<Vec<String>>,
    /// Run for every builder except these (by name).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub except: Option<Vec<String>>,
    /// Settings that replace this step's for one builder, by builder name. In a checked
    /// template it is already applied: the step for that builder is a step of its own.
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub overrides: Option<BTreeMap<String, AnsibleLocalProvisioner>>,
}

impl AnsibleLocalProvisioner {
    /// This step's settings for the builder `name`, its `override` applied.
    pub fn for_builder(&self, name: &str) -> AnsibleLocalProvisioner {
        with_override(self, self.overrides.as_ref().and_then(|o| o.get(name)))
    }
}

/// `base` with every setting `over` gives replacing its own (Packer's `override`).
fn with_override<T: Serialize + serde::de::DeserializeOwned + Clone>(
    base: &T,
    over: Option<&T>,
) -> T {
    let Some(over) = over else {
        return base.clone();
    };
    let (Ok(serde_json::Value::Object(mut merged)), Ok(serde_json::Value::Object(changes))) =
        (serde_json::to_value(base), serde_json::to_value(over))
    else {
        return base.clone();
    };
    merged.remove("override");
    for (key, value) in changes {
        if key != "override" {
            merged.insert(key, value);
        }
    }
    serde_json::from_value(serde_json::Value::Object(merged)).unwrap_or_else(|_| base.clone())
}

/// A post-processor: a step that runs after the image is taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
// A template has a handful of post-processors: their size doesn't matter.
#[allow(clippy::large_enum_variant)]
pub enum PostProcessor {
    /// Write a JSON manifest of what was built (AMI ids per region).
    #[serde(rename = "manifest")]
    Manifest(ManifestPostProcessor),
    /// Run commands or scripts on this computer once the image exists (e.g. read the
    /// manifest with `jq`).
    #[serde(rename = "shell-local")]
    ShellLocal(ShellLocal),
}

impl PostProcessor {
    /// The post-processor's `type` (`manifest`, `shell-local`).
    pub fn type_name(&self) -> &'static str {
        match self {
            PostProcessor::Manifest(_) => "manifest",
            PostProcessor::ShellLocal(_) => "shell-local",
        }
    }
}

/// The `manifest` post-processor's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ManifestPostProcessor {
    /// The manifest file to write (default `packer-manifest.json`); runs are appended.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub output: Option<String>,
    /// Write file names without their folders.
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub strip_path: Option<bool>,
    /// Extra key/value pairs written into each build's entry.
    #[serde(
        deserialize_with = "crate::weak::opt_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub custom_data: Option<BTreeMap<String, String>>,
    /// Keep the builder's artifact (always true for AMIs; accepted for compatibility).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub keep_input_artifact: Option<bool>,
}

/// The `shell-local` settings, as a provisioner and as a post-processor: runs on this
/// computer, in the template's folder (a post-processor after the image exists, and after the
/// post-processors before it in its chain). `pause_before` is a provisioner's only and
/// `keep_input_artifact` a post-processor's (see [`ShellLocalStep`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ShellLocal {
    /// One command to run (instead of `inline`/`script`/`scripts`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub command: Option<String>,
    /// Commands to run, one per line of a generated script (instead of `command`/`script`/
    /// `scripts`).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub inline: Option<Vec<String>>,
    /// A local script file to run (instead of `command`/`inline`/`scripts`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub script: Option<String>,
    /// Local script files to run in order (instead of `command`/`inline`/`script`).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub scripts: Option<Vec<String>>,
    /// Environment variables for the scripts, each `KEY=value`.
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub environment_vars: Option<Vec<String>>,
    /// Environment variables as a map; a name also in `environment_vars` takes this value.
    #[serde(
        deserialize_with = "crate::weak::opt_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub env: Option<BTreeMap<String, String>>,
    /// Exit codes that count as success (default `[0]`).
    #[serde(
        deserialize_with = "crate::weak::opt_u32s",
        skip_serializing_if = "Option::is_none"
    )]
    pub valid_exit_codes: Option<Vec<u32>>,
    /// The program and arguments that run each script; `{{.Vars}}` is the environment and
    /// `{{.Script}}` the script (default `["/bin/sh", "-c", "{{.Vars}} {{.Script}}"]`).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub execute_command: Option<Vec<String>>,
    /// The first line of the script generated from `inline`/`command` (default `/bin/sh -e`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub inline_shebang: Option<String>,
    /// Wait this long before running, as a duration (`10s`, `1m`).
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub pause_before: Option<String>,
    /// Run it again up to this many times when it fails.
    #[serde(
        deserialize_with = "crate::weak::opt_u32",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_retries: Option<u32>,
    /// Stop it when it runs longer than this duration (`5m`, `1h`): the bake then fails.
    #[serde(
        deserialize_with = "crate::weak::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<String>,
    /// Run only for these builders (by name).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub only: Option<Vec<String>>,
    /// Run for every builder except these (by name).
    #[serde(
        deserialize_with = "crate::weak::opt_strings",
        skip_serializing_if = "Option::is_none"
    )]
    pub except: Option<Vec<String>>,
    /// Keep the builder's artifact (always true for AMIs; accepted for compatibility).
    #[serde(
        deserialize_with = "crate::weak::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub keep_input_artifact: Option<bool>,
}

/// Where a `shell-local` step runs: its options are [`ShellLocal`]'s but for the one the
/// other kind alone takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellLocalStep {
    /// In `provisioners`, in order with the others.
    Provisioner,
    /// In `post-processors`, once the image exists.
    PostProcessor,
}

impl ShellLocalStep {
    /// The options only the other kind takes.
    pub fn other_kinds_options(self) -> &'static [&'static str] {
        match self {
            ShellLocalStep::Provisioner => &["keep_input_artifact"],
            ShellLocalStep::PostProcessor => &["pause_before", "max_retries", "timeout"],
        }
    }

    /// The options this kind takes, in the model's order.
    pub fn option_names(self) -> Vec<&'static str> {
        let other = self.other_kinds_options();
        option_names::<ShellLocal>()
            .iter()
            .copied()
            .filter(|name| !other.contains(name))
            .collect()
    }
}

/// The option names of a settings struct, read from its serde definition (so the list used
/// for "unknown key" errors can't drift from the model).
pub fn option_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Capture(Option<&'static [&'static str]>);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("stop")
        }
    }
    impl std::error::Error for Stop {}
    impl serde::de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> serde::Deserializer<'de> for &mut Capture {
        type Error = Stop;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0 = Some(fields);
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut capture = Capture(None);
    let _ = T::deserialize(&mut capture);
    capture.0.unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_names_come_from_the_model() {
        let names = option_names::<AmazonEbs>();
        assert!(names.contains(&"ami_name"));
        assert!(names.contains(&"temporary_vpc"));
        assert!(names.contains(&"launch_block_device_mappings"));
        assert_eq!(
            option_names::<AwsPolling>(),
            ["delay_seconds", "max_attempts"]
        );
    }

    #[test]
    fn settings_decode_weakly_like_packer() {
        let ebs: AmazonEbs = serde_json::from_value(serde_json::json!({
            "ssh_port": "2222", "encrypt_boot": "true", "ami_regions": "us-east-1",
            "tags": {"Version": 3}, "secret_key": "abc"
        }))
        .unwrap();
        assert_eq!(ebs.ssh_port, Some(2222));
        assert_eq!(ebs.encrypt_boot, Some(true));
        assert_eq!(ebs.ami_regions, Some(vec!["us-east-1".to_string()]));
        assert_eq!(ebs.tags.unwrap()["Version"], "3");
        assert_eq!(format!("{:?}", ebs.secret_key), "Some(***)");
    }

    #[test]
    fn an_override_replaces_settings_for_one_builder() {
        let shell: ShellProvisioner = serde_json::from_value(serde_json::json!({
            "inline": ["make install"],
            "execute_command": "sudo sh '{{ .Path }}'",
            "override": {"debian": {"execute_command": "sh '{{ .Path }}'"}}
        }))
        .unwrap();
        let debian = shell.for_builder("debian");
        assert_eq!(debian.execute_command.as_deref(), Some("sh '{{ .Path }}'"));
        assert_eq!(debian.inline, shell.inline);
        assert_eq!(debian.overrides, None);
        assert_eq!(
            shell.for_builder("al2023").execute_command,
            shell.execute_command
        );
    }

    #[test]
    fn only_and_except_pick_builds_like_packer() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let web = names(&["web"]);
        assert!(runs_for(Some(&web), None, "web"));
        assert!(!runs_for(Some(&web), None, "db"));
        assert!(!runs_for(None, Some(&web), "web"));
        assert!(runs_for(None, Some(&web), "db"));
        assert!(runs_for(None, None, "db"));
        // Packer 1.6.6: an empty list limits nothing, `"only": []` runs for every build.
        assert!(runs_for(Some(&[]), None, "db"));
        assert!(runs_for(None, Some(&[]), "db"));
        assert!(runs_for(Some(&[]), Some(&[]), "db"));
        // A non-empty `only` decides alone (the checker refuses both together).
        assert!(runs_for(Some(&web), Some(&web), "web"));
        let shell = Provisioner::Shell(ShellProvisioner {
            only: Some(Vec::new()),
            ..ShellProvisioner::default()
        });
        assert!(shell.runs_for("web"));
    }

    #[test]
    fn each_shell_local_kind_takes_the_others_options_but_its_own() {
        let all = option_names::<ShellLocal>();
        for step in [ShellLocalStep::Provisioner, ShellLocalStep::PostProcessor] {
            for name in step.other_kinds_options() {
                assert!(all.contains(name), "{name} is a ShellLocal option");
            }
            assert_eq!(
                step.option_names().len(),
                all.len() - step.other_kinds_options().len()
            );
        }
        assert!(
            !ShellLocalStep::PostProcessor
                .option_names()
                .contains(&"max_retries")
        );
    }

    #[test]
    fn builder_name_defaults_to_its_type() {
        let b = Builder::AmazonEbs(Box::default());
        assert_eq!(b.name(), "amazon-ebs");
        let b = Builder::AmazonEbs(Box::new(AmazonEbs {
            name: Some("web".into()),
            ..AmazonEbs::default()
        }));
        assert_eq!(b.name(), "web");
    }
}
