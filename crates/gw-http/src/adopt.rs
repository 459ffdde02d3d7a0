//! What `cortex-net adopt` reads and writes in apigatewayv2: every HTTP API of the region
//! (whoever made it) with where its integrations send requests, its stages, VPC links and
//! custom domains; and the one write that makes a gateway made by hand the cluster's: its
//! tags. Nothing else of the API is touched (its name neither), so its id and invoke URL stay.

use aws_calls::{AwsResultExt, all_pages};
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::types::{Api, ConnectionType, Integration};
use futures_util::future::try_join_all;
use gw_core::ProviderError;
use std::collections::{BTreeMap, HashMap};

/// The largest page apigatewayv2 listings return.
const PAGE_SIZE: &str = "100";

/// Tags as AWS lists them.
pub type Tags = BTreeMap<String, String>;

/// An HTTP API as `adopt` judges it.
#[derive(Debug, Clone, Default)]
pub struct FoundApi {
    pub id: String,
    pub name: String,
    /// `https://<id>.execute-api.<region>.amazonaws.com`, as AWS reports it.
    pub endpoint: Option<String>,
    pub tags: Tags,
    pub integrations: Vec<FoundIntegration>,
    pub stages: Vec<String>,
    /// The custom domains with a mapping to this API.
    pub domains: Vec<String>,
}

/// Where one integration sends requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoundIntegration {
    /// `http(s)://host[:port]/...`, or a load balancer listener's ARN through a VPC link.
    pub uri: String,
    /// The VPC link it goes through, if any.
    pub vpc_link: Option<String>,
}

/// A VPC link v2 or a custom domain name: what `adopt` tags with the API.
#[derive(Debug, Clone, Default)]
pub struct FoundShared {
    /// The link's id, or the domain's name.
    pub id: String,
    pub name: String,
    pub tags: Tags,
}

/// Every HTTP API, VPC link v2 and custom domain name of the region.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub apis: Vec<FoundApi>,
    pub vpc_links: Vec<FoundShared>,
    pub domains: Vec<FoundShared>,
}

