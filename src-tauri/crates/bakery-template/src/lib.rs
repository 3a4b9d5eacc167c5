//! Packer amazon-ebs templates: read them with positions, render their `{{ ... }}`
//! functions and user variables, check them like `packer validate` (every problem at once,
//! located), and hold them in a typed model.
//!
//! [`edit`] changes one setting of a template as a text patch at that value's span (the
//! editor's form, `bakery set`), leaving every other byte as written.
//!
//! [`schema::json_schema`] is the JSON Schema of the file format with every option's doc
//! comment, for the editor's completions and tooltips.
//!
//! Pure: no AWS, no SSH, no SQL, no tauri. Time, ids and the environment come in through a
//! [`RenderContext`]; file contents come in as text.

#![warn(missing_docs)]

mod check;
mod convert;
mod diagnostic;
pub mod edit;
mod error;
mod export;
mod format;
mod hcl2;
mod inspect;
mod isotime;
pub mod json;
pub mod model;
pub mod render;
pub mod schema;
mod secret;
mod suggest;
pub mod variables;
mod weak;

pub use check::{
    CheckOptions, Checked, DefaultRegion, ListLocalFiles, check, go_duration, local_files_under,
    valid_cidr, valid_duration, valid_kms_key, valid_region, valid_resource_id,
};
pub use convert::{format_hcl, hcl_to_json, json_to_hcl};
pub use diagnostic::{Code, Diagnostic, Severity};
pub use error::TemplateError;
pub use export::{to_hcl, to_json};
pub use format::{WIDTH as FORMAT_WIDTH, format_json};
pub use hcl2::{check_hcl, check_hcl_files};
pub use inspect::{Outline, OutlineVariable, outline, outline_hcl};
pub use isotime::format as format_go_time;
pub use model::Template;
pub use render::RenderContext;
pub use secret::Secret;
pub use suggest::did_you_mean;
pub use variables::{VarFile, VariableInputs};
