//! What a handle measures per attempt: counts only (the default), or counts and TSC cycles.
//!
//! Reading the time-stamp counter costs tens of cycles, and per-attempt cycle accounting reads it
//! at both ends of every attempt. That is more than an empty transaction of the sequential
//! baseline costs, so by default a handle counts only ([`Accounting::Counts`]) and its
//! [`ThreadStats`](crate::ThreadStats) cycle fields stay 0. A handle created with
//! [`Accounting::Cycles`] ([`Backend::handle_with`](crate::Backend::handle_with)) also reads the
//! clock at every attempt boundary and fills them.
//!
//! Backends keep a [`Timer`] in the handle: one predictable branch on a field fixed at
//! construction, no clock read when cycles are off.

use crate::clock;

/// What a handle records for each attempt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Accounting {
    /// Attempts, commits, aborts by cause, fallbacks, lock waits: no clock reads. The cycle
    /// fields of the statistics stay 0.
    #[default]
    Counts,
    /// Everything [`Accounting::Counts`] records, plus TSC cycles of committed, aborted and
    /// fallback executions (two clock reads per attempt).
    Cycles,
}

impl Accounting {
    /// Whether cycles are recorded.
    #[inline]
    pub const fn cycles(self) -> bool {
        matches!(self, Accounting::Cycles)
    }
}

/// The per-attempt clock of a handle: reads the TSC only under [`Accounting::Cycles`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    on: bool,
}

impl Timer {
    /// A timer for `accounting`.
    #[inline]
    pub const fn new(accounting: Accounting) -> Timer {
        Timer {
            on: accounting.cycles(),
        }
    }

    /// The accounting it was created for.
    #[inline]
    pub const fn accounting(self) -> Accounting {
        if self.on {
            Accounting::Cycles
        } else {
            Accounting::Counts
        }
    }

    /// The start of an attempt: the TSC, or 0 when cycles are off.
    #[inline(always)]
    pub fn start(self) -> u64 {
        if self.on { clock::now() } else { 0 }
    }

    /// Cycles since `start` (from [`Timer::start`]), or 0 when cycles are off.
    #[inline(always)]
    pub fn since(self, start: u64) -> u64 {
        if self.on {
            clock::now().saturating_sub(start)
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_reads_no_clock_and_cycles_do() {
        let off = Timer::new(Accounting::Counts);
        assert_eq!(off.start(), 0);
        assert_eq!(off.since(0), 0);
        assert_eq!(off.accounting(), Accounting::Counts);
        let on = Timer::new(Accounting::Cycles);
        let t = on.start();
        assert!(t > 0);
        // The clock advances (or at least does not go back) between the two reads.
        assert!(on.since(t) < u64::MAX / 2);
        assert_eq!(on.accounting(), Accounting::Cycles);
        assert_eq!(Accounting::default(), Accounting::Counts);
    }
}
