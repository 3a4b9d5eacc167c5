//! Each kind of cloud resource a bake makes, one file each: how it is tagged with the bake,
//! found by that tag, and deleted. The steps that create a resource tag it from here, and
//! cleanup (which consumes the ledger) finds and deletes it from here.
//!
//! Every resource carries the tag [`BAKE_ID_TAG`] with its bake's id, so a ledger entry
//! whose create call never answered, and a sweep of the account, can still find it.

pub mod image;
pub mod instance;
pub mod internet_gateway;
pub mod key_pair;
pub mod launch_template;
pub mod route_table;
pub mod security_group;
pub mod snapshot;
pub mod subnet;
pub mod vpc;

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use bakery_history::{LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::Ec2;
use crate::error::{EngineError, aws_error};
use crate::event::BakeEvent;
use crate::spec::Polling;

/// The tag every bake resource carries, so a sweep can find it.
pub const BAKE_ID_TAG: &str = "bakery:bake-id";
/// On a bake's images: the template's file name (`bakery history import --from-account`
/// rebuilds the bake's summary and lineage from these).
pub const TEMPLATE_TAG: &str = "bakery:template";
/// On a bake's images: the SHA-256 of the template as baked (the history's key for it).
pub const TEMPLATE_HASH_TAG: &str = "bakery:template-hash";
/// On a bake's images: the build's name.
pub const BUILD_TAG: &str = "bakery:build";
/// On a bake's images: the image the bake started from.
pub const SOURCE_AMI_TAG: &str = "bakery:source-ami";

/// The user's `tags` plus the lineage tags of a bake's image: template, its hash, build and
/// source image (those known).
pub fn image_tags(
    ctx: &BakeContext,
    build: &str,
    source_ami: Option<&str>,
    tags: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = tags.clone();
    if let Some(name) = ctx
        .template_path
        .as_deref()
        .and_then(|p| std::path::Path::new(p).file_name())
    {
        out.insert(TEMPLATE_TAG.into(), name.to_string_lossy().into_owned());
    }
    if let Some(text) = &ctx.template_text {
        out.insert(
            TEMPLATE_HASH_TAG.into(),
            bakery_history::template_hash(text),
        );
    }
    out.insert(BUILD_TAG.into(), build.into());
    if let Some(source) = source_ami {
        out.insert(SOURCE_AMI_TAG.into(), source.into());
    }
    out
}

/// One kind of cloud resource: found by the bake's tag and deleted.
pub(crate) trait CloudResource {
    /// The ledger's name for this kind.
    const KIND: ResourceKind;

    /// Every resource of this kind in `ec2`'s region that carries [`BAKE_ID_TAG`], of any
    /// bake (a sweep).
    async fn find_tagged(ec2: &Ec2) -> Result<Vec<Tagged>, EngineError>;

    /// Deletes one ledger entry's resource; an entry without an id is found by its name or
    /// by the bake's tag. `Ok(None)`: there is nothing to delete (never made, or gone).
    async fn delete(
        ctx: &BakeContext,
        ec2: &Ec2,
        entry: &LedgerEntry,
        polling: Polling,
    ) -> Result<Option<String>, EngineError>;

    /// A found resource of this kind, with the bake its tags name.
    fn tagged(id: Option<&str>, tags: &[Tag]) -> Tagged {
        Tagged {
            kind: Self::KIND,
            id: id.unwrap_or_default().to_string(),
            bake_id: bake_of(tags),
        }
    }
}

/// A resource found by [`BAKE_ID_TAG`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged {
    /// What it is.
    pub kind: ResourceKind,
    /// Its EC2 id (a key pair's name).
    pub id: String,
    /// The bake its tag names.
    pub bake_id: String,
}

/// The kinds a sweep looks for, in the order it looks (snapshots go with their image).
pub const SWEPT: [ResourceKind; 9] = [
    ResourceKind::Instance,
    ResourceKind::SecurityGroup,
    ResourceKind::LaunchTemplate,
    ResourceKind::KeyPair,
    ResourceKind::Image,
    ResourceKind::Vpc,
    ResourceKind::Subnet,
    ResourceKind::InternetGateway,
    ResourceKind::RouteTable,
];

/// Deletes one ledger entry's resource, whatever its kind; `Ok(None)` when there is nothing
/// to delete.
pub async fn delete(
    ctx: &BakeContext,
    ec2: &Ec2,
    entry: &LedgerEntry,
    polling: Polling,
) -> Result<Option<String>, EngineError> {
    match entry.kind {
        ResourceKind::Instance => instance::Instance::delete(ctx, ec2, entry, polling).await,
        ResourceKind::LaunchTemplate => {
            launch_template::LaunchTemplate::delete(ctx, ec2, entry, polling).await
        }
        ResourceKind::SecurityGroup => {
            security_group::SecurityGroup::delete(ctx, ec2, entry, polling).await
        }
        ResourceKind::KeyPair => key_pair::KeyPair::delete(ctx, ec2, entry, polling).await,
        ResourceKind::Image => image::Image::delete(ctx, ec2, entry, polling).await,
        ResourceKind::Snapshot => snapshot::Snapshot::delete(ctx, ec2, entry, polling).await,
        ResourceKind::RouteTable => route_table::RouteTable::delete(ctx, ec2, entry, polling).await,
        ResourceKind::InternetGateway => {
            internet_gateway::InternetGateway::delete(ctx, ec2, entry, polling).await
        }
        ResourceKind::Subnet => subnet::Subnet::delete(ctx, ec2, entry, polling).await,
        ResourceKind::Vpc => vpc::Vpc::delete(ctx, ec2, entry, polling).await,
    }
}

