//! The elision driver: hardware attempts with subscription, the policy's decisions, lemming
//! avoidance, the fallback lock, and the accounting of all of it.
//!
//! One execution of a critical section goes:
//!
//! 1. If RTM is usable and [`RetryPolicy::begin`] agrees, attempt the section in hardware. The
//!    attempt's first action, inside the transaction, is to read the fallback lock
//!    (*subscription*): if it is held the attempt aborts with `xabort(0xff)` (lock-busy), and if it
//!    is free the lock word is now in the read set, so any thread taking the lock later aborts the
//!    attempt before it can commit. Lock holders and committed hardware sections are therefore
//!    mutually exclusive, and no attempt observes a lock holder's partial writes.
//! 2. On an abort: a user abort (an explicit code `<= 0x7f`, from the section returning
//!    `Err(Abort::user(code))`) ends the execution, nothing retried. Otherwise the policy decides.
//!    Before a hardware retry, if the lock is held, the thread waits (spins, then yields) until it
//!    is free and counts one lock wait (*lemming avoidance*: retrying while the lock is held would
//!    abort at once and, with policies that count attempts, push every thread onto the lock behind
//!    the holder).
//! 3. When the policy gives up (or RTM is unusable, or `begin` said no), the section runs under the
//!    fallback lock, where it cannot abort: progress is guaranteed.
//!
//! Accounting follows [`tm::ThreadStats`]: each hardware attempt is one attempt that commits or
//! aborts under exactly one cause ([`crate::cause::classify`]); each completed lock execution is
//! one fallback; cycles are TSC ticks around each attempt and around each lock execution, the wait
//! to acquire the lock included. Lemming waits are counted, and their time is in neither.

use crate::cause::classify;
use crate::lock::{RawLock, Unlock, spin_until};
use crate::policy::{Decision, RetryPolicy};
use crate::speculator::{LOCK_BUSY, RETRY_REQUESTED, Speculator};
use htm::Unusable;
use tm::{Abort, AbortCause, MAX_USER_CODE, ThreadStats, UserAbort, clock};

/// Where a critical section is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// Inside a hardware transaction: writes are undone by the hardware on abort.
    Speculative,
    /// Under the fallback lock: writes go straight to memory; a section that returns `Err` must
    /// undo its own writes before returning.
    Locked,
}

/// A fallback lock, its policy and per-lock policy state, and the speculator (if usable).
#[derive(Debug)]
pub struct Elision<L, P: RetryPolicy, S> {
    lock: L,
    policy: P,
    lock_state: P::LockState,
    speculator: Result<S, Unusable>,
}

impl<L: RawLock, P: RetryPolicy, S: Speculator> Elision<L, P, S> {
    /// A driver for `policy` over a new lock, with `speculator` (or why there is none).
    pub fn new(policy: P, speculator: Result<S, Unusable>) -> Self {
        Elision {
            lock: L::new(),
            policy,
            lock_state: P::LockState::default(),
            speculator,
        }
    }

    /// The fallback lock.
    pub fn lock(&self) -> &L {
        &self.lock
    }

    /// The retry policy.
    pub fn policy(&self) -> &P {
        &self.policy
    }

    /// The policy's per-lock state (glibc's `adapt_count`).
    pub fn lock_state(&self) -> &P::LockState {
        &self.lock_state
    }

    /// Why hardware attempts are never made, if they are not.
    pub fn unusable(&self) -> Option<&Unusable> {
        self.speculator.as_ref().err()
    }

