//! How long one form edit takes: the edit engine's patch for one setting, applied, and the
//! re-check of the result, on a template of about 1,000 lines in each dialect. The editor does
//! this on every change, so it must stay well under the 50 ms IPC round trip.
//!
//! `cargo bench -p bakery-template --bench edit`

use std::hint::black_box;

use bakery_template::edit::{self, Change, Dialect};
use bakery_template::{CheckOptions, RenderContext, check, check_hcl, json_to_hcl};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

/// A JSON template of `builders` builders with filters, tags and volumes, and 20
/// provisioners (45 builders: about 1,000 lines).
fn template(builders: usize) -> String {
    let builders: Vec<String> = (0..builders)
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
      "ami_name": "app-{i}-{{{{timestamp}}}}",
      "tags": {{"Name": "app-{i}", "Source": "{{{{ .SourceAMI }}}}"}},
      "launch_block_device_mappings": [
        {{"device_name": "/dev/xvda", "volume_size": 20, "volume_type": "gp3", "delete_on_termination": true}}
      ]
    }}"#
            )
        })
        .collect();
    let provisioners: Vec<String> = (0..20)
        .map(|i| {
            format!(
                r#"    {{
      "type": "shell",
      "environment_vars": ["STEP={i}"],
      "inline": ["echo step {i}", "sudo yum -y install pkg-{i}"]
    }}"#
            )
        })
        .collect();
    format!(
        "{{\n  \"variables\": {{\n    \"region\": \"eu-west-1\"\n  }},\n  \"builders\": [\n{}\n  ],\n  \"provisioners\": [\n{}\n  ]\n}}\n",
        builders.join(",\n"),
        provisioners.join(",\n")
    )
}

fn bench_edit(c: &mut Criterion) {
    // About 1,000 lines in each dialect (HCL2 writes a builder on more lines).
    let json_text = template(45);
    let hcl_text = json_to_hcl("big.json", &template(32)).unwrap();
    let options = CheckOptions::default();
    let cases = [
        (Dialect::Json, json_text, "builders[30].instance_type"),
        (
            Dialect::Hcl2,
            hcl_text,
            "source.amazon-ebs.image-30.instance_type",
        ),
    ];
    for (dialect, text, path) in cases {
        let lines = text.lines().count();
        assert!((950..=1100).contains(&lines), "{dialect:?}: {lines} lines");
        let recheck = |text: &str| match dialect {
            Dialect::Json => check("big", text, &options, &mut RenderContext::fixed()),
            Dialect::Hcl2 => check_hcl("big", text, &options, &mut RenderContext::fixed()),
        };
        assert!(recheck(&text).is_valid(), "{dialect:?}");
        let change = Change::Set {
            path: path.to_string(),
            value: json!("c5.large"),
        };
        let edited = edit::apply(&text, &edit::patches(&text, dialect, &change).unwrap());
        let checked = recheck(&edited);
        assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
        assert_eq!(edited.len(), text.len(), "only the value changed");

        c.bench_function(
            &format!("{dialect:?}: set one value and re-check a {lines}-line template"),
            |b| {
                b.iter(|| {
                    let patches = edit::patches(black_box(&text), dialect, &change).unwrap();
                    let edited = edit::apply(&text, &patches);
                    black_box(recheck(&edited).diagnostics.len())
                })
            },
        );
        c.bench_function(
            &format!("{dialect:?}: the patch alone, {lines}-line template"),
            |b| {
                b.iter(|| {
                    edit::patches(black_box(&text), dialect, &change)
                        .unwrap()
                        .len()
                })
            },
        );
    }
}

criterion_group!(benches, bench_edit);
criterion_main!(benches);
