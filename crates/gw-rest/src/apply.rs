//! Applies a plan to apigateway (and VPC links), change by change.
//!
//! Order: creations and updates in the plan's order (VPC link, API, resources, methods,
//! integrations), then the deletions of methods, resources and integrations, then the
//! deployment and the stage, then the remaining deletions (stages, deployments, the API, the VPC
//! link). Deferring the deployment past the child deletions is what makes a new deployment
//! snapshot the API without what was just removed.

use crate::observe::{ROOT_ID_ATTRIBUTE, is_not_found};
use crate::resources::{
    CURRENT_DEPLOYMENT, MOCK_TEMPLATE, PROXY_INTEGRATION_PARAMETER, PROXY_PARAMETER, attr,
    cors_header_values, deployment_description, desired_fingerprint, published_paths,
    response_header, sorted_list, split_method_name, split_path,
};
use aws_calls::AwsResultExt;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::types::{
    ConnectionType, EndpointConfiguration, EndpointType as AwsEndpointType, IntegrationType, Op,
    PatchOperation,
};
use gw_core::{
    Action, Change, DesiredGateway, Observed, Ownership, Plan, Progress, ProviderError,
    ResourceKind, VpcLinkVersion,
};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use vpclink::{Link, Status, WaitOptions};

/// How long to keep retrying a throttled `DeleteRestApi` (AWS allows one per 30 s per account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRetry {
    /// The first wait; each next one doubles, up to 30 s.
    pub first_wait: Duration,
    /// Give up once this much time has been spent waiting.
    pub limit: Duration,
}

impl Default for ThrottleRetry {
    fn default() -> Self {
        Self {
            first_wait: Duration::from_secs(5),
            limit: Duration::from_secs(120),
        }
    }
}

pub(crate) struct Context<'a> {
    pub client: &'a Client,
    pub v2: &'a aws_sdk_apigatewayv2::Client,
    pub progress: &'a dyn Progress,
    pub throttle: ThrottleRetry,
}

/// Ids known while applying: observed ones, then those of resources created along the way.
#[derive(Default)]
struct Ids {
    api: Option<String>,
    root: Option<String>,
    /// Resource path -> id.
    resources: HashMap<String, String>,
    /// VPC link name -> id.
    links: HashMap<String, String>,
    /// The deployment the stage should serve.
    deployment: Option<String>,
    /// Stages that exist in our API.
    stages: HashSet<String>,
    /// Methods deleted in this run (their integrations went with them).
    deleted_methods: HashSet<String>,
}

impl Ids {
    fn from_observed(desired: Option<&DesiredGateway>, observed: &Observed) -> Self {
        let mut ids = Ids::default();
        for link in observed.kept(ResourceKind::VpcLink) {
            ids.links
                .insert(link.resource.name.clone(), link.id.clone());
        }
        let Some(api) = desired.and_then(|d| observed.find(ResourceKind::Api, &d.name)) else {
            return ids;
        };
        ids.api = Some(api.id.clone());
        ids.root = api
            .resource
            .attribute(ROOT_ID_ATTRIBUTE)
            .map(str::to_string);
        let ours = |kind| observed.children(&api.id, kind);
        for resource in ours(ResourceKind::Resource) {
            ids.resources
                .insert(resource.resource.name.clone(), resource.id.clone());
        }
        for stage in ours(ResourceKind::Stage) {
            ids.stages.insert(stage.resource.name.clone());
        }
        ids.deployment = ours(ResourceKind::Deployment)
            .find(|d| d.resource.name == CURRENT_DEPLOYMENT)
            .map(|d| d.id.clone());
        ids
    }
}

/// Creates are sent once: an unknown outcome is settled by observing again (aws_calls::CreateOnce).
fn create_once() -> aws_sdk_apigateway::config::Builder {
    aws_sdk_apigateway::Config::builder().retry_classifier(aws_calls::CreateOnce)
}

fn required<'a>(value: &'a Option<String>, what: &str) -> Result<&'a str, ProviderError> {
    value
        .as_deref()
        .ok_or_else(|| ProviderError::Unexpected(format!("no id known for {what}")))
}

