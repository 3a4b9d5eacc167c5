//! What one bake does, fully rendered: the engine's input. The template crate's model is
//! turned into a `BakeSpec` per builder; the engine never sees template syntax.

use std::collections::BTreeMap;

pub use bakery_template::Secret;
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
    /// `ssh_interface`: which of the instance's addresses SSH goes to.
    pub interface: Option<SshInterface>,
    /// `ssh_bastion_*`: reach the instance through this jump host.
    pub bastion: Option<BastionSpec>,
    /// `ssh_pty`: run the shell provisioner's commands under a pseudo-terminal.
    pub pty: bool,
}

/// `ssh_interface`: which of the instance's addresses SSH goes to (none set: the public IP,
/// else the private one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshInterface {
    /// `public_ip`.
    PublicIp,
    /// `private_ip`.
    PrivateIp,
    /// `public_dns`.
    PublicDns,
    /// `private_dns`.
    PrivateDns,
}

impl SshInterface {
    /// The interface a template names (`public_ip`, …); `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "public_ip" => Self::PublicIp,
            "private_ip" => Self::PrivateIp,
            "public_dns" => Self::PublicDns,
            "private_dns" => Self::PrivateDns,
            _ => return None,
        })
    }
}

/// How the bake talks to the instance (`communicator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Communicator {
    /// Over SSH (the default).
    #[default]
    Ssh,
    /// `communicator: "none"`: never; only `shell-local` provisioners run.
    None,
}

/// Which subnet `subnet_filter` takes when several match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubnetPick {
    /// `most_free`: the one with the most free addresses.
    MostFree,
    /// `random`: one at random.
    Random,
}

/// What the instance does when it shuts itself down (`shutdown_behavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownBehavior {
    /// `stop` (EC2's default).
    Stop,
    /// `terminate`.
    Terminate,
}

impl ShutdownBehavior {
    /// The behaviour a template names (`stop`, `terminate`); `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "stop" => Some(Self::Stop),
            "terminate" => Some(Self::Terminate),
            _ => None,
        }
    }

    /// EC2's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stop => "stop",
            Self::Terminate => "terminate",
        }
    }
}

/// A jump host: the engine logs in to it and tunnels the instance's SSH connection through
/// it (a `direct-tcpip` channel, like `ssh -J`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BastionSpec {
    pub host: String,
    pub port: u16,
    pub username: String,
    /// `ssh_bastion_private_key_file` (or `ssh_private_key_file`).
    pub private_key_file: Option<PathBuf>,
    /// `ssh_bastion_agent_auth`: the SSH agent at this socket (the CLI passes
    /// `SSH_AUTH_SOCK`).
    pub agent_socket: Option<PathBuf>,
    /// `ssh_bastion_password`.
    pub password: Option<Secret>,
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
    /// `file` with `direction: "download"`: copy `source` (a file, or a folder with a
    /// trailing slash or found to be one) from the instance to `destination` on this machine
    /// (a folder when it ends with a slash), with Packer's rules.
    Download {
        source: String,
        destination: PathBuf,
    },
    /// `shell-local`: runs on this machine.
    ShellLocal(LocalShell),
    /// A step's `pause_before` where the step has no pause of its own (the file
    /// provisioner): wait this long before the next step.
    Pause(Duration),
}

impl Provisioner {
    /// Its type as a template names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Shell(_) => "shell",
            Self::File { .. } | Self::Download { .. } => "file",
            Self::ShellLocal(_) => "shell-local",
            Self::Pause(_) => "pause",
        }
    }

    /// What it does, in a few words (the log's group heading).
    pub fn title(&self) -> String {
        fn lines(n: usize) -> String {
            if n == 1 {
                "1 line".into()
            } else {
                format!("{n} lines")
            }
        }
        match self {
            Self::Shell(shell) if shell.scripts.is_empty() => {
                format!("shell: inline ({})", lines(shell.inline.len()))
            }
            Self::Shell(shell) => {
                let names: Vec<String> = shell
                    .scripts
                    .iter()
                    .map(|p| {
                        p.file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_else(|| p.display().to_string())
                    })
                    .collect();
                format!("shell: {}", names.join(", "))
            }
            Self::File {
                source,
                destination,
            } => format!("file: {} → {destination}", source.display()),
            Self::Download {
                source,
                destination,
            } => format!("file: {source} → {} (download)", destination.display()),
            Self::ShellLocal(local) if local.scripts.is_empty() => {
                format!("shell-local: inline ({})", lines(local.inline.len()))
            }
            Self::ShellLocal(local) => format!("shell-local: {} script(s)", local.scripts.len()),
            Self::Pause(duration) => format!("pause {}", humantime::format_duration(*duration)),
        }
    }
}

