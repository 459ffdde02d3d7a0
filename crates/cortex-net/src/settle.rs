//! Applying a plan until AWS has converged: `up` and `down` end only when a fresh observation
//! plans nothing.
//!
//! One apply is not enough. An answer lost on the way back (a timeout, a reset, a 5xx) leaves
//! the outcome of a create unknown; another run for the same cluster may be creating or
//! deleting at the same time. So after applying, the providers observe AWS again and diff
//! again; what is still (or newly) planned is applied in another round. A failure that a new
//! observation may settle ([`CliError::is_unsettled`]) is followed by such a round after a short,
//! jittered pause; any other failure ends the run. Duplicates, whoever made them, are resolved
//! by the diff the same way in every run (the oldest is kept), so concurrent runs converge on
//! one gateway instead of fighting.

use crate::commands::{Session, Step, merged};
use crate::error::CliError;
use gw_core::Change;
use lb_discovery::LoadBalancer;
use std::time::Duration;

/// Rounds of apply-then-observe before giving up. Each round makes progress unless another run
/// keeps changing the same resources.
pub(crate) const ROUNDS: u32 = 6;

/// What the rounds converge to.
#[derive(Clone, Copy)]
pub(crate) enum Goal<'a> {
    /// The configuration, in front of this load balancer (`up`).
    Configured(&'a LoadBalancer),
    /// Nothing owned by the cluster (`down`).
    Removed,
}

/// The outcome of settling: the fresh observation that planned nothing, and every change
/// applied on the way.
pub(crate) struct Settled<'s> {
    pub(crate) steps: Vec<Step<'s>>,
    pub(crate) applied: Vec<Change>,
}

impl Session {
    /// The plan towards `goal` from a fresh observation.
    pub(crate) async fn plan_towards(&self, goal: Goal<'_>) -> Result<Vec<Step<'_>>, CliError> {
        match goal {
            Goal::Configured(lb) => self.converge(lb).await,
            Goal::Removed => self.removal().await,
        }
    }

    /// Applies `steps`, then observes and applies again until nothing is planned, at most
    /// [`ROUNDS`] times. Exits with an error naming what did not converge otherwise.
    pub(crate) async fn settle<'s>(
        &'s self,
        goal: Goal<'_>,
        mut steps: Vec<Step<'s>>,
    ) -> Result<Settled<'s>, CliError> {
        let mut applied = Vec::new();
        let mut last_failure: Option<CliError> = None;
        for round in 1..=ROUNDS {
            let plan = merged(&steps);
            if plan.is_empty() {
                return Ok(Settled { steps, applied });
            }
            if round > 1 {
                tracing::warn!(
                    "AWS is not converged yet (round {round} of {ROUNDS}: a lost answer, or \
                     another run changing this cluster); applying:\n{plan}"
                );
            }
            match self.apply(&steps).await {
                Ok(()) => applied.extend(plan.changes),
                Err(error) if error.is_unsettled() => {
                    tracing::warn!("{error}; observing AWS again");
                    last_failure = Some(error);
                    pause(round).await;
                }
                Err(error) => return Err(error),
            }
            steps = loop {
                match self.plan_towards(goal).await {
                    Ok(steps) => break steps,
                    Err(error) if error.is_unsettled() => {
                        tracing::warn!("{error}; observing AWS again");
                        pause(round).await;
                    }
                    Err(error) => return Err(error),
                }
            };
        }
        let plan = merged(&steps);
        if plan.is_empty() {
            return Ok(Settled { steps, applied });
        }
        let command = match goal {
            Goal::Configured(_) => "up",
            Goal::Removed => "down",
        };
        let cause = last_failure
            .map(|error| format!("The last failure: {error}\n"))
            .unwrap_or_default();
        Err(CliError::failed(format!(
            "AWS has not converged after {ROUNDS} rounds: another run may be changing this \
             cluster at the same time. Still planned:\n{plan}\n{cause}Wait for the other run \
             to finish, then run `cortex-net {command}` again"
        )))
    }
}

/// Waits before observing again: 250 ms doubling per round, plus up to as much again at random,
/// so that two runs racing on one cluster fall out of step.
async fn pause(round: u32) {
    let base = Duration::from_millis(250) * 2u32.pow(round.saturating_sub(1).min(4));
    let jitter = base.mul_f64(random_fraction());
    tokio::time::sleep(base + jitter).await;
}

/// A number in [0, 1) that differs between processes and calls; no cryptographic quality needed.
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    (hasher.finish() % 1_000_000) as f64 / 1_000_000.0
}
