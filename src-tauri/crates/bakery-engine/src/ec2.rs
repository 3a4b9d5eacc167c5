//! EC2 access for one region: the SDK client with retries for throttling, 5xx and dropped
//! connections (jittered exponential backoff), and our own polling (no 15 s waiter floor).
//! How each kind of resource is tagged lives in [`crate::resources`].

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::config::Region;
use aws_sdk_ec2::types::Filter;

use crate::EngineError;
use crate::context::BakeContext;
use crate::event::{BakeEvent, StepName};
use crate::spec::Polling;

/// An EC2 client bound to one region.
#[derive(Debug, Clone)]
pub struct Ec2 {
    /// The SDK client, with the bake's retry settings.
    pub client: Client,
    /// The region it calls.
    pub region: String,
}

impl Ec2 {
    /// A client for `region` with the credentials and endpoint of `sdk`; a throttled or
    /// failed call is tried up to 10 times, backing off from 100 ms to 10 s.
    pub fn new(sdk: &SdkConfig, region: &str) -> Self {
        let config = aws_sdk_ec2::config::Builder::from(sdk)
            .region(Region::new(region.to_string()))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(10)
                    .with_initial_backoff(Duration::from_millis(100))
                    .with_max_backoff(Duration::from_secs(10)),
            )
            .build();
        Self {
            client: Client::from_conf(config),
            region: region.to_string(),
        }
    }
}

impl Ec2 {
    /// The instance `id` as EC2 describes it now (`None`: not listed yet).
    pub async fn instance(
        &self,
        id: &str,
    ) -> Result<Option<aws_sdk_ec2::types::Instance>, EngineError> {
        let described = self
            .client
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .map_err(|e| crate::error::aws_error("DescribeInstances", &self.region, e))?;
        Ok(described
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .next()
            .cloned())
    }

    /// The image `id` as EC2 describes it now (`None`: not listed yet).
    pub async fn image(&self, id: &str) -> Result<Option<aws_sdk_ec2::types::Image>, EngineError> {
        let described = self
            .client
            .describe_images()
            .image_ids(id)
            .send()
            .await
            .map_err(|e| crate::error::aws_error("DescribeImages", &self.region, e))?;
        Ok(described.images().first().cloned())
    }
}

/// Polls `probe` until it returns `Some(T)`. EC2 never changes state the instant it is asked
/// to, so the first poll comes after 500 ms; then the wait grows by half each time up to
/// `polling.delay` (not the SDK waiters' fixed 15 s). Polls planned before the bake's
/// pending floor (see [`BakeContext`]) are skipped. Reports state changes; fails after
/// `polling.max_attempts` polls or on cancel.
pub async fn poll_until<T, F, Fut>(
    ctx: &BakeContext,
    step: StepName,
    what: &str,
    polling: Polling,
    mut probe: F,
) -> Result<T, EngineError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(Option<T>, String), EngineError>>,
{
    let started = Instant::now();
    let cap = polling.delay.max(Duration::from_millis(100));
    let mut delay = Duration::from_millis(500).min(cap);
    let floor = ctx
        .pending_floor
        .lock()
        .map(|f| f.unwrap_or_default())
        .unwrap_or_default();
    let mut planned = Duration::ZERO;
    let mut last_state = String::new();
    let mut last_pending = Duration::ZERO;
    let mut attempt = 0;
    while attempt < polling.max_attempts.max(1) {
        // Walk the schedule; polls planned before the floor are skipped, not made.
        planned += delay;
        delay = delay.mul_f64(1.5).min(cap);
        if planned < floor {
            continue;
        }
        attempt += 1;
        let wait = planned.saturating_sub(started.elapsed());
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = ctx.cancel.cancelled() => return Err(EngineError::Cancelled(step)),
        }
        let (done, state) = probe().await?;
        if let Some(value) = done {
            if let Ok(mut f) = ctx.pending_floor.lock() {
                *f = Some(f.map_or(last_pending, |old| old.min(last_pending)));
            }
            return Ok(value);
        }
        last_pending = started.elapsed();
        if state != last_state {
            ctx.emit(BakeEvent::Waiting {
                what: what.to_string(),
                state: state.clone(),
                attempt,
            });
            last_state = state;
        }
    }
    Err(EngineError::Timeout {
        what: what.to_string(),
        after: started.elapsed(),
        state: last_state,
    })
}

/// The SDK's form of a template block device.
pub fn block_device(device: &crate::spec::BlockDevice) -> aws_sdk_ec2::types::BlockDeviceMapping {
    use aws_sdk_ec2::types::{BlockDeviceMapping, EbsBlockDevice, VolumeType};
    let mut mapping = BlockDeviceMapping::builder()
        .set_device_name(device.device_name.clone())
        .set_virtual_name(device.virtual_name.clone());
    if device.no_device == Some(true) {
        return mapping.no_device("").build();
    }
    if device.virtual_name.is_none() {
        mapping = mapping.ebs(
            EbsBlockDevice::builder()
                .set_volume_size(device.volume_size.map(|v| v as i32))
                .set_volume_type(device.volume_type.as_deref().map(VolumeType::from))
                .delete_on_termination(device.delete_on_termination.unwrap_or(true))
                .set_encrypted(device.encrypted)
                .set_kms_key_id(device.kms_key_id.clone())
                .set_iops(device.iops.map(|v| v as i32))
                .set_throughput(device.throughput.map(|v| v as i32))
                .set_snapshot_id(device.snapshot_id.clone())
                .build(),
        );
    }
    mapping.build()
}

/// EC2 filters from a template's `filters` map.
pub fn ec2_filters(filters: &BTreeMap<String, Vec<String>>) -> Vec<Filter> {
    filters
        .iter()
        .map(|(name, values)| {
            Filter::builder()
                .name(name)
                .set_values(Some(values.clone()))
                .build()
        })
        .collect()
}

/// `name=value` pairs of a filter map, for messages.
pub fn describe_filters(filters: &BTreeMap<String, Vec<String>>) -> String {
    filters
        .iter()
        .map(|(name, values)| format!("{name}={}", values.join(",")))
        .collect::<Vec<_>>()
        .join(" ")
}
