//! Errors at the edge of the program, each with the exit code it ends in.

use std::fmt;

/// AWS or operational failure.
pub const EXIT_FAILURE: u8 = 1;
/// Invalid input: configuration, flags, or a request this version cannot fulfil.
pub const EXIT_INVALID_INPUT: u8 = 2;

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
            gw_core::ProviderError::Unsettled { .. } => CliError {
                unsettled: true,
                ..CliError::failed(error.to_string())
            },
            _ => CliError::failed(error.to_string()),
        }
    }
}

impl From<lb_discovery::DiscoveryError> for CliError {
    fn from(error: lb_discovery::DiscoveryError) -> Self {
        CliError::failed(error.to_string())
    }
}
