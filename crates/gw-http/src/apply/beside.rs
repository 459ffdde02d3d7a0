//! Changes sent side by side: consecutive changes of one kind in one phase that do not depend on
//! each other (the routes, once the integration exists; their deletions; deletions of
//! integrations), at most [`IN_FLIGHT`] at a time.
//!
//! Every attempt takes its token from the account's budget ([`aws_calls::Quotas`]) first, retries
//! after a 429 included: the SDK does not retry throttling of these calls by itself (its backoff
//! ignores the budget, and its retries would draw more 429s for the calls beside them); the call
//! waits for its next token instead, as many times as the SDK would have tried.

use super::{Context, integration, operation, route};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use gw_core::{Action, Change, ProviderError, ResourceKind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Calls in flight at once: enough to keep API Gateway's 10 requests/s busy at a few hundred
/// milliseconds a call, few enough that a failure stops the rest early.
pub(crate) const IN_FLIGHT: usize = 16;

/// Whether `change` may be sent while `first` is in flight: the same kind in the same phase
/// (both deletions, or neither), of a kind whose changes do not depend on each other: routes
/// (each only reads the integration's id) and deletions of integrations (the routes that
/// targeted them were moved or deleted before, in plan order).
pub(super) fn side_by_side(first: &Change, change: &Change) -> bool {
    let independent = match first.kind {
        ResourceKind::Route => true,
        ResourceKind::Integration => first.action == Action::Delete,
        _ => false,
    };
    independent
        && change.kind == first.kind
        && (change.action == Action::Delete) == (first.action == Action::Delete)
}

impl Context<'_> {
    /// Sends `changes` (independent, see [`side_by_side`]) concurrently, at most [`IN_FLIGHT`]
    /// at a time. On the first failure nothing more is sent; the calls in flight are waited for
    /// and the first error is returned (an unsettled one makes the session observe again).
    pub(super) async fn apply_together(&self, changes: &[Change]) -> Result<(), ProviderError> {
        let stopped = AtomicBool::new(false);
        let mut waiting = changes.iter();
        let mut in_flight = FuturesUnordered::new();
        let mut failure = None;
        loop {
            while failure.is_none() && in_flight.len() < IN_FLIGHT {
                let Some(change) = waiting.next() else { break };
                in_flight.push(self.send_beside(change, &stopped));
            }
            match in_flight.next().await {
                None => break,
                Some(Ok(())) => {}
                Some(Err(error)) => {
                    stopped.store(true, Ordering::Relaxed);
                    failure.get_or_insert(error);
                }
            }
        }
        failure.map_or(Ok(()), Err)
    }

    /// One change of a concurrent run: each attempt waits for its token, and none is sent once
    /// another change of the run has failed. A throttled attempt (AWS answers 429 before doing
    /// anything, so a create may go again) waits for the next token. A change sent is reported
    /// once, when it ends, with the time since its first wait for a token.
    async fn send_beside(
        &self,
        change: &Change,
        stopped: &AtomicBool,
    ) -> Result<(), ProviderError> {
        let attempts = self
            .client
            .config()
            .retry_config()
            .map_or(1, |retry| retry.max_attempts());
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            self.quotas.acquire(&operation(change)).await;
            // Not sent (again): nothing is reported, as a throttled attempt changed nothing.
            if stopped.load(Ordering::Relaxed) {
                return Ok(());
            }
            if attempt == 1 {
                self.progress.applying(change);
            }
            match self.send_once(change).await {
                Err(error) if throttled(&error) && attempt < attempts => attempt += 1,
                result => {
                    let outcome = result.as_ref().map(|_| ());
                    self.progress.applied(change, outcome, started.elapsed());
                    return result;
                }
            }
        }
    }

    /// One attempt at a change that may go beside others.
    async fn send_once(&self, change: &Change) -> Result<(), ProviderError> {
        match change.kind {
            ResourceKind::Route => route::apply(self, change).await,
            ResourceKind::Integration if change.action == Action::Delete => {
                integration::delete(self, change).await
            }
            _ => Err(ProviderError::Unexpected(format!(
                "{change} cannot be sent beside other changes"
            ))),
        }
    }
}

/// AWS's 429 for the request rate (not a quota on the number of things, which waiting cannot
/// settle).
fn throttled(error: &ProviderError) -> bool {
    matches!(error, ProviderError::Aws(error) if error.is_throttled())
}

/// The SDK configuration of a call sent side by side: throttling goes back to the budget.
pub(super) fn budgeted() -> aws_sdk_apigatewayv2::config::Builder {
    aws_sdk_apigatewayv2::Config::builder().retry_classifier(aws_calls::ThrottlingWaitsForBudget)
}

