//! `cortex-net doctor`: checks that the networking works, each with a pass/fail line and the fix.
//! Read-only: it never changes AWS.

use crate::certificates;
use crate::cli::Cli;
use crate::commands::Session;
use crate::desired;
use crate::error::CliError;
use crate::output;
use gw_core::{GatewayInfo, Observed, ResourceKind};
use lb_discovery::LoadBalancer;
use serde::Serialize;
use std::time::{Duration, Instant};

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

pub async fn run(cli: &Cli, session: Session, url: Option<&str>) -> Result<(), CliError> {
    let mut checks = Vec::new();
    let mut gateway = None;
    match session.load_balancer().await {
        Err(error) => checks.push(Check::fail(
            "load-balancer",
            error.to_string(),
            "set `load_balancer` in cortex-net.yaml, or check the cluster's tags",
        )),
        Ok(lb) => match session.converge(&lb).await {
            Err(error) => {
                checks.push(load_balancer_check(&session, &lb, None));
                checks.push(Check::fail(
                    "gateway",
                    error.to_string(),
                    "fix the configuration, then run `cortex-net up`",
                ))
            }
            Ok(steps) => {
                let selected = steps.iter().find(|s| s.desired.is_some());
                checks.push(load_balancer_check(
                    &session,
                    &lb,
                    selected.map(|s| &s.observed),
                ));
                if let Some(step) = selected {
                    if let Some(check) = vpc_link_check(step) {
                        checks.push(check);
                    }
                    gateway = step.provider.gateway_info(&step.observed, &session.region);
                    if !step.plan.is_empty() {
                        checks.push(Check::fail(
                            "in-sync",
                            format!("`up` would make {}", step.plan.summary()),
                            "run `cortex-net plan` to see the changes, then `cortex-net up`",
                        ));
                    }
                }
            }
        },
    }
    if let Ok(certificates) =
        certificates::check_all(&session.sdk, &session.config, &session.region).await
    {
        for item in certificates {
            checks.push(if item.report.problems.is_empty() {
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
            } else {
                let problems: Vec<String> =
                    item.report.problems.iter().map(|p| p.to_string()).collect();
                Check::fail(
                    "certificate",
                    format!("{} {}", item.setting, item.arn),
                    problems.join("; "),
                )
            });
        }
    }
    if let Some(check) = request_check(&session, gateway.as_ref(), url).await {
        checks.push(check);
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

/// Where the existing gateway's integrations send requests: ports of `http(s)://host[:port]/...`
/// URIs, and listener ARNs of private HTTP API integrations.
fn integration_targets(observed: &Observed) -> (Vec<u16>, Vec<String>) {
    let mut ports = Vec::new();
    let mut listeners = Vec::new();
    for integration in observed.of_kind(ResourceKind::Integration) {
        let Some(uri) = integration.resource.attribute("uri") else {
            continue;
        };
        if uri.starts_with("arn:") {
            listeners.push(uri.to_string());
        } else if let Some((scheme, rest)) = uri.split_once("://") {
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
fn load_balancer_check(session: &Session, lb: &LoadBalancer, observed: Option<&Observed>) -> Check {
    if let Some(state) = lb.state.as_deref().filter(|s| *s != "active") {
        return Check::fail(
            "load-balancer",
            format!("{} is {state}", lb.name),
            "wait until it is active, or check the Cortex cluster (`cortex cluster info`)",
        );
    }
    let (ports, listeners) = observed.map(integration_targets).unwrap_or_default();
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

/// The VPC link is AVAILABLE, when the gateway needs one.
fn vpc_link_check(step: &crate::commands::Step<'_>) -> Option<Check> {
    let spec = step.desired.as_ref()?.vpc_link.as_ref()?;
    let found = step
        .observed
        .of_kind(ResourceKind::VpcLink)
        .find(|l| l.resource.name == spec.name);
    Some(match found {
        None => Check::fail(
            "vpc-link",
            format!("no VPC link {} exists", spec.name),
            "run `cortex-net up`",
        ),
        Some(link) => match link.resource.attribute("status") {
            Some("AVAILABLE") => Check::pass(
                "vpc-link",
                format!("{} ({}) is AVAILABLE", spec.name, link.id),
            ),
            status => Check::fail(
                "vpc-link",
                format!(
                    "{} ({}) is {}",
                    spec.name,
                    link.id,
                    status.unwrap_or("in an unknown state")
                ),
                "PENDING: run `cortex-net up` to wait for it; FAILED: `cortex-net down`, then `up`",
            ),
        },
    })
}

/// A GET through the gateway (or `url`): an answer that is not a gateway error passes.
async fn request_check(
    session: &Session,
    gateway: Option<&GatewayInfo>,
    url: Option<&str>,
) -> Option<Check> {
    let base = match (url, gateway) {
        (Some(url), _) => url.to_string(),
        (None, Some(gw)) => gw.invoke_url.clone(),
        (None, None) => return None,
    };
    // The first public API's endpoint, else the root: a path Cortex routes.
    let path = desired::routes(&session.config)
        .into_iter()
        .find_map(|r| r.path)
        .unwrap_or_default();
    let target = format!("{}{}", base.trim_end_matches('/'), path);
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            return Some(Check::fail(
                "request",
                format!("cannot build an HTTP client: {error}"),
                "report this as a bug",
            ));
        }
    };
    let started = Instant::now();
    Some(match client.get(&target).send().await {
        Ok(response) => {
            let status = response.status();
            let millis = started.elapsed().as_millis();
            let detail = format!("GET {target} -> {status} in {millis} ms");
            if matches!(status.as_u16(), 500 | 502 | 503 | 504) {
                Check::fail(
                    "request",
                    detail,
                    "the gateway answered but could not reach Cortex: check the load balancer, \
                     the VPC link, and that the API is deployed (`cortex get`)",
                )
            } else {
                Check::pass("request", detail)
            }
        }
        Err(error) => Check::fail(
            "request",
            format!("GET {target} failed: {}", gw_core::error_chain(&error)),
            "check that the gateway exists (`cortex-net status`), that DNS for a custom domain \
             points at it, and the network",
        ),
    })
}
