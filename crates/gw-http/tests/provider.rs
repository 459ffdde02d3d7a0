//! The HTTP API provider against faked apigatewayv2 answers: what it reads, what it calls.

use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::error::ErrorMetadata;
use aws_sdk_apigatewayv2::operation::create_api::CreateApiOutput;
use aws_sdk_apigatewayv2::operation::create_authorizer::CreateAuthorizerOutput;
use aws_sdk_apigatewayv2::operation::create_integration::CreateIntegrationOutput;
use aws_sdk_apigatewayv2::operation::create_route::CreateRouteOutput;
use aws_sdk_apigatewayv2::operation::create_stage::CreateStageOutput;
use aws_sdk_apigatewayv2::operation::delete_access_log_settings::DeleteAccessLogSettingsOutput;
use aws_sdk_apigatewayv2::operation::delete_authorizer::DeleteAuthorizerError;
use aws_sdk_apigatewayv2::operation::delete_integration::DeleteIntegrationOutput;
use aws_sdk_apigatewayv2::operation::delete_route::DeleteRouteError;
use aws_sdk_apigatewayv2::operation::delete_route_settings::DeleteRouteSettingsOutput;
use aws_sdk_apigatewayv2::operation::get_apis::GetApisOutput;
use aws_sdk_apigatewayv2::operation::get_authorizers::GetAuthorizersOutput;
use aws_sdk_apigatewayv2::operation::get_integrations::GetIntegrationsOutput;
use aws_sdk_apigatewayv2::operation::get_routes::GetRoutesOutput;
use aws_sdk_apigatewayv2::operation::get_stages::GetStagesOutput;
use aws_sdk_apigatewayv2::operation::update_authorizer::UpdateAuthorizerOutput;
use aws_sdk_apigatewayv2::operation::update_route::UpdateRouteOutput;
use aws_sdk_apigatewayv2::operation::update_stage::UpdateStageOutput;
use aws_sdk_apigatewayv2::types::builders::StageBuilder;
use aws_sdk_apigatewayv2::types::error::NotFoundException;
use aws_sdk_apigatewayv2::types::{
    AccessLogSettings, Api, AuthorizationType, Authorizer, AuthorizerType, Integration,
    JwtConfiguration, ProtocolType, Route, RouteSettings, Stage,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use gw_core::testing::{DNS_NAME, desired};
use gw_core::{
    Action, Auth, GatewayKind, GatewayProvider, LogProgress, Ownership, ResourceKind,
    RouteProtection, Throttle, attr, diff,
};
use gw_http::{HttpApiProvider, INTEGRATION};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

fn api(id: &str, name: &str, tags: &[(&str, &str)]) -> Api {
    let tags: HashMap<String, String> = tags
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Api::builder()
        .api_id(id)
        .name(name)
        .protocol_type(ProtocolType::Http)
        .route_selection_expression("$request.method $request.path")
        .api_endpoint(format!("https://{id}.execute-api.us-east-1.amazonaws.com"))
        .set_tags(Some(tags))
        .build()
}

/// Ours, one without our tags, and one of another cluster.
fn get_apis_of_three_owners() -> Rule {
    mock!(Client::get_apis).then_output(|| {
        GetApisOutput::builder()
            .items(api(
                "mine",
                "cortex-prod",
                &[
                    ("cortex.dev/cluster-name", "prod"),
                    ("managed-by", "cortex-net"),
                ],
            ))
            .items(api("theirs", "cortex-prod", &[("owner", "someone-else")]))
            .items(api(
                "other",
                "cortex-prod-2",
                &[
                    ("cortex.dev/cluster-name", "prod-2"),
                    ("managed-by", "cortex-net"),
                ],
            ))
            .build()
    })
}

/// The shared integration, the catch-all route, an unrouted integration of no description and
/// the stage of API `mine`.
fn children_of_mine() -> [Rule; 3] {
    let get_integrations = mock!(Client::get_integrations)
        .match_requests(|r| r.api_id() == Some("mine"))
        .then_output(|| {
            GetIntegrationsOutput::builder()
                .items(
                    Integration::builder()
                        .integration_id("i1")
                        .description(INTEGRATION)
                        .integration_type(aws_sdk_apigatewayv2::types::IntegrationType::HttpProxy)
                        .integration_method("ANY")
                        .integration_uri(format!("http://{DNS_NAME}"))
                        .request_parameters("overwrite:path", "$request.path")
                        .build(),
                )
                .items(Integration::builder().integration_id("orphan").build())
                .build()
        });
    let get_routes = mock!(Client::get_routes)
        .match_requests(|r| r.api_id() == Some("mine"))
        .then_output(|| {
            GetRoutesOutput::builder()
                .items(
                    Route::builder()
                        .route_id("r1")
                        .route_key("ANY /{proxy+}")
                        .target("integrations/i1")
                        .build(),
                )
                .build()
        });
    let get_stages = mock!(Client::get_stages)
        .match_requests(|r| r.api_id() == Some("mine"))
        .then_output(|| {
            GetStagesOutput::builder()
                .items(
                    Stage::builder()
                        .stage_name("$default")
                        .auto_deploy(true)
                        .build(),
                )
                .build()
        });
    [get_integrations, get_routes, get_stages]
}

/// API `mine` has no authorizer.
fn no_authorizers() -> Rule {
    mock!(Client::get_authorizers)
        .match_requests(|r| r.api_id() == Some("mine"))
        .then_output(|| GetAuthorizersOutput::builder().build())
}

#[tokio::test]
async fn observe_reads_only_owned_apis_and_their_children() {
    let get_apis = get_apis_of_three_owners();
    let [get_integrations, get_routes, get_stages] = children_of_mine();
    let get_authorizers = no_authorizers();
    let get_vpc_links = mock!(Client::get_vpc_links).then_output(|| {
        aws_sdk_apigatewayv2::operation::get_vpc_links::GetVpcLinksOutput::builder().build()
    });
    let get_domain_names = mock!(Client::get_domain_names).then_output(|| {
        aws_sdk_apigatewayv2::operation::get_domain_names::GetDomainNamesOutput::builder().build()
    });
    let client = mock_client!(
        aws_sdk_apigatewayv2,
        RuleMode::MatchAny,
        [
            &get_apis,
            &get_integrations,
            &get_routes,
            &get_stages,
            &get_authorizers,
            &get_vpc_links,
            &get_domain_names
        ]
    );
    let provider = HttpApiProvider::new(client, Arc::new(LogProgress));
    let observed = provider
        .observe(&Ownership::new("prod"))
        .await
        .expect("observe succeeds");

    let apis: Vec<_> = observed
        .of_kind(ResourceKind::Api)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(apis, vec!["mine"]);
    // Children were read for our API only (the rules match `mine` and nothing else answers).
    assert_eq!(get_routes.num_calls(), 1);
    assert_eq!(get_integrations.num_calls(), 1);
    assert_eq!(get_authorizers.num_calls(), 1);

    // The converged catch-all plans nothing but the removal of the unrouted integration.
    let want = provider.desired_resources(&desired(GatewayKind::Http).build());
    let plan = diff(&want, &observed);
    assert_eq!(plan.changes.len(), 1, "{plan}");
    assert_eq!(plan.changes[0].action, Action::Delete);
    assert_eq!(plan.changes[0].id.as_deref(), Some("orphan"));

    let info = provider
        .gateway_info(&observed, "us-east-1")
        .expect("gateway");
    assert_eq!(
        info.invoke_url,
        "https://mine.execute-api.us-east-1.amazonaws.com"
    );
}

#[tokio::test]
async fn apply_creates_tagged_resources_wired_together() {
    let create_api = mock!(Client::create_api)
        .match_requests(|r| {
            let tags = r.tags().cloned().unwrap_or_default();
            r.name() == Some("cortex-prod")
                && r.protocol_type() == Some(&ProtocolType::Http)
                && tags.get("cortex.dev/cluster-name").map(String::as_str) == Some("prod")
                && tags.get("managed-by").map(String::as_str) == Some("cortex-net")
        })
        .then_output(|| CreateApiOutput::builder().api_id("new").build());
    let create_integration = mock!(Client::create_integration)
        .match_requests(|r| {
            r.api_id() == Some("new")
                && r.integration_uri() == Some(format!("http://{DNS_NAME}").as_str())
                && r.description() == Some(INTEGRATION)
                && r.request_parameters()
                    .and_then(|p| p.get("overwrite:path"))
                    .map(String::as_str)
                    == Some("$request.path")
        })
        .then_output(|| {
            CreateIntegrationOutput::builder()
                .integration_id("i-shared")
                .build()
        });
    let create_route_proxy = mock!(Client::create_route)
        .match_requests(|r| {
            r.route_key() == Some("ANY /iris/{proxy+}")
                && r.target() == Some("integrations/i-shared")
        })
        .then_output(|| CreateRouteOutput::builder().route_id("r1").build());
    let create_route_exact = mock!(Client::create_route)
        .match_requests(|r| {
            r.route_key() == Some("ANY /iris") && r.target() == Some("integrations/i-shared")
        })
        .then_output(|| CreateRouteOutput::builder().route_id("r2").build());
    let create_stage = mock!(Client::create_stage)
        .match_requests(|r| {
            r.api_id() == Some("new")
                && r.stage_name() == Some("$default")
                && r.auto_deploy() == Some(true)
                && r.tags()
                    .is_some_and(|t| t.get("managed-by").map(String::as_str) == Some("cortex-net"))
        })
        .then_output(|| CreateStageOutput::builder().stage_name("$default").build());
    let rules = [
        (create_api, "CreateApi"),
        (create_integration, "CreateIntegration to the load balancer"),
        (create_route_proxy, "CreateRoute ANY /iris/{proxy+}"),
        (create_route_exact, "CreateRoute ANY /iris"),
        (create_stage, "CreateStage"),
    ];
    let client = mock_client!(
        aws_sdk_apigatewayv2,
        RuleMode::MatchAny,
        rules.iter().map(|(rule, _)| rule)
    );
    let provider = HttpApiProvider::new(client, Arc::new(LogProgress));
    let want = desired(GatewayKind::Http)
        .apis(&[("iris", "/iris")])
        .build();
    let observed = gw_core::Observed::default();
    let plan = diff(&provider.desired_resources(&want), &observed);
    provider
        .apply(&Ownership::new("prod"), Some(&want), &observed, &plan)
        .await
        .expect("apply succeeds");
    for (rule, name) in &rules {
        assert_eq!(
            rule.num_calls(),
            1,
            "{name} called once with the expected input"
        );
    }
}

#[tokio::test]
async fn deleting_what_is_already_gone_succeeds_and_a_malformed_plan_is_an_error() {
    let gone = mock!(Client::delete_route)
        .match_requests(|r| r.route_id() == Some("gone"))
        .then_error(|| {
            DeleteRouteError::NotFoundException(
                NotFoundException::builder()
                    .message("Invalid Route identifier specified")
                    .meta(ErrorMetadata::builder().code("NotFoundException").build())
                    .build(),
            )
        });
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&gone]);
    let provider = HttpApiProvider::new(client, Arc::new(LogProgress));
    let observed = gw_core::Observed {
        resources: vec![gw_core::ObservedResource {
            resource: gw_core::Resource::new(ResourceKind::Route, "ANY /x"),
            id: "gone".into(),
            parent_id: Some("api".into()),
            created_millis: None,
        }],
    };
    let plan = diff(&[], &observed);
    provider
        .apply(&Ownership::new("prod"), None, &observed, &plan)
        .await
        .expect("a route already deleted counts as deleted");
    assert_eq!(gone.num_calls(), 1);

    // Creating without a desired gateway is a programming error, reported, not panicked.
    let mut create = plan.clone();
    create.changes[0].action = Action::Create;
    let err = provider
        .apply(&Ownership::new("prod"), None, &observed, &create)
        .await
        .expect_err("no desired gateway");
    assert!(
        err.to_string().contains("without a desired gateway"),
        "{err}"
    );
}

