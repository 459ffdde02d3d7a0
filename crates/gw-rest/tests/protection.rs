//! The REST API provider's protection against faked apigateway answers: method authorization,
//! stage throttles and access logs, API keys and usage plans, as observed and as applied, and
//! the order AWS's rules need (a usage plan names an existing stage; a stage or an API in a
//! usage plan cannot be deleted).
//!
//! Rules are matched on their inputs, and a request no rule matches fails the call.

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::config::retry::RetryConfig;
use aws_sdk_apigateway::operation::create_api_key::CreateApiKeyOutput;
use aws_sdk_apigateway::operation::create_deployment::CreateDeploymentOutput;
use aws_sdk_apigateway::operation::create_rest_api::CreateRestApiOutput;
use aws_sdk_apigateway::operation::create_stage::CreateStageOutput;
use aws_sdk_apigateway::operation::create_usage_plan::CreateUsagePlanOutput;
use aws_sdk_apigateway::operation::create_usage_plan_key::CreateUsagePlanKeyOutput;
use aws_sdk_apigateway::operation::delete_api_key::DeleteApiKeyOutput;
use aws_sdk_apigateway::operation::delete_rest_api::DeleteRestApiOutput;
use aws_sdk_apigateway::operation::delete_usage_plan::DeleteUsagePlanOutput;
use aws_sdk_apigateway::operation::get_account::GetAccountOutput;
use aws_sdk_apigateway::operation::get_api_keys::GetApiKeysOutput;
use aws_sdk_apigateway::operation::get_deployment::GetDeploymentOutput;
use aws_sdk_apigateway::operation::get_domain_names::GetDomainNamesOutput;
use aws_sdk_apigateway::operation::get_resources::GetResourcesOutput;
use aws_sdk_apigateway::operation::get_rest_apis::GetRestApisOutput;
use aws_sdk_apigateway::operation::get_stages::GetStagesOutput;
use aws_sdk_apigateway::operation::get_usage_plan_keys::GetUsagePlanKeysOutput;
use aws_sdk_apigateway::operation::get_usage_plans::GetUsagePlansOutput;
use aws_sdk_apigateway::operation::get_vpc_links::GetVpcLinksOutput;
use aws_sdk_apigateway::operation::put_rest_api::PutRestApiOutput;
use aws_sdk_apigateway::operation::update_stage::UpdateStageOutput;
use aws_sdk_apigateway::operation::update_usage_plan::UpdateUsagePlanOutput;
use aws_sdk_apigateway::types::{
    AccessLogSettings, ApiKey, ApiStage, ConnectionType, EndpointConfiguration, EndpointType,
    Integration, IntegrationType, Method, MethodSetting, Op, QuotaPeriodType, QuotaSettings,
    Resource as AwsResource, RestApi, Stage, ThrottleSettings, UsagePlan, UsagePlanKey,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use gw_core::testing::{DNS_NAME, desired};
use gw_core::{
    Action, ApiKeySpec, Auth, DesiredGateway, GatewayKind, GatewayProvider, KeySource, Observed,
    ObservedResource, Ownership, Plan, Quota, QuotaPeriod, Resource, ResourceKind, SecretValue,
    Throttle, UsagePlanSpec, attr, diff,
};
use gw_rest::{ApiKeys, RestApiProvider, desired_fingerprint};
use std::sync::{Arc, Mutex};

const LOG_GROUP: &str = "arn:aws:logs:us-east-1:123456789012:log-group:cortex-api";

fn owned_tags() -> [(&'static str, &'static str); 2] {
    [
        ("cortex.dev/cluster-name", "prod"),
        ("managed-by", "cortex-net"),
    ]
}

/// The calls the mocks saw, in order.
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

impl gw_core::Progress for Log {
    fn waiting(&self, _: &str, _: &str, _: std::time::Duration) {}
    fn finished(&self, _: &str, _: &str, _: std::time::Duration) {}
}

/// A client answering `rules`, then empty listings of domains, links, keys and plans.
fn client(rules: &[&Rule]) -> Client {
    let no_domains = mock!(Client::get_domain_names)
        .sequence()
        .output(|| GetDomainNamesOutput::builder().build())
        .repeatedly()
        .build();
    let no_links = mock!(Client::get_vpc_links)
        .sequence()
        .output(|| GetVpcLinksOutput::builder().build())
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
            .chain([&no_domains, &no_links, &no_keys, &no_plans]),
        |c| c.retry_config(RetryConfig::disabled())
    )
}

