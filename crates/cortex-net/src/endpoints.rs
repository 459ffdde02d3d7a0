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
    /// What a client must know to call it (e.g. a self-signed certificate: `curl -k`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    ApiGateway,
    LoadBalancer,
}

/// What a client must do when the load balancer serves https with Cortex's default certificate.
pub const SELF_SIGNED_NOTE: &str = "the load balancer presents Cortex's self-signed certificate \
     (CN localhost): clients must skip verification (`curl -k`), or set `ssl_certificate_arn` \
     in cluster.yaml to a certificate for a domain that points at it";

/// The load balancer's own base URL, as `cortex get` shows it: https when the cluster has a
/// certificate on its load balancer or it listens on 443 (Cortex then serves its own
/// self-signed certificate, hence the note), http otherwise.
pub fn load_balancer_url(config: &Config, lb: &LoadBalancer) -> (String, Option<String>) {
    let custom_certificate = config.cluster.ssl_certificate_arn.is_some();
    if custom_certificate {
        (format!("https://{}", lb.dns_name), None)
    } else if lb.listeners.iter().any(|l| l.port == 443) {
        (
            format!("https://{}", lb.dns_name),
            Some(SELF_SIGNED_NOTE.to_string()),
        )
    } else {
        (format!("http://{}", lb.dns_name), None)
    }
}

/// One endpoint per API (or one for the whole cluster without API configs). APIs published
/// through an existing gateway get its URL; the rest, and everything while no gateway exists,
/// the load balancer's.
pub fn list(config: &Config, lb: &LoadBalancer, gateway: Option<&GatewayInfo>) -> Vec<Endpoint> {
    let (lb_url, lb_note) = load_balancer_url(config, lb);
    let gateway = gateway.filter(|_| config.cluster.api_gateway != ClusterGateway::Disabled);
    // A custom domain is the stable URL: the stage is mapped at its root.
    let gateway_url = gateway.map(|gw| match &gw.domain {
        Some(domain) => domain.url.clone(),
        None => gw.invoke_url.clone(),
    });
    let through_gateway = |api: Option<String>, url: String| Endpoint {
        api,
        url,
        via: Via::ApiGateway,
        note: None,
    };
    let direct = |api: Option<String>, path: &str| Endpoint {
        api,
        url: format!("{lb_url}{path}"),
        via: Via::LoadBalancer,
        note: lb_note.clone(),
    };
    match &config.apis {
        None => vec![match &gateway_url {
            Some(url) => through_gateway(None, url.clone()),
            None => direct(None, ""),
        }],
        Some(apis) => apis
            .iter()
            .map(|api| match &gateway_url {
                Some(url) if api.api_gateway == ApiGateway::Public => {
                    through_gateway(Some(api.name.clone()), format!("{url}{}", api.endpoint))
                }
                _ => direct(Some(api.name.clone()), &api.endpoint),
            })
            .collect(),
    }
}
