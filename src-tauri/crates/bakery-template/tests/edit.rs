//! The edit engine over every valid template of the corpus, both dialects: each setting the
//! form sets is set to a new value and back (the original bytes again), the set touches only
//! the value's bytes, and the result checks to the old model plus the change. Provisioners are
//! inserted, removed and moved, and back.

use std::path::{Path, PathBuf};

use bakery_template::edit::{self, Change, Dialect, FieldValue};
use bakery_template::{CheckOptions, Checked, RenderContext, VarFile, VariableInputs};
use serde_json::{Value as Json, json};

fn corpus(folder: &str, extension: &str, skip: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(folder);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(extension) && !name.ends_with(skip)
        })
        .collect();
    paths.sort();
    paths
}

/// A template file of the corpus and how it is checked.
struct Corpus {
    path: PathBuf,
    dialect: Dialect,
    text: String,
    options: CheckOptions,
}

impl Corpus {
    fn all() -> Vec<Corpus> {
        let json = corpus("corpus", ".json", ".vars.json")
            .into_iter()
            .map(|p| (p, Dialect::Json));
        let hcl = corpus("corpus-hcl", ".pkr.hcl", ".pkrvars.hcl")
            .into_iter()
            .map(|p| (p, Dialect::Hcl2));
        json.chain(hcl)
            .map(|(path, dialect)| {
                let vars = match dialect {
                    Dialect::Json => path.with_extension("vars.json"),
                    Dialect::Hcl2 => PathBuf::from(
                        path.display()
                            .to_string()
                            .replace(".pkr.hcl", ".pkrvars.hcl"),
                    ),
                };
                let mut options = CheckOptions {
                    local_file_exists: Some(|file| Path::new(file).exists()),
                    read_local_file: Some(|file| std::fs::read_to_string(file)),
                    ..CheckOptions::default()
                };
                if vars.exists() {
                    options.inputs = VariableInputs {
                        var_files: vec![VarFile {
                            name: vars.display().to_string(),
                            text: std::fs::read_to_string(&vars).unwrap(),
                        }],
                        vars: Vec::new(),
                    };
                }
                Corpus {
                    text: std::fs::read_to_string(&path).unwrap(),
                    path,
                    dialect,
                    options,
                }
            })
            .collect()
    }

    fn check(&self, text: &str) -> Checked {
        let mut ctx = RenderContext::fixed();
        // The same id every time: an edit changes which setting asks for the next one.
        ctx.ids = Box::new(|| "id".to_string());
        ctx.template_dir = self.path.parent().unwrap().display().to_string();
        let name = self.path.display().to_string();
        match self.dialect {
            Dialect::Json => bakery_template::check(&name, text, &self.options, &mut ctx),
            Dialect::Hcl2 => bakery_template::check_hcl(&name, text, &self.options, &mut ctx),
        }
    }

    fn valid() -> Vec<(Corpus, Json)> {
        let valid: Vec<(Corpus, Json)> = Corpus::all()
            .into_iter()
            .filter_map(|c| {
                let checked = c.check(&c.text);
                if !checked.is_valid() {
                    return None;
                }
                let model = serde_json::to_value(checked.template.as_ref()?).unwrap();
                Some((c, model))
            })
            .collect();
        assert!(
            valid
                .iter()
                .filter(|(c, _)| c.dialect == Dialect::Json)
                .count()
                >= 60
                && valid.iter().any(|(c, _)| c.dialect == Dialect::Hcl2),
            "the corpus has valid templates of both dialects"
        );
        valid
    }

    fn name(&self) -> String {
        self.path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }
}

/// Sets `path` (a JSON tree path of the model, like `builders[0].tags.Name`) in a model.
fn set_in(model: &mut Json, path: &[&str], value: Option<&Json>) {
    let (last, parents) = path.split_last().unwrap();
    let mut node = model;
    for key in parents {
        node = match key.parse::<usize>() {
            Ok(i) => &mut node[i],
            Err(_) => {
                if node.get(*key).is_none() {
                    node[*key] = json!({});
                }
                &mut node[*key]
            }
        };
    }
    match (last.parse::<usize>(), value) {
        (Ok(i), Some(v)) => node[i] = v.clone(),
        (Ok(i), None) => {
            node.as_array_mut().unwrap().remove(i);
        }
        (Err(_), Some(v)) => node[*last] = v.clone(),
        (Err(_), None) => {
            node.as_object_mut().unwrap().remove(*last);
        }
    }
}