fn provider(client: Client) -> RestApiProvider {
    let no_links = mock!(aws_sdk_apigatewayv2::Client::get_vpc_links).then_output(|| {
        aws_sdk_apigatewayv2::operation::get_vpc_links::GetVpcLinksOutput::builder().build()
    });
    let v2 = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&no_links]);
    RestApiProvider::new(client, v2, Arc::new(Log::default()))
}

fn partners(keys: &[&str]) -> UsagePlanSpec {
    UsagePlanSpec {
        name: "partners".into(),
        throttle: Some(Throttle {
            rate: 10,
            burst: 20,
        }),
        quota: Some(Quota {
            limit: 1000,
            period: QuotaPeriod::Month,
        }),
        keys: keys.iter().map(|k| (*k).to_string()).collect(),
    }
}

/// The catch-all gateway behind API keys, throttled at 100/200, logging to `LOG_GROUP`, with
/// the key `partner-a` in the plan `partners`.
fn protected() -> DesiredGateway {
    desired(GatewayKind::Rest)
        .auth(Auth::ApiKey)
        .throttle(100, 200)
        .access_log(LOG_GROUP)
        .api_key("partner-a")
        .usage_plan(partners(&["partner-a"]))
        .build()
}

fn proxy_method(uri: &str, proxy: bool) -> Method {
    let mut integration = Integration::builder()
        .r#type(IntegrationType::HttpProxy)
        .http_method("ANY")
        .uri(uri)
        .connection_type(ConnectionType::Internet);
    let mut method = Method::builder()
        .http_method("ANY")
        .authorization_type("NONE")
        .api_key_required(true);
    if proxy {
        integration = integration.request_parameters(
            "integration.request.path.proxy",
            "method.request.path.proxy",
        );
        method = method.request_parameters("method.request.path.proxy", true);
    }
    method.method_integration(integration.build()).build()
}

fn throttling(rate: f64, burst: i32) -> MethodSetting {
    MethodSetting::builder()
        .throttling_rate_limit(rate)
        .throttling_burst_limit(burst)
        .build()
}

/// AWS holding `protected()` converged in the API `mine`, next to a key and a plan that are
/// not ours (no tags).
fn converged_rules(want: &DesiredGateway) -> Vec<Rule> {
    let fingerprint = desired_fingerprint(want).unwrap_or_default();
    let apis = mock!(Client::get_rest_apis).then_output(|| {
        let mut api = RestApi::builder()
            .id("mine")
            .name("cortex-prod")
            .endpoint_configuration(
                EndpointConfiguration::builder()
                    .types(EndpointType::Regional)
                    .build(),
            );
        for (k, v) in owned_tags() {
            api = api.tags(k, v);
        }
        GetRestApisOutput::builder().items(api.build()).build()
    });
    let resources = mock!(Client::get_resources)
        .match_requests(|r| r.rest_api_id() == Some("mine"))
        .then_output(|| {
            let base = format!("http://{DNS_NAME}");
            let root = AwsResource::builder()
                .id("root")
                .path("/")
                .resource_methods("ANY", proxy_method(&format!("{base}/"), false));
            let proxy = AwsResource::builder()
                .id("r-proxy")
                .path("/{proxy+}")
                .resource_methods("ANY", proxy_method(&format!("{base}/{{proxy}}"), true));
            GetResourcesOutput::builder()
                .items(root.build())
                .items(proxy.build())
                .build()
        });
    let stages = mock!(Client::get_stages)
        .match_requests(|r| r.rest_api_id() == Some("mine"))
        .then_output(|| {
            let dev = Stage::builder()
                .stage_name("dev")
                .deployment_id("d1")
                .method_settings("*/*", throttling(100.0, 200))
                .access_log_settings(
                    AccessLogSettings::builder()
                        .destination_arn(LOG_GROUP)
                        .format(gw_core::ACCESS_LOG_FORMAT)
                        .build(),
                );
            GetStagesOutput::builder().item(dev.build()).build()
        });
    let deployment = mock!(Client::get_deployment).then_output(move || {
        GetDeploymentOutput::builder()
            .id("d1")
            .description(format!("cortex-net {fingerprint}"))
            .build()
    });
    let keys = mock!(Client::get_api_keys)
        .match_requests(|r| r.include_values() != Some(true))
        .then_output(|| {
            let mut ours = ApiKey::builder().id("k1").name("partner-a").enabled(true);
            for (k, v) in owned_tags() {
                ours = ours.tags(k, v);
            }
            let decoy = ApiKey::builder().id("k9").name("partner-a").enabled(true);
            GetApiKeysOutput::builder()
                .items(ours.build())
                .items(decoy.build())
                .build()
        });
    let plans = mock!(Client::get_usage_plans)
        .match_requests(|r| r.key_id().is_none())
        .then_output(|| {
            let mut ours = UsagePlan::builder()
                .id("p1")
                .name("partners")
                .api_stages(ApiStage::builder().api_id("mine").stage("dev").build())
                .throttle(
                    ThrottleSettings::builder()
                        .rate_limit(10.0)
                        .burst_limit(20)
                        .build(),
                )
                .quota(
                    QuotaSettings::builder()
                        .limit(1000)
                        .period(QuotaPeriodType::Month)
                        .build(),
                );
            for (k, v) in owned_tags() {
                ours = ours.tags(k, v);
            }
            let decoy = UsagePlan::builder().id("p9").name("partners");
            GetUsagePlansOutput::builder()
                .items(ours.build())
                .items(decoy.build())
                .build()
        });
    let plan_keys = mock!(Client::get_usage_plan_keys)
        .match_requests(|r| r.usage_plan_id() == Some("p1"))
        .then_output(|| {
            let key = UsagePlanKey::builder()
                .id("k1")
                .name("partner-a")
                .r#type("API_KEY");
            GetUsagePlanKeysOutput::builder().items(key.build()).build()
        });
    vec![apis, resources, stages, deployment, keys, plans, plan_keys]
}

