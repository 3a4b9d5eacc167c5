//! SSO: the device-authorization sign-in against a local stand-in for the OIDC and portal
//! endpoints; the token lands in `~/.aws/sso/cache` under the AWS CLI's file name and the
//! next run finds it; the role credentials it yields work against the sandbox's STS.

#[path = "support/sso_stand_in.rs"]
mod sso_stand_in;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bakery_credentials::sso::{self, SsoSignInPrompt};
use bakery_credentials::{
    AppProfileStore, AwsEnvironment, AwsFiles, CredentialResolver, Keyring, KeyringAccess,
    NoMfaPrompt, Profiles,
};
use sso_stand_in::SsoStandIn;

/// The person: reads the code, approves it in the "browser".
struct ApprovesInBrowser {
    stand_in: SsoStandIn,
    shown: std::sync::Mutex<Vec<(String, String)>>,
}

impl SsoSignInPrompt for ApprovesInBrowser {
    fn show(&self, verification_uri: &str, user_code: &str) {
        self.shown
            .lock()
            .unwrap()
            .push((verification_uri.to_string(), user_code.to_string()));
        self.stand_in.approve(user_code);
    }
}

fn resolver(home: &std::path::Path, stand_in: &SsoStandIn) -> CredentialResolver {
    let files = AwsFiles::resolve(|_| None, Some(home.to_path_buf()));
    let store = AppProfileStore::new(&home.join("bakery-home"));
    let profiles = Profiles::load(&files, &store).unwrap();
    let endpoint = stand_in.endpoint.clone();
    let env = AwsEnvironment::from_lookup(|name| match name {
        "AWS_ENDPOINT_URL_SSO" | "AWS_ENDPOINT_URL_SSO_OIDC" => Some(endpoint.clone()),
        _ => None,
    });
    CredentialResolver::new(
        profiles,
        KeyringAccess::with(Keyring::in_memory()),
        Arc::new(NoMfaPrompt),
        env,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_flow_login_caches_a_token_the_next_run_uses() {
    let sandbox = bakery_tests::sandbox();
    let stand_in = SsoStandIn::start();
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("config"),
        format!(
            "[profile corp]\n\
             sso_session = corp-session\n\
             sso_account_id = 123456789012\n\
             sso_role_name = Builder\n\
             region = us-east-1\n\
             endpoint_url = {}\n\n\
             [sso-session corp-session]\n\
             sso_start_url = https://corp.awsapps.com/start\n\
             sso_region = eu-west-1\n\
             sso_registration_scopes = sso:account:access\n",
            sandbox.endpoint()
        ),
    )
    .unwrap();

    // Before any sign-in: a clear "log in" error.
    let first_run = resolver(home.path(), &stand_in);
    let err = first_run.credentials("corp").await.unwrap_err();
    assert_eq!(err.kind(), "sso_login_needed");
    assert!(
        err.to_string().contains("bakery profiles login corp"),
        "{err}"
    );

    let prompt = Arc::new(ApprovesInBrowser {
        stand_in: stand_in.clone(),
        shown: Default::default(),
    });
    let cache_file = first_run.sso_login("corp", prompt.clone()).await.unwrap();
    assert_eq!(
        *prompt.shown.lock().unwrap(),
        [(
            format!(
                "https://device.sso.stand-in/?user_code={}",
                sso_stand_in::USER_CODE
            ),
            sso_stand_in::USER_CODE.to_string()
        )]
    );
    // The AWS CLI's cache file: sha1 of the sso-session name.
    assert_eq!(
        cache_file,
        sso::cache_path(&aws.join("sso/cache"), "corp-session")
    );
    let cached = std::fs::read_to_string(&cache_file).unwrap();
    assert!(
        cached.contains(&format!(
            "\"accessToken\": \"{}\"",
            sso_stand_in::ACCESS_TOKEN
        )),
        "{cached}"
    );
    assert!(cached.contains("\"startUrl\": \"https://corp.awsapps.com/start\""));

    // What reached the OIDC stand-in: the start URL, then polling with the device code.
    let requests = stand_in.requests();
    let device = requests
        .iter()
        .find(|r| r.path == "/device_authorization")
        .unwrap();
    assert!(
        device.body.contains("https://corp.awsapps.com/start"),
        "{device:?}"
    );
    let polls: Vec<_> = requests.iter().filter(|r| r.path == "/token").collect();
    assert!(!polls.is_empty());
    assert!(
        polls[0].body.contains("stand-in-device-code"),
        "{:?}",
        polls[0]
    );

    // The next run (a new resolver, as a new process) finds the cached token: the role
    // credentials come from the portal and STS in the sandbox accepts them.
    let next_run = resolver(home.path(), &stand_in);
    let credentials = next_run.credentials("corp").await.unwrap();
    assert_eq!(credentials.session_token(), Some("stand-in-session"));
    let identity = next_run.caller_identity("corp").await.unwrap();
    assert_eq!(identity.account, "123456789012");
    let portal = stand_in
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/federation/credentials"))
        .unwrap();
    assert!(
        portal.path.contains("account_id=123456789012"),
        "{portal:?}"
    );
    assert!(portal.path.contains("role_name=Builder"), "{portal:?}");

    // Two hours later the access token has expired: it is renewed with the refresh token
    // (no browser), and the renewed token is cached for the next run.
    let later = resolver(home.path(), &stand_in)
        .with_clock(|| SystemTime::now() + Duration::from_secs(2 * 3600));
    let credentials = later.credentials("corp").await.unwrap();
    assert_eq!(credentials.session_token(), Some("stand-in-session"));
    let refresh = stand_in
        .requests()
        .into_iter()
        .find(|r| r.path == "/token" && r.body.contains("\"refresh_token\""))
        .expect("the refresh token was used");
    assert!(refresh.body.contains("stand-in-refresh"), "{refresh:?}");
    assert!(
        std::fs::read_to_string(&cache_file)
            .unwrap()
            .contains(sso_stand_in::REFRESHED_TOKEN)
    );

    // Once it can't be renewed either: "log in" again, not a failure deep in a bake.
    stand_in.refuse_refresh();
    let much_later = resolver(home.path(), &stand_in)
        .with_clock(|| SystemTime::now() + Duration::from_secs(5 * 3600));
    let err = much_later.credentials("corp").await.unwrap_err();
    assert_eq!(err.kind(), "sso_login_needed");
    assert!(err.to_string().contains("expired"), "{err}");
}

#[tokio::test]
async fn login_refuses_a_profile_that_is_not_sso() {
    let stand_in = SsoStandIn::start();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        "[keys]\naws_access_key_id = A\naws_secret_access_key = B\n",
    )
    .unwrap();
    let prompt = Arc::new(ApprovesInBrowser {
        stand_in: stand_in.clone(),
        shown: Default::default(),
    });
    let err = resolver(home.path(), &stand_in)
        .sso_login("keys", prompt)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "not_sso");
}
