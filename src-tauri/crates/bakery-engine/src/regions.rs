//! AWS regions: every region the account can use (for a sweep), and what to say when a
//! region a template names does not exist (with the closest name).

use aws_config::SdkConfig;

use crate::ec2::Ec2;
use crate::error::{EngineError, aws_error};

/// Every region the account can use (for a sweep).
pub async fn all_regions(sdk: &SdkConfig, home_region: &str) -> Result<Vec<String>, EngineError> {
    let regions = Ec2::new(sdk, home_region)
        .client
        .describe_regions()
        .send()
        .await
        .map_err(|e| aws_error("DescribeRegions", home_region, e))?;
    Ok(regions
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect())
}

/// A call to `target` failed: if the region does not exist, say so (with the closest name,
/// asked of us-east-1), else pass the error on. Only asked on failure: no call is spent on
/// it when the regions are right.
pub async fn diagnose_region(sdk: &SdkConfig, target: &str, err: EngineError) -> EngineError {
    let Ok(regions) = Ec2::new(sdk, "us-east-1")
        .client
        .describe_regions()
        .all_regions(true)
        .send()
        .await
    else {
        return err;
    };
    let known: Vec<&str> = regions
        .regions()
        .iter()
        .filter_map(|r| r.region_name())
        .collect();
    if known.contains(&target) {
        return err;
    }
    let close = bakery_template::did_you_mean(target, known.iter().copied())
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default();
    EngineError::Preflight(format!(
        "region `{target}` does not exist{close}; check region and ami_regions"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn region_typos_find_the_region() {
        let known = ["us-east-1", "us-west-1", "eu-west-1", "eu-west-2"];
        let near = |typo| bakery_template::did_you_mean(typo, known.iter().copied());
        assert_eq!(near("eu-wset-1"), Some("eu-west-1"));
        assert_eq!(near("us-eats-1"), Some("us-east-1"));
    }
}
