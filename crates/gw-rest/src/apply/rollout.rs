//! The rollout: a deployment snapshotting the API (its description carrying the fingerprint),
//! and the stage serving it.

use super::ids::Ids;
use super::{Context, create_once, deleted_id, gone_is_done, parent_of, required};
use crate::fingerprint::{deployment_description, desired_fingerprint};
use aws_calls::AwsResultExt;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{Op, PatchOperation};
use gw_core::{Action, Change, DesiredGateway, ProviderError};

/// Creates a deployment of the API as it now is, and points an existing stage at it. The
/// description records the fingerprint and the VPC link the integrations use.
pub(super) async fn upsert_deployment(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let api_id = ids.api()?;
    let fingerprint = desired_fingerprint(desired).unwrap_or_default();
    let link_id = desired
        .vpc_link
        .as_ref()
        .and_then(|spec| ids.links.get(&spec.name))
        .map(String::as_str);
    ctx.quotas.acquire("CreateDeployment").await;
    let created = ctx
        .client
        .create_deployment()
        .rest_api_id(&api_id)
        .description(deployment_description(&fingerprint, link_id))
        .customize()
        .config_override(create_once())
        .send()
        .await
        .aws("CreateDeployment")?;
    let id = created
        .id()
        .ok_or_else(|| ProviderError::Unexpected("CreateDeployment returned no id".into()))?
        .to_string();
    if ids.stages.contains(&desired.stage) {
        point_stage(ctx.client, &api_id, &desired.stage, &id).await?;
        tracing::info!("~ stage {} now serves deployment {id}", desired.stage);
    }
    ids.deployment = Some(id);
    Ok(())
}

/// Creates the stage, tagged as owned, serving the current deployment; or points it there.
pub(super) async fn upsert_stage(
    ctx: &Context<'_>,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let api_id = ids.api()?;
    let deployment = required(&ids.deployment, "the deployment")?.to_string();
    if change.action != Action::Create {
        return point_stage(ctx.client, &api_id, &change.name, &deployment).await;
    }
    ctx.client
        .create_stage()
        .rest_api_id(&api_id)
        .stage_name(&change.name)
        .deployment_id(&deployment)
        .set_tags(Some(ctx.owner.tags().into_iter().collect()))
        .customize()
        .config_override(create_once())
        .send()
        .await
        .aws("CreateStage")?;
    ids.stages.insert(change.name.clone());
    Ok(())
}

async fn point_stage(
    client: &Client,
    api_id: &str,
    stage: &str,
    deployment: &str,
) -> Result<(), ProviderError> {
    client
        .update_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/deploymentId")
                .value(deployment)
                .build(),
        )
        .send()
        .await
        .aws("UpdateStage")?;
    Ok(())
}

pub(super) async fn delete_stage(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let id = deleted_id(change)?;
    let deleted = ctx
        .client
        .delete_stage()
        .rest_api_id(parent_of(change)?)
        .stage_name(id)
        .send()
        .await
        .aws("DeleteStage");
    gone_is_done(deleted)
}

/// A deployment a remaining stage still serves cannot go; that only happens when the stage was
/// re-pointed in this run, which `current` never is.
pub(super) async fn delete_deployment(
    ctx: &Context<'_>,
    change: &Change,
) -> Result<(), ProviderError> {
    let id = deleted_id(change)?;
    let deleted = ctx
        .client
        .delete_deployment()
        .rest_api_id(parent_of(change)?)
        .deployment_id(id)
        .send()
        .await
        .aws("DeleteDeployment");
    gone_is_done(deleted)
}
