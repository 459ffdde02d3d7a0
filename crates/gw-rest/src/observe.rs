//! Reads what a cluster owns in apigateway: its tagged REST APIs and everything inside them,
//! and its tagged VPC links.

use crate::resources::{
    CURRENT_DEPLOYMENT, attr, map_text, parse_deployment_description, responses_text, sorted_list,
};
use aws_calls::AwsResultExt;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_apigateway::types::{Integration, Method, RestApi};
use gw_core::{Observed, ObservedResource, Ownership, ProviderError, Resource, ResourceKind};
use std::collections::{BTreeMap, HashMap, HashSet};
use vpclink::{Link, Status, Version};

/// Observed-only attribute of the API: the id of its root resource `/`.
pub(crate) const ROOT_ID_ATTRIBUTE: &str = "root_id";
/// Observed-only attribute of a stage: the deployment it serves.
pub(crate) const DEPLOYMENT_ID_ATTRIBUTE: &str = "deployment_id";
/// Observed-only attribute of a VPC link: the status as AWS spells it (`INACTIVE` is reported
/// as `status: AVAILABLE`, since it is as usable as it gets).
pub(crate) const AWS_STATUS_ATTRIBUTE: &str = "aws_status";

pub(crate) fn is_not_found<E, R>(error: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    error
        .as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "NotFoundException")
}

/// The ids of methods and integrations: `<resource id> <HTTP method>`.
pub(crate) fn method_id(resource_id: &str, http_method: &str) -> String {
    format!("{resource_id} {http_method}")
}

/// One owned REST API as read from AWS, before it becomes resources.
struct FoundApi {
    api: RestApi,
    id: String,
    resources: Vec<aws_sdk_apigateway::types::Resource>,
    stages: Vec<aws_sdk_apigateway::types::Stage>,
    /// Deployment id -> description, for the deployments stages point at.
    deployments: BTreeMap<String, Option<String>>,
    /// Method id -> VPC link id, for private integrations whose embedded description left the
    /// connection id out (read with GetIntegration instead).
    connection_ids: HashMap<String, String>,
}

