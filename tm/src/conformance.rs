//! Workloads that check a backend keeps the contract, written once for every backend.
//!
//! Each check returns a report rather than asserting, so tests assert on it and examples print it:
//!
//! - [`bank`]: concurrent transfers and read-only audits of the total. Serializability keeps the
//!   final total exact; opacity means no attempt, not even one that later aborts, ever reads a
//!   wrong total ([`BankReport::inconsistent_reads`]). Transfers that would overdraw are cancelled
//!   with a user abort *after* writing, so rollback of buffered or in-place writes is exercised too.
//! - [`counters`]: every transaction increments the same set of words; the final values are exact.
//! - [`user_abort_rolls_back`]: a single-threaded check that a cancelled transaction leaves no trace.
//! - [`conflicts_detected`]: whether a run's statistics show the conflicts a contended workload on a
//!   backend that can abort must produce, each under a cause the backend may report.
//!
//! The multi-threaded checks only test concurrency if the threads really overlap. So all threads
//! start together, at a barrier, and a run bounded by operations
//! ([`Stop::Ops`], [`Stop::AtLeast`]) ends only once *every* thread has done its share: a thread
//! that finishes early keeps running transactions (which count) until the slowest one is done, so
//! no share ever runs alone. [`Stop::AtLeast`] adds a time floor, which makes threads that share
//! one core interleave too: the run spans many scheduler time slices, and a thread preempted inside
//! a transaction resumes after the others have committed. Neither is a timed assertion; both only
//! shape the workload.

use crate::rng::SplitMix64;
use crate::{Abort, AbortCause, Backend, Handle, TWord, ThreadStats, Tx, UserAbort};
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// When a multi-threaded check stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Each thread runs at least this many transactions, and keeps running until every thread
    /// has run that many.
    Ops(u64),
    /// As [`Stop::Ops`], and at least until `time` has passed since the start.
    AtLeast {
        /// Transactions each thread runs at least.
        ops: u64,
        /// The shortest run.
        time: Duration,
    },
    /// All threads run until this much time has passed.
    After(Duration),
}

impl Stop {
    /// Each thread's share of operations, and the time floor.
    fn bounds(self) -> (u64, Duration) {
        match self {
            Stop::Ops(ops) => (ops, Duration::ZERO),
            Stop::AtLeast { ops, time } => (ops, time),
            Stop::After(time) => (0, time),
        }
    }
}

/// The start and the end of a multi-threaded run (see the module documentation).
struct Run {
    threads: usize,
    share: u64,
    /// All threads (and the coordinating one) have their handles: the run starts.
    start: Barrier,
    /// Threads that have done their share.
    done: AtomicUsize,
    /// The time floor has passed.
    time_up: AtomicBool,
}

impl Run {
    fn new(threads: usize, stop: Stop) -> Run {
        Run {
            threads,
            share: stop.bounds().0,
            start: Barrier::new(threads + 1),
            done: AtomicUsize::new(0),
            time_up: AtomicBool::new(stop.bounds().1.is_zero()),
        }
    }

    /// The coordinating thread's part: starts the run and lets the time floor pass. Returns the
    /// start time.
    fn coordinate(&self, stop: Stop) -> Instant {
        self.start.wait();
        let started = Instant::now();
        let floor = stop.bounds().1;
        if !floor.is_zero() {
            std::thread::sleep(floor);
            // Relaxed: the flag carries no data; the joins synchronize everything else.
            self.time_up.store(true, Ordering::Relaxed);
        }
        started
    }

    /// A worker's part: waits for the start, then takes its seat.
    fn join(&self) -> Seat<'_> {
        self.start.wait();
        Seat {
            run: self,
            reached: false,
        }
    }
}

/// One worker's place in a [`Run`]. It counts as done when it has run its share, or when it leaves
/// without (a panicking worker must not hold the others forever).
struct Seat<'r> {
    run: &'r Run,
    reached: bool,
}

impl Seat<'_> {
    /// Whether the worker, having run `ops` operations, stops now (asked before each operation).
    fn stop_before(&mut self, ops: u64) -> bool {
        if !self.reached && ops >= self.run.share {
            self.reached = true;
            // Relaxed: a counter read only for this decision.
            self.run.done.fetch_add(1, Ordering::Relaxed);
        }
        // Relaxed: see above and `Run::coordinate`.
        self.reached
            && self.run.done.load(Ordering::Relaxed) == self.run.threads
            && self.run.time_up.load(Ordering::Relaxed)
    }
}

