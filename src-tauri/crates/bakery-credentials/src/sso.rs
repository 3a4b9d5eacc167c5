//! SSO (IAM Identity Center): the device-authorization sign-in through aws-sdk-ssooidc,
//! the token cache the AWS CLI also reads and writes
//! (`~/.aws/sso/cache/<sha1 of the sso-session name, or of the legacy start URL>.json`),
//! and role credentials from the SSO portal (aws-sdk-sso GetRoleCredentials).
//!
//! Invariants: the access token lives only in that cache file (0600, as the AWS CLI keeps
//! it) and in memory as a [`Secret`]; an expired or missing token is an error that says to
//! sign in again, never a silent browser pop-up in the middle of a bake.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_sdk_sts::config::Region;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::error::CredentialsError;
use crate::profiles::{Profile, SsoSettings};
use crate::region::FALLBACK_REGION;
use crate::secret::Secret;

/// A token is used only while it has at least this much time left.
pub const TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// Scopes asked for when the sso-session names none (what the AWS CLI asks for).
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// An SSO access token as cached on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoToken {
    /// The bearer token the SSO portal's calls send.
    pub access_token: Secret,
    /// When it stops working.
    pub expires_at: SystemTime,
    /// Renews the token without the browser, while the client registration lasts.
    pub refresh_token: Option<Secret>,
    /// The sign-in's registered client (needed with the refresh token).
    pub client_id: Option<String>,
    /// The registered client's secret.
    pub client_secret: Option<Secret>,
    /// When the client registration ends: then only the browser signs in again.
    pub registration_expires_at: Option<SystemTime>,
    /// The SSO service's region.
    pub region: Option<String>,
    /// The portal it signs in to.
    pub start_url: Option<String>,
}

/// The cache file's JSON (the AWS CLI's field names).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CachedTokenFile {
    access_token: String,
    expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    registration_expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start_url: Option<String>,
}

/// What the cache is keyed by: the sso-session name, else the legacy start URL.
pub fn cache_identifier(sso: &SsoSettings) -> Option<&str> {
    sso.session.as_deref().or(sso.start_url.as_deref())
}

/// `<cache dir>/<lower-case hex sha1 of identifier>.json`.
pub fn cache_path(cache_dir: &Path, identifier: &str) -> PathBuf {
    let digest = Sha1::digest(identifier.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    cache_dir.join(format!("{hex}.json"))
}

fn format_time(time: SystemTime) -> String {
    DateTime::from(time)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

fn parse_time(text: &str) -> Option<SystemTime> {
    let parsed = DateTime::from_str(text, Format::DateTime).ok()?;
    SystemTime::try_from(parsed).ok()
}

/// The cached token for `identifier`; `None` when there is no readable one.
pub fn read_cached_token(
    cache_dir: &Path,
    identifier: &str,
) -> Result<Option<SsoToken>, CredentialsError> {
    let path = cache_path(cache_dir, identifier);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => Secret::new(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(CredentialsError::Read { path, source }),
    };
    let Ok(file) = serde_json::from_str::<CachedTokenFile>(text.expose()) else {
        return Ok(None);
    };
    let Some(expires_at) = parse_time(&file.expires_at) else {
        return Ok(None);
    };
    Ok(Some(SsoToken {
        access_token: Secret::new(file.access_token),
        expires_at,
        refresh_token: file.refresh_token.map(Secret::new),
        client_id: file.client_id,
        client_secret: file.client_secret.map(Secret::new),
        registration_expires_at: file.registration_expires_at.as_deref().and_then(parse_time),
        region: file.region,
        start_url: file.start_url,
    }))
}

/// Writes the token where the AWS CLI (and the next run) will find it, readable by the
/// owner only.
pub fn write_cached_token(
    cache_dir: &Path,
    identifier: &str,
    token: &SsoToken,
) -> Result<PathBuf, CredentialsError> {
    let path = cache_path(cache_dir, identifier);
    let write_err = |source| CredentialsError::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(cache_dir).map_err(write_err)?;
    let file = CachedTokenFile {
        access_token: token.access_token.expose().to_string(),
        expires_at: format_time(token.expires_at),
        refresh_token: token.refresh_token.as_ref().map(|t| t.expose().to_string()),
        client_id: token.client_id.clone(),
        client_secret: token.client_secret.as_ref().map(|s| s.expose().to_string()),
        registration_expires_at: token.registration_expires_at.map(format_time),
        region: token.region.clone(),
        start_url: token.start_url.clone(),
    };
    let text = Secret::new(serde_json::to_string_pretty(&file).expect("token serializes"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(&path).map_err(write_err)?;
    out.write_all(text.expose().as_bytes()).map_err(write_err)?;
    Ok(path)
}

/// Whether an SSO profile is signed in, as `bakery profiles show` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInStatus {
    /// No token cached for the profile's sign-in.
    NotSignedIn,
    /// Valid until this time (RFC 3339).
    ValidUntil(String),
    /// Expired; `renewable` when a refresh token can renew it without the browser.
    Expired {
        /// A refresh token can renew it without the browser.
        renewable: bool,
    },
}

impl std::fmt::Display for SignInStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignInStatus::NotSignedIn => f.write_str("not signed in"),
            SignInStatus::ValidUntil(at) => write!(f, "signed in until {at}"),
            SignInStatus::Expired { renewable: true } => {
                f.write_str("expired; renewed with the refresh token on next use")
            }
            SignInStatus::Expired { renewable: false } => f.write_str("expired"),
        }
    }
}