/// Observing answers: API `mine` (see [`get_apis_of_three_owners`]) holding `integrations`,
/// `routes` and the stage `$default`; no VPC link, no domain name.
fn observing(integrations: Vec<Integration>, routes: Vec<Route>) -> Vec<Rule> {
    let mut rules = observing_apis(integrations, routes);
    rules.push(children_of_mine()[2].clone());
    rules.push(no_authorizers());
    rules
}

/// [`observing`] but for the stage and the authorizers.
fn observing_apis(integrations: Vec<Integration>, routes: Vec<Route>) -> Vec<Rule> {
    vec![
        get_apis_of_three_owners(),
        mock!(Client::get_integrations)
            .match_requests(|r| r.api_id() == Some("mine"))
            .then_output(move || {
                GetIntegrationsOutput::builder()
                    .set_items(Some(integrations.clone()))
                    .build()
            }),
        mock!(Client::get_routes)
            .match_requests(|r| r.api_id() == Some("mine"))
            .then_output(move || {
                GetRoutesOutput::builder()
                    .set_items(Some(routes.clone()))
                    .build()
            }),
        mock!(Client::get_vpc_links).then_output(|| {
            aws_sdk_apigatewayv2::operation::get_vpc_links::GetVpcLinksOutput::builder().build()
        }),
        mock!(Client::get_domain_names).then_output(|| {
            aws_sdk_apigatewayv2::operation::get_domain_names::GetDomainNamesOutput::builder()
                .build()
        }),
    ]
}

