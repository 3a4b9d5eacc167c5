//! The settings a template writes, section by section, for the editor's form: each build
//! (a JSON builder, an HCL2 `source` block), each provisioner and each variable, with every
//! key it sets and the value as written ([`super::get`]), addressed by the field paths the
//! edit engine takes. Keys the form has no control for are listed too, so none is lost.

use hcl_edit::structure::{BlockLabel, Body};
use serde::Serialize;

use super::change::{Dialect, FieldValue};
use super::path::parse;
use crate::json::{self, Value};

/// One section of the template: a build, a provisioner or a variable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// Its field path: `builders[0]`, `source.amazon-ebs.web`, `provisioners[1]`,
    /// `build.provisioner[1]`, `variables.region`, `variable.region`.
    pub path: String,
    /// Its type: `amazon-ebs`, `shell`, `file`… (empty for a variable).
    pub kind: String,
    /// Its name: a build's `name` (or its type), an HCL2 source's label, a variable's name.
    pub name: String,
    /// Every key it sets, in the order written, with its value as written.
    pub settings: Vec<(String, FieldValue)>,
}

/// Every section of a template file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// The builds.
    pub builds: Vec<Section>,
    /// The provisioners, in the order they run.
    pub provisioners: Vec<Section>,
    /// The variables; a JSON variable's `settings` hold one entry, `default`.
    pub variables: Vec<Section>,
    /// The JSON variables named in `sensitive-variables` (HCL2's say `sensitive = true`).
    pub sensitive: Vec<String>,
    /// Where a new provisioner is inserted: `provisioners` or `build.provisioner`.
    pub provisioners_path: String,
}

/// The sections of a template file; `None` when it does not parse.
pub fn settings(source: &str, dialect: Dialect) -> Option<Settings> {
    match dialect {
        Dialect::Json => json_settings(source),
        Dialect::Hcl2 => hcl_settings(source),
    }
}

fn json_settings(source: &str) -> Option<Settings> {
    let doc = json::parse(source).ok()?;
    let section = |path: String, node: &json::Node, kind_key: &str| -> Section {
        let members = node.members().unwrap_or_default();
        let kind = node
            .get(kind_key)
            .and_then(|m| m.value.as_str())
            .unwrap_or_default()
            .to_string();
        let name = node
            .get("name")
            .and_then(|m| m.value.as_str())
            .map_or_else(|| kind.clone(), str::to_string);
        Section {
            path,
            kind,
            name,
            settings: members
                .iter()
                .map(|m| (m.key.clone(), FieldValue::Literal(m.value.to_serde())))
                .collect(),
        }
    };
    let items = |key: &str| -> Vec<(usize, &json::Node)> {
        doc.root
            .get(key)
            .and_then(|m| m.value.items())
            .map(|items| items.iter().enumerate().collect())
            .unwrap_or_default()
    };
    let builds = items("builders")
        .into_iter()
        .filter(|(_, n)| matches!(n.value, Value::Object(_)))
        .map(|(i, n)| section(format!("builders[{i}]"), n, "type"))
        .collect();
    let provisioners = items("provisioners")
        .into_iter()
        .filter(|(_, n)| matches!(n.value, Value::Object(_)))
        .map(|(i, n)| section(format!("provisioners[{i}]"), n, "type"))
        .collect();
    let variables = doc
        .root
        .get("variables")
        .and_then(|m| m.value.members())
        .unwrap_or_default()
        .iter()
        .map(|m| Section {
            path: super::path::join(&[
                super::path::Segment::Key("variables".into()),
                super::path::Segment::Key(m.key.clone()),
            ]),
            kind: String::new(),
            name: m.key.clone(),
            settings: vec![("default".into(), FieldValue::Literal(m.value.to_serde()))],
        })
        .collect();
    let sensitive = doc
        .root
        .get("sensitive-variables")
        .and_then(|m| m.value.items())
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect();
    Some(Settings {
        builds,
        provisioners,
        variables,
        sensitive,
        provisioners_path: "provisioners".into(),
    })
}

fn label(label: &BlockLabel) -> &str {
    match label {
        BlockLabel::Ident(ident) => ident.as_str(),
        BlockLabel::String(s) => s.as_str(),
    }
}

