//! Every profile a user has: the union of `~/.aws/config` + `~/.aws/credentials` (merged
//! per name, the credentials file winning per key, as in the AWS CLI) and the app's own
//! profiles (`profiles.json` + keyring).
//!
//! Invariants: an app profile hides a file profile of the same name (that is what
//! `bakery profiles import` makes); a role chain is resolved by name over the whole union,
//! so a chain can start from keys moved into the keyring. Loading never fails because one
//! profile is broken: each profile's problem is reported by [`Profiles::check`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::app_profiles::{AppProfile, AppProfileStore};
use crate::aws_files::{self, AwsFiles, FileKind, Property, Section, SectionKind};
use crate::error::CredentialsError;
use crate::secret::Secret;

/// How a profile gets its credentials.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    /// `aws_access_key_id` + `aws_secret_access_key` in a shared file.
    StaticKeys,
    /// `role_arn` with `source_profile` or `credential_source`.
    AssumeRole,
    /// `role_arn` with `web_identity_token_file`.
    WebIdentity,
    /// `sso_session` or the legacy `sso_start_url`.
    Sso,
    /// `credential_process`.
    CredentialProcess,
    /// The app's own profile: access key id in `profiles.json`, secret in the OS keyring.
    AppKeyring,
    /// Region or other settings only: no way to get credentials.
    SettingsOnly,
}

impl ProfileKind {
    /// How a person reads the kind, e.g. "assume-role" (lists, `bakery profiles list`).
    pub fn label(self) -> &'static str {
        match self {
            ProfileKind::StaticKeys => "static keys",
            ProfileKind::AssumeRole => "assume-role",
            ProfileKind::WebIdentity => "web identity",
            ProfileKind::Sso => "SSO",
            ProfileKind::CredentialProcess => "credential_process",
            ProfileKind::AppKeyring => "app keyring",
            ProfileKind::SettingsOnly => "settings only",
        }
    }
}

impl fmt::Display for ProfileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A place in a shared file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    /// The file.
    pub path: PathBuf,
    /// The line, from 1.
    pub line: usize,
}

impl fmt::Display for FileLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.line)
    }
}

/// Where a profile is defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileSource {
    /// Sections of the AWS shared files (config and/or credentials), header lines.
    AwsFiles(Vec<FileLocation>),
    /// The app's `profiles.json`, its secret in the keyring.
    App {
        /// The app's profiles file.
        file: PathBuf,
        /// The credentials file it was imported from, when `bakery profiles import` made it.
        imported_from: Option<PathBuf>,
    },
}

impl fmt::Display for ProfileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileSource::AwsFiles(locations) => {
                let list: Vec<String> = locations.iter().map(ToString::to_string).collect();
                f.write_str(&list.join(", "))
            }
            ProfileSource::App {
                file,
                imported_from,
            } => {
                write!(f, "keyring ({})", file.display())?;
                if let Some(from) = imported_from {
                    write!(f, ", imported from {}", from.display())?;
                }
                Ok(())
            }
        }
    }
}

/// Where an assumed role's source credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSource {
    /// `source_profile = NAME`.
    Profile(String),
    /// `credential_source = Environment | Ec2InstanceMetadata | EcsContainer`.
    CredentialSource(String),
}

/// What an assume-role profile says about its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSettings {
    /// The role assumed (`role_arn`).
    pub role_arn: String,
    /// `None` when neither `source_profile` nor `credential_source` is set (a problem).
    pub source: Option<RoleSource>,
    /// Where `source_profile` / `credential_source` is written (or the role_arn line).
    pub source_location: FileLocation,
    /// `role_session_name`: how the session shows in CloudTrail (a default is made when unset).
    pub role_session_name: Option<String>,
    /// `external_id`, for roles that ask a third party for one.
    pub external_id: Option<String>,
    /// `duration_seconds`: how long each role session lasts (STS's default when unset).
    pub duration_seconds: Option<i32>,
    /// Both `source_profile` and `credential_source` are set (a problem).
    pub ambiguous_source: bool,
    /// `web_identity_token_file`: the role is assumed with that token, no source needed.
    pub web_identity_token_file: Option<String>,
}

/// What an SSO profile says about its sign-in, from the profile and its `sso-session`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSettings {
    /// The `sso_session` it names, if any (the legacy form names none).
    pub session: Option<String>,
    /// The portal's start URL (`sso_start_url`).
    pub start_url: Option<String>,
    /// The region of the SSO service (`sso_region`), not of the bakes.
    pub region: Option<String>,
    /// The account whose role it signs in to (`sso_account_id`).
    pub account_id: Option<String>,
    /// The role it signs in to (`sso_role_name`).
    pub role_name: Option<String>,
    /// `sso_registration_scopes` of the sso-session (comma-separated in the file).
    pub registration_scopes: Vec<String>,
}

