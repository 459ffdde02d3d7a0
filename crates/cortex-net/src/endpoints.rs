//! Where each API can be reached: through the gateway, or directly at the load balancer.

use gw_core::GatewayInfo;
use lb_discovery::LoadBalancer;
use netconf::{ApiGateway, ClusterGateway, Config};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// The API's name; `None` for the catch-all when no API configs are given.
    pub api: Option<String>,
    pub url: String,
    pub via: Via,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    ApiGateway,
    LoadBalancer,
}

/// The load balancer's own base URL, as `cortex get` shows it: https when the cluster has a
/// certificate on its load balancer.
pub fn load_balancer_url(config: &Config, lb: &LoadBalancer) -> String {
    let scheme = if config.cluster.ssl_certificate_arn.is_some() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{}", lb.dns_name)
}

/// One endpoint per API (or one for the whole cluster without API configs). APIs published
/// through an existing gateway get its URL; the rest, and everything while no gateway exists,
/// the load balancer's.
pub fn list(config: &Config, lb: &LoadBalancer, gateway: Option<&GatewayInfo>) -> Vec<Endpoint> {
    let lb_url = load_balancer_url(config, lb);
    let gateway = gateway.filter(|_| config.cluster.api_gateway != ClusterGateway::Disabled);
    match &config.apis {
        None => vec![match gateway {
            Some(gw) => Endpoint {
                api: None,
                url: gw.invoke_url.clone(),
                via: Via::ApiGateway,
            },
            None => Endpoint {
                api: None,
                url: lb_url,
                via: Via::LoadBalancer,
            },
        }],
        Some(apis) => apis
            .iter()
            .map(|api| match gateway {
                Some(gw) if api.api_gateway == ApiGateway::Public => Endpoint {
                    api: Some(api.name.clone()),
                    url: format!("{}{}", gw.invoke_url, api.endpoint),
                    via: Via::ApiGateway,
                },
                _ => Endpoint {
                    api: Some(api.name.clone()),
                    url: format!("{lb_url}{}", api.endpoint),
                    via: Via::LoadBalancer,
                },
            })
            .collect(),
    }
}
