//! Reads what a cluster owns in apigateway: its tagged REST APIs and everything inside them,
//! its tagged VPC links, and its custom domains with their mappings.

mod api;
mod domains;
mod read;

use crate::resources::sorted_list;
use aws_sdk_apigateway::Client;
use gw_core::{Observed, ObservedResource, Ownership, ProviderError, Resource, ResourceKind, attr};
use vpclink::{Link, Status, Version};

/// Observed-only attribute of the API: the id of its root resource `/`.
pub(crate) const ROOT_ID_ATTRIBUTE: &str = "root_id";
/// Observed-only attribute of a stage: the deployment it serves.
pub(crate) const DEPLOYMENT_ID_ATTRIBUTE: &str = "deployment_id";
/// Observed-only attribute of a VPC link: the status as AWS spells it (`INACTIVE` is reported
/// as `status: AVAILABLE`, since it is as usable as it gets).
pub(crate) const AWS_STATUS_ATTRIBUTE: &str = "aws_status";

/// The ids of methods and integrations: `<resource id> <HTTP method>`.
pub(crate) fn method_id(resource_id: &str, http_method: &str) -> String {
    format!("{resource_id} {http_method}")
}

pub(crate) async fn observe(
    client: &Client,
    v2: &aws_sdk_apigatewayv2::Client,
    owner: &Ownership,
) -> Result<Observed, ProviderError> {
    let apis = read::owned_apis(client, owner).await?;

    // Links: every owned v1 link (only REST APIs use them), and the v2 links tagged for REST
    // gateways (HTTP APIs own v2 links of the same cluster too, tagged for `http`).
    let mut links = vpclink::v1::find_owned(client, owner).await?;
    links.extend(vpclink::v2::find_owned(v2, &owner.for_gateway(crate::KIND)).await?);

    let mut observed = Observed::default();
    for link in &links {
        observed.resources.push(link_resource(link));
    }
    let link_names = api::LinkNames::new(&observed);
    for found in &apis {
        api::push_api(found, &link_names, &mut observed);
    }
    domains::push_domains(client, owner, &apis, &mut observed).await?;
    Ok(observed)
}

pub(crate) fn link_resource(link: &Link) -> ObservedResource {
    let status = match link.status {
        Status::Inactive => "AVAILABLE",
        ref other => other.as_str(),
    };
    let mut resource = Resource::new(ResourceKind::VpcLink, &link.name)
        .with(attr::VERSION, link.version.to_string())
        .with(attr::STATUS, status)
        .with(AWS_STATUS_ATTRIBUTE, link.status.as_str())
        .with(attr::TARGETS, sorted_list(&link.targets));
    if link.version == Version::V2 {
        resource = resource.with(attr::SECURITY_GROUPS, sorted_list(&link.security_groups));
    }
    if let Some(message) = &link.status_message {
        resource = resource.with("status_message", message);
    }
    ObservedResource {
        resource,
        id: link.id.clone(),
        parent_id: None,
        created_millis: link.created_millis,
    }
}
