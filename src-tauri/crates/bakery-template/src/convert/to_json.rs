//! An HCL2 template as Packer JSON, where JSON can say it.

use crate::TemplateError;

/// Converts the HCL2 template `text` (named `file` in messages) to Packer JSON.
pub fn hcl_to_json(_file: &str, _text: &str) -> Result<String, TemplateError> {
    Err(TemplateError::Invalid(Vec::new()))
}
