//! From a checked template to the bakes it asks for: one [`BakeSpec`] per amazon-ebs builder
//! (filtered by `--only`), with its provisioners (`only`/`except` applied) and the manifest.
//! The template crate has rendered every string already; this maps options to the engine's
//! types and resolves local paths against the template's folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bakery_template::model::{self, Builder, PostProcessor};
use bakery_template::{Template, go_duration};

use crate::EngineError;
pub use crate::build_variables::fill_build_variables;
use crate::spec::{
    AnsibleLocalSpec, AnsibleSpec, BakeSpec, BastionSpec, Communicator, GalaxySpec, LocalShell,
    Polling, PostProcessor as PostProcessorSpec, Provisioner, RoleSpec, ShellProvisioner,
    ShutdownBehavior, SourceImage, SpotSpec, SshInterface, SshSpec, StaticKeys, SubnetFilterSpec,
    SubnetPick, TemplateCredentials, TemporaryVpcSpec,
};

/// Whether the builder asks to log in through the SSH agent (`ssh_agent_auth`).
pub fn wants_agent(template: &Template, build: &str) -> bool {
    template.builders.iter().any(|builder| {
        let Builder::AmazonEbs(ebs) = builder;
        builder.name() == build && ebs.ssh_agent_auth == Some(true)
    })
}

/// Whether the builder logs in to its bastion through the SSH agent
/// (`ssh_bastion_agent_auth`).
pub fn wants_bastion_agent(template: &Template, build: &str) -> bool {
    template.builders.iter().any(|builder| {
        let Builder::AmazonEbs(ebs) = builder;
        builder.name() == build
            && ebs
                .ssh_bastion_host
                .as_deref()
                .is_some_and(|h| !h.is_empty())
            && ebs.ssh_bastion_agent_auth == Some(true)
    })
}

/// The bakes a template asks for. `only` keeps the named builds (all when empty).
pub fn bake_specs(
    template: &Template,
    template_dir: &Path,
    only: &[String],
) -> Result<Vec<BakeSpec>, EngineError> {
    let mut specs = Vec::new();
    for builder in &template.builders {
        let Builder::AmazonEbs(ebs) = builder;
        let name = builder.name().to_string();
        if !only.is_empty() && !only.contains(&name) {
            continue;
        }
        specs.push(spec_for(template, ebs, &name, template_dir)?);
    }
    if specs.is_empty() {
        return Err(EngineError::Preflight(if only.is_empty() {
            "the template has no amazon-ebs builder to bake".into()
        } else {
            format!("no builder is named {only:?}")
        }));
    }
    Ok(specs)
}

/// What planning takes from the machine the bake runs on, passed in (boundary rule 5) and
/// never read from the process here: the SSH agent, the public-address lookup, a region that
/// overrides the template's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanEnvironment {
    /// The SSH agent's socket (`SSH_AUTH_SOCK`), for `ssh_agent_auth` and
    /// `ssh_bastion_agent_auth`.
    pub ssh_agent_socket: Option<PathBuf>,
    /// Where the temporary security group asks for this machine's public address.
    pub public_ip_lookup_url: Option<String>,
    /// Bake in this region instead of the template's (`bakery bake --region`).
    pub region: Option<String>,
}

/// The bakes a template asks for, planned for `env`: every spec carries the region, agent
/// socket and lookup address it will use. A build that logs in through an agent when none
/// runs is refused here, before anything is created.
pub fn bake_specs_in(
    template: &Template,
    template_dir: &Path,
    only: &[String],
    env: &PlanEnvironment,
) -> Result<Vec<BakeSpec>, EngineError> {
    let mut specs = bake_specs(template, template_dir, only)?;
    for spec in &mut specs {
        if let Some(region) = &env.region {
            spec.region = region.clone();
        }
        spec.public_ip_lookup_url = env.public_ip_lookup_url.clone();
        let agent = || env.ssh_agent_socket.clone();
        if wants_agent(template, &spec.build_name) {
            spec.ssh_agent_socket = Some(agent().ok_or_else(|| {
                EngineError::Preflight(
                    "ssh_agent_auth is set but no SSH agent runs (SSH_AUTH_SOCK is empty): start ssh-agent and ssh-add the key".into(),
                )
            })?);
        }
        if wants_bastion_agent(template, &spec.build_name)
            && let Some(bastion) = spec.ssh.bastion.as_mut()
        {
            bastion.agent_socket = Some(agent().ok_or_else(|| {
                EngineError::Preflight(
                    "ssh_bastion_agent_auth is set but no SSH agent runs (SSH_AUTH_SOCK is empty): start ssh-agent and ssh-add the bastion's key".into(),
                )
            })?);
        }
    }
    Ok(specs)
}