/// `shell-local` (provisioner or post-processor): commands or scripts run on the operator's
/// machine, like Packer's: each script is run by `execute_command` with `{{.Vars}}` and
/// `{{.Script}}` filled in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LocalShell {
    /// `inline` (or `command`, as one line): written to a temporary script.
    pub inline: Vec<String>,
    /// Script files, run in order.
    pub scripts: Vec<PathBuf>,
    pub environment_vars: Vec<(String, String)>,
    /// Program and arguments (default `["/bin/sh", "-c", "{{.Vars}} {{.Script}}"]`).
    pub execute_command: Option<Vec<String>>,
    pub inline_shebang: Option<String>,
    pub pause_before: Duration,
    /// Where the commands run (the template's folder).
    pub working_dir: PathBuf,
}

/// One post-processor, in the order of the template's chains.
#[derive(Debug, Clone, PartialEq)]
pub enum PostProcessor {
    /// Packer's manifest: append this build to the JSON file at `output`.
    Manifest {
        output: PathBuf,
        /// `custom_data`: written into this build's entry.
        custom_data: BTreeMap<String, String>,
    },
    ShellLocal(LocalShell),
}

/// `subnet_filter`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SubnetFilterSpec {
    pub filters: BTreeMap<String, Vec<String>>,
    /// Several matches: which one (`most_free`, else `random`); `None`: several are an error.
    pub pick: Option<SubnetPick>,
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

/// A spot instance instead of an on-demand one (`spot_price`), the way Packer's amazon-ebs
/// launches it: a launch template made for the bake and an instant EC2 Fleet of one spot
/// instance over it, EC2 picking among `instance_types`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpotSpec {
    /// `spot_price`: the most to pay per hour; `None` for `auto` (the on-demand price caps).
    pub max_price: Option<String>,
    /// `spot_instance_types`, or the one `instance_type`: one fleet override each.
    pub instance_types: Vec<String>,
    /// `spot_tags`: on the launch template and the spot request (not the instance).
    pub tags: BTreeMap<String, String>,
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
    /// `spot_price` (with `spot_instance_types`, `spot_tags`): launch a spot instance.
    pub spot: Option<SpotSpec>,
    /// Credentials the template names for this builder; the front end turns them into the
    /// SDK configuration it passes in.
    pub credentials: TemplateCredentials,
    pub ami_name: String,
    pub ami_description: Option<String>,
    pub ssh: SshSpec,
    /// `communicator: "none"`: the bake never connects to the instance (no SSH wait, no
    /// SSH rule in the temporary security group); only `shell-local` provisioners run.
    pub communicator: Communicator,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    /// `subnet_filter` (only when `subnet_id` is not set, like Packer).
    pub subnet_filter: Option<SubnetFilterSpec>,
    /// `vpc_filter`'s filters (only when `vpc_id` is not set): exactly one VPC must match.
    pub vpc_filter: Option<BTreeMap<String, Vec<String>>>,
    /// `security_group_filter`'s filters (only without `security_group_id(s)`): every group
    /// that matches in the bake's VPC.
    pub security_group_filter: Option<BTreeMap<String, Vec<String>>>,
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
    pub shutdown_behavior: Option<ShutdownBehavior>,
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
    /// The post-processors for this build, chains in order (`only`/`except` applied).
    pub post_processors: Vec<PostProcessor>,
}

