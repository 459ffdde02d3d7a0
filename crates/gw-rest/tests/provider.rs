//! The REST API provider against faked apigateway answers: what it reads, what it calls.
//!
//! Rules are matched on their inputs, and a request no rule matches fails the call, so every
//! `num_calls() == 1` below checks both that the call was made and that it carried the expected
//! input.

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::config::retry::RetryConfig;
use aws_sdk_apigateway::error::ErrorMetadata;
use aws_sdk_apigateway::operation::create_base_path_mapping::CreateBasePathMappingOutput;
use aws_sdk_apigateway::operation::create_deployment::CreateDeploymentOutput;
use aws_sdk_apigateway::operation::create_rest_api::CreateRestApiOutput;
use aws_sdk_apigateway::operation::create_stage::CreateStageOutput;
use aws_sdk_apigateway::operation::create_vpc_link::CreateVpcLinkOutput;
use aws_sdk_apigateway::operation::delete_base_path_mapping::DeleteBasePathMappingOutput;
use aws_sdk_apigateway::operation::delete_deployment::DeleteDeploymentError;
use aws_sdk_apigateway::operation::delete_rest_api::{DeleteRestApiError, DeleteRestApiOutput};
use aws_sdk_apigateway::operation::delete_stage::DeleteStageError;
use aws_sdk_apigateway::operation::delete_vpc_link::DeleteVpcLinkOutput;
use aws_sdk_apigateway::operation::get_api_keys::GetApiKeysOutput;
use aws_sdk_apigateway::operation::get_deployment::GetDeploymentOutput;
use aws_sdk_apigateway::operation::get_integration::GetIntegrationOutput;
use aws_sdk_apigateway::operation::get_resources::GetResourcesOutput;
use aws_sdk_apigateway::operation::get_rest_apis::GetRestApisOutput;
use aws_sdk_apigateway::operation::get_stages::GetStagesOutput;
use aws_sdk_apigateway::operation::get_tags::GetTagsOutput;
use aws_sdk_apigateway::operation::get_usage_plans::GetUsagePlansOutput;
use aws_sdk_apigateway::operation::get_vpc_link::{GetVpcLinkError, GetVpcLinkOutput};
use aws_sdk_apigateway::operation::get_vpc_links::GetVpcLinksOutput;
use aws_sdk_apigateway::operation::put_rest_api::PutRestApiOutput;
use aws_sdk_apigateway::operation::update_stage::UpdateStageOutput;
use aws_sdk_apigateway::types::error::{NotFoundException, TooManyRequestsException};
use aws_sdk_apigateway::types::{
    ConnectionType, EndpointConfiguration, EndpointType, Integration, IntegrationType, Method, Op,
    PutMode, Resource as AwsResource, RestApi, Stage, VpcLink, VpcLinkStatus,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use gw_core::testing::{DNS_NAME, LB_ARN, desired};
use gw_core::{
    Action, Change, DesiredGateway, GatewayKind, GatewayProvider, LoadBalancerKind, Observed,
    ObservedResource, Ownership, Plan, Progress, ProviderError, Resource, ResourceKind,
    VpcLinkVersion, diff,
};
use gw_rest::{IN_DOCUMENT, RestApiProvider, ThrottleRetry, desired_fingerprint, openapi_document};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `http://<the load balancer><path>`.
fn lb(path: &str) -> String {
    format!("http://{DNS_NAME}{path}")
}

fn owned_tags() -> [(&'static str, &'static str); 2] {
    [
        ("cortex.dev/cluster-name", "prod"),
        ("managed-by", "cortex-net"),
    ]
}

/// Lines recorded in order, by mocks (the calls they saw) or as progress.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, line: impl Into<String>) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push(line.into());
        }
    }

    fn lines(&self) -> Vec<String> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Progress for Log {
    fn waiting(&self, what: &str, status: &str, _: Duration) {
        self.push(format!("waiting {what}: {status}"));
    }
    fn finished(&self, what: &str, status: &str, _: Duration) {
        self.push(format!("finished {what}: {status}"));
    }
}

fn provider(client: Client) -> RestApiProvider {
    provider_with(client, Log::default())
}

fn provider_with(client: Client, progress: Log) -> RestApiProvider {
    // The apigatewayv2 side knows no VPC links: observe asks, and finds none.
    let no_links = mock!(aws_sdk_apigatewayv2::Client::get_vpc_links).then_output(|| {
        aws_sdk_apigatewayv2::operation::get_vpc_links::GetVpcLinksOutput::builder().build()
    });
    let v2 = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&no_links]);
    RestApiProvider::new(client, v2, Arc::new(progress)).with_throttle_retry(ThrottleRetry {
        first_wait: Duration::from_millis(1),
        limit: Duration::from_secs(5),
    })
}

/// A client answering `rules`, in an account without custom domain names, API keys or usage
/// plans (unless `rules` answer those listings first).
fn client(rules: &[&Rule]) -> Client {
    let no_domains = mock!(Client::get_domain_names)
        .sequence()
        .output(|| {
            aws_sdk_apigateway::operation::get_domain_names::GetDomainNamesOutput::builder().build()
        })
        .repeatedly()
        .build();
    let no_keys = mock!(Client::get_api_keys)
        .sequence()
        .output(|| GetApiKeysOutput::builder().build())
        .repeatedly()
        .build();
    let no_plans = mock!(Client::get_usage_plans)
        .sequence()
        .output(|| GetUsagePlansOutput::builder().build())
        .repeatedly()
        .build();
    mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        rules
            .iter()
            .copied()
            .chain([&no_domains, &no_keys, &no_plans]),
        |c| c.retry_config(RetryConfig::disabled())
    )
}

/// Applies `plan` for the cluster `prod`.
async fn apply(
    provider: &RestApiProvider,
    want: Option<&DesiredGateway>,
    observed: &Observed,
    plan: &Plan,
) -> Result<(), ProviderError> {
    provider
        .apply(&Ownership::new("prod"), want, observed, plan)
        .await
}

/// Each change as (action, kind, name), in the plan's order.
fn summary(plan: &Plan) -> Vec<(Action, ResourceKind, &str)> {
    plan.changes
        .iter()
        .map(|c| (c.action, c.kind, c.name.as_str()))
        .collect()
}

/// Every rule matched exactly one call: each call was made, with the expected input.
fn assert_each_called_once(rules: &[Rule]) {
    for (index, rule) in rules.iter().enumerate() {
        assert_eq!(
            rule.num_calls(),
            1,
            "rule #{index} called once with the expected input"
        );
    }
}