    /// Runs one execution of a critical section (see the module documentation).
    ///
    /// `body(path)` runs the section once. On [`Path::Locked`] it must leave no effect when it
    /// returns `Err`. A non-user `Err` on the locked path makes the driver run it again under the
    /// lock (a section that always returns one never finishes, as with any backend).
    #[inline]
    pub fn execute<R>(
        &self,
        thread: &mut P::ThreadState,
        stats: &mut ThreadStats,
        mut body: impl FnMut(Path) -> Result<R, Abort>,
    ) -> Result<R, UserAbort> {
        if let Ok(speculator) = self.speculator
            && self.policy.begin(&self.lock_state, thread)
        {
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                let lock = &self.lock;
                let start = clock::now();
                let outcome = speculator.speculate(|| {
                    // Subscription: read the lock inside the transaction.
                    if lock.is_locked() {
                        return Err(LOCK_BUSY);
                    }
                    body(Path::Speculative)
                        .map_err(|abort| abort.user_code().unwrap_or(RETRY_REQUESTED))
                });
                let cycles = clock::now().saturating_sub(start);
                let status = match outcome {
                    Ok(r) => {
                        stats.record_commit(cycles);
                        return Ok(r);
                    }
                    Err(status) => status,
                };
                let (cause, code) = classify(status);
                stats.record_abort(cause, code, cycles);
                if cause == AbortCause::Explicit && code <= MAX_USER_CODE {
                    stats.user_aborts += 1;
                    return Err(UserAbort { code });
                }
                match self
                    .policy
                    .on_abort(&self.lock_state, thread, status, attempt)
                {
                    Decision::Retry => self.wait_until_free(stats),
                    Decision::Lock => break,
                }
            }
        }
        self.run_locked(stats, body)
    }

    /// Lemming avoidance: if the lock is held, spin until it is free and count one wait.
    #[inline]
    fn wait_until_free(&self, stats: &mut ThreadStats) {
        if self.lock.is_locked() {
            stats.lock_waits += 1;
            spin_until(|| !self.lock.is_locked());
        }
    }

    /// Runs the section under the fallback lock.
    #[inline(never)]
    fn run_locked<R>(
        &self,
        stats: &mut ThreadStats,
        mut body: impl FnMut(Path) -> Result<R, Abort>,
    ) -> Result<R, UserAbort> {
        // Fallback cycles include waiting for the lock: that wait is part of the fallback's cost.
        let start = clock::now();
        self.lock.lock();
        // Released on every path out, including a panic in `body`.
        let held = Unlock(&self.lock);
        let outcome = loop {
            match body(Path::Locked) {
                Ok(r) => break Ok(r),
                Err(abort) => {
                    if let Some(code) = abort.user_code() {
                        break Err(UserAbort { code });
                    }
                }
            }
        };
        drop(held);
        match outcome {
            Ok(r) => {
                stats.record_fallback(clock::now().saturating_sub(start));
                Ok(r)
            }
            Err(e) => {
                stats.user_aborts += 1;
                Err(e)
            }
        }
    }

    /// Runs `body` under the fallback lock without trying hardware, counted as a fallback (the
    /// "same lock taken for real" baseline of [`crate::ElidedMutex`]).
    #[inline]
    pub fn execute_locked<R>(&self, stats: &mut ThreadStats, body: impl FnOnce() -> R) -> R {
        let start = clock::now();
        self.lock.lock();
        let held = Unlock(&self.lock);
        let r = body();
        drop(held);
        stats.record_fallback(clock::now().saturating_sub(start));
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speculator::scripted::{
        CAPACITY, CONFLICT, RETRY, Script, Scripted, Step, ZERO, explicit,
    };
    use crate::{CauseAware, Fixed, Glibc, TtasLock};
    use std::sync::atomic::{AtomicBool, Ordering};

    fn driver<P: RetryPolicy>(
        policy: P,
        steps: &[Step],
    ) -> (Elision<TtasLock, P, Scripted>, &'static Script) {
        let script = Script::leak(steps);
        (Elision::new(policy, Ok(Scripted(script))), script)
    }

    /// Runs one execution of a section that records its path.
    fn run<P: RetryPolicy>(
        e: &Elision<TtasLock, P, Scripted>,
        t: &mut P::ThreadState,
        stats: &mut ThreadStats,
    ) -> Vec<Path> {
        let mut paths = Vec::new();
        e.execute(t, stats, |p| {
            paths.push(p);
            Ok(())
        })
        .unwrap();
        paths
    }

    #[test]
    fn fixed3_with_three_conflicts_takes_the_lock_once() {
        let (e, script) = driver(Fixed::new(3), &[Step::Abort(CONFLICT); 3]);
        let mut stats = ThreadStats::default();
        let paths = run(&e, &mut (), &mut stats);
        assert_eq!(paths, [Path::Locked]);
        assert_eq!(script.remaining(), 0);
        assert_eq!(stats.attempts, 3);
        assert_eq!(stats.commits, 0);
        assert_eq!(stats.aborts_of(AbortCause::Conflict), 3);
        assert_eq!(stats.fallbacks, 1);
        assert_eq!(stats.lock_waits, 0);
        assert!(stats.is_consistent());
        assert!(!e.lock().is_locked(), "the lock is released");
    }

    #[test]
    fn a_commit_after_aborts_stops_there() {
        let (e, script) = driver(Fixed::new(3), &[Step::Abort(CONFLICT), Step::Run]);
        let mut stats = ThreadStats::default();
        assert_eq!(run(&e, &mut (), &mut stats), [Path::Speculative]);
        assert_eq!(script.remaining(), 0);
        assert_eq!((stats.attempts, stats.commits, stats.fallbacks), (2, 1, 0));
        assert!(stats.is_consistent());
    }

    #[test]
    fn glibc_lock_busy_sets_adapt_count_and_skips_elision() {
        let (e, script) = driver(Glibc::new(3, 3, 5), &[Step::Abort(explicit(0xff))]);
        let mut stats = ThreadStats::default();
        assert_eq!(run(&e, &mut (), &mut stats), [Path::Locked]);
        assert_eq!(e.lock_state().get(), 3);
        assert_eq!(stats.aborts_of(AbortCause::LockBusy), 1);
        assert_eq!(stats.explicit_codes[0xff], 1);
        // The next three acquisitions skip elision (the script is empty: an attempt would panic).
        for left in (0..3).rev() {
            assert_eq!(run(&e, &mut (), &mut stats), [Path::Locked]);
            assert_eq!(e.lock_state().get(), left);
        }
        assert_eq!(script.remaining(), 0);
        assert_eq!((stats.attempts, stats.fallbacks), (1, 4));
        assert!(stats.is_consistent());
    }

    #[test]
    fn glibc_spends_tries_on_retry_aborts_and_leaves_adapt_count() {
        let (e, script) = driver(Glibc::default(), &[Step::Abort(RETRY); 3]);
        let mut stats = ThreadStats::default();
        assert_eq!(run(&e, &mut (), &mut stats), [Path::Locked]);
        assert_eq!(script.remaining(), 0);
        assert_eq!(stats.aborts_of(AbortCause::RetryOnly), 3);
        assert_eq!(e.lock_state().get(), 0);
    }

    #[test]
    fn glibc_adapt_count_is_per_lock() {
        let (busy, _) = driver(Glibc::default(), &[Step::Abort(explicit(0xff))]);
        let (idle, _) = driver(Glibc::default(), &[Step::Run]);
        let mut stats = ThreadStats::default();
        assert_eq!(run(&busy, &mut (), &mut stats), [Path::Locked]);
        assert_eq!(run(&idle, &mut (), &mut stats), [Path::Speculative]);
        assert_eq!((busy.lock_state().get(), idle.lock_state().get()), (3, 0));
    }

    #[test]
    fn glibc_internal_abort_uses_skip_lock_internal_abort() {
        let (e, _) = driver(Glibc::new(3, 3, 5), &[Step::Abort(CAPACITY)]);
        let mut stats = ThreadStats::default();
        assert_eq!(run(&e, &mut (), &mut stats), [Path::Locked]);
        assert_eq!(e.lock_state().get(), 5);
    }

    #[test]
    fn cause_aware_retries_capacity_once_then_locks() {
        let (e, script) = driver(CauseAware::default(), &[Step::Abort(CAPACITY); 2]);
        let policy = *e.policy();
        let mut t = policy.thread_state(3);
        let mut stats = ThreadStats::default();
        assert_eq!(run(&e, &mut t, &mut stats), [Path::Locked]);
        assert_eq!(script.remaining(), 0);
        assert_eq!(stats.aborts_of(AbortCause::Capacity), 2);
        assert_eq!((stats.attempts, stats.fallbacks), (2, 1));
    }

    #[test]
    fn cause_aware_bounds_status0() {
        let (e, script) = driver(CauseAware::default(), &[Step::Abort(ZERO); 3]);
        let mut t = e.policy().thread_state(3);
        let mut stats = ThreadStats::default();
        assert_eq!(run(&e, &mut t, &mut stats), [Path::Locked]);
        assert_eq!(script.remaining(), 0);
        assert_eq!(stats.aborts_of(AbortCause::Status0), 3);
    }

    #[test]
    fn user_abort_in_hardware_is_final_and_counted() {
        let (e, script) = driver(Fixed::new(3), &[Step::Run]);
        let mut stats = ThreadStats::default();
        let out: Result<(), _> = e.execute(&mut (), &mut stats, |_| Err(Abort::user(0x42)));
        assert_eq!(out, Err(UserAbort { code: 0x42 }));
        assert_eq!(script.remaining(), 0);
        assert_eq!(stats.aborts_of(AbortCause::Explicit), 1);
        assert_eq!(stats.explicit_codes[0x42], 1);
        assert_eq!((stats.user_aborts, stats.fallbacks), (1, 0));
        assert!(stats.is_consistent());
    }

    #[test]
    fn backend_retry_request_in_hardware_is_an_internal_explicit_abort() {
        let (e, _) = driver(Fixed::new(1), &[Step::Run]);
        let mut stats = ThreadStats::default();
        let out = e.execute(&mut (), &mut stats, |p| match p {
            Path::Speculative => Err(Abort::retry(AbortCause::Conflict)),
            Path::Locked => Ok(5),
        });
        assert_eq!(out, Ok(5));
        assert_eq!(stats.explicit_codes[usize::from(RETRY_REQUESTED)], 1);
        assert_eq!((stats.user_aborts, stats.fallbacks), (0, 1));
    }

    #[test]
    fn lemming_wait_is_counted_when_the_lock_is_held() {
        // Both steps run the body: the first finds the lock held by the other thread and aborts
        // with lock-busy through the real subscription check; the retry waits, then commits.
        let (e, script) = driver(Fixed::new(3), &[Step::Run, Step::Run]);
        let held = AtomicBool::new(false);
        let mut stats = ThreadStats::default();
        std::thread::scope(|s| {
            s.spawn(|| {
                e.lock().lock();
                held.store(true, Ordering::Release);
                std::thread::sleep(std::time::Duration::from_millis(50));
                // SAFETY: this thread took the lock just above.
                unsafe { e.lock().unlock() };
            });
            while !held.load(Ordering::Acquire) {
                std::hint::spin_loop();
            }
            assert_eq!(run(&e, &mut (), &mut stats), [Path::Speculative]);
        });
        assert_eq!(script.remaining(), 0);
        assert_eq!(stats.aborts_of(AbortCause::LockBusy), 1);
        assert_eq!(stats.lock_waits, 1);
        assert_eq!((stats.attempts, stats.commits, stats.fallbacks), (2, 1, 0));
        assert!(stats.is_consistent());
    }

    #[test]
    fn without_a_speculator_everything_runs_on_the_lock() {
        let e: Elision<TtasLock, Fixed, Scripted> =
            Elision::new(Fixed::new(3), Err(Unusable::ForcedOff));
        let mut stats = ThreadStats::default();
        for _ in 0..5 {
            assert_eq!(run(&e, &mut (), &mut stats), [Path::Locked]);
        }
        assert_eq!(e.unusable(), Some(&Unusable::ForcedOff));
        assert_eq!((stats.attempts, stats.fallbacks), (0, 5));
        let out: Result<(), _> = e.execute(&mut (), &mut stats, |_| Err(Abort::user(1)));
        assert_eq!(out, Err(UserAbort { code: 1 }));
        assert_eq!((stats.user_aborts, stats.fallbacks), (1, 5));
    }
}
