//! The REST API provider against faked apigateway answers: what it reads, what it calls.
//!
//! Rules are matched on their inputs, and a request no rule matches fails the call, so every
//! `num_calls() == 1` below checks both that the call was made and that it carried the expected
//! input.

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::config::retry::RetryConfig;
use aws_sdk_apigateway::error::ErrorMetadata;
use aws_sdk_apigateway::operation::create_deployment::CreateDeploymentOutput;
use aws_sdk_apigateway::operation::create_resource::CreateResourceOutput;
use aws_sdk_apigateway::operation::create_rest_api::CreateRestApiOutput;
use aws_sdk_apigateway::operation::create_stage::CreateStageOutput;
use aws_sdk_apigateway::operation::create_vpc_link::CreateVpcLinkOutput;
use aws_sdk_apigateway::operation::delete_deployment::DeleteDeploymentOutput;
use aws_sdk_apigateway::operation::delete_rest_api::{DeleteRestApiError, DeleteRestApiOutput};
use aws_sdk_apigateway::operation::delete_stage::DeleteStageError;
use aws_sdk_apigateway::operation::delete_vpc_link::DeleteVpcLinkOutput;
use aws_sdk_apigateway::operation::get_deployment::GetDeploymentOutput;
use aws_sdk_apigateway::operation::get_resources::GetResourcesOutput;
use aws_sdk_apigateway::operation::get_rest_apis::GetRestApisOutput;
use aws_sdk_apigateway::operation::get_stages::GetStagesOutput;
use aws_sdk_apigateway::operation::get_tags::GetTagsOutput;
use aws_sdk_apigateway::operation::get_vpc_link::{GetVpcLinkError, GetVpcLinkOutput};
use aws_sdk_apigateway::operation::get_vpc_links::GetVpcLinksOutput;
use aws_sdk_apigateway::operation::put_integration::PutIntegrationOutput;
use aws_sdk_apigateway::operation::put_method::PutMethodOutput;
use aws_sdk_apigateway::operation::update_stage::UpdateStageOutput;
use aws_sdk_apigateway::types::error::{NotFoundException, TooManyRequestsException};
use aws_sdk_apigateway::types::{
    ConnectionType, EndpointConfiguration, EndpointType, Integration, IntegrationType, Method, Op,
    Resource as AwsResource, RestApi, Stage, VpcLinkStatus,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use gw_core::{
    Action, Backend, DesiredGateway, GatewayProvider, LoadBalancerKind, Observed, ObservedResource,
    Ownership, Progress, Resource, ResourceKind, RouteSpec, VpcLinkSpec, VpcLinkVersion, diff,
};
use gw_rest::{RestApiProvider, ThrottleRetry, desired_fingerprint};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const DNS: &str = "lb-1.elb.us-east-1.amazonaws.com";
const NLB_ARN: &str = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/lb/1";

fn desired(routes: Vec<RouteSpec>) -> DesiredGateway {
    DesiredGateway {
        cluster: "prod".into(),
        region: "us-east-1".into(),
        name: "cortex-prod".into(),
        stage: "dev".into(),
        backend: Backend {
            name: "lb".into(),
            arn: Some(NLB_ARN.into()),
            dns_name: DNS.into(),
            scheme: gw_core::Scheme::InternetFacing,
            kind: LoadBalancerKind::Network,
            port: 80,
            listener_arn: None,
            subnets: vec!["subnet-1".into()],
            security_groups: vec!["sg-1".into()],
        },
        routes,
        cors: None,
        endpoint_type: Default::default(),
        vpc_link: None,
        domain: None,
    }
}

fn catch_all() -> Vec<RouteSpec> {
    vec![RouteSpec {
        api: None,
        path: None,
    }]
}

fn owned_tags() -> [(&'static str, &'static str); 2] {
    [
        ("cortex.dev/cluster-name", "prod"),
        ("managed-by", "cortex-net"),
    ]
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Progress for Recorder {
    fn waiting(&self, what: &str, status: &str, _: Duration) {
        if let Ok(mut log) = self.0.lock() {
            log.push(format!("waiting {what}: {status}"));
        }
    }
    fn finished(&self, what: &str, status: &str, _: Duration) {
        if let Ok(mut log) = self.0.lock() {
            log.push(format!("finished {what}: {status}"));
        }
    }
}

impl Recorder {
    fn lines(&self) -> Vec<String> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn provider(client: Client) -> RestApiProvider {
    provider_with(client, Arc::new(Recorder::default()))
}

fn provider_with(client: Client, progress: Arc<Recorder>) -> RestApiProvider {
    // The apigatewayv2 side knows no VPC links: observe asks, and finds none.
    let no_links = mock!(aws_sdk_apigatewayv2::Client::get_vpc_links).then_output(|| {
        aws_sdk_apigatewayv2::operation::get_vpc_links::GetVpcLinksOutput::builder().build()
    });
    let v2 = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&no_links]);
    RestApiProvider::new(client, v2, progress).with_throttle_retry(ThrottleRetry {
        first_wait: Duration::from_millis(1),
        limit: Duration::from_secs(5),
    })
}

/// A client answering `rules`, in an account without custom domain names.
fn client(rules: &[&Rule]) -> Client {
    let no_domains = mock!(Client::get_domain_names)
        .sequence()
        .output(|| {
            aws_sdk_apigateway::operation::get_domain_names::GetDomainNamesOutput::builder().build()
        })
        .repeatedly()
        .build();
    mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        rules.iter().copied().chain([&no_domains]),
        |c| c.retry_config(RetryConfig::disabled())
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

/// apigateway answers describing the converged catch-all gateway of `want` in the API `mine`,
/// next to a same-named API without our tags (`theirs`), one of another cluster, and one whose
/// listing came without tags (asked with GetTags: none).
fn converged_rules(want: &DesiredGateway) -> Vec<Rule> {
    let fingerprint = desired_fingerprint(want).unwrap_or_default();
    let get_rest_apis = mock!(Client::get_rest_apis).then_output(|| {
        GetRestApisOutput::builder()
            .items(rest_api("mine", "cortex-prod", &owned_tags()))
            .items(rest_api(
                "theirs",
                "cortex-prod",
                &[("owner", "someone-else")],
            ))
            .items(rest_api("untagged", "cortex-prod", &[]))
            .items(rest_api(
                "other",
                "cortex-prod-2",
                &[
                    ("cortex.dev/cluster-name", "prod-2"),
                    ("managed-by", "cortex-net"),
                ],
            ))
            .build()
    });
    let get_tags = mock!(Client::get_tags)
        .match_requests(|r| {
            r.resource_arn()
                .is_some_and(|a| a.ends_with("/restapis/untagged"))
        })
        .then_output(|| GetTagsOutput::builder().build());
    let get_resources = mock!(Client::get_resources)
        .match_requests(|r| r.rest_api_id() == Some("mine") && r.embed() == ["methods"])
        .then_output(|| {
            GetResourcesOutput::builder()
                .items(
                    AwsResource::builder()
                        .id("root")
                        .path("/")
                        .resource_methods("ANY", proxy_method(&format!("http://{DNS}/"), false))
                        .build(),
                )
                .items(
                    AwsResource::builder()
                        .id("r-proxy")
                        .parent_id("root")
                        .path_part("{proxy+}")
                        .path("/{proxy+}")
                        .resource_methods(
                            "ANY",
                            proxy_method(&format!("http://{DNS}/{{proxy}}"), true),
                        )
                        .build(),
                )
                .build()
        });
    let get_stages = mock!(Client::get_stages)
        .match_requests(|r| r.rest_api_id() == Some("mine"))
        .then_output(|| {
            GetStagesOutput::builder()
                .item(
                    Stage::builder()
                        .stage_name("dev")
                        .deployment_id("d1")
                        .build(),
                )
                .build()
        });
    let get_deployment = mock!(Client::get_deployment)
        .match_requests(|r| r.rest_api_id() == Some("mine") && r.deployment_id() == Some("d1"))
        .then_output(move || {
            GetDeploymentOutput::builder()
                .id("d1")
                .description(format!("cortex-net {fingerprint}"))
                .build()
        });
    let get_vpc_links =
        mock!(Client::get_vpc_links).then_output(|| GetVpcLinksOutput::builder().build());
    vec![
        get_rest_apis,
        get_tags,
        get_resources,
        get_stages,
        get_deployment,
        get_vpc_links,
    ]
}

async fn observe_converged(want: &DesiredGateway) -> (Observed, Vec<Rule>) {
    let rules = converged_rules(want);
    let refs: Vec<&Rule> = rules.iter().collect();
    let observed = provider(client(&refs))
        .observe(&Ownership::new("prod"))
        .await
        .expect("observe succeeds");
    (observed, rules)
}

#[tokio::test]
async fn observe_reads_only_owned_apis_and_a_converged_gateway_plans_nothing() {
    let want = desired(catch_all());
    let (observed, rules) = observe_converged(&want).await;

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

#[tokio::test]
async fn apply_creates_the_api_tagged_and_wires_resources_methods_integrations_and_stage() {
    let want = desired(vec![RouteSpec {
        api: Some("text".into()),
        path: Some("/v1/text-gen".into()),
    }]);
    let fingerprint = desired_fingerprint(&want).unwrap_or_default();
    let log = Arc::new(Mutex::new(Vec::<String>::new()));

    let create_api = mock!(Client::create_rest_api)
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
        });
    let resource = |parent: &'static str, part: &'static str, id: &'static str| {
        mock!(Client::create_resource)
            .match_requests(move |r| {
                r.rest_api_id() == Some("new")
                    && r.parent_id() == Some(parent)
                    && r.path_part() == Some(part)
            })
            .then_output(move || CreateResourceOutput::builder().id(id).build())
    };
    let create_v1 = resource("root", "v1", "r-v1");
    let create_text = resource("r-v1", "text-gen", "r-text");
    let create_proxy = resource("r-text", "{proxy+}", "r-proxy");
    let method_exact = mock!(Client::put_method)
        .match_requests(|r| {
            r.resource_id() == Some("r-text")
                && r.http_method() == Some("ANY")
                && r.authorization_type() == Some("NONE")
                && r.request_parameters().is_none()
        })
        .then_output(|| PutMethodOutput::builder().build());
    let method_proxy = mock!(Client::put_method)
        .match_requests(|r| {
            r.resource_id() == Some("r-proxy")
                && r.http_method() == Some("ANY")
                && r.authorization_type() == Some("NONE")
                && r.request_parameters()
                    .and_then(|p| p.get("method.request.path.proxy"))
                    == Some(&true)
        })
        .then_output(|| PutMethodOutput::builder().build());
    let integration =
        |resource: &'static str, uri: String, proxy: bool, log: Arc<Mutex<Vec<String>>>| {
            mock!(Client::put_integration)
                .match_requests(move |r| {
                    let params = r.request_parameters().cloned().unwrap_or_default();
                    r.rest_api_id() == Some("new")
                        && r.resource_id() == Some(resource)
                        && r.http_method() == Some("ANY")
                        && r.r#type() == Some(&IntegrationType::HttpProxy)
                        && r.integration_http_method() == Some("ANY")
                        && r.uri() == Some(uri.as_str())
                        && r.connection_type() == Some(&ConnectionType::Internet)
                        && r.connection_id().is_none()
                        && r.content_handling().is_none()
                        && (params
                            .get("integration.request.path.proxy")
                            .map(String::as_str)
                            == Some("method.request.path.proxy"))
                            == proxy
                })
                .then_compute_output(move |_| {
                    if let Ok(mut l) = log.lock() {
                        l.push(format!("PutIntegration {resource}"));
                    }
                    PutIntegrationOutput::builder().build()
                })
        };
    let integration_exact = integration(
        "r-text",
        format!("http://{DNS}/v1/text-gen"),
        false,
        log.clone(),
    );
    let integration_proxy = integration(
        "r-proxy",
        format!("http://{DNS}/v1/text-gen/{{proxy}}"),
        true,
        log.clone(),
    );
    let deployment_log = log.clone();
    let create_deployment = mock!(Client::create_deployment)
        .match_requests(move |r| {
            r.rest_api_id() == Some("new")
                && r.description() == Some(format!("cortex-net {fingerprint}").as_str())
                && r.stage_name().is_none()
        })
        .then_compute_output(move |_| {
            if let Ok(mut l) = deployment_log.lock() {
                l.push("CreateDeployment".into());
            }
            CreateDeploymentOutput::builder().id("d1").build()
        });
    let create_stage = mock!(Client::create_stage)
        .match_requests(|r| {
            r.rest_api_id() == Some("new")
                && r.stage_name() == Some("dev")
                && r.deployment_id() == Some("d1")
                && r.tags()
                    .is_some_and(|t| t.get("managed-by").map(String::as_str) == Some("cortex-net"))
        })
        .then_output(|| CreateStageOutput::builder().stage_name("dev").build());
    let rules = [
        &create_api,
        &create_v1,
        &create_text,
        &create_proxy,
        &method_exact,
        &method_proxy,
        &integration_exact,
        &integration_proxy,
        &create_deployment,
        &create_stage,
    ];
    let provider = provider(client(&rules));
    let observed = Observed::default();
    let plan = diff(&provider.desired_resources(&want), &observed);
    provider
        .apply(&Ownership::new("prod"), Some(&want), &observed, &plan)
        .await
        .expect("apply succeeds");
    for (index, rule) in rules.iter().enumerate() {
        assert_eq!(
            rule.num_calls(),
            1,
            "rule #{index} called once with the expected input"
        );
    }
    let log = log.lock().map(|l| l.clone()).unwrap_or_default();
    assert_eq!(
        log.last().map(String::as_str),
        Some("CreateDeployment"),
        "the deployment snapshots the finished API: {log:?}"
    );
}