/// Static keys written in a shared file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticKeys {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key, redacted when printed.
    pub secret_access_key: Secret,
    /// The session token, for temporary keys written in the file.
    pub session_token: Option<Secret>,
    /// The file the secret key is written in.
    pub path: PathBuf,
}

/// One profile as bakes use it, from the AWS files or the app's own store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Its name (`[profile NAME]`, `--profile NAME`).
    pub name: String,
    /// How it gets its credentials.
    pub kind: ProfileKind,
    /// The region its bakes use when the template names none.
    pub region: Option<String>,
    /// Where its AWS calls go instead of AWS (`endpoint_url`).
    pub endpoint_url: Option<String>,
    /// The MFA device (`mfa_serial`) whose code its role needs.
    pub mfa_serial: Option<String>,
    /// Where it is defined.
    pub source: ProfileSource,
    /// Its role, for assume-role and web-identity profiles.
    pub role: Option<RoleSettings>,
    /// Its SSO sign-in, for SSO profiles.
    pub sso: Option<SsoSettings>,
    /// The command that prints its credentials (`credential_process`).
    pub credential_process: Option<String>,
    /// Keys in a shared file (file profiles only; app profiles keep theirs in the keyring).
    pub static_keys: Option<StaticKeys>,
    /// The access key id of an app profile.
    pub app_access_key_id: Option<String>,
    /// A file profile of the same name that this app profile hides.
    pub shadows: Option<Vec<FileLocation>>,
    /// What is wrong with this profile on its own (e.g. a key id without its secret).
    pub incomplete: Option<String>,
}

impl Profile {
    /// The kind as a person reads it, e.g. "assume-role + MFA".
    pub fn kind_label(&self) -> String {
        match &self.mfa_serial {
            Some(_) => format!("{} + MFA", self.kind.label()),
            None => self.kind.label().to_string(),
        }
    }

    /// The access key id this profile signs with, when it has one of its own.
    pub fn access_key_id(&self) -> Option<&str> {
        self.static_keys
            .as_ref()
            .map(|k| k.access_key_id.as_str())
            .or(self.app_access_key_id.as_deref())
    }

    fn first_location(&self) -> String {
        match &self.source {
            ProfileSource::AwsFiles(locations) => locations
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
            ProfileSource::App { file, .. } => file.display().to_string(),
        }
    }
}

/// All profiles, sorted by name.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    profiles: Vec<Profile>,
    files: Option<AwsFiles>,
}

impl Profiles {
    /// Reads both shared files and the app's profiles.
    pub fn load(files: &AwsFiles, app: &AppProfileStore) -> Result<Self, CredentialsError> {
        let config = aws_files::read(&files.config, FileKind::Config)?;
        let credentials = aws_files::read(&files.credentials, FileKind::Credentials)?;
        let app_profiles = app.load()?;
        let mut profiles =
            Self::from_parts(files, &config, &credentials, &app_profiles, app.path());
        profiles.files = Some(files.clone());
        Ok(profiles)
    }

    /// Builds the union from already-parsed parts.
    pub fn from_parts(
        files: &AwsFiles,
        config: &[Section],
        credentials: &[Section],
        app: &[AppProfile],
        app_file: &Path,
    ) -> Self {
        // name -> (merged properties with their file, header locations)
        let mut merged: BTreeMap<String, (MergedProperties, Vec<FileLocation>)> = BTreeMap::new();
        let sections = config
            .iter()
            .map(|s| (s, &files.config))
            .chain(credentials.iter().map(|s| (s, &files.credentials)));
        for (section, path) in sections {
            if section.kind != SectionKind::Profile {
                continue;
            }
            let (properties, locations) = merged.entry(section.name.clone()).or_default();
            locations.push(FileLocation {
                path: path.clone(),
                line: section.line,
            });
            for property in &section.properties {
                properties.insert(property.key.clone(), (property.clone(), path.clone()));
            }
        }
        let sso_sessions: BTreeMap<&str, &Section> = config
            .iter()
            .filter(|s| s.kind == SectionKind::SsoSession)
            .map(|s| (s.name.as_str(), s))
            .collect();

        let mut by_name: BTreeMap<String, Profile> = merged
            .into_iter()
            .map(|(name, (properties, locations))| {
                let profile = file_profile(name.clone(), &properties, locations, &sso_sessions);
                (name, profile)
            })
            .collect();
        for app_profile in app {
            let shadows = by_name
                .remove(&app_profile.name)
                .and_then(|p| match p.source {
                    ProfileSource::AwsFiles(locations) => Some(locations),
                    ProfileSource::App { .. } => None,
                });
            by_name.insert(
                app_profile.name.clone(),
                Profile {
                    name: app_profile.name.clone(),
                    kind: ProfileKind::AppKeyring,
                    region: app_profile.region.clone(),
                    endpoint_url: app_profile.endpoint_url.clone(),
                    mfa_serial: None,
                    source: ProfileSource::App {
                        file: app_file.to_path_buf(),
                        imported_from: app_profile.imported_from.clone(),
                    },
                    role: None,
                    sso: None,
                    credential_process: None,
                    static_keys: None,
                    app_access_key_id: Some(app_profile.access_key_id.clone()),
                    shadows,
                    incomplete: None,
                },
            );
        }
        Self {
            profiles: by_name.into_values().collect(),
            files: Some(files.clone()),
        }
    }

