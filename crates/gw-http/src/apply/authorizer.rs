//! The JWT authorizer the routes with `auth: jwt` name: tokens from the configured issuer for one
//! of its audiences, read from the `Authorization` header. Its name is its identity within the
//! API: one whose create answer was lost is found by it on the next observation.

use super::{Context, change_id, create_once, gone_is_done, parent_api};
use crate::protection::JWT_IDENTITY_SOURCE;
use aws_calls::AwsResultExt;
use aws_sdk_apigatewayv2::types::{AuthorizerType, JwtConfiguration};
use gw_core::{Action, Change, JwtAuthorizer, ProviderError};

pub(super) async fn apply(ctx: &mut Context<'_>, change: &Change) -> Result<(), ProviderError> {
    match change.action {
        Action::Create => create(ctx, change).await,
        // No attribute of an authorizer is fixed: a replace is an update.
        Action::Update | Action::Replace => update(ctx, change).await,
        // After the routes that named it (the plan's order): AWS refuses to delete one in use.
        Action::Delete => {
            let deleted = ctx
                .client
                .delete_authorizer()
                .api_id(parent_api(change)?)
                .authorizer_id(change_id(change, "the resource to delete")?)
                .send()
                .await
                .map(|_| ())
                .aws("DeleteAuthorizer");
            gone_is_done(deleted)
        }
    }
}

/// The issuer and audiences the configuration asks for.
fn wanted<'a>(ctx: &Context<'a>, change: &Change) -> Result<&'a JwtAuthorizer, ProviderError> {
    ctx.desired(change)?.protection.jwt.as_ref().ok_or_else(|| {
        ProviderError::Unexpected(format!(
            "the plan asks for authorizer {} but no JWT issuer is configured",
            change.name
        ))
    })
}

fn jwt_configuration(jwt: &JwtAuthorizer) -> JwtConfiguration {
    JwtConfiguration::builder()
        .issuer(&jwt.issuer)
        .set_audience(Some(jwt.audiences.clone()))
        .build()
}

async fn create(ctx: &mut Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let jwt = wanted(ctx, change)?;
    let api_id = ctx.api_id()?;
    let created = ctx
        .client
        .create_authorizer()
        .api_id(api_id)
        .name(&change.name)
        .authorizer_type(AuthorizerType::Jwt)
        .identity_source(JWT_IDENTITY_SOURCE)
        .jwt_configuration(jwt_configuration(jwt))
        .customize()
        .config_override(create_once())
        .send()
        .await
        .aws("CreateAuthorizer")?;
    let id = created
        .authorizer_id()
        .ok_or_else(|| ProviderError::Unexpected("CreateAuthorizer returned no id".into()))?;
    ctx.ids
        .authorizers
        .insert(change.name.clone(), id.to_string());
    Ok(())
}

async fn update(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let jwt = wanted(ctx, change)?;
    ctx.client
        .update_authorizer()
        .api_id(ctx.api_id()?)
        .authorizer_id(change_id(change, "the authorizer")?)
        .name(&change.name)
        .authorizer_type(AuthorizerType::Jwt)
        .identity_source(JWT_IDENTITY_SOURCE)
        .jwt_configuration(jwt_configuration(jwt))
        .send()
        .await
        .aws("UpdateAuthorizer")?;
    Ok(())
}
