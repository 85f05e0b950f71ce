//! The rows of `points.csv`: one per point and repetition.
//!
//! Capacity sweeps write
//! `op,pattern,lines,warm,rep,seed,attempts,commits,conflict,capacity,explicit,retry_only,nested,debug,status0,unknown`;
//! duration sweeps write
//! `cycles,us,rep,seed,attempts,commits,conflict,capacity,explicit,retry_only,nested,debug,status0,unknown`.
//! `attempts == commits + ` the sum of the abort columns in every row; the abort columns are the
//! causes of [`Tally::ABORT_COLUMNS`], `status0` being aborts whose status word was 0.

use crate::kernels::Tally;
use crate::kernels::footprint::{Op, Pattern, Warmth};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A row type of `points.csv`.
pub trait Record: Serialize + DeserializeOwned {
    /// The header, in column order.
    const COLUMNS: &'static [&'static str];

    /// Checks invariants the type system cannot (the counts add up).
    fn check(&self) -> Result<(), String>;
}

/// A row whose outcomes are RTM abort-status counts (the capacity and duration sweeps).
pub trait Tallied {
    /// The outcome counts of this row.
    fn tally(&self) -> Tally;
}

/// The checks of a tallied row: at least one attempt, and the counts add up.
pub fn check_tally(t: &Tally) -> Result<(), String> {
    if t.attempts == 0 {
        return Err("attempts is 0".into());
    }
    if t.commits + t.aborts() != t.attempts {
        return Err(format!(
            "commits ({}) + aborts ({}) != attempts ({})",
            t.commits,
            t.aborts(),
            t.attempts
        ));
    }
    Ok(())
}

/// One repetition of one capacity point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct CapacityRow {
    pub op: Op,
    pub pattern: Pattern,
    /// Footprint in 64-byte lines.
    pub lines: u64,
    /// `warm` or `cold`.
    pub warm: Warmth,
    /// Repetition index, from 0.
    pub rep: u32,
    /// The run's seed (drives the random pattern).
    pub seed: u64,
    pub attempts: u64,
    pub commits: u64,
    pub conflict: u64,
    pub capacity: u64,
    pub explicit: u64,
    pub retry_only: u64,
    pub nested: u64,
    pub debug: u64,
    pub status0: u64,
    pub unknown: u64,
}

/// One repetition of one duration point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct DurationRow {
    /// Spin length inside the transaction, in TSC cycles.
    pub cycles: u64,
    /// `cycles` in microseconds, at the TSC rate measured when the run started.
    pub us: f64,
    /// Repetition index, from 0.
    pub rep: u32,
    /// The run's seed.
    pub seed: u64,
    pub attempts: u64,
    pub commits: u64,
    pub conflict: u64,
    pub capacity: u64,
    pub explicit: u64,
    pub retry_only: u64,
    pub nested: u64,
    pub debug: u64,
    pub status0: u64,
    pub unknown: u64,
}

/// Copies the counts of a tally into a row and back (the same ten fields in both row types).
macro_rules! counts {
    ($row:ident) => {
        impl $row {
            /// Stores the counts of `t` in this row.
            pub fn set_tally(&mut self, t: &Tally) {
                self.attempts = t.attempts;
                self.commits = t.commits;
                self.conflict = t.conflict;
                self.capacity = t.capacity;
                self.explicit = t.explicit;
                self.retry_only = t.retry_only;
                self.nested = t.nested;
                self.debug = t.debug;
                self.status0 = t.status0;
                self.unknown = t.unknown;
            }
        }

        impl Record for $row {
            const COLUMNS: &'static [&'static str] = <$row>::HEADER;

            fn check(&self) -> Result<(), String> {
                check_tally(&self.tally())
            }
        }

        impl Tallied for $row {
            fn tally(&self) -> Tally {
                Tally {
                    attempts: self.attempts,
                    commits: self.commits,
                    conflict: self.conflict,
                    capacity: self.capacity,
                    explicit: self.explicit,
                    retry_only: self.retry_only,
                    nested: self.nested,
                    debug: self.debug,
                    status0: self.status0,
                    unknown: self.unknown,
                }
            }
        }
    };
}

counts!(CapacityRow);
counts!(DurationRow);

impl CapacityRow {
    const HEADER: &'static [&'static str] = &[
        "op",
        "pattern",
        "lines",
        "warm",
        "rep",
        "seed",
        "attempts",
        "commits",
        "conflict",
        "capacity",
        "explicit",
        "retry_only",
        "nested",
        "debug",
        "status0",
        "unknown",
    ];

    /// A row for the given parameters and counts.
    pub fn new(
        op: Op,
        pattern: Pattern,
        lines: u64,
        warm: Warmth,
        rep: u32,
        seed: u64,
        t: &Tally,
    ) -> Self {
        let mut row = CapacityRow {
            op,
            pattern,
            lines,
            warm,
            rep,
            seed,
            attempts: 0,
            commits: 0,
            conflict: 0,
            capacity: 0,
            explicit: 0,
            retry_only: 0,
            nested: 0,
            debug: 0,
            status0: 0,
            unknown: 0,
        };
        row.set_tally(t);
        row
    }
}

impl DurationRow {
    const HEADER: &'static [&'static str] = &[
        "cycles",
        "us",
        "rep",
        "seed",
        "attempts",
        "commits",
        "conflict",
        "capacity",
        "explicit",
        "retry_only",
        "nested",
        "debug",
        "status0",
        "unknown",
    ];

    /// A row for the given parameters and counts; `tsc_hz` converts cycles to microseconds.
    pub fn new(cycles: u64, tsc_hz: f64, rep: u32, seed: u64, t: &Tally) -> Self {
        let mut row = DurationRow {
            cycles,
            us: cycles as f64 / tsc_hz * 1e6,
            rep,
            seed,
            attempts: 0,
            commits: 0,
            conflict: 0,
            capacity: 0,
            explicit: 0,
            retry_only: 0,
            nested: 0,
            debug: 0,
            status0: 0,
            unknown: 0,
        };
        row.set_tally(t);
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_end_with_the_tally_columns() {
        for cols in [CapacityRow::COLUMNS, DurationRow::COLUMNS] {
            let tail = &cols[cols.len() - 8..];
            assert_eq!(tail, Tally::ABORT_COLUMNS);
            assert_eq!(
                cols[cols.len() - 10..cols.len() - 8],
                ["attempts", "commits"]
            );
        }
    }
}