fn not_found() -> NotFoundException {
    NotFoundException::builder()
        .message("Invalid identifier specified")
        .meta(ErrorMetadata::builder().code("NotFoundException").build())
        .build()
}

fn too_many_requests() -> DeleteRestApiError {
    DeleteRestApiError::TooManyRequestsException(
        TooManyRequestsException::builder()
            .message("Too Many Requests")
            .meta(
                ErrorMetadata::builder()
                    .code("TooManyRequestsException")
                    .build(),
            )
            .build(),
    )
}

fn rest_api(id: &str, name: &str, tags: &[(&str, &str)]) -> RestApi {
    let mut api = RestApi::builder().id(id).name(name).endpoint_configuration(
        EndpointConfiguration::builder()
            .types(EndpointType::Regional)
            .build(),
    );
    for (k, v) in tags {
        api = api.tags(*k, *v);
    }
    api.build()
}

fn proxy_method(uri: &str, proxy: bool) -> Method {
    let mut integration = Integration::builder()
        .r#type(IntegrationType::HttpProxy)
        .http_method("ANY")
        .uri(uri)
        .connection_type(ConnectionType::Internet);
    let mut method = Method::builder()
        .http_method("ANY")
        .authorization_type("NONE");
    if proxy {
        integration = integration.request_parameters(
            "integration.request.path.proxy",
            "method.request.path.proxy",
        );
        method = method.request_parameters("method.request.path.proxy", true);
    }
    method.method_integration(integration.build()).build()
}

// ---------------------------------------------------------------------------------------------
// Observing

/// The listing: the API `mine` next to a same-named API without our tags (`theirs`), one of
/// another cluster, and one whose listing came without tags (asked with GetTags: none).
fn listing_rules() -> [Rule; 2] {
    let get_rest_apis = mock!(Client::get_rest_apis).then_output(|| {
        let other_cluster = [
            ("cortex.dev/cluster-name", "prod-2"),
            ("managed-by", "cortex-net"),
        ];
        GetRestApisOutput::builder()
            .items(rest_api("mine", "cortex-prod", &owned_tags()))
            .items(rest_api("theirs", "cortex-prod", &[("owner", "someone")]))
            .items(rest_api("untagged", "cortex-prod", &[]))
            .items(rest_api("other", "cortex-prod-2", &other_cluster))
            .build()
    });
    let get_tags = mock!(Client::get_tags)
        .match_requests(|r| {
            r.resource_arn()
                .is_some_and(|a| a.ends_with("/restapis/untagged"))
        })
        .then_output(|| GetTagsOutput::builder().build());
    [get_rest_apis, get_tags]
}

/// The converged catch-all gateway's resources in `mine` (`embed=methods`).
fn catch_all_resources_rule(dns_name: &str) -> Rule {
    let base = format!("http://{dns_name}");
    mock!(Client::get_resources)
        .match_requests(|r| r.rest_api_id() == Some("mine") && r.embed() == ["methods"])
        .then_output(move || {
            let root = AwsResource::builder()
                .id("root")
                .path("/")
                .resource_methods("ANY", proxy_method(&format!("{base}/"), false));
            let proxy = AwsResource::builder()
                .id("r-proxy")
                .parent_id("root")
                .path_part("{proxy+}")
                .path("/{proxy+}")
                .resource_methods("ANY", proxy_method(&format!("{base}/{{proxy}}"), true));
            GetResourcesOutput::builder()
                .items(root.build())
                .items(proxy.build())
                .build()
        })
}

/// The stage `dev` of `mine`, serving `d1`, deployed with `fingerprint`.
fn serving_rules(fingerprint: String) -> [Rule; 2] {
    let get_stages = mock!(Client::get_stages)
        .match_requests(|r| r.rest_api_id() == Some("mine"))
        .then_output(|| {
            let dev = Stage::builder().stage_name("dev").deployment_id("d1");
            GetStagesOutput::builder().item(dev.build()).build()
        });
    let get_deployment = mock!(Client::get_deployment)
        .match_requests(|r| r.rest_api_id() == Some("mine") && r.deployment_id() == Some("d1"))
        .then_output(move || {
            GetDeploymentOutput::builder()
                .id("d1")
                .description(format!("cortex-net {fingerprint}"))
                .build()
        });
    [get_stages, get_deployment]
}

/// apigateway answers describing the converged catch-all gateway of `want` in the API `mine`,
/// among APIs that are not ours: [GetRestApis, GetTags, GetResources, GetStages,
/// GetDeployment, GetVpcLinks].
fn converged_rules(want: &DesiredGateway) -> Vec<Rule> {
    let fingerprint = desired_fingerprint(want).unwrap_or_default();
    let get_vpc_links =
        mock!(Client::get_vpc_links).then_output(|| GetVpcLinksOutput::builder().build());
    let mut rules = Vec::from(listing_rules());
    rules.push(catch_all_resources_rule(&want.backend.dns_name));
    rules.extend(serving_rules(fingerprint));
    rules.push(get_vpc_links);
    rules
}

async fn observe_converged(want: &DesiredGateway) -> Result<(Observed, Vec<Rule>), ProviderError> {
    let rules = converged_rules(want);
    let refs: Vec<&Rule> = rules.iter().collect();
    let observed = provider(client(&refs))
        .observe(&Ownership::new("prod"))
        .await?;
    Ok((observed, rules))
}

#[tokio::test]
async fn observe_reads_only_owned_apis() {
    let want = desired(GatewayKind::Rest).build();
    let (observed, rules) = observe_converged(&want).await.expect("observe succeeds");
    let apis: Vec<&str> = observed
        .of_kind(ResourceKind::Api)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(apis, vec!["mine"]);
    // The untagged listing was checked with GetTags; children were read for `mine` only (the
    // rules match nothing else, so reading `theirs` would have failed observe).
    assert_eq!(
        rules[1].num_calls(),
        1,
        "GetTags for the API listed without tags"
    );
    assert_eq!(rules[2].num_calls(), 1, "GetResources");
    assert_eq!(rules[3].num_calls(), 1, "GetStages");
    assert!(
        observed
            .resources
            .iter()
            .all(|r| r.id != "theirs" && r.parent_id.as_deref().is_none_or(|p| p == "mine")),
        "{observed:?}"
    );
}

#[tokio::test]
async fn observe_reports_the_failure_a_sequential_reading_meets_first() {
    // Listing the APIs and the links both fail; they are read side by side, and the error is
    // the API listing's, as when they were read one after the other.
    let apis = mock!(Client::get_rest_apis)
        .sequence()
        .http_status(500, None)
        .build();
    let links = mock!(Client::get_vpc_links)
        .sequence()
        .http_status(503, None)
        .build();
    let err = provider(client(&[&apis, &links]))
        .observe(&Ownership::new("prod"))
        .await
        .expect_err("nothing answers");
    assert!(err.to_string().starts_with("GetRestApis"), "{err}");
}