async fn observe_converged() -> Result<(Observed, DesiredGateway), gw_core::ProviderError> {
    let want = protected();
    let rules = converged_rules(&want);
    let observed = provider(client(&rules.iter().collect::<Vec<_>>()))
        .observe(&Ownership::new("prod"))
        .await?;
    Ok((observed, want))
}

#[tokio::test]
async fn observe_reads_owned_keys_plans_and_stage_settings_and_a_converged_gateway_plans_nothing() {
    let (observed, want) = observe_converged().await.expect("observe succeeds");
    let keys: Vec<&str> = observed
        .of_kind(ResourceKind::ApiKey)
        .map(|k| k.id.as_str())
        .collect();
    assert_eq!(keys, vec!["k1"], "the untagged decoy is not ours");
    let plan = observed
        .find(ResourceKind::UsagePlan, "partners")
        .expect("the owned plan");
    assert_eq!(plan.id, "p1");
    let text = |key| plan.resource.attribute(key);
    assert_eq!(text(attr::API_STAGES), Some("cortex-prod:dev"));
    assert_eq!(text(attr::THROTTLE), Some("rate=10 burst=20"));
    assert_eq!(text(attr::QUOTA), Some("limit=1000 period=MONTH"));
    assert_eq!(text(attr::KEYS), Some("partner-a"));
    let stage = observed
        .find(ResourceKind::Stage, "dev")
        .expect("the stage");
    assert_eq!(
        stage.resource.attribute(attr::THROTTLE),
        Some("rate=100 burst=200")
    );
    assert_eq!(stage.resource.attribute(attr::ROUTE_THROTTLES), Some("off"));
    assert!(
        stage
            .resource
            .attribute(attr::ACCESS_LOG)
            .is_some_and(|l| l.starts_with(LOG_GROUP)),
        "{stage:?}"
    );
    let method = observed
        .find(ResourceKind::Method, "ANY /{proxy+}")
        .expect("the method");
    assert_eq!(
        method.resource.attribute(attr::AUTHORIZATION),
        Some("API_KEY")
    );
    let plan = diff(&gw_rest::desired_resources(&want), &observed);
    assert!(plan.is_empty(), "converged gateway planned:\n{plan}");
}

