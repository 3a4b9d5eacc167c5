//! Packer HCL2 templates (`.pkr.hcl`): read with positions (hcl-edit), evaluated (hcl-rs), and
//! turned into the JSON template's tree so the same checker and model serve both dialects.
//!
//! Covered: `variable` (default, sensitive, validation, type ignored), `locals`/`local` (with
//! `sensitive`), values from `PKR_VAR_name`, var files (`.pkrvars.hcl` or JSON) and `--var`
//! (later wins, like Packer), `source "amazon-ebs" "name"`, `build` with `sources` and `source`
//! blocks, `provisioner`, `post-processor`, `post-processors`, `packer {}` (accepted, nothing to
//! install), `dynamic` blocks (`for_each` over a list or map, `iterator`, `content`), `for`
//! expressions, the functions [`functions::FUNCTIONS`] marks evaluated (Packer's library with
//! go-cty's semantics: strings such as format, substr, trimspace, title; collections such as
//! keys, values, flatten, distinct, element, range, slice, sort, toset, zipmap; encodings and
//! hashes such as jsonencode, yamldecode, csvdecode, base64encode, textencodebase64, sha256,
//! uuidv5; paths; numbers; cidrhost, cidrnetmask, cidrsubnet, cidrsubnets; timestamp,
//! formatdate, timeadd, legacy_isotime, legacy_strftime; regex, regexall and regex_replace
//! with RE2 patterns;
//! can and try; and file, fileexists, templatefile, fileset: local files read through
//! [`CheckOptions::read_local_file`] / `local_file_exists` / `list_local_files`, relative to
//! `path.root` like Packer), and `var.`, `local.`, `path.root`, `path.cwd`,
//! `source.name`/`type`, `build.X` in steps (kept as the build-time `{{ build `X` }}`).
//! `data "amazon-ami"` is read as the `source_ami_filter` of the sources whose `source_ami` is
//! its `.id`; its `.id`/`.name` elsewhere are the build-time `{{ .SourceAMI }}` /
//! `{{ .SourceAMIName }}`. A builder's name is `TYPE.NAME` (what `only`/`except` use in HCL2).
//! An error inside an expression is reported at the innermost part that fails (the
//! interpolation inside a string, the condition, collection or body of a `%{ if }` / `%{ for }`
//! directive, the argument of a function), and the checker's fields are
//! named in HCL2 terms (`source.amazon-ebs.web.ami_name`, `build.provisioner[0].inline`).
//! Real features this version does not read yet (other data sources, the functions that
//! table marks not yet, such as `bcrypt()`) are "not supported yet" errors at their line.

mod blocks;
mod dynamic;
mod expressions;
mod field_paths;
mod functions;
mod reader;
mod stdlib;
mod top_level;
mod values;
mod variables;

use crate::check::{CheckOptions, Checked, check_tree};
use crate::diagnostic::{Code, Diagnostic};
use crate::json::Position;
use crate::render::RenderContext;
use field_paths::hcl_field;
use functions::Evaluation;
use reader::Reader;

/// Checks a Packer HCL2 template.
pub fn check_hcl(
    file: &str,
    text: &str,
    options: &CheckOptions,
    ctx: &mut RenderContext,
) -> Checked {
    let mut reader = Reader::new(text, ctx);
    let body = match hcl_edit::parser::parse_body(text) {
        Ok(body) => body,
        Err(err) => {
            let at = Position {
                offset: text.len(),
                line: err.location().line() as u32,
                column: err.location().column() as u32,
            };
            let mut d = Diagnostic::error(
                Code::Syntax,
                at,
                "",
                format!("invalid HCL: {}", err.message()),
            );
            d.file = file.to_string();
            return Checked {
                template: None,
                diagnostics: vec![d],
            };
        }
    };
    // The functions read the time, ids, environment and file hooks from here while evaluating;
    // dropping it (also on a panic) clears them and gives the ids back to `ctx`.
    let evaluation = Evaluation::begin(ctx, options);
    let (root, variables, sensitive) = reader.read(&body, options, evaluation.ctx());
    drop(evaluation);

    let tree_options = CheckOptions {
        inputs: Default::default(),
        ..options.clone()
    };
    let mut checked = check_tree(file, text, &root, &tree_options, ctx);
    for d in &mut checked.diagnostics {
        d.field = hcl_field(&d.field, &reader.fields, &reader.builder_names);
        // The checker's advice is written for JSON's {{template_dir}}; HCL2 says path.root.
        if d.code == Code::LocalFile
            && d.help
                .as_deref()
                .is_some_and(|h| h.contains("{{template_dir}}"))
        {
            d.help = Some(
                "paths are relative to the current directory; use \"${path.root}/…\" for files beside the template"
                    .to_string(),
            );
        }
    }
    checked
        .diagnostics
        .retain(|d| !(d.code == Code::Missing && reader.failed.contains(&d.field)));
    if let Some(template) = &mut checked.template {
        template.description = reader.description.take();
        template.min_packer_version = reader.min_packer_version.take();
        template.variables = variables;
        template.sensitive_values = sensitive;
    }
    for mut d in reader.out {
        if d.file.is_empty() {
            d.file = file.to_string();
        }
        checked.diagnostics.push(d);
    }
    checked
        .diagnostics
        .sort_by_key(|d| (d.file != file, d.line == 0, d.line, d.column));
    checked
}

/// Checks the `.pkr.hcl` files of one template (a folder, as Packer reads it): `files` are
/// (name, text) in the order to read them. They are one HCL body; every problem is reported
/// in the file and at the line it is in.
pub fn check_hcl_files(
    files: &[(String, String)],
    options: &CheckOptions,
    ctx: &mut RenderContext,
) -> Checked {
    const JOINED: &str = "\u{0}joined .pkr.hcl files";
    let mut text = String::new();
    let mut starts = Vec::new(); // (first line in the joined text, file name)
    for (name, content) in files {
        starts.push((text.lines().count() as u32 + 1, name.clone()));
        text.push_str(content);
        if !content.ends_with('\n') {
            text.push('\n');
        }
    }
    let mut checked = check_hcl(JOINED, &text, options, ctx);
    for d in &mut checked.diagnostics {
        if d.file != JOINED {
            continue;
        }
        let (first, name) = starts
            .iter()
            .rev()
            .find(|(first, _)| *first <= d.line.max(1))
            .cloned()
            .unwrap_or((1, String::new()));
        d.file = name;
        d.line = d.line.saturating_sub(first - 1);
    }
    checked
}

#[cfg(test)]
mod function_tests;
#[cfg(test)]
mod tests;