/// An `HTTP_PROXY` integration as cortex-net makes them: `description` and URI given.
fn integration(id: &str, description: &str, uri: &str) -> Integration {
    let mut integration = Integration::builder()
        .integration_id(id)
        .description(description)
        .integration_type(aws_sdk_apigatewayv2::types::IntegrationType::HttpProxy)
        .integration_method("ANY")
        .integration_uri(uri)
        .connection_type(aws_sdk_apigatewayv2::types::ConnectionType::Internet);
    if description == INTEGRATION {
        integration = integration.request_parameters("overwrite:path", "$request.path");
    }
    integration.build()
}

fn route(id: &str, key: &str, integration: &str) -> Route {
    Route::builder()
        .route_id(id)
        .route_key(key)
        .target(format!("integrations/{integration}"))
        .build()
}

fn summary(plan: &gw_core::Plan) -> Vec<(Action, ResourceKind, String, Option<String>)> {
    plan.changes
        .iter()
        .map(|c| (c.action, c.kind, c.name.clone(), c.id.clone()))
        .collect()
}

/// The writes of moving API `mine` to the shared integration `i-new`, each recorded in the
/// order it reaches AWS.
fn migration_writes() -> ([Rule; 3], Arc<Mutex<Vec<String>>>) {
    let calls = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = |calls: &Arc<Mutex<Vec<String>>>, call: String| {
        calls.lock().unwrap_or_else(|e| e.into_inner()).push(call);
        true
    };
    let seen = calls.clone();
    let create = mock!(Client::create_integration)
        .match_requests(move |r| {
            r.api_id() == Some("mine")
                && r.description() == Some(INTEGRATION)
                && log(
                    &seen,
                    format!("create {}", r.integration_uri().unwrap_or("")),
                )
        })
        .then_output(|| {
            CreateIntegrationOutput::builder()
                .integration_id("i-new")
                .build()
        });
    let seen = calls.clone();
    let retarget = mock!(Client::update_route)
        .match_requests(move |r| {
            r.api_id() == Some("mine")
                && r.target() == Some("integrations/i-new")
                && log(&seen, format!("retarget {}", r.route_id().unwrap_or("")))
        })
        .then_output(|| UpdateRouteOutput::builder().build());
    let seen = calls.clone();
    let delete = mock!(Client::delete_integration)
        .match_requests(move |r| {
            r.api_id() == Some("mine")
                && log(
                    &seen,
                    format!("delete {}", r.integration_id().unwrap_or("")),
                )
        })
        .then_output(|| DeleteIntegrationOutput::builder().build());
    ([create, retarget, delete], calls)
}

