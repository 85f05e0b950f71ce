//! The retry loop shared by the backends that can roll an attempt back.
//!
//! A backend's transaction type implements [`Attempt`]: how to begin an attempt, commit it, and
//! discard it. [`run`] drives the closure through attempts until one commits or the closure
//! cancels, and does all the accounting of [`ThreadStats`] the same way for every backend:
//!
//! - commit: `record_commit(cycles)`, then the backoff is reset (cycles are read only under
//!   [`Accounting::Cycles`], else 0: a [`Timer`] chosen when the handle was made);
//! - an abort raised by a barrier or the commit: `record_abort(cause)`, rollback, then bounded
//!   randomized backoff before the next attempt;
//! - a user abort: rollback, `record_abort(Explicit, code)`, `user_aborts += 1`, and the code is
//!   returned as [`UserAbort`];
//! - a restart requested by the backend ([`Verdict::Restart`], TL2's switch from read-only to
//!   read-write mode) is not an abort: the closure runs again at once and the cycles spent so far
//!   are charged to the attempt that eventually ends.
//!
//! A barrier that fails dooms the attempt ([`Attempt::doomed`]). The doom outranks whatever the
//! closure returns afterwards, so a closure that swallows the error and returns `Ok`, or cancels
//! based on a failed read, is retried instead of committing or cancelling on an invalid snapshot.
//!
//! A backend that knows which word a conflict abort happened on ([`Attempt::RECORDS_CONFLICTS`])
//! hands its address over through [`Attempt::take_conflict`]; the abort path records it in the
//! handle's [`ConflictLog`] (when enabled), so the histogram counts exactly the aborts counted.
//!
//! A panic in the closure rolls the attempt back as it unwinds out of [`run`] (a drop guard calls
//! [`Attempt::rollback`]): whatever the attempt holds is released and its effects are undone before
//! the caller can catch the panic, so the same handle, and every other thread, carries on as if the
//! transaction had never started. Nothing is counted for it.

use core::marker::PhantomData;
use tm::backoff::Backoff;
use tm::conflicts::ConflictLog;
use tm::{Abort, AbortCause, Accounting, Handle, ThreadStats, Timer, Tx, UserAbort};

/// What a backend says about an attempt whose barrier failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The attempt aborted with this cause and will be retried after backoff.
    Abort(AbortCause),
    /// The closure must run again from the start, immediately, without counting an abort.
    Restart,
}

/// A backend's transaction, as driven by [`run`].
pub trait Attempt<'a>: Tx<'a> {
    /// Starts an attempt (clears the logs, takes the snapshot or the lock).
    fn begin(&mut self);
    /// Why the attempt cannot commit, if a barrier failed.
    fn doomed(&self) -> Option<Verdict>;
    /// Tries to commit the attempt; `Err` is the abort cause. On `Err` the attempt has already
    /// released everything it held except what [`Attempt::rollback`] releases.
    fn commit(&mut self) -> Result<(), AbortCause>;
    /// Discards the attempt's effects and releases what it holds.
    fn rollback(&mut self);

    /// Whether the backend names the word of its conflict aborts ([`Attempt::take_conflict`]);
    /// its handles then have a conflict log ([`Handle::conflicts`]).
    const RECORDS_CONFLICTS: bool = false;

    /// The address of the word the failed attempt conflicted on, if it named one, clearing it.
    /// Called on the abort path only.
    fn take_conflict(&mut self) -> Option<usize> {
        None
    }
}

