//! Credentials against moto's STS in the sandbox: GetCallerIdentity, AssumeRole through a
//! chain, and MFA (serial and code reach STS; the session is cached and reused).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bakery_credentials::{
    AppProfileStore, AwsEnvironment, AwsFiles, CredentialResolver, Keyring, KeyringAccess,
    MfaPrompt, MfaRefusal, NoMfaPrompt, Profiles,
};
use bakery_sandbox::{Sandbox, SandboxOptions};

#[allow(dead_code)]
#[path = "support/sso_stand_in.rs"]
mod stand_in;

/// moto's fixed account.
const ACCOUNT: &str = "123456789012";

struct AwsHome {
    dir: tempfile::TempDir,
    files: AwsFiles,
}

/// A temp HOME with `~/.aws/config` and `~/.aws/credentials`; `{endpoint}` is replaced.
fn aws_home(config: &str, credentials: &str, endpoint: &str) -> AwsHome {
    let dir = tempfile::tempdir().unwrap();
    let aws = dir.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(aws.join("config"), config.replace("{endpoint}", endpoint)).unwrap();
    std::fs::write(aws.join("credentials"), credentials).unwrap();
    let home = dir.path().to_path_buf();
    let files = AwsFiles::resolve(|_| None, Some(home));
    AwsHome { dir, files }
}

fn resolver(home: &AwsHome, mfa: Arc<dyn MfaPrompt>, keyring: &Keyring) -> CredentialResolver {
    let store = AppProfileStore::new(&home.dir.path().join("bakery-home"));
    let profiles = Profiles::load(&home.files, &store).unwrap();
    // No AWS_* variables from the test's own environment: the profiles say everything.
    CredentialResolver::new(
        profiles,
        KeyringAccess::with(keyring.clone()),
        mfa,
        AwsEnvironment::default(),
    )
}

const CONFIG: &str = "\
[profile sandbox]
region = us-east-1
endpoint_url = {endpoint}

[profile deploy]
role_arn = arn:aws:iam::123456789012:role/deploy
source_profile = sandbox
role_session_name = bakery-test
external_id = ext-42
duration_seconds = 900
endpoint_url = {endpoint}

[profile release]
role_arn = arn:aws:iam::123456789012:role/release
source_profile = deploy
endpoint_url = {endpoint}