impl Default for SshSpec {
    fn default() -> Self {
        Self {
            username: "ec2-user".into(),
            host: None,
            port: 22,
            timeout: Duration::from_secs(300),
            interface: None,
            bastion: None,
            pty: false,
        }
    }
}

impl BakeSpec {
    /// Whether a name, description or tag holds a build-time variable (`{{ .SourceAMI }}`).
    pub fn uses_build_variables(&self) -> bool {
        let maps = [
            &self.tags,
            &self.run_tags,
            &self.run_volume_tags,
            &self.snapshot_tags,
            self.spot.as_ref().map_or(&self.snapshot_tags, |s| &s.tags),
        ];
        self.ami_name.contains("{{")
            || self
                .ami_description
                .as_deref()
                .is_some_and(|d| d.contains("{{"))
            || maps
                .iter()
                .any(|m| m.iter().any(|(k, v)| k.contains("{{") || v.contains("{{")))
    }

    /// This spec with Packer's build-time variables filled in the AMI name, description and
    /// every tag (keys and values), as Packer's amazon-ebs builder does.
    pub fn with_build_variables(&self, vars: &BTreeMap<String, String>) -> BakeSpec {
        let fill = |text: &str| crate::build_variables::fill_build_variables(text, vars);
        let fill_map = |map: &BTreeMap<String, String>| -> BTreeMap<String, String> {
            map.iter().map(|(k, v)| (fill(k), fill(v))).collect()
        };
        BakeSpec {
            ami_name: fill(&self.ami_name),
            ami_description: self.ami_description.as_deref().map(fill),
            tags: fill_map(&self.tags),
            run_tags: fill_map(&self.run_tags),
            run_volume_tags: fill_map(&self.run_volume_tags),
            snapshot_tags: fill_map(&self.snapshot_tags),
            spot: self.spot.as_ref().map(|spot| SpotSpec {
                tags: fill_map(&spot.tags),
                ..spot.clone()
            }),
            ..self.clone()
        }
    }
}

impl Provisioner {
    /// This step with the `build` function's values filled (`{{ build `ID` }}`, ...).
    pub fn with_build_variables(&self, vars: &BTreeMap<String, String>) -> Provisioner {
        let fill = |text: &String| crate::build_variables::fill_build_variables(text, vars);
        let fill_env = |env: &[(String, String)]| -> Vec<(String, String)> {
            env.iter().map(|(k, v)| (k.clone(), fill(v))).collect()
        };
        match self {
            Provisioner::Shell(shell) => Provisioner::Shell(ShellProvisioner {
                inline: shell.inline.iter().map(fill).collect(),
                environment_vars: fill_env(&shell.environment_vars),
                execute_command: shell.execute_command.as_ref().map(fill),
                ..shell.clone()
            }),
            Provisioner::File {
                source,
                destination,
            } => Provisioner::File {
                source: source.clone(),
                destination: fill(destination),
            },
            Provisioner::Download {
                source,
                destination,
            } => Provisioner::Download {
                source: fill(source),
                destination: destination.clone(),
            },
            Provisioner::Pause(duration) => Provisioner::Pause(*duration),
            Provisioner::ShellLocal(local) => Provisioner::ShellLocal(LocalShell {
                inline: local.inline.iter().map(fill).collect(),
                environment_vars: fill_env(&local.environment_vars),
                ..local.clone()
            }),
        }
    }
}

/// `profile`, `access_key`/`secret_key`/`token` and `assume_role` of an amazon-ebs builder.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TemplateCredentials {
    pub profile: Option<String>,
    pub static_keys: Option<StaticKeys>,
    pub assume_role: Option<RoleSpec>,
}

/// `access_key` + `secret_key` (+ `token`).
#[derive(Debug, Clone, PartialEq)]
pub struct StaticKeys {
    pub access_key: String,
    pub secret_key: Secret,
    pub token: Option<Secret>,
}

/// `assume_role`: a role assumed with the credentials found otherwise.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoleSpec {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration_seconds: Option<u32>,
    pub policy: Option<String>,
}