#[tokio::test]
async fn a_gateway_with_an_integration_per_route_moves_to_the_shared_one() {
    let lb = format!("http://{DNS_NAME}");
    let old = observing(
        vec![
            integration("i-a", "ANY /iris", &format!("{lb}/iris")),
            integration("i-b", "ANY /iris/{proxy+}", &format!("{lb}/iris/{{proxy}}")),
        ],
        vec![
            route("r-a", "ANY /iris", "i-a"),
            route("r-b", "ANY /iris/{proxy+}", "i-b"),
        ],
    );
    let (writes, calls) = migration_writes();
    let rules: Vec<&Rule> = old.iter().chain(&writes).collect();
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, rules);
    let provider = HttpApiProvider::new(client, Arc::new(LogProgress));
    let want = desired(GatewayKind::Http)
        .apis(&[("iris", "/iris")])
        .build();
    let observed = provider
        .observe(&Ownership::new("prod"))
        .await
        .expect("observed");
    let plan = diff(&provider.desired_resources(&want), &observed);
    let some = |id: &str| Some(id.to_string());
    assert_eq!(
        summary(&plan),
        vec![
            (
                Action::Create,
                ResourceKind::Integration,
                INTEGRATION.into(),
                None
            ),
            (
                Action::Update,
                ResourceKind::Route,
                "ANY /iris".into(),
                some("r-a")
            ),
            (
                Action::Update,
                ResourceKind::Route,
                "ANY /iris/{proxy+}".into(),
                some("r-b")
            ),
            (
                Action::Delete,
                ResourceKind::Integration,
                "ANY /iris".into(),
                some("i-a")
            ),
            (
                Action::Delete,
                ResourceKind::Integration,
                "ANY /iris/{proxy+}".into(),
                some("i-b")
            ),
        ],
        "{plan}"
    );
    assert_eq!(
        plan.changes[1].detail.as_deref(),
        Some("target: ANY /iris -> load-balancer")
    );

    provider
        .apply(&Ownership::new("prod"), Some(&want), &observed, &plan)
        .await
        .expect("migrated");
    let calls = calls.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(calls[0], format!("create {lb}"), "{calls:?}");
    let mut retargets = calls[1..3].to_vec();
    retargets.sort();
    assert_eq!(retargets, ["retarget r-a", "retarget r-b"], "{calls:?}");
    let mut deletes = calls[3..].to_vec();
    deletes.sort();
    assert_eq!(deletes, ["delete i-a", "delete i-b"], "{calls:?}");
}

#[tokio::test]
async fn a_shared_integration_whose_create_answer_was_lost_is_found_and_routed() {
    let lb = format!("http://{DNS_NAME}");
    let lost = observing(vec![integration("i-lost", INTEGRATION, &lb)], vec![]);
    let create_route = mock!(Client::create_route)
        .match_requests(|r| {
            r.route_key() == Some("ANY /{proxy+}") && r.target() == Some("integrations/i-lost")
        })
        .then_output(|| CreateRouteOutput::builder().build());
    let rules: Vec<&Rule> = lost.iter().chain([&create_route]).collect();
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, rules);
    let provider = HttpApiProvider::new(client, Arc::new(LogProgress));
    let want = desired(GatewayKind::Http).build();
    let observed = provider
        .observe(&Ownership::new("prod"))
        .await
        .expect("observed");
    let plan = diff(&provider.desired_resources(&want), &observed);
    assert_eq!(
        summary(&plan),
        vec![(
            Action::Create,
            ResourceKind::Route,
            "ANY /{proxy+}".into(),
            None
        )],
        "no second integration: {plan}"
    );
    provider
        .apply(&Ownership::new("prod"), Some(&want), &observed, &plan)
        .await
        .expect("routed");
    assert_eq!(create_route.num_calls(), 1);
}

#[tokio::test]
async fn of_two_shared_integrations_the_lowest_id_is_kept_in_every_run() {
    let lb = format!("http://{DNS_NAME}");
    // Two runs made one each; the routes target the newer one (a higher id).
    let twice = observing(
        vec![
            integration("i-2", INTEGRATION, &lb),
            integration("i-1", INTEGRATION, &lb),
        ],
        vec![route("r-1", "ANY /{proxy+}", "i-2")],
    );
    let rules: Vec<&Rule> = twice.iter().collect();
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, rules);
    let provider = HttpApiProvider::new(client, Arc::new(LogProgress));
    let observed = provider
        .observe(&Ownership::new("prod"))
        .await
        .expect("observed");
    let plan = diff(
        &provider.desired_resources(&desired(GatewayKind::Http).build()),
        &observed,
    );
    let duplicate = format!("duplicate {INTEGRATION}");
    assert_eq!(
        summary(&plan),
        vec![
            (
                Action::Update,
                ResourceKind::Route,
                "ANY /{proxy+}".into(),
                Some("r-1".into())
            ),
            (
                Action::Delete,
                ResourceKind::Integration,
                duplicate.clone(),
                Some("i-2".into())
            ),
        ],
        "{plan}"
    );
    assert_eq!(
        plan.changes[0].detail.as_deref(),
        Some(format!("target: {duplicate} -> {INTEGRATION}").as_str())
    );
}

