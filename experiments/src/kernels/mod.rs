//! The hardware-transaction kernels that `probe` and the sweeps measure with.
//!
//! A kernel runs one kind of transaction many times on the calling thread and tallies the
//! outcomes. Buffers are pre-faulted when created (a first touch inside a transaction aborts with
//! status 0), and their warm-up state is part of every specification, so it is recorded.
//!
//! - [`footprint`]: transactions that read and/or write a given number of 64-byte lines laid out
//!   sequentially, randomly, or all in one L1 set (4 KiB stride).
//! - [`duration`]: transactions that only spin for a given number of TSC cycles.
//! - [`modelled`]: the modelled HTM as a [`Transact`], so both kinds run over it too.

pub mod duration;
pub mod footprint;
pub mod modelled;
pub mod transact;

pub use transact::Transact;

use htm::{AbortStatus, HwCause};
use serde::{Deserialize, Serialize};

/// Outcomes of a batch of transactions, each abort counted under its one [`HwCause`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Transactions attempted.
    pub attempts: u64,
    /// Transactions that committed.
    pub commits: u64,
    /// Aborts with the CONFLICT bit (and not EXPLICIT).
    pub conflict: u64,
    /// Aborts with the CAPACITY bit (and neither EXPLICIT nor CONFLICT).
    pub capacity: u64,
    /// Explicit (`xabort`) aborts.
    pub explicit: u64,
    /// Aborts with only the RETRY bit.
    pub retry_only: u64,
    /// Aborts counted as NESTED.
    pub nested: u64,
    /// Aborts counted as DEBUG.
    pub debug: u64,
    /// Aborts with status 0 (interrupts, faults, VM exits ...).
    pub status0: u64,
    /// Non-zero statuses without any defined bit.
    pub unknown: u64,
}

impl Tally {
    /// The names of the abort columns, in the order of [`Tally::abort_counts`].
    pub const ABORT_COLUMNS: [&'static str; 8] = [
        "conflict",
        "capacity",
        "explicit",
        "retry_only",
        "nested",
        "debug",
        "status0",
        "unknown",
    ];

    /// Counts one outcome.
    #[inline]
    pub fn record(&mut self, outcome: Result<(), AbortStatus>) {
        self.attempts += 1;
        match outcome {
            Ok(()) => self.commits += 1,
            Err(status) => match status.cause() {
                HwCause::Conflict => self.conflict += 1,
                HwCause::Capacity => self.capacity += 1,
                HwCause::Explicit(_) => self.explicit += 1,
                HwCause::RetryOnly => self.retry_only += 1,
                HwCause::Nested => self.nested += 1,
                HwCause::Debug => self.debug += 1,
                HwCause::Status0 => self.status0 += 1,
                HwCause::Unknown => self.unknown += 1,
            },
        }
    }

    /// Abort counts in the order of [`Tally::ABORT_COLUMNS`].
    pub fn abort_counts(&self) -> [u64; 8] {
        [
            self.conflict,
            self.capacity,
            self.explicit,
            self.retry_only,
            self.nested,
            self.debug,
            self.status0,
            self.unknown,
        ]
    }

    /// All aborts.
    pub fn aborts(&self) -> u64 {
        self.abort_counts().iter().sum()
    }

    /// Commits over attempts (`NaN` when nothing was attempted).
    pub fn commit_rate(&self) -> f64 {
        self.commits as f64 / self.attempts as f64
    }

    /// Adds another tally.
    pub fn merge(&mut self, o: &Tally) {
        self.attempts += o.attempts;
        self.commits += o.commits;
        self.conflict += o.conflict;
        self.capacity += o.capacity;
        self.explicit += o.explicit;
        self.retry_only += o.retry_only;
        self.nested += o.nested;
        self.debug += o.debug;
        self.status0 += o.status0;
        self.unknown += o.unknown;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_is_counted_once() {
        let mut t = Tally::default();
        t.record(Ok(()));
        for raw in [
            0u32,
            0b110,
            0b1000,
            0x4200_0001,
            0b10,
            0b10_0000,
            0b1_0000,
            1 << 7,
        ] {
            t.record(Err(AbortStatus::from_raw(raw)));
        }
        assert_eq!(t.attempts, 9);
        assert_eq!(t.commits, 1);
        assert_eq!(t.aborts(), 8);
        assert_eq!(t.abort_counts(), [1; 8]);
        assert!((t.commit_rate() - 1.0 / 9.0).abs() < 1e-12);
    }
}
