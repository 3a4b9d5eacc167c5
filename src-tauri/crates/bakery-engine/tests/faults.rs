//! A bake on a bad day: 20% of EC2 calls throttled or 503, and dropped connections.
//! Retries with jittered backoff carry it through; nothing is left behind.

mod support;

use bakery_tests::fault_proxy::{FaultPlan, FaultProxy};
use support::{Harness, article_spec, leftovers, sdk_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bake_succeeds_through_throttling_503s_and_dropped_connections() {
    let sandbox = bakery_tests::sandbox();
    let proxy = FaultProxy::start(
        sandbox.endpoint(),
        FaultPlan {
            throttle: 0.10,
            unavailable: 0.10,
            drop_every: 9,
            seed: 7,
        },
    );
    let sdk = sdk_for(&proxy.endpoint).await;
    let harness = Harness::new();
    let (ctx, _rx) = harness.context("bad-day");
    let mut spec = article_spec(&sandbox, "bad day");
    spec.ami_regions = vec!["us-west-2".into()];

    let result = bakery_engine::bake(&ctx, &sdk, &spec).await;
    let counts = proxy.counts();
    let result = result.unwrap_or_else(|err| panic!("the bake failed: {err}; faults: {counts:?}"));
    assert_eq!(result.artifacts.len(), 2);
    assert!(
        counts.throttled > 0 && counts.unavailable > 0 && counts.dropped > 0,
        "{counts:?}"
    );
    let faults = counts.throttled + counts.unavailable + counts.dropped;
    let total = faults + counts.forwarded;
    assert!(
        faults * 100 / total >= 15,
        "about a fifth of the calls failed: {counts:?}"
    );
    for region in ["us-east-1", "us-west-2"] {
        let left = leftovers(&sandbox, region);
        assert!(
            left.instances.is_empty() && left.key_pairs.is_empty(),
            "{left:?}"
        );
        assert!(left.security_groups.is_empty(), "{left:?}");
    }
}