    /// The profiles, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.iter()
    }

    /// No profile at all: no AWS files and no app profiles.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// The shared files these profiles were read from.
    pub fn files(&self) -> Option<&AwsFiles> {
        self.files.as_ref()
    }

    /// The profile of this name, if there is one.
    pub fn find(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The profile of this name, or an error saying there is none.
    pub fn get(&self, name: &str) -> Result<&Profile, CredentialsError> {
        self.find(name)
            .ok_or_else(|| CredentialsError::UnknownProfile {
                name: name.to_string(),
            })
    }

    /// The profile and the profiles its credentials come from, in order (the last one
    /// holds the base credentials). Fails on a missing source_profile or a cycle.
    pub fn chain(&self, name: &str) -> Result<Vec<&Profile>, CredentialsError> {
        let mut chain: Vec<&Profile> = Vec::new();
        let mut current = self.get(name)?;
        loop {
            if chain.iter().any(|p| p.name == current.name) {
                let mut names: Vec<&str> = chain.iter().map(|p| p.name.as_str()).collect();
                names.push(&current.name);
                return Err(CredentialsError::RoleChainCycle {
                    profile: name.to_string(),
                    chain: names.join(" -> "),
                });
            }
            chain.push(current);
            let Some(role) = &current.role else {
                return Ok(chain);
            };
            if role.web_identity_token_file.is_some() && role.source.is_none() {
                return Ok(chain);
            }
            if role.ambiguous_source {
                return Err(CredentialsError::AmbiguousSource {
                    profile: current.name.clone(),
                    location: role.source_location.to_string(),
                });
            }
            match &role.source {
                None => {
                    return Err(CredentialsError::IncompleteProfile {
                        profile: current.name.clone(),
                        problem: "role_arn but neither source_profile nor credential_source".into(),
                        location: role.source_location.to_string(),
                    });
                }
                Some(RoleSource::CredentialSource(_)) => return Ok(chain),
                // A role profile may name itself to use its own static keys.
                Some(RoleSource::Profile(source))
                    if *source == current.name && current.static_keys.is_some() =>
                {
                    return Ok(chain);
                }
                Some(RoleSource::Profile(source)) => {
                    current = self.find(source).ok_or_else(|| {
                        CredentialsError::MissingSourceProfile {
                            profile: current.name.clone(),
                            missing: source.clone(),
                            location: role.source_location.to_string(),
                        }
                    })?;
                }
            }
        }
    }

    /// What stops `name` from producing credentials, as far as the files tell.
    pub fn check(&self, name: &str) -> Result<(), CredentialsError> {
        let chain = self.chain(name)?;
        for profile in chain {
            if let Some(problem) = &profile.incomplete {
                return Err(CredentialsError::IncompleteProfile {
                    profile: profile.name.clone(),
                    problem: problem.clone(),
                    location: profile.first_location(),
                });
            }
        }
        Ok(())
    }
}

type MergedProperties = BTreeMap<String, (Property, PathBuf)>;

