//! The modelled HTM (`model::Model`) as a [`Speculator`], so that lock elision, its policies and
//! [`crate::ElisionBackend`] run over it on machines without RTM (`htm:glibc` over
//! `model:haswell`).
//!
//! - The per-thread context is a [`ModelContext`], owning the thread's `model::ModelThread`;
//!   every speculative access of an [`crate::ElisionTx`] goes through it, and so does the
//!   subscription: `read_tracked` of the lock's line around `lock.is_locked()`, so the lock's
//!   line is in the attempt's read set.
//! - The fallback lock's acquisition ([`Speculator::acquire`]) is a `try_lock` performed inside
//!   `Model::nontx_write` of the lock's line: it dooms every running subscriber (requester wins,
//!   as an Intel core's write to a line other transactions read) and waits for every committing
//!   one, so the lock holder's uninstrumented accesses never overlap a committed attempt. The
//!   spinning wait for a free lock happens outside `nontx_write` (its closure must not wait), so
//!   over the model a ticket lock is acquired by `try_lock` and is not FIFO.
//! - Unlocking needs no hook: no attempt that saw the lock free can still be running once it was
//!   acquired, and one that saw it held aborts at once (lock-busy).
//! - An explicit abort (`Err(code)` from the body) is `ModelThread::abort(code)`; ending the
//!   attempt from inside a nested section unwinds (`resume_unwind`, no panic hook) to
//!   `speculate` with a private payload, which aborts the model transaction with the code.
//! - A real panic in the body aborts the model transaction (its writes were only buffered) and
//!   keeps unwinding.

use crate::lock::{RawLock, spin_until};
use crate::nesting::{self, AttemptKind};
use crate::speculator::{Holds, SpecAccess, Speculator};
use htm::AbortStatus;
use model::{Model, ModelThread};
use std::panic::{self, AssertUnwindSafe};
use tm::TWord;

/// The unwinding payload that ends a modelled attempt from inside its body.
struct EndAttempt(u8);

/// Ends the modelled attempt running on this thread with an explicit abort carrying `code`.
///
/// # Panics
/// If no modelled attempt is running on this thread.
#[cold]
#[inline(never)]
pub(crate) fn end_attempt(code: u8) -> ! {
    assert_eq!(
        nesting::running(),
        Some(AttemptKind::Modelled),
        "fallback: ending a modelled attempt outside one"
    );
    panic::resume_unwind(Box::new(EndAttempt(code)))
}

/// One thread's context on a modelled HTM: its `ModelThread` (none for a backend built without
/// a usable model, whose context is never used for an attempt).
pub struct ModelContext<'a>(Option<ModelThread<'a>>);

impl<'a> ModelContext<'a> {
    /// The thread's model context.
    #[inline]
    pub fn thread(&mut self) -> &mut ModelThread<'a> {
        match &mut self.0 {
            Some(t) => t,
            None => no_model(),
        }
    }
}

#[cold]
#[inline(never)]
fn no_model() -> ! {
    panic!("fallback: a speculative attempt without a model (the backend has no speculator)")
}

impl<'a> SpecAccess<'a> for ModelContext<'a> {
    #[inline]
    fn read(&mut self, word: &'a TWord) -> Result<u64, AbortStatus> {
        self.thread().read(word)
    }

    #[inline]
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), AbortStatus> {
        self.thread().write(word, value)
    }

    #[inline]
    fn subscribe<L: RawLock>(&mut self, lock: &L) -> Result<bool, AbortStatus> {
        let addr = lock_line::<L>(lock);
        self.thread().read_tracked(addr, || lock.is_locked())
    }
}

/// The address of the line holding `lock`'s state; refuses, at compile time, a lock whose state
/// may span more than one line.
#[inline(always)]
fn lock_line<L: RawLock>(lock: &L) -> *const u8 {
    const {
        assert!(
            L::STATE_BYTES <= 64 && core::mem::align_of::<L>() >= 64,
            "the modelled HTM tracks a fallback lock by one line: its state must fit in the \
             first 64 bytes of a 64-byte-aligned lock"
        )
    };
    core::ptr::from_ref(lock).cast()
}

// SAFETY:
// - Atomicity: the body's accesses through the context are `ModelThread` reads and writes, which
//   the model makes atomic at commit (per-line records, requester-wins dooming, a commit no access
//   observes half done: see the `model` crate), and `Ok` is returned only when `commit` succeeded;
//   every other outcome aborts the model transaction, which never stored anything, so `Err` means
//   no effect. With respect to lock holders: the subscription puts the lock's line (the whole lock
//   state, checked by `lock_line`) in the read set, and `acquire` writes it through
//   `nontx_write`, which dooms every running subscriber and waits for every committing one before
//   the lock is taken, so no attempt that read the lock free commits after an acquisition
//   returns, and its Release fence makes a doomed attempt that reads a holder's store see its
//   doom (the model's opacity argument).
// - `Err(code)` from the body ends the attempt with `abort(code)`: EXPLICIT with `code`, or the
//   status of the abort that already ended it. `abort_attempt` unwinds to this `speculate` (the
//   only modelled attempt running on the thread: the driver ends a modelled attempt instead of
//   nesting in it), which aborts the same way, and never returns.
// - `acquire` acquires the lock: it returns only after a successful `try_lock`.
unsafe impl Speculator for &Model {
    const MODELLED: bool = true;

    type Thread<'a>
        = ModelContext<'a>
    where
        Self: 'a;

    fn thread<'a>(speculator: Option<Self>) -> ModelContext<'a>
    where
        Self: 'a,
    {
        ModelContext(speculator.map(|m| m.thread()))
    }

    #[inline]
    fn speculate<'a, C, R>(
        self,
        ctx: &mut C,
        body: impl FnOnce(&mut C) -> Result<R, u8>,
    ) -> Result<R, AbortStatus>
    where
        Self: 'a,
        C: Holds<ModelContext<'a>>,
    {
        ctx.held().thread().begin()?;
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| body(&mut *ctx)));
        let t = ctx.held().thread();
        match outcome {
            // `commit` reports the abort if an access had already ended the attempt.
            Ok(Ok(r)) => t.commit().map(|()| r),
            Ok(Err(code)) => Err(t.abort(code)),
            Err(payload) => match payload.downcast::<EndAttempt>() {
                Ok(end) => Err(t.abort(end.0)),
                Err(other) => {
                    let _ = t.cancel();
                    panic::resume_unwind(other)
                }
            },
        }
    }

    fn abort_attempt(self, code: u8) -> ! {
        end_attempt(code)
    }

    fn acquire<L: RawLock>(self, lock: &L) {
        let addr = lock_line::<L>(lock);
        loop {
            if !lock.is_locked() && self.nontx_write(addr, || lock.try_lock()) {
                return;
            }
            spin_until(|| !lock.is_locked());
        }
    }

    fn max_threads() -> Option<usize> {
        Some(model::MAX_THREADS)
    }

    fn params(self) -> Vec<(String, String)> {
        self.config().params()
    }
}

impl<'a> Holds<ModelContext<'a>> for ModelContext<'a> {
    #[inline(always)]
    fn held(&mut self) -> &mut ModelContext<'a> {
        self
    }
}
