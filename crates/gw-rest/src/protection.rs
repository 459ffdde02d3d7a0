//! What guards a REST gateway, as comparable attribute text (pure): a method's authorization,
//! the stage's throttles and access log, the API keys and the usage plans. Desired and observed
//! resources build these strings with the same functions, so that a converged gateway plans
//! nothing. None of it is part of the deployment's fingerprint: keys, plans and stage settings
//! take effect without a new deployment.

use crate::resources::published_paths;
use gw_core::{AccessLog, Auth, DesiredGateway, Resource, ResourceKind, Throttle, attr};
use std::collections::BTreeMap;

/// The attribute text of what is not set (no throttle, no quota, no access log).
pub const OFF: &str = "off";

/// How a method's authorization reads: its type, `+API_KEY` when it also requires a key, and
/// `API_KEY` alone for a key without another authorization.
pub fn authorization_text(authorization_type: &str, api_key_required: bool) -> String {
    match (authorization_type, api_key_required) {
        ("NONE" | "", true) => "API_KEY".to_string(),
        ("", false) => "NONE".to_string(),
        (other, true) => format!("{other}+API_KEY"),
        (other, false) => other.to_string(),
    }
}

/// The authorization a route's `ANY` methods carry.
pub(crate) fn desired_authorization(auth: Auth) -> &'static str {
    match auth {
        Auth::None | Auth::Jwt => "NONE",
        Auth::Iam => "AWS_IAM",
        Auth::ApiKey => "API_KEY",
    }
}

/// A throttle, or [`OFF`].
pub fn throttle_text(throttle: Option<Throttle>) -> String {
    throttle.map_or_else(|| OFF.to_string(), |t| t.to_string())
}

/// A throttle as AWS stores it (a rate in requests per second, possibly fractional, and a
/// burst); a rate AWS gives with a fraction keeps it, so that it differs from whole rates.
pub fn observed_throttle_text(rate: f64, burst: i32) -> String {
    if rate.fract() == 0.0 && rate >= 0.0 && rate <= f64::from(u32::MAX) {
        format!("rate={} burst={burst}", rate as u64)
    } else {
        format!("rate={rate} burst={burst}")
    }
}

/// The method path of a stage's method settings: `/iris/ANY` for the resource `/iris`, `//ANY`
/// for the root. In patch paths and settings keys AWS escapes each `/` of it as `~1`.
pub fn method_path(resource_path: &str, method: &str) -> String {
    format!("{resource_path}/{method}")
}

/// A method path as AWS keys it in a stage's method settings (`~1iris/ANY`).
pub fn settings_key(method_path: &str) -> String {
    // The resource part's slashes are escaped; the one before the method is not.
    match method_path.rsplit_once('/') {
        Some((resource, method)) => format!("{}/{method}", resource.replace('/', "~1")),
        None => method_path.to_string(),
    }
}

/// The method path of a method settings key (`~1iris/ANY` -> `/iris/ANY`); `None` for the
/// stage-wide `*/*`.
pub fn method_path_of_key(key: &str) -> Option<String> {
    (key != "*/*").then(|| key.replace("~1", "/"))
}

/// The per-API throttles of the stage: method path -> throttle, for every `ANY` method of a
/// route with an override of its own.
pub(crate) fn desired_route_throttles(desired: &DesiredGateway) -> BTreeMap<String, Throttle> {
    let mut out = BTreeMap::new();
    for route in &desired.routes {
        let Some(throttle) = route.protection.throttle else {
            continue;
        };
        let single = gw_core::DesiredGateway {
            routes: vec![route.clone()],
            ..desired.clone()
        };
        for published in published_paths(&single) {
            out.insert(method_path(&published.path, "ANY"), throttle);
        }
    }
    out
}

/// Per-API throttles as one comparable string: `<method path>=<throttle>;...`, sorted, or
/// [`OFF`].
pub fn route_throttles_text<'a>(
    throttles: impl IntoIterator<Item = (&'a String, String)>,
) -> String {
    let mut parts: Vec<String> = throttles
        .into_iter()
        .map(|(path, throttle)| format!("{path}={throttle}"))
        .collect();
    if parts.is_empty() {
        return OFF.to_string();
    }
    parts.sort();
    parts.join(";")
}

/// Reads [`route_throttles_text`] back: method path -> throttle text.
pub fn parse_route_throttles(text: &str) -> BTreeMap<String, String> {
    if text == OFF {
        return BTreeMap::new();
    }
    text.split(';')
        .filter_map(|part| part.split_once('='))
        .map(|(path, throttle)| (path.to_string(), throttle.to_string()))
        .collect()
}

