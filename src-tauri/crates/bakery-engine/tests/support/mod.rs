//! Shared helpers for the engine's sandbox tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_ec2::config::Credentials;
use bakery_engine::{
    BakeContext, BakeEvent, BakeSpec, Polling, Provisioner, ShellProvisioner, SourceImage, SshSpec,
};
use bakery_history::History;
use bakery_sandbox::Sandbox;
use tokio::sync::mpsc;

pub async fn sdk_for(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "testing", "testing", None, None, "sandbox",
        ))
        .load()
        .await
}

/// The article's template, pointed at the sandbox's SSH stand-in.
pub fn article_spec(sandbox: &Sandbox, ami_name: &str) -> BakeSpec {
    BakeSpec {
        build_name: "amazon-ebs".into(),
        region: "us-east-1".into(),
        source: Some(SourceImage::Filter {
            filters: BTreeMap::from([
                (
                    "name".to_string(),
                    vec!["al2023-ami-2023.*-x86_64".to_string()],
                ),
                ("architecture".to_string(), vec!["x86_64".to_string()]),
            ]),
            owners: vec!["amazon".into()],
            most_recent: true,
        }),
        instance_type: "t2.micro".into(),
        ami_name: ami_name.into(),
        ssh: SshSpec {
            username: "root".into(),
            host: Some("127.0.0.1".into()),
            port: sandbox.ssh_port(),
            timeout: Duration::from_secs(30),
            interface: None,
            bastion: None,
            pty: false,
        },
        tags: BTreeMap::from([("Name".to_string(), ami_name.to_string())]),
        provisioners: vec![Provisioner::Shell(ShellProvisioner {
            inline: vec![
                "echo hello from the bake".into(),
                "echo \"built by $PACKER_BUILD_NAME\"".into(),
            ],
            ..Default::default()
        })],
        polling: Polling {
            delay: Duration::from_millis(500),
            max_attempts: 60,
        },
        ..Default::default()
    }
}

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub history: Arc<History>,
}

/// A stamped-event sender whose receiver gets the bare events (the tests match on those).
pub fn unstamped() -> (
    mpsc::UnboundedSender<bakery_engine::StampedEvent>,
    mpsc::UnboundedReceiver<BakeEvent>,
) {
    let (stamped_tx, mut stamped_rx) = mpsc::unbounded_channel::<bakery_engine::StampedEvent>();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(stamped) = stamped_rx.recv().await {
            if tx.send(stamped.event).is_err() {
                break;
            }
        }
    });
    (stamped_tx, rx)
}

impl Harness {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let history = Arc::new(History::open_in(dir.path()).unwrap());
        Self { dir, history }
    }

    pub fn context(&self, bake_id: &str) -> (BakeContext, mpsc::UnboundedReceiver<BakeEvent>) {
        let mut ctx = BakeContext::new(bake_id, self.history.clone(), self.data_dir().into());
        let (tx, rx) = unstamped();
        ctx.events = Some(tx);
        (ctx, rx)
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }
}

/// What a bake could have left in the account, by region.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Leftovers {
    pub instances: Vec<String>,
    pub security_groups: Vec<String>,
    pub key_pairs: Vec<String>,
    pub images: Vec<String>,
    pub snapshots: Vec<String>,
    /// VPCs other than the default one (a temporary VPC left behind).
    pub vpcs: Vec<String>,
}

impl Leftovers {
    pub fn is_empty(&self) -> bool {
        *self == Leftovers::default()
    }
}

/// Lists the account in `region` as a user would, to prove nothing was left behind.
pub fn leftovers(sandbox: &Sandbox, region: &str) -> Leftovers {
    let instances = sandbox.ec2(region, "DescribeInstances", &[]).unwrap();
    let doc = roxmltree_like_states(&instances.xml);
    let groups = sandbox
        .ec2(region, "DescribeSecurityGroups", &[])
        .unwrap()
        .texts("groupName")
        .into_iter()
        .filter(|n| n.starts_with("bakery_"))
        .collect();
    let keys = sandbox
        .ec2(region, "DescribeKeyPairs", &[])
        .unwrap()
        .texts("keyName");
    let images = sandbox
        .ec2(region, "DescribeImages", &[("Owner.1", "self")])
        .unwrap()
        .texts("imageId");
    // The catalogue's own snapshots are listed as the account's in moto: not leftovers.
    let catalogue: Vec<String> = sandbox
        .ec2(
            region,
            "DescribeImages",
            &[
                ("Owner.1", "amazon"),
                ("Owner.2", "099720109477"),
                ("Owner.3", "136693071363"),
            ],
        )
        .unwrap()
        .texts("snapshotId");
    let snapshots = sandbox
        .ec2(region, "DescribeSnapshots", &[("Owner.1", "self")])
        .unwrap()
        .texts("snapshotId")
        .into_iter()
        .filter(|s| !catalogue.contains(s))
        .collect();
    let vpcs = sandbox
        .ec2(
            region,
            "DescribeVpcs",
            &[
                ("Filter.1.Name", "is-default"),
                ("Filter.1.Value.1", "false"),
            ],
        )
        .unwrap()
        .texts("vpcId");
    Leftovers {
        vpcs,
        instances: doc,
        security_groups: groups,
        key_pairs: keys,
        images,
        snapshots,
    }
}

/// Instance ids whose state is not `terminated`.
fn roxmltree_like_states(xml: &str) -> Vec<String> {
    let response = bakery_sandbox::QueryResponse {
        xml: xml.to_string(),
    };
    let ids = response.texts("instanceId");
    let states: Vec<String> = response
        .texts("name")
        .into_iter()
        .filter(|s| {
            [
                "pending",
                "running",
                "stopping",
                "stopped",
                "shutting-down",
                "terminated",
            ]
            .contains(&s.as_str())
        })
        .collect();
    ids.into_iter()
        .zip(states)
        .filter(|(_, state)| state != "terminated")
        .map(|(id, _)| id)
        .collect()
}

/// Collects every event until the channel closes.
pub async fn drain(mut rx: mpsc::UnboundedReceiver<BakeEvent>) -> Vec<BakeEvent> {
    let mut events = Vec::new();
    while let Some(event) = rx.recv().await {
        events.push(event);
    }
    events
}
