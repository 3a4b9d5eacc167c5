//! A checked template written back as a Packer JSON template, as it will be baked: every value
//! rendered, build-time placeholders kept, overrides applied, secrets shown as `***` and the
//! sensitive variables' values as `<sensitive>`. This is what a bake's history keeps as "the
//! template as baked"; reading it back gives the same model (see the round-trip test).
//!
//! The layout is [`crate::format_json`]'s; `type` and `name` come first in each step, the other
//! options in alphabetical order.

use serde::Serialize;
use serde_json::Value as Json;

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
    let value = serde_json::to_value(step).unwrap_or(Json::Null);
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