/// An access log as `<destination ARN> <format digest>`, or [`OFF`].
pub fn access_log_text(destination_arn: &str, format: &str) -> String {
    format!(
        "{destination_arn} {}",
        crate::fingerprint::text_digest(format)
    )
}

fn desired_access_log(access_log: Option<&AccessLog>) -> String {
    access_log.map_or_else(
        || OFF.to_string(),
        |log| access_log_text(&log.destination_arn, &log.format),
    )
}

/// The stage with its settings: default throttle, per-API throttles, access log.
pub(crate) fn stage_resource(desired: &DesiredGateway) -> Resource {
    let routes = desired_route_throttles(desired);
    Resource::new(ResourceKind::Stage, &desired.stage)
        .with(attr::THROTTLE, throttle_text(desired.protection.throttle))
        .with(
            attr::ROUTE_THROTTLES,
            route_throttles_text(routes.iter().map(|(p, t)| (p, t.to_string()))),
        )
        .with(
            attr::ACCESS_LOG,
            desired_access_log(desired.protection.access_log.as_ref()),
        )
}

/// A usage plan's stage as compared: `<API name>:<stage>`.
pub fn api_stage_text(api_name: &str, stage: &str) -> String {
    format!("{api_name}:{stage}")
}

/// Names sorted and comma-joined (a plan's keys, its stages).
pub fn joined(mut names: Vec<String>) -> String {
    names.sort();
    names.dedup();
    names.join(",")
}

/// The API keys and usage plans: keys (compared by value digest only when the configuration
/// supplies the value), then plans bound to the gateway's stage.
pub(crate) fn key_and_plan_resources(desired: &DesiredGateway) -> Vec<Resource> {
    let keys = desired.protection.api_keys.iter().map(|key| {
        let resource = Resource::new(ResourceKind::ApiKey, &key.name);
        match &key.value {
            Some(value) => resource.with(attr::VALUE, value.digest()),
            None => resource,
        }
    });
    let plans = desired.protection.usage_plans.iter().map(|plan| {
        Resource::new(ResourceKind::UsagePlan, &plan.name)
            .with(
                attr::API_STAGES,
                api_stage_text(&desired.name, &desired.stage),
            )
            .with(attr::THROTTLE, throttle_text(plan.throttle))
            .with(
                attr::QUOTA,
                plan.quota
                    .map_or_else(|| OFF.to_string(), |q| q.to_string()),
            )
            .with(attr::KEYS, joined(plan.keys.clone()))
    });
    keys.chain(plans).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_encodes_the_type_and_the_key() {
        assert_eq!(authorization_text("NONE", false), "NONE");
        assert_eq!(authorization_text("NONE", true), "API_KEY");
        assert_eq!(authorization_text("AWS_IAM", false), "AWS_IAM");
        assert_eq!(authorization_text("AWS_IAM", true), "AWS_IAM+API_KEY");
    }

    #[test]
    fn method_paths_escape_the_resource_only() {
        assert_eq!(settings_key("/iris/ANY"), "~1iris/ANY");
        assert_eq!(settings_key("/iris/{proxy+}/ANY"), "~1iris~1{proxy+}/ANY");
        assert_eq!(settings_key("//ANY"), "~1/ANY");
        assert_eq!(
            method_path_of_key("~1iris~1{proxy+}/ANY").as_deref(),
            Some("/iris/{proxy+}/ANY")
        );
        assert_eq!(method_path_of_key("*/*"), None);
    }

    #[test]
    fn throttles_read_back_as_written() {
        let throttle = Throttle { rate: 5, burst: 10 };
        assert_eq!(observed_throttle_text(5.0, 10), throttle.to_string());
        assert_eq!(observed_throttle_text(0.5, 1), "rate=0.5 burst=1");
        let text = route_throttles_text([
            (&"/b/ANY".to_string(), "rate=1 burst=2".to_string()),
            (&"/a/ANY".to_string(), "rate=3 burst=4".to_string()),
        ]);
        assert_eq!(text, "/a/ANY=rate=3 burst=4;/b/ANY=rate=1 burst=2");
        assert_eq!(parse_route_throttles(&text).len(), 2);
        assert_eq!(
            parse_route_throttles(&text)
                .get("/a/ANY")
                .map(String::as_str),
            Some("rate=3 burst=4")
        );
        assert!(parse_route_throttles(OFF).is_empty());
        assert_eq!(route_throttles_text([]), OFF);
    }
}
