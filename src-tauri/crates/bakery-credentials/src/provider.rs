//! Credentials for a profile, by kind, the way aws-vault layers them: base credentials
//! (static keys from a file or the keyring, credential_process, credential_source, SSO,
//! web identity) -> zero or more AssumeRole hops (source_profile chain) -> the requested
//! profile.
//!
//! MFA (`mfa_serial`) is ours, because aws-config ignores it: the code comes from an
//! [`MfaPrompt`] (the CLI prompts, the GUI shows a dialog) and goes to STS AssumeRole (role
//! profiles) or GetSessionToken (key profiles) with the serial; the session is cached in the
//! keyring until it expires (for that role and device only), so the code is asked once per
//! session.
//!
//! Invariants: every keyring call and every prompt runs on a blocking thread
//! (`spawn_blocking`); a service is reached through `AWS_ENDPOINT_URL_<SERVICE>`, else the
//! chain's `endpoint_url`, else `AWS_ENDPOINT_URL`; credentials carry their expiry, so an
//! SDK client using [`ProfileCredentials`] asks again (and gets a fresh role session)
//! before they run out, mid-bake included.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{self, ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_sts::config::Region;

use crate::error::{CredentialsError, MfaRefusal};
use crate::keyring::{CachedSession, Keyring};
use crate::profiles::{Profile, ProfileKind, Profiles, RoleSource};
pub use crate::region::FALLBACK_REGION;
use crate::secret::Secret;
use crate::sso::{self, SsoEndpoints, SsoSignInPrompt};

/// A cached MFA session is reused only while it has at least this much time left.
pub const SESSION_MARGIN: Duration = Duration::from_secs(5 * 60);

/// Asks the person for an MFA code. Called on a blocking thread: it may block on a
/// terminal prompt or wait for a dialog.
pub trait MfaPrompt: Send + Sync {
    /// The current code of device `serial`, for `profile`; `Err` says why there is none
    /// (declined, or nobody to ask).
    fn mfa_code(&self, profile: &str, serial: &str) -> Result<String, MfaRefusal>;
}

/// For callers that cannot ask anyone (scripts, tests): every MFA profile fails clearly.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoMfaPrompt;

impl MfaPrompt for NoMfaPrompt {
    fn mfa_code(&self, _profile: &str, _serial: &str) -> Result<String, MfaRefusal> {
        Err(MfaRefusal::Unavailable(
            "no one to ask for it here (non-interactive)".into(),
        ))
    }
}

/// The environment variables credentials depend on, read once and passed in.
#[derive(Debug, Clone, Default)]
pub struct AwsEnvironment {
    /// `AWS_ENDPOINT_URL`: where every service's calls go when nothing more specific says.
    pub endpoint_url: Option<String>,
    /// `AWS_ENDPOINT_URL_STS`: where STS calls go (over the profile's `endpoint_url`).
    pub sts_endpoint_url: Option<String>,
    /// `AWS_ENDPOINT_URL_SSO`: where the SSO portal's calls go.
    pub sso_endpoint_url: Option<String>,
    /// `AWS_ENDPOINT_URL_SSO_OIDC`: where the SSO sign-in's calls go.
    pub sso_oidc_endpoint_url: Option<String>,
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`: the region when no profile names one.
    pub region: Option<String>,
    /// `AWS_ACCESS_KEY_ID`: the key of a bake with no profile, and of `credential_source =
    /// Environment`.
    pub access_key_id: Option<String>,
    /// `AWS_SECRET_ACCESS_KEY`, redacted when printed.
    pub secret_access_key: Option<Secret>,
    /// `AWS_SESSION_TOKEN`, for temporary keys in the environment.
    pub session_token: Option<Secret>,
}

impl AwsEnvironment {
    /// Reads this process's variables.
    pub fn from_process() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `env` (an empty value counts as unset): tests and front ends
    /// pass theirs.
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        Self {
            endpoint_url: get("AWS_ENDPOINT_URL"),
            sts_endpoint_url: get("AWS_ENDPOINT_URL_STS"),
            sso_endpoint_url: get("AWS_ENDPOINT_URL_SSO"),
            sso_oidc_endpoint_url: get("AWS_ENDPOINT_URL_SSO_OIDC"),
            region: get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION")),
            access_key_id: get("AWS_ACCESS_KEY_ID"),
            secret_access_key: get("AWS_SECRET_ACCESS_KEY").map(Secret::new),
            session_token: get("AWS_SESSION_TOKEN").map(Secret::new),
        }
    }
}

