//! Applying plans against faked apigatewayv2 answers: replaces, link waits, the plan's order.

use super::{Context, IN_FLIGHT};
use crate::HttpApiProvider;
use crate::resources::desired_resources;
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::config::retry::RetryConfig;
use aws_sdk_apigatewayv2::error::ErrorMetadata;
use aws_sdk_apigatewayv2::operation::create_api_mapping::CreateApiMappingOutput;
use aws_sdk_apigatewayv2::operation::create_route::{CreateRouteError, CreateRouteOutput};
use aws_sdk_apigatewayv2::operation::delete_api_mapping::DeleteApiMappingOutput;
use aws_sdk_apigatewayv2::operation::delete_route::DeleteRouteOutput;
use aws_sdk_apigatewayv2::operation::delete_stage::DeleteStageOutput;
use aws_sdk_apigatewayv2::operation::get_vpc_link::GetVpcLinkOutput;
use aws_sdk_apigatewayv2::types::VpcLinkStatus;
use aws_sdk_apigatewayv2::types::error::{
    BadRequestException, ConflictException, TooManyRequestsException,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use gw_core::testing::desired;
use gw_core::{
    Action, Change, DesiredGateway, GatewayKind, LogProgress, Observed, ObservedResource,
    Ownership, Plan, Resource, ResourceKind, VpcLinkVersion, attr, diff,
};
use std::sync::Arc;

fn observed(kind: ResourceKind, name: &str, id: &str, attrs: &[(&str, &str)]) -> ObservedResource {
    let mut resource = Resource::new(kind, name);
    for (key, value) in attrs {
        resource = resource.with(key, *value);
    }
    ObservedResource {
        resource,
        id: id.into(),
        parent_id: None,
        created_millis: None,
    }
}

/// The changes the diff plans for the resources of `kind`.
fn plan_for(kind: ResourceKind, want: &DesiredGateway, have: &Observed) -> Plan {
    let mut plan = diff(&desired_resources(want), have);
    plan.changes.retain(|c| c.kind == kind);
    plan
}

async fn apply(
    client: &Client,
    want: Option<&DesiredGateway>,
    have: &Observed,
    plan: &Plan,
) -> Result<(), gw_core::ProviderError> {
    let provider = HttpApiProvider::new(client.clone(), Arc::new(LogProgress));
    apply_with(&provider, want, have, plan).await
}

async fn apply_with(
    provider: &HttpApiProvider,
    want: Option<&DesiredGateway>,
    have: &Observed,
    plan: &Plan,
) -> Result<(), gw_core::ProviderError> {
    let owner = Ownership::new("prod");
    Context::new(provider, &owner, want, have).apply(plan).await
}

fn internal_gateway() -> DesiredGateway {
    let mut want = desired(GatewayKind::Http)
        .internal(VpcLinkVersion::V2)
        .build();
    want.backend.listener_arn = Some("arn:listener/80".into());
    want
}

fn link(subnets: &str, status: &str) -> Observed {
    Observed {
        resources: vec![observed(
            ResourceKind::VpcLink,
            "cortex-prod",
            "link-1",
            &[
                (attr::VERSION, "v2"),
                (attr::SUBNETS, subnets),
                (attr::SECURITY_GROUPS, "sg-1"),
                (attr::STATUS, status),
            ],
        )],
    }
}

#[tokio::test]
async fn a_link_in_other_subnets_is_refused_with_the_way_out_and_nothing_is_called() {
    let want = internal_gateway();
    let have = link("subnet-old", "AVAILABLE");
    let plan = plan_for(ResourceKind::VpcLink, &want, &have);
    assert_eq!(plan.changes.len(), 1, "{plan}");
    assert_eq!(plan.changes[0].action, Action::Replace);

    let any_call = mock!(Client::get_vpc_link).then_output(|| GetVpcLinkOutput::builder().build());
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&any_call]);
    let err = apply(&client, Some(&want), &have, &plan)
        .await
        .expect_err("a link cannot move to other subnets");
    assert_eq!(
        err.to_string(),
        "VPC link cortex-prod no longer matches the load balancer's subnets or security groups \
         (subnets: subnet-old -> subnet-1,subnet-2), and AWS cannot change them in place: run \
         `cortex-net down`, then `cortex-net up` to recreate it"
    );
    assert_eq!(any_call.num_calls(), 0);
}

