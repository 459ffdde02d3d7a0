//! The custom domains tagged for REST gateways (AWS shares one domain namespace between the two
//! APIs), and their mappings to our APIs.

use super::read::FoundApi;
use aws_sdk_apigateway::Client;
use gw_core::{Observed, ObservedResource, Ownership, ProviderError, Resource, ResourceKind, attr};
use tls_cert::check::DomainEndpoint;
use tls_cert::domain::DomainName;

pub(super) async fn push_domains(
    client: &Client,
    owner: &Ownership,
    apis: &[FoundApi],
    observed: &mut Observed,
) -> Result<(), ProviderError> {
    for domain in tls_cert::domain::v1::find_owned(client, &owner.for_gateway(crate::KIND)).await? {
        observed.resources.push(domain_resource(&domain));
        for found in apis {
            if let Some(mapping) =
                tls_cert::domain::v1::find_mapping(client, &domain.name, &found.id).await?
            {
                observed.resources.push(ObservedResource {
                    resource: Resource::new(ResourceKind::ApiMapping, &domain.name)
                        .with(attr::STAGE, &mapping.stage),
                    id: mapping.id,
                    parent_id: Some(domain.name.clone()),
                    created_millis: None,
                });
            }
        }
    }
    Ok(())
}

fn domain_resource(domain: &DomainName) -> ObservedResource {
    let endpoint = match domain.endpoint {
        DomainEndpoint::Regional => "REGIONAL",
        DomainEndpoint::Edge => "EDGE",
    };
    let mut resource = Resource::new(ResourceKind::DomainName, &domain.name)
        .with(
            attr::CERTIFICATE,
            domain.certificate_arn.clone().unwrap_or_default(),
        )
        .with(attr::ENDPOINT_TYPE, endpoint);
    if let Some(target) = &domain.target {
        resource = resource.with(attr::TARGET_DOMAIN, target);
    }
    if let Some(zone) = &domain.hosted_zone_id {
        resource = resource.with(attr::HOSTED_ZONE, zone);
    }
    ObservedResource {
        resource,
        id: domain.name.clone(),
        parent_id: None,
        created_millis: None,
    }
}
