//! [`ElidedMutex`]: a mutex whose critical sections are elided with RTM.
//!
//! A critical section is a closure, `handle.with(|data| ..)`, so the driver can run it inside a
//! hardware transaction and, if the policy gives up, again under the real lock. The closure may run
//! several times (once per hardware attempt, plus once under the lock); only the run that commits
//! or completes under the lock has an effect. It should not perform system calls or I/O (they abort
//! every hardware attempt, so the section would always end on the lock).
//!
//! Taking the same mutex again inside a section (`with` or `with_lock`, through any handle)
//! panics, on both paths, with a message saying so: a per-thread record of the sections the thread
//! is inside refuses the re-entry before the inner closure could get a second `&mut T` (on the
//! hardware path) or the lock could deadlock (on the lock path). Sections of *other* mutexes and
//! transactions of [`crate::ElisionBackend`]s may be nested: inside a hardware attempt they join
//! it, and whatever they cannot do inside it sends the enclosing section to its lock
//! ([`crate::elision`], "Nesting"). A section cannot be cancelled: if its closure executes
//! `xabort` itself (it holds an [`Rtm`] token), that is an ordinary abort, handled by the policy.
//!
//! [`MutexHandle::with_lock`] takes the same lock for real and never elides: the baseline an elided
//! section is measured against, with the same lock, data layout and accounting.
//!
//! Per-thread state (the policy's state and [`ThreadStats`]) lives in a [`MutexHandle`];
//! [`ElidedMutex::with`] is a convenience that uses a fresh state and discards its statistics.

use crate::backend::describe;
use crate::elision::{Elision, Path};
use crate::lock::RawLock;
use crate::policy::RetryPolicy;
use crate::speculator::Speculator;
use crate::{Glibc, TtasLock};
use core::cell::UnsafeCell;
use htm::{Rtm, Unusable};
use tm::{BackendInfo, ThreadStats};

/// A mutex over `T` whose critical sections are elided (see the module documentation).
pub struct ElidedMutex<T, L: RawLock = TtasLock, P: RetryPolicy = Glibc, S: Speculator = Rtm> {
    elision: Elision<L, P, S>,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out `&mut T` only inside a critical section, for the section's duration,
// and critical sections of one mutex are mutually exclusive, across threads and on one thread (see
// `MutexHandle::with` and `with_lock`), so sharing the mutex across threads only ever moves access
// to `T` between threads, which `T: Send` allows.
unsafe impl<T: Send, L: RawLock, P: RetryPolicy, S: Speculator> Sync for ElidedMutex<T, L, P, S> {}

impl<T, L: RawLock, P: RetryPolicy> ElidedMutex<T, L, P, Rtm> {
    /// A mutex eliding with RTM if [`Rtm::detect`] succeeds, and locking otherwise.
    pub fn new(data: T, policy: P) -> Self {
        ElidedMutex::with_speculator(data, policy, Rtm::detect())
    }
}

impl<T, L: RawLock, P: RetryPolicy, S: Speculator> ElidedMutex<T, L, P, S> {
    /// A mutex with the given speculator, or none (with the reason).
    pub fn with_speculator(data: T, policy: P, speculator: Result<S, Unusable>) -> Self {
        ElidedMutex {
            elision: Elision::new(policy, speculator),
            data: UnsafeCell::new(data),
        }
    }

    /// A handle for the calling thread, which keeps its policy state and statistics.
    pub fn handle(&self) -> MutexHandle<'_, T, L, P, S> {
        MutexHandle {
            mutex: self,
            thread: self.elision.policy().thread_state(seed_for(self)),
            stats: ThreadStats::default(),
        }
    }

    /// Runs one elided critical section with a fresh per-thread state, discarding its statistics.
    /// Use [`ElidedMutex::handle`] to measure.
    pub fn with<R>(&self, f: impl FnMut(&mut T) -> R) -> R {
        self.handle().with(f)
    }

    /// Why sections are never elided, if RTM is unusable.
    pub fn unusable(&self) -> Option<&Unusable> {
        self.elision.unusable()
    }

    /// The driver (lock, policy, per-lock policy state).
    pub fn elision(&self) -> &Elision<L, P, S> {
        &self.elision
    }

    /// Name `elided-<policy>` and the parameters of [`crate::ElisionBackend`]'s info.
    pub fn info(&self) -> BackendInfo {
        describe::<L, P>("elided", self.elision.policy(), self.unusable())
    }

