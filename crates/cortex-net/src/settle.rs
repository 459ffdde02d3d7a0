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

use crate::error::CliError;
use crate::progress::{Applied, with_durations};
use gw_core::{Change, Plan};
use std::time::Duration;

/// Rounds of apply-then-observe before giving up. Each round makes progress unless another run
/// keeps changing the same resources.
pub(crate) const ROUNDS: u32 = 6;

/// The first pause after an unsettled failure; it doubles per round (see [`pause`]).
pub(crate) const PAUSE_UNIT: Duration = Duration::from_millis(250);

/// What the rounds drive: the gateway providers in the binary, scripted answers in the tests.
pub(crate) trait Converging {
    /// What one observation planned (the providers' steps, or a plan alone).
    type Steps;

    /// The command to run again when AWS does not converge (`up`, `down`).
    fn command(&self) -> &'static str;

    /// Everything `steps` would change.
    fn plan_of(&self, steps: &Self::Steps) -> Plan;

    /// Applies what `steps` plan.
    async fn apply(&self, steps: &Self::Steps) -> Result<(), CliError>;

    /// The changes reported made (with their durations) since the last call.
    fn made(&self) -> Vec<(Change, Duration)>;

    /// Observes AWS again and plans from what it finds.
    async fn plan_again(&self) -> Result<Self::Steps, CliError>;

    /// Waits before observing again after an unsettled failure in round `round`.
    async fn pause(&self, round: u32);
}

/// The rounds themselves: apply what `steps` plan, observe again, until a plan is empty or
/// [`ROUNDS`] are spent. Unsettled failures (of applying or of observing) are followed by a
/// pause and a fresh observation; others end it. Returns the last steps (which planned nothing)
/// and every change applied on the way, with the duration its report gave (none for those not
/// sent: they went with their parent).
pub(crate) async fn settle_with<C: Converging>(
    converging: &C,
    mut steps: C::Steps,
) -> Result<(C::Steps, Vec<Applied>), CliError> {
    let mut applied = Vec::new();
    let mut last_failure: Option<CliError> = None;
    for round in 1..=ROUNDS {
        let plan = converging.plan_of(&steps);
        if plan.is_empty() {
            return Ok((steps, applied));
        }
        if round > 1 {
            // The summary only: each change gets its own line as it is applied.
            tracing::warn!(
                "AWS is not converged yet (round {round} of {ROUNDS}: a lost answer, or another \
                 run changing this cluster); applying {}",
                plan.summary()
            );
        }
        let outcome = converging.apply(&steps).await;
        // Taken whatever the outcome: what a failed round made is not listed as applied, and
        // its reports must not lend their durations to a later round's changes.
        let made = converging.made();
        match outcome {
            Ok(()) => applied.extend(with_durations(plan.changes, made)),
            Err(error) if error.is_unsettled() => {
                tracing::warn!("{error}; observing AWS again");
                last_failure = Some(error);
                converging.pause(round).await;
            }
            Err(error) => return Err(error),
        }
        steps = observe_again(converging, round).await?;
    }
    let plan = converging.plan_of(&steps);
    if plan.is_empty() {
        return Ok((steps, applied));
    }
    let cause = last_failure
        .map(|error| format!("The last failure: {error}\n"))
        .unwrap_or_default();
    Err(CliError::failed(format!(
        "AWS has not converged after {ROUNDS} rounds: another run may be changing this cluster \
         at the same time. Still planned:\n{plan}\n{cause}Wait for the other run to finish, \
         then run `cortex-net {}` again",
        converging.command()
    )))
}

