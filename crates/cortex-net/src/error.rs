//! Errors at the edge of the program, each with the exit code it ends in.

use std::fmt;

/// AWS or operational failure.
pub const EXIT_FAILURE: u8 = 1;
/// Invalid input: configuration, flags, or a request this version cannot fulfil.
pub const EXIT_INVALID_INPUT: u8 = 2;
/// `plan --detailed-exitcode`: the plan is not empty (Terraform's 2 means invalid input here).
pub const EXIT_CHANGES_PENDING: u8 = 3;

#[derive(Debug)]
pub struct CliError {
    code: u8,
    message: String,
    /// A fresh observation of AWS may get past it (`gw_core::ProviderError::Unsettled`).
    unsettled: bool,
}

impl CliError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: EXIT_INVALID_INPUT,
            message: message.into(),
            unsettled: false,
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            code: EXIT_FAILURE,
            message: message.into(),
            unsettled: false,
        }
    }

    /// `plan --detailed-exitcode` found changes: not a failure, a different exit code.
    pub fn changes_pending() -> Self {
        Self {
            code: EXIT_CHANGES_PENDING,
            message: "changes pending (plan --detailed-exitcode: exit 3)".to_string(),
            unsettled: false,
        }
    }

    /// Whether observing AWS again may get past this failure (a lost answer, another run).
    pub fn is_unsettled(&self) -> bool {
        self.unsettled
    }

    pub fn exit_code(&self) -> u8 {
        self.code
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<gw_core::ProviderError> for CliError {
    fn from(error: gw_core::ProviderError) -> Self {
        match error {
            gw_core::ProviderError::Unsupported(_) => CliError::invalid(error.to_string()),
            // A failed AWS call may be unsettled too (a lost answer to a create, a conflict).
            _ => CliError {
                unsettled: error.is_unsettled(),
                ..CliError::failed(error.to_string())
            },
        }
    }
}

impl From<lb_discovery::DiscoveryError> for CliError {
    fn from(error: lb_discovery::DiscoveryError) -> Self {
        CliError::failed(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::{AwsError, ProviderError};

    #[test]
    fn provider_failures_keep_their_exit_code_and_whether_observing_again_may_help() {
        let unsupported = CliError::from(ProviderError::Unsupported("no".into()));
        assert_eq!(unsupported.exit_code(), EXIT_INVALID_INPUT);
        let unsettled = CliError::from(ProviderError::Unsettled {
            operation: "DeleteVpcLink",
            message: "another run is deleting it".into(),
        });
        assert!(unsettled.is_unsettled());
        let lost = AwsError::service("apigateway", "CreateApi", 500, "InternalFailure", "oops");
        assert!(
            lost.is_unsettled(),
            "a 5xx to a create: the create may have happened"
        );
        let lost = CliError::from(ProviderError::from(lost));
        assert!(lost.is_unsettled(), "{lost}");
        assert_eq!(lost.exit_code(), EXIT_FAILURE);
        let denied = AwsError::service("apigateway", "GetApis", 403, "AccessDeniedException", "no");
        assert!(!CliError::from(ProviderError::from(denied)).is_unsettled());
    }
}
