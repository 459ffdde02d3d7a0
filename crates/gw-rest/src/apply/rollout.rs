//! The rollout: a deployment snapshotting the API (its description carrying the fingerprint),
//! and the stage serving it.

use super::ids::Ids;
use super::settings::stage_patch;
use super::{Context, create_once, deleted_id, gone_is_done, parent_of, required};
use crate::fingerprint::{deployment_description, desired_fingerprint};
use crate::observe::DEPLOYMENT_ID_ATTRIBUTE;
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
        // Part of the deployment's change (its line follows), not a change of its own.
        tracing::info!("stage {} now serves deployment {id}", desired.stage);
    }
    ids.deployment = Some(id);
    Ok(())
}

/// Creates the stage, tagged as owned, serving the current deployment, then sets its throttles
/// and access log (CreateStage takes neither); or brings an existing one's settings (and the
/// deployment it serves) to the desired ones in one UpdateStage.
pub(super) async fn upsert_stage(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let api_id = ids.api()?;
    let deployment = required(&ids.deployment, "the deployment")?.to_string();
    let observed = ctx
        .observed
        .children(&api_id, gw_core::ResourceKind::Stage)
        .find(|s| change.action != Action::Create && s.resource.name == change.name);
    let mut ops = stage_patch(desired, observed.map(|s| &s.resource));
    if change.action != Action::Create {
        let serves = observed.and_then(|s| s.resource.attribute(DEPLOYMENT_ID_ATTRIBUTE));
        if serves != Some(deployment.as_str()) {
            ops.insert(0, deployment_op(&deployment));
        }
        return update_stage(ctx.client, &api_id, &change.name, ops).await;
    }
    create_stage(ctx, &api_id, &change.name, &deployment).await?;
    ids.stages.insert(change.name.clone());
    update_stage(ctx.client, &api_id, &change.name, ops).await
}

async fn create_stage(
    ctx: &Context<'_>,
    api_id: &str,
    stage: &str,
    deployment: &str,
) -> Result<(), ProviderError> {
    ctx.client
        .create_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .deployment_id(deployment)
        .set_tags(Some(ctx.owner.tags().into_iter().collect()))
        .customize()
        .config_override(create_once())
        .send()
        .await
        .aws("CreateStage")?;
    Ok(())
}

fn deployment_op(deployment: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(Op::Replace)
        .path("/deploymentId")
        .value(deployment)
        .build()
}

async fn point_stage(
    client: &Client,
    api_id: &str,
    stage: &str,
    deployment: &str,
) -> Result<(), ProviderError> {
    update_stage(client, api_id, stage, vec![deployment_op(deployment)]).await
}

/// One UpdateStage with these operations; none: no call.
async fn update_stage(
    client: &Client,
    api_id: &str,
    stage: &str,
    ops: Vec<PatchOperation>,
) -> Result<(), ProviderError> {
    if ops.is_empty() {
        return Ok(());
    }
    client
        .update_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .set_patch_operations(Some(ops))
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