/// The sign-in status of an SSO profile, from the token cache.
pub fn sign_in_status(
    profile: &Profile,
    cache_dir: &Path,
    now: SystemTime,
) -> Result<SignInStatus, CredentialsError> {
    let (_, identifier) = sso_settings(profile)?;
    Ok(match read_cached_token(cache_dir, identifier)? {
        None => SignInStatus::NotSignedIn,
        Some(token) if token.expires_at > now + TOKEN_MARGIN => {
            SignInStatus::ValidUntil(format_time(token.expires_at))
        }
        Some(token) => SignInStatus::Expired {
            renewable: token.refresh_token.is_some()
                && token.registration_expires_at.is_none_or(|at| at > now),
        },
    })
}

/// Opens `url` in the person's browser (`open`, `start` or `xdg-open`); false when no opener
/// could be started, so the caller can tell the person to open it themselves.
pub fn open_in_browser(url: &str) -> bool {
    use std::process::{Command, Stdio};
    let mut command = if cfg!(target_os = "macos") {
        let mut c = Command::new("open");
        c.arg(url);
        c
    } else if cfg!(target_os = "windows") {
        let mut c = Command::new("cmd");
        c.args(["/C", "start", ""]).arg(url);
        c
    } else {
        let mut c = Command::new("xdg-open");
        c.arg(url);
        c
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

/// Shows the person where to approve the sign-in (the CLI prints it and opens a browser,
/// the GUI shows a dialog). Called on a blocking thread.
pub trait SsoSignInPrompt: Send + Sync {
    /// Shows the address to open and the code to confirm there; returns at once (the sign-in then
    /// waits for the approval).
    fn show(&self, verification_uri: &str, user_code: &str);
}

/// Where the SSO calls go: `AWS_ENDPOINT_URL_SSO_OIDC` / `AWS_ENDPOINT_URL_SSO`, else the
/// general override (None = AWS).
#[derive(Debug, Clone, Default)]
pub struct SsoEndpoints {
    /// Where the sign-in (OIDC) calls go.
    pub oidc: Option<String>,
    /// Where the portal's calls (role credentials) go.
    pub portal: Option<String>,
}

fn sso_settings(profile: &Profile) -> Result<(&SsoSettings, &str), CredentialsError> {
    let incomplete = |problem: &str| CredentialsError::IncompleteProfile {
        profile: profile.name.clone(),
        problem: problem.to_string(),
        location: profile.source.to_string(),
    };
    let sso = profile
        .sso
        .as_ref()
        .ok_or_else(|| incomplete("no sso_session or sso_start_url"))?;
    let identifier = cache_identifier(sso).ok_or_else(|| incomplete("no sso_start_url"))?;
    Ok((sso, identifier))
}

/// Signs in with the device-authorization flow and caches the token. Returns the cache
/// file's path.
pub async fn login(
    profile: &Profile,
    cache_dir: &Path,
    endpoints: &SsoEndpoints,
    prompt: std::sync::Arc<dyn SsoSignInPrompt>,
    now: impl Fn() -> SystemTime,
) -> Result<PathBuf, CredentialsError> {
    let (sso, identifier) = sso_settings(profile)?;
    let start_url = sso
        .start_url
        .clone()
        .ok_or_else(|| CredentialsError::IncompleteProfile {
            profile: profile.name.clone(),
            problem: "no sso_start_url".into(),
            location: profile.source.to_string(),
        })?;
    let region = sso
        .region
        .clone()
        .unwrap_or_else(|| FALLBACK_REGION.to_string());
    let failed = |call: &'static str, message: String| CredentialsError::Sso {
        profile: profile.name.clone(),
        call,
        message,
    };

    let mut config = aws_sdk_ssooidc::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.clone()));
    if let Some(url) = &endpoints.oidc {
        config = config.endpoint_url(url);
    }
    let oidc = aws_sdk_ssooidc::Client::from_conf(config.build());

    let scopes = if sso.registration_scopes.is_empty() {
        vec![DEFAULT_SCOPE.to_string()]
    } else {
        sso.registration_scopes.clone()
    };
    let registration = oidc
        .register_client()
        .client_name("ami-bakery")
        .client_type("public")
        .set_scopes(Some(scopes))
        .send()
        .await
        .map_err(|err| failed("RegisterClient", service_message(&err)))?;
    let client_id = registration.client_id().unwrap_or_default().to_string();
    let client_secret = Secret::new(registration.client_secret().unwrap_or_default());
    let registration_expires_at = (registration.client_secret_expires_at() > 0)
        .then(|| UNIX_EPOCH + Duration::from_secs(registration.client_secret_expires_at() as u64));

    let device = oidc
        .start_device_authorization()
        .client_id(&client_id)
        .client_secret(client_secret.expose())
        .start_url(&start_url)
        .send()
        .await
        .map_err(|err| failed("StartDeviceAuthorization", service_message(&err)))?;
    let uri = device
        .verification_uri_complete()
        .or(device.verification_uri())
        .unwrap_or_default()
        .to_string();
    let user_code = device.user_code().unwrap_or_default().to_string();
    let device_code = device.device_code().unwrap_or_default().to_string();
    let mut interval = Duration::from_secs(device.interval().max(1) as u64);
    let deadline = now() + Duration::from_secs(device.expires_in().max(1) as u64);
    {
        let prompt = prompt.clone();
        let (uri, code) = (uri.clone(), user_code.clone());
        tokio::task::spawn_blocking(move || prompt.show(&uri, &code))
            .await
            .map_err(|err| failed("sign-in prompt", err.to_string()))?;
    }

    let token = loop {
        tokio::time::sleep(interval).await;
        let result = oidc
            .create_token()
            .client_id(&client_id)
            .client_secret(client_secret.expose())
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .device_code(&device_code)
            .send()
            .await;
        match result {
            Ok(token) => break token,
            Err(err) => {
                use aws_sdk_ssooidc::operation::create_token::CreateTokenError as E;
                match err.as_service_error() {
                    Some(E::AuthorizationPendingException(_)) if now() < deadline => continue,
                    Some(E::SlowDownException(_)) if now() < deadline => {
                        interval += Duration::from_secs(5);
                        continue;
                    }
                    Some(E::AuthorizationPendingException(_))
                    | Some(E::SlowDownException(_))
                    | Some(E::ExpiredTokenException(_)) => {
                        return Err(failed(
                            "CreateToken",
                            "the sign-in code expired before it was approved; run the login again"
                                .into(),
                        ));
                    }
                    Some(E::AccessDeniedException(_)) => {
                        return Err(failed("CreateToken", "the sign-in was denied".into()));
                    }
                    _ => return Err(failed("CreateToken", service_message(&err))),
                }
            }
        }
    };
    let cached = SsoToken {
        access_token: Secret::new(token.access_token().unwrap_or_default()),
        expires_at: now() + Duration::from_secs(token.expires_in().max(0) as u64),
        refresh_token: token.refresh_token().map(Secret::new),
        client_id: Some(client_id),
        client_secret: Some(client_secret),
        registration_expires_at,
        region: Some(region),
        start_url: Some(start_url),
    };
    write_cached_token(cache_dir, identifier, &cached)
}

