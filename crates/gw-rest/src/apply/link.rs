//! The VPC link: created (or an owned v2 link reused) and waited for until `AVAILABLE`; one
//! still `PENDING` waited for; one that would have to be replaced refused with the way out;
//! deleted and waited for until gone.

use super::ids::Ids;
use super::{Context, deleted_id, required};
use crate::resources::{sorted_list, vpc_link_resource};
use gw_core::{Action, Change, DesiredGateway, ProviderError, ResourceKind, VpcLinkVersion, attr};
use std::time::Duration;
use vpclink::{Link, Status, WaitOptions};

/// The attributes that make a link another link; listed in this order in the refusal.
const IMMUTABLE: [&str; 3] = [attr::VERSION, attr::TARGETS, attr::SECURITY_GROUPS];

pub(super) async fn upsert(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let link = if change.action == Action::Create {
        create(ctx, desired).await?
    } else {
        // An update waits for the link; a replacement is refused there, with the way out.
        converge(ctx, desired, change).await?
    };
    ids.links.insert(change.name.clone(), link.id);
    Ok(())
}

fn wait_options(desired: Option<&DesiredGateway>) -> WaitOptions {
    match desired.and_then(|d| d.vpc_link.as_ref()) {
        Some(spec) => WaitOptions::with_timeout(Duration::from_secs(spec.timeout_seconds)),
        None => WaitOptions::default(),
    }
}

fn version_of(attribute: Option<&str>) -> VpcLinkVersion {
    match attribute {
        Some("v2") => VpcLinkVersion::V2,
        _ => VpcLinkVersion::V1,
    }
}

/// Creates the VPC link and waits until it is AVAILABLE. For v2, an owned link of the cluster
/// with the same subnets and security groups is reused (observe only reports v2 links our
/// integrations use, so a link left by an interrupted run is found here instead).
async fn create(ctx: &Context<'_>, desired: &DesiredGateway) -> Result<Link, ProviderError> {
    let spec = desired
        .vpc_link
        .as_ref()
        .ok_or_else(|| ProviderError::Unexpected("a VPC link planned without a spec".into()))?;
    let backend = &desired.backend;
    let link = match spec.version {
        VpcLinkVersion::V1 => {
            let arn = backend.arn.as_deref().ok_or_else(|| {
                ProviderError::Unsupported(format!(
                    "load balancer {} has no ARN: a VPC link v1 targets a Network Load Balancer \
                     by its ARN",
                    backend.name
                ))
            })?;
            vpclink::v1::create(ctx.client, ctx.owner, &spec.name, arn).await?
        }
        VpcLinkVersion::V2 => match reusable_v2(ctx, desired).await? {
            Some(link) => {
                tracing::info!("reusing {} (owned by this cluster)", link.describe());
                link
            }
            None => {
                vpclink::v2::create(
                    ctx.v2,
                    &ctx.rest_owner(),
                    &spec.name,
                    &backend.subnets,
                    &backend.security_groups,
                )
                .await?
            }
        },
    };
    wait(ctx, &link, &wait_options(Some(desired))).await
}

/// An owned v2 link with the backend's subnets and security groups, neither failed nor going.
async fn reusable_v2(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
) -> Result<Option<Link>, ProviderError> {
    let subnets = sorted_list(&desired.backend.subnets);
    let groups = sorted_list(&desired.backend.security_groups);
    Ok(vpclink::v2::find_owned(ctx.v2, &ctx.rest_owner())
        .await?
        .into_iter()
        .find(|l| {
            sorted_list(&l.targets) == subnets
                && sorted_list(&l.security_groups) == groups
                && !matches!(l.status, Status::Deleting | Status::Failed)
        }))
}

async fn wait(
    ctx: &Context<'_>,
    link: &Link,
    options: &WaitOptions,
) -> Result<Link, ProviderError> {
    Ok(match link.version {
        VpcLinkVersion::V1 => {
            vpclink::v1::wait_available(ctx.client, link, options, ctx.progress).await?
        }
        VpcLinkVersion::V2 => {
            vpclink::v2::wait_available(ctx.v2, link, options, ctx.progress).await?
        }
    })
}

/// An observed link that differs from the desired one: waited for when it is only not ready
/// yet (`PENDING`); refused, with what to do, when it would have to be replaced.
async fn converge(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
) -> Result<Link, ProviderError> {
    let id = required(&change.id, "the VPC link")?;
    let have = ctx
        .observed
        .find_id(ResourceKind::VpcLink, id)
        .ok_or_else(|| ProviderError::Unexpected(format!("VPC link {id} was not observed")))?;
    let want = vpc_link_resource(desired)
        .ok_or_else(|| ProviderError::Unexpected("a VPC link planned without a spec".into()))?;
    let differs: Vec<String> = IMMUTABLE
        .into_iter()
        .filter(|key| {
            want.attribute(key).is_some() && want.attribute(key) != have.resource.attribute(key)
        })
        .map(|key| {
            format!(
                "{key}: {} -> {}",
                have.resource.attribute(key).unwrap_or("(none)"),
                want.attribute(key).unwrap_or_default()
            )
        })
        .collect();
    if !differs.is_empty() || change.action == Action::Replace {
        return Err(immutable(change, id, &differs));
    }
    let current = match version_of(have.resource.attribute(attr::VERSION)) {
        VpcLinkVersion::V1 => vpclink::v1::get(ctx.client, id).await?,
        VpcLinkVersion::V2 => vpclink::v2::get(ctx.v2, id).await?,
    };
    let Some(link) = current else {
        return Err(ProviderError::Unsettled {
            operation: "GetVpcLink",
            message: format!(
                "VPC link {} ({id}) disappeared while cortex-net was working. Re-run \
                 `cortex-net up`: it will create a new one",
                change.name
            ),
        });
    };
    wait(ctx, &link, &wait_options(Some(desired))).await
}

/// The refusal of a change AWS cannot make to a link, with the way out.
fn immutable(change: &Change, id: &str, differs: &[String]) -> ProviderError {
    let differs = if differs.is_empty() {
        change.detail.clone().unwrap_or_default()
    } else {
        differs.join(", ")
    };
    ProviderError::Unsupported(format!(
        "VPC link {} ({id}) cannot be changed in place ({differs}): VPC links are immutable. Run \
         `cortex-net down` and then `cortex-net up` to replace it (the gateway is unavailable in \
         between)",
        change.name,
    ))
}

pub(super) async fn delete(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let id = deleted_id(change)?;
    let have = ctx.observed.find_id(ResourceKind::VpcLink, id);
    let version = version_of(have.and_then(|r| r.resource.attribute(attr::VERSION)));
    let link = Link {
        id: id.to_string(),
        name: change.name.clone(),
        version,
        status: Status::Deleting,
        status_message: None,
        targets: Vec::new(),
        security_groups: Vec::new(),
        created_millis: None,
    };
    let options = wait_options(ctx.desired);
    match version {
        VpcLinkVersion::V1 => {
            vpclink::v1::delete_and_wait(ctx.client, &link, &options, ctx.progress).await?
        }
        VpcLinkVersion::V2 => {
            vpclink::v2::delete_and_wait(ctx.v2, &link, &options, ctx.progress).await?
        }
    }
    Ok(())
}
