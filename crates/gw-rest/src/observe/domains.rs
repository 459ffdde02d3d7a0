//! The custom domains tagged for REST gateways (AWS shares one domain namespace between the two
//! APIs), and their mappings to our APIs.

use super::read::FoundApi;
use aws_sdk_apigateway::Client;
use futures_util::future::join_all;
use gw_core::{Observed, ObservedResource, ProviderError, Resource, ResourceKind, attr};
use tls_cert::check::DomainEndpoint;
use tls_cert::domain::OwnedDomain;

/// The owned custom domains, and each one's mapping to one of our APIs (read side by side).
pub(super) async fn push_domains(
    client: &Client,
    domains: &[OwnedDomain],
    apis: &[FoundApi],
    observed: &mut Observed,
) -> Result<(), ProviderError> {
    let pairs = domains
        .iter()
        .flat_map(|owned| apis.iter().map(move |found| (&owned.domain, found)));
    let mappings = join_all(pairs.map(|(domain, found)| async move {
        let mapping = tls_cert::domain::v1::find_mapping(client, &domain.name, &found.id).await;
        (domain.name.as_str(), mapping)
    }))
    .await;
    for owned in domains {
        let domain = &owned.domain;
        observed.resources.push(domain_resource(owned));
        for (name, mapping) in mappings.iter().filter(|(name, _)| *name == domain.name) {
            let Some(mapping) = mapping.as_ref().map_err(Clone::clone)? else {
                continue;
            };
            observed.resources.push(ObservedResource {
                resource: Resource::new(ResourceKind::ApiMapping, *name)
                    .with(attr::STAGE, &mapping.stage),
                id: mapping.id.clone(),
                parent_id: Some(domain.name.clone()),
                created_millis: None,
            });
        }
    }
    Ok(())
}

/// The domain name as both providers report it (with the stack that made it, if any), with the
/// endpoint type a REST domain's desired state names.
fn domain_resource(owned: &OwnedDomain) -> ObservedResource {
    let endpoint = match owned.domain.endpoint {
        DomainEndpoint::Regional => "REGIONAL",
        DomainEndpoint::Edge => "EDGE",
    };
    let mut observed = owned.observed();
    observed.resource = observed.resource.with(attr::ENDPOINT_TYPE, endpoint);
    observed
}
