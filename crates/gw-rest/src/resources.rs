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

use gw_core::{Cors, DesiredGateway, Resource, ResourceKind, RouteSpec, VpcLinkVersion};

/// Attribute names shared with [`crate::observe`], which must report the same ones.
pub(crate) mod attr {
    pub const ENDPOINT_TYPE: &str = "endpoint_type";
    pub const AUTHORIZATION: &str = "authorization";
    pub const REQUEST_PARAMETERS: &str = "request_parameters";
    pub const RESPONSES: &str = "responses";
    pub const TYPE: &str = "type";
    pub const METHOD: &str = "method";
    pub const URI: &str = "uri";
    pub const CONNECTION: &str = "connection";
    pub const TARGET: &str = "target";
    pub const REQUEST_TEMPLATES: &str = "request_templates";
    pub const FINGERPRINT: &str = "fingerprint";
    pub const VERSION: &str = "version";
    pub const TARGETS: &str = "targets";
    pub const SECURITY_GROUPS: &str = "security_groups";
    pub const STATUS: &str = "status";
    pub const CERTIFICATE: &str = "certificate";
    pub const STAGE: &str = "stage";
    /// Observed only: where the domain's DNS record must point.
    pub const TARGET_DOMAIN: &str = "target_domain";
    pub const HOSTED_ZONE: &str = "hosted_zone";
}

/// The name of the deployment the stage serves.
pub const CURRENT_DEPLOYMENT: &str = "current";

/// What the descriptions of our deployments start with, followed by the fingerprint.
pub(crate) const DEPLOYMENT_PREFIX: &str = "cortex-net ";

pub(crate) const PROXY_PARAMETER: &str = "method.request.path.proxy";
pub(crate) const PROXY_INTEGRATION_PARAMETER: &str = "integration.request.path.proxy";
pub(crate) const MOCK_TEMPLATE: &str = r#"{"statusCode": 200}"#;
pub(crate) const CORS_HEADERS: [&str; 3] = [
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Origin",
];
pub(crate) const MAX_AGE_HEADER: &str = "Access-Control-Max-Age";

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

/// The parent path of a resource path (`/v1/text-gen` -> `/v1`, `/iris` -> `/`) and its last
/// segment.
pub fn split_path(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some(("", part)) => ("/", part),
        Some((parent, part)) => (parent, part),
        None => ("/", path),
    }
}

/// `ANY /iris` -> (`ANY`, `/iris`).
pub fn split_method_name(name: &str) -> Option<(&str, &str)> {
    name.split_once(' ')
}

/// The header values CORS answers with, single-quoted as API Gateway mapping values are.
pub(crate) fn cors_header_values(cors: &Cors) -> Vec<(String, String)> {
    let quoted = |values: &[String]| {
        if values.is_empty() {
            "'*'".to_string()
        } else {
            format!("'{}'", values.join(","))
        }
    };
    let mut out = vec![
        (CORS_HEADERS[0].to_string(), quoted(&cors.allow_headers)),
        (CORS_HEADERS[1].to_string(), quoted(&cors.allow_methods)),
        (CORS_HEADERS[2].to_string(), quoted(&cors.allow_origins)),
    ];
    if let Some(max_age) = cors.max_age_seconds {
        out.push((MAX_AGE_HEADER.to_string(), format!("'{max_age}'")));
    }
    out
}

