//! Turns the configuration and the discovered load balancer into the desired gateway.

use crate::error::CliError;
use gw_core::{
    Backend, Cors, DesiredGateway, DomainSpec, Protection, RouteSpec, Scheme, VpcLinkSpec,
};
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
/// catch-all without API configs, else one per public API. Each carries its API's authorization
/// and throttle (`apis.<name>`, else the gateway's defaults; the catch-all takes the defaults).
pub fn routes(config: &Config) -> Vec<RouteSpec> {
    if config.cluster.api_gateway == ClusterGateway::Disabled {
        return Vec::new();
    }
    match &config.apis {
        None => vec![RouteSpec {
            api: None,
            path: None,
            protection: config.route_protection(None),
        }],
        Some(apis) => apis
            .iter()
            .filter(|api| api.api_gateway == ApiGateway::Public)
            .map(|api| RouteSpec {
                api: Some(api.name.clone()),
                path: Some(api.endpoint.clone()),
                protection: config.route_protection(Some(&api.name)),
            })
            .collect(),
    }
}

/// The gateway-wide protection (stage throttle, access log, JWT authorizer, API keys, usage
/// plans); nothing when no route is wanted, since keys and plans would guard no stage.
fn protection(config: &Config, routes: &[RouteSpec]) -> Protection {
    if routes.is_empty() {
        return Protection::default();
    }
    config.settings.protection.gateway()
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
    let protection = protection(config, &routes);
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
        protection,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{CLUSTER, config, load_balancer};
    use gw_core::{Auth, LoadBalancerKind, RouteProtection, Throttle, VpcLinkVersion};

    const INTERNAL: &str =
        "cluster_name: prod\nregion: us-east-1\napi_load_balancer_scheme: internal\n";
    const APIS: &str = "- name: iris\n  kind: RealtimeAPI\n- name: batch\n  kind: BatchAPI\n  \
                        networking:\n    endpoint: /v1/batch\n- name: hidden\n  kind: AsyncAPI\n  \
                        networking:\n    api_gateway: none\n";
    const CERTIFICATE: &str = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d";

    fn nlb(scheme: Scheme) -> LoadBalancer {
        load_balancer(scheme, LoadBalancerKind::Network)
    }

    fn rest(vpc_link: Option<&str>) -> String {
        let link = vpc_link.map(|v| format!("  vpc_link: {v}\n"));
        format!("gateway:\n  type: rest\n{}", link.unwrap_or_default())
    }

    fn link_version(settings: Option<&str>, lb: &LoadBalancer) -> Option<VpcLinkVersion> {
        let config = config(INTERNAL, None, settings);
        let desired = build(&config, "us-east-1", lb).expect("buildable");
        desired.vpc_link.map(|link| link.version)
    }

    #[test]
    fn an_internet_facing_load_balancer_is_reached_directly_by_the_catch_all() {
        let config = config(CLUSTER, None, None);
        let desired = build(&config, "us-east-1", &nlb(Scheme::InternetFacing)).expect("built");
        assert_eq!(desired.name, "cortex-prod");
        assert_eq!(desired.cluster, "prod");
        assert_eq!(desired.stage, "$default");
        assert_eq!(
            desired.routes,
            [RouteSpec {
                api: None,
                path: None,
                protection: Default::default(),
            }]
        );
        assert_eq!(desired.vpc_link, None);
        assert_eq!(desired.domain, None);
        assert_eq!(desired.backend.port, 80);
        assert_eq!(
            desired.backend.listener_arn.as_deref(),
            Some("arn:aws:elasticloadbalancing:us-east-1:1:listener/80")
        );
        assert_eq!(desired.backend.dns_name, gw_core::testing::DNS_NAME);
    }

    #[test]
    fn without_port_80_the_first_listener_is_the_target() {
        let mut lb = nlb(Scheme::InternetFacing);
        lb.listeners.retain(|l| l.port == 443);
        let desired = build(&config(CLUSTER, None, None), "us-east-1", &lb).expect("built");
        assert_eq!(desired.backend.port, 443);
        lb.listeners.clear();
        let desired = build(&config(CLUSTER, None, None), "us-east-1", &lb).expect("built");
        assert_eq!(
            (desired.backend.port, desired.backend.listener_arn),
            (80, None)
        );
    }

    #[test]
    fn an_internal_load_balancer_gets_the_vpc_link_its_gateway_kind_needs() {
        let alb = load_balancer(Scheme::Internal, LoadBalancerKind::Application);
        let nlb = nlb(Scheme::Internal);
        assert_eq!(link_version(None, &nlb), Some(VpcLinkVersion::V2), "HTTP");
        assert_eq!(
            link_version(Some(&rest(None)), &nlb),
            Some(VpcLinkVersion::V1)
        );
        assert_eq!(
            link_version(Some(&rest(Some("v2"))), &nlb),
            Some(VpcLinkVersion::V2)
        );
        assert_eq!(
            link_version(Some(&rest(None)), &alb),
            Some(VpcLinkVersion::V2)
        );
        let config = config(INTERNAL, None, Some(&rest(None)));
        let link = build(&config, "us-east-1", &nlb)
            .expect("built")
            .vpc_link
            .expect("a link");
        assert_eq!(link.name, "cortex-prod");
        assert_eq!(
            link.timeout_seconds,
            netconf::DEFAULT_VPC_LINK_TIMEOUT_SECONDS
        );
    }

    #[test]
    fn a_vpc_link_that_cannot_reach_the_load_balancer_is_invalid_input() {
        let alb = load_balancer(Scheme::Internal, LoadBalancerKind::Application);
        let config = config(INTERNAL, None, Some(&rest(Some("v1"))));
        let error = build(&config, "us-east-1", &alb).expect_err("v1 cannot reach an ALB");
        assert_eq!(error.exit_code(), crate::EXIT_INVALID_INPUT);
        let text = error.to_string();
        assert!(
            text.starts_with("load balancer api-lb is internal: "),
            "{text}"
        );
        assert!(text.contains("`gateway.vpc_link: v2`"), "{text}");
        let classic = load_balancer(Scheme::Internal, LoadBalancerKind::Classic);
        let config = crate::testing::config(INTERNAL, None, None);
        assert!(build(&config, "us-east-1", &classic).is_err());
    }

    #[test]
    fn apis_without_the_gateway_get_no_route() {
        let config = config(CLUSTER, Some(APIS), None);
        let desired = build(&config, "us-east-1", &nlb(Scheme::InternetFacing)).expect("built");
        let routes: Vec<(Option<&str>, Option<&str>)> = desired
            .routes
            .iter()
            .map(|r| (r.api.as_deref(), r.path.as_deref()))
            .collect();
        assert_eq!(
            routes,
            [
                (Some("iris"), Some("/iris")),
                (Some("batch"), Some("/v1/batch"))
            ]
        );
    }

    #[test]
    fn the_gateway_disabled_cluster_wide_wants_nothing_not_even_a_vpc_link() {
        let cluster = format!("{INTERNAL}api_gateway: disabled\n");
        // A REST API cannot reach a classic load balancer, but nothing is built to reach it.
        let classic = load_balancer(Scheme::Internal, LoadBalancerKind::Classic);
        let config = config(&cluster, Some(APIS), Some(&rest(None)));
        let desired = build(&config, "us-east-1", &classic).expect("nothing to check");
        assert!(desired.routes.is_empty());
        assert_eq!(desired.vpc_link, None);
        assert!(routes(&config).is_empty());
    }

    #[test]
    fn a_domain_uses_its_own_certificate_or_the_clusters() {
        let own =
            format!("gateway:\n  domain: api.example.com\n  certificate_arn: {CERTIFICATE}\n");
        let config = config(CLUSTER, None, Some(&own));
        let desired = build(&config, "us-east-1", &nlb(Scheme::InternetFacing)).expect("built");
        assert_eq!(
            desired.domain,
            Some(DomainSpec {
                name: "api.example.com".into(),
                certificate_arn: CERTIFICATE.into()
            })
        );
        let cluster = format!("{CLUSTER}ssl_certificate_arn: {CERTIFICATE}\n");
        let config = crate::testing::config(
            &cluster,
            None,
            Some("gateway:\n  domain: api.example.com\n"),
        );
        let desired = build(&config, "us-east-1", &nlb(Scheme::InternetFacing)).expect("built");
        let domain = desired.domain.expect("a domain");
        assert_eq!(domain.certificate_arn, CERTIFICATE);
    }

    const PROTECTED: &str = "gateway:\n  type: rest\n  auth: api_key\n  throttle: {rate: 100, burst: 200}\n  \
                             access_logs:\n    destination_arn: arn:aws:logs:us-east-1:123456789012:log-group:api\n\
                             apis:\n  batch:\n    auth: iam\n    throttle: {rate: 5, burst: 10}\n\
                             api_keys:\n  - name: partner-a\n\
                             usage_plans:\n  - name: partners\n    quota: {limit: 1000, period: day}\n    keys: [partner-a]\n";

    #[test]
    fn each_route_takes_its_apis_override_else_the_gateway_defaults() {
        let config = config(CLUSTER, Some(APIS), Some(PROTECTED));
        let desired = build(&config, "us-east-1", &nlb(Scheme::InternetFacing)).expect("built");
        let protections: Vec<(Option<&str>, &RouteProtection)> = desired
            .routes
            .iter()
            .map(|r| (r.api.as_deref(), &r.protection))
            .collect();
        let default = RouteProtection {
            auth: Auth::ApiKey,
            scopes: Vec::new(),
            throttle: None,
        };
        let batch = RouteProtection {
            auth: Auth::Iam,
            scopes: Vec::new(),
            throttle: Some(Throttle { rate: 5, burst: 10 }),
        };
        assert_eq!(
            protections,
            [(Some("iris"), &default), (Some("batch"), &batch)]
        );
        let protection = &desired.protection;
        assert_eq!(
            protection.throttle,
            Some(Throttle {
                rate: 100,
                burst: 200
            })
        );
        let log = protection.access_log.as_ref().expect("access log");
        assert_eq!(log.format, gw_core::ACCESS_LOG_FORMAT);
        assert_eq!(protection.api_keys[0].name, "partner-a");
        assert_eq!(protection.usage_plans[0].keys, ["partner-a"]);
        assert_eq!(protection.jwt, None);
    }

    #[test]
    fn the_catch_all_takes_the_defaults_and_scopes_go_with_jwt_only() {
        let settings = "gateway:\n  auth: jwt\n  jwt:\n    issuer: https://issuer.example.com\n    \
                        audiences: [client]\napis:\n  iris:\n    scopes: [iris/read]\n  batch:\n    auth: iam\n";
        let catch_all = config(CLUSTER, None, Some(settings));
        let desired = build(&catch_all, "us-east-1", &nlb(Scheme::InternetFacing)).expect("built");
        assert_eq!(desired.routes[0].protection.auth, Auth::Jwt);
        assert!(desired.routes[0].protection.scopes.is_empty());
        let jwt = desired.protection.jwt.expect("the authorizer");
        assert_eq!(jwt.audiences, ["client"]);

        let per_api = config(CLUSTER, Some(APIS), Some(settings));
        let routes = routes(&per_api);
        assert_eq!(routes[0].protection.scopes, ["iris/read"]);
        assert_eq!(routes[1].protection.auth, Auth::Iam);
        assert!(routes[1].protection.scopes.is_empty());
    }

    #[test]
    fn no_route_no_keys_or_plans() {
        let cluster = format!("{CLUSTER}api_gateway: disabled\n");
        let config = config(&cluster, None, Some(PROTECTED));
        let desired = build(&config, "us-east-1", &nlb(Scheme::InternetFacing)).expect("built");
        assert!(desired.routes.is_empty());
        assert_eq!(desired.protection, Protection::default());
    }

    #[test]
    fn rest_settings_reach_the_desired_gateway() {
        let settings = "gateway:\n  type: rest\n  stage: prod\n  endpoint_type: edge\n  cors:\n    \
                        allow_origins: ['https://example.com']\n";
        let config = config(CLUSTER, None, Some(settings));
        let desired = build(&config, "eu-west-1", &nlb(Scheme::InternetFacing)).expect("built");
        assert_eq!(desired.region, "eu-west-1");
        assert_eq!(desired.stage, "prod");
        assert_eq!(desired.endpoint_type, gw_core::EndpointType::Edge);
        let cors = desired.cors.expect("cors");
        assert_eq!(cors.allow_origins, ["https://example.com"]);
    }
}