/// The keyring, opened on first use (so profiles that never touch it work without one).
#[derive(Clone)]
pub struct KeyringAccess {
    opened: Arc<Mutex<Option<Keyring>>>,
}

impl fmt::Debug for KeyringAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyringAccess")
    }
}

impl KeyringAccess {
    /// The platform's keyring, connected when first needed.
    pub fn native() -> Self {
        Self {
            opened: Arc::new(Mutex::new(None)),
        }
    }

    /// A keyring already open (an in-memory one in tests).
    pub fn with(keyring: Keyring) -> Self {
        Self {
            opened: Arc::new(Mutex::new(Some(keyring))),
        }
    }

    /// Blocking: connects on first use.
    pub fn get(&self) -> Result<Keyring, CredentialsError> {
        let mut opened = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(keyring) = opened.as_ref() {
            return Ok(keyring.clone());
        }
        let keyring = Keyring::native()?;
        *opened = Some(keyring.clone());
        Ok(keyring)
    }

    /// Runs `f` with the keyring on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, CredentialsError>
    where
        T: Send + 'static,
        F: FnOnce(&Keyring) -> Result<T, CredentialsError> + Send + 'static,
    {
        let access = self.clone();
        tokio::task::spawn_blocking(move || f(&access.get()?))
            .await
            .map_err(|err| CredentialsError::Keyring {
                message: format!("the keyring call did not finish: {err}"),
            })?
    }
}

/// What STS says about the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The account id the credentials belong to.
    pub account: String,
    /// The caller's ARN (a user, or an assumed-role session).
    pub arn: String,
    /// STS's unique id of the caller.
    pub user_id: String,
}

/// Turns profile names into credentials.
#[derive(Clone)]
pub struct CredentialResolver {
    profiles: Arc<Profiles>,
    keyring: KeyringAccess,
    mfa: Arc<dyn MfaPrompt>,
    env: Arc<AwsEnvironment>,
    clock: Arc<dyn Fn() -> SystemTime + Send + Sync>,
}

impl fmt::Debug for CredentialResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialResolver")
            .field("profiles", &self.profiles.iter().count())
            .finish_non_exhaustive()
    }
}

impl CredentialResolver {
    /// A resolver over `profiles`, with the keyring for app profiles and cached sessions, `mfa` to
    /// ask codes, and the environment's AWS variables.
    pub fn new(
        profiles: Profiles,
        keyring: KeyringAccess,
        mfa: Arc<dyn MfaPrompt>,
        env: AwsEnvironment,
    ) -> Self {
        Self {
            profiles: Arc::new(profiles),
            keyring,
            mfa,
            env: Arc::new(env),
            clock: Arc::new(SystemTime::now),
        }
    }

    /// The resolver a front end uses: `~/.aws` files (HOME, AWS_CONFIG_FILE,
    /// AWS_SHARED_CREDENTIALS_FILE), the app's profiles in the data directory (BAKERY_HOME),
    /// the platform keyring (opened on first use) and the process's AWS_* variables.
    pub fn from_env(mfa: Arc<dyn MfaPrompt>) -> Result<Self, CredentialsError> {
        let home = bakery_home::BakeryHome::from_env()?;
        let profiles = Profiles::load(
            &crate::aws_files::AwsFiles::from_env(),
            &crate::app_profiles::AppProfileStore::new(home.path()),
        )?;
        Ok(Self::new(
            profiles,
            KeyringAccess::native(),
            mfa,
            AwsEnvironment::from_process(),
        ))
    }

    /// Replaces the clock (tests: expiry of cached sessions).
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The profiles it resolves.
    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// The region calls for `name` go to: the first region in its chain, else
    /// `AWS_REGION`, else us-east-1.
    pub fn region(&self, name: &str) -> Result<String, CredentialsError> {
        let chain = self.profiles.chain(name)?;
        Ok(chain
            .iter()
            .find_map(|p| p.region.clone())
            .or_else(|| self.env.region.clone())
            .unwrap_or_else(|| FALLBACK_REGION.to_string()))
    }

