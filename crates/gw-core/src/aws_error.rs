//! AWS SDK errors, turned into sentences a user can act on.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Describes an SDK error: the service's code and message, plus what to do for the failures
/// users actually meet (credentials, permissions, throttling, an unreachable endpoint).
pub fn describe_sdk_error<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or("UnknownError");
            let message = err.message().unwrap_or("(no message)");
            match hint_for_code(code) {
                Some(hint) => format!("{code}: {message}. {hint}"),
                None => format!("{code}: {message}"),
            }
        }
        SdkError::DispatchFailure(failure) => {
            let cause = if failure.is_timeout() {
                "the connection timed out"
            } else if failure.is_io() {
                "the connection failed"
            } else {
                "the request could not be sent"
            };
            format!(
                "{cause} ({failure:?}). Check the network, the region, and any endpoint override \
                 (--endpoint-url, AWS_ENDPOINT_URL*)"
            )
        }
        SdkError::TimeoutError(_) => "AWS did not answer in time. Check the network and re-run: \
             cortex-net continues where it stopped"
            .to_string(),
        SdkError::ConstructionFailure(_) => {
            let text = error_chain(error);
            if text.contains("credentials") || text.contains("Credentials") {
                format!(
                    "no usable AWS credentials ({text}). Set AWS_PROFILE or AWS_ACCESS_KEY_ID/\
                     AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
                )
            } else if text.contains("region") {
                format!("{text}. Set `region` in cluster.yaml, --region, or AWS_REGION")
            } else {
                text
            }
        }
        _ => error_chain(error),
    }
}

fn hint_for_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
            "The credentials in use lack a permission: see README.md, 'IAM permissions'"
        }
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch" => {
            "The credentials are invalid or expired: refresh them (e.g. `aws sso login`) or check AWS_PROFILE"
        }
        "TooManyRequestsException" | "Throttling" | "ThrottlingException" => {
            "AWS kept throttling after retries: wait a minute and re-run; cortex-net continues where it stopped"
        }
        "LimitExceededException" => {
            "An AWS quota was reached: remove unused resources or ask AWS for a higher quota"
        }
        _ => return None,
    })
}

/// An error followed by its causes, `: `-separated: the outermost message alone rarely says what
/// went wrong (`error sending request: ... invalid peer certificate: UnknownIssuer`).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
