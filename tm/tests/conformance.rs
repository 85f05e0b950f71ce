//! The conformance kit must pass a correct backend and catch broken ones; otherwise the backends'
//! tests that rely on it would prove nothing.

use std::sync::Mutex;
use tm::conformance::{BankConfig, Stop, bank, counters, user_abort_rolls_back};
use tm::{Abort, Backend, BackendInfo, Handle, TWord, ThreadStats, Tx, UserAbort};

/// A backend for testing the kit: writes in place with an undo log for user aborts. Correct with
/// `lock: Some(..)` and `rollback: true`; each switch off breaks one property on purpose.
struct TestBackend {
    /// The one big lock; `None` runs transactions with no synchronization at all, with a yield in
    /// every read to widen the races.
    lock: Option<Mutex<()>>,
    /// Whether a user abort restores the words it wrote.
    rollback: bool,
}

impl TestBackend {
    fn correct() -> Self {
        TestBackend {
            lock: Some(Mutex::new(())),
            rollback: true,
        }
    }
}

struct TestHandle<'a> {
    backend: &'a TestBackend,
    undo: Vec<(&'a TWord, u64)>,
    stats: ThreadStats,
}

struct InPlaceTx<'a> {
    racy: bool,
    undo: Vec<(&'a TWord, u64)>,
}

impl<'a> Tx<'a> for InPlaceTx<'a> {
    fn read(&mut self, w: &'a TWord) -> Result<u64, Abort> {
        if self.racy {
            std::thread::yield_now();
        }
        Ok(w.load())
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
    fn handle(&self) -> TestHandle<'_> {
        TestHandle {
            backend: self,
            undo: Vec::new(),
            stats: ThreadStats::default(),
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
        assert_eq!(r.stats.commits, r.transfers + r.audits);
        assert_eq!(r.stats.user_aborts, r.cancelled);
    }
    let c = counters(&b, 4, 2_000, 4, 8);
    assert!(c.exact(), "{:?}", c.values);
    assert_eq!(c.stats.commits, 8_000);
    user_abort_rolls_back(&b).unwrap();
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
        let counters_broken = !counters(&b, 4, 2_000, 2, 1).exact();
        bank_broken && counters_broken
    });
    assert!(
        caught,
        "a backend without any synchronization passed the bank and counter checks"
    );
}