    /// The data, given exclusive access to the mutex.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Consumes the mutex and returns the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

/// A per-handle backoff seed: the handle's stack address mixed with the TSC.
fn seed_for<T: ?Sized>(anchor: &T) -> u64 {
    let local = 0u8;
    let addr =
        core::ptr::from_ref(&local) as u64 ^ (core::ptr::from_ref(anchor).cast::<u8>() as u64);
    (addr ^ tm::clock::now()).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// One thread's access to an [`ElidedMutex`].
pub struct MutexHandle<'m, T, L: RawLock, P: RetryPolicy, S: Speculator> {
    mutex: &'m ElidedMutex<T, L, P, S>,
    thread: P::ThreadState,
    stats: ThreadStats,
}

impl<T, L: RawLock, P: RetryPolicy, S: Speculator> MutexHandle<'_, T, L, P, S> {
    /// Runs `f` on the data as one critical section, elided if the policy and the hardware allow.
    ///
    /// # Panics
    /// If this thread is already inside a section of this mutex (re-entry, through any handle), or
    /// [`MAX_NESTING`](crate::elision::MAX_NESTING) sections deep.
    #[inline]
    pub fn with<R>(&mut self, mut f: impl FnMut(&mut T) -> R) -> R {
        let data = self.mutex.data.get();
        self.mutex
            .elision
            .execute_section(&mut self.thread, &mut self.stats, |_path: Path| {
                // SAFETY: no other `&mut T` to the data is live while `f` runs:
                // - on this thread: the driver has entered this mutex's section in the per-thread
                //   record before calling this closure, and refuses (panics) any section of the same
                //   mutex while it is there, so no other section of it, which is the only place such
                //   a reference lives, is running on this thread;
                // - on other threads: the driver calls this closure either under the fallback lock
                //   (exclusive with every other holder by `RawLock`'s contract, and with every
                //   committing hardware section by subscription), or inside a speculative attempt
                //   (its own, or the enclosing one it joined) in which it read the lock free. By
                //   `Speculator`'s contract such an attempt takes effect only atomically with
                //   respect to every other attempt and to every later lock holder, and otherwise
                //   not at all, so no effect of overlapping access survives.
                // The reference does not outlive `f`.
                f(unsafe { &mut *data })
            })
    }

    /// Runs `f` on the data under the real lock, never eliding (the baseline for comparison). It
    /// counts as one fallback in the statistics. Inside a hardware attempt of another mutex's
    /// section, it first sends that section to its lock ([`crate::elision`], "Nesting").
    ///
    /// # Panics
    /// If this thread is already inside a section of this mutex.
    #[inline]
    pub fn with_lock<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        let data = self.mutex.data.get();
        self.mutex.elision.execute_locked(&mut self.stats, || {
            // SAFETY: the driver has entered this mutex's section in the per-thread record (so no
            // other section of it, and no `&mut T` from it, is live on this thread) and holds the
            // fallback lock for the whole of `f`, exclusive with other holders and with committing
            // hardware sections (subscription). (A mutex without a speculator inside another
            // mutex's hardware attempt takes its lock inside that attempt, which makes the whole
            // section atomic.)
            f(unsafe { &mut *data })
        })
    }

    /// This thread's statistics since the handle was created or last reset.
    pub fn stats(&self) -> &ThreadStats {
        &self.stats
    }

    /// Returns this thread's statistics and starts counting afresh.
    pub fn take_stats(&mut self) -> ThreadStats {
        core::mem::take(&mut self.stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speculator::scripted::{CAPACITY, Script, Scripted, Step};
    use crate::{CauseAware, Fixed, TicketLock};
    use tm::AbortCause;

    #[test]
    fn sections_run_once_on_the_lock_without_rtm() {
        let m: ElidedMutex<u64, TicketLock, Fixed, Scripted> =
            ElidedMutex::with_speculator(0, Fixed::new(3), Err(Unusable::ForcedOff));
        let mut h = m.handle();
        for _ in 0..10 {
            h.with(|v| *v += 1);
        }
        h.with_lock(|v| *v += 100);
        assert_eq!((h.stats().attempts, h.stats().fallbacks), (0, 11));
        assert_eq!(m.with(|v| *v), 110);
        assert!(
            m.info()
                .params
                .iter()
                .any(|(k, v)| k == "rtm_usable" && v == "false")
        );
    }

    #[test]
    fn scripted_capacity_aborts_end_on_the_lock() {
        let script = Script::leak(&[Step::Abort(CAPACITY), Step::Abort(CAPACITY), Step::Run]);
        let m: ElidedMutex<u64, TtasLock, CauseAware, Scripted> =
            ElidedMutex::with_speculator(0, CauseAware::default(), Ok(Scripted(script)));
        let mut h = m.handle();
        h.with(|v| *v += 1);
        h.with(|v| *v += 1);
        let s = h.take_stats();
        assert_eq!(s.aborts_of(AbortCause::Capacity), 2);
        assert_eq!((s.attempts, s.commits, s.fallbacks), (3, 1, 1));
        assert_eq!(script.remaining(), 0);
        let mut m = m;
        assert_eq!(*m.get_mut(), 2);
        assert_eq!(m.into_inner(), 2);
    }
}
