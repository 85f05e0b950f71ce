//! Progress display: an indicatif bar on stderr when stderr is a terminal, nothing otherwise (so
//! logs and pipes stay clean, and stdout is never touched).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// What every bar of this process shows before its own text (`tmlab run` sets its stage here).
static CONTEXT: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Sets the text shown at the start of every bar created from now on (empty: none).
pub fn set_context(text: String) {
    *CONTEXT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = text;
}

/// A progress bar, or a no-op when stderr is not a terminal.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total` rows (`None` when the plan is adaptive: then a spinner with a count),
    /// starting at `done`.
    pub fn new(total: Option<u64>, done: u64) -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress {
                bar: ProgressBar::hidden(),
            };
        }
        let context = CONTEXT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let prefix = if context.is_empty() { "" } else { "{prefix} " };
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(&format!(
                    "{prefix}{{bar:40}} {{pos}}/{{len}} rows  {{elapsed_precise}}  eta {{eta}}  {{msg}}"
                ))
                .expect("valid template"),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template(&format!(
                    "{prefix}{{spinner}} {{pos}} rows  {{elapsed_precise}}  {{msg}}"
                ))
                .expect("valid template"),
            ),
        };
        bar.set_prefix(context);
        bar.set_position(done);
        Progress { bar }
    }

    /// One more row, with a note about it (only formatted when the bar is shown).
    pub fn point(&self, note: impl FnOnce() -> String) {
        self.bar.inc(1);
        if !self.bar.is_hidden() {
            self.bar.set_message(note());
        }
    }

    /// Prints a line on stderr above the bar (or plainly when there is no bar).
    pub fn println(&self, line: &str) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