/// The gateway of the protection tests: `iris` behind the JWT authorizer with a scope and a
/// throttle of its own, `text` signed with AWS credentials; a stage throttle and access log.
fn protected_gateway() -> gw_core::DesiredGateway {
    desired(GatewayKind::Http)
        .apis(&[("iris", "/iris"), ("text", "/text")])
        .jwt("https://issuer.example", &["web", "cli"])
        .throttle(100, 200)
        .access_log(LOG_GROUP)
        .route_protection(
            "iris",
            RouteProtection {
                auth: Auth::Jwt,
                scopes: vec!["iris/read".into()],
                throttle: Some(Throttle { rate: 5, burst: 10 }),
            },
        )
        .route_protection(
            "text",
            RouteProtection {
                auth: Auth::Iam,
                ..RouteProtection::default()
            },
        )
        .build()
}

const LOG_GROUP: &str = "arn:aws:logs:us-east-1:123456789012:log-group:cortex";

fn jwt_authorizer(id: &str, issuer: &str) -> Authorizer {
    Authorizer::builder()
        .authorizer_id(id)
        .name("jwt")
        .authorizer_type(AuthorizerType::Jwt)
        .identity_source("$request.header.Authorization")
        .jwt_configuration(
            JwtConfiguration::builder()
                .issuer(issuer)
                .audience("web")
                .audience("cli")
                .build(),
        )
        .build()
}

fn authorized_route(id: &str, key: &str, kind: AuthorizationType) -> Route {
    let mut route = Route::builder()
        .route_id(id)
        .route_key(key)
        .target("integrations/i1")
        .authorization_type(kind.clone());
    if kind == AuthorizationType::Jwt {
        route = route.authorizer_id("au1").authorization_scopes("iris/read");
    }
    route.build()
}

fn throttling(rate: f64, burst: i32) -> RouteSettings {
    RouteSettings::builder()
        .detailed_metrics_enabled(false)
        .throttling_rate_limit(rate)
        .throttling_burst_limit(burst)
        .build()
}

/// The routes of [`protected_gateway`] as AWS holds them.
fn protected_routes() -> Vec<Route> {
    vec![
        authorized_route("r1", "ANY /iris", AuthorizationType::Jwt),
        authorized_route("r2", "ANY /iris/{proxy+}", AuthorizationType::Jwt),
        authorized_route("r3", "ANY /text", AuthorizationType::AwsIam),
        authorized_route("r4", "ANY /text/{proxy+}", AuthorizationType::AwsIam),
    ]
}

/// The stage of [`protected_gateway`] as AWS returns it: rates are doubles, and a route
/// setting that does not throttle (detailed metrics) is someone else's.
fn protected_stage() -> StageBuilder {
    Stage::builder()
        .stage_name("$default")
        .auto_deploy(true)
        .default_route_settings(throttling(100.0, 200))
        .route_settings("ANY /iris", throttling(5.0, 10))
        .route_settings("ANY /iris/{proxy+}", throttling(5.0, 10))
        .route_settings(
            "ANY /text",
            RouteSettings::builder()
                .detailed_metrics_enabled(true)
                .build(),
        )
        .access_log_settings(
            AccessLogSettings::builder()
                .destination_arn(LOG_GROUP)
                .format(gw_core::ACCESS_LOG_FORMAT)
                .build(),
        )
}

/// API `mine` holding the integration, `routes`, `stage` and the authorizer `jwt` (`au1`, on
/// the second page of the listing).
fn observing_protected(routes: Vec<Route>, stage: Stage) -> Vec<Rule> {
    let lb = format!("http://{DNS_NAME}");
    let mut rules = observing_apis(vec![integration("i1", INTEGRATION, &lb)], routes);
    rules.push(
        mock!(Client::get_stages)
            .match_requests(|r| r.api_id() == Some("mine"))
            .then_output(move || GetStagesOutput::builder().items(stage.clone()).build()),
    );
    rules.push(
        mock!(Client::get_authorizers)
            .match_requests(|r| r.api_id() == Some("mine") && r.next_token().is_none())
            .then_output(|| GetAuthorizersOutput::builder().next_token("page-2").build()),
    );
    rules.push(
        mock!(Client::get_authorizers)
            .match_requests(|r| r.api_id() == Some("mine") && r.next_token() == Some("page-2"))
            .then_output(|| {
                GetAuthorizersOutput::builder()
                    .items(jwt_authorizer("au1", "https://issuer.example"))
                    .build()
            }),
    );
    rules
}

