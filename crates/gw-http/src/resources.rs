//! The resources an HTTP API gateway consists of: pure, so plans are computed and tested
//! without AWS.

use crate::protection::{
    authorization, desired_access_log_text, route_throttles_text, scopes, throttle_text,
};
use gw_core::{
    Auth, Cors, DesiredGateway, JWT_AUTHORIZER, Resource, ResourceKind, RouteProtection, RouteSpec,
    Throttle, attr,
};

/// `connection` attribute of an integration that goes through the VPC link named `link`.
pub(crate) fn via_link(link: &str) -> String {
    format!("VPC_LINK {link}")
}

/// Sorted and comma-joined, so that attribute comparison ignores order.
pub(crate) fn joined(items: &[String]) -> String {
    let mut items = items.to_vec();
    items.sort();
    items.join(",")
}

/// The route keys one route spec publishes: the catch-all, or an endpoint with and without a
/// trailing proxy segment (so `/iris` and `/iris/anything` both reach the API).
pub fn route_keys(route: &RouteSpec) -> Vec<String> {
    match &route.path {
        None => vec!["ANY /{proxy+}".to_string()],
        Some(path) => vec![format!("ANY {path}"), format!("ANY {path}/{{proxy+}}")],
    }
}

/// The protection of the route spec that publishes `route_key` (see [`route_keys`]).
pub(crate) fn route_protection<'a>(
    desired: &'a DesiredGateway,
    route_key: &str,
) -> Option<&'a RouteProtection> {
    desired
        .routes
        .iter()
        .find(|route| route_keys(route).iter().any(|key| key == route_key))
        .map(|route| &route.protection)
}

/// Whether any route wants the JWT authorizer.
pub(crate) fn wants_jwt(desired: &DesiredGateway) -> bool {
    desired
        .routes
        .iter()
        .any(|route| route.protection.auth == Auth::Jwt)
}

/// The name (and AWS description) of the one integration every route targets: the load balancer.
/// Its description is its identity: one whose create answer was lost is found by it.
pub const INTEGRATION: &str = "load-balancer";

/// The request parameter of [`INTEGRATION`]: the backend receives the path the client called
/// (AWS: `$request.path` is the request path without the stage name), whatever the route
/// (`ANY /iris`, `ANY /iris/{proxy+}`, the catch-all `ANY /{proxy+}`) and the stage.
pub(crate) const OVERWRITE_PATH: (&str, &str) = ("overwrite:path", "$request.path");

