//! The HTTP API gateway provider: an API Gateway HTTP API (apigatewayv2) in front of a Cortex
//! cluster's load balancer.
//!
//! What it builds, for an internet-facing load balancer:
//! - one HTTP API named `cortex-<cluster>`, tagged as owned;
//! - without API configs, one `HTTP_PROXY` integration to `http://<LB DNS>/{proxy}` behind the
//!   route `ANY /{proxy+}` (what Cortex's console guide makes by hand);
//! - with API configs, for each public API the routes `ANY <endpoint>` and
//!   `ANY <endpoint>/{proxy+}`, each with an integration that preserves the path;
//! - the stage (`$default` unless configured) with auto-deploy, tagged as owned.
//!
//! For an internal load balancer, a VPC link v2 (from the load balancer's subnets and security
//! groups, tagged as owned, waited for until `AVAILABLE`) and private integrations to the
//! listener ARN instead; the link goes last on removal, after the API that references it.
//!
//! Integrations and routes cannot carry tags in apigatewayv2; they are ours because the API
//! they live in is. Each integration is named after the route that uses it, which gives it a
//! stable identity for the diff.
//!
//! This crate must never read or change an API that lacks both ownership tags, whatever its
//! name, and never decides what to change: [`gw_core::diff`] does.

mod apply;
mod observe;
mod resources;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::Client;
use gw_core::{
    DesiredGateway, GatewayInfo, GatewayProvider, Observed, Ownership, Plan, Progress,
    ProviderError, Resource, ResourceKind, VpcLinkVersion,
};
use std::sync::Arc;

pub use resources::{desired_resources, integration_uri, route_keys};

/// The custom domain as the user must see it: its URL and the DNS record to create.
fn custom_domain(found: &gw_core::ObservedResource) -> gw_core::CustomDomain {
    let text = |key| found.resource.attribute(key).map(str::to_string);
    tls_cert::domain::custom_domain(&tls_cert::domain::DomainName {
        name: found.resource.name.clone(),
        api: tls_cert::domain::DomainApi::Http,
        endpoint: tls_cert::check::DomainEndpoint::Regional,
        certificate_arn: text(resources::attr::CERTIFICATE),
        target: text(resources::attr::TARGET_DOMAIN),
        hosted_zone_id: text(resources::attr::HOSTED_ZONE),
    })
}

/// The `gateway.type` this provider serves.
pub const KIND: gw_core::GatewayKind = gw_core::GatewayKind::Http;

/// HTTP API provider over an apigatewayv2 client.
pub struct HttpApiProvider {
    client: Client,
    progress: Arc<dyn Progress>,
}

impl HttpApiProvider {
    /// `progress` hears about long waits (VPC links becoming available or going away).
    pub fn new(client: Client, progress: Arc<dyn Progress>) -> Self {
        Self { client, progress }
    }
}

#[async_trait]
impl GatewayProvider for HttpApiProvider {
    fn kind(&self) -> gw_core::GatewayKind {
        KIND
    }

    fn check_supported(&self, desired: &DesiredGateway) -> Result<(), ProviderError> {
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
        observe::observe(&self.client, owner).await
    }

    async fn apply(
        &self,
        owner: &Ownership,
        desired: Option<&DesiredGateway>,
        observed: &Observed,
        plan: &Plan,
    ) -> Result<(), ProviderError> {
        apply::apply(
            &self.client,
            self.progress.as_ref(),
            owner,
            desired,
            observed,
            plan,
        )
        .await
    }

    fn health(&self, observed: &Observed) -> gw_core::Health {
        gw_core::Health {
            targets: observed
                .of_kind(gw_core::ResourceKind::Integration)
                .filter_map(|i| i.resource.attribute(gw_core::attr::URI))
                .map(str::to_string)
                .collect(),
            vpc_links: vpclink::health(observed),
        }
    }

    fn gateway_info(&self, observed: &Observed, region: &str) -> Option<GatewayInfo> {
        // The API every run keeps, and a stage of that API (never of a duplicate).
        let api = observed.primary(ResourceKind::Api)?;
        let stage = observed
            .children(&api.id, ResourceKind::Stage)
            .next()
            .map(|s| s.resource.name.clone())
            .unwrap_or_else(|| "$default".to_string());
        let base = api
            .resource
            .attribute(observe::ENDPOINT_ATTRIBUTE)
            .map(str::to_string)
            .unwrap_or_else(|| format!("https://{}.execute-api.{region}.amazonaws.com", api.id));
        let invoke_url = if stage == "$default" {
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
