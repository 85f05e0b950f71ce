//! Measuring one point (a backend, a workload, a thread count) and turning it into a row.

use super::args::Measurement;
use super::workload::WorkloadSpec;
use crate::backends::BackendSpec;
use crate::results::WorkloadRow;
use anyhow::{Result, anyhow};
use tm::BackendInfo;
use workloads::runner::{self, Outcome};

/// The seed of repetition `rep` of a run seeded `run_seed`: every backend and thread count of a
/// repetition sees the same random choices, and repetitions differ.
pub fn point_seed(run_seed: u64, rep: u32) -> u64 {
    let mut g = tm::rng::SplitMix64::new(run_seed);
    g.absorb(u64::from(rep));
    g.next_u64()
}

/// What one point measured.
#[derive(Clone, Debug)]
pub struct Measured {
    /// The runner's outcome.
    pub outcome: Outcome,
    /// The backend's name and parameters.
    pub info: BackendInfo,
}

/// Measures `workload` on `backend` with `threads` threads (pinned round-robin over `cores`),
/// a fresh backend and fresh workload data, seeded `seed`.
pub fn measure(
    backend: &BackendSpec,
    workload: &WorkloadSpec,
    threads: usize,
    measurement: &Measurement,
    seed: u64,
    cores: &[usize],
) -> Result<Measured> {
    let plan = measurement.plan(threads, seed, cores);
    // Fresh data for every repetition: an integer set's initial keys come from the point's seed.
    let mut workload = workload.clone();
    if let WorkloadSpec::Intset(c) = &mut workload {
        c.seed = seed;
    }
    let workload = &workload;
    crate::with_backend!(backend, b => {
        let info = tm::Backend::info(&b);
        let outcome = crate::with_workload!(workload, threads, w => runner::run(&b, &w, &plan))
            .map_err(|e| anyhow!("{e}"))?
            .map_err(|e| anyhow!("{} on {}: {e}", workload.name(), backend.name))?;
        Ok(Measured { outcome, info })
    })
}

/// The row of one measured point.
pub fn row(
    workload: &WorkloadSpec,
    backend: &BackendSpec,
    size: Option<u64>,
    rep: u32,
    seed: u64,
    o: &Outcome,
) -> WorkloadRow {
    let mut row = WorkloadRow {
        workload: String::new(),
        backend: backend.name.clone(),
        size,
        threads: o.threads.len() as u32,
        rep,
        seed,
        words: None,
        reads: None,
        writes: None,
        layout: None,
        hot: None,
        accounts: None,
        audit_every: None,
        counters: None,
        chunk: None,
        shared_p: None,
        shared_words: None,
        frame_words: None,
        touch_words: None,
        initial: None,
        range: None,
        update_pct: None,
        buckets: None,
        elapsed_ns: u64::try_from(o.elapsed.as_nanos()).unwrap_or(u64::MAX),
        ops: o.ops,
        attempts: 0,
        commits: 0,
        conflict: 0,
        capacity: 0,
        explicit: 0,
        lock_busy: 0,
        retry_only: 0,
        nested: 0,
        debug: 0,
        status0: 0,
        read_validation: 0,
        locked_at_read: 0,
        locked_at_commit: 0,
        fallbacks: 0,
        lock_waits: 0,
        user_aborts: 0,
        committed_cycles: None,
        aborted_cycles: None,
        fallback_cycles: None,
        transfers: None,
        cancelled_transfers: None,
        audits: None,
        lookups: None,
        found: None,
        updates: None,
        effective_updates: None,
        inserts: None,
        effective_inserts: None,
        removes: None,
        effective_removes: None,
        throughput: o.throughput(),
        check_ok: o.check.is_ok(),
        violation: o.check.clone().err().unwrap_or_default(),
        cores: o
            .threads
            .iter()
            .map(|t| t.core.map_or_else(|| "-".to_string(), |c| c.to_string()))
            .collect::<Vec<_>>()
            .join(";"),
    };
    workload.fill(&mut row);
    row.set_stats(&o.total, o.accounting.cycles());
    let c = |i: usize| o.counters.get(i).copied();
    match workload {
        WorkloadSpec::Bank(_) => {
            row.transfers = c(0);
            row.cancelled_transfers = c(1);
            row.audits = c(2);
        }
        WorkloadSpec::Intset(_) => {
            row.lookups = c(0);
            row.found = c(1);
            row.updates = c(2);
            row.effective_updates = c(3);
            row.inserts = c(4);
            row.effective_inserts = c(5);
            row.removes = c(6);
            row.effective_removes = c(7);
        }
        _ => {}
    }
    row
}
