//! What runs a speculative attempt: the RTM token, the modelled HTM, or a stand-in in tests.
//!
//! The elision driver ([`crate::elision`]) never executes an RTM instruction itself; it asks a
//! [`Speculator`] to run one attempt of a body and to report either the body's result (committed) or
//! the abort status, and, for a section nested in a running attempt, to abort that attempt.
//!
//! Two kinds of speculator exist, and the driver and [`crate::ElisionBackend`] are generic over
//! both:
//!
//! - **hardware** ([`htm::Rtm`], the capability token, so a hardware attempt can only ever start
//!   on a machine where RTM was proven to work): the body's accesses are plain loads and stores,
//!   which the hardware tracks by itself. Its per-thread context ([`Speculator::Thread`]) is the
//!   zero-sized [`Plain`], whose accesses are the plain Relaxed loads and stores and whose
//!   subscription is `lock.is_locked()`; every method is `#[inline(always)]` and
//!   [`Speculator::MODELLED`] is a `false` constant that the backend's barriers test, so after
//!   monomorphization the RTM path is the code it was before this trait had a context.
//! - **modelled** (`&model::Model`, in [`crate::modelled`]): every speculative access, the
//!   subscription included, goes through the per-thread `model::ModelThread`, and the fallback
//!   lock's acquisition through [`Speculator::acquire`], a non-transactional write the model sees,
//!   which dooms every subscribed attempt (requester wins, as on Intel).
//!
//! Keeping the driver generic over this trait also lets the policies and the driver's accounting
//! be unit-tested with scripted abort statuses (the crate-private `scripted` module), and nesting
//! with a model of RTM's flattened nesting (`fallback::testing::FlatNesting`), on machines without
//! RTM.

use crate::lock::RawLock;
use core::sync::atomic::Ordering;
use htm::{AbortStatus, Rtm};
use tm::TWord;

/// The `xabort` code of a hardware attempt that found the fallback lock held (glibc uses the same).
pub const LOCK_BUSY: u8 = 0xff;

/// The `xabort` code of a hardware attempt whose closure returned a non-user [`tm::Abort`]
/// (an `Abort::retry`, which only backends are meant to raise).
pub const RETRY_REQUESTED: u8 = 0xfe;

/// The `xabort` code with which a section nested in a running hardware attempt ends that attempt
/// (see [`crate::elision`], "Nesting"): its own lock was busy, it cancelled or asked for a retry,
/// it needs its lock for real (`with_lock`), or it re-entered a lock. The enclosing execution then
/// runs on its lock, where the nested section runs on its own.
pub const NESTED_ABORT: u8 = 0xfd;

/// How a speculative body reaches transactional memory: a speculator's per-thread context.
///
/// An `Err` from an access means the running attempt has aborted (it is already over: its
/// status is what [`Speculator::speculate`] reports); the body should stop and return an error.
pub trait SpecAccess<'a> {
    /// Reads `word` inside the running attempt.
    fn read(&mut self, word: &'a TWord) -> Result<u64, AbortStatus>;

    /// Writes `value` to `word` inside the running attempt.
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), AbortStatus>;

    /// The fallback lock's subscription: reads `lock`'s state inside the running attempt, so that
    /// any later acquisition aborts the attempt; returns whether the lock is held.
    fn subscribe<L: RawLock>(&mut self, lock: &L) -> Result<bool, AbortStatus>;
}

/// A value that holds a speculator's per-thread context `T`, which [`Speculator::speculate`]
/// reaches through it while the body holds the value itself (the transaction of
/// [`crate::ElisionBackend`] holds its context this way).
pub trait Holds<T> {
    /// The context.
    fn held(&mut self) -> &mut T;
}

/// A context held by value: what the driver passes to a speculator for bodies that do not use
/// the context (plain sections, which only hardware speculators run).
pub(crate) struct Own<T>(pub(crate) T);

impl<T> Holds<T> for Own<T> {
    #[inline(always)]
    fn held(&mut self) -> &mut T {
        &mut self.0
    }
}

/// The per-thread context of hardware speculators: nothing, since the hardware tracks plain
/// accesses by itself. Its accesses are Relaxed loads and stores and never fail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Plain;

impl<'a> SpecAccess<'a> for Plain {
    #[inline(always)]
    fn read(&mut self, word: &'a TWord) -> Result<u64, AbortStatus> {
        // Relaxed: inside a hardware transaction the transaction makes it atomic (see
        // `crate::backend`'s ordering argument).
        Ok(word.atomic().load(Ordering::Relaxed))
    }

