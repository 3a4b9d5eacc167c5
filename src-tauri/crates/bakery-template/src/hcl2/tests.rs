//! The HCL2 reader's tests: templates read into the model, with their problems located.

use super::blocks::ami_reference;
use super::functions::{self, resolve_path};
use super::*;
use crate::VarFile;
use crate::model::{Builder, Provisioner};

const ARTICLE: &str = r#"
packer {
  required_plugins {
    amazon = {
      version = ">= 1.2.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "token" {
  type      = string
  default   = "s3cr3t"
  sensitive = true
}

locals {
  stamp = formatdate("YYYYMMDD-hhmm", timestamp())
  name  = "${var.prefix}-${local.stamp}"
}

variable "prefix" {
  default = "yum-upgrade"
}

source "amazon-ebs" "al2" {
  region        = var.region
  vpc_id        = "vpc-4925e72e"
  subnet_id     = "subnet-4d13d12a"
  source_ami    = "ami-01ccc867"
  instance_type = "t2.micro"
  ssh_username  = "ec2-user"
  ami_name      = local.name
  tags = merge({ Name = local.name }, { Team = upper("platform") })
  launch_block_device_mappings {
    device_name = "/dev/xvda"
    volume_size = 20
  }
}

build {
  sources = ["source.amazon-ebs.al2"]

  provisioner "shell" {
    inline = ["sleep 30", "sudo yum update -y", "echo ${source.name} ${var.token}"]
    only   = ["amazon-ebs.al2"]
  }

  post-processor "manifest" {
    output = "manifest-${var.region}.json"
  }
}
"#;

fn run(text: &str, options: &CheckOptions) -> Checked {
    check_hcl("t.pkr.hcl", text, options, &mut RenderContext::fixed())
}

#[test]
fn a_typical_template_reads_into_the_model() {
    let checked = run(ARTICLE, &CheckOptions::default());
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let template = checked.template.unwrap();
    let Builder::AmazonEbs(ebs) = &template.builders[0];
    assert_eq!(ebs.name.as_deref(), Some("amazon-ebs.al2"));
    assert_eq!(ebs.region.as_deref(), Some("eu-west-1"));
    assert_eq!(ebs.ami_name.as_deref(), Some("yum-upgrade-20250304-0506"));
    assert_eq!(ebs.tags.as_ref().unwrap()["Team"], "PLATFORM");
    assert_eq!(
        ebs.launch_block_device_mappings.as_ref().unwrap()[0].volume_size,
        Some(20)
    );
    let Provisioner::Shell(shell) = &template.provisioners[0] else {
        panic!("a shell step")
    };
    assert_eq!(shell.inline.as_ref().unwrap()[2], "echo al2 s3cr3t");
    assert_eq!(template.redact("token s3cr3t"), "token <sensitive>");
    assert_eq!(template.variables.len(), 3);
    assert_eq!(template.post_processors.len(), 1);
}

#[test]
fn values_come_from_env_var_files_and_vars_in_that_order() {
    let mut ctx = RenderContext::fixed();
    ctx.env.insert("PKR_VAR_region".into(), "us-east-1".into());
    let checked = check_hcl("t.pkr.hcl", ARTICLE, &CheckOptions::default(), &mut ctx);
    let region = |c: &Checked| {
        let Builder::AmazonEbs(ebs) = &c.template.as_ref().unwrap().builders[0];
        ebs.region.clone().unwrap()
    };
    assert_eq!(region(&checked), "us-east-1");
    let mut options = CheckOptions::default();
    options.inputs.var_files.push(VarFile {
        name: "prod.pkrvars.hcl".into(),
        text: "region = \"eu-central-1\"\n".into(),
    });
    let mut ctx = RenderContext::fixed();
    ctx.env.insert("PKR_VAR_region".into(), "us-east-1".into());
    assert_eq!(
        region(&check_hcl("t.pkr.hcl", ARTICLE, &options, &mut ctx)),
        "eu-central-1"
    );
    options
        .inputs
        .vars
        .push(("region".into(), "ap-south-1".into()));
    assert_eq!(region(&run(ARTICLE, &options)), "ap-south-1");
}

#[test]
fn problems_are_located_in_the_hcl_file() {
    let text = "source \"amazon-ebs\" \"x\" {\n  region = \"eu-west-1\"\n  source_ami = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username = \"u\"\n  ami_name = \"a {{isotime}}\"\n  regoin = \"x\"\n}\nbuild {\n  sources = [\"source.amazon-ebs.y\"]\n}\n";
    let checked = run(text, &CheckOptions::default());
    let located: Vec<(u32, u32, String)> = checked
        .errors()
        .map(|d| (d.line, d.column, d.message.clone()))
        .collect();
    assert_eq!(located.len(), 2, "{located:#?}");
    assert_eq!((located[0].0, located[0].1), (9, 1), "{located:#?}");
    assert_eq!(located[0].2, "at least one builder must be defined");
    assert_eq!((located[1].0, located[1].1), (10, 14));
    assert!(located[1].2.contains("no source \"source.amazon-ebs.y\""));

    let text = text.replace("amazon-ebs.y", "amazon-ebs.x");
    let checked = run(&text, &CheckOptions::default());
    let located: Vec<(u32, u32)> = checked.errors().map(|d| (d.line, d.column)).collect();
    assert_eq!(located, [(6, 14), (7, 3)], "{:#?}", checked.diagnostics);
}

#[test]
fn missing_variables_syntax_errors_and_unsupported_blocks() {
    let checked = run(
        "variable \"region\" {}\nsource \"amazon-ebs\" \"x\" {\n  region = var.region\n}\n",
        &CheckOptions::default(),
    );
    assert!(
        checked
            .errors()
            .any(|d| d.message == "required variable not set: region" && d.line == 1)
    );

    let checked = run("source \"amazon-ebs\" {\n", &CheckOptions::default());
    assert_eq!(checked.diagnostics[0].code, Code::Syntax);
    assert!(checked.diagnostics[0].line >= 1);

    let checked = run(
        "data \"http\" \"x\" {\n  url = \"https://example.com\"\n}\n",
        &CheckOptions::default(),
    );
    assert!(
        checked
            .errors()
            .any(|d| d.code == Code::NotSupported && d.line == 1)
    );
}

#[test]
fn an_amazon_ami_data_source_becomes_the_source_ami_filter() {
    let text = r#"
data "amazon-ami" "ubuntu" {
  filters = { name = "ubuntu/images/*ubuntu-jammy-22.04-amd64-server-*" }
  owners      = ["099720109477"]
  most_recent = true
  region      = "us-east-1"
}
locals { base = data.amazon-ami.ubuntu.name }
source "amazon-ebs" "u" {
  region        = "us-east-1"
  source_ami    = data.amazon-ami.ubuntu.id
  instance_type = "t3.micro"
  ssh_username  = "ubuntu"
  ami_name      = "u-{{timestamp}}"
  tags          = { Base = local.base }
}
build { sources = ["source.amazon-ebs.u"] }
"#;
    let checked = run(text, &CheckOptions::default());
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let template = checked.template.unwrap();
    let Builder::AmazonEbs(ebs) = &template.builders[0];
    assert_eq!(ebs.source_ami, None);
    let filter = ebs.source_ami_filter.as_ref().unwrap();
    assert_eq!(
        filter.owners.as_deref(),
        Some(&["099720109477".to_string()][..])
    );
    assert_eq!(filter.most_recent, Some(true));
    assert_eq!(ebs.tags.as_ref().unwrap()["Base"], "{{ .SourceAMIName }}");
    assert_eq!(
        ami_reference("data.amazon-ami.ubuntu.id"),
        Some("ubuntu".into())
    );
    assert_eq!(ami_reference("data.amazon-ami.ubuntu.name"), None);
}

#[test]
fn variable_validations_are_evaluated() {
    let text = r#"
variable "env" {
  default = "staging"
  validation {
    condition     = contains(["dev", "prod"], var.env)
    error_message = "The env must be dev or prod."
  }
}
variable "name" {
  default = "ab"
  validation {
    condition     = length(var.name) >= 2
    error_message = "Two characters at least."
  }
}
variable "ami" {
  default = "img-1"
  validation {
    condition     = can(regex("^ami-", var.ami))
    error_message = "An AMI id."
  }
}
"#;
    let checked = run(text, &CheckOptions::default());
    let errors: Vec<(u32, Code, String)> = checked
        .errors()
        .filter(|d| d.field.starts_with("variables."))
        .map(|d| (d.line, d.code, d.message.clone()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(
        errors[0],
        (
            5,
            Code::InvalidValue,
            "invalid value for variable env: The env must be dev or prod.".to_string()
        )
    );
    assert_eq!(errors[1].0, 19);
    assert_eq!(errors[1].1, Code::InvalidValue, "can(regex()) is evaluated");
    assert_eq!(errors[1].2, "invalid value for variable ami: An AMI id.");

    let mut ctx = RenderContext::fixed();
    ctx.env.insert("AWS_REGION".into(), "ca-central-1".into());
    let text = "variable \"region\" {\n  default = env(\"AWS_REGION\")\n}\nlocals {\n  x = lowr(var.region)\n}\n";
    let checked = check_hcl("t.pkr.hcl", text, &CheckOptions::default(), &mut ctx);
    let typo = checked.errors().find(|d| d.line == 5).unwrap();
    assert_eq!(typo.message, "function lowr() is not defined");
    assert_eq!(typo.help.as_deref(), Some("did you mean lower()?"));
    assert_eq!(
        checked.template.unwrap().variables[0]
            .default
            .as_ref()
            .map(|d| d.expose().to_string()),
        Some("ca-central-1".to_string())
    );
}

#[test]
fn a_build_source_block_adds_settings_but_does_not_replace_them() {
    let text = "source \"amazon-ebs\" \"x\" {\n  region = \"us-east-1\"\n  source_ami = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username = \"u\"\n  ami_name = \"a-{{timestamp}}\"\n}\nbuild {\n  source \"source.amazon-ebs.x\" {\n    ami_name = \"b-{{timestamp}}\"\n  }\n}\n";
    let checked = run(text, &CheckOptions::default());
    let errors: Vec<(u32, String)> = checked
        .errors()
        .map(|d| (d.line, d.message.clone()))
        .collect();
    assert_eq!(
        errors,
        [(
            10,
            "Argument \"ami_name\" was already set at line 6".to_string()
        )]
    );
}

#[test]
fn a_folder_of_files_is_one_template_with_problems_in_their_files() {
    let files = vec![
            (
                "variables.pkr.hcl".to_string(),
                "variable \"region\" {\n  default = \"eu-west-1\"\n}\n".to_string(),
            ),
            (
                "sources.pkr.hcl".to_string(),
                "source \"amazon-ebs\" \"web\" {\n  region = var.region\n  source_ami = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username = \"u\"\n  ami_name = \"web {{timestamp}}\"\n  regoin = \"x\"\n}".to_string(),
            ),
            (
                "build.pkr.hcl".to_string(),
                "build {\n  sources = [\"source.amazon-ebs.web\"]\n  provisioner \"shel\" {}\n}\n".to_string(),
            ),
        ];
    let checked = check_hcl_files(
        &files,
        &CheckOptions::default(),
        &mut RenderContext::fixed(),
    );
    let located: Vec<(String, u32)> = checked.errors().map(|d| (d.file.clone(), d.line)).collect();
    assert_eq!(
        located,
        [
            ("sources.pkr.hcl".to_string(), 7),
            ("build.pkr.hcl".to_string(), 3)
        ],
        "{:#?}",
        checked.diagnostics
    );
    let Builder::AmazonEbs(ebs) = &checked.template.unwrap().builders[0];
    assert_eq!(ebs.region.as_deref(), Some("eu-west-1"));
}

#[test]
fn dynamic_blocks_and_for_expressions_make_their_blocks() {
    let text = r#"
variable "disks" {
  default = { "/dev/xvdb" = 50, "/dev/xvdc" = 100 }
}
locals {
  names = [for n in ["a", "b"] : upper(n)]
}
source "amazon-ebs" "x" {
  region        = "us-east-1"
  source_ami    = "ami-01ccc867"
  instance_type = "t3.micro"
  ssh_username  = "u"
  ami_name      = "x-${join("-", local.names)}-{{timestamp}}"
  launch_block_device_mappings {
    device_name = "/dev/xvda"
    volume_size = 8
  }
  dynamic "launch_block_device_mappings" {
    for_each = var.disks
    iterator = disk
    content {
      device_name = disk.key
      volume_size = disk.value
    }
  }
  dynamic "ami_block_device_mappings" {
    for_each = ["/dev/xvdb"]
    content {
      device_name  = ami_block_device_mappings.value
      no_device    = true
    }
  }
}
build { sources = ["source.amazon-ebs.x"] }
"#;
    let checked = run(text, &CheckOptions::default());
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let template = checked.template.unwrap();
    let Builder::AmazonEbs(ebs) = &template.builders[0];
    assert_eq!(ebs.ami_name.as_deref(), Some("x-A-B-1741064767"));
    let disks: Vec<(Option<&str>, Option<u32>)> = ebs
        .launch_block_device_mappings
        .as_ref()
        .unwrap()
        .iter()
        .map(|d| (d.device_name.as_deref(), d.volume_size))
        .collect();
    assert_eq!(
        disks,
        [
            (Some("/dev/xvda"), Some(8)),
            (Some("/dev/xvdb"), Some(50)),
            (Some("/dev/xvdc"), Some(100))
        ]
    );
    assert_eq!(ebs.ami_block_device_mappings.as_ref().unwrap().len(), 1);

    let broken = "source \"amazon-ebs\" \"x\" {\n  dynamic \"tag\" {\n    for_each = 3\n  }\n}\nbuild { sources = [\"source.amazon-ebs.x\"] }\n";
    let checked = run(broken, &CheckOptions::default());
    let errors: Vec<(u32, u32, String)> = checked
        .errors()
        .filter(|d| d.field.contains("dynamic"))
        .map(|d| (d.line, d.column, d.message.clone()))
        .collect();
    assert_eq!(
        errors,
        [(2, 3, "a dynamic block needs a content block".to_string())]
    );
}

#[test]
fn errors_inside_strings_point_at_the_interpolation_and_fields_are_hcl_paths() {
    let text = "variable \"env\" {\n  default = \"dev\"\n}\nsource \"amazon-ebs\" \"web\" {\n  region = \"us-east-1\"\n  source_ami = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username = \"u\"\n  ami_name = \"web-${var.env}-${var.nope}-{{timestamp}}\"\n  regoin = \"x\"\n}\nbuild {\n  sources = [\"source.amazon-ebs.web\"]\n  provisioner \"shell\" {\n    inline = [\"echo ${upper(local.missing)}\"]\n  }\n  provisioner \"shell\" {\n    inlin = [\"x\"]\n  }\n}\n";
    let checked = run(text, &CheckOptions::default());
    // A value that can't be evaluated is not "missing" as well.
    let errors: Vec<(u32, u32, String)> = checked
        .errors()
        .map(|d| (d.line, d.column, d.field.clone()))
        .collect();
    assert_eq!(
        errors,
        [
            (9, 32, "source.amazon-ebs.web.ami_name".to_string()),
            (10, 3, "source.amazon-ebs.web.regoin".to_string()),
            (15, 29, "build.provisioner[0].inline".to_string()),
            (17, 3, "build.provisioner[1].inline".to_string()),
            (18, 5, "build.provisioner[1].inlin".to_string()),
        ],
        "{:#?}",
        checked.diagnostics
    );
}

#[test]
fn can_and_try_see_their_arguments_fail() {
    let text = "locals {\n  a = try(local.nope, \"fallback\")\n  b = can(regex(\"^x\", \"y\"))\n  c = can(regex(\"^y\", \"y\"))\n}\nsource \"amazon-ebs\" \"x\" {\n  region = \"us-east-1\"\n  source_ami = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username = \"u\"\n  ami_name = \"${local.a}-${local.b}-${local.c}\"\n}\nbuild { sources = [\"source.amazon-ebs.x\"] }\n";
    let checked = run(text, &CheckOptions::default());
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let Builder::AmazonEbs(ebs) = &checked.template.unwrap().builders[0];
    assert_eq!(ebs.ami_name.as_deref(), Some("fallback-false-true"));
}

#[test]
fn file_functions_read_through_the_hook_relative_to_path_root() {
    let text = r#"source "amazon-ebs" "x" {
  region        = "us-east-1"
  source_ami    = "ami-01ccc867"
  instance_type = "t3.micro"
  ssh_username  = "u"
  ami_name      = "x-{{timestamp}}"
  user_data     = file("scripts/boot.sh")
  tags = {
    Motd   = templatefile("/etc/motd.tpl", { name = "web", disks = ["a", "b"] })
    Exists = "${fileexists("scripts/boot.sh")}-${fileexists("nope")}"
    Gone   = "is ${file("gone.txt")}"
  }
}
build { sources = ["source.amazon-ebs.x"] }
"#;
    let options = CheckOptions {
        read_local_file: Some(|path| match path {
            "/t/scripts/boot.sh" => Ok("#!/bin/sh\necho hi\n".to_string()),
            "/etc/motd.tpl" => {
                Ok("%{ for d in disks }${upper(d)}%{ endfor } on ${name}".to_string())
            }
            _ => Err(std::io::ErrorKind::NotFound.into()),
        }),
        local_file_exists: Some(|path| path == "/t/scripts/boot.sh"),
        ..CheckOptions::default()
    };
    let mut ctx = RenderContext::fixed();
    ctx.template_dir = "/t".to_string();
    let checked = check_hcl("t.pkr.hcl", text, &options, &mut ctx);
    let errors: Vec<(u32, u32, Code, String, String)> = checked
        .errors()
        .map(|d| (d.line, d.column, d.code, d.field.clone(), d.message.clone()))
        .collect();
    assert_eq!(
        errors,
        [(
            11,
            20,
            Code::LocalFile,
            "source.amazon-ebs.x.tags".to_string(),
            "file \"gone.txt\" does not exist (looked for /t/gone.txt)".to_string()
        )]
    );
    assert!(
        checked
            .errors()
            .next()
            .unwrap()
            .help
            .as_deref()
            .unwrap()
            .contains("path.root"),
        "says what to do"
    );
    let Builder::AmazonEbs(ebs) = &checked.template.unwrap().builders[0];
    assert_eq!(ebs.user_data.as_deref(), Some("#!/bin/sh\necho hi\n"));

    // Without the failing tag, every value is read.
    let fine = text.replace("    Gone   = \"is ${file(\"gone.txt\")}\"\n", "");
    let checked = check_hcl("t.pkr.hcl", &fine, &options, &mut ctx);
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let Builder::AmazonEbs(ebs) = &checked.template.unwrap().builders[0];
    let tags = ebs.tags.as_ref().unwrap();
    assert_eq!(tags["Motd"], "AB on web");
    assert_eq!(tags["Exists"], "true-false");

    // An editor without a disk: file() says it can't read, at the call (one error per
    // attribute: the first value of `tags` that fails).
    let checked = run(&fine, &CheckOptions::default());
    let errors: Vec<(u32, u32, Code)> = checked
        .errors()
        .map(|d| (d.line, d.column, d.code))
        .collect();
    assert_eq!(
        errors,
        [(7, 19, Code::LocalFile), (9, 14, Code::LocalFile)],
        "{:#?}",
        checked.diagnostics
    );
    assert_eq!(
        resolve_path("~/k.pem", "/t", Some("/home/u")),
        "/home/u/k.pem"
    );
    assert_eq!(resolve_path("a/b", ".", None), "a/b");
}

#[test]
fn errors_inside_template_directives_point_inside_them() {
    let source = |value: &str| {
        format!(
            "variable \"disks\" {{\n  default = [\"b\", \"c\"]\n}}\nsource \"amazon-ebs\" \"x\" {{\n  region        = \"us-east-1\"\n  source_ami    = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username  = \"u\"\n  ami_name      = \"x-{{{{timestamp}}}}\"\n  ami_description = {value}\n}}\nbuild {{ sources = [\"source.amazon-ebs.x\"] }}\n"
        )
    };
    let located = |value: &str| {
        let checked = run(&source(value), &CheckOptions::default());
        let errors: Vec<(u32, u32, String)> = checked
            .errors()
            .map(|d| (d.line, d.column, d.field.clone()))
            .collect();
        (errors, checked)
    };
    // Evaluated when right.
    let (errors, checked) =
        located(r#""%{ for d in var.disks }${upper(d)}%{ endfor }%{ if true }!%{ endif }""#);
    assert!(errors.is_empty(), "{:#?}", checked.diagnostics);
    let Builder::AmazonEbs(ebs) = &checked.template.unwrap().builders[0];
    assert_eq!(ebs.ami_description.as_deref(), Some("BC!"));
    // Column 21 is the value's opening quote: each error is at what fails inside.
    let cases = [
        // the condition of an if
        (r#""%{ if var.nope == "x" }a%{ endif }""#, 28),
        // inside the branch taken
        (r#""%{ if true }${local.gone}%{ else }b%{ endif }""#, 36),
        // the else branch taken
        (r#""%{ if false }a%{ else }${lowr("B")}%{ endif }""#, 47),
        // a for's collection
        (r#""%{ for d in var.disk }${d}%{ endfor }""#, 34),
        // inside a for's body, with the loop variable bound
        (
            r#""%{ for i, d in var.disks }${d}-${keys(d)}%{ endfor }""#,
            55,
        ),
        // a condition that is not true or false
        (r#""%{ if "yes" }a%{ endif }""#, 28),
        // a heredoc
        (
            "<<EOT\n%{ for d in var.disks }\n${d.size}\n%{ endfor }\nEOT",
            0,
        ),
    ];
    for (value, column) in cases {
        let (errors, checked) = located(value);
        let expected = if column == 0 {
            (12, 3, "source.amazon-ebs.x.ami_description".to_string())
        } else {
            (
                10,
                column,
                "source.amazon-ebs.x.ami_description".to_string(),
            )
        };
        assert_eq!(errors, [expected], "{value}: {:#?}", checked.diagnostics);
    }
}

#[test]
fn fields_inside_options_are_named_as_written_in_hcl() {
    let text = r#"data "amazon-ami" "base" {
  owners      = ["amazon"]
  most_recent = "maybe"
}
source "amazon-ebs" "web" {
  region        = "us-east-1"
  source_ami    = data.amazon-ami.base.id
  instance_type = "t3.micro"
  ssh_username  = "u"
  ami_name      = "web-{{timestamp}}"
  launch_block_device_mappings {
    device_name = "/dev/xvda"
    volume_size = 8
  }
  launch_block_device_mappings {
    device_name = "/dev/xvdb"
    volume_size = "big"
  }
}
build {
  sources = ["source.amazon-ebs.web"]
  provisioner "shell" {
    inline   = ["a", "b", { x = 1 }]
    override = {
      "amazon-ebs.web" = { inlin = ["x"] }
    }
  }
}
"#;
    let checked = run(text, &CheckOptions::default());
    let errors: Vec<(u32, u32, &str)> = checked
        .errors()
        .map(|d| (d.line, d.column, d.field.as_str()))
        .collect();
    for expected in [
        // the data source that stands for the source_ami_filter
        (1, 1, "data.amazon-ami.base"),
        // the second block, at its own line; the first block is kept
        (
            17,
            19,
            "source.amazon-ebs.web.launch_block_device_mappings[1].volume_size",
        ),
        (23, 16, "build.provisioner[0].inline[2]"),
        // (inside an object expression, keys sit at the expression)
        (
            24,
            16,
            "build.provisioner[0].override[\"amazon-ebs.web\"].inlin",
        ),
    ] {
        assert!(errors.contains(&expected), "{expected:?} in {errors:#?}");
    }
    let template = checked.template.unwrap();
    let Builder::AmazonEbs(ebs) = &template.builders[0];
    let sizes: Vec<Option<u32>> = ebs
        .launch_block_device_mappings
        .iter()
        .flatten()
        .map(|d| d.volume_size)
        .collect();
    assert_eq!(sizes, [Some(8), None], "only the wrong value is left out");
}

#[test]
fn a_panic_inside_an_evaluation_leaves_the_next_one_unaffected() {
    use hcl::eval::Evaluate;
    fn panicking_read(_: &str) -> std::io::Result<String> {
        panic!("the file hook failed")
    }
    let options = CheckOptions {
        read_local_file: Some(panicking_read),
        ..CheckOptions::default()
    };
    let text = "locals {\n  a = file(\"notes.txt\")\n}\n";
    let mut ctx = RenderContext::fixed();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::check_hcl("t.pkr.hcl", text, &options, &mut ctx)
    }));
    assert!(panicked.is_err(), "the hook panicked inside the evaluation");
    // Nothing of that evaluation is left for the next one to read: file() outside a
    // check has no hook (instead of calling the panicking one)...
    assert!(!functions::evaluating());
    let value = "file(\"notes.txt\")"
        .parse::<hcl::Expression>()
        .unwrap()
        .evaluate(&functions::base_context(&ctx));
    let err = value.expect_err("no file hook outside a check").to_string();
    assert!(err.contains("can't be read here"), "{err}");
    // ...and the render context has its own ids back.
    assert_eq!((ctx.ids)(), "id-1");
    // The next check evaluates with its own hooks and time.
    let checked = crate::check_hcl(
        "t.pkr.hcl",
        "locals {\n  a = legacy_isotime(\"2006\")\n  b = file(\"notes.txt\")\n}\n",
        &CheckOptions::default(),
        &mut ctx,
    );
    let messages: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("can't be read here")),
        "{messages:#?}"
    );
    assert!(!functions::evaluating());
}

#[test]
fn a_missing_script_is_explained_in_hcl2_terms() {
    let text = r#"
source "amazon-ebs" "x" {
  region        = "us-east-1"
  source_ami    = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  ssh_username  = "ec2-user"
  ami_name      = "web-image"
}
build {
  sources = ["source.amazon-ebs.x"]
  provisioner "shell" { script = "setup.sh" }
}
"#;
    let options = CheckOptions {
        local_file_exists: Some(|_| false),
        ..CheckOptions::default()
    };
    let checked = check_hcl("t.pkr.hcl", text, &options, &mut RenderContext::fixed());
    let errors: Vec<_> = checked.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = errors[0];
    assert_eq!(error.code, Code::LocalFile);
    let help = error.help.as_deref().unwrap();
    assert!(help.contains("${path.root}/"), "{help}");
    assert!(!help.contains("template_dir"), "{help}");
}

#[test]
fn an_unsupported_data_source_is_one_error_not_one_more_at_each_use() {
    let text = r#"
data "amazon-parameterstore" "ami" {
  name = "/golden/base-ami"
}

source "amazon-ebs" "web" {
  region        = "us-east-1"
  source_ami    = data.amazon-parameterstore.ami.value
  instance_type = "t3.micro"
  ssh_username  = "ec2-user"
  ami_name      = "web-{{timestamp}}"
}

build {
  sources = ["source.amazon-ebs.web"]
}
"#;
    let checked = run(text, &CheckOptions::default());
    let errors: Vec<(Code, u32, &str)> = checked
        .errors()
        .map(|d| (d.code, d.line, d.field.as_str()))
        .collect();
    assert_eq!(
        errors,
        [(Code::NotSupported, 2, "data.amazon-parameterstore")],
        "{:#?}",
        checked.diagnostics
    );
}
