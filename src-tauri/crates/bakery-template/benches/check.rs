//! How long reading and checking a template takes: the editor checks on every keystroke, so
//! a 1,000-line template must be parsed and checked well under 10 ms.
//!
//! `cargo bench -p bakery-template --bench check`

use std::hint::black_box;

use bakery_template::{CheckOptions, RenderContext, check};
use criterion::{Criterion, criterion_group, criterion_main};

/// A template of about 1,000 lines: variables, 45 builders with filters, tags and volumes,
/// and 20 provisioners.
fn thousand_line_template() -> String {
    let variables: Vec<String> = (0..20)
        .map(|i| format!("    \"var{i}\": \"value-{i}-{{{{timestamp}}}}\""))
        .collect();
    let builders: Vec<String> = (0..45)
        .map(|i| {
            format!(
                r#"    {{
      "type": "amazon-ebs",
      "name": "image-{i}",
      "region": "{{{{user `region`}}}}",
      "source_ami_filter": {{
        "filters": {{
          "name": "al2023-ami-2023.*-x86_64",
          "root-device-type": "ebs"
        }},
        "owners": ["amazon"],
        "most_recent": true
      }},
      "instance_type": "t3.micro",
      "ssh_username": "ec2-user",
      "ami_name": "app-{i}-{{{{isotime | clean_resource_name}}}}",
      "tags": {{"Name": "app-{i}", "Source": "{{{{ .SourceAMI }}}}", "Var": "{{{{user `var{n}`}}}}"}},
      "launch_block_device_mappings": [
        {{"device_name": "/dev/xvda", "volume_size": 20, "volume_type": "gp3", "delete_on_termination": true}}
      ]
    }}"#,
                n = i % 20
            )
        })
        .collect();
    let provisioners: Vec<String> = (0..20)
        .map(|i| {
            format!(
                r#"    {{
      "type": "shell",
      "environment_vars": ["STEP={i}", "REGION={{{{user `region`}}}}"],
      "inline": ["echo step {i}", "sudo yum -y install pkg-{i}"]
    }}"#
            )
        })
        .collect();
    format!(
        "{{\n  \"variables\": {{\n    \"region\": \"eu-west-1\",\n{}\n  }},\n  \"builders\": [\n{}\n  ],\n  \"provisioners\": [\n{}\n  ]\n}}\n",
        variables.join(",\n"),
        builders.join(",\n"),
        provisioners.join(",\n")
    )
}

fn bench_check(c: &mut Criterion) {
    let text = thousand_line_template();
    let lines = text.lines().count();
    assert!((950..=1100).contains(&lines), "{lines} lines");
    let options = CheckOptions::default();
    let checked = check("big.json", &text, &options, &mut RenderContext::fixed());
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);

    c.bench_function(&format!("read and check a {lines}-line template"), |b| {
        b.iter(|| {
            let checked = check(
                "big.json",
                black_box(&text),
                &options,
                &mut RenderContext::fixed(),
            );
            black_box(checked.diagnostics.len())
        })
    });
    c.bench_function(
        &format!("syntax-only check of a {lines}-line template"),
        |b| {
            let syntax_only = CheckOptions {
                syntax_only: true,
                ..CheckOptions::default()
            };
            b.iter(|| {
                check(
                    "big.json",
                    black_box(&text),
                    &syntax_only,
                    &mut RenderContext::fixed(),
                )
                .is_valid()
            })
        },
    );
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
