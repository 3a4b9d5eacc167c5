//! The crate as a user meets it: whole template files, checked end to end.

use std::path::{Path, PathBuf};

use bakery_template::model::Builder;
use bakery_template::{CheckOptions, Checked, Code, RenderContext, VarFile, VariableInputs, check};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

/// Checks a template file with its folder as `{{template_dir}}` and local files looked up on
/// disk (the corpus ships stub scripts and files, like the repositories it mirrors).
fn check_file(path: &Path, options: &CheckOptions) -> Checked {
    let text = std::fs::read_to_string(path).unwrap();
    let mut ctx = RenderContext::fixed();
    ctx.template_dir = path.parent().unwrap().display().to_string();
    let options = CheckOptions {
        local_file_exists: Some(|file| Path::new(file).exists()),
        ..options.clone()
    };
    check(&path.display().to_string(), &text, &options, &mut ctx)
}

fn located_errors(checked: &Checked) -> Vec<String> {
    checked
        .errors()
        .map(|d| format!("{}:{}", d.line, d.column))
        .collect()
}

#[test]
fn the_article_template_validates_as_written() {
    let checked = check_file(
        &dir("templates").join("article.json"),
        &CheckOptions::default(),
    );
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    let template = checked.template.unwrap();
    let Builder::AmazonEbs(ebs) = &template.builders[0];
    assert_eq!(ebs.region.as_deref(), Some("eu-west-1"));
    assert_eq!(ebs.vpc_id.as_deref(), Some("vpc-4925e72e"));
    assert_eq!(ebs.ami_name.as_deref(), Some("yum-upgrade 1741064767"));
    assert_eq!(template.provisioners.len(), 1);
}

#[test]
fn three_mistakes_are_all_reported_with_their_positions() {
    let checked = check_file(
        &dir("templates").join("three-mistakes.json"),
        &CheckOptions::default(),
    );
    let errors: Vec<_> = checked.errors().collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");

    assert_eq!((errors[0].line, errors[0].column), (8, 9));
    assert_eq!(errors[0].code, Code::UnknownKey);
    assert_eq!(errors[0].field, "builders[0].asociate_public_ip_address");
    assert_eq!(
        errors[0].help.as_deref(),
        Some("did you mean \"associate_public_ip_address\"?")
    );

    assert_eq!(
        (errors[1].line, errors[1].column),
        (9, 34),
        "at the {{isotime}} whose value holds the colons"
    );
    assert_eq!(errors[1].field, "builders[0].ami_name");
    assert!(errors[1].message.starts_with("AMIName should only contain"));

    assert_eq!((errors[2].line, errors[2].column), (12, 17));
    assert_eq!(errors[2].field, "provisioners[0].type");
    assert_eq!(errors[2].help.as_deref(), Some("did you mean \"shell\"?"));

    let shown = errors[0].to_string();
    assert!(
        shown.ends_with(
            "three-mistakes.json:8:9: error: unknown configuration key: \"asociate_public_ip_address\" (field builders[0].asociate_public_ip_address)\n    help: did you mean \"associate_public_ip_address\"?"
        ),
        "{shown}"
    );
}

/// Every corpus template checks as its `_expect_errors` comment says (none when absent),
/// with its `NAME.vars.json` as a var file when there is one.
#[test]
fn the_corpus_checks_as_expected() {
    let mut seen = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir("corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".json") && !name.ends_with(".vars.json")
        })
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = bakery_template::json::parse(&text).unwrap();
        let expected: Vec<String> = doc
            .root
            .get("_expect_errors")
            .and_then(|m| m.value.as_str())
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        assert!(
            doc.root.get("description").is_some(),
            "{} says what it mirrors in \"description\"",
            path.display()
        );
        let vars = path.with_extension("vars.json");
        let mut options = CheckOptions::default();
        if vars.exists() {
            options.inputs = VariableInputs {
                var_files: vec![VarFile {
                    name: vars.display().to_string(),
                    text: std::fs::read_to_string(&vars).unwrap(),
                }],
                vars: Vec::new(),
            };
        }
        let checked = check_file(&path, &options);
        assert_eq!(
            located_errors(&checked),
            expected,
            "{}: {:#?}",
            path.display(),
            checked.diagnostics
        );
        // What the syntax-only check finds is a part of what the full check finds.
        let syntax_only = CheckOptions {
            syntax_only: true,
            ..CheckOptions::default()
        };
        for found in located_errors(&check_file(&path, &syntax_only)) {
            assert!(expected.contains(&found), "{}: {found}", path.display());
        }
        seen += 1;
    }
    assert!(seen >= 10, "the corpus has {seen} templates");
}

