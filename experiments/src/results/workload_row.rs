//! The rows of the workload sweeps (`tmlab sweep threads|txsize`) and of `tmlab bench`.
//!
//! One row per backend x threads x size x repetition, in one schema shared by every workload, so
//! the `points.csv` of any two runs can be concatenated: a workload's parameters and its own
//! counters are columns, left empty in the rows of workloads they do not apply to. Columns, in
//! order (see `results/README.md` for each one's meaning):
//!
//! - identity: `workload`, `backend`, `size` (the swept transaction size of `txsize`; empty in
//!   `threads`), `threads`, `rep`, `seed`;
//! - workload parameters: `words`, `reads`, `writes`, `layout`, `hot`, `accounts`, `audit_every`,
//!   `counters`, `chunk`, `shared_p`, `shared_words`, `frame_words`, `touch_words`, and for the
//!   integer sets `initial`, `range`, `update_pct`, `buckets` (`hs` only);
//! - what happened in the measured period: `elapsed_ns`, `ops`, `attempts`, `commits`, one column
//!   per abort cause ([`tm::AbortCause::name`]: `conflict`, `capacity`, `explicit`, `lock_busy`,
//!   `retry_only`, `nested`, `debug`, `status0`, `read_validation`, `locked_at_read`,
//!   `locked_at_commit`), `fallbacks`, `lock_waits`, `user_aborts`, `committed_cycles`,
//!   `aborted_cycles`, `fallback_cycles` (the three cycle columns only with `--cycles`: empty
//!   otherwise, since by default no handle reads the clock);
//! - the workload's own counters: `transfers`, `cancelled_transfers`, `audits` (bank); `lookups`,
//!   `found`, `updates`, `effective_updates`, `inserts`, `effective_inserts`, `removes`,
//!   `effective_removes` (integer sets: attempted and successful operations);
//! - derived and checks: `throughput` (transactions that took effect per second: `(commits +
//!   fallbacks) / elapsed`), `check_ok`, `violation` (the check's message, empty when it passed),
//!   `cores` (the core each worker was pinned to, `;`-separated, `-` for an unpinned one).
//!
//! In every row `attempts == commits + ` the sum of the abort columns.

use super::rows::Record;
use serde::{Deserialize, Serialize};
use tm::{AbortCause, ThreadStats};

/// One repetition of one point of a workload sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct WorkloadRow {
    pub workload: String,
    pub backend: String,
    /// The swept transaction size (`txsize` only).
    pub size: Option<u64>,
    pub threads: u32,
    pub rep: u32,
    /// The seed of this point: `tmlab bench --seed` with it repeats the point's random choices.
    pub seed: u64,
    pub words: Option<u64>,
    pub reads: Option<u64>,
    pub writes: Option<u64>,
    pub layout: Option<String>,
    pub hot: Option<String>,
    pub accounts: Option<u64>,
    pub audit_every: Option<u64>,
    pub counters: Option<u64>,
    pub chunk: Option<u64>,
    pub shared_p: Option<f64>,
    pub shared_words: Option<u64>,
    pub frame_words: Option<u64>,
    pub touch_words: Option<u64>,
    pub initial: Option<u64>,
    pub range: Option<u64>,
    pub update_pct: Option<u64>,
    pub buckets: Option<u64>,
    pub elapsed_ns: u64,
    pub ops: u64,
    pub attempts: u64,
    pub commits: u64,
    pub conflict: u64,
    pub capacity: u64,
    pub explicit: u64,
    pub lock_busy: u64,
    pub retry_only: u64,
    pub nested: u64,
    pub debug: u64,
    pub status0: u64,
    pub read_validation: u64,
    pub locked_at_read: u64,
    pub locked_at_commit: u64,
    pub fallbacks: u64,
    pub lock_waits: u64,
    pub user_aborts: u64,
    pub committed_cycles: Option<u64>,
    pub aborted_cycles: Option<u64>,
    pub fallback_cycles: Option<u64>,
    pub transfers: Option<u64>,
    pub cancelled_transfers: Option<u64>,
    pub audits: Option<u64>,
    pub lookups: Option<u64>,
    pub found: Option<u64>,
    pub updates: Option<u64>,
    pub effective_updates: Option<u64>,
    pub inserts: Option<u64>,
    pub effective_inserts: Option<u64>,
    pub removes: Option<u64>,
    pub effective_removes: Option<u64>,
    pub throughput: f64,
    pub check_ok: bool,
    pub violation: String,
    pub cores: String,
}

/// What identifies a point's repetition across a run's files: workload, backend, size, threads,
/// rep and seed (the rows of `sites.csv` and `conflicts.csv` carry the same key).
pub type PointKey<'a> = (&'a str, &'a str, Option<u64>, u32, u32, u64);

