//! Turning SDK errors (of either API Gateway crate) into [`LinkError`]s.

use aws_sdk_apigateway::error::{ProvideErrorMetadata, SdkError};

use crate::LinkError;
use crate::link::IN_USE_HINT;

/// Whether AWS said the resource does not exist (both API Gateway APIs use this code).
pub(crate) fn is_not_found<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error
        .as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "NotFoundException")
}

type HttpResponse = aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// An SDK failure, as [`LinkError::Aws`].
pub(crate) fn aws_error<E>(operation: &'static str, error: &SdkError<E, HttpResponse>) -> LinkError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    LinkError::from(aws_calls::aws_error(operation, error))
}

/// A failed deletion: AWS refuses to delete a link that integrations still use.
pub(crate) fn delete_error<E>(error: &SdkError<E, HttpResponse>) -> LinkError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let error = aws_calls::aws_error("DeleteVpcLink", error);
    if error.has_code("BadRequestException") || error.is_conflict() {
        LinkError::from(error.with_hint(IN_USE_HINT))
    } else {
        LinkError::from(error)
    }
}
