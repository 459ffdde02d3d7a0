//! How cortex-net calls AWS: SDK errors become [`gw_core::AwsError`]s, creates are sent once.
//!
//! Every crate that calls AWS turns a failed call into an [`AwsError`] with [`aws_error`] (or
//! `.aws("Operation")` on a result, [`AwsResultExt`]) and carries it as a source up to the
//! command line, where its `Display` is the sentence with the fix. Creates install
//! [`CreateOnce`], so that an unknown outcome is settled by observing, never by sending twice.
//!
//! Listings without an SDK paginator (apigatewayv2's) go through [`all_pages`]; calls that
//! may come in numbers wait for API Gateway's account quotas in [`Quotas`], and install
//! [`ThrottlingWaitsForBudget`] so that their throttling waits for that budget too.
//!
//! ```
//! use aws_calls::AwsResultExt;
//! use aws_smithy_runtime_api::client::result::SdkError;
//! use aws_smithy_types::error::ErrorMetadata;
//!
//! // What an SDK call returns when AWS refuses it...
//! let meta = ErrorMetadata::builder().code("ConflictException").message("exists").build();
//! let answer: Result<(), SdkError<ErrorMetadata, ()>> = Err(SdkError::service_error(meta, ()));
//! // ... becomes data to decide on, and a sentence only when shown.
//! let error = answer.aws("CreateApi").unwrap_err();
//! assert!(error.is_conflict() && error.is_unsettled());
//! assert_eq!(error.to_string(), "CreateApi did not complete: ConflictException: exists");
//! ```
//!
//! This crate makes no AWS calls of its own; its only state is the budget in [`Quotas`].

mod pages;
mod quotas;
mod retry;

