//! `bakery fmt`: rewrites a JSON template in the canonical layout (like `packer fmt`), or
//! with `--check` only tells whether it would.

use std::path::PathBuf;

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Don't write: exit 3 when the file is not formatted (for CI).
    #[arg(long)]
    check: bool,
    /// Print the changes as a unified diff.
    #[arg(long)]
    diff: bool,
    /// The template or var file (JSON).
    file: PathBuf,
}

pub fn run(args: &FmtArgs) -> Result<(), CliError> {
    let text = crate::validate::read(&args.file)?;
    let name = args.file.display().to_string();
    if crate::validate::is_hcl(&args.file) {
        eprintln!("{name}: error: formatting HCL2 templates is not supported yet");
        return Err(CliError::TemplateInvalid {
            path: args.file.clone(),
            errors: 1,
        });
    }
    let formatted = match bakery_template::format_json(&name, &text) {
        Ok(formatted) => formatted,
        Err(bakery_template::TemplateError::Invalid(diagnostics)) => {
            for diagnostic in &diagnostics {
                eprintln!("{diagnostic}");
            }
            return Err(CliError::TemplateInvalid {
                path: args.file.clone(),
                errors: diagnostics.len(),
            });
        }
        Err(other) => return Err(other.into()),
    };
    if formatted == text {
        return Ok(());
    }
    if args.diff {
        print!("{}", unified_diff(&name, &text, &formatted));
    }
    if args.check {
        return Err(CliError::NotFormatted(args.file.clone()));
    }
    std::fs::write(&args.file, formatted).map_err(|source| CliError::Write {
        path: args.file.clone(),
        source,
    })?;
    if !args.diff {
        println!("{name}");
    }
    Ok(())
}

/// A unified diff (3 lines of context) from `before` to `after`.
fn unified_diff(name: &str, before: &str, after: &str) -> String {
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
    let mut out = format!("--- {name}\n+++ {name} (formatted)\n");
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
