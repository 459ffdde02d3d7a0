//! API Gateway's control-plane quotas, kept on our side of the wire: calls wait for a token
//! instead of drawing a 429 that the SDK then has to back off from.
//!
//! AWS's quotas for creating, deploying and managing an API are per account and region and
//! cannot be raised: all operations together 10 requests/s with a burst of 40, and lower rates
//! for some operations. One [`Quotas`] is shared by everything one process sends to API Gateway
//! in one region, so that concurrent calls stay inside the account's budget together.
//!
//! The operations AWS allows only once per 15 or 30 seconds (`DeleteRestApi`, VPC link and
//! domain name creation and deletion) are left to AWS's 429 and the retries around them: waiting
//! for them here would make every second call of a run wait half a minute, even where AWS had
//! budget to spare from before the run.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket: `burst` tokens, refilled at `rate` per second.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(rate: f64, burst: f64, now: Instant) -> Self {
        Bucket {
            rate,
            burst,
            tokens: burst,
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.at = now;
    }

    /// How long until a token is there (zero when one is).
    fn wait(&self) -> Duration {
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.rate)
        }
    }
}

/// Per-operation quotas kept here: (operation, requests per second, burst).
const API_GATEWAY: &[(&str, f64, f64)] = &[
    ("CreateResource", 5.0, 5.0),
    ("DeleteResource", 5.0, 5.0),
    ("GetResources", 2.5, 5.0),
    ("PutRestApi", 1.0, 1.0),
    ("ImportRestApi", 1.0 / 3.0, 1.0),
    ("CreateRestApi", 1.0 / 3.0, 1.0),
    ("CreateDeployment", 0.2, 1.0),
];

/// The account's API Gateway budget, shared by every call one process makes to it.
#[derive(Debug)]
pub struct Quotas {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    all: Bucket,
    operations: HashMap<&'static str, Bucket>,
}

impl Quotas {
    /// API Gateway's control-plane quotas: 10 requests/s with a burst of 40 for all operations
    /// together, and the per-operation rates AWS publishes for the ones a run may repeat.
    pub fn api_gateway() -> Self {
        Self::new(10.0, 40.0, API_GATEWAY)
    }

    fn new(rate: f64, burst: f64, operations: &[(&'static str, f64, f64)]) -> Self {
        let now = Instant::now();
        Quotas {
            state: Mutex::new(State {
                all: Bucket::full(rate, burst, now),
                operations: operations
                    .iter()
                    .map(|(op, rate, burst)| (*op, Bucket::full(*rate, *burst, now)))
                    .collect(),
            }),
        }
    }

    /// Takes a token for `operation` now, or says how long to wait before asking again.
    fn try_take(&self, operation: &str, now: Instant) -> Result<(), Duration> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let State { all, operations } = &mut *state;
        all.refill(now);
        let mut own = operations.get_mut(operation);
        if let Some(bucket) = own.as_deref_mut() {
            bucket.refill(now);
        }
        let wait = all
            .wait()
            .max(own.as_deref().map_or(Duration::ZERO, Bucket::wait));
        if !wait.is_zero() {
            return Err(wait);
        }
        all.tokens -= 1.0;
        if let Some(bucket) = own {
            bucket.tokens -= 1.0;
        }
        Ok(())
    }

    /// Waits until the account's budget allows one more `operation`, and takes it.
    pub async fn acquire(&self, operation: &str) {
        while let Err(wait) = self.try_take(operation, Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_is_spent_then_the_rate_refills_it() {
        let quotas = Quotas::new(10.0, 40.0, &[]);
        let start = Instant::now();
        for _ in 0..40 {
            assert_eq!(quotas.try_take("GetApis", start), Ok(()));
        }
        let wait = quotas.try_take("GetApis", start).unwrap_err();
        assert_eq!(wait, Duration::from_millis(100));
        let later = start + Duration::from_millis(250);
        assert_eq!(quotas.try_take("GetApis", later), Ok(()));
        assert_eq!(quotas.try_take("GetApis", later), Ok(()));
        assert!(quotas.try_take("GetApis", later).is_err());
    }

    #[test]
    fn an_operation_waits_for_its_own_quota_and_the_others_do_not() {
        let quotas = Quotas::new(10.0, 40.0, &[("CreateDeployment", 0.2, 1.0)]);
        let start = Instant::now();
        assert_eq!(quotas.try_take("CreateDeployment", start), Ok(()));
        assert_eq!(
            quotas.try_take("CreateDeployment", start),
            Err(Duration::from_secs(5))
        );
        assert_eq!(quotas.try_take("GetStages", start), Ok(()));
        let later = start + Duration::from_secs(5);
        assert_eq!(quotas.try_take("CreateDeployment", later), Ok(()));
    }

    #[test]
    fn a_refused_call_takes_nothing() {
        let quotas = Quotas::new(1.0, 1.0, &[("PutRestApi", 1.0, 1.0)]);
        let start = Instant::now();
        assert_eq!(quotas.try_take("PutRestApi", start), Ok(()));
        assert!(quotas.try_take("PutRestApi", start).is_err());
        // The refused call left the shared bucket as it was: a second later both refill.
        let later = start + Duration::from_secs(1);
        assert_eq!(quotas.try_take("PutRestApi", later), Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_waits_for_the_budget() {
        let quotas = Quotas::new(10.0, 1.0, &[]);
        let start = tokio::time::Instant::now();
        quotas.acquire("GetApis").await;
        quotas.acquire("GetApis").await;
        assert!(start.elapsed() >= Duration::from_millis(100));
    }
}
