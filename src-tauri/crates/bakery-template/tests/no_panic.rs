//! Fuzz-style robustness: mutated corpus templates and arbitrary text never make the reader,
//! the checker or the outline panic. Deterministic (a fixed-seed generator), so a failure
//! reproduces.

use std::path::Path;

use bakery_template::{CheckOptions, RenderContext, VariableInputs, check, outline};

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Pieces that reach the interesting corners of the reader and the renderer.
const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u",
    "\\ud83d",
    "é",
    "😀",
    "\n",
    "{{",
    "}}",
    "{{user `",
    "{{ .SourceAMI }}",
    "|",
    "(",
    ")",
    "`",
    "-",
    "0",
    "1e999",
    "null",
    "true",
    "{{isotime \"",
    "2006",
    "Z07:00",
    ".000",
    "{{split",
    "{{- ",
    " -}}",
    "_2",
    "__2",
    "\"type\": \"amazon-ebs\"",
    "\"builders\": [",
    "\"_c\": 1",
    "{{env `X`}}",
    "{{uuid}}",
    "${",
    "var.",
    "local.",
    "source \"amazon-ebs\" \"x\" {",
    "build {",
    "sources = [",
    "= ",
    "formatdate(",
    "merge(",
    "lookup(",
    "dynamic \"x\" {",
    "%{ if",
    "<<EOF\n",
];

fn mutate(text: &str, dice: &mut Dice) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + dice.below(4) {
        let at = dice.below(chars.len() + 1);
        match dice.below(4) {
            0 if at < chars.len() => {
                let end = (at + 1 + dice.below(8)).min(chars.len());
                chars.drain(at..end);
            }
            1 if at < chars.len() => {
                chars[at] = char::from_u32(dice.below(0x3000) as u32).unwrap_or('x');
            }
            _ => {
                let piece = PIECES[dice.below(PIECES.len())];
                chars.splice(at..at, piece.chars());
            }
        }
    }
    chars.into_iter().collect()
}

fn check_all_ways(text: &str) {
    let _ = bakery_template::json::parse(text);
    let _ = outline("f.json", text);
    for syntax_only in [false, true] {
        let options = CheckOptions {
            syntax_only,
            inputs: VariableInputs {
                vars: vec![("region".into(), "{{timestamp}}".into())],
                ..VariableInputs::default()
            },
            local_file_exists: Some(|_| false),
            read_local_file: Some(|_| Ok("#!/bin/sh\n${oops}\n%{ if }".to_string())),
            default_region: Some(bakery_template::DefaultRegion {
                region: "eu-west-1".into(),
                from: "AWS_REGION".into(),
            }),
            list_local_files: Some(|_| Ok(vec!["a.sh".to_string(), "x/[b].txt".to_string()])),
        };
        let _ = check("f.json", text, &options, &mut RenderContext::fixed());
        let _ =
            bakery_template::check_hcl("f.pkr.hcl", text, &options, &mut RenderContext::fixed());
    }
}

#[test]
fn mutated_corpus_templates_never_panic() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut dice = Dice(0x5eed_cafe_f00d_d00d);
    let mut runs = 0;
    let files = std::fs::read_dir(tests.join("corpus"))
        .unwrap()
        .chain(std::fs::read_dir(tests.join("corpus-hcl")).unwrap());
    for entry in files {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json" && e != "hcl") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for _ in 0..150 {
            let mutated = mutate(&text, &mut dice);
            let outcome = std::panic::catch_unwind(|| check_all_ways(&mutated));
            assert!(outcome.is_ok(), "{} mutated to:\n{mutated}", path.display());
            runs += 1;
        }
    }
    assert!(runs > 1000);
}

#[test]
fn arbitrary_text_never_panics() {
    let mut dice = Dice(0x0dd_ba11);
    for _ in 0..3000 {
        let len = dice.below(64);
        let text: String = (0..len)
            .map(|_| {
                if dice.below(3) == 0 {
                    PIECES[dice.below(PIECES.len())].to_string()
                } else {
                    char::from_u32(dice.below(0x800) as u32)
                        .unwrap_or('?')
                        .to_string()
                }
            })
            .collect();
        let outcome = std::panic::catch_unwind(|| check_all_ways(&text));
        assert!(outcome.is_ok(), "text: {text:?}");
    }
}
