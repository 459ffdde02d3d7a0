//! The REST API (API Gateway v1, `apigateway`) gateway provider: the kind Cortex's own guide
//! builds by hand, and the one that reaches an internal NLB through a VPC link v1.
//!
//! What it builds, from a [`gw_core::DesiredGateway`]:
//! - a REST API named `cortex-<cluster>` (regional or edge), tagged as owned at creation;
//! - without API configs, the resource `/{proxy+}` and the root `/`, each with an `ANY` method
//!   (no authorization) and an `HTTP_PROXY` integration to the same path on the load balancer
//!   (`http://<LB>/{proxy}`, `http://<LB>/`);
//! - with API configs, for each public API with endpoint `E`: the resources `E` (and missing
//!   parents such as `/v1`) and `E/{proxy+}`, with `ANY` methods proxying to `<LB>E` and
//!   `<LB>E/{proxy}`; no catch-all;
//! - with CORS, an `OPTIONS` method on every published resource answered by a `MOCK`
//!   integration with the `Access-Control-Allow-*` headers;
//! - with a VPC link, the link first (v1 to the NLB, or v2 from the load balancer's subnets and
//!   security groups), waited for until `AVAILABLE`, and integrations through it;
//! - a deployment whose description carries a fingerprint of all of the above, and the stage
//!   (`dev` unless configured), tagged as owned, serving it.
//!
//! Changes to a REST API reach clients only through a new deployment. The deployment named
//! `current` (the one the stage serves) is compared by fingerprint, so `up` deploys when, and
//! only when, the API changed: a converged `up` plans nothing and creates no deployment.
//!
//! The API itself is created with `CreateRestApi`, tagged as owned in that call (so that it is
//! found again after a lost answer); its content (resources, methods, integrations) is put as
//! one OpenAPI document with `PutRestApi` whenever the plan changes any of it: one call, within
//! API Gateway's quota of one per second, instead of six per published API. The plan still
//! lists each change, and says on each that the document makes it ([`annotate`]).
//!
//! This crate must never touch a REST API that lacks both ownership tags (a same-named API
//! without them is someone else's: it is neither read further nor changed), and never create a
//! deployment when nothing changed (a converged `up` leaves the deployment history alone).
//! Nor may it change a deployment's fingerprint for an unchanged configuration (a resource's
//! name, an attribute key or value, the hash): every existing REST API would be redeployed
//! after an upgrade (`tests/fingerprint.rs` pins them), or reorder a plan while applying it
//! (what was printed is what runs).
//!
//! Where things are: `resources` (the desired resources, pure), `document` (the API's content
//! as an OpenAPI document, pure), `fingerprint` (the hash and the deployment description that
//! stores it), `observe` (what AWS holds, as resources), `apply` (one module per resource kind,
//! over one `Context`).
//!
//! # Example
//!
//! The crate alone, without AWS: the resources of a gateway publishing `/iris`, and the plan
//! against an account that holds nothing yet.
//!
//! ```
//! use gw_core::testing::desired;
//! use gw_core::{Action, GatewayKind, Observed, ResourceKind, diff};
//!
//! // The shared test gateway: cluster `prod`, an internet-facing NLB, stage `dev`.
//! let gateway = desired(GatewayKind::Rest).apis(&[("iris", "/iris")]).build();
//! let resources = gw_rest::desired_resources(&gateway);
//! let plan = diff(&resources, &Observed::default());
//!
//! // Everything is created: the API first, then `/iris` and `/iris/{proxy+}` with their
//! // methods and integrations, the deployment snapshotting them, the stage last.
//! assert!(plan.changes.iter().all(|c| c.action == Action::Create));
//! let kinds: Vec<ResourceKind> = plan.changes.iter().map(|c| c.kind).collect();
//! assert_eq!(kinds.first(), Some(&ResourceKind::Api));
//! assert_eq!(kinds.last(), Some(&ResourceKind::Stage));
//! assert!(plan.to_string().contains("+ integration ANY /iris/{proxy+}"));
//!
//! // The deployment carries the fingerprint that decides when to redeploy.
//! let fingerprint = gw_rest::desired_fingerprint(&gateway).unwrap_or_default();
//! assert_eq!(fingerprint.len(), 16);
//! ```

mod apply;
mod document;
mod fingerprint;
mod keys;
mod observe;
mod protection;
mod resources;