pub(crate) async fn observe(
    client: &Client,
    v2: &aws_sdk_apigatewayv2::Client,
    owner: &Ownership,
) -> Result<Observed, ProviderError> {
    let mut apis = Vec::new();
    for api in owned_apis(client, owner).await? {
        let Some(id) = api.id().map(str::to_string) else {
            continue;
        };
        let resources = api_resources(client, &id).await?;
        let connection_ids = missing_connection_ids(client, &id, &resources).await?;
        let stages = client
            .get_stages()
            .rest_api_id(&id)
            .send()
            .await
            .aws("GetStages")?
            .item()
            .to_vec();
        let mut deployments = BTreeMap::new();
        for deployment_id in stages.iter().filter_map(|s| s.deployment_id()) {
            if deployments.contains_key(deployment_id) {
                continue;
            }
            let description = match client
                .get_deployment()
                .rest_api_id(&id)
                .deployment_id(deployment_id)
                .send()
                .await
            {
                Ok(out) => out.description().map(str::to_string),
                Err(e) if is_not_found(&e) => None,
                Err(e) => {
                    return Err(ProviderError::from(aws_calls::aws_error(
                        "GetDeployment",
                        &e,
                    )));
                }
            };
            deployments.insert(deployment_id.to_string(), description);
        }
        apis.push(FoundApi {
            api,
            id,
            resources,
            stages,
            deployments,
            connection_ids,
        });
    }

    // Links: every owned v1 link (only REST APIs use them), and the v2 links tagged for REST
    // gateways (HTTP APIs own v2 links of the same cluster too, tagged for `http`).
    let mut links = vpclink::v1::find_owned(client, owner).await?;
    links.extend(vpclink::v2::find_owned(v2, &owner.for_gateway(crate::KIND)).await?);

    let mut observed = Observed::default();
    for link in &links {
        observed.resources.push(link_resource(link));
    }
    let link_names = LinkNames::new(&observed);
    for found in &apis {
        push_api(found, &link_names, &mut observed);
    }
    // Custom domains tagged for REST gateways (AWS shares one domain namespace between the two
    // APIs), and their mappings to our APIs.
    for domain in tls_cert::domain::v1::find_owned(client, &owner.for_gateway(crate::KIND)).await? {
        let mut resource = Resource::new(ResourceKind::DomainName, &domain.name)
            .with(
                attr::CERTIFICATE,
                domain.certificate_arn.clone().unwrap_or_default(),
            )
            .with(
                attr::ENDPOINT_TYPE,
                match domain.endpoint {
                    tls_cert::check::DomainEndpoint::Regional => "REGIONAL",
                    tls_cert::check::DomainEndpoint::Edge => "EDGE",
                },
            );
        if let Some(target) = &domain.target {
            resource = resource.with(attr::TARGET_DOMAIN, target);
        }
        if let Some(zone) = &domain.hosted_zone_id {
            resource = resource.with(attr::HOSTED_ZONE, zone);
        }
        observed.resources.push(ObservedResource {
            resource,
            id: domain.name.clone(),
            parent_id: None,
            created_millis: None,
        });
        for found in &apis {
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
    Ok(observed)
}

/// How integrations and deployments name the VPC link they use: the kept link by its name, a
/// duplicate by name and id, so that an integration on a duplicate differs from the desired one
/// and is moved onto the kept link (and redeployed) before the duplicate is deleted.
struct LinkNames {
    /// Link id -> the name integrations show.
    names: HashMap<String, String>,
    /// Ids of the links every run keeps.
    kept: HashSet<String>,
}

impl LinkNames {
    fn new(observed: &Observed) -> Self {
        let kept = observed
            .kept(ResourceKind::VpcLink)
            .map(|l| l.id.clone())
            .collect();
        let names = observed.references(ResourceKind::VpcLink);
        Self { names, kept }
    }
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

/// The REST APIs carrying both ownership tags, oldest first (so that, should there be
/// duplicates, the diff keeps the oldest and its children). GetRestApis returns tags with each
/// API; when an answer leaves them out, GetTags is asked. Nothing else is read of other APIs.
async fn owned_apis(client: &Client, owner: &Ownership) -> Result<Vec<RestApi>, ProviderError> {
    let region = client
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_default();
    let mut owned = Vec::new();
    let mut position: Option<String> = None;
    loop {
        let page = client
            .get_rest_apis()
            .limit(500)
            .set_position(position.clone())
            .send()
            .await
            .aws("GetRestApis")?;
        for api in page.items() {
            let Some(id) = api.id() else { continue };
            let tags: HashMap<String, String> = match api.tags().filter(|t| !t.is_empty()) {
                Some(tags) => tags.clone(),
                None => match client
                    .get_tags()
                    .resource_arn(format!("arn:aws:apigateway:{region}::/restapis/{id}"))
                    .send()
                    .await
                {
                    Ok(out) => out.tags().cloned().unwrap_or_default(),
                    // Deleted since the listing: not ours to worry about.
                    Err(e) if is_not_found(&e) => HashMap::new(),
                    Err(e) => return Err(ProviderError::from(aws_calls::aws_error("GetTags", &e))),
                },
            };
            if owner.owns(&tags) {
                owned.push(api.clone());
            }
        }
        match page.position() {
            Some(next) if !next.is_empty() && position.as_deref() != Some(next) => {
                position = Some(next.to_string());
            }
            _ => break,
        }
    }
    owned.sort_by_key(|a| a.created_date().map(|d| (d.secs(), d.subsec_nanos())));
    Ok(owned)
}

/// Every resource of an API with its methods and their integrations (`embed=methods`).
async fn api_resources(
    client: &Client,
    api_id: &str,
) -> Result<Vec<aws_sdk_apigateway::types::Resource>, ProviderError> {
    let mut items = Vec::new();
    let mut position: Option<String> = None;
    loop {
        let page = client
            .get_resources()
            .rest_api_id(api_id)
            .embed("methods")
            .limit(500)
            .set_position(position.clone())
            .send()
            .await
            .aws("GetResources")?;
        items.extend(page.items().iter().cloned());
        match page.position() {
            Some(next) if !next.is_empty() && position.as_deref() != Some(next) => {
                position = Some(next.to_string());
            }
            _ => return Ok(items),
        }
    }
}

/// Reads the connection id of private integrations that `GetResources?embed=methods` described
/// without one. AWS includes it there; asking again only when it is missing keeps real AWS at
/// one call per API and still sees the truth where an answer is thinner.
async fn missing_connection_ids(
    client: &Client,
    api_id: &str,
    resources: &[aws_sdk_apigateway::types::Resource],
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

fn push_api(found: &FoundApi, link_names: &LinkNames, observed: &mut Observed) {
    let api_id = &found.id;
    let child = |resource: Resource, id: String| ObservedResource {
        resource,
        id,
        parent_id: Some(api_id.clone()),
        created_millis: None,
    };
    let endpoint_types: Vec<&str> = found
        .api
        .endpoint_configuration()
        .map(|c| c.types().iter().map(|t| t.as_str()).collect())
        .unwrap_or_default();
    let mut api = Resource::new(ResourceKind::Api, found.api.name().unwrap_or_default())
        .with(attr::ENDPOINT_TYPE, endpoint_types.join(","));
    if let Some(root) = found
        .resources
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id())
    {
        api = api.with(ROOT_ID_ATTRIBUTE, root);
    }
    observed.resources.push(ObservedResource {
        resource: api,
        id: api_id.clone(),
        parent_id: None,
        created_millis: found.api.created_date().and_then(|d| d.to_millis().ok()),
    });

    // Deepest first: deleting children before their parents spares NotFound answers.
    let mut resources: Vec<&aws_sdk_apigateway::types::Resource> = found
        .resources
        .iter()
        .filter(|r| r.id().is_some() && r.path().is_some_and(|p| p != "/"))
        .collect();
    resources.sort_by_key(|r| {
        let path = r.path().unwrap_or_default();
        (
            std::cmp::Reverse(path.matches('/').count()),
            path.to_string(),
        )
    });
    for r in &resources {
        if let (Some(id), Some(path)) = (r.id(), r.path()) {
            observed.resources.push(child(
                Resource::new(ResourceKind::Resource, path),
                id.to_string(),
            ));
        }
    }

    let mut methods = Vec::new();
    let mut integrations = Vec::new();
    for r in &found.resources {
        let (Some(resource_id), Some(path)) = (r.id(), r.path()) else {
            continue;
        };
        let Some(map) = r.resource_methods() else {
            continue;
        };
        let mut verbs: Vec<(&String, &Method)> = map.iter().collect();
        verbs.sort_by_key(|(verb, _)| verb.as_str());
        for (verb, method) in verbs {
            let name = format!("{verb} {path}");
            let id = method_id(resource_id, verb);
            methods.push(child(method_resource(&name, method), id.clone()));
            if let Some(integration) = method.method_integration() {
                let link = found.connection_ids.get(&id).map(String::as_str);
                integrations.push(child(
                    integration_resource(&name, integration, link, link_names),
                    id,
                ));
            }
        }
    }
    observed.resources.extend(methods);
    observed.resources.extend(integrations);

    // The deployment the first stage (by name) serves is `current`; those other stages serve
    // are named by id, so that they are removed with their stages.
    let mut stages: Vec<&aws_sdk_apigateway::types::Stage> = found
        .stages
        .iter()
        .filter(|s| s.stage_name().is_some())
        .collect();
    stages.sort_by_key(|s| s.stage_name().unwrap_or_default().to_string());
    let mut named: Vec<&str> = Vec::new();
    for stage in &stages {
        let Some(deployment_id) = stage.deployment_id() else {
            continue;
        };
        if named.contains(&deployment_id) {
            continue;
        }
        let name = if named.is_empty() {
            CURRENT_DEPLOYMENT.to_string()
        } else {
            format!("deployment {deployment_id}")
        };
        named.push(deployment_id);
        let description = found.deployments.get(deployment_id).cloned().flatten();
        let fingerprint = deployed_fingerprint(description.as_deref(), link_names);
        observed.resources.push(child(
            Resource::new(ResourceKind::Deployment, name).with(attr::FINGERPRINT, fingerprint),
            deployment_id.to_string(),
        ));
    }
    for stage in stages {
        let Some(name) = stage.stage_name() else {
            continue;
        };
        let mut resource = Resource::new(ResourceKind::Stage, name);
        if let Some(deployment) = stage.deployment_id() {
            resource = resource.with(DEPLOYMENT_ID_ATTRIBUTE, deployment);
        }
        // Stages are addressed by name within their API.
        observed.resources.push(child(resource, name.to_string()));
    }
}

/// What a deployment serves, as a fingerprint comparable with the desired one: its own, unless
/// the VPC link its integrations went through is gone (then it must be redeployed whatever the
/// fingerprint), or it was not made by cortex-net.
fn deployed_fingerprint(description: Option<&str>, link_names: &LinkNames) -> String {
    match description.and_then(parse_deployment_description) {
        None => "(not deployed by cortex-net)".to_string(),
        Some((fingerprint, Some(link))) if !link_names.kept.contains(&link) => {
            format!("{fingerprint} (through VPC link {link}, which is gone or a duplicate)")
        }
        Some((fingerprint, _)) => fingerprint,
    }
}

fn method_resource(name: &str, method: &Method) -> Resource {
    let params = method
        .request_parameters()
        .map(|p| map_text(p.iter()))
        .unwrap_or_default();
    let responses: Vec<(String, String)> = method
        .method_responses()
        .map(|responses| {
            responses
                .iter()
                .map(|(status, r)| {
                    let map = r
                        .response_parameters()
                        .map(|p| map_text(p.iter()))
                        .unwrap_or_default();
                    (status.clone(), map)
                })
                .collect()
        })
        .unwrap_or_default();
    Resource::new(ResourceKind::Method, name)
        .with(
            attr::AUTHORIZATION,
            method.authorization_type().unwrap_or("NONE"),
        )
        .with(attr::REQUEST_PARAMETERS, params)
        .with(attr::RESPONSES, responses_text(&responses))
}

fn integration_resource(
    name: &str,
    integration: &Integration,
    connection_id: Option<&str>,
    link_names: &LinkNames,
) -> Resource {
    let connection = match integration.connection_type().map(|c| c.as_str()) {
        Some("VPC_LINK") => {
            let id = integration
                .connection_id()
                .or(connection_id)
                .unwrap_or_default();
            match link_names.names.get(id) {
                Some(link) => format!("VPC_LINK {link}"),
                None => format!("VPC_LINK {id} (not a VPC link of this cluster)"),
            }
        }
        Some(other) => other.to_string(),
        None => "INTERNET".to_string(),
    };
    let responses: Vec<(String, String)> = integration
        .integration_responses()
        .map(|responses| {
            responses
                .iter()
                .map(|(status, r)| {
                    let map = r
                        .response_parameters()
                        .map(|p| map_text(p.iter()))
                        .unwrap_or_default();
                    (status.clone(), map)
                })
                .collect()
        })
        .unwrap_or_default();
    Resource::new(ResourceKind::Integration, name)
        .with(
            attr::TYPE,
            integration.r#type().map(|t| t.as_str()).unwrap_or_default(),
        )
        .with(attr::METHOD, integration.http_method().unwrap_or_default())
        .with(attr::URI, integration.uri().unwrap_or_default())
        .with(attr::CONNECTION, connection)
        .with(
            attr::TARGET,
            integration.integration_target().unwrap_or_default(),
        )
        .with(
            attr::REQUEST_PARAMETERS,
            integration
                .request_parameters()
                .map(|p| map_text(p.iter()))
                .unwrap_or_default(),
        )
        .with(
            attr::REQUEST_TEMPLATES,
            integration
                .request_templates()
                .map(|p| map_text(p.iter()))
                .unwrap_or_default(),
        )
        .with(attr::RESPONSES, responses_text(&responses))
}
