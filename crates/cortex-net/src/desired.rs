//! Turns the configuration and the discovered load balancer into the desired gateway.

use crate::error::CliError;
use gw_core::{Backend, Cors, DesiredGateway, DomainSpec, RouteSpec, Scheme, VpcLinkSpec};
use lb_discovery::LoadBalancer;
use netconf::{ApiGateway, ClusterGateway, Config};

/// The port integrations target: Cortex's API load balancer serves HTTP on 80; we use 80 when
/// it listens there, else the first listener's port.
fn integration_port(lb: &LoadBalancer) -> (u16, Option<String>) {
    let listener = lb
        .listeners
        .iter()
        .find(|l| l.port == 80)
        .or_else(|| lb.listeners.first());
    match listener {
        Some(l) => (u16::try_from(l.port).unwrap_or(80), l.arn.clone()),
        None => (80, None),
    }
}

/// The routes the configuration asks for: none when the gateway is disabled cluster-wide, the
/// catch-all without API configs, else one per public API.
pub fn routes(config: &Config) -> Vec<RouteSpec> {
    if config.cluster.api_gateway == ClusterGateway::Disabled {
        return Vec::new();
    }
    match &config.apis {
        None => vec![RouteSpec {
            api: None,
            path: None,
        }],
        Some(apis) => apis
            .iter()
            .filter(|api| api.api_gateway == ApiGateway::Public)
            .map(|api| RouteSpec {
                api: Some(api.name.clone()),
                path: Some(api.endpoint.clone()),
            })
            .collect(),
    }
}

pub fn gateway_name(cluster: &str) -> String {
    format!("cortex-{cluster}")
}

/// The VPC link an internal load balancer needs: the requested version when it can work with
/// this gateway kind and load balancer, else the default (v1 for REST to an NLB, v2 for HTTP).
fn vpc_link(config: &Config, lb: &LoadBalancer) -> Result<Option<VpcLinkSpec>, CliError> {
    if lb.scheme != Scheme::Internal {
        return Ok(None);
    }
    let gateway = config.settings.gateway.r#type;
    let target = lb.kind;
    let requested = config.settings.gateway.vpc_link;
    let version = vpclink::choose(gateway, target, requested)
        .map_err(|e| CliError::invalid(format!("load balancer {} is internal: {e}", lb.name)))?;
    Ok(Some(VpcLinkSpec {
        version,
        name: gateway_name(&config.cluster.cluster_name),
        timeout_seconds: config.settings.gateway.vpc_link_timeout_seconds,
    }))
}

pub fn build(config: &Config, region: &str, lb: &LoadBalancer) -> Result<DesiredGateway, CliError> {
    let (port, listener_arn) = integration_port(lb);
    let routes = routes(config);
    // No route, no gateway, no link: nothing to check about how it would connect.
    let vpc_link = if routes.is_empty() {
        None
    } else {
        vpc_link(config, lb)?
    };
    Ok(DesiredGateway {
        cluster: config.cluster.cluster_name.clone(),
        region: region.to_string(),
        name: gateway_name(&config.cluster.cluster_name),
        stage: config.stage(),
        backend: Backend {
            name: lb.name.clone(),
            arn: lb.arn.clone(),
            dns_name: lb.dns_name.clone(),
            scheme: lb.scheme,
            kind: lb.kind,
            port,
            listener_arn,
            subnets: lb.subnets.clone(),
            security_groups: lb.security_groups.clone(),
        },
        routes,
        cors: config.settings.gateway.cors.as_ref().map(|c| Cors {
            allow_origins: c.allow_origins.clone(),
            allow_methods: c.allow_methods.clone(),
            allow_headers: c.allow_headers.clone(),
            max_age_seconds: c.max_age_seconds,
        }),
        endpoint_type: config.settings.gateway.endpoint_type,
        vpc_link,
        domain: match (&config.settings.gateway.domain, config.domain_certificate()) {
            (Some(name), Some(certificate)) => Some(DomainSpec {
                name: name.clone(),
                certificate_arn: certificate.to_string(),
            }),
            _ => None,
        },
    })
}
