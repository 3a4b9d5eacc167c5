//! Profiles from a fixture `~/.aws` (one of every kind) are listed correctly, found through
//! HOME or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE.

use std::path::{Path, PathBuf};

use bakery_credentials::{AppProfile, AppProfileStore, AwsFiles, ProfileKind, Profiles};

fn fixture_home() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws");
    for name in ["config", "credentials"] {
        std::fs::copy(fixtures.join(name), aws.join(name)).unwrap();
    }
    let path = home.path().to_path_buf();
    (home, path)
}

#[test]
fn every_kind_from_a_fixture_home_is_listed() {
    let (_dir, home) = fixture_home();
    let files = AwsFiles::resolve(|_| None, Some(home.clone()));
    let store = AppProfileStore::new(&home.join("bakery"));
    store
        .upsert(AppProfile {
            name: "keyring-profile".into(),
            access_key_id: "AKIAAPP".into(),
            region: Some("us-west-1".into()),
            endpoint_url: None,
            imported_from: None,
        })
        .unwrap();
    let profiles = Profiles::load(&files, &store).unwrap();
    let listed: Vec<(String, String, Option<String>)> = profiles
        .iter()
        .map(|p| (p.name.clone(), p.kind_label(), p.region.clone()))
        .collect();
    let row =
        |n: &str, k: &str, r: Option<&str>| (n.to_string(), k.to_string(), r.map(String::from));
    assert_eq!(
        listed,
        [
            row("ci", "assume-role", None),
            row("corp-sso", "SSO", Some("eu-central-1")),
            row("default", "static keys", Some("eu-west-1")),
            row("dev", "assume-role", Some("eu-west-1")),
            row("k8s", "web identity", None),
            row("keyring-profile", "app keyring", Some("us-west-1")),
            row("legacy-sso", "SSO", None),
            row("mfa-user", "static keys + MFA", None),
            row("prod-admin", "assume-role + MFA", Some("us-east-1")),
            row("ring-a", "assume-role", None),
            row("ring-b", "assume-role", None),
            row("sandbox", "static keys", Some("us-east-1")),
            row("typo", "assume-role", None),
            row("vault", "credential_process", Some("ap-southeast-2")),
        ]
    );

    // Where each comes from: file and line of its section header(s).
    let source = |name: &str| profiles.get(name).unwrap().source.to_string();
    let config = home.join(".aws/config").display().to_string();
    let credentials = home.join(".aws/credentials").display().to_string();
    assert_eq!(source("default"), format!("{config}:4, {credentials}:2"));
    assert_eq!(source("vault"), format!("{config}:44"));
    assert_eq!(source("mfa-user"), format!("{credentials}:11"));
    assert!(source("keyring-profile").starts_with("keyring ("));
    assert_eq!(
        profiles.get("sandbox").unwrap().endpoint_url.as_deref(),
        Some("http://127.0.0.1:5000")
    );
    assert_eq!(
        profiles.get("vault").unwrap().kind,
        ProfileKind::CredentialProcess
    );

    // The problems a person can act on.
    let typo = profiles.check("typo").unwrap_err();
    assert_eq!(typo.kind(), "missing_source_profile");
    assert!(typo.to_string().contains("\"defualt\""), "{typo}");
    assert!(typo.to_string().contains(&format!("{config}:56")), "{typo}");
    let ring = profiles.check("ring-a").unwrap_err();
    assert_eq!(ring.kind(), "role_chain_cycle");
    assert!(
        ring.to_string().contains("ring-a -> ring-b -> ring-a"),
        "{ring}"
    );
    for fine in [
        "default",
        "dev",
        "prod-admin",
        "ci",
        "corp-sso",
        "legacy-sso",
        "vault",
    ] {
        profiles
            .check(fine)
            .unwrap_or_else(|err| panic!("{fine}: {err}"));
    }
    let chain: Vec<&str> = profiles
        .chain("prod-admin")
        .unwrap()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(chain, ["prod-admin", "dev", "default"]);
}

#[test]
fn aws_config_file_and_shared_credentials_file_override_home() {
    let (_dir, home) = fixture_home();
    let elsewhere = tempfile::tempdir().unwrap();
    let config = elsewhere.path().join("my-config");
    let credentials = elsewhere.path().join("my-credentials");
    std::fs::write(
        &config,
        "[profile only-here]\nregion = sa-east-1\ncredential_process = true\n",
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[keys-here]\naws_access_key_id = A\naws_secret_access_key = B\n",
    )
    .unwrap();
    let (c, k) = (
        config.display().to_string(),
        credentials.display().to_string(),
    );
    let files = AwsFiles::resolve(
        |name| match name {
            "AWS_CONFIG_FILE" => Some(c.clone()),
            "AWS_SHARED_CREDENTIALS_FILE" => Some(k.clone()),
            _ => None,
        },
        Some(home.clone()),
    );
    let profiles = Profiles::load(&files, &AppProfileStore::new(&home.join("bakery"))).unwrap();
    let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["keys-here", "only-here"]);
}
