//! Duration transactions: spin for a number of TSC cycles inside one transaction.
//!
//! Each attempt is one transaction that reads the time-stamp counter when it starts and then
//! re-reads it in a loop until `cycles` have passed. It touches no memory, so it can only abort
//! asynchronously: an interrupt, a VM exit or another event that aborts with status 0 (or,
//! rarely, an SMT sibling's activity). Commit probability against `cycles` is therefore the
//! survival curve of a transaction against time.
//!
//! `rdtsc` is allowed inside an RTM transaction on Intel processors: it is not in the SDM's list
//! of instructions that abort (Vol. 1, 16.3.8.1), unlike `pause`, `cpuid` and `xabort`. That is why
//! the loop spins without `pause` (`std::hint::spin_loop`), which would abort every transaction.
//! Nothing here pins the thread; callers do.

use super::Tally;
use super::Transact;

/// Runs `attempts` transactions that each spin for `cycles` TSC cycles, and tallies them, over
/// any [`Transact`] implementation (the [`htm::Rtm`] token, the modelled HTM, or a scripted
/// stand-in in tests), stopping early, after the attempt for which `stop` (called with the tally so far
/// after every attempt) returns `true`.
pub fn run_with<T: Transact>(
    tx: T,
    cycles: u64,
    attempts: u64,
    mut stop: impl FnMut(&Tally) -> bool,
) -> Tally {
    let mut tally = Tally::default();
    for _ in 0..attempts {
        let outcome = tx.transaction(|| spin_for(cycles));
        tally.record(outcome);
        if stop(&tally) {
            break;
        }
    }
    tally
}

/// Spins until `cycles` TSC cycles have passed since its first counter read. Contains no `pause`
/// and touches no memory (safe to run inside a transaction).
#[inline(always)]
pub fn spin_for(cycles: u64) {
    let start = tm::clock::now();
    // `rdtsc` has side effects for the compiler, so this loop is never removed.
    while tm::clock::now().wrapping_sub(start) < cycles {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::transact::mock::Scripted;
    use std::cell::Cell;

    #[test]
    fn every_attempt_spins_and_is_tallied() {
        let calls = Cell::new(0);
        let tx = Scripted {
            script: &[None, Some(0)],
            calls: &calls,
        };
        let t0 = tm::clock::now();
        let t = run_with(tx, 10_000, 10, |_| false);
        // Five bodies ran (the scripted aborts skip theirs), each for at least 10 000 cycles.
        assert!(tm::clock::now() - t0 >= 50_000);
        assert_eq!((t.attempts, t.commits, t.status0), (10, 5, 5));
        let t = run_with(tx, 0, 10, |t| t.attempts == 3);
        assert_eq!(t.attempts, 3);
    }

    #[test]
    fn spin_for_takes_at_least_the_requested_cycles() {
        for cycles in [0, 1_000, 100_000] {
            let t0 = tm::clock::now();
            spin_for(cycles);
            let elapsed = tm::clock::now() - t0;
            assert!(elapsed >= cycles, "{elapsed} < {cycles}");
        }
    }
}