    #[inline(always)]
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), AbortStatus> {
        // Relaxed: as for `read`.
        word.atomic().store(value, Ordering::Relaxed);
        Ok(())
    }

    #[inline(always)]
    fn subscribe<L: RawLock>(&mut self, lock: &L) -> Result<bool, AbortStatus> {
        Ok(lock.is_locked())
    }
}

impl Holds<Plain> for Plain {
    #[inline(always)]
    fn held(&mut self) -> &mut Plain {
        self
    }
}

/// Runs one speculative attempt of a body.
///
/// # Safety
/// An implementation returns `Ok(r)` from [`speculate`](Speculator::speculate) only if `body` ran
/// to completion and all its accesses to transactional memory (its plain memory accesses for a
/// hardware speculator, `MODELLED == false`; its accesses through the context for a modelled one),
/// those of sections nested in it and joining the attempt included, took effect atomically with
/// respect to every other speculative attempt and to every thread holding a
/// [`RawLock`] acquired through [`acquire`](Speculator::acquire) whose state `body` read through
/// [`SpecAccess::subscribe`] (or, for a hardware speculator, by any plain read); and `Err(status)`
/// only if none of them took effect. When `body` returns `Err(code)`, the attempt must end with an
/// explicit abort whose status carries `code`, unless the attempt had already aborted (an access
/// returned `Err`), when the status is that abort's. [`abort_attempt`](Speculator::abort_attempt),
/// called on the thread running `body`, from inside `body`, must end the running attempt the same
/// way, as if `body` had returned `Err(code)`, and never return. [`acquire`](Speculator::acquire)
/// must acquire the lock, as [`RawLock::lock`] does. The elision driver relies on all of this for
/// mutual exclusion.
///
/// A modelled speculator (`MODELLED == true`) makes the body's plain accesses invisible to its
/// model: only [`crate::ElisionBackend`], whose transactions access memory through the context,
/// may use one ([`crate::ElidedMutex`] refuses it at compile time).
///
/// If `speculate` is called while an attempt is already running on the thread (the driver never
/// does this itself, but a caller's own transaction may enclose a section), the attempts nest as
/// RTM's do: the inner one joins the outer, and its abort ends the outermost one.
pub unsafe trait Speculator: Copy + Send + Sync {
    /// Whether attempts are modelled in software (accesses through the context, aborts that
    /// unwind) rather than run by hardware that tracks plain accesses.
    const MODELLED: bool = false;

    /// What one thread's attempts access memory through: [`Plain`] for hardware.
    type Thread<'a>: SpecAccess<'a>
    where
        Self: 'a;

    /// A thread's context, for a handle; `None` when there is no usable speculator (the context
    /// is then never used for an attempt).
    fn thread<'a>(speculator: Option<Self>) -> Self::Thread<'a>
    where
        Self: 'a;

    /// Runs `body` as one speculative attempt; `body` receives `ctx`, which holds this thread's
    /// context.
    fn speculate<'a, C, R>(
        self,
        ctx: &mut C,
        body: impl FnOnce(&mut C) -> Result<R, u8>,
    ) -> Result<R, AbortStatus>
    where
        Self: 'a,
        C: Holds<Self::Thread<'a>>;

    /// Ends the attempt running on this thread with an explicit abort carrying `code`, from
    /// inside its body (a nested section's way out). Panics if no attempt is running.
    fn abort_attempt(self, code: u8) -> !;

    /// Acquires the fallback lock for the non-speculative path. Hardware sees the acquisition's
    /// write by itself, so the default is [`RawLock::lock`].
    #[inline(always)]
    fn acquire<L: RawLock>(self, lock: &L) {
        lock.lock()
    }

    /// The most threads that may hold a context at once, if bounded.
    fn max_threads() -> Option<usize> {
        None
    }

    /// What is modelled, as `(key, value)` pairs for result files (empty for hardware).
    fn params(self) -> Vec<(String, String)> {
        Vec::new()
    }
}

// SAFETY: `Rtm::transaction` runs `body` inside one RTM transaction: a commit makes all its memory
// accesses take effect atomically, nested sections' included (they run inside the same
// transaction), and an abort discards them all (Intel SDM vol. 1, ch. 16). A transaction that read
// the lock word is aborted by any later write to it (strong isolation, conflicts per cache line),
// and `acquire` is `RawLock::lock`, which writes it. `Plain`'s accesses never fail. `Err(code)`
// and `abort_attempt(code)` both execute `xabort code` inside the running transaction, whose
// status has EXPLICIT set and `code` in bits 31:24, and which does not return: execution resumes
// at the outermost `xbegin`.
unsafe impl Speculator for Rtm {
    type Thread<'a> = Plain;

