//! Progress of `up` and `down`: one line per change when it ends (`+ route ANY /iris ... ok
//! 0.21 s`), on stderr and for text output only; the same reports kept ([`Made`]) for the
//! applied changes JSON lists with their result and duration ([`Applied`]); long waits as a
//! spinner on a terminal, log lines otherwise (CI logs, `-o json`).

use gw_core::{Change, LogProgress, Progress, ProviderError};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The reporter for this run: waits as a spinner only when a person watches stderr and reads
/// text; a line per applied change whenever the output is text; every change made kept in
/// `made`, whatever the output.
pub fn reporter(text_output: bool, made: Arc<Made>) -> Arc<dyn Progress> {
    let waits: Box<dyn Progress> = if text_output && std::io::stderr().is_terminal() {
        Box::new(Spinner::default())
    } else {
        Box::new(LogProgress)
    };
    Arc::new(Reporter {
        waits,
        change_lines: text_output,
        made,
    })
}

/// Waits go to `waits`; each applied change is printed (text output) or logged at debug level,
/// and kept in `made` when it was made.
struct Reporter {
    waits: Box<dyn Progress>,
    change_lines: bool,
    made: Arc<Made>,
}

/// The changes reported made, with how long each took, until the settle rounds take them.
#[derive(Debug, Default)]
pub struct Made(Mutex<Vec<(Change, Duration)>>);

impl Made {
    fn record(&self, change: &Change, elapsed: Duration) {
        // A poisoned lock only means another report panicked: its list is still usable.
        let mut made = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        made.push((change.clone(), elapsed));
    }

    /// Everything reported made since the last call, in the order the reports came.
    pub(crate) fn take(&self) -> Vec<(Change, Duration)> {
        let mut made = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        std::mem::take(&mut *made)
    }
}

/// One applied change as `up` and `down` list it in JSON: the change, its result and, when it
/// was sent on its own, how long it took (`seconds`, as on its text line). Changes that went
/// with their parent (an API's children deleted with it) were not sent and have no duration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Applied {
    #[serde(flatten)]
    pub(crate) change: Change,
    /// Always `ok`: a change that failed ends its round, and only made changes are listed.
    pub(crate) result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) seconds: Option<f64>,
}

/// `changes` (one apply's plan, all made) with the durations `made` reported for them: each
/// report is used once, so a change planned twice in a round gets each its own.
pub(crate) fn with_durations(
    changes: Vec<Change>,
    mut made: Vec<(Change, Duration)>,
) -> Vec<Applied> {
    changes
        .into_iter()
        .map(|change| {
            let seconds = made
                .iter()
                .position(|(reported, _)| *reported == change)
                .map(|at| made.remove(at).1)
                .map(|elapsed| (elapsed.as_secs_f64() * 100.0).round() / 100.0);
            Applied {
                change,
                result: "ok",
                seconds,
            }
        })
        .collect()
}

impl Progress for Reporter {
    fn waiting(&self, what: &str, status: &str, elapsed: Duration) {
        self.waits.waiting(what, status, elapsed);
    }

    fn finished(&self, what: &str, status: &str, elapsed: Duration) {
        self.waits.finished(what, status, elapsed);
    }

    fn applied(&self, change: &Change, result: Result<(), &ProviderError>, elapsed: Duration) {
        if result.is_ok() {
            self.made.record(change, elapsed);
        }
        if self.change_lines {
            // One write per line: changes applied side by side never interleave within a line.
            eprintln!("{}", change_line(change, result, elapsed));
        } else {
            LogProgress.applied(change, result, elapsed);
        }
    }
}

/// The longest failure reason shown on a change's line; the whole error follows as the
/// command's own error message.
const REASON_CHARS: usize = 160;