use async_trait::async_trait;
use gw_core::{
    DesiredGateway, GatewayInfo, GatewayProvider, Observed, Ownership, Plan, Progress,
    ProviderError, Resource, ResourceKind, VpcLinkVersion,
};

/// What the plan says of a content change: the API's document makes it.
pub const IN_DOCUMENT: &str = "via the API's OpenAPI document (PutRestApi)";

/// Whether changes of this kind are the API's content, which its document carries.
pub(crate) fn is_content(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::Resource | ResourceKind::Method | ResourceKind::Integration
    )
}

/// Marks every content change `apply` makes through the API's document ([`IN_DOCUMENT`],
/// after what differs for an update), so that the plan printed is the plan run. What goes with
/// a deleted API is left as it is: it is not sent at all.
pub fn annotate(plan: &mut Plan) {
    let marked: Vec<bool> = plan
        .changes
        .iter()
        .map(|c| is_content(c.kind) && !plan.goes_with_parent(c))
        .collect();
    for (change, marked) in plan.changes.iter_mut().zip(marked) {
        if marked {
            change.detail = Some(match change.detail.take() {
                Some(detail) => format!("{detail}; {IN_DOCUMENT}"),
                None => IN_DOCUMENT.to_string(),
            });
        }
    }
}
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use apply::ThrottleRetry;
pub use document::openapi_document;
pub use fingerprint::{desired_fingerprint, fingerprint};
pub use keys::{ApiKeys, KeyInfo};
pub use protection::{OFF, authorization_text};
pub use resources::{
    CURRENT_DEPLOYMENT, Published, desired_resources, published_paths, resource_paths,
};

/// The custom domain as the user must see it: its URL and the DNS record to create.
fn custom_domain(found: &gw_core::ObservedResource) -> gw_core::CustomDomain {
    let text = |key| found.resource.attribute(key).map(str::to_string);
    let endpoint = match found.resource.attribute(gw_core::attr::ENDPOINT_TYPE) {
        Some("EDGE") => tls_cert::check::DomainEndpoint::Edge,
        _ => tls_cert::check::DomainEndpoint::Regional,
    };
    tls_cert::domain::custom_domain(&tls_cert::domain::DomainName {
        name: found.resource.name.clone(),
        api: gw_core::GatewayKind::Rest,
        endpoint,
        certificate_arn: text(gw_core::attr::CERTIFICATE),
        target: text(gw_core::attr::TARGET_DOMAIN),
        hosted_zone_id: text(gw_core::attr::HOSTED_ZONE),
    })
}

/// The `gateway.type` this provider serves.
pub const KIND: gw_core::GatewayKind = gw_core::GatewayKind::Rest;

/// The URL clients call: REST APIs always carry the stage in the path.
pub fn invoke_url(api_id: &str, region: &str, stage: &str) -> String {
    format!("https://{api_id}.execute-api.{region}.amazonaws.com/{stage}")
}

/// REST API provider over an apigateway client (and an apigatewayv2 client, for VPC links v2).
pub struct RestApiProvider {
    client: aws_sdk_apigateway::Client,
    v2: aws_sdk_apigatewayv2::Client,
    progress: Arc<dyn Progress>,
    throttle: ThrottleRetry,
    quotas: Arc<aws_calls::Quotas>,
    /// Whether observing reads API key values (to compare configured ones by digest).
    key_values: AtomicBool,
}

impl RestApiProvider {
    /// `progress` receives the long waits: a VPC link becoming `AVAILABLE` or going away, a
    /// throttled REST API deletion.
    pub fn new(
        client: aws_sdk_apigateway::Client,
        v2: aws_sdk_apigatewayv2::Client,
        progress: Arc<dyn Progress>,
    ) -> Self {
        Self {
            client,
            v2,
            progress,
            throttle: ThrottleRetry::default(),
            quotas: Arc::new(aws_calls::Quotas::api_gateway()),
            key_values: AtomicBool::new(false),
        }
    }

    /// Whether the configuration supplies some API key's value: observation then reads key
    /// values (keeping only their digests) so that a changed value is seen. Without it, the
    /// values are read from the first `desired_resources` with such a key on.
    pub fn with_key_values(self, configured: bool) -> Self {
        self.key_values.store(configured, Ordering::Relaxed);
        self
    }

    /// Shares the account's API Gateway budget with the other users of `quotas` (the other
    /// gateway kind's provider in the same run).
    pub fn with_quotas(mut self, quotas: Arc<aws_calls::Quotas>) -> Self {
        self.quotas = quotas;
        self
    }