/// Formatting keeps the meaning: same values, same problems found, and formatting again
/// changes nothing.
#[test]
fn formatting_the_corpus_keeps_every_value() {
    for entry in std::fs::read_dir(dir("corpus")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(formatted) = bakery_template::format_json("t.json", &text) else {
            // Only the template with a duplicate key may refuse.
            assert!(
                path.ends_with("15-duplicate-region.json"),
                "{}",
                path.display()
            );
            continue;
        };
        assert_eq!(
            bakery_template::format_json("t.json", &formatted).unwrap(),
            formatted
        );
        let before = bakery_template::json::parse(&text).unwrap().root.to_serde();
        let after = bakery_template::json::parse(&formatted)
            .unwrap()
            .root
            .to_serde();
        assert_eq!(before, after, "{}", path.display());
        let codes = |t: &str| {
            check(
                "t.json",
                t,
                &CheckOptions::default(),
                &mut RenderContext::fixed(),
            )
            .diagnostics
            .iter()
            .map(|d| (d.code, d.field.clone(), d.message.clone()))
            .collect::<Vec<_>>()
        };
        assert_eq!(codes(&text), codes(&formatted), "{}", path.display());
    }
}

/// The template as baked (`to_json`) reads back into the same model: exporting what was read
/// from the export gives the same text, and nothing in it is an error (but the redacted
/// secrets).
#[test]
fn the_template_as_baked_reads_back_the_same() {
    let scratch = tempfile::tempdir().unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(dir("corpus")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.ends_with(".vars.json") {
            continue;
        }
        let vars = path.with_extension("vars.json");
        let mut options = CheckOptions::default();
        if vars.exists() {
            options.inputs.var_files.push(VarFile {
                name: vars.display().to_string(),
                text: std::fs::read_to_string(&vars).unwrap(),
            });
        }
        let checked = check_file(&path, &options);
        if !checked.is_valid() {
            continue;
        }
        let baked = bakery_template::to_json(checked.template.as_ref().unwrap());
        // Not beside the original (other tests read that folder); local paths in it were
        // rendered from {{template_dir}}, so they are absolute already.
        let copy = scratch.path().join(&name);
        std::fs::write(&copy, &baked).unwrap();
        let again = check_file(&copy, &CheckOptions::default());
        let errors: Vec<_> = again
            .errors()
            .filter(|d| !d.field.ends_with("secret_key") && !d.field.ends_with("access_key"))
            .collect();
        assert!(errors.is_empty(), "{name}:\n{baked}\n{errors:#?}");
        assert_eq!(
            bakery_template::to_json(again.template.as_ref().unwrap()),
            baked,
            "{name}"
        );
        seen += 1;
    }
    assert!(seen >= 20, "{seen} templates read back");
}

/// Every HCL2 corpus template checks as its `# expect-errors: L:C …` first line says (none when
/// absent), with its `NAME.pkrvars.hcl` as a var file when there is one.
#[test]
fn the_hcl2_corpus_checks_as_expected() {
    let folder = dir("corpus-hcl");
    let mut templates: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".pkr.hcl"))
        .collect();
    templates.sort();
    assert!(templates.len() >= 4);
    for path in templates {
        let text = std::fs::read_to_string(&path).unwrap();
        let expected: Vec<String> = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect-errors:"))
            .map(|l| l.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let vars = PathBuf::from(path.to_string_lossy().replace(".pkr.hcl", ".pkrvars.hcl"));
        let mut options = CheckOptions {
            local_file_exists: Some(|file| Path::new(file).exists()),
            read_local_file: Some(|file| std::fs::read_to_string(file)),
            list_local_files: Some(bakery_template::local_files_under),
            ..CheckOptions::default()
        };
        if vars.exists() {
            options.inputs.var_files.push(VarFile {
                name: vars.display().to_string(),
                text: std::fs::read_to_string(&vars).unwrap(),
            });
        }
        let mut ctx = RenderContext::fixed();
        ctx.template_dir = folder.display().to_string();
        let checked =
            bakery_template::check_hcl(&path.display().to_string(), &text, &options, &mut ctx);
        assert_eq!(
            located_errors(&checked),
            expected,
            "{}: {:#?}",
            path.display(),
            checked.diagnostics
        );
    }
}