#[tokio::test]
async fn a_converged_gateway_plans_nothing_and_is_reported_with_its_stage() {
    let want = desired(GatewayKind::Rest).build();
    let (observed, _rules) = observe_converged(&want).await.expect("observe succeeds");
    let provider = provider(client(&[]));
    let plan = diff(&provider.desired_resources(&want), &observed);
    assert!(
        plan.is_empty(),
        "converged gateway planned changes:\n{plan}"
    );
    let info = provider
        .gateway_info(&observed, "us-east-1")
        .expect("gateway");
    assert_eq!(
        info.invoke_url,
        "https://mine.execute-api.us-east-1.amazonaws.com/dev"
    );
    assert_eq!(info.stage, "dev");
}

/// An owned API whose only resource has a private integration described without its link,
/// next to the owned v1 link `lnk`.
fn private_integration_rules() -> [Rule; 4] {
    let apis = mock!(Client::get_rest_apis).then_output(move || {
        GetRestApisOutput::builder()
            .items(rest_api("mine", "cortex-prod", &owned_tags()))
            .build()
    });
    // The embedded integration says VPC_LINK but leaves the connection id out.
    let resources = mock!(Client::get_resources).then_output(|| {
        let integration = Integration::builder()
            .r#type(IntegrationType::HttpProxy)
            .http_method("ANY")
            .uri(lb("/{proxy}"))
            .connection_type(ConnectionType::VpcLink)
            .build();
        let method = Method::builder()
            .http_method("ANY")
            .method_integration(integration);
        let resource = AwsResource::builder()
            .id("res")
            .path("/{proxy+}")
            .resource_methods("ANY", method.build());
        GetResourcesOutput::builder()
            .items(resource.build())
            .build()
    });
    let stages = mock!(Client::get_stages).then_output(|| GetStagesOutput::builder().build());
    let links = mock!(Client::get_vpc_links).then_output(|| {
        let mut link = VpcLink::builder()
            .id("lnk")
            .name("cortex-prod")
            .target_arns(LB_ARN)
            .status(VpcLinkStatus::Available);
        for (k, v) in owned_tags() {
            link = link.tags(k, v);
        }
        GetVpcLinksOutput::builder().items(link.build()).build()
    });
    [apis, resources, stages, links]
}

#[tokio::test]
async fn a_private_integration_described_without_its_link_is_read_in_full() {
    let full = mock!(Client::get_integration)
        .match_requests(|r| {
            r.rest_api_id() == Some("mine")
                && r.resource_id() == Some("res")
                && r.http_method() == Some("ANY")
        })
        .then_output(|| {
            GetIntegrationOutput::builder()
                .connection_type(ConnectionType::VpcLink)
                .connection_id("lnk")
                .build()
        });
    let [apis, resources, stages, links] = private_integration_rules();
    let provider = provider(client(&[&apis, &resources, &full, &stages, &links]));
    let observed = provider
        .observe(&Ownership::new("prod"))
        .await
        .expect("observe succeeds");
    let integration = observed
        .find(ResourceKind::Integration, "ANY /{proxy+}")
        .expect("the integration is observed");
    assert_eq!(
        integration.resource.attribute("connection"),
        Some("VPC_LINK cortex-prod"),
        "{observed:?}"
    );
    assert_eq!(full.num_calls(), 1);
}

// ---------------------------------------------------------------------------------------------
// Creating and updating

/// The listing right before CreateRestApi: no API of ours yet.
fn no_api_yet_rule() -> Rule {
    mock!(Client::get_rest_apis).then_output(|| GetRestApisOutput::builder().build())
}

fn create_api_rule() -> Rule {
    mock!(Client::create_rest_api)
        .match_requests(|r| {
            let tags = r.tags().cloned().unwrap_or_default();
            r.name() == Some("cortex-prod")
                && r.endpoint_configuration().map(|c| c.types())
                    == Some(&[EndpointType::Regional][..])
                && tags.get("cortex.dev/cluster-name").map(String::as_str) == Some("prod")
                && tags.get("managed-by").map(String::as_str) == Some("cortex-net")
        })
        .then_output(|| {
            CreateRestApiOutput::builder()
                .id("new")
                .root_resource_id("root")
                .build()
        })
}

/// The API's document put on `api` in overwrite mode: exactly the document of `want` with
/// its integrations through `link`; each call logged with the bytes it carried.
fn put_document_rule(
    api: &'static str,
    want: &DesiredGateway,
    link: Option<&str>,
    log: &Log,
) -> Rule {
    let expected = openapi_document(want, link).to_string();
    let log = log.clone();
    mock!(Client::put_rest_api)
        .match_requests(move |r| {
            r.rest_api_id() == Some(api)
                && r.mode() == Some(&PutMode::Overwrite)
                && r.body().map(|b| b.as_ref()) == Some(expected.as_bytes())
        })
        .then_compute_output(move |r| {
            let body = r.body().map(|b| b.as_ref().to_vec()).unwrap_or_default();
            log.push(format!(
                "PutRestApi {}",
                String::from_utf8_lossy(&body).len()
            ));
            PutRestApiOutput::builder().id(api).build()
        })
}

fn create_deployment_rule(api: &'static str, description: String, log: &Log) -> Rule {
    let log = log.clone();
    mock!(Client::create_deployment)
        .match_requests(move |r| {
            r.rest_api_id() == Some(api)
                && r.description() == Some(description.as_str())
                && r.stage_name().is_none()
        })
        .then_compute_output(move |_| {
            log.push("CreateDeployment");
            CreateDeploymentOutput::builder().id("d1").build()
        })
}

fn create_stage_rule() -> Rule {
    mock!(Client::create_stage)
        .match_requests(|r| {
            r.rest_api_id() == Some("new")
                && r.stage_name() == Some("dev")
                && r.deployment_id() == Some("d1")
                && r.tags()
                    .is_some_and(|t| t.get("managed-by").map(String::as_str) == Some("cortex-net"))
        })
        .then_output(|| CreateStageOutput::builder().stage_name("dev").build())
}

