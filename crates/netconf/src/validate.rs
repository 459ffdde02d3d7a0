//! Validation rules, as pure functions of values.
//!
//! Each rule returns a [`Problem`] (what is wrong and how to fix it); the loader
//! attaches the file, field and value to make a [`crate::Diagnostic`].

use crate::model::{API_KINDS, GatewayKind, VpcLinkVersion, one_of};

/// What is wrong with a value, and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub message: String,
    pub fix: String,
}

impl Problem {
    fn new(message: impl Into<String>, fix: impl Into<String>) -> Self {
        Problem {
            message: message.into(),
            fix: fix.into(),
        }
    }
}

type Rule = Result<(), Problem>;

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// A name of Cortex's: lower-case letters, digits and `-`, starting with a letter.
fn lower_name(name: &str, fix: &str) -> Rule {
    if name.is_empty() {
        return Err(Problem::new("must not be empty", fix));
    }
    if !name.chars().all(|c| is_lower_alnum(c) || c == '-') {
        return Err(Problem::new(
            "may only contain lower-case letters, digits and `-`",
            fix,
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(Problem::new("must start with a letter", fix));
    }
    Ok(())
}

/// Cortex's `cluster_name`: 1-54 chars, lower-case alphanumerics and `-`, starts
/// with a letter, does not end with `-`.
pub(crate) fn cluster_name(name: &str) -> Rule {
    let fix = "use 1-54 lower-case letters, digits and `-`, starting with a letter and not ending with `-`";
    let length = name.chars().count();
    if length > 54 {
        return Err(Problem::new(
            format!("is {length} characters long; at most 54 allowed"),
            fix,
        ));
    }
    lower_name(name, fix)?;
    if name.ends_with('-') {
        return Err(Problem::new("must not end with `-`", fix));
    }
    Ok(())
}

/// True for AWS region codes: `^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$`.
pub(crate) fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let letters = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase());
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let partition = |s: &str| {
        s == "gov"
            || s.strip_prefix("iso")
                .is_some_and(|r| r.chars().all(|c| c.is_ascii_lowercase()))
    };
    let country = |s: &str| s.len() == 2 && letters(s);
    match parts.as_slice() {
        [cc, area, n] => country(cc) && letters(area) && digits(n),
        [cc, p, area, n] => country(cc) && partition(p) && letters(area) && digits(n),
        _ => false,
    }
}

/// An AWS region code such as `us-east-1`.
pub(crate) fn region(region: &str) -> Rule {
    if is_region(region) {
        return Ok(());
    }
    let fix = if region != region.to_ascii_lowercase() && is_region(&region.to_ascii_lowercase()) {
        format!("write it in lower case: `{}`", region.to_ascii_lowercase())
    } else {
        "use an AWS region code such as `us-east-1`, `eu-central-2` or `us-gov-west-1`".to_string()
    };
    Err(Problem::new("is not an AWS region code", fix))
}

fn is_partition(p: &str) -> bool {
    p.starts_with("aws")
        && p.split('-')
            .all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase()))
}

fn is_account(a: &str) -> bool {
    a.len() == 12 && a.chars().all(|c| c.is_ascii_digit())
}