/// The keys a body writes, in order, each once (repeated blocks are one list).
fn keys(body: &Body) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for structure in body.iter() {
        let key = match structure {
            hcl_edit::structure::Structure::Attribute(a) => a.key.as_str().to_string(),
            hcl_edit::structure::Structure::Block(b) => b.ident.as_str().to_string(),
        };
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

fn hcl_settings(source: &str) -> Option<Settings> {
    let body = hcl_edit::parser::parse_body(source).ok()?;
    // One parse for the whole file: every value is read from it.
    let values = |path: &str, keys: Vec<String>| -> Vec<(String, FieldValue)> {
        keys.into_iter()
            .filter_map(|key| {
                let segments = parse(&format!("{path}.{key}")).ok()?;
                let value = super::hcl_text::get_in(&body, source, &segments)?;
                Some((key, value))
            })
            .collect()
    };
    let mut builds = Vec::new();
    let mut variables = Vec::new();
    for block in body.blocks() {
        match (block.ident.as_str(), block.labels.as_slice()) {
            ("source", [kind, name]) => {
                let path = format!("source.{}.{}", label(kind), label(name));
                builds.push(Section {
                    settings: values(&path, keys(&block.body)),
                    path,
                    kind: label(kind).to_string(),
                    name: label(name).to_string(),
                });
            }
            ("variable", [name]) => {
                let path = format!("variable.{}", label(name));
                variables.push(Section {
                    settings: values(&path, keys(&block.body)),
                    path,
                    kind: String::new(),
                    name: label(name).to_string(),
                });
            }
            _ => {}
        }
    }
    // Provisioners of the first build block, by index (`build.provisioner[1]`).
    let mut provisioners = Vec::new();
    if let Some(build) = body.blocks().find(|b| b.ident.as_str() == "build") {
        for (i, block) in build
            .body
            .blocks()
            .filter(|b| b.ident.as_str() == "provisioner")
            .enumerate()
        {
            let path = format!("build.provisioner[{i}]");
            let kind = block.labels.first().map(label).unwrap_or_default();
            provisioners.push(Section {
                settings: values(&path, keys(&block.body)),
                path,
                kind: kind.to_string(),
                name: kind.to_string(),
            });
        }
    }
    Some(Settings {
        builds,
        provisioners,
        variables,
        sensitive: Vec::new(),
        provisioners_path: "build.provisioner".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_sections_keep_every_key_in_order() {
        let text = r#"{"variables": {"region": "eu-west-1"}, "sensitive-variables": ["token"],
          "builders": [{"type": "amazon-ebs", "name": "web", "ami_name": "x", "zzz": 1}],
          "provisioners": [{"type": "shell", "inline": ["a"]}]}"#;
        let s = settings(text, Dialect::Json).unwrap();
        assert_eq!(s.builds[0].path, "builders[0]");
        assert_eq!(s.builds[0].name, "web");
        let keys: Vec<&str> = s.builds[0]
            .settings
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys, ["type", "name", "ami_name", "zzz"]);
        assert_eq!(s.provisioners[0].kind, "shell");
        assert_eq!(s.variables[0].path, "variables.region");
        assert_eq!(s.sensitive, ["token"]);
    }

    #[test]
    fn hcl_sections_read_expressions_and_blocks() {
        let text = "variable \"region\" {\n  default = \"us-east-1\"\n}\nsource \"amazon-ebs\" \"web\" {\n  region = var.region\n  ami_name = \"x\"\n  source_ami_filter {\n    owners = [\"amazon\"]\n  }\n}\nbuild {\n  sources = [\"source.amazon-ebs.web\"]\n  provisioner \"shell\" {\n    inline = [\"a\"]\n  }\n}\n";
        let s = settings(text, Dialect::Hcl2).unwrap();
        let build = &s.builds[0];
        assert_eq!(build.path, "source.amazon-ebs.web");
        assert_eq!(
            build.settings[0],
            ("region".into(), FieldValue::Expression("var.region".into()))
        );
        assert_eq!(
            build.settings[2],
            (
                "source_ami_filter".into(),
                FieldValue::Literal(json!({"owners": ["amazon"]}))
            )
        );
        assert_eq!(s.provisioners[0].path, "build.provisioner[0]");
        assert_eq!(s.provisioners[0].kind, "shell");
        assert_eq!(s.variables[0].path, "variable.region");
    }
}