#[tokio::test]
async fn a_tighter_throttle_is_one_stage_update_and_no_deployment() {
    let (observed, _) = observe_converged().await.expect("observe succeeds");
    let tighter = desired(GatewayKind::Rest)
        .auth(Auth::ApiKey)
        .throttle(50, 100)
        .access_log(LOG_GROUP)
        .api_key("partner-a")
        .usage_plan(partners(&["partner-a"]))
        .build();
    let plan = diff(&gw_rest::desired_resources(&tighter), &observed);
    let summary: Vec<(Action, ResourceKind)> =
        plan.changes.iter().map(|c| (c.action, c.kind)).collect();
    assert_eq!(
        summary,
        vec![(Action::Update, ResourceKind::Stage)],
        "{plan}"
    );
    let update = mock!(Client::update_stage)
        .match_requests(|r| {
            let ops: Vec<(Option<&Op>, Option<&str>, Option<&str>)> = r
                .patch_operations()
                .iter()
                .map(|p| (p.op(), p.path(), p.value()))
                .collect();
            r.rest_api_id() == Some("mine")
                && r.stage_name() == Some("dev")
                && ops
                    == vec![
                        (
                            Some(&Op::Replace),
                            Some("/*/*/throttling/rateLimit"),
                            Some("50"),
                        ),
                        (
                            Some(&Op::Replace),
                            Some("/*/*/throttling/burstLimit"),
                            Some("100"),
                        ),
                    ]
        })
        .then_output(|| UpdateStageOutput::builder().build());
    provider(client(&[&update]))
        .apply(&Ownership::new("prod"), Some(&tighter), &observed, &plan)
        .await
        .expect("apply succeeds");
    assert_eq!(update.num_calls(), 1);
}

/// The observed key `partner-a` (`k1`) with the digest of `value`.
fn observed_key(value: &str) -> ObservedResource {
    ObservedResource {
        resource: Resource::new(ResourceKind::ApiKey, "partner-a")
            .with(attr::VALUE, SecretValue::new(value).digest()),
        id: "k1".into(),
        parent_id: None,
        created_millis: None,
    }
}

#[tokio::test]
async fn a_key_with_a_new_value_joins_the_old_ones_plans_before_the_old_one_goes() {
    let mut want = desired(GatewayKind::Rest).build();
    want.protection.api_keys.push(ApiKeySpec {
        name: "partner-a".into(),
        source: KeySource::Env("PARTNER_A_KEY".into()),
        value: Some(SecretValue::new("the-new-value-0123456789")),
    });
    let observed = Observed {
        resources: vec![observed_key("the-old-value-0123456789")],
    };
    let resources: Vec<Resource> = gw_rest::desired_resources(&want)
        .into_iter()
        .filter(|r| r.kind == ResourceKind::ApiKey)
        .collect();
    let plan = diff(&resources, &observed);
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(plan.changes[0].action, Action::Replace);
    assert!(
        !plan.to_string().contains("value-0123456789"),
        "the plan shows digests, never values:\n{plan}"
    );
    let log = Log::default();
    let (l1, l2, l3, l4) = (log.clone(), log.clone(), log.clone(), log.clone());
    let holding = mock!(Client::get_usage_plans)
        .match_requests(|r| r.key_id() == Some("k1"))
        .then_compute_output(move |_| {
            l1.push("GetUsagePlans k1");
            GetUsagePlansOutput::builder()
                .items(UsagePlan::builder().id("p1").name("partners").build())
                .build()
        });
    let create = mock!(Client::create_api_key)
        .match_requests(|r| {
            r.name() == Some("partner-a")
                && r.value() == Some("the-new-value-0123456789")
                && r.enabled() == Some(true)
                && r.tags()
                    .is_some_and(|t| t.get("managed-by").map(String::as_str) == Some("cortex-net"))
        })
        .then_compute_output(move |_| {
            l2.push("CreateApiKey");
            CreateApiKeyOutput::builder().id("k2").build()
        });
    let attach = mock!(Client::create_usage_plan_key)
        .match_requests(|r| r.usage_plan_id() == Some("p1") && r.key_id() == Some("k2"))
        .then_compute_output(move |_| {
            l3.push("CreateUsagePlanKey p1 k2");
            CreateUsagePlanKeyOutput::builder().build()
        });
    let delete = mock!(Client::delete_api_key)
        .match_requests(|r| r.api_key() == Some("k1"))
        .then_compute_output(move |_| {
            l4.push("DeleteApiKey k1");
            DeleteApiKeyOutput::builder().build()
        });
    provider(client(&[&holding, &create, &attach, &delete]))
        .apply(&Ownership::new("prod"), Some(&want), &observed, &plan)
        .await
        .expect("apply succeeds");
    assert_eq!(
        log.lines(),
        vec![
            "GetUsagePlans k1",
            "CreateApiKey",
            "CreateUsagePlanKey p1 k2",
            "DeleteApiKey k1"
        ]
    );
}

