//! What an account offers in a region, for the template editor's pickers: images by owner
//! and name (newest first), the instance types the region offers with their vCPUs, memory
//! and architectures, and its VPCs, subnets (with free addresses) and security groups.
//! Read-only: nothing is made, nothing is tagged.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, LocationType};
use serde::Serialize;

use crate::EngineError;
use crate::ec2::Ec2;
use crate::error::aws_error;

/// An image a source-AMI picker can offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct ImageChoice {
    /// `ami-…`.
    pub id: String,
    /// Its name (what `source_ami_filter`'s `name` matches).
    pub name: String,
    /// The owning account.
    pub owner_id: String,
    /// `amazon`, `aws-marketplace`… when the owner has an alias.
    pub owner_alias: Option<String>,
    /// When it was made (RFC 3339, as EC2 says).
    pub creation_date: String,
    /// `x86_64` or `arm64`.
    pub architecture: String,
    /// Its description, when it has one.
    pub description: Option<String>,
}

/// Images of `owners` (`amazon`, `self`, an account id; none: any) matching `filters`
/// (EC2's DescribeImages filters, e.g. `name` with `*` wildcards), newest first, at most
/// `limit`.
pub async fn images(
    ec2: &Ec2,
    owners: &[String],
    filters: &BTreeMap<String, Vec<String>>,
    limit: usize,
) -> Result<Vec<ImageChoice>, EngineError> {
    let mut request = ec2.client.describe_images();
    for owner in owners {
        request = request.owners(owner);
    }
    for (name, values) in filters {
        request = request.filters(
            Filter::builder()
                .name(name)
                .set_values(Some(values.clone()))
                .build(),
        );
    }
    let described = request
        .send()
        .await
        .map_err(|e| aws_error("DescribeImages", &ec2.region, e))?;
    let mut images: Vec<ImageChoice> = described.images().iter().map(choice).collect();
    // Newest first, like `most_recent`; then by id so equal dates keep one order.
    images.sort_by(|a, b| {
        b.creation_date
            .cmp(&a.creation_date)
            .then_with(|| a.id.cmp(&b.id))
    });
    images.truncate(limit);
    Ok(images)
}

/// An image a bake made, as the account describes it and its tags tell (`bakery history
/// import --from-account`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedImage {
    /// Its region.
    pub region: String,
    /// The AMI id.
    pub image_id: String,
    /// The account that owns it.
    pub owner_id: Option<String>,
    /// When EC2 made it.
    pub created: String,
    /// Its snapshots.
    pub snapshot_ids: Vec<String>,
    /// Whether its volumes are encrypted.
    pub encrypted: bool,
    /// The bake that made it (`bakery:bake-id`).
    pub bake_id: String,
    /// The template's file name (`bakery:template`).
    pub template: Option<String>,
    /// The template's SHA-256 as baked (`bakery:template-hash`).
    pub template_hash: Option<String>,
    /// The build (`bakery:build`).
    pub build: Option<String>,
    /// The image the bake started from (`bakery:source-ami`).
    pub source_ami: Option<String>,
}

