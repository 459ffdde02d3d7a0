//! The stage, with auto-deploy, tagged as owned.

use super::{Context, change_id, create_once, gone_is_done, parent_api};
use aws_calls::AwsResultExt;
use gw_core::{Action, Change, ProviderError};

pub(super) async fn apply(ctx: &mut Context<'_>, change: &Change) -> Result<(), ProviderError> {
    if change.action == Action::Delete {
        let deleted = ctx
            .client
            .delete_stage()
            .api_id(parent_api(change)?)
            .stage_name(change_id(change, "the resource to delete")?)
            .send()
            .await
            .map(|_| ())
            .aws("DeleteStage");
        return gone_is_done(deleted);
    }
    ctx.desired(change)?;
    let api_id = ctx.api_id()?;
    if change.action == Action::Create {
        ctx.client
            .create_stage()
            .api_id(api_id)
            .stage_name(&change.name)
            .auto_deploy(true)
            .set_tags(Some(ctx.owner.tags().into_iter().collect()))
            .customize()
            .config_override(create_once())
            .send()
            .await
            .aws("CreateStage")?;
    } else {
        // No attribute of a stage is fixed: a replace is an update.
        ctx.client
            .update_stage()
            .api_id(api_id)
            .stage_name(&change.name)
            .auto_deploy(true)
            .send()
            .await
            .aws("UpdateStage")?;
    }
    Ok(())
}