/// A new value for a setting, given what the model has.
fn new_value(setting: &str, old: Option<&Json>) -> Json {
    match setting {
        "ami_name" => json!("edited-image"),
        "instance_type" => json!("c5.large"),
        "region" => json!("eu-north-1"),
        "ssh_username" => json!("admin"),
        "source_ami" => json!("ami-0e1d2c3b4a5968778"),
        "tags.Edited" => json!("by the form"),
        "ami_regions" | "ami_users" | "security_group_ids" => {
            let extra = match setting {
                "ami_regions" => "ca-central-1",
                "ami_users" => "210987654321",
                _ => "sg-0a1b2c3d4e5f60718",
            };
            let mut list = old.and_then(Json::as_array).cloned().unwrap_or_default();
            list.push(json!(extra));
            Json::Array(list)
        }
        "vpc_id" => json!("vpc-0a1b2c3d4e5f60718"),
        "subnet_id" => json!("subnet-0a1b2c3d4e5f60718"),
        "iam_instance_profile" => json!("edited-profile"),
        "encrypt_boot" => json!(old != Some(&json!(true))),
        "kms_key_id" => json!("alias/edited"),
        "spot_price" => json!("auto"),
        other => panic!("{other}"),
    }
}

const SETTINGS: &[&str] = &[
    "ami_name",
    "instance_type",
    "region",
    "ssh_username",
    "source_ami",
    "tags.Edited",
    "ami_regions",
    "ami_users",
    "vpc_id",
    "subnet_id",
    "security_group_ids",
    "iam_instance_profile",
    "encrypt_boot",
    "kms_key_id",
    "spot_price",
];

/// The errors of a check, as (field, message).
fn errors(checked: &Checked) -> Vec<String> {
    checked
        .errors()
        .map(|d| format!("{} {}", d.field, d.message))
        .collect()
}

fn run(text: &str, dialect: Dialect, change: &Change) -> (String, Vec<edit::Patch>) {
    let patches =
        edit::patches(text, dialect, change).unwrap_or_else(|e| panic!("{change:?}: {e}"));
    (edit::apply(text, &patches), patches)
}

/// The form's undo of a change to a setting: the old literal (or expression) set back, or the
/// key unset — the outermost one the change created (`tags` when there were no tags).
fn undo(text: &str, dialect: Dialect, path: &str) -> Change {
    let mut prefix = String::new();
    for part in path.split('.') {
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(part);
        if edit::get(text, dialect, &prefix).unwrap().is_none() {
            return Change::Unset { path: prefix };
        }
    }
    match edit::get(text, dialect, path).unwrap() {
        None => Change::Unset { path: path.into() },
        Some(FieldValue::Literal(value)) => Change::Set {
            path: path.into(),
            value,
        },
        Some(FieldValue::Expression(expression)) => Change::SetExpression {
            path: path.into(),
            expression,
        },
    }
}