fn is_child_deletion(change: &Change) -> bool {
    change.action == Action::Delete
        && matches!(
            change.kind,
            ResourceKind::Method | ResourceKind::Resource | ResourceKind::Integration
        )
}

/// Deployment, stage, and the domain's mapping to the stage: after the API's content.
fn is_rollout(change: &Change) -> bool {
    change.action != Action::Delete
        && matches!(
            change.kind,
            ResourceKind::Deployment | ResourceKind::Stage | ResourceKind::ApiMapping
        )
}

fn is_unmapping(change: &Change) -> bool {
    change.action == Action::Delete && change.kind == ResourceKind::ApiMapping
}

pub(crate) async fn apply(
    ctx: &Context<'_>,
    owner: &Ownership,
    desired: Option<&DesiredGateway>,
    observed: &Observed,
    plan: &Plan,
) -> Result<(), ProviderError> {
    let mut ids = Ids::from_observed(desired, observed);
    let upserts = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Delete && !is_rollout(c));
    // Custom domains stop pointing at what goes away before anything goes.
    let unmappings = plan.changes.iter().filter(|c| is_unmapping(c));
    let child_deletions = plan.changes.iter().filter(|c| is_child_deletion(c));
    let rollout = plan.changes.iter().filter(|c| is_rollout(c));
    let other_deletions = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete && !is_child_deletion(c) && !is_unmapping(c));

    for change in upserts
        .chain(unmappings)
        .chain(child_deletions)
        .chain(rollout)
        .chain(other_deletions)
    {
        match change.action {
            // Only a domain name carrying our tags (for REST gateways) is deleted.
            Action::Delete if change.kind == ResourceKind::DomainName => {
                tls_cert::domain::v1::delete(
                    ctx.client,
                    &owner.for_gateway(crate::KIND),
                    &change.name,
                )
                .await?
            }
            Action::Delete => delete(ctx, desired, observed, change, &mut ids).await?,
            Action::Create | Action::Update | Action::Replace => {
                let desired = desired.ok_or_else(|| {
                    ProviderError::Unexpected(format!(
                        "a plan without a desired gateway asks to {:?} {}",
                        change.action, change.kind
                    ))
                })?;
                upsert(ctx, owner, desired, observed, change, &mut ids).await?;
            }
        }
        tracing::info!("{change}");
    }
    Ok(())
}