/// Role credentials for an SSO profile from its cached token.
pub async fn role_credentials(
    profile: &Profile,
    cache_dir: &Path,
    endpoints: &SsoEndpoints,
    now: SystemTime,
) -> Result<Credentials, CredentialsError> {
    let (sso, identifier) = sso_settings(profile)?;
    let login_needed = |reason: &str| CredentialsError::SsoLoginNeeded {
        profile: profile.name.clone(),
        reason: reason.to_string(),
    };
    let mut token = read_cached_token(cache_dir, identifier)?
        .ok_or_else(|| login_needed("no SSO sign-in is cached"))?;
    if token.expires_at <= now + TOKEN_MARGIN {
        token = refresh(&token, endpoints, now)
            .await
            .ok_or_else(|| login_needed("the SSO sign-in has expired"))?;
        write_cached_token(cache_dir, identifier, &token)?;
    }
    let (Some(account_id), Some(role_name)) = (&sso.account_id, &sso.role_name) else {
        return Err(CredentialsError::IncompleteProfile {
            profile: profile.name.clone(),
            problem: "sso_account_id and sso_role_name are needed".into(),
            location: profile.source.to_string(),
        });
    };
    let region = sso
        .region
        .clone()
        .or(token.region.clone())
        .unwrap_or_else(|| FALLBACK_REGION.to_string());
    let mut config = aws_sdk_sso::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region));
    if let Some(url) = &endpoints.portal {
        config = config.endpoint_url(url);
    }
    let portal = aws_sdk_sso::Client::from_conf(config.build());
    let output = portal
        .get_role_credentials()
        .access_token(token.access_token.expose())
        .account_id(account_id)
        .role_name(role_name)
        .send()
        .await
        .map_err(|err| {
            use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError as E;
            match err.as_service_error() {
                Some(E::UnauthorizedException(_)) => {
                    login_needed("the SSO portal no longer accepts the sign-in")
                }
                _ => CredentialsError::Sso {
                    profile: profile.name.clone(),
                    call: "GetRoleCredentials",
                    message: service_message(&err),
                },
            }
        })?;
    let role = output
        .role_credentials()
        .ok_or_else(|| CredentialsError::Sso {
            profile: profile.name.clone(),
            call: "GetRoleCredentials",
            message: "the response has no credentials".into(),
        })?;
    let expiration = UNIX_EPOCH + Duration::from_millis(role.expiration().max(0) as u64);
    Ok(Credentials::new(
        role.access_key_id().unwrap_or_default(),
        role.secret_access_key().unwrap_or_default(),
        role.session_token().map(String::from),
        Some(expiration),
        "bakery-sso",
    ))
}

