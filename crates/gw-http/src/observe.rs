//! Reads what a cluster owns in apigatewayv2: its tagged HTTP APIs and everything inside them.
//!
//! Independent reads go side by side, each after its token from the account's budget
//! ([`aws_calls::Quotas`]): the VPC links, the domain names and the APIs first, then every API's
//! integrations, authorizers, routes and stages and every domain's mappings.

use crate::protection::{
    OFF, access_log_text, jwt_authorization, observed_throttle_text, route_throttles_text,
};
use crate::resources::{INTEGRATION, cors_text, joined, via_link};
use aws_calls::{AwsResultExt, Quotas, all_pages};
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::types::{
    Api, AuthorizationType, Authorizer, ConnectionType, Integration, Route, RouteSettings, Stage,
};
use futures_util::future::{try_join, try_join_all, try_join3, try_join4};
use gw_core::{
    Cors, Observed, ObservedResource, Ownership, ProviderError, Resource, ResourceKind, attr,
};
use std::collections::{BTreeMap, HashMap};

/// The largest page apigatewayv2 listings return.
const PAGE_SIZE: &str = "100";

/// The client and the account's budget every read takes a token from.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    pub(crate) client: &'a Client,
    pub(crate) quotas: &'a Quotas,
}

pub(crate) async fn observe(
    read: Reader<'_>,
    owner: &Ownership,
) -> Result<Observed, ProviderError> {
    let ours = owner.for_gateway(crate::KIND);
    let links = async {
        read.quotas.acquire("GetVpcLinks").await;
        vpclink::v2::find_owned_with_stack(read.client, &ours)
            .await
            .map_err(ProviderError::from)
    };
    let domains = async {
        read.quotas.acquire("GetDomainNames").await;
        tls_cert::domain::v2::find_owned_with_stack(read.client, &ours)
            .await
            .map_err(ProviderError::from)
    };
    let (links, domains, apis) = try_join3(links, domains, owned_apis(read, owner)).await?;

    let mut observed = Observed::default();
    observed
        .resources
        .extend(links.iter().map(vpclink::observed_owned));
    // The kept link by the name `up` gives it, whatever AWS calls it (an adopted one).
    observed.name_kept(ResourceKind::VpcLink, owner);
    // How integrations name their link: a duplicate by name and id (Observed::reference).
    let link_names = observed.references(ResourceKind::VpcLink);
    let apis: Vec<(&str, &Api)> = apis
        .iter()
        .filter_map(|api| Some((api.api_id()?, api)))
        .collect();
    let api_ids: Vec<&str> = apis.iter().map(|(id, _)| *id).collect();
    let children = try_join_all(api_ids.iter().map(|id| read_children(read, id)));
    let mappings = try_join_all(
        domains
            .iter()
            .map(|owned| read_mappings(read, &owned.domain, &api_ids)),
    );
    let (children, mappings) = try_join(children, mappings).await?;

    // In the order of a sequential read: the diff keeps observed order among equals.
    for ((api_id, api), children) in apis.iter().zip(children) {
        observed.resources.push(api_resource(api_id, api));
        observed
            .resources
            .extend(children.resources(api_id, &link_names));
    }
    observed.name_kept(ResourceKind::Api, owner);
    // A link or domain a CloudFormation stack made names it (Observed::stack), as the API does.
    for (domain, mappings) in domains.iter().zip(mappings) {
        observed.resources.push(domain.observed());
        observed.resources.extend(mappings);
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
    if let Some(stack) = api.tags().and_then(gw_core::stack_of) {
        resource = resource.with(gw_core::STACK_TAG, stack);
    }
    ObservedResource {
        resource,
        id: api_id.to_string(),
        parent_id: None,
        created_millis: api.created_date().and_then(|d| d.to_millis().ok()),
    }
}

/// The mappings of our domain name to our APIs; the domain, a mapping's parent, is what
/// deletes it.
async fn read_mappings(
    read: Reader<'_>,
    domain: &tls_cert::domain::DomainName,
    api_ids: &[&str],
) -> Result<Vec<ObservedResource>, ProviderError> {
    let mappings = try_join_all(api_ids.iter().map(|api_id| async move {
        read.quotas.acquire("GetApiMappings").await;
        tls_cert::domain::v2::find_mapping(read.client, &domain.name, api_id).await
    }))
    .await?;
    Ok(mappings
        .into_iter()
        .flatten()
        .map(|mapping| ObservedResource {
            resource: Resource::new(ResourceKind::ApiMapping, &domain.name)
                .with(attr::STAGE, &mapping.stage),
            id: mapping.id,
            parent_id: Some(domain.name.clone()),
            created_millis: None,
        })
        .collect())
}

/// The APIs carrying both ownership tags. GetApis returns tags with each API; when an answer
/// leaves them out, GetTags is asked, so an untagged answer never hides one of ours.
async fn owned_apis(read: Reader<'_>, owner: &Ownership) -> Result<Vec<Api>, ProviderError> {
    let client = read.client;
    let region = client
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_default();
    let apis = all_pages(|token| async move {
        read.quotas.acquire("GetApis").await;
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
            None => {
                read.quotas.acquire("GetTags").await;
                client
                    .get_tags()
                    .resource_arn(gw_core::apigateway_arn(&region, &format!("/apis/{id}")))
                    .send()
                    .await
                    .aws("GetTags")?
                    .tags
                    .unwrap_or_default()
            }
        };
        if owner.owns(&tags) {
            // Kept with the API: a CloudFormation stack's tag there makes it the stack's.
            let mut api = api;
            api.tags = Some(tags);
            owned.push(api);
        }
    }
    Ok(owned)
}

/// What one API holds, as AWS lists it.
struct Children {
    integrations: Vec<Integration>,
    authorizers: Vec<Authorizer>,
    routes: Vec<Route>,
    stages: Vec<Stage>,
}

/// An API's integrations, authorizers, routes and stages, read side by side.
async fn read_children(read: Reader<'_>, api_id: &str) -> Result<Children, ProviderError> {
    let client = read.client;
    let integrations = all_pages(|token| async move {
        read.quotas.acquire("GetIntegrations").await;
        let request = client
            .get_integrations()
            .api_id(api_id)
            .max_results(PAGE_SIZE);
        let page = request.set_next_token(token).send().await;
        let page = page.aws("GetIntegrations")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    });
    let authorizers = all_pages(|token| async move {
        read.quotas.acquire("GetAuthorizers").await;
        let request = client
            .get_authorizers()
            .api_id(api_id)
            .max_results(PAGE_SIZE);
        let page = request.set_next_token(token).send().await;
        let page = page.aws("GetAuthorizers")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    });
    let routes = all_pages(|token| async move {
        read.quotas.acquire("GetRoutes").await;
        let request = client.get_routes().api_id(api_id).max_results(PAGE_SIZE);
        let page = request.set_next_token(token).send().await;
        let page = page.aws("GetRoutes")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    });
    let stages = all_pages(|token| async move {
        read.quotas.acquire("GetStages").await;
        let request = client.get_stages().api_id(api_id).max_results(PAGE_SIZE);
        let page = request.set_next_token(token).send().await;
        let page = page.aws("GetStages")?;
        Ok((page.items.unwrap_or_default(), page.next_token))
    });
    let (integrations, authorizers, routes, stages) =
        try_join4(integrations, authorizers, routes, stages).await?;
    Ok(Children {
        integrations,
        authorizers,
        routes,
        stages,
    })
}

impl Children {
    /// Each as a child of the API `api_id`: integrations named by [`integration_names`],
    /// authorizers by [`authorizer_names`], routes by key (sorted) with what they target and
    /// how they are authorized, stages by name with their throttles and access log.
    fn resources(
        mut self,
        api_id: &str,
        link_names: &HashMap<String, String>,
    ) -> Vec<ObservedResource> {
        self.routes
            .sort_by(|a, b| a.route_key().cmp(&b.route_key()));
        let names = integration_names(&self.integrations);
        let authorizers = authorizer_names(&self.authorizers);
        let child = |resource, id: &str| ObservedResource {
            resource,
            id: id.to_string(),
            parent_id: Some(api_id.to_string()),
            created_millis: None,
        };
        let mut resources = Vec::new();
        for integration in &self.integrations {
            let Some(id) = integration.integration_id() else {
                continue;
            };
            let name = names.get(id).cloned().unwrap_or_default();
            let resource = integration_resource(name, integration, link_names);
            resources.push(child(resource, id));
        }
        for authorizer in &self.authorizers {
            let Some(id) = authorizer.authorizer_id() else {
                continue;
            };
            let name = authorizers.get(id).cloned().unwrap_or_default();
            resources.push(child(authorizer_resource(name, authorizer), id));
        }
        for route in &self.routes {
            let (Some(id), Some(key)) = (route.route_id(), route.route_key()) else {
                continue;
            };
            let resource = Resource::new(ResourceKind::Route, key)
                .with(attr::TARGET, route_target(route, &names))
                .with(
                    attr::AUTHORIZATION,
                    route_authorization(route, &authorizers),
                )
                .with(attr::AUTHORIZATION_SCOPES, route_scopes(route));
            resources.push(child(resource, id));
        }
        for stage in &self.stages {
            // Stages are addressed by name within their API.
            if let Some(name) = stage.stage_name() {
                resources.push(child(stage_resource(name, stage), name));
            }
        }
        resources
    }
}

/// A stage as a resource: auto-deploy, the default throttle (`off` when its default route
/// settings hold none), the routes' own throttles, the access log.
fn stage_resource(name: &str, stage: &Stage) -> Resource {
    let throttle = |settings: &RouteSettings| {
        observed_throttle_text(
            settings.throttling_rate_limit(),
            settings.throttling_burst_limit(),
        )
    };
    let default_throttle = stage
        .default_route_settings()
        .map_or_else(|| OFF.to_string(), throttle);
    // Route settings without a throttle (detailed metrics, say) are not cortex-net's.
    let route_throttles = route_throttles_text(
        stage
            .route_settings()
            .into_iter()
            .flatten()
            .map(|(key, settings)| (key.as_str(), throttle(settings)))
            .filter(|(_, throttle)| throttle != OFF),
    );
    let access_log = match stage.access_log_settings() {
        Some(log) if log.destination_arn().is_some_and(|arn| !arn.is_empty()) => access_log_text(
            log.destination_arn().unwrap_or_default(),
            log.format().unwrap_or_default(),
        ),
        _ => OFF.to_string(),
    };
    Resource::new(ResourceKind::Stage, name)
        .with(
            attr::AUTO_DEPLOY,
            stage.auto_deploy().unwrap_or(false).to_string(),
        )
        .with(attr::THROTTLE, default_throttle)
        .with(attr::ROUTE_THROTTLES, route_throttles)
        .with(attr::ACCESS_LOG, access_log)
}

/// Authorizer id -> its name for the diff: its own (its identity within the API, so one whose
/// create answer was lost is found by it); of several of one name, the lowest id keeps it in
/// every run and the others are `duplicate <name>` (routes on them move to the kept one, then
/// they are deleted).
fn authorizer_names(authorizers: &[Authorizer]) -> HashMap<String, String> {
    let mut by_id: Vec<(&str, &str)> = authorizers
        .iter()
        .filter_map(|a| Some((a.authorizer_id()?, a.name().unwrap_or_default())))
        .collect();
    by_id.sort();
    let mut named = std::collections::HashSet::new();
    by_id
        .into_iter()
        .map(|(id, name)| {
            let name = if named.insert(name) {
                name.to_string()
            } else {
                format!("duplicate {name}")
            };
            (id.to_string(), name)
        })
        .collect()
}

/// A JWT authorizer as a resource: its issuer and audiences (sorted, comma-joined).
fn authorizer_resource(name: String, authorizer: &Authorizer) -> Resource {
    let jwt = authorizer.jwt_configuration();
    Resource::new(ResourceKind::Authorizer, name)
        .with(
            attr::ISSUER,
            jwt.and_then(|j| j.issuer()).unwrap_or_default(),
        )
        .with(
            attr::AUDIENCES,
            joined(jwt.map(|j| j.audience()).unwrap_or_default()),
        )
}

/// The scopes a route demands, sorted and comma-joined: a JWT route's only, as on the desired
/// side ([`crate::protection::scopes`]); scopes left on a route of another authorization
/// authorize nothing (a route moved off JWT is sent an empty list all the same).
fn route_scopes(route: &Route) -> String {
    match route.authorization_type() {
        Some(AuthorizationType::Jwt) => joined(route.authorization_scopes()),
        _ => String::new(),
    }
}

/// A route's authorization as [`crate::protection::authorization`] spells it: `NONE`,
/// `AWS_IAM`, `JWT <authorizer name>` (the id when no authorizer of the API has it).
fn route_authorization(route: &Route, authorizer_names: &HashMap<String, String>) -> String {
    let authorizer = || {
        let id = route.authorizer_id().unwrap_or_default();
        authorizer_names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    };
    match route.authorization_type() {
        None | Some(AuthorizationType::None) => "NONE".to_string(),
        Some(AuthorizationType::AwsIam) => "AWS_IAM".to_string(),
        Some(AuthorizationType::Jwt) => jwt_authorization(&authorizer()),
        Some(other) => format!("{} {}", other.as_str(), authorizer()),
    }
}

/// Integration id -> its name for the diff. Ours is found by its description, [`INTEGRATION`]
/// (so one whose create answer was lost is found, not made again); of several, the lowest id
/// keeps the name in every run, and the others are `duplicate load-balancer`. Any other
/// integration (one per route, as earlier versions made them) goes by its description, the
/// route it was made for, or else by its target form `integrations/<id>`. None of those is
/// desired: the diff moves the routes off them, then deletes them.
fn integration_names(integrations: &[Integration]) -> BTreeMap<String, String> {
    let ours = integrations
        .iter()
        .filter(|i| i.description() == Some(INTEGRATION))
        .filter_map(Integration::integration_id)
        .min();
    integrations
        .iter()
        .filter_map(|integration| {
            let id = integration.integration_id()?;
            let name = match integration.description().filter(|d| !d.is_empty()) {
                Some(INTEGRATION) if Some(id) == ours => INTEGRATION.to_string(),
                Some(INTEGRATION) => format!("duplicate {INTEGRATION}"),
                Some(made_for) => made_for.to_string(),
                None => format!("integrations/{id}"),
            };
            Some((id.to_string(), name))
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn named(id: &str, name: &str) -> Authorizer {
        Authorizer::builder().authorizer_id(id).name(name).build()
    }

    #[test]
    fn of_two_authorizers_of_one_name_the_lowest_id_keeps_it_and_routes_on_the_other_move() {
        let names = authorizer_names(&[named("b2", "jwt"), named("a1", "jwt"), named("c3", "x")]);
        assert_eq!(names.get("a1").map(String::as_str), Some("jwt"));
        assert_eq!(names.get("b2").map(String::as_str), Some("duplicate jwt"));
        assert_eq!(names.get("c3").map(String::as_str), Some("x"));
        let on_duplicate = Route::builder()
            .authorization_type(AuthorizationType::Jwt)
            .authorizer_id("b2")
            .build();
        assert_eq!(
            route_authorization(&on_duplicate, &names),
            "JWT duplicate jwt",
            "differs from `JWT jwt`: the diff moves the route to the kept authorizer"
        );
        // A route left with an empty authorizer id after leaving JWT is simply not authorized.
        let none = Route::builder()
            .authorization_type(AuthorizationType::None)
            .authorizer_id("")
            .build();
        assert_eq!(route_authorization(&none, &names), "NONE");
        assert_eq!(
            route_authorization(&Route::builder().build(), &names),
            "NONE"
        );
        let scoped = |kind| {
            Route::builder()
                .authorization_type(kind)
                .authorization_scopes("b")
                .authorization_scopes("a")
                .build()
        };
        assert_eq!(route_scopes(&scoped(AuthorizationType::Jwt)), "a,b");
        assert_eq!(route_scopes(&scoped(AuthorizationType::AwsIam)), "");
    }

    #[test]
    fn an_api_a_cloudformation_stack_made_names_its_stack() {
        let api = |tags: &[(&str, &str)]| {
            let mut api = Api::builder()
                .api_id("h1")
                .name("cortex-prod")
                .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
                .route_selection_expression("$request.method $request.path");
            for (key, value) in tags {
                api = api.tags(*key, *value);
            }
            api.build()
        };
        let stacked = api_resource("h1", &api(&[(gw_core::STACK_TAG, "cortex-fleet")]));
        assert_eq!(
            stacked.resource.attribute(gw_core::STACK_TAG),
            Some("cortex-fleet")
        );
        let ours = api_resource("h1", &api(&[("managed-by", "cortex-net")]));
        assert_eq!(ours.resource.attribute(gw_core::STACK_TAG), None);
    }

    #[test]
    fn a_stage_made_without_protection_reads_off() {
        let stage = Stage::builder()
            .stage_name("$default")
            .auto_deploy(true)
            .default_route_settings(
                RouteSettings::builder()
                    .detailed_metrics_enabled(false)
                    .build(),
            )
            .build();
        let resource = stage_resource("$default", &stage);
        for key in [attr::THROTTLE, attr::ROUTE_THROTTLES, attr::ACCESS_LOG] {
            assert_eq!(resource.attribute(key), Some(OFF), "{key}");
        }
    }

    #[tokio::test]
    async fn a_link_or_domain_a_cloudformation_stack_made_names_its_stack() {
        use aws_sdk_apigatewayv2::operation as op;
        use aws_sdk_apigatewayv2::types::{DomainName, VpcLink};
        use aws_smithy_mocks::{RuleMode, mock, mock_client};
        let owner = Ownership::new("prod");
        let ours: HashMap<String, String> = owner
            .for_gateway(gw_core::GatewayKind::Http)
            .tags()
            .into_iter()
            .collect();
        let mut stacked = ours.clone();
        stacked.insert(gw_core::STACK_TAG.into(), "cortex-fleet".into());
        for (link_tags, domain_tags) in [(&stacked, &ours), (&ours, &stacked)] {
            let (link_tags, domain_tags) = (link_tags.clone(), domain_tags.clone());
            let rules = [
                mock!(Client::get_vpc_links).then_output(move || {
                    let link = VpcLink::builder()
                        .vpc_link_id("l1")
                        .name("cortex-prod")
                        .set_tags(Some(link_tags.clone()))
                        .build();
                    op::get_vpc_links::GetVpcLinksOutput::builder()
                        .items(link)
                        .build()
                }),
                mock!(Client::get_domain_names).then_output(move || {
                    let domain = DomainName::builder()
                        .domain_name("api.example.com")
                        .set_tags(Some(domain_tags.clone()))
                        .build();
                    op::get_domain_names::GetDomainNamesOutput::builder()
                        .items(domain)
                        .build()
                }),
                mock!(Client::get_apis)
                    .then_output(|| op::get_apis::GetApisOutput::builder().build()),
            ];
            let client: Client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, &rules);
            let quotas = Quotas::api_gateway();
            let read = Reader {
                client: &client,
                quotas: &quotas,
            };
            let observed = observe(read, &owner).await.expect("observed");
            assert_eq!(observed.stack(), Some("cortex-fleet"), "{observed:?}");
        }
    }
}
