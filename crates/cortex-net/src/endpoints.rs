//! Where each API can be reached: through the gateway, or directly at the load balancer.

use gw_core::{Auth, GatewayInfo, Throttle};
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
    /// Who may call it and how fast, through the gateway (`None` at the load balancer, which
    /// enforces nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protection: Option<Guard>,
}

/// An API's protection as a client meets it: the configuration's, which a converged `up` made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Guard {
    pub auth: Auth,
    /// JWT scopes the token must carry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The API's own throttle, else the stage's; `None`: the account's limits only.
    pub throttle: Option<Throttle>,
    /// Whether a request needs an `x-api-key` header.
    pub api_key_required: bool,
}

impl Guard {
    fn of(config: &Config, api: Option<&str>) -> Self {
        let route = config.route_protection(api);
        Guard {
            auth: route.auth,
            scopes: route.scopes,
            throttle: route.throttle.or(config.settings.protection.throttle),
            api_key_required: route.auth == Auth::ApiKey,
        }
    }

    /// `api_key, rate=10 burst=20`, for the text output.
    pub fn summary(&self) -> String {
        let mut out = self.auth.to_string();
        if !self.scopes.is_empty() {
            out.push_str(&format!(" (scopes {})", self.scopes.join(" ")));
        }
        match &self.throttle {
            Some(throttle) => out.push_str(&format!(", {throttle}")),
            None => out.push_str(", no throttle"),
        }
        out
    }
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
        protection: Some(Guard::of(config, api.as_deref())),
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
        protection: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{CLUSTER, config, load_balancer};
    use gw_core::{CustomDomain, DnsRecord, GatewayKind, LoadBalancerKind, Scheme};

    const APIS: &str = "- name: iris\n  kind: RealtimeAPI\n- name: hidden\n  kind: AsyncAPI\n  \
                        networking:\n    api_gateway: none\n";
    const INVOKE_URL: &str = "https://abc.execute-api.us-east-1.amazonaws.com";
    const LB_URL: &str = "https://api-lb-1.elb.us-east-1.amazonaws.com";

    fn lb() -> LoadBalancer {
        load_balancer(Scheme::InternetFacing, LoadBalancerKind::Network)
    }

    fn gateway(domain: Option<&str>) -> GatewayInfo {
        GatewayInfo {
            kind: GatewayKind::Http,
            id: "abc".into(),
            name: "cortex-prod".into(),
            stage: "$default".into(),
            invoke_url: INVOKE_URL.into(),
            domain: domain.map(|name| CustomDomain {
                name: name.into(),
                url: format!("https://{name}"),
                dns_record: DnsRecord {
                    name: name.into(),
                    kind: "CNAME".into(),
                    target: None,
                    hosted_zone_id: None,
                    note: None,
                },
            }),
        }
    }

    fn urls(endpoints: &[Endpoint]) -> Vec<(Option<&str>, &str, Via)> {
        endpoints
            .iter()
            .map(|e| (e.api.as_deref(), e.url.as_str(), e.via))
            .collect()
    }

    #[test]
    fn public_apis_go_through_the_gateway_the_others_to_the_load_balancer() {
        let config = config(CLUSTER, Some(APIS), None);
        let list = list(&config, &lb(), Some(&gateway(None)));
        assert_eq!(
            urls(&list),
            [
                (
                    Some("iris"),
                    "https://abc.execute-api.us-east-1.amazonaws.com/iris",
                    Via::ApiGateway
                ),
                (
                    Some("hidden"),
                    "https://api-lb-1.elb.us-east-1.amazonaws.com/hidden",
                    Via::LoadBalancer
                ),
            ]
        );
        assert_eq!(list[0].note, None);
        assert_eq!(list[1].note.as_deref(), Some(SELF_SIGNED_NOTE));
    }

    #[test]
    fn without_a_gateway_everything_is_reached_at_the_load_balancer() {
        let config = config(CLUSTER, None, None);
        let list = list(&config, &lb(), None);
        assert_eq!(urls(&list), [(None, LB_URL, Via::LoadBalancer)]);
        let config = crate::testing::config(CLUSTER, Some(APIS), None);
        let list = super::list(&config, &lb(), None);
        assert!(list.iter().all(|e| e.via == Via::LoadBalancer), "{list:?}");
    }

    #[test]
    fn the_catch_all_and_a_custom_domain() {
        let config = config(CLUSTER, None, None);
        let list = list(&config, &lb(), Some(&gateway(None)));
        assert_eq!(urls(&list), [(None, INVOKE_URL, Via::ApiGateway)]);
        let config = crate::testing::config(CLUSTER, Some(APIS), None);
        let list = super::list(&config, &lb(), Some(&gateway(Some("api.example.com"))));
        assert_eq!(list[0].url, "https://api.example.com/iris");
    }

    #[test]
    fn a_gateway_disabled_cluster_wide_is_not_listed_even_when_it_exists() {
        let cluster = format!("{CLUSTER}api_gateway: disabled\n");
        let config = config(&cluster, None, None);
        let list = list(&config, &lb(), Some(&gateway(None)));
        assert_eq!(urls(&list), [(None, LB_URL, Via::LoadBalancer)]);
    }

    #[test]
    fn the_load_balancers_scheme_follows_its_listeners_and_certificate() {
        let mut plain = lb();
        plain.listeners.retain(|l| l.port == 80);
        let config = config(CLUSTER, None, None);
        assert_eq!(
            load_balancer_url(&config, &plain),
            (
                "http://api-lb-1.elb.us-east-1.amazonaws.com".to_string(),
                None
            )
        );
        let cluster = format!(
            "{CLUSTER}ssl_certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d\n"
        );
        let config = crate::testing::config(&cluster, None, None);
        assert_eq!(
            load_balancer_url(&config, &plain),
            (LB_URL.to_string(), None),
            "the cluster's own certificate: https, nothing to skip"
        );
    }

    #[test]
    fn each_api_through_the_gateway_shows_its_auth_and_throttle() {
        let settings = "gateway:\n  type: rest\n  auth: api_key\n  throttle: {rate: 100, burst: 200}\n\
             apis:\n  iris:\n    throttle: {rate: 5, burst: 10}\n\
             api_keys:\n  - name: partner-a\nusage_plans:\n  - name: p\n    keys: [partner-a]\n";
        let apis = "- name: iris\n  kind: RealtimeAPI\n- name: other\n  kind: RealtimeAPI\n\
             - name: hidden\n  kind: AsyncAPI\n  networking:\n    api_gateway: none\n";
        let config = config(CLUSTER, Some(apis), Some(settings));
        let list = list(&config, &lb(), Some(&gateway(None)));
        let iris = list[0].protection.clone().expect("through the gateway");
        assert_eq!(iris.auth, Auth::ApiKey);
        assert!(iris.api_key_required);
        assert_eq!(iris.throttle, Some(Throttle { rate: 5, burst: 10 }));
        assert_eq!(iris.summary(), "api_key, rate=5 burst=10");
        let other = list[1].protection.clone().expect("through the gateway");
        assert_eq!(
            other.throttle,
            Some(Throttle {
                rate: 100,
                burst: 200
            }),
            "the stage's"
        );
        assert_eq!(
            list[2].protection, None,
            "the load balancer enforces nothing"
        );
    }
}
