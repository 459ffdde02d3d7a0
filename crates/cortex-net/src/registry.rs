//! The gateway providers this binary knows. Adding a gateway kind means adding it here.

use aws_config::SdkConfig;
use gw_core::{GatewayProvider, Progress};
use std::sync::Arc;

/// One provider per `gateway.type`.
pub fn providers(config: &SdkConfig, progress: Arc<dyn Progress>) -> Vec<Box<dyn GatewayProvider>> {
    vec![Box::new(gw_http::HttpApiProvider::new(
        aws_sdk_apigatewayv2::Client::new(config),
        progress,
    ))]
}