#[tokio::test]
async fn apply_creates_the_api_tagged_and_puts_its_content_as_one_document_then_the_stage() {
    let want = desired(GatewayKind::Rest)
        .apis(&[("text", "/v1/text-gen")])
        .build();
    let fingerprint = desired_fingerprint(&want).unwrap_or_default();
    let log = Log::default();
    let rules = [
        no_api_yet_rule(),
        create_api_rule(),
        put_document_rule("new", &want, None, &log),
        create_deployment_rule("new", format!("cortex-net {fingerprint}"), &log),
        create_stage_rule(),
    ];
    let provider = provider(client(&rules.iter().collect::<Vec<_>>()));
    let observed = Observed::default();
    let plan = diff(&provider.desired_resources(&want), &observed);
    // /v1, /v1/text-gen, /v1/text-gen/{proxy+}, two methods, two integrations: one call.
    let content = plan
        .changes
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                ResourceKind::Resource | ResourceKind::Method | ResourceKind::Integration
            )
        })
        .count();
    assert_eq!(content, 7, "{plan}");
    apply(&provider, Some(&want), &observed, &plan)
        .await
        .expect("apply succeeds");
    assert_each_called_once(&rules);
    let log = log.lines();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log[0].starts_with("PutRestApi"), "{log:?}");
    assert_eq!(
        log[1], "CreateDeployment",
        "the deployment snapshots the finished API: {log:?}"
    );
}

#[tokio::test]
async fn a_lost_put_rest_api_answer_is_unsettled_and_the_same_document_is_put_again() {
    let want = desired(GatewayKind::Rest).build();
    let fingerprint = desired_fingerprint(&want).unwrap_or_default();
    let bodies = Log::default();
    let seen = bodies.clone();
    // The first answer is lost (a 500, which may come after the effect); the second arrives.
    let put = mock!(Client::put_rest_api)
        .match_requests(move |r| {
            let body = r.body().map(|b| b.as_ref().to_vec()).unwrap_or_default();
            seen.push(String::from_utf8_lossy(&body).to_string());
            r.rest_api_id() == Some("new") && r.mode() == Some(&PutMode::Overwrite)
        })
        .sequence()
        .http_status(500, None)
        .output(|| PutRestApiOutput::builder().id("new").build())
        .build();
    let log = Log::default();
    let rest = [
        create_deployment_rule("new", format!("cortex-net {fingerprint}"), &log),
        create_stage_rule(),
    ];
    let provider = provider(client(&[&put, &rest[0], &rest[1]]));
    // The API exists (created in an earlier round); its content does not.
    let observed = Observed {
        resources: vec![ObservedResource {
            resource: Resource::new(ResourceKind::Api, "cortex-prod")
                .with("endpoint_type", "REGIONAL"),
            id: "new".into(),
            parent_id: None,
            created_millis: None,
        }],
    };
    let plan = diff(&provider.desired_resources(&want), &observed);
    let err = apply(&provider, Some(&want), &observed, &plan)
        .await
        .expect_err("the answer was lost");
    assert!(err.is_unsettled(), "observed again, not given up: {err}");
    assert!(log.lines().is_empty(), "nothing deployed after a lost put");
    // The next round puts the same document again: an overwrite repeated is the same API.
    apply(&provider, Some(&want), &observed, &plan)
        .await
        .expect("the second put is answered");
    let bodies = bodies.lines();
    assert_eq!(put.num_calls(), 2);
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0], openapi_document(&want, None).to_string());
    assert_eq!(log.lines(), vec!["CreateDeployment"]);
}

#[tokio::test]
async fn an_api_made_by_another_run_since_the_observation_is_not_made_again() {
    let want = desired(GatewayKind::Rest).build();
    // Observed: nothing. Listed right before creating: the API another run just made.
    let listed = mock!(Client::get_rest_apis).then_output(|| {
        GetRestApisOutput::builder()
            .items(rest_api("theirs-new", "cortex-prod", &owned_tags()))
            .build()
    });
    let provider = provider(client(&[&listed]));
    let observed = Observed::default();
    let plan = diff(&provider.desired_resources(&want), &observed);
    // No CreateRestApi rule: a create would fail the test.
    let err = apply(&provider, Some(&want), &observed, &plan)
        .await
        .expect_err("observed again instead");
    assert!(err.is_unsettled(), "{err}");
    assert!(err.to_string().contains("theirs-new"), "{err}");
    assert_eq!(listed.num_calls(), 1);
}

/// The converged catch-all gateway as observed, and the same gateway on another load balancer.
async fn moved_to_lb_2() -> Result<(Observed, DesiredGateway), ProviderError> {
    let before = desired(GatewayKind::Rest).build();
    let (observed, _rules) = observe_converged(&before).await?;
    let after = desired(GatewayKind::Rest)
        .dns_name("lb-2.elb.us-east-1.amazonaws.com")
        .build();
    assert_ne!(desired_fingerprint(&after), desired_fingerprint(&before));
    Ok((observed, after))
}

#[tokio::test]
async fn a_changed_integration_uri_is_planned_as_an_update_and_a_new_deployment() {
    let (observed, after) = moved_to_lb_2().await.expect("observe succeeds");
    let plan = diff(&gw_rest::desired_resources(&after), &observed);
    assert_eq!(
        summary(&plan),
        vec![
            (Action::Update, ResourceKind::Integration, "ANY /"),
            (Action::Update, ResourceKind::Integration, "ANY /{proxy+}"),
            (Action::Update, ResourceKind::Deployment, "current"),
        ],
        "{plan}"
    );
    assert!(
        plan.changes[1]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("lb-2.elb")),
        "{plan}"
    );
}

/// The stage `dev` of `api` pointed at the deployment `deployment`.
fn point_stage_rule(api: &'static str, deployment: &'static str) -> Rule {
    mock!(Client::update_stage)
        .match_requests(move |r| {
            r.rest_api_id() == Some(api)
                && r.stage_name() == Some("dev")
                && r.patch_operations().iter().any(|p| {
                    p.op() == Some(&Op::Replace)
                        && p.path() == Some("/deploymentId")
                        && p.value() == Some(deployment)
                })
        })
        .then_output(|| UpdateStageOutput::builder().build())
}

#[tokio::test]
async fn a_changed_integration_uri_is_put_and_deployed_to_the_stage() {
    let (observed, after) = moved_to_lb_2().await.expect("observe succeeds");
    let fingerprint = desired_fingerprint(&after).unwrap_or_default();
    let plan = diff(&gw_rest::desired_resources(&after), &observed);
    let log = Log::default();
    let rules = [
        // Both integrations' new URIs, in one document.
        put_document_rule("mine", &after, None, &log),
        create_deployment_rule("mine", format!("cortex-net {fingerprint}"), &log),
        point_stage_rule("mine", "d1"),
    ];
    let provider = provider(client(&rules.iter().collect::<Vec<_>>()));
    apply(&provider, Some(&after), &observed, &plan)
        .await
        .expect("apply succeeds");
    assert_each_called_once(&rules);
}

