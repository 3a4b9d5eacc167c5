//! The credentials of each build, by Packer's precedence: the profile the person chose
//! (`--profile`, the window's active profile) wins; else the template's `access_key` /
//! `secret_key` (/ `token`); else its `profile`; else `AWS_PROFILE`; else the SDK's default
//! chain (the environment's keys, a container's credentials endpoint). Then the template's
//! `assume_role` is assumed on top, through the one AssumeRole path of
//! [`bakery_credentials::role_on_top`].

use aws_config::{BehaviorVersion, Region, SdkConfig};
use bakery_credentials::{CredentialResolver, RoleRequest, role_on_top};
use bakery_engine::BakeSpec;

use crate::environment::Environment;
use crate::error::AppError;

/// The SDK configuration for `profile` in `region` (secrets from the keyring, MFA asked
/// through the resolver's prompt, sessions renewed while a bake runs); with no profile,
/// `AWS_PROFILE`, else the default chain.
pub async fn sdk_config(
    resolver: &CredentialResolver,
    profile: Option<&str>,
    region: &str,
    env: &Environment,
) -> Result<SdkConfig, AppError> {
    match profile.or(env.profile()) {
        Some(name) => Ok(resolver.sdk_config_in(name, region).await?),
        None => {
            // The default chain, with the given environment's keys and endpoint first (the
            // process's own are the same in a front end; tests give theirs).
            let mut loader = aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(region.to_string()));
            if let (Some(id), Some(secret)) = (
                env.var("AWS_ACCESS_KEY_ID"),
                env.var("AWS_SECRET_ACCESS_KEY"),
            ) {
                loader = loader.credentials_provider(aws_credential_types::Credentials::new(
                    id,
                    secret,
                    env.var("AWS_SESSION_TOKEN").map(str::to_string),
                    None,
                    "environment",
                ));
            }
            if let Some(url) = env.var("AWS_ENDPOINT_URL") {
                loader = loader.endpoint_url(url);
            }
            Ok(loader.load().await)
        }
    }
}

/// The SDK configuration for one build (see the module doc for the precedence), and the
/// profile it uses, if any (for the history).
pub async fn sdk_for_build(
    resolver: &CredentialResolver,
    chosen: Option<&str>,
    spec: &BakeSpec,
    env: &Environment,
) -> Result<(SdkConfig, Option<String>), AppError> {
    let template = &spec.credentials;
    let (base, profile) = match (chosen, &template.static_keys, &template.profile) {
        (Some(name), _, _) => (
            sdk_config(resolver, Some(name), &spec.region, env).await?,
            Some(name.to_string()),
        ),
        (None, Some(keys), _) => {
            let credentials = aws_credential_types::Credentials::new(
                keys.access_key.clone(),
                keys.secret_key.expose().clone(),
                keys.token.as_ref().map(|t| t.expose().clone()),
                None,
                "template",
            );
            let config = aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(spec.region.clone()))
                .credentials_provider(credentials)
                .load()
                .await;
            (config, None)
        }
        (None, None, Some(name)) => (
            sdk_config(resolver, Some(name), &spec.region, env).await?,
            Some(name.clone()),
        ),
        (None, None, None) => (
            sdk_config(resolver, None, &spec.region, env).await?,
            env.profile().map(str::to_string),
        ),
    };
    let Some(role) = &template.assume_role else {
        return Ok((base, profile));
    };
    let request = RoleRequest {
        role_arn: role.role_arn.clone(),
        session_name: role
            .session_name
            .clone()
            .unwrap_or_else(|| format!("bakery-{}", spec.build_name.replace('.', "-"))),
        external_id: role.external_id.clone(),
        duration_seconds: role
            .duration_seconds
            .map(|s| i32::try_from(s).unwrap_or(i32::MAX)),
        policy: role.policy.clone(),
    };
    Ok((role_on_top(base, request), profile))
}