#[tokio::test]
async fn a_pending_link_is_only_waited_for() {
    let want = internal_gateway();
    let have = link("subnet-1,subnet-2", "PENDING");
    let plan = plan_for(ResourceKind::VpcLink, &want, &have);
    assert_eq!(plan.changes.len(), 1, "{plan}");
    assert_eq!(plan.changes[0].action, Action::Update);

    let get = mock!(Client::get_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("link-1"))
        .then_output(|| {
            GetVpcLinkOutput::builder()
                .vpc_link_id("link-1")
                .name("cortex-prod")
                .subnet_ids("subnet-1")
                .subnet_ids("subnet-2")
                .security_group_ids("sg-1")
                .vpc_link_status(VpcLinkStatus::Available)
                .build()
        });
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&get]);
    apply(&client, Some(&want), &have, &plan)
        .await
        .expect("an available link ends the wait");
    assert!(get.num_calls() >= 1);
}

#[tokio::test]
async fn a_mapping_to_another_stage_is_deleted_then_made_again() {
    let want = desired(GatewayKind::Http)
        .domain("api.example.com", "arn:aws:acm:us-east-1:1:certificate/c")
        .build();
    let mut mapping = observed(
        ResourceKind::ApiMapping,
        "api.example.com",
        "map-1",
        &[(attr::STAGE, "old")],
    );
    mapping.parent_id = Some("api.example.com".into());
    let have = Observed {
        resources: vec![
            observed(ResourceKind::Api, "cortex-prod", "api-1", &[]),
            observed(
                ResourceKind::DomainName,
                "api.example.com",
                "api.example.com",
                &[],
            ),
            mapping,
        ],
    };
    let plan = plan_for(ResourceKind::ApiMapping, &want, &have);
    assert_eq!(plan.changes.len(), 1, "{plan}");
    assert_eq!(plan.changes[0].action, Action::Replace);

    // In sequence: a create before the delete would not match, and fail the test.
    let delete = mock!(Client::delete_api_mapping)
        .match_requests(|r| {
            r.domain_name() == Some("api.example.com") && r.api_mapping_id() == Some("map-1")
        })
        .then_output(|| DeleteApiMappingOutput::builder().build());
    let create = mock!(Client::create_api_mapping)
        .match_requests(|r| {
            r.domain_name() == Some("api.example.com")
                && r.api_id() == Some("api-1")
                && r.stage() == Some("$default")
        })
        .then_output(|| {
            CreateApiMappingOutput::builder()
                .api_mapping_id("map-2")
                .api_id("api-1")
                .stage("$default")
                .build()
        });
    let client = mock_client!(
        aws_sdk_apigatewayv2,
        RuleMode::Sequential,
        [&delete, &create]
    );
    apply(&client, Some(&want), &have, &plan)
        .await
        .expect("the mapping is replaced");
    assert_eq!((delete.num_calls(), create.num_calls()), (1, 1));
}

#[tokio::test]
async fn changes_run_in_the_order_the_plan_gives() {
    let delete = |kind, name: &str, id: &str| Change {
        action: Action::Delete,
        kind,
        name: name.into(),
        id: Some(id.into()),
        parent: Some("api-1".into()),
        detail: None,
    };
    // Not the deletion rank's order: the provider must not sort.
    let plan = Plan {
        changes: vec![
            delete(ResourceKind::Stage, "$default", "$default"),
            delete(ResourceKind::Route, "ANY /x", "route-1"),
        ],
    };
    let stage = mock!(Client::delete_stage)
        .match_requests(|r| r.api_id() == Some("api-1") && r.stage_name() == Some("$default"))
        .then_output(|| DeleteStageOutput::builder().build());
    let route = mock!(Client::delete_route)
        .match_requests(|r| r.api_id() == Some("api-1") && r.route_id() == Some("route-1"))
        .then_output(|| DeleteRouteOutput::builder().build());
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::Sequential, [&stage, &route]);
    apply(&client, None, &Observed::default(), &plan)
        .await
        .expect("both deleted");
    assert_eq!((stage.num_calls(), route.num_calls()), (1, 1));
}

/// The API `api-1` with the shared integration `i-1`, and `apis` Cortex APIs desired: the plan
/// creates two routes per API.
fn routes_to_create(apis: usize) -> (DesiredGateway, Observed, Plan) {
    let names: Vec<(String, String)> = (0..apis)
        .map(|i| (format!("api-{i:02}"), format!("/api-{i:02}")))
        .collect();
    let pairs: Vec<(&str, &str)> = names
        .iter()
        .map(|(n, p)| (n.as_str(), p.as_str()))
        .collect();
    let want = desired(GatewayKind::Http).apis(&pairs).build();
    let mut integration = observed(ResourceKind::Integration, crate::INTEGRATION, "i-1", &[]);
    integration.parent_id = Some("api-1".into());
    let have = Observed {
        resources: vec![
            observed(ResourceKind::Api, "cortex-prod", "api-1", &[]),
            integration,
        ],
    };
    let plan = plan_for(ResourceKind::Route, &want, &have);
    assert_eq!(plan.changes.len(), 2 * apis, "{plan}");
    (want, have, plan)
}