/// Runs `body` until an attempt commits or the closure cancels (see the module documentation).
#[inline]
pub fn run<'a, T, R, F>(
    tx: &mut T,
    stats: &mut ThreadStats,
    conflicts: &mut ConflictLog,
    backoff: &mut Backoff,
    timer: Timer,
    mut body: F,
) -> Result<R, UserAbort>
where
    T: Attempt<'a>,
    F: FnMut(&mut T) -> Result<R, Abort>,
{
    let mut start = timer.start();
    loop {
        tx.begin();
        let outcome = {
            let guard = RollbackOnUnwind {
                tx: &mut *tx,
                _tx: PhantomData,
            };
            let outcome = body(&mut *guard.tx);
            core::mem::forget(guard);
            outcome
        };
        let cause = match (tx.doomed(), outcome) {
            (None, Ok(value)) => match tx.commit() {
                Ok(()) => {
                    stats.record_commit(timer.since(start));
                    backoff.reset();
                    return Ok(value);
                }
                Err(cause) => cause,
            },
            (Some(Verdict::Restart), _) => {
                tx.rollback();
                continue;
            }
            (Some(Verdict::Abort(cause)), _) => cause,
            (None, Err(abort)) => match abort.user_code() {
                Some(code) => {
                    tx.rollback();
                    stats.record_abort(AbortCause::Explicit, code, timer.since(start));
                    stats.user_aborts += 1;
                    return Err(UserAbort { code });
                }
                // The closure raised a retry itself (not through a barrier).
                None => abort.cause(),
            },
        };
        retry(tx, stats, conflicts, backoff, cause, timer.since(start));
        start = timer.start();
    }
}

/// The address of `word`, as a conflict log records it ([`Attempt::take_conflict`]).
#[inline]
pub(crate) fn addr_of(word: &tm::TWord) -> usize {
    word as *const tm::TWord as usize
}

/// Rolls back the attempt of `tx` when dropped, which only happens if the closure unwinds (the
/// normal path forgets it).
struct RollbackOnUnwind<'t, 'a, T: Attempt<'a>> {
    tx: &'t mut T,
    _tx: PhantomData<&'a ()>,
}

impl<'a, T: Attempt<'a>> Drop for RollbackOnUnwind<'_, 'a, T> {
    #[cold]
    fn drop(&mut self) {
        self.tx.rollback();
    }
}

#[cold]
#[inline(never)]
fn retry<'a, T: Attempt<'a>>(
    tx: &mut T,
    stats: &mut ThreadStats,
    conflicts: &mut ConflictLog,
    backoff: &mut Backoff,
    cause: AbortCause,
    cycles: u64,
) {
    // Taken before the rollback, which may reuse the transaction's state.
    let word = tx.take_conflict();
    tx.rollback();
    stats.record_abort(cause, 0, cycles);
    if let Some(addr) = word
        && conflicts.is_enabled()
    {
        conflicts.record(addr);
    }
    backoff.spin();
    tm::primitive::after_abort();
}

/// A thread's handle on a backend whose transactions are driven by [`run`]: the transaction state
/// (its logs reused across transactions), the statistics and the backoff.
#[derive(Debug)]
pub struct DriverHandle<T> {
    pub(crate) tx: T,
    stats: ThreadStats,
    conflicts: ConflictLog,
    backoff: Backoff,
    timer: Timer,
}

impl<T> DriverHandle<T> {
    /// A handle around a fresh transaction state, recording what `accounting` asks for.
    pub(crate) fn new(tx: T, backoff: Backoff, accounting: Accounting) -> Self {
        DriverHandle {
            tx,
            stats: ThreadStats::default(),
            conflicts: ConflictLog::new(),
            backoff,
            timer: Timer::new(accounting),
        }
    }
}

impl<'a, T: Attempt<'a>> Handle<'a> for DriverHandle<T> {
    type Tx = T;

    #[inline]
    fn atomically<R, F>(&mut self, body: F) -> Result<R, UserAbort>
    where
        F: FnMut(&mut T) -> Result<R, Abort>,
    {
        run(
            &mut self.tx,
            &mut self.stats,
            &mut self.conflicts,
            &mut self.backoff,
            self.timer,
            body,
        )
    }

    fn stats(&self) -> &ThreadStats {
        &self.stats
    }

    fn conflicts(&self) -> Option<&ConflictLog> {
        T::RECORDS_CONFLICTS.then_some(&self.conflicts)
    }

    fn conflicts_mut(&mut self) -> Option<&mut ConflictLog> {
        T::RECORDS_CONFLICTS.then_some(&mut self.conflicts)
    }

    fn take_stats(&mut self) -> ThreadStats {
        self.conflicts.clear();
        core::mem::take(&mut self.stats)
    }
}
