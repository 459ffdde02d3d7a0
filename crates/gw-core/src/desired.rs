//! What the configuration asks for, in gateway terms, before any AWS API shapes it.

use crate::{EndpointType, LoadBalancerKind, Protection, RouteProtection, Scheme, VpcLinkVersion};
use serde::Serialize;

/// The gateway a cluster should have. Built by the binary from the configuration and the
/// discovered load balancer; each provider turns it into its own [`crate::Resource`]s.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredGateway {
    pub cluster: String,
    pub region: String,
    /// Name of the API in API Gateway (`cortex-<cluster>`). Informational: we find our API by
    /// tags, and a same-named API without them is someone else's.
    pub name: String,
    pub stage: String,
    pub backend: Backend,
    /// Routes to publish, in configuration order. Empty means no gateway is wanted.
    pub routes: Vec<RouteSpec>,
    pub cors: Option<Cors>,
    /// REST APIs only: regional or edge-optimised.
    pub endpoint_type: EndpointType,
    /// How the gateway reaches the load balancer: `None` over the internet (internet-facing
    /// load balancers), else through this VPC link (internal ones).
    pub vpc_link: Option<VpcLinkSpec>,
    /// A custom domain name in front of the stage, with its certificate.
    pub domain: Option<DomainSpec>,
    /// The stage's throttle and access log, the JWT authorizer, API keys and usage plans.
    pub protection: Protection,
}

/// A custom domain name mapped to the gateway's stage. Regional for HTTP APIs and regional REST
/// APIs; edge-optimised REST APIs get an edge domain (CloudFront, certificate in us-east-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainSpec {
    pub name: String,
    pub certificate_arn: String,
}

/// The VPC link a private integration goes through. Its targets come from [`Backend`]: the
/// load balancer ARN (v1), or its subnets and security groups (v2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VpcLinkSpec {
    pub version: VpcLinkVersion,
    /// `cortex-<cluster>`; like the API, found by tags, never by name.
    pub name: String,
    /// How long to wait for `AVAILABLE` (and for deletion) before giving up.
    pub timeout_seconds: u64,
}

/// The load balancer requests are forwarded to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backend {
    pub name: String,
    pub arn: Option<String>,
    pub dns_name: String,
    pub scheme: Scheme,
    pub kind: LoadBalancerKind,
    /// The port integrations target (Cortex's API load balancer listens on 80, and 443 with a
    /// certificate).
    pub port: u16,
    pub listener_arn: Option<String>,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
}

impl Backend {
    pub fn is_internal(&self) -> bool {
        self.scheme == Scheme::Internal
    }

    /// The base URL integrations forward to, without a trailing slash.
    pub fn base_url(&self) -> String {
        if self.port == 80 {
            format!("http://{}", self.dns_name)
        } else if self.port == 443 {
            format!("https://{}", self.dns_name)
        } else {
            format!("http://{}:{}", self.dns_name, self.port)
        }
    }
}

/// One published path. `path: None` is the catch-all (`/{proxy+}`) used when no API configs are
/// given; otherwise the API's endpoint, published with and without a trailing `{proxy+}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteSpec {
    pub api: Option<String>,
    pub path: Option<String>,
    /// Who may call it and how fast.
    pub protection: RouteProtection,
}

/// CORS answered by the gateway itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub max_age_seconds: Option<i32>,
}
