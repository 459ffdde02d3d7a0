//! One owned REST API, as read, turned into resources comparable with the desired ones: the
//! API, its resources, methods and integrations, the deployments its stages serve, the stages.

use super::read::FoundApi;
use super::{DEPLOYMENT_ID_ATTRIBUTE, method_id};
use crate::fingerprint::parse_deployment_description;
use crate::protection::{
    OFF, access_log_text, authorization_text, method_path_of_key, observed_throttle_text,
    route_throttles_text,
};
use crate::resources::{CURRENT_DEPLOYMENT, map_text, responses_text};
use aws_sdk_apigateway::types::{Integration, Method, Resource as AwsResource, Stage};
use gw_core::{Observed, ObservedResource, Resource, ResourceKind, attr};
use std::collections::{HashMap, HashSet};

/// How integrations and deployments name the VPC link they use: the kept link by its name, a
/// duplicate by name and id, so that an integration on a duplicate differs from the desired one
/// and is moved onto the kept link (and redeployed) before the duplicate is deleted.
pub(super) struct LinkNames {
    /// Link id -> the name integrations show.
    names: HashMap<String, String>,
    /// Ids of the links every run keeps.
    kept: HashSet<String>,
}

impl LinkNames {
    pub(super) fn new(observed: &Observed) -> Self {
        let kept = observed
            .kept(ResourceKind::VpcLink)
            .map(|l| l.id.clone())
            .collect();
        let names = observed.references(ResourceKind::VpcLink);
        Self { names, kept }
    }
}

/// A child of the API, with its id.
type Child = (Resource, String);

/// Adds the API and everything in it to `observed`: the API, its resources (deepest first),
/// its methods, its integrations, the deployments its stages serve, its stages.
pub(super) fn push_api(found: &FoundApi, link_names: &LinkNames, observed: &mut Observed) {
    observed.resources.push(api_resource(found));
    let child = |resource: Resource, id: String| ObservedResource {
        resource,
        id,
        parent_id: Some(found.id.clone()),
        created_millis: None,
    };
    let mut children = path_resources(&found.resources);
    let (methods, integrations) = methods_and_integrations(found, link_names);
    children.extend(methods);
    children.extend(integrations);
    children.extend(deployments(found, link_names));
    children.extend(stages(&found.stages));
    observed.resources.extend(
        children
            .into_iter()
            .map(|(resource, id)| child(resource, id)),
    );
}

fn api_resource(found: &FoundApi) -> ObservedResource {
    let endpoint_types: Vec<&str> = found
        .api
        .endpoint_configuration()
        .map(|c| c.types().iter().map(|t| t.as_str()).collect())
        .unwrap_or_default();
    let mut api = Resource::new(ResourceKind::Api, found.api.name().unwrap_or_default())
        .with(attr::ENDPOINT_TYPE, endpoint_types.join(","));
    if let Some(stack) = found.api.tags().and_then(gw_core::stack_of) {
        api = api.with(gw_core::STACK_TAG, stack);
    }
    if let Some(description) = found.api.description() {
        api = api.with(attr::DESCRIPTION, description);
    }
    ObservedResource {
        resource: api,
        id: found.id.clone(),
        parent_id: None,
        created_millis: found.api.created_date().and_then(|d| d.to_millis().ok()),
    }
}

/// Every resource but the root, with its id, deepest first: deleting children before their
/// parents spares NotFound answers.
fn path_resources(found: &[AwsResource]) -> Vec<Child> {
    let mut resources: Vec<(&str, &str)> = found
        .iter()
        .filter_map(|r| Some((r.path()?, r.id()?)))
        .filter(|(path, _)| *path != "/")
        .collect();
    resources.sort_by_key(|(path, _)| (std::cmp::Reverse(path.matches('/').count()), *path));
    resources
        .into_iter()
        .map(|(path, id)| (Resource::new(ResourceKind::Resource, path), id.to_string()))
        .collect()
}

/// The methods, then the integrations, of every resource, each named `<verb> <path>`.
fn methods_and_integrations(found: &FoundApi, link_names: &LinkNames) -> (Vec<Child>, Vec<Child>) {
    let mut methods = Vec::new();
    let mut integrations = Vec::new();
    for r in &found.resources {
        let (Some(resource_id), Some(path), Some(map)) = (r.id(), r.path(), r.resource_methods())
        else {
            continue;
        };
        let mut verbs: Vec<(&String, &Method)> = map.iter().collect();
        verbs.sort_by_key(|(verb, _)| verb.as_str());
        for (verb, method) in verbs {
            let name = format!("{verb} {path}");
            let id = method_id(resource_id, verb);
            methods.push((method_resource(&name, method), id.clone()));
            if let Some(integration) = method.method_integration() {
                let link = found.connection_ids.get(&id).map(String::as_str);
                let connection = connection(integration, link, link_names);
                integrations.push((integration_resource(&name, integration, connection), id));
            }
        }
    }
    (methods, integrations)
}

/// The deployment the first stage (by name) serves is `current`; those other stages serve are
/// named by id, so that they are removed with their stages.
fn deployments(found: &FoundApi, link_names: &LinkNames) -> Vec<Child> {
    let mut out = Vec::new();
    let mut named: Vec<&str> = Vec::new();
    for stage in sorted_stages(&found.stages) {
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
        out.push((
            Resource::new(ResourceKind::Deployment, name).with(attr::FINGERPRINT, fingerprint),
            deployment_id.to_string(),
        ));
    }
    out
}