    /// The endpoint calls for `name` go to: the first `endpoint_url` in its chain, else
    /// `AWS_ENDPOINT_URL` (None = the AWS default for the service).
    pub fn endpoint_url(&self, name: &str) -> Result<Option<String>, CredentialsError> {
        let chain = self.profiles.chain(name)?;
        Ok(chain
            .iter()
            .find_map(|p| p.endpoint_url.clone())
            .or_else(|| self.env.endpoint_url.clone()))
    }

    /// The service's own variable (`AWS_ENDPOINT_URL_STS`), else the chain's
    /// `endpoint_url`, else `AWS_ENDPOINT_URL`.
    fn sts_endpoint(&self, chain: &[&Profile]) -> Option<String> {
        self.env
            .sts_endpoint_url
            .clone()
            .or_else(|| chain.iter().find_map(|p| p.endpoint_url.clone()))
            .or_else(|| self.env.endpoint_url.clone())
    }

    /// Where the SSO calls of `profile` go, by the same precedence as STS.
    pub fn sso_endpoints(&self, profile: &Profile) -> SsoEndpoints {
        let general = profile
            .endpoint_url
            .clone()
            .or_else(|| self.env.endpoint_url.clone());
        SsoEndpoints {
            oidc: self.env.sso_oidc_endpoint_url.clone().or(general.clone()),
            portal: self.env.sso_endpoint_url.clone().or(general),
        }
    }

    fn sso_cache_dir(&self) -> PathBuf {
        self.profiles
            .files()
            .map(|f| f.sso_cache.clone())
            .unwrap_or_else(|| PathBuf::from(".aws/sso/cache"))
    }

    /// Signs `name` (an SSO profile) in with the device-authorization flow; the token is
    /// cached where the AWS CLI finds it too. Returns the cache file.
    pub async fn sso_login(
        &self,
        name: &str,
        prompt: Arc<dyn SsoSignInPrompt>,
    ) -> Result<PathBuf, CredentialsError> {
        let profile = self.profiles.get(name)?;
        if profile.kind != ProfileKind::Sso {
            return Err(CredentialsError::NotSso {
                profile: name.to_string(),
                kind: profile.kind_label(),
            });
        }
        let clock = self.clock.clone();
        sso::login(
            profile,
            &self.sso_cache_dir(),
            &self.sso_endpoints(profile),
            prompt,
            move || clock(),
        )
        .await
    }

    /// A credentials provider for SDK clients: resolves `name` each time the SDK's cache
    /// needs credentials (at first use and before they expire).
    pub fn provider(&self, name: &str) -> ProfileCredentials {
        ProfileCredentials {
            resolver: self.clone(),
            profile: name.to_string(),
        }
    }

    /// SDK configuration for `name`: its credentials, region and endpoint.
    pub async fn sdk_config(&self, name: &str) -> Result<aws_config::SdkConfig, CredentialsError> {
        let region = self.region(name)?;
        self.sdk_config_in(name, &region).await
    }

    /// SDK configuration for `name` in another region (a bake's target or copy region).
    /// Its endpoint is [`Self::endpoint_url`] (the chain's `endpoint_url`, else
    /// `AWS_ENDPOINT_URL`); with none, the SDK's own rules apply for the profile.
    pub async fn sdk_config_in(
        &self,
        name: &str,
        region: &str,
    ) -> Result<aws_config::SdkConfig, CredentialsError> {
        self.profiles.check(name)?;
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .credentials_provider(self.provider(name))
            .region(Region::new(region.to_string()))
            // Other settings (retries, FIPS, ...) from this profile in the same files we
            // read, never from whatever AWS_PROFILE or [default] says.
            .profile_name(name);
        if let Some(files) = self.profiles.files() {
            use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
            loader = loader.profile_files(
                EnvConfigFiles::builder()
                    .include_default_config_file(false)
                    .include_default_credentials_file(false)
                    .with_file(EnvConfigFileKind::Config, &files.config)
                    .with_file(EnvConfigFileKind::Credentials, &files.credentials)
                    .build(),
            );
        }
        if let Some(url) = self.endpoint_url(name)? {
            loader = loader.endpoint_url(url);
        }
        Ok(loader.load().await)
    }

    /// STS GetCallerIdentity with `name`'s credentials.
    pub async fn caller_identity(&self, name: &str) -> Result<CallerIdentity, CredentialsError> {
        let credentials = self.credentials(name).await?;
        let chain = self.profiles.chain(name)?;
        let client = self.sts_client(&chain, credentials)?;
        let output = client
            .get_caller_identity()
            .send()
            .await
            .map_err(|err| sts_error(name, "GetCallerIdentity", err, None))?;
        Ok(CallerIdentity {
            account: output.account().unwrap_or_default().to_string(),
            arn: output.arn().unwrap_or_default().to_string(),
            user_id: output.user_id().unwrap_or_default().to_string(),
        })
    }

