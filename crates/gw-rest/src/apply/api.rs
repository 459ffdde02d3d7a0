//! The REST API itself: created tagged as owned, its endpoint type updated in place, deleted
//! with patience for AWS's throttling of deletions.

use super::ids::Ids;
use super::{Context, create_once, deleted_id, required};
use crate::document::api_description;
use aws_calls::AwsResultExt;
use aws_sdk_apigateway::types::{
    EndpointConfiguration, EndpointType as AwsEndpointType, Op, PatchOperation,
};
use gw_core::{Action, Change, DesiredGateway, ProviderError, ResourceKind, attr};
use std::time::{Duration, Instant};

pub(super) async fn upsert(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    if change.action == Action::Create {
        create(ctx, desired, ids).await
    } else {
        update_endpoint_type(ctx, desired, change).await
    }
}

async fn create(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    // Another run may have made the API since this one observed AWS. Looking again right before
    // creating narrows the window for a second one to a single call: a run that already
    // finished on the first API then never sees it deleted as the junior duplicate.
    if let Some(found) = crate::observe::owned_rest_apis(ctx.client, ctx.owner)
        .await?
        .into_iter()
        .find(|api| api.name() == Some(desired.name.as_str()))
    {
        return Err(ProviderError::Unsettled {
            operation: "CreateRestApi",
            message: format!(
                "REST API {} ({}) appeared since AWS was observed: another run is building this \
                 cluster's gateway",
                desired.name,
                found.id().unwrap_or_default()
            ),
        });
    }
    ctx.quotas.acquire("CreateRestApi").await;
    let created = ctx
        .client
        .create_rest_api()
        .name(&desired.name)
        .description(api_description(desired))
        .endpoint_configuration(
            EndpointConfiguration::builder()
                .types(AwsEndpointType::from(desired.endpoint_type.as_aws()))
                .build(),
        )
        .set_tags(Some(ctx.owner.tags().into_iter().collect()))
        .customize()
        .config_override(create_once())
        .send()
        .await
        .aws("CreateRestApi")?;
    let id = created
        .id()
        .ok_or_else(|| ProviderError::Unexpected("CreateRestApi returned no id".into()))?;
    ids.api = Some(id.to_string());
    Ok(())
}

/// The endpoint type is the only attribute of the API itself that the plan can change.
async fn update_endpoint_type(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
) -> Result<(), ProviderError> {
    let api_id = required(&change.id, "the API")?;
    let current = ctx
        .observed
        .find_id(ResourceKind::Api, api_id)
        .and_then(|a| a.resource.attribute(attr::ENDPOINT_TYPE))
        .unwrap_or_default();
    ctx.client
        .update_rest_api()
        .rest_api_id(api_id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path(format!("/endpointConfiguration/types/{current}"))
                .value(desired.endpoint_type.as_aws())
                .build(),
        )
        .send()
        .await
        .aws("UpdateRestApi")?;
    Ok(())
}

/// DeleteRestApi, retried while AWS throttles it (one deletion per 30 s per account), with
/// progress reported while waiting. An API already gone counts as deleted.
pub(super) async fn delete(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let id = deleted_id(change)?;
    let what = format!("deletion of REST API {} ({id})", change.name);
    let start = Instant::now();
    let mut wait = ctx.throttle.first_wait;
    let mut waited = false;
    loop {
        let error = match ctx
            .client
            .delete_rest_api()
            .rest_api_id(id)
            .send()
            .await
            .aws("DeleteRestApi")
        {
            Ok(_) => break,
            Err(e) if e.is_not_found() => break,
            Err(e) => e,
        };
        let throttled = error.has_code("TooManyRequestsException");
        let elapsed = start.elapsed();
        if !throttled || elapsed + wait > ctx.throttle.limit {
            if throttled {
                ctx.progress.finished(&what, "still throttled", elapsed);
            }
            return Err(error.into());
        }
        ctx.progress.waiting(
            &what,
            "throttled by AWS (one REST API deletion per 30 s per account)",
            elapsed,
        );
        tokio::time::sleep(wait).await;
        waited = true;
        wait = (wait * 2).min(Duration::from_secs(30));
    }
    if waited {
        ctx.progress.finished(&what, "done", start.elapsed());
    }
    Ok(())
}
