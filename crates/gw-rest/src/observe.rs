//! Reads what a cluster owns in apigateway: its tagged REST APIs and everything inside them,
//! its tagged VPC links, and its custom domains with their mappings.

mod api;
mod domains;
pub(crate) mod keys;
mod read;

use aws_sdk_apigateway::Client;
use gw_core::{Observed, Ownership, ProviderError, ResourceKind};

/// Observed-only attribute of a stage: the deployment it serves.
pub(crate) const DEPLOYMENT_ID_ATTRIBUTE: &str = "deployment_id";

/// The most items apigateway returns in one page of a listing.
pub(crate) const PAGE_SIZE: i32 = 500;

/// The ids of methods and integrations: `<resource id> <HTTP method>`.
pub(crate) fn method_id(resource_id: &str, http_method: &str) -> String {
    format!("{resource_id} {http_method}")
}

/// The owned REST APIs as AWS lists them now, oldest first (nothing read of their content).
pub(crate) async fn owned_rest_apis(
    client: &Client,
    owner: &Ownership,
) -> Result<Vec<aws_sdk_apigateway::types::RestApi>, ProviderError> {
    read::tagged_apis(client, owner).await
}

/// Everything the cluster owns in apigateway. The owned APIs (and their content), the VPC links
/// of both versions, the custom domains, the API keys and the usage plans are read side by
/// side: none waits on another. Only the domains' mappings to our APIs need both; a failure is
/// reported in the order a sequential reading would meet it. Key values are read (and only
/// their digests kept) when `key_values` is set.
pub(crate) async fn observe(
    client: &Client,
    v2: &aws_sdk_apigatewayv2::Client,
    owner: &Ownership,
    key_values: bool,
) -> Result<Observed, ProviderError> {
    let rest_owner = owner.for_gateway(crate::KIND);
    // Links: every owned v1 link (only REST APIs use them), and the v2 links tagged for REST
    // gateways (HTTP APIs own v2 links of the same cluster too, tagged for `http`).
    let (apis, v1_links, v2_links, domains, api_keys, plans) = tokio::join!(
        read::owned_apis(client, owner),
        vpclink::v1::find_owned(client, owner),
        vpclink::v2::find_owned(v2, &rest_owner),
        tls_cert::domain::v1::find_owned(client, &rest_owner),
        keys::owned_keys(client, owner, key_values),
        keys::owned_plans(client, owner),
    );
    let apis = apis?;
    let mut links = v1_links?;
    links.extend(v2_links?);
    let domains = domains?;
    let (api_keys, plans) = (api_keys?, plans?);

    let mut observed = Observed::default();
    observed
        .resources
        .extend(links.iter().map(vpclink::observed));
    // The kept link and API by the name `up` gives them, whatever AWS calls them (adopted
    // ones), before integrations and usage plans refer to them.
    observed.name_kept(ResourceKind::VpcLink, owner);
    let link_names = api::LinkNames::new(&observed);
    for found in &apis {
        api::push_api(found, &link_names, &mut observed);
    }
    observed.name_kept(ResourceKind::Api, owner);
    keys::push_keys_and_plans(&api_keys, &plans, &mut observed);
    domains::push_domains(client, &domains, &apis, &mut observed).await?;
    Ok(observed)
}
