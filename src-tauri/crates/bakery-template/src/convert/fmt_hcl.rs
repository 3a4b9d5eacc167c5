//! The canonical layout of an HCL2 file.

use crate::TemplateError;

/// The canonical text of an HCL2 file.
pub fn format_hcl(_file: &str, text: &str) -> Result<String, TemplateError> {
    Ok(text.to_string())
}
