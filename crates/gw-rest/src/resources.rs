//! The resources a REST API gateway consists of, and the fingerprint that decides when it must
//! be redeployed: pure, so plans are computed and tested without AWS.
//!
//! Naming (unique within a kind, stable across runs, so the diff can match desired and found):
//! - VPC link: its name (`cortex-<cluster>`);
//! - API: its name (`cortex-<cluster>`);
//! - resource: its path (`/iris`, `/v1`, `/v1/text-gen/{proxy+}`); the root `/` exists with the
//!   API and is never a resource of ours;
//! - method and integration: `<HTTP method> <path>` (`ANY /iris/{proxy+}`, `OPTIONS /`), an
//!   integration taking the name of the method it belongs to;
//! - deployment: `current`, the one the stage serves;
//! - stage: its name (`dev`).

use crate::fingerprint::fingerprint;
use crate::protection::{desired_authorization, key_and_plan_resources, stage_resource};
use gw_core::{
    Auth, Cors, DesiredGateway, Resource, ResourceKind, RouteSpec, VpcLinkVersion, attr,
};
use std::collections::HashMap;

/// The name of the deployment the stage serves.
pub const CURRENT_DEPLOYMENT: &str = "current";

pub(crate) const PROXY_PARAMETER: &str = "method.request.path.proxy";
pub(crate) const PROXY_INTEGRATION_PARAMETER: &str = "integration.request.path.proxy";
pub(crate) const MOCK_TEMPLATE: &str = r#"{"statusCode": 200}"#;
const CORS_HEADERS: [&str; 3] = [
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Origin",
];
const MAX_AGE_HEADER: &str = "Access-Control-Max-Age";

/// One published path: the resource (`/` is the root) and the URI its `ANY` method forwards to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub path: String,
    pub uri: String,
}

impl Published {
    pub fn is_proxy(&self) -> bool {
        self.path.ends_with("{proxy+}")
    }
}

/// The paths one route publishes: the catch-all (`/` and `/{proxy+}`), or an endpoint with and
/// without a trailing `{proxy+}`, each forwarding to the same path on the load balancer.
fn published_for(base: &str, route: &RouteSpec) -> Vec<Published> {
    let endpoint = route
        .path
        .as_deref()
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty());
    match endpoint {
        None => vec![
            Published {
                path: "/".into(),
                uri: format!("{base}/"),
            },
            Published {
                path: "/{proxy+}".into(),
                uri: format!("{base}/{{proxy}}"),
            },
        ],
        Some(endpoint) => vec![
            Published {
                path: format!("/{endpoint}"),
                uri: format!("{base}/{endpoint}"),
            },
            Published {
                path: format!("/{endpoint}/{{proxy+}}"),
                uri: format!("{base}/{endpoint}/{{proxy}}"),
            },
        ],
    }
}

/// Every published path of the desired gateway, in configuration order, without duplicates.
pub fn published_paths(desired: &DesiredGateway) -> Vec<Published> {
    let base = desired.backend.base_url();
    let mut out: Vec<Published> = Vec::new();
    for published in desired.routes.iter().flat_map(|r| published_for(&base, r)) {
        if !out.iter().any(|p| p.path == published.path) {
            out.push(published);
        }
    }
    out
}

/// The resources (paths) to create for the published paths, parents first: `/v1` before
/// `/v1/text-gen` before `/v1/text-gen/{proxy+}`. The root is not one.
pub fn resource_paths(published: &[Published]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in published {
        let mut prefix = String::new();
        for part in p.path.split('/').filter(|s| !s.is_empty()) {
            prefix.push('/');
            prefix.push_str(part);
            if !out.contains(&prefix) {
                out.push(prefix.clone());
            }
        }
    }
    out
}