async fn upsert(
    ctx: &Context<'_>,
    owner: &Ownership,
    desired: &DesiredGateway,
    observed: &Observed,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let client = ctx.client;
    let update = change.action != Action::Create;
    match change.kind {
        ResourceKind::VpcLink => {
            let link = if update {
                converge_link(ctx, desired, observed, change).await?
            } else {
                create_link(ctx, owner, desired).await?
            };
            ids.links.insert(change.name.clone(), link.id);
        }
        ResourceKind::Api => {
            let wanted = desired.endpoint_type.as_aws();
            if update {
                let api_id = required(&change.id, "the API")?;
                let current = observed
                    .find_id(ResourceKind::Api, api_id)
                    .and_then(|a| a.resource.attribute(attr::ENDPOINT_TYPE))
                    .unwrap_or_default()
                    .to_string();
                client
                    .update_rest_api()
                    .rest_api_id(api_id)
                    .patch_operations(
                        PatchOperation::builder()
                            .op(Op::Replace)
                            .path(format!("/endpointConfiguration/types/{current}"))
                            .value(wanted)
                            .build(),
                    )
                    .send()
                    .await
                    .aws("UpdateRestApi")?;
            } else {
                let created = client
                    .create_rest_api()
                    .name(&desired.name)
                    .description(format!(
                        "Cortex cluster {}: managed by cortex-net",
                        desired.cluster
                    ))
                    .endpoint_configuration(
                        EndpointConfiguration::builder()
                            .types(AwsEndpointType::from(wanted))
                            .build(),
                    )
                    .set_tags(Some(owner.tags().into_iter().collect()))
                    .customize()
                    .config_override(create_once())
                    .send()
                    .await
                    .aws("CreateRestApi")?;
                let id = created.id().ok_or_else(|| {
                    ProviderError::Unexpected("CreateRestApi returned no id".into())
                })?;
                ids.api = Some(id.to_string());
                ids.root = created.root_resource_id().map(str::to_string);
            }
        }
        ResourceKind::Resource => {
            if update {
                // Resources have no attributes; nothing to change.
                return Ok(());
            }
            let api_id = required(&ids.api, "the API")?.to_string();
            let (parent, part) = split_path(&change.name);
            let parent_id = resource_id(ctx, ids, parent).await?;
            let created = client
                .create_resource()
                .rest_api_id(&api_id)
                .parent_id(parent_id)
                .path_part(part)
                .customize()
                .config_override(create_once())
                .send()
                .await
                .aws("CreateResource")?;
            let id = created
                .id()
                .ok_or_else(|| ProviderError::Unexpected("CreateResource returned no id".into()))?;
            ids.resources.insert(change.name.clone(), id.to_string());
        }
        ResourceKind::Method => {
            let (verb, path) = parse_method(&change.name)?;
            let api_id = required(&ids.api, "the API")?.to_string();
            let resource = resource_id(ctx, ids, path).await?;
            if update {
                // Methods are replaced: delete (which takes the integration along), put again,
                // and put the integration back.
                match client
                    .delete_method()
                    .rest_api_id(&api_id)
                    .resource_id(&resource)
                    .http_method(verb)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if is_not_found(&e) => {}
                    Err(e) => {
                        return Err(ProviderError::from(aws_calls::aws_error(
                            "DeleteMethod",
                            &e,
                        )));
                    }
                }
            }
            put_method(ctx, desired, &api_id, &resource, verb, path).await?;
            if update {
                put_integration(ctx, desired, ids, &api_id, &resource, verb, path).await?;
                tracing::info!("~ integration {} (put back with its method)", change.name);
            }
        }
        ResourceKind::Integration => {
            let (verb, path) = parse_method(&change.name)?;
            let api_id = required(&ids.api, "the API")?.to_string();
            let resource = resource_id(ctx, ids, path).await?;
            put_integration(ctx, desired, ids, &api_id, &resource, verb, path).await?;
        }
        ResourceKind::Deployment => {
            let api_id = required(&ids.api, "the API")?.to_string();
            let fingerprint = desired_fingerprint(desired).unwrap_or_default();
            let link_id = desired
                .vpc_link
                .as_ref()
                .and_then(|spec| ids.links.get(&spec.name))
                .map(String::as_str);
            let created = client
                .create_deployment()
                .rest_api_id(&api_id)
                .description(deployment_description(&fingerprint, link_id))
                .customize()
                .config_override(create_once())
                .send()
                .await
                .aws("CreateDeployment")?;
            let id = created
                .id()
                .ok_or_else(|| ProviderError::Unexpected("CreateDeployment returned no id".into()))?
                .to_string();
            if ids.stages.contains(&desired.stage) {
                point_stage(client, &api_id, &desired.stage, &id).await?;
                tracing::info!("~ stage {} now serves deployment {id}", desired.stage);
            }
            ids.deployment = Some(id);
        }
        ResourceKind::Stage => {
            let api_id = required(&ids.api, "the API")?.to_string();
            let deployment = required(&ids.deployment, "the deployment")?.to_string();
            if update {
                point_stage(client, &api_id, &change.name, &deployment).await?;
            } else {
                client
                    .create_stage()
                    .rest_api_id(&api_id)
                    .stage_name(&change.name)
                    .deployment_id(&deployment)
                    .set_tags(Some(owner.tags().into_iter().collect()))
                    .customize()
                    .config_override(create_once())
                    .send()
                    .await
                    .aws("CreateStage")?;
                ids.stages.insert(change.name.clone());
            }
        }
        ResourceKind::DomainName => {
            let domain = desired.domain.as_ref().ok_or_else(|| {
                ProviderError::Unexpected("a custom domain planned without a spec".into())
            })?;
            if update {
                return Err(ProviderError::Failed(format!(
                    "custom domain {} no longer matches the configuration ({}); its certificate \
                     and endpoint type are not changed in place: run `cortex-net down`, then \
                     `cortex-net up`",
                    domain.name,
                    change.detail.as_deref().unwrap_or_default()
                )));
            }
            tls_cert::domain::v1::create(
                client,
                &owner.for_gateway(crate::KIND),
                &domain.name,
                &domain.certificate_arn,
                crate::resources::domain_endpoint(desired),
            )
            .await?;
        }
        ResourceKind::ApiMapping => {
            let api_id = required(&ids.api, "the API")?;
            if update {
                tls_cert::domain::v1::delete_mapping(
                    client,
                    &change.name,
                    required(&change.id, "the mapping")?,
                )
                .await?;
            }
            tls_cert::domain::v1::create_mapping(client, &change.name, api_id, &desired.stage)
                .await?;
        }
        other => {
            return Err(ProviderError::Unexpected(format!(
                "the REST API provider does not manage {other} resources"
            )));
        }
    }
    Ok(())
}

