//! The HTTP API gateway provider: an API Gateway HTTP API (apigatewayv2) in front of a Cortex
//! cluster's load balancer.
//!
//! What it builds, for an internet-facing load balancer:
//! - one HTTP API named `cortex-<cluster>`, tagged as owned;
//! - one `HTTP_PROXY` integration to `http://<LB DNS>` that sends the path the client called
//!   (`overwrite:path = $request.path`), shared by every route;
//! - without API configs, the route `ANY /{proxy+}` (what Cortex's console guide makes by
//!   hand); with API configs, for each public API the routes `ANY <endpoint>` and
//!   `ANY <endpoint>/{proxy+}`;
//! - the stage (`$default` unless configured) with auto-deploy, tagged as owned.
//!
//! Its protection (issue 10), from `DesiredGateway.protection` and each route's:
//! - each route's authorization: `NONE`, `AWS_IAM`, or `JWT` through the one JWT authorizer
//!   [`gw_core::JWT_AUTHORIZER`] (issuer and audiences, the bearer token of the
//!   `Authorization` header; made before the routes that name it, deleted after them), with
//!   the API's scopes; both route keys of an API carry it;
//! - the stage's default throttle (default route settings), each API's own throttle (route
//!   settings of both its route keys) and its access log (destination and format). A default
//!   throttle AWS keeps when told to drop it is an error with the way out (`down`, then `up`).
//!
//! For an internal load balancer, a VPC link v2 (from the load balancer's subnets and security
//! groups, tagged as owned, waited for until `AVAILABLE`) and the integration to the listener
//! ARN through it instead; the link goes last on removal, after the API that references it.
//!
//! Integrations and routes cannot carry tags in apigatewayv2; they are ours because the API
//! they live in is. The integration's description, [`INTEGRATION`], is its stable identity for
//! the diff; integrations of the earlier shape (one per route) are replaced by it.
//!
//! This crate must never read or change an API that lacks both ownership tags, whatever its
//! name, and never decides what to change: [`gw_core::diff`] does, and `apply` carries out
//! its plan in the order given. It never deletes a VPC link to move it: a link whose subnets
//! or security groups no longer match is refused with the way out.
//!
//! # Example: plan and apply an HTTP gateway given an SDK client
//!
//! The client here answers from `aws-smithy-mocks` rules instead of AWS: nothing exists yet,
//! so the plan creates the API, the integration, the catch-all route and the stage.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use aws_sdk_apigatewayv2::Client;
//! use aws_sdk_apigatewayv2::operation as op;
//! use aws_smithy_mocks::{RuleMode, mock, mock_client};
//! use gw_core::{Action, GatewayKind, GatewayProvider, LogProgress, Ownership};
//! use gw_http::HttpApiProvider;
//! use std::sync::Arc;
//!
//! let rules = [
//!     // Observing: no VPC link, no custom domain, no API.
//!     mock!(Client::get_vpc_links)
//!         .then_output(|| op::get_vpc_links::GetVpcLinksOutput::builder().build()),
//!     mock!(Client::get_domain_names)
//!         .then_output(|| op::get_domain_names::GetDomainNamesOutput::builder().build()),
//!     mock!(Client::get_apis).then_output(|| op::get_apis::GetApisOutput::builder().build()),
//!     // Applying.
//!     mock!(Client::create_api)
//!         .then_output(|| op::create_api::CreateApiOutput::builder().api_id("a1").build()),
//!     mock!(Client::create_integration).then_output(|| {
//!         op::create_integration::CreateIntegrationOutput::builder().integration_id("i1").build()
//!     }),
//!     mock!(Client::create_route)
//!         .match_requests(|r| r.target() == Some("integrations/i1"))
//!         .then_output(|| op::create_route::CreateRouteOutput::builder().build()),
//!     mock!(Client::create_stage)
//!         .then_output(|| op::create_stage::CreateStageOutput::builder().build()),
//! ];
//! let client: Client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, &rules);
//! let provider = HttpApiProvider::new(client, Arc::new(LogProgress));
//!
//! // The catch-all route to an internet-facing load balancer, for cluster `prod`.
//! let desired = gw_core::testing::desired(GatewayKind::Http).build();
//! let owner = Ownership::new(&desired.cluster);
//! let observed = provider.observe(&owner).await?;
//! let plan = gw_core::diff(&provider.desired_resources(&desired), &observed);
//! assert_eq!(plan.changes.len(), 4);
//! assert!(plan.changes.iter().all(|c| c.action == Action::Create));
//!
//! provider.apply(&owner, Some(&desired), &observed, &plan).await?;
//! assert!(rules.iter().all(|rule| rule.num_calls() == 1));
//! # Ok(())
//! # }
//! ```

pub mod adopt;
mod apply;
mod observe;
mod protection;
mod resources;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::Client;
use gw_core::{
    DesiredGateway, GatewayInfo, GatewayProvider, Observed, Ownership, Plan, Progress,
    ProviderError, Resource, ResourceKind, VpcLinkVersion,
};
use std::sync::Arc;

pub use resources::{INTEGRATION, desired_resources, route_keys};

