//! A checked template written back as a Packer JSON (or HCL2) template, as it will be baked: every value
//! rendered, build-time placeholders kept, overrides applied, secrets shown as `***` and the
//! sensitive variables' values as `<sensitive>`. This is what a bake's history keeps as "the
//! template as baked"; reading it back gives the same model (see the round-trip test).
//!
//! The layout is [`crate::format_json`]'s; `type` and `name` come first in each step, the other
//! options in alphabetical order.

use serde::Serialize;
use serde_json::Value as Json;

use crate::convert::hcl_string;
use crate::json::{Member, Node, Position, Value};
use crate::model::{PostProcessor, Template};

/// The template as baked, as canonical Packer JSON.
pub fn to_json(template: &Template) -> String {
    let mut root = Vec::new();
    let mut member = |key: &str, value: Node| {
        root.push(Member {
            key: key.to_string(),
            key_at: Position::default(),
            value,
        })
    };
    if let Some(description) = &template.description {
        member("description", plain(Value::String(description.clone())));
    }
    if let Some(version) = &template.min_packer_version {
        member("min_packer_version", plain(Value::String(version.clone())));
    }
    member("builders", list(template.builders.iter().map(step)));
    if !template.provisioners.is_empty() {
        member("provisioners", list(template.provisioners.iter().map(step)));
    }
    if !template.post_processors.is_empty() {
        let chains = template
            .post_processors
            .iter()
            .map(|chain| match chain.as_slice() {
                [single] => step(single),
                chain => list(chain.iter().map(step::<PostProcessor>)),
            });
        member("post-processors", list(chains));
    }
    let text = crate::format::write(&plain(Value::Object(root)));
    template.redact(&text)
}

fn plain(value: Value) -> Node {
    Node {
        at: Position::default(),
        value,
    }
}

fn list(items: impl Iterator<Item = Node>) -> Node {
    plain(Value::Array(items.collect()))
}

/// A builder, provisioner or post-processor: `type` and `name` first.
fn step<T: Serialize>(step: &T) -> Node {
    let mut value = serde_json::to_value(step).unwrap_or(Json::Null);
    one_string_filters(&mut value);
    let Json::Object(map) = value else {
        return from_json(&value);
    };
    let mut first: Vec<Member> = Vec::new();
    let mut rest: Vec<Member> = Vec::new();
    for (key, value) in &map {
        let member = Member {
            key: key.clone(),
            key_at: Position::default(),
            value: from_json(value),
        };
        match key.as_str() {
            "type" => first.insert(0, member),
            "name" => first.push(member),
            _ => rest.push(member),
        }
    }
    first.extend(rest);
    plain(Value::Object(first))
}

/// `source_ami_filter.filters` values are one string each in Packer (the model holds them as
/// lists): a one-value list is written as its string, so the template reads back.
fn one_string_filters(builder: &mut Json) {
    let Some(Json::Object(filters)) = builder.pointer_mut("/source_ami_filter/filters") else {
        return;
    };
    for value in filters.values_mut() {
        if let Json::Array(items) = value
            && let [single] = items.as_slice()
        {
            *value = single.clone();
        }
    }
}

fn from_json(value: &Json) -> Node {
    plain(match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Number(n.clone()),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(from_json).collect()),
        Json::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| Member {
                    key: key.clone(),
                    key_at: Position::default(),
                    value: from_json(value),
                })
                .collect(),
        ),
    })
}

/// Options whose value is written as a nested block in HCL2 (the others are attributes).
pub(crate) const HCL_BLOCKS: &[&str] = &[
    "source_ami_filter",
    "metadata_options",
    "aws_polling",
    "assume_role",
    "temporary_vpc",
    "security_group_filter",
    "subnet_filter",
    "vpc_filter",
    "launch_block_device_mappings",
    "ami_block_device_mappings",
];

