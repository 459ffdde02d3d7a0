//! The gateway providers this binary knows: one per [`GatewayKind`]. The `match` is
//! exhaustive, so a new kind does not compile until it has a provider here.

use aws_calls::Quotas;
use aws_config::SdkConfig;
use gw_core::{GatewayKind, GatewayProvider, Progress};
use std::sync::Arc;

/// What every provider of a run shares: the account's API Gateway budget, the progress
/// reporter, and whether the configuration supplies API key values (REST observation then
/// reads keys' values, keeping only their digests, to see a changed one).
#[derive(Clone)]
pub struct Shared {
    pub progress: Arc<dyn Progress>,
    pub quotas: Arc<Quotas>,
    pub key_values: bool,
}

/// The provider that builds and removes gateways of `kind`, talking to AWS through `config`.
pub fn provider(kind: GatewayKind, config: &SdkConfig, shared: Shared) -> Box<dyn GatewayProvider> {
    let Shared {
        progress,
        quotas,
        key_values,
    } = shared;
    match kind {
        GatewayKind::Http => Box::new(
            gw_http::HttpApiProvider::new(aws_sdk_apigatewayv2::Client::new(config), progress)
                .with_quotas(quotas),
        ),
        // REST APIs reach load balancers through VPC links of either version (v2 for ALBs).
        GatewayKind::Rest => Box::new(
            gw_rest::RestApiProvider::new(
                aws_sdk_apigateway::Client::new(config),
                aws_sdk_apigatewayv2::Client::new(config),
                progress,
            )
            .with_quotas(quotas)
            .with_key_values(key_values),
        ),
    }
}
