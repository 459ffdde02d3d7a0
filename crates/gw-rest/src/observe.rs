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
        vpclink::v1::find_owned_with_stack(client, owner),
        vpclink::v2::find_owned_with_stack(v2, &rest_owner),
        tls_cert::domain::v1::find_owned_with_stack(client, &rest_owner),
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
        .extend(links.iter().map(vpclink::observed_owned));
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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_apigateway::operation as op;
    use aws_sdk_apigateway::types::{DomainName, EndpointConfiguration, EndpointType, VpcLink};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use std::collections::HashMap;

    #[tokio::test]
    async fn a_link_or_domain_a_cloudformation_stack_made_names_its_stack() {
        let owner = Ownership::new("prod");
        let ours: HashMap<String, String> =
            owner.for_gateway(crate::KIND).tags().into_iter().collect();
        let mut stacked = ours.clone();
        stacked.insert(gw_core::STACK_TAG.into(), "cortex-fleet".into());
        for (link_tags, domain_tags) in [(&stacked, &ours), (&ours, &stacked)] {
            let (link_tags, domain_tags) = (link_tags.clone(), domain_tags.clone());
            let rules = [
                mock!(Client::get_rest_apis)
                    .then_output(|| op::get_rest_apis::GetRestApisOutput::builder().build()),
                mock!(Client::get_vpc_links).then_output(move || {
                    let link = VpcLink::builder()
                        .id("v1")
                        .name("cortex-prod")
                        .target_arns("arn:nlb")
                        .set_tags(Some(link_tags.clone()))
                        .build();
                    op::get_vpc_links::GetVpcLinksOutput::builder()
                        .items(link)
                        .build()
                }),
                mock!(Client::get_domain_names).then_output(move || {
                    let regional = EndpointConfiguration::builder()
                        .types(EndpointType::Regional)
                        .build();
                    let domain = DomainName::builder()
                        .domain_name("api.example.com")
                        .endpoint_configuration(regional)
                        .set_tags(Some(domain_tags.clone()))
                        .build();
                    op::get_domain_names::GetDomainNamesOutput::builder()
                        .items(domain)
                        .build()
                }),
                mock!(Client::get_api_keys)
                    .then_output(|| op::get_api_keys::GetApiKeysOutput::builder().build()),
                mock!(Client::get_usage_plans)
                    .then_output(|| op::get_usage_plans::GetUsagePlansOutput::builder().build()),
            ];
            let client: Client = mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, &rules);
            let no_links = mock!(aws_sdk_apigatewayv2::Client::get_vpc_links).then_output(|| {
                aws_sdk_apigatewayv2::operation::get_vpc_links::GetVpcLinksOutput::builder().build()
            });
            let v2 = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&no_links]);
            let observed = observe(&client, &v2, &owner, false)
                .await
                .expect("observed");
            assert_eq!(observed.stack(), Some("cortex-fleet"), "{observed:?}");
        }
    }
}