/// The custom domain as the user must see it: its URL and the DNS record to create.
fn custom_domain(found: &gw_core::ObservedResource) -> gw_core::CustomDomain {
    let text = |key| found.resource.attribute(key).map(str::to_string);
    tls_cert::domain::custom_domain(&tls_cert::domain::DomainName {
        name: found.resource.name.clone(),
        api: gw_core::GatewayKind::Http,
        endpoint: tls_cert::check::DomainEndpoint::Regional,
        certificate_arn: text(gw_core::attr::CERTIFICATE),
        target: text(gw_core::attr::TARGET_DOMAIN),
        hosted_zone_id: text(gw_core::attr::HOSTED_ZONE),
    })
}

/// Refuses protection an HTTP API cannot give (the configuration's validation already does, with
/// the file and field; this guards the provider against any other caller).
fn check_protection(desired: &DesiredGateway) -> Result<(), ProviderError> {
    let protection = &desired.protection;
    let api_keys = desired
        .routes
        .iter()
        .any(|route| route.protection.auth == gw_core::Auth::ApiKey);
    if api_keys || !protection.api_keys.is_empty() || !protection.usage_plans.is_empty() {
        return Err(ProviderError::Unsupported(
            "API keys and usage plans need a REST API: set `gateway.type: rest`, or use `auth: \
             jwt` or `auth: iam` with an HTTP API"
                .to_string(),
        ));
    }
    if resources::wants_jwt(desired) && protection.jwt.is_none() {
        return Err(ProviderError::Unsupported(
            "`auth: jwt` needs the JWT authorizer's issuer and audiences: set `gateway.jwt: \
             {issuer: ..., audiences: [...]}`"
                .to_string(),
        ));
    }
    Ok(())
}

/// The `gateway.type` this provider serves.
pub const KIND: gw_core::GatewayKind = gw_core::GatewayKind::Http;

/// HTTP API provider over an apigatewayv2 client.
pub struct HttpApiProvider {
    client: Client,
    progress: Arc<dyn Progress>,
    quotas: Arc<aws_calls::Quotas>,
}

impl HttpApiProvider {
    /// `progress` hears about long waits (VPC links becoming available or going away).
    pub fn new(client: Client, progress: Arc<dyn Progress>) -> Self {
        Self {
            client,
            progress,
            quotas: Arc::new(aws_calls::Quotas::api_gateway()),
        }
    }

    /// Shares the account's API Gateway budget with the other users of `quotas` (the other
    /// gateway kind's provider in the same run).
    pub fn with_quotas(mut self, quotas: Arc<aws_calls::Quotas>) -> Self {
        self.quotas = quotas;
        self
    }
}

#[async_trait]
impl GatewayProvider for HttpApiProvider {
    fn kind(&self) -> gw_core::GatewayKind {
        KIND
    }

    fn check_supported(&self, desired: &DesiredGateway) -> Result<(), ProviderError> {
        check_protection(desired)?;
        match &desired.vpc_link {
            None if desired.backend.is_internal() => Err(ProviderError::Unsupported(format!(
                "load balancer {} is internal: an HTTP API reaches it only through a VPC link \
                 (v2); set `api_load_balancer_scheme: internal` in cluster.yaml so that \
                 cortex-net makes one",
                desired.backend.name
            ))),
            Some(link) if link.version != VpcLinkVersion::V2 => Err(ProviderError::Unsupported(
                "HTTP APIs connect to private load balancers only through VPC link v2: set \
                     `gateway.vpc_link: v2` or remove it"
                    .to_string(),
            )),
            Some(_) if desired.backend.listener_arn.is_none() => {
                Err(ProviderError::Unsupported(format!(
                    "load balancer {} has no listener ARN to integrate with (classic load \
                     balancers cannot be reached through a VPC link)",
                    desired.backend.name
                )))
            }
            _ => Ok(()),
        }
    }

    fn desired_resources(&self, desired: &DesiredGateway) -> Vec<Resource> {
        resources::desired_resources(desired)
    }

    async fn observe(&self, owner: &Ownership) -> Result<Observed, ProviderError> {
        let read = observe::Reader {
            client: &self.client,
            quotas: &self.quotas,
        };
        observe::observe(read, owner).await
    }

    async fn apply(
        &self,
        owner: &Ownership,
        desired: Option<&DesiredGateway>,
        observed: &Observed,
        plan: &Plan,
    ) -> Result<(), ProviderError> {
        apply::Context::new(self, owner, desired, observed)
            .apply(plan)
            .await
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
        let base = api
            .resource
            .attribute(gw_core::attr::ENDPOINT)
            .map(str::to_string)
            .unwrap_or_else(|| format!("https://{}.execute-api.{region}.amazonaws.com", api.id));
        // The `$default` stage is served at the API's root.
        let invoke_url = if stage == KIND.default_stage() {
            base
        } else {
            format!("{base}/{stage}")
        };
        Some(GatewayInfo {
            kind: KIND,
            id: api.id.clone(),
            name: api.resource.name.clone(),
            stage,
            invoke_url,
            domain: observed
                .primary(ResourceKind::DomainName)
                .map(custom_domain),
        })
    }
}