/// The builder's settings path in the file and its index in the model.
fn builders(corpus: &Corpus, model: &Json) -> Vec<(String, usize)> {
    let names: Vec<String> = model["builders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap_or("amazon-ebs").to_string())
        .collect();
    match corpus.dialect {
        Dialect::Json => (0..names.len())
            .map(|i| (format!("builders[{i}]"), i))
            .collect(),
        Dialect::Hcl2 => {
            // One source per builder, when no source is baked by two builds.
            let mut out = Vec::new();
            for (i, name) in names.iter().enumerate() {
                if names.iter().filter(|n| *n == name).count() > 1 {
                    continue;
                }
                // A build's `source` block may rename it: that builder has no source of its
                // own name.
                let path = format!("source.{name}");
                if edit::get(&corpus.text, Dialect::Hcl2, &path)
                    .unwrap()
                    .is_none()
                {
                    continue;
                }
                out.push((format!("source.{name}"), i));
            }
            out
        }
    }
}

/// Settings that can't take the new value in this template without a second change (these
/// combinations are errors, so the form asks for both): no check of the round trip is lost.
fn needs_more(model_builder: &Json, setting: &str) -> bool {
    let has = |key: &str| model_builder.get(key).is_some();
    match setting {
        // A KMS key needs encryption on.
        "kms_key_id" => model_builder.get("encrypt_boot") != Some(&json!(true)),
        // Turning encryption off while a key is given is an error; turning it on while the
        // image is shared needs a key (the default key can't be shared).
        "encrypt_boot" => has("kms_key_id") || has("region_kms_key_ids") || has("ami_users"),
        "ami_users" => {
            model_builder.get("encrypt_boot") == Some(&json!(true)) && !has("kms_key_id")
        }
        "vpc_id" | "subnet_id" => has("temporary_vpc"),
        "security_group_ids" => has("security_group_id"),
        // A new copy region needs its key when every region has one.
        "ami_regions" => model_builder.get("region_kms_key_ids").is_some(),
        // Spot types replace the instance type.
        "instance_type" => model_builder.get("spot_instance_types").is_some(),
        _ => false,
    }
}

#[test]
fn every_form_setting_of_every_valid_template_round_trips_byte_for_byte() {
    let mut tried = 0;
    let mut skipped = Vec::new();
    let mut broken = Vec::new();
    let mut per_dialect = [0, 0];
    for (corpus, model) in Corpus::valid() {
        let old_errors = errors(&corpus.check(&corpus.text));
        for (builder, index) in builders(&corpus, &model) {
            let model_builder = &model["builders"][index];
            for setting in SETTINGS {
                if needs_more(model_builder, setting) {
                    skipped.push(format!("{} {builder}.{setting}", corpus.name()));
                    continue;
                }
                let model_path: Vec<&str> = setting.split('.').collect();
                let old = model_path
                    .iter()
                    .try_fold(model_builder, |node, key| node.get(*key));
                let mut value = new_value(setting, old);
                if old == Some(&value) {
                    // Already that: another value the setting takes.
                    value = match *setting {
                        "spot_price" => json!("0.05"),
                        "region" => json!("eu-south-1"),
                        _ => json!(format!("{}-2", value.as_str().unwrap_or("x"))),
                    };
                }
                let path = format!("{builder}.{setting}");
                let where_ = format!("{} {path}", corpus.name());
                if let Some((parent, _)) = path.rsplit_once('.')
                    && let Ok(Some(FieldValue::Expression(_))) =
                        edit::get(&corpus.text, corpus.dialect, parent)
                {
                    // A map written as an expression (`merge(local.tags, …)`) is edited as
                    // text, not by key.
                    skipped.push(format!("{where_} (in an expression)"));
                    continue;
                }
                let back = undo(&corpus.text, corpus.dialect, &path);
                let was = edit::locate(&corpus.text, corpus.dialect, &path).unwrap();

                let change = Change::Set {
                    path: path.clone(),
                    value: value.clone(),
                };
                let (edited, patches) = run(&corpus.text, corpus.dialect, &change);
                assert!(!patches.is_empty(), "{where_}: nothing changed");
                // Only the value's bytes change (a new key is only an insertion).
                for patch in &patches {
                    match &was {
                        Some(range) => assert!(
                            range.start <= patch.start && patch.end <= range.end,
                            "{where_}: {patch:?} outside the value {range:?}"
                        ),
                        None => assert_eq!(patch.start, patch.end, "{where_}: {patch:?}"),
                    }
                }
                // The lines around the change are the same.
                let (old_lines, new_lines): (Vec<&str>, Vec<&str>) =
                    (corpus.text.lines().collect(), edited.lines().collect());
                let first = corpus.text[..patches[0].start].matches('\n').count();
                assert_eq!(old_lines[..first], new_lines[..first], "{where_}");
                let last_end = patches.last().unwrap().end;
                let after = corpus.text[last_end..]
                    .matches('\n')
                    .count()
                    .saturating_sub(usize::from(corpus.text.ends_with('\n')));
                assert_eq!(
                    old_lines[old_lines.len() - after..],
                    new_lines[new_lines.len() - after..],
                    "{where_}"
                );

                // The result checks, to the old model plus the change.
                let checked = corpus.check(&edited);
                if errors(&checked) != old_errors {
                    broken.push(format!("{where_}: {:?}", errors(&checked)));
                    continue;
                }
                let mut expected = model.clone();
                let mut full = vec!["builders".to_string(), index.to_string()];
                full.extend(model_path.iter().map(|s| s.to_string()));
                let full: Vec<&str> = full.iter().map(String::as_str).collect();
                set_in(&mut expected, &full, Some(&value));
                let got = serde_json::to_value(checked.template.as_ref().unwrap()).unwrap();
                assert_eq!(got, expected, "{where_}:\n{edited}");

                // Set back: the original bytes.
                let (restored, _) = run(&edited, corpus.dialect, &back);
                assert_eq!(restored, corpus.text, "{where_}: {back:?}");
                tried += 1;
                per_dialect[usize::from(corpus.dialect == Dialect::Hcl2)] += 1;
            }
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
    assert!(
        tried > 1000 && per_dialect[1] > 50,
        "{tried} settings tried"
    );
    eprintln!(
        "{tried} settings round-tripped (JSON {}, HCL2 {})",
        per_dialect[0], per_dialect[1]
    );
    eprintln!("skipped (need a second change): {skipped:?}");
}

/// The inline shell provisioners of a model: (path in the file, model index).
fn inline_steps(corpus: &Corpus, text: &str, model: &Json) -> Vec<(String, usize)> {
    let prefix = provisioner_prefix(corpus, text);
    let Some(prefix) = prefix else {
        return Vec::new();
    };
    // A step with an `override` is one model step per builder: the file's indexes are not the
    // model's then.
    if text.contains("\"override\"") || text.contains("override =") {
        return Vec::new();
    }
    model["provisioners"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s["type"] == "shell" && s["inline"].as_array().is_some_and(|l| !l.is_empty())
                })
                .map(|(i, _)| (format!("{prefix}[{i}]"), i))
                .collect()
        })
        .unwrap_or_default()
}