/// The CORS headers the `OPTIONS` mock answers with, as response parameters
/// (`method.response.header.<name>`), each value single-quoted as API Gateway mapping values
/// are.
fn cors_response_headers(cors: &Cors) -> Vec<(String, String)> {
    let quoted = |values: &[String]| {
        if values.is_empty() {
            "'*'".to_string()
        } else {
            format!("'{}'", values.join(","))
        }
    };
    let mut out = vec![
        (CORS_HEADERS[0], quoted(&cors.allow_headers)),
        (CORS_HEADERS[1], quoted(&cors.allow_methods)),
        (CORS_HEADERS[2], quoted(&cors.allow_origins)),
    ];
    if let Some(max_age) = cors.max_age_seconds {
        out.push((MAX_AGE_HEADER, format!("'{max_age}'")));
    }
    out.into_iter()
        .map(|(header, value)| (format!("method.response.header.{header}"), value))
        .collect()
}

/// The `OPTIONS` mock integration's response parameters: header -> value.
pub(crate) fn cors_response_values(cors: &Cors) -> HashMap<String, String> {
    cors_response_headers(cors).into_iter().collect()
}

/// The same headers as the `OPTIONS` method declares them (not required: `false`).
pub(crate) fn cors_response_declared(cors: &Cors) -> HashMap<String, bool> {
    cors_response_headers(cors)
        .into_iter()
        .map(|(header, _)| (header, false))
        .collect()
}