fn parse_method(name: &str) -> Result<(&str, &str), ProviderError> {
    split_method_name(name)
        .ok_or_else(|| ProviderError::Unexpected(format!("malformed method name {name:?}")))
}

/// The id of the resource at `path`: the root, one observed, or one created in this run. The
/// root's id is read from AWS when neither observing nor creating the API told it.
async fn resource_id(
    ctx: &Context<'_>,
    ids: &mut Ids,
    path: &str,
) -> Result<String, ProviderError> {
    if path != "/" {
        return ids.resources.get(path).cloned().ok_or_else(|| {
            ProviderError::Unexpected(format!("no id known for the resource {path}"))
        });
    }
    if let Some(root) = &ids.root {
        return Ok(root.clone());
    }
    let api_id = required(&ids.api, "the API")?.to_string();
    let page = ctx
        .client
        .get_resources()
        .rest_api_id(&api_id)
        .limit(500)
        .send()
        .await
        .aws("GetResources")?;
    let root = page
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id())
        .ok_or_else(|| {
            ProviderError::Unexpected(format!("REST API {api_id} has no root resource"))
        })?
        .to_string();
    ids.root = Some(root.clone());
    Ok(root)
}

async fn put_method(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    api_id: &str,
    resource: &str,
    verb: &str,
    path: &str,
) -> Result<(), ProviderError> {
    let mut request = ctx
        .client
        .put_method()
        .rest_api_id(api_id)
        .resource_id(resource)
        .http_method(verb)
        .authorization_type("NONE");
    if verb == "ANY" && path.ends_with("{proxy+}") {
        request = request.request_parameters(PROXY_PARAMETER, true);
    }
    request.send().await.aws("PutMethod")?;
    if verb == "OPTIONS"
        && let Some(cors) = &desired.cors
    {
        let declared: HashMap<String, bool> = cors_header_values(cors)
            .into_iter()
            .map(|(header, _)| (response_header(&header), false))
            .collect();
        ctx.client
            .put_method_response()
            .rest_api_id(api_id)
            .resource_id(resource)
            .http_method(verb)
            .status_code("200")
            .set_response_parameters(Some(declared))
            .send()
            .await
            .aws("PutMethodResponse")?;
    }
    Ok(())
}

