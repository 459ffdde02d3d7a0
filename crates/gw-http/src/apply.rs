//! Applies a plan to apigatewayv2, change by change, in the plan's order.

use crate::resources::integration_uri;
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::error::SdkError;
use aws_sdk_apigatewayv2::types::{ConnectionType, Cors as AwsCors, IntegrationType, ProtocolType};
use gw_core::{
    Action, Change, DesiredGateway, Observed, Ownership, Plan, ProviderError, ResourceKind,
    describe_sdk_error,
};
use std::collections::HashMap;

fn aws(operation: &'static str) -> impl FnOnce(String) -> ProviderError {
    move |message| ProviderError::Aws { operation, message }
}

/// Ids known while applying: observed ones, then those of resources created along the way.
struct Ids {
    api: Option<String>,
    integrations: HashMap<String, String>,
}

pub(crate) async fn apply(
    client: &Client,
    owner: &Ownership,
    desired: Option<&DesiredGateway>,
    observed: &Observed,
    plan: &Plan,
) -> Result<(), ProviderError> {
    let mut ids = Ids {
        api: desired.and_then(|d| observed.find(ResourceKind::Api, &d.name).map(|a| a.id.clone())),
        integrations: observed
            .of_kind(ResourceKind::Integration)
            .map(|i| (i.resource.name.clone(), i.id.clone()))
            .collect(),
    };
    for change in &plan.changes {
        match change.action {
            Action::Delete => delete(client, observed, change).await?,
            Action::Create | Action::Update => {
                let desired = desired.ok_or_else(|| {
                    ProviderError::Unexpected(format!(
                        "a plan without a desired gateway asks to {:?} {}",
                        change.action, change.kind
                    ))
                })?;
                upsert(client, owner, desired, change, &mut ids).await?;
            }
        }
        tracing::info!("{change}");
    }
    Ok(())
}

fn required<'a>(value: &'a Option<String>, what: &str) -> Result<&'a str, ProviderError> {
    value
        .as_deref()
        .ok_or_else(|| ProviderError::Unexpected(format!("no id known for {what}")))
}

async fn upsert(
    client: &Client,
    owner: &Ownership,
    desired: &DesiredGateway,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let update = change.action == Action::Update;
    match change.kind {
        ResourceKind::Api => {
            let cors = desired.cors.as_ref().map(to_aws_cors);
            if update {
                let api_id = required(&change.id, "the API")?;
                match cors {
                    Some(cors) => {
                        client
                            .update_api()
                            .api_id(api_id)
                            .cors_configuration(cors)
                            .send()
                            .await
                            .map_err(|e| aws("UpdateApi")(describe_sdk_error(&e)))?;
                    }
                    None => {
                        client
                            .delete_cors_configuration()
                            .api_id(api_id)
                            .send()
                            .await
                            .map_err(|e| aws("DeleteCorsConfiguration")(describe_sdk_error(&e)))?;
                    }
                }
            } else {
                let created = client
                    .create_api()
                    .name(&desired.name)
                    .protocol_type(ProtocolType::Http)
                    .description(format!(
                        "Cortex cluster {}: managed by cortex-net",
                        desired.cluster
                    ))
                    .set_cors_configuration(cors)
                    .set_tags(Some(owner.tags().into_iter().collect()))
                    .send()
                    .await
                    .map_err(|e| aws("CreateApi")(describe_sdk_error(&e)))?;
                ids.api = Some(
                    created
                        .api_id()
                        .ok_or_else(|| ProviderError::Unexpected("CreateApi returned no id".into()))?
                        .to_string(),
                );
            }
        }
        ResourceKind::Integration => {
            let api_id = required(&ids.api, "the API")?;
            let uri = integration_uri(desired, &change.name);
            if update {
                client
                    .update_integration()
                    .api_id(api_id)
                    .integration_id(required(&change.id, "the integration")?)
                    .integration_type(IntegrationType::HttpProxy)
                    .integration_method("ANY")
                    .integration_uri(uri)
                    .connection_type(ConnectionType::Internet)
                    .send()
                    .await
                    .map_err(|e| aws("UpdateIntegration")(describe_sdk_error(&e)))?;
            } else {
                let created = client
                    .create_integration()
                    .api_id(api_id)
                    .integration_type(IntegrationType::HttpProxy)
                    .integration_method("ANY")
                    .integration_uri(uri)
                    .connection_type(ConnectionType::Internet)
                    .payload_format_version("1.0")
                    .send()
                    .await
                    .map_err(|e| aws("CreateIntegration")(describe_sdk_error(&e)))?;
                let id = created.integration_id().ok_or_else(|| {
                    ProviderError::Unexpected("CreateIntegration returned no id".into())
                })?;
                ids.integrations.insert(change.name.clone(), id.to_string());
            }
        }
        ResourceKind::Route => {
            let api_id = required(&ids.api, "the API")?;
            // Our routes target the integration named after them (see `resources`).
            let integration = ids.integrations.get(&change.name).ok_or_else(|| {
                ProviderError::Unexpected(format!("no integration for route {}", change.name))
            })?;
            let target = format!("integrations/{integration}");
            if update {
                client
                    .update_route()
                    .api_id(api_id)
                    .route_id(required(&change.id, "the route")?)
                    .target(target)
                    .send()
                    .await
                    .map_err(|e| aws("UpdateRoute")(describe_sdk_error(&e)))?;
            } else {
                client
                    .create_route()
                    .api_id(api_id)
                    .route_key(&change.name)
                    .target(target)
                    .send()
                    .await
                    .map_err(|e| aws("CreateRoute")(describe_sdk_error(&e)))?;
            }
        }
        ResourceKind::Stage => {
            let api_id = required(&ids.api, "the API")?;
            if update {
                client
                    .update_stage()
                    .api_id(api_id)
                    .stage_name(&change.name)
                    .auto_deploy(true)
                    .send()
                    .await
                    .map_err(|e| aws("UpdateStage")(describe_sdk_error(&e)))?;
            } else {
                client
                    .create_stage()
                    .api_id(api_id)
                    .stage_name(&change.name)
                    .auto_deploy(true)
                    .set_tags(Some(owner.tags().into_iter().collect()))
                    .send()
                    .await
                    .map_err(|e| aws("CreateStage")(describe_sdk_error(&e)))?;
            }
        }
        other => {
            return Err(ProviderError::Unexpected(format!(
                "the HTTP API provider does not manage {other} resources"
            )));
        }
    }
    Ok(())
}

