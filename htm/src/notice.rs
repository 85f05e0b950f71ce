//! Saying what was skipped, where everyone sees it.

use std::io::Write;

/// Writes `SKIPPED <what>: RTM unusable: <why>` on its own line to the process's standard error.
///
/// It writes to the stream directly rather than with `eprintln!`, because the test harness captures
/// `eprintln!` output and shows it only for failing tests; a test that skips its hardware part
/// must say so in every run, including the passing ones in CI logs.
pub fn skipped(what: impl std::fmt::Display, why: impl std::fmt::Display) {
    // A failed write to stderr has nowhere better to be reported; the test itself still runs.
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED {what}: RTM unusable: {why}"
    );
}
