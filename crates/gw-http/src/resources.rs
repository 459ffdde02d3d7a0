//! The resources an HTTP API gateway consists of: pure, so plans are computed and tested
//! without AWS.

use gw_core::{Cors, DesiredGateway, Resource, ResourceKind, RouteSpec, attr};

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

/// The integration URI for a route key: the load balancer with the same path, `{proxy+}`
/// becoming the `{proxy}` variable, so Cortex sees the path the client called.
pub fn integration_uri(desired: &DesiredGateway, route_key: &str) -> String {
    let path = route_key.strip_prefix("ANY ").unwrap_or(route_key);
    let path = path.replace("{proxy+}", "{proxy}");
    format!("{}{path}", desired.backend.base_url())
}

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
/// Through a VPC link (internal load balancers), every integration targets the listener ARN
/// and API Gateway forwards the request path. For private integrations AWS prepends a stage
/// other than `$default` to that path; `overwrite:path = $request.path` sends the path the
/// client called, which is what Cortex routes on.
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
    let keys: Vec<String> = desired.routes.iter().flat_map(route_keys).collect();
    for key in &keys {
        let integration = Resource::new(ResourceKind::Integration, key)
            .with(attr::TYPE, "HTTP_PROXY")
            .with(attr::METHOD, "ANY");
        resources.push(match &desired.vpc_link {
            None => integration
                .with(attr::URI, integration_uri(desired, key))
                .with(attr::CONNECTION, "INTERNET"),
            Some(link) => integration
                .with(
                    attr::URI,
                    desired.backend.listener_arn.clone().unwrap_or_default(),
                )
                .with(attr::CONNECTION, via_link(&link.name))
                .with(attr::OVERWRITE_PATH, "$request.path"),
        });
    }
    for key in &keys {
        resources.push(Resource::new(ResourceKind::Route, key).with(attr::TARGET, key));
    }
    resources
        .push(Resource::new(ResourceKind::Stage, &desired.stage).with(attr::AUTO_DEPLOY, "true"));
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
        assert_eq!(integrations.len(), 2);
        for integration in integrations {
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
    fn catch_all_matches_the_console_guide() {
        let resources = desired_resources(&desired(GatewayKind::Http).build());
        assert_eq!(
            summary(&resources),
            vec![
                (ResourceKind::Api, "cortex-prod".into(), None),
                (
                    ResourceKind::Integration,
                    "ANY /{proxy+}".into(),
                    Some(format!("http://{DNS_NAME}/{{proxy}}"))
                ),
                (
                    ResourceKind::Route,
                    "ANY /{proxy+}".into(),
                    Some("ANY /{proxy+}".into())
                ),
                (ResourceKind::Stage, "$default".into(), None),
            ]
        );
        assert_eq!(resources[0].attribute(attr::PROTOCOL), Some("HTTP"));
        assert_eq!(resources[1].attribute(attr::TYPE), Some("HTTP_PROXY"));
        assert_eq!(resources[3].attribute(attr::AUTO_DEPLOY), Some("true"));
    }

    #[test]
    fn per_api_routes_preserve_the_path() {
        let resources = desired_resources(
            &desired(GatewayKind::Http)
                .apis(&[("iris", "/iris"), ("text", "/v1/text-gen")])
                .build(),
        );
        let uris: Vec<_> = resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Integration)
            .map(|r| (r.name.as_str(), r.attribute(attr::URI).unwrap_or("")))
            .collect();
        let lb = format!("http://{DNS_NAME}");
        assert_eq!(
            uris,
            vec![
                ("ANY /iris", format!("{lb}/iris").as_str()),
                (
                    "ANY /iris/{proxy+}",
                    format!("{lb}/iris/{{proxy}}").as_str()
                ),
                ("ANY /v1/text-gen", format!("{lb}/v1/text-gen").as_str()),
                (
                    "ANY /v1/text-gen/{proxy+}",
                    format!("{lb}/v1/text-gen/{{proxy}}").as_str()
                ),
            ]
        );
        let routes: Vec<_> = resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Route)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(
            routes,
            vec![
                "ANY /iris",
                "ANY /iris/{proxy+}",
                "ANY /v1/text-gen",
                "ANY /v1/text-gen/{proxy+}"
            ]
        );
        assert!(!routes.contains(&"ANY /{proxy+}"));
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
            Some(format!("http://{DNS_NAME}:8080/{{proxy}}").as_str())
        );
    }
}