[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = sandbox
role_session_name = with-mfa
mfa_serial = arn:aws:iam::123456789012:mfa/alice
endpoint_url = {endpoint}

[profile mfa-user]
region = us-east-1
mfa_serial = arn:aws:iam::123456789012:mfa/bob
endpoint_url = {endpoint}
";
const CREDENTIALS: &str = "\
[sandbox]
aws_access_key_id = testing
aws_secret_access_key = testing

[mfa-user]
aws_access_key_id = AKIABOB
aws_secret_access_key = bob-secret
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_identity_of_static_keys_is_motos_account() {
    let sandbox = bakery_tests::sandbox();
    let home = aws_home(CONFIG, CREDENTIALS, sandbox.endpoint());
    let resolver = resolver(&home, Arc::new(NoMfaPrompt), &Keyring::in_memory());
    let identity = resolver.caller_identity("sandbox").await.unwrap();
    assert_eq!(identity.account, ACCOUNT);
    assert!(identity.arn.starts_with("arn:aws:"), "{identity:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assume_role_through_a_chain() {
    let sandbox = bakery_tests::sandbox();
    let home = aws_home(CONFIG, CREDENTIALS, sandbox.endpoint());
    let resolver = resolver(&home, Arc::new(NoMfaPrompt), &Keyring::in_memory());

    let deploy = resolver.caller_identity("deploy").await.unwrap();
    assert_eq!(
        deploy.arn,
        "arn:aws:sts::123456789012:assumed-role/deploy/bakery-test"
    );
    // release <- deploy <- sandbox: two AssumeRole hops.
    let release = resolver.caller_identity("release").await.unwrap();
    assert!(
        release
            .arn
            .starts_with("arn:aws:sts::123456789012:assumed-role/release/bakery-"),
        "{release:?}"
    );
    let credentials = resolver.credentials("release").await.unwrap();
    assert!(credentials.session_token().is_some());
    assert!(
        credentials.expiry().is_some(),
        "role sessions carry their expiry"
    );
}

/// Answers with a fixed code and counts how often it was asked.
struct FixedCode {
    code: &'static str,
    asked: AtomicUsize,
    serials: Mutex<Vec<String>>,
}

impl MfaPrompt for FixedCode {
    fn mfa_code(&self, _profile: &str, serial: &str) -> Result<String, MfaRefusal> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.serials.lock().unwrap().push(serial.to_string());
        Ok(self.code.to_string())
    }
}

/// The request bodies moto recorded, decoded.
fn recorded_bodies(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|entry| {
            let body = entry["body"].as_str().unwrap_or_default().to_string();
            if entry["body_encoded"].as_bool() == Some(true) {
                use base64::Engine;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .unwrap_or_default();
                String::from_utf8_lossy(&bytes).into_owned()
            } else {
                body
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfa_serial_and_code_reach_sts_and_the_session_is_asked_for_once() {
    // A sandbox of its own that records every request.
    let recording_dir = tempfile::tempdir().unwrap();
    let recording = recording_dir.path().join("requests.jsonl");
    let sandbox = Sandbox::start(&SandboxOptions {
        record: Some(recording.clone()),
        ..Default::default()
    })
    .unwrap();
    let home = aws_home(CONFIG, CREDENTIALS, sandbox.endpoint());
    let prompt = Arc::new(FixedCode {
        code: "123456",
        asked: AtomicUsize::new(0),
        serials: Mutex::new(Vec::new()),
    });
    let keyring = Keyring::in_memory();
    let resolver = resolver(&home, prompt.clone(), &keyring);

    // Role profile with mfa_serial: AssumeRole with SerialNumber + TokenCode.
    let identity = resolver.caller_identity("admin").await.unwrap();
    assert_eq!(
        identity.arn,
        "arn:aws:sts::123456789012:assumed-role/admin/with-mfa"
    );
    // Key profile with mfa_serial: GetSessionToken with SerialNumber + TokenCode.
    resolver.credentials("mfa-user").await.unwrap();
    assert_eq!(prompt.asked.load(Ordering::SeqCst), 2);
    assert_eq!(
        *prompt.serials.lock().unwrap(),
        [
            "arn:aws:iam::123456789012:mfa/alice",
            "arn:aws:iam::123456789012:mfa/bob"
        ]
    );

    let bodies = recorded_bodies(&recording);
    let assume = bodies
        .iter()
        .find(|b| b.contains("Action=AssumeRole"))
        .unwrap_or_else(|| panic!("no AssumeRole recorded: {bodies:?}"));
    assert!(
        assume.contains("SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice"),
        "{assume}"
    );
    assert!(assume.contains("TokenCode=123456"), "{assume}");
    let session = bodies
        .iter()
        .find(|b| b.contains("Action=GetSessionToken"))
        .unwrap_or_else(|| panic!("no GetSessionToken recorded: {bodies:?}"));
    assert!(session.contains("SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fbob"));
    assert!(session.contains("TokenCode=123456"), "{session}");

    // The sessions are cached in the keyring: no second code, no second STS call.
    let calls_before = bodies.len();
    let again = resolver.caller_identity("admin").await.unwrap();
    assert_eq!(again.arn, identity.arn);
    resolver.credentials("mfa-user").await.unwrap();
    assert_eq!(prompt.asked.load(Ordering::SeqCst), 2);
    assert!(keyring.session("admin").unwrap().is_some());
    let bodies = recorded_bodies(&recording);
    let new_sts_calls = bodies[calls_before..]
        .iter()
        .filter(|b| b.contains("Action=AssumeRole") || b.contains("Action=GetSessionToken"))
        .count();
    assert_eq!(new_sts_calls, 0, "{:?}", &bodies[calls_before..]);
    sandbox.stop().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sdk_client_signs_with_the_profile_provider() {
    let sandbox = bakery_tests::sandbox();
    let home = aws_home(CONFIG, CREDENTIALS, sandbox.endpoint());
    let resolver = resolver(&home, Arc::new(NoMfaPrompt), &Keyring::in_memory());
    let config = resolver.sdk_config("release").await.unwrap();
    assert_eq!(config.region().unwrap().as_ref(), "us-east-1");
    let sts = aws_sdk_sts::Client::new(&config);
    let identity = sts.get_caller_identity().send().await.unwrap();
    assert!(
        identity
            .arn()
            .unwrap()
            .starts_with("arn:aws:sts::123456789012:assumed-role/release/"),
        "{identity:?}"
    );
}

/// A clock that can be moved forward, shared by the SDK and the resolver.
#[derive(Debug, Clone, Default)]
struct ManualClock {
    ahead_secs: Arc<std::sync::atomic::AtomicU64>,
}

impl ManualClock {
    fn now(&self) -> std::time::SystemTime {
        std::time::SystemTime::now()
            + std::time::Duration::from_secs(self.ahead_secs.load(Ordering::SeqCst))
    }

    fn advance(&self, by: std::time::Duration) {
        self.ahead_secs.fetch_add(by.as_secs(), Ordering::SeqCst);
    }
}

impl aws_smithy_async::time::TimeSource for ManualClock {
    fn now(&self) -> std::time::SystemTime {
        ManualClock::now(self)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_session_that_expires_mid_bake_is_renewed() {
    let sandbox = bakery_tests::sandbox();
    let config = "\
[profile sandbox]
region = us-east-1
endpoint_url = {endpoint}

[profile short]
role_arn = arn:aws:iam::123456789012:role/short
source_profile = sandbox
duration_seconds = 900
";
    let home = aws_home(config, CREDENTIALS, sandbox.endpoint());
    let clock = ManualClock::default();
    let resolver_clock = clock.clone();
    let resolver = resolver(&home, Arc::new(NoMfaPrompt), &Keyring::in_memory())
        .with_clock(move || resolver_clock.now());
    let sdk_config = resolver.sdk_config("short").await.unwrap();
    // One long-lived client, as a bake holds one for its whole run.
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&sdk_config)
            .time_source(clock.clone())
            .build(),
    );
    let arn = || async {
        sts.get_caller_identity()
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_string()
    };
    let first = arn().await;
    assert!(first.contains("assumed-role/short/bakery-"), "{first}");
    assert_eq!(
        arn().await,
        first,
        "the session is reused while it is valid"
    );

    // 20 minutes later the 15-minute session has expired: the client gets a new one
    // (a new session name, stamped with the new time) instead of failing.
    clock.advance(std::time::Duration::from_secs(20 * 60));
    let later = arn().await;
    assert!(later.contains("assumed-role/short/bakery-"), "{later}");
    assert_ne!(later, first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_mfa_code_is_reported_as_such_and_nothing_is_cached() {
    // moto accepts any code; the stand-in rejects every one, as STS does a wrong one.
    let sts = stand_in::SsoStandIn::start();
    let home = aws_home(CONFIG, CREDENTIALS, &sts.endpoint);
    let prompt = Arc::new(FixedCode {
        code: "000000",
        asked: AtomicUsize::new(0),
        serials: Mutex::new(Vec::new()),
    });
    let keyring = Keyring::in_memory();
    let err = resolver(&home, prompt.clone(), &keyring)
        .credentials("admin")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "mfa_rejected");
    let text = err.to_string();
    assert!(
        text.contains("arn:aws:iam::123456789012:mfa/alice"),
        "{text}"
    );
    assert!(text.contains("wait for the next code"), "{text}");
    assert_eq!(prompt.asked.load(Ordering::SeqCst), 1);
    assert_eq!(keyring.session("admin").unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_identity_token_file_assumes_its_role_and_can_start_a_chain() {
    let sandbox = bakery_tests::sandbox();
    let token_dir = tempfile::tempdir().unwrap();
    let token_file = token_dir.path().join("token");
    std::fs::write(&token_file, "eyJhbGciOiJSUzI1NiJ9.stand-in.oidc-token\n").unwrap();
    let config = format!(
        "[profile ci]\n\
         role_arn = arn:aws:iam::123456789012:role/ci\n\
         web_identity_token_file = {}\n\
         role_session_name = github-actions\n\
         region = us-east-1\n\
         endpoint_url = {{endpoint}}\n\n\
         [profile ci-deploy]\n\
         role_arn = arn:aws:iam::123456789012:role/deploy\n\
         source_profile = ci\n\
         role_session_name = from-ci\n\
         endpoint_url = {{endpoint}}\n",
        token_file.display()
    );
    let home = aws_home(&config, "", sandbox.endpoint());
    let resolver = resolver(&home, Arc::new(NoMfaPrompt), &Keyring::in_memory());
    let ci = resolver.caller_identity("ci").await.unwrap();
    assert_eq!(
        ci.arn,
        "arn:aws:sts::123456789012:assumed-role/ci/github-actions"
    );
    let deploy = resolver.caller_identity("ci-deploy").await.unwrap();
    assert_eq!(
        deploy.arn,
        "arn:aws:sts::123456789012:assumed-role/deploy/from-ci"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_process_and_credential_source_start_role_chains() {
    let sandbox = bakery_tests::sandbox();
    let config = r#"
[profile proc]
credential_process = sh -c 'printf "{\"Version\": 1, \"AccessKeyId\": \"testing\", \"SecretAccessKey\": \"testing\"}"'
region = us-east-1
endpoint_url = {endpoint}

[profile from-proc]
role_arn = arn:aws:iam::123456789012:role/from-proc
source_profile = proc
role_session_name = proc-session
endpoint_url = {endpoint}

[profile from-env]
role_arn = arn:aws:iam::123456789012:role/from-env
credential_source = Environment
role_session_name = env-session
endpoint_url = {endpoint}
"#;
    let home = aws_home(config, "", sandbox.endpoint());
    let store = AppProfileStore::new(&home.dir.path().join("bakery-home"));
    let env = AwsEnvironment::from_lookup(|name| match name {
        "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" => Some("testing".into()),
        _ => None,
    });
    let resolver = CredentialResolver::new(
        Profiles::load(&home.files, &store).unwrap(),
        KeyringAccess::with(Keyring::in_memory()),
        Arc::new(NoMfaPrompt),
        env,
    );
    let proc = resolver.caller_identity("proc").await.unwrap();
    assert_eq!(proc.account, ACCOUNT);
    let from_proc = resolver.caller_identity("from-proc").await.unwrap();
    assert_eq!(
        from_proc.arn,
        "arn:aws:sts::123456789012:assumed-role/from-proc/proc-session"
    );
    let from_env = resolver.caller_identity("from-env").await.unwrap();
    assert_eq!(
        from_env.arn,
        "arn:aws:sts::123456789012:assumed-role/from-env/env-session"
    );
}

#[tokio::test]
async fn sdk_config_takes_endpoint_and_region_from_the_profile_itself_only() {
    // The default profile points elsewhere; profiles without an endpoint of their own must
    // not pick it up (they talk to AWS), whether they are file or app profiles.
    let config = "\
[default]
region = eu-west-1
endpoint_url = http://127.0.0.1:9

[profile plain]
region = ap-south-1

[profile local]
region = us-east-1
endpoint_url = http://127.0.0.1:5000
";
    let credentials = "[plain]\naws_access_key_id = A\naws_secret_access_key = B\n\
                       [local]\naws_access_key_id = A\naws_secret_access_key = B\n";
    let home = aws_home(config, credentials, "");
    let store = AppProfileStore::new(&home.dir.path().join("bakery-home"));
    store
        .upsert(bakery_credentials::AppProfile {
            name: "app".into(),
            access_key_id: "A".into(),
            region: Some("sa-east-1".into()),
            endpoint_url: None,
            imported_from: None,
        })
        .unwrap();
    let resolver = CredentialResolver::new(
        Profiles::load(&home.files, &store).unwrap(),
        KeyringAccess::with(Keyring::in_memory()),
        Arc::new(NoMfaPrompt),
        AwsEnvironment::default(),
    );
    for (name, region, endpoint) in [
        ("plain", "ap-south-1", None),
        ("app", "sa-east-1", None),
        ("local", "us-east-1", Some("http://127.0.0.1:5000")),
    ] {
        let sdk = resolver.sdk_config(name).await.unwrap();
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some(region), "{name}");
        assert_eq!(sdk.endpoint_url(), endpoint, "{name}");
    }
}
