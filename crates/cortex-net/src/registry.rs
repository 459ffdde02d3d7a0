//! The gateway providers this binary knows: one per [`GatewayKind`]. The `match` is
//! exhaustive, so a new kind does not compile until it has a provider here.

use aws_calls::Quotas;
use aws_config::SdkConfig;
use gw_core::{GatewayKind, GatewayProvider, Progress};
use std::sync::Arc;

/// The provider that builds and removes gateways of `kind`, talking to AWS through `config`.
/// `quotas` is the account's API Gateway budget, shared by every provider of the run.
pub fn provider(
    kind: GatewayKind,
    config: &SdkConfig,
    progress: Arc<dyn Progress>,
    quotas: Arc<Quotas>,
) -> Box<dyn GatewayProvider> {
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
            .with_quotas(quotas),
        ),
    }
}