/// A map as one comparable string: sorted `key=value`, joined by `;`.
pub(crate) fn map_text<'a, I, V>(entries: I) -> String
where
    I: IntoIterator<Item = (&'a String, V)>,
    V: ToString,
{
    let mut pairs: Vec<String> = entries
        .into_iter()
        .map(|(k, v)| format!("{k}={}", v.to_string()))
        .collect();
    pairs.sort();
    pairs.join(";")
}

/// Responses as one comparable string: `<status>: <map_text>` per status, sorted, joined by
/// ` | `.
pub(crate) fn responses_text(responses: &[(String, String)]) -> String {
    let mut parts: Vec<String> = responses
        .iter()
        .map(|(status, map)| format!("{status}: {map}"))
        .collect();
    parts.sort();
    parts.join(" | ")
}

/// Who may call each published path: the authorization of the route that published it first.
pub(crate) fn published_auth(desired: &DesiredGateway) -> HashMap<String, Auth> {
    let base = desired.backend.base_url();
    let mut out = HashMap::new();
    for route in &desired.routes {
        for published in published_for(&base, route) {
            out.entry(published.path).or_insert(route.protection.auth);
        }
    }
    out
}

/// A method; `authorization` is [`crate::protection::authorization_text`]'s (the CORS mock's is
/// always `NONE`: browsers send preflights without credentials).
fn method_resource(
    method: &str,
    path: &str,
    proxy: bool,
    cors: Option<&Cors>,
    authorization: &str,
) -> Resource {
    let mut resource = Resource::new(ResourceKind::Method, format!("{method} {path}"))
        .with(attr::AUTHORIZATION, authorization);
    if method == "OPTIONS" {
        resource = resource.with(attr::REQUEST_PARAMETERS, "");
        if let Some(cors) = cors {
            let map = map_text(&cors_response_declared(cors));
            resource = resource.with(attr::RESPONSES, responses_text(&[("200".into(), map)]));
        }
    } else {
        let params = if proxy {
            format!("{PROXY_PARAMETER}=true")
        } else {
            String::new()
        };
        resource = resource.with(attr::REQUEST_PARAMETERS, params);
    }
    resource
}

/// The `connection` attribute of a proxy integration: `INTERNET` or `VPC_LINK <link name>`.
fn connection_text(desired: &DesiredGateway) -> String {
    match &desired.vpc_link {
        None => "INTERNET".to_string(),
        Some(spec) => format!("VPC_LINK {}", spec.name),
    }
}

fn proxy_integration(desired: &DesiredGateway, published: &Published) -> Resource {
    let params = if published.is_proxy() {
        format!("{PROXY_INTEGRATION_PARAMETER}={PROXY_PARAMETER}")
    } else {
        String::new()
    };
    let target = match &desired.vpc_link {
        Some(spec) if spec.version == VpcLinkVersion::V2 => {
            desired.backend.arn.clone().unwrap_or_default()
        }
        _ => String::new(),
    };
    Resource::new(ResourceKind::Integration, format!("ANY {}", published.path))
        .with(attr::TYPE, "HTTP_PROXY")
        .with(attr::METHOD, "ANY")
        .with(attr::URI, &published.uri)
        .with(attr::CONNECTION, connection_text(desired))
        .with(attr::TARGET, target)
        .with(attr::REQUEST_PARAMETERS, params)
}

fn cors_integration(path: &str, cors: &Cors) -> Resource {
    let map = map_text(&cors_response_values(cors));
    Resource::new(ResourceKind::Integration, format!("OPTIONS {path}"))
        .with(attr::TYPE, "MOCK")
        .with(
            attr::REQUEST_TEMPLATES,
            format!("application/json={MOCK_TEMPLATE}"),
        )
        .with(attr::RESPONSES, responses_text(&[("200".into(), map)]))
}

/// The VPC link resource: its version, what it targets, and `AVAILABLE`, so that a link still
/// `PENDING` (or `FAILED`) shows in the plan and `apply` waits for it (or says what to do).
pub(crate) fn vpc_link_resource(desired: &DesiredGateway) -> Option<Resource> {
    let spec = desired.vpc_link.as_ref()?;
    let mut resource = Resource::new(ResourceKind::VpcLink, &spec.name)
        .with(attr::VERSION, spec.version.to_string())
        .with(attr::STATUS, "AVAILABLE");
    match spec.version {
        VpcLinkVersion::V1 => {
            resource = resource.with(
                attr::TARGETS,
                desired.backend.arn.clone().unwrap_or_default(),
            );
        }
        VpcLinkVersion::V2 => {
            resource = resource
                .with(attr::TARGETS, sorted_list(&desired.backend.subnets))
                .with(
                    attr::SECURITY_GROUPS,
                    sorted_list(&desired.backend.security_groups),
                );
        }
    }
    Some(resource)
}

pub(crate) fn sorted_list(values: &[String]) -> String {
    let mut values = values.to_vec();
    values.sort();
    values.dedup();
    values.join(",")
}

/// Everything the desired gateway consists of, parents first: the VPC link, the API, its
/// resources, methods, integrations, the deployment `current` (carrying the fingerprint of all
/// the rest), and the stage. No routes: nothing at all.
pub fn desired_resources(desired: &DesiredGateway) -> Vec<Resource> {
    if desired.routes.is_empty() {
        return Vec::new();
    }
    let mut resources = Vec::new();
    resources.extend(vpc_link_resource(desired));
    resources.push(
        Resource::new(ResourceKind::Api, &desired.name)
            .with(attr::ENDPOINT_TYPE, desired.endpoint_type.as_aws()),
    );
    let published = published_paths(desired);
    for path in resource_paths(&published) {
        resources.push(Resource::new(ResourceKind::Resource, path));
    }
    let cors = desired.cors.as_ref();
    let auth = published_auth(desired);
    for p in &published {
        let authorization = desired_authorization(auth.get(&p.path).copied().unwrap_or_default());
        resources.push(method_resource(
            "ANY",
            &p.path,
            p.is_proxy(),
            cors,
            authorization,
        ));
        if cors.is_some() {
            resources.push(method_resource("OPTIONS", &p.path, false, cors, "NONE"));
        }
    }
    for p in &published {
        resources.push(proxy_integration(desired, p));
        if let Some(cors) = cors {
            resources.push(cors_integration(&p.path, cors));
        }
    }
    let fingerprint = fingerprint(&resources);
    resources.push(
        Resource::new(ResourceKind::Deployment, CURRENT_DEPLOYMENT)
            .with(attr::FINGERPRINT, fingerprint),
    );
    resources.push(stage_resource(desired));
    // The custom domain (regional or edge like the API), then its root base path mapping to the
    // stage: mapped last, unmapped first, the domain name deleted after the API.
    if let Some(domain) = &desired.domain {
        resources.push(
            Resource::new(ResourceKind::DomainName, &domain.name)
                .with(attr::CERTIFICATE, &domain.certificate_arn)
                .with(attr::ENDPOINT_TYPE, desired.endpoint_type.as_aws()),
        );
        resources.push(
            Resource::new(ResourceKind::ApiMapping, &domain.name).with(attr::STAGE, &desired.stage),
        );
    }
    // Keys, then the usage plans binding them to the stage (rollout: after the stage exists).
    resources.extend(key_and_plan_resources(desired));
    resources
}

/// Where a custom domain of this gateway lives.
pub(crate) fn domain_endpoint(desired: &DesiredGateway) -> tls_cert::check::DomainEndpoint {
    match desired.endpoint_type {
        gw_core::EndpointType::Regional => tls_cert::check::DomainEndpoint::Regional,
        gw_core::EndpointType::Edge => tls_cert::check::DomainEndpoint::Edge,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::GatewayKind;
    use gw_core::testing::{DNS_NAME, desired};

    fn names(resources: &[Resource], kind: ResourceKind) -> Vec<String> {
        resources
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.name.clone())
            .collect()
    }

    fn find<'a>(resources: &'a [Resource], kind: ResourceKind, name: &str) -> &'a Resource {
        let found = resources.iter().find(|r| r.kind == kind && r.name == name);
        found.unwrap_or_else(|| panic!("no {kind} {name} in {resources:?}"))
    }

    fn lb(path: &str) -> String {
        format!("http://{DNS_NAME}{path}")
    }

    #[test]
    fn catch_all_forwards_the_root_and_every_path() {
        let resources = desired_resources(&desired(GatewayKind::Rest).build());
        let summary: Vec<(ResourceKind, &str)> = resources
            .iter()
            .map(|r| (r.kind, r.name.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (ResourceKind::Api, "cortex-prod"),
                (ResourceKind::Resource, "/{proxy+}"),
                (ResourceKind::Method, "ANY /"),
                (ResourceKind::Method, "ANY /{proxy+}"),
                (ResourceKind::Integration, "ANY /"),
                (ResourceKind::Integration, "ANY /{proxy+}"),
                (ResourceKind::Deployment, "current"),
                (ResourceKind::Stage, "dev"),
            ]
        );
        assert_eq!(
            resources[0].attribute(attr::ENDPOINT_TYPE),
            Some("REGIONAL")
        );
        assert_eq!(
            resources[6].attribute(attr::FINGERPRINT).map(str::len),
            Some(16)
        );
    }

    #[test]
    fn catch_all_methods_take_the_proxy_parameter_and_no_authorization() {
        let resources = desired_resources(&desired(GatewayKind::Rest).build());
        let root = find(&resources, ResourceKind::Method, "ANY /");
        assert_eq!(root.attribute(attr::REQUEST_PARAMETERS), Some(""));
        let proxy = find(&resources, ResourceKind::Method, "ANY /{proxy+}");
        assert_eq!(
            proxy.attribute(attr::REQUEST_PARAMETERS),
            Some("method.request.path.proxy=true")
        );
        assert_eq!(proxy.attribute(attr::AUTHORIZATION), Some("NONE"));
    }

    #[test]
    fn catch_all_integrations_proxy_to_the_same_path() {
        let resources = desired_resources(&desired(GatewayKind::Rest).build());
        let root = find(&resources, ResourceKind::Integration, "ANY /");
        assert_eq!(root.attribute(attr::URI), Some(lb("/").as_str()));
        let proxy = find(&resources, ResourceKind::Integration, "ANY /{proxy+}");
        assert_eq!(proxy.attribute(attr::TYPE), Some("HTTP_PROXY"));
        assert_eq!(proxy.attribute(attr::METHOD), Some("ANY"));
        assert_eq!(proxy.attribute(attr::CONNECTION), Some("INTERNET"));
        assert_eq!(proxy.attribute(attr::URI), Some(lb("/{proxy}").as_str()));
        assert_eq!(
            proxy.attribute(attr::REQUEST_PARAMETERS),
            Some("integration.request.path.proxy=method.request.path.proxy")
        );
    }

    #[test]
    fn per_api_endpoints_create_missing_parents_and_preserve_the_path() {
        let want = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris"), ("text-gen", "/v1/text-gen")])
            .build();
        let resources = desired_resources(&want);
        assert_eq!(
            names(&resources, ResourceKind::Resource),
            vec![
                "/iris",
                "/iris/{proxy+}",
                "/v1",
                "/v1/text-gen",
                "/v1/text-gen/{proxy+}"
            ]
        );
        assert_eq!(
            names(&resources, ResourceKind::Method),
            vec![
                "ANY /iris",
                "ANY /iris/{proxy+}",
                "ANY /v1/text-gen",
                "ANY /v1/text-gen/{proxy+}"
            ]
        );
        let uris: Vec<(String, String)> = resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Integration)
            .map(|r| {
                (
                    r.name.clone(),
                    r.attribute(attr::URI).unwrap_or_default().into(),
                )
            })
            .collect();
        assert_eq!(
            uris,
            vec![
                ("ANY /iris".to_string(), lb("/iris")),
                ("ANY /iris/{proxy+}".to_string(), lb("/iris/{proxy}")),
                ("ANY /v1/text-gen".to_string(), lb("/v1/text-gen")),
                (
                    "ANY /v1/text-gen/{proxy+}".to_string(),
                    lb("/v1/text-gen/{proxy}")
                ),
            ]
        );
        // No catch-all when APIs are listed.
        assert!(!names(&resources, ResourceKind::Method).contains(&"ANY /".to_string()));
        assert!(!names(&resources, ResourceKind::Resource).contains(&"/{proxy+}".to_string()));
    }

    #[test]
    fn shared_parents_and_duplicate_endpoints_are_created_once() {
        let want = desired(GatewayKind::Rest)
            .apis(&[("a", "/v1/a"), ("b", "/v1/b/"), ("a", "v1/a")])
            .build();
        assert_eq!(
            names(&desired_resources(&want), ResourceKind::Resource),
            vec!["/v1", "/v1/a", "/v1/a/{proxy+}", "/v1/b", "/v1/b/{proxy+}"]
        );
    }

    #[test]
    fn no_routes_means_no_gateway() {
        let want = desired(GatewayKind::Rest).no_routes().build();
        assert!(desired_resources(&want).is_empty());
    }

    fn with_cors() -> Vec<Resource> {
        let mut want = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris")])
            .build();
        want.cors = Some(Cors {
            allow_origins: vec!["https://a.example".into(), "https://b.example".into()],
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_headers: vec![],
            max_age_seconds: None,
        });
        desired_resources(&want)
    }

    #[test]
    fn cors_adds_an_options_method_on_every_published_resource() {
        let resources = with_cors();
        assert_eq!(
            names(&resources, ResourceKind::Method),
            vec![
                "ANY /iris",
                "OPTIONS /iris",
                "ANY /iris/{proxy+}",
                "OPTIONS /iris/{proxy+}"
            ]
        );
        let options = find(&resources, ResourceKind::Method, "OPTIONS /iris");
        assert_eq!(options.attribute(attr::AUTHORIZATION), Some("NONE"));
        assert_eq!(
            options.attribute(attr::RESPONSES),
            Some(
                "200: method.response.header.Access-Control-Allow-Headers=false;\
                 method.response.header.Access-Control-Allow-Methods=false;\
                 method.response.header.Access-Control-Allow-Origin=false"
            )
        );
    }

    #[test]
    fn cors_options_are_answered_by_a_mock_with_the_headers() {
        let resources = with_cors();
        let mock = find(
            &resources,
            ResourceKind::Integration,
            "OPTIONS /iris/{proxy+}",
        );
        assert_eq!(mock.attribute(attr::TYPE), Some("MOCK"));
        assert_eq!(
            mock.attribute(attr::REQUEST_TEMPLATES),
            Some(r#"application/json={"statusCode": 200}"#)
        );
        assert_eq!(
            mock.attribute(attr::RESPONSES),
            Some(
                "200: method.response.header.Access-Control-Allow-Headers='*';\
                 method.response.header.Access-Control-Allow-Methods='GET,POST';\
                 method.response.header.Access-Control-Allow-Origin='https://a.example,https://b.example'"
            )
        );
    }

    #[test]
    fn a_vpc_link_v1_comes_first_and_integrations_go_through_it() {
        let want = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris")])
            .internal(VpcLinkVersion::V1)
            .build();
        let v1 = desired_resources(&want);
        assert_eq!(v1[0].kind, ResourceKind::VpcLink);
        assert_eq!(v1[0].name, "cortex-prod");
        assert_eq!(v1[0].attribute(attr::VERSION), Some("v1"));
        assert_eq!(v1[0].attribute(attr::STATUS), Some("AVAILABLE"));
        assert_eq!(v1[0].attribute(attr::TARGETS), want.backend.arn.as_deref());
        let integration = find(&v1, ResourceKind::Integration, "ANY /iris");
        assert_eq!(
            integration.attribute(attr::CONNECTION),
            Some("VPC_LINK cortex-prod")
        );
        assert_eq!(integration.attribute(attr::TARGET), Some(""));
        assert_eq!(integration.attribute(attr::URI), Some(lb("/iris").as_str()));
    }

    #[test]
    fn a_vpc_link_v2_targets_sorted_subnets_and_integrations_the_load_balancer() {
        let mut want = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris")])
            .internal(VpcLinkVersion::V2)
            .build();
        want.backend.subnets = vec!["subnet-b".into(), "subnet-a".into(), "subnet-b".into()];
        let v2 = desired_resources(&want);
        assert_eq!(v2[0].attribute(attr::VERSION), Some("v2"));
        assert_eq!(v2[0].attribute(attr::TARGETS), Some("subnet-a,subnet-b"));
        assert_eq!(v2[0].attribute(attr::SECURITY_GROUPS), Some("sg-1"));
        let integration = find(&v2, ResourceKind::Integration, "ANY /iris");
        assert_eq!(
            integration.attribute(attr::TARGET),
            want.backend.arn.as_deref()
        );
        let public = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris")])
            .build();
        assert_ne!(
            crate::desired_fingerprint(&want),
            crate::desired_fingerprint(&public)
        );
    }

    #[test]
    fn a_custom_domain_is_mapped_to_the_stage_last() {
        let want = desired(GatewayKind::Rest)
            .domain("api.example.com", "arn:aws:acm:us-east-1:1:certificate/c")
            .build();
        let resources = desired_resources(&want);
        let tail: Vec<(ResourceKind, &str)> = resources[resources.len() - 3..]
            .iter()
            .map(|r| (r.kind, r.name.as_str()))
            .collect();
        assert_eq!(
            tail,
            vec![
                (ResourceKind::Stage, "dev"),
                (ResourceKind::DomainName, "api.example.com"),
                (ResourceKind::ApiMapping, "api.example.com"),
            ]
        );
        let mapping = find(&resources, ResourceKind::ApiMapping, "api.example.com");
        assert_eq!(mapping.attribute(attr::STAGE), Some("dev"));
    }
}
