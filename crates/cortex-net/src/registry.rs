//! The gateway providers this binary knows. Adding a gateway kind means adding it here.

use aws_config::SdkConfig;
use gw_core::{GatewayProvider, Progress};
use std::sync::Arc;

/// One provider per `gateway.type`.
pub fn providers(config: &SdkConfig, progress: Arc<dyn Progress>) -> Vec<Box<dyn GatewayProvider>> {
    let apigatewayv2 = aws_sdk_apigatewayv2::Client::new(config);
    vec![
        Box::new(gw_http::HttpApiProvider::new(
            apigatewayv2.clone(),
            progress.clone(),
        )),
        Box::new(gw_rest::RestApiProvider::new(
            aws_sdk_apigateway::Client::new(config),
            apigatewayv2,
            progress,
        )),
    ]
}
