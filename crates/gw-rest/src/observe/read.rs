//! The AWS reads of observing: which REST APIs are owned, and what one of them holds (its
//! resources with their methods and integrations, its stages, the deployments they serve).

use super::{PAGE_SIZE, method_id};
use aws_calls::AwsResultExt;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{Resource as AwsResource, RestApi, Stage};
use futures_util::future::join_all;
use gw_core::{Ownership, ProviderError};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One owned REST API as read from AWS, before it becomes resources.
pub(super) struct FoundApi {
    pub api: RestApi,
    pub id: String,
    pub resources: Vec<AwsResource>,
    pub stages: Vec<Stage>,
    /// Deployment id -> description, for the deployments stages point at.
    pub deployments: BTreeMap<String, Option<String>>,
    /// Method id -> VPC link id, for private integrations whose embedded description left the
    /// connection id out (read with GetIntegration instead).
    pub connection_ids: HashMap<String, String>,
}

/// Every owned REST API with its content, oldest first; the APIs are read side by side.
pub(super) async fn owned_apis(
    client: &Client,
    owner: &Ownership,
) -> Result<Vec<FoundApi>, ProviderError> {
    let apis = tagged_apis(client, owner)
        .await?
        .into_iter()
        .filter_map(|api| {
            let id = api.id()?.to_string();
            Some(read_api(client, api, id))
        });
    // In the listing's order whichever answer comes first; the first failure in that order.
    join_all(apis).await.into_iter().collect()
}

/// One API's content: its resources (then the connection ids they left out) beside its stages
/// (then the deployments they serve); the two chains do not wait on each other.
async fn read_api(client: &Client, api: RestApi, id: String) -> Result<FoundApi, ProviderError> {
    let content = async {
        let resources = api_resources(client, &id).await?;
        let connection_ids = missing_connection_ids(client, &id, &resources).await?;
        Ok::<_, ProviderError>((resources, connection_ids))
    };
    let serving = async {
        let stages = client
            .get_stages()
            .rest_api_id(&id)
            .send()
            .await
            .aws("GetStages")?
            .item()
            .to_vec();
        let deployments = served_deployments(client, &id, &stages).await?;
        Ok::<_, ProviderError>((stages, deployments))
    };
    let (content, serving) = tokio::join!(content, serving);
    let (resources, connection_ids) = content?;
    let (stages, deployments) = serving?;
    Ok(FoundApi {
        api,
        id,
        resources,
        stages,
        deployments,
        connection_ids,
    })
}

/// The REST APIs carrying both ownership tags, oldest first (so that, should there be
/// duplicates, the diff keeps the oldest and its children). GetRestApis returns tags with each
/// API; when an answer leaves them out, GetTags is asked. Nothing else is read of other APIs.
pub(super) async fn tagged_apis(
    client: &Client,
    owner: &Ownership,
) -> Result<Vec<RestApi>, ProviderError> {
    let listed = client
        .get_rest_apis()
        .into_paginator()
        .page_size(PAGE_SIZE)
        .items()
        .send()
        .try_collect()
        .await
        .aws("GetRestApis")?;
    // The tags of APIs listed without them, asked side by side.
    let tagged = join_all(listed.into_iter().map(|api| async move {
        let tags = match (api.id(), api.tags().filter(|t| !t.is_empty())) {
            (None, _) => return Ok(None),
            (Some(_), Some(tags)) => tags.clone(),
            (Some(id), None) => api_tags(client, id).await?,
        };
        Ok::<_, ProviderError>(Some((api, tags)))
    }))
    .await;
    let mut owned = Vec::new();
    for found in tagged {
        if let Some((mut api, tags)) = found?
            && owner.owns(&tags)
        {
            // Kept with the API: a CloudFormation stack's tag there makes it the stack's.
            api.tags = Some(tags);
            owned.push(api);
        }
    }
    owned.sort_by_key(|a| a.created_date().map(|d| (d.secs(), d.subsec_nanos())));
    Ok(owned)
}

/// The tags of an API listed without them; none when it was deleted since the listing (then it
/// is not ours to worry about).
async fn api_tags(client: &Client, id: &str) -> Result<HashMap<String, String>, ProviderError> {
    let region = client
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_default();
    match client
        .get_tags()
        .resource_arn(format!("arn:aws:apigateway:{region}::/restapis/{id}"))
        .send()
        .await
        .aws("GetTags")
    {
        Ok(out) => Ok(out.tags().cloned().unwrap_or_default()),
        Err(e) if e.is_not_found() => Ok(HashMap::new()),
        Err(e) => Err(e.into()),
    }
}

/// Every resource of an API with its methods and their integrations (`embed=methods`).
async fn api_resources(client: &Client, api_id: &str) -> Result<Vec<AwsResource>, ProviderError> {
    Ok(client
        .get_resources()
        .rest_api_id(api_id)
        .embed("methods")
        .into_paginator()
        .page_size(PAGE_SIZE)
        .items()
        .send()
        .try_collect()
        .await
        .aws("GetResources")?)
}

/// The descriptions of the deployments the stages serve (which carry our fingerprints), read
/// side by side; `None` for one deleted since the stages were read.
async fn served_deployments(
    client: &Client,
    api_id: &str,
    stages: &[Stage],
) -> Result<BTreeMap<String, Option<String>>, ProviderError> {
    let ids: BTreeSet<&str> = stages.iter().filter_map(|s| s.deployment_id()).collect();
    let read = ids.into_iter().map(|deployment_id| async move {
        let description = match client
            .get_deployment()
            .rest_api_id(api_id)
            .deployment_id(deployment_id)
            .send()
            .await
            .aws("GetDeployment")
        {
            Ok(out) => out.description().map(str::to_string),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(ProviderError::from(e)),
        };
        Ok((deployment_id.to_string(), description))
    });
    join_all(read).await.into_iter().collect()
}

/// Reads the connection id of private integrations that `GetResources?embed=methods` described
/// without one. AWS includes it there; asking again only when it is missing keeps real AWS at
/// one call per API and still sees the truth where an answer is thinner.
async fn missing_connection_ids(
    client: &Client,
    api_id: &str,
    resources: &[AwsResource],
) -> Result<HashMap<String, String>, ProviderError> {
    let mut found = HashMap::new();
    for resource in resources {
        let (Some(resource_id), Some(methods)) = (resource.id(), resource.resource_methods())
        else {
            continue;
        };
        for (verb, method) in methods {
            let Some(integration) = method.method_integration() else {
                continue;
            };
            let private = integration.connection_type().map(|c| c.as_str()) == Some("VPC_LINK");
            if !private || integration.connection_id().is_some() {
                continue;
            }
            let full = client
                .get_integration()
                .rest_api_id(api_id)
                .resource_id(resource_id)
                .http_method(verb)
                .send()
                .await
                .aws("GetIntegration")?;
            if let Some(link) = full.connection_id() {
                found.insert(method_id(resource_id, verb), link.to_string());
            }
        }
    }
    Ok(found)
}
