//! What runs a speculative attempt: the RTM token, or a stand-in in tests.
//!
//! The elision driver ([`crate::elision`]) never executes an RTM instruction itself; it asks a
//! [`Speculator`] to run one attempt of a body and to report either the body's result (committed) or
//! the abort status, and, for a section nested in a running attempt, to abort that attempt. The
//! only production implementation is [`htm::Rtm`], the capability token, so a hardware attempt can
//! only ever start on a machine where RTM was proven to work. Keeping the driver generic over this
//! trait lets the policies and the driver's accounting be unit-tested with scripted abort statuses
//! (the crate-private `scripted` module), and nesting with a model of RTM's flattened nesting
//! (`fallback::testing::FlatNesting`), on machines without RTM.

use htm::{AbortStatus, Rtm};

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

/// Runs one speculative attempt of a body.
///
/// # Safety
/// An implementation returns `Ok(r)` from [`speculate`](Speculator::speculate) only if `body` ran
/// to completion and all its memory accesses (those of sections nested in it and joining the
/// attempt included) took effect atomically with respect to every other speculative attempt and to
/// every thread holding a [`RawLock`](crate::RawLock) whose state `body` read; and `Err(status)`
/// only if none of them took effect. When `body` returns `Err(code)`, the attempt must end with an
/// explicit abort whose status carries `code`. [`abort_attempt`](Speculator::abort_attempt),
/// called on the thread running `body`, from inside `body`, must end the running attempt the same
/// way, as if `body` had returned `Err(code)`, and never return. The elision driver relies on all
/// of this for mutual exclusion.
///
/// If `speculate` is called while an attempt is already running on the thread (the driver never
/// does this itself, but a caller's own transaction may enclose a section), the attempts nest as
/// RTM's do: the inner one joins the outer, and its abort ends the outermost one.
pub unsafe trait Speculator: Copy + Send + Sync {
    /// Runs `body` as one speculative attempt.
    fn speculate<R>(self, body: impl FnOnce() -> Result<R, u8>) -> Result<R, AbortStatus>;

    /// Ends the attempt running on this thread with an explicit abort carrying `code`, from
    /// inside its body (a nested section's way out). Panics if no attempt is running.
    fn abort_attempt(self, code: u8) -> !;
}

// SAFETY: `Rtm::transaction` runs `body` inside one RTM transaction: a commit makes all its memory
// accesses take effect atomically, nested sections' included (they run inside the same
// transaction), and an abort discards them all (Intel SDM vol. 1, ch. 16). A transaction that read
// the lock word is aborted by any later write to it (strong isolation, conflicts per cache line).
// `Err(code)` and `abort_attempt(code)` both execute `xabort code` inside the running transaction,
// whose status has EXPLICIT set and `code` in bits 31:24, and which does not return: execution
// resumes at the outermost `xbegin`.
unsafe impl Speculator for Rtm {
    #[inline(always)]
    fn speculate<R>(self, body: impl FnOnce() -> Result<R, u8>) -> Result<R, AbortStatus> {
        self.transaction(|| match body() {
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

    use super::Speculator;
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
        fn speculate<R>(self, body: impl FnOnce() -> Result<R, u8>) -> Result<R, AbortStatus> {
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
                    body().map_err(|code| AbortStatus::from_raw(1 | (u32::from(code) << 24)))
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