/// Puts (creates or replaces) the integration of `verb path`: the proxy to the load balancer for
/// `ANY`, the CORS mock for `OPTIONS`.
async fn put_integration(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    ids: &Ids,
    api_id: &str,
    resource: &str,
    verb: &str,
    path: &str,
) -> Result<(), ProviderError> {
    let client = ctx.client;
    if verb == "OPTIONS" {
        let cors = desired.cors.as_ref().ok_or_else(|| {
            ProviderError::Unexpected(format!("OPTIONS {path} planned without CORS"))
        })?;
        client
            .put_integration()
            .rest_api_id(api_id)
            .resource_id(resource)
            .http_method(verb)
            .r#type(IntegrationType::Mock)
            .request_templates("application/json", MOCK_TEMPLATE)
            .send()
            .await
            .aws("PutIntegration")?;
        let values: HashMap<String, String> = cors_header_values(cors)
            .into_iter()
            .map(|(header, value)| (response_header(&header), value))
            .collect();
        client
            .put_integration_response()
            .rest_api_id(api_id)
            .resource_id(resource)
            .http_method(verb)
            .status_code("200")
            .set_response_parameters(Some(values))
            .send()
            .await
            .aws("PutIntegrationResponse")?;
        return Ok(());
    }
    let published = published_paths(desired);
    let target = published.iter().find(|p| p.path == path).ok_or_else(|| {
        ProviderError::Unexpected(format!("{verb} {path} is not a published path"))
    })?;
    let mut request = client
        .put_integration()
        .rest_api_id(api_id)
        .resource_id(resource)
        .http_method(verb)
        .r#type(IntegrationType::HttpProxy)
        .integration_http_method("ANY")
        .uri(&target.uri);
    if target.is_proxy() {
        request = request.request_parameters(PROXY_INTEGRATION_PARAMETER, PROXY_PARAMETER);
    }
    request = match &desired.vpc_link {
        None => request.connection_type(ConnectionType::Internet),
        Some(spec) => {
            let link = ids.links.get(&spec.name).ok_or_else(|| {
                ProviderError::Unexpected(format!("no id known for the VPC link {}", spec.name))
            })?;
            let request = request
                .connection_type(ConnectionType::VpcLink)
                .connection_id(link);
            match spec.version {
                VpcLinkVersion::V1 => request,
                VpcLinkVersion::V2 => request.set_integration_target(desired.backend.arn.clone()),
            }
        }
    };
    request.send().await.aws("PutIntegration")?;
    Ok(())
}

async fn point_stage(
    client: &Client,
    api_id: &str,
    stage: &str,
    deployment: &str,
) -> Result<(), ProviderError> {
    client
        .update_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/deploymentId")
                .value(deployment)
                .build(),
        )
        .send()
        .await
        .aws("UpdateStage")?;
    Ok(())
}

fn wait_options(desired: Option<&DesiredGateway>) -> WaitOptions {
    match desired.and_then(|d| d.vpc_link.as_ref()) {
        Some(spec) => WaitOptions::with_timeout(Duration::from_secs(spec.timeout_seconds)),
        None => WaitOptions::default(),
    }
}

/// Creates the VPC link and waits until it is AVAILABLE. For v2, an owned link of the cluster
/// with the same subnets and security groups is reused (observe only reports v2 links our
/// integrations use, so a link left by an interrupted run is found here instead).
async fn create_link(
    ctx: &Context<'_>,
    owner: &Ownership,
    desired: &DesiredGateway,
) -> Result<Link, ProviderError> {
    let spec = desired
        .vpc_link
        .as_ref()
        .ok_or_else(|| ProviderError::Unexpected("a VPC link planned without a spec".into()))?;
    let backend = &desired.backend;
    let link = match spec.version {
        VpcLinkVersion::V1 => {
            let arn = backend.arn.as_deref().ok_or_else(|| {
                ProviderError::Unsupported(format!(
                    "load balancer {} has no ARN: a VPC link v1 targets a Network Load Balancer \
                     by its ARN",
                    backend.name
                ))
            })?;
            vpclink::v1::create(ctx.client, owner, &spec.name, arn).await?
        }
        VpcLinkVersion::V2 => {
            let subnets = sorted_list(&backend.subnets);
            let groups = sorted_list(&backend.security_groups);
            let existing = vpclink::v2::find_owned(ctx.v2, &owner.for_gateway(crate::KIND))
                .await?
                .into_iter()
                .find(|l| {
                    sorted_list(&l.targets) == subnets
                        && sorted_list(&l.security_groups) == groups
                        && !matches!(l.status, Status::Deleting | Status::Failed)
                });
            match existing {
                Some(link) => {
                    tracing::info!("reusing {} (owned by this cluster)", link.describe());
                    link
                }
                None => {
                    vpclink::v2::create(
                        ctx.v2,
                        &owner.for_gateway(crate::KIND),
                        &spec.name,
                        &backend.subnets,
                        &backend.security_groups,
                    )
                    .await?
                }
            }
        }
    };
    wait_link(ctx, &link, &wait_options(Some(desired))).await
}

