//! The JSON Schema of a Packer JSON template as AMI Bakery reads it, generated from the model
//! so the editor's completions and tooltips (the options' doc comments) can't drift from it.
//!
//! The schema describes the file as written, so it is as lenient as Packer's weak decoding:
//! a boolean or a number may be written as a string (`"{{user `encrypt`}}"`), and a list as one
//! string. Unknown keys are not allowed, as the checker reports them; keys starting with `_`
//! are comments at the top level. The committed copy is `schema/packer-template.schema.json`;
//! a test fails when it is stale.

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::model::{Builder, PostProcessor, Provisioner, ShellLocalStep};

/// The schema, as a JSON value (draft-07).
pub fn json_schema() -> Value {
    let mut generator = SchemaSettings::draft07().for_deserialize().into_generator();
    let builder = generator.subschema_for::<Builder>().to_value();
    let provisioner = generator.subschema_for::<Provisioner>().to_value();
    let post_processor = generator.subschema_for::<PostProcessor>().to_value();
    let mut definitions = Value::Object(generator.take_definitions(true));
    split_shell_local(&mut definitions);
    widen(&mut definitions);
    close_objects(&mut definitions);

    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://ami-bakery.dev/schema/packer-template.schema.json",
        "title": "Packer JSON template (amazon-ebs), as AMI Bakery reads it",
        "type": "object",
        "properties": {
            "description": {
                "type": "string",
                "description": "What the template builds, shown by `bakery inspect`."
            },
            "min_packer_version": {
                "type": "string",
                "description": "The oldest Packer version the template's author supports (informative here)."
            },
            "variables": {
                "type": "object",
                "description": "User variables: name → default. `null` makes a variable required (pass it with --var or --var-file). Defaults may use {{env `NAME`}} and {{user `other`}}.",
                "additionalProperties": {"type": ["string", "null", "number", "boolean"]}
            },
            "sensitive-variables": {
                "type": "array",
                "description": "Variables whose values are never shown (logs, history, the app).",
                "items": {"type": "string"}
            },
            "builders": {
                "type": "array",
                "description": "The machines to bake, in order; each one yields its own AMI(s).",
                "minItems": 1,
                "items": builder
            },
            "provisioners": {
                "type": "array",
                "description": "What runs on the instance before the image is taken, in order.",
                "items": provisioner
            },
            "post-processors": {
                "type": "array",
                "description": "What runs after the image is taken: a post-processor, its type alone, or a chain (a list) run in order.",
                "items": {
                    "anyOf": [
                        post_processor.clone(),
                        {"type": "string", "enum": ["manifest"]},
                        {"type": "array", "items": {"anyOf": [post_processor, {"type": "string", "enum": ["manifest"]}]}}
                    ]
                }
            }
        },
        "patternProperties": {"^_": {"type": "string", "description": "A comment."}},
        "additionalProperties": false,
        "definitions": definitions
    })
}

/// The model's one `ShellLocal` as the two settings objects the checker reads: the
/// provisioner's and the post-processor's, each without the option only the other takes.
fn split_shell_local(definitions: &mut Value) {
    const KINDS: [(ShellLocalStep, &str, &str, &str); 2] = [
        (
            ShellLocalStep::Provisioner,
            "Provisioner",
            "ShellLocalProvisioner",
            "The `shell-local` provisioner's settings: runs on this computer, in the template's folder.",
        ),
        (
            ShellLocalStep::PostProcessor,
            "PostProcessor",
            "ShellLocalPostProcessor",
            "The `shell-local` post-processor's settings: runs on this computer, in the template's\nfolder, after the image exists (and after the post-processors before it in its chain).",
        ),
    ];
    let Value::Object(definitions) = definitions else {
        return;
    };
    let Some(shared) = definitions.remove("ShellLocal") else {
        return;
    };
    for (step, parent, name, description) in KINDS {
        let mut definition = shared.clone();
        definition["description"] = json!(description);
        if let Some(Value::Object(properties)) = definition.get_mut("properties") {
            for option in step.other_kinds_options() {
                properties.remove(*option);
            }
        }
        definitions.insert(name.to_string(), definition);
        if let Some(parent) = definitions.get_mut(parent) {
            retarget(
                parent,
                "#/definitions/ShellLocal",
                &format!("#/definitions/{name}"),
            );
        }
    }
}

/// Points every `$ref` to `from` in `value` at `to` instead.
fn retarget(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref" && child == from {
                    *child = json!(to);
                } else {
                    retarget(child, from, to);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| retarget(item, from, to)),
        _ => {}
    }
}

