//! The HTTP API provider against faked apigatewayv2 answers: what it reads, what it calls.

use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::error::ErrorMetadata;
use aws_sdk_apigatewayv2::operation::create_api::CreateApiOutput;
use aws_sdk_apigatewayv2::operation::create_integration::CreateIntegrationOutput;
use aws_sdk_apigatewayv2::operation::create_route::CreateRouteOutput;
use aws_sdk_apigatewayv2::operation::create_stage::CreateStageOutput;
use aws_sdk_apigatewayv2::operation::delete_route::DeleteRouteError;
use aws_sdk_apigatewayv2::operation::get_apis::GetApisOutput;
use aws_sdk_apigatewayv2::operation::get_integrations::GetIntegrationsOutput;
use aws_sdk_apigatewayv2::operation::get_routes::GetRoutesOutput;
use aws_sdk_apigatewayv2::operation::get_stages::GetStagesOutput;
use aws_sdk_apigatewayv2::types::error::NotFoundException;
use aws_sdk_apigatewayv2::types::{Api, Integration, ProtocolType, Route, Stage};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use gw_core::testing::{DNS_NAME, desired};
use gw_core::{Action, GatewayKind, GatewayProvider, LogProgress, Ownership, ResourceKind, diff};
use gw_http::HttpApiProvider;
use std::collections::HashMap;
use std::sync::Arc;

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

/// The catch-all's integration and route, an unrouted integration and the stage of API `mine`.
fn children_of_mine() -> [Rule; 3] {
    let get_integrations = mock!(Client::get_integrations)
        .match_requests(|r| r.api_id() == Some("mine"))
        .then_output(|| {
            GetIntegrationsOutput::builder()
                .items(
                    Integration::builder()
                        .integration_id("i1")
                        .integration_type(aws_sdk_apigatewayv2::types::IntegrationType::HttpProxy)
                        .integration_method("ANY")
                        .integration_uri(format!("http://{DNS_NAME}/{{proxy}}"))
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

#[tokio::test]
async fn observe_reads_only_owned_apis_and_their_children() {
    let get_apis = get_apis_of_three_owners();
    let [get_integrations, get_routes, get_stages] = children_of_mine();
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
                && r.integration_uri() == Some(format!("http://{DNS_NAME}/iris/{{proxy}}").as_str())
        })
        .then_output(|| {
            CreateIntegrationOutput::builder()
                .integration_id("i-proxy")
                .build()
        });
    let create_integration_exact = mock!(Client::create_integration)
        .match_requests(|r| r.integration_uri() == Some(format!("http://{DNS_NAME}/iris").as_str()))
        .then_output(|| {
            CreateIntegrationOutput::builder()
                .integration_id("i-exact")
                .build()
        });
    let create_route_proxy = mock!(Client::create_route)
        .match_requests(|r| {
            r.route_key() == Some("ANY /iris/{proxy+}")
                && r.target() == Some("integrations/i-proxy")
        })
        .then_output(|| CreateRouteOutput::builder().route_id("r1").build());
    let create_route_exact = mock!(Client::create_route)
        .match_requests(|r| {
            r.route_key() == Some("ANY /iris") && r.target() == Some("integrations/i-exact")
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
        (create_integration, "CreateIntegration /iris/{proxy}"),
        (create_integration_exact, "CreateIntegration /iris"),
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