impl Drop for Seat<'_> {
    fn drop(&mut self) {
        if !self.reached {
            // Relaxed: as in `stop_before`.
            self.run.done.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Parameters of [`bank`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BankConfig {
    /// Number of accounts (8 for heavy contention, 1 000 for light).
    pub accounts: usize,
    /// Number of threads.
    pub threads: usize,
    /// Initial balance of every account.
    pub initial_balance: u64,
    /// One transaction in this many is a read-only audit of every account (0: no audits).
    pub audit_every: u64,
    /// When to stop.
    pub stop: Stop,
    /// Seed of the per-thread generators (thread `i` uses `seed + i`).
    pub seed: u64,
}

impl Default for BankConfig {
    fn default() -> Self {
        BankConfig {
            accounts: 1000,
            threads: 2,
            initial_balance: 1000,
            audit_every: 16,
            stop: Stop::Ops(10_000),
            seed: 1,
        }
    }
}

/// What [`bank`] observed.
#[derive(Clone, Debug)]
pub struct BankReport {
    /// Operations run over all threads (transfers, cancelled transfers and audits).
    pub operations: u64,
    /// Transfers that committed.
    pub transfers: u64,
    /// Transfers cancelled by a user abort because the source account would have been overdrawn.
    pub cancelled: u64,
    /// Audits that committed.
    pub audits: u64,
    /// Committed audits whose total was wrong (a serializability violation).
    pub bad_audits: u64,
    /// Attempts, committed or not, that read a wrong total or an impossible balance (an opacity
    /// violation: a doomed transaction observed a state no serial execution produces).
    pub inconsistent_reads: u64,
    /// The sum of all accounts after every thread joined.
    pub final_total: u64,
    /// `accounts * initial_balance`.
    pub expected_total: u64,
    /// Wall-clock time of the measured phase.
    pub elapsed: Duration,
    /// Statistics merged over all threads.
    pub stats: ThreadStats,
}

impl BankReport {
    /// No violation of any kind was seen.
    pub fn invariant_ok(&self) -> bool {
        self.bad_audits == 0
            && self.inconsistent_reads == 0
            && self.final_total == self.expected_total
            && self.stats.is_consistent()
    }
}

/// Runs the bank workload on `backend` (see the module documentation).
///
/// # Panics
/// If `config.accounts < 2` or `config.threads == 0`.
pub fn bank<B: Backend>(backend: &B, config: BankConfig) -> BankReport {
    assert!(config.accounts >= 2, "the bank needs at least two accounts");
    assert!(config.threads >= 1, "the bank needs at least one thread");
    let accounts: Vec<TWord> = (0..config.accounts)
        .map(|_| TWord::new(config.initial_balance))
        .collect();
    let expected_total = config.initial_balance * config.accounts as u64;
    let run = Run::new(config.threads, config.stop);

    let (started, per_thread): (Instant, Vec<(BankReport, ThreadStats)>) =
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..config.threads)
                .map(|i| {
                    let (accounts, run) = (&accounts, &run);
                    s.spawn(move || {
                        bank_thread(backend, accounts, expected_total, config, i as u64, run)
                    })
                })
                .collect();
            let started = run.coordinate(config.stop);
            let reports = workers
                .into_iter()
                .map(|w| w.join().expect("bank worker panicked"))
                .collect();
            (started, reports)
        });
    let elapsed = started.elapsed();

    let mut report = BankReport {
        operations: 0,
        transfers: 0,
        cancelled: 0,
        audits: 0,
        bad_audits: 0,
        inconsistent_reads: 0,
        // Wrapping, as in the audits: a broken backend may leave a wrapped balance behind, which
        // must show as a wrong total, not crash the check.
        final_total: accounts.iter().map(TWord::load).fold(0, u64::wrapping_add),
        expected_total,
        elapsed,
        stats: ThreadStats::default(),
    };
    for (r, stats) in per_thread {
        report.operations += r.operations;
        report.transfers += r.transfers;
        report.cancelled += r.cancelled;
        report.audits += r.audits;
        report.bad_audits += r.bad_audits;
        report.inconsistent_reads += r.inconsistent_reads;
        report.stats.merge(&stats);
    }
    report
}

/// User-abort code of an overdrawing transfer.
const OVERDRAWN: u8 = 1;

