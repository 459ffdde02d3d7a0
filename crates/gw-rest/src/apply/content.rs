//! The API's content: resources (paths), their methods, and the methods' integrations (the
//! proxy to the load balancer, or the CORS mock).

use super::ids::Ids;
use super::{Context, create_once, deleted_id, gone_is_done, parent_of};
use crate::resources::{
    MOCK_TEMPLATE, PROXY_INTEGRATION_PARAMETER, PROXY_PARAMETER, cors_response_declared,
    cors_response_values, published_paths, split_method_name, split_path,
};
use aws_calls::AwsResultExt;
use aws_sdk_apigateway::types::{ConnectionType, IntegrationType};
use gw_core::{Action, Change, Cors, DesiredGateway, ProviderError, VpcLinkVersion};

/// Creates a resource under its parent; a resource has no attributes, so nothing updates.
pub(super) async fn upsert_resource(
    ctx: &Context<'_>,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    if change.action != Action::Create {
        return Ok(());
    }
    let api_id = ids.api()?;
    let (parent, part) = split_path(&change.name);
    let parent_id = ids.resource(ctx, parent).await?;
    let created = ctx
        .client
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(parent_id)
        .path_part(part)
        .customize()
        .config_override(create_once())
        .send()
        .await
        .aws("CreateResource")?;
    let id = created
        .id()
        .ok_or_else(|| ProviderError::Unexpected("CreateResource returned no id".into()))?;
    ids.resources.insert(change.name.clone(), id.to_string());
    Ok(())
}

/// Where a method and its integration live: `verb` on the resource at `path` of the API.
struct MethodAt<'a> {
    api_id: String,
    resource: String,
    verb: &'a str,
    path: &'a str,
}

async fn method_at<'a>(
    ctx: &Context<'_>,
    change: &'a Change,
    ids: &mut Ids,
) -> Result<MethodAt<'a>, ProviderError> {
    let (verb, path) = split_method_name(&change.name).ok_or_else(|| {
        ProviderError::Unexpected(format!("malformed method name {:?}", change.name))
    })?;
    let api_id = ids.api()?;
    let resource = ids.resource(ctx, path).await?;
    Ok(MethodAt {
        api_id,
        resource,
        verb,
        path,
    })
}

/// Puts a method. A changed method is replaced: deleted (which takes the integration along),
/// put again, and its integration put back.
pub(super) async fn upsert_method(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let at = method_at(ctx, change, ids).await?;
    let update = change.action != Action::Create;
    if update {
        let deleted = ctx
            .client
            .delete_method()
            .rest_api_id(&at.api_id)
            .resource_id(&at.resource)
            .http_method(at.verb)
            .send()
            .await
            .aws("DeleteMethod");
        gone_is_done(deleted)?;
    }
    put_method(ctx, desired, &at).await?;
    if update {
        put_integration(ctx, desired, ids, &at).await?;
        tracing::info!("~ integration {} (put back with its method)", change.name);
    }
    Ok(())
}

pub(super) async fn upsert_integration(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let at = method_at(ctx, change, ids).await?;
    put_integration(ctx, desired, ids, &at).await
}

async fn put_method(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    at: &MethodAt<'_>,
) -> Result<(), ProviderError> {
    let mut request = ctx
        .client
        .put_method()
        .rest_api_id(&at.api_id)
        .resource_id(&at.resource)
        .http_method(at.verb)
        .authorization_type("NONE");
    if at.verb == "ANY" && at.path.ends_with("{proxy+}") {
        request = request.request_parameters(PROXY_PARAMETER, true);
    }
    request.send().await.aws("PutMethod")?;
    if at.verb == "OPTIONS"
        && let Some(cors) = &desired.cors
    {
        ctx.client
            .put_method_response()
            .rest_api_id(&at.api_id)
            .resource_id(&at.resource)
            .http_method(at.verb)
            .status_code("200")
            .set_response_parameters(Some(cors_response_declared(cors)))
            .send()
            .await
            .aws("PutMethodResponse")?;
    }
    Ok(())
}