#[tokio::test]
async fn a_changed_integration_uri_is_an_update_and_a_new_deployment() {
    let before = desired(catch_all());
    let (observed, _rules) = observe_converged(&before).await;
    let mut after = before.clone();
    after.backend.dns_name = "lb-2.elb.us-east-1.amazonaws.com".into();
    let fingerprint = desired_fingerprint(&after).unwrap_or_default();
    assert_ne!(Some(fingerprint.clone()), desired_fingerprint(&before));

    let plan = diff(&gw_rest::desired_resources(&after), &observed);
    let changes: Vec<(Action, ResourceKind, &str)> = plan
        .changes
        .iter()
        .map(|c| (c.action, c.kind, c.name.as_str()))
        .collect();
    assert_eq!(
        changes,
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

    let put_root = mock!(Client::put_integration)
        .match_requests(|r| {
            r.rest_api_id() == Some("mine")
                && r.resource_id() == Some("root")
                && r.uri() == Some("http://lb-2.elb.us-east-1.amazonaws.com/")
        })
        .then_output(|| PutIntegrationOutput::builder().build());
    let put_proxy = mock!(Client::put_integration)
        .match_requests(|r| {
            r.rest_api_id() == Some("mine")
                && r.resource_id() == Some("r-proxy")
                && r.uri() == Some("http://lb-2.elb.us-east-1.amazonaws.com/{proxy}")
        })
        .then_output(|| PutIntegrationOutput::builder().build());
    let create_deployment = mock!(Client::create_deployment)
        .match_requests(move |r| {
            r.rest_api_id() == Some("mine")
                && r.description() == Some(format!("cortex-net {fingerprint}").as_str())
        })
        .then_output(|| CreateDeploymentOutput::builder().id("d2").build());
    let point_stage = mock!(Client::update_stage)
        .match_requests(|r| {
            r.rest_api_id() == Some("mine")
                && r.stage_name() == Some("dev")
                && r.patch_operations().iter().any(|p| {
                    p.op() == Some(&Op::Replace)
                        && p.path() == Some("/deploymentId")
                        && p.value() == Some("d2")
                })
        })
        .then_output(|| UpdateStageOutput::builder().build());
    let rules = [&put_root, &put_proxy, &create_deployment, &point_stage];
    provider(client(&rules))
        .apply(&Ownership::new("prod"), Some(&after), &observed, &plan)
        .await
        .expect("apply succeeds");
    for (index, rule) in rules.iter().enumerate() {
        assert_eq!(
            rule.num_calls(),
            1,
            "rule #{index} called once with the expected input"
        );
    }
}

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

#[tokio::test]
async fn down_deletes_in_order_counts_not_found_as_done_and_waits_out_throttling() {
    let not_found = || {
        NotFoundException::builder()
            .message("Invalid Stage identifier specified")
            .meta(ErrorMetadata::builder().code("NotFoundException").build())
            .build()
    };
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let logged = |name: &'static str| {
        let log = log.clone();
        move || {
            if let Ok(mut l) = log.lock() {
                l.push(name.to_string());
            }
        }
    };
    let stage_log = logged("DeleteStage");
    let delete_stage = mock!(Client::delete_stage)
        .match_requests(|r| r.rest_api_id() == Some("api") && r.stage_name() == Some("dev"))
        .then_error(move || {
            stage_log();
            DeleteStageError::NotFoundException(not_found())
        });
    let deployment_log = logged("DeleteDeployment");
    let delete_deployment = mock!(Client::delete_deployment)
        .match_requests(|r| r.deployment_id() == Some("d1"))
        .then_compute_output(move |_| {
            deployment_log();
            DeleteDeploymentOutput::builder().build()
        });
    let api_log = logged("DeleteRestApi");
    let delete_api = mock!(Client::delete_rest_api)
        .match_requests(|r| r.rest_api_id() == Some("api"))
        .sequence()
        .error(|| {
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
        })
        .times(2)
        .output(move || {
            api_log();
            DeleteRestApiOutput::builder().build()
        })
        .build();
    let link_log = logged("DeleteVpcLink");
    let delete_link = mock!(Client::delete_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("lnk"))
        .then_compute_output(move |_| {
            link_log();
            DeleteVpcLinkOutput::builder().build()
        });
    let link_gone = mock!(Client::get_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("lnk"))
        .then_error(move || GetVpcLinkError::NotFoundException(not_found()));
    let rules = [
        &delete_stage,
        &delete_deployment,
        &delete_api,
        &delete_link,
        &link_gone,
    ];
    let progress = Arc::new(Recorder::default());
    let provider = provider_with(client(&rules), progress.clone());
    let observed = observed_gateway_with_link();
    let plan = diff(&[], &observed);
    provider
        .apply(&Ownership::new("prod"), None, &observed, &plan)
        .await
        .expect("a stage already gone counts as deleted; throttling is waited out");
    assert_eq!(
        log.lock().map(|l| l.clone()).unwrap_or_default(),
        // The stage and deployment go with their API: AWS deletes an API's children with it.
        vec!["DeleteRestApi", "DeleteVpcLink"]
    );
    assert_eq!(
        delete_api.num_calls(),
        3,
        "two throttled attempts, then success"
    );
    assert_eq!(link_gone.num_calls(), 1, "waited until the link was gone");
    let lines = progress.lines();
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("waiting deletion of REST API cortex-prod (api)"))
            .count(),
        2,
        "{lines:?}"
    );

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