async fn wait_link(
    ctx: &Context<'_>,
    link: &Link,
    options: &WaitOptions,
) -> Result<Link, ProviderError> {
    Ok(match link.version {
        VpcLinkVersion::V1 => {
            vpclink::v1::wait_available(ctx.client, link, options, ctx.progress).await?
        }
        VpcLinkVersion::V2 => {
            vpclink::v2::wait_available(ctx.v2, link, options, ctx.progress).await?
        }
    })
}

/// An observed link that differs from the desired one: waited for when it is only not ready
/// yet (`PENDING`); refused, with what to do, when it would have to be replaced.
async fn converge_link(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    observed: &Observed,
    change: &Change,
) -> Result<Link, ProviderError> {
    let id = required(&change.id, "the VPC link")?;
    let have = observed
        .find_id(ResourceKind::VpcLink, id)
        .ok_or_else(|| ProviderError::Unexpected(format!("VPC link {id} was not observed")))?;
    let want = crate::resources::vpc_link_resource(desired)
        .ok_or_else(|| ProviderError::Unexpected("a VPC link planned without a spec".into()))?;
    let differs: Vec<String> = [attr::VERSION, attr::TARGETS, attr::SECURITY_GROUPS]
        .into_iter()
        .filter(|key| {
            want.attribute(key).is_some() && want.attribute(key) != have.resource.attribute(key)
        })
        .map(|key| {
            format!(
                "{key}: {} -> {}",
                have.resource.attribute(key).unwrap_or("(none)"),
                want.attribute(key).unwrap_or_default()
            )
        })
        .collect();
    if !differs.is_empty() {
        return Err(ProviderError::Unsupported(format!(
            "VPC link {} ({id}) cannot be changed in place ({}): VPC links are immutable. Run \
             `cortex-net down` and then `cortex-net up` to replace it (the gateway is \
             unavailable in between)",
            change.name,
            differs.join(", ")
        )));
    }
    let version = match have.resource.attribute(attr::VERSION) {
        Some("v2") => VpcLinkVersion::V2,
        _ => VpcLinkVersion::V1,
    };
    let current = match version {
        VpcLinkVersion::V1 => vpclink::v1::get(ctx.client, id).await?,
        VpcLinkVersion::V2 => vpclink::v2::get(ctx.v2, id).await?,
    };
    let Some(link) = current else {
        return Err(ProviderError::Unsettled {
            operation: "GetVpcLink",
            message: format!(
                "VPC link {} ({id}) disappeared while cortex-net was working. Re-run \
                 `cortex-net up`: it will create a new one",
                change.name
            ),
        });
    };
    wait_link(ctx, &link, &wait_options(Some(desired))).await
}

async fn delete(
    ctx: &Context<'_>,
    desired: Option<&DesiredGateway>,
    observed: &Observed,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let client = ctx.client;
    let id = required(&change.id, "the resource to delete")?;
    // The parent comes with the change, never from a look-up by id: a stage's id is its name,
    // the same in every API.
    let parent = || {
        change
            .parent
            .clone()
            .ok_or_else(|| ProviderError::Unexpected(format!("no API known for {change}")))
    };
    let method_key = || {
        id.split_once(' ')
            .ok_or_else(|| ProviderError::Unexpected(format!("malformed method id {id:?}")))
    };
    let outcome = match change.kind {
        ResourceKind::Method => {
            let (resource, verb) = method_key()?;
            let result = client
                .delete_method()
                .rest_api_id(parent()?)
                .resource_id(resource)
                .http_method(verb)
                .send()
                .await;
            ids.deleted_methods.insert(id.to_string());
            result.map(|_| ()).map_err(|e| error("DeleteMethod", &e))
        }
        ResourceKind::Integration => {
            if ids.deleted_methods.contains(id) {
                // DeleteMethod removed it.
                return Ok(());
            }
            let (resource, verb) = method_key()?;
            client
                .delete_integration()
                .rest_api_id(parent()?)
                .resource_id(resource)
                .http_method(verb)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error("DeleteIntegration", &e))
        }
        ResourceKind::Resource => client
            .delete_resource()
            .rest_api_id(parent()?)
            .resource_id(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error("DeleteResource", &e)),
        ResourceKind::Stage => client
            .delete_stage()
            .rest_api_id(parent()?)
            .stage_name(id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error("DeleteStage", &e)),
        ResourceKind::Deployment => {
            // A deployment a remaining stage still serves cannot go; that only happens when the
            // stage was re-pointed in this run, which `current` never is.
            client
                .delete_deployment()
                .rest_api_id(parent()?)
                .deployment_id(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| error("DeleteDeployment", &e))
        }
        ResourceKind::ApiMapping => {
            let domain = parent().unwrap_or_else(|_| change.name.clone());
            return Ok(tls_cert::domain::v1::delete_mapping(client, &domain, id).await?);
        }
        ResourceKind::Api => return delete_api(ctx, &change.name, id).await,
        ResourceKind::VpcLink => return delete_link(ctx, desired, observed, change, id).await,
        other => {
            return Err(ProviderError::Unexpected(format!(
                "the REST API provider does not manage {other} resources"
            )));
        }
    };
    match outcome {
        Ok(()) => Ok(()),
        // Already gone (a concurrent or interrupted run): the goal is reached.
        Err(Failure {
            not_found: true, ..
        }) => Ok(()),
        Err(Failure { error, .. }) => Err(error),
    }
}

