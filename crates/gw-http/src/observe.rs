//! Reads what a cluster owns in apigatewayv2: its tagged HTTP APIs and everything inside them.

use crate::resources::{cors_text, via_link};
use aws_calls::{AwsResultExt, all_pages};
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::types::{Api, ConnectionType, Integration, Route, Stage};
use gw_core::{
    Cors, Observed, ObservedResource, Ownership, ProviderError, Resource, ResourceKind, attr,
};
use std::collections::{BTreeMap, HashMap};

/// The largest page apigatewayv2 listings return.
const PAGE_SIZE: &str = "100";

pub(crate) async fn observe(client: &Client, owner: &Ownership) -> Result<Observed, ProviderError> {
    let mut observed = Observed::default();
    let links = vpclink::v2::find_owned(client, &owner.for_gateway(crate::KIND))
        .await
        .map_err(ProviderError::from)?;
    observed
        .resources
        .extend(links.iter().map(vpclink::observed));
    // How integrations name their link: a duplicate by name and id (Observed::reference).
    let link_names = observed.references(ResourceKind::VpcLink);
    let domains = tls_cert::domain::v2::find_owned(client, &owner.for_gateway(crate::KIND))
        .await
        .map_err(ProviderError::from)?;
    let mut api_ids = Vec::new();
    for api in owned_apis(client, owner).await? {
        let Some(api_id) = api.api_id() else {
            continue;
        };
        observed.resources.push(api_resource(api_id, &api));
        observe_children(client, api_id, &link_names, &mut observed).await?;
        api_ids.push(api_id.to_string());
    }
    for domain in &domains {
        observe_domain(client, domain, &api_ids, &mut observed).await?;
    }
    Ok(observed)
}

/// An API as a resource: its protocol, CORS configuration and (observed only) endpoint.
fn api_resource(api_id: &str, api: &Api) -> ObservedResource {
    let mut resource = Resource::new(ResourceKind::Api, api.name().unwrap_or_default())
        .with(
            attr::PROTOCOL,
            api.protocol_type().map(|p| p.as_str()).unwrap_or_default(),
        )
        .with(
            attr::CORS,
            cors_text(api.cors_configuration().map(to_cors).as_ref()),
        );
    if let Some(endpoint) = api.api_endpoint() {
        resource = resource.with(attr::ENDPOINT, endpoint);
    }
    ObservedResource {
        resource,
        id: api_id.to_string(),
        parent_id: None,
        created_millis: api.created_date().and_then(|d| d.to_millis().ok()),
    }
}