/// Logs each call of an operation under `name`.
macro_rules! logged {
    ($log:expr, $op:path, $name:expr, $output:expr) => {{
        let log = $log.clone();
        mock!($op).then_compute_output(move |_| {
            log.push($name);
            $output
        })
    }};
}

#[tokio::test]
async fn a_usage_plan_is_created_after_the_stage_it_names() {
    let want = desired(GatewayKind::Rest)
        .auth(Auth::ApiKey)
        .api_key("partner-a")
        .usage_plan(partners(&["partner-a"]))
        .build();
    let plan = diff(&gw_rest::desired_resources(&want), &Observed::default());
    let log = Log::default();
    let rules = [
        mock!(Client::get_rest_apis).then_output(|| GetRestApisOutput::builder().build()),
        logged!(log, Client::create_rest_api, "CreateRestApi", {
            CreateRestApiOutput::builder().id("new").build()
        }),
        logged!(log, Client::put_rest_api, "PutRestApi", {
            PutRestApiOutput::builder().build()
        }),
        logged!(log, Client::create_api_key, "CreateApiKey", {
            CreateApiKeyOutput::builder().id("k1").build()
        }),
        logged!(log, Client::create_deployment, "CreateDeployment", {
            CreateDeploymentOutput::builder().id("d1").build()
        }),
        logged!(log, Client::create_stage, "CreateStage", {
            CreateStageOutput::builder().build()
        }),
        {
            let log = log.clone();
            mock!(Client::create_usage_plan)
                .match_requests(|r| {
                    r.name() == Some("partners")
                        && r.api_stages().len() == 1
                        && r.api_stages()[0].api_id() == Some("new")
                        && r.api_stages()[0].stage() == Some("dev")
                        && r.throttle().map(|t| (t.rate_limit(), t.burst_limit()))
                            == Some((10.0, 20))
                        && r.quota().map(|q| q.limit()) == Some(1000)
                        && r.tags().is_some_and(|t| t.len() == 2)
                })
                .then_compute_output(move |_| {
                    log.push("CreateUsagePlan");
                    CreateUsagePlanOutput::builder().id("p1").build()
                })
        },
        {
            let log = log.clone();
            mock!(Client::create_usage_plan_key)
                .match_requests(|r| r.usage_plan_id() == Some("p1") && r.key_id() == Some("k1"))
                .then_compute_output(move |_| {
                    log.push("CreateUsagePlanKey");
                    CreateUsagePlanKeyOutput::builder().build()
                })
        },
    ];
    provider(client(&rules.iter().collect::<Vec<_>>()))
        .apply(
            &Ownership::new("prod"),
            Some(&want),
            &Observed::default(),
            &plan,
        )
        .await
        .expect("apply succeeds");
    assert_eq!(
        log.lines(),
        vec![
            "CreateRestApi",
            "PutRestApi",
            "CreateApiKey",
            "CreateDeployment",
            "CreateStage",
            "CreateUsagePlan",
            "CreateUsagePlanKey",
        ]
    );
}

fn top(kind: ResourceKind, name: &str, id: &str, attrs: &[(&str, &str)]) -> ObservedResource {
    let mut resource = Resource::new(kind, name);
    for (k, v) in attrs {
        resource = resource.with(k, *v);
    }
    ObservedResource {
        resource,
        id: id.into(),
        parent_id: None,
        created_millis: None,
    }
}

