//! What a front end may know about a profile: everything but its secret. `ProfileSummary`
//! is the shape the desktop shell sends to the webview; it says whether and where a secret
//! is kept, never what it is.

use serde::Serialize;

use crate::profiles::{Profile, ProfileKind, ProfileSource, Profiles};

/// Where a profile's long-lived secret is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SecretLocation {
    /// No secret of its own (a role, SSO, credential_process, or settings only).
    None,
    /// The OS keyring (an app profile).
    Keyring,
    /// In plain text in a shared file: a candidate for `bakery profiles import`.
    PlaintextFile {
        /// The file it is written in.
        path: String,
    },
}

/// Why a profile cannot give credentials now, as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileProblem {
    /// A stable code (see `CredentialsError::kind`).
    pub kind: &'static str,
    /// What is wrong and what to do, as the error says it.
    pub message: String,
}

/// One profile as a list shows it (the desktop shell's Profiles view, `bakery profiles list`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileSummary {
    /// Its name.
    pub name: String,
    /// How it gets its credentials.
    pub kind: ProfileKind,
    /// E.g. "assume-role + MFA".
    pub kind_label: String,
    /// Its role asks for an MFA code.
    pub mfa: bool,
    /// The region its bakes use when the template names none.
    pub region: Option<String>,
    /// Where its AWS calls go instead of AWS.
    pub endpoint_url: Option<String>,
    /// Where it is defined, e.g. "~/.aws/config:12" or "keyring (profiles.json)".
    pub source: String,
    /// Where its secret is kept (never the secret).
    pub secret: SecretLocation,
    /// The profile and the profiles its credentials come from (empty when the chain is
    /// broken: see `problem`).
    pub chain: Vec<String>,
    /// Why it cannot give credentials now; `None` when nothing is known to be wrong.
    pub problem: Option<ProfileProblem>,
}

impl ProfileSummary {
    /// The summary of `profile`, with its chain and problem looked up in `profiles`.
    pub fn of(profile: &Profile, profiles: &Profiles) -> Self {
        let secret = match (&profile.source, &profile.static_keys) {
            (ProfileSource::App { .. }, _) => SecretLocation::Keyring,
            (_, Some(keys)) => SecretLocation::PlaintextFile {
                path: keys.path.display().to_string(),
            },
            _ => SecretLocation::None,
        };
        let chain = profiles
            .chain(&profile.name)
            .map(|chain| chain.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default();
        let problem = profiles
            .check(&profile.name)
            .err()
            .map(|err| ProfileProblem {
                kind: err.kind(),
                message: err.to_string(),
            });
        Self {
            name: profile.name.clone(),
            kind: profile.kind,
            kind_label: profile.kind_label(),
            mfa: profile.mfa_serial.is_some(),
            region: profile.region.clone(),
            endpoint_url: profile.endpoint_url.clone(),
            source: profile.source.to_string(),
            secret,
            chain,
            problem,
        }
    }
}

impl Profiles {
    /// Every profile as a front end may see it.
    pub fn summaries(&self) -> Vec<ProfileSummary> {
        self.iter().map(|p| ProfileSummary::of(p, self)).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::app_profiles::AppProfile;
    use crate::aws_files::{AwsFiles, FileKind, parse};

    #[test]
    fn summaries_say_where_secrets_are_but_never_what_they_are() {
        let files = AwsFiles {
            config: "/c".into(),
            credentials: "/k".into(),
            sso_cache: "/s".into(),
        };
        let profiles = Profiles::from_parts(
            &files,
            &parse(
                "[profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\nmfa_serial = arn:aws:iam::1:mfa/m\n[profile bad]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = none\n",
                FileKind::Config,
            ),
            &parse(
                "[keys]\naws_access_key_id = AKIA\naws_secret_access_key = very-secret-value\n",
                FileKind::Credentials,
            ),
            &[AppProfile {
                name: "app".into(),
                access_key_id: "AKIAAPP".into(),
                region: None,
                endpoint_url: None,
                imported_from: None,
            }],
            Path::new("/p.json"),
        );
        let summaries = profiles.summaries();
        let json = serde_json::to_string(&summaries).unwrap();
        assert!(!json.contains("very-secret-value"), "{json}");
        let by_name = |n: &str| summaries.iter().find(|s| s.name == n).unwrap();
        assert_eq!(by_name("app").secret, SecretLocation::Keyring);
        assert_eq!(
            by_name("keys").secret,
            SecretLocation::PlaintextFile { path: "/k".into() }
        );
        assert_eq!(by_name("role").chain, ["role", "keys"]);
        assert!(by_name("role").mfa);
        assert_eq!(
            by_name("bad").problem.as_ref().unwrap().kind,
            "missing_source_profile"
        );
        assert!(json.contains(r#""kind":"assume_role""#), "{json}");
        assert!(
            json.contains(r#""secret":{"type":"plaintext_file","path":"/k"}"#),
            "{json}"
        );
    }
}