/// Reads every HTTP API of the region with its integrations, stages and mapped domains, and
/// every VPC link v2 and domain name, whoever made them (read-only).
pub async fn find_all(client: &Client) -> Result<Found, ProviderError> {
    let apis = all_pages(|token| async move {
        let page = client.get_apis().max_results(PAGE_SIZE);
        let page = page.set_next_token(token).send().await.aws("GetApis")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await?;
    let links = all_pages(|token| async move {
        let page = client.get_vpc_links().max_results(PAGE_SIZE);
        let page = page.set_next_token(token).send().await.aws("GetVpcLinks")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await?;
    let domains = all_pages(|token| async move {
        let page = client.get_domain_names().max_results(PAGE_SIZE);
        let page = page.set_next_token(token).send().await;
        let page = page.aws("GetDomainNames")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await?;
    let domain_names: Vec<String> = domains
        .iter()
        .filter_map(|d| d.domain_name().map(str::to_string))
        .collect();
    let mapped = try_join_all(domain_names.iter().map(|name| mapped_apis(client, name))).await?;
    let apis = try_join_all(apis.iter().map(|api| found_api(client, api))).await?;
    let mut apis: Vec<FoundApi> = apis.into_iter().flatten().collect();
    for (domain, api_ids) in domain_names.iter().zip(mapped) {
        for api in apis.iter_mut().filter(|api| api_ids.contains(&api.id)) {
            api.domains.push(domain.clone());
        }
    }
    Ok(Found {
        apis,
        vpc_links: links
            .iter()
            .map(|link| FoundShared {
                id: link.vpc_link_id().unwrap_or_default().to_string(),
                name: link.name().unwrap_or_default().to_string(),
                tags: sorted(link.tags()),
            })
            .collect(),
        domains: domains
            .iter()
            .map(|domain| FoundShared {
                id: domain.domain_name().unwrap_or_default().to_string(),
                name: domain.domain_name().unwrap_or_default().to_string(),
                tags: sorted(domain.tags()),
            })
            .collect(),
    })
}

fn sorted(tags: Option<&HashMap<String, String>>) -> Tags {
    tags.map(|t| t.clone().into_iter().collect())
        .unwrap_or_default()
}

/// The ids of the APIs a domain name maps (none when the domain was deleted since the listing).
async fn mapped_apis(client: &Client, domain: &str) -> Result<Vec<String>, ProviderError> {
    let mappings = tls_cert::domain::v2::mappings(client, domain).await?;
    Ok(mappings
        .into_iter()
        .map(|mapping| mapping.api_id)
        .filter(|api_id| !api_id.is_empty())
        .collect())
}

/// One API, or none when it was deleted while the region was read (AWS answers NotFound for
/// its tags, integrations or stages): there is nothing left to adopt, and the other APIs of the
/// listing are still worth showing.
async fn found_api(client: &Client, api: &Api) -> Result<Option<FoundApi>, ProviderError> {
    match read_api(client, api).await {
        Ok(found) => Ok(Some(found)),
        Err(error) if is_gone(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Whether AWS said the thing read no longer exists.
fn is_gone(error: &ProviderError) -> bool {
    matches!(error, ProviderError::Aws(aws) if aws.is_not_found())
}

/// One API with its tags (asked when the listing left them out), integrations and stages.
async fn read_api(client: &Client, api: &Api) -> Result<FoundApi, ProviderError> {
    let id = api.api_id().unwrap_or_default();
    let tags = match api.tags() {
        Some(tags) => sorted(Some(tags)),
        None => {
            let arn = gw_core::apigateway_arn(&region(client), &format!("/apis/{id}"));
            let out = client.get_tags().resource_arn(arn).send().await;
            sorted(out.aws("GetTags")?.tags())
        }
    };
    let integrations = all_pages(|token| async move {
        let page = client.get_integrations().api_id(id).max_results(PAGE_SIZE);
        let page = page.set_next_token(token).send().await;
        let page = page.aws("GetIntegrations")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await?;
    let stages = all_pages(|token| async move {
        let page = client.get_stages().api_id(id).max_results(PAGE_SIZE);
        let page = page.set_next_token(token).send().await.aws("GetStages")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await?;
    Ok(FoundApi {
        id: id.to_string(),
        name: api.name().unwrap_or_default().to_string(),
        endpoint: api.api_endpoint().map(str::to_string),
        tags,
        integrations: integrations.iter().filter_map(target).collect(),
        stages: stages
            .iter()
            .filter_map(|s| s.stage_name().map(str::to_string))
            .collect(),
        domains: Vec::new(),
    })
}

/// Where an integration sends requests; none for one without a URI (a Lambda by ARN is a
/// URI too, and is then simply not this cluster's load balancer).
fn target(integration: &Integration) -> Option<FoundIntegration> {
    let uri = integration.integration_uri().filter(|u| !u.is_empty())?;
    let vpc_link = match integration.connection_type() {
        Some(ConnectionType::VpcLink) => integration.connection_id().map(str::to_string),
        _ => None,
    };
    Some(FoundIntegration {
        uri: uri.to_string(),
        vpc_link,
    })
}

fn region(client: &Client) -> String {
    client
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_default()
}

/// Adds the tags to the API; nothing else of it changes.
pub async fn claim_api(client: &Client, id: &str, tags: &Tags) -> Result<(), ProviderError> {
    tag(client, &format!("/apis/{id}"), tags).await
}

/// Adds the tags to the VPC link; nothing else of it changes.
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
    use aws_sdk_apigatewayv2::operation as op;
    use aws_sdk_apigatewayv2::types::{ApiMapping, DomainName, Stage, VpcLink};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    #[tokio::test]
    async fn finds_each_api_with_its_targets_stages_and_mapped_domains() {
        let rules = [
            mock!(Client::get_apis).then_output(|| {
                op::get_apis::GetApisOutput::builder()
                    .items(Api::builder().api_id("a1").name("by-hand").build())
                    .build()
            }),
            mock!(Client::get_tags).then_output(|| {
                op::get_tags::GetTagsOutput::builder()
                    .tags("team", "ml")
                    .build()
            }),
            mock!(Client::get_integrations).then_output(|| {
                op::get_integrations::GetIntegrationsOutput::builder()
                    .items(
                        Integration::builder()
                            .integration_uri("arn:listener")
                            .connection_type(ConnectionType::VpcLink)
                            .connection_id("l1")
                            .build(),
                    )
                    .items(Integration::builder().build())
                    .build()
            }),
            mock!(Client::get_stages).then_output(|| {
                op::get_stages::GetStagesOutput::builder()
                    .items(Stage::builder().stage_name("$default").build())
                    .build()
            }),
            mock!(Client::get_vpc_links).then_output(|| {
                op::get_vpc_links::GetVpcLinksOutput::builder()
                    .items(VpcLink::builder().vpc_link_id("l1").name("link").build())
                    .build()
            }),
            mock!(Client::get_domain_names).then_output(|| {
                op::get_domain_names::GetDomainNamesOutput::builder()
                    .items(DomainName::builder().domain_name("api.example.com").build())
                    .build()
            }),
            mock!(Client::get_api_mappings).then_output(|| {
                op::get_api_mappings::GetApiMappingsOutput::builder()
                    .items(
                        ApiMapping::builder()
                            .api_mapping_id("m1")
                            .api_id("a1")
                            .stage("$default")
                            .build(),
                    )
                    .build()
            }),
        ];
        let client: Client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, &rules);
        let found = find_all(&client).await.expect("read");
        let [api] = &found.apis[..] else {
            panic!("one API: {found:?}")
        };
        assert_eq!(api.tags.get("team").map(String::as_str), Some("ml"));
        assert_eq!(
            api.integrations,
            [FoundIntegration {
                uri: "arn:listener".into(),
                vpc_link: Some("l1".into())
            }],
            "the integration without a URI is no target"
        );
        assert_eq!(api.stages, ["$default"]);
        assert_eq!(api.domains, ["api.example.com"]);
        assert_eq!(found.vpc_links[0].id, "l1");
    }

    #[tokio::test]
    async fn an_api_deleted_while_the_region_is_read_is_skipped() {
        use aws_sdk_apigatewayv2::error::ErrorMetadata;
        use aws_sdk_apigatewayv2::types::error::NotFoundException;
        let not_found = || {
            NotFoundException::builder()
                .message("Invalid API identifier specified")
                .meta(ErrorMetadata::builder().code("NotFoundException").build())
                .build()
        };
        let tags = |id: &str| Some(HashMap::from([("name".to_string(), id.to_string())]));
        let rules = [
            mock!(Client::get_apis).then_output(move || {
                op::get_apis::GetApisOutput::builder()
                    .items(Api::builder().api_id("gone").set_tags(tags("gone")).build())
                    .items(Api::builder().api_id("kept").set_tags(tags("kept")).build())
                    .build()
            }),
            mock!(Client::get_integrations)
                .match_requests(|r| r.api_id() == Some("gone"))
                .then_error(move || {
                    op::get_integrations::GetIntegrationsError::NotFoundException(not_found())
                }),
            mock!(Client::get_integrations)
                .then_output(|| op::get_integrations::GetIntegrationsOutput::builder().build()),
            mock!(Client::get_stages)
                .match_requests(|r| r.api_id() == Some("gone"))
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
                            .build(),
                    )
                    .build()
            }),
            mock!(Client::get_api_mappings).then_error(move || {
                op::get_api_mappings::GetApiMappingsError::NotFoundException(not_found())
            }),
        ];
        let client: Client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, &rules);
        let found = find_all(&client)
            .await
            .expect("the listing survives what went");
        let ids: Vec<&str> = found.apis.iter().map(|api| api.id.as_str()).collect();
        assert_eq!(ids, ["kept"]);
        assert!(found.apis[0].domains.is_empty());
    }

    #[tokio::test]
    async fn another_failure_reading_an_api_still_fails_the_listing() {
        use aws_sdk_apigatewayv2::error::ErrorMetadata;
        use aws_sdk_apigatewayv2::types::error::BadRequestException;
        let rules = [
            mock!(Client::get_apis).then_output(|| {
                op::get_apis::GetApisOutput::builder()
                    .items(Api::builder().api_id("a1").tags("k", "v").build())
                    .build()
            }),
            mock!(Client::get_integrations).then_error(|| {
                op::get_integrations::GetIntegrationsError::BadRequestException(
                    BadRequestException::builder()
                        .message("Invalid input")
                        .meta(ErrorMetadata::builder().code("BadRequestException").build())
                        .build(),
                )
            }),
            mock!(Client::get_stages)
                .then_output(|| op::get_stages::GetStagesOutput::builder().build()),
            mock!(Client::get_vpc_links)
                .then_output(|| op::get_vpc_links::GetVpcLinksOutput::builder().build()),
            mock!(Client::get_domain_names)
                .then_output(|| op::get_domain_names::GetDomainNamesOutput::builder().build()),
        ];
        let client: Client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, &rules);
        let error = find_all(&client)
            .await
            .expect_err("a refusal is no deletion");
        assert!(error.to_string().contains("GetIntegrations"), "{error}");
    }

    #[tokio::test]
    async fn claiming_writes_the_tags_and_nothing_else() {
        let tagged = mock!(Client::tag_resource)
            .match_requests(|r| {
                r.resource_arn()
                    .is_some_and(|arn| arn.ends_with("/apis/a1"))
                    && r.tags().and_then(|t| t.get("managed-by")) == Some(&"cortex-net".into())
            })
            .then_output(|| op::tag_resource::TagResourceOutput::builder().build());
        // Only TagResource is answered: a rename (UpdateApi, UpdateVpcLink) would fail here.
        let client: Client = mock_client!(aws_sdk_apigatewayv2, RuleMode::Sequential, [&tagged]);
        let tags = gw_core::Ownership::new("prod").tags();
        claim_api(&client, "a1", &tags).await.expect("tagged");
        assert_eq!(tagged.num_calls(), 1);
    }

    /// The guide's internal HTTP gateway made by hand (API `by-hand`, link `by-hand-link`),
    /// then tagged for cluster `prod` by `adopt`, as apigatewayv2 lists it.
    fn adopted_by_hand() -> Client {
        use aws_sdk_apigatewayv2::types::{IntegrationType, ProtocolType, VpcLinkStatus};
        let owner = gw_core::Ownership::new("prod");
        let link_tags = owner.for_gateway(gw_core::GatewayKind::Http).tags();
        let api_tags = owner.tags();
        let strings = |items: &[&str]| Some(items.iter().map(|s| s.to_string()).collect());
        let rules = [
            mock!(Client::get_vpc_links).then_output(move || {
                let link = VpcLink::builder()
                    .vpc_link_id("l1")
                    .name("by-hand-link")
                    .set_subnet_ids(strings(&["subnet-2", "subnet-1"]))
                    .set_security_group_ids(strings(&["sg-1"]))
                    .vpc_link_status(VpcLinkStatus::Available)
                    .set_tags(Some(link_tags.clone().into_iter().collect()))
                    .build();
                op::get_vpc_links::GetVpcLinksOutput::builder()
                    .items(link)
                    .build()
            }),
            mock!(Client::get_domain_names)
                .then_output(|| op::get_domain_names::GetDomainNamesOutput::builder().build()),
            mock!(Client::get_apis).then_output(move || {
                let api = Api::builder()
                    .api_id("a1")
                    .name("by-hand")
                    .protocol_type(ProtocolType::Http)
                    .set_tags(Some(api_tags.clone().into_iter().collect()))
                    .build();
                op::get_apis::GetApisOutput::builder().items(api).build()
            }),
            mock!(Client::get_integrations).then_output(|| {
                let through_link = Integration::builder()
                    .integration_id("i1")
                    .integration_type(IntegrationType::HttpProxy)
                    .integration_method("ANY")
                    .integration_uri("arn:listener")
                    .connection_type(ConnectionType::VpcLink)
                    .connection_id("l1")
                    .build();
                op::get_integrations::GetIntegrationsOutput::builder()
                    .items(through_link)
                    .build()
            }),
            mock!(Client::get_authorizers)
                .then_output(|| op::get_authorizers::GetAuthorizersOutput::builder().build()),
            mock!(Client::get_routes)
                .then_output(|| op::get_routes::GetRoutesOutput::builder().build()),
            mock!(Client::get_stages)
                .then_output(|| op::get_stages::GetStagesOutput::builder().build()),
        ];
        mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, &rules)
    }

    #[tokio::test]
    async fn an_adopted_gateway_keeps_its_names_and_up_plans_nothing_for_its_api_and_link() {
        use gw_core::{GatewayKind, GatewayProvider, Ownership, ResourceKind, VpcLinkVersion};
        let owner = Ownership::new("prod");
        let client = adopted_by_hand();
        let provider =
            crate::HttpApiProvider::new(client, std::sync::Arc::new(gw_core::LogProgress));
        let observed = provider.observe(&owner).await.expect("observed");
        let desired = gw_core::testing::desired(GatewayKind::Http)
            .internal(VpcLinkVersion::V2)
            .build();
        let wanted = provider.desired_resources(&desired);
        let plan = gw_core::diff(&wanted, &observed);
        let touching: Vec<_> = plan
            .changes
            .iter()
            .filter(|c| matches!(c.kind, ResourceKind::Api | ResourceKind::VpcLink))
            .collect();
        assert!(touching.is_empty(), "{plan}");
        fn connection<'a>(
            mut resources: impl Iterator<Item = &'a gw_core::Resource>,
        ) -> Option<String> {
            resources
                .find(|r| r.kind == ResourceKind::Integration)
                .and_then(|r| r.attribute(gw_core::attr::CONNECTION))
                .map(str::to_string)
        }
        let observed_connection = connection(observed.resources.iter().map(|r| &r.resource));
        assert_eq!(observed_connection.as_deref(), Some("VPC_LINK cortex-prod"));
        assert_eq!(observed_connection, connection(wanted.iter()));
        assert!(
            plan.changes.iter().all(|c| !c
                .detail
                .as_deref()
                .unwrap_or_default()
                .contains("connection")),
            "{plan}"
        );
        // `up` reports the gateway by its id; the kept link and API by the name `up` gives.
        let api = observed
            .find(ResourceKind::Api, &desired.name)
            .expect("the API");
        assert_eq!(api.id, "a1");
    }
}
