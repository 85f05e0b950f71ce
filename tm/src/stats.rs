//! Uniform per-thread statistics.

use crate::AbortCause;

/// What one thread's transactions did, in the same shape for every backend.
///
/// Accounting rules, which every backend follows:
/// - A *speculative attempt* (a hardware `xbegin`, an STM begin) ends either in a commit or in an
///   abort counted under exactly one cause, so `attempts == commits + total_aborts()`.
/// - Backends without speculation (the global lock, the sequential baseline) count each execution
///   as one attempt that commits.
/// - A *fallback* is an execution on a backend's non-speculative path (under the fallback lock).
/// - A user abort of a speculative attempt counts under [`AbortCause::Explicit`] and its code; every
///   execution cancelled by a user abort, on either path, also counts in `user_aborts`.
/// - Cycles are TSC ticks from the start to the end of each attempt or fallback execution, recorded
///   only by handles created with [`Accounting::Cycles`](crate::Accounting::Cycles); otherwise 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadStats {
    /// Speculative attempts started.
    pub attempts: u64,
    /// Speculative attempts that committed.
    pub commits: u64,
    /// Aborted attempts, indexed by [`AbortCause::index`].
    pub aborts: [u64; AbortCause::COUNT],
    /// Explicit aborts by their 8-bit code (user codes and any unexpected backend code).
    pub explicit_codes: [u64; 256],
    /// Executions completed on the non-speculative fallback path.
    pub fallbacks: u64,
    /// Times a thread waited for the fallback lock to be released before retrying speculatively
    /// (lemming-effect avoidance). A wait that reaches its bound with the lock still held sends the
    /// execution to the fallback path instead of retrying.
    pub lock_waits: u64,
    /// Executions cancelled by the closure with a user abort.
    pub user_aborts: u64,
    /// TSC cycles spent in attempts that committed.
    pub committed_cycles: u64,
    /// TSC cycles spent in attempts that aborted.
    pub aborted_cycles: u64,
    /// [`ThreadStats::aborted_cycles`] by cause, indexed by [`AbortCause::index`] (they sum to it).
    pub aborted_cycles_by_cause: [u64; AbortCause::COUNT],
    /// TSC cycles spent in fallback executions.
    pub fallback_cycles: u64,
}

impl Default for ThreadStats {
    fn default() -> Self {
        ThreadStats {
            attempts: 0,
            commits: 0,
            aborts: [0; AbortCause::COUNT],
            explicit_codes: [0; 256],
            fallbacks: 0,
            lock_waits: 0,
            user_aborts: 0,
            committed_cycles: 0,
            aborted_cycles: 0,
            aborted_cycles_by_cause: [0; AbortCause::COUNT],
            fallback_cycles: 0,
        }
    }
}

impl ThreadStats {
    /// Records an attempt that committed after `cycles`.
    #[inline]
    pub fn record_commit(&mut self, cycles: u64) {
        self.attempts += 1;
        self.commits += 1;
        self.committed_cycles += cycles;
    }

    /// Records an attempt that aborted after `cycles`. `code` is the explicit-abort code, counted
    /// when `cause` is [`AbortCause::Explicit`] or [`AbortCause::LockBusy`].
    #[inline]
    pub fn record_abort(&mut self, cause: AbortCause, code: u8, cycles: u64) {
        self.attempts += 1;
        self.aborts[cause.index()] += 1;
        if matches!(cause, AbortCause::Explicit | AbortCause::LockBusy) {
            self.explicit_codes[usize::from(code)] += 1;
        }
        self.aborted_cycles += cycles;
        self.aborted_cycles_by_cause[cause.index()] += cycles;
    }

    /// Records an execution on the fallback path that took `cycles`.
    #[inline]
    pub fn record_fallback(&mut self, cycles: u64) {
        self.fallbacks += 1;
        self.fallback_cycles += cycles;
    }

    /// The number of aborts with `cause`.
    #[inline]
    pub fn aborts_of(&self, cause: AbortCause) -> u64 {
        self.aborts[cause.index()]
    }

    /// The cycles spent in aborted attempts with `cause`.
    #[inline]
    pub fn aborted_cycles_of(&self, cause: AbortCause) -> u64 {
        self.aborted_cycles_by_cause[cause.index()]
    }

    /// All aborts, whatever their cause.
    pub fn total_aborts(&self) -> u64 {
        self.aborts.iter().sum()
    }

    /// Executions that took effect: speculative commits plus completed fallbacks.
    pub fn completed(&self) -> u64 {
        self.commits + self.fallbacks
    }

    /// Adds `other` into `self` (for totals over threads).
    pub fn merge(&mut self, other: &ThreadStats) {
        self.attempts += other.attempts;
        self.commits += other.commits;
        for (a, b) in self.aborts.iter_mut().zip(&other.aborts) {
            *a += b;
        }
        for (a, b) in self.explicit_codes.iter_mut().zip(&other.explicit_codes) {
            *a += b;
        }
        self.fallbacks += other.fallbacks;
        self.lock_waits += other.lock_waits;
        self.user_aborts += other.user_aborts;
        self.committed_cycles += other.committed_cycles;
        self.aborted_cycles += other.aborted_cycles;
        for (a, b) in self
            .aborted_cycles_by_cause
            .iter_mut()
            .zip(&other.aborted_cycles_by_cause)
        {
            *a += b;
        }
        self.fallback_cycles += other.fallback_cycles;
    }

    /// Whether `attempts == commits + total_aborts()`, the accounting identity every backend keeps.
    pub fn is_consistent(&self) -> bool {
        self.attempts == self.commits + self.total_aborts()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_the_identity_and_merge_adds() {
        let mut a = ThreadStats::default();
        a.record_commit(10);
        a.record_abort(AbortCause::Conflict, 0, 5);
        a.record_abort(AbortCause::Explicit, 0x42, 7);
        a.record_abort(AbortCause::LockBusy, 0xff, 1);
        a.record_fallback(100);
        assert!(a.is_consistent());
        assert_eq!(a.attempts, 4);
        assert_eq!(a.total_aborts(), 3);
        assert_eq!(a.explicit_codes[0x42], 1);
        assert_eq!(a.explicit_codes[0xff], 1);
        assert_eq!(
            a.explicit_codes[0], 0,
            "non-explicit causes do not count a code"
        );
        assert_eq!(a.completed(), 2);

        let mut total = ThreadStats::default();
        total.merge(&a);
        total.merge(&a);
        assert_eq!(total.attempts, 8);
        assert_eq!(total.aborts_of(AbortCause::Conflict), 2);
        assert_eq!(total.explicit_codes[0x42], 2);
        assert_eq!(total.aborted_cycles, 26);
        assert_eq!(total.aborted_cycles_of(AbortCause::Conflict), 10);
        assert_eq!(total.aborted_cycles_of(AbortCause::Explicit), 14);
        assert_eq!(total.aborted_cycles_of(AbortCause::LockBusy), 2);
        assert_eq!(total.fallback_cycles, 200);
        assert!(total.is_consistent());
    }
}