    /// Credentials for `name`, walking its chain.
    pub async fn credentials(&self, name: &str) -> Result<Credentials, CredentialsError> {
        self.profiles.check(name)?;
        let chain: Vec<Profile> = self.profiles.chain(name)?.into_iter().cloned().collect();

        // The nearest cached MFA session short-cuts the rest of the chain.
        let mut start = None;
        for (index, profile) in chain.iter().enumerate() {
            if profile.mfa_serial.is_some()
                && let Some(session) = self.cached_session(profile).await?
            {
                start = Some((index, session));
                break;
            }
        }
        let (mut credentials, mut next) = match start {
            Some((index, session)) => (session, index),
            None if chain
                .last()
                .is_some_and(|p| p.kind == ProfileKind::WebIdentity) =>
            {
                let base = chain.last().expect("checked above");
                let credentials = self.web_identity(base, &chain).await?;
                (credentials, chain.len() - 1)
            }
            None => {
                let base = chain.last().expect("a chain has the profile itself");
                let credentials = self.base_credentials(base, &chain).await?;
                // A base with a role of its own (credential_source, or source_profile naming
                // itself) assumes it next; otherwise the base is done.
                let next = if base.role.is_some() {
                    chain.len()
                } else {
                    chain.len() - 1
                };
                (credentials, next)
            }
        };
        while next > 0 {
            next -= 1;
            credentials = self.assume_role(&chain[next..], credentials).await?;
        }
        Ok(credentials)
    }

    async fn cached_session(
        &self,
        profile: &Profile,
    ) -> Result<Option<Credentials>, CredentialsError> {
        let owned = profile.name.clone();
        let session = self.keyring.run(move |k| k.session(&owned)).await?;
        let now = (self.clock)();
        let scope = session_scope(profile);
        Ok(session
            .filter(|s| s.scope == scope && s.valid_at(now, SESSION_MARGIN))
            .map(|s| session_credentials(&s)))
    }

    async fn base_credentials(
        &self,
        base: &Profile,
        chain: &[Profile],
    ) -> Result<Credentials, CredentialsError> {
        if let Some(role) = &base.role {
            return match &role.source {
                Some(RoleSource::CredentialSource(source)) => {
                    self.credential_source(&base.name, source).await
                }
                // `source_profile` naming itself: its own static keys.
                _ => self.own_keys(base).await,
            };
        }
        let credentials = self.own_keys(base).await?;
        // A key profile with mfa_serial, used directly: an MFA session (GetSessionToken).
        if chain.len() == 1
            && let Some(serial) = &base.mfa_serial
        {
            let refs: Vec<&Profile> = chain.iter().collect();
            return self.mfa_session(base, &refs, credentials, serial).await;
        }
        Ok(credentials)
    }

    async fn own_keys(&self, profile: &Profile) -> Result<Credentials, CredentialsError> {
        match profile.kind {
            ProfileKind::AppKeyring => {
                let name = profile.name.clone();
                let secret = self
                    .keyring
                    .run(move |k| k.secret_access_key(&name))
                    .await?
                    .ok_or_else(|| CredentialsError::SecretMissing {
                        profile: profile.name.clone(),
                    })?;
                let access_key_id = profile.app_access_key_id.clone().unwrap_or_default();
                Ok(Credentials::new(
                    access_key_id,
                    secret.expose(),
                    None,
                    None,
                    "bakery-keyring",
                ))
            }
            ProfileKind::CredentialProcess => {
                let command = profile.credential_process.clone().unwrap_or_default();
                aws_config::credential_process::CredentialProcessProvider::new(command)
                    .provide_credentials()
                    .await
                    .map_err(|err| CredentialsError::CredentialProcess {
                        profile: profile.name.clone(),
                        message: aws_sdk_sts::error::DisplayErrorContext(&err).to_string(),
                    })
            }
            ProfileKind::Sso => {
                sso::role_credentials(
                    profile,
                    &self.sso_cache_dir(),
                    &self.sso_endpoints(profile),
                    (self.clock)(),
                )
                .await
            }
            _ => match &profile.static_keys {
                Some(keys) => Ok(Credentials::new(
                    keys.access_key_id.clone(),
                    keys.secret_access_key.expose(),
                    keys.session_token.as_ref().map(|t| t.expose().to_string()),
                    None,
                    "bakery-shared-file",
                )),
                None => Err(CredentialsError::IncompleteProfile {
                    profile: profile.name.clone(),
                    problem: "no credentials of its own to start a role chain from".into(),
                    location: profile.source.to_string(),
                }),
            },
        }
    }