impl WorkloadRow {
    /// This row's [`PointKey`].
    pub fn point_key(&self) -> PointKey<'_> {
        (
            &self.workload,
            &self.backend,
            self.size,
            self.threads,
            self.rep,
            self.seed,
        )
    }

    const HEADER: &'static [&'static str] = &[
        "workload",
        "backend",
        "size",
        "threads",
        "rep",
        "seed",
        "words",
        "reads",
        "writes",
        "layout",
        "hot",
        "accounts",
        "audit_every",
        "counters",
        "chunk",
        "shared_p",
        "shared_words",
        "frame_words",
        "touch_words",
        "initial",
        "range",
        "update_pct",
        "buckets",
        "elapsed_ns",
        "ops",
        "attempts",
        "commits",
        "conflict",
        "capacity",
        "explicit",
        "lock_busy",
        "retry_only",
        "nested",
        "debug",
        "status0",
        "read_validation",
        "locked_at_read",
        "locked_at_commit",
        "fallbacks",
        "lock_waits",
        "user_aborts",
        "committed_cycles",
        "aborted_cycles",
        "fallback_cycles",
        "transfers",
        "cancelled_transfers",
        "audits",
        "lookups",
        "found",
        "updates",
        "effective_updates",
        "inserts",
        "effective_inserts",
        "removes",
        "effective_removes",
        "throughput",
        "check_ok",
        "violation",
        "cores",
    ];

    /// The abort counts, indexed by [`AbortCause::index`].
    pub fn aborts(&self) -> [u64; AbortCause::COUNT] {
        let mut a = [0; AbortCause::COUNT];
        for c in AbortCause::ALL {
            a[c.index()] = self.aborts_of(c);
        }
        a
    }

    /// The count of aborts with `cause`.
    pub fn aborts_of(&self, cause: AbortCause) -> u64 {
        match cause {
            AbortCause::Conflict => self.conflict,
            AbortCause::Capacity => self.capacity,
            AbortCause::Explicit => self.explicit,
            AbortCause::LockBusy => self.lock_busy,
            AbortCause::RetryOnly => self.retry_only,
            AbortCause::Nested => self.nested,
            AbortCause::Debug => self.debug,
            AbortCause::Status0 => self.status0,
            AbortCause::ReadValidation => self.read_validation,
            AbortCause::LockedAtRead => self.locked_at_read,
            AbortCause::LockedAtCommit => self.locked_at_commit,
        }
    }

    /// All aborts.
    pub fn total_aborts(&self) -> u64 {
        self.aborts().iter().sum()
    }

    /// Aborts per attempt (0 when nothing was attempted).
    pub fn abort_rate(&self) -> f64 {
        if self.attempts == 0 {
            0.0
        } else {
            self.total_aborts() as f64 / self.attempts as f64
        }
    }

    /// The share of the transactions that took effect which ran on a fallback path.
    pub fn fallback_share(&self) -> f64 {
        let done = self.commits + self.fallbacks;
        if done == 0 {
            0.0
        } else {
            self.fallbacks as f64 / done as f64
        }
    }

    /// Copies the statistics of the measured period into the row; the cycle columns only if
    /// `cycles` were counted (`--cycles`), else they stay empty.
    pub fn set_stats(&mut self, s: &ThreadStats, cycles: bool) {
        self.attempts = s.attempts;
        self.commits = s.commits;
        self.conflict = s.aborts_of(AbortCause::Conflict);
        self.capacity = s.aborts_of(AbortCause::Capacity);
        self.explicit = s.aborts_of(AbortCause::Explicit);
        self.lock_busy = s.aborts_of(AbortCause::LockBusy);
        self.retry_only = s.aborts_of(AbortCause::RetryOnly);
        self.nested = s.aborts_of(AbortCause::Nested);
        self.debug = s.aborts_of(AbortCause::Debug);
        self.status0 = s.aborts_of(AbortCause::Status0);
        self.read_validation = s.aborts_of(AbortCause::ReadValidation);
        self.locked_at_read = s.aborts_of(AbortCause::LockedAtRead);
        self.locked_at_commit = s.aborts_of(AbortCause::LockedAtCommit);
        self.fallbacks = s.fallbacks;
        self.lock_waits = s.lock_waits;
        self.user_aborts = s.user_aborts;
        self.committed_cycles = cycles.then_some(s.committed_cycles);
        self.aborted_cycles = cycles.then_some(s.aborted_cycles);
        self.fallback_cycles = cycles.then_some(s.fallback_cycles);
    }

    /// The row as one line of JSON with the same fields, in the same order, as its CSV columns
    /// (`tmlab bench --format json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("rows always serialize")
    }
}

impl Record for WorkloadRow {
    const COLUMNS: &'static [&'static str] = WorkloadRow::HEADER;

    fn check(&self) -> Result<(), String> {
        if self.threads == 0 {
            return Err("threads is 0".into());
        }
        if self.commits + self.total_aborts() != self.attempts {
            return Err(format!(
                "commits ({}) + aborts ({}) != attempts ({})",
                self.commits,
                self.total_aborts(),
                self.attempts
            ));
        }
        if !self.throughput.is_finite() || self.throughput < 0.0 {
            return Err(format!("throughput {} is not a rate", self.throughput));
        }
        if self.check_ok != self.violation.is_empty() {
            return Err(format!(
                "check_ok is {} but violation is {:?}",
                self.check_ok, self.violation
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_every_field_and_every_abort_cause() {
        let names: Vec<&str> = WorkloadRow::HEADER.to_vec();
        for c in AbortCause::ALL {
            assert!(names.contains(&c.name()), "{c} has no column");
        }
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "duplicate column");
    }
}