/// `+ route ANY /iris ... ok 0.21 s`, or `- api cortex-x (abc) ... failed: <first line of the
/// error>`.
fn change_line(change: &Change, result: Result<(), &ProviderError>, elapsed: Duration) -> String {
    match result {
        Ok(()) => format!("{change} ... ok {:.2} s", elapsed.as_secs_f64()),
        Err(error) => {
            let text = error.to_string();
            let first = text.lines().next().unwrap_or_default();
            let reason: String = first.chars().take(REASON_CHARS).collect();
            let cut = if reason.len() < first.len() {
                "..."
            } else {
                ""
            };
            format!("{change} ... failed: {reason}{cut}")
        }
    }
}

/// One spinner per wait, created on the first poll and finished with the final status.
#[derive(Default)]
struct Spinner {
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress for Spinner {
    fn waiting(&self, what: &str, status: &str, elapsed: Duration) {
        let Ok(mut slot) = self.bar.lock() else {
            return;
        };
        let bar = slot.get_or_insert_with(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_message(format!(
            "waiting for {what}: {status} ({}s)",
            elapsed.as_secs()
        ));
    }

    fn finished(&self, what: &str, status: &str, elapsed: Duration) {
        let Ok(mut slot) = self.bar.lock() else {
            return;
        };
        let message = format!("{what} is {status} after {}s", elapsed.as_secs());
        match slot.take() {
            Some(bar) => bar.finish_with_message(message),
            None => eprintln!("{message}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::{Action, AwsError, ResourceKind};

    fn change(action: Action, kind: ResourceKind, name: &str) -> Change {
        Change {
            action,
            kind,
            name: name.into(),
            id: None,
            parent: None,
            detail: None,
        }
    }

    #[test]
    fn made_changes_get_their_reported_duration_and_the_rest_none() {
        let made = Arc::new(Made::default());
        let progress = reporter(false, made.clone());
        let route = change(Action::Create, ResourceKind::Route, "ANY /iris");
        let stage = change(Action::Update, ResourceKind::Stage, "prod");
        let gone = change(Action::Delete, ResourceKind::Route, "ANY /old");
        progress.applied(&route, Ok(()), Duration::from_millis(214));
        let refused = ProviderError::Unexpected("refused".into());
        progress.applied(&stage, Err(&refused), Duration::from_millis(50));
        progress.applied(&stage, Ok(()), Duration::from_millis(1500));
        let applied = with_durations(vec![route, stage, gone], made.take());
        let seconds: Vec<_> = applied.iter().map(|a| a.seconds).collect();
        assert_eq!(seconds, [Some(0.21), Some(1.5), None]);
        assert!(made.take().is_empty(), "taken once");
        let json = serde_json::to_value(&applied).expect("serialises");
        assert_eq!(
            json[0],
            serde_json::json!({"action": "create", "kind": "route", "name": "ANY /iris",
                               "result": "ok", "seconds": 0.21})
        );
        assert!(json[2].get("seconds").is_none(), "{json}");
        assert_eq!(json[2]["result"], "ok");
    }

    #[test]
    fn a_made_change_shows_its_duration() {
        let route = change(Action::Create, ResourceKind::Route, "ANY /iris");
        let line = change_line(&route, Ok(()), Duration::from_millis(214));
        assert_eq!(line, "+ route ANY /iris ... ok 0.21 s");
    }

    #[test]
    fn a_failed_change_shows_the_first_line_of_its_reason_cut() {
        let api = change(Action::Delete, ResourceKind::Api, "cortex-x");
        let denied = AwsError::service("apigateway", "DeleteApi", 403, "AccessDenied", "no");
        let error = ProviderError::from(denied);
        let line = change_line(&api, Err(&error), Duration::from_secs(1));
        assert!(line.starts_with("- api cortex-x ... failed: "), "{line}");
        assert!(!line.contains('\n'), "{line}");
        let first = error.to_string();
        let first = first.lines().next().unwrap_or_default();
        assert!(line.ends_with(first) || line.ends_with("..."), "{line}");
        let long = ProviderError::Unexpected("x".repeat(500));
        let line = change_line(&api, Err(&long), Duration::ZERO);
        assert!(line.ends_with("x..."), "{line}");
        assert!(line.len() < 240, "{line}");
    }
}