    async fn credential_source(
        &self,
        profile: &str,
        source: &str,
    ) -> Result<Credentials, CredentialsError> {
        let failed = |message: String| CredentialsError::Provider {
            profile: profile.to_string(),
            what: "credential_source",
            message,
        };
        let result = match source {
            "Environment" => {
                return match (&self.env.access_key_id, &self.env.secret_access_key) {
                    (Some(id), Some(secret)) => Ok(Credentials::new(
                        id.clone(),
                        secret.expose(),
                        self.env.session_token.as_ref().map(|t| t.expose().to_string()),
                        None,
                        "bakery-environment",
                    )),
                    _ => Err(failed(
                        "credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"
                            .into(),
                    )),
                };
            }
            "Ec2InstanceMetadata" => {
                aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                    .build()
                    .provide_credentials()
                    .await
            }
            "EcsContainer" => {
                aws_config::ecs::EcsCredentialsProvider::builder()
                    .build()
                    .provide_credentials()
                    .await
            }
            other => {
                return Err(failed(format!(
                    "unknown credential_source \"{other}\": use Environment, Ec2InstanceMetadata or EcsContainer"
                )));
            }
        };
        result.map_err(|err| failed(aws_sdk_sts::error::DisplayErrorContext(&err).to_string()))
    }