/// Puts (creates or replaces) the integration of `verb path`: the proxy to the load balancer for
/// `ANY`, the CORS mock for `OPTIONS`.
async fn put_integration(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    ids: &Ids,
    at: &MethodAt<'_>,
) -> Result<(), ProviderError> {
    if at.verb != "OPTIONS" {
        return put_proxy_integration(ctx, desired, ids, at).await;
    }
    let cors = desired.cors.as_ref().ok_or_else(|| {
        ProviderError::Unexpected(format!("OPTIONS {} planned without CORS", at.path))
    })?;
    put_mock_integration(ctx, cors, at).await
}

async fn put_mock_integration(
    ctx: &Context<'_>,
    cors: &Cors,
    at: &MethodAt<'_>,
) -> Result<(), ProviderError> {
    ctx.client
        .put_integration()
        .rest_api_id(&at.api_id)
        .resource_id(&at.resource)
        .http_method(at.verb)
        .r#type(IntegrationType::Mock)
        .request_templates("application/json", MOCK_TEMPLATE)
        .send()
        .await
        .aws("PutIntegration")?;
    ctx.client
        .put_integration_response()
        .rest_api_id(&at.api_id)
        .resource_id(&at.resource)
        .http_method(at.verb)
        .status_code("200")
        .set_response_parameters(Some(cors_response_values(cors)))
        .send()
        .await
        .aws("PutIntegrationResponse")?;
    Ok(())
}

async fn put_proxy_integration(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    ids: &Ids,
    at: &MethodAt<'_>,
) -> Result<(), ProviderError> {
    let published = published_paths(desired);
    let target = published
        .iter()
        .find(|p| p.path == at.path)
        .ok_or_else(|| {
            ProviderError::Unexpected(format!("{} {} is not a published path", at.verb, at.path))
        })?;
    let mut request = ctx
        .client
        .put_integration()
        .rest_api_id(&at.api_id)
        .resource_id(&at.resource)
        .http_method(at.verb)
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("ANY")
        .uri(&target.uri);
    if target.is_proxy() {
        request = request.request_parameters(PROXY_INTEGRATION_PARAMETER, PROXY_PARAMETER);
    }
    request = match &desired.vpc_link {
        None => request.connection_type(ConnectionType::Internet),
        Some(spec) => {
            let link = ids.links.get(&spec.name).ok_or_else(|| {
                ProviderError::Unexpected(format!("no id known for the VPC link {}", spec.name))
            })?;
            let request = request
                .connection_type(ConnectionType::VpcLink)
                .connection_id(link);
            match spec.version {
                VpcLinkVersion::V1 => request,
                VpcLinkVersion::V2 => request.set_integration_target(desired.backend.arn.clone()),
            }
        }
    };
    request.send().await.aws("PutIntegration")?;
    Ok(())
}

/// `<resource id> <verb>`, the id of a method and of its integration.
fn method_key(id: &str) -> Result<(&str, &str), ProviderError> {
    id.split_once(' ')
        .ok_or_else(|| ProviderError::Unexpected(format!("malformed method id {id:?}")))
}

pub(super) async fn delete_method(
    ctx: &Context<'_>,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let id = deleted_id(change)?;
    let (resource, verb) = method_key(id)?;
    let deleted = ctx
        .client
        .delete_method()
        .rest_api_id(parent_of(change)?)
        .resource_id(resource)
        .http_method(verb)
        .send()
        .await
        .aws("DeleteMethod");
    ids.deleted_methods.insert(id.to_string());
    gone_is_done(deleted)
}

pub(super) async fn delete_integration(
    ctx: &Context<'_>,
    change: &Change,
    ids: &Ids,
) -> Result<(), ProviderError> {
    let id = deleted_id(change)?;
    if ids.deleted_methods.contains(id) {
        // DeleteMethod removed it.
        return Ok(());
    }
    let (resource, verb) = method_key(id)?;
    let deleted = ctx
        .client
        .delete_integration()
        .rest_api_id(parent_of(change)?)
        .resource_id(resource)
        .http_method(verb)
        .send()
        .await
        .aws("DeleteIntegration");
    gone_is_done(deleted)
}

pub(super) async fn delete_resource(
    ctx: &Context<'_>,
    change: &Change,
) -> Result<(), ProviderError> {
    let id = deleted_id(change)?;
    let deleted = ctx
        .client
        .delete_resource()
        .rest_api_id(parent_of(change)?)
        .resource_id(id)
        .send()
        .await
        .aws("DeleteResource");
    gone_is_done(deleted)
}
