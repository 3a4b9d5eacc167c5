//! [`outline`]: what a template declares, as written (like `packer inspect`): nothing is
//! rendered and no setting is checked, so it works on templates that don't validate.

use serde::Serialize;

use crate::diagnostic::{Code, Diagnostic};
use crate::json::{self, Node};
use crate::model::build_name;

/// A variable as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutlineVariable {
    /// Its name.
    pub name: String,
    /// The default as written; `None` when the variable is required.
    pub default: Option<String>,
    /// Whether its value is hidden (`sensitive-variables`, `sensitive = true`).
    pub sensitive: bool,
}

/// The parts of a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outline {
    /// The template's `description`.
    pub description: Option<String>,
    /// The variables, in the order declared.
    pub variables: Vec<OutlineVariable>,
    /// Each builder's name and type.
    pub builders: Vec<(String, String)>,
    /// Each provisioner's type.
    pub provisioners: Vec<String>,
    /// Each post-processor chain's types.
    pub post_processors: Vec<Vec<String>>,
}

fn type_of(node: &Node) -> String {
    node.as_str()
        .or_else(|| node.get("type").and_then(|m| m.value.as_str()))
        .unwrap_or("<no type>")
        .to_string()
}

/// Reads the outline of a JSON template; only a syntax error (or a non-object) fails.
pub fn outline(file: &str, text: &str) -> Result<Outline, crate::TemplateError> {
    let doc = json::parse(text).map_err(|err| {
        let mut d = Diagnostic::error(
            Code::Syntax,
            err.at,
            "",
            format!("invalid JSON: {}", err.message),
        );
        d.file = file.to_string();
        crate::TemplateError::Invalid(vec![d])
    })?;
    let root = &doc.root;
    if root.members().is_none() {
        let mut d = Diagnostic::error(Code::WrongType, root.at, "", "a template is a JSON object");
        d.file = file.to_string();
        return Err(crate::TemplateError::Invalid(vec![d]));
    }
    let sensitive: Vec<&str> = root
        .get("sensitive-variables")
        .and_then(|m| m.value.items())
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let list = |key: &str| {
        root.get(key)
            .and_then(|m| m.value.items())
            .unwrap_or_default()
    };
    Ok(Outline {
        description: root
            .get("description")
            .and_then(|m| m.value.as_str())
            .map(str::to_string),
        variables: root
            .get("variables")
            .and_then(|m| m.value.members())
            .unwrap_or_default()
            .iter()
            .map(|m| OutlineVariable {
                name: m.key.clone(),
                default: match &m.value.value {
                    json::Value::Null => None,
                    json::Value::String(s) => Some(s.clone()),
                    _ => Some(m.value.to_serde().to_string()),
                },
                sensitive: sensitive.contains(&m.key.as_str()),
            })
            .collect(),
        builders: list("builders")
            .iter()
            .map(|b| {
                let kind = type_of(b);
                let name = build_name(b.get("name").and_then(|m| m.value.as_str()), &kind);
                (name.to_string(), kind)
            })
            .collect(),
        provisioners: list("provisioners").iter().map(type_of).collect(),
        post_processors: list("post-processors")
            .iter()
            .map(|p| match p.items() {
                Some(chain) => chain.iter().map(type_of).collect(),
                None => vec![type_of(p)],
            })
            .collect(),
    })
}

/// The outline of an HCL2 template: its variables as declared, its builds' sources
/// (`TYPE.NAME`), provisioners and post-processors.
pub fn outline_hcl(file: &str, text: &str) -> Result<Outline, crate::TemplateError> {
    let checked = crate::check_hcl(
        file,
        text,
        &crate::CheckOptions::default(),
        &mut crate::RenderContext::fixed(),
    );
    let Some(template) = checked.template else {
        return Err(crate::TemplateError::Invalid(checked.diagnostics));
    };
    Ok(Outline {
        description: template.description.clone(),
        variables: template
            .variables
            .iter()
            .map(|v| OutlineVariable {
                name: v.name.clone(),
                default: v.default.as_ref().map(|d| d.expose().to_string()),
                sensitive: v.sensitive,
            })
            .collect(),
        builders: template
            .builders
            .iter()
            .map(|b| (b.name().to_string(), b.type_name().to_string()))
            .collect(),
        provisioners: template
            .provisioners
            .iter()
            .map(|p| p.type_name().to_string())
            .collect(),
        post_processors: template
            .post_processors
            .iter()
            .map(|chain| chain.iter().map(|p| p.type_name().to_string()).collect())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_part_as_written() {
        let text = r#"{"description": "web image",
            "variables": {"region": null, "key": "{{env `K`}}", "n": 3},
            "sensitive-variables": ["key"],
            "builders": [{"type": "amazon-ebs", "name": "web"}, {"type": "amazon-chroot"}],
            "provisioners": [{"type": "shell"}, {"type": "ansible"}],
            "post-processors": ["compress", [{"type": "manifest"}, {"type": "checksum"}]]}"#;
        let o = outline("t.json", text).unwrap();
        assert_eq!(o.description.as_deref(), Some("web image"));
        assert_eq!(
            o.variables[0],
            OutlineVariable {
                name: "region".into(),
                default: None,
                sensitive: false
            }
        );
        assert!(o.variables[1].sensitive);
        assert_eq!(o.variables[2].default.as_deref(), Some("3"));
        assert_eq!(
            o.builders,
            [
                ("web".into(), "amazon-ebs".into()),
                ("amazon-chroot".into(), "amazon-chroot".into())
            ]
        );
        assert_eq!(o.provisioners, ["shell", "ansible"]);
        assert_eq!(
            o.post_processors,
            [
                vec!["compress".to_string()],
                vec!["manifest".into(), "checksum".into()]
            ]
        );
        assert!(outline("t.json", "{").is_err());
    }

    #[test]
    fn an_hcl2_outline_names_builds_by_source() {
        let text = "variable \"region\" {}\nvariable \"key\" {\n  default = \"k\"\n  sensitive = true\n}\nsource \"amazon-ebs\" \"web\" {}\nbuild {\n  sources = [\"source.amazon-ebs.web\"]\n  provisioner \"shell\" {}\n}\n";
        let o = outline_hcl("t.pkr.hcl", text).unwrap();
        assert_eq!(o.variables[0].default, None);
        assert!(o.variables[1].sensitive);
        assert_eq!(
            o.builders,
            [("amazon-ebs.web".to_string(), "amazon-ebs".to_string())]
        );
        assert_eq!(o.provisioners, ["shell"]);
        assert!(outline_hcl("t.pkr.hcl", "build {").is_err());
    }
}