/// Lets every boolean, integer and list also be written as a string, like Packer's weak
/// decoding, and map values be numbers or booleans.
fn widen(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(kind) = map.get("type").cloned() {
                let mut kinds: Vec<Value> = match kind {
                    Value::Array(kinds) => kinds,
                    single => vec![single],
                };
                let has = |kinds: &[Value], k: &str| kinds.iter().any(|v| v == k);
                let list_of_strings = has(&kinds, "array")
                    && map.get("items").and_then(|items| items.get("type"))
                        == Some(&json!("string"));
                if (has(&kinds, "boolean") || has(&kinds, "integer") || list_of_strings)
                    && !has(&kinds, "string")
                {
                    kinds.push(json!("string"));
                }
                map.insert(
                    "type".to_string(),
                    if kinds.len() == 1 {
                        kinds.remove(0)
                    } else {
                        Value::Array(kinds)
                    },
                );
            }
            if let Some(Value::Object(extra)) = map.get_mut("additionalProperties")
                && extra.get("type") == Some(&json!("string"))
            {
                extra.insert("type".to_string(), json!(["string", "number", "boolean"]));
            }
            for child in map.values_mut() {
                widen(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(widen),
        _ => {}
    }
}

/// Settings objects take no other keys (the checker reports unknown keys). The settings of a
/// builder, provisioner or post-processor also hold its `"type"` (the tagged enum's variant
/// refers to them through `allOf`, which draft-07's `additionalProperties` does not see
/// through).
fn close_objects(definitions: &mut Value) {
    const TYPED: [&str; 4] = [
        "AmazonEbs",
        "ShellProvisioner",
        "FileProvisioner",
        "ManifestPostProcessor",
    ];
    let Value::Object(definitions) = definitions else {
        return;
    };
    for (name, definition) in definitions.iter_mut() {
        let Value::Object(map) = definition else {
            continue;
        };
        if TYPED.contains(&name.as_str())
            && let Some(Value::Object(properties)) = map.get_mut("properties")
        {
            properties.insert(
                "type".to_string(),
                json!({"type": "string", "description": "What this step is."}),
            );
        }
        if map.contains_key("properties") && !map.contains_key("additionalProperties") {
            map.insert("additionalProperties".to_string(), Value::Bool(false));
        }
    }
}

/// The description of every option, by its path in the schema (`AmazonEbs.ami_name`):
/// what the editor shows as tooltips.
pub fn option_docs() -> Map<String, Value> {
    let schema = json_schema();
    let mut docs = Map::new();
    if let Some(Value::Object(definitions)) = schema.get("definitions") {
        for (name, definition) in definitions {
            if let Some(Value::Object(properties)) = definition.get("properties") {
                for (option, property) in properties {
                    if let Some(text) = property.get("description") {
                        docs.insert(format!("{name}.{option}"), text.clone());
                    }
                }
            }
        }
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_has_its_doc_comment() {
        let docs = option_docs();
        assert!(
            docs["AmazonEbs.ami_name"]
                .as_str()
                .unwrap()
                .starts_with("The name of the new AMI")
        );
        for option in crate::model::option_names::<crate::model::AmazonEbs>() {
            assert!(
                docs.contains_key(&format!("AmazonEbs.{option}")),
                "amazon-ebs option {option} has no doc comment"
            );
        }
        for option in crate::model::option_names::<crate::model::ShellProvisioner>() {
            assert!(
                docs.contains_key(&format!("ShellProvisioner.{option}")),
                "{option}"
            );
        }
    }

    #[test]
    fn the_committed_schema_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schema/packer-template.schema.json");
        let current = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
        if std::env::var_os("BAKERY_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &current).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == current,
            "{} is stale: run `BAKERY_BLESS=1 cargo test -p bakery-template schema` and commit it",
            path.display()
        );
    }

    #[test]
    fn weakly_typed_values_are_allowed() {
        let schema = json_schema();
        let ebs = &schema["definitions"]["AmazonEbs"]["properties"];
        assert_eq!(
            ebs["encrypt_boot"]["type"],
            json!(["boolean", "null", "string"])
        );
        assert_eq!(
            ebs["ssh_port"]["type"],
            json!(["integer", "null", "string"])
        );
        assert_eq!(
            ebs["ami_regions"]["type"],
            json!(["array", "null", "string"])
        );
        assert_eq!(ebs["ami_name"]["type"], json!(["string", "null"]));
        assert_eq!(
            ebs["tags"]["additionalProperties"]["type"],
            json!(["string", "number", "boolean"])
        );
        assert_eq!(
            ebs["launch_block_device_mappings"]["type"],
            json!(["array", "null"])
        );
        assert_eq!(
            schema["definitions"]["AmazonEbs"]["additionalProperties"],
            json!(false)
        );
    }
}
