//! Progress on long waits (a VPC link becoming AVAILABLE can take minutes): providers report,
//! the binary decides how to show it (a spinner on a terminal, log lines otherwise).

use std::time::Duration;

/// Receives progress of one wait. Implementations must be cheap: they are called on every poll.
pub trait Progress: Send + Sync {
    /// Still waiting: `what` (e.g. "VPC link cortex-prod (abc123)") is in `status` after `elapsed`.
    fn waiting(&self, what: &str, status: &str, elapsed: Duration);
    /// The wait ended, successfully or not, in `status`.
    fn finished(&self, what: &str, status: &str, elapsed: Duration);
}

/// Reports through `tracing`: one line per poll at info level.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogProgress;

impl Progress for LogProgress {
    fn waiting(&self, what: &str, status: &str, elapsed: Duration) {
        tracing::info!("waiting for {what}: {status} after {}s", elapsed.as_secs());
    }

    fn finished(&self, what: &str, status: &str, elapsed: Duration) {
        tracing::info!("{what} is {status} after {}s", elapsed.as_secs());
    }
}