/// The template as baked, as a Packer HCL2 template: one `source` per builder (labelled with
/// its name), one `build` with every source, its provisioners and post-processors. Builders
/// are named `TYPE.NAME` in HCL2, so `only`/`except` are written that way.
pub fn to_hcl(template: &Template) -> String {
    let mut out = String::new();
    if let Some(version) = &template.min_packer_version {
        out.push_str(&format!(
            "packer {{\n  required_version = {}\n}}\n\n",
            hcl_string(&format!(">= {version}"))
        ));
    }
    let mut labels = Vec::new();
    for builder in &template.builders {
        let label = builder.name().to_string();
        let mut value = serde_json::to_value(builder).unwrap_or(Json::Null);
        one_string_filters(&mut value);
        out.push_str(&format!(
            "source {} {} {{\n",
            hcl_string(builder.type_name()),
            hcl_string(&label)
        ));
        write_hcl_body(&value, 1, &["type", "name"], &mut out);
        out.push_str("}\n\n");
        labels.push(format!("source.{}.{label}", builder.type_name()));
    }
    let qualified = |names: &Json| -> Json {
        let Json::Array(names) = names else {
            return names.clone();
        };
        Json::Array(
            names
                .iter()
                .map(|n| match n {
                    Json::String(n) if !n.contains('.') => Json::String(format!("amazon-ebs.{n}")),
                    other => other.clone(),
                })
                .collect(),
        )
    };
    out.push_str("build {\n");
    if let Some(description) = &template.description {
        out.push_str(&format!("  description = {}\n", hcl_string(description)));
    }
    out.push_str(&format!(
        "  sources = [{}]\n",
        labels
            .iter()
            .map(|l| hcl_string(l))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for provisioner in &template.provisioners {
        let mut value = serde_json::to_value(provisioner).unwrap_or(Json::Null);
        if let Json::Object(map) = &mut value {
            for key in ["only", "except"] {
                if let Some(names) = map.get(key) {
                    let names = qualified(names);
                    map.insert(key.to_string(), names);
                }
            }
        }
        out.push_str(&format!(
            "\n  provisioner {} {{\n",
            hcl_string(provisioner.type_name())
        ));
        write_hcl_body(&value, 2, &["type"], &mut out);
        out.push_str("  }\n");
    }
    for chain in &template.post_processors {
        let (open, indent) = if chain.len() > 1 {
            out.push_str("\n  post-processors {\n");
            ("    ", 3)
        } else {
            ("  ", 2)
        };
        for post_processor in chain {
            let mut value = serde_json::to_value(post_processor).unwrap_or(Json::Null);
            if let Json::Object(map) = &mut value {
                for key in ["only", "except"] {
                    if let Some(names) = map.get(key) {
                        let names = qualified(names);
                        map.insert(key.to_string(), names);
                    }
                }
            }
            out.push_str(&format!(
                "\n{open}post-processor {} {{\n",
                hcl_string(post_processor.type_name())
            ));
            write_hcl_body(&value, indent, &["type"], &mut out);
            out.push_str(&format!("{open}}}\n"));
        }
        if chain.len() > 1 {
            out.push_str("  }\n");
        }
    }
    out.push_str("}\n");
    template.redact(&out)
}

fn write_hcl_body(value: &Json, depth: usize, skip: &[&str], out: &mut String) {
    let Json::Object(map) = value else {
        return;
    };
    let pad = "  ".repeat(depth);
    for (key, value) in map {
        if skip.contains(&key.as_str()) {
            continue;
        }
        match value {
            Json::Object(_) if HCL_BLOCKS.contains(&key.as_str()) => {
                out.push_str(&format!("{pad}{key} {{\n"));
                write_hcl_body(value, depth + 1, &[], out);
                out.push_str(&format!("{pad}}}\n"));
            }
            Json::Array(items) if HCL_BLOCKS.contains(&key.as_str()) => {
                for item in items {
                    out.push_str(&format!("{pad}{key} {{\n"));
                    write_hcl_body(item, depth + 1, &[], out);
                    out.push_str(&format!("{pad}}}\n"));
                }
            }
            _ => out.push_str(&format!("{pad}{key} = {}\n", hcl_value(value))),
        }
    }
}

fn hcl_value(value: &Json) -> String {
    match value {
        Json::Null => "null".to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => hcl_string(s),
        Json::Array(items) => format!(
            "[{}]",
            items.iter().map(hcl_value).collect::<Vec<_>>().join(", ")
        ),
        Json::Object(map) => format!(
            "{{ {} }}",
            map.iter()
                .map(|(k, v)| format!("{} = {}", hcl_string(k), hcl_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CheckOptions, RenderContext, check};

    #[test]
    fn the_template_as_baked() {
        let text = r#"{
          "variables": {"region": "eu-west-1", "token": "t0ps3cret"},
          "sensitive-variables": ["token"],
          "builders": [{"ami_name": "web {{timestamp}}", "type": "amazon-ebs", "region": "{{user `region`}}",
            "source_ami": "ami-0123abcd", "instance_type": "t3.micro", "ssh_username": "ec2-user",
            "tags": {"Source": "{{ .SourceAMI }}"}}],
          "provisioners": [{"type": "shell", "environment_vars": ["TOKEN={{user `token`}}"], "inline": ["make"]}],
          "post-processors": ["manifest"]
        }"#;
        let checked = check(
            "t.json",
            text,
            &CheckOptions::default(),
            &mut RenderContext::fixed(),
        );
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        let exported = to_json(&checked.template.unwrap());
        assert_eq!(
            exported,
            r#"{
  "builders": [
    {
      "type": "amazon-ebs",
      "ami_name": "web 1741064767",
      "instance_type": "t3.micro",
      "region": "eu-west-1",
      "source_ami": "ami-0123abcd",
      "ssh_username": "ec2-user",
      "tags": {
        "Source": "{{ .SourceAMI }}"
      }
    }
  ],
  "provisioners": [
    {
      "type": "shell",
      "environment_vars": ["TOKEN=<sensitive>"],
      "inline": ["make"]
    }
  ],
  "post-processors": [
    {
      "type": "manifest"
    }
  ]
}
"#
        );
    }
}