/// `arn:<partition>:acm:<region>:<12 digits>:certificate/<id>`.
pub(crate) fn certificate_arn(arn: &str) -> Rule {
    let fix = "use the ARN of an ACM certificate, like `arn:aws:acm:us-east-1:123456789012:certificate/<id>`";
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = match parts.as_slice() {
        ["arn", partition, "acm", region, account, resource] => {
            is_partition(partition)
                && is_region(region)
                && is_account(account)
                && resource.strip_prefix("certificate/").is_some_and(|id| {
                    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Problem::new("is not an ACM certificate ARN", fix))
    }
}

/// A Cortex API name: lower-case alphanumerics and `-`, starting with a letter.
pub(crate) fn api_name(name: &str) -> Rule {
    lower_name(
        name,
        "use lower-case letters, digits and `-`, starting with a letter",
    )
}

/// One of the Cortex API kinds.
pub(crate) fn api_kind(kind: &str) -> Rule {
    if API_KINDS.contains(&kind) {
        return Ok(());
    }
    let fix = match API_KINDS.iter().find(|k| k.eq_ignore_ascii_case(kind)) {
        Some(k) => format!("use `{k}` (kinds are case-sensitive)"),
        None => format!("use {}", one_of(API_KINDS)),
    };
    Err(Problem::new("is not a Cortex API kind", fix))
}

/// A valid endpoint close to `raw` (lower-cased, other characters dropped, `/` in front,
/// repeated `/` collapsed), when there is one and `raw` is short enough to echo.
pub(crate) fn endpoint_like(raw: &str) -> Option<String> {
    if !crate::text::plain(raw) {
        return None;
    }
    let mut out = String::from("/");
    for c in raw.to_ascii_lowercase().chars() {
        if is_lower_alnum(c) || matches!(c, '-' | '_' | '.') || (c == '/' && !out.ends_with('/')) {
            out.push(c);
        }
    }
    endpoint(&out).ok()
}

/// The fix for an invalid endpoint: a valid one close to it, or the rule.
fn endpoint_fix(raw: &str, rule: &str) -> String {
    match endpoint_like(raw) {
        Some(good) => format!("use `{good}`"),
        None => format!("{rule}, e.g. `/<api name>` such as `/iris`"),
    }
}

/// Cortex's endpoint rules; returns the normalised endpoint (trailing slash trimmed).
pub(crate) fn endpoint(endpoint: &str) -> Result<String, Problem> {
    if !endpoint.starts_with('/') {
        return Err(Problem::new(
            "must start with `/`",
            endpoint_fix(endpoint, "start the path with `/`"),
        ));
    }
    if endpoint.contains("//") {
        return Err(Problem::new(
            "must not contain adjacent slashes `//`",
            endpoint_fix(endpoint, "remove the repeated `/`"),
        ));
    }
    if let Some(bad) = endpoint
        .chars()
        .find(|&c| !(is_lower_alnum(c) || matches!(c, '/' | '-' | '_' | '.')))
    {
        return Err(Problem::new(
            format!(
                "contains `{}`; only lower-case letters, digits and `/ - _ .` are allowed",
                crate::text::escape(&bad.to_string())
            ),
            endpoint_fix(
                endpoint,
                "use only lower-case letters, digits and `/ - _ .`",
            ),
        ));
    }
    let trimmed = endpoint.trim_end_matches('/');
    if trimmed.is_empty() {
        return Err(Problem::new(
            "must not be `/` alone",
            "give the API its own path, e.g. `/<api name>`",
        ));
    }
    Ok(trimmed.to_string())
}

/// Parses `networking.timeout` written as a string: `45`, `45s`, `2m`, `1m30s`, `1h`.
pub(crate) fn parse_duration_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut last_unit = u8::MAX;
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        // Units must come in decreasing order (h, m, s), each once, each after a number.
        let (unit_rank, factor) = match c {
            'h' => (2u8, 3600u64),
            'm' => (1, 60),
            's' => (0, 1),
            _ => return None,
        };
        if number.is_empty() || unit_rank >= last_unit {
            return None;
        }
        let n: u64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(factor)?)?;
        number.clear();
        last_unit = unit_rank;
    }
    if !number.is_empty() {
        return None;
    }
    Some(total)
}

/// A timeout of zero is meaningless.
pub(crate) fn timeout(seconds: u64) -> Rule {
    if seconds == 0 {
        Err(Problem::new(
            "must be at least 1 second",
            "use a positive number of seconds, e.g. `30`",
        ))
    } else {
        Ok(())
    }
}

/// The warning for an API whose timeout exceeds what the gateway allows.
pub(crate) fn timeout_limit(api: &str, seconds: u64, gateway: GatewayKind) -> Option<Problem> {
    let limit = gateway.max_integration_timeout_seconds();
    if seconds <= limit {
        return None;
    }
    let product = gateway.label();
    Some(Problem::new(
        format!(
            "API `{api}` expects requests of up to {seconds} s, but an API Gateway {product} cuts requests off after {limit} s"
        ),
        format!(
            "keep requests to `{api}` under {limit} s, or set `networking.api_gateway: none` for it and call it through the load balancer"
        ),
    ))
}