fn bank_thread<B: Backend>(
    backend: &B,
    accounts: &[TWord],
    expected_total: u64,
    config: BankConfig,
    thread: u64,
    run: &Run,
) -> (BankReport, ThreadStats) {
    let mut seat = run.join();
    let mut h = backend.handle();
    let mut rng = SplitMix64::new(config.seed.wrapping_add(thread));
    let mut r = BankReport {
        operations: 0,
        transfers: 0,
        cancelled: 0,
        audits: 0,
        bad_audits: 0,
        inconsistent_reads: 0,
        final_total: 0,
        expected_total,
        elapsed: Duration::ZERO,
        stats: ThreadStats::default(),
    };
    let n = accounts.len() as u64;
    while !seat.stop_before(r.operations) {
        r.operations += 1;
        if config.audit_every != 0 && rng.next_u64().is_multiple_of(config.audit_every) {
            let total = audit(&mut h, accounts, expected_total, &mut r.inconsistent_reads);
            r.audits += 1;
            if total != expected_total {
                r.bad_audits += 1;
            }
        } else {
            let from = (rng.next_u64() % n) as usize;
            let to_index = (rng.next_u64() % (n - 1)) as usize;
            // Skip `from` so the two accounts always differ.
            let to = if to_index == from {
                n as usize - 1
            } else {
                to_index
            };
            let amount = rng.next_u64() % (config.initial_balance / 2 + 1);
            match transfer(
                &mut h,
                // An overdraft is cancelled after the write, so the backend must roll back.
                Order::DebitFirst,
                &accounts[from],
                &accounts[to],
                amount,
                expected_total,
                &mut r.inconsistent_reads,
            ) {
                Transfer::Done => r.transfers += 1,
                Transfer::Cancelled => r.cancelled += 1,
            }
        }
    }
    let stats = h.take_stats();
    (r, stats)
}

/// How one [`transfer`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transfer {
    /// The transfer committed.
    Done,
    /// The source account would have been overdrawn: the transaction was cancelled (user abort)
    /// after it had written, so the backend had to roll a write back.
    Cancelled,
}

/// When a [`transfer`] checks for an overdraft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Debit the source, then check: a cancelled transfer has written before it cancels, so the
    /// backend must roll a write back (what the conformance kit exercises).
    DebitFirst,
    /// Check the balance, then write: a cancelled transfer has only read (what an application
    /// does, and all a backend without rollback, such as the sequential baseline, supports).
    CheckFirst,
}

/// One bank transfer of `amount` from `from` to `to` (distinct accounts), as one transaction.
///
/// `order` says whether the overdraft is checked before or after the debit. Every attempt, committed or not, that reads
/// balances no serial execution could produce (a balance above the bank's `expected_total`, or
/// two balances summing above it) adds one to `inconsistent`: an opacity violation.
pub fn transfer<'a, H: Handle<'a>>(
    h: &mut H,
    order: Order,
    from: &'a TWord,
    to: &'a TWord,
    amount: u64,
    expected_total: u64,
    inconsistent: &mut u64,
) -> Transfer {
    let mut seen = 0u64;
    let outcome = h.atomically(|tx| {
        let balance = tx.read(from)?;
        if order == Order::DebitFirst {
            tx.write(from, balance.wrapping_sub(amount))?;
        }
        if balance < amount {
            return Err(Abort::user(OVERDRAWN));
        }
        if order == Order::CheckFirst {
            tx.write(from, balance - amount)?;
        }
        let other = tx.read(to)?;
        if balance > expected_total || other > expected_total - balance {
            seen += 1;
        }
        tx.write(to, other.wrapping_add(amount))
    });
    *inconsistent += seen;
    match outcome {
        Ok(()) => Transfer::Done,
        Err(UserAbort { code: OVERDRAWN }) => Transfer::Cancelled,
        Err(e) => panic!("a bank transfer ended with {e}, which it never raises"),
    }
}

/// A read-only audit: the sum of every account, as one transaction. Every attempt whose sum is
/// not `expected_total` adds one to `inconsistent` (an opacity violation if the attempt aborted,
/// a serializability violation if it committed, which the caller sees in the returned total).
pub fn audit<'a, H: Handle<'a>>(
    h: &mut H,
    accounts: &'a [TWord],
    expected_total: u64,
    inconsistent: &mut u64,
) -> u64 {
    let mut seen = 0u64;
    let total = h
        .atomically(|tx| {
            let mut sum = 0u64;
            for a in accounts {
                // Wrapping: a broken backend may expose an uncommitted, wrapped balance; that
                // must be counted as a violation, not crash the check.
                sum = sum.wrapping_add(tx.read(a)?);
            }
            if sum != expected_total {
                seen += 1;
            }
            Ok(sum)
        })
        .expect("audits never cancel");
    *inconsistent += seen;
    total
}

/// Parameters of [`counters`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterConfig {
    /// Number of threads.
    pub threads: usize,
    /// Number of counters every transaction increments.
    pub counters: usize,
    /// Words between consecutive counters (8 puts each counter on its own cache line).
    pub stride: usize,
    /// When to stop; each operation is one transaction.
    pub stop: Stop,
}

/// What [`counters`] observed.
#[derive(Clone, Debug)]
pub struct CounterReport {
    /// The final value of each counter.
    pub values: Vec<u64>,
    /// Transactions committed over all threads, what every counter must hold.
    pub expected: u64,
    /// Statistics merged over all threads.
    pub stats: ThreadStats,
}