/// Our domain name, and its mappings to our APIs; the domain, a mapping's parent, is what
/// deletes it.
async fn observe_domain(
    client: &Client,
    domain: &tls_cert::domain::DomainName,
    api_ids: &[String],
    observed: &mut Observed,
) -> Result<(), ProviderError> {
    let mut resource = Resource::new(ResourceKind::DomainName, &domain.name).with(
        attr::CERTIFICATE,
        domain.certificate_arn.clone().unwrap_or_default(),
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
    for api_id in api_ids {
        if let Some(mapping) =
            tls_cert::domain::v2::find_mapping(client, &domain.name, api_id).await?
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
    Ok(())
}

/// The APIs carrying both ownership tags. GetApis returns tags with each API; when an answer
/// leaves them out, GetTags is asked, so an untagged answer never hides one of ours.
async fn owned_apis(client: &Client, owner: &Ownership) -> Result<Vec<Api>, ProviderError> {
    let region = client
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_default();
    let apis = all_pages(|token| async move {
        let request = client.get_apis().max_results(PAGE_SIZE);
        let page = request.set_next_token(token).send().await;
        let page = page.aws("GetApis")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await?;
    let mut owned = Vec::new();
    for api in apis {
        let Some(id) = api.api_id() else { continue };
        let tags: HashMap<String, String> = match api.tags() {
            Some(tags) => tags.clone(),
            None => client
                .get_tags()
                .resource_arn(gw_core::apigateway_arn(&region, &format!("/apis/{id}")))
                .send()
                .await
                .aws("GetTags")?
                .tags
                .unwrap_or_default(),
        };
        if owner.owns(&tags) {
            owned.push(api);
        }
    }
    Ok(owned)
}

/// An API's integrations, routes and stages, each as a child of the API.
async fn observe_children(
    client: &Client,
    api_id: &str,
    link_names: &HashMap<String, String>,
    observed: &mut Observed,
) -> Result<(), ProviderError> {
    let integrations: Vec<Integration> = all_pages(|token| async move {
        let request = client
            .get_integrations()
            .api_id(api_id)
            .max_results(PAGE_SIZE);
        let page = request.set_next_token(token).send().await;
        let page = page.aws("GetIntegrations")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await?;
    let mut routes: Vec<Route> = all_pages(|token| async move {
        let request = client.get_routes().api_id(api_id).max_results(PAGE_SIZE);
        let page = request.set_next_token(token).send().await;
        let page = page.aws("GetRoutes")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await?;
    let stages: Vec<Stage> = all_pages(|token| async move {
        let request = client.get_stages().api_id(api_id).max_results(PAGE_SIZE);
        let page = request.set_next_token(token).send().await;
        let page = page.aws("GetStages")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    })
    .await?;

    // An integration is named after the first route (by key) that targets it; one no route
    // targets keeps its id as name, so the diff deletes it.
    routes.sort_by(|a, b| a.route_key().cmp(&b.route_key()));
    let integration_names = integration_names(&routes);
    let child = |resource, id: &str| ObservedResource {
        resource,
        id: id.to_string(),
        parent_id: Some(api_id.to_string()),
        created_millis: None,
    };
    for integration in &integrations {
        let Some(id) = integration.integration_id() else {
            continue;
        };
        let name = integration_name(id, integration.description(), &integration_names);
        let resource = integration_resource(name, integration, link_names);
        observed.resources.push(child(resource, id));
    }
    for route in &routes {
        let (Some(id), Some(key)) = (route.route_id(), route.route_key()) else {
            continue;
        };
        let target = route_target(route, &integration_names);
        let resource = Resource::new(ResourceKind::Route, key).with(attr::TARGET, target);
        observed.resources.push(child(resource, id));
    }
    for stage in &stages {
        let Some(name) = stage.stage_name() else {
            continue;
        };
        let auto_deploy = stage.auto_deploy().unwrap_or(false).to_string();
        let resource =
            Resource::new(ResourceKind::Stage, name).with(attr::AUTO_DEPLOY, auto_deploy);
        // Stages are addressed by name within their API.
        observed.resources.push(child(resource, name));
    }
    Ok(())
}

/// Integration id -> the key of the first route (by key) that targets it.
fn integration_names(sorted_routes: &[Route]) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for route in sorted_routes {
        if let (Some(key), Some(id)) = (route.route_key(), route.target().and_then(target_id)) {
            names
                .entry(id.to_string())
                .or_insert_with(|| key.to_string());
        }
    }
    names
}

/// An integration as a resource named `name`; its link, if any, by name (or `name (id)` for a
/// duplicate, see [`Observed::references`]).
fn integration_resource(
    name: String,
    integration: &Integration,
    link_names: &HashMap<String, String>,
) -> Resource {
    let connection = match (integration.connection_type(), integration.connection_id()) {
        (Some(ConnectionType::VpcLink), Some(link)) => {
            via_link(link_names.get(link).map(String::as_str).unwrap_or(link))
        }
        (Some(other), _) => other.as_str().to_string(),
        (None, _) => "INTERNET".to_string(),
    };
    let kind = integration.integration_type().map(|t| t.as_str());
    let mut resource = Resource::new(ResourceKind::Integration, name)
        .with(attr::TYPE, kind.unwrap_or_default())
        .with(
            attr::METHOD,
            integration.integration_method().unwrap_or_default(),
        )
        .with(attr::URI, integration.integration_uri().unwrap_or_default())
        .with(attr::CONNECTION, connection);
    if let Some(path) = integration
        .request_parameters()
        .and_then(|p| p.get("overwrite:path"))
    {
        resource = resource.with(attr::OVERWRITE_PATH, path);
    }
    resource
}

/// A route's target as the name of the integration it targets, or as AWS gave it.
fn route_target(route: &Route, integration_names: &BTreeMap<String, String>) -> String {
    route
        .target()
        .map(|t| {
            target_id(t)
                .and_then(|id| integration_names.get(id))
                .cloned()
                .unwrap_or_else(|| t.to_string())
        })
        .unwrap_or_default()
}

/// An integration is named after the first route (by key) that targets it. One that no route
/// targets goes by the route it was made for (its description), unless a routed one already has
/// that name: then it is a leftover, named by its id, and the diff deletes it. So a create whose
/// answer was lost is found and routed, not made twice.
fn integration_name(
    id: &str,
    description: Option<&str>,
    routed: &BTreeMap<String, String>,
) -> String {
    if let Some(route) = routed.get(id) {
        return route.clone();
    }
    match description {
        Some(made_for) if !made_for.is_empty() && !routed.values().any(|r| r == made_for) => {
            made_for.to_string()
        }
        _ => format!("unrouted integration {id}"),
    }
}

/// `integrations/abc123` -> `abc123`.
fn target_id(target: &str) -> Option<&str> {
    target.strip_prefix("integrations/")
}

fn to_cors(cors: &aws_sdk_apigatewayv2::types::Cors) -> Cors {
    Cors {
        allow_origins: cors.allow_origins().to_vec(),
        allow_methods: cors.allow_methods().to_vec(),
        allow_headers: cors.allow_headers().to_vec(),
        max_age_seconds: cors.max_age(),
    }
}
