//! The uninstrumented sequential baseline, for measuring the single-thread overhead of the STMs.
//!
//! Reads and writes are plain loads and stores: no locks, no logs, no validation. It is only
//! correct with one thread, so it admits one handle at a time ([`Backend::max_threads`] is 1) and
//! [`Backend::handle`] panics when a second one is requested while the first is alive.
//!
//! Without a log, writes cannot be undone. A closure that cancels (user abort) *before* its first
//! write is fine: nothing happened. A closure that cancels or requests a retry *after* writing is
//! a programming error for this backend and panics with a message saying so; the conformance
//! rollback check therefore does not apply to it. Statistics follow the lock baseline: each
//! execution is one attempt that commits, or an explicit abort plus a user abort when cancelled.

use core::fmt;
use tm::primitive::{AtomicBool, Ordering};
use tm::{
    Abort, AbortCause, Accounting, Backend, BackendInfo, Handle, TWord, ThreadStats, Tx, UserAbort,
};

/// The sequential baseline (see the module documentation).
pub struct Sequential {
    in_use: AtomicBool,
}

impl fmt::Debug for Sequential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sequential").finish_non_exhaustive()
    }
}

impl Default for Sequential {
    fn default() -> Self {
        Sequential::new()
    }
}

impl Sequential {
    /// A sequential baseline with no handle alive.
    pub fn new() -> Sequential {
        Sequential {
            in_use: AtomicBool::new(false),
        }
    }
}

impl Backend for Sequential {
    type Handle<'a> = SequentialHandle<'a>;

    /// # Panics
    /// If another handle of this backend is alive.
    fn handle_with(&self, accounting: Accounting) -> SequentialHandle<'_> {
        // Acquire: pairs with the Release in the previous handle's drop, so all of its plain
        // accesses happen before ours (threads may use the backend one after another).
        if self.in_use.swap(true, Ordering::Acquire) {
            panic!(
                "the sequential baseline admits one thread: a second handle was requested while \
                 one is alive (use it only for single-thread measurements)"
            );
        }
        SequentialHandle {
            stm: self,
            tx: SequentialTx { wrote: false },
            stats: ThreadStats::default(),
            timer: tm::Timer::new(accounting),
        }
    }

    fn info(&self) -> BackendInfo {
        BackendInfo::new("sequential")
    }

    fn max_threads(&self) -> Option<usize> {
        Some(1)
    }
}

/// The one handle of a [`Sequential`] backend.
#[derive(Debug)]
pub struct SequentialHandle<'a> {
    stm: &'a Sequential,
    tx: SequentialTx,
    stats: ThreadStats,
    timer: tm::Timer,
}

impl Drop for SequentialHandle<'_> {
    fn drop(&mut self) {
        // Release: pairs with the Acquire in `handle`.
        self.stm.in_use.store(false, Ordering::Release);
    }
}

impl<'a> Handle<'a> for SequentialHandle<'a> {
    type Tx = SequentialTx;

    #[inline]
    fn atomically<R, F>(&mut self, mut body: F) -> Result<R, UserAbort>
    where
        F: FnMut(&mut SequentialTx) -> Result<R, Abort>,
    {
        loop {
            let start = self.timer.start();
            self.tx.wrote = false;
            match body(&mut self.tx) {
                Ok(value) => {
                    self.stats.record_commit(self.timer.since(start));
                    return Ok(value);
                }
                Err(abort) => {
                    if self.tx.wrote {
                        cannot_undo(abort);
                    }
                    let cycles = self.timer.since(start);
                    match abort.user_code() {
                        Some(code) => {
                            self.stats.record_abort(AbortCause::Explicit, code, cycles);
                            self.stats.user_aborts += 1;
                            return Err(UserAbort { code });
                        }
                        None => self.stats.record_abort(abort.cause(), 0, cycles),
                    }
                }
            }
        }
    }

    fn stats(&self) -> &ThreadStats {
        &self.stats
    }

    fn take_stats(&mut self) -> ThreadStats {
        core::mem::take(&mut self.stats)
    }
}

#[cold]
#[inline(never)]
fn cannot_undo(abort: Abort) -> ! {
    panic!(
        "the sequential baseline cannot undo writes: the transaction aborted ({abort:?}) after \
         writing; cancel before the first write or use a backend with rollback"
    )
}

/// A transaction of the sequential baseline: plain loads and stores.
#[derive(Debug)]
pub struct SequentialTx {
    wrote: bool,
}

impl<'a> Tx<'a> for SequentialTx {
    #[inline]
    fn read(&mut self, word: &'a TWord) -> Result<u64, Abort> {
        // Relaxed: a single thread uses the backend (see `handle`); on x86-64 this is a plain
        // `mov`, like an uninstrumented load.
        Ok(word.atomic().load(Ordering::Relaxed))
    }

    #[inline]
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), Abort> {
        self.wrote = true;
        // Relaxed: as in `read`.
        word.atomic().store(value, Ordering::Relaxed);
        Ok(())
    }
}
