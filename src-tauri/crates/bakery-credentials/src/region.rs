//! The region calls go to when nothing names one.

/// Region used for STS when no profile in the chain and no environment variable names one.
pub const FALLBACK_REGION: &str = "us-east-1";
