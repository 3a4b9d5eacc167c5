//! The AWS target bakes use: a profile, its region and — when it points at this machine —
//! the sandbox's endpoint. The environment wins at start (`AWS_PROFILE`, `AWS_REGION`, a
//! loopback `AWS_ENDPOINT_URL` = the sandbox); else the profile chosen last time,
//! remembered in the data directory.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::bake::Bakery;
use crate::environment::Environment;
use crate::error::AppError;

/// The file in the data directory that remembers the chosen profile.
const ACTIVE_TARGET_FILE: &str = "active-profile.json";

/// Where bakes go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveTarget {
    /// The profile, when one is chosen.
    pub profile: Option<String>,
    /// The region.
    pub region: Option<String>,
    /// The sandbox's EC2 endpoint, when the target is the sandbox on this machine.
    pub sandbox_endpoint: Option<String>,
}

/// An endpoint on this machine (the sandbox), not AWS.
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    rest.starts_with("127.") || rest.starts_with("localhost") || rest.starts_with("[::1]")
}

impl ActiveTarget {
    /// What the environment names.
    pub fn from_env(env: &Environment) -> Self {
        let endpoint = env
            .var("AWS_ENDPOINT_URL_EC2")
            .or_else(|| env.var("AWS_ENDPOINT_URL"));
        Self {
            profile: env.profile().map(str::to_string),
            region: env
                .var("AWS_REGION")
                .or_else(|| env.var("AWS_DEFAULT_REGION"))
                .map(str::to_string),
            sandbox_endpoint: endpoint
                .filter(|url| is_loopback_url(url))
                .map(str::to_string),
        }
    }

    /// The environment's target when it names a profile or keys; else the one remembered in
    /// `data_dir`; else whatever the environment gives.
    pub fn at_start(data_dir: &Path, env: &Environment) -> Self {
        let from_env = Self::from_env(env);
        if from_env.profile.is_some() || env.var("AWS_ACCESS_KEY_ID").is_some() {
            return from_env;
        }
        std::fs::read(data_dir.join(ACTIVE_TARGET_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<ActiveTarget>(&bytes).ok())
            .filter(|t| t.profile.is_some())
            .unwrap_or(from_env)
    }
}

impl Bakery {
    /// Makes `profile` the one bakes use, remembered for the next start: its region and
    /// endpoint by the credential resolver's own rules.
    pub fn choose_profile(&self, profile: &str) -> Result<ActiveTarget, AppError> {
        let resolver = self.resolver()?;
        let target = ActiveTarget {
            profile: Some(profile.to_string()),
            region: Some(resolver.region(profile)?),
            sandbox_endpoint: resolver
                .endpoint_url(profile)?
                .filter(|url| is_loopback_url(url)),
        };
        let json = serde_json::to_vec_pretty(&target)
            .map_err(|err| AppError::Internal(err.to_string()))?;
        let path = self.data_dir().join(ACTIVE_TARGET_FILE);
        std::fs::write(&path, json).map_err(|source| AppError::Write { path, source })?;
        Ok(target)
    }

    /// After `profile` is removed: the target the environment gives, and the remembered
    /// choice forgotten when it was `profile`. `None` when `profile` was not the target.
    pub fn forget_profile(&self, current: &ActiveTarget, profile: &str) -> Option<ActiveTarget> {
        if current.profile.as_deref() != Some(profile) {
            return None;
        }
        let _ = std::fs::remove_file(self.data_dir().join(ACTIVE_TARGET_FILE));
        Some(ActiveTarget::from_env(self.environment()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_endpoints_count_as_the_sandbox() {
        assert!(is_loopback_url("http://127.0.0.1:5000"));
        assert!(is_loopback_url("http://localhost:5000"));
        assert!(!is_loopback_url("https://ec2.eu-west-1.amazonaws.com"));
    }

    #[test]
    fn the_environment_wins_over_the_remembered_profile() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(ACTIVE_TARGET_FILE),
            r#"{"profile":"work","region":"eu-west-1","sandboxEndpoint":null}"#,
        )
        .unwrap();
        let mut env = Environment::from_process();
        env.vars.clear();
        assert_eq!(
            ActiveTarget::at_start(dir.path(), &env).profile.as_deref(),
            Some("work")
        );
        env.vars.insert("AWS_PROFILE".into(), "ci".into());
        env.vars
            .insert("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:5000".into());
        let target = ActiveTarget::at_start(dir.path(), &env);
        assert_eq!(target.profile.as_deref(), Some("ci"));
        assert_eq!(
            target.sandbox_endpoint.as_deref(),
            Some("http://127.0.0.1:5000")
        );
    }
}
