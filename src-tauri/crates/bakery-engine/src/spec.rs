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
        /// EC2 filters, name to accepted values (`name`, `virtualization-type`…).
        filters: BTreeMap<String, Vec<String>>,
        /// Accounts (or `self`, `amazon`, an alias) whose images count.
        owners: Vec<String>,
        /// Take the newest of several matches; without it several matches are an error.
        most_recent: bool,
    },
}

/// How the engine reaches the instance.
#[derive(Debug, Clone, PartialEq)]
pub struct SshSpec {
    /// `ssh_username`: the user SSH logs in as.
    pub username: String,
    /// `ssh_host`: overrides the instance's address (the sandbox uses 127.0.0.1).
    pub host: Option<String>,
    /// `ssh_port`.
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
    /// `ssh_bastion_host`.
    pub host: String,
    /// `ssh_bastion_port`.
    pub port: u16,
    /// `ssh_bastion_username`.
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
// A bake has a handful of steps: their size doesn't matter, unboxed reads better.
#[allow(clippy::large_enum_variant)]
pub enum Provisioner {
    /// `shell`: commands or scripts run on the instance.
    Shell(ShellProvisioner),
    /// `file`: upload `source` (a file) to `destination`.
    File {
        /// The file on this machine.
        source: PathBuf,
        /// Where it goes on the instance.
        destination: String,
    },
    /// `file` with `direction: "download"`: copy `source` (a file, or a folder with a
    /// trailing slash or found to be one) from the instance to `destination` on this machine
    /// (a folder when it ends with a slash), with Packer's rules.
    Download {
        /// The file or folder on the instance.
        source: String,
        /// Where it goes on this machine.
        destination: PathBuf,
    },
    /// `file` with `content`: the text written to `destination` on the instance.
    Content {
        /// The text.
        content: String,
        /// Where it goes (`pkr-file-content` in it when it ends with `/`).
        destination: String,
    },
    /// `shell-local`: runs on this machine.
    ShellLocal(LocalShell),
    /// A step's `pause_before` where the step has no pause of its own (the file
    /// provisioner): wait this long before the next step.
    Pause(Duration),
    /// `ansible`: `ansible-playbook` runs on this machine against the instance.
    Ansible(AnsibleSpec),
    /// `ansible-local`: the playbook is uploaded and Ansible runs on the instance.
    AnsibleLocal(AnsibleLocalSpec),
    /// A step with `max_retries` or `timeout`: run again up to `max_retries` times when it
    /// fails (at once, as Packer does), each run stopped after `timeout`.
    Limited {
        /// The step.
        step: Box<Provisioner>,
        /// `max_retries`.
        max_retries: u32,
        /// `timeout`.
        timeout: Option<Duration>,
    },
}

/// The `ansible-local` provisioner: what is uploaded where, and how Ansible is run there.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnsibleLocalSpec {
    /// `playbook_file`: uploaded beside the inventory and run.
    pub playbook_file: Option<PathBuf>,
    /// `playbook_files`, run in order (those in `playbook_dir` are uploaded with it).
    pub playbook_files: Vec<PathBuf>,
    /// `playbook_dir`: uploaded as the staging directory first.
    pub playbook_dir: Option<PathBuf>,
    /// `playbook_paths`: uploaded under `playbooks/`.
    pub playbook_paths: Vec<PathBuf>,
    /// `role_paths`: uploaded under `roles/`.
    pub role_paths: Vec<PathBuf>,
    /// `group_vars`.
    pub group_vars: Option<PathBuf>,
    /// `host_vars`.
    pub host_vars: Option<PathBuf>,
    /// `staging_directory` (default `/tmp/packer-provisioner-ansible-local/<bake>-<step>`).
    pub staging_directory: Option<String>,
    /// `clean_staging_directory` (default true: the playbooks stay out of the image).
    pub clean_staging_directory: bool,
    /// `inventory_file`: the user's, uploaded.
    pub inventory_file: Option<PathBuf>,
    /// `inventory_groups`.
    pub inventory_groups: Vec<String>,
    /// `galaxy_file`, uploaded and installed into the staging directory's `roles/`.
    pub galaxy_file: Option<PathBuf>,
    /// `galaxy_command` (default `ansible-galaxy`).
    pub galaxy_command: Option<String>,
    /// `command`: a shell command line on the instance.
    pub command: Option<String>,
    /// `extra_arguments`, joined with spaces.
    pub extra_arguments: Vec<String>,
    /// `pause_before`.
    pub pause_before: Duration,
}

