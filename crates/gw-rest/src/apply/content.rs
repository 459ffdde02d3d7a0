//! The API's content (resources, methods, integrations): put as one OpenAPI document with
//! `PutRestApi` (mode `overwrite`) where the plan first changes any of it, so that every
//! content change of the plan is made by that one call. Repeating the put is safe: it leaves
//! the API's content as the document says, whatever was there before.

use super::Context;
use super::ids::Ids;
use crate::document::openapi_document;
use aws_calls::AwsResultExt;
use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::PutMode;
use gw_core::{DesiredGateway, ProviderError, ResourceKind, attr};

/// Puts the desired API's whole content as one document.
pub(super) async fn put_document(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    ids: &Ids,
) -> Result<(), ProviderError> {
    let api_id = ids.api()?;
    let link_id = match &desired.vpc_link {
        None => None,
        Some(spec) => Some(ids.links.get(&spec.name).ok_or_else(|| {
            ProviderError::Unexpected(format!("no id known for the VPC link {}", spec.name))
        })?),
    };
    let mut document = openapi_document(desired, link_id.map(String::as_str));
    keep_name_and_description(ctx, &mut document);
    ctx.quotas.acquire("PutRestApi").await;
    let put = ctx
        .client
        .put_rest_api()
        .rest_api_id(&api_id)
        .mode(PutMode::Overwrite)
        .body(Blob::new(document.to_string()))
        .send()
        .await
        .aws("PutRestApi")?;
    for warning in put.warnings() {
        tracing::warn!("PutRestApi on REST API {api_id}: {warning}");
    }
    Ok(())
}

/// AWS names and describes the API after the document's `info`: an adopted API keeps the name
/// and description it had (ours carry the same as the document's anyway), so that `up` changes
/// nothing its plan did not show.
fn keep_name_and_description(ctx: &Context<'_>, document: &mut serde_json::Value) {
    let Some(api) = ctx.observed.primary(ResourceKind::Api) else {
        return;
    };
    let Some(info) = document
        .get_mut("info")
        .and_then(|info| info.as_object_mut())
    else {
        return;
    };
    if let Some(name) = api.resource.attribute(attr::AWS_NAME) {
        info.insert("title".to_string(), name.into());
    }
    if let Some(description) = api.resource.attribute(attr::DESCRIPTION) {
        info.insert("description".to_string(), description.into());
    }
}
