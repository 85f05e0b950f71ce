//! What runs a speculative attempt: the RTM token, or a scripted mock in unit tests.
//!
//! The elision driver ([`crate::elision`]) never executes an RTM instruction itself; it asks a
//! [`Speculator`] to run one attempt of a body and to report either the body's result (committed) or
//! the abort status. The only production implementation is [`htm::Rtm`], the capability token, so
//! a hardware attempt can only ever start on a machine where RTM was proven to work. Keeping the
//! driver generic over this trait lets the policies and the driver's accounting be unit-tested with
//! scripted abort statuses on machines without RTM.

use htm::{AbortStatus, Rtm};

/// The `xabort` code of a hardware attempt that found the fallback lock held (glibc uses the same).
pub const LOCK_BUSY: u8 = 0xff;

/// The `xabort` code of a hardware attempt whose closure returned a non-user [`tm::Abort`]
/// (an `Abort::retry`, which only backends are meant to raise).
pub const RETRY_REQUESTED: u8 = 0xfe;

/// Runs one speculative attempt of a body.
///
/// # Safety
/// An implementation returns `Ok(r)` only if `body` ran to completion and all its memory effects
/// took effect atomically with respect to every other speculative attempt and to every thread
/// holding a [`RawLock`](crate::RawLock) whose state `body` read; and `Err(status)` only if none of
/// them took effect. When `body` returns `Err(code)`, the attempt must end with an explicit abort
/// whose status carries `code`. The elision driver relies on this for mutual exclusion.
pub unsafe trait Speculator: Copy + Send + Sync {
    /// Runs `body` as one speculative attempt.
    fn speculate<R>(self, body: impl FnOnce() -> Result<R, u8>) -> Result<R, AbortStatus>;
}

// SAFETY: `Rtm::transaction` runs `body` inside one RTM transaction: a commit makes all its writes
// visible atomically and an abort discards them (Intel SDM vol. 1, ch. 16). A transaction that read
// the lock word is aborted by any later write to it (strong isolation, conflicts per cache line).
// `Err(code)` is turned into `xabort code`, whose status has EXPLICIT set and `code` in bits 31:24.
unsafe impl Speculator for Rtm {
    #[inline(always)]
    fn speculate<R>(self, body: impl FnOnce() -> Result<R, u8>) -> Result<R, AbortStatus> {
        let outcome = self.transaction(|| match body() {
            Ok(r) => Some(r),
            Err(code) => {
                // Inside a running transaction `xabort` does not return: execution resumes after
                // `xbegin` with the status, which `transaction` returns as `Err` below.
                self.abort_with(code);
                None
            }
        })?;
        match outcome {
            Some(r) => Ok(r),
            None => unreachable!("xabort returned inside a running RTM transaction"),
        }
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

    // SAFETY: tests only, single-threaded bodies: `Run` executes the body directly (trivially atomic
    // without concurrency) and `Abort` never runs it, so no effect of an aborted attempt exists.
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
