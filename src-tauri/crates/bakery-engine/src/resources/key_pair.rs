//! The temporary key pair: tagged at import, found by tag, deleted by its name (known
//! before it exists).

use aws_sdk_ec2::types::{ResourceType, TagSpecification};
use bakery_history::{LedgerEntry, ResourceKind};

use crate::context::BakeContext;
use crate::ec2::Ec2;
use crate::error::{EngineError, aws_error};
use crate::resources::{CloudResource, Tagged, of_any_bake, tag_spec};
use crate::spec::Polling;

/// An EC2 key pair.
pub struct KeyPair;

impl KeyPair {
    /// The key pair's tags at import: the bake id.
    pub fn tags(bake_id: &str) -> TagSpecification {
        tag_spec(ResourceType::KeyPair, bake_id, &Default::default())
    }
}

impl CloudResource for KeyPair {
    const KIND: ResourceKind = ResourceKind::KeyPair;

    async fn find_tagged(ec2: &Ec2) -> Result<Vec<Tagged>, EngineError> {
        let keys = ec2
            .client
            .describe_key_pairs()
            .filters(of_any_bake())
            .send()
            .await
            .map_err(|e| aws_error("DescribeKeyPairs", &ec2.region, e))?;
        Ok(keys
            .key_pairs()
            .iter()
            .map(|k| Self::tagged(k.key_name(), k.tags()))
            .collect())
    }

    async fn delete(
        _ctx: &BakeContext,
        ec2: &Ec2,
        entry: &LedgerEntry,
        _polling: Polling,
    ) -> Result<Option<String>, EngineError> {
        let Some(name) = entry.resource_id.clone().or_else(|| entry.name.clone()) else {
            return Ok(None);
        };
        // DeleteKeyPair succeeds for a missing key: nothing to look up first.
        ec2.client
            .delete_key_pair()
            .key_name(&name)
            .send()
            .await
            .map_err(|e| aws_error("DeleteKeyPair", &entry.region, e))?;
        Ok(Some(name))
    }
}