/// The account's own images in `ec2`'s region that a bake made (tagged `bakery:bake-id`).
pub async fn tagged_images(ec2: &Ec2) -> Result<Vec<TaggedImage>, EngineError> {
    use crate::resources::{
        BAKE_ID_TAG, BUILD_TAG, SOURCE_AMI_TAG, TEMPLATE_HASH_TAG, TEMPLATE_TAG,
    };
    let described = ec2
        .client
        .describe_images()
        .owners("self")
        .filters(
            Filter::builder()
                .name("tag-key")
                .values(BAKE_ID_TAG)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error("DescribeImages", &ec2.region, e))?;
    let mut out = Vec::new();
    for image in described.images() {
        let tag = |key: &str| {
            image
                .tags()
                .iter()
                .find(|t| t.key() == Some(key))
                .and_then(|t| t.value())
                .map(str::to_string)
        };
        let Some(bake_id) = tag(BAKE_ID_TAG) else {
            continue;
        };
        let volumes = image.block_device_mappings().iter().filter_map(|m| m.ebs());
        out.push(TaggedImage {
            region: ec2.region.clone(),
            image_id: image.image_id().unwrap_or_default().to_string(),
            owner_id: image.owner_id().map(str::to_string),
            created: image.creation_date().unwrap_or_default().to_string(),
            snapshot_ids: volumes
                .clone()
                .filter_map(|v| v.snapshot_id().map(str::to_string))
                .collect(),
            encrypted: volumes.clone().any(|v| v.encrypted() == Some(true)),
            bake_id,
            template: tag(TEMPLATE_TAG),
            template_hash: tag(TEMPLATE_HASH_TAG),
            build: tag(BUILD_TAG),
            source_ami: tag(SOURCE_AMI_TAG),
        });
    }
    Ok(out)
}

/// The image `id`, when the region has it.
pub async fn image(ec2: &Ec2, id: &str) -> Result<Option<ImageChoice>, EngineError> {
    Ok(ec2.image(id).await?.as_ref().map(choice))
}

fn choice(image: &aws_sdk_ec2::types::Image) -> ImageChoice {
    ImageChoice {
        id: image.image_id().unwrap_or_default().to_string(),
        name: image.name().unwrap_or_default().to_string(),
        owner_id: image.owner_id().unwrap_or_default().to_string(),
        owner_alias: image.image_owner_alias().map(str::to_string),
        creation_date: image.creation_date().unwrap_or_default().to_string(),
        architecture: image
            .architecture()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default(),
        description: image.description().map(str::to_string),
    }
}

/// An instance type the region offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct InstanceTypeChoice {
    /// `t3.micro`.
    pub name: String,
    /// Its default vCPUs.
    pub vcpus: i32,
    /// Its memory in MiB (an `i64` in EC2's model; every type fits in 32 bits).
    pub memory_mib: u32,
    /// The architectures it runs (`x86_64`, `arm64`, `i386`).
    pub architectures: Vec<String>,
}