/// `method.response.header.<name>`.
pub(crate) fn response_header(name: &str) -> String {
    format!("method.response.header.{name}")
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

fn method_resource(method: &str, path: &str, proxy: bool, cors: Option<&Cors>) -> Resource {
    let mut resource = Resource::new(ResourceKind::Method, format!("{method} {path}"))
        .with(attr::AUTHORIZATION, "NONE");
    if method == "OPTIONS" {
        resource = resource.with(attr::REQUEST_PARAMETERS, "");
        if let Some(cors) = cors {
            let declared: Vec<(String, bool)> = cors_header_values(cors)
                .into_iter()
                .map(|(header, _)| (response_header(&header), false))
                .collect();
            let map = map_text(declared.iter().map(|(k, v)| (k, v)));
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
pub(crate) fn connection_text(desired: &DesiredGateway) -> String {
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
    let values: Vec<(String, String)> = cors_header_values(cors)
        .into_iter()
        .map(|(header, value)| (response_header(&header), value))
        .collect();
    let map = map_text(values.iter().map(|(k, v)| (k, v)));
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
    for p in &published {
        resources.push(method_resource("ANY", &p.path, p.is_proxy(), cors));
        if cors.is_some() {
            resources.push(method_resource("OPTIONS", &p.path, false, cors));
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
    resources.push(Resource::new(ResourceKind::Stage, &desired.stage));
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
    resources
}

/// Where a custom domain of this gateway lives.
pub(crate) fn domain_endpoint(desired: &DesiredGateway) -> tls_cert::check::DomainEndpoint {
    match desired.endpoint_type {
        gw_core::EndpointType::Regional => tls_cert::check::DomainEndpoint::Regional,
        gw_core::EndpointType::Edge => tls_cert::check::DomainEndpoint::Edge,
    }
}

/// A stable hash of every resource but stages and deployments: the same configuration gives the
/// same fingerprint on every machine and Rust version (FNV-1a, 64 bits, hex).
pub fn fingerprint(resources: &[Resource]) -> String {
    let mut hash = Fnv1a::new();
    for resource in resources {
        if matches!(
            resource.kind,
            ResourceKind::Stage | ResourceKind::Deployment
        ) {
            continue;
        }
        hash.write(resource.kind.as_str().as_bytes());
        hash.write(&[0x1f]);
        hash.write(resource.name.as_bytes());
        hash.write(&[0x1f]);
        // BTreeMap: sorted keys, so insertion order does not matter.
        for (key, value) in &resource.attributes {
            hash.write(key.as_bytes());
            hash.write(&[0x1e]);
            hash.write(value.as_bytes());
            hash.write(&[0x1e]);
        }
        hash.write(&[0x1d]);
    }
    format!("{:016x}", hash.finish())
}

/// The fingerprint of a desired gateway (what its deployment `current` carries).
pub fn desired_fingerprint(desired: &DesiredGateway) -> Option<String> {
    desired_resources(desired)
        .into_iter()
        .find(|r| r.kind == ResourceKind::Deployment)
        .and_then(|r| r.attribute(attr::FINGERPRINT).map(str::to_string))
}

/// FNV-1a, 64 bits: tiny, and unlike `DefaultHasher` the same everywhere, forever.
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(Self::OFFSET)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The deployment description: `cortex-net <fingerprint>`, plus the id of the VPC link the
/// integrations used when it was made, so that a link replaced since is seen as a change.
pub(crate) fn deployment_description(fingerprint: &str, link_id: Option<&str>) -> String {
    match link_id {
        Some(id) => format!("{DEPLOYMENT_PREFIX}{fingerprint} vpclink={id}"),
        None => format!("{DEPLOYMENT_PREFIX}{fingerprint}"),
    }
}

/// Reads a description back: (fingerprint, VPC link id). `None` for deployments not made by
/// cortex-net.
pub(crate) fn parse_deployment_description(description: &str) -> Option<(String, Option<String>)> {
    let rest = description.strip_prefix(DEPLOYMENT_PREFIX)?;
    let mut words = rest.split_whitespace();
    let fingerprint = words.next()?.to_string();
    let link = words
        .find_map(|w| w.strip_prefix("vpclink="))
        .map(str::to_string);
    Some((fingerprint, link))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::{Backend, LoadBalancerKind, VpcLinkSpec};

    pub(crate) fn desired(routes: Vec<RouteSpec>) -> DesiredGateway {
        DesiredGateway {
            cluster: "prod".into(),
            region: "us-west-2".into(),
            name: "cortex-prod".into(),
            stage: "dev".into(),
            backend: Backend {
                name: "api-lb".into(),
                arn: Some(
                    "arn:aws:elasticloadbalancing:us-west-2:1:loadbalancer/net/api-lb/1".into(),
                ),
                dns_name: "api-lb-1.elb.us-west-2.amazonaws.com".into(),
                scheme: gw_core::Scheme::InternetFacing,
                kind: LoadBalancerKind::Network,
                port: 80,
                listener_arn: None,
                subnets: vec!["subnet-b".into(), "subnet-a".into()],
                security_groups: vec!["sg-1".into()],
            },
            routes,
            cors: None,
            endpoint_type: Default::default(),
            vpc_link: None,
            domain: None,
        }
    }

    fn catch_all() -> Vec<RouteSpec> {
        vec![RouteSpec {
            api: None,
            path: None,
        }]
    }

    fn apis(paths: &[&str]) -> Vec<RouteSpec> {
        paths
            .iter()
            .map(|p| RouteSpec {
                api: Some(p.trim_start_matches('/').into()),
                path: Some((*p).into()),
            })
            .collect()
    }

    fn names(resources: &[Resource], kind: ResourceKind) -> Vec<String> {
        resources
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.name.clone())
            .collect()
    }

    const DNS: &str = "http://api-lb-1.elb.us-west-2.amazonaws.com";

    #[test]
    fn catch_all_forwards_the_root_and_every_path() {
        let resources = desired_resources(&desired(catch_all()));
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
            resources[3].attribute(attr::REQUEST_PARAMETERS),
            Some("method.request.path.proxy=true")
        );
        assert_eq!(resources[2].attribute(attr::REQUEST_PARAMETERS), Some(""));
        assert_eq!(resources[3].attribute(attr::AUTHORIZATION), Some("NONE"));
        let root = &resources[4];
        assert_eq!(root.attribute(attr::URI), Some(format!("{DNS}/").as_str()));
        let proxy = &resources[5];
        assert_eq!(proxy.attribute(attr::TYPE), Some("HTTP_PROXY"));
        assert_eq!(proxy.attribute(attr::METHOD), Some("ANY"));
        assert_eq!(proxy.attribute(attr::CONNECTION), Some("INTERNET"));
        assert_eq!(
            proxy.attribute(attr::URI),
            Some(format!("{DNS}/{{proxy}}").as_str())
        );
        assert_eq!(
            proxy.attribute(attr::REQUEST_PARAMETERS),
            Some("integration.request.path.proxy=method.request.path.proxy")
        );
        assert_eq!(
            resources[6].attribute(attr::FINGERPRINT).map(str::len),
            Some(16)
        );
    }

    #[test]
    fn per_api_endpoints_create_missing_parents_and_preserve_the_path() {
        let resources = desired_resources(&desired(apis(&["/iris", "/v1/text-gen"])));
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
                    r.attribute(attr::URI).unwrap_or_default().to_string(),
                )
            })
            .collect();
        assert_eq!(
            uris,
            vec![
                ("ANY /iris".to_string(), format!("{DNS}/iris")),
                (
                    "ANY /iris/{proxy+}".to_string(),
                    format!("{DNS}/iris/{{proxy}}")
                ),
                ("ANY /v1/text-gen".to_string(), format!("{DNS}/v1/text-gen")),
                (
                    "ANY /v1/text-gen/{proxy+}".to_string(),
                    format!("{DNS}/v1/text-gen/{{proxy}}")
                ),
            ]
        );
        // No catch-all when APIs are listed.
        assert!(!names(&resources, ResourceKind::Method).contains(&"ANY /".to_string()));
        assert!(!names(&resources, ResourceKind::Resource).contains(&"/{proxy+}".to_string()));
    }

    #[test]
    fn shared_parents_and_duplicate_endpoints_are_created_once() {
        let resources = desired_resources(&desired(apis(&["/v1/a", "/v1/b/", "v1/a"])));
        assert_eq!(
            names(&resources, ResourceKind::Resource),
            vec!["/v1", "/v1/a", "/v1/a/{proxy+}", "/v1/b", "/v1/b/{proxy+}"]
        );
    }

    #[test]
    fn no_routes_means_no_gateway() {
        assert!(desired_resources(&desired(vec![])).is_empty());
    }

    #[test]
    fn cors_adds_an_options_mock_on_every_published_resource() {
        let mut want = desired(apis(&["/iris"]));
        want.cors = Some(Cors {
            allow_origins: vec!["https://a.example".into(), "https://b.example".into()],
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_headers: vec![],
            max_age_seconds: None,
        });
        let resources = desired_resources(&want);
        assert_eq!(
            names(&resources, ResourceKind::Method),
            vec![
                "ANY /iris",
                "OPTIONS /iris",
                "ANY /iris/{proxy+}",
                "OPTIONS /iris/{proxy+}"
            ]
        );
        let options = resources
            .iter()
            .find(|r| r.kind == ResourceKind::Method && r.name == "OPTIONS /iris")
            .expect("OPTIONS method");
        assert_eq!(options.attribute(attr::AUTHORIZATION), Some("NONE"));
        assert_eq!(
            options.attribute(attr::RESPONSES),
            Some(
                "200: method.response.header.Access-Control-Allow-Headers=false;\
                 method.response.header.Access-Control-Allow-Methods=false;\
                 method.response.header.Access-Control-Allow-Origin=false"
            )
        );
        let mock = resources
            .iter()
            .find(|r| r.kind == ResourceKind::Integration && r.name == "OPTIONS /iris/{proxy+}")
            .expect("OPTIONS integration");
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
    fn vpc_links_come_first_and_integrations_go_through_them() {
        let mut want = desired(apis(&["/iris"]));
        want.backend.scheme = gw_core::Scheme::Internal;
        want.vpc_link = Some(VpcLinkSpec {
            version: VpcLinkVersion::V1,
            name: "cortex-prod".into(),
            timeout_seconds: 600,
        });
        let v1 = desired_resources(&want);
        assert_eq!(v1[0].kind, ResourceKind::VpcLink);
        assert_eq!(v1[0].name, "cortex-prod");
        assert_eq!(v1[0].attribute(attr::VERSION), Some("v1"));
        assert_eq!(v1[0].attribute(attr::STATUS), Some("AVAILABLE"));
        assert_eq!(v1[0].attribute(attr::TARGETS), want.backend.arn.as_deref());
        let integration = v1
            .iter()
            .find(|r| r.kind == ResourceKind::Integration)
            .expect("integration");
        assert_eq!(
            integration.attribute(attr::CONNECTION),
            Some("VPC_LINK cortex-prod")
        );
        assert_eq!(integration.attribute(attr::TARGET), Some(""));
        assert_eq!(
            integration.attribute(attr::URI),
            Some(format!("{DNS}/iris").as_str())
        );

        want.vpc_link = Some(VpcLinkSpec {
            version: VpcLinkVersion::V2,
            name: "cortex-prod".into(),
            timeout_seconds: 600,
        });
        let v2 = desired_resources(&want);
        assert_eq!(v2[0].attribute(attr::VERSION), Some("v2"));
        assert_eq!(v2[0].attribute(attr::TARGETS), Some("subnet-a,subnet-b"));
        assert_eq!(v2[0].attribute(attr::SECURITY_GROUPS), Some("sg-1"));
        let integration = v2
            .iter()
            .find(|r| r.kind == ResourceKind::Integration)
            .expect("integration");
        assert_eq!(
            integration.attribute(attr::TARGET),
            want.backend.arn.as_deref()
        );
        assert_ne!(
            desired_fingerprint(&want),
            desired_fingerprint(&desired(apis(&["/iris"])))
        );
    }

    #[test]
    fn fingerprint_is_stable() {
        // Pinned: a change here means every deployed gateway redeploys after an upgrade.
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
        let resources = [Resource::new(ResourceKind::Resource, "/iris")];
        assert_eq!(fingerprint(&resources), "050a185ad08f26bc");
        let a = desired_fingerprint(&desired(apis(&["/iris", "/v1/text-gen"])));
        let b = desired_fingerprint(&desired(apis(&["/iris", "/v1/text-gen"])));
        assert!(a.is_some());
        assert_eq!(a, b);
        // Attribute insertion order does not matter.
        let x = Resource::new(ResourceKind::Method, "ANY /")
            .with("a", "1")
            .with("b", "2");
        let y = Resource::new(ResourceKind::Method, "ANY /")
            .with("b", "2")
            .with("a", "1");
        assert_eq!(fingerprint(&[x]), fingerprint(&[y]));
    }

    #[test]
    fn fingerprint_sees_every_change_but_the_stage() {
        let base = desired(apis(&["/iris"]));
        let fp = desired_fingerprint(&base);

        let mut other_stage = base.clone();
        other_stage.stage = "prod".into();
        assert_eq!(desired_fingerprint(&other_stage), fp);

        let mut other_lb = base.clone();
        other_lb.backend.dns_name = "other-lb".into();
        assert_ne!(desired_fingerprint(&other_lb), fp);

        let mut other_port = base.clone();
        other_port.backend.port = 8080;
        assert_ne!(desired_fingerprint(&other_port), fp);

        let more = desired(apis(&["/iris", "/mnist"]));
        assert_ne!(desired_fingerprint(&more), fp);

        let mut cors = base.clone();
        cors.cors = Some(Cors {
            allow_origins: vec!["*".into()],
            allow_methods: vec!["*".into()],
            allow_headers: vec!["*".into()],
            max_age_seconds: None,
        });
        assert_ne!(desired_fingerprint(&cors), fp);

        // Field boundaries count: moving bytes between name and value changes the hash.
        let a = Resource::new(ResourceKind::Resource, "ab").with("c", "");
        let b = Resource::new(ResourceKind::Resource, "a").with("bc", "");
        assert_ne!(fingerprint(&[a]), fingerprint(&[b]));
    }

    #[test]
    fn deployment_descriptions_round_trip() {
        let text = deployment_description("0123456789abcdef", Some("lnk1"));
        assert_eq!(text, "cortex-net 0123456789abcdef vpclink=lnk1");
        assert_eq!(
            parse_deployment_description(&text),
            Some(("0123456789abcdef".into(), Some("lnk1".into())))
        );
        assert_eq!(
            parse_deployment_description("cortex-net abc"),
            Some(("abc".into(), None))
        );
        assert_eq!(parse_deployment_description("deployed by hand"), None);
    }

    #[test]
    fn paths_split_into_parent_and_part() {
        assert_eq!(split_path("/iris"), ("/", "iris"));
        assert_eq!(split_path("/v1/text-gen"), ("/v1", "text-gen"));
        assert_eq!(
            split_path("/v1/text-gen/{proxy+}"),
            ("/v1/text-gen", "{proxy+}")
        );
        assert_eq!(
            split_method_name("ANY /iris/{proxy+}"),
            Some(("ANY", "/iris/{proxy+}"))
        );
    }
}