/// `gateway.stage`: what [`GatewayKind::accepts_stage`] accepts. A name only another kind
/// accepts (`$default` on a REST API) is named as such, with this kind's default as the fix.
pub(crate) fn stage(stage: &str, gateway: GatewayKind) -> Rule {
    const NAMED: &str = "1-128 letters, digits, `_` and `-`";
    if gateway.accepts_stage(stage) {
        return Ok(());
    }
    let default = gateway.default_stage();
    let others: Vec<&str> = GatewayKind::ALL
        .iter()
        .filter(|kind| kind.accepts_stage(stage))
        .map(|kind| kind.label())
        .collect();
    if !others.is_empty() {
        return Err(Problem::new(
            format!("`{stage}` exists only for {}s", others.join("s and ")),
            format!("use {NAMED} (e.g. `{default}`), or remove `gateway.stage` to get `{default}`"),
        ));
    }
    // A default outside the common rule (`$default`) is worth naming in the fix.
    let fix = if GatewayKind::ALL
        .iter()
        .all(|kind| kind.accepts_stage(default))
    {
        format!("use {NAMED}")
    } else {
        format!("use `{default}` or {NAMED}")
    };
    Err(Problem::new(
        format!("is not a valid {} stage name", gateway.label()),
        fix,
    ))
}

/// `gateway.domain`: a concrete DNS hostname.
pub(crate) fn domain(domain: &str) -> Rule {
    let fix = "use a hostname such as `api.example.com` (lower-case letters, digits and `-`, dot-separated)";
    if domain.starts_with("*.") {
        return Err(Problem::new(
            "wildcard domains are not supported: the custom domain must be a concrete hostname",
            "use the exact hostname, e.g. `api.example.com`",
        ));
    }
    if domain.len() > 253 {
        return Err(Problem::new(
            format!("is {} characters long; at most 253 allowed", domain.len()),
            fix,
        ));
    }
    if domain != domain.to_ascii_lowercase() {
        let lower = domain.to_ascii_lowercase();
        let fix = if crate::text::plain(&lower) && self::domain(&lower).is_ok() {
            format!("use `{lower}`")
        } else {
            fix.to_string()
        };
        return Err(Problem::new("must be lower case", fix));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(Problem::new(
            "must have at least two labels (e.g. `example.com`)",
            fix,
        ));
    }
    for label in &labels {
        if label.is_empty() || label.len() > 63 {
            return Err(Problem::new(
                "each dot-separated label must be 1-63 characters long",
                fix,
            ));
        }
        if !label.chars().all(|c| is_lower_alnum(c) || c == '-') {
            return Err(Problem::new(
                "may only contain lower-case letters, digits, `-` and `.`",
                fix,
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(Problem::new("labels must not start or end with `-`", fix));
        }
    }
    Ok(())
}

/// `load_balancer`: a load balancer name or an Elastic Load Balancing ARN.
pub(crate) fn load_balancer(value: &str) -> Rule {
    if value.starts_with("arn:") {
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        let ok = match parts.as_slice() {
            [
                "arn",
                partition,
                "elasticloadbalancing",
                region,
                account,
                resource,
            ] => {
                is_partition(partition)
                    && is_region(region)
                    && is_account(account)
                    && resource
                        .strip_prefix("loadbalancer/")
                        .is_some_and(|r| !r.is_empty())
            }
            _ => false,
        };
        return if ok {
            Ok(())
        } else {
            Err(Problem::new(
                "is not an Elastic Load Balancing load balancer ARN",
                "use `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/...`, or the load balancer's name",
            ))
        };
    }
    let fix = "use the load balancer's name (1-32 letters, digits and `-`, not starting or ending with `-`) or its ARN";
    let ok = (1..=32).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Problem::new("is not a load balancer name or ARN", fix))
    }
}

/// `gateway.vpc_link_timeout_seconds`: 10 to 3600.
pub(crate) fn vpc_link_timeout(seconds: u64) -> Rule {
    if (10..=3600).contains(&seconds) {
        Ok(())
    } else {
        Err(Problem::new(
            "must be between 10 and 3600 seconds",
            "use a value from 10 to 3600 (default 600)",
        ))
    }
}

/// `gateway.cors.max_age_seconds`: what API Gateway accepts (-1 to 86400).
pub(crate) fn cors_max_age(seconds: i32) -> Rule {
    if (-1..=86_400).contains(&seconds) {
        Ok(())
    } else {
        Err(Problem::new(
            "must be between -1 and 86400 seconds",
            "use a value from 0 to 86400",
        ))
    }
}