/// The instance types offered in the region, by name.
pub async fn instance_types(ec2: &Ec2) -> Result<Vec<InstanceTypeChoice>, EngineError> {
    let mut offered = Vec::new();
    let mut token = None;
    loop {
        let page = ec2
            .client
            .describe_instance_type_offerings()
            .location_type(LocationType::Region)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws_error("DescribeInstanceTypeOfferings", &ec2.region, e))?;
        offered.extend(
            page.instance_type_offerings()
                .iter()
                .filter_map(|o| o.instance_type().map(|t| t.as_str().to_string())),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    offered.sort();
    offered.dedup();
    let mut choices = Vec::new();
    // DescribeInstanceTypes takes at most 100 names per call.
    for names in offered.chunks(100) {
        let described = ec2
            .client
            .describe_instance_types()
            .set_instance_types(Some(names.iter().map(|n| n.as_str().into()).collect()))
            .send()
            .await
            .map_err(|e| aws_error("DescribeInstanceTypes", &ec2.region, e))?;
        choices.extend(described.instance_types().iter().map(|t| {
            InstanceTypeChoice {
                name: t
                    .instance_type()
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default(),
                vcpus: t
                    .v_cpu_info()
                    .and_then(|v| v.default_v_cpus())
                    .unwrap_or_default(),
                memory_mib: t
                    .memory_info()
                    .and_then(|m| m.size_in_mib())
                    .and_then(|m| u32::try_from(m).ok())
                    .unwrap_or_default(),
                architectures: t
                    .processor_info()
                    .map(|p| {
                        p.supported_architectures()
                            .iter()
                            .map(|a| a.as_str().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        }));
    }
    choices.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(choices)
}

/// A VPC, subnet or security group a picker can offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NetworkChoice {
    /// `vpc-…`, `subnet-…` or `sg-…`.
    pub id: String,
    /// Its `Name` tag (a group's name), when it has one.
    pub name: Option<String>,
    /// The VPC it is in (for subnets and groups).
    pub vpc_id: Option<String>,
    /// Its CIDR block (VPCs and subnets).
    pub cidr: Option<String>,
    /// The subnet's availability zone.
    pub zone: Option<String>,
    /// Free IPv4 addresses (subnets).
    pub free_addresses: Option<i32>,
    /// The region's default VPC, or a zone's default subnet.
    pub default: bool,
}

/// The region's VPCs, subnets and security groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct NetworkChoices {
    /// VPCs.
    pub vpcs: Vec<NetworkChoice>,
    /// Subnets.
    pub subnets: Vec<NetworkChoice>,
    /// Security groups.
    pub security_groups: Vec<NetworkChoice>,
}

fn name_tag(tags: &[aws_sdk_ec2::types::Tag]) -> Option<String> {
    tags.iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value().map(str::to_string))
}

/// The region's VPCs, subnets and security groups, by id.
pub async fn network(ec2: &Ec2) -> Result<NetworkChoices, EngineError> {
    let region = &ec2.region;
    let (vpcs, subnets, groups) = tokio::try_join!(
        async {
            ec2.client
                .describe_vpcs()
                .send()
                .await
                .map_err(|e| aws_error("DescribeVpcs", region, e))
        },
        async {
            ec2.client
                .describe_subnets()
                .send()
                .await
                .map_err(|e| aws_error("DescribeSubnets", region, e))
        },
        async {
            ec2.client
                .describe_security_groups()
                .send()
                .await
                .map_err(|e| aws_error("DescribeSecurityGroups", region, e))
        },
    )?;
    let mut choices = NetworkChoices {
        vpcs: vpcs
            .vpcs()
            .iter()
            .map(|v| NetworkChoice {
                id: v.vpc_id().unwrap_or_default().to_string(),
                name: name_tag(v.tags()),
                vpc_id: None,
                cidr: v.cidr_block().map(str::to_string),
                zone: None,
                free_addresses: None,
                default: v.is_default().unwrap_or(false),
            })
            .collect(),
        subnets: subnets
            .subnets()
            .iter()
            .map(|s| NetworkChoice {
                id: s.subnet_id().unwrap_or_default().to_string(),
                name: name_tag(s.tags()),
                vpc_id: s.vpc_id().map(str::to_string),
                cidr: s.cidr_block().map(str::to_string),
                zone: s.availability_zone().map(str::to_string),
                free_addresses: s.available_ip_address_count(),
                default: s.default_for_az().unwrap_or(false),
            })
            .collect(),
        security_groups: groups
            .security_groups()
            .iter()
            .map(|g| NetworkChoice {
                id: g.group_id().unwrap_or_default().to_string(),
                name: g.group_name().map(str::to_string),
                vpc_id: g.vpc_id().map(str::to_string),
                cidr: None,
                zone: None,
                free_addresses: None,
                default: g.group_name() == Some("default"),
            })
            .collect(),
    };
    choices.vpcs.sort_by(|a, b| a.id.cmp(&b.id));
    choices.subnets.sort_by(|a, b| a.id.cmp(&b.id));
    choices.security_groups.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(choices)
}

/// The regions the account can use (enabled ones), by name.
pub async fn regions(ec2: &Ec2) -> Result<Vec<String>, EngineError> {
    let described = ec2
        .client
        .describe_regions()
        .send()
        .await
        .map_err(|e| aws_error("DescribeRegions", &ec2.region, e))?;
    let mut names: Vec<String> = described
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// A KMS key an encryption picker can offer (`kms_key_id`): symmetric encryption keys only,
/// as EBS takes no other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct KmsKeyChoice {
    /// What `kms_key_id` is set to when picked: the key's first alias (`alias/…`), else its id.
    pub value: String,
    /// The key id (a UUID), or `None` for an AWS-managed alias AWS has not made a key for yet.
    pub key_id: Option<String>,
    /// Every alias of the key, sorted.
    pub aliases: Vec<String>,
    /// The key's description, when it has one.
    pub description: Option<String>,
    /// `AWS` for an AWS-managed key (`alias/aws/ebs`), `CUSTOMER` for the account's own.
    pub manager: String,
    /// `Enabled`, `Disabled`, `PendingDeletion`…: only an enabled key can encrypt.
    pub state: String,
}

/// The most keys described one by one (DescribeKey): a picker shows no more.
const KMS_KEYS_DESCRIBED: usize = 100;

/// The KMS keys of `region` that can encrypt EBS volumes: the account's default EBS key
/// (`alias/aws/ebs`, first, even before AWS has made it) and every symmetric encryption key,
/// customer keys by alias then id.
pub async fn kms_keys(
    sdk: &aws_config::SdkConfig,
    region: &str,
) -> Result<Vec<KmsKeyChoice>, EngineError> {
    let config = aws_sdk_kms::config::Builder::from(sdk)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let kms = aws_sdk_kms::Client::from_conf(config);
    let (keys, aliases) = tokio::try_join!(
        async {
            kms.list_keys()
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| aws_error("ListKeys", region, e))
        },
        async {
            kms.list_aliases()
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| aws_error("ListAliases", region, e))
        },
    )?;
    let mut aliases_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for alias in &aliases {
        let Some(name) = alias.alias_name() else {
            continue;
        };
        if let Some(key) = alias.target_key_id() {
            aliases_of
                .entry(key.to_string())
                .or_default()
                .push(name.to_string());
        }
    }
    let described = futures::future::join_all(
        keys.iter()
            .take(KMS_KEYS_DESCRIBED)
            .filter_map(|k| k.key_id())
            .map(|id| {
                let kms = kms.clone();
                async move {
                    kms.describe_key()
                        .key_id(id)
                        .send()
                        .await
                        .map_err(|e| aws_error("DescribeKey", region, e))
                }
            }),
    )
    .await;
    let mut choices = Vec::new();
    for answer in described {
        let Some(meta) = answer?.key_metadata else {
            continue;
        };
        let symmetric = meta
            .key_spec()
            .is_none_or(|s| s.as_str() == "SYMMETRIC_DEFAULT")
            && meta
                .key_usage()
                .is_none_or(|u| u.as_str() == "ENCRYPT_DECRYPT");
        if !symmetric {
            continue;
        }
        let id = meta.key_id().to_string();
        let mut names = aliases_of.remove(&id).unwrap_or_default();
        names.sort();
        choices.push(KmsKeyChoice {
            value: names.first().cloned().unwrap_or_else(|| id.clone()),
            key_id: Some(id),
            aliases: names,
            description: meta
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            manager: meta
                .key_manager()
                .map_or("CUSTOMER", |m| m.as_str())
                .to_string(),
            state: meta
                .key_state()
                .map_or("Enabled", |s| s.as_str())
                .to_string(),
        });
    }
    if !choices
        .iter()
        .any(|c| c.aliases.iter().any(|a| a == DEFAULT_EBS_KEY))
    {
        choices.push(KmsKeyChoice {
            value: DEFAULT_EBS_KEY.to_string(),
            key_id: None,
            aliases: vec![DEFAULT_EBS_KEY.to_string()],
            description: Some(
                "The account's default EBS key (AWS makes it on first use)".to_string(),
            ),
            manager: "AWS".to_string(),
            state: "Enabled".to_string(),
        });
    }
    // The default EBS key first, then customer keys (by their value), then other AWS keys.
    choices.sort_by_key(|c| {
        let default = c.aliases.iter().any(|a| a == DEFAULT_EBS_KEY);
        (!default, c.manager != "CUSTOMER", c.value.clone())
    });
    Ok(choices)
}

/// The alias of the account's AWS-managed EBS key.
const DEFAULT_EBS_KEY: &str = "alias/aws/ebs";
