//! Packer's build-time values, filled once the bake knows them: `{{ .SourceAMI }}` (the
//! builder's variables) and `{{ build `ID` }}` (the `build` function provisioners use).

use std::collections::BTreeMap;

/// Fills the build-time values Packer leaves for the bake: `{{ .SourceAMI }}` (the builder's
/// variables) and `{{ build `ID` }}` (the `build` function provisioners use), in any
/// spacing. Actions naming something `values` does not hold stay as written.
pub fn fill_build_variables(text: &str, values: &BTreeMap<String, String>) -> String {
    if !text.contains("{{") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let action = after[..close].trim();
        let name = action.strip_prefix('.').or_else(|| {
            action
                .strip_prefix("build")
                .filter(|arg| arg.starts_with([' ', '\t']))
                .map(|arg| arg.trim().trim_matches(|c| c == '`' || c == '"'))
        });
        match name.and_then(|name| values.get(name)) {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_variables_are_filled_in_both_spellings() {
        let values = BTreeMap::from([("SourceAMI".to_string(), "ami-1".to_string())]);
        assert_eq!(
            fill_build_variables("from {{ .SourceAMI }} / {{.SourceAMI}}", &values),
            "from ami-1 / ami-1"
        );
        assert_eq!(
            fill_build_variables("{{ build `SourceAMI` }} {{build \"SourceAMI\"}}", &values),
            "ami-1 ami-1"
        );
        // What nothing fills stays as written (`{{.Path}}` is execute_command's).
        assert_eq!(
            fill_build_variables(
                "sudo {{ .Vars }} {{.Path}} {{ build `ID` }} {{ unclosed",
                &values
            ),
            "sudo {{ .Vars }} {{.Path}} {{ build `ID` }} {{ unclosed"
        );
    }
}
