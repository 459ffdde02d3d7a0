//! Turning SDK errors (of ACM and both API Gateway crates) into [`CertError`]s.

use aws_sdk_acm::error::{ProvideErrorMetadata, SdkError};

use crate::CertError;

/// Whether AWS answered with this error code.
pub(crate) fn has_code<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>, code: &str) -> bool {
    error
        .as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|c| c == code)
}

/// Whether API Gateway (either API) said the resource does not exist.
pub(crate) fn is_not_found<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    has_code(error, "NotFoundException")
}

/// An SDK failure, as [`CertError::Aws`].
pub(crate) fn aws_error<E>(
    operation: &'static str,
    error: &SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> CertError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    CertError::from(aws_calls::aws_error(operation, error))
}
