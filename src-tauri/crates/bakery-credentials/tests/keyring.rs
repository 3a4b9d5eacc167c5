//! Against the REAL Secret Service (gnome-keyring under D-Bus). Run as
//! `dbus-run-session -- scripts/with-keyring cargo test -p bakery-credentials` (scripts/test
//! does): add, list, use, remove; the secret is readable with `secret-tool` and absent from
//! every file under the data directory; an import that removes the plaintext keeps the
//! credentials file's comments byte for byte.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::SystemTime;

use bakery_credentials::keyring::{KEYRING_SERVICE, secret_key_user};
use bakery_credentials::manage::{self, NewAppProfile};
use bakery_credentials::{
    AppProfileStore, AwsEnvironment, AwsFiles, CredentialResolver, Keyring, KeyringAccess,
    NoMfaPrompt, ProfileKind, Profiles, Secret,
};

fn real_keyring() -> Keyring {
    Keyring::native().unwrap_or_else(|err| {
        panic!(
            "these tests need a Secret Service: run `dbus-run-session -- scripts/with-keyring cargo test -p bakery-credentials` ({err})"
        )
    })
}

/// `secret-tool lookup` of a profile's secret: what any other program on the desktop sees.
fn secret_tool_lookup(profile: &str) -> Option<String> {
    bakery_tests::secret_tool_lookup(&secret_key_user(profile))
}

/// Every file under `dir` that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if std::fs::read(&path)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

fn unique(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_list_use_remove_with_the_real_keyring() {
    let sandbox = bakery_tests::sandbox();
    let keyring = real_keyring();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("bakery-home");
    let files = AwsFiles::resolve(|_| None, Some(dir.path().to_path_buf()));
    let store = AppProfileStore::new(&home);
    let name = unique("kr-sandbox");
    let secret = format!("kr-secret-{}-value", std::process::id());

    let profiles = Profiles::load(&files, &store).unwrap();
    manage::add_profile(
        &store,
        &keyring,
        &profiles,
        NewAppProfile {
            name: name.clone(),
            access_key_id: "testing".into(),
            region: Some("us-east-1".into()),
            endpoint_url: Some(sandbox.endpoint().to_string()),
        },
        &Secret::new(secret.clone()),
    )
    .unwrap();

    // Listed, as an app profile.
    let profiles = Profiles::load(&files, &store).unwrap();
    let profile = profiles.get(&name).unwrap();
    assert_eq!(profile.kind, ProfileKind::AppKeyring);
    assert_eq!(profile.region.as_deref(), Some("us-east-1"));

    // In the Secret Service, and in no file of the data directory.
    assert_eq!(secret_tool_lookup(&name).as_deref(), Some(secret.as_str()));
    // Labelled so a person browsing the keyring (Seahorse, KeePassXC) knows what it is.
    let search = Command::new("secret-tool")
        .args(["search", "service", KEYRING_SERVICE, "username"])
        .arg(secret_key_user(&name))
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&search.stdout);
    assert!(
        listing.contains(&format!(
            "label = AMI Bakery: AWS secret access key of profile {name}"
        )),
        "{listing}"
    );
    assert!(files_containing(&home, &secret).is_empty());
    assert!(
        !files_containing(&home, &name).is_empty(),
        "profiles.json names it"
    );

    // Used: STS in the sandbox accepts it (through a fresh keyring connection).
    let resolver = CredentialResolver::new(
        profiles,
        KeyringAccess::native(),
        Arc::new(NoMfaPrompt),
        AwsEnvironment::default(),
    );
    let identity = resolver.caller_identity(&name).await.unwrap();
    assert_eq!(identity.account, "123456789012");

    // Removed: gone from the list and from the keyring.
    let profiles = Profiles::load(&files, &store).unwrap();
    manage::remove_profile(&store, &keyring, &profiles, &name).unwrap();
    assert!(
        Profiles::load(&files, &store)
            .unwrap()
            .find(&name)
            .is_none()
    );
    assert_eq!(secret_tool_lookup(&name), None);
    assert_eq!(keyring.secret_access_key(&name).unwrap(), None);
}

#[test]
fn import_with_remove_plaintext_keeps_every_other_byte() {
    let keyring = real_keyring();
    let dir = tempfile::tempdir().unwrap();
    let aws = dir.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    let name = unique("imported");
    let original = format!(
        "# Keys. Rotate every 90 days!\r\n\
         [default]\r\n\
         aws_access_key_id = AKIADEFAULT\r\n\
         aws_secret_access_key = default/secret\r\n\
         \r\n\
         ; the build account -- keep this comment\n\
         [{name}]    # imported by bakery later\n\
         # owner: platform team\n\
         aws_access_key_id=AKIAIMPORTED\n\
         aws_secret_access_key   =   imported/secret+key\n\
         region = eu-north-1\n\
         \n\
         \t# trailing comment, tab-indented\n\
         [other]\n\
         aws_access_key_id = AKIAOTHER\n\
         aws_secret_access_key = other\n"
    );
    std::fs::write(aws.join("credentials"), &original).unwrap();
    std::fs::write(aws.join("config"), "# nothing here\n").unwrap();
    let files = AwsFiles::resolve(|_| None, Some(dir.path().to_path_buf()));
    let store = AppProfileStore::new(&dir.path().join("bakery-home"));

    let outcome =
        manage::import_profile(&files, &store, &keyring, &name, true, SystemTime::now()).unwrap();
    let removal = outcome.plaintext_removed.unwrap();
    assert_eq!(removal.lines_removed, 2);

    let expected = original.replace(
        "aws_access_key_id=AKIAIMPORTED\naws_secret_access_key   =   imported/secret+key\n",
        "",
    );
    assert_ne!(expected, original);
    assert_eq!(
        std::fs::read(aws.join("credentials")).unwrap(),
        expected.as_bytes()
    );
    assert_eq!(std::fs::read(&removal.backup).unwrap(), original.as_bytes());
    assert_eq!(
        secret_tool_lookup(&name).as_deref(),
        Some("imported/secret+key")
    );
    let profiles = Profiles::load(&files, &store).unwrap();
    let profile = profiles.get(&name).unwrap();
    assert_eq!(profile.kind, ProfileKind::AppKeyring);
    assert_eq!(profile.access_key_id(), Some("AKIAIMPORTED"));
    assert_eq!(profile.region.as_deref(), Some("eu-north-1"));
    assert!(files_containing(&dir.path().join("bakery-home"), "imported/secret+key").is_empty());

    manage::remove_profile(&store, &keyring, &profiles, &name).unwrap();
    assert_eq!(secret_tool_lookup(&name), None);
}