/// Every resource of `kind` in `ec2`'s region carrying [`BAKE_ID_TAG`].
pub async fn find_tagged(kind: ResourceKind, ec2: &Ec2) -> Result<Vec<Tagged>, EngineError> {
    match kind {
        ResourceKind::Instance => instance::Instance::find_tagged(ec2).await,
        ResourceKind::LaunchTemplate => launch_template::LaunchTemplate::find_tagged(ec2).await,
        ResourceKind::SecurityGroup => security_group::SecurityGroup::find_tagged(ec2).await,
        ResourceKind::KeyPair => key_pair::KeyPair::find_tagged(ec2).await,
        ResourceKind::Image => image::Image::find_tagged(ec2).await,
        ResourceKind::Snapshot => snapshot::Snapshot::find_tagged(ec2).await,
        ResourceKind::RouteTable => route_table::RouteTable::find_tagged(ec2).await,
        ResourceKind::InternetGateway => internet_gateway::InternetGateway::find_tagged(ec2).await,
        ResourceKind::Subnet => subnet::Subnet::find_tagged(ec2).await,
        ResourceKind::Vpc => vpc::Vpc::find_tagged(ec2).await,
    }
}

/// Deletes one ledger entry's resource now (mid-bake, e.g. the unencrypted image an
/// encrypted copy replaces) and closes the entry.
pub async fn delete_now(
    ctx: &BakeContext,
    ec2: &Ec2,
    entry_id: i64,
    polling: Polling,
) -> Result<(), EngineError> {
    let Some(entry) = ctx
        .history
        .ledger(&ctx.bake_id)?
        .into_iter()
        .find(|e| e.id == entry_id)
    else {
        return Ok(());
    };
    if let Some(id) = delete(ctx, ec2, &entry, polling).await? {
        ctx.emit(BakeEvent::ResourceDeleted {
            kind: entry.kind,
            id,
            region: entry.region.clone(),
        });
    }
    ctx.history.mark_deleted(entry.id, &ctx.now())?;
    Ok(())
}

/// Tags for a resource of the bake, given when it is created: the user's tags plus
/// [`BAKE_ID_TAG`].
pub fn tag_spec(
    resource: ResourceType,
    bake_id: &str,
    user_tags: &BTreeMap<String, String>,
) -> TagSpecification {
    let mut spec = TagSpecification::builder()
        .resource_type(resource)
        .tags(bake_tag(bake_id));
    for (key, value) in user_tags {
        spec = spec.tags(Tag::builder().key(key).value(value).build());
    }
    spec.build()
}

/// Tags resources that exist already with the bake id and `tags` (CreateTags).
pub async fn tag_resources(
    ctx: &BakeContext,
    ec2: &Ec2,
    resources: &[String],
    tags: &BTreeMap<String, String>,
) -> Result<(), EngineError> {
    if resources.is_empty() {
        return Ok(());
    }
    let mut request = ec2
        .client
        .create_tags()
        .set_resources(Some(resources.to_vec()))
        .tags(bake_tag(&ctx.bake_id));
    for (key, value) in tags {
        request = request.tags(Tag::builder().key(key).value(value).build());
    }
    request
        .send()
        .await
        .map_err(|e| aws_error("CreateTags", &ec2.region, e))?;
    Ok(())
}

/// The tag `bakery:bake-id=<bake_id>`.
pub fn bake_tag(bake_id: &str) -> Tag {
    Tag::builder().key(BAKE_ID_TAG).value(bake_id).build()
}

/// The filter for resources of one bake (`tag:bakery:bake-id` = `bake_id`).
fn of_bake(bake_id: &str) -> Filter {
    Filter::builder()
        .name(format!("tag:{BAKE_ID_TAG}"))
        .values(bake_id)
        .build()
}

/// The filter for resources of any bake (the tag key is there).
fn of_any_bake() -> Filter {
    Filter::builder()
        .name("tag-key")
        .values(BAKE_ID_TAG)
        .build()
}

/// The bake a resource's tags name ("" when none does).
fn bake_of(tags: &[Tag]) -> String {
    tags.iter()
        .find(|t| t.key() == Some(BAKE_ID_TAG))
        .and_then(|t| t.value())
        .unwrap_or_default()
        .to_string()
}

/// A delete call's answer: `Ok(None)` when EC2 says the resource is not there (any more).
fn deleted<T>(id: String, answer: Result<T, EngineError>) -> Result<Option<String>, EngineError> {
    match answer {
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
        Ok(_) => Ok(Some(id)),
    }
}
