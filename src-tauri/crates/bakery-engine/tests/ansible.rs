//! The `ansible` provisioner with a real `ansible-playbook` (the set-up command's
//! `.venv-ansible`) against the sandbox's SSH stand-in: through the adapter (by default, and
//! through a bastion) and directly (`use_proxy: false`); a role from a roles path of its own;
//! a failing task fails the bake naming it and leaves nothing; no key is left on disk. And
//! `ansible-local`: the playbook, a role and `group_vars` uploaded, Ansible run on the
//! instance (the stand-in, which has the venv's Ansible), the staging directory removed.

mod support;

use std::path::{Path, PathBuf};

use bakery_engine::{AnsibleLocalSpec, AnsibleSpec, BakeEvent, BastionSpec, Provisioner};
use bakery_sandbox::Sandbox;
use support::{Harness, article_spec, drain, leftovers, sdk_for};

/// A playbook that writes a marker with a role found through `ANSIBLE_ROLES_PATH`, copies a
/// file beside it (a file transfer over the connection), and fails on purpose when `fail` is
/// set.
fn project(dir: &Path) -> PathBuf {
    let role = dir.join("my-roles/marker/tasks");
    std::fs::create_dir_all(&role).unwrap();
    std::fs::write(
        role.join("main.yml"),
        "- name: Write the marker\n  ansible.builtin.copy:\n    content: \"baked by {{ packer_builder_type }} for {{ packer_build_name }}\\n\"\n    dest: \"{{ marker_dir }}/marker.txt\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("files")).unwrap();
    std::fs::write(dir.join("files/motd"), "golden image\n").unwrap();
    let playbook = dir.join("site.yml");
    std::fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  roles:\n    - marker\n  tasks:\n    - name: Copy the motd\n      ansible.builtin.copy:\n        src: files/motd\n        dest: \"{{ marker_dir }}/motd\"\n    - name: Look at the key file\n      ansible.builtin.stat:\n        path: \"{{ ansible_ssh_private_key_file }}\"\n      register: key\n      when: check_key | default(false) | bool\n    - name: Show its mode\n      ansible.builtin.debug:\n        msg: \"key mode {{ key.stat.mode }}\"\n      when: check_key | default(false) | bool\n    - name: Fail on purpose\n      ansible.builtin.fail:\n        msg: the playbook was told to fail\n      when: fail | default(false) | bool\n",
    )
    .unwrap();
    playbook
}

fn ansible_step(dir: &Path, marker: &Path, extra: &[&str]) -> AnsibleSpec {
    // The stand-in's login shell may find a python3 of pyenv's first that isn't there:
    // the system's, as templates for real images name it too.
    let mut extra_arguments = vec![
        "--extra-vars".to_string(),
        format!(
            "marker_dir={} ansible_python_interpreter=/usr/bin/python3",
            marker.display()
        ),
    ];
    extra_arguments.extend(extra.iter().map(|s| s.to_string()));
    AnsibleSpec {
        playbook_file: project(dir),
        command: Some(bakery_tests::ansible_playbook().display().to_string()),
        extra_arguments,
        env_vars: vec![(
            "ANSIBLE_ROLES_PATH".into(),
            dir.join("my-roles").display().to_string(),
        )],
        use_proxy: true,
        working_dir: dir.to_path_buf(),
        ..Default::default()
    }
}

/// How many logins the stand-in's sshd has let in so far.
fn logins(sandbox: &Sandbox) -> usize {
    std::fs::read_to_string(sandbox.workdir().join("sshd.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("Accepted publickey"))
        .count()
}

/// The step's private folders of this bake still in the temporary folder.
fn left_on_disk(bake_id: &str) -> Vec<PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("bakery-ansible-{bake_id}-"))
        })
        .collect()
}

