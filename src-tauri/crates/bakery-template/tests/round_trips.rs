//! Property-style round trips on random models (deterministic generator, so failures
//! reproduce): a model written as JSON (`to_json`) or HCL2 (`to_hcl`) reads back the same.

use bakery_template::model::{Builder, PostProcessor};
use bakery_template::{CheckOptions, RenderContext, check, check_hcl, to_hcl, to_json};
use serde_json::{Map, Value, json};

struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// Text with the characters that need care in JSON and HCL: quotes, backslashes, `$`,
    /// `%`, braces, non-ASCII, newlines (but no `{{`, which would be rendered again).
    fn text(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", "0", "-", "_", " ", "/", ".", "\"", "\\", "$", "%", "{", "}", "${x}", "%{",
            "é", "😀", "\n", "\t", "'", "=", ":", "web", "ami",
        ];
        let len = 1 + self.below(12);
        let mut s: String = (0..len).map(|_| PIECES[self.below(PIECES.len())]).collect();
        while s.contains("{{") || s.contains("}}") {
            s = s.replace("{{", "{ {").replace("}}", "} }");
        }
        s
    }
}

const STRING_OPTIONS: &[&str] = &[
    "ami_description",
    "iam_instance_profile",
    "user_data",
    "ssh_host",
    "ssh_password",
    "profile",
    "ssh_bastion_host",
    "ssh_bastion_username",
    "ssh_bastion_password",
];
const BOOL_OPTIONS: &[&str] = &[
    "associate_public_ip_address",
    "ena_support",
    "sriov_support",
    "force_deregister",
    "ssh_agent_auth",
    "ssh_pty",
    "ssh_bastion_agent_auth",
];
const MAP_OPTIONS: &[&str] = &["tags", "run_tags", "run_volume_tags", "snapshot_tags"];

fn random_template(dice: &mut Dice) -> Value {
    let mut builders = Vec::new();
    let count = 1 + dice.below(3);
    for i in 0..count {
        let mut b = Map::new();
        b.insert("type".into(), json!("amazon-ebs"));
        b.insert("name".into(), json!(format!("b{i}")));
        b.insert("region".into(), json!("eu-west-1"));
        b.insert("source_ami".into(), json!("ami-0123abcd"));
        b.insert("instance_type".into(), json!("t3.micro"));
        b.insert("ssh_username".into(), json!(dice.text()));
        b.insert(
            "ami_name".into(),
            json!(format!("image {i} {}", dice.below(1000))),
        );
        for option in STRING_OPTIONS {
            if dice.chance(40) {
                b.insert(option.to_string(), json!(dice.text()));
            }
        }
        for option in BOOL_OPTIONS {
            if dice.chance(40) {
                b.insert(option.to_string(), json!(dice.chance(50)));
            }
        }
        if dice.chance(50) {
            b.insert("ssh_port".into(), json!(1 + dice.below(65000)));
        }
        for option in MAP_OPTIONS {
            if dice.chance(40) {
                let tags: Map<String, Value> = (0..1 + dice.below(3))
                    .map(|k| (format!("Key{k}"), json!(dice.text())))
                    .collect();
                b.insert(option.to_string(), Value::Object(tags));
            }
        }
        if dice.chance(40) {
            b.insert(
                "launch_block_device_mappings".into(),
                json!([{"device_name": "/dev/xvda", "volume_size": 8 + dice.below(100), "volume_type": "gp2", "delete_on_termination": dice.chance(50)}]),
            );
        }
        if dice.chance(30) {
            b.insert(
                "source_ami_filter".into(),
                json!({"filters": {"name": dice.text()}, "owners": ["amazon"], "most_recent": true}),
            );
        }
        if dice.chance(30) {
            b.insert(
                "subnet_filter".into(),
                json!({"filters": {"tag:Tier": dice.text()}, "most_free": dice.chance(50)}),
            );
        }
        if dice.chance(30) {
            b.insert(
                "security_group_filter".into(),
                json!({"filters": {"tag:Class": [dice.text(), dice.text()]}}),
            );
        }
        builders.push(Value::Object(b));
    }
    let mut provisioners = Vec::new();
    for _ in 0..dice.below(4) {
        let mut p = Map::new();
        if dice.chance(20) {
            p.insert("type".into(), json!("shell-local"));
            p.insert("inline".into(), json!([dice.text()]));
            p.insert(
                "execute_command".into(),
                json!(["/bin/sh", "-c", "{{.Vars}} {{.Script}}"]),
            );
        } else if dice.chance(70) {
            p.insert("type".into(), json!("shell"));
            let lines: Vec<Value> = (0..1 + dice.below(3)).map(|_| json!(dice.text())).collect();
            p.insert("inline".into(), Value::Array(lines));
            if dice.chance(40) {
                p.insert(
                    "environment_vars".into(),
                    json!([format!("K={}", dice.text())]),
                );
            }
            if dice.chance(30) {
                p.insert("expect_disconnect".into(), json!(true));
            }
        } else {
            p.insert("type".into(), json!("file"));
            p.insert("source".into(), json!("/etc/hostname"));
            p.insert("destination".into(), json!(dice.text()));
            p.insert("direction".into(), json!("upload"));
        }
        if dice.chance(30) {
            p.insert("only".into(), json!([format!("b{}", dice.below(count))]));
        }
        provisioners.push(Value::Object(p));
    }
    let mut template = Map::new();
    if dice.chance(50) {
        template.insert("description".into(), json!(dice.text()));
    }
    template.insert("builders".into(), Value::Array(builders));
    template.insert("provisioners".into(), Value::Array(provisioners));
    if dice.chance(40) {
        template.insert(
            "post-processors".into(),
            json!([[{"type": "manifest", "output": "m.json", "strip_path": dice.chance(50)},
                    {"type": "shell-local", "environment_vars": [format!("K={}", dice.text())], "command": dice.text(), "only": ["b0"]}]]),
        );
    }
    Value::Object(template)
}

