//! Progress on long waits: a spinner on a terminal, log lines otherwise (CI logs, `-o json`).

use gw_core::{LogProgress, Progress};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The reporter for this run: a spinner only when a person watches stderr and reads text.
pub fn reporter(text_output: bool) -> Arc<dyn Progress> {
    if text_output && std::io::stderr().is_terminal() {
        Arc::new(Spinner::default())
    } else {
        Arc::new(LogProgress)
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
