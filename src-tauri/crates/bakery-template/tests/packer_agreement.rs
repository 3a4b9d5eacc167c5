//! `bakery validate` against Packer 1.6.6 (`packer validate -syntax-only` and full
//! `packer validate` with dummy credentials) on every corpus template. Skipped when `packer`
//! is not installed (Debian's package `packer`).
//!
//! Each disagreement must be listed in [`DISAGREEMENTS`] with its reason (the same table is in
//! `tests/corpus/README.md`), so a new one fails the test until it is understood.

use std::path::{Path, PathBuf};
use std::process::Command;

use bakery_template::{CheckOptions, RenderContext, VarFile, VariableInputs, check};

/// Templates where the full check's verdict differs from `packer validate` 1.6.6, and why.
const DISAGREEMENTS: &[(&str, &str)] = &[
    (
        "03-eks-worker-shape.json",
        "Packer 1.6.6 requires throughput 125..1000 on every gp3 volume, even when unset (fixed in later Packer); we only check it when set",
    ),
    (
        "05-spot-imdsv2.json",
        "metadata_options was added to Packer after 1.6.6",
    ),
    (
        "08-legacy-clean-ami-name.json",
        "clean_ami_name was removed from Packer 1.6.6; we accept it with a deprecation warning",
    ),
    (
        "10-windows-winrm.json",
        "winrm, powershell and windows-restart are real features we do not bake yet: errors at their lines",
    ),
    (
        "113-file-content-option.json",
        "the file provisioner's content was added to Packer after 1.6.6",
    ),
    (
        "13-sandbox-temporary-vpc.json",
        "temporary_vpc is our extension; temporary_security_group_source_public_ip was added to Packer after 1.6.6",
    ),
    (
        "18-session-manager.json",
        "ssh_interface session_manager is a real feature we do not bake yet",
    ),
    (
        "48-source-ami-in-ami-name.json",
        "Packer 1.6.6 does not render build-time variables in ami_name and rejects the braces; we keep {{ .SourceAMI }} and fill it at bake time",
    ),
];

/// The bar: full `packer validate` and `bakery validate` give the same verdict on at
/// least this share of the corpus (every disagreement listed above, with its reason).
const MIN_FULL_AGREEMENT_PERCENT: f64 = 95.0;

fn packer() -> Option<PathBuf> {
    let found = Command::new("packer").arg("version").output().ok()?;
    found.status.success().then(|| PathBuf::from("packer"))
}

fn packer_accepts(dir: &Path, template: &str, var_file: Option<&str>, syntax_only: bool) -> bool {
    let mut command = Command::new("packer");
    command.arg("validate").current_dir(dir);
    if syntax_only {
        command.arg("-syntax-only");
    }
    if let Some(var_file) = var_file {
        command.arg(format!("-var-file={var_file}"));
    }
    command
        .arg(template)
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("VAULT_TOKEN");
    // Packer's ansible provisioner runs `ansible-playbook --version` when it validates: the
    // set-up command's Ansible, as a user would have one installed.
    let ansible = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../.venv-ansible/bin");
    if ansible.exists() {
        let path = std::env::var("PATH").unwrap_or_default();
        command.env("PATH", format!("{}:{path}", ansible.display()));
    }
    command.output().unwrap().status.success()
}

fn bakery_accepts(dir: &Path, template: &str, var_file: Option<&str>, syntax_only: bool) -> bool {
    let text = std::fs::read_to_string(dir.join(template)).unwrap();
    let mut inputs = VariableInputs::default();
    if let Some(var_file) = var_file {
        inputs.var_files.push(VarFile {
            name: var_file.to_string(),
            text: std::fs::read_to_string(dir.join(var_file)).unwrap(),
        });
    }
    let options = CheckOptions {
        syntax_only,
        inputs,
        local_file_exists: Some(|file| Path::new(file).exists()),
        read_local_file: None,
        // Packer runs here with no AWS_REGION and no profile: nothing to fall back to.
        default_region: None,
        list_local_files: None,
    };
    let mut ctx = RenderContext::fixed();
    ctx.template_dir = dir.display().to_string();
    check(template, &text, &options, &mut ctx).is_valid()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn bakery_agrees_with_packer_1_6_6_except_where_listed() {
    if packer().is_none() {
        eprintln!("packer is not installed: comparison skipped");
        return;
    }
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    copy_dir(&corpus, dir);
    // Packer parses the key file; give it a real one.
    let key = dir.join("files/builder.pem");
    std::fs::remove_file(&key).unwrap();
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen runs (package openssh-client)");
    assert!(keygen.success());

    let mut templates: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.ends_with(".vars.json"))
        .collect();
    templates.sort();

    let mut disagreements = Vec::new();
    let mut report = String::new();
    for template in &templates {
        let vars = template.replace(".json", ".vars.json");
        let var_file = dir.join(&vars).exists().then_some(vars.as_str());
        let syntax = (
            packer_accepts(dir, template, var_file, true),
            bakery_accepts(dir, template, var_file, true),
        );
        let full = (
            packer_accepts(dir, template, var_file, false),
            bakery_accepts(dir, template, var_file, false),
        );
        report.push_str(&format!(
            "{template}: syntax-only packer={} bakery={}; full packer={} bakery={}\n",
            syntax.0, syntax.1, full.0, full.1
        ));
        assert_eq!(syntax.0, syntax.1, "syntax-only disagrees on {template}");
        if full.0 != full.1 {
            disagreements.push(template.as_str());
        }
    }
    eprintln!("{report}");
    let agreeing = templates.len() - disagreements.len();
    let percent = 100.0 * agreeing as f64 / templates.len() as f64;
    eprintln!(
        "full validate agrees on {agreeing} of {} templates ({percent:.1}%); syntax-only on all {}",
        templates.len(),
        templates.len()
    );
    let listed: Vec<&str> = DISAGREEMENTS.iter().map(|(t, _)| *t).collect();
    let unlisted: Vec<&&str> = disagreements
        .iter()
        .filter(|t| !listed.contains(t))
        .collect();
    assert!(
        unlisted.is_empty(),
        "disagreements not listed in DISAGREEMENTS (decide who is right, then list them with their reason): {unlisted:?}\n{report}"
    );
    assert_eq!(
        disagreements, listed,
        "a listed disagreement now agrees: remove it from DISAGREEMENTS and the corpus README\n{report}"
    );
    assert!(
        percent >= MIN_FULL_AGREEMENT_PERCENT,
        "full validate agrees on {agreeing} of {} templates ({percent:.1}%), below {MIN_FULL_AGREEMENT_PERCENT}%",
        templates.len()
    );
}