/// How the file names its provisioners: `provisioners` (JSON) or `build.provisioner` (HCL2,
/// one build).
fn provisioner_prefix(corpus: &Corpus, text: &str) -> Option<&'static str> {
    match corpus.dialect {
        Dialect::Json => Some("provisioners"),
        Dialect::Hcl2 => {
            let builds = text.lines().filter(|l| l.starts_with("build {")).count();
            (builds == 1).then_some("build.provisioner")
        }
    }
}

#[test]
fn an_inline_script_line_round_trips_in_every_valid_template() {
    let mut tried = 0;
    for (corpus, model) in Corpus::valid() {
        for (step, index) in inline_steps(&corpus, &corpus.text, &model) {
            let path = format!("{step}.inline[0]");
            if !matches!(
                edit::get(&corpus.text, corpus.dialect, &format!("{step}.inline")).unwrap(),
                Some(FieldValue::Literal(Json::Array(_)))
            ) {
                continue; // written as one string (weakly decoded into a list)
            }
            let back = undo(&corpus.text, corpus.dialect, &path);
            let value = json!("echo edited by the form");
            let change = Change::Set {
                path: path.clone(),
                value: value.clone(),
            };
            let (edited, patches) = run(&corpus.text, corpus.dialect, &change);
            let range = edit::locate(&corpus.text, corpus.dialect, &path)
                .unwrap()
                .unwrap();
            assert!(
                patches
                    .iter()
                    .all(|p| range.start <= p.start && p.end <= range.end)
            );
            let checked = corpus.check(&edited);
            assert!(
                checked.is_valid(),
                "{} {path}: {:#?}",
                corpus.name(),
                checked.diagnostics
            );
            let mut expected = model.clone();
            set_in(
                &mut expected,
                &["provisioners", &index.to_string(), "inline", "0"],
                Some(&value),
            );
            let got = serde_json::to_value(checked.template.as_ref().unwrap()).unwrap();
            assert_eq!(got, expected, "{} {path}", corpus.name());
            let (restored, _) = run(&edited, corpus.dialect, &back);
            assert_eq!(restored, corpus.text, "{} {path}", corpus.name());
            tried += 1;
        }
    }
    assert!(tried >= 30, "{tried}");
}