struct Failure {
    error: ProviderError,
    not_found: bool,
}

fn error<E>(
    operation: &'static str,
    e: &aws_sdk_apigateway::error::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    Failure {
        error: ProviderError::from(aws_calls::aws_error(operation, e)),
        not_found: is_not_found(e),
    }
}

/// DeleteRestApi, retried while AWS throttles it (one deletion per 30 s per account), with
/// progress reported while waiting.
async fn delete_api(ctx: &Context<'_>, name: &str, id: &str) -> Result<(), ProviderError> {
    let what = format!("deletion of REST API {name} ({id})");
    let start = Instant::now();
    let mut wait = ctx.throttle.first_wait;
    let mut waited = false;
    loop {
        match ctx.client.delete_rest_api().rest_api_id(id).send().await {
            Ok(_) => break,
            Err(e) if is_not_found(&e) => break,
            Err(e) => {
                let throttled = e
                    .as_service_error()
                    .and_then(|s| s.code())
                    .is_some_and(|c| c == "TooManyRequestsException");
                let elapsed = start.elapsed();
                if !throttled || elapsed + wait > ctx.throttle.limit {
                    if throttled {
                        ctx.progress.finished(&what, "still throttled", elapsed);
                    }
                    return Err(ProviderError::from(aws_calls::aws_error(
                        "DeleteRestApi",
                        &e,
                    )));
                }
                ctx.progress.waiting(
                    &what,
                    "throttled by AWS (one REST API deletion per 30 s per account)",
                    elapsed,
                );
                tokio::time::sleep(wait).await;
                waited = true;
                wait = (wait * 2).min(Duration::from_secs(30));
            }
        }
    }
    if waited {
        ctx.progress.finished(&what, "done", start.elapsed());
    }
    Ok(())
}

async fn delete_link(
    ctx: &Context<'_>,
    desired: Option<&DesiredGateway>,
    observed: &Observed,
    change: &Change,
    id: &str,
) -> Result<(), ProviderError> {
    let have = observed.find_id(ResourceKind::VpcLink, id);
    let version = match have.and_then(|r| r.resource.attribute(attr::VERSION)) {
        Some("v2") => VpcLinkVersion::V2,
        _ => VpcLinkVersion::V1,
    };
    let link = Link {
        id: id.to_string(),
        name: change.name.clone(),
        version,
        status: Status::Deleting,
        status_message: None,
        targets: Vec::new(),
        security_groups: Vec::new(),
        created_millis: None,
    };
    let options = wait_options(desired);
    match version {
        VpcLinkVersion::V1 => {
            vpclink::v1::delete(ctx.client, id).await?;
            vpclink::v1::wait_deleted(ctx.client, &link, &options, ctx.progress).await?;
        }
        VpcLinkVersion::V2 => {
            vpclink::v2::delete(ctx.v2, id).await?;
            vpclink::v2::wait_deleted(ctx.v2, &link, &options, ctx.progress).await?;
        }
    }
    Ok(())
}
