//! The checker's field names in HCL2 terms: a JSON tree path (`builders[0].ami_name`) as
//! it is written in the `.pkr.hcl` file (`source.amazon-ebs.web.ami_name`).

/// A JSON tree path (`builders[0].ami_name`) in HCL2 terms (`source.amazon-ebs.web.ami_name`):
/// the longest known prefix replaced; an `override` entry is the map key it is written as
/// (`override["amazon-ebs.web"].inline`).
pub(super) fn hcl_field(field: &str, fields: &[(String, String)], builders: &[String]) -> String {
    let field = hcl_prefix(field, fields);
    let Some(start) = field.find(".override.") else {
        return field;
    };
    let rest = &field[start + ".override.".len()..];
    let name = builders
        .iter()
        .filter(|n| {
            rest.starts_with(n.as_str())
                && matches!(rest[n.len()..].chars().next(), None | Some('.' | '['))
        })
        .max_by_key(|n| n.len());
    match name {
        Some(name) => format!(
            "{}.override[\"{name}\"]{}",
            &field[..start],
            &rest[name.len()..]
        ),
        None => field,
    }
}

pub(super) fn hcl_prefix(field: &str, fields: &[(String, String)]) -> String {
    fields
        .iter()
        .filter(|(json, _)| {
            field.starts_with(json.as_str())
                && matches!(field[json.len()..].chars().next(), None | Some('.' | '['))
        })
        .max_by_key(|(json, _)| json.len())
        .map_or_else(
            || field.to_string(),
            |(json, hcl)| format!("{hcl}{}", &field[json.len()..]),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_entry_is_named_by_its_map_key() {
        assert_eq!(
            hcl_field(
                "provisioners[0].override.amazon-ebs.web.inline[1]",
                &[("provisioners[0]".into(), "build.provisioner[0]".into())],
                &["amazon-ebs.web".into()]
            ),
            "build.provisioner[0].override[\"amazon-ebs.web\"].inline[1]"
        );
    }
}
