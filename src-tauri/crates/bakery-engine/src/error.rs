//! Every way a bake can fail, each with what happened and what to do about it.

use std::time::Duration;

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};

use crate::event::StepName;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{action} failed: {code}: {message}{}", hint_suffix(.hint))]
    Aws {
        action: &'static str,
        code: String,
        message: String,
        hint: Option<String>,
    },
    #[error(
        "{action} could not reach EC2: {message}. Check the network, the region and the endpoint URL"
    )]
    Transport {
        action: &'static str,
        message: String,
    },
    #[error("preflight: {0}")]
    Preflight(String),
    #[error("SSH to {target} failed: {message}{}", hint_suffix(.hint))]
    Ssh {
        target: String,
        message: String,
        hint: Option<String>,
    },
    #[error("the provisioner `{command}` exited with status {status}; last lines:\n{}", .last_lines.join("\n"))]
    Provisioner {
        command: String,
        status: u32,
        last_lines: Vec<String>,
    },
    #[error(
        "{what} did not finish within {after:?} (last state: {state}); raise aws_polling max_attempts or delay_seconds if this is expected"
    )]
    Timeout {
        what: String,
        after: Duration,
        state: String,
    },
    #[error("{what} ended in state `{state}`: {reason}")]
    BadState {
        what: String,
        state: String,
        reason: String,
    },
    #[error("cancelled during {0:?}")]
    Cancelled(StepName),
    #[error("cannot read {path}: {source}")]
    ReadFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    WriteFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    History(#[from] bakery_history::HistoryError),
    #[error("cleanup left resources behind: {}", .0.join("; "))]
    LeftBehind(Vec<String>),
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!(". {h}")).unwrap_or_default()
}

impl EngineError {
    /// The AWS error code, when this is an AWS error.
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            Self::Aws { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.aws_code().is_some_and(|c| c.contains("NotFound"))
    }
}

/// What to do about an AWS error code, in the user's words.
pub fn hint_for(action: &str, code: &str, region: &str) -> Option<String> {
    Some(match code {
        "UnauthorizedOperation" | "AccessDenied" | "AccessDeniedException" => format!(
            "the credentials lack the IAM permission `ec2:{action}`: add it to the user's or role's policy"
        ),
        "InvalidAMIID.NotFound" | "InvalidAMIID.Unavailable" | "InvalidAMIID.Malformed" => format!(
            "AMIs are regional: check that this AMI exists in {region} (wrong region?) and that the account may use it"
        ),
        "VPCIdNotSpecified" | "InvalidVpcID.NotFound" if action == "RunInstances" || action == "CreateSecurityGroup" => format!(
            "the account has no default VPC in {region}: set subnet_id (and vpc_id), or set \"temporary_vpc\": true to let the bake create one"
        ),
        "ExpiredToken" | "RequestExpired" | "ExpiredTokenException" => {
            "the credentials have expired: re-authenticate (MFA or SSO login) and bake again".into()
        }
        "AuthFailure" | "InvalidClientTokenId" | "SignatureDoesNotMatch" => {
            "the access key is not valid: check the profile's keys (bakery profiles test NAME)".into()
        }
        "InvalidInstanceType" | "InvalidInstanceType.NotFound" | "Unsupported" => format!(
            "the instance type is not offered in {region} (or in this subnet's zone): pick another instance_type"
        ),
        "InsufficientInstanceCapacity" => {
            "EC2 has no capacity for this instance type in this zone now: try another instance_type or subnet".into()
        }
        "InvalidKeyPair.NotFound" => {
            "the key pair does not exist in this region: check ssh_keypair_name".into()
        }
        "InvalidSubnetID.NotFound" => format!("the subnet does not exist in {region}: check subnet_id"),
        "InvalidGroup.NotFound" => format!("the security group does not exist in {region}: check security_group_ids"),
        "InvalidAMIName.Duplicate" => {
            "an AMI with this name already exists: change ami_name (add {{timestamp}}) or set force_deregister".into()
        }
        "OptInRequired" => format!("the account is not subscribed to this AMI or region {region}: opt in first"),
        "RequestLimitExceeded" | "Throttling" => {
            "EC2 throttled the calls even after retries: try again later or lower parallel bakes".into()
        }
        _ => return None,
    })
}

/// Maps an SDK error of `action` to an [`EngineError`] with a hint.
pub fn aws_error<E>(action: &'static str, region: &str, err: SdkError<E>) -> EngineError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &err {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            let code = inner.code().unwrap_or("Unknown").to_string();
            let message = inner.message().unwrap_or_default().to_string();
            EngineError::Aws {
                action,
                hint: hint_for(action, &code, region),
                code,
                message,
            }
        }
        _ => match err.code() {
            Some(code) => EngineError::Aws {
                action,
                code: code.to_string(),
                message: err.message().unwrap_or_default().to_string(),
                hint: hint_for(action, code, region),
            },
            None => EngineError::Transport {
                action,
                message: error_chain(&err),
            },
        },
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_error_code_says_what_to_do() {
        let unauthorized = hint_for("RunInstances", "UnauthorizedOperation", "eu-west-1").unwrap();
        assert!(unauthorized.contains("ec2:RunInstances"), "{unauthorized}");
        let ami = hint_for("DescribeImages", "InvalidAMIID.NotFound", "eu-west-1").unwrap();
        assert!(
            ami.contains("wrong region?") && ami.contains("eu-west-1"),
            "{ami}"
        );
        let vpc = hint_for("RunInstances", "VPCIdNotSpecified", "eu-west-1").unwrap();
        assert!(vpc.contains("temporary_vpc"), "{vpc}");
        let expired = hint_for("DescribeImages", "ExpiredToken", "eu-west-1").unwrap();
        assert!(expired.contains("re-authenticate"), "{expired}");
        assert!(hint_for("DescribeImages", "SomethingNew", "eu-west-1").is_none());
    }

    #[test]
    fn the_hint_is_part_of_the_message() {
        let err = EngineError::Aws {
            action: "RunInstances",
            code: "UnauthorizedOperation".into(),
            message: "You are not authorized".into(),
            hint: hint_for("RunInstances", "UnauthorizedOperation", "us-east-1"),
        };
        let text = err.to_string();
        assert!(
            text.starts_with(
                "RunInstances failed: UnauthorizedOperation: You are not authorized. "
            )
        );
        assert!(text.contains("ec2:RunInstances"));
    }
}