    fn sts_client(
        &self,
        chain: &[&Profile],
        credentials: Credentials,
    ) -> Result<aws_sdk_sts::Client, CredentialsError> {
        let region = chain
            .iter()
            .find_map(|p| p.region.clone())
            .or_else(|| self.env.region.clone())
            .unwrap_or_else(|| FALLBACK_REGION.to_string());
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region))
            .credentials_provider(SharedCredentialsProvider::new(credentials));
        if let Some(url) = self.sts_endpoint(chain) {
            config = config.endpoint_url(url);
        }
        Ok(aws_sdk_sts::Client::from_conf(config.build()))
    }

    async fn ask_mfa_code(&self, profile: &str, serial: &str) -> Result<String, CredentialsError> {
        let prompt = self.mfa.clone();
        let (owned_profile, owned_serial) = (profile.to_string(), serial.to_string());
        let answer =
            tokio::task::spawn_blocking(move || prompt.mfa_code(&owned_profile, &owned_serial))
                .await
                .map_err(|err| MfaRefusal::Unavailable(err.to_string()))
                .and_then(|answer| answer);
        let code = answer.map_err(|reason| CredentialsError::MfaCodeMissing {
            serial: serial.to_string(),
            reason,
        })?;
        let code = code.trim().to_string();
        if code.is_empty() {
            return Err(CredentialsError::MfaCodeMissing {
                serial: serial.to_string(),
                reason: MfaRefusal::Empty,
            });
        }
        Ok(code)
    }

    /// AssumeRole for `chain[0]` with `source` credentials (and an MFA code when the
    /// profile has `mfa_serial`; that session is then cached).
    async fn assume_role(
        &self,
        chain: &[Profile],
        source: Credentials,
    ) -> Result<Credentials, CredentialsError> {
        let profile = &chain[0];
        let role = profile
            .role
            .as_ref()
            .expect("only role profiles are assumed");
        let refs: Vec<&Profile> = chain.iter().collect();
        let client = self.sts_client(&refs, source)?;
        let now = (self.clock)();
        let session_name = role.role_session_name.clone().unwrap_or_else(|| {
            format!(
                "bakery-{}",
                now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
            )
        });
        let request = crate::role::RoleRequest {
            role_arn: role.role_arn.clone(),
            session_name,
            external_id: role.external_id.clone(),
            duration_seconds: role.duration_seconds,
            policy: None,
        };
        let mfa = match &profile.mfa_serial {
            Some(serial) => Some((
                serial.as_str(),
                self.ask_mfa_code(&profile.name, serial).await?,
            )),
            None => None,
        };
        let output = crate::role::assume(&client, &request, mfa)
            .await
            .map_err(|err| {
                sts_error(
                    &profile.name,
                    "AssumeRole",
                    err,
                    profile.mfa_serial.as_deref(),
                )
            })?;
        let session = session_from_sts(profile, "AssumeRole", output.credentials())?;
        self.finish_session(profile, session).await
    }

    /// AssumeRoleWithWebIdentity for a `web_identity_token_file` profile (an OIDC token from
    /// CI or Kubernetes); the call is unsigned, so no other credentials are needed.
    async fn web_identity(
        &self,
        profile: &Profile,
        chain: &[Profile],
    ) -> Result<Credentials, CredentialsError> {
        let role = profile
            .role
            .as_ref()
            .expect("web identity profiles have a role");
        let path = PathBuf::from(role.web_identity_token_file.clone().unwrap_or_default());
        let token = tokio::fs::read_to_string(&path)
            .await
            .map(|t| Secret::new(t.trim()))
            .map_err(|source| CredentialsError::Read { path, source })?;
        let refs: Vec<&Profile> = chain.iter().collect();
        let region = chain
            .iter()
            .find_map(|p| p.region.clone())
            .or_else(|| self.env.region.clone())
            .unwrap_or_else(|| FALLBACK_REGION.to_string());
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region));
        if let Some(url) = self.sts_endpoint(&refs[refs.len() - 1..]) {
            config = config.endpoint_url(url);
        }
        let client = aws_sdk_sts::Client::from_conf(config.build());
        let now = (self.clock)();
        let session_name = role.role_session_name.clone().unwrap_or_else(|| {
            format!(
                "bakery-{}",
                now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
            )
        });
        let output = client
            .assume_role_with_web_identity()
            .role_arn(&role.role_arn)
            .role_session_name(session_name)
            .web_identity_token(token.expose())
            .set_duration_seconds(role.duration_seconds)
            .send()
            .await
            .map_err(|err| sts_error(&profile.name, "AssumeRoleWithWebIdentity", err, None))?;
        let session = session_from_sts(profile, "AssumeRoleWithWebIdentity", output.credentials())?;
        Ok(session_credentials(&session))
    }

    /// GetSessionToken with MFA for a key profile used directly.
    async fn mfa_session(
        &self,
        profile: &Profile,
        chain: &[&Profile],
        keys: Credentials,
        serial: &str,
    ) -> Result<Credentials, CredentialsError> {
        let client = self.sts_client(chain, keys)?;
        let code = self.ask_mfa_code(&profile.name, serial).await?;
        let output = client
            .get_session_token()
            .serial_number(serial)
            .token_code(code)
            .send()
            .await
            .map_err(|err| sts_error(&profile.name, "GetSessionToken", err, Some(serial)))?;
        let session = session_from_sts(profile, "GetSessionToken", output.credentials())?;
        self.finish_session(profile, session).await
    }

    /// Caches an MFA session in the keyring; returns it as SDK credentials.
    async fn finish_session(
        &self,
        profile: &Profile,
        session: CachedSession,
    ) -> Result<Credentials, CredentialsError> {
        let credentials = session_credentials(&session);
        if profile.mfa_serial.is_some() {
            let name = profile.name.clone();
            self.keyring
                .run(move |k| k.set_session(&name, &session))
                .await?;
        }
        Ok(credentials)
    }
}

fn session_credentials(session: &CachedSession) -> Credentials {
    Credentials::new(
        session.access_key_id.clone(),
        session.secret_access_key.expose(),
        Some(session.session_token.expose().to_string()),
        Some(session.expiration),
        "bakery-sts-session",
    )
}

/// What a profile's MFA session is for: its role (if any) and MFA device.
fn session_scope(profile: &Profile) -> String {
    format!(
        "{}|{}",
        profile
            .role
            .as_ref()
            .map(|r| r.role_arn.as_str())
            .unwrap_or(""),
        profile.mfa_serial.as_deref().unwrap_or("")
    )
}

fn session_from_sts(
    profile: &Profile,
    call: &'static str,
    credentials: Option<&aws_sdk_sts::types::Credentials>,
) -> Result<CachedSession, CredentialsError> {
    let scope = session_scope(profile);
    let profile = profile.name.as_str();
    let credentials = credentials.ok_or_else(|| CredentialsError::Sts {
        profile: profile.to_string(),
        call,
        message: "the response has no credentials".into(),
    })?;
    let expiration =
        SystemTime::try_from(*credentials.expiration()).map_err(|err| CredentialsError::Sts {
            profile: profile.to_string(),
            call,
            message: format!("the session's expiry is unreadable: {err}"),
        })?;
    Ok(CachedSession {
        access_key_id: credentials.access_key_id().to_string(),
        secret_access_key: Secret::new(credentials.secret_access_key()),
        session_token: Secret::new(credentials.session_token()),
        expiration,
        scope,
    })
}

