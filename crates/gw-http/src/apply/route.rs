//! Routes: each targets the one integration, [`crate::INTEGRATION`].

use super::beside::{budgeted, budgeted_create};
use super::{Context, change_id, gone_is_done, parent_api};
use aws_calls::AwsResultExt;
use gw_core::{Action, Change, ProviderError};

/// Creates, retargets or deletes one route. Only reads the context, so that routes can be sent
/// side by side (they always are: [`super::beside`], whose budget retries throttling).
pub(super) async fn apply(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    if change.action == Action::Delete {
        let deleted = ctx
            .client
            .delete_route()
            .api_id(parent_api(change)?)
            .route_id(change_id(change, "the resource to delete")?)
            .customize()
            .config_override(budgeted())
            .send()
            .await
            .map(|_| ())
            .aws("DeleteRoute");
        return gone_is_done(deleted);
    }
    ctx.desired(change)?;
    let api_id = ctx.api_id()?;
    let integration = ctx
        .ids
        .integrations
        .get(crate::INTEGRATION)
        .ok_or_else(|| {
            ProviderError::Unexpected(format!("no integration for route {}", change.name))
        })?;
    let target = format!("integrations/{integration}");
    if change.action == Action::Create {
        ctx.client
            .create_route()
            .api_id(api_id)
            .route_key(&change.name)
            .target(target)
            .customize()
            .config_override(budgeted_create())
            .send()
            .await
            .aws("CreateRoute")?;
    } else {
        // No attribute of a route is fixed: a replace is an update.
        ctx.client
            .update_route()
            .api_id(api_id)
            .route_id(change_id(change, "the route")?)
            .target(target)
            .customize()
            .config_override(budgeted())
            .send()
            .await
            .aws("UpdateRoute")?;
    }
    Ok(())
}
