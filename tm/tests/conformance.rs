//! The conformance kit must pass a correct backend and catch broken ones; otherwise the backends'
//! tests that rely on it would prove nothing.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tm::conformance::{
    BankConfig, CounterConfig, Stop, bank, conflicts_detected, counters, user_abort_rolls_back,
};
use tm::{Abort, AbortCause, Backend, BackendInfo, Handle, TWord, ThreadStats, Tx, UserAbort};

/// A backend for testing the kit: writes in place with an undo log for user aborts. Correct with
/// `lock: Some(..)` and `rollback: true`; each switch off breaks one property on purpose. It never
/// aborts on its own, so it must fail the conflict check. It also watches how the kit runs it
/// ([`Watch`]).
struct TestBackend {
    /// The one big lock; `None` runs transactions with no synchronization at all, with a yield in
    /// every read to widen the races.
    lock: Option<Mutex<()>>,
    /// Whether a user abort restores the words it wrote.
    rollback: bool,
    watch: Watch,
}

/// What the kit's scheduling does, seen from the backend: whether any handle is dropped (its
/// thread done) before every handle has run `share` transactions, with the first handle slowed
/// down by `slow` in its first transaction (a thread that starts late).
#[derive(Default)]
struct Watch {
    share: u64,
    slow: Duration,
    created: AtomicUsize,
    shares_done: AtomicUsize,
    /// Handles dropped while some handle had not run its share yet.
    early_exits: AtomicUsize,
    handles: AtomicUsize,
}

impl TestBackend {
    fn correct() -> Self {
        TestBackend {
            lock: Some(Mutex::new(())),
            rollback: true,
            watch: Watch::default(),
        }
    }
}

struct TestHandle<'a> {
    backend: &'a TestBackend,
    undo: Vec<(&'a TWord, u64)>,
    stats: ThreadStats,
    index: usize,
    transactions: AtomicU64,
}

impl Drop for TestHandle<'_> {
    fn drop(&mut self) {
        let w = &self.backend.watch;
        // SeqCst on the watch counters: test bookkeeping, simplest to reason about.
        if w.share > 0 && w.shares_done.load(Ordering::SeqCst) < w.handles.load(Ordering::SeqCst) {
            w.early_exits.fetch_add(1, Ordering::SeqCst);
        }
    }
}

struct InPlaceTx<'a> {
    racy: bool,
    undo: Vec<(&'a TWord, u64)>,
}

impl<'a> Tx<'a> for InPlaceTx<'a> {
    fn read(&mut self, w: &'a TWord) -> Result<u64, Abort> {
        let v = w.load();
        // After the load, so the value goes stale while the thread is off the core.
        if self.racy {
            std::thread::yield_now();
        }
        Ok(v)
    }
    fn write(&mut self, w: &'a TWord, v: u64) -> Result<(), Abort> {
        self.undo.push((w, w.load()));
        w.store(v);
        Ok(())
    }
}

impl<'a> Handle<'a> for TestHandle<'a> {
    type Tx = InPlaceTx<'a>;

    fn atomically<R, F>(&mut self, mut body: F) -> Result<R, UserAbort>
    where
        F: FnMut(&mut Self::Tx) -> Result<R, Abort>,
    {
        let w = &self.backend.watch;
        let n = self.transactions.fetch_add(1, Ordering::SeqCst);
        if n == 0 && self.index == 0 {
            std::thread::sleep(w.slow);
        }
        if n + 1 == w.share {
            w.shares_done.fetch_add(1, Ordering::SeqCst);
        }
        let _guard = self.backend.lock.as_ref().map(|l| l.lock().unwrap());
        // The undo log is moved into the transaction and back, so it is reused.
        let mut tx = InPlaceTx {
            racy: self.backend.lock.is_none(),
            undo: std::mem::take(&mut self.undo),
        };
        let result = match body(&mut tx) {
            Ok(r) => {
                self.stats.record_commit(0);
                Ok(r)
            }
            Err(a) => {
                if self.backend.rollback {
                    for (w, old) in tx.undo.iter().rev() {
                        w.store(*old);
                    }
                }
                let code = a.user_code().expect("this backend never aborts on its own");
                self.stats.record_abort(a.cause(), code, 0);
                self.stats.user_aborts += 1;
                Err(UserAbort { code })
            }
        };
        tx.undo.clear();
        self.undo = tx.undo;
        result
    }

    fn stats(&self) -> &ThreadStats {
        &self.stats
    }

    fn take_stats(&mut self) -> ThreadStats {
        std::mem::take(&mut self.stats)
    }
}

impl Backend for TestBackend {
    type Handle<'a> = TestHandle<'a>;
    fn handle_with(&self, _accounting: tm::Accounting) -> TestHandle<'_> {
        TestHandle {
            backend: self,
            undo: Vec::new(),
            stats: ThreadStats::default(),
            index: self.watch.created.fetch_add(1, Ordering::SeqCst),
            transactions: AtomicU64::new(0),
        }
    }
    fn info(&self) -> BackendInfo {
        BackendInfo::new("test")
            .param("locked", self.lock.is_some())
            .param("rollback", self.rollback)
    }
}