/// The stages by name, each with the deployment it serves; addressed by name within their API.
fn stages(found: &[Stage]) -> Vec<Child> {
    sorted_stages(found)
        .into_iter()
        .filter_map(|stage| {
            let name = stage.stage_name()?;
            let mut resource = stage_settings(Resource::new(ResourceKind::Stage, name), stage);
            if let Some(deployment) = stage.deployment_id() {
                resource = resource.with(DEPLOYMENT_ID_ATTRIBUTE, deployment);
            }
            Some((resource, name.to_string()))
        })
        .collect()
}

/// A stage's default throttle, per-method throttles and access log, as the desired stage
/// spells them. A method setting without a throttle of its own (rate and burst unset, zero or
/// AWS's `-1`) is not one.
fn stage_settings(resource: Resource, stage: &Stage) -> Resource {
    let mut default = None;
    let mut routes = Vec::new();
    for (key, setting) in stage.method_settings().into_iter().flatten() {
        let (rate, burst) = (
            setting.throttling_rate_limit(),
            setting.throttling_burst_limit(),
        );
        if rate <= 0.0 && burst <= 0 {
            continue;
        }
        let text = observed_throttle_text(rate, burst);
        match method_path_of_key(key) {
            None => default = Some(text),
            Some(path) => routes.push((path, text)),
        }
    }
    let access_log = stage
        .access_log_settings()
        .and_then(|log| {
            Some(access_log_text(
                log.destination_arn()?,
                log.format().unwrap_or_default(),
            ))
        })
        .unwrap_or_else(|| OFF.to_string());
    resource
        .with(attr::THROTTLE, default.unwrap_or_else(|| OFF.to_string()))
        .with(
            attr::ROUTE_THROTTLES,
            route_throttles_text(routes.iter().map(|(p, t)| (p, t.clone()))),
        )
        .with(attr::ACCESS_LOG, access_log)
}

fn sorted_stages(stages: &[Stage]) -> Vec<&Stage> {
    let mut sorted: Vec<&Stage> = stages.iter().filter(|s| s.stage_name().is_some()).collect();
    sorted.sort_by_key(|s| s.stage_name().unwrap_or_default().to_string());
    sorted
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

/// Responses as one comparable string, whatever the type of their parameter values.
fn responses<R, V: ToString>(
    responses: Option<&HashMap<String, R>>,
    parameters: impl Fn(&R) -> Option<&HashMap<String, V>>,
) -> String {
    let listed: Vec<(String, String)> = responses
        .into_iter()
        .flatten()
        .map(|(status, response)| {
            let map = parameters(response)
                .map(|p| map_text(p.iter().map(|(k, v)| (k, v.to_string()))))
                .unwrap_or_default();
            (status.clone(), map)
        })
        .collect();
    responses_text(&listed)
}

fn method_resource(name: &str, method: &Method) -> Resource {
    let params = method
        .request_parameters()
        .map(|p| map_text(p.iter()))
        .unwrap_or_default();
    Resource::new(ResourceKind::Method, name)
        .with(
            attr::AUTHORIZATION,
            authorization_text(
                method.authorization_type().unwrap_or("NONE"),
                method.api_key_required().unwrap_or(false),
            ),
        )
        .with(attr::REQUEST_PARAMETERS, params)
        .with(
            attr::RESPONSES,
            responses(method.method_responses(), |r| r.response_parameters()),
        )
}

/// `INTERNET`, or `VPC_LINK <link name>` (a link not ours by id, said so).
fn connection(
    integration: &Integration,
    connection_id: Option<&str>,
    link_names: &LinkNames,
) -> String {
    match integration.connection_type().map(|c| c.as_str()) {
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
    }
}

fn integration_resource(name: &str, integration: &Integration, connection: String) -> Resource {
    let map =
        |m: Option<&HashMap<String, String>>| m.map(|p| map_text(p.iter())).unwrap_or_default();
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
            map(integration.request_parameters()),
        )
        .with(
            attr::REQUEST_TEMPLATES,
            map(integration.request_templates()),
        )
        .with(
            attr::RESPONSES,
            responses(integration.integration_responses(), |r| {
                r.response_parameters()
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_apigateway::types::RestApi;

    fn found(tags: &[(&str, &str)]) -> FoundApi {
        let mut api = RestApi::builder().id("r1").name("cortex-prod");
        for (key, value) in tags {
            api = api.tags(*key, *value);
        }
        FoundApi {
            api: api.build(),
            id: "r1".into(),
            resources: Vec::new(),
            stages: Vec::new(),
            deployments: Default::default(),
            connection_ids: HashMap::new(),
        }
    }

    #[test]
    fn an_api_a_cloudformation_stack_made_names_its_stack() {
        let stacked = api_resource(&found(&[
            ("managed-by", "cortex-net"),
            (gw_core::STACK_TAG, "cortex-fleet"),
        ]));
        assert_eq!(
            stacked.resource.attribute(gw_core::STACK_TAG),
            Some("cortex-fleet")
        );
        let ours = api_resource(&found(&[("managed-by", "cortex-net")]));
        assert_eq!(ours.resource.attribute(gw_core::STACK_TAG), None);
    }
}
