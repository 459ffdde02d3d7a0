//! The AWS SDK configuration: the default credential and region chain, with the overrides the
//! user gave (profile, region, endpoint).

use crate::error::CliError;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::time::Duration;

/// Attempts per call unless AWS_MAX_ATTEMPTS / AWS_RETRY_MODE say otherwise. API Gateway's
/// control plane allows a few calls per second per account (deletions far fewer): the adaptive
/// mode adds a client-side rate limiter that slows down once AWS starts throttling.
const MAX_ATTEMPTS: u32 = 5;

/// The retry policy: the user's (environment or profile) when set, else adaptive.
fn retry_config() -> Option<RetryConfig> {
    let user_set = ["AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"]
        .iter()
        .any(|var| std::env::var_os(var).is_some());
    (!user_set).then(|| {
        RetryConfig::adaptive()
            .with_max_attempts(MAX_ATTEMPTS)
            .with_max_backoff(Duration::from_secs(20))
    })
}

/// Bounded calls: an unreachable endpoint fails in seconds, a stuck call does not hang `up`.
fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(30))
        .operation_attempt_timeout(Duration::from_secs(60))
        .build()
}

pub struct AwsOptions<'a> {
    pub region: Option<&'a str>,
    pub profile: Option<&'a str>,
    pub endpoint_url: Option<&'a str>,
}

/// Loads the SDK configuration and fails early, with the fix, when no region is known:
/// the SDK itself would only fail at the first call, with a less helpful message.
pub async fn load(options: &AwsOptions<'_>) -> Result<SdkConfig, CliError> {
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeout_config());
    if let Some(retry) = retry_config() {
        loader = loader.retry_config(retry);
    }
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