fn sts_error<E, R>(
    profile: &str,
    call: &'static str,
    err: aws_sdk_sts::error::SdkError<E, R>,
    mfa_serial: Option<&str>,
) -> CredentialsError
where
    E: std::error::Error + aws_sdk_sts::error::ProvideErrorMetadata + 'static,
    R: fmt::Debug,
{
    let message = match err.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("error"),
            service.message().unwrap_or_default()
        ),
        None => aws_sdk_sts::error::DisplayErrorContext(&err).to_string(),
    };
    if let Some(serial) = mfa_serial
        && (message.contains("MultiFactorAuthentication") || message.contains("MFA"))
    {
        return CredentialsError::MfaRejected {
            profile: profile.to_string(),
            serial: serial.to_string(),
            message,
        };
    }
    CredentialsError::Sts {
        profile: profile.to_string(),
        call,
        message,
    }
}

/// An SDK credentials provider for one profile (see [`CredentialResolver::provider`]).
#[derive(Clone)]
pub struct ProfileCredentials {
    resolver: CredentialResolver,
    profile: String,
}

impl fmt::Debug for ProfileCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileCredentials")
            .field("profile", &self.profile)
            .finish()
    }
}

impl ProvideCredentials for ProfileCredentials {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.resolver
                .credentials(&self.profile)
                .await
                .map_err(provider::error::CredentialsError::provider_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::app_profiles::AppProfile;
    use crate::aws_files::{AwsFiles, FileKind, parse};

    const CONFIG: &str = "\
[profile proc]
credential_process = sh -c 'echo {\\\"Version\\\":1,\\\"AccessKeyId\\\":\\\"AKIAPROC\\\",\\\"SecretAccessKey\\\":\\\"p\\\"}'

[profile from-env]
role_arn = arn:aws:iam::123456789012:role/ci
credential_source = Environment
region = eu-west-3

[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = keys
mfa_serial = arn:aws:iam::123456789012:mfa/me
endpoint_url = http://127.0.0.1:1

[profile sso]
sso_session = corp
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
";
    const CREDENTIALS: &str = "[keys]\naws_access_key_id = AKIAKEYS\naws_secret_access_key = k\n";

    /// Fails the test if anyone is asked for a code.
    struct NoAsking;
    impl MfaPrompt for NoAsking {
        fn mfa_code(&self, profile: &str, _serial: &str) -> Result<String, MfaRefusal> {
            panic!("no MFA code should be asked for {profile}")
        }
    }

    fn resolver(keyring: &Keyring) -> CredentialResolver {
        let files = AwsFiles {
            config: "/c".into(),
            credentials: "/k".into(),
            sso_cache: "/sso-cache".into(),
        };
        let app = AppProfile {
            name: "vault".into(),
            access_key_id: "AKIAVAULT".into(),
            region: None,
            endpoint_url: None,
            imported_from: None,
        };
        let profiles = Profiles::from_parts(
            &files,
            &parse(CONFIG, FileKind::Config),
            &parse(CREDENTIALS, FileKind::Credentials),
            &[app],
            Path::new("/p.json"),
        );
        let env = AwsEnvironment::from_lookup(|name| match name {
            "AWS_ACCESS_KEY_ID" => Some("AKIAENV".into()),
            "AWS_SECRET_ACCESS_KEY" => Some("e".into()),
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:2".into()),
            _ => None,
        });
        CredentialResolver::new(
            profiles,
            KeyringAccess::with(keyring.clone()),
            Arc::new(NoAsking),
            env,
        )
    }

    #[tokio::test]
    async fn static_keyring_and_process_credentials() {
        let keyring = Keyring::in_memory();
        keyring
            .set_secret_access_key("vault", &Secret::new("v"))
            .unwrap();
        let resolver = resolver(&keyring);
        let keys = resolver.credentials("keys").await.unwrap();
        assert_eq!(
            (keys.access_key_id(), keys.secret_access_key()),
            ("AKIAKEYS", "k")
        );
        let vault = resolver.credentials("vault").await.unwrap();
        assert_eq!(
            (vault.access_key_id(), vault.secret_access_key()),
            ("AKIAVAULT", "v")
        );
        let proc = resolver.credentials("proc").await.unwrap();
        assert_eq!(proc.access_key_id(), "AKIAPROC");
    }

    #[tokio::test]
    async fn a_keyring_profile_without_its_secret_says_add_it_again() {
        let keyring = Keyring::in_memory();
        let err = resolver(&keyring).credentials("vault").await.unwrap_err();
        assert_eq!(err.kind(), "secret_missing");
        assert!(
            err.to_string().contains("bakery profiles add vault"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_cached_mfa_session_is_used_without_asking_until_it_expires() {
        let keyring = Keyring::in_memory();
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        keyring
            .set_session(
                "admin",
                &CachedSession {
                    access_key_id: "ASIACACHED".into(),
                    secret_access_key: Secret::new("c"),
                    session_token: Secret::new("t"),
                    expiration: now + Duration::from_secs(3600),
                    scope: "arn:aws:iam::123456789012:role/admin|arn:aws:iam::123456789012:mfa/me"
                        .into(),
                },
            )
            .unwrap();
        let resolver = resolver(&keyring).with_clock(move || now);
        let credentials = resolver.credentials("admin").await.unwrap();
        assert_eq!(credentials.access_key_id(), "ASIACACHED");
        assert_eq!(credentials.session_token(), Some("t"));
        assert_eq!(credentials.expiry(), Some(now + Duration::from_secs(3600)));

        // Within the margin of its expiry the session is not used: STS is called again
        // (here unreachable), after asking for a code.
        struct Declines;
        impl MfaPrompt for Declines {
            fn mfa_code(&self, _profile: &str, serial: &str) -> Result<String, MfaRefusal> {
                assert_eq!(serial, "arn:aws:iam::123456789012:mfa/me");
                Err(MfaRefusal::Cancelled)
            }
        }
        let mut late = resolver.with_clock(move || now + Duration::from_secs(3500));
        late.mfa = Arc::new(Declines);
        let err = late.credentials("admin").await.unwrap_err();
        assert_eq!(err.kind(), "mfa_code_missing");
    }

    #[tokio::test]
    async fn a_session_cached_for_another_role_is_not_used() {
        struct Declines;
        impl MfaPrompt for Declines {
            fn mfa_code(&self, _profile: &str, _serial: &str) -> Result<String, MfaRefusal> {
                Err(MfaRefusal::Cancelled)
            }
        }
        let keyring = Keyring::in_memory();
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        keyring
            .set_session(
                "admin",
                &CachedSession {
                    access_key_id: "ASIAOLD".into(),
                    secret_access_key: Secret::new("c"),
                    session_token: Secret::new("t"),
                    expiration: now + Duration::from_secs(3600),
                    // The profile's role_arn was edited since.
                    scope: "arn:aws:iam::123456789012:role/old|arn:aws:iam::123456789012:mfa/me"
                        .into(),
                },
            )
            .unwrap();
        let mut resolver = resolver(&keyring).with_clock(move || now);
        resolver.mfa = Arc::new(Declines);
        let err = resolver.credentials("admin").await.unwrap_err();
        assert_eq!(err.kind(), "mfa_code_missing");
    }

    #[tokio::test]
    async fn region_and_endpoint_follow_the_chain_then_the_environment() {
        let keyring = Keyring::in_memory();
        let resolver = resolver(&keyring);
        assert_eq!(resolver.region("from-env").unwrap(), "eu-west-3");
        assert_eq!(resolver.region("keys").unwrap(), FALLBACK_REGION);
        assert_eq!(
            resolver.endpoint_url("admin").unwrap().as_deref(),
            Some("http://127.0.0.1:1")
        );
        assert_eq!(
            resolver.endpoint_url("keys").unwrap().as_deref(),
            Some("http://127.0.0.1:2")
        );
    }

    #[tokio::test]
    async fn an_sso_profile_without_a_sign_in_says_to_log_in() {
        let keyring = Keyring::in_memory();
        let err = resolver(&keyring).credentials("sso").await.unwrap_err();
        assert_eq!(err.kind(), "sso_login_needed");
        assert!(
            err.to_string().contains("bakery profiles login sso"),
            "{err}"
        );
    }
}