    /// How long a throttled `DeleteRestApi` is retried (default: 5 s doubling, up to 2 min).
    pub fn with_throttle_retry(mut self, throttle: ThrottleRetry) -> Self {
        self.throttle = throttle;
        self
    }
}

#[async_trait]
impl GatewayProvider for RestApiProvider {
    fn kind(&self) -> gw_core::GatewayKind {
        KIND
    }

    fn check_supported(&self, desired: &DesiredGateway) -> Result<(), ProviderError> {
        if let Some(route) = desired
            .routes
            .iter()
            .find(|r| !r.protection.auth.supported_by(KIND))
        {
            return Err(ProviderError::Unsupported(format!(
                "API {}: auth {} is not available on a REST API: use `gateway.type: http`, or                  auth iam or api_key",
                route.api.as_deref().unwrap_or("(catch-all)"),
                route.protection.auth
            )));
        }
        let backend = &desired.backend;
        let Some(spec) = &desired.vpc_link else {
            if backend.is_internal() {
                return Err(ProviderError::Unsupported(format!(
                    "load balancer {} is internal: a REST API reaches it only through a VPC link. \
                     Set `gateway.vpc_link: v1` (Network Load Balancer) or `v2`, or use an \
                     internet-facing load balancer",
                    backend.name
                )));
            }
            return Ok(());
        };
        vpclink::choose(KIND, backend.kind, Some(spec.version)).map_err(|e| {
            ProviderError::Unsupported(format!("load balancer {}: {e}", backend.name))
        })?;
        match spec.version {
            VpcLinkVersion::V1 if backend.arn.is_none() => {
                Err(ProviderError::Unsupported(format!(
                    "load balancer {} has no known ARN, which a VPC link v1 targets: set \
                 `load_balancer` to its ARN",
                    backend.name
                )))
            }
            VpcLinkVersion::V2 if backend.subnets.is_empty() || backend.arn.is_none() => {
                Err(ProviderError::Unsupported(format!(
                    "load balancer {}: a VPC link v2 needs its subnets and ARN, and they are not \
                     known: set `load_balancer` to its ARN",
                    backend.name
                )))
            }
            _ => Ok(()),
        }
    }

    fn desired_resources(&self, desired: &DesiredGateway) -> Vec<Resource> {
        if desired
            .protection
            .api_keys
            .iter()
            .any(|k| k.value.is_some())
        {
            self.key_values.store(true, Ordering::Relaxed);
        }
        resources::desired_resources(desired)
    }

    fn annotate(&self, plan: &mut Plan) {
        annotate(plan);
    }

    async fn observe(&self, owner: &Ownership) -> Result<Observed, ProviderError> {
        let key_values = self.key_values.load(Ordering::Relaxed);
        observe::observe(&self.client, &self.v2, owner, key_values).await
    }

    async fn apply(
        &self,
        owner: &Ownership,
        desired: Option<&DesiredGateway>,
        observed: &Observed,
        plan: &Plan,
    ) -> Result<(), ProviderError> {
        let ctx = apply::Context {
            client: &self.client,
            quotas: &self.quotas,
            v2: &self.v2,
            progress: self.progress.as_ref(),
            throttle: self.throttle,
            owner,
            desired,
            observed,
        };
        apply::apply(&ctx, plan).await
    }

    fn health(&self, observed: &Observed) -> gw_core::Health {
        gw_core::Health::new(observed, vpclink::health(observed))
    }

    fn gateway_info(&self, observed: &Observed, region: &str) -> Option<GatewayInfo> {
        // The API every run keeps, and a stage of that API (never of a duplicate).
        let api = observed.primary(ResourceKind::Api)?;
        let stage = observed
            .children(&api.id, ResourceKind::Stage)
            .next()
            .map(|s| s.resource.name.clone())
            .unwrap_or_else(|| KIND.default_stage().to_string());
        Some(GatewayInfo {
            kind: KIND,
            id: api.id.clone(),
            name: api.resource.name.clone(),
            invoke_url: invoke_url(&api.id, region, &stage),
            stage,
            domain: observed
                .primary(ResourceKind::DomainName)
                .map(custom_domain),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoke_url_carries_the_stage() {
        assert_eq!(
            invoke_url("a1b2c3", "eu-west-1", KIND.default_stage()),
            "https://a1b2c3.execute-api.eu-west-1.amazonaws.com/dev"
        );
    }
}
