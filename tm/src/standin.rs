//! Stand-in backends for testing the checks themselves: one correct, and each of the others broken
//! in exactly one way, so a test can show that a check fails when the property it guards is gone.
//!
//! A check that passes a correct backend proves nothing until it has also failed a broken one. The
//! stand-ins write in place and keep an undo log for user aborts:
//!
//! | constructor | synchronization | rollback of user aborts | what must catch it |
//! |---|---|---|---|
//! | [`StandIn::correct`] | one mutex around every transaction | yes | nothing |
//! | [`StandIn::unsynchronized`] | none, with a yield in every read to widen races | yes | invariants under concurrency (lost updates, wrong totals) |
//! | [`StandIn::no_rollback`] | one mutex | no: a cancelled transaction keeps its writes | rollback checks (the bank's overdraft cancellations) |
//! | [`StandIn::lossy`] | one mutex | yes, but one committed transaction in 64 loses its last write | every exact count (sums, totals, per-thread progress) |
//!
//! They never abort on their own, so every attempt commits or is cancelled by its closure.

use crate::{Abort, Accounting, Backend, BackendInfo, Handle, TWord, ThreadStats, Tx, UserAbort};
use std::sync::Mutex;

/// A stand-in backend (see the module documentation).
#[derive(Debug)]
pub struct StandIn {
    /// The one big lock; `None` runs transactions with no synchronization at all.
    lock: Option<Mutex<()>>,
    /// Whether a user abort restores the words it wrote.
    rollback: bool,
    /// Whether one committed transaction in [`LOSSY_PERIOD`] silently loses its last write.
    lossy: bool,
}

/// A [`StandIn::lossy`] handle undoes the last write of every this-many-th committed transaction.
pub const LOSSY_PERIOD: u64 = 64;

impl StandIn {
    /// A correct backend: every transaction under one mutex, user aborts rolled back.
    pub fn correct() -> Self {
        StandIn {
            lock: Some(Mutex::new(())),
            rollback: true,
            lossy: false,
        }
    }

    /// No synchronization at all (and a yield inside every read): breaks isolation.
    pub fn unsynchronized() -> Self {
        StandIn {
            lock: None,
            rollback: true,
            lossy: false,
        }
    }

    /// Correctly synchronized, but a cancelled transaction keeps its writes: breaks atomicity.
    pub fn no_rollback() -> Self {
        StandIn {
            lock: Some(Mutex::new(())),
            rollback: false,
            lossy: false,
        }
    }

    /// Correctly synchronized with rollback, but one committed transaction in [`LOSSY_PERIOD`]
    /// reports success after undoing its last write: breaks durability of commits.
    pub fn lossy() -> Self {
        StandIn {
            lock: Some(Mutex::new(())),
            rollback: true,
            lossy: true,
        }
    }
}

/// A thread's handle on a [`StandIn`].
#[derive(Debug)]
pub struct StandInHandle<'a> {
    backend: &'a StandIn,
    undo: Vec<(&'a TWord, u64)>,
    stats: ThreadStats,
}

/// A transaction of a [`StandIn`]: in-place writes with an undo log.
#[derive(Debug)]
pub struct StandInTx<'a> {
    racy: bool,
    undo: Vec<(&'a TWord, u64)>,
}

impl<'a> Tx<'a> for StandInTx<'a> {
    fn read(&mut self, w: &'a TWord) -> Result<u64, Abort> {
        let v = w.load();
        // After the load, not before: the value read goes stale while the thread is off the
        // core, so a read-modify-write of a contended word loses other threads' updates.
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

impl<'a> Handle<'a> for StandInHandle<'a> {
    type Tx = StandInTx<'a>;

    fn atomically<R, F>(&mut self, mut body: F) -> Result<R, UserAbort>
    where
        F: FnMut(&mut Self::Tx) -> Result<R, Abort>,
    {
        // A poisoned mutex only means another thread's closure panicked; the data words are
        // atomics, so going on is memory-safe, and the checks will report what happened.
        let _guard = self
            .backend
            .lock
            .as_ref()
            .map(|l| l.lock().unwrap_or_else(|e| e.into_inner()));
        // The undo log is moved into the transaction and back, so it is reused.
        let mut tx = StandInTx {
            racy: self.backend.lock.is_none(),
            undo: std::mem::take(&mut self.undo),
        };
        let result = loop {
            match body(&mut tx) {
                Ok(r) => {
                    self.stats.record_commit(0);
                    if self.backend.lossy
                        && self.stats.commits.is_multiple_of(LOSSY_PERIOD)
                        && let Some(&(w, old)) = tx.undo.last()
                    {
                        w.store(old);
                    }
                    break Ok(r);
                }
                Err(a) => {
                    if self.backend.rollback {
                        for (w, old) in tx.undo.iter().rev() {
                            w.store(*old);
                        }
                    }
                    tx.undo.clear();
                    match a.user_code() {
                        Some(code) => {
                            self.stats.record_abort(a.cause(), code, 0);
                            self.stats.user_aborts += 1;
                            break Err(UserAbort { code });
                        }
                        // A retry the closure raised itself: run it again.
                        None => self.stats.record_abort(a.cause(), 0, 0),
                    }
                }
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

impl Backend for StandIn {
    type Handle<'a> = StandInHandle<'a>;

    /// Stand-ins never read the clock: their cycle fields are 0 whatever `accounting` asks.
    fn handle_with(&self, _accounting: Accounting) -> StandInHandle<'_> {
        StandInHandle {
            backend: self,
            undo: Vec::new(),
            stats: ThreadStats::default(),
        }
    }

    fn info(&self) -> BackendInfo {
        BackendInfo::new("stand-in")
            .param("locked", self.lock.is_some())
            .param("rollback", self.rollback)
            .param("lossy", self.lossy)
    }
}
