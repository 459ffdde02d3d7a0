//! Which AWS failures are worth another look, and which writes the SDK may repeat by itself.
//!
//! A create that failed with a timeout, a dropped connection or a 5xx may have taken effect: AWS
//! did the work and the answer was lost. Sending it again blindly makes a second API, a second
//! integration, or a `ConflictException`. So creates are sent once ([`CreateOnce`]); their
//! unknown outcome becomes [`crate::ProviderError::Unsettled`], and the caller observes AWS
//! again and creates only what is still missing. Throttling is still retried by the SDK: AWS
//! answers 429 before doing anything.

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
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

/// Codes after which AWS's state is worth observing again rather than giving up: the outcome
/// is unknown (5xx), another run got there first (conflict, not found), or AWS is throttling.
const UNSETTLED_CODES: &[&str] = &[
    "ConflictException",
    "NotFoundException",
    "TooManyRequestsException",
    "Throttling",
    "ThrottlingException",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
];

/// AWS's words when it refuses a change because of what other resources still reference: a
/// run that observes again sees the reference gone (or moves it first).
const STILL_REFERENCED: &[&str] = &["referenced", "in use", "Active stages", "being deleted"];

/// Whether `error` leaves AWS in a state that a fresh observation may settle: an unknown
/// outcome (timeout, dropped connection, unreadable answer, 5xx), a conflict with what another
/// run did, throttling that outlasted the retries. Access denied, validation errors, quotas and
/// the like are not: observing again changes nothing.
pub fn is_unsettled<E>(error: &SdkError<E, HttpResponse>) -> bool
where
    E: ProvideErrorMetadata,
{
    match error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            let message = service.err().message().unwrap_or_default();
            // AWS words some quota refusals as throttling: a quota is not settled by waiting.
            service.raw().status().is_server_error()
                || (UNSETTLED_CODES.contains(&code) && !crate::is_quota_exceeded(error))
                || (code == "BadRequestException"
                    && STILL_REFERENCED.iter().any(|m| message.contains(m)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::result::{ConnectorError, ServiceError};
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    #[derive(Debug)]
    struct Fake(ErrorMetadata);

    impl std::fmt::Display for Fake {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("fake")
        }
    }
    impl std::error::Error for Fake {}
    impl ProvideErrorMetadata for Fake {
        fn meta(&self) -> &ErrorMetadata {
            &self.0
        }
    }

    fn service(status: u16, code: &str, message: &str) -> SdkError<Fake, HttpResponse> {
        let raw = HttpResponse::new(
            StatusCode::try_from(status).expect("valid status"),
            SdkBody::empty(),
        );
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        SdkError::ServiceError(ServiceError::builder().source(Fake(meta)).raw(raw).build())
    }

    #[test]
    fn unknown_outcomes_and_races_are_unsettled() {
        assert!(is_unsettled(&service(500, "InternalFailure", "boom")));
        assert!(is_unsettled(&service(503, "Whatever", "")));
        assert!(is_unsettled(&service(409, "ConflictException", "exists")));
        assert!(is_unsettled(&service(404, "NotFoundException", "gone")));
        assert!(is_unsettled(&service(
            429,
            "TooManyRequestsException",
            "slow down"
        )));
        assert!(is_unsettled(&service(
            400,
            "BadRequestException",
            "Cannot delete vpc link abc, because it is referenced in integrations"
        )));
        let reset: SdkError<Fake, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io("reset by peer".into()));
        assert!(is_unsettled(&reset));
    }

    #[test]
    fn refusals_that_observing_cannot_change_are_not() {
        assert!(!is_unsettled(&service(403, "AccessDeniedException", "no")));
        assert!(!is_unsettled(&service(
            400,
            "BadRequestException",
            "Invalid route key"
        )));
        assert!(!is_unsettled(&service(
            429,
            "LimitExceededException",
            "quota"
        )));
        assert!(!is_unsettled(&service(
            429,
            "TooManyRequestsException",
            "You have exceeded the quota for APIs in this account"
        )));
    }

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
}