    #[inline(always)]
    fn thread<'a>(_: Option<Self>) -> Plain
    where
        Self: 'a,
    {
        Plain
    }

    #[inline(always)]
    fn speculate<'a, C, R>(
        self,
        ctx: &mut C,
        body: impl FnOnce(&mut C) -> Result<R, u8>,
    ) -> Result<R, AbortStatus>
    where
        Self: 'a,
        C: Holds<Plain>,
    {
        self.transaction(|| match body(ctx) {
            Ok(r) => r,
            Err(code) => self.abort_attempt(code),
        })
    }

    #[cold]
    fn abort_attempt(self, code: u8) -> ! {
        // Inside a running transaction `xabort` does not return: execution resumes after the
        // outermost `xbegin` with the status, which that `transaction` returns as `Err`.
        self.abort_with(code);
        // `xabort` returned, so no transaction is running on this thread.
        panic!(
            "fallback: abort_attempt outside a hardware transaction (sections nested in one \
             another must use the same speculator)"
        )
    }
}

#[cfg(test)]
pub(crate) mod scripted {
    //! A speculator that replays chosen abort statuses, for unit tests without RTM.

    use super::{Holds, Plain, Speculator};
    use htm::AbortStatus;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    /// One scripted attempt.
    #[derive(Clone, Copy, Debug)]
    pub(crate) enum Step {
        /// Abort with this raw status without running the body.
        Abort(u32),
        /// Run the body non-speculatively: `Ok` if it returns `Ok`, else an explicit abort with
        /// its code (its writes are *not* undone, so tests use bodies that abort before writing).
        Run,
    }

    /// The script shared by copies of a [`Scripted`] speculator.
    #[derive(Debug, Default)]
    pub(crate) struct Script {
        steps: Mutex<VecDeque<Step>>,
    }

    impl Script {
        /// A leaked script (tests only), so the speculator can be `Copy`.
        pub(crate) fn leak(steps: &[Step]) -> &'static Script {
            Box::leak(Box::new(Script {
                steps: Mutex::new(steps.iter().copied().collect()),
            }))
        }

        /// Steps not yet consumed.
        pub(crate) fn remaining(&self) -> usize {
            self.steps.lock().unwrap().len()
        }
    }

    /// Replays a [`Script`]; panics if asked for more attempts than scripted.
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Scripted(pub(crate) &'static Script);

    // SAFETY: crate-private and test-only, and used so that it is correct: `Run` executes the body
    // directly, which is atomic because no test runs a body while another thread runs one or
    // holds the lock (the lemming test's other thread only holds the lock while no body runs), and
    // `Abort` never runs it. The tests' bodies return `Err` only before writing anything (the
    // subscription check, or a bare `Err`), so an `Err` status leaves no effect. `abort_attempt`
    // is never called: no test nests sections on this speculator, and it panics if one did.
    unsafe impl Speculator for Scripted {
        type Thread<'a> = Plain;

        fn thread<'a>(_: Option<Self>) -> Plain
        where
            Self: 'a,
        {
            Plain
        }

        fn speculate<'a, C, R>(
            self,
            ctx: &mut C,
            body: impl FnOnce(&mut C) -> Result<R, u8>,
        ) -> Result<R, AbortStatus>
        where
            Self: 'a,
            C: Holds<Plain>,
        {
            let step = self
                .0
                .steps
                .lock()
                .unwrap()
                .pop_front()
                .expect("more attempts than scripted");
            match step {
                Step::Abort(raw) => Err(AbortStatus::from_raw(raw)),
                Step::Run => {
                    body(ctx).map_err(|code| AbortStatus::from_raw(1 | (u32::from(code) << 24)))
                }
            }
        }

        fn abort_attempt(self, _code: u8) -> ! {
            panic!("the scripted speculator does not model nesting (use testing::FlatNesting)")
        }
    }

    /// Raw status of an explicit abort with `code`.
    pub(crate) const fn explicit(code: u8) -> u32 {
        1 | ((code as u32) << 24)
    }
    /// Raw RETRY|CONFLICT.
    pub(crate) const CONFLICT: u32 = 0b110;
    /// Raw CAPACITY.
    pub(crate) const CAPACITY: u32 = 0b1000;
    /// Raw RETRY alone.
    pub(crate) const RETRY: u32 = 0b10;
    /// Raw status 0.
    pub(crate) const ZERO: u32 = 0;
}