pub use gw_core::AwsError;
use gw_core::Cause;
pub use pages::all_pages;
pub use quotas::Quotas;
pub use retry::{CreateOnce, ThrottlingWaitsForBudget};

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The [`AwsError`] of a failed call of `operation` (as AWS names it: `CreateApi`).
pub fn aws_error<E, R>(operation: &'static str, error: &SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HttpStatus,
{
    let service = Operation::of::<E>()
        .map(|op| op.service)
        .unwrap_or_default();
    let (code, message, cause) = match error {
        SdkError::ServiceError(failed) => {
            let err = failed.err();
            (
                err.code().map(str::to_owned),
                err.message().unwrap_or_default().to_owned(),
                Cause::Service {
                    status: failed.raw().status_code(),
                },
            )
        }
        SdkError::DispatchFailure(failure) => (
            None,
            gw_core::error_chain(error),
            Cause::Connection {
                timed_out: failure.is_timeout(),
                io: failure.is_io(),
            },
        ),
        SdkError::ConstructionFailure(_) => {
            (None, gw_core::error_chain(error), Cause::Construction)
        }
        SdkError::TimeoutError(_) => (None, gw_core::error_chain(error), Cause::Timeout),
        _ => (None, gw_core::error_chain(error), Cause::Unreadable),
    };
    AwsError {
        operation,
        service,
        code,
        message,
        cause,
        hint: None,
    }
}

/// `.aws("CreateApi")` on an SDK result: its error as an [`AwsError`], so that `?` carries it
/// into any error type that converts from one.
pub trait AwsResultExt<T> {
    fn aws(self, operation: &'static str) -> Result<T, AwsError>;
}

impl<T, E, R> AwsResultExt<T> for Result<T, SdkError<E, R>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HttpStatus,
{
    fn aws(self, operation: &'static str) -> Result<T, AwsError> {
        self.map_err(|error| aws_error(operation, &error))
    }
}

/// The HTTP status of a raw response (tests use `()`, which has none).
pub trait HttpStatus {
    fn status_code(&self) -> u16;
}

impl HttpStatus for aws_smithy_runtime_api::client::orchestrator::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

impl HttpStatus for () {
    fn status_code(&self) -> u16 {
        400
    }
}

/// The AWS operation an SDK error type belongs to, read from its Rust path
/// (`aws_sdk_apigatewayv2::operation::create_api::CreateApiError`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Operation {
    /// The SDK crate's service name: `apigatewayv2`, `elasticloadbalancingv2`, `acm`...
    service: &'static str,
    /// The operation, as AWS names it: `CreateApi`.
    name: String,
}

impl Operation {
    fn of<E>() -> Option<Operation> {
        Self::from_type_name(std::any::type_name::<E>())
    }

    fn from_type_name(type_name: &'static str) -> Option<Operation> {
        // The SDK crate may sit below other path segments (a re-export, a test's fake).
        let mut segments = type_name
            .split("::")
            .skip_while(|segment| !segment.starts_with("aws_sdk_"));
        let service = segments.next()?.strip_prefix("aws_sdk_")?;
        if segments.next()? != "operation" {
            return None;
        }
        let snake = segments.next()?;
        let name: String = snake
            .split('_')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut chars = w.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect();
        (!name.is_empty()).then_some(Operation { service, name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::{ConnectorError, ServiceError};
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    /// A faked operation error with the path the SDK gives its error types.
    mod aws_sdk_apigatewayv2 {
        pub mod operation {
            pub mod create_api {
                use aws_smithy_types::error::ErrorMetadata;
                use aws_smithy_types::error::metadata::ProvideErrorMetadata;

                #[derive(Debug)]
                pub struct CreateApiError(pub ErrorMetadata);

                impl std::fmt::Display for CreateApiError {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "CreateApiError")
                    }
                }

                impl std::error::Error for CreateApiError {}

                impl ProvideErrorMetadata for CreateApiError {
                    fn meta(&self) -> &ErrorMetadata {
                        &self.0
                    }
                }
            }
        }
    }
    use aws_sdk_apigatewayv2::operation::create_api::CreateApiError;

    fn service(status: u16, code: &str, message: &str) -> SdkError<CreateApiError, HttpResponse> {
        let raw = HttpResponse::new(
            StatusCode::try_from(status).expect("valid status"),
            SdkBody::empty(),
        );
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let err = CreateApiError(meta);
        SdkError::ServiceError(ServiceError::builder().source(err).raw(raw).build())
    }

    #[test]
    fn service_errors_keep_code_message_status_and_the_iam_action() {
        let err = aws_error(
            "CreateApi",
            &service(403, "AccessDeniedException", "Forbidden"),
        );
        assert_eq!(err.code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(err.message, "Forbidden");
        assert_eq!(err.cause, Cause::Service { status: 403 });
        assert_eq!(err.service, "apigatewayv2");
        assert!(!err.is_unsettled());
        let text = err.to_string();
        assert!(
            text.contains("may not call CreateApi (IAM action `apigateway:POST`)"),
            "{text}"
        );
        let err = aws_error("CreateApi", &service(503, "Whatever", ""));
        assert!(err.is_unsettled());
    }

    #[test]
    fn lost_connections_are_unsettled() {
        let reset: SdkError<CreateApiError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io("reset by peer".into()));
        let err = aws_error("CreateApi", &reset);
        assert!(err.is_unsettled());
        assert!(
            err.to_string()
                .starts_with("CreateApi did not complete: the connection failed"),
            "{err}"
        );
        let result: Result<(), _> = Err(reset);
        assert_eq!(result.aws("CreateApi").unwrap_err(), err);
    }

    #[test]
    fn operation_from_sdk_type_paths() {
        let op = Operation::from_type_name(
            "aws_sdk_apigatewayv2::operation::create_api::CreateApiError",
        )
        .unwrap();
        assert_eq!(op.name, "CreateApi");
        assert_eq!(
            gw_core::iam_action(op.service, &op.name).as_deref(),
            Some("apigateway:POST")
        );
        let op = Operation::from_type_name(
            "aws_sdk_elasticloadbalancingv2::operation::describe_load_balancers::DescribeLoadBalancersError",
        )
        .unwrap();
        assert_eq!(
            gw_core::iam_action(op.service, &op.name).as_deref(),
            Some("elasticloadbalancing:DescribeLoadBalancers")
        );
        assert_eq!(Operation::from_type_name("gw_core::Thing"), None);
        assert_eq!(Operation::from_type_name("aws_sdk_acm::Error"), None);
    }
}