#[tokio::test]
async fn down_releases_and_deletes_the_usage_plan_before_the_api_and_the_key_last() {
    let mut stage = top(ResourceKind::Stage, "dev", "dev", &[]);
    stage.parent_id = Some("mine".into());
    let observed = Observed {
        resources: vec![
            top(ResourceKind::ApiKey, "partner-a", "k1", &[]),
            top(ResourceKind::Api, "cortex-prod", "mine", &[]),
            stage,
            top(
                ResourceKind::UsagePlan,
                "partners",
                "p1",
                &[("api_stage_ids", "mine:dev"), ("key_ids", "k1")],
            ),
        ],
    };
    let plan: Plan = diff(&[], &observed).executable();
    let log = Log::default();
    let release = {
        let log = log.clone();
        mock!(Client::update_usage_plan)
            .match_requests(|r| {
                r.usage_plan_id() == Some("p1")
                    && r.patch_operations().iter().any(|p| {
                        p.op() == Some(&Op::Remove)
                            && p.path() == Some("/apiStages")
                            && p.value() == Some("mine:dev")
                    })
            })
            .then_compute_output(move |_| {
                log.push("UpdateUsagePlan remove /apiStages mine:dev");
                UpdateUsagePlanOutput::builder().build()
            })
    };
    let rules = [
        release,
        logged!(log, Client::delete_usage_plan, "DeleteUsagePlan", {
            DeleteUsagePlanOutput::builder().build()
        }),
        logged!(log, Client::delete_rest_api, "DeleteRestApi", {
            DeleteRestApiOutput::builder().build()
        }),
        logged!(log, Client::delete_api_key, "DeleteApiKey", {
            DeleteApiKeyOutput::builder().build()
        }),
    ];
    provider(client(&rules.iter().collect::<Vec<_>>()))
        .apply(&Ownership::new("prod"), None, &observed, &plan)
        .await
        .expect("apply succeeds");
    assert_eq!(
        log.lines(),
        vec![
            "UpdateUsagePlan remove /apiStages mine:dev",
            "DeleteUsagePlan",
            "DeleteRestApi",
            "DeleteApiKey",
        ]
    );
}

#[test]
fn a_renamed_stage_is_created_then_the_plan_moved_then_the_old_stage_deleted() {
    let want = desired(GatewayKind::Rest)
        .stage("prod")
        .usage_plan(partners(&[]))
        .build();
    let mut old_stage = top(ResourceKind::Stage, "dev", "dev", &[]);
    old_stage.parent_id = Some("mine".into());
    let observed = Observed {
        resources: vec![
            top(
                ResourceKind::Api,
                "cortex-prod",
                "mine",
                &[("endpoint_type", "REGIONAL")],
            ),
            old_stage,
            top(
                ResourceKind::UsagePlan,
                "partners",
                "p1",
                &[
                    (attr::API_STAGES, "cortex-prod:dev"),
                    (attr::THROTTLE, "rate=10 burst=20"),
                    (attr::QUOTA, "limit=1000 period=MONTH"),
                    (attr::KEYS, ""),
                ],
            ),
        ],
    };
    let plan = diff(&gw_rest::desired_resources(&want), &observed);
    let position = |action: Action, kind: ResourceKind| {
        plan.changes
            .iter()
            .position(|c| c.action == action && c.kind == kind)
            .unwrap_or_else(|| panic!("no {action:?} {kind} in\n{plan}"))
    };
    assert!(
        position(Action::Create, ResourceKind::Stage)
            < position(Action::Update, ResourceKind::UsagePlan)
    );
    assert!(
        position(Action::Update, ResourceKind::UsagePlan)
            < position(Action::Delete, ResourceKind::Stage)
    );
}

#[tokio::test]
async fn an_access_log_without_the_account_role_stops_before_any_write() {
    let (observed, _) = observe_converged().await.expect("observe succeeds");
    // The same gateway, logging for the first time.
    let mut stage = observed.clone();
    for found in &mut stage.resources {
        if found.resource.kind == ResourceKind::Stage {
            found.resource = found.resource.clone().with(attr::ACCESS_LOG, "off");
        }
    }
    let want = protected();
    let plan = diff(&gw_rest::desired_resources(&want), &stage);
    assert_eq!(plan.changes.len(), 1, "{plan}");
    let account = mock!(Client::get_account).then_output(|| GetAccountOutput::builder().build());
    let update = mock!(Client::update_stage).then_output(|| UpdateStageOutput::builder().build());
    let err = provider(client(&[&account, &update]))
        .apply(&Ownership::new("prod"), Some(&want), &stage, &plan)
        .await
        .expect_err("no role, no log");
    let text = err.to_string();
    assert!(text.contains("does not change"), "{text}");
    assert!(
        text.contains("update-account --patch-operations op=replace,path=/cloudwatchRoleArn"),
        "{text}"
    );
    assert!(
        text.contains("AmazonAPIGatewayPushToCloudWatchLogs"),
        "{text}"
    );
    assert_eq!(update.num_calls(), 0, "nothing written");
    // With the role set, the stage is updated.
    let account = mock!(Client::get_account).then_output(|| {
        GetAccountOutput::builder()
            .cloudwatch_role_arn("arn:aws:iam::123456789012:role/apigw-logs")
            .build()
    });
    let update = mock!(Client::update_stage).then_output(|| UpdateStageOutput::builder().build());
    provider(client(&[&account, &update]))
        .apply(&Ownership::new("prod"), Some(&want), &stage, &plan)
        .await
        .expect("apply succeeds");
    assert_eq!(update.num_calls(), 1);
}

