//! The bake use case against the sandbox (moto + sshd), as the window uses it: bakes
//! launched in the background, followed by id (everything stored, then live, each event
//! once and in order), cancelled by id with nothing left, and an SSH-agent build refused
//! at planning when no agent runs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bakery_app::{AppError, Bakery, Environment, PlanOptions, VariableValues};
use bakery_credentials::{KeyringAccess, NoMfaPrompt};
use bakery_engine::{BakeEvent, OnError, StampedEvent, StepName};
use bakery_history::BakeStatus;
use bakery_sandbox::Sandbox;

fn template(sandbox: &Sandbox, inline: &[&str], extra: &str) -> String {
    let ami = sandbox
        .ec2("eu-west-1", "DescribeImages", &[("Owner.1", "amazon")])
        .unwrap()
        .texts("imageId")
        .remove(0);
    format!(
        r#"{{"builders": [{{"type": "amazon-ebs", "region": "eu-west-1", "source_ami": "{ami}",
        "instance_type": "t2.micro", "ssh_username": "root", "ssh_host": "127.0.0.1",
        "ssh_port": {port}, "ami_name": "app {{{{timestamp}}}}"{extra}}}],
        "provisioners": [{{"type": "shell", "inline": {inline}}}]}}"#,
        port = sandbox.ssh_port(),
        inline = serde_json::to_string(inline).unwrap(),
    )
}

fn bakery(sandbox: &Sandbox, dir: &std::path::Path) -> Arc<Bakery> {
    let mut env = Environment::from_process();
    env.vars = sandbox
        .env_vars()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect::<BTreeMap<_, _>>();
    env.vars.insert("HOME".into(), dir.display().to_string());
    Arc::new(Bakery::new(
        &dir.join("data"),
        env,
        KeyringAccess::native(),
        Arc::new(NoMfaPrompt),
    ))
}

fn plan_of(bakery: &Bakery, path: &std::path::Path) -> Result<bakery_app::Plan, AppError> {
    let env = bakery.environment();
    let checked =
        bakery_app::template::check_template(path, &VariableValues::default(), false, env)?;
    bakery_app::plan::plan(path, checked, &PlanOptions::default(), env)
}

/// Follows `id` to its end, collecting every event delivered.
async fn follow_all(bakery: &Bakery, id: &str) -> Vec<StampedEvent> {
    let seen = Mutex::new(Vec::new());
    bakery
        .follow(id, Duration::from_millis(50), |batch| {
            seen.lock().unwrap().extend(batch);
            true
        })
        .await
        .unwrap();
    seen.into_inner().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bake_followed_midway_gets_every_event_once_in_order_and_a_cancel_leaves_nothing() {
    let sandbox = bakery_tests::sandbox();
    let dir = tempfile::tempdir().unwrap();
    let bakery = bakery(&sandbox, dir.path());

    // A bake followed after it has started: the stored events, then the live ones.
    let path = dir.path().join("packer.json");
    std::fs::write(
        &path,
        template(&sandbox, &["echo one", "sleep 1", "echo two"], ""),
    )
    .unwrap();
    let plan = plan_of(&bakery, &path).unwrap();
    let ids = bakery.launch(&plan, None, OnError::Cleanup).await.unwrap();
    assert_eq!(ids.len(), 1);
    assert_eq!(bakery.running(), ids);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let events = follow_all(&bakery, &ids[0]).await;
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (0..events.len() as u64).collect::<Vec<_>>(),
        "each once, in order"
    );
    assert!(matches!(events[0].event, BakeEvent::BakeStarted { .. }));
    assert!(matches!(
        events.last().unwrap().event,
        BakeEvent::BakeFinished {
            outcome: bakery_engine::BakeOutcome::Succeeded,
            ..
        }
    ));
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.event, BakeEvent::Output { line, .. } if line == "two"))
    );
    // Followed again once it has ended: the same events, from the history.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(follow_all(&bakery, &ids[0]).await, events);
    assert_eq!(
        bakery.summary_of(&ids[0]).unwrap().status,
        BakeStatus::Succeeded
    );
    assert!(bakery.running().is_empty());
    // Its manifest, as Packer writes manifest.json, saved where the person chose.
    let saved = dir.path().join("saved-manifest.json");
    bakery.save_manifest(&ids[0], &saved).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(manifest["last_run_uuid"], ids[0].as_str());
    let build = &manifest["builds"][0];
    assert_eq!(build["builder_type"], "amazon-ebs");
    assert_eq!(build["packer_run_uuid"], ids[0].as_str());
    let artifact_id = build["artifact_id"].as_str().unwrap();
    assert!(artifact_id.starts_with("eu-west-1:ami-"), "{artifact_id}");

    // Cancelled by id during provisioning: cleanup runs, nothing is left.
    std::fs::write(&path, template(&sandbox, &["sleep 30"], "")).unwrap();
    let plan = plan_of(&bakery, &path).unwrap();
    let id = bakery
        .launch(&plan, None, OnError::Cleanup)
        .await
        .unwrap()
        .remove(0);
    let cancelled = Mutex::new(false);
    let me = bakery.clone();
    bakery
        .follow(&id, Duration::from_millis(50), |batch| {
            for e in batch {
                if matches!(
                    e.event,
                    BakeEvent::StepStarted {
                        step: StepName::Provision
                    }
                ) {
                    me.cancel(&id).unwrap();
                    *cancelled.lock().unwrap() = true;
                }
            }
            true
        })
        .await
        .unwrap();
    assert!(*cancelled.lock().unwrap());
    assert_eq!(
        bakery.summary_of(&id).unwrap().status,
        BakeStatus::Cancelled
    );
    let instances = sandbox.ec2("eu-west-1", "DescribeInstances", &[]).unwrap();
    for state in instances.texts("name") {
        assert_eq!(state, "terminated");
    }
    assert!(
        sandbox
            .ec2("eu-west-1", "DescribeKeyPairs", &[])
            .unwrap()
            .texts("keyName")
            .is_empty()
    );
    assert!(bakery.unfinished(true).unwrap().is_empty());
    assert!(
        matches!(bakery.manifest(&id), Err(AppError::NoManifest(_))),
        "a cancelled bake made no image, so no manifest"
    );
    assert!(matches!(
        bakery.cancel(&id),
        Err(AppError::NoRunningBake(_))
    ));
}

#[test]
fn an_agent_build_is_refused_at_planning_when_no_agent_runs() {
    let sandbox = bakery_tests::sandbox();
    let dir = tempfile::tempdir().unwrap();
    let bakery = bakery(&sandbox, dir.path());
    let path = dir.path().join("packer.json");
    std::fs::write(
        &path,
        template(&sandbox, &["true"], r#", "ssh_agent_auth": true"#),
    )
    .unwrap();
    let err = plan_of(&bakery, &path).unwrap_err();
    assert!(err.to_string().contains("no SSH agent runs"), "{err}");
    // The environment given, not the process's, is what planning asks.
    let mut with_agent = bakery.environment().clone();
    with_agent
        .vars
        .insert("SSH_AUTH_SOCK".into(), "/tmp/agent.sock".into());
    let checked =
        bakery_app::template::check_template(&path, &VariableValues::default(), false, &with_agent)
            .unwrap();
    let plan =
        bakery_app::plan::plan(&path, checked, &PlanOptions::default(), &with_agent).unwrap();
    assert_eq!(
        plan.specs[0].ssh_agent_socket.as_deref(),
        Some(std::path::Path::new("/tmp/agent.sock"))
    );
}
