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
    /// anything, so a create may go again) waits for the next token.
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
        let mut attempt = 1;
        loop {
            self.quotas.acquire(&operation(change)).await;
            if stopped.load(Ordering::Relaxed) {
                return Ok(());
            }
            let sent = match change.kind {
                ResourceKind::Route => route::apply(self, change).await,
                ResourceKind::Integration if change.action == Action::Delete => {
                    integration::delete(self, change).await
                }
                _ => Err(ProviderError::Unexpected(format!(
                    "{change} cannot be sent beside other changes"
                ))),
            };
            match sent {
                Err(error) if throttled(&error) && attempt < attempts => attempt += 1,
                Err(error) => return Err(error),
                Ok(()) => {
                    tracing::info!("{change}");
                    return Ok(());
                }
            }
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