#[tokio::test]
async fn throttling_that_does_not_end_is_an_error_saying_so() {
    let delete_api = mock!(Client::delete_rest_api).then_error(|| {
        DeleteRestApiError::TooManyRequestsException(
            TooManyRequestsException::builder()
                .meta(
                    ErrorMetadata::builder()
                        .code("TooManyRequestsException")
                        .build(),
                )
                .build(),
        )
    });
    let v2 = mock_client!(
        aws_sdk_apigatewayv2,
        RuleMode::MatchAny,
        Vec::<&Rule>::new()
    );
    let provider = RestApiProvider::new(client(&[&delete_api]), v2, Arc::new(Recorder::default()))
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
    let err = provider
        .apply(
            &Ownership::new("prod"),
            None,
            &observed,
            &diff(&[], &observed),
        )
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

#[tokio::test]
async fn a_vpc_link_v1_is_created_waited_for_and_used_by_the_integrations() {
    let mut want = desired(catch_all());
    want.backend.scheme = gw_core::Scheme::Internal;
    want.vpc_link = Some(VpcLinkSpec {
        version: VpcLinkVersion::V1,
        name: "cortex-prod".into(),
        timeout_seconds: 60,
    });
    let fingerprint = desired_fingerprint(&want).unwrap_or_default();
    let create_link = mock!(Client::create_vpc_link)
        .match_requests(|r| {
            r.name() == Some("cortex-prod")
                && r.target_arns() == [NLB_ARN]
                && r.tags()
                    .is_some_and(|t| t.get("managed-by").map(String::as_str) == Some("cortex-net"))
        })
        .then_output(|| {
            CreateVpcLinkOutput::builder()
                .id("lnk")
                .name("cortex-prod")
                .target_arns(NLB_ARN)
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
                .target_arns(NLB_ARN)
                .status(VpcLinkStatus::Available)
                .build()
        });
    let create_api = mock!(Client::create_rest_api).then_output(|| {
        CreateRestApiOutput::builder()
            .id("new")
            .root_resource_id("root")
            .build()
    });
    let create_proxy = mock!(Client::create_resource)
        .match_requests(|r| r.parent_id() == Some("root") && r.path_part() == Some("{proxy+}"))
        .then_output(|| CreateResourceOutput::builder().id("r-proxy").build());
    let put_method = mock!(Client::put_method).then_output(|| PutMethodOutput::builder().build());
    let private_integration = mock!(Client::put_integration)
        .match_requests(|r| {
            r.connection_type() == Some(&ConnectionType::VpcLink)
                && r.connection_id() == Some("lnk")
                && r.integration_target().is_none()
                && r.uri()
                    .is_some_and(|u| u.starts_with(&format!("http://{DNS}/")))
        })
        .then_output(|| PutIntegrationOutput::builder().build());
    let create_deployment = mock!(Client::create_deployment)
        .match_requests(move |r| {
            r.description() == Some(format!("cortex-net {fingerprint} vpclink=lnk").as_str())
        })
        .then_output(|| CreateDeploymentOutput::builder().id("d1").build());
    let create_stage = mock!(Client::create_stage)
        .match_requests(|r| r.deployment_id() == Some("d1"))
        .then_output(|| CreateStageOutput::builder().build());
    let rules = [
        &create_link,
        &link_tags,
        &link_available,
        &create_api,
        &create_proxy,
        &put_method,
        &private_integration,
        &create_deployment,
        &create_stage,
    ];
    let progress = Arc::new(Recorder::default());
    let provider = provider_with(client(&rules), progress.clone());
    provider
        .check_supported(&want)
        .expect("REST to an NLB through v1 works");
    let observed = Observed::default();
    let plan = diff(&provider.desired_resources(&want), &observed);
    assert_eq!(plan.changes[0].kind, ResourceKind::VpcLink);
    provider
        .apply(&Ownership::new("prod"), Some(&want), &observed, &plan)
        .await
        .expect("apply succeeds");
    assert_eq!(create_link.num_calls(), 1);
    assert!(link_available.num_calls() >= 1, "waited for AVAILABLE");
    assert_eq!(
        private_integration.num_calls(),
        2,
        "ANY / and ANY /{{proxy+}}"
    );
    assert_eq!(create_deployment.num_calls(), 1);
    assert_eq!(create_stage.num_calls(), 1);
    assert!(
        progress
            .lines()
            .iter()
            .any(|l| l.contains("VPC link cortex-prod (lnk)") && l.ends_with("AVAILABLE")),
        "{:?}",
        progress.lines()
    );
}

#[tokio::test]
async fn a_pending_link_shows_in_the_plan_and_a_failed_one_says_what_to_do() {
    let mut want = desired(catch_all());
    want.backend.scheme = gw_core::Scheme::Internal;
    want.vpc_link = Some(VpcLinkSpec {
        version: VpcLinkVersion::V1,
        name: "cortex-prod".into(),
        timeout_seconds: 60,
    });
    let observed = Observed {
        resources: vec![ObservedResource {
            resource: Resource::new(ResourceKind::VpcLink, "cortex-prod")
                .with("version", "v1")
                .with("targets", NLB_ARN)
                .with("status", "PENDING"),
            id: "lnk".into(),
            parent_id: None,
            created_millis: None,
        }],
    };
    let plan = diff(&gw_rest::desired_resources(&want), &observed);
    assert_eq!(plan.changes[0].action, Action::Update);
    assert_eq!(plan.changes[0].kind, ResourceKind::VpcLink);
    assert_eq!(
        plan.changes[0].detail.as_deref(),
        Some("status: PENDING -> AVAILABLE")
    );

    let failed = mock!(Client::get_vpc_link).then_output(|| {
        GetVpcLinkOutput::builder()
            .id("lnk")
            .name("cortex-prod")
            .target_arns(NLB_ARN)
            .status(VpcLinkStatus::Failed)
            .status_message("NLB is not active")
            .build()
    });
    let only_link = gw_core::Plan {
        changes: vec![plan.changes[0].clone()],
    };
    let err = provider(client(&[&failed]))
        .apply(&Ownership::new("prod"), Some(&want), &observed, &only_link)
        .await
        .expect_err("a FAILED link stops apply");
    let text = err.to_string();
    assert!(text.contains("FAILED: NLB is not active"), "{text}");
    assert!(text.contains("cortex-net down"), "{text}");

    // A link whose target changed cannot be updated in place: the error says how to replace it.
    let mut moved = want.clone();
    moved.backend.arn =
        Some("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/lb/2".into());
    let plan = diff(&gw_rest::desired_resources(&moved), &observed);
    let only_link = gw_core::Plan {
        changes: vec![plan.changes[0].clone()],
    };
    let err = provider(client(&[]))
        .apply(&Ownership::new("prod"), Some(&moved), &observed, &only_link)
        .await
        .expect_err("immutable link");
    assert!(
        err.to_string().contains("cannot be changed in place"),
        "{err}"
    );
}

#[test]
fn unsupported_combinations_are_refused_with_the_fix() {
    let provider = provider(client(&[]));
    let mut want = desired(catch_all());
    assert!(provider.check_supported(&want).is_ok());

    want.backend.scheme = gw_core::Scheme::Internal;
    let err = provider
        .check_supported(&want)
        .expect_err("internal without a link");
    assert!(err.to_string().contains("gateway.vpc_link"), "{err}");

    want.backend.kind = LoadBalancerKind::Application;
    want.vpc_link = Some(VpcLinkSpec {
        version: VpcLinkVersion::V1,
        name: "cortex-prod".into(),
        timeout_seconds: 60,
    });
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

#[tokio::test]
async fn a_removed_api_is_deleted_before_the_new_deployment_snapshots_the_api() {
    let before = desired(vec![
        RouteSpec {
            api: Some("iris".into()),
            path: Some("/iris".into()),
        },
        RouteSpec {
            api: Some("old".into()),
            path: Some("/old".into()),
        },
    ]);
    let after = desired(vec![RouteSpec {
        api: Some("iris".into()),
        path: Some("/iris".into()),
    }]);
    let observed = observed_as_built(&before);
    let plan = diff(&gw_rest::desired_resources(&after), &observed);
    let changes: Vec<(Action, ResourceKind, &str)> = plan
        .changes
        .iter()
        .map(|c| (c.action, c.kind, c.name.as_str()))
        .collect();
    assert_eq!(
        changes,
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

    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    let delete_method = mock!(Client::delete_method)
        .match_requests(|r| {
            r.rest_api_id() == Some("api")
                && r.resource_id().is_some_and(|id| id.starts_with("r/old"))
        })
        .then_compute_output(move |r| {
            if let Ok(mut l) = l1.lock() {
                l.push(format!(
                    "DeleteMethod {}",
                    r.resource_id().unwrap_or_default()
                ));
            }
            aws_sdk_apigateway::operation::delete_method::DeleteMethodOutput::builder().build()
        });
    let delete_resource = mock!(Client::delete_resource)
        .match_requests(|r| r.resource_id().is_some_and(|id| id.starts_with("r/old")))
        .then_compute_output(move |r| {
            if let Ok(mut l) = l2.lock() {
                l.push(format!(
                    "DeleteResource {}",
                    r.resource_id().unwrap_or_default()
                ));
            }
            aws_sdk_apigateway::operation::delete_resource::DeleteResourceOutput::builder().build()
        });
    let create_deployment = mock!(Client::create_deployment).then_compute_output(move |_| {
        if let Ok(mut l) = l3.lock() {
            l.push("CreateDeployment".into());
        }
        CreateDeploymentOutput::builder().id("d2").build()
    });
    let point_stage = mock!(Client::update_stage)
        .match_requests(|r| r.stage_name() == Some("dev"))
        .then_output(|| UpdateStageOutput::builder().build());
    let rules = [
        &delete_method,
        &delete_resource,
        &create_deployment,
        &point_stage,
    ];
    provider(client(&rules))
        .apply(&Ownership::new("prod"), Some(&after), &observed, &plan)
        .await
        .expect("apply succeeds");
    // Integrations went with their methods: no DeleteIntegration call (no rule would match it).
    assert_eq!(
        log.lock().map(|l| l.clone()).unwrap_or_default(),
        vec![
            "DeleteMethod r/old",
            "DeleteMethod r/old/{proxy+}",
            "DeleteResource r/old",
            "DeleteResource r/old/{proxy+}",
            "CreateDeployment",
        ]
    );
    assert_eq!(point_stage.num_calls(), 1);
}

#[tokio::test]
async fn a_private_integration_described_without_its_link_is_read_in_full() {
    let owned: Vec<(&str, &str)> = owned_tags().to_vec();
    let apis = mock!(Client::get_rest_apis).then_output(move || {
        GetRestApisOutput::builder()
            .items(rest_api("mine", "cortex-prod", &owned))
            .build()
    });
    // The embedded integration says VPC_LINK but leaves the connection id out.
    let resources = mock!(Client::get_resources).then_output(|| {
        let integration = Integration::builder()
            .r#type(IntegrationType::HttpProxy)
            .http_method("ANY")
            .uri(format!("http://{DNS}/{{proxy}}"))
            .connection_type(ConnectionType::VpcLink)
            .build();
        let method = Method::builder()
            .http_method("ANY")
            .method_integration(integration)
            .build();
        GetResourcesOutput::builder()
            .items(
                AwsResource::builder()
                    .id("res")
                    .path("/{proxy+}")
                    .resource_methods("ANY", method)
                    .build(),
            )
            .build()
    });
    let full = mock!(Client::get_integration)
        .match_requests(|r| {
            r.rest_api_id() == Some("mine")
                && r.resource_id() == Some("res")
                && r.http_method() == Some("ANY")
        })
        .then_output(|| {
            aws_sdk_apigateway::operation::get_integration::GetIntegrationOutput::builder()
                .connection_type(ConnectionType::VpcLink)
                .connection_id("lnk")
                .build()
        });
    let stages = mock!(Client::get_stages).then_output(|| GetStagesOutput::builder().build());
    let links = mock!(Client::get_vpc_links).then_output(|| {
        let mut link = aws_sdk_apigateway::types::VpcLink::builder()
            .id("lnk")
            .name("cortex-prod")
            .target_arns(NLB_ARN)
            .status(VpcLinkStatus::Available);
        for (k, v) in owned_tags() {
            link = link.tags(k, v);
        }
        GetVpcLinksOutput::builder().items(link.build()).build()
    });
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
