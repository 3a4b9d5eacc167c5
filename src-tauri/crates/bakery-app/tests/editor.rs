//! The template editor's use cases against the sandbox (moto): the starters check clean,
//! an unknown key is located in UTF-16 offsets with its did-you-mean, a save writes the
//! bytes given, and the pickers read the sandbox's catalogue (images newest first, the
//! instance types offered, the network, the KMS keys) and resolve a starter's
//! source_ami_filter; Advanced's options come from the schema.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use bakery_app::catalog::{Catalog, ImageQuery};
use bakery_app::editor::{self, EditorFile};
use bakery_app::{Bakery, Environment, VariableValues};
use bakery_credentials::{KeyringAccess, NoMfaPrompt};
use bakery_sandbox::Sandbox;

fn bakery(sandbox: &Sandbox, dir: &Path) -> Arc<Bakery> {
    let mut env = Environment::from_process();
    env.vars = sandbox
        .env_vars()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect::<BTreeMap<_, _>>();
    env.vars.insert("HOME".into(), dir.display().to_string());
    env.vars.insert(
        "BAKERY_SANDBOX_SSH_PORT".into(),
        sandbox.ssh_port().to_string(),
    );
    env.working_dir = dir.to_path_buf();
    Arc::new(Bakery::new(
        &dir.join("data"),
        env,
        KeyringAccess::native(),
        Arc::new(NoMfaPrompt),
    ))
}

fn file(path: &Path, text: &str) -> Vec<EditorFile> {
    vec![EditorFile {
        path: path.display().to_string(),
        text: text.to_string(),
    }]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starters_check_clean_and_the_pickers_read_the_sandbox() {
    let sandbox = bakery_tests::sandbox();
    let dir = tempfile::tempdir().unwrap();
    let bakery = bakery(&sandbox, dir.path());
    let env = bakery.environment();

    // Every starter checks without an error; the sandbox's is offered first.
    let starters = editor::starters(env);
    assert_eq!(starters[0].id, "sandbox");
    for starter in &starters {
        let path = editor::untitled_path(env, &starter.file_name);
        let checked = editor::check(
            &path,
            &file(&path, &starter.text),
            &VariableValues::default(),
            env,
        )
        .unwrap();
        assert_eq!(checked.errors, 0, "{}: {:?}", starter.id, checked.problems);
        assert_eq!(checked.builds.len(), 1, "{}", starter.id);
    }

    // The sandbox catalogue's newest AL2023 x86_64 image, newest first.
    let catalog = Catalog::new();
    let query = ImageQuery {
        owner: "amazon".into(),
        name: "al2023-ami-2023.*".into(),
        architecture: "x86_64".into(),
    };
    let images = catalog
        .images(&bakery, None, "us-east-1", &query, false)
        .await
        .unwrap();
    assert!(images.len() >= 4, "{images:?}");
    assert!(
        images[0].name.starts_with("al2023-ami-2023.6.20241111.0"),
        "{:?}",
        images[0]
    );
    assert!(
        images
            .windows(2)
            .all(|w| w[0].creation_date >= w[1].creation_date)
    );
    assert!(images.iter().all(|i| i.architecture == "x86_64"));

    // What the AL2023 starter's filter resolves to: that same image.
    let al2023 = starters
        .iter()
        .find(|s| s.id == "amazon-linux-2023")
        .unwrap();
    let path = editor::untitled_path(env, &al2023.file_name);
    let resolved = catalog
        .resolve_sources(&bakery, None, &path, &file(&path, &al2023.text))
        .await
        .unwrap();
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].region, "us-east-1");
    assert!(resolved[0].by_filter);
    assert_eq!(
        resolved[0].image.as_ref().map(|i| &i.id),
        Some(&images[0].id),
        "{resolved:?}"
    );

    // The instance types offered, with vCPUs and memory; the network.
    let types = catalog
        .instance_types(&bakery, None, "us-east-1", false)
        .await
        .unwrap();
    let micro = types.iter().find(|t| t.name == "t3.micro").unwrap();
    assert_eq!((micro.vcpus, micro.memory_mib), (2, 1024));
    assert!(micro.architectures.contains(&"x86_64".to_string()));
    let regions = catalog
        .regions(&bakery, None, "us-east-1", false)
        .await
        .unwrap();
    assert!(
        ["us-east-1", "eu-west-1", "us-west-2"]
            .iter()
            .all(|r| regions.iter().any(|x| x == r)),
        "{regions:?}"
    );
    let network = catalog
        .network(&bakery, None, "us-east-1", false)
        .await
        .unwrap();
    assert!(network.vpcs.iter().any(|v| v.default), "{network:?}");
    assert!(
        network
            .subnets
            .iter()
            .all(|s| s.free_addresses.unwrap_or(0) > 0)
    );
}

