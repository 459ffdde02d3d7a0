//! The HTTP API provider against faked apigatewayv2 answers: what it reads, what it calls.

use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::error::ErrorMetadata;
use aws_sdk_apigatewayv2::operation::create_api::CreateApiOutput;
use aws_sdk_apigatewayv2::operation::create_integration::CreateIntegrationOutput;
use aws_sdk_apigatewayv2::operation::create_route::CreateRouteOutput;
use aws_sdk_apigatewayv2::operation::create_stage::CreateStageOutput;
use aws_sdk_apigatewayv2::operation::delete_integration::DeleteIntegrationOutput;
use aws_sdk_apigatewayv2::operation::delete_route::DeleteRouteError;
use aws_sdk_apigatewayv2::operation::get_apis::GetApisOutput;
use aws_sdk_apigatewayv2::operation::get_authorizers::GetAuthorizersOutput;
use aws_sdk_apigatewayv2::operation::get_integrations::GetIntegrationsOutput;
use aws_sdk_apigatewayv2::operation::get_routes::GetRoutesOutput;
use aws_sdk_apigatewayv2::operation::get_stages::GetStagesOutput;
use aws_sdk_apigatewayv2::operation::update_route::UpdateRouteOutput;
use aws_sdk_apigatewayv2::types::error::NotFoundException;
use aws_sdk_apigatewayv2::types::{Api, Integration, ProtocolType, Route, Stage};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use gw_core::testing::{DNS_NAME, desired};
use gw_core::{Action, GatewayKind, GatewayProvider, LogProgress, Ownership, ResourceKind, diff};
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
        children_of_mine()[2].clone(),
        no_authorizers(),
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
