//! Thin adapters between the webview and the crates: deserialize, call, map the error.

pub mod about;
pub mod bakes;
pub mod history;
pub mod profiles;
pub mod templates;