fn output(events: &[BakeEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            BakeEvent::Output { line, .. } => Some(line.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_playbook_runs_through_the_adapter_over_the_bakes_own_session() {
    let sandbox = bakery_tests::sandbox();
    let dir = tempfile::tempdir().unwrap();
    let marker = tempfile::tempdir().unwrap();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("ansible-proxy");
    let mut spec = article_spec(&sandbox, "with ansible");
    spec.provisioners = vec![Provisioner::Ansible(ansible_step(
        dir.path(),
        marker.path(),
        &[],
    ))];
    let before = logins(&sandbox);
    let baked = bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    let lines = output(&events);

    assert_eq!(
        std::fs::read_to_string(marker.path().join("marker.txt")).unwrap(),
        "baked by amazon-ebs for amazon-ebs\n",
        "the role from ANSIBLE_ROLES_PATH ran on the instance, with Packer's extra variables"
    );
    assert_eq!(
        std::fs::read_to_string(marker.path().join("motd")).unwrap(),
        "golden image\n",
        "a file went over the adapter"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("TASK [marker : Write the marker]")),
        "Ansible's output streams as events: {lines:#?}"
    );
    assert!(
        events.iter().any(|e| matches!(e, BakeEvent::Note { text }
            if text.starts_with("Executing Ansible: ") && text.contains("-i ") && text.ends_with("site.yml"))),
        "{events:#?}"
    );
    assert_eq!(
        logins(&sandbox),
        before + 1,
        "sshd saw one login, the bake's: Ansible's sessions went over it"
    );
    assert!(left_on_disk("ansible-proxy").is_empty(), "no key is left");
    let left = leftovers(&sandbox, "us-east-1");
    assert!(
        left.instances.is_empty()
            && left.security_groups.is_empty()
            && left.key_pairs.is_empty()
            && left.images == [baked.artifacts[0].image_id.clone()],
        "{left:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_proxy_ansible_logs_in_itself_and_its_key_file_goes() {
    let sandbox = bakery_tests::sandbox();
    let dir = tempfile::tempdir().unwrap();
    let marker = tempfile::tempdir().unwrap();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("ansible-direct");
    let mut spec = article_spec(&sandbox, "with ansible, directly");
    // The playbook looks at the key file while it runs (the instance is this machine).
    let mut step = ansible_step(
        dir.path(),
        marker.path(),
        &["--extra-vars", "check_key=true"],
    );
    step.use_proxy = false;
    spec.provisioners = vec![Provisioner::Ansible(step)];
    let before = logins(&sandbox);
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    assert_eq!(
        std::fs::read_to_string(marker.path().join("marker.txt")).unwrap(),
        "baked by amazon-ebs for amazon-ebs\n"
    );
    assert!(
        output(&events).iter().any(|l| l.contains("key mode 0600")),
        "while the step runs the key file is the user's alone: {:#?}",
        output(&events)
    );
    assert!(
        logins(&sandbox) >= before + 2,
        "Ansible logged in to the instance on its own, beside the bake"
    );
    let shown = events
        .iter()
        .find_map(|e| match e {
            BakeEvent::Note { text } if text.starts_with("Executing Ansible: ") => Some(text),
            _ => None,
        })
        .expect("the command is shown");
    let key_file = shown
        .split_whitespace()
        .find_map(|a| a.strip_prefix("ansible_ssh_private_key_file="))
        .expect("the bake's key is given to Ansible as a file");
    assert!(
        !Path::new(key_file).exists(),
        "the key file {key_file} is gone once the step ended"
    );
    assert!(left_on_disk("ansible-direct").is_empty());
    assert!(
        shown.contains(&format!("-i {}", std::env::temp_dir().display())),
        "the generated inventory: {shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_task_fails_the_bake_naming_it_and_leaves_nothing() {
    let sandbox = bakery_tests::sandbox();
    let dir = tempfile::tempdir().unwrap();
    let marker = tempfile::tempdir().unwrap();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, _rx) = harness.context("ansible-fails");
    let mut spec = article_spec(&sandbox, "ansible fails");
    spec.provisioners = vec![Provisioner::Ansible(ansible_step(
        dir.path(),
        marker.path(),
        &["--extra-vars", "fail=true"],
    ))];
    let err = bakery_engine::bake(&ctx, &sdk, &spec)
        .await
        .expect_err("the task fails")
        .to_string();
    assert!(
        err.contains("ansible provisioner 1 (site.yml), at the task \"Fail on purpose\""),
        "{err}"
    );
    assert!(err.contains("the playbook was told to fail"), "{err}");
    assert!(left_on_disk("ansible-fails").is_empty(), "no key is left");
    let left = leftovers(&sandbox, "us-east-1");
    assert!(left.is_empty(), "nothing is left in the cloud: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_bastion_ansible_rides_the_tunnelled_session() {
    let sandbox = bakery_tests::sandbox();
    let keys = tempfile::tempdir().unwrap();
    let (key, public) = bakery_tests::ssh_keygen(keys.path(), "jump-key");
    use base64::Engine;
    sandbox
        .ec2(
            "us-east-1",
            "ImportKeyPair",
            &[
                ("KeyName", "jump-key"),
                (
                    "PublicKeyMaterial",
                    &base64::engine::general_purpose::STANDARD.encode(&public),
                ),
            ],
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let marker = tempfile::tempdir().unwrap();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("ansible-bastion");
    let mut spec = article_spec(&sandbox, "ansible behind a bastion");
    spec.ssh.bastion = Some(BastionSpec {
        host: "127.0.0.1".into(),
        port: sandbox.ssh_port(),
        username: "root".into(),
        private_key_file: Some(key),
        ..Default::default()
    });
    // use_proxy false can't reach an instance behind a bastion: the adapter is used.
    let mut step = ansible_step(dir.path(), marker.path(), &[]);
    step.use_proxy = false;
    spec.provisioners = vec![Provisioner::Ansible(step)];
    let before = logins(&sandbox);
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    assert_eq!(
        std::fs::read_to_string(marker.path().join("marker.txt")).unwrap(),
        "baked by amazon-ebs for amazon-ebs\n"
    );
    assert!(
        events.iter().any(|e| matches!(e, BakeEvent::Note { text }
            if text.contains("through a bastion: Ansible goes through the adapter"))),
        "{events:#?}"
    );
    assert_eq!(
        logins(&sandbox),
        before + 2,
        "two logins: the bastion's and the instance's through it; none of Ansible's own"
    );
    assert!(left_on_disk("ansible-bastion").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ansible_local_runs_the_uploaded_playbook_on_the_instance_and_cleans_up() {
    let sandbox = bakery_tests::sandbox();
    let dir = tempfile::tempdir().unwrap();
    let marker = tempfile::tempdir().unwrap();
    let role = dir.path().join("roles/greeter/tasks");
    std::fs::create_dir_all(&role).unwrap();
    std::fs::write(
        role.join("main.yml"),
        "- name: Greet\n  ansible.builtin.copy:\n    content: \"{{ greeting }} from {{ packer_builder_type }}\\n\"\n    dest: \"{{ marker_dir }}/greeting.txt\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("vars")).unwrap();
    std::fs::write(dir.path().join("vars/all.yml"), "greeting: hello\n").unwrap();
    let playbook = dir.path().join("local.yml");
    std::fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  roles:\n    - greeter\n",
    )
    .unwrap();
    // The stand-in instance is this machine: the staging directory is a folder of the test's.
    let staging_parent = tempfile::tempdir().unwrap();
    let staging = staging_parent.path().join("staging");
    let step = |clean: bool| AnsibleLocalSpec {
        playbook_file: Some(playbook.clone()),
        role_paths: vec![dir.path().join("roles/greeter")],
        group_vars: Some(dir.path().join("vars")),
        staging_directory: Some(staging.display().to_string()),
        clean_staging_directory: clean,
        command: Some(format!(
            "ANSIBLE_FORCE_COLOR=1 PYTHONUNBUFFERED=1 {}",
            bakery_tests::ansible_playbook().display()
        )),
        extra_arguments: vec![
            "-e".into(),
            "ansible_python_interpreter=/usr/bin/python3".into(),
            "-e".into(),
            format!("marker_dir={}", marker.path().display()),
        ],
        ..Default::default()
    };
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("ansible-local");
    let mut spec = article_spec(&sandbox, "with ansible-local");
    spec.provisioners = vec![Provisioner::AnsibleLocal(step(true))];
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    assert_eq!(
        std::fs::read_to_string(marker.path().join("greeting.txt")).unwrap(),
        "hello from amazon-ebs\n",
        "the uploaded role ran on the instance with the uploaded group_vars"
    );
    assert!(
        output(&events)
            .iter()
            .any(|l| l.contains("TASK [greeter : Greet]")),
        "{:#?}",
        output(&events)
    );
    assert!(!staging.exists(), "the staging directory is removed");

    let (ctx, rx) = harness.context("ansible-local-kept");
    let mut spec = article_spec(&sandbox, "ansible-local, staging kept");
    spec.provisioners = vec![Provisioner::AnsibleLocal(step(false))];
    bakery_engine::bake(&ctx, &sdk, &spec).await.expect("bakes");
    drop(ctx);
    let events = drain(rx).await;
    assert!(
        staging.join("local.yml").exists()
            && staging.join("roles/greeter/tasks/main.yml").exists()
            && staging.join("group_vars/all.yml").exists(),
        "kept as asked, laid out like Packer's"
    );
    assert!(
        events.iter().any(|e| matches!(e, BakeEvent::Note { text }
            if text.contains("stays on the instance (clean_staging_directory is false)"))),
        "{events:#?}"
    );
}
