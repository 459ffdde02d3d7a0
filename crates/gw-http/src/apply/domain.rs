//! The custom domain name (tagged as owned, made and deleted by `tls_cert`) and its root
//! mapping to the stage.

use super::{Context, change_id};
use aws_calls::AwsResultExt;
use aws_sdk_apigatewayv2::types::{DomainNameConfiguration, EndpointType, SecurityPolicy};
use gw_core::{Action, Change, ProviderError};

pub(super) async fn apply_domain(
    ctx: &mut Context<'_>,
    change: &Change,
) -> Result<(), ProviderError> {
    if change.action == Action::Delete {
        let owner = ctx.owner.for_gateway(crate::KIND);
        tls_cert::domain::v2::delete(ctx.client, &owner, &change.name).await?;
        return Ok(());
    }
    let Some(domain) = &ctx.desired(change)?.domain else {
        return Err(ProviderError::Unexpected(format!(
            "a plan whose desired gateway has no custom domain asks to {:?} {}",
            change.action, change.kind
        )));
    };
    if change.action == Action::Create {
        let owner = ctx.owner.for_gateway(crate::KIND);
        tls_cert::domain::v2::create(ctx.client, &owner, &domain.name, &domain.certificate_arn)
            .await?;
        return Ok(());
    }
    // Only the certificate is compared (none of it is fixed): swap it in place.
    ctx.client
        .update_domain_name()
        .domain_name(&domain.name)
        .domain_name_configurations(
            DomainNameConfiguration::builder()
                .certificate_arn(&domain.certificate_arn)
                .endpoint_type(EndpointType::Regional)
                .security_policy(SecurityPolicy::Tls12)
                .build(),
        )
        .send()
        .await
        .aws("UpdateDomainName")?;
    Ok(())
}

/// A mapping's only attribute is its stage, which cannot change in place: an update or a
/// replace deletes the mapping, then maps the domain again.
pub(super) async fn apply_mapping(
    ctx: &mut Context<'_>,
    change: &Change,
) -> Result<(), ProviderError> {
    // A mapping is named after its domain, which is also its parent.
    let domain = change.parent.as_deref().unwrap_or(&change.name);
    if change.action == Action::Delete {
        let id = change_id(change, "the mapping")?;
        tls_cert::domain::v2::delete_mapping(ctx.client, domain, id).await?;
        return Ok(());
    }
    let stage = &ctx.desired(change)?.stage;
    let api_id = ctx.api_id()?;
    if change.action != Action::Create {
        let id = change_id(change, "the mapping")?;
        tls_cert::domain::v2::delete_mapping(ctx.client, domain, id).await?;
    }
    tls_cert::domain::v2::create_mapping(ctx.client, domain, api_id, stage).await?;
    Ok(())
}