async fn observe_with(
    rules: &[Rule],
) -> Result<(HttpApiProvider, gw_core::Observed), gw_core::ProviderError> {
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, rules.iter());
    let provider = HttpApiProvider::new(client, Arc::new(LogProgress));
    let observed = provider.observe(&Ownership::new("prod")).await?;
    Ok((provider, observed))
}

#[tokio::test]
async fn a_protected_gateway_observed_as_made_plans_nothing() {
    let rules = observing_protected(protected_routes(), protected_stage().build());
    let (provider, observed) = observe_with(&rules).await.expect("observed");
    let plan = diff(&provider.desired_resources(&protected_gateway()), &observed);
    assert!(plan.changes.is_empty(), "converged: {plan}");

    // What it read, as the diff compared it.
    let authorizer = observed
        .of_kind(ResourceKind::Authorizer)
        .next()
        .expect("the authorizer, from the second page");
    assert_eq!(
        (authorizer.id.as_str(), authorizer.resource.name.as_str()),
        ("au1", "jwt")
    );
    assert_eq!(authorizer.parent_id.as_deref(), Some("mine"));
    let stage = observed
        .of_kind(ResourceKind::Stage)
        .next()
        .expect("the stage");
    assert_eq!(
        stage.resource.attribute(attr::ROUTE_THROTTLES),
        Some("ANY /iris=rate=5 burst=10;ANY /iris/{proxy+}=rate=5 burst=10")
    );
    let route = observed
        .find(ResourceKind::Route, "ANY /iris")
        .expect("route");
    assert_eq!(
        route.resource.attribute(attr::AUTHORIZATION),
        Some("JWT jwt")
    );
}

/// A call log the mocks write to, in the order calls reach "AWS".
#[derive(Clone, Default)]
struct Calls(Arc<Mutex<Vec<String>>>);

impl Calls {
    /// Records `call` and matches.
    fn log(&self, call: String) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(call);
        true
    }

    fn list(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn throttle_of(settings: Option<&RouteSettings>) -> String {
    settings.map_or("none".to_string(), |s| {
        format!(
            "{:?}/{:?}",
            s.throttling_rate_limit(),
            s.throttling_burst_limit()
        )
    })
}

/// The answers to making [`protected_gateway`], each call logged to `calls`.
fn making_protected(calls: &Calls) -> [Rule; 5] {
    let seen = calls.clone();
    let create_api = mock!(Client::create_api)
        .match_requests(move |_| seen.log("CreateApi".into()))
        .then_output(|| CreateApiOutput::builder().api_id("new").build());
    let create_integration = mock!(Client::create_integration).then_output(|| {
        CreateIntegrationOutput::builder()
            .integration_id("i1")
            .build()
    });
    let seen = calls.clone();
    let create_authorizer = mock!(Client::create_authorizer)
        .match_requests(move |r| {
            let jwt = r.jwt_configuration();
            r.api_id() == Some("new")
                && r.name() == Some("jwt")
                && r.authorizer_type() == Some(&AuthorizerType::Jwt)
                && r.identity_source() == ["$request.header.Authorization"]
                && jwt.and_then(|j| j.issuer()) == Some("https://issuer.example")
                && jwt.map(|j| j.audience()) == Some(&["web".to_string(), "cli".to_string()][..])
                && seen.log("CreateAuthorizer".into())
        })
        .then_output(|| {
            CreateAuthorizerOutput::builder()
                .authorizer_id("au-new")
                .build()
        });
    let seen = calls.clone();
    let create_route = mock!(Client::create_route)
        .match_requests(move |r| {
            seen.log(format!(
                "CreateRoute {} {:?} {:?} {:?}",
                r.route_key().unwrap_or_default(),
                r.authorization_type(),
                r.authorizer_id(),
                r.authorization_scopes
            ))
        })
        .then_output(|| CreateRouteOutput::builder().build());
    let seen = calls.clone();
    let create_stage = mock!(Client::create_stage)
        .match_requests(move |r| {
            let routes = r.route_settings().cloned().unwrap_or_default();
            let mut keys: Vec<_> = routes.keys().cloned().collect();
            keys.sort();
            seen.log(format!(
                "CreateStage default {} routes {keys:?} {} log {:?}",
                throttle_of(r.default_route_settings()),
                throttle_of(routes.get("ANY /iris")),
                r.access_log_settings().and_then(|l| l.destination_arn()),
            ))
        })
        .then_output(|| CreateStageOutput::builder().build());
    [
        create_api,
        create_integration,
        create_authorizer,
        create_route,
        create_stage,
    ]
}

#[tokio::test]
async fn a_jwt_gateway_is_made_with_its_authorizer_before_the_routes_that_name_it() {
    let calls = Calls::default();
    let rules = making_protected(&calls);
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, &rules);
    let provider = HttpApiProvider::new(client, Arc::new(LogProgress));
    let want = protected_gateway();
    let observed = gw_core::Observed::default();
    let plan = diff(&provider.desired_resources(&want), &observed);
    provider
        .apply(&Ownership::new("prod"), Some(&want), &observed, &plan)
        .await
        .expect("made");

    let calls = calls.list();
    assert_eq!(calls[..2], ["CreateApi", "CreateAuthorizer"], "{calls:?}");
    let mut routes = calls[2..6].to_vec();
    routes.sort();
    assert_eq!(
        routes,
        [
            r#"CreateRoute ANY /iris Some(Jwt) Some("au-new") Some(["iris/read"])"#,
            r#"CreateRoute ANY /iris/{proxy+} Some(Jwt) Some("au-new") Some(["iris/read"])"#,
            "CreateRoute ANY /text Some(AwsIam) None None",
            "CreateRoute ANY /text/{proxy+} Some(AwsIam) None None",
        ]
    );
    assert_eq!(
        calls[6],
        format!(
            "CreateStage default Some(100.0)/Some(200) routes [\"ANY /iris\", \
             \"ANY /iris/{{proxy+}}\"] Some(5.0)/Some(10) log Some({LOG_GROUP:?})"
        )
    );
    assert_eq!(calls.len(), 7, "{calls:?}");
}

