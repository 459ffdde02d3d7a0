//! Applies a plan to apigatewayv2, change by change, in the plan's order.

use crate::resources::{attr, integration_uri};
use aws_calls::AwsResultExt;
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::error::SdkError;
use aws_sdk_apigatewayv2::types::{
    ConnectionType, Cors as AwsCors, DomainNameConfiguration, EndpointType, IntegrationType,
    ProtocolType, SecurityPolicy,
};
use gw_core::{
    Action, Change, DesiredGateway, Observed, Ownership, Plan, Progress, ProviderError,
    ResourceKind,
};
use std::collections::HashMap;
use std::time::Duration;
use vpclink::WaitOptions;

/// Ids known while applying: observed ones, then those of resources created along the way.
struct Ids {
    api: Option<String>,
    integrations: HashMap<String, String>,
    links: HashMap<String, String>,
}

pub(crate) async fn apply(
    client: &Client,
    progress: &dyn Progress,
    owner: &Ownership,
    desired: Option<&DesiredGateway>,
    observed: &Observed,
    plan: &Plan,
) -> Result<(), ProviderError> {
    // The kept API and links (duplicates resolve the way the diff resolved them), and only the
    // integrations inside that API.
    let api = desired.and_then(|d| observed.find(ResourceKind::Api, &d.name));
    let mut ids = Ids {
        api: api.map(|a| a.id.clone()),
        integrations: api
            .map(|a| {
                observed
                    .children(&a.id, ResourceKind::Integration)
                    .map(|i| (i.resource.name.clone(), i.id.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        links: observed
            .kept(ResourceKind::VpcLink)
            .map(|l| (l.resource.name.clone(), l.id.clone()))
            .collect(),
    };
    for change in &plan.changes {
        match change.action {
            Action::Delete if change.kind == ResourceKind::VpcLink => {
                let wait = wait_options(desired);
                delete_link(client, progress, &wait, change).await?
            }
            Action::Delete if change.kind == ResourceKind::DomainName => {
                tls_cert::domain::v2::delete(client, &owner.for_gateway(crate::KIND), &change.name)
                    .await?
            }
            Action::Delete if change.kind == ResourceKind::ApiMapping => {
                let domain = change.parent.clone().unwrap_or_else(|| change.name.clone());
                tls_cert::domain::v2::delete_mapping(
                    client,
                    &domain,
                    required(&change.id, "the mapping")?,
                )
                .await?
            }
            Action::Delete => delete(client, change).await?,
            Action::Create | Action::Update | Action::Replace
                if change.kind == ResourceKind::VpcLink =>
            {
                let desired = desired.ok_or_else(|| missing_desired(change))?;
                converge_link(client, progress, owner, desired, change, &mut ids).await?
            }
            Action::Create | Action::Update | Action::Replace => {
                let desired = desired.ok_or_else(|| missing_desired(change))?;
                upsert(client, owner, desired, change, &mut ids).await?;
            }
        }
        tracing::info!("{change}");
    }
    Ok(())
}

/// Creates are sent once: an unknown outcome is settled by observing again (aws_calls::CreateOnce).
fn create_once() -> aws_sdk_apigatewayv2::config::Builder {
    aws_sdk_apigatewayv2::Config::builder().retry_classifier(aws_calls::CreateOnce)
}

fn missing_desired(change: &Change) -> ProviderError {
    ProviderError::Unexpected(format!(
        "a plan without a desired gateway asks to {:?} {}",
        change.action, change.kind
    ))
}

/// The wait bounds: the configured timeout, or the default when removing everything.
fn wait_options(desired: Option<&DesiredGateway>) -> WaitOptions {
    let mut options = WaitOptions::default();
    if let Some(link) = desired.and_then(|d| d.vpc_link.as_ref()) {
        options.timeout = Duration::from_secs(link.timeout_seconds);
    }
    options
}

/// Creates the VPC link, or waits for an existing one still PENDING, until it is AVAILABLE.
/// Its subnets and security groups cannot be changed in place: that is refused with the way out.
async fn converge_link(
    client: &Client,
    progress: &dyn Progress,
    owner: &Ownership,
    desired: &DesiredGateway,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let options = wait_options(Some(desired));
    let link = if change.action == Action::Create {
        vpclink::v2::create(
            client,
            &owner.for_gateway(crate::KIND),
            &change.name,
            &desired.backend.subnets,
            &desired.backend.security_groups,
        )
        .await
        .map_err(ProviderError::from)?
    } else {
        if change
            .detail
            .as_deref()
            .is_some_and(|d| d.contains(attr::SUBNETS) || d.contains(attr::SECURITY_GROUPS))
        {
            return Err(ProviderError::Failed(format!(
                "VPC link {} no longer matches the load balancer's subnets or security groups \
                 ({}), and AWS cannot change them in place: run `cortex-net down`, then \
                 `cortex-net up` to recreate it",
                change.name,
                change.detail.as_deref().unwrap_or_default()
            )));
        }
        let id = required(&change.id, "the VPC link")?;
        vpclink::v2::get(client, id)
            .await
            .map_err(ProviderError::from)?
            .ok_or_else(|| {
                ProviderError::Failed(format!(
                    "VPC link {} ({id}) disappeared while cortex-net was working; run `cortex-net up` again",
                    change.name
                ))
            })?
    };
    ids.links.insert(change.name.clone(), link.id.clone());
    vpclink::v2::wait_available(client, &link, &options, progress)
        .await
        .map_err(ProviderError::from)?;
    Ok(())
}

/// Deletes the VPC link and waits until it is gone, so that a `down` that returns has really
/// finished (and a cluster deletion right after it does not trip over the link's ENIs).
async fn delete_link(
    client: &Client,
    progress: &dyn Progress,
    options: &WaitOptions,
    change: &Change,
) -> Result<(), ProviderError> {
    let id = required(&change.id, "the VPC link")?;
    let Some(link) = vpclink::v2::get(client, id)
        .await
        .map_err(ProviderError::from)?
    else {
        return Ok(());
    };
    vpclink::v2::delete(client, id)
        .await
        .map_err(ProviderError::from)?;
    vpclink::v2::wait_deleted(client, &link, options, progress)
        .await
        .map_err(ProviderError::from)
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
    let update = change.action != Action::Create;
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
                            .aws("UpdateApi")?;
                    }
                    None => {
                        client
                            .delete_cors_configuration()
                            .api_id(api_id)
                            .send()
                            .await
                            .aws("DeleteCorsConfiguration")?;
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
                    .customize()
                    .config_override(create_once())
                    .send()
                    .await
                    .aws("CreateApi")?;
                ids.api = Some(
                    created
                        .api_id()
                        .ok_or_else(|| {
                            ProviderError::Unexpected("CreateApi returned no id".into())
                        })?
                        .to_string(),
                );
            }
        }
        ResourceKind::Integration => {
            let api_id = required(&ids.api, "the API")?;
            let target = match &desired.vpc_link {
                None => Target {
                    uri: integration_uri(desired, &change.name),
                    connection: ConnectionType::Internet,
                    link_id: None,
                    parameters: None,
                },
                Some(link) => Target {
                    uri: desired.backend.listener_arn.clone().unwrap_or_default(),
                    connection: ConnectionType::VpcLink,
                    link_id: Some(ids.links.get(&link.name).cloned().ok_or_else(|| {
                        ProviderError::Unexpected(format!("no id known for VPC link {}", link.name))
                    })?),
                    parameters: Some(HashMap::from([(
                        "overwrite:path".to_string(),
                        "$request.path".to_string(),
                    )])),
                },
            };
            if update {
                client
                    .update_integration()
                    .api_id(api_id)
                    .integration_id(required(&change.id, "the integration")?)
                    .integration_type(IntegrationType::HttpProxy)
                    .integration_method("ANY")
                    .integration_uri(target.uri)
                    .connection_type(target.connection)
                    .set_connection_id(target.link_id)
                    .set_request_parameters(target.parameters)
                    .send()
                    .await
                    .aws("UpdateIntegration")?;
            } else {
                let created = client
                    .create_integration()
                    .api_id(api_id)
                    .integration_type(IntegrationType::HttpProxy)
                    .integration_method("ANY")
                    .integration_uri(target.uri)
                    .connection_type(target.connection)
                    .set_connection_id(target.link_id)
                    .set_request_parameters(target.parameters)
                    .payload_format_version("1.0")
                    // Names it, so that one whose answer was lost is found before a route
                    // targets it (see `observe`).
                    .description(&change.name)
                    .customize()
                    .config_override(create_once())
                    .send()
                    .await
                    .aws("CreateIntegration")?;
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
                    .aws("UpdateRoute")?;
            } else {
                client
                    .create_route()
                    .api_id(api_id)
                    .route_key(&change.name)
                    .target(target)
                    .customize()
                    .config_override(create_once())
                    .send()
                    .await
                    .aws("CreateRoute")?;
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
                    .aws("UpdateStage")?;
            } else {
                client
                    .create_stage()
                    .api_id(api_id)
                    .stage_name(&change.name)
                    .auto_deploy(true)
                    .set_tags(Some(owner.tags().into_iter().collect()))
                    .customize()
                    .config_override(create_once())
                    .send()
                    .await
                    .aws("CreateStage")?;
            }
        }
        ResourceKind::DomainName => {
            let domain = desired
                .domain
                .as_ref()
                .ok_or_else(|| missing_desired(change))?;
            if update {
                // Only the certificate is compared: swap it in place.
                client
                    .update_domain_name()
                    .domain_name(&domain.name)
                    .domain_name_configurations(
                        DomainNameConfiguration::builder()
                            .certificate_arn(&domain.certificate_arn)
                            .endpoint_type(EndpointType::Regional)
                            .security_policy(SecurityPolicy::Tls12)
                            .build(),
                    )
                    .send()
                    .await
                    .aws("UpdateDomainName")?;
            } else {
                tls_cert::domain::v2::create(
                    client,
                    &owner.for_gateway(crate::KIND),
                    &domain.name,
                    &domain.certificate_arn,
                )
                .await?;
            }
        }
        ResourceKind::ApiMapping => {
            let api_id = required(&ids.api, "the API")?;
            if update {
                // A mapping's stage cannot be changed in place by every client: replace it.
                tls_cert::domain::v2::delete_mapping(
                    client,
                    &change.name,
                    required(&change.id, "the mapping")?,
                )
                .await?;
            }
            tls_cert::domain::v2::create_mapping(client, &change.name, api_id, &desired.stage)
                .await?;
        }
        other => {
            return Err(ProviderError::Unexpected(format!(
                "the HTTP API provider does not manage {other} resources"
            )));
        }
    }
    Ok(())
}

/// Where an integration sends requests.
struct Target {
    uri: String,
    connection: ConnectionType,
    link_id: Option<String>,
    parameters: Option<HashMap<String, String>>,
}

/// Deletes a route, integration, stage or API. The parent comes with the change, never from a
/// look-up by id: a stage's id is its name, the same in every API.
async fn delete(client: &Client, change: &Change) -> Result<(), ProviderError> {
    let id = required(&change.id, "the resource to delete")?;
    let parent = || required(&change.parent, "the API of the resource to delete");
    let result = match change.kind {
        ResourceKind::Route => client
            .delete_route()
            .api_id(parent()?)
            .route_id(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                (
                    is_not_found(&e),
                    ProviderError::from(aws_calls::aws_error("DeleteRoute", &e)),
                )
            }),
        ResourceKind::Integration => client
            .delete_integration()
            .api_id(parent()?)
            .integration_id(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                (
                    is_not_found(&e),
                    ProviderError::from(aws_calls::aws_error("DeleteIntegration", &e)),
                )
            }),
        ResourceKind::Stage => client
            .delete_stage()
            .api_id(parent()?)
            .stage_name(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                (
                    is_not_found(&e),
                    ProviderError::from(aws_calls::aws_error("DeleteStage", &e)),
                )
            }),
        ResourceKind::Api => client
            .delete_api()
            .api_id(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                (
                    is_not_found(&e),
                    ProviderError::from(aws_calls::aws_error("DeleteApi", &e)),
                )
            }),
        other => {
            return Err(ProviderError::Unexpected(format!(
                "the HTTP API provider does not manage {other} resources"
            )));
        }
    };
    match result {
        // Already gone (a concurrent or interrupted run): the goal is reached.
        Ok(()) | Err((true, _)) => Ok(()),
        Err((false, error)) => Err(error),
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
