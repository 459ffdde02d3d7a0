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

pub(crate) fn aws_error<E, R>(operation: &'static str, error: &SdkError<E, R>) -> LinkError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    LinkError::Aws {
        operation,
        message: describe_sdk_error(error),
    }
}

pub(crate) fn delete_error<E, R>(error: &SdkError<E, R>) -> LinkError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
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
    LinkError::Aws {
        operation: "DeleteVpcLink",
        message,
    }
}