/// A new access token from the refresh token, as the AWS CLI does for sso-session
/// profiles; `None` when the sign-in cannot be renewed (no refresh token, the client
/// registration expired, or the service refused).
async fn refresh(token: &SsoToken, endpoints: &SsoEndpoints, now: SystemTime) -> Option<SsoToken> {
    let refresh_token = token.refresh_token.as_ref()?;
    let client_id = token.client_id.as_ref()?;
    let client_secret = token.client_secret.as_ref()?;
    if token.registration_expires_at.is_some_and(|at| at <= now) {
        return None;
    }
    let region = token
        .region
        .clone()
        .unwrap_or_else(|| FALLBACK_REGION.to_string());
    let mut config = aws_sdk_ssooidc::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region));
    if let Some(url) = &endpoints.oidc {
        config = config.endpoint_url(url);
    }
    let renewed = aws_sdk_ssooidc::Client::from_conf(config.build())
        .create_token()
        .client_id(client_id)
        .client_secret(client_secret.expose())
        .grant_type("refresh_token")
        .refresh_token(refresh_token.expose())
        .send()
        .await
        .ok()?;
    Some(SsoToken {
        access_token: Secret::new(renewed.access_token()?),
        expires_at: now + Duration::from_secs(renewed.expires_in().max(0) as u64),
        refresh_token: renewed
            .refresh_token()
            .map(Secret::new)
            .or_else(|| token.refresh_token.clone()),
        ..token.clone()
    })
}

fn service_message<E, R>(err: &aws_sdk_sts::error::SdkError<E, R>) -> String
where
    E: std::error::Error + aws_sdk_sts::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    match err.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("error"),
            service.message().unwrap_or_default()
        ),
        None => aws_sdk_sts::error::DisplayErrorContext(err).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_file_is_named_like_the_aws_clis() {
        // sha1("my-sso") as the AWS CLI computes it.
        let path = cache_path(Path::new("/c"), "my-sso");
        let expected: String = Sha1::digest(b"my-sso")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(path, Path::new("/c").join(format!("{expected}.json")));
        assert_eq!(expected.len(), 40);
    }

    #[test]
    fn token_round_trip_and_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let token = SsoToken {
            access_token: Secret::new("at"),
            expires_at: UNIX_EPOCH + Duration::from_secs(1_900_000_000),
            refresh_token: Some(Secret::new("rt")),
            client_id: Some("cid".into()),
            client_secret: Some(Secret::new("cs")),
            registration_expires_at: Some(UNIX_EPOCH + Duration::from_secs(1_900_000_100)),
            region: Some("eu-west-1".into()),
            start_url: Some("https://x.awsapps.com/start".into()),
        };
        let path = write_cached_token(dir.path(), "corp", &token).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"accessToken\": \"at\""), "{text}");
        assert!(
            text.contains("\"expiresAt\": \"2030-03-17T17:46:40Z\""),
            "{text}"
        );
        assert_eq!(read_cached_token(dir.path(), "corp").unwrap(), Some(token));
        assert_eq!(read_cached_token(dir.path(), "other").unwrap(), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
