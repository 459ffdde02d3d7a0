//! `cortex-net doctor`: checks that the networking works, each with a pass/fail line and the fix.
//! Read-only: it never changes AWS.

use crate::certificates;
use crate::cli::Cli;
use crate::desired;
use crate::error::CliError;
use crate::output;
use crate::session::{Session, Step, configured_step};
use gw_core::{GatewayInfo, Health};
use lb_discovery::LoadBalancer;
use serde::Serialize;

mod requests;

#[derive(Debug, Serialize)]
struct Check {
    name: &'static str,
    ok: bool,
    detail: String,
    fix: Option<String>,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name,
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

#[derive(Serialize)]
struct Report {
    ok: bool,
    checks: Vec<Check>,
}

/// `cortex-net doctor`: runs every check, prints them, and fails (exit 1) when one failed.
pub async fn run(cli: &Cli, url: Option<&str>, api_key_env: Option<&str>) -> Result<(), CliError> {
    // Invalid input before any AWS call.
    let api_key = api_key_env.map(requests::api_key_from_env).transpose()?;
    let session = Session::open(cli).await?;
    let mut checks = Vec::new();
    // The checks' reads side by side; the checks are listed in their fixed order.
    let (gateway, certificates) = tokio::join!(
        gateway_checks(&session, &mut checks),
        certificate_checks(&session)
    );
    checks.extend(certificates);
    let base = url.map(str::to_string).or(gateway.map(|gw| gw.invoke_url));
    if let Some(base) = base {
        let routes = desired::routes(&session.config);
        checks.extend(requests::checks(&base, &routes, api_key.as_ref()).await);
    }
    let report = Report {
        ok: checks.iter().all(|c| c.ok),
        checks,
    };
    output::emit(cli.output, &report, || {
        for check in &report.checks {
            let mark = if check.ok { "ok  " } else { "FAIL" };
            println!("{mark} {:<14} {}", check.name, check.detail);
            if let Some(fix) = &check.fix {
                println!("     {:<14} fix: {fix}", "");
            }
        }
    })?;
    if report.ok {
        Ok(())
    } else {
        let failed = report.checks.iter().filter(|c| !c.ok).count();
        Err(CliError::failed(format!("{failed} check(s) failed")))
    }
}

/// The load balancer, the VPC link and whether AWS matches the configuration; returns the
/// existing gateway, for the request check.
async fn gateway_checks(session: &Session, checks: &mut Vec<Check>) -> Option<GatewayInfo> {
    let (lb, observed) = session.read_all().await;
    let lb = match lb {
        Ok(lb) => lb,
        Err(error) => {
            checks.push(Check::fail(
                "load-balancer",
                error.to_string(),
                "set `load_balancer` in cortex-net.yaml, or check the cluster's tags",
            ));
            return None;
        }
    };
    let planned = session
        .configured(&lb)
        .and_then(|goal| session.gateways.plan_from(&goal, observed));
    let steps = match planned {
        Ok(steps) => steps,
        Err(error) => {
            checks.push(load_balancer_check(session, &lb, None));
            checks.push(Check::fail(
                "gateway",
                error.to_string(),
                "fix the configuration, then run `cortex-net up`",
            ));
            return None;
        }
    };
    let Some(step) = configured_step(&steps) else {
        checks.push(load_balancer_check(session, &lb, None));
        return None;
    };
    let health = step.provider.health(&step.observed);
    checks.push(load_balancer_check(session, &lb, Some(&health)));
    checks.extend(vpc_link_check(step, &health));
    if !step.plan.is_empty() {
        checks.push(Check::fail(
            "in-sync",
            format!("`up` would make {}", step.plan.summary()),
            "run `cortex-net plan` to see the changes, then `cortex-net up`",
        ));
    }
    step.provider.gateway_info(&step.observed, &session.region)
}

/// Each configured certificate as ACM describes it; a failure to ask ACM is a failed check too.
async fn certificate_checks(session: &Session) -> Vec<Check> {
    certificate_results(
        certificates::check_all(&session.sdk, &session.config, &session.region).await,
    )
}

/// One check per certificate ACM described, or one failed check with the reason ACM could not
/// be asked.
fn certificate_results(checked: Result<Vec<certificates::Checked>, CliError>) -> Vec<Check> {
    match checked {
        Ok(checked) => checked.iter().map(certificate_check).collect(),
        Err(error) => vec![Check::fail(
            "certificate",
            error.to_string(),
            "check the certificate ARNs in cluster.yaml and cortex-net.yaml, and that these \
             credentials may call acm:DescribeCertificate on them (`cortex-net iam-policy`)",
        )],
    }
}

fn certificate_check(item: &certificates::Checked) -> Check {
    if !item.report.problems.is_empty() {
        let problems: Vec<String> = item.report.problems.iter().map(|p| p.to_string()).collect();
        return Check::fail(
            "certificate",
            format!("{} {}", item.setting, item.arn),
            problems.join("; "),
        );
    }
    let status = item
        .report
        .certificate
        .as_ref()
        .map(|c| {
            format!(
                "{} until {}",
                c.status,
                c.not_after.as_deref().unwrap_or("?")
            )
        })
        .unwrap_or_default();
    Check::pass(
        "certificate",
        format!("{} {}: {status}", item.setting, item.arn),
    )
}

/// Where the existing gateway's integrations send requests: ports of `http(s)://host[:port]/...`
/// URLs, and listener ARNs of private HTTP API integrations.
fn integration_targets(health: &Health) -> (Vec<u16>, Vec<String>) {
    let mut ports = Vec::new();
    let mut listeners = Vec::new();
    for target in &health.targets {
        if target.starts_with("arn:") {
            listeners.push(target.clone());
        } else if let Some((scheme, rest)) = target.split_once("://") {
            let authority = rest.split('/').next().unwrap_or_default();
            let port = match authority.rsplit_once(':') {
                Some((_, port)) => port.parse().ok(),
                None if scheme == "https" => Some(443),
                None => Some(80),
            };
            ports.extend(port);
        }
    }
    ports.sort_unstable();
    ports.dedup();
    listeners.sort();
    listeners.dedup();
    (ports, listeners)
}

/// The load balancer is active and listens where the gateway's integrations send requests (or,
/// without a gateway yet, on the port they would target).
fn load_balancer_check(session: &Session, lb: &LoadBalancer, health: Option<&Health>) -> Check {
    if let Some(state) = lb.state.as_deref().filter(|s| *s != "active") {
        return Check::fail(
            "load-balancer",
            format!("{} is {state}", lb.name),
            "wait until it is active, or check the Cortex cluster (`cortex cluster info`)",
        );
    }
    let (ports, listeners) = health.map(integration_targets).unwrap_or_default();
    let missing_ports: Vec<u16> = ports
        .iter()
        .copied()
        .filter(|p| !lb.listeners.iter().any(|l| l.port == i32::from(*p)))
        .collect();
    let missing_listeners: Vec<&String> = listeners
        .iter()
        .filter(|arn| !lb.listeners.iter().any(|l| l.arn.as_ref() == Some(*arn)))
        .collect();
    if !missing_ports.is_empty() || !missing_listeners.is_empty() {
        let mut gaps: Vec<String> = missing_ports
            .iter()
            .map(|p| format!("no listener on port {p}"))
            .collect();
        gaps.extend(
            missing_listeners
                .iter()
                .map(|arn| format!("no listener {arn}")),
        );
        return Check::fail(
            "load-balancer",
            format!(
                "{} has {}, where the gateway's integrations send requests",
                lb.name,
                gaps.join(" and ")
            ),
            "run `cortex-net up` to point the integrations at the listeners the load balancer \
             has, or restore the listener in the Cortex cluster",
        );
    }
    if !ports.is_empty() || !listeners.is_empty() {
        let mut targets: Vec<String> = ports.iter().map(|p| format!("port {p}")).collect();
        targets.extend(listeners.iter().map(|l| format!("listener {l}")));
        return Check::pass(
            "load-balancer",
            format!(
                "{} is {} and has the integrations' {}",
                lb.name,
                lb.state.as_deref().unwrap_or("up"),
                targets.join(", ")
            ),
        );
    }
    match desired::build(&session.config, &session.region, lb) {
        Ok(want)
            if lb
                .listeners
                .iter()
                .any(|l| l.port == i32::from(want.backend.port)) =>
        {
            Check::pass(
                "load-balancer",
                format!(
                    "{} is {} and listens on port {}",
                    lb.name,
                    lb.state.as_deref().unwrap_or("up"),
                    want.backend.port
                ),
            )
        }
        Ok(want) => Check::fail(
            "load-balancer",
            format!("{} has no listener on port {}", lb.name, want.backend.port),
            "Cortex's API load balancer listens on 80 (and 443): check the cluster, or set \
             `load_balancer` to the right one",
        ),
        Err(error) => Check::fail("load-balancer", error.to_string(), "fix the configuration"),
    }
}

/// The VPC link can carry requests (AVAILABLE, or INACTIVE: AWS reactivates it when traffic
/// resumes), when the gateway needs one.
fn vpc_link_check(step: &Step<'_>, health: &Health) -> Option<Check> {
    let spec = step.desired.as_ref()?.vpc_link.as_ref()?;
    let found = health.vpc_links.iter().find(|link| link.name == spec.name);
    Some(match found {
        None => Check::fail(
            "vpc-link",
            format!("no VPC link {} exists", spec.name),
            "run `cortex-net up`",
        ),
        Some(link) if link.usable => Check::pass(
            "vpc-link",
            format!(
                "{} ({}) is {}{}",
                spec.name,
                link.id,
                link.status,
                if link.status == "INACTIVE" {
                    " (AWS reactivates it when traffic resumes)"
                } else {
                    ""
                }
            ),
        ),
        Some(link) => Check::fail(
            "vpc-link",
            format!("{} ({}) is {}", spec.name, link.id, link.status),
            "PENDING: run `cortex-net up` to wait for it; FAILED: `cortex-net down`, then `up`",
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FakeProvider, observed};
    use gw_core::{
        GatewayKind, GatewayProvider, Observed, Plan, Resource, ResourceKind, VpcLinkVersion, attr,
    };

    fn step_with_link<'a>(provider: &'a FakeProvider, status: Option<&str>) -> Step<'a> {
        let mut resources = Vec::new();
        if let Some(status) = status {
            let link =
                Resource::new(ResourceKind::VpcLink, "cortex-prod").with(attr::STATUS, status);
            resources.push(observed(link, "vl-1"));
        }
        Step {
            provider,
            desired: Some(
                gw_core::testing::desired(GatewayKind::Http)
                    .internal(VpcLinkVersion::V2)
                    .build(),
            ),
            observed: Observed { resources },
            plan: Plan::default(),
        }
    }

    fn link_check(status: Option<&str>) -> Check {
        let provider = FakeProvider::new(GatewayKind::Http, Vec::new());
        let step = step_with_link(&provider, status);
        let health = provider.health(&step.observed);
        vpc_link_check(&step, &health).expect("a VPC link is wanted")
    }

    #[test]
    fn a_vpc_link_passes_when_requests_can_go_through_it() {
        let available = link_check(Some("AVAILABLE"));
        assert!(available.ok);
        assert_eq!(available.detail, "cortex-prod (vl-1) is AVAILABLE");
        let inactive = link_check(Some("INACTIVE"));
        assert!(inactive.ok, "{inactive:?}");
        assert_eq!(
            inactive.detail,
            "cortex-prod (vl-1) is INACTIVE (AWS reactivates it when traffic resumes)"
        );
    }

    #[test]
    fn a_pending_failed_or_missing_vpc_link_fails_with_the_fix() {
        for status in ["PENDING", "FAILED"] {
            let check = link_check(Some(status));
            assert!(!check.ok, "{check:?}");
            assert!(check.detail.ends_with(&format!("is {status}")), "{check:?}");
            assert!(check.fix.is_some_and(|fix| fix.contains("cortex-net up")));
        }
        let missing = link_check(None);
        assert!(!missing.ok);
        assert_eq!(missing.detail, "no VPC link cortex-prod exists");
    }

    #[test]
    fn no_vpc_link_check_without_a_vpc_link() {
        let provider = FakeProvider::new(GatewayKind::Http, Vec::new());
        let mut step = step_with_link(&provider, Some("AVAILABLE"));
        step.desired = Some(gw_core::testing::desired(GatewayKind::Http).build());
        assert!(vpc_link_check(&step, &Health::default()).is_none());
    }

    #[test]
    fn a_certificate_acm_cannot_describe_is_a_failed_check_with_the_reason() {
        let checks = certificate_results(Err(CliError::failed(
            "DescribeCertificate failed: access denied",
        )));
        let [check] = &checks[..] else {
            panic!("one check: {checks:?}");
        };
        assert_eq!(check.name, "certificate");
        assert!(!check.ok);
        assert_eq!(check.detail, "DescribeCertificate failed: access denied");
        assert!(
            check
                .fix
                .as_deref()
                .is_some_and(|f| f.contains("acm:DescribeCertificate"))
        );
        assert!(certificate_results(Ok(Vec::new())).is_empty());
    }

    #[test]
    fn integration_targets_are_ports_and_listeners() {
        let health = Health {
            targets: vec![
                "http://lb.example.com/iris".into(),
                "https://lb.example.com/{proxy}".into(),
                "http://lb.example.com:8080".into(),
                "http://lb.example.com/other".into(),
                "arn:aws:elasticloadbalancing:us-east-1:1:listener/80".into(),
                "not a url".into(),
            ],
            vpc_links: Vec::new(),
        };
        let (ports, listeners) = integration_targets(&health);
        assert_eq!(ports, [80, 443, 8080]);
        assert_eq!(
            listeners,
            ["arn:aws:elasticloadbalancing:us-east-1:1:listener/80"]
        );
    }
}
