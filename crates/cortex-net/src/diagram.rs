//! `cortex-net diagram`: the architecture in front of the cluster as SVG or Mermaid.
//!
//! Live (the default), it is read from AWS the way `status` reads it (one survey: the load
//! balancer and every provider's observation side by side) and every node the plan would
//! change is marked drifted. With `--planned` it draws what `up` would build from the
//! configuration alone: no gateway is observed; the load balancer is discovered when AWS
//! answers, and when it does not (offline, no credentials, not found) it is drawn from
//! `cluster.yaml`'s scheme as a placeholder ([`placeholder_load_balancer`]), with a warning, so
//! the picture of a configuration can be made anywhere and the same everywhere.
//!
//! The graph is built once ([`model`]) and rendered by [`svg`] or [`mermaid`].

mod mermaid;
mod model;
mod svg;

use crate::cli::{Cli, DiagramFormat};
use crate::configuration;
use crate::desired;
use crate::error::CliError;
use crate::session::{Certificates, Goal, Session, configured_step};
use gw_core::{LoadBalancerKind, Plan};
use lb_discovery::{Listener, LoadBalancer};
use model::{Diagram, Live, Sources};
use netconf::Config;
use std::path::Path;

/// The placeholder load balancer's name: not a name AWS allows, so never mistaken for one.
pub(crate) const PLACEHOLDER_NAME: &str = "<the cluster's API load balancer>";

pub async fn run(
    cli: &Cli,
    format: DiagramFormat,
    out_file: Option<&Path>,
    planned: bool,
) -> Result<(), CliError> {
    let config = configuration::load(cli)?.config;
    let diagram = if planned {
        planned_diagram(cli, config).await?
    } else {
        live_diagram(cli, config).await?
    };
    let text = render(&diagram, format);
    match out_file {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display()))),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn render(diagram: &Diagram, format: DiagramFormat) -> String {
    match format {
        DiagramFormat::Svg => svg::render(diagram),
        DiagramFormat::Mermaid => mermaid::render(diagram),
    }
}

/// What AWS holds, compared with the configuration.
async fn live_diagram(cli: &Cli, config: Config) -> Result<Diagram, CliError> {
    let session = Session::connect(cli, config).await?;
    let surveyed = session.survey(Certificates::Unchecked).await?;
    let Goal::Configured(desired) = &surveyed.goal else {
        return Err(CliError::failed("the survey planned no configured gateway"));
    };
    let configured = configured_step(&surveyed.steps);
    let empty = gw_core::Observed::default();
    let observed = configured.map_or(&empty, |step| &step.observed);
    let gateway = session
        .gateways
        .selected()
        .gateway_info(observed, &session.region);
    let plan = configured.map(|step| step.plan.clone()).unwrap_or_default();
    let mut others = Plan::default();
    for step in surveyed.steps.iter().filter(|step| step.desired.is_none()) {
        others.extend(step.plan.clone());
    }
    Ok(model::build(&Sources {
        config: &session.config,
        lb: &surveyed.lb,
        lb_placeholder: false,
        desired,
        live: Some(Live {
            observed,
            gateway: gateway.as_ref(),
            plan: &plan,
            others: &others,
        }),
    }))
}

/// What `up` would build: the configuration in front of the discovered load balancer, or in
/// front of a placeholder when discovery fails.
async fn planned_diagram(cli: &Cli, config: Config) -> Result<Diagram, CliError> {
    let (config, region, found) = match Session::connect(cli, config.clone()).await {
        Ok(session) => {
            let found = session.load_balancer().await;
            (session.config, session.region, found)
        }
        Err(error) => {
            let region = config.cluster.region.clone().unwrap_or_default();
            (config, region, Err(error))
        }
    };
    let (lb, placeholder) = match found {
        Ok(lb) => (lb, false),
        Err(error) => {
            tracing::warn!(
                "load balancer not discovered ({}); drawing a placeholder from cluster.yaml's scheme",
                first_line(&error.to_string())
            );
            (placeholder_load_balancer(&config), true)
        }
    };
    planned_from(&config, &region, &lb, placeholder)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The diagram `--planned` draws in front of `lb`.
fn planned_from(
    config: &Config,
    region: &str,
    lb: &LoadBalancer,
    lb_placeholder: bool,
) -> Result<Diagram, CliError> {
    let desired = desired::build(config, region, lb)?;
    Ok(model::build(&Sources {
        config,
        lb,
        lb_placeholder,
        desired: &desired,
        live: None,
    }))
}

/// The load balancer Cortex makes for its APIs, as far as the configuration tells: a Network
/// Load Balancer (Cortex's) with the configured scheme, listening on 80 and 443 (TCP).
pub(crate) fn placeholder_load_balancer(config: &Config) -> LoadBalancer {
    let listener = |port| Listener {
        arn: None,
        port,
        protocol: "TCP".into(),
    };
    LoadBalancer {
        name: PLACEHOLDER_NAME.into(),
        arn: None,
        dns_name: "api-load-balancer.invalid".into(),
        scheme: config.cluster.api_load_balancer_scheme,
        kind: LoadBalancerKind::Network,
        vpc_id: None,
        subnets: Vec::new(),
        security_groups: Vec::new(),
        listeners: vec![listener(80), listener(443)],
        state: None,
        owned_by_cluster: true,
    }
}

#[cfg(test)]
mod tests;
