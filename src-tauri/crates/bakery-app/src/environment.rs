//! What the use cases take from the machine they run on, read once by the front end and
//! passed in (boundary rule 5): environment variables, the working directory, the clock
//! and the source of ids. Tests build their own.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use bakery_engine::plan::PlanEnvironment;
use bakery_engine::{Clock, SystemClock};

/// A source of fresh ids (bake ids, `{{uuid}}`).
pub type Ids = Arc<dyn Fn() -> String + Send + Sync>;

/// The machine as the use cases see it.
#[derive(Clone)]
pub struct Environment {
    /// Environment variables (`AWS_PROFILE`, `SSH_AUTH_SOCK`, `PKR_VAR_*`, ...).
    pub vars: BTreeMap<String, String>,
    /// The directory relative paths on a command line are taken from.
    pub working_dir: PathBuf,
    /// The time source of bakes and template functions.
    pub clock: Arc<dyn Clock>,
    /// Where bake ids and `{{uuid}}` values come from.
    pub ids: Ids,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Variable values may be secrets (AWS_SECRET_ACCESS_KEY): names only.
        f.debug_struct("Environment")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("working_dir", &self.working_dir)
            .finish_non_exhaustive()
    }
}

impl Environment {
    /// This process's environment, the real clock and random (v4 UUID) ids.
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars().collect(),
            working_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            clock: Arc::new(SystemClock),
            ids: Arc::new(|| uuid::Uuid::new_v4().to_string()),
        }
    }

    /// A variable's value, when it is set and not empty.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// What planning takes from here: the SSH agent (`SSH_AUTH_SOCK`), the public-address
    /// lookup (`BAKERY_PUBLIC_IP_URL`), and a region override.
    pub fn plan_environment(&self, region: Option<String>) -> PlanEnvironment {
        PlanEnvironment {
            ssh_agent_socket: self.var("SSH_AUTH_SOCK").map(PathBuf::from),
            public_ip_lookup_url: self.var("BAKERY_PUBLIC_IP_URL").map(str::to_string),
            region,
        }
    }

    /// The profile the environment names (`AWS_PROFILE`).
    pub fn profile(&self) -> Option<&str> {
        self.var("AWS_PROFILE")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planning_takes_the_agent_and_lookup_from_the_given_variables_only() {
        let mut env = Environment::from_process();
        env.vars = BTreeMap::from([
            ("SSH_AUTH_SOCK".to_string(), "/tmp/agent.sock".to_string()),
            ("BAKERY_PUBLIC_IP_URL".to_string(), String::new()),
        ]);
        let plan = env.plan_environment(Some("eu-west-1".into()));
        assert_eq!(
            plan.ssh_agent_socket,
            Some(PathBuf::from("/tmp/agent.sock"))
        );
        assert_eq!(
            plan.public_ip_lookup_url, None,
            "an empty variable is unset"
        );
        assert_eq!(plan.region.as_deref(), Some("eu-west-1"));
        assert!(!format!("{env:?}").contains("/tmp/agent.sock"));
    }
}
