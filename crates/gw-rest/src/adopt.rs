//! What `cortex-net adopt` reads and writes in apigateway: every REST API of the region
//! (whoever made it) with where its integrations send requests, its stages and mapped custom
//! domains, every VPC link v1 with its targets; and the one write that makes a gateway made
//! by hand the cluster's: its tags. Nothing else of the API is touched (its name neither), so
//! its id and invoke URL stay.

use aws_calls::AwsResultExt;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{ConnectionType, RestApi};
use futures_util::future::try_join_all;
use gw_core::ProviderError;
use std::collections::{BTreeMap, HashMap};

/// The largest page apigateway listings return.
const PAGE_SIZE: i32 = 500;

/// Tags as AWS lists them.
pub type Tags = BTreeMap<String, String>;

/// A REST API as `adopt` judges it.
#[derive(Debug, Clone, Default)]
pub struct FoundApi {
    pub id: String,
    pub name: String,
    pub tags: Tags,
    pub integrations: Vec<FoundIntegration>,
    pub stages: Vec<String>,
    /// The custom domains with a base path mapping to this API.
    pub domains: Vec<String>,
}

/// Where one integration sends requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoundIntegration {
    /// `http(s)://host[:port]/...`.
    pub uri: String,
    /// The VPC link (v1, or v2 for an ALB) it goes through, if any.
    pub vpc_link: Option<String>,
}

/// A VPC link v1 with the load balancers it reaches, or a custom domain name (no targets).
#[derive(Debug, Clone, Default)]
pub struct FoundShared {
    /// The link's id, or the domain's name.
    pub id: String,
    pub name: String,
    pub tags: Tags,
    /// A v1 link's Network Load Balancer ARNs.
    pub target_arns: Vec<String>,
}

/// Every REST API, VPC link v1 and custom domain name of the region.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub apis: Vec<FoundApi>,
    pub vpc_links: Vec<FoundShared>,
    pub domains: Vec<FoundShared>,
}

/// Reads every REST API of the region with its integrations, stages and mapped domains, and
/// every VPC link v1 and domain name, whoever made them (read-only).
pub async fn find_all(client: &Client) -> Result<Found, ProviderError> {
    let apis = client.get_rest_apis().limit(PAGE_SIZE).into_paginator();
    let apis = apis.items().send().try_collect().await.aws("GetRestApis")?;
    let links = client.get_vpc_links().limit(PAGE_SIZE).into_paginator();
    let links = links
        .items()
        .send()
        .try_collect()
        .await
        .aws("GetVpcLinks")?;
    let domains = client.get_domain_names().limit(PAGE_SIZE).into_paginator();
    let domains = domains
        .items()
        .send()
        .try_collect()
        .await
        .aws("GetDomainNames")?;
    let mut domains_found = Vec::new();
    for domain in &domains {
        let name = domain.domain_name().unwrap_or_default();
        domains_found.push(FoundShared {
            id: name.to_string(),
            name: name.to_string(),
            tags: tags_of(client, domain.tags(), &format!("/domainnames/{name}")).await?,
            target_arns: Vec::new(),
        });
    }
    let mapped = try_join_all(domains_found.iter().map(|d| mapped_apis(client, &d.id))).await?;
    let apis = try_join_all(apis.iter().map(|api| found_api(client, api))).await?;
    let mut apis: Vec<FoundApi> = apis.into_iter().flatten().collect();
    for (domain, api_ids) in domains_found.iter().zip(mapped) {
        for api in apis.iter_mut().filter(|api| api_ids.contains(&api.id)) {
            api.domains.push(domain.id.clone());
        }
    }
    let mut vpc_links = Vec::new();
    for link in &links {
        let id = link.id().unwrap_or_default();
        vpc_links.push(FoundShared {
            id: id.to_string(),
            name: link.name().unwrap_or_default().to_string(),
            tags: tags_of(client, link.tags(), &format!("/vpclinks/{id}")).await?,
            target_arns: link.target_arns().to_vec(),
        });
    }
    Ok(Found {
        apis,
        vpc_links,
        domains: domains_found,
    })
}

/// The tags a listing gave, or (when it gave none) those GetTags gives.
async fn tags_of(
    client: &Client,
    listed: Option<&HashMap<String, String>>,
    path: &str,
) -> Result<Tags, ProviderError> {
    if let Some(tags) = listed.filter(|t| !t.is_empty()) {
        return Ok(tags.clone().into_iter().collect());
    }
    let arn = gw_core::apigateway_arn(&region(client), path);
    match client.get_tags().resource_arn(arn).send().await {
        Ok(out) => Ok(out.tags.unwrap_or_default().into_iter().collect()),
        // Gone since the listing: nothing to judge it by.
        Err(error) if aws_calls::aws_error("GetTags", &error).is_not_found() => Ok(Tags::new()),
        Err(error) => Err(aws_calls::aws_error("GetTags", &error).into()),
    }
}