/// Observes [`protected_gateway`] as made, diffs it against `want`, applies the plan with
/// `writes` as the only other answers, and returns the plan.
async fn change_protected(
    want: &gw_core::DesiredGateway,
    writes: &[&Rule],
) -> Result<gw_core::Plan, gw_core::ProviderError> {
    let reads = observing_protected(protected_routes(), protected_stage().build());
    let rules: Vec<&Rule> = reads.iter().chain(writes.iter().copied()).collect();
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, rules);
    let provider = HttpApiProvider::new(client, Arc::new(LogProgress));
    let owner = Ownership::new("prod");
    let observed = provider.observe(&owner).await?;
    let plan = diff(&provider.desired_resources(want), &observed);
    provider.apply(&owner, Some(want), &observed, &plan).await?;
    Ok(plan)
}

fn one_stage_update(plan: &gw_core::Plan) {
    assert_eq!(
        summary(plan),
        [(
            Action::Update,
            ResourceKind::Stage,
            "$default".to_string(),
            Some("$default".to_string())
        )],
        "{plan}"
    );
}

#[tokio::test]
async fn a_changed_throttle_is_one_stage_update_sent_as_one_call() {
    let mut want = protected_gateway();
    want.protection.throttle = Some(Throttle {
        rate: 50,
        burst: 80,
    });
    let update = mock!(Client::update_stage)
        .match_requests(|r| {
            r.api_id() == Some("mine")
                && r.stage_name() == Some("$default")
                && throttle_of(r.default_route_settings()) == "Some(50.0)/Some(80)"
                && r.route_settings().is_none()
                && r.access_log_settings().is_none()
        })
        .then_output(|| UpdateStageOutput::builder().build());
    let plan = change_protected(&want, &[&update]).await.expect("applied");
    one_stage_update(&plan);
    assert_eq!(
        plan.changes[0].detail.as_deref(),
        Some("throttle: rate=100 burst=200 -> rate=50 burst=80")
    );
    assert_eq!(update.num_calls(), 1);
}

#[tokio::test]
async fn access_logs_turned_off_are_deleted_and_nothing_else_is_sent() {
    let mut want = protected_gateway();
    want.protection.access_log = None;
    let delete = mock!(Client::delete_access_log_settings)
        .match_requests(|r| r.api_id() == Some("mine") && r.stage_name() == Some("$default"))
        .then_output(|| DeleteAccessLogSettingsOutput::builder().build());
    let plan = change_protected(&want, &[&delete]).await.expect("applied");
    one_stage_update(&plan);
    assert_eq!(delete.num_calls(), 1);
}

#[tokio::test]
async fn a_route_throttle_no_longer_wanted_has_its_route_settings_deleted() {
    let mut want = protected_gateway();
    for route in &mut want.routes {
        route.protection.throttle = None;
    }
    let calls = Calls::default();
    let seen = calls.clone();
    let delete = mock!(Client::delete_route_settings)
        .match_requests(move |r| {
            r.api_id() == Some("mine")
                && r.stage_name() == Some("$default")
                && seen.log(r.route_key().unwrap_or_default().to_string())
        })
        .then_output(|| DeleteRouteSettingsOutput::builder().build());
    let plan = change_protected(&want, &[&delete]).await.expect("applied");
    one_stage_update(&plan);
    // Not the detailed metrics of `ANY /text`: those are not a throttle of cortex-net's.
    assert_eq!(calls.list(), ["ANY /iris", "ANY /iris/{proxy+}"]);
}

