//! The VPC link v2 to an internal load balancer: created and waited for until `AVAILABLE`,
//! deleted and waited for until gone. AWS cannot move a link to other subnets or security
//! groups, and cortex-net does not delete one under a running gateway: a replace is refused
//! with the way out.

use super::{Context, change_id};
use gw_core::{Action, Change, DesiredGateway, ProviderError};
use std::time::Duration;
use vpclink::WaitOptions;

pub(super) async fn apply(ctx: &mut Context<'_>, change: &Change) -> Result<(), ProviderError> {
    match change.action {
        // An update means only the status differs: wait for the link.
        Action::Create | Action::Update => converge(ctx, change).await,
        Action::Replace => Err(ProviderError::Failed(format!(
            "VPC link {} no longer matches the load balancer's subnets or security groups \
             ({}), and AWS cannot change them in place: run `cortex-net down`, then \
             `cortex-net up` to recreate it",
            change.name,
            change.detail.as_deref().unwrap_or_default()
        ))),
        Action::Delete => delete(ctx, change).await,
    }
}

/// The wait bounds: the configured timeout, or the default when removing everything.
fn wait_options(desired: Option<&DesiredGateway>) -> WaitOptions {
    let mut options = WaitOptions::default();
    if let Some(link) = desired.and_then(|d| d.vpc_link.as_ref()) {
        options.timeout = Duration::from_secs(link.timeout_seconds);
    }
    options
}

/// Creates the link, or finds the one whose status differs (still PENDING, e.g. after an
/// interrupted run), and waits until it is AVAILABLE.
async fn converge(ctx: &mut Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let desired = ctx.desired(change)?;
    let link = if change.action == Action::Create {
        vpclink::v2::create(
            ctx.client,
            &ctx.owner.for_gateway(crate::KIND),
            &change.name,
            &desired.backend.subnets,
            &desired.backend.security_groups,
        )
        .await?
    } else {
        existing(ctx, change).await?
    };
    ctx.ids.links.insert(change.name.clone(), link.id.clone());
    let options = wait_options(Some(desired));
    vpclink::v2::wait_available(ctx.client, &link, &options, ctx.progress).await?;
    Ok(())
}

async fn existing(ctx: &Context<'_>, change: &Change) -> Result<vpclink::Link, ProviderError> {
    let id = change_id(change, "the VPC link")?;
    vpclink::v2::get(ctx.client, id).await?.ok_or_else(|| {
        ProviderError::Failed(format!(
            "VPC link {} ({id}) disappeared while cortex-net was working; run `cortex-net up` again",
            change.name
        ))
    })
}

/// Deletes the VPC link and waits until it is gone, so that a `down` that returns has really
/// finished (and a cluster deletion right after it does not trip over the link's ENIs).
async fn delete(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let id = change_id(change, "the VPC link")?;
    let Some(link) = vpclink::v2::get(ctx.client, id).await? else {
        return Ok(());
    };
    vpclink::v2::delete(ctx.client, id).await?;
    vpclink::v2::wait_deleted(ctx.client, &link, &wait_options(ctx.desired), ctx.progress).await?;
    Ok(())
}
