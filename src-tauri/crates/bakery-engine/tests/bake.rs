//! Bakes against the sandbox (moto over real HTTP, sshd over real SSH): the article's
//! template end to end, failures, bad input caught in preflight, and cancel at every step —
//! each time listing the account afterwards to prove nothing was left behind.

mod support;

use bakery_engine::{
    BakeEvent, BakeOutcome, EngineError, OutputStream, Provisioner, STEPS, ShellProvisioner,
    SourceImage, StepName,
};
use bakery_history::BakeStatus;
use support::{Harness, article_spec, drain, leftovers, sdk_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_article_template_bakes_and_leaves_only_the_image() {
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("bake-ok");
    let spec = article_spec(&sandbox, "yum-upgrade 1700000000");

    let result = bakery_engine::bake(&ctx, &sdk, &spec)
        .await
        .expect("the bake succeeds");
    drop(ctx);
    let events = drain(rx).await;

    assert_eq!(result.artifacts.len(), 1);
    let image_id = &result.artifacts[0].image_id;
    let image = sandbox
        .ec2("us-east-1", "DescribeImages", &[("ImageId.1", image_id)])
        .unwrap();
    assert_eq!(image.texts("imageState"), ["available"]);
    assert_eq!(image.texts("name"), ["yum-upgrade 1700000000"]);
    let tags = image.texts("value");
    assert!(
        tags.contains(&"bake-ok".to_string()),
        "tagged with the bake id: {tags:?}"
    );
    assert!(
        tags.contains(&"yum-upgrade 1700000000".to_string()),
        "user tags: {tags:?}"
    );

    let stdout: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            BakeEvent::Output {
                stream: OutputStream::Stdout,
                line,
            } => Some(line.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(stdout, ["hello from the bake", "built by amazon-ebs"]);
    let manifest = events.iter().find_map(|e| match e {
        BakeEvent::Manifest { build, path } => Some((build, path)),
        _ => None,
    });
    let (build, path) = manifest.expect("the manifest entry is reported");
    assert_eq!(build.artifact_id, format!("us-east-1:{image_id}"));
    assert_eq!(build.packer_run_uuid, "bake-ok");
    assert_eq!(build.builder_type, "amazon-ebs");
    assert_eq!(path, &None, "no manifest post-processor, no file");
    for step in STEPS {
        assert!(
            events
                .iter()
                .any(|e| matches!(e, BakeEvent::StepFinished { step: s, .. } if *s == step)),
            "{step:?} finished"
        );
    }
    assert!(matches!(
        events.last(),
        Some(BakeEvent::BakeFinished {
            outcome: BakeOutcome::Succeeded,
            ..
        })
    ));

    let left = leftovers(&sandbox, "us-east-1");
    assert!(left.instances.is_empty(), "{left:?}");
    assert!(left.security_groups.is_empty(), "{left:?}");
    assert!(left.key_pairs.is_empty(), "{left:?}");
    assert_eq!(
        left.images,
        std::slice::from_ref(image_id),
        "only the product remains"
    );

    let record = harness.history.bake("bake-ok").unwrap();
    assert_eq!(record.status, BakeStatus::Succeeded);
    assert!(harness.history.open_entries("bake-ok").unwrap().is_empty());
    assert_eq!(
        harness.history.artifacts("bake-ok").unwrap(),
        result.artifacts
    );
    let stored = harness.history.events("bake-ok").unwrap();
    assert_eq!(stored.len(), events.len(), "every event is in the history");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_provisioner_fails_the_bake_with_its_exit_code_and_cleans_up() {
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (ctx, rx) = harness.context("bake-fail");
    let mut spec = article_spec(&sandbox, "failing");
    spec.provisioners = vec![Provisioner::Shell(ShellProvisioner {
        inline: vec![
            "echo about to fail".into(),
            "echo oops >&2".into(),
            "exit 3".into(),
        ],
        ..Default::default()
    })];

    let err = bakery_engine::bake(&ctx, &sdk, &spec).await.unwrap_err();
    drop(ctx);
    let _ = drain(rx).await;
    match &err {
        EngineError::Provisioner {
            status, last_lines, ..
        } => {
            assert_eq!(*status, 3);
            assert!(last_lines.contains(&"oops".to_string()), "{last_lines:?}");
        }
        other => panic!("expected a provisioner failure, got {other}"),
    }
    assert!(
        leftovers(&sandbox, "us-east-1").is_empty(),
        "{:?}",
        leftovers(&sandbox, "us-east-1")
    );
    assert_eq!(
        harness.history.bake("bake-fail").unwrap().status,
        BakeStatus::Failed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_fails_in_preflight_before_anything_is_created() {
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;

    // A taken AMI name: bake once, then again with the same name.
    let harness = Harness::new();
    let (ctx, _rx) = harness.context("first");
    bakery_engine::bake(&ctx, &sdk, &article_spec(&sandbox, "taken-name"))
        .await
        .unwrap();

    type Mutation = Box<dyn Fn(&mut bakery_engine::BakeSpec)>;
    let cases: Vec<(&str, Mutation, &str)> = vec![
        (
            "unknown-ami",
            Box::new(|s| s.source = Some(SourceImage::Id("ami-0123456789abcdef0".into()))),
            "wrong region?",
        ),
        (
            "unknown-type",
            Box::new(|s| s.instance_type = "t9.mega".into()),
            "instance type `t9.mega` is not offered",
        ),
        (
            "region-typo",
            Box::new(|s| s.region = "us-eats-1".into()),
            "did you mean `us-east-1`?",
        ),
        (
            "taken",
            Box::new(|s| s.ami_name = "taken-name".into()),
            "already exists",
        ),
    ];
    for (id, mutate, expected) in cases {
        let harness = Harness::new();
        let (ctx, _rx) = harness.context(id);
        let mut spec = article_spec(&sandbox, &format!("fresh-{id}"));
        mutate(&mut spec);
        let err = bakery_engine::bake(&ctx, &sdk, &spec).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{id}: {err}");
        assert!(
            harness.history.ledger(id).unwrap().is_empty(),
            "{id}: nothing was even intended"
        );
    }
    let left = leftovers(&sandbox, "us-east-1");
    assert_eq!(
        left.images.len(),
        1,
        "only the first bake's image: {left:?}"
    );
    assert!(
        left.instances.is_empty() && left.key_pairs.is_empty() && left.security_groups.is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_at_every_step_boundary_leaves_nothing_behind() {
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;
    for (n, step) in STEPS.into_iter().enumerate() {
        let harness = Harness::new();
        let bake_id = format!("cancel-{n}");
        let (mut ctx, mut rx) = harness.context(&bake_id);
        let (tx, listener_rx) = support::unstamped();
        ctx.events = Some(tx);
        let cancel = ctx.cancel.clone();
        // Cancel as the step starts: the step before it has finished (the boundary).
        let watcher = tokio::spawn(async move {
            let mut listener_rx = listener_rx;
            while let Some(event) = listener_rx.recv().await {
                if matches!(&event, BakeEvent::StepStarted { step: s } if *s == step) {
                    cancel.cancel();
                }
            }
        });
        let mut spec = article_spec(&sandbox, &format!("cancelled {n}"));
        spec.ami_regions = vec!["us-west-2".into()];
        spec.ami_users = vec!["111122223333".into()];
        // Every step has cloud work to interrupt, the network included.
        spec.temporary_vpc = Some(bakery_engine::TemporaryVpcSpec::default());
        let result = bakery_engine::bake(&ctx, &sdk, &spec).await;
        drop(ctx);
        watcher.await.unwrap();
        rx.close();
        let status = harness.history.bake(&bake_id).unwrap().status;
        match &result {
            Err(EngineError::Cancelled(s)) => {
                assert_eq!(*s, step);
                assert_eq!(status, BakeStatus::Cancelled);
                let stored: Vec<serde_json::Value> = harness
                    .history
                    .events(&bake_id)
                    .unwrap()
                    .iter()
                    .map(|e| serde_json::from_str(&e.event).unwrap())
                    .collect();
                let name = serde_json::to_value(step).unwrap();
                assert!(
                    stored
                        .iter()
                        .any(|e| e["type"] == "step_cancelled" && e["step"] == name),
                    "the cut step is stored as cancelled at {step:?}"
                );
                assert!(
                    !stored
                        .iter()
                        .any(|e| e["type"] == "step_failed" && e["step"] == name),
                    "a cancel is not a failure at {step:?}"
                );
                for region in ["us-east-1", "us-west-2"] {
                    let left = leftovers(&sandbox, region);
                    assert!(
                        left.is_empty(),
                        "cancelled at {step:?}: {left:?} in {region}"
                    );
                }
            }
            // The cancel is sent by another task as the step starts; a step with no cloud
            // work left (the manifest) can finish first. Then the images are the product.
            Ok(result) if step == StepName::Manifest => {
                assert_eq!(status, BakeStatus::Succeeded);
                for artifact in &result.artifacts {
                    let left = leftovers(&sandbox, &artifact.region);
                    assert_eq!(left.images, std::slice::from_ref(&artifact.image_id));
                    assert!(left.instances.is_empty() && left.key_pairs.is_empty());
                    assert!(left.security_groups.is_empty());
                }
                sandbox.reset().unwrap();
            }
            other => panic!("{step:?}: {other:?}"),
        }
        let open = harness.history.open_entries(&bake_id).unwrap();
        assert!(open.is_empty(), "cancelled at {step:?}: {open:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_error_abort_keeps_the_resources_recorded_until_cleanup_is_asked_for() {
    let sandbox = bakery_tests::sandbox();
    let sdk = sdk_for(sandbox.endpoint()).await;
    let harness = Harness::new();
    let (mut ctx, rx) = harness.context("abort");
    ctx.on_error = bakery_engine::OnError::Abort;
    let mut spec = article_spec(&sandbox, "aborted");
    spec.provisioners = vec![Provisioner::Shell(ShellProvisioner {
        inline: vec!["exit 9".into()],
        ..Default::default()
    })];
    let err = bakery_engine::bake(&ctx, &sdk, &spec).await.unwrap_err();
    drop(ctx);
    let events = drain(rx).await;
    assert!(
        matches!(err, EngineError::Provisioner { status: 9, .. }),
        "{err}"
    );
    assert_eq!(
        harness.history.bake("abort").unwrap().status,
        BakeStatus::Aborted
    );
    let left_events = events
        .iter()
        .filter(|e| matches!(e, BakeEvent::ResourceLeft { .. }))
        .count();
    assert_eq!(
        left_events, 3,
        "instance, group and key pair are named as left"
    );
    let left = leftovers(&sandbox, "us-east-1");
    assert_eq!(left.instances.len(), 1, "kept for debugging: {left:?}");
    assert_eq!(left.key_pairs.len(), 1);
    assert_eq!(left.security_groups.len(), 1);

    // The next start does not touch an aborted bake; `bakery cleanup` does.
    let dir = harness.data_dir();
    let recovered =
        bakery_engine::cleanup::recover_dead_bakes(harness.history.clone(), dir, &sdk, false)
            .await
            .unwrap();
    assert!(recovered.is_empty());
    assert_eq!(leftovers(&sandbox, "us-east-1").instances.len(), 1);
    let recovered =
        bakery_engine::cleanup::recover_dead_bakes(harness.history.clone(), dir, &sdk, true)
            .await
            .unwrap();
    assert_eq!(recovered.len(), 1);
    assert!(recovered[0].left.is_empty(), "{:?}", recovered[0].left);
    assert!(leftovers(&sandbox, "us-east-1").is_empty());
}