/// The ids of the REST APIs a domain name maps (none when the domain was deleted since the
/// listing).
async fn mapped_apis(client: &Client, domain: &str) -> Result<Vec<String>, ProviderError> {
    let mappings = tls_cert::domain::v1::mappings(client, domain).await?;
    Ok(mappings
        .into_iter()
        .map(|mapping| mapping.api_id)
        .filter(|api_id| !api_id.is_empty())
        .collect())
}

/// One API, or none when it was deleted while the region was read (AWS answers NotFound for
/// its resources, an integration or its stages): there is nothing left to adopt, and the other
/// APIs of the listing are still worth showing.
async fn found_api(client: &Client, api: &RestApi) -> Result<Option<FoundApi>, ProviderError> {
    match read_api(client, api).await {
        Ok(found) => Ok(Some(found)),
        Err(ProviderError::Aws(error)) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

/// One API with its tags, integrations (from `GetResources?embed=methods`; a private one
/// listed without its link is asked for on its own) and stages.
async fn read_api(client: &Client, api: &RestApi) -> Result<FoundApi, ProviderError> {
    let id = api.id().unwrap_or_default();
    let resources = client
        .get_resources()
        .rest_api_id(id)
        .embed("methods")
        .limit(PAGE_SIZE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("GetResources")?;
    let mut integrations = Vec::new();
    for resource in &resources {
        for (method, found) in resource.resource_methods().into_iter().flatten() {
            let Some(integration) = found.method_integration() else {
                continue;
            };
            let private = integration.connection_type() == Some(&ConnectionType::VpcLink);
            let mut link = integration.connection_id().map(str::to_string);
            if private && link.is_none() {
                let read = client
                    .get_integration()
                    .rest_api_id(id)
                    .resource_id(resource.id().unwrap_or_default())
                    .http_method(method)
                    .send()
                    .await;
                link = read.aws("GetIntegration")?.connection_id;
            }
            if let Some(uri) = integration.uri().filter(|u| !u.is_empty()) {
                integrations.push(FoundIntegration {
                    uri: uri.to_string(),
                    vpc_link: link.filter(|_| private),
                });
            }
        }
    }
    let stages = client.get_stages().rest_api_id(id).send().await;
    let stages = stages.aws("GetStages")?;
    Ok(FoundApi {
        id: id.to_string(),
        name: api.name().unwrap_or_default().to_string(),
        tags: tags_of(client, api.tags(), &format!("/restapis/{id}")).await?,
        integrations,
        stages: stages
            .item()
            .iter()
            .filter_map(|s| s.stage_name().map(str::to_string))
            .collect(),
        domains: Vec::new(),
    })
}

fn region(client: &Client) -> String {
    client
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_default()
}

/// Adds the tags to the REST API; nothing else of it changes.
pub async fn claim_api(client: &Client, id: &str, tags: &Tags) -> Result<(), ProviderError> {
    tag(client, &format!("/restapis/{id}"), tags).await
}

/// Adds the tags to the VPC link v1; nothing else of it changes.
pub async fn claim_vpc_link(client: &Client, id: &str, tags: &Tags) -> Result<(), ProviderError> {
    tag(client, &format!("/vpclinks/{id}"), tags).await
}

/// Adds the tags to a custom domain name.
pub async fn claim_domain(client: &Client, name: &str, tags: &Tags) -> Result<(), ProviderError> {
    tag(client, &format!("/domainnames/{name}"), tags).await
}

async fn tag(client: &Client, path: &str, tags: &Tags) -> Result<(), ProviderError> {
    let arn = gw_core::apigateway_arn(&region(client), path);
    let tags: HashMap<String, String> = tags.clone().into_iter().collect();
    let tagged = client
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(tags))
        .send()
        .await;
    tagged.aws("TagResource")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_apigateway::operation as op;
    use aws_sdk_apigateway::types::{Integration, Method, Resource, Stage, VpcLink};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    #[tokio::test]
    async fn a_private_integration_listed_without_its_link_is_read_on_its_own() {
        let rules = [
            mock!(Client::get_rest_apis).then_output(|| {
                op::get_rest_apis::GetRestApisOutput::builder()
                    .items(RestApi::builder().id("r1").name("by-hand").build())
                    .build()
            }),
            mock!(Client::get_tags).then_output(|| op::get_tags::GetTagsOutput::builder().build()),
            mock!(Client::get_resources).then_output(|| {
                let private = Integration::builder()
                    .uri("http://nlb.example.com/{proxy}")
                    .connection_type(ConnectionType::VpcLink)
                    .build();
                let method = Method::builder().method_integration(private).build();
                op::get_resources::GetResourcesOutput::builder()
                    .items(
                        Resource::builder()
                            .id("p1")
                            .path("/{proxy+}")
                            .resource_methods("ANY", method)
                            .build(),
                    )
                    .build()
            }),
            mock!(Client::get_integration)
                .match_requests(|r| r.resource_id() == Some("p1") && r.http_method() == Some("ANY"))
                .then_output(|| {
                    op::get_integration::GetIntegrationOutput::builder()
                        .connection_id("v1")
                        .build()
                }),
            mock!(Client::get_stages).then_output(|| {
                op::get_stages::GetStagesOutput::builder()
                    .item(Stage::builder().stage_name("dev").build())
                    .build()
            }),
            mock!(Client::get_vpc_links).then_output(|| {
                op::get_vpc_links::GetVpcLinksOutput::builder()
                    .items(
                        VpcLink::builder()
                            .id("v1")
                            .name("link")
                            .target_arns("arn:nlb")
                            .tags("team", "ml")
                            .build(),
                    )
                    .build()
            }),
            mock!(Client::get_domain_names)
                .then_output(|| op::get_domain_names::GetDomainNamesOutput::builder().build()),
        ];
        let client: Client = mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, &rules);
        let found = find_all(&client).await.expect("read");
        let [api] = &found.apis[..] else {
            panic!("one API: {found:?}")
        };
        assert_eq!(
            api.integrations,
            [FoundIntegration {
                uri: "http://nlb.example.com/{proxy}".into(),
                vpc_link: Some("v1".into())
            }]
        );
        assert_eq!(api.stages, ["dev"]);
        assert!(api.tags.is_empty());
        assert_eq!(found.vpc_links[0].target_arns, ["arn:nlb"]);
        assert_eq!(
            found.vpc_links[0].tags.get("team").map(String::as_str),
            Some("ml")
        );
    }

    #[tokio::test]
    async fn an_api_deleted_while_the_region_is_read_is_skipped() {
        use aws_sdk_apigateway::error::ErrorMetadata;
        use aws_sdk_apigateway::types::DomainName;
        use aws_sdk_apigateway::types::error::NotFoundException;
        let not_found = || {
            NotFoundException::builder()
                .message("Invalid API identifier specified")
                .meta(ErrorMetadata::builder().code("NotFoundException").build())
                .build()
        };
        let rules = [
            mock!(Client::get_rest_apis).then_output(|| {
                op::get_rest_apis::GetRestApisOutput::builder()
                    .items(RestApi::builder().id("gone").tags("k", "v").build())
                    .items(RestApi::builder().id("kept").tags("k", "v").build())
                    .build()
            }),
            mock!(Client::get_resources)
                .match_requests(|r| r.rest_api_id() == Some("gone"))
                .then_error(move || {
                    op::get_resources::GetResourcesError::NotFoundException(not_found())
                }),
            mock!(Client::get_resources)
                .then_output(|| op::get_resources::GetResourcesOutput::builder().build()),
            mock!(Client::get_stages)
                .match_requests(|r| r.rest_api_id() == Some("gone"))
                .then_error(move || op::get_stages::GetStagesError::NotFoundException(not_found())),
            mock!(Client::get_stages)
                .then_output(|| op::get_stages::GetStagesOutput::builder().build()),
            mock!(Client::get_vpc_links)
                .then_output(|| op::get_vpc_links::GetVpcLinksOutput::builder().build()),
            mock!(Client::get_domain_names).then_output(|| {
                op::get_domain_names::GetDomainNamesOutput::builder()
                    .items(
                        DomainName::builder()
                            .domain_name("gone.example.com")
                            .tags("k", "v")
                            .build(),
                    )
                    .build()
            }),
            mock!(Client::get_base_path_mappings).then_error(move || {
                op::get_base_path_mappings::GetBasePathMappingsError::NotFoundException(not_found())
            }),
        ];
        let client: Client = mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, &rules);
        let found = find_all(&client)
            .await
            .expect("the listing survives what went");
        let ids: Vec<&str> = found.apis.iter().map(|api| api.id.as_str()).collect();
        assert_eq!(ids, ["kept"]);
        assert!(found.apis[0].domains.is_empty());
    }

    #[tokio::test]
    async fn claiming_writes_the_tags_and_nothing_else() {
        let tagged = mock!(Client::tag_resource)
            .match_requests(|r| {
                r.resource_arn()
                    .is_some_and(|arn| arn.ends_with("/vpclinks/v1"))
                    && r.tags().and_then(|t| t.get("managed-by")) == Some(&"cortex-net".into())
            })
            .then_output(|| op::tag_resource::TagResourceOutput::builder().build());
        // Only TagResource is answered: a rename (UpdateRestApi, UpdateVpcLink) would fail here.
        let client: Client = mock_client!(aws_sdk_apigateway, RuleMode::Sequential, [&tagged]);
        let tags = gw_core::Ownership::new("prod").tags();
        claim_vpc_link(&client, "v1", &tags).await.expect("tagged");
        assert_eq!(tagged.num_calls(), 1);
    }
}