#[tokio::test]
async fn routes_go_side_by_side_each_once_to_the_shared_integration() {
    let (want, have, plan) = routes_to_create(20);
    let keys = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = keys.clone();
    let create = mock!(Client::create_route)
        .match_requests(move |r| {
            let ours = r.api_id() == Some("api-1") && r.target() == Some("integrations/i-1");
            if ours {
                let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                seen.push(r.route_key().unwrap_or_default().to_string());
            }
            ours
        })
        .then_output(|| CreateRouteOutput::builder().build());
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&create]);
    apply(&client, Some(&want), &have, &plan)
        .await
        .expect("every route created");
    let mut sent = keys.lock().unwrap_or_else(|e| e.into_inner()).clone();
    sent.sort();
    let mut planned: Vec<String> = plan.changes.iter().map(|c| c.name.clone()).collect();
    planned.sort();
    assert_eq!(sent, planned, "each planned route sent exactly once");
}

#[tokio::test]
async fn a_failure_among_routes_side_by_side_stops_the_rest_and_is_returned() {
    let (want, have, plan) = routes_to_create(20);
    let refused = mock!(Client::create_route).then_error(|| {
        CreateRouteError::ConflictException(
            ConflictException::builder()
                .message("Route already exists")
                .meta(ErrorMetadata::builder().code("ConflictException").build())
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&refused]);
    let err = apply(&client, Some(&want), &have, &plan)
        .await
        .expect_err("the conflict is returned");
    match &err {
        gw_core::ProviderError::Aws(aws) => assert!(aws.is_unsettled(), "{err}"),
        other => panic!("not an AWS error: {other}"),
    }
    // Nothing was sent after the first failure: at most one window of calls went out.
    assert!(
        refused.num_calls() <= IN_FLIGHT,
        "{} of {} routes sent after a failure",
        refused.num_calls(),
        plan.changes.len()
    );
}

#[tokio::test(start_paused = true)]
async fn changes_waiting_for_the_budget_are_not_sent_after_a_failure() {
    let (want, have, plan) = routes_to_create(4);
    let quotas = Arc::new(aws_calls::Quotas::api_gateway());
    // The account's burst is spent: each call waits for the next token (100 ms apart).
    for _ in 0..40 {
        quotas.acquire("GetApis").await;
    }
    let refused = mock!(Client::create_route).then_error(|| {
        CreateRouteError::BadRequestException(
            BadRequestException::builder()
                .message("refused")
                .meta(ErrorMetadata::builder().code("BadRequestException").build())
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&refused]);
    let provider = HttpApiProvider::new(client, Arc::new(LogProgress)).with_quotas(quotas);
    apply_with(&provider, Some(&want), &have, &plan)
        .await
        .expect_err("the refusal is returned");
    assert_eq!(
        refused.num_calls(),
        1,
        "the changes still waiting for a token when the first failed were not sent"
    );
}

#[tokio::test]
async fn a_throttled_route_waits_for_the_budget_and_goes_again() {
    let (want, have, plan) = routes_to_create(1);
    let throttled = || {
        CreateRouteError::TooManyRequestsException(
            TooManyRequestsException::builder()
                .message("Too Many Requests")
                .meta(
                    ErrorMetadata::builder()
                        .code("TooManyRequestsException")
                        .build(),
                )
                .build(),
        )
    };
    let create = mock!(Client::create_route)
        .match_requests(|r| r.route_key() == Some("ANY /api-00"))
        .sequence()
        .error(throttled)
        .times(2)
        .output(|| CreateRouteOutput::builder().build())
        .build();
    let other = mock!(Client::create_route).then_output(|| CreateRouteOutput::builder().build());
    // As many attempts as the SDK is allowed (AWS_MAX_ATTEMPTS and the like).
    let client = mock_client!(
        aws_sdk_apigatewayv2,
        RuleMode::MatchAny,
        [&create, &other],
        |config| config.retry_config(RetryConfig::standard().with_max_attempts(3))
    );
    apply(&client, Some(&want), &have, &plan)
        .await
        .expect("created on the third attempt");
    assert_eq!(create.num_calls(), 3);
    assert_eq!(other.num_calls(), 1, "the other route once");
}
