//! The HTTP API itself: created tagged as owned, its CORS configuration kept in step.

use super::{Context, change_id, create_once, gone_is_done};
use aws_calls::AwsResultExt;
use aws_sdk_apigatewayv2::types::{Cors as AwsCors, ProtocolType};
use gw_core::{Action, Change, ProviderError};

pub(super) async fn apply(ctx: &mut Context<'_>, change: &Change) -> Result<(), ProviderError> {
    match change.action {
        Action::Create => create(ctx, change).await,
        Action::Update => update(ctx, change).await,
        Action::Replace => Err(ProviderError::Failed(format!(
            "API {} is not an HTTP API ({}), and AWS cannot change an API's protocol in place: \
             run `cortex-net down`, then `cortex-net up` to recreate it",
            change.name,
            change.detail.as_deref().unwrap_or_default()
        ))),
        Action::Delete => {
            let deleted = ctx
                .client
                .delete_api()
                .api_id(change_id(change, "the resource to delete")?)
                .send()
                .await
                .map(|_| ())
                .aws("DeleteApi");
            gone_is_done(deleted)
        }
    }
}

async fn create(ctx: &mut Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let desired = ctx.desired(change)?;
    let created = ctx
        .client
        .create_api()
        .name(&desired.name)
        .protocol_type(ProtocolType::Http)
        .description(format!(
            "Cortex cluster {}: managed by cortex-net",
            desired.cluster
        ))
        .set_cors_configuration(desired.cors.as_ref().map(to_aws_cors))
        .set_tags(Some(ctx.owner.tags().into_iter().collect()))
        .customize()
        .config_override(create_once())
        .send()
        .await
        .aws("CreateApi")?;
    let id = created
        .api_id()
        .ok_or_else(|| ProviderError::Unexpected("CreateApi returned no id".into()))?;
    ctx.ids.api = Some(id.to_string());
    Ok(())
}

/// Only CORS is compared besides the protocol: set it, or remove it (which UpdateApi cannot).
async fn update(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let desired = ctx.desired(change)?;
    let api_id = change_id(change, "the API")?;
    match desired.cors.as_ref() {
        Some(cors) => {
            ctx.client
                .update_api()
                .api_id(api_id)
                .cors_configuration(to_aws_cors(cors))
                .send()
                .await
                .aws("UpdateApi")?;
        }
        None => {
            ctx.client
                .delete_cors_configuration()
                .api_id(api_id)
                .send()
                .await
                .aws("DeleteCorsConfiguration")?;
        }
    }
    Ok(())
}

fn to_aws_cors(cors: &gw_core::Cors) -> AwsCors {
    AwsCors::builder()
        .set_allow_origins(Some(cors.allow_origins.clone()))
        .set_allow_methods(Some(cors.allow_methods.clone()))
        .set_allow_headers(Some(cors.allow_headers.clone()))
        .set_max_age(cors.max_age_seconds)
        .build()
}