#[test]
fn the_plan_says_which_changes_the_document_makes() {
    let want = desired(GatewayKind::Rest)
        .apis(&[("iris", "/iris")])
        .build();
    let provider = provider(client(&[]));
    let mut plan = diff(&provider.desired_resources(&want), &Observed::default());
    let before = plan.clone();
    provider.annotate(&mut plan);
    // The same changes in the same order: only what the document makes says so.
    assert_eq!(summary(&plan), summary(&before));
    for change in &plan.changes {
        let content = matches!(
            change.kind,
            ResourceKind::Resource | ResourceKind::Method | ResourceKind::Integration
        );
        let expected = content.then_some(IN_DOCUMENT);
        assert_eq!(change.detail.as_deref(), expected, "{change}");
    }
    assert!(
        plan.to_string().contains(
            "+ integration ANY /iris/{proxy+}: via the API's OpenAPI document (PutRestApi)"
        ),
        "{plan}"
    );
    // The JSON shape stays: the note is the change's `detail`.
    let json = serde_json::to_value(&plan).unwrap_or_default();
    assert_eq!(json["changes"][1]["detail"], IN_DOCUMENT, "{json}");
}

#[tokio::test]
async fn an_update_keeps_what_differs_and_adds_the_document() {
    let (observed, after) = moved_to_lb_2().await.expect("observe succeeds");
    let mut plan = diff(&gw_rest::desired_resources(&after), &observed);
    gw_rest::annotate(&mut plan);
    let detail = plan.changes[0].detail.clone().unwrap_or_default();
    assert!(detail.starts_with("uri: http://"), "{detail}");
    assert!(detail.ends_with(&format!("; {IN_DOCUMENT}")), "{detail}");
    // The deployment is its own call.
    assert!(
        !plan.changes[2]
            .detail
            .clone()
            .unwrap_or_default()
            .contains(IN_DOCUMENT)
    );
}

#[test]
fn what_goes_with_a_deleted_api_is_not_said_to_be_in_a_document() {
    let observed = observed_as_built(&desired(GatewayKind::Rest).build());
    let mut plan = diff(&[], &observed);
    gw_rest::annotate(&mut plan);
    assert!(
        plan.changes
            .iter()
            .all(|c| c.detail.as_deref() != Some(IN_DOCUMENT)),
        "{plan}"
    );
    assert!(plan.to_string().contains("goes with its API"), "{plan}");
}

// ---------------------------------------------------------------------------------------------
// Removing part of a gateway, and the order of execution

/// What observe would report for a gateway `up` built from `previous` (ids derived from names).
fn observed_as_built(previous: &DesiredGateway) -> Observed {
    let resources = gw_rest::desired_resources(previous)
        .into_iter()
        .map(|resource| {
            let (id, parent_id) = match resource.kind {
                ResourceKind::Api => ("api".to_string(), None),
                ResourceKind::Resource => (format!("r{}", resource.name), Some("api".into())),
                ResourceKind::Method | ResourceKind::Integration => {
                    let (verb, path) = resource.name.split_once(' ').unwrap_or_default();
                    (format!("r{path} {verb}"), Some("api".into()))
                }
                ResourceKind::Deployment => ("d1".to_string(), Some("api".into())),
                ResourceKind::DomainName => (resource.name.clone(), None),
                ResourceKind::ApiMapping => ("(none)".into(), Some(resource.name.clone())),
                _ => (resource.name.clone(), Some("api".into())),
            };
            ObservedResource {
                resource,
                id,
                parent_id,
                created_millis: None,
            }
        })
        .collect();
    Observed { resources }
}

/// `/iris` and `/old` built, only `/iris` wanted: observed, wanted.
fn iris_and_old() -> (Observed, DesiredGateway) {
    let before = desired(GatewayKind::Rest)
        .apis(&[("iris", "/iris"), ("old", "/old")])
        .build();
    let after = desired(GatewayKind::Rest)
        .apis(&[("iris", "/iris")])
        .build();
    (observed_as_built(&before), after)
}

#[test]
fn removing_an_api_plans_its_trim_before_the_new_deployment() {
    let (observed, after) = iris_and_old();
    let plan = diff(&gw_rest::desired_resources(&after), &observed);
    assert_eq!(
        summary(&plan),
        // Printed in the order it runs: the API trimmed first, then the new deployment.
        vec![
            (Action::Delete, ResourceKind::Method, "ANY /old"),
            (Action::Delete, ResourceKind::Method, "ANY /old/{proxy+}"),
            (Action::Delete, ResourceKind::Resource, "/old"),
            (Action::Delete, ResourceKind::Resource, "/old/{proxy+}"),
            (Action::Delete, ResourceKind::Integration, "ANY /old"),
            (
                Action::Delete,
                ResourceKind::Integration,
                "ANY /old/{proxy+}"
            ),
            (Action::Update, ResourceKind::Deployment, "current"),
        ],
        "{plan}"
    );
}

/// The document of `after` put on `api` (without `/old`), CreateDeployment and the stage
/// pointed at it, each call logged. No DeleteMethod, DeleteResource or DeleteIntegration: any
/// would fail.
fn trim_rules(after: &DesiredGateway, log: &Log) -> [Rule; 3] {
    let l3 = log.clone();
    let create_deployment = mock!(Client::create_deployment).then_compute_output(move |_| {
        l3.push("CreateDeployment");
        CreateDeploymentOutput::builder().id("d2").build()
    });
    [
        put_document_rule("api", after, None, log),
        create_deployment,
        point_stage_rule("api", "d2"),
    ]
}

/// Applies `plan` (made from [`iris_and_old`]) against [`trim_rules`]: the calls made, and how
/// often the stage was pointed at the new deployment.
async fn apply_trim(plan: &Plan) -> Result<(Vec<String>, usize), ProviderError> {
    let (observed, after) = iris_and_old();
    let log = Log::default();
    let rules = trim_rules(&after, &log);
    let provider = provider(client(&rules.iter().collect::<Vec<_>>()));
    apply(&provider, Some(&after), &observed, plan).await?;
    let calls = log
        .lines()
        .into_iter()
        .map(|l| l.split(' ').next().unwrap_or_default().to_string())
        .collect();
    Ok((calls, rules[2].num_calls()))
}

#[tokio::test]
async fn a_removed_api_is_trimmed_before_the_new_deployment_snapshots_the_api() {
    let (observed, after) = iris_and_old();
    let plan = diff(&gw_rest::desired_resources(&after), &observed);
    let (calls, stage_pointed) = apply_trim(&plan).await.expect("apply succeeds");
    // Six deletions, one document without `/old`; then the deployment.
    assert_eq!(calls, vec!["PutRestApi", "CreateDeployment"]);
    assert_eq!(stage_pointed, 1, "the stage serves the new deployment");
}