fn local(dir: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    }
}

/// Whether a step runs for this build: the template's one rule (Packer's `OnlyExcept.Skip`).
fn applies(only: &Option<Vec<String>>, except: &Option<Vec<String>>, build: &str) -> bool {
    model::runs_for(only.as_deref(), except.as_deref(), build)
}

fn env_pairs(vars: Option<&Vec<String>>) -> Vec<(String, String)> {
    vars.into_iter()
        .flatten()
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (pair.clone(), String::new()),
        })
        .collect()
}

/// `environment_vars`, then the `env` map (sorted by name), a name in both taking `env`'s
/// value, as Packer merges them.
fn env_merged(
    vars: Option<&Vec<String>>,
    env: Option<&BTreeMap<String, String>>,
) -> Vec<(String, String)> {
    let mut pairs = env_pairs(vars);
    if let Some(env) = env {
        pairs.retain(|(k, _)| !env.contains_key(k));
        pairs.extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    pairs
}

/// A `shell-local` step as it runs; `pause_before` is the provisioner's (a post-processor
/// has none).
fn local_shell(settings: &model::ShellLocal, pause_before: Option<&str>, dir: &Path) -> LocalShell {
    let mut inline: Vec<String> = settings.command.iter().cloned().collect();
    inline.extend(settings.inline.iter().flatten().cloned());
    let mut scripts: Vec<PathBuf> = settings.script.iter().map(|s| local(dir, s)).collect();
    scripts.extend(settings.scripts.iter().flatten().map(|s| local(dir, s)));
    LocalShell {
        inline,
        scripts,
        environment_vars: env_merged(settings.environment_vars.as_ref(), settings.env.as_ref()),
        execute_command: settings.execute_command.clone(),
        inline_shebang: settings.inline_shebang.clone(),
        pause_before: pause_before.and_then(go_duration).unwrap_or_default(),
        working_dir: dir.to_path_buf(),
        valid_exit_codes: settings.valid_exit_codes.clone().unwrap_or_default(),
    }
}

/// An `ansible` step as it runs: Packer's defaults, paths against the template's folder.
fn ansible(settings: &model::AnsibleProvisioner, dir: &Path) -> AnsibleSpec {
    let path = |p: &Option<String>| {
        p.as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| local(dir, p))
    };
    AnsibleSpec {
        playbook_file: local(dir, settings.playbook_file.as_deref().unwrap_or_default()),
        command: settings.command.clone().filter(|c| !c.is_empty()),
        extra_arguments: settings.extra_arguments.clone().unwrap_or_default(),
        env_vars: env_pairs(settings.ansible_env_vars.as_ref()),
        ssh_extra_args: settings.ansible_ssh_extra_args.clone().unwrap_or_default(),
        groups: settings.groups.clone().unwrap_or_default(),
        empty_groups: settings.empty_groups.clone().unwrap_or_default(),
        host_alias: settings.host_alias.clone().filter(|h| !h.is_empty()),
        user: settings.user.clone().filter(|u| !u.is_empty()),
        local_port: settings.local_port.filter(|p| *p != 0),
        ssh_host_key_file: path(&settings.ssh_host_key_file),
        ssh_authorized_key_file: path(&settings.ssh_authorized_key_file),
        rsa_adapter_keys: settings
            .ansible_proxy_key_type
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("rsa")),
        sftp_command: settings.sftp_command.clone().filter(|c| !c.is_empty()),
        skip_version_check: settings.skip_version_check.unwrap_or(false),
        use_sftp: settings.use_sftp.unwrap_or(false),
        inventory_directory: path(&settings.inventory_directory),
        inventory_file_template: settings
            .inventory_file_template
            .clone()
            .filter(|t| !t.is_empty()),
        inventory_file: path(&settings.inventory_file),
        keep_inventory_file: settings.keep_inventory_file.unwrap_or(false),
        galaxy: path(&settings.galaxy_file).map(|file| GalaxySpec {
            file,
            command: settings.galaxy_command.clone().filter(|c| !c.is_empty()),
            force: settings.galaxy_force_install.unwrap_or(false),
            force_with_deps: settings.galaxy_force_with_deps.unwrap_or(false),
            roles_path: path(&settings.roles_path),
            collections_path: path(&settings.collections_path),
        }),
        use_proxy: settings.use_proxy.unwrap_or(true),
        pause_before: settings
            .pause_before
            .as_deref()
            .and_then(go_duration)
            .unwrap_or_default(),
        working_dir: dir.to_path_buf(),
    }
}

