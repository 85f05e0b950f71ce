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

use crate::rng::SplitMix64;
use crate::{Abort, Backend, Handle, TWord, ThreadStats, Tx, UserAbort};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// When a multi-threaded check stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Each thread runs this many transactions.
    Ops(u64),
    /// All threads run until this much time has passed.
    After(Duration),
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
    let stop = AtomicBool::new(false);
    let started = Instant::now();

    let per_thread: Vec<(BankReport, ThreadStats)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..config.threads)
            .map(|i| {
                let accounts = &accounts;
                let stop = &stop;
                s.spawn(move || {
                    bank_thread(backend, accounts, expected_total, config, i as u64, stop)
                })
            })
            .collect();
        if let Stop::After(d) = config.stop {
            std::thread::sleep(d);
            // Relaxed: the flag carries no data; the joins below synchronize everything else.
            stop.store(true, Ordering::Relaxed);
        }
        workers
            .into_iter()
            .map(|w| w.join().expect("bank worker panicked"))
            .collect()
    });
    let elapsed = started.elapsed();

    let mut report = BankReport {
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
    stop: &AtomicBool,
) -> (BankReport, ThreadStats) {
    let mut h = backend.handle();
    let mut rng = SplitMix64::new(config.seed.wrapping_add(thread));
    let mut r = BankReport {
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
    let mut op = 0u64;
    loop {
        match config.stop {
            Stop::Ops(ops) if op >= ops => break,
            // Relaxed: see the store in `bank`.
            Stop::After(_) if stop.load(Ordering::Relaxed) => break,
            _ => {}
        }
        op += 1;
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

/// What [`counters`] observed.
#[derive(Clone, Debug)]
pub struct CounterReport {
    /// The final value of each counter.
    pub values: Vec<u64>,
    /// `threads * increments_per_thread`, what every counter must hold.
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

/// `threads` threads each run `increments_per_thread` transactions, each of which increments all
/// of `counters` words, `stride` words apart (`stride = 8` puts each counter on its own cache line).
pub fn counters<B: Backend>(
    backend: &B,
    threads: usize,
    increments_per_thread: u64,
    counters: usize,
    stride: usize,
) -> CounterReport {
    let stride = stride.max(1);
    let words: Vec<TWord> = (0..counters * stride).map(|_| TWord::new(0)).collect();
    let stats: Vec<ThreadStats> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let words = &words;
                s.spawn(move || {
                    let mut h = backend.handle();
                    for _ in 0..increments_per_thread {
                        h.atomically(|tx| {
                            for w in words.iter().step_by(stride) {
                                let v = tx.read(w)?;
                                tx.write(w, v + 1)?;
                            }
                            Ok(())
                        })
                        .expect("counter transactions never cancel");
                    }
                    h.take_stats()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("counter worker panicked"))
            .collect()
    });
    let mut merged = ThreadStats::default();
    for s in &stats {
        merged.merge(s);
    }
    CounterReport {
        values: words.iter().step_by(stride).map(TWord::load).collect(),
        expected: threads as u64 * increments_per_thread,
        stats: merged,
    }
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
