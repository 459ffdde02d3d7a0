//! Waiting for a link to become `AVAILABLE`, or to be gone: polling with exponential backoff.

use std::future::Future;
use std::time::Duration;

use gw_core::Progress;
use tokio::time::Instant;

use crate::{Link, LinkError, Status};

/// How long, and how often, to poll a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitOptions {
    /// Give up after this long (`gateway.vpc_link_timeout_seconds`).
    pub timeout: Duration,
    /// The first interval between polls; each next one doubles, up to `max_poll`.
    pub first_poll: Duration,
    pub max_poll: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            first_poll: Duration::from_secs(2),
            max_poll: Duration::from_secs(30),
        }
    }
}

impl WaitOptions {
    /// The defaults with another timeout (from `VpcLinkSpec::timeout_seconds`).
    pub fn with_timeout(timeout: Duration) -> Self {
        Self {
            timeout,
            ..Self::default()
        }
    }
}

/// The intervals between polls, bounded by the deadline.
struct Backoff {
    start: Instant,
    next: Duration,
    options: WaitOptions,
}

impl Backoff {
    fn new(options: &WaitOptions) -> Self {
        Self {
            start: Instant::now(),
            next: options.first_poll,
            options: options.clone(),
        }
    }

    fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    fn expired(&self) -> bool {
        self.elapsed() >= self.options.timeout
    }

    /// Sleeps until the next poll, never past the deadline, so the last poll happens at it.
    async fn sleep(&mut self) {
        let left = self.options.timeout.saturating_sub(self.elapsed());
        tokio::time::sleep(self.next.min(left)).await;
        self.next = (self.next * 2).min(self.options.max_poll);
    }
}

/// What one poll decided: stop with a result (and the status progress reports), or poll again.
enum Step<T> {
    Done {
        status: String,
        result: Result<T, LinkError>,
    },
    Wait(String),
}

impl<T> Step<T> {
    fn done(status: &str, result: Result<T, LinkError>) -> Self {
        Step::Done {
            status: status.to_string(),
            result,
        }
    }
}

/// Polls `poll` with [`Backoff`] until `judge` (given what the poll found, the time waited and
/// whether the deadline passed) says done. Every poll still waiting is reported to
/// `progress.waiting`, and the end, whatever it is, to `progress.finished`; a failed poll ends
/// the wait with its error.
async fn poll_until<T, F, Fut>(
    what: &Link,
    options: &WaitOptions,
    progress: &dyn Progress,
    mut poll: F,
    mut judge: impl FnMut(Option<Link>, Duration, bool) -> Step<T>,
) -> Result<T, LinkError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<Link>, LinkError>>,
{
    let label = what.describe();
    let mut backoff = Backoff::new(options);
    loop {
        let step = match poll().await {
            Ok(found) => judge(found, backoff.elapsed(), backoff.expired()),
            Err(error) => Step::done("unknown (AWS call failed)", Err(error)),
        };
        match step {
            Step::Done { status, result } => {
                progress.finished(&label, &status, backoff.elapsed());
                return result;
            }
            Step::Wait(status) => {
                progress.waiting(&label, &status, backoff.elapsed());
                backoff.sleep().await;
            }
        }
    }
}