fn file_profile(
    name: String,
    properties: &MergedProperties,
    locations: Vec<FileLocation>,
    sso_sessions: &BTreeMap<&str, &Section>,
) -> Profile {
    let value = |key: &str| {
        properties
            .get(key)
            .map(|(p, _)| p.value.clone())
            .filter(|v| !v.is_empty())
    };
    let location_of = |key: &str| {
        properties.get(key).map(|(p, path)| FileLocation {
            path: path.clone(),
            line: p.line,
        })
    };
    let mut incomplete = None;

    let static_keys = match (value("aws_access_key_id"), value("aws_secret_access_key")) {
        (Some(access_key_id), Some(secret)) => Some(StaticKeys {
            access_key_id,
            secret_access_key: Secret::new(secret),
            session_token: value("aws_session_token").map(Secret::new),
            path: properties["aws_secret_access_key"].1.clone(),
        }),
        (Some(_), None) => {
            incomplete = Some("aws_access_key_id without aws_secret_access_key".to_string());
            None
        }
        (None, Some(_)) => {
            incomplete = Some("aws_secret_access_key without aws_access_key_id".to_string());
            None
        }
        (None, None) => None,
    };

    let role = value("role_arn").map(|role_arn| {
        let source_profile = value("source_profile");
        let credential_source = value("credential_source");
        let source_location = location_of("source_profile")
            .or_else(|| location_of("credential_source"))
            .or_else(|| location_of("role_arn"))
            .expect("role_arn has a location");
        RoleSettings {
            role_arn,
            ambiguous_source: source_profile.is_some() && credential_source.is_some(),
            source: source_profile
                .map(RoleSource::Profile)
                .or(credential_source.map(RoleSource::CredentialSource)),
            source_location,
            role_session_name: value("role_session_name"),
            external_id: value("external_id"),
            duration_seconds: value("duration_seconds").and_then(|d| d.parse().ok()),
            web_identity_token_file: value("web_identity_token_file"),
        }
    });

    let sso = if value("sso_session").is_some() || value("sso_start_url").is_some() {
        let session = value("sso_session");
        let from_session = |key: &str| {
            session
                .as_deref()
                .and_then(|s| sso_sessions.get(s))
                .and_then(|section| section.get(key))
                .map(|p| p.value.clone())
        };
        if let Some(s) = &session
            && !sso_sessions.contains_key(s.as_str())
        {
            incomplete = Some(format!(
                "sso_session \"{s}\" but no [sso-session {s}] section"
            ));
        }
        Some(SsoSettings {
            start_url: value("sso_start_url").or_else(|| from_session("sso_start_url")),
            region: value("sso_region").or_else(|| from_session("sso_region")),
            account_id: value("sso_account_id"),
            role_name: value("sso_role_name"),
            registration_scopes: from_session("sso_registration_scopes")
                .map(|scopes| {
                    scopes
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            session,
        })
    } else {
        None
    };
    let credential_process = value("credential_process");

    let kind = if role.is_some() && value("web_identity_token_file").is_some() {
        ProfileKind::WebIdentity
    } else if role.is_some() {
        ProfileKind::AssumeRole
    } else if sso.is_some() {
        ProfileKind::Sso
    } else if static_keys.is_some() {
        ProfileKind::StaticKeys
    } else if credential_process.is_some() {
        ProfileKind::CredentialProcess
    } else {
        if incomplete.is_none() {
            incomplete = Some(
                "no credentials (no keys, role_arn, sso_session or credential_process)".to_string(),
            );
        }
        ProfileKind::SettingsOnly
    };

    Profile {
        name,
        kind,
        region: value("region"),
        endpoint_url: value("endpoint_url"),
        mfa_serial: value("mfa_serial"),
        source: ProfileSource::AwsFiles(locations),
        role,
        sso,
        credential_process,
        static_keys,
        app_access_key_id: None,
        shadows: None,
        incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_files::parse;

    const CONFIG: &str = "\
[default]
region = eu-west-1

[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = default
role_session_name = me
external_id = ext-1
duration_seconds = 1800
region = us-east-1

[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = dev
mfa_serial = arn:aws:iam::123456789012:mfa/me

[profile sso-new]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin

[profile sso-legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-west-2
sso_account_id = 123456789012
sso_role_name = Read

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1

[profile proc]
credential_process = /usr/bin/get-creds --json

[profile ci]
role_arn = arn:aws:iam::123456789012:role/ci
credential_source = Environment

[profile broken]
role_arn = arn:aws:iam::123456789012:role/x
source_profile = nowhere

[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/b
source_profile = loop-a

[profile sandbox]
region = us-east-1
endpoint_url = http://127.0.0.1:5000
";
    const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = default-secret

[sandbox]
aws_access_key_id = testing
aws_secret_access_key = testing

[mfa-user]
aws_access_key_id = AKIAMFA
aws_secret_access_key = mfa-secret
mfa_serial = arn:aws:iam::123456789012:mfa/user
";

    fn profiles(app: &[AppProfile]) -> Profiles {
        let files = AwsFiles {
            config: "/h/.aws/config".into(),
            credentials: "/h/.aws/credentials".into(),
            sso_cache: "/sso-cache".into(),
        };
        Profiles::from_parts(
            &files,
            &parse(CONFIG, FileKind::Config),
            &parse(CREDENTIALS, FileKind::Credentials),
            app,
            Path::new("/data/profiles.json"),
        )
    }

    #[test]
    fn every_kind_is_recognised() {
        let profiles = profiles(&[]);
        let kinds: Vec<(&str, String)> = profiles
            .iter()
            .map(|p| (p.name.as_str(), p.kind_label()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("admin", "assume-role + MFA".to_string()),
                ("broken", "assume-role".into()),
                ("ci", "assume-role".into()),
                ("default", "static keys".into()),
                ("dev", "assume-role".into()),
                ("loop-a", "assume-role".into()),
                ("loop-b", "assume-role".into()),
                ("mfa-user", "static keys + MFA".into()),
                ("proc", "credential_process".into()),
                ("sandbox", "static keys".into()),
                ("sso-legacy", "SSO".into()),
                ("sso-new", "SSO".into()),
            ]
        );
    }

    #[test]
    fn config_and_credentials_merge_per_name() {
        let profiles = profiles(&[]);
        let sandbox = profiles.get("sandbox").unwrap();
        assert_eq!(sandbox.region.as_deref(), Some("us-east-1"));
        assert_eq!(
            sandbox.endpoint_url.as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(sandbox.access_key_id(), Some("testing"));
        assert_eq!(
            sandbox.source.to_string(),
            "/h/.aws/config:51, /h/.aws/credentials:5"
        );
        let dev = profiles.get("dev").unwrap();
        let role = dev.role.as_ref().unwrap();
        assert_eq!(role.source, Some(RoleSource::Profile("default".into())));
        assert_eq!(role.role_session_name.as_deref(), Some("me"));
        assert_eq!(role.external_id.as_deref(), Some("ext-1"));
        assert_eq!(role.duration_seconds, Some(1800));
        let sso = profiles.get("sso-new").unwrap().sso.clone().unwrap();
        assert_eq!(
            sso.start_url.as_deref(),
            Some("https://corp.awsapps.com/start")
        );
        assert_eq!(sso.region.as_deref(), Some("eu-central-1"));
    }

    #[test]
    fn chains_resolve_and_problems_are_actionable() {
        let profiles = profiles(&[]);
        let names = |name| -> Vec<String> {
            profiles
                .chain(name)
                .unwrap()
                .iter()
                .map(|p| p.name.clone())
                .collect()
        };
        assert_eq!(names("admin"), ["admin", "dev", "default"]);
        assert_eq!(names("ci"), ["ci"]);

        let err = profiles.check("broken").unwrap_err();
        assert_eq!(err.kind(), "missing_source_profile");
        let text = err.to_string();
        assert!(text.contains("\"nowhere\""), "{text}");
        assert!(text.contains("/h/.aws/config:"), "{text}");

        let err = profiles.check("loop-a").unwrap_err();
        assert_eq!(err.kind(), "role_chain_cycle");
        assert!(
            err.to_string().contains("loop-a -> loop-b -> loop-a"),
            "{err}"
        );
        assert!(profiles.check("default").is_ok());
        assert!(profiles.check("nope").is_err());
    }

    #[test]
    fn app_profiles_join_and_hide_file_profiles_of_the_same_name() {
        let app = AppProfile {
            name: "default".into(),
            access_key_id: "AKIAAPP".into(),
            region: Some("ap-south-1".into()),
            endpoint_url: None,
            imported_from: Some("/h/.aws/credentials".into()),
        };
        let profiles = profiles(std::slice::from_ref(&app));
        let default = profiles.get("default").unwrap();
        assert_eq!(default.kind, ProfileKind::AppKeyring);
        assert_eq!(default.access_key_id(), Some("AKIAAPP"));
        assert!(default.shadows.is_some());
        assert_eq!(
            default.source.to_string(),
            "keyring (/data/profiles.json), imported from /h/.aws/credentials"
        );
        // The chain now ends in the keyring profile.
        let chain = profiles.chain("admin").unwrap();
        assert_eq!(chain.last().unwrap().kind, ProfileKind::AppKeyring);
    }

    #[test]
    fn half_written_keys_are_reported() {
        let files = AwsFiles {
            config: "/c".into(),
            credentials: "/k".into(),
            sso_cache: "/sso-cache".into(),
        };
        let profiles = Profiles::from_parts(
            &files,
            &[],
            &parse("[half]\naws_access_key_id = AKIA\n", FileKind::Credentials),
            &[],
            Path::new("/p"),
        );
        let err = profiles.check("half").unwrap_err();
        assert!(
            err.to_string().contains("without aws_secret_access_key"),
            "{err}"
        );
    }
}
