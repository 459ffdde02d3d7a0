//! The integration every route targets: `HTTP_PROXY` to the load balancer, or to its listener
//! through the VPC link, passing on the path the client called. Leftovers (duplicates, one per
//! route as earlier versions made them) are deleted once no route targets them.

use super::{Context, change_id, create_once, gone_is_done, parent_api};
use crate::resources::OVERWRITE_PATH;
use aws_calls::AwsResultExt;
use aws_sdk_apigatewayv2::types::{ConnectionType, IntegrationType};
use gw_core::{Action, Change, DesiredGateway, ProviderError};

pub(super) async fn apply(ctx: &mut Context<'_>, change: &Change) -> Result<(), ProviderError> {
    match change.action {
        Action::Create => create(ctx, change).await,
        // No attribute of an integration is fixed: a replace is an update.
        Action::Update | Action::Replace => update(ctx, change).await,
        Action::Delete => delete(ctx, change).await,
    }
}

/// Deletes one integration. Only reads the context, so that deletions can be sent side by side
/// (they always are: [`super::beside`], whose budget retries throttling).
pub(super) async fn delete(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let deleted = ctx
        .client
        .delete_integration()
        .api_id(parent_api(change)?)
        .integration_id(change_id(change, "the resource to delete")?)
        .customize()
        .config_override(super::beside::budgeted())
        .send()
        .await
        .map(|_| ())
        .aws("DeleteIntegration");
    gone_is_done(deleted)
}

/// Where the integration sends requests.
struct Target {
    uri: String,
    connection: ConnectionType,
    link_id: Option<String>,
}

impl Target {
    /// The load balancer, or its listener through the VPC link (see
    /// [`crate::resources::desired_resources`]).
    fn of(ctx: &Context<'_>, desired: &DesiredGateway) -> Result<Self, ProviderError> {
        let Some(link) = &desired.vpc_link else {
            return Ok(Target {
                uri: desired.backend.base_url(),
                connection: ConnectionType::Internet,
                link_id: None,
            });
        };
        let link_id = ctx.ids.links.get(&link.name).cloned().ok_or_else(|| {
            ProviderError::Unexpected(format!("no id known for VPC link {}", link.name))
        })?;
        Ok(Target {
            uri: desired.backend.listener_arn.clone().unwrap_or_default(),
            connection: ConnectionType::VpcLink,
            link_id: Some(link_id),
        })
    }
}

async fn create(ctx: &mut Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let desired = ctx.desired(change)?;
    let api_id = ctx.api_id()?;
    let target = Target::of(ctx, desired)?;
    let created = ctx
        .client
        .create_integration()
        .api_id(api_id)
        .integration_type(IntegrationType::HttpProxy)
        .integration_method("ANY")
        .integration_uri(target.uri)
        .connection_type(target.connection)
        .set_connection_id(target.link_id)
        .request_parameters(OVERWRITE_PATH.0, OVERWRITE_PATH.1)
        .payload_format_version("1.0")
        // Its identity: one whose answer was lost is found by it (see `observe`).
        .description(&change.name)
        .customize()
        .config_override(create_once())
        .send()
        .await
        .aws("CreateIntegration")?;
    let id = created
        .integration_id()
        .ok_or_else(|| ProviderError::Unexpected("CreateIntegration returned no id".into()))?;
    ctx.ids
        .integrations
        .insert(change.name.clone(), id.to_string());
    Ok(())
}

async fn update(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let desired = ctx.desired(change)?;
    let api_id = ctx.api_id()?;
    let target = Target::of(ctx, desired)?;
    ctx.client
        .update_integration()
        .api_id(api_id)
        .integration_id(change_id(change, "the integration")?)
        .integration_type(IntegrationType::HttpProxy)
        .integration_method("ANY")
        .integration_uri(target.uri)
        .connection_type(target.connection)
        .set_connection_id(target.link_id)
        .request_parameters(OVERWRITE_PATH.0, OVERWRITE_PATH.1)
        .send()
        .await
        .aws("UpdateIntegration")?;
    Ok(())
}
