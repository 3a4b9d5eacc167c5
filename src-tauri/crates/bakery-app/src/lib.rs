//! AMI Bakery's use cases: the one API every front end calls (the desktop shell's Tauri
//! commands and the `bakery` command), in the spirit of GitButler's `but-api`.
//!
//! One use case per module: open and check a template ([`template`]), edit it by field path
//! ([`edit`]), plan it ([`plan`]),
//! the credentials of each build ([`credentials`]), start a bake and follow or cancel it
//! ([`bake`]), clean up after bakes that died ([`recover`]), profiles ([`profiles`]) and the
//! target bakes use ([`target`]). What a use case needs from the machine (environment
//! variables, the SSH agent, the clock, ids) comes in through [`Environment`]; nothing here
//! reads the process's state behind the caller's back.
//!
//! Front ends parse or deserialize, call this crate, and print or forward: they make no AWS
//! call and no SQL of their own (DESIGN.md, boundary rules 1 and 2).
#![warn(missing_docs)]

pub mod bake;
pub mod catalog;
pub mod credentials;
pub mod edit;
pub mod editor;
pub mod environment;
pub mod error;
pub mod history;
pub mod plan;
pub mod prepare;
pub mod profiles;
pub mod recover;
pub mod target;
pub mod template;

pub use bake::{BakeHandle, BakeOrder, BakeRequest, BakeSummary, Bakery, TemplateBakes};
pub use environment::Environment;
pub use error::{AppError, ErrorKind};
pub use plan::{Plan, PlanOptions};
pub use target::ActiveTarget;
pub use template::VariableValues;