async fn delete(client: &Client, observed: &Observed, change: &Change) -> Result<(), ProviderError> {
    let id = required(&change.id, "the resource to delete")?;
    let parent = || {
        observed
            .find_id(change.kind, id)
            .and_then(|r| r.parent_id.clone())
            .ok_or_else(|| ProviderError::Unexpected(format!("no API known for {change}")))
    };
    let result = match change.kind {
        ResourceKind::Route => client
            .delete_route()
            .api_id(parent()?)
            .route_id(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ("DeleteRoute", describe_sdk_error(&e), is_not_found(&e))),
        ResourceKind::Integration => client
            .delete_integration()
            .api_id(parent()?)
            .integration_id(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ("DeleteIntegration", describe_sdk_error(&e), is_not_found(&e))),
        ResourceKind::Stage => client
            .delete_stage()
            .api_id(parent()?)
            .stage_name(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ("DeleteStage", describe_sdk_error(&e), is_not_found(&e))),
        ResourceKind::Api => client
            .delete_api()
            .api_id(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ("DeleteApi", describe_sdk_error(&e), is_not_found(&e))),
        other => {
            return Err(ProviderError::Unexpected(format!(
                "the HTTP API provider does not manage {other} resources"
            )));
        }
    };
    match result {
        Ok(()) => Ok(()),
        // Already gone (a concurrent or interrupted run): the goal is reached.
        Err((_, _, true)) => Ok(()),
        Err((operation, message, false)) => Err(ProviderError::Aws { operation, message }),
    }
}

fn is_not_found<E, R>(error: &SdkError<E, R>) -> bool
where
    E: aws_sdk_apigatewayv2::error::ProvideErrorMetadata,
{
    error
        .as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "NotFoundException")
}

fn to_aws_cors(cors: &gw_core::Cors) -> AwsCors {
    AwsCors::builder()
        .set_allow_origins(Some(cors.allow_origins.clone()))
        .set_allow_methods(Some(cors.allow_methods.clone()))
        .set_allow_headers(Some(cors.allow_headers.clone()))
        .set_max_age(cors.max_age_seconds)
        .build()
}
