//! The AWS SDK configuration: the default credential and region chain, with the overrides the
//! user gave (profile, region, endpoint).

use crate::error::CliError;
use aws_config::{BehaviorVersion, Region, SdkConfig};

pub struct AwsOptions<'a> {
    pub region: Option<&'a str>,
    pub profile: Option<&'a str>,
    pub endpoint_url: Option<&'a str>,
}

/// Loads the SDK configuration and fails early, with the fix, when no region is known:
/// the SDK itself would only fail at the first call, with a less helpful message.
pub async fn load(options: &AwsOptions<'_>) -> Result<SdkConfig, CliError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = options.region {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(url) = options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(CliError::invalid(
            "no AWS region is set: add `region: <region>` to cluster.yaml, pass --region, or set AWS_REGION",
        ));
    }
    Ok(config)
}

pub fn region(config: &SdkConfig) -> String {
    config.region().map(|r| r.to_string()).unwrap_or_default()
}
