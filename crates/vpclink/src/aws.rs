//! Turning SDK errors (of either API Gateway crate) into [`LinkError`]s.

use aws_sdk_apigateway::error::{ProvideErrorMetadata, SdkError};
use gw_core::describe_sdk_error;

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

/// An SDK failure: [`LinkError::Unsettled`] when observing again may settle it (a lost answer,
/// a conflict with another run), else [`LinkError::Aws`].
pub(crate) fn aws_error<E>(operation: &'static str, error: &SdkError<E, HttpResponse>) -> LinkError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    with_message(operation, error, describe_sdk_error(error))
}

fn with_message<E>(
    operation: &'static str,
    error: &SdkError<E, HttpResponse>,
    message: String,
) -> LinkError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if gw_core::is_unsettled(error) {
        LinkError::Unsettled { operation, message }
    } else {
        LinkError::Aws { operation, message }
    }
}

pub(crate) fn delete_error<E>(error: &SdkError<E, HttpResponse>) -> LinkError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut message = describe_sdk_error(error);
    if error
        .as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "BadRequestException" || code == "ConflictException")
    {
        message.push_str(". ");
        message.push_str(IN_USE_HINT);
    }
    with_message("DeleteVpcLink", error, message)
}
