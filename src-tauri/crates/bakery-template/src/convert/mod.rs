//! Templates converted *as written* (variables kept as variables), for `bakery fmt --to`:
//! Packer JSON → HCL2 ([`json_to_hcl`]), HCL2 → Packer JSON where JSON can say it
//! ([`hcl_to_json`]), and the canonical layout of an HCL2 file ([`format_hcl`]).
//!
//! Anything that can't be converted is a [`Diagnostic`](crate::Diagnostic) at its file, line
//! and column that says what to do; nothing is dropped silently.

mod fmt_hcl;
mod hcl_writer;
mod to_hcl;
mod to_json;

pub use fmt_hcl::format_hcl;
pub(crate) use hcl_writer::{hcl_string, is_identifier};
pub use to_hcl::json_to_hcl;
pub use to_json::hcl_to_json;