/// The `ansible` provisioner (Packer's remote Ansible), its paths resolved.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnsibleSpec {
    /// `playbook_file`.
    pub playbook_file: PathBuf,
    /// `command` (default `ansible-playbook`).
    pub command: Option<String>,
    /// `extra_arguments`, in order, before the inventory and the playbook.
    pub extra_arguments: Vec<String>,
    /// `ansible_env_vars`: `NAME=value` pairs set for Ansible.
    pub env_vars: Vec<(String, String)>,
    /// `ansible_ssh_extra_args` (default `-o IdentitiesOnly=yes`).
    pub ssh_extra_args: Vec<String>,
    /// `groups`: the inventory groups the instance is in.
    pub groups: Vec<String>,
    /// `empty_groups`: groups in the inventory with no host.
    pub empty_groups: Vec<String>,
    /// `host_alias` (default `default`).
    pub host_alias: Option<String>,
    /// `user`: the `ansible_user`.
    pub user: Option<String>,
    /// `local_port`: the first port the adapter tries.
    pub local_port: Option<u16>,
    /// `ssh_host_key_file`: the adapter's host key instead of a one-time one.
    pub ssh_host_key_file: Option<PathBuf>,
    /// `ssh_authorized_key_file`: the public key the adapter accepts instead of a one-time
    /// key pair.
    pub ssh_authorized_key_file: Option<PathBuf>,
    /// `ansible_proxy_key_type` RSA (else ECDSA).
    pub rsa_adapter_keys: bool,
    /// `sftp_command`: run on the instance for Ansible's SFTP, instead of the subsystem.
    pub sftp_command: Option<String>,
    /// `skip_version_check`.
    pub skip_version_check: bool,
    /// `use_sftp`: else Ansible is asked for scp, as Packer does.
    pub use_sftp: bool,
    /// `inventory_directory`: where the generated inventory goes.
    pub inventory_directory: Option<PathBuf>,
    /// `inventory_file_template`: the generated inventory's host line.
    pub inventory_file_template: Option<String>,
    /// `inventory_file`: the user's own inventory.
    pub inventory_file: Option<PathBuf>,
    /// `keep_inventory_file`.
    pub keep_inventory_file: bool,
    /// `galaxy_file` and its settings.
    pub galaxy: Option<GalaxySpec>,
    /// `use_proxy` (default true): through the adapter; false connects Ansible directly.
    pub use_proxy: bool,
    /// `pause_before`.
    pub pause_before: Duration,
    /// Where Ansible runs (the folder relative paths are resolved against).
    pub working_dir: PathBuf,
}

/// `galaxy_file`: roles and collections installed by `ansible-galaxy` before the playbook.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GalaxySpec {
    /// The requirements file.
    pub file: PathBuf,
    /// `galaxy_command` (default `ansible-galaxy`).
    pub command: Option<String>,
    /// `galaxy_force_install`.
    pub force: bool,
    /// `galaxy_force_with_deps`.
    pub force_with_deps: bool,
    /// `roles_path`.
    pub roles_path: Option<PathBuf>,
    /// `collections_path`.
    pub collections_path: Option<PathBuf>,
}

impl Provisioner {
    /// The step itself, without its retries and timeout.
    pub fn unlimited(&self) -> &Provisioner {
        match self {
            Self::Limited { step, .. } => step.unlimited(),
            other => other,
        }
    }