/// `gateway.vpc_link` against `gateway.type`.
pub(crate) fn vpc_link_for(gateway: GatewayKind, link: VpcLinkVersion) -> Rule {
    match (gateway, link) {
        (GatewayKind::Http, VpcLinkVersion::V1) => Err(Problem::new(
            "HTTP APIs only connect through VPC link v2",
            "set `gateway.vpc_link: v2` (or remove it), or use `gateway.type: rest`",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_names() {
        for ok in ["cortex", "a", "my-cluster-2", &"a".repeat(54)] {
            assert_eq!(cluster_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "2cortex",
            "Cortex",
            "my_cluster",
            "cortex-",
            "-cortex",
            &"a".repeat(55),
        ] {
            assert!(cluster_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            cluster_name("cortex-").unwrap_err().message,
            "must not end with `-`"
        );
        assert_eq!(
            cluster_name("9x").unwrap_err().message,
            "must start with a letter"
        );
    }

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "cn-north-1",
            "ap-southeast-4",
            "us-isob-east-1",
            "us-iso-east-1",
        ] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "useast-1",
            "us-east-1a",
            "US-EAST-1",
            "usa-east-1",
            "us-foo-west-1",
            "us--1",
            "us-east-1-",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
        assert_eq!(
            region("US-EAST-1").unwrap_err().fix,
            "write it in lower case: `us-east-1`"
        );
    }

    #[test]
    fn certificate_arns() {
        assert_eq!(
            certificate_arn(
                "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
            ),
            Ok(())
        );
        assert_eq!(
            certificate_arn("arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/abc"),
            Ok(())
        );
        for bad in [
            "arn:aws:acm:us-east-1:12345678901:certificate/abc",
            "arn:aws:iam::123456789012:server-certificate/x",
            "arn:aws:acm:us-east-1:123456789012:certificate/",
            "arn:aws:acm:useast1:123456789012:certificate/abc",
            "certificate/abc",
        ] {
            assert!(certificate_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn api_names_and_kinds() {
        assert_eq!(api_name("iris-classifier2"), Ok(()));
        assert!(api_name("Iris").is_err());
        assert!(api_name("1iris").is_err());
        assert!(api_name("iris_classifier").is_err());
        assert!(api_name("").is_err());
        for kind in API_KINDS {
            assert_eq!(api_kind(kind), Ok(()));
        }
        assert_eq!(
            api_kind("realtimeapi").unwrap_err().fix,
            "use `RealtimeAPI` (kinds are case-sensitive)"
        );
        assert!(
            api_kind("Lambda")
                .unwrap_err()
                .fix
                .contains("`TrafficSplitter`")
        );
    }

    #[test]
    fn endpoints() {
        assert_eq!(endpoint("/iris"), Ok("/iris".to_string()));
        assert_eq!(endpoint("/v1/iris/"), Ok("/v1/iris".to_string()));
        assert_eq!(endpoint("/a-b_c.d/e"), Ok("/a-b_c.d/e".to_string()));
        assert_eq!(endpoint("iris").unwrap_err().fix, "use `/iris`");
        // Every echoed fix is itself a valid endpoint; an empty endpoint gets no `/`.
        for bad in [
            "", "iris", "/a//b", "/Iris", "/a b", "Upper", "/", "\n", "/é", "//",
        ] {
            if let Err(p) = endpoint(bad)
                && let Some(fixed) = p
                    .fix
                    .strip_prefix("use `")
                    .and_then(|f| f.strip_suffix('`'))
            {
                assert!(endpoint(fixed).is_ok(), "{bad:?} -> {fixed:?}");
            }
        }
        assert!(!endpoint("").unwrap_err().fix.contains("use `/`"));
        assert!(endpoint("/a//b").unwrap_err().message.contains("//"));
        assert!(endpoint("/Iris").unwrap_err().message.contains("`I`"));
        assert!(endpoint("/a b").is_err());
        assert!(endpoint("/").unwrap_err().message.contains("`/` alone"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_seconds("45"), Some(45));
        assert_eq!(parse_duration_seconds("45s"), Some(45));
        assert_eq!(parse_duration_seconds("2m"), Some(120));
        assert_eq!(parse_duration_seconds("1m30s"), Some(90));
        assert_eq!(parse_duration_seconds("1h"), Some(3600));
        for bad in ["", "s", "45 seconds", "1s1m", "1.5s", "-3", "3x", "10s5"] {
            assert_eq!(parse_duration_seconds(bad), None, "{bad}");
        }
        assert!(timeout(0).is_err());
        assert_eq!(timeout(1), Ok(()));
    }

    #[test]
    fn timeout_limits() {
        assert_eq!(timeout_limit("a", 30, GatewayKind::Http), None);
        assert!(timeout_limit("a", 31, GatewayKind::Http).is_some());
        assert_eq!(timeout_limit("a", 29, GatewayKind::Rest), None);
        let p = timeout_limit("iris", 30, GatewayKind::Rest).unwrap();
        assert!(
            p.message.contains("`iris`")
                && p.message
                    .contains("an API Gateway REST API cuts requests off after 29 s"),
            "{}",
            p.message
        );
        assert!(p.fix.contains("networking.api_gateway: none"));
    }

    #[test]
    fn stages() {
        assert_eq!(stage("$default", GatewayKind::Http), Ok(()));
        assert_eq!(stage("prod_2-b", GatewayKind::Http), Ok(()));
        assert_eq!(stage("prod", GatewayKind::Rest), Ok(()));
        assert!(stage("$default", GatewayKind::Rest).is_err());
        assert!(stage("", GatewayKind::Rest).is_err());
        assert!(stage("a.b", GatewayKind::Http).is_err());
        assert!(stage(&"a".repeat(129), GatewayKind::Rest).is_err());
        assert_eq!(stage(&"a".repeat(128), GatewayKind::Rest), Ok(()));
        let only_http = stage("$default", GatewayKind::Rest).unwrap_err();
        assert_eq!(only_http.message, "`$default` exists only for HTTP APIs");
        assert_eq!(
            only_http.fix,
            "use 1-128 letters, digits, `_` and `-` (e.g. `dev`), or remove `gateway.stage` to get `dev`"
        );
        let http = stage("a.b", GatewayKind::Http).unwrap_err();
        assert_eq!(http.message, "is not a valid HTTP API stage name");
        assert_eq!(
            http.fix,
            "use `$default` or 1-128 letters, digits, `_` and `-`"
        );
        let rest = stage("a.b", GatewayKind::Rest).unwrap_err();
        assert_eq!(rest.message, "is not a valid REST API stage name");
        assert_eq!(rest.fix, "use 1-128 letters, digits, `_` and `-`");
    }

    #[test]
    fn domains() {
        for ok in ["api.example.com", "a.b", "x-1.example.io"] {
            assert_eq!(domain(ok), Ok(()), "{ok}");
        }
        assert!(
            domain("*.example.com")
                .unwrap_err()
                .message
                .contains("wildcard")
        );
        assert!(
            domain("localhost")
                .unwrap_err()
                .message
                .contains("two labels")
        );
        assert_eq!(
            domain("API.example.com").unwrap_err().fix,
            "use `api.example.com`"
        );
        assert!(domain("a..com").is_err());
        assert!(domain("-a.com").is_err());
        assert!(domain("a_b.com").is_err());
        assert!(domain(&format!("{}.com", "a".repeat(64))).is_err());
        assert!(domain(&format!("{}.com", "a".repeat(63))).is_ok());
        let long = vec!["abcdefghi"; 26].join(".");
        assert!(long.len() > 253);
        assert!(domain(&long).unwrap_err().message.contains("253"));
    }

    #[test]
    fn load_balancers() {
        assert_eq!(load_balancer("a1b2c3"), Ok(()));
        assert_eq!(load_balancer(&"a".repeat(32)), Ok(()));
        assert_eq!(
            load_balancer(
                "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/my-lb/50dc6c495c0c9188"
            ),
            Ok(())
        );
        assert!(load_balancer(&"a".repeat(33)).is_err());
        assert!(load_balancer("my_lb").is_err());
        assert!(load_balancer("-lb").is_err());
        assert!(load_balancer("").is_err());
        assert!(load_balancer("arn:aws:ec2:us-west-2:123456789012:loadbalancer/x").is_err());
    }

    #[test]
    fn ranges_and_combinations() {
        assert!(vpc_link_timeout(9).is_err());
        assert_eq!(vpc_link_timeout(10), Ok(()));
        assert_eq!(vpc_link_timeout(3600), Ok(()));
        assert!(vpc_link_timeout(3601).is_err());
        assert_eq!(cors_max_age(300), Ok(()));
        assert!(cors_max_age(86_401).is_err());
        assert!(vpc_link_for(GatewayKind::Http, VpcLinkVersion::V1).is_err());
        assert_eq!(vpc_link_for(GatewayKind::Http, VpcLinkVersion::V2), Ok(()));
        assert_eq!(vpc_link_for(GatewayKind::Rest, VpcLinkVersion::V1), Ok(()));
    }
}