pub(crate) fn cors_text(cors: Option<&Cors>) -> String {
    match cors {
        None => "off".to_string(),
        Some(cors) => format!(
            "origins={} methods={} headers={} max_age={}",
            cors.allow_origins.join(","),
            cors.allow_methods.join(","),
            cors.allow_headers.join(","),
            cors.max_age_seconds
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
    }
}

/// Everything the desired gateway consists of, parents first. No routes: nothing at all.
///
/// One integration serves every route: `HTTP_PROXY` to the load balancer's base URL (through a
/// VPC link for internal load balancers: its listener ARN) with `overwrite:path =
/// $request.path`, so Cortex sees the path the client called. N APIs are then 2N routes and one
/// integration, instead of an integration per route.
pub fn desired_resources(desired: &DesiredGateway) -> Vec<Resource> {
    if desired.routes.is_empty() {
        return Vec::new();
    }
    let mut resources = Vec::new();
    if let Some(link) = &desired.vpc_link {
        resources.push(
            Resource::new(ResourceKind::VpcLink, &link.name)
                .with(attr::VERSION, link.version.to_string())
                .with(attr::SUBNETS, joined(&desired.backend.subnets))
                .with(
                    attr::SECURITY_GROUPS,
                    joined(&desired.backend.security_groups),
                )
                .with(attr::STATUS, "AVAILABLE"),
        );
    }
    resources.push(
        Resource::new(ResourceKind::Api, &desired.name)
            .with(attr::PROTOCOL, "HTTP")
            .with(attr::CORS, cors_text(desired.cors.as_ref())),
    );
    let integration = Resource::new(ResourceKind::Integration, INTEGRATION)
        .with(attr::TYPE, "HTTP_PROXY")
        .with(attr::METHOD, "ANY");
    let integration = match &desired.vpc_link {
        None => integration
            .with(attr::URI, desired.backend.base_url())
            .with(attr::CONNECTION, "INTERNET"),
        Some(link) => integration
            .with(
                attr::URI,
                desired.backend.listener_arn.clone().unwrap_or_default(),
            )
            .with(attr::CONNECTION, via_link(&link.name)),
    };
    resources.push(integration.with(attr::OVERWRITE_PATH, OVERWRITE_PATH.1));
    // The authorizer before the routes that name it (and deleted after them).
    if let Some(jwt) = desired
        .protection
        .jwt
        .as_ref()
        .filter(|_| wants_jwt(desired))
    {
        resources.push(
            Resource::new(ResourceKind::Authorizer, JWT_AUTHORIZER)
                .with(attr::ISSUER, &jwt.issuer)
                .with(attr::AUDIENCES, joined(&jwt.audiences)),
        );
    }
    for route in &desired.routes {
        for key in route_keys(route) {
            resources.push(route_resource(key, &route.protection));
        }
    }
    resources.push(stage_resource(desired));
    // The custom domain, then its root mapping to the stage (mappings are created last and
    // deleted first; the domain name itself is deleted after the API).
    if let Some(domain) = &desired.domain {
        resources.push(
            Resource::new(ResourceKind::DomainName, &domain.name)
                .with(attr::CERTIFICATE, &domain.certificate_arn),
        );
        resources.push(
            Resource::new(ResourceKind::ApiMapping, &domain.name).with(attr::STAGE, &desired.stage),
        );
    }
    resources
}

/// A route to the integration, with its authorization (`NONE`, `AWS_IAM`, `JWT jwt`) and its
/// scopes (JWT only, sorted and comma-joined; empty otherwise).
fn route_resource(key: String, protection: &RouteProtection) -> Resource {
    Resource::new(ResourceKind::Route, key)
        .with(attr::TARGET, INTEGRATION)
        .with(attr::AUTHORIZATION, authorization(protection.auth))
        .with(attr::AUTHORIZATION_SCOPES, scopes(protection).join(","))
}

/// The stage: auto-deploy, its default throttle, the per-route throttles (each API's on both its
/// route keys), its access log. `off` for each one not configured.
pub(crate) fn stage_resource(desired: &DesiredGateway) -> Resource {
    let protection = &desired.protection;
    Resource::new(ResourceKind::Stage, &desired.stage)
        .with(attr::AUTO_DEPLOY, "true")
        .with(attr::THROTTLE, throttle_text(protection.throttle.as_ref()))
        .with(attr::ROUTE_THROTTLES, route_throttles(desired))
        .with(
            attr::ACCESS_LOG,
            desired_access_log_text(protection.access_log.as_ref()),
        )
}

/// `<route key>=<throttle>;...` of the routes with a throttle of their own, or `off`.
fn route_throttles(desired: &DesiredGateway) -> String {
    let throttles = wanted_route_throttles(desired);
    route_throttles_text(
        throttles
            .iter()
            .map(|(key, throttle)| (key.as_str(), throttle.to_string())),
    )
}

/// Each route key with a throttle of its own (both keys of an API with one), in route order.
pub(crate) fn wanted_route_throttles(desired: &DesiredGateway) -> Vec<(String, Throttle)> {
    desired
        .routes
        .iter()
        .filter_map(|route| Some((route, route.protection.throttle?)))
        .flat_map(|(route, throttle)| {
            route_keys(route)
                .into_iter()
                .map(move |key| (key, throttle))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::testing::{DNS_NAME, desired};
    use gw_core::{GatewayKind, VpcLinkVersion};

    #[test]
    fn a_custom_domain_is_mapped_to_the_stage_after_everything_else() {
        let want = desired(GatewayKind::Http)
            .domain(
                "api.example.com",
                "arn:aws:acm:us-east-1:123456789012:certificate/c",
            )
            .build();
        let resources = desired_resources(&want);
        let tail: Vec<_> = resources[resources.len() - 2..]
            .iter()
            .map(|r| (r.kind, r.name.as_str()))
            .collect();
        assert_eq!(
            tail,
            vec![
                (ResourceKind::DomainName, "api.example.com"),
                (ResourceKind::ApiMapping, "api.example.com")
            ]
        );
        assert_eq!(
            resources[resources.len() - 2].attribute(attr::CERTIFICATE),
            Some("arn:aws:acm:us-east-1:123456789012:certificate/c")
        );
        assert_eq!(
            resources[resources.len() - 1].attribute(attr::STAGE),
            Some("$default")
        );
    }

    #[test]
    fn internal_load_balancer_goes_through_a_v2_link_to_the_listener() {
        let mut want = desired(GatewayKind::Http)
            .internal(VpcLinkVersion::V2)
            .apis(&[("iris", "/iris")])
            .stage("prod")
            .build();
        want.backend.listener_arn = Some("arn:listener/80".into());
        want.backend.subnets = vec!["subnet-b".into(), "subnet-a".into()];
        let resources = desired_resources(&want);
        assert_eq!(
            resources[0].kind,
            ResourceKind::VpcLink,
            "the link comes first"
        );
        assert_eq!(
            resources[0].attribute(attr::SUBNETS),
            Some("subnet-a,subnet-b")
        );
        assert_eq!(resources[0].attribute(attr::SECURITY_GROUPS), Some("sg-1"));
        assert_eq!(resources[0].attribute(attr::STATUS), Some("AVAILABLE"));
        let integrations: Vec<_> = resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Integration)
            .collect();
        assert_eq!(integrations.len(), 1, "one integration for both routes");
        let integration = integrations[0];
        assert_eq!(integration.name, INTEGRATION);
        assert_eq!(integration.attribute(attr::URI), Some("arn:listener/80"));
        assert_eq!(
            integration.attribute(attr::CONNECTION),
            Some("VPC_LINK cortex-prod")
        );
        assert_eq!(
            integration.attribute(attr::OVERWRITE_PATH),
            Some("$request.path")
        );
    }

    fn summary(resources: &[Resource]) -> Vec<(ResourceKind, String, Option<String>)> {
        resources
            .iter()
            .map(|r| {
                let detail = r
                    .attribute(attr::URI)
                    .or_else(|| r.attribute(attr::TARGET))
                    .map(str::to_string);
                (r.kind, r.name.clone(), detail)
            })
            .collect()
    }

    #[test]
    fn catch_all_is_one_route_to_the_load_balancer_keeping_the_path() {
        let resources = desired_resources(&desired(GatewayKind::Http).build());
        assert_eq!(
            summary(&resources),
            vec![
                (ResourceKind::Api, "cortex-prod".into(), None),
                (
                    ResourceKind::Integration,
                    INTEGRATION.into(),
                    Some(format!("http://{DNS_NAME}"))
                ),
                (
                    ResourceKind::Route,
                    "ANY /{proxy+}".into(),
                    Some(INTEGRATION.into())
                ),
                (ResourceKind::Stage, "$default".into(), None),
            ]
        );
        assert_eq!(resources[0].attribute(attr::PROTOCOL), Some("HTTP"));
        assert_eq!(resources[1].attribute(attr::TYPE), Some("HTTP_PROXY"));
        assert_eq!(resources[1].attribute(attr::CONNECTION), Some("INTERNET"));
        assert_eq!(
            resources[1].attribute(attr::OVERWRITE_PATH),
            Some("$request.path")
        );
        assert_eq!(resources[3].attribute(attr::AUTO_DEPLOY), Some("true"));
    }

    #[test]
    fn per_api_routes_share_one_integration() {
        let resources = desired_resources(
            &desired(GatewayKind::Http)
                .apis(&[("iris", "/iris"), ("text", "/v1/text-gen")])
                .build(),
        );
        assert_eq!(
            summary(&resources),
            vec![
                (ResourceKind::Api, "cortex-prod".into(), None),
                (
                    ResourceKind::Integration,
                    INTEGRATION.into(),
                    Some(format!("http://{DNS_NAME}"))
                ),
                (
                    ResourceKind::Route,
                    "ANY /iris".into(),
                    Some(INTEGRATION.into())
                ),
                (
                    ResourceKind::Route,
                    "ANY /iris/{proxy+}".into(),
                    Some(INTEGRATION.into())
                ),
                (
                    ResourceKind::Route,
                    "ANY /v1/text-gen".into(),
                    Some(INTEGRATION.into())
                ),
                (
                    ResourceKind::Route,
                    "ANY /v1/text-gen/{proxy+}".into(),
                    Some(INTEGRATION.into())
                ),
                (ResourceKind::Stage, "$default".into(), None),
            ]
        );
        assert_eq!(
            resources[1].attribute(attr::OVERWRITE_PATH),
            Some("$request.path")
        );
    }

    #[test]
    fn no_routes_means_no_gateway() {
        assert!(desired_resources(&desired(GatewayKind::Http).no_routes().build()).is_empty());
    }

    #[test]
    fn cors_and_ports_shape_attributes() {
        let mut want = desired(GatewayKind::Http).port(8080).build();
        want.cors = Some(Cors {
            allow_origins: vec!["*".into()],
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_headers: vec!["*".into()],
            max_age_seconds: Some(300),
        });
        let resources = desired_resources(&want);
        assert_eq!(
            resources[0].attribute(attr::CORS),
            Some("origins=* methods=GET,POST headers=* max_age=300")
        );
        assert_eq!(
            resources[1].attribute(attr::URI),
            Some(format!("http://{DNS_NAME}:8080").as_str())
        );
    }

    fn named<'a>(resources: &'a [Resource], kind: ResourceKind, name: &str) -> &'a Resource {
        resources
            .iter()
            .find(|r| r.kind == kind && r.name == name)
            .unwrap_or_else(|| panic!("no {kind} {name} in {resources:?}"))
    }

    #[test]
    fn a_jwt_gateway_has_one_authorizer_before_the_routes_that_name_it() {
        let want = desired(GatewayKind::Http)
            .apis(&[("iris", "/iris"), ("text", "/text")])
            .auth(Auth::Jwt)
            .jwt("https://issuer.example", &["web", "cli"])
            .route_protection(
                "text",
                RouteProtection {
                    auth: Auth::Jwt,
                    scopes: vec!["text/write".into(), "text/read".into()],
                    throttle: None,
                },
            )
            .build();
        let resources = desired_resources(&want);
        let kinds: Vec<ResourceKind> = resources.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                ResourceKind::Api,
                ResourceKind::Integration,
                ResourceKind::Authorizer,
                ResourceKind::Route,
                ResourceKind::Route,
                ResourceKind::Route,
                ResourceKind::Route,
                ResourceKind::Stage
            ]
        );
        let authorizer = named(&resources, ResourceKind::Authorizer, JWT_AUTHORIZER);
        assert_eq!(
            authorizer.attribute(attr::ISSUER),
            Some("https://issuer.example")
        );
        assert_eq!(authorizer.attribute(attr::AUDIENCES), Some("cli,web"));
        for key in ["ANY /text", "ANY /text/{proxy+}"] {
            let route = named(&resources, ResourceKind::Route, key);
            assert_eq!(route.attribute(attr::AUTHORIZATION), Some("JWT jwt"));
            assert_eq!(
                route.attribute(attr::AUTHORIZATION_SCOPES),
                Some("text/read,text/write")
            );
        }
        let iris = named(&resources, ResourceKind::Route, "ANY /iris/{proxy+}");
        assert_eq!(iris.attribute(attr::AUTHORIZATION), Some("JWT jwt"));
        assert_eq!(iris.attribute(attr::AUTHORIZATION_SCOPES), Some(""));
    }

    #[test]
    fn iam_on_one_api_and_none_on_another_needs_no_authorizer() {
        let want = desired(GatewayKind::Http)
            .apis(&[("iris", "/iris"), ("text", "/text")])
            .jwt("https://issuer.example", &["web"])
            .route_protection(
                "iris",
                RouteProtection {
                    auth: Auth::Iam,
                    scopes: vec!["ignored".into()],
                    throttle: None,
                },
            )
            .build();
        let resources = desired_resources(&want);
        assert!(
            resources.iter().all(|r| r.kind != ResourceKind::Authorizer),
            "no route uses the configured issuer: {resources:?}"
        );
        let auth = |key| {
            let route = named(&resources, ResourceKind::Route, key);
            (
                route.attribute(attr::AUTHORIZATION),
                route.attribute(attr::AUTHORIZATION_SCOPES),
            )
        };
        assert_eq!(auth("ANY /iris"), (Some("AWS_IAM"), Some("")));
        assert_eq!(auth("ANY /iris/{proxy+}"), (Some("AWS_IAM"), Some("")));
        assert_eq!(auth("ANY /text"), (Some("NONE"), Some("")));
        assert_eq!(auth("ANY /text/{proxy+}"), (Some("NONE"), Some("")));
    }

    #[test]
    fn the_stage_carries_its_throttles_and_access_log() {
        let want = desired(GatewayKind::Http)
            .apis(&[("iris", "/iris"), ("text", "/text")])
            .throttle(100, 200)
            .access_log("arn:aws:logs:us-east-1:123456789012:log-group:cortex")
            .route_protection(
                "iris",
                RouteProtection {
                    throttle: Some(Throttle { rate: 5, burst: 10 }),
                    ..RouteProtection::default()
                },
            )
            .build();
        let resources = desired_resources(&want);
        let stage = named(&resources, ResourceKind::Stage, "$default");
        assert_eq!(stage.attribute(attr::THROTTLE), Some("rate=100 burst=200"));
        assert_eq!(
            stage.attribute(attr::ROUTE_THROTTLES),
            Some("ANY /iris=rate=5 burst=10;ANY /iris/{proxy+}=rate=5 burst=10")
        );
        let access_log = stage.attribute(attr::ACCESS_LOG).unwrap_or_default();
        let digest = gw_core::SecretValue::new(gw_core::ACCESS_LOG_FORMAT).digest();
        assert_eq!(
            access_log,
            format!("arn:aws:logs:us-east-1:123456789012:log-group:cortex {digest}")
        );
    }

    #[test]
    fn without_protection_every_new_attribute_says_so() {
        let resources = desired_resources(&desired(GatewayKind::Http).build());
        let stage = named(&resources, ResourceKind::Stage, "$default");
        for key in [attr::THROTTLE, attr::ROUTE_THROTTLES, attr::ACCESS_LOG] {
            assert_eq!(stage.attribute(key), Some("off"), "{key}");
        }
        let route = named(&resources, ResourceKind::Route, "ANY /{proxy+}");
        assert_eq!(route.attribute(attr::AUTHORIZATION), Some("NONE"));
        assert_eq!(route.attribute(attr::AUTHORIZATION_SCOPES), Some(""));
    }
}