fn qualified(mut template: bakery_template::Template) -> bakery_template::Template {
    for builder in &mut template.builders {
        let name = format!("amazon-ebs.{}", builder.name());
        let Builder::AmazonEbs(ebs) = builder;
        ebs.name = Some(name);
    }
    for provisioner in &mut template.provisioners {
        let (only, except) = provisioner.only_except_mut();
        for list in [only, except] {
            for name in list.iter_mut().flatten() {
                *name = format!("amazon-ebs.{name}");
            }
        }
    }
    for post_processor in template.post_processors.iter_mut().flatten() {
        if let PostProcessor::ShellLocal(l) = post_processor {
            for name in [&mut l.only, &mut l.except].into_iter().flatten().flatten() {
                *name = format!("amazon-ebs.{name}");
            }
        }
    }
    template
}

#[test]
fn random_models_survive_both_round_trips() {
    let mut dice = Dice(0x2545_f491_4f6c_dd1d);
    for round in 0..300 {
        let text = random_template(&mut dice).to_string();
        let checked = check(
            "r.json",
            &text,
            &CheckOptions::default(),
            &mut RenderContext::fixed(),
        );
        let model = checked.template.expect("a model");

        let json = to_json(&model);
        let again = check(
            "r.json",
            &json,
            &CheckOptions::default(),
            &mut RenderContext::fixed(),
        )
        .template
        .expect("a model from JSON");
        assert_eq!(to_json(&again), json, "round {round} (JSON):\n{text}");

        let hcl = to_hcl(&model);
        let from_hcl = check_hcl(
            "r.pkr.hcl",
            &hcl,
            &CheckOptions::default(),
            &mut RenderContext::fixed(),
        );
        let from_hcl = from_hcl.template.unwrap_or_else(|| {
            panic!(
                "round {round}: HCL2 not read: {:#?}\n{hcl}",
                from_hcl.diagnostics
            )
        });
        assert_eq!(
            to_json(&from_hcl),
            to_json(&qualified(model.clone())),
            "round {round} (HCL2):\n{hcl}"
        );
    }
}