    /// Its type as a template names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Shell(_) => "shell",
            Self::File { .. } | Self::Download { .. } | Self::Content { .. } => "file",
            Self::ShellLocal(_) => "shell-local",
            Self::Pause(_) => "pause",
            Self::Ansible(_) => "ansible",
            Self::AnsibleLocal(_) => "ansible-local",
            Self::Limited { step, .. } => step.kind(),
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
            Self::Content { destination, .. } => format!("file: content → {destination}"),
            Self::ShellLocal(local) if local.scripts.is_empty() => {
                format!("shell-local: inline ({})", lines(local.inline.len()))
            }
            Self::ShellLocal(local) => format!("shell-local: {} script(s)", local.scripts.len()),
            Self::Pause(duration) => format!("pause {}", humantime::format_duration(*duration)),
            Self::Ansible(ansible) => format!(
                "ansible: {}",
                ansible
                    .playbook_file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| ansible.playbook_file.display().to_string())
            ),
            Self::Limited { step, .. } => step.title(),
            Self::AnsibleLocal(local) => format!(
                "ansible-local: {}",
                local
                    .playbook_file
                    .iter()
                    .chain(&local.playbook_files)
                    .map(|p| p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
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
    /// `environment_vars`: `NAME=value` pairs set for each script, in order.
    pub environment_vars: Vec<(String, String)>,
    /// Program and arguments (default `["/bin/sh", "-c", "{{.Vars}} {{.Script}}"]`).
    pub execute_command: Option<Vec<String>>,
    /// `inline_shebang`: the first line of the script made from `inline` (default `/bin/sh -e`).
    pub inline_shebang: Option<String>,
    /// `pause_before`: how long to wait before it runs.
    pub pause_before: Duration,
    /// Where the commands run (the template's folder).
    pub working_dir: PathBuf,
    /// `valid_exit_codes` (empty: only 0).
    pub valid_exit_codes: Vec<u32>,
}

/// One post-processor, in the order of the template's chains.
#[derive(Debug, Clone, PartialEq)]
pub enum PostProcessor {
    /// Packer's manifest: append this build to the JSON file at `output`.
    Manifest {
        /// The manifest file.
        output: PathBuf,
        /// `custom_data`: written into this build's entry.
        custom_data: BTreeMap<String, String>,
    },
    /// `shell-local`: commands run on this machine after the image exists.
    ShellLocal(LocalShell),
}

/// `subnet_filter`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SubnetFilterSpec {
    /// EC2 filters, name to accepted values.
    pub filters: BTreeMap<String, Vec<String>>,
    /// Several matches: which one (`most_free`, else `random`); `None`: several are an error.
    pub pick: Option<SubnetPick>,
}

/// `shell`: inline commands and/or script files run on the instance.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShellProvisioner {
    /// `inline`: commands, run as one script.
    pub inline: Vec<String>,
    /// Local script files, run in order.
    pub scripts: Vec<PathBuf>,
    /// `environment_vars`: `NAME=value` pairs set for each script, in order.
    pub environment_vars: Vec<(String, String)>,
    /// Packer's `execute_command` with `{{.Vars}}` and `{{.Path}}`.
    pub execute_command: Option<String>,
    /// `inline_shebang`: the first line of the script made from `inline` (default `/bin/sh -e`).
    pub inline_shebang: Option<String>,
    /// `remote_folder`: where scripts are uploaded on the instance (default `/tmp`).
    pub remote_folder: Option<String>,
    /// The command may drop the connection (a reboot): not a failure.
    pub expect_disconnect: bool,
    /// `pause_before`: how long to wait before it runs.
    pub pause_before: Duration,
    /// `remote_path`, or `remote_folder` + `remote_file`: where the script goes (default a
    /// name of the bake's in `/tmp`).
    pub remote_path: Option<String>,
    /// `remote_file`: the script's name in the folder.
    pub remote_file: Option<String>,
    /// `skip_clean`: the script stays on the instance.
    pub skip_clean: bool,
    /// `valid_exit_codes` (empty: only 0).
    pub valid_exit_codes: Vec<u32>,
}