/// An `ansible-local` step as it runs: local paths against the template's folder.
fn ansible_local(settings: &model::AnsibleLocalProvisioner, dir: &Path) -> AnsibleLocalSpec {
    let path = |p: &Option<String>| {
        p.as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| local(dir, p))
    };
    let paths = |list: &Option<Vec<String>>| -> Vec<PathBuf> {
        list.iter().flatten().map(|p| local(dir, p)).collect()
    };
    AnsibleLocalSpec {
        playbook_file: path(&settings.playbook_file),
        playbook_files: paths(&settings.playbook_files),
        playbook_dir: path(&settings.playbook_dir),
        playbook_paths: paths(&settings.playbook_paths),
        role_paths: paths(&settings.role_paths),
        group_vars: path(&settings.group_vars),
        host_vars: path(&settings.host_vars),
        staging_directory: settings.staging_directory.clone().filter(|s| !s.is_empty()),
        clean_staging_directory: settings.clean_staging_directory.unwrap_or(true),
        inventory_file: path(&settings.inventory_file),
        inventory_groups: settings.inventory_groups.clone().unwrap_or_default(),
        galaxy_file: path(&settings.galaxy_file),
        galaxy_command: settings.galaxy_command.clone().filter(|c| !c.is_empty()),
        command: settings.command.clone().filter(|c| !c.is_empty()),
        extra_arguments: settings.extra_arguments.clone().unwrap_or_default(),
        pause_before: settings
            .pause_before
            .as_deref()
            .and_then(go_duration)
            .unwrap_or_default(),
    }
}

/// Packer 1.6.6 fails such a build when it reaches the provisioner ("No communicator found
/// for provisioners!"); the bake refuses it before anything is created.
fn no_communicator(build: &str, kind: &str) -> EngineError {
    EngineError::Preflight(format!(
        "build {build}: a {kind} provisioner needs a communicator, and the builder's communicator is \"none\" (only shell-local runs without one): use SSH (ssh_username), or keep the provisioner off this build with \"except\": [\"{build}\"]"
    ))
}

fn non_empty(
    filters: Option<&BTreeMap<String, Vec<String>>>,
) -> Option<BTreeMap<String, Vec<String>>> {
    filters.filter(|f| !f.is_empty()).cloned()
}

