//! Every way a bake can fail, each with what happened and what to do about it.

use std::time::Duration;

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};

use crate::event::StepName;

/// Why a bake failed: what happened and, where it is known, what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// An AWS call failed with an error code (a missing permission, an AMI not found…).
    #[error("{action} failed: {code}: {message}{}", hint_suffix(.hint))]
    Aws {
        /// The EC2 (or STS) operation, e.g. `RunInstances`.
        action: &'static str,
        /// AWS's error code, e.g. `UnauthorizedOperation`.
        code: String,
        /// AWS's message.
        message: String,
        /// What to do about it, when the code is a known one (see [`hint_for`]).
        hint: Option<String>,
    },
    /// An AWS call got no answer (network, wrong region or endpoint URL).
    #[error(
        "{action} could not reach EC2: {message}. Check the network, the region and the endpoint URL"
    )]
    Transport {
        /// The operation.
        action: &'static str,
        /// What the HTTP client said, causes included.
        message: String,
    },
    /// A check before anything is made failed, or a setting cannot work; says which.
    #[error("preflight: {0}")]
    Preflight(String),
    /// SSH to the instance (or its bastion) did not connect or failed mid-bake.
    #[error("SSH to {target} failed: {message}{}", hint_suffix(.hint))]
    Ssh {
        /// Where SSH went, `user@host:port` (and the bastion).
        target: String,
        /// What went wrong.
        message: String,
        /// What to do about it, when known.
        hint: Option<String>,
    },
    /// A provisioner's command exited with a non-zero status.
    #[error("the {command} exited with status {status}; its last lines:\n{}", .last_lines.join("\n"))]
    Provisioner {
        /// Which provisioner (and which of its scripts) it was.
        command: String,
        /// Its exit status.
        status: u32,
        /// The last lines it printed, to show with the error.
        last_lines: Vec<String>,
    },
    /// A provisioner ran longer than its `timeout` and was stopped.
    #[error(
        "{step} did not finish within its timeout of {after}: it was stopped; raise the provisioner's timeout if it needs longer"
    )]
    ProvisionerTimeout {
        /// Which provisioner.
        step: String,
        /// Its timeout, as written.
        after: String,
    },
    /// An EC2 wait ran out of polls (`aws_polling`).
    #[error(
        "{what} did not finish within {after:?} (last state: {state}); raise aws_polling max_attempts or delay_seconds if this is expected"
    )]
    Timeout {
        /// What was waited for, e.g. "instance i-0abc".
        what: String,
        /// How long it waited.
        after: Duration,
        /// The last state EC2 reported.
        state: String,
    },
    /// A resource ended in a state the bake cannot go on from (an image `failed`, an instance
    /// terminated while stopping).
    #[error("{what} ended in state `{state}`: {reason}")]
    BadState {
        /// The resource, e.g. "image ami-0abc".
        what: String,
        /// Its state.
        state: String,
        /// What EC2 says about why.
        reason: String,
    },
    /// The bake was cancelled; the step it was in.
    #[error("cancelled during “{}”", .0.title())]
    Cancelled(StepName),
    /// A local file (a script, an upload, a key) could not be read.
    #[error("cannot read {path}: {source}")]
    ReadFile {
        /// The file.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A local file (a download, the manifest) could not be written.
    #[error("cannot write {path}: {source}")]
    WriteFile {
        /// The file.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The history database (the ledger) failed.
    #[error(transparent)]
    History(#[from] bakery_history::HistoryError),
    /// The bake succeeded but cleanup could not delete everything: each resource left, with why.
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

    /// EC2 says the resource does not exist (an error code ending in `NotFound`).
    pub fn is_not_found(&self) -> bool {
        self.aws_code().is_some_and(|c| c.contains("NotFound"))
    }
}

/// The IAM service prefix of an operation the engine calls.
fn service_of(action: &str) -> &'static str {
    match action {
        "ListKeys" | "ListAliases" | "DescribeKey" => "kms",
        "GetCallerIdentity" | "AssumeRole" => "sts",
        _ => "ec2",
    }
}

/// What to do about an AWS error code, in the user's words.
pub fn hint_for(action: &str, code: &str, region: &str) -> Option<String> {
    Some(match code {
        "UnauthorizedOperation" | "AccessDenied" | "AccessDeniedException" => format!(
            "the credentials lack the IAM permission `{}:{action}`: add it to the user's or role's policy",
            service_of(action)
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
            let mut message = inner.message().unwrap_or_default().to_string();
            if inner.code().is_none() && message.is_empty() {
                // Not an AWS error answer (a proxy's page, an endpoint that is not AWS's,
                // a region the endpoint does not serve): say what came back.
                message = format!(
                    "the endpoint answered HTTP {} with no AWS error in it: check the region ({region}) and the endpoint URL",
                    service.raw().status().as_u16()
                );
            }
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
        // The permission is named in its own service.
        let kms = hint_for("ListKeys", "AccessDeniedException", "eu-west-1").unwrap();
        assert!(kms.contains("`kms:ListKeys`"), "{kms}");
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