/// The address ranges of a temporary VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporaryVpcSpec {
    /// The VPC's range (default `10.0.0.0/16`).
    pub cidr_block: String,
    /// Its subnet's range, inside the VPC's (default `10.0.1.0/24`).
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
    /// How many polls before the wait fails.
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
    /// The build's name (`name`, else `amazon-ebs`): the history and events name the bake by it.
    pub build_name: String,
    /// The region the instance runs and the image is made in.
    pub region: String,
    /// `source_ami` or `source_ami_filter`; without either the bake fails at its source-image
    /// step.
    pub source: Option<SourceImage>,
    /// `instance_type` of the source instance.
    pub instance_type: String,
    /// `spot_price` (with `spot_instance_types`, `spot_tags`): launch a spot instance.
    pub spot: Option<SpotSpec>,
    /// Credentials the template names for this builder; the front end turns them into the
    /// SDK configuration it passes in.
    pub credentials: TemplateCredentials,
    /// `ami_name`: the image's name, free in every target region.
    pub ami_name: String,
    /// `ami_description`.
    pub ami_description: Option<String>,
    /// How SSH reaches the instance.
    pub ssh: SshSpec,
    /// `communicator: "none"`: the bake never connects to the instance (no SSH wait, no
    /// SSH rule in the temporary security group); only `shell-local` provisioners run.
    pub communicator: Communicator,
    /// `subnet_id`: launch in this subnet.
    pub subnet_id: Option<String>,
    /// `vpc_id`: the VPC of the temporary security group.
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
    /// `security_group_id(s)`: existing groups instead of a temporary one.
    pub security_group_ids: Vec<String>,
    /// CIDRs allowed to SSH to the temporary security group (default: the operator's /32).
    pub ssh_source_cidrs: Vec<String>,
    /// Where to look up the operator's public address for the default /32 (a URL that
    /// answers with the address as text). `None`: [`DEFAULT_PUBLIC_IP_URL`], except when
    /// SSH goes to this machine (`ssh_host` 127.0.0.1: the sandbox, a tunnel).
    pub public_ip_lookup_url: Option<String>,
    /// `associate_public_ip_address`; `None` leaves it to the subnet.
    pub associate_public_ip_address: Option<bool>,
    /// `iam_instance_profile`: the role the instance runs with.
    pub iam_instance_profile: Option<String>,
    /// `user_data` (or the contents of `user_data_file`).
    pub user_data: Option<String>,
    /// `tags`: on the image and its snapshots.
    pub tags: BTreeMap<String, String>,
    /// `run_tags`: on the source instance.
    pub run_tags: BTreeMap<String, String>,
    /// `snapshot_tags`: on the image's snapshots.
    pub snapshot_tags: BTreeMap<String, String>,
    /// The provisioners, in order, `only`/`except` applied.
    pub provisioners: Vec<Provisioner>,
    /// Volumes of the source instance (`launch_block_device_mappings`).
    pub launch_block_device_mappings: Vec<BlockDevice>,
    /// Volumes recorded in the image (`ami_block_device_mappings`).
    pub ami_block_device_mappings: Vec<BlockDevice>,
    /// Tags of the source instance's volumes (`run_volume_tags`).
    pub run_volume_tags: BTreeMap<String, String>,
    /// `ena_support`: mark the image for enhanced networking (ENA).
    pub ena_support: Option<bool>,
    /// `sriov_support`: mark the image for SR-IOV enhanced networking.
    pub sriov_support: Option<bool>,
    /// `metadata_options`: the instance metadata service settings (IMDSv2, hops).
    pub metadata_options: Option<MetadataOptions>,
    /// `shutdown_behavior`: `stop` (default) or `terminate`.
    pub shutdown_behavior: Option<ShutdownBehavior>,
    /// `ami_regions`: copy the image to these regions.
    pub ami_regions: Vec<String>,
    /// `ami_users`: accounts the image is shared with.
    pub ami_users: Vec<String>,
    /// `ami_groups`: groups the image is shared with (`all`: public).
    pub ami_groups: Vec<String>,
    /// `ami_org_arns`: AWS Organizations the image is shared with.
    pub ami_org_arns: Vec<String>,
    /// `ami_ou_arns`: organizational units the image is shared with.
    pub ami_ou_arns: Vec<String>,
    /// `snapshot_groups`: groups that may create volumes from the snapshots (`all`).
    pub snapshot_groups: Vec<String>,
    /// `imds_support` (`v2.0`): set on the image and each copy.
    pub imds_support: Option<String>,
    /// `ebs_optimized`: the build instance is launched EBS-optimized.
    pub ebs_optimized: bool,
    /// `encrypt_boot`: the image's boot volume is encrypted.
    pub encrypt_boot: bool,
    /// `kms_key_id`: the KMS key that encrypts it (the account's default key when unset).
    pub kms_key_id: Option<String>,
    /// The KMS key for each copy's region (`region_kms_key_ids`).
    pub region_kms_key_ids: BTreeMap<String, String>,
    /// Accounts that may create volumes from the snapshots (`snapshot_users`).
    pub snapshot_users: Vec<String>,
    /// `force_deregister`: an image of the same name is deregistered first instead of failing.
    pub force_deregister: bool,
    /// `force_delete_snapshot`: with `force_deregister`, its snapshots are deleted too.
    pub force_delete_snapshot: bool,
    /// `aws_polling`: how waits poll EC2.
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
            Provisioner::Content {
                content,
                destination,
            } => Provisioner::Content {
                content: fill(content),
                destination: fill(destination),
            },
            Provisioner::Pause(duration) => Provisioner::Pause(*duration),
            Provisioner::Ansible(ansible) => Provisioner::Ansible(AnsibleSpec {
                extra_arguments: ansible.extra_arguments.iter().map(fill).collect(),
                env_vars: fill_env(&ansible.env_vars),
                ..ansible.clone()
            }),
            Provisioner::Limited {
                step,
                max_retries,
                timeout,
            } => Provisioner::Limited {
                step: Box::new(step.with_build_variables(vars)),
                max_retries: *max_retries,
                timeout: *timeout,
            },
            Provisioner::AnsibleLocal(local) => Provisioner::AnsibleLocal(AnsibleLocalSpec {
                extra_arguments: local.extra_arguments.iter().map(fill).collect(),
                command: local.command.as_ref().map(fill),
                ..local.clone()
            }),
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
    /// `profile`: the AWS profile the builder names.
    pub profile: Option<String>,
    /// `access_key` and `secret_key` (and `token`) written in the template.
    pub static_keys: Option<StaticKeys>,
    /// `assume_role`: a role assumed on top of the credentials.
    pub assume_role: Option<RoleSpec>,
}

/// `access_key` + `secret_key` (+ `token`).
#[derive(Debug, Clone, PartialEq)]
pub struct StaticKeys {
    /// `access_key`.
    pub access_key: String,
    /// `secret_key`, redacted when printed.
    pub secret_key: Secret,
    /// `token`: a session token, for temporary keys.
    pub token: Option<Secret>,
}

/// `assume_role`: a role assumed with the credentials found otherwise.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoleSpec {
    /// `role_arn`: the role assumed.
    pub role_arn: String,
    /// `session_name`: how the session shows in CloudTrail.
    pub session_name: Option<String>,
    /// `external_id`: what the role's trust policy asks for, if anything.
    pub external_id: Option<String>,
    /// `duration_seconds`: how long the session lasts.
    pub duration_seconds: Option<u32>,
    /// `policy`: an inline session policy narrowing the role's permissions.
    pub policy: Option<String>,
}
