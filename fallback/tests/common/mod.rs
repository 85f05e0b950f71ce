//! Shared by the integration tests: RTM detection with the skip notice, and the policies.

#![allow(dead_code)]

use fallback::{CauseAware, Fixed, Glibc, RetryPolicy};
use tm::ThreadStats;

/// Whether hardware attempts run in this process. When they do not, prints the notice that the
/// hardware path of `test` was skipped and only the lock path was checked.
pub fn hardware_path(test: &str) -> bool {
    match htm::Rtm::detect() {
        Ok(_) => true,
        Err(reason) => {
            htm::skipped(
                format_args!("hardware path of {test} (checked the lock path only)"),
                reason,
            );
            false
        }
    }
}

/// Checks the statistics of `executions` completed executions: the accounting identity always,
/// and without RTM that every execution ran on the lock with no hardware attempt at all.
pub fn check_accounting(stats: &ThreadStats, executions: u64, rtm: bool, what: &str) {
    assert!(
        stats.is_consistent(),
        "{what}: attempts != commits + aborts: {stats:?}"
    );
    assert_eq!(
        stats.completed(),
        executions,
        "{what}: every execution completes exactly once, in hardware or on the lock"
    );
    if !rtm {
        assert_eq!(stats.attempts, 0, "{what}: no hardware attempt without RTM");
        assert_eq!(
            stats.fallbacks, executions,
            "{what}: everything on the lock"
        );
        assert_eq!(
            stats.lock_waits, 0,
            "{what}: no hardware retry, so no lemming wait"
        );
    }
}

/// The most runs of a contended configuration before a backend that can abort is found not to
/// (a run on a loaded machine may happen not to overlap inside transactions; ten in a row all but
/// never do).
pub const ROUNDS: u32 = 10;

/// Whether hardware attempts run in this process (quietly; the `#[test]` functions announce it).
pub fn rtm_usable() -> bool {
    htm::Rtm::detect().is_ok()
}

/// Calls `f` with each policy under test (their default parameters, `fixed` with 3 attempts).
#[macro_export]
macro_rules! for_each_policy {
    ($f:ident $(, $arg:expr)*) => {{
        $f(fallback::Fixed::new(3) $(, $arg)*);
        $f(fallback::Glibc::default() $(, $arg)*);
        $f(fallback::CauseAware::default() $(, $arg)*);
    }};
}

/// The policies under test, by label (for messages).
pub fn labels() -> [String; 3] {
    [
        Fixed::new(3).label(),
        Glibc::default().label(),
        CauseAware::default().label(),
    ]
}