impl CounterReport {
    /// Every counter holds exactly the expected value and the accounting identity holds.
    pub fn exact(&self) -> bool {
        self.values.iter().all(|&v| v == self.expected) && self.stats.is_consistent()
    }
}

/// `config.threads` threads run transactions that each increment all of `config.counters` words,
/// `config.stride` words apart, until `config.stop`.
pub fn counters<B: Backend>(backend: &B, config: CounterConfig) -> CounterReport {
    let stride = config.stride.max(1);
    let words: Vec<TWord> = (0..config.counters * stride)
        .map(|_| TWord::new(0))
        .collect();
    let run = Run::new(config.threads, config.stop);
    let per_thread: Vec<(u64, ThreadStats)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..config.threads)
            .map(|_| {
                let (words, run) = (&words, &run);
                s.spawn(move || {
                    let mut seat = run.join();
                    let mut h = backend.handle();
                    let mut done = 0u64;
                    while !seat.stop_before(done) {
                        h.atomically(|tx| {
                            for w in words.iter().step_by(stride) {
                                let v = tx.read(w)?;
                                tx.write(w, v + 1)?;
                            }
                            Ok(())
                        })
                        .expect("counter transactions never cancel");
                        done += 1;
                    }
                    (done, h.take_stats())
                })
            })
            .collect();
        run.coordinate(config.stop);
        workers
            .into_iter()
            .map(|w| w.join().expect("counter worker panicked"))
            .collect()
    });
    let mut merged = ThreadStats::default();
    let mut expected = 0;
    for (done, stats) in &per_thread {
        expected += done;
        merged.merge(stats);
    }
    CounterReport {
        values: words.iter().step_by(stride).map(TWord::load).collect(),
        expected,
        stats: merged,
    }
}

/// Checks that a contended run detected conflicts: at least `at_least` aborts that were not user
/// aborts, every one of them under a cause in `causes`. Returns the number of such aborts, or a
/// description of what is missing.
///
/// A backend that can abort (TL2, NOrec, hardware elision) must pass this on a workload whose
/// threads overlap on a small hot set; a backend that never aborts (a global lock, elision on its
/// lock path) must fail it, and the kit's own tests show it does.
pub fn conflicts_detected(
    stats: &ThreadStats,
    at_least: u64,
    causes: &[AbortCause],
) -> Result<u64, String> {
    let conflicts = stats.total_aborts() - stats.aborts_of(AbortCause::Explicit);
    if let Some(c) = AbortCause::ALL
        .iter()
        .find(|&&c| c != AbortCause::Explicit && stats.aborts_of(c) > 0 && !causes.contains(&c))
    {
        return Err(format!(
            "{} aborts under {c}, which this backend does not raise (expected only {causes:?}): \
             {:?}",
            stats.aborts_of(*c),
            stats.aborts
        ));
    }
    if conflicts < at_least {
        return Err(format!(
            "{conflicts} conflict aborts, fewer than {at_least}: the threads did not conflict, or \
             the backend did not detect it ({:?})",
            stats.aborts
        ));
    }
    Ok(conflicts)
}

/// Checks, on one thread, that a transaction cancelled after reading and writing leaves every word
/// as it was, that its code comes back, and that a later transaction still commits. Returns a
/// description of the first violation.
pub fn user_abort_rolls_back<B: Backend>(backend: &B) -> Result<(), String> {
    let words: Vec<TWord> = (0..64).map(TWord::new).collect();
    let mut h = backend.handle();
    let outcome = h.atomically(|tx| {
        for w in &words {
            let v = tx.read(w)?;
            tx.write(w, v + 1000)?;
        }
        // Read back our own write: a redo log must return it.
        if tx.read(&words[0])? != 1000 {
            return Err(Abort::user(0x11));
        }
        Err::<(), _>(Abort::user(0x42))
    });
    if outcome != Err(UserAbort { code: 0x42 }) {
        return Err(format!("expected user abort 0x42, got {outcome:?}"));
    }
    for (i, w) in words.iter().enumerate() {
        if w.load() != i as u64 {
            return Err(format!(
                "word {i} is {} after a cancelled transaction",
                w.load()
            ));
        }
    }
    let stats = h.stats().clone();
    if stats.user_aborts != 1 {
        return Err(format!("user_aborts is {}, expected 1", stats.user_aborts));
    }
    h.atomically(|tx| tx.write(&words[0], 7))
        .map_err(|e| e.to_string())?;
    if words[0].load() != 7 {
        return Err("a transaction after a cancelled one did not commit its write".into());
    }
    Ok(())
}