/// JSON -> HCL2 -> model keeps the meaning: the HCL2 written from a JSON template's model
/// reads back into the same model, but for the builders' names, which HCL2 writes `TYPE.NAME`.
#[test]
fn json_to_hcl2_keeps_the_meaning() {
    use bakery_template::model::{Builder, PostProcessor};
    let qualify = |names: &mut Option<Vec<String>>| {
        for name in names.iter_mut().flatten() {
            *name = format!("amazon-ebs.{name}");
        }
    };
    let scratch = tempfile::tempdir().unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(dir("corpus")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.ends_with(".vars.json") {
            continue;
        }
        let vars = path.with_extension("vars.json");
        let mut options = CheckOptions::default();
        if vars.exists() {
            options.inputs.var_files.push(VarFile {
                name: vars.display().to_string(),
                text: std::fs::read_to_string(&vars).unwrap(),
            });
        }
        let checked = check_file(&path, &options);
        if !checked.is_valid() {
            continue;
        }
        let mut expected = checked.template.unwrap();
        let hcl = bakery_template::to_hcl(&expected);
        let copy = scratch.path().join(name.replace(".json", ".pkr.hcl"));
        std::fs::write(&copy, &hcl).unwrap();
        let options = CheckOptions {
            local_file_exists: Some(|file| Path::new(file).exists()),
            ..CheckOptions::default()
        };
        let again = bakery_template::check_hcl(
            &copy.display().to_string(),
            &hcl,
            &options,
            &mut RenderContext::fixed(),
        );
        let errors: Vec<_> = again
            .errors()
            .filter(|d| !d.field.ends_with("secret_key") && !d.field.ends_with("access_key"))
            .collect();
        assert!(errors.is_empty(), "{name}:\n{hcl}\n{errors:#?}");
        for builder in &mut expected.builders {
            let qualified = format!("amazon-ebs.{}", builder.name());
            let Builder::AmazonEbs(ebs) = builder;
            ebs.name = Some(qualified);
        }
        for provisioner in &mut expected.provisioners {
            let (only, except) = provisioner.only_except_mut();
            qualify(only);
            qualify(except);
        }
        for post_processor in expected.post_processors.iter_mut().flatten() {
            if let PostProcessor::ShellLocal(l) = post_processor {
                qualify(&mut l.only);
                qualify(&mut l.except);
            }
        }
        assert_eq!(
            bakery_template::to_json(again.template.as_ref().unwrap()),
            bakery_template::to_json(&expected),
            "{name}:\n{hcl}"
        );
        seen += 1;
    }
    assert!(seen >= 20, "{seen} templates went through HCL2");
}

#[test]
fn secrets_never_show_in_the_model() {
    let path = dir("corpus").join("01-getting-started-al2.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut ctx = RenderContext::fixed();
    ctx.env.insert(
        "AWS_SECRET_ACCESS_KEY".into(),
        "wJalrXUtnFEMIK7MDENG".into(),
    );
    ctx.env
        .insert("AWS_ACCESS_KEY_ID".into(), "AKIAEXAMPLE".into());
    let checked = check("t.json", &text, &CheckOptions::default(), &mut ctx);
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let template = checked.template.unwrap();
    let Builder::AmazonEbs(ebs) = &template.builders[0];
    assert_eq!(
        ebs.secret_key.as_ref().unwrap().expose(),
        "wJalrXUtnFEMIK7MDENG"
    );
    assert_eq!(
        template.redact("key wJalrXUtnFEMIK7MDENG used"),
        "key <sensitive> used"
    );
    let debug = format!("{template:?}");
    let json = serde_json::to_string(&template).unwrap();
    assert!(!debug.contains("wJalr"), "{debug}");
    assert!(!json.contains("wJalr"), "{json}");
}

#[test]
fn a_thousand_line_template_is_checked_quickly() {
    // 60 builders of ~17 lines each, with variables, filters and provisioners.
    let mut builders = Vec::new();
    for i in 0..60 {
        builders.push(format!(
            r#"    {{
      "type": "amazon-ebs",
      "name": "b{i}",
      "region": "{{{{user `region`}}}}",
      "source_ami_filter": {{
        "filters": {{"name": "al2023-ami-*", "architecture": "x86_64"}},
        "owners": ["amazon"],
        "most_recent": true
      }},
      "instance_type": "t3.micro",
      "ssh_username": "ec2-user",
      "ami_name": "app-{i}-{{{{isotime | clean_resource_name}}}}",
      "tags": {{"Name": "app-{i}", "Built": "{{{{timestamp}}}}", "Source": "{{{{ .SourceAMI }}}}"}},
      "launch_block_device_mappings": [{{"device_name": "/dev/xvda", "volume_size": 20, "volume_type": "gp3"}}]
    }}"#
        ));
    }
    let text = format!(
        "{{\n  \"variables\": {{\"region\": \"eu-west-1\"}},\n  \"builders\": [\n{}\n  ],\n  \"provisioners\": [{{\"type\": \"shell\", \"inline\": [\"echo hi\"]}}]\n}}\n",
        builders.join(",\n")
    );
    assert!(text.lines().count() >= 900, "{}", text.lines().count());
    let started = std::time::Instant::now();
    let runs = 10;
    for _ in 0..runs {
        let checked = check(
            "big.json",
            &text,
            &CheckOptions::default(),
            &mut RenderContext::fixed(),
        );
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    }
    let each = started.elapsed() / runs;
    // Debug builds are ~10x slower than release; the 10 ms target is for release.
    assert!(each.as_millis() < 100, "one check took {each:?}");
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    eprintln!("1,000-line template checked in {each:?} ({build} build)");
}