/// [`budgeted`] for a create, which is also sent once ([`aws_calls::CreateOnce`]).
pub(super) fn budgeted_create() -> aws_sdk_apigatewayv2::config::Builder {
    super::create_once().retry_classifier(aws_calls::ThrottlingWaitsForBudget)
}

#[cfg(test)]
mod tests {
    use super::super::Context;
    use crate::HttpApiProvider;
    use crate::resources::desired_resources;
    use aws_sdk_apigatewayv2::Client;
    use aws_sdk_apigatewayv2::error::ErrorMetadata;
    use aws_sdk_apigatewayv2::operation::create_route::{CreateRouteError, CreateRouteOutput};
    use aws_sdk_apigatewayv2::types::error::BadRequestException;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use gw_core::testing::desired;
    use gw_core::{
        Change, GatewayKind, Observed, ObservedResource, Ownership, Plan, Progress, ProviderError,
        Resource, ResourceKind, diff,
    };
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// Each change reported as ended: its name and whether it was made.
    #[derive(Default)]
    struct Ended(Mutex<Vec<(String, bool)>>);

    impl Progress for Ended {
        fn waiting(&self, _: &str, _: &str, _: Duration) {}
        fn finished(&self, _: &str, _: &str, _: Duration) {}
        fn applied(&self, change: &Change, result: Result<(), &ProviderError>, _: Duration) {
            let mut ended = self.0.lock().unwrap_or_else(|e| e.into_inner());
            ended.push((change.name.clone(), result.is_ok()));
        }
    }

    fn found(kind: ResourceKind, name: &str, id: &str, parent: Option<&str>) -> ObservedResource {
        ObservedResource {
            resource: Resource::new(kind, name),
            id: id.into(),
            parent_id: parent.map(Into::into),
            created_millis: None,
        }
    }

    /// Applies the route creations of a gateway of `apis` Cortex APIs, the API and its
    /// integration already there; returns what was reported.
    async fn routes_reported(apis: usize, client: Client) -> (Plan, Vec<(String, bool)>) {
        let names: Vec<(String, String)> = (0..apis)
            .map(|i| (format!("api-{i:02}"), format!("/api-{i:02}")))
            .collect();
        let pairs: Vec<(&str, &str)> = names.iter().map(|(n, p)| (&n[..], &p[..])).collect();
        let want = desired(GatewayKind::Http).apis(&pairs).build();
        let have = Observed {
            resources: vec![
                found(ResourceKind::Api, "cortex-prod", "api-1", None),
                found(
                    ResourceKind::Integration,
                    crate::INTEGRATION,
                    "i-1",
                    Some("api-1"),
                ),
            ],
        };
        let mut plan = diff(&desired_resources(&want), &have);
        plan.changes.retain(|c| c.kind == ResourceKind::Route);
        let ended = Arc::new(Ended::default());
        let provider = HttpApiProvider::new(client, ended.clone());
        let owner = Ownership::new("prod");
        let _ = Context::new(&provider, &owner, Some(&want), &have)
            .apply(&plan)
            .await;
        let reported = ended.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        (plan, reported)
    }

    #[tokio::test]
    async fn each_route_sent_side_by_side_is_reported_once_as_made() {
        let create =
            mock!(Client::create_route).then_output(|| CreateRouteOutput::builder().build());
        let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&create]);
        let (plan, reported) = routes_reported(10, client).await;
        let mut names: Vec<&str> = reported.iter().map(|(name, _)| name.as_str()).collect();
        names.sort_unstable();
        let mut planned: Vec<&str> = plan.changes.iter().map(|c| c.name.as_str()).collect();
        planned.sort_unstable();
        assert_eq!(names, planned, "every route once");
        assert!(reported.iter().all(|(_, made)| *made), "{reported:?}");
    }

    #[tokio::test]
    async fn a_refused_route_is_reported_failed_and_routes_never_sent_are_not_reported() {
        let refused = mock!(Client::create_route)
            .match_requests(|r| r.route_key() == Some("ANY /api-00"))
            .then_error(|| {
                CreateRouteError::BadRequestException(
                    BadRequestException::builder()
                        .message("refused")
                        .meta(ErrorMetadata::builder().code("BadRequestException").build())
                        .build(),
                )
            });
        let create =
            mock!(Client::create_route).then_output(|| CreateRouteOutput::builder().build());
        let client = mock_client!(
            aws_sdk_apigatewayv2,
            RuleMode::MatchAny,
            [&refused, &create]
        );
        let (plan, reported) = routes_reported(20, client).await;
        let failed: Vec<&str> = reported
            .iter()
            .filter(|(_, made)| !made)
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(failed, ["ANY /api-00"]);
        assert_eq!(
            reported.len(),
            refused.num_calls() + create.num_calls(),
            "one report per route sent"
        );
        assert!(
            reported.len() < plan.changes.len(),
            "the failure stopped the rest"
        );
    }
}