#[tokio::test]
async fn apply_runs_the_changes_in_the_order_of_the_plan_never_its_own() {
    let (observed, after) = iris_and_old();
    let mut plan = diff(&gw_rest::desired_resources(&after), &observed);
    // The deployment first: apply must not move it back behind the trim.
    plan.changes.rotate_right(1);
    assert_eq!(plan.changes[0].kind, ResourceKind::Deployment);
    let (calls, _) = apply_trim(&plan).await.expect("apply succeeds");
    assert_eq!(calls, vec!["CreateDeployment", "PutRestApi"]);
}

#[tokio::test]
async fn a_mapping_to_another_stage_is_replaced_by_deleting_and_creating_it() {
    let want = desired(GatewayKind::Rest)
        .domain("api.example.com", "arn:aws:acm:us-east-1:1:certificate/c")
        .build();
    let mut observed = observed_as_built(&want);
    for found in &mut observed.resources {
        if found.resource.kind == ResourceKind::ApiMapping {
            found.resource =
                Resource::new(ResourceKind::ApiMapping, "api.example.com").with("stage", "old");
        }
    }
    let plan = diff(&gw_rest::desired_resources(&want), &observed);
    assert_eq!(plan.changes.len(), 1, "{plan}");
    assert_eq!(plan.changes[0].action, Action::Replace, "{plan}");
    let log = Log::default();
    let (l1, l2) = (log.clone(), log.clone());
    let unmap = mock!(Client::delete_base_path_mapping)
        .match_requests(|r| {
            r.domain_name() == Some("api.example.com") && r.base_path() == Some("(none)")
        })
        .then_compute_output(move |_| {
            l1.push("DeleteBasePathMapping");
            DeleteBasePathMappingOutput::builder().build()
        });
    let map = mock!(Client::create_base_path_mapping)
        .match_requests(|r| {
            r.domain_name() == Some("api.example.com")
                && r.rest_api_id() == Some("api")
                && r.stage() == Some("dev")
        })
        .then_compute_output(move |_| {
            l2.push("CreateBasePathMapping");
            CreateBasePathMappingOutput::builder().build()
        });
    apply(
        &provider(client(&[&unmap, &map])),
        Some(&want),
        &observed,
        &plan,
    )
    .await
    .expect("apply succeeds");
    assert_eq!(
        log.lines(),
        vec!["DeleteBasePathMapping", "CreateBasePathMapping"]
    );
}

// ---------------------------------------------------------------------------------------------
// Deleting

fn observed_gateway_with_link() -> Observed {
    let child = |kind, name: &str, id: &str| ObservedResource {
        resource: Resource::new(kind, name),
        id: id.into(),
        parent_id: Some("api".into()),
        created_millis: None,
    };
    Observed {
        resources: vec![
            ObservedResource {
                resource: Resource::new(ResourceKind::VpcLink, "cortex-prod").with("version", "v1"),
                id: "lnk".into(),
                parent_id: None,
                created_millis: None,
            },
            ObservedResource {
                resource: Resource::new(ResourceKind::Api, "cortex-prod"),
                id: "api".into(),
                parent_id: None,
                created_millis: None,
            },
            child(ResourceKind::Deployment, "current", "d1"),
            child(ResourceKind::Stage, "dev", "dev"),
        ],
    }
}

/// DeleteRestApi of `api`, throttled twice before it succeeds; DeleteVpcLink of `lnk`, which
/// is gone at the first look. Successful deletions are logged.
fn down_rules(log: &Log) -> [Rule; 3] {
    let (api_log, link_log) = (log.clone(), log.clone());
    let delete_api = mock!(Client::delete_rest_api)
        .match_requests(|r| r.rest_api_id() == Some("api"))
        .sequence()
        .error(too_many_requests)
        .times(2)
        .output(move || {
            api_log.push("DeleteRestApi");
            DeleteRestApiOutput::builder().build()
        })
        .build();
    let delete_link = mock!(Client::delete_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("lnk"))
        .then_compute_output(move |_| {
            link_log.push("DeleteVpcLink");
            DeleteVpcLinkOutput::builder().build()
        });
    let link_gone = mock!(Client::get_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("lnk"))
        .then_error(|| GetVpcLinkError::NotFoundException(not_found()));
    [delete_api, delete_link, link_gone]
}

#[tokio::test]
async fn down_deletes_the_api_then_its_link_and_waits_out_throttling() {
    let log = Log::default();
    let rules = down_rules(&log);
    let progress = Log::default();
    let provider = provider_with(client(&rules.iter().collect::<Vec<_>>()), progress.clone());
    let observed = observed_gateway_with_link();
    // As the CLI sends it: what goes with the API is listed, not sent.
    let plan = diff(&[], &observed).executable();
    apply(&provider, None, &observed, &plan)
        .await
        .expect("throttling is waited out");
    // The stage and deployment go with their API: AWS deletes an API's children with it.
    assert_eq!(log.lines(), vec!["DeleteRestApi", "DeleteVpcLink"]);
    let [delete_api, _, link_gone] = &rules;
    assert_eq!(
        delete_api.num_calls(),
        3,
        "two throttled attempts, then success"
    );
    assert_eq!(link_gone.num_calls(), 1, "waited until the link was gone");
    let lines = progress.lines();
    let waits = lines
        .iter()
        .filter(|l| l.starts_with("waiting deletion of REST API cortex-prod (api)"));
    assert_eq!(waits.count(), 2, "{lines:?}");
    assert!(
        lines.contains(&"finished deletion of REST API cortex-prod (api): done".to_string()),
        "{lines:?}"
    );
}

/// A deletion of `kind` `name` (id `id`) inside the API `api`.
fn deletion(kind: ResourceKind, name: &str, id: &str) -> Change {
    Change {
        action: Action::Delete,
        kind,
        name: name.into(),
        id: Some(id.into()),
        parent: Some("api".into()),
        detail: None,
    }
}