#[test]
fn provisioners_are_inserted_removed_and_moved_and_back_in_every_valid_template() {
    let mut tried = 0;
    for (corpus, model) in Corpus::valid() {
        let Some(prefix) = provisioner_prefix(&corpus, &corpus.text) else {
            continue;
        };
        let no_ssh = model["builders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["communicator"] == "none");
        if no_ssh || corpus.text.contains("\"override\"") || corpus.text.contains("override =") {
            continue; // no steps without SSH; overrides split steps in the model
        }
        let steps = model["provisioners"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let n = steps.len();
        let new_step = json!({"type": "shell", "inline": ["echo inserted"]});
        let mut places = vec![0, n / 2, n];
        places.dedup();
        for at in places {
            let path = format!("{prefix}[{at}]");
            let where_ = format!("{} insert {path}", corpus.name());
            let (inserted, _) = run(
                &corpus.text,
                corpus.dialect,
                &Change::Insert {
                    path: path.clone(),
                    value: new_step.clone(),
                },
            );
            let checked = corpus.check(&inserted);
            assert!(
                checked.is_valid(),
                "{where_}:\n{inserted}\n{:#?}",
                checked.diagnostics
            );
            let got = serde_json::to_value(checked.template.as_ref().unwrap()).unwrap();
            let mut expected = steps.clone();
            expected.insert(at, new_step.clone());
            assert_eq!(
                got["provisioners"],
                Json::Array(expected),
                "{where_}:\n{inserted}"
            );
            // The undo: the item removed, or the list when the insertion made it.
            let undo = match edit::get(&corpus.text, corpus.dialect, prefix).unwrap() {
                Some(_) => Change::Remove { path },
                None => Change::Unset {
                    path: prefix.to_string(),
                },
            };
            let (removed, _) = run(&inserted, corpus.dialect, &undo);
            assert_eq!(removed, corpus.text, "{where_}");
            tried += 1;
        }
        if n >= 2 {
            let where_ = format!("{} move", corpus.name());
            let (moved, _) = run(
                &corpus.text,
                corpus.dialect,
                &Change::Move {
                    path: format!("{prefix}[0]"),
                    to: n - 1,
                },
            );
            let checked = corpus.check(&moved);
            assert!(
                checked.is_valid(),
                "{where_}:\n{moved}\n{:#?}",
                checked.diagnostics
            );
            let got = serde_json::to_value(checked.template.as_ref().unwrap()).unwrap();
            let mut expected = steps.clone();
            let first = expected.remove(0);
            expected.push(first);
            assert_eq!(
                got["provisioners"],
                Json::Array(expected),
                "{where_}:\n{moved}"
            );
            let (back, _) = run(
                &moved,
                corpus.dialect,
                &Change::Move {
                    path: format!("{prefix}[{}]", n - 1),
                    to: 0,
                },
            );
            assert_eq!(back, corpus.text, "{where_}");
            // Removing a step and putting it back gives the same model.
            let (removed, _) = run(
                &corpus.text,
                corpus.dialect,
                &Change::Remove {
                    path: format!("{prefix}[1]"),
                },
            );
            let checked = corpus.check(&removed);
            let got = serde_json::to_value(checked.template.as_ref().unwrap()).unwrap();
            let mut expected = steps.clone();
            expected.remove(1);
            assert_eq!(
                got["provisioners"],
                Json::Array(expected),
                "{where_} remove:\n{removed}"
            );
            tried += 1;
        }
    }
    assert!(tried > 100, "{tried}");
}