#[tokio::test]
async fn keys_rotate_refuses_a_key_that_is_not_ours() {
    let keys = mock!(Client::get_api_keys).then_output(|| {
        let decoy = ApiKey::builder().id("k9").name("someone-else").build();
        GetApiKeysOutput::builder().items(decoy).build()
    });
    let api_keys = ApiKeys::new(client(&[&keys]), Ownership::new("prod"));
    let err = api_keys.rotate("someone-else").await.expect_err("not ours");
    assert!(
        err.to_string().contains("no API key named someone-else"),
        "{err}"
    );
}

#[test]
fn protection_changes_the_fingerprint_only_through_method_authorization() {
    let open = desired(GatewayKind::Rest).apis(&[("iris", "/iris")]);
    let fp = desired_fingerprint(&open.clone().build());
    let settings = open
        .clone()
        .throttle(1, 2)
        .access_log(LOG_GROUP)
        .api_key("a")
        .usage_plan(partners(&["a"]))
        .build();
    assert_eq!(desired_fingerprint(&settings), fp);
    assert_ne!(desired_fingerprint(&open.auth(Auth::Iam).build()), fp);
}

#[tokio::test]
async fn a_plan_lets_go_of_a_stage_that_is_gone_and_takes_the_gateways() {
    let want = desired(GatewayKind::Rest).usage_plan(partners(&[])).build();
    let mut stage = top(ResourceKind::Stage, "dev", "dev", &[]);
    stage.parent_id = Some("mine".into());
    let observed = Observed {
        resources: vec![
            top(ResourceKind::Api, "cortex-prod", "mine", &[]),
            stage,
            top(
                ResourceKind::UsagePlan,
                "partners",
                "p1",
                &[
                    (attr::API_STAGES, "gone (not an API of this cluster):dev"),
                    (attr::THROTTLE, "rate=10 burst=20"),
                    (attr::QUOTA, "limit=1000 period=MONTH"),
                    (attr::KEYS, ""),
                    ("api_stage_ids", "gone:dev"),
                ],
            ),
        ],
    };
    // Only the plan's change: the rest of the gateway is not what this test is about.
    let plan = Plan {
        changes: diff(&gw_rest::desired_resources(&want), &observed)
            .changes
            .into_iter()
            .filter(|c| c.kind == ResourceKind::UsagePlan)
            .collect(),
    };
    assert_eq!(plan.changes.len(), 1, "{plan}");
    let one_op = |op: Op, value: &'static str| {
        move |r: &aws_sdk_apigateway::operation::update_usage_plan::UpdateUsagePlanInput| {
            r.usage_plan_id() == Some("p1")
                && r.patch_operations().len() == 1
                && r.patch_operations()[0].op() == Some(&op)
                && r.patch_operations()[0].path() == Some("/apiStages")
                && r.patch_operations()[0].value() == Some(value)
        }
    };
    let release = mock!(Client::update_usage_plan)
        .match_requests(one_op(Op::Remove, "gone:dev"))
        .then_error(|| {
            aws_sdk_apigateway::operation::update_usage_plan::UpdateUsagePlanError::NotFoundException(
                aws_sdk_apigateway::types::error::NotFoundException::builder()
                    .message("Invalid API Stage {api: gone, stage: dev} specified")
                    .meta(
                        aws_sdk_apigateway::error::ErrorMetadata::builder()
                            .code("NotFoundException")
                            .build(),
                    )
                    .build(),
            )
        });
    let take = mock!(Client::update_usage_plan)
        .match_requests(one_op(Op::Add, "mine:dev"))
        .then_output(|| UpdateUsagePlanOutput::builder().build());
    provider(client(&[&release, &take]))
        .apply(&Ownership::new("prod"), Some(&want), &observed, &plan)
        .await
        .expect("a stage already gone leaves nothing to release");
    assert_eq!((release.num_calls(), take.num_calls()), (1, 1));
}
