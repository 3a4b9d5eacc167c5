//! Templates converted as written (`bakery fmt --to hcl|json`), on the whole corpus.

use std::path::{Path, PathBuf};

use bakery_template::model::Builder;
use bakery_template::{CheckOptions, Checked, RenderContext, VarFile, check, check_hcl};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

/// The corpus's valid JSON templates: (file name, text, options with its var file).
fn valid_corpus() -> Vec<(PathBuf, String, CheckOptions, Checked)> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir("corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".json") && !name.ends_with(".vars.json")
        })
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut options = CheckOptions {
            local_file_exists: Some(|file| Path::new(file).exists()),
            ..CheckOptions::default()
        };
        let vars = path.with_extension("vars.json");
        if vars.exists() {
            options.inputs.var_files.push(VarFile {
                name: vars.display().to_string(),
                text: std::fs::read_to_string(&vars).unwrap(),
            });
        }
        let checked = check(
            &path.display().to_string(),
            &text,
            &options,
            &mut context(&path),
        );
        // An undeclared {{user `x`}} is valid (it renders empty, as in Packer) but HCL2 has
        // no way to say it: the conversion refuses it, located (to_hcl's own test).
        let undeclared = checked
            .diagnostics
            .iter()
            .any(|d| d.code == bakery_template::Code::Variable);
        if checked.is_valid() && !undeclared {
            out.push((path, text, options, checked));
        }
    }
    out
}

/// The same clock, ids, environment and folder for both dialects.
fn context(path: &Path) -> RenderContext {
    let mut ctx = RenderContext::fixed();
    ctx.template_dir = path.parent().unwrap().display().to_string();
    for (name, value) in [
        ("USER", "baker"),
        ("GIT_SHA", "0a1b2c3"),
        ("BUILD_USER", "ec2-user"),
        ("CONSUL_DOWNLOAD_URL", "https://example.com/consul.zip"),
        ("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "not-a-secret"),
    ] {
        ctx.env.insert(name.into(), value.into());
    }
    ctx
}

/// JSON → HCL2 as written → check_hcl gives the model checking the JSON gives (builders are
/// named `TYPE.NAME` in HCL2, so `only`/`except` are too), and the same secrets to hide.
#[test]
fn json_to_hcl2_as_written_keeps_the_checked_model() {
    let corpus = valid_corpus();
    assert!(corpus.len() >= 20, "{} valid templates", corpus.len());
    for (path, text, options, checked) in corpus {
        let name = path.display().to_string();
        let hcl = bakery_template::json_to_hcl(&name, &text)
            .unwrap_or_else(|err| panic!("{name}: {err:?}"));
        let again = check_hcl(
            &format!("{name}.pkr.hcl"),
            &hcl,
            &options,
            &mut context(&path),
        );
        assert!(again.is_valid(), "{name}:\n{hcl}\n{:#?}", again.diagnostics);
        let mut expected = checked.template.unwrap();
        let qualify = |names: &mut Option<Vec<String>>| {
            for name in names.iter_mut().flatten() {
                *name = format!("amazon-ebs.{name}");
            }
        };
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
        let got = again.template.unwrap();
        assert_eq!(
            bakery_template::to_json(&got),
            bakery_template::to_json(&expected),
            "{name}:\n{hcl}"
        );
        let secrets = |t: &bakery_template::Template| {
            let mut s: Vec<String> = t
                .sensitive_values
                .iter()
                .map(|v| v.expose().to_string())
                .collect();
            s.sort();
            s.dedup();
            s
        };
        assert_eq!(secrets(&got), secrets(&expected), "{name}");
        // Converting is stable: the text written is already in the canonical layout.
        assert_eq!(
            bakery_template::format_hcl("t.pkr.hcl", &hcl).unwrap(),
            hcl,
            "{name}"
        );
    }
}

/// JSON → HCL2 → JSON (both as written) checks into the same model as the original, names
/// and all: nothing the corpus uses is lost on the way back.
#[test]
fn json_to_hcl2_and_back_keeps_the_checked_model() {
    for (path, text, options, checked) in valid_corpus() {
        let name = path.display().to_string();
        let hcl = bakery_template::json_to_hcl(&name, &text).unwrap();
        let json = bakery_template::hcl_to_json("t.pkr.hcl", &hcl)
            .unwrap_or_else(|err| panic!("{name}:\n{hcl}\n{err:?}"));
        let again = check(&name, &json, &options, &mut context(&path));
        assert!(
            again.is_valid(),
            "{name}:\n{json}\n{:#?}",
            again.diagnostics
        );
        assert_eq!(
            bakery_template::to_json(again.template.as_ref().unwrap()),
            bakery_template::to_json(checked.template.as_ref().unwrap()),
            "{name}:\n{json}"
        );
    }
}