/// Polls `poll` until the link is usable ([`Status::is_usable`]: `AVAILABLE`, or `INACTIVE`, a
/// v2 link AWS reactivates only when traffic resumes, so it is as usable as it will get), with
/// exponential backoff from `first_poll` doubling up to `max_poll`, bounded by `timeout`. Every
/// poll still waiting is reported to `progress.waiting`, and the end, whatever it is, to
/// `progress.finished`.
///
/// `FAILED` is [`LinkError::Failed`] with AWS's status message; the timeout is
/// [`LinkError::TimedOut`]; a link that vanished (`poll` returned `None`) or is being deleted
/// is a [`LinkError::Unsettled`] error saying so.
pub async fn wait_available<F, Fut>(
    what: &Link,
    options: &WaitOptions,
    progress: &dyn Progress,
    poll: F,
) -> Result<Link, LinkError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<Link>, LinkError>>,
{
    poll_until(what, options, progress, poll, |found, elapsed, expired| {
        let Some(link) = found else {
            return Step::done("gone", Err(vanished(what, "no longer exists")));
        };
        let status = link.status.to_string();
        match &link.status {
            usable if usable.is_usable() => Step::done(&status, Ok(link)),
            Status::Failed => Step::done(
                &status,
                Err(LinkError::Failed {
                    message: link
                        .status_message
                        .unwrap_or_else(|| "AWS gave no reason".to_string()),
                    name: link.name,
                    id: link.id,
                }),
            ),
            Status::Deleting => Step::done(&status, Err(vanished(what, "is being deleted"))),
            _ if expired => Step::done(
                &status,
                Err(LinkError::TimedOut {
                    name: link.name,
                    id: link.id,
                    status: status.clone(),
                    waited: elapsed,
                }),
            ),
            _ => Step::Wait(status),
        }
    })
    .await
}

/// Polls `poll` until the link is gone (`poll` returns `None`), with the same backoff, timeout
/// and progress as [`wait_available`]; the timeout is [`LinkError::DeleteTimedOut`].
///
/// This only waits: AWS refuses to delete a link an integration still references
/// (`BadRequestException` / `ConflictException`), so callers delete integrations first (see
/// [`gw_core::ResourceKind::deletion_rank`]) and request the deletion before waiting.
pub async fn wait_deleted<F, Fut>(
    what: &Link,
    options: &WaitOptions,
    progress: &dyn Progress,
    poll: F,
) -> Result<(), LinkError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<Link>, LinkError>>,
{
    poll_until(
        what,
        options,
        progress,
        poll,
        |found, elapsed, expired| match found {
            None => Step::done("deleted", Ok(())),
            Some(link) if expired => {
                let status = link.status.to_string();
                Step::done(
                    &status,
                    Err(LinkError::DeleteTimedOut {
                        name: link.name,
                        id: link.id,
                        status: status.clone(),
                        waited: elapsed,
                    }),
                )
            }
            Some(link) => Step::Wait(link.status.to_string()),
        },
    )
    .await
}