fn spec_for(
    template: &Template,
    ebs: &model::AmazonEbs,
    name: &str,
    dir: &Path,
) -> Result<BakeSpec, EngineError> {
    let communicator = match ebs.communicator.as_deref() {
        Some("none") => Communicator::None,
        _ => Communicator::Ssh,
    };
    let communicator_none = communicator == Communicator::None;
    let source = match (&ebs.source_ami, &ebs.source_ami_filter) {
        (Some(id), _) if !id.is_empty() => Some(SourceImage::Id(id.clone())),
        (_, Some(filter)) => Some(SourceImage::Filter {
            filters: filter.filters.clone().unwrap_or_default(),
            owners: filter.owners.clone().unwrap_or_default(),
            most_recent: filter.most_recent.unwrap_or(false),
        }),
        _ => None,
    };
    let user_data = match (&ebs.user_data, &ebs.user_data_file) {
        (Some(data), _) => Some(data.clone()),
        (None, Some(file)) => {
            let path = local(dir, file);
            Some(
                std::fs::read_to_string(&path)
                    .map_err(|source| EngineError::ReadFile { path, source })?,
            )
        }
        _ => None,
    };
    let mut security_group_ids = ebs.security_group_ids.clone().unwrap_or_default();
    if let Some(id) = &ebs.security_group_id {
        security_group_ids.push(id.clone());
    }
    let polling = ebs
        .aws_polling
        .as_ref()
        .map(|p| Polling {
            delay: p
                .delay_seconds
                .map(|s| Duration::from_secs(u64::from(s)))
                .unwrap_or(Polling::default().delay),
            max_attempts: p.max_attempts.unwrap_or(Polling::default().max_attempts),
        })
        .unwrap_or_default();

    let mut provisioners = Vec::new();
    for provisioner in &template.provisioners {
        let first = provisioners.len();
        match provisioner {
            model::Provisioner::Shell(shell) if applies(&shell.only, &shell.except, name) => {
                if communicator_none {
                    return Err(no_communicator(name, "shell"));
                }
                let mut scripts: Vec<PathBuf> = Vec::new();
                if let Some(script) = &shell.script {
                    scripts.push(local(dir, script));
                }
                for script in shell.scripts.iter().flatten() {
                    scripts.push(local(dir, script));
                }
                let environment_vars =
                    env_merged(shell.environment_vars.as_ref(), shell.env.as_ref());
                provisioners.push(Provisioner::Shell(ShellProvisioner {
                    inline: shell.inline.clone().unwrap_or_default(),
                    scripts,
                    environment_vars,
                    execute_command: shell.execute_command.clone(),
                    inline_shebang: shell.inline_shebang.clone(),
                    remote_folder: shell.remote_folder.clone(),
                    expect_disconnect: shell.expect_disconnect.unwrap_or(false),
                    pause_before: shell
                        .pause_before
                        .as_deref()
                        .and_then(go_duration)
                        .unwrap_or_default(),
                    remote_path: shell.remote_path.clone().filter(|p| !p.is_empty()),
                    remote_file: shell.remote_file.clone().filter(|f| !f.is_empty()),
                    skip_clean: shell.skip_clean.unwrap_or(false),
                    valid_exit_codes: shell.valid_exit_codes.clone().unwrap_or_default(),
                }));
                // `pause_after`: a pause of its own, after the scripts (not retried with them).
                if let Some(pause) = shell
                    .pause_after
                    .as_deref()
                    .and_then(go_duration)
                    .filter(|p| !p.is_zero())
                {
                    provisioners.push(Provisioner::Pause(pause));
                }
            }
            model::Provisioner::File(file) if applies(&file.only, &file.except, name) => {
                if communicator_none {
                    return Err(no_communicator(name, "file"));
                }
                let pause = file
                    .pause_before
                    .as_deref()
                    .and_then(go_duration)
                    .unwrap_or_default();
                if !pause.is_zero() {
                    provisioners.push(Provisioner::Pause(pause));
                }
                let destination = file.destination.clone().unwrap_or_default();
                if let Some(content) = &file.content {
                    provisioners.push(Provisioner::Content {
                        content: content.clone(),
                        destination: destination.clone(),
                    });
                }
                let mut sources: Vec<String> = file.source.iter().cloned().collect();
                sources.extend(file.sources.iter().flatten().cloned());
                for source in sources {
                    provisioners.push(if file.direction.as_deref() == Some("download") {
                        // The source is on the instance; the destination on this machine.
                        Provisioner::Download {
                            source,
                            destination: local(dir, &destination),
                        }
                    } else {
                        Provisioner::File {
                            source: local(dir, &source),
                            destination: destination.clone(),
                        }
                    });
                }
            }
            model::Provisioner::Ansible(a) if applies(&a.only, &a.except, name) => {
                if communicator_none {
                    return Err(no_communicator(name, "ansible"));
                }
                provisioners.push(Provisioner::Ansible(ansible(a, dir)));
            }
            model::Provisioner::AnsibleLocal(a) if applies(&a.only, &a.except, name) => {
                if communicator_none {
                    return Err(no_communicator(name, "ansible-local"));
                }
                provisioners.push(Provisioner::AnsibleLocal(ansible_local(a, dir)));
            }
            model::Provisioner::ShellLocal(l) if applies(&l.only, &l.except, name) => {
                provisioners.push(Provisioner::ShellLocal(local_shell(
                    l,
                    l.pause_before.as_deref(),
                    dir,
                )));
            }
            _ => {}
        }
        // max_retries and timeout wrap each step this one became (its pause excepted).
        let (retries, timeout) = provisioner.retries_and_timeout();
        let timeout = timeout.and_then(go_duration).filter(|t| !t.is_zero());
        let max_retries = retries.unwrap_or(0);
        if max_retries > 0 || timeout.is_some() {
            for step in &mut provisioners[first..] {
                if !matches!(step, Provisioner::Pause(_)) {
                    let inner = std::mem::replace(step, Provisioner::Pause(Duration::ZERO));
                    *step = Provisioner::Limited {
                        step: Box::new(inner),
                        max_retries,
                        timeout,
                    };
                }
            }
        }
    }

    let mut post_processors = Vec::new();
    for pp in template.post_processors.iter().flatten() {
        match pp {
            PostProcessor::Manifest(manifest) => {
                post_processors.push(PostProcessorSpec::Manifest {
                    output: local(
                        dir,
                        manifest.output.as_deref().unwrap_or("packer-manifest.json"),
                    ),
                    custom_data: manifest.custom_data.clone().unwrap_or_default(),
                });
            }
            PostProcessor::ShellLocal(l) if applies(&l.only, &l.except, name) => {
                post_processors.push(PostProcessorSpec::ShellLocal(local_shell(l, None, dir)));
            }
            PostProcessor::ShellLocal(_) => {}
        }
    }
    let username = ebs
        .ssh_username
        .clone()
        .unwrap_or_else(|| "ec2-user".to_string());
    let bastion = ebs
        .ssh_bastion_host
        .as_ref()
        .filter(|h| !h.is_empty())
        .map(|host| BastionSpec {
            host: host.clone(),
            port: ebs.ssh_bastion_port.unwrap_or(22),
            username: ebs
                .ssh_bastion_username
                .clone()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| username.clone()),
            private_key_file: ebs
                .ssh_bastion_private_key_file
                .as_deref()
                .or(ebs.ssh_private_key_file.as_deref())
                .filter(|f| !f.is_empty())
                .map(|f| local(dir, f)),
            // The socket comes from the caller's environment (SSH_AUTH_SOCK), set by the CLI.
            agent_socket: None,
            password: ebs
                .ssh_bastion_password
                .clone()
                .filter(|p| !p.expose().is_empty()),
        });
    let id_given = |id: &Option<String>| id.as_deref().is_some_and(|i| !i.is_empty());
    // Packer: a spot_price other than "" or "0" asks for a spot instance.
    let spot = ebs
        .spot_price
        .as_deref()
        .filter(|p| !p.is_empty() && *p != "0")
        .map(|price| SpotSpec {
            max_price: (price != "auto").then(|| price.to_string()),
            instance_types: match ebs.spot_instance_types.as_deref() {
                Some(types) if !types.is_empty() => types.to_vec(),
                _ => ebs.instance_type.iter().cloned().collect(),
            },
            tags: ebs.spot_tags.clone().unwrap_or_default(),
        });

    let text = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    let credentials = TemplateCredentials {
        profile: text(&ebs.profile),
        static_keys: match (text(&ebs.access_key), &ebs.secret_key) {
            (Some(access_key), Some(secret)) if !secret.expose().is_empty() => Some(StaticKeys {
                access_key,
                secret_key: secret.clone(),
                token: ebs.token.clone().filter(|t| !t.expose().is_empty()),
            }),
            _ => None,
        },
        assume_role: ebs.assume_role.as_ref().and_then(|role| {
            Some(RoleSpec {
                role_arn: text(&role.role_arn)?,
                session_name: text(&role.session_name),
                external_id: text(&role.external_id),
                duration_seconds: role.duration_seconds,
                policy: text(&role.policy),
            })
        }),
    };

    Ok(BakeSpec {
        build_name: name.to_string(),
        region: ebs.region.clone().unwrap_or_default(),
        source,
        instance_type: ebs.instance_type.clone().unwrap_or_default(),
        spot,
        credentials,
        ami_name: ebs.ami_name.clone().unwrap_or_default(),
        ami_description: ebs.ami_description.clone(),
        communicator,
        ssh: SshSpec {
            username,
            host: ebs.ssh_host.clone(),
            port: ebs.ssh_port.unwrap_or(22),
            timeout: ebs
                .ssh_timeout
                .as_deref()
                .and_then(go_duration)
                .unwrap_or(Duration::from_secs(300)),
            // The deprecated ssh_private_ip: true means ssh_interface private_ip (Packer).
            interface: match ebs.ssh_interface.as_deref().filter(|i| !i.is_empty()) {
                Some(name) => SshInterface::from_name(name),
                None => (ebs.ssh_private_ip == Some(true)).then_some(SshInterface::PrivateIp),
            },
            bastion,
            pty: ebs.ssh_pty == Some(true),
        },
        subnet_id: ebs.subnet_id.clone(),
        vpc_id: ebs.vpc_id.clone(),
        subnet_filter: ebs
            .subnet_filter
            .as_ref()
            .filter(|_| !id_given(&ebs.subnet_id))
            .and_then(|f| {
                Some(SubnetFilterSpec {
                    filters: non_empty(f.filters.as_ref())?,
                    pick: if f.most_free == Some(true) {
                        Some(SubnetPick::MostFree)
                    } else if f.random == Some(true) {
                        Some(SubnetPick::Random)
                    } else {
                        None
                    },
                })
            }),
        vpc_filter: ebs
            .vpc_filter
            .as_ref()
            .filter(|_| !id_given(&ebs.vpc_id))
            .and_then(|f| non_empty(f.filters.as_ref())),
        security_group_filter: ebs
            .security_group_filter
            .as_ref()
            .filter(|_| security_group_ids.is_empty())
            .and_then(|f| non_empty(f.filters.as_ref())),
        temporary_vpc: ebs.temporary_vpc.as_ref().map(|t| {
            let default = TemporaryVpcSpec::default();
            TemporaryVpcSpec {
                cidr_block: t.cidr_block.clone().unwrap_or(default.cidr_block),
                subnet_cidr_block: t
                    .subnet_cidr_block
                    .clone()
                    .unwrap_or(default.subnet_cidr_block),
            }
        }),
        ssh_keypair_name: ebs.ssh_keypair_name.clone(),
        ssh_private_key_file: ebs.ssh_private_key_file.as_deref().map(|f| local(dir, f)),
        // The socket comes from the caller's environment (SSH_AUTH_SOCK), set by the CLI.
        ssh_agent_socket: None,
        security_group_ids,
        ssh_source_cidrs: ebs
            .temporary_security_group_source_cidrs
            .clone()
            .unwrap_or_default(),
        public_ip_lookup_url: None,
        associate_public_ip_address: ebs.associate_public_ip_address,
        iam_instance_profile: ebs.iam_instance_profile.clone(),
        user_data,
        tags: ebs.tags.clone().unwrap_or_default(),
        run_tags: ebs.run_tags.clone().unwrap_or_default(),
        snapshot_tags: ebs.snapshot_tags.clone().unwrap_or_default(),
        provisioners,
        launch_block_device_mappings: ebs.launch_block_device_mappings.clone().unwrap_or_default(),
        ami_block_device_mappings: ebs.ami_block_device_mappings.clone().unwrap_or_default(),
        run_volume_tags: ebs.run_volume_tags.clone().unwrap_or_default(),
        ena_support: ebs.ena_support,
        sriov_support: ebs.sriov_support,
        metadata_options: ebs.metadata_options.clone(),
        shutdown_behavior: ebs
            .shutdown_behavior
            .as_deref()
            .and_then(ShutdownBehavior::from_name),
        ami_regions: ebs.ami_regions.clone().unwrap_or_default(),
        ami_users: ebs.ami_users.clone().unwrap_or_default(),
        ami_org_arns: ebs.ami_org_arns.clone().unwrap_or_default(),
        ami_ou_arns: ebs.ami_ou_arns.clone().unwrap_or_default(),
        snapshot_groups: ebs.snapshot_groups.clone().unwrap_or_default(),
        imds_support: ebs.imds_support.clone().filter(|v| !v.is_empty()),
        ebs_optimized: ebs.ebs_optimized.unwrap_or(false),
        ami_groups: ebs.ami_groups.clone().unwrap_or_default(),
        encrypt_boot: ebs.encrypt_boot.unwrap_or(false),
        kms_key_id: ebs.kms_key_id.clone(),
        region_kms_key_ids: ebs.region_kms_key_ids.clone().unwrap_or_default(),
        snapshot_users: ebs.snapshot_users.clone().unwrap_or_default(),
        force_deregister: ebs.force_deregister.unwrap_or(false),
        force_delete_snapshot: ebs.force_delete_snapshot.unwrap_or(false),
        polling,
        post_processors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(text: &str) -> Vec<BakeSpec> {
        let checked = bakery_template::check(
            "t.json",
            text,
            &bakery_template::CheckOptions::default(),
            &mut bakery_template::RenderContext::fixed(),
        );
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        bake_specs(&checked.template.unwrap(), Path::new("/work/t"), &[]).unwrap()
    }

    const BUILDER: &str = r#""type": "amazon-ebs", "region": "eu-west-1", "source_ami": "ami-0123abcd", "instance_type": "t3.micro", "ssh_username": "admin", "ami_name": "x {{timestamp}}""#;

    #[test]
    fn bastion_defaults_come_from_the_instance_login_like_packer() {
        let spec = &specs(&format!(
            r#"{{"builders": [{{{BUILDER}, "ssh_bastion_host": "jump", "ssh_keypair_name": "k", "ssh_private_key_file": "key.pem"}}]}}"#
        ))[0];
        let bastion = spec.ssh.bastion.as_ref().unwrap();
        assert_eq!(
            (
                bastion.host.as_str(),
                bastion.port,
                bastion.username.as_str()
            ),
            ("jump", 22, "admin")
        );
        assert_eq!(
            bastion.private_key_file.as_deref(),
            Some(Path::new("/work/t/key.pem"))
        );
    }

    #[test]
    fn env_wins_over_environment_vars_and_pause_after_follows_the_step() {
        let spec = &specs(&format!(
            r#"{{"builders": [{{{BUILDER}}}], "provisioners": [
                {{"type": "shell", "inline": ["make"], "environment_vars": ["A=1", "B=2"], "env": {{"B": "3", "C": "4"}}, "pause_after": "10s", "valid_exit_codes": "0,3"}}]}}"#
        ))[0];
        let [Provisioner::Shell(shell), Provisioner::Pause(pause)] = &spec.provisioners[..] else {
            panic!("{:#?}", spec.provisioners);
        };
        let vars: Vec<(&str, &str)> = shell
            .environment_vars
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(vars, [("A", "1"), ("B", "3"), ("C", "4")]);
        assert_eq!(shell.valid_exit_codes, [0, 3]);
        assert_eq!(*pause, Duration::from_secs(10));
    }

    #[test]
    fn max_retries_and_timeout_wrap_each_step_but_its_pause() {
        let spec = &specs(&format!(
            r#"{{"builders": [{{{BUILDER}}}], "provisioners": [
                {{"type": "shell", "inline": ["make"], "max_retries": "2", "timeout": "5m"}},
                {{"type": "file", "source": "a", "destination": "/tmp/", "pause_before": "3s", "max_retries": 1}},
                {{"type": "shell", "inline": ["true"]}}]}}"#
        ))[0];
        let shapes: Vec<String> = spec
            .provisioners
            .iter()
            .map(|p| match p {
                Provisioner::Limited {
                    step,
                    max_retries,
                    timeout,
                } => format!("{} x{max_retries} {timeout:?}", step.kind()),
                other => other.kind().to_string(),
            })
            .collect();
        assert_eq!(
            shapes,
            ["shell x2 Some(300s)", "pause", "file x1 None", "shell"]
        );
    }

    #[test]
    fn filters_apply_only_where_packer_uses_them() {
        let spec = &specs(&format!(
            r#"{{"builders": [{{{BUILDER}, "subnet_id": "subnet-0123abcd", "subnet_filter": {{"filters": {{"tag:A": "b"}}}}, "vpc_filter": {{"filters": {{"tag:A": "b"}}}}, "security_group_filter": {{"filters": {{"tag:C": "d"}}}}}}]}}"#
        ))[0];
        assert_eq!(spec.subnet_filter, None, "subnet_id wins");
        assert!(spec.vpc_filter.is_some());
        assert_eq!(spec.security_group_filter.as_ref().unwrap()["tag:C"], ["d"]);
    }

    #[test]
    fn post_processors_keep_their_order_and_only() {
        let second = BUILDER.replace("x {{timestamp}}", "y {{timestamp}}");
        let specs = specs(&format!(
            r#"{{"builders": [{{{BUILDER}, "name": "a"}}, {{{second}, "name": "b"}}],
               "provisioners": [{{"type": "shell-local", "command": "make", "except": ["b"]}}],
               "post-processors": [[{{"type": "manifest", "output": "m.json"}}, {{"type": "shell-local", "inline": ["jq . m.json"], "only": ["b"]}}]]}}"#
        ));
        let kinds = |spec: &BakeSpec| -> Vec<String> {
            spec.post_processors
                .iter()
                .map(|pp| match pp {
                    PostProcessorSpec::Manifest { output, .. } => output.display().to_string(),
                    PostProcessorSpec::ShellLocal(l) => l.inline.join(";"),
                })
                .collect()
        };
        assert_eq!(kinds(&specs[0]), ["/work/t/m.json"]);
        assert_eq!(kinds(&specs[1]), ["/work/t/m.json", "jq . m.json"]);
        let Provisioner::ShellLocal(local) = &specs[0].provisioners[0] else {
            panic!("{:?}", specs[0].provisioners);
        };
        assert_eq!(local.inline, ["make"], "command is one inline line");
        assert_eq!(local.working_dir, Path::new("/work/t"));
        assert!(specs[1].provisioners.is_empty());
    }

    #[test]
    fn spot_price_asks_for_a_spot_instance_over_its_types() {
        let spec = &specs(&format!(
            r#"{{"builders": [{{{BUILDER}, "spot_price": "auto", "spot_tags": {{"Team": "ci"}}}}]}}"#
        ))[0];
        let spot = spec.spot.as_ref().unwrap();
        assert_eq!(spot.max_price, None, "auto: the on-demand price caps");
        assert_eq!(
            spot.instance_types,
            ["t3.micro"],
            "instance_type is the one type"
        );
        assert_eq!(spot.tags["Team"], "ci");
        let types = BUILDER.replace(
            r#""instance_type": "t3.micro""#,
            r#""spot_instance_types": ["t3.small", "t3a.small"]"#,
        );
        let spec = &specs(&format!(
            r#"{{"builders": [{{{types}, "spot_price": "0.02"}}]}}"#
        ))[0];
        let spot = spec.spot.as_ref().unwrap();
        assert_eq!(spot.max_price.as_deref(), Some("0.02"));
        assert_eq!(spot.instance_types, ["t3.small", "t3a.small"]);
        for price in ["", "0"] {
            let spec = &specs(&format!(
                r#"{{"builders": [{{{BUILDER}, "spot_price": "{price}"}}]}}"#
            ))[0];
            assert_eq!(spec.spot, None, "{price:?} is on-demand");
        }
    }

    #[test]
    fn the_deprecated_ssh_private_ip_picks_the_private_address() {
        let spec = &specs(&format!(
            r#"{{"builders": [{{{BUILDER}, "ssh_private_ip": true}}]}}"#
        ))[0];
        assert_eq!(spec.ssh.interface, Some(SshInterface::PrivateIp));
        let spec = &specs(&format!(
            r#"{{"builders": [{{{BUILDER}, "ssh_private_ip": true, "ssh_interface": "public_dns"}}]}}"#
        ))[0];
        assert_eq!(spec.ssh.interface, Some(SshInterface::PublicDns));
    }

    #[test]
    fn communicator_none_bakes_without_ssh_and_refuses_remote_provisioners() {
        let none = BUILDER.replace(r#""ssh_username": "admin", "#, "");
        let spec = &specs(&format!(
            r#"{{"builders": [{{{none}, "communicator": "none"}}], "provisioners": [{{"type": "shell-local", "inline": ["echo local"]}}]}}"#
        ))[0];
        assert_eq!(spec.communicator, Communicator::None);
        assert!(matches!(
            spec.provisioners[..],
            [Provisioner::ShellLocal(_)]
        ));
        // A remote step is refused here too (the checker reports it as an error).
        for step in [
            r#"{"type": "shell", "inline": ["true"]}"#,
            r#"{"type": "file", "source": "t.json", "destination": "/tmp/"}"#,
        ] {
            let checked = bakery_template::check(
                "t.json",
                &format!(
                    r#"{{"builders": [{{{none}, "communicator": "none"}}], "provisioners": [{step}]}}"#
                ),
                &bakery_template::CheckOptions::default(),
                &mut bakery_template::RenderContext::fixed(),
            );
            assert!(!checked.is_valid(), "{step}");
            let err = bake_specs(&checked.template.unwrap(), Path::new("/work/t"), &[])
                .unwrap_err()
                .to_string();
            assert!(err.contains("needs a communicator"), "{err}");
        }
    }

    #[test]
    fn a_download_copies_from_the_instance_into_the_templates_folder() {
        let spec = &specs(&format!(
            r#"{{"builders": [{{{BUILDER}}}], "provisioners": [{{"type": "file", "direction": "download", "source": "/var/log/cloud-init.log", "destination": "logs/"}}, {{"type": "file", "direction": "download", "sources": ["/etc/app/", "/etc/hostname"], "destination": "/srv/out/"}}]}}"#
        ))[0];
        let downloads: Vec<(&str, String)> = spec
            .provisioners
            .iter()
            .map(|p| match p {
                Provisioner::Download {
                    source,
                    destination,
                } => (source.as_str(), destination.display().to_string()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            downloads,
            [
                ("/var/log/cloud-init.log", "/work/t/logs/".to_string()),
                ("/etc/app/", "/srv/out/".to_string()),
                ("/etc/hostname", "/srv/out/".to_string()),
            ],
            "the trailing slash (a folder) is kept"
        );
    }

    #[test]
    fn only_and_except_pick_builds() {
        let names = Some(vec!["web".to_string()]);
        assert!(applies(&names, &None, "web"));
        assert!(!applies(&names, &None, "db"));
        assert!(!applies(&None, &names, "web"));
        assert!(applies(&None, &None, "db"));
        // Packer 1.6.6: `"only": []` limits nothing.
        assert!(applies(&Some(Vec::new()), &None, "db"));
    }

    #[test]
    fn a_file_steps_pause_and_the_manifests_custom_data_are_baked() {
        let specs = specs(&format!(
            r#"{{"builders": [{{{BUILDER}}}], "provisioners": [{{"type": "file", "source": "/etc/hostname", "destination": "/tmp/h", "pause_before": "2s"}}], "post-processors": [{{"type": "manifest", "custom_data": {{"team": "platform"}}}}]}}"#
        ));
        assert_eq!(
            specs[0].provisioners[0],
            Provisioner::Pause(Duration::from_secs(2))
        );
        assert!(matches!(specs[0].provisioners[1], Provisioner::File { .. }));
        let PostProcessorSpec::Manifest { custom_data, .. } = &specs[0].post_processors[0] else {
            panic!("a manifest");
        };
        assert_eq!(
            custom_data.get("team").map(String::as_str),
            Some("platform")
        );
    }
}