#[tokio::test]
async fn deleting_what_is_already_gone_counts_as_done() {
    let stage_gone = mock!(Client::delete_stage)
        .match_requests(|r| r.rest_api_id() == Some("api") && r.stage_name() == Some("old"))
        .then_error(|| DeleteStageError::NotFoundException(not_found()));
    let deployment_gone = mock!(Client::delete_deployment)
        .match_requests(|r| r.rest_api_id() == Some("api") && r.deployment_id() == Some("d0"))
        .then_error(|| DeleteDeploymentError::NotFoundException(not_found()));
    let api_gone = mock!(Client::delete_rest_api)
        .match_requests(|r| r.rest_api_id() == Some("api"))
        .then_error(|| DeleteRestApiError::NotFoundException(not_found()));
    let mut api = deletion(ResourceKind::Api, "cortex-prod", "api");
    api.parent = None;
    let plan = Plan {
        changes: vec![
            deletion(ResourceKind::Stage, "old", "old"),
            deletion(ResourceKind::Deployment, "deployment d0", "d0"),
            api,
        ],
    };
    let provider = provider(client(&[&stage_gone, &deployment_gone, &api_gone]));
    apply(&provider, None, &Observed::default(), &plan)
        .await
        .expect("what is gone is deleted");
    assert_eq!(stage_gone.num_calls(), 1);
    assert_eq!(deployment_gone.num_calls(), 1);
    assert_eq!(api_gone.num_calls(), 1);
}

#[tokio::test]
async fn content_without_a_desired_gateway_is_an_error_not_a_call() {
    // The content of an API that goes is deleted with it; none is ever sent alone.
    let plan = Plan {
        changes: vec![deletion(ResourceKind::Method, "ANY /old", "r1 ANY")],
    };
    let err = apply(&provider(client(&[])), None, &Observed::default(), &plan)
        .await
        .expect_err("no document without a desired gateway");
    assert!(
        err.to_string().contains("without a desired gateway"),
        "{err}"
    );
}

#[tokio::test]
async fn a_creation_without_a_desired_gateway_is_an_error_not_a_panic() {
    let observed = observed_gateway_with_link();
    let mut create = diff(&[], &observed);
    create.changes[0].action = Action::Create;
    let err = apply(&provider(client(&[])), None, &observed, &create)
        .await
        .expect_err("no desired gateway");
    assert!(
        err.to_string().contains("without a desired gateway"),
        "{err}"
    );
}

#[tokio::test]
async fn throttling_that_does_not_end_is_an_error_saying_so() {
    let delete_api = mock!(Client::delete_rest_api).then_error(too_many_requests);
    let v2 = mock_client!(
        aws_sdk_apigatewayv2,
        RuleMode::MatchAny,
        Vec::<&Rule>::new()
    );
    let provider = RestApiProvider::new(client(&[&delete_api]), v2, Arc::new(Log::default()))
        .with_throttle_retry(ThrottleRetry {
            first_wait: Duration::from_millis(20),
            limit: Duration::from_millis(50),
        });
    let observed = Observed {
        resources: vec![ObservedResource {
            resource: Resource::new(ResourceKind::Api, "cortex-prod"),
            id: "api".into(),
            parent_id: None,
            created_millis: None,
        }],
    };
    let err = apply(&provider, None, &observed, &diff(&[], &observed))
        .await
        .expect_err("gives up");
    // Throttling that outlasts the retries leaves the work to a later round or run.
    assert!(err.is_unsettled(), "{err:?}");
    assert!(
        err.to_string().contains("DeleteRestApi did not complete"),
        "{err}"
    );
    assert!(err.to_string().contains("throttling"), "{err}");
    assert!(delete_api.num_calls() >= 2, "retried before giving up");
}

// ---------------------------------------------------------------------------------------------
// VPC links

/// CreateVpcLink (tagged, answered PENDING), the tags that stuck, then AVAILABLE.
fn link_v1_rules() -> [Rule; 3] {
    let create_link = mock!(Client::create_vpc_link)
        .match_requests(|r| {
            r.name() == Some("cortex-prod")
                && r.target_arns() == [LB_ARN]
                && r.tags()
                    .is_some_and(|t| t.get("managed-by").map(String::as_str) == Some("cortex-net"))
        })
        .then_output(|| {
            CreateVpcLinkOutput::builder()
                .id("lnk")
                .name("cortex-prod")
                .target_arns(LB_ARN)
                .status(VpcLinkStatus::Pending)
                .build()
        });
    let link_tags = mock!(Client::get_tags)
        .match_requests(|r| {
            r.resource_arn()
                .is_some_and(|a| a.ends_with("/vpclinks/lnk"))
        })
        .then_output(|| {
            let mut out = GetTagsOutput::builder();
            for (k, v) in owned_tags() {
                out = out.tags(k, v);
            }
            out.build()
        });
    let link_available = mock!(Client::get_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("lnk"))
        .then_output(|| {
            GetVpcLinkOutput::builder()
                .id("lnk")
                .name("cortex-prod")
                .target_arns(LB_ARN)
                .status(VpcLinkStatus::Available)
                .build()
        });
    [create_link, link_tags, link_available]
}

/// The catch-all API of `new` with integrations through the link `lnk`: [GetRestApis (none
/// yet), CreateRestApi, PutRestApi, CreateDeployment, CreateStage].
fn private_api_rules(want: &DesiredGateway, fingerprint: &str) -> [Rule; 5] {
    let create_api = mock!(Client::create_rest_api).then_output(|| {
        CreateRestApiOutput::builder()
            .id("new")
            .root_resource_id("root")
            .build()
    });
    let description = format!("cortex-net {fingerprint} vpclink=lnk");
    [
        no_api_yet_rule(),
        create_api,
        put_document_rule("new", want, Some("lnk"), &Log::default()),
        create_deployment_rule("new", description, &Log::default()),
        create_stage_rule(),
    ]
}

#[tokio::test]
async fn a_vpc_link_v1_is_created_waited_for_and_used_by_the_integrations() {
    let want = desired(GatewayKind::Rest)
        .internal(VpcLinkVersion::V1)
        .build();
    let fingerprint = desired_fingerprint(&want).unwrap_or_default();
    let link_rules = link_v1_rules();
    let api_rules = private_api_rules(&want, &fingerprint);
    let rules: Vec<&Rule> = link_rules.iter().chain(&api_rules).collect();
    let progress = Log::default();
    let provider = provider_with(client(&rules), progress.clone());
    provider
        .check_supported(&want)
        .expect("REST to an NLB through v1 works");
    let observed = Observed::default();
    let plan = diff(&provider.desired_resources(&want), &observed);
    assert_eq!(plan.changes[0].kind, ResourceKind::VpcLink);
    apply(&provider, Some(&want), &observed, &plan)
        .await
        .expect("apply succeeds");
    let [create_link, _, link_available] = &link_rules;
    assert_eq!(create_link.num_calls(), 1);
    assert!(link_available.num_calls() >= 1, "waited for AVAILABLE");
    // ANY / and ANY /{proxy+} through `lnk`, in the one document put once the link is there.
    assert_each_called_once(&api_rules);
    let document = openapi_document(&want, Some("lnk"));
    for path in ["/", "/{proxy+}"] {
        let integration = &document["paths"][path]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"];
        assert_eq!(integration["connectionType"], "VPC_LINK", "{path}");
        assert_eq!(integration["connectionId"], "lnk", "{path}");
    }
    let lines = progress.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("VPC link cortex-prod (lnk)") && l.ends_with("AVAILABLE")),
        "{lines:?}"
    );
}

