//! The custom domain name (created tagged for REST gateways, never changed in place) and its
//! mapping to the stage (replaced by deleting and creating it).

use super::ids::Ids;
use super::{Context, deleted_id, required};
use crate::resources::domain_endpoint;
use gw_core::{Action, Change, DesiredGateway, ProviderError};

pub(super) async fn upsert_name(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
) -> Result<(), ProviderError> {
    let domain = desired.domain.as_ref().ok_or_else(|| {
        ProviderError::Unexpected("a custom domain planned without a spec".into())
    })?;
    if change.action != Action::Create {
        return Err(ProviderError::Failed(format!(
            "custom domain {} no longer matches the configuration ({}); its certificate and \
             endpoint type are not changed in place: run `cortex-net down`, then `cortex-net up`",
            domain.name,
            change.detail.as_deref().unwrap_or_default()
        )));
    }
    tls_cert::domain::v1::create(
        ctx.client,
        &ctx.rest_owner(),
        &domain.name,
        &domain.certificate_arn,
        domain_endpoint(desired),
    )
    .await?;
    Ok(())
}

/// Maps the domain's root to the stage; a mapping to another stage (an update or, as the diff
/// plans it, a replacement) is deleted first.
pub(super) async fn upsert_mapping(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
    ids: &Ids,
) -> Result<(), ProviderError> {
    let api_id = required(&ids.api, "the API")?;
    if change.action != Action::Create {
        let id = required(&change.id, "the mapping")?;
        tls_cert::domain::v1::delete_mapping(ctx.client, &change.name, id).await?;
    }
    tls_cert::domain::v1::create_mapping(ctx.client, &change.name, api_id, &desired.stage).await?;
    Ok(())
}

/// Only a domain name carrying our tags (for REST gateways) is deleted.
pub(super) async fn delete_name(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    tls_cert::domain::v1::delete(ctx.client, &ctx.rest_owner(), &change.name).await?;
    Ok(())
}

/// A mapping lives in its domain name (the change's parent, or the name it is listed under).
pub(super) async fn delete_mapping(
    ctx: &Context<'_>,
    change: &Change,
) -> Result<(), ProviderError> {
    let id = deleted_id(change)?;
    let domain = change.parent.as_deref().unwrap_or(&change.name);
    tls_cert::domain::v1::delete_mapping(ctx.client, domain, id).await?;
    Ok(())
}
