//! `bakery fmt`: rewrites a template in the canonical layout (like `packer fmt`), or with
//! `--check` only tells whether it would; `--to hcl|json` converts it as written.

use std::path::{Path, PathBuf};

use crate::error::CliError;

/// The dialect `--to` converts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// HCL2 (`.pkr.hcl`): variables, sources and one build block.
    Hcl,
    /// Packer's JSON template.
    Json,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Without --to, FILE (JSON, or HCL2 when it ends in .hcl) is rewritten in place in the canonical
layout and its name printed; --check and --diff only report.

With --to, the template is converted as written (variables stay variables, functions become
their equivalents) and printed on stdout; -w writes it next to FILE instead (packer.json ->
packer.pkr.hcl, packer.pkr.hcl -> packer.json; an existing file is replaced) and prints the
new name. What can't be converted is reported as FILE:LINE:COL with what to do, and nothing is
written. --to hcl on an HCL2 file, or --to json on a JSON file, prints the canonical layout.")]
pub struct FmtArgs {
    /// Don't write: exit 3 when the file is not formatted (for CI); with --to, exit 1 when it
    /// can't be converted.
    #[arg(long)]
    check: bool,
    /// Print the changes as a unified diff.
    #[arg(long, conflicts_with = "to")]
    diff: bool,
    /// Convert the template as written to this dialect, on stdout.
    #[arg(long, value_enum)]
    to: Option<Dialect>,
    /// With --to: write the converted template next to FILE instead of stdout.
    #[arg(short = 'w', long, requires = "to")]
    write: bool,
    /// The template or var file (JSON or HCL2).
    file: PathBuf,
}

/// Where `-w` writes the converted template.
fn converted_path(file: &Path, to: Dialect) -> PathBuf {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = ["pkr.json", "pkr.hcl", "json", "hcl"]
        .iter()
        .find_map(|ext| name.strip_suffix(&format!(".{ext}")))
        .unwrap_or(&name);
    let stem = stem.strip_suffix(".pkr").unwrap_or(stem);
    file.with_file_name(match to {
        Dialect::Hcl => format!("{stem}.pkr.hcl"),
        Dialect::Json => format!("{stem}.json"),
    })
}

fn invalid(path: &Path, err: bakery_template::TemplateError) -> CliError {
    match err {
        bakery_template::TemplateError::Invalid(diagnostics) => {
            for diagnostic in &diagnostics {
                eprintln!("{diagnostic}");
            }
            CliError::TemplateInvalid {
                path: path.to_path_buf(),
                errors: diagnostics.len(),
            }
        }
        other => other.into(),
    }
}

pub fn run(args: &FmtArgs) -> Result<(), CliError> {
    let text = bakery_app::template::read(&args.file)?;
    let name = args.file.display().to_string();
    let hcl = bakery_app::template::is_hcl(&args.file);
    if let Some(to) = args.to {
        let converted = match (hcl, to) {
            (false, Dialect::Hcl) => bakery_template::json_to_hcl(&name, &text),
            (true, Dialect::Json) => bakery_template::hcl_to_json(&name, &text),
            (true, Dialect::Hcl) => bakery_template::format_hcl(&name, &text),
            (false, Dialect::Json) => bakery_template::format_json(&name, &text),
        }
        .map_err(|err| invalid(&args.file, err))?;
        if args.check {
            return Ok(());
        }
        if args.write {
            let target = converted_path(&args.file, to);
            std::fs::write(&target, converted).map_err(|source| CliError::Write {
                path: target.clone(),
                source,
            })?;
            println!("{}", target.display());
        } else {
            print!("{converted}");
        }
        return Ok(());
    }
    let formatted = if hcl {
        bakery_template::format_hcl(&name, &text)
    } else {
        bakery_template::format_json(&name, &text)
    }
    .map_err(|err| invalid(&args.file, err))?;
    if formatted == text {
        return Ok(());
    }
    if args.diff {
        print!("{}", unified_diff(&name, &text, &formatted));
    }
    if args.check {
        return Err(CliError::NotFormatted(args.file.clone()));
    }
    // --diff only reports: the user's file is rewritten by a plain `fmt` alone.
    if args.diff {
        return Ok(());
    }
    std::fs::write(&args.file, formatted).map_err(|source| CliError::Write {
        path: args.file.clone(),
        source,
    })?;
    println!("{name}");
    Ok(())
}

/// A unified diff (3 lines of context) from `before` to `after`.
fn unified_diff(name: &str, before: &str, after: &str) -> String {
    labelled_diff(name, &format!("{name} (formatted)"), before, after)
}

/// A unified diff (3 lines of context) from `before` (labelled `from`) to `after` (`to`).
pub(crate) fn labelled_diff(from: &str, to: &str, before: &str, after: &str) -> String {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    // Longest common subsequence table, from the end.
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // The edit script: (' ' | '-' | '+', line, index in a, index in b).
    let mut edits: Vec<(char, &str, usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            edits.push((' ', a[i], i, j));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            edits.push(('-', a[i], i, j));
            i += 1;
        } else {
            edits.push(('+', b[j], i, j));
            j += 1;
        }
    }
    const CONTEXT: usize = 3;
    let mut out = format!("--- {from}\n+++ {to}\n");
    let changed: Vec<usize> = (0..edits.len()).filter(|&k| edits[k].0 != ' ').collect();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT);
        let mut end = changed[k];
        while k < changed.len() && changed[k] <= end + 2 * CONTEXT {
            end = changed[k];
            k += 1;
        }
        let end = (end + CONTEXT + 1).min(edits.len());
        let hunk = &edits[start..end];
        let old_len = hunk.iter().filter(|e| e.0 != '+').count();
        let new_len = hunk.iter().filter(|e| e.0 != '-').count();
        out.push_str(&format!(
            "@@ -{},{old_len} +{},{new_len} @@\n",
            hunk[0].2 + 1,
            hunk[0].3 + 1
        ));
        for (kind, line, _, _) in hunk {
            out.push(*kind);
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converted_files_go_next_to_the_original() {
        let p = |s: &str, to| converted_path(Path::new(s), to).display().to_string();
        assert_eq!(p("a/packer.json", Dialect::Hcl), "a/packer.pkr.hcl");
        assert_eq!(p("a/web.pkr.json", Dialect::Hcl), "a/web.pkr.hcl");
        assert_eq!(p("web.pkr.hcl", Dialect::Json), "web.json");
    }

    #[test]
    fn diff_shows_changed_lines_with_context() {
        let before = "{\n\"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"d\": 4,\n  \"e\": 5,\n  \"f\": 6,\n  \"g\": 7,\n  \"h\": [1,2]\n}\n";
        let after = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"d\": 4,\n  \"e\": 5,\n  \"f\": 6,\n  \"g\": 7,\n  \"h\": [1, 2]\n}\n";
        let diff = unified_diff("t.json", before, after);
        assert_eq!(
            diff,
            "--- t.json\n+++ t.json (formatted)\n@@ -1,5 +1,5 @@\n {\n-\"a\": 1,\n+  \"a\": 1,\n   \"b\": 2,\n   \"c\": 3,\n   \"d\": 4,\n@@ -6,5 +6,5 @@\n   \"e\": 5,\n   \"f\": 6,\n   \"g\": 7,\n-  \"h\": [1,2]\n+  \"h\": [1, 2]\n }\n"
        );
    }
}