#[test]
fn an_unknown_key_is_located_with_its_fix_and_a_save_keeps_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let env = Environment::from_process();
    let path = dir.path().join("packer.json");
    // "é" is two bytes and one UTF-16 unit: offsets are UTF-16.
    let text = "{\n  \"description\": \"é\",\n  \"builders\": [{\"type\": \"amazon-ebs\", \"regin\": \"us-east-1\"}]\n}\n";
    let checked =
        editor::check(&path, &file(&path, text), &VariableValues::default(), &env).unwrap();
    let typo = checked
        .problems
        .iter()
        .find(|p| p.message.contains("regin"))
        .unwrap();
    assert_eq!((typo.line, typo.column), (3, 39));
    let units: Vec<u16> = text.encode_utf16().collect();
    let fix = typo.fix.as_ref().unwrap();
    assert_eq!(fix.text, "region");
    assert_eq!(
        String::from_utf16(&units[fix.from as usize..fix.to as usize]).unwrap(),
        "regin"
    );
    assert_eq!(typo.from, Some(fix.from - 1));

    editor::save(&path, text).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let opened = editor::open(&path).unwrap();
    assert_eq!(opened.files[0].text, text);
    assert_eq!(opened.dialect, editor::Dialect::Json);
    let err = editor::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("holds no .pkr.hcl file"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kms_picker_offers_the_default_ebs_key_then_the_accounts_symmetric_keys() {
    let sandbox = bakery_tests::sandbox();
    let dir = tempfile::tempdir().unwrap();
    let bakery = bakery(&sandbox, dir.path());
    // A region of its own, so keys other tests make can't show here.
    let region = "ap-southeast-2";
    let sdk = bakery_app::credentials::sdk_config(
        &bakery.resolver().unwrap(),
        None,
        region,
        bakery.environment(),
    )
    .await
    .unwrap();
    let kms = aws_sdk_kms::Client::new(&sdk);
    let golden = kms
        .create_key()
        .description("golden images")
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    for alias in ["alias/golden", "alias/amis"] {
        kms.create_alias()
            .alias_name(alias)
            .target_key_id(golden.key_id())
            .send()
            .await
            .unwrap();
    }
    let plain = kms.create_key().send().await.unwrap().key_metadata.unwrap();
    let signing = kms
        .create_key()
        .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
        .key_spec(aws_sdk_kms::types::KeySpec::EccNistP256)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();

    let catalog = Catalog::new();
    let keys = catalog
        .kms_keys(&bakery, None, region, false)
        .await
        .unwrap();
    let values: Vec<&str> = keys.iter().map(|k| k.value.as_str()).collect();
    // The default EBS key first; a key with aliases is picked by its first alias, one
    // without by its id; a signing key can't encrypt a volume and is not offered.
    assert_eq!(values[0], "alias/aws/ebs", "{keys:?}");
    assert!(values.contains(&"alias/amis"), "{keys:?}");
    assert!(values.contains(&plain.key_id()), "{keys:?}");
    assert!(!values.contains(&signing.key_id()), "{keys:?}");
    assert!(
        !keys
            .iter()
            .any(|k| k.key_id.as_deref() == Some(signing.key_id())),
        "{keys:?}"
    );
    let picked = keys.iter().find(|k| k.value == "alias/amis").unwrap();
    assert_eq!(picked.aliases, ["alias/amis", "alias/golden"]);
    assert_eq!(picked.description.as_deref(), Some("golden images"));
    assert_eq!(picked.key_id.as_deref(), Some(golden.key_id()));
    assert_eq!(picked.manager, "CUSTOMER");
    assert_eq!(picked.state, "Enabled");

    // Cached per profile and region until a refresh asks again.
    kms.create_key().send().await.unwrap();
    let cached = catalog
        .kms_keys(&bakery, None, region, false)
        .await
        .unwrap();
    assert_eq!(cached, keys);
    let refreshed = catalog.kms_keys(&bakery, None, region, true).await.unwrap();
    assert_eq!(refreshed.len(), keys.len() + 1);
}

#[test]
fn advanced_offers_every_builder_option_of_the_schema_typed_but_no_credentials() {
    let options = editor::builder_options();
    let kind = |name: &str| {
        options
            .iter()
            .find(|o| o.name == name)
            .map(|o| o.kind)
            .unwrap_or_else(|| panic!("{name} is not offered"))
    };
    use editor::OptionKind::*;
    assert_eq!(kind("force_deregister"), Boolean);
    assert_eq!(kind("ssh_port"), Number);
    assert_eq!(kind("ami_groups"), List);
    assert_eq!(kind("run_tags"), Map);
    assert_eq!(kind("assume_role"), Object);
    assert_eq!(kind("ami_block_device_mappings"), Object);
    assert_eq!(kind("user_data"), String);
    for hidden in ["access_key", "secret_key", "token", "type"] {
        assert!(options.iter().all(|o| o.name != hidden), "{hidden} offered");
    }
    assert!(options.windows(2).all(|w| w[0].name < w[1].name));
    let described = options
        .iter()
        .find(|o| o.name == "force_deregister")
        .unwrap();
    assert!(
        described
            .description
            .starts_with("Deregister an existing AMI"),
        "{described:?}"
    );
    assert!(options.iter().all(|o| !o.description.contains('\n')));
    assert!(options.len() > 60, "{}", options.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_starter_bakes_in_the_sandbox_as_it_is() {
    let sandbox = bakery_tests::sandbox();
    let dir = tempfile::tempdir().unwrap();
    let bakery = bakery(&sandbox, dir.path());
    let env = bakery.environment();
    let starter = editor::starters(env)
        .into_iter()
        .find(|s| s.id == "sandbox")
        .unwrap();
    let path = editor::untitled_path(env, &starter.file_name);
    editor::save(&path, &starter.text).unwrap();
    let checked =
        bakery_app::template::check_template(&path, &VariableValues::default(), false, env)
            .unwrap();
    let plan =
        bakery_app::plan::plan(&path, checked, &bakery_app::PlanOptions::default(), env).unwrap();
    let ids = bakery
        .launch(&plan, None, bakery_engine::OnError::Cleanup)
        .await
        .unwrap();
    assert_eq!(ids.len(), 1);
    let finished = std::sync::Mutex::new(None);
    bakery
        .follow(&ids[0], std::time::Duration::from_millis(50), |batch| {
            for e in batch {
                if let bakery_engine::BakeEvent::BakeFinished { outcome, .. } = &e.event {
                    *finished.lock().unwrap() = Some(*outcome);
                }
            }
            true
        })
        .await
        .unwrap();
    assert!(
        matches!(
            finished.into_inner().unwrap(),
            Some(bakery_engine::BakeOutcome::Succeeded)
        ),
        "the sandbox starter bakes as it is"
    );
    let summary = bakery.summary_of(&ids[0]).unwrap();
    assert_eq!(summary.status, bakery_history::BakeStatus::Succeeded);
}
