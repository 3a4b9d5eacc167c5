//! STS AssumeRole, the one path every role takes: a profile's `role_arn` hop in a chain
//! ([`crate::CredentialResolver`]) and a template's `assume_role` block on top of whatever
//! credentials a bake has ([`role_on_top`]).

use std::fmt;
use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{self, ProvideCredentials, SharedCredentialsProvider};

use crate::error::CredentialsError;

/// One AssumeRole request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRequest {
    /// The role to assume.
    pub role_arn: String,
    /// The session's name (it shows in CloudTrail).
    pub session_name: String,
    /// The external id the role's trust policy asks for.
    pub external_id: Option<String>,
    /// How long the session lasts.
    pub duration_seconds: Option<i32>,
    /// An inline session policy (JSON) narrowing the role's permissions.
    pub policy: Option<String>,
}

/// Sends `request` with `client`'s credentials, with an MFA device and code when given.
pub(crate) async fn assume(
    client: &aws_sdk_sts::Client,
    request: &RoleRequest,
    mfa: Option<(&str, String)>,
) -> Result<
    aws_sdk_sts::operation::assume_role::AssumeRoleOutput,
    aws_sdk_sts::error::SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError>,
> {
    let mut call = client
        .assume_role()
        .role_arn(&request.role_arn)
        .role_session_name(&request.session_name)
        .set_external_id(request.external_id.clone())
        .set_duration_seconds(request.duration_seconds)
        .set_policy(request.policy.clone());
    if let Some((serial, code)) = mfa {
        call = call.serial_number(serial).token_code(code);
    }
    call.send().await
}

/// `base` with `request`'s role assumed on top (Packer's `assume_role` block): every call
/// made with the result is signed by the role's session, renewed before it expires; STS is
/// reached at `base`'s region and endpoint with `base`'s credentials.
pub fn role_on_top(base: SdkConfig, request: RoleRequest) -> SdkConfig {
    let provider = RoleOnTop {
        sts: aws_sdk_sts::Client::new(&base),
        request,
    };
    base.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

struct RoleOnTop {
    sts: aws_sdk_sts::Client,
    request: RoleRequest,
}

impl fmt::Debug for RoleOnTop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoleOnTop")
            .field("role_arn", &self.request.role_arn)
            .finish_non_exhaustive()
    }
}

impl RoleOnTop {
    async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let sts_error = |message: String| CredentialsError::Sts {
            profile: format!("assume_role {}", self.request.role_arn),
            call: "AssumeRole",
            message,
        };
        let output = assume(&self.sts, &self.request, None)
            .await
            .map_err(|err| {
                sts_error(match err.as_service_error() {
                    Some(service) => {
                        use aws_sdk_sts::error::ProvideErrorMetadata;
                        format!(
                            "{}: {}",
                            service.code().unwrap_or("error"),
                            service.message().unwrap_or_default()
                        )
                    }
                    None => aws_sdk_sts::error::DisplayErrorContext(&err).to_string(),
                })
            })?;
        let session = output
            .credentials()
            .ok_or_else(|| sts_error("the response has no credentials".into()))?;
        let expiry = SystemTime::try_from(*session.expiration())
            .map_err(|err| sts_error(format!("the session's expiry is unreadable: {err}")))?;
        Ok(Credentials::new(
            session.access_key_id(),
            session.secret_access_key(),
            Some(session.session_token().to_string()),
            Some(expiry),
            "bakery-assume-role",
        ))
    }
}

impl ProvideCredentials for RoleOnTop {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(provider::error::CredentialsError::provider_error)
        })
    }
}