#[test]
fn a_correct_backend_passes_every_check() {
    let b = TestBackend::correct();
    for (accounts, threads) in [(8, 2), (8, 4), (1000, 2)] {
        let r = bank(
            &b,
            BankConfig {
                accounts,
                threads,
                stop: Stop::Ops(3_000),
                ..BankConfig::default()
            },
        );
        assert!(
            r.invariant_ok(),
            "{accounts} accounts, {threads} threads: {r:?}"
        );
        assert!(r.transfers > 0 && r.audits > 0);
        assert!(
            r.operations >= threads as u64 * 3_000,
            "every thread ran its share"
        );
        assert_eq!(r.operations, r.transfers + r.cancelled + r.audits);
        assert_eq!(r.stats.commits, r.transfers + r.audits);
        assert_eq!(r.stats.user_aborts, r.cancelled);
    }
    let c = counters(&b, counter_config(4, 2_000, 4, 8));
    assert!(c.exact(), "{:?}", c.values);
    assert!(c.expected >= 8_000);
    assert_eq!(c.stats.commits, c.expected);
    user_abort_rolls_back(&b).unwrap();
}

fn counter_config(threads: usize, ops: u64, counters: usize, stride: usize) -> CounterConfig {
    CounterConfig {
        threads,
        counters,
        stride,
        stop: Stop::Ops(ops),
    }
}

#[test]
fn the_bank_with_heavy_contention_has_overdrafts_to_cancel() {
    let b = TestBackend::correct();
    let r = bank(
        &b,
        BankConfig {
            accounts: 8,
            threads: 2,
            stop: Stop::Ops(5_000),
            ..BankConfig::default()
        },
    );
    assert!(
        r.cancelled > 0,
        "no transfer was cancelled, so rollback was never exercised"
    );
}

#[test]
fn missing_rollback_is_caught() {
    let err = user_abort_rolls_back(&TestBackend {
        lock: Some(Mutex::new(())),
        rollback: false,
        watch: Watch::default(),
    })
    .unwrap_err();
    assert!(err.contains("after a cancelled transaction"), "{err}");
}

#[test]
fn missing_isolation_is_caught() {
    // Races are probabilistic; with a yield inside every read they show up in the first round in
    // practice, and twenty rounds make a miss astronomically unlikely.
    let b = TestBackend {
        lock: None,
        rollback: true,
        watch: Watch::default(),
    };
    let caught = (0..20).any(|round| {
        let bank_broken = !bank(
            &b,
            BankConfig {
                accounts: 8,
                threads: 4,
                stop: Stop::Ops(2_000),
                seed: round,
                ..BankConfig::default()
            },
        )
        .invariant_ok();
        let counters_broken = !counters(&b, counter_config(4, 2_000, 2, 1)).exact();
        bank_broken && counters_broken
    });
    assert!(
        caught,
        "a backend without any synchronization passed the bank and counter checks"
    );
}

/// The conflict check fails a backend that never aborts, on the same contended workload that
/// TL2 and NOrec must pass it on (`stm/tests/conformance.rs`): otherwise a backend that never
/// detected a conflict, or threads that never overlapped, would pass unnoticed.
#[test]
fn a_backend_that_never_aborts_fails_the_conflict_check() {
    let b = TestBackend::correct();
    let r = bank(
        &b,
        BankConfig {
            accounts: 8,
            threads: 2,
            audit_every: 4,
            stop: Stop::AtLeast {
                ops: 20_000,
                time: Duration::from_millis(20),
            },
            ..BankConfig::default()
        },
    );
    assert!(r.invariant_ok(), "otherwise correct: {r:?}");
    let err = conflicts_detected(&r.stats, 1, &[AbortCause::ReadValidation]).unwrap_err();
    assert!(err.contains("0 conflict aborts"), "{err}");
    let c = counters(&b, counter_config(2, 20_000, 4, 1));
    assert!(c.exact());
    assert!(conflicts_detected(&c.stats, 1, &[AbortCause::ReadValidation]).is_err());
}

/// The conflict check also fails aborts under a cause the backend does not raise, and passes
/// enough aborts under the expected ones.
#[test]
fn the_conflict_check_classifies() {
    let mut stats = ThreadStats::default();
    for _ in 0..3 {
        stats.record_abort(AbortCause::ReadValidation, 0, 0);
    }
    stats.record_abort(AbortCause::Explicit, 1, 0);
    stats.user_aborts += 1;
    assert_eq!(
        conflicts_detected(&stats, 3, &[AbortCause::ReadValidation]),
        Ok(3),
        "user aborts are not conflicts"
    );
    assert!(conflicts_detected(&stats, 4, &[AbortCause::ReadValidation]).is_err());
    stats.record_abort(AbortCause::Conflict, 0, 0);
    let err = conflicts_detected(&stats, 1, &[AbortCause::ReadValidation]).unwrap_err();
    assert!(err.contains("conflict"), "{err}");
}

/// No thread finishes while another has not yet run its share, even when one thread starts late
/// (its first transaction sleeps): each share runs while every other thread is running. Before
/// the start barrier and the share rule, the punctual threads ran their share and left long
/// before the late one started.
#[test]
fn every_share_runs_while_all_threads_run() {
    for threads in [2, 4] {
        let share = 200;
        let b = TestBackend {
            watch: Watch {
                share,
                slow: Duration::from_millis(20),
                handles: AtomicUsize::new(threads),
                ..Watch::default()
            },
            ..TestBackend::correct()
        };
        let r = bank(
            &b,
            BankConfig {
                accounts: 64,
                threads,
                stop: Stop::Ops(share),
                ..BankConfig::default()
            },
        );
        assert!(r.invariant_ok());
        assert_eq!(b.watch.created.load(Ordering::SeqCst), threads);
        assert_eq!(b.watch.shares_done.load(Ordering::SeqCst), threads);
        assert_eq!(
            b.watch.early_exits.load(Ordering::SeqCst),
            0,
            "{threads} threads: a thread left before every share was run"
        );
        assert!(
            r.operations > threads as u64 * share,
            "the punctual threads kept going"
        );
    }
}
