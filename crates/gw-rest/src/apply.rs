//! Applies a plan to apigateway (and VPC links), change by change, in the plan's order.
//!
//! The plan's order is the order of execution ([`gw_core::Plan`]): creations and updates of the
//! content (VPC link, API, resources, methods, integrations), then the deletions of mappings,
//! methods, resources and integrations, then the deployment, the stage and the domain's mapping,
//! then the remaining deletions (stages, deployments, the API, the VPC link, the domain name).
//! Deferring the deployment past the child deletions is what makes a new deployment snapshot
//! the API without what was just removed; `apply` never reorders, so what was printed is what
//! runs.
//!
//! The content changes (resources, methods, integrations, created, updated or deleted) are
//! made together by one `PutRestApi` of the API's document, where the first of them stands in
//! the plan; the plan says so on each of them ([`crate::annotate`]).

mod api;
mod content;
mod domain;
mod ids;
mod link;
mod plans;
mod rollout;
mod settings;

use gw_core::{
    Action, AwsError, Change, DesiredGateway, Observed, Ownership, Plan, Progress, ProviderError,
    ResourceKind,
};
use ids::Ids;
use std::time::Duration;

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

/// Everything one `apply` works with: the clients, where long waits are reported, the owner,
/// the desired gateway (`None` when removing everything) and what was observed.
pub(crate) struct Context<'a> {
    pub client: &'a aws_sdk_apigateway::Client,
    /// The account's API Gateway budget, for the calls with a quota of their own.
    pub quotas: &'a aws_calls::Quotas,
    pub v2: &'a aws_sdk_apigatewayv2::Client,
    pub progress: &'a dyn Progress,
    pub throttle: ThrottleRetry,
    pub owner: &'a Ownership,
    pub desired: Option<&'a DesiredGateway>,
    pub observed: &'a Observed,
}

impl<'a> Context<'a> {
    /// The desired gateway a creation, update or replacement works towards.
    fn desired_for(&self, change: &Change) -> Result<&'a DesiredGateway, ProviderError> {
        self.desired.ok_or_else(|| {
            ProviderError::Unexpected(format!(
                "a plan without a desired gateway asks to {:?} {}",
                change.action, change.kind
            ))
        })
    }

    /// The ownership tags of what only REST gateways use (v2 links, domain names): AWS shares
    /// them with HTTP APIs, so they carry the gateway kind too.
    fn rest_owner(&self) -> Ownership {
        self.owner.for_gateway(crate::KIND)
    }
}

/// Applies `plan` in its order, stopping at the first failure, and reports each change (its
/// result and duration) to `ctx.progress`; the content's changes after the first are made by
/// the document the first one put.
pub(crate) async fn apply(ctx: &Context<'_>, plan: &Plan) -> Result<(), ProviderError> {
    let mut ids = Ids::from_observed(ctx.desired, ctx.observed);
    if settings::turns_on_access_log(ctx, plan) {
        // Before the first write: a plan that cannot log should change nothing.
        settings::check_cloudwatch_role(ctx).await?;
    }
    let mut content_put = false;
    for change in &plan.changes {
        if crate::is_content(change.kind) {
            if content_put {
                // Made by the document already put: done, in no time of its own.
                ctx.progress.applied(change, Ok(()), Duration::ZERO);
            } else {
                let put =
                    async { content::put_document(ctx, ctx.desired_for(change)?, &ids).await };
                ctx.progress.reported(change, put).await?;
                content_put = true;
            }
            continue;
        }
        ctx.progress
            .reported(change, apply_one(ctx, change, &mut ids))
            .await?;
    }
    Ok(())
}

/// Applies one change that is not the API's content.
async fn apply_one(ctx: &Context<'_>, change: &Change, ids: &mut Ids) -> Result<(), ProviderError> {
    match change.action {
        Action::Delete => delete(ctx, change).await,
        Action::Create | Action::Update | Action::Replace => {
            let desired = ctx.desired_for(change)?;
            upsert(ctx, desired, change, ids).await
        }
    }
}

async fn upsert(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    match change.kind {
        ResourceKind::VpcLink => link::upsert(ctx, desired, change, ids).await,
        ResourceKind::Api => api::upsert(ctx, desired, change, ids).await,
        ResourceKind::Deployment => rollout::upsert_deployment(ctx, desired, ids).await,
        ResourceKind::Stage => rollout::upsert_stage(ctx, desired, change, ids).await,
        ResourceKind::ApiKey => plans::upsert_key(ctx, desired, change, ids).await,
        ResourceKind::UsagePlan => plans::upsert_plan(ctx, desired, change, ids).await,
        ResourceKind::DomainName => domain::upsert_name(ctx, desired, change).await,
        ResourceKind::ApiMapping => domain::upsert_mapping(ctx, desired, change, ids).await,
        other => Err(not_managed(other)),
    }
}

async fn delete(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    match change.kind {
        ResourceKind::DomainName => domain::delete_name(ctx, change).await,
        ResourceKind::ApiMapping => domain::delete_mapping(ctx, change).await,
        ResourceKind::Stage => rollout::delete_stage(ctx, change).await,
        ResourceKind::Deployment => rollout::delete_deployment(ctx, change).await,
        ResourceKind::Api => api::delete(ctx, change).await,
        ResourceKind::VpcLink => link::delete(ctx, change).await,
        ResourceKind::UsagePlan => plans::delete_plan(ctx, change).await,
        ResourceKind::ApiKey => plans::delete_key_change(ctx, change).await,
        other => Err(not_managed(other)),
    }
}

fn not_managed(kind: ResourceKind) -> ProviderError {
    ProviderError::Unexpected(format!(
        "the REST API provider does not manage {kind} resources"
    ))
}

/// Creates are sent once: an unknown outcome is settled by observing again (aws_calls::CreateOnce).
pub(crate) fn create_once() -> aws_sdk_apigateway::config::Builder {
    aws_sdk_apigateway::Config::builder().retry_classifier(aws_calls::CreateOnce)
}

fn required<'a>(value: &'a Option<String>, what: &str) -> Result<&'a str, ProviderError> {
    value
        .as_deref()
        .ok_or_else(|| ProviderError::Unexpected(format!("no id known for {what}")))
}

/// The id of what a deletion removes.
fn deleted_id(change: &Change) -> Result<&str, ProviderError> {
    required(&change.id, "the resource to delete")
}

/// The API a change's resource lives in. It comes with the change, never from a look-up by id:
/// a stage's id is its name, the same in every API.
fn parent_of(change: &Change) -> Result<&str, ProviderError> {
    change
        .parent
        .as_deref()
        .ok_or_else(|| ProviderError::Unexpected(format!("no API known for {change}")))
}

/// A deletion of something already gone (a concurrent or interrupted run) reached its goal.
pub(crate) fn gone_is_done<T>(result: Result<T, AwsError>) -> Result<(), ProviderError> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e.into()),
    }
}
