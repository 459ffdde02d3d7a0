//! Which AWS failures are worth another look, and which writes the SDK may repeat by itself.
//!
//! A create that failed with a timeout, a dropped connection or a 5xx may have taken effect: AWS
//! did the work and the answer was lost. Sending it again blindly makes a second API, a second
//! integration, or a `ConflictException`. So creates are sent once ([`CreateOnce`]); their
//! unknown outcome is an [`gw_core::AwsError`] that `is_unsettled`, and the caller observes AWS
//! again and creates only what is still missing. Throttling is still retried by the SDK: AWS
//! answers 429 before doing anything.

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason,
};
use aws_smithy_types::retry::ErrorKind;

/// A retry classifier for non-idempotent calls (creates): it lets the SDK retry throttling and
/// nothing else. Install it per call with
/// `.customize().config_override(Config::builder().retry_classifier(CreateOnce))`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CreateOnce;

impl ClassifyRetry for CreateOnce {
    fn classify_retry(&self, _ctx: &InterceptorContext) -> RetryAction {
        RetryAction::NoActionIndicated
    }

    fn classify_retry_v2(&self, _ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        match previous {
            RetryAction::RetryIndicated(RetryReason::RetryableError {
                kind: ErrorKind::ThrottlingError,
                ..
            }) => RetryAction::NoActionIndicated,
            RetryAction::RetryIndicated(_) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "cortex-net: creates are sent once"
    }

    fn priority(&self) -> RetryClassifierPriority {
        // Last, so that it sees every other classifier's verdict.
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// A retry classifier for calls sent side by side under [`crate::Quotas`]: it forbids the SDK's
/// own retry of throttling (its backoff ignores the shared budget and takes tokens from the calls
/// beside it), leaving every other verdict as it was; the caller waits for the budget and sends
/// again.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThrottlingWaitsForBudget;

impl ClassifyRetry for ThrottlingWaitsForBudget {
    fn classify_retry(&self, _ctx: &InterceptorContext) -> RetryAction {
        RetryAction::NoActionIndicated
    }

    fn classify_retry_v2(&self, _ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        match previous {
            RetryAction::RetryIndicated(RetryReason::RetryableError {
                kind: ErrorKind::ThrottlingError,
                ..
            }) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "cortex-net: throttled calls wait for the account's budget"
    }

    fn priority(&self) -> RetryClassifierPriority {
        // Last, so that it sees every other classifier's verdict.
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_keep_throttling_retries_and_lose_the_others() {
        let ctx = InterceptorContext::new(
            aws_smithy_runtime_api::client::interceptors::context::Input::erase(()),
        );
        let throttled = RetryAction::throttling_error();
        assert_eq!(
            CreateOnce.classify_retry_v2(&ctx, &throttled),
            RetryAction::NoActionIndicated
        );
        for unsafe_retry in [RetryAction::server_error(), RetryAction::transient_error()] {
            assert_eq!(
                CreateOnce.classify_retry_v2(&ctx, &unsafe_retry),
                RetryAction::RetryForbidden
            );
        }
        assert_eq!(
            CreateOnce.classify_retry_v2(&ctx, &RetryAction::NoActionIndicated),
            RetryAction::NoActionIndicated
        );
    }

    #[test]
    fn throttling_is_not_retried_by_the_sdk_and_the_rest_is_left_alone() {
        let ctx = InterceptorContext::new(
            aws_smithy_runtime_api::client::interceptors::context::Input::erase(()),
        );
        let verdict = |previous| ThrottlingWaitsForBudget.classify_retry_v2(&ctx, &previous);
        assert_eq!(
            verdict(RetryAction::throttling_error()),
            RetryAction::RetryForbidden
        );
        for other in [
            RetryAction::server_error(),
            RetryAction::transient_error(),
            RetryAction::NoActionIndicated,
        ] {
            assert_eq!(verdict(other), RetryAction::NoActionIndicated);
        }
    }
}