#[tokio::test]
async fn leaving_jwt_moves_the_routes_off_the_authorizer_before_deleting_it() {
    let mut want = protected_gateway();
    for route in &mut want.routes {
        route.protection.auth = Auth::None;
        route.protection.scopes.clear();
    }
    let calls = Calls::default();
    let seen = calls.clone();
    let update_route = mock!(Client::update_route)
        .match_requests(move |r| {
            r.authorization_type() == Some(&AuthorizationType::None)
                && r.authorizer_id() == Some("")
                && r.authorization_scopes.as_deref() == Some(&[][..])
                && seen.log(format!("UpdateRoute {}", r.route_id().unwrap_or_default()))
        })
        .then_output(|| UpdateRouteOutput::builder().build());
    let seen = calls.clone();
    let delete = mock!(Client::delete_authorizer)
        .match_requests(move |r| {
            r.api_id() == Some("mine")
                && seen.log(format!(
                    "DeleteAuthorizer {}",
                    r.authorizer_id().unwrap_or_default()
                ))
        })
        .then_error(|| {
            DeleteAuthorizerError::NotFoundException(
                NotFoundException::builder()
                    .message("Invalid Authorizer identifier specified")
                    .meta(ErrorMetadata::builder().code("NotFoundException").build())
                    .build(),
            )
        });
    let plan = change_protected(&want, &[&update_route, &delete])
        .await
        .expect("applied");
    assert_eq!(
        plan.changes
            .iter()
            .map(|c| (c.action, c.kind))
            .collect::<Vec<_>>(),
        [
            (Action::Update, ResourceKind::Route),
            (Action::Update, ResourceKind::Route),
            (Action::Update, ResourceKind::Route),
            (Action::Update, ResourceKind::Route),
            (Action::Delete, ResourceKind::Authorizer),
        ],
        "{plan}"
    );
    let calls = calls.list();
    let mut updates = calls[..4].to_vec();
    updates.sort();
    assert_eq!(
        updates,
        [
            "UpdateRoute r1",
            "UpdateRoute r2",
            "UpdateRoute r3",
            "UpdateRoute r4"
        ]
    );
    // Already gone counts as deleted.
    assert_eq!(calls[4..], ["DeleteAuthorizer au1"]);
}

#[tokio::test]
async fn another_issuer_updates_the_authorizer_in_place() {
    let mut want = protected_gateway();
    want.protection.jwt = Some(gw_core::JwtAuthorizer {
        issuer: "https://other.example".into(),
        audiences: vec!["web".into(), "cli".into()],
    });
    let update = mock!(Client::update_authorizer)
        .match_requests(|r| {
            r.api_id() == Some("mine")
                && r.authorizer_id() == Some("au1")
                && r.jwt_configuration().and_then(|j| j.issuer()) == Some("https://other.example")
        })
        .then_output(|| UpdateAuthorizerOutput::builder().build());
    let plan = change_protected(&want, &[&update]).await.expect("applied");
    assert_eq!(
        summary(&plan),
        [(
            Action::Update,
            ResourceKind::Authorizer,
            "jwt".to_string(),
            Some("au1".to_string())
        )],
        "{plan}"
    );
    assert_eq!(update.num_calls(), 1);
}

/// [`protected_gateway`] without its stage throttle, AWS answering `UpdateStage` with
/// `answer` as the stage's default route settings.
async fn turn_default_throttle_off(
    answer: RouteSettings,
) -> (Result<gw_core::Plan, gw_core::ProviderError>, Rule) {
    let mut want = protected_gateway();
    want.protection.throttle = None;
    let update = mock!(Client::update_stage)
        .match_requests(|r| {
            r.default_route_settings()
                .is_some_and(|s| s.throttling_rate_limit().is_none())
                && r.route_settings().is_none()
                && r.access_log_settings().is_none()
        })
        .then_output(move || {
            UpdateStageOutput::builder()
                .stage_name("$default")
                .default_route_settings(answer.clone())
                .build()
        });
    (change_protected(&want, &[&update]).await, update)
}

#[tokio::test]
async fn a_default_throttle_turned_off_is_sent_without_one() {
    let cleared = RouteSettings::builder()
        .detailed_metrics_enabled(false)
        .build();
    let (plan, update) = turn_default_throttle_off(cleared).await;
    let plan = plan.expect("cleared");
    one_stage_update(&plan);
    assert_eq!(
        plan.changes[0].detail.as_deref(),
        Some("throttle: rate=100 burst=200 -> off")
    );
    assert_eq!(update.num_calls(), 1);
}

#[tokio::test]
async fn a_default_throttle_aws_keeps_is_an_error_with_the_way_out() {
    let (result, update) = turn_default_throttle_off(throttling(100.0, 200)).await;
    let err = result.expect_err("AWS kept the throttle");
    assert_eq!(
        err.to_string(),
        "stage $default keeps its default throttle (rate 100, burst 200): AWS cannot remove it \
         from an HTTP API's stage in place. Keep a `gateway.throttle`, or run `cortex-net down`, \
         then `cortex-net up` to recreate the stage without one"
    );
    assert_eq!(update.num_calls(), 1);
}

#[test]
fn protection_an_http_api_cannot_give_is_refused_with_the_fix() {
    let provider = HttpApiProvider::new(
        mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, []),
        Arc::new(LogProgress),
    );
    assert!(provider.check_supported(&protected_gateway()).is_ok());

    let keys = desired(GatewayKind::Http).auth(Auth::ApiKey).build();
    let err = provider.check_supported(&keys).expect_err("API keys");
    assert!(err.to_string().contains("`gateway.type: rest`"), "{err}");
    let plans = desired(GatewayKind::Http).api_key("partner-a").build();
    assert!(
        provider.check_supported(&plans).is_err(),
        "keys without a method needing them"
    );

    let no_issuer = desired(GatewayKind::Http).auth(Auth::Jwt).build();
    let err = provider.check_supported(&no_issuer).expect_err("no issuer");
    assert!(err.to_string().contains("`gateway.jwt"), "{err}");
}