/// A fresh plan; an unsettled failure to observe (AWS throttling the reads beyond the SDK's
/// retries, a resource vanishing mid-read) is tried again, at most [`ROUNDS`] times.
async fn observe_again<C: Converging>(converging: &C, round: u32) -> Result<C::Steps, CliError> {
    let mut attempts = 1;
    loop {
        match converging.plan_again().await {
            Ok(steps) => return Ok(steps),
            Err(error) if error.is_unsettled() && attempts < ROUNDS => {
                tracing::warn!("{error}; observing AWS again");
                attempts += 1;
                converging.pause(round).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Waits before observing again: `unit` ([`PAUSE_UNIT`] in a real run) doubling per round, plus
/// up to as much again at random, so that two runs racing on one cluster fall out of step.
pub(crate) async fn pause(unit: Duration, round: u32) {
    let base = unit * 2u32.pow(round.saturating_sub(1).min(4));
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

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::{Action, ProviderError, ResourceKind};
    use std::cell::{Cell, RefCell};
    use std::collections::VecDeque;

    fn plan(names: &[&str]) -> Plan {
        Plan {
            changes: names
                .iter()
                .map(|name| Change {
                    action: Action::Create,
                    kind: ResourceKind::Route,
                    name: name.to_string(),
                    id: None,
                    parent: None,
                    detail: None,
                })
                .collect(),
        }
    }

    fn unsettled() -> CliError {
        ProviderError::Unsettled {
            operation: "CreateRoute",
            message: "ConflictException: exists".into(),
        }
        .into()
    }

    /// What AWS plans after each observation, and what each apply answers.
    struct Script {
        observations: RefCell<VecDeque<Result<Plan, CliError>>>,
        applies: RefCell<VecDeque<Result<(), CliError>>>,
        applied: Cell<usize>,
        pauses: Cell<usize>,
        /// What each apply reports made: every change of its plan, 10 ms times the apply's
        /// number (so rounds are told apart).
        made: RefCell<Vec<(Change, Duration)>>,
    }

    impl Script {
        fn new(
            observations: Vec<Result<Plan, CliError>>,
            applies: Vec<Result<(), CliError>>,
        ) -> Self {
            Self {
                observations: RefCell::new(observations.into()),
                applies: RefCell::new(applies.into()),
                applied: Cell::new(0),
                pauses: Cell::new(0),
                made: RefCell::new(Vec::new()),
            }
        }

        async fn run(&self, first: Plan) -> Result<(Plan, Vec<Change>), CliError> {
            let (last, applied) = settle_with(self, first).await?;
            Ok((last, applied.into_iter().map(|a| a.change).collect()))
        }
    }

    impl Converging for Script {
        type Steps = Plan;

        fn command(&self) -> &'static str {
            "up"
        }

        fn plan_of(&self, steps: &Plan) -> Plan {
            steps.clone()
        }

        async fn apply(&self, plan: &Plan) -> Result<(), CliError> {
            self.applied.set(self.applied.get() + 1);
            let elapsed = Duration::from_millis(10) * self.applied.get() as u32;
            let reported = plan.changes.iter().map(|c| (c.clone(), elapsed));
            self.made.borrow_mut().extend(reported);
            self.applies.borrow_mut().pop_front().unwrap_or(Ok(()))
        }

        fn made(&self) -> Vec<(Change, Duration)> {
            std::mem::take(&mut *self.made.borrow_mut())
        }

        async fn plan_again(&self) -> Result<Plan, CliError> {
            self.observations
                .borrow_mut()
                .pop_front()
                .unwrap_or_else(|| Ok(Plan::default()))
        }

        async fn pause(&self, _: u32) {
            self.pauses.set(self.pauses.get() + 1);
        }
    }

    #[tokio::test]
    async fn an_empty_plan_applies_nothing() {
        let script = Script::new(vec![], vec![]);
        let (last, applied) = script.run(Plan::default()).await.expect("converged");
        assert!(last.is_empty() && applied.is_empty());
        assert_eq!(script.applied.get(), 0);
    }

    #[tokio::test]
    async fn what_a_fresh_observation_still_plans_is_applied_in_another_round() {
        // The first apply lost an answer: the next observation still plans one route.
        let script = Script::new(vec![Ok(plan(&["ANY /b"])), Ok(Plan::default())], vec![]);
        let (last, applied) = script
            .run(plan(&["ANY /a", "ANY /b"]))
            .await
            .expect("converged");
        assert!(last.is_empty());
        let names: Vec<_> = applied.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["ANY /a", "ANY /b", "ANY /b"]);
        assert_eq!(script.applied.get(), 2);
    }

    #[tokio::test]
    async fn applied_changes_carry_the_durations_of_their_own_round_only() {
        // Round 1 fails unsettled after reporting "ANY /a" made; round 2 plans it again.
        let script = Script::new(
            vec![Ok(plan(&["ANY /a"])), Ok(Plan::default())],
            vec![Err(unsettled())],
        );
        let (_, applied) = settle_with(&script, plan(&["ANY /a"]))
            .await
            .expect("converged");
        assert_eq!(applied.len(), 1, "{applied:?}");
        assert_eq!((applied[0].result, applied[0].seconds), ("ok", Some(0.02)));
        assert!(
            script.made.borrow().is_empty(),
            "every round's reports taken"
        );
    }

    #[tokio::test]
    async fn an_unsettled_failure_is_followed_by_a_pause_and_a_fresh_observation() {
        let script = Script::new(
            vec![Err(unsettled()), Ok(Plan::default())],
            vec![Err(unsettled())],
        );
        let (last, applied) = script.run(plan(&["ANY /a"])).await.expect("converged");
        assert!(last.is_empty());
        assert!(
            applied.is_empty(),
            "the failed apply is not reported as applied"
        );
        assert_eq!(
            script.pauses.get(),
            2,
            "after the apply and after the observation"
        );
    }

    #[tokio::test]
    async fn any_other_failure_ends_the_run_at_once() {
        let script = Script::new(vec![], vec![Err(CliError::failed("AccessDenied"))]);
        let error = script.run(plan(&["ANY /a"])).await.expect_err("permanent");
        assert_eq!(error.to_string(), "AccessDenied");
        assert_eq!((script.applied.get(), script.pauses.get()), (1, 0));
    }

    #[tokio::test]
    async fn a_plan_that_never_empties_ends_with_what_is_left_and_the_last_failure() {
        let forever = (0..ROUNDS).map(|_| Ok(plan(&["ANY /a"]))).collect();
        let applies = (0..ROUNDS).map(|_| Err(unsettled())).collect();
        let script = Script::new(forever, applies);
        let error = script
            .run(plan(&["ANY /a"]))
            .await
            .expect_err("not converged");
        let text = error.to_string();
        assert!(text.contains(&format!("after {ROUNDS} rounds")), "{text}");
        assert!(text.contains("+ route ANY /a"), "{text}");
        assert!(text.contains("ConflictException"), "{text}");
        assert!(text.contains("run `cortex-net up` again"), "{text}");
        assert_eq!(error.exit_code(), crate::EXIT_FAILURE);
        assert_eq!(script.applied.get(), ROUNDS as usize);
    }

    #[tokio::test]
    async fn observing_that_keeps_failing_is_bounded() {
        let failing = (0..ROUNDS + 1).map(|_| Err(unsettled())).collect();
        let script = Script::new(failing, vec![]);
        let error = script.run(plan(&["ANY /a"])).await.expect_err("gives up");
        assert!(error.is_unsettled(), "{error}");
        assert_eq!(script.pauses.get(), (ROUNDS - 1) as usize);
    }
}
