//! Values AWS refuses, caught before a bake rather than by AWS after it: the shape of ids,
//! regions and instance types, and the limits on tags and descriptions. Packer 1.6.6 checks
//! none of these; AWS fails the bake at the step that uses them (often after the instance
//! has been provisioned for many minutes). Values still holding `{{ }}` are not judged.

use super::*;

fn known(value: &str) -> bool {
    !value.is_empty() && !value.contains("{{")
}

impl Checker<'_> {
    pub(super) fn aws_value_rules(&mut self, ebs: &AmazonEbs, node: &Node, path: &str) {
        let at = |key: &str| at_of(node, key);
        let field = |key: &str| join(path, key);

        let regions = ebs
            .region
            .iter()
            .map(|r| ("region", r))
            .chain(ebs.ami_regions.iter().flatten().map(|r| ("ami_regions", r)));
        for (key, region) in regions {
            if known(region) && !valid_region(region) {
                let d = self.error(
                    Code::InvalidValue,
                    at(key),
                    field(key),
                    format!("\"{region}\" is not an AWS region"),
                );
                let zone_of = region.trim_end_matches(|c: char| c.is_ascii_lowercase());
                if zone_of != region && valid_region(zone_of) {
                    d.set_help(format!(
                        "{region} is an availability zone; its region is {zone_of}"
                    ));
                } else {
                    d.set_help("a region looks like \"eu-west-1\" or \"us-east-2\"");
                }
            }
        }

        let ids = [
            ("source_ami", "ami", ebs.source_ami.as_deref()),
            ("vpc_id", "vpc", ebs.vpc_id.as_deref()),
            ("subnet_id", "subnet", ebs.subnet_id.as_deref()),
            ("security_group_id", "sg", ebs.security_group_id.as_deref()),
        ];
        for (key, prefix, id) in ids {
            if let Some(id) = id.filter(|id| known(id))
                && !valid_resource_id(id, prefix)
            {
                self.error(
                    Code::InvalidValue,
                    at(key),
                    field(key),
                    format!("\"{id}\" is not {} id", article_and_kind(prefix)),
                )
                .set_help(format!(
                    "{} id looks like \"{prefix}-0123456789abcdef0\"",
                    article_and_kind(prefix)
                ));
            }
        }
        for (i, id) in ebs.security_group_ids.iter().flatten().enumerate() {
            if known(id) && !valid_resource_id(id, "sg") {
                self.error(
                    Code::InvalidValue,
                    at("security_group_ids"),
                    format!("{path}.security_group_ids[{i}]"),
                    format!("\"{id}\" is not a security group id"),
                )
                .set_help("a security group id looks like \"sg-0123456789abcdef0\"");
            }
        }

        let types = ebs
            .instance_type
            .iter()
            .map(|t| ("instance_type", t))
            .chain(
                ebs.spot_instance_types
                    .iter()
                    .flatten()
                    .map(|t| ("spot_instance_types", t)),
            );
        for (key, kind) in types {
            let shaped = kind.split_once('.').is_some_and(|(family, size)| {
                !family.is_empty()
                    && !size.is_empty()
                    && kind
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b))
            });
            if known(kind) && !shaped {
                self.error(
                    Code::InvalidValue,
                    at(key),
                    field(key),
                    format!("\"{kind}\" is not an EC2 instance type"),
                )
                .set_help("an instance type is family.size in lower case, e.g. \"t3.micro\"");
            }
        }

        if let Some(description) = ebs.ami_description.as_deref()
            && known(description)
            && description.chars().count() > 255
        {
            self.error(
                Code::InvalidValue,
                at("ami_description"),
                field("ami_description"),
                format!(
                    "ami_description has {} characters; AWS allows 255",
                    description.chars().count()
                ),
            );
        }

        let tag_sets = [
            ("tags", &ebs.tags),
            ("run_tags", &ebs.run_tags),
            ("run_volume_tags", &ebs.run_volume_tags),
            ("snapshot_tags", &ebs.snapshot_tags),
        ];
        for (key, tags) in tag_sets {
            let Some(tags) = tags else { continue };
            if tags.len() > 50 {
                self.error(
                    Code::InvalidValue,
                    at(key),
                    field(key),
                    format!("{key} has {} tags; AWS allows 50 per resource", tags.len()),
                );
            }
            for (name, value) in tags {
                let tag_field = format!("{path}.{key}.{name}");
                let problem = if name.to_lowercase().starts_with("aws:") {
                    Some("tag keys starting with \"aws:\" are reserved by AWS".to_string())
                } else if name.is_empty() {
                    Some("a tag key can't be empty".to_string())
                } else if known(name) && name.chars().count() > 128 {
                    Some(format!("tag key \"{name}\" is longer than 128 characters"))
                } else if known(value) && value.chars().count() > 256 {
                    Some(format!(
                        "the value of tag {name} is longer than 256 characters"
                    ))
                } else {
                    None
                };
                if let Some(problem) = problem {
                    self.error(Code::InvalidValue, at(key), tag_field, problem);
                }
            }
        }
    }
}

fn article_and_kind(prefix: &str) -> &'static str {
    match prefix {
        "ami" => "an AMI",
        "vpc" => "a VPC",
        "subnet" => "a subnet",
        _ => "a security group",
    }
}