fn vanished(what: &Link, how: &str) -> LinkError {
    LinkError::Unsettled {
        operation: "GetVpcLink",
        message: format!(
            "{} {how} while cortex-net was waiting for it to become AVAILABLE (someone or \
             something else deleted it). Re-run `cortex-net up` to create a new one",
            what.describe()
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;
    use crate::Version;

    /// Records every progress call: (kind, status, elapsed).
    #[derive(Default)]
    struct Recorder(Mutex<Vec<(&'static str, String, Duration)>>);

    impl Progress for Recorder {
        fn waiting(&self, _what: &str, status: &str, elapsed: Duration) {
            self.0
                .lock()
                .unwrap()
                .push(("waiting", status.to_string(), elapsed));
        }
        fn finished(&self, _what: &str, status: &str, elapsed: Duration) {
            self.0
                .lock()
                .unwrap()
                .push(("finished", status.to_string(), elapsed));
        }
    }

    impl Recorder {
        fn calls(&self) -> Vec<(&'static str, String, Duration)> {
            self.0.lock().unwrap().clone()
        }
    }

    fn link(status: Status) -> Link {
        Link {
            id: "abc123".into(),
            name: "cortex-prod".into(),
            version: Version::V2,
            status,
            status_message: None,
            targets: vec!["subnet-1".into()],
            security_groups: vec!["sg-1".into()],
            created_millis: None,
        }
    }

    /// A poll function answering from a script, recording when it was called.
    struct Script {
        answers: Mutex<VecDeque<Result<Option<Link>, LinkError>>>,
        at: Mutex<Vec<Instant>>,
    }

    impl Script {
        fn new(answers: Vec<Result<Option<Link>, LinkError>>) -> Self {
            Self {
                answers: Mutex::new(answers.into()),
                at: Mutex::new(Vec::new()),
            }
        }
        /// Answers the next scripted result; repeats the last one when the script runs out.
        async fn poll(&self) -> Result<Option<Link>, LinkError> {
            self.at.lock().unwrap().push(Instant::now());
            let mut answers = self.answers.lock().unwrap();
            if answers.len() > 1 {
                answers.pop_front().unwrap()
            } else {
                match answers.front().unwrap() {
                    Ok(link) => Ok(link.clone()),
                    Err(_) => panic!("an error answer must not be repeated"),
                }
            }
        }
        fn polls(&self) -> Vec<Instant> {
            self.at.lock().unwrap().clone()
        }
        /// [`wait_available`] on a PENDING link, polling this script.
        async fn available(
            &self,
            options: &WaitOptions,
            progress: &Recorder,
        ) -> Result<Link, LinkError> {
            wait_available(&link(Status::Pending), options, progress, || self.poll()).await
        }
        /// [`wait_deleted`] on a DELETING link, polling this script.
        async fn deleted(
            &self,
            options: &WaitOptions,
            progress: &Recorder,
        ) -> Result<(), LinkError> {
            wait_deleted(&link(Status::Deleting), options, progress, || self.poll()).await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pending_twice_then_available_backs_off_2s_then_4s() {
        let script = Script::new(vec![
            Ok(Some(link(Status::Pending))),
            Ok(Some(link(Status::Pending))),
            Ok(Some(link(Status::Available))),
        ]);
        let progress = Recorder::default();
        let start = Instant::now();
        let got = script
            .available(&WaitOptions::default(), &progress)
            .await
            .unwrap();
        assert_eq!(got.status, Status::Available);
        let polls = script.polls();
        assert_eq!(polls.len(), 3);
        assert_eq!(polls[0] - start, Duration::ZERO);
        assert_eq!(polls[1] - polls[0], Duration::from_secs(2));
        assert_eq!(polls[2] - polls[1], Duration::from_secs(4));
        assert_eq!(start.elapsed(), Duration::from_secs(6));
        let kinds: Vec<_> = progress
            .calls()
            .into_iter()
            .map(|(kind, status, _)| (kind, status))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("waiting", "PENDING".to_string()),
                ("waiting", "PENDING".to_string()),
                ("finished", "AVAILABLE".to_string()),
            ]
        );
        assert_eq!(progress.calls()[2].2, Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_is_capped_at_max_poll() {
        let mut answers: Vec<_> = (0..6).map(|_| Ok(Some(link(Status::Pending)))).collect();
        answers.push(Ok(Some(link(Status::Available))));
        let script = Script::new(answers);
        script
            .available(&WaitOptions::default(), &Recorder::default())
            .await
            .unwrap();
        let gaps: Vec<u64> = script
            .polls()
            .windows(2)
            .map(|w| (w[1] - w[0]).as_secs())
            .collect();
        assert_eq!(gaps, vec![2, 4, 8, 16, 30, 30]);
    }

    #[tokio::test(start_paused = true)]
    async fn failed_carries_aws_status_message() {
        let mut failed = link(Status::Failed);
        failed.status_message = Some("NLB arn:aws:elb:nlb/x is not found".into());
        let script = Script::new(vec![Ok(Some(link(Status::Pending))), Ok(Some(failed))]);
        let progress = Recorder::default();
        let err = script
            .available(&WaitOptions::default(), &progress)
            .await
            .unwrap_err();
        match &err {
            LinkError::Failed { name, id, message } => {
                assert_eq!((name.as_str(), id.as_str()), ("cortex-prod", "abc123"));
                assert_eq!(message, "NLB arn:aws:elb:nlb/x is not found");
            }
            other => panic!("expected Failed, got {other:?}"),
        }
        assert!(
            err.to_string()
                .contains("(abc123) FAILED: NLB arn:aws:elb:nlb/x is not found")
        );
        let last = progress.calls().pop().unwrap();
        assert_eq!((last.0, last.1.as_str()), ("finished", "FAILED"));
    }

    #[tokio::test(start_paused = true)]
    async fn never_available_times_out_at_the_timeout() {
        let script = Script::new(vec![Ok(Some(link(Status::Pending)))]);
        let progress = Recorder::default();
        let options = WaitOptions::with_timeout(Duration::from_secs(60));
        let start = Instant::now();
        let err = script.available(&options, &progress).await.unwrap_err();
        // Polls at 0, 2, 6, 14, 30 and then at the deadline (not 60 + 30).
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        assert_eq!(script.polls().len(), 6);
        match &err {
            LinkError::TimedOut { status, waited, .. } => {
                assert_eq!(status, "PENDING");
                assert_eq!(*waited, Duration::from_secs(60));
            }
            other => panic!("expected TimedOut, got {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains("VPC link cortex-prod (abc123)"), "{text}");
        assert!(text.contains("gateway.vpc_link_timeout_seconds"), "{text}");
        assert!(text.contains("re-run `cortex-net up`"), "{text}");
        let calls = progress.calls();
        assert_eq!(calls.iter().filter(|c| c.0 == "waiting").count(), 5);
        assert_eq!(calls.last().map(|c| c.0), Some("finished"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_vanished_link_is_an_error() {
        let script = Script::new(vec![Ok(Some(link(Status::Pending))), Ok(None)]);
        let err = script
            .available(&WaitOptions::default(), &Recorder::default())
            .await
            .unwrap_err();
        // Another run may have removed it: the caller observes again.
        assert!(matches!(err, LinkError::Unsettled { .. }), "{err:?}");
        assert!(err.to_string().contains("no longer exists"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn inactive_counts_as_usable_and_deleting_as_gone() {
        let script = Script::new(vec![Ok(Some(link(Status::Inactive)))]);
        let got = script
            .available(&WaitOptions::default(), &Recorder::default())
            .await
            .unwrap();
        assert_eq!(got.status, Status::Inactive);

        let script = Script::new(vec![Ok(Some(link(Status::Deleting)))]);
        let err = script
            .available(&WaitOptions::default(), &Recorder::default())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("is being deleted"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn poll_errors_stop_the_wait() {
        let script = Script::new(vec![
            Err(LinkError::from(gw_core::AwsError::service(
                "apigatewayv2",
                "GetVpcLink",
                403,
                "AccessDeniedException",
                "no",
            ))),
            Ok(Some(link(Status::Available))),
        ]);
        let progress = Recorder::default();
        let err = script
            .available(&WaitOptions::default(), &progress)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("AccessDeniedException"), "{err}");
        assert_eq!(script.polls().len(), 1);
        assert_eq!(progress.calls().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn deletion_waits_until_gone_or_times_out() {
        let script = Script::new(vec![
            Ok(Some(link(Status::Deleting))),
            Ok(Some(link(Status::Deleting))),
            Ok(None),
        ]);
        let progress = Recorder::default();
        script
            .deleted(&WaitOptions::default(), &progress)
            .await
            .unwrap();
        assert_eq!(script.polls().len(), 3);
        let calls = progress.calls();
        assert_eq!(calls.len(), 3);
        assert_eq!((calls[2].0, calls[2].1.as_str()), ("finished", "deleted"));

        let script = Script::new(vec![Ok(Some(link(Status::Deleting)))]);
        let start = Instant::now();
        let err = script
            .deleted(
                &WaitOptions::with_timeout(Duration::from_secs(10)),
                &Recorder::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        assert!(matches!(err, LinkError::DeleteTimedOut { .. }), "{err:?}");
        assert!(
            err.to_string().contains("re-run `cortex-net down`"),
            "{err}"
        );
    }
}