/// A catch-all gateway through a v1 link, and the link observed `PENDING`.
fn pending_link() -> (DesiredGateway, Observed) {
    let mut want = desired(GatewayKind::Rest)
        .internal(VpcLinkVersion::V1)
        .build();
    if let Some(spec) = want.vpc_link.as_mut() {
        spec.timeout_seconds = 60;
    }
    let observed = Observed {
        resources: vec![ObservedResource {
            resource: Resource::new(ResourceKind::VpcLink, "cortex-prod")
                .with("version", "v1")
                .with("targets", LB_ARN)
                .with("status", "PENDING"),
            id: "lnk".into(),
            parent_id: None,
            created_millis: None,
        }],
    };
    (want, observed)
}

/// The first change of `want`'s plan against `observed`: the link's.
fn link_change(want: &DesiredGateway, observed: &Observed) -> Plan {
    let plan = diff(&gw_rest::desired_resources(want), observed);
    Plan {
        changes: plan.changes.into_iter().take(1).collect(),
    }
}

#[test]
fn a_pending_link_shows_in_the_plan_as_an_update() {
    let (want, observed) = pending_link();
    let only_link = link_change(&want, &observed);
    let change = &only_link.changes[0];
    assert_eq!(change.action, Action::Update);
    assert_eq!(change.kind, ResourceKind::VpcLink);
    assert_eq!(
        change.detail.as_deref(),
        Some("status: PENDING -> AVAILABLE")
    );
}

#[tokio::test]
async fn a_link_that_failed_stops_apply_saying_what_to_do() {
    let (want, observed) = pending_link();
    let failed = mock!(Client::get_vpc_link).then_output(|| {
        GetVpcLinkOutput::builder()
            .id("lnk")
            .name("cortex-prod")
            .target_arns(LB_ARN)
            .status(VpcLinkStatus::Failed)
            .status_message("NLB is not active")
            .build()
    });
    let only_link = link_change(&want, &observed);
    let err = apply(
        &provider(client(&[&failed])),
        Some(&want),
        &observed,
        &only_link,
    )
    .await
    .expect_err("a FAILED link stops apply");
    let text = err.to_string();
    assert!(text.contains("FAILED: NLB is not active"), "{text}");
    assert!(text.contains("cortex-net down"), "{text}");
}

#[tokio::test]
async fn a_link_to_another_target_is_a_replacement_refused_with_the_way_out() {
    let (mut moved, observed) = pending_link();
    let other = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/lb/2";
    moved.backend.arn = Some(other.into());
    let only_link = link_change(&moved, &observed);
    assert_eq!(only_link.changes[0].action, Action::Replace, "{only_link}");
    // No rule: the refusal comes before any AWS call.
    let err = apply(&provider(client(&[])), Some(&moved), &observed, &only_link)
        .await
        .expect_err("immutable link");
    assert_eq!(
        err.to_string(),
        format!(
            "VPC link cortex-prod (lnk) cannot be changed in place (targets: {LB_ARN} -> \
             {other}): VPC links are immutable. Run `cortex-net down` and then `cortex-net up` \
             to replace it (the gateway is unavailable in between)"
        )
    );
}

#[test]
fn unsupported_combinations_are_refused_with_the_fix() {
    let provider = provider(client(&[]));
    let mut want = desired(GatewayKind::Rest).build();
    assert!(provider.check_supported(&want).is_ok());

    want.backend.scheme = gw_core::Scheme::Internal;
    let err = provider
        .check_supported(&want)
        .expect_err("internal without a link");
    assert!(err.to_string().contains("gateway.vpc_link"), "{err}");

    let mut want = desired(GatewayKind::Rest)
        .internal(VpcLinkVersion::V1)
        .load_balancer(LoadBalancerKind::Application)
        .build();
    let err = provider.check_supported(&want).expect_err("ALB through v1");
    assert!(err.to_string().contains("vpc_link: v2"), "{err}");
    if let Some(spec) = want.vpc_link.as_mut() {
        spec.version = VpcLinkVersion::V2;
    }
    assert!(
        provider.check_supported(&want).is_ok(),
        "ALB through v2 works"
    );

    want.backend.kind = LoadBalancerKind::Classic;
    let err = provider
        .check_supported(&want)
        .expect_err("classic through a link");
    assert!(err.to_string().contains("classic"), "{err}");
}

#[tokio::test]
async fn an_adopted_api_keeps_its_name_and_description_through_the_document() {
    let want = desired(GatewayKind::Rest).build();
    let fingerprint = desired_fingerprint(&want).unwrap_or_default();
    let bodies = Log::default();
    let seen = bodies.clone();
    let put = mock!(Client::put_rest_api)
        .match_requests(move |r| {
            let body = r.body().map(|b| b.as_ref().to_vec()).unwrap_or_default();
            seen.push(String::from_utf8_lossy(&body).to_string());
            true
        })
        .then_output(|| PutRestApiOutput::builder().id("new").build());
    let log = Log::default();
    let rest = [
        create_deployment_rule("new", format!("cortex-net {fingerprint}"), &log),
        create_stage_rule(),
    ];
    let provider = provider(client(&[&put, &rest[0], &rest[1]]));
    // Made by hand as `by-hand`, adopted: the observation shows it under the desired name.
    let mut observed = Observed {
        resources: vec![ObservedResource {
            resource: Resource::new(ResourceKind::Api, "by-hand")
                .with("endpoint_type", "REGIONAL")
                .with("description", "made from Cortex's guide"),
            id: "new".into(),
            parent_id: None,
            created_millis: None,
        }],
    };
    observed.name_kept(ResourceKind::Api, &gw_core::Ownership::new("prod"));
    let plan = diff(&provider.desired_resources(&want), &observed);
    apply(&provider, Some(&want), &observed, &plan)
        .await
        .expect("applied");
    let bodies = bodies.lines();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let document: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap_or_default();
    assert_eq!(
        document["info"]["title"], "by-hand",
        "AWS names the API after the title: the adopted name stays"
    );
    assert_eq!(document["info"]["description"], "made from Cortex's guide");
}
