//! Progress of an apply: each change as it is made (its result and how long it took), and the
//! long waits within (a VPC link becoming AVAILABLE can take minutes). Providers report; the
//! binary decides how to show it (one line per change, a spinner on a terminal, log lines
//! otherwise).

use crate::{Change, ProviderError};
use std::future::Future;
use std::time::{Duration, Instant};

/// Receives progress of an apply. Implementations must be cheap: they are called on every poll
/// and for every change, from changes applied side by side too.
pub trait Progress: Send + Sync {
    /// Still waiting: `what` (e.g. "VPC link cortex-prod (abc123)") is in `status` after `elapsed`.
    fn waiting(&self, what: &str, status: &str, elapsed: Duration);
    /// The wait ended, successfully or not, in `status`.
    fn finished(&self, what: &str, status: &str, elapsed: Duration);

    /// `change` is being sent to AWS (changes sent side by side start before others end).
    fn applying(&self, _change: &Change) {}

    /// `change` ended after `elapsed`: made (`Ok`), or refused with the error that stops the
    /// apply. Called once per change sent, whether it succeeded or not; changes made by an
    /// earlier call that made several at once (a REST API's document) report a zero `elapsed`.
    fn applied(&self, _change: &Change, _result: Result<(), &ProviderError>, _elapsed: Duration) {}
}

impl dyn Progress + '_ {
    /// Runs `work`, which makes `change`, and reports its start and its end (result and
    /// duration). The result is handed back unchanged.
    pub async fn reported<T>(
        &self,
        change: &Change,
        work: impl Future<Output = Result<T, ProviderError>>,
    ) -> Result<T, ProviderError> {
        self.applying(change);
        let started = Instant::now();
        let result = work.await;
        self.applied(change, result.as_ref().map(|_| ()), started.elapsed());
        result
    }
}

/// Reports through `tracing`: waits at info level (one line per poll), applied changes at debug
/// level (the binary prints its own line for each).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogProgress;

impl Progress for LogProgress {
    fn waiting(&self, what: &str, status: &str, elapsed: Duration) {
        tracing::info!("waiting for {what}: {status} after {}s", elapsed.as_secs());
    }

    fn finished(&self, what: &str, status: &str, elapsed: Duration) {
        tracing::info!("{what} is {status} after {}s", elapsed.as_secs());
    }

    fn applied(&self, change: &Change, result: Result<(), &ProviderError>, elapsed: Duration) {
        match result {
            Ok(()) => tracing::debug!("{change}: ok after {:.2} s", elapsed.as_secs_f64()),
            Err(error) => tracing::debug!("{change}: failed after {elapsed:?}: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, ResourceKind};
    use std::sync::Mutex;

    /// Everything reported, as text.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Progress for Recorder {
        fn waiting(&self, _: &str, _: &str, _: Duration) {}
        fn finished(&self, _: &str, _: &str, _: Duration) {}
        fn applying(&self, change: &Change) {
            self.0.lock().expect("lock").push(format!("start {change}"));
        }
        fn applied(&self, change: &Change, result: Result<(), &ProviderError>, _: Duration) {
            let outcome = match result {
                Ok(()) => "ok".to_string(),
                Err(error) => format!("failed: {error}"),
            };
            self.0
                .lock()
                .expect("lock")
                .push(format!("{outcome} {change}"));
        }
    }

    fn route() -> Change {
        Change {
            action: Action::Create,
            kind: ResourceKind::Route,
            name: "ANY /iris".into(),
            id: None,
            parent: None,
            detail: None,
        }
    }

    #[test]
    fn a_reported_change_starts_then_ends_with_the_result_it_hands_back() {
        let recorder = Recorder::default();
        let progress: &dyn Progress = &recorder;
        let change = route();
        let made = block_on(progress.reported(&change, async { Ok(7) }));
        assert_eq!(made.expect("made"), 7);
        let failed = block_on(progress.reported(&change, async {
            Err::<(), _>(ProviderError::Unexpected("refused".into()))
        }));
        assert!(failed.is_err());
        let lines = recorder.0.lock().expect("lock").clone();
        assert_eq!(
            lines,
            [
                "start + route ANY /iris",
                "ok + route ANY /iris",
                "start + route ANY /iris",
                "failed: unexpected answer from AWS: refused + route ANY /iris",
            ]
        );
    }

    /// Polls a future that never waits to its end (gw-core has no runtime of its own).
    fn block_on<F: Future>(future: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut future = std::pin::pin!(future);
        let mut context = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
        }
    }
}
