//! The elision driver: hardware attempts with subscription, the policy's decisions, lemming
//! avoidance, the fallback lock, nesting, and the accounting of all of it.
//!
//! One execution of a critical section goes:
//!
//! 1. If RTM is usable and [`RetryPolicy::begin`] agrees, attempt the section in hardware. The
//!    attempt's first action, inside the transaction, is to read the fallback lock
//!    (*subscription*): if it is held the attempt aborts with `xabort(0xff)` (lock-busy), and if it
//!    is free the lock word is now in the read set, so any thread taking the lock later aborts the
//!    attempt before it can commit. Lock holders and committed hardware sections are therefore
//!    mutually exclusive, and no attempt observes a lock holder's partial writes.
//! 2. On an abort: a user abort (an explicit code `<= 0x7f`) of a transaction (the closure returned
//!    `Err(Abort::user(code))`) ends the execution, nothing retried; so does, for the same reason, a
//!    transaction's closure executing `xabort` with such a code itself. A plain critical section
//!    ([`Elision::execute_section`], [`crate::ElidedMutex`]) cannot be cancelled, so there such a
//!    foreign `xabort` is an ordinary abort. An abort with [`NESTED_ABORT`] sends the execution
//!    to the lock at once (see "Nesting"). Otherwise the policy decides. Before a hardware retry,
//!    if the lock is held, the thread waits until it is free and counts one lock wait (*lemming
//!    avoidance*: retrying while the lock is held would abort at once and, with policies that
//!    count attempts, push every thread onto the lock behind the holder).
//! 3. When the policy gives up (or RTM is unusable, or `begin` said no), the section runs under the
//!    fallback lock, where it cannot abort: progress is guaranteed.
//!
//! The lemming wait is bounded, not fair: it checks the lock at most [`LEMMING_WAIT_CHECKS`] times
//! (spinning, then yielding the CPU), and if the lock was held every time, the thread stops
//! waiting and takes the lock itself, as if the policy had said so. With [`crate::TicketLock`],
//! `is_locked` means "held or anyone queued", so under continuous fallback traffic it may never
//! read free; the bound turns that wait into a place in the lock's FIFO queue, which is served in
//! order. (With [`crate::TtasLock`] the lock itself is unfair, and so is its fallback path.)
//!
//! # Nesting
//!
//! RTM flattens nesting: an `xbegin` inside a transaction only deepens it, and an abort anywhere
//! resumes at the outermost `xbegin` with everything since undone. So a section started inside
//! another section's hardware attempt cannot abort on its own, and any code its abort carries would
//! be read by the outer driver as its own. The driver therefore keeps a per-thread record of the
//! sections the thread is inside and of whether one of its hardware attempts is running (the
//! `nesting` module), and defines:
//!
//! - **Re-entry** (entering a section of a lock this thread is already inside: `with` in `with`,
//!   `with_lock` in `with` or the reverse, through any handle, or a transaction of an
//!   `ElisionBackend` inside one of the same backend) panics, on both paths. On the lock path it
//!   would deadlock; on the hardware path the inner section would see the lock free (the outer
//!   attempt only reads it) and hand out a second `&mut T` to live data. Inside a hardware attempt
//!   the re-entry first aborts the attempt with [`NESTED_ABORT`], so the panic is raised on the lock
//!   path, outside any transaction, the same way every time.
//! - **A section of another lock entered inside a running hardware attempt joins it**: it
//!   subscribes to its own lock inside the attempt and runs its body there, without a hardware
//!   attempt of its own and without consulting its policy or counting anything in its statistics
//!   (the enclosing attempt is the one that commits or aborts). If it cannot complete inside the
//!   attempt (its lock is held, its transaction cancels or asks for a retry, or it is a
//!   `with_lock`, which needs its lock for real) it ends the attempt with [`NESTED_ABORT`]. The
//!   enclosing execution counts one [`AbortCause::Nested`] abort, does not consult its policy
//!   (the abort says nothing about its own lock: glibc's `adapt_count` stays put) and runs on its
//!   lock, where the nested section runs on its own, with its own attempts, its own cancellation
//!   and its own statistics.
//! - **A section entered while the enclosing section holds its lock** (the lock path) runs as
//!   usual: there is no enclosing attempt. Taking different locks in different orders on
//!   different threads can deadlock, as with any mutexes.
//! - A section inside a transaction the caller started itself (with `htm::Rtm::transaction`) nests
//!   in it as RTM does: its abort codes (lock-busy, cancellations) end the caller's transaction.
//!
//! At most [`MAX_NESTING`] sections may be nested on one thread; entering one more panics. A
//! section nested in a hardware attempt uses its own speculator to end the attempt, so sections
//! nested in one another must use the same speculator type (all [`htm::Rtm`] in practice); a
//! nested section without a speculator runs on its lock inside the attempt, which the hardware
//! makes atomic. A modelled attempt (`&model::Model`) is never joined: any section entered inside
//! one ends it with [`NESTED_ABORT`] (by unwinding to its `speculate`), so the enclosing
//! execution runs on its lock and the nested section then runs on its own; a modelled section
//! inside a hardware attempt ends it with `xabort`.
//!
//! Accounting follows [`tm::ThreadStats`]: each hardware attempt is one attempt that commits or
//! aborts under exactly one cause ([`crate::cause::classify`]); each completed lock execution is
//! one fallback; cycles are TSC ticks around each attempt and around each lock execution, the wait
//! to acquire the lock included. Lemming waits are counted, and their time is in neither.

use crate::cause::classify;
use crate::lock::{RawLock, SPINS_BEFORE_YIELD, Unlock, spin_until_bounded};
use crate::nesting::{self, AttemptKind, Entered};
use crate::policy::{Decision, RetryPolicy};
use crate::speculator::{
    Holds, LOCK_BUSY, NESTED_ABORT, Own, RETRY_REQUESTED, SpecAccess, Speculator,
};
use core::convert::Infallible;
use htm::Unusable;
use tm::{Abort, AbortCause, Accounting, MAX_USER_CODE, ThreadStats, Timer, UserAbort, clock};

pub use crate::nesting::MAX_NESTING;

/// The most checks of a held lock one lemming wait makes before the thread takes the lock itself:
/// 1024 spins (`pause`), then 1024 yields of the CPU.
pub const LEMMING_WAIT_CHECKS: u32 = SPINS_BEFORE_YIELD + 1024;

/// Where a critical section is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// Inside a hardware transaction: writes are undone by the hardware on abort.
    Speculative,
    /// Under the fallback lock: writes go straight to memory; a section that returns `Err` must
    /// undo its own writes before returning.
    Locked,
}

/// How an execution can end without completing: what a user abort becomes.
///
/// [`UserAbort`] for transactions, which a user abort cancels; [`Infallible`] for plain critical
/// sections, which cannot be cancelled (a hardware abort carrying a user code is then foreign, an
/// ordinary abort for the policy).
pub(crate) trait Cancel: Sized {
    /// The cancellation a user abort with `code` causes, if this kind of execution has any.
    fn cancel(code: u8) -> Option<Self>;
}

impl Cancel for UserAbort {
    #[inline]
    fn cancel(code: u8) -> Option<Self> {
        Some(UserAbort { code })
    }
}

impl Cancel for Infallible {
    #[inline]
    fn cancel(_code: u8) -> Option<Self> {
        None
    }
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

    /// The speculator, if usable.
    #[inline(always)]
    pub(crate) fn speculator(&self) -> Option<S> {
        self.speculator.as_ref().ok().copied()
    }

    /// This driver's identity in the per-thread record of sections (its address).
    #[inline]
    fn id(&self) -> usize {
        core::ptr::from_ref(self).addr()
    }

    /// Runs one execution of a transaction's section (see the module documentation), which a
    /// user abort cancels.
    ///
    /// `body(path)` runs the section once. On [`Path::Locked`] it must leave no effect when it
    /// returns `Err`. A non-user `Err` on the locked path makes the driver run it again under the
    /// lock (a section that always returns one never finishes, as with any backend).
    ///
    /// # Panics
    /// If this thread is already inside a section of this driver (re-entry), or
    /// [`MAX_NESTING`] sections deep.
    ///
    /// The body's accesses must be plain ones, so only a hardware speculator may run it (a
    /// modelled one is refused at compile time); [`Elision::execute_in`] gives the body the
    /// speculator's context.
    #[inline]
    pub fn execute<R>(
        &self,
        thread: &mut P::ThreadState,
        stats: &mut ThreadStats,
        mut body: impl FnMut(Path) -> Result<R, Abort>,
    ) -> Result<R, UserAbort> {
        const {
            assert!(
                !S::MODELLED,
                "plain sections cannot run over a modelled speculator"
            )
        };
        let mut ctx = Own(S::thread(self.speculator()));
        self.run(
            thread,
            stats,
            Timer::new(Accounting::Cycles),
            &mut ctx,
            |_, path| body(path),
        )
    }

    /// [`Elision::execute`], reading the clock for cycles only if `timer` says so.
    ///
    /// # Panics
    /// As [`Elision::execute`] (and refuses a modelled speculator the same way).
    #[inline]
    pub fn execute_with<R>(
        &self,
        thread: &mut P::ThreadState,
        stats: &mut ThreadStats,
        timer: Timer,
        mut body: impl FnMut(Path) -> Result<R, Abort>,
    ) -> Result<R, UserAbort> {
        const {
            assert!(
                !S::MODELLED,
                "plain sections cannot run over a modelled speculator"
            )
        };
        let mut ctx = Own(S::thread(self.speculator()));
        self.run(thread, stats, timer, &mut ctx, |_, path| body(path))
    }

    /// [`Elision::execute_with`] with the speculator's per-thread context: `body(ctx, path)` runs
    /// the section once, and on [`Path::Speculative`] accesses memory through the context `ctx`
    /// holds (for a hardware speculator, plain accesses do as well). The speculator reaches the
    /// context through `ctx` for the subscription and the attempt. The clock is read for cycles
    /// only if `timer` says so (the [`crate::ElisionBackend`] handles pass the accounting they
    /// were created with).
    ///
    /// # Panics
    /// As [`Elision::execute`].
    #[inline]
    pub fn execute_in<'t, C, R>(
        &self,
        thread: &mut P::ThreadState,
        stats: &mut ThreadStats,
        timer: Timer,
        ctx: &mut C,
        body: impl FnMut(&mut C, Path) -> Result<R, Abort>,
    ) -> Result<R, UserAbort>
    where
        S: 't,
        C: Holds<S::Thread<'t>>,
    {
        self.run(thread, stats, timer, ctx, body)
    }

    /// Runs one execution of a plain critical section, which cannot be cancelled: `body(path)`
    /// runs it once per attempt and once more under the lock if needed.
    ///
    /// # Panics
    /// As [`Elision::execute`] (and refuses a modelled speculator the same way).
    #[inline]
    pub fn execute_section<R>(
        &self,
        thread: &mut P::ThreadState,
        stats: &mut ThreadStats,
        mut body: impl FnMut(Path) -> R,
    ) -> R {
        const {
            assert!(
                !S::MODELLED,
                "plain sections cannot run over a modelled speculator"
            )
        };
        let mut ctx = Own(S::thread(self.speculator()));
        let timer = Timer::new(Accounting::Cycles);
        match self.run::<Infallible, _, R>(thread, stats, timer, &mut ctx, |_, path| Ok(body(path)))
        {
            Ok(r) => r,
            Err(never) => match never {},
        }
    }

    /// The driver of both kinds of execution; `K` is what a user abort becomes, `C` holds the
    /// speculator's context.
    #[inline]
    fn run<'t, K: Cancel, C, R>(
        &self,
        thread: &mut P::ThreadState,
        stats: &mut ThreadStats,
        timer: Timer,
        ctx: &mut C,
        mut body: impl FnMut(&mut C, Path) -> Result<R, Abort>,
    ) -> Result<R, K>
    where
        S: 't,
        C: Holds<S::Thread<'t>>,
    {
        let running = nesting::running();
        let _entered = self.enter(running);
        if let Some(kind) = running {
            if kind == AttemptKind::Hardware
                && !S::MODELLED
                && let Ok(speculator) = self.speculator
            {
                return self.join(speculator, ctx, body);
            }
            // Returns only inside a hardware attempt, for a driver without a speculator, whose
            // section then runs on its lock inside that attempt.
            self.end_running(kind, NESTED_ABORT);
        }
        if let Ok(speculator) = self.speculator
            && self.policy.begin(&self.lock_state, thread)
        {
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                let lock = &self.lock;
                let start = timer.start();
                let outcome = {
                    let _running = nesting::Attempt::start(AttemptKind::of(S::MODELLED));
                    speculator.speculate(ctx, |ctx| {
                        // Subscription: read the lock inside the transaction.
                        match ctx.held().subscribe(lock) {
                            Ok(false) => {}
                            Ok(true) => return Err(LOCK_BUSY),
                            // The attempt is over; the speculator reports its status.
                            Err(_) => return Err(RETRY_REQUESTED),
                        }
                        body(ctx, Path::Speculative)
                            .map_err(|abort| abort.user_code().unwrap_or(RETRY_REQUESTED))
                    })
                };
                let cycles = timer.since(start);
                let status = match outcome {
                    Ok(r) => {
                        stats.record_commit(cycles);
                        return Ok(r);
                    }
                    Err(status) => status,
                };
                let (cause, code) = classify(status);
                stats.record_abort(cause, code, cycles);
                if status.code() == Some(NESTED_ABORT) {
                    break;
                }
                if cause == AbortCause::Explicit
                    && code <= MAX_USER_CODE
                    && let Some(cancelled) = K::cancel(code)
                {
                    stats.user_aborts += 1;
                    return Err(cancelled);
                }
                match self
                    .policy
                    .on_abort(&self.lock_state, thread, status, attempt)
                {
                    Decision::Retry => {
                        if !self.wait_until_free(stats) {
                            break;
                        }
                    }
                    Decision::Lock => break,
                }
            }
        }
        self.run_locked(stats, timer, ctx, body)
    }

    /// Enters this driver's section in the per-thread record, or refuses: re-entry and excessive
    /// depth panic, after ending a running hardware attempt so that the panic happens on the lock
    /// path (see "Nesting").
    #[inline]
    fn enter(&self, running: Option<AttemptKind>) -> Entered {
        match nesting::enter(self.id()) {
            Ok(entered) => entered,
            Err(refused) => self.refuse(refused, running),
        }
    }

    #[cold]
    #[inline(never)]
    fn refuse(&self, refused: nesting::Refused, running: Option<AttemptKind>) -> ! {
        if let Some(kind) = running {
            self.end_running(kind, NESTED_ABORT);
        }
        panic!("{}", refused.message(self.id()))
    }

    /// Ends the attempt of `kind` running on this thread with an explicit abort carrying `code`
    /// (see "Nesting"). A modelled attempt is ended by unwinding to its `speculate`; a hardware
    /// one by this driver's speculator, or, if that is modelled, by `xabort` itself. Returns only
    /// for a hardware attempt when this driver has no speculator: its section then runs on its
    /// lock inside that attempt, which the hardware makes atomic.
    #[cold]
    #[inline(never)]
    fn end_running(&self, kind: AttemptKind, code: u8) {
        match (kind, self.speculator()) {
            (AttemptKind::Modelled, _) => crate::modelled::end_attempt(code),
            (AttemptKind::Hardware, Some(speculator)) if !S::MODELLED => {
                speculator.abort_attempt(code)
            }
            (AttemptKind::Hardware, Some(_)) => end_hardware_attempt(code),
            (AttemptKind::Hardware, None) => {}
        }
    }

    /// Runs the section inside the hardware attempt already running on this thread (see
    /// "Nesting"): subscribe, run, or end the attempt with [`NESTED_ABORT`].
    #[cold]
    #[inline(never)]
    fn join<K, C, R>(
        &self,
        speculator: S,
        ctx: &mut C,
        mut body: impl FnMut(&mut C, Path) -> Result<R, Abort>,
    ) -> Result<R, K> {
        // Only hardware attempts are joined, so a plain read subscribes.
        if self.lock.is_locked() {
            speculator.abort_attempt(NESTED_ABORT);
        }
        match body(ctx, Path::Speculative) {
            Ok(r) => Ok(r),
            // A cancellation or a retry request cannot be honoured inside the enclosing attempt:
            // the section's writes are only undone with the attempt's.
            Err(_) => speculator.abort_attempt(NESTED_ABORT),
        }
    }

    /// Lemming avoidance: if the lock is held, waits (boundedly) until it is free and counts one
    /// wait. Returns whether the lock was seen free; `false` sends the execution to the lock.
    #[inline]
    fn wait_until_free(&self, stats: &mut ThreadStats) -> bool {
        if !self.lock.is_locked() {
            return true;
        }
        stats.lock_waits += 1;
        spin_until_bounded(|| !self.lock.is_locked(), LEMMING_WAIT_CHECKS)
    }

    /// Runs the section under the fallback lock.
    #[inline(never)]
    fn run_locked<K: Cancel, C, R>(
        &self,
        stats: &mut ThreadStats,
        timer: Timer,
        ctx: &mut C,
        mut body: impl FnMut(&mut C, Path) -> Result<R, Abort>,
    ) -> Result<R, K> {
        // Fallback cycles include waiting for the lock: that wait is part of the fallback's cost.
        let start = timer.start();
        self.acquire();
        // Released on every path out, including a panic in `body`.
        let held = Unlock(&self.lock);
        let outcome = loop {
            match body(ctx, Path::Locked) {
                Ok(r) => break Ok(r),
                // A user abort cancels the execution if it can be cancelled; anything else (a
                // retry request) runs the section again.
                Err(abort) => {
                    if let Some(cancelled) = abort.user_code().and_then(K::cancel) {
                        break Err(cancelled);
                    }
                }
            }
        };
        drop(held);
        match outcome {
            Ok(r) => {
                stats.record_fallback(timer.since(start));
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
    ///
    /// Inside a running hardware attempt of another lock it cannot take this lock for real, so it
    /// ends that attempt with [`NESTED_ABORT`] first (see "Nesting").
    ///
    /// # Panics
    /// As [`Elision::execute`].
    #[inline]
    pub fn execute_locked<R>(&self, stats: &mut ThreadStats, body: impl FnOnce() -> R) -> R {
        let running = nesting::running();
        let _entered = self.enter(running);
        if let Some(kind) = running {
            // Returns only inside a hardware attempt for a driver without a speculator.
            self.end_running(kind, NESTED_ABORT);
        }
        let start = clock::now();
        self.acquire();
        let held = Unlock(&self.lock);
        let r = body();
        drop(held);
        stats.record_fallback(clock::now().saturating_sub(start));
        r
    }
}

impl<L: RawLock, P: RetryPolicy, S: Speculator> Elision<L, P, S> {
    /// Acquires the fallback lock through the speculator (a modelled one must see the
    /// acquisition); `S::MODELLED` is a constant, so for hardware this is `lock()` alone.
    #[inline(always)]
    fn acquire(&self) {
        if S::MODELLED
            && let Ok(speculator) = self.speculator
        {
            speculator.acquire(&self.lock);
        } else {
            self.lock.lock();
        }
    }
}

/// Ends the hardware attempt running on this thread with `xabort code`, for a driver whose own
/// speculator is modelled and so holds no [`htm::Rtm`] token (a hardware attempt proves RTM works,
/// so detection succeeds).
#[cold]
#[inline(never)]
fn end_hardware_attempt(code: u8) -> ! {
    if let Ok(rtm) = htm::Rtm::detect() {
        rtm.abort_with(code);
    }
    panic!(
        "fallback: a section over a modelled speculator cannot end the enclosing attempt of a \
         test speculator; nest sections of one speculator kind only"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speculator::scripted::{
        CAPACITY, CONFLICT, RETRY, Script, Scripted, Step, ZERO, explicit,
    };
    use crate::{CauseAware, Fixed, Glibc, TtasLock};
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

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

    /// A TTAS lock that counts the `is_locked` checks made of it, and can be made to report itself
    /// held on every check (what a ticket lock under continuous fallback traffic reports, since
    /// there `is_locked` means "held or anyone queued").
    #[derive(Debug, Default)]
    struct Probed {
        inner: TtasLock,
        checks: AtomicU32,
        always_held: AtomicBool,
    }

    /// Checks after which a lemming wait is taken to never end (a generous multiple of the bound).
    const ENDLESS: u32 = 100 * LEMMING_WAIT_CHECKS;

    // SAFETY: mutual exclusion, synchronization and the subscription write all come from the inner
    // `TtasLock`, whose acquisitions write the flag `is_locked` reads; `is_locked` reads (and
    // writes) only this lock's own fields, and is true whenever the inner lock is held.
    unsafe impl RawLock for Probed {
        const NAME: &'static str = "probed";

        fn new() -> Self {
            Probed::default()
        }

        fn lock(&self) {
            self.inner.lock();
        }

        fn try_lock(&self) -> bool {
            self.inner.try_lock()
        }

        unsafe fn unlock(&self) {
            // SAFETY: the caller holds this lock, that is, the inner one.
            unsafe { self.inner.unlock() }
        }

        fn is_locked(&self) -> bool {
            // Relaxed: test bookkeeping, read by the test after the driver returns or as a hint.
            let checks = self.checks.fetch_add(1, Ordering::Relaxed) + 1;
            assert!(checks < ENDLESS, "the lemming wait never gave up");
            self.always_held.load(Ordering::Relaxed) || self.inner.is_locked()
        }
    }

    fn probed<P: RetryPolicy>(
        policy: P,
        steps: &[Step],
    ) -> (Elision<Probed, P, Scripted>, &'static Script) {
        let script = Script::leak(steps);
        (Elision::new(policy, Ok(Scripted(script))), script)
    }

    #[test]
    fn lemming_wait_is_counted_when_the_lock_is_held() {
        // Both steps run the body: the first finds the lock held by the other thread and aborts
        // with lock-busy through the real subscription check; the retry waits, then commits. The
        // holder lets go once the waiter is waiting (its third check), so the wait ends by the
        // release, not by the bound.
        let (e, script) = probed(Fixed::new(3), &[Step::Run, Step::Run]);
        let held = AtomicBool::new(false);
        let mut stats = ThreadStats::default();
        let mut paths = Vec::new();
        std::thread::scope(|s| {
            s.spawn(|| {
                e.lock().lock();
                held.store(true, Ordering::Release);
                while e.lock().checks.load(Ordering::Relaxed) < 3 {
                    std::thread::yield_now();
                }
                // SAFETY: this thread took the lock just above.
                unsafe { e.lock().unlock() };
            });
            while !held.load(Ordering::Acquire) {
                std::hint::spin_loop();
            }
            e.execute(&mut (), &mut stats, |p| {
                paths.push(p);
                Ok(())
            })
            .unwrap();
        });
        assert_eq!(paths, [Path::Speculative]);
        assert_eq!(script.remaining(), 0);
        assert_eq!(stats.aborts_of(AbortCause::LockBusy), 1);
        assert_eq!(stats.lock_waits, 1);
        assert_eq!((stats.attempts, stats.commits, stats.fallbacks), (2, 1, 0));
        assert!(stats.is_consistent());
    }

    /// A lock that reads held on every check (continuous traffic on a ticket lock) no longer makes
    /// the waiter spin forever: after `LEMMING_WAIT_CHECKS` checks it takes the lock itself. Before
    /// the bound, this test ran into `ENDLESS`.
    #[test]
    fn the_lemming_wait_is_bounded() {
        let (e, script) = probed(Fixed::new(3), &[Step::Abort(CONFLICT)]);
        e.lock().always_held.store(true, Ordering::Relaxed);
        let mut stats = ThreadStats::default();
        let mut paths = Vec::new();
        e.execute(&mut (), &mut stats, |p| {
            paths.push(p);
            Ok(())
        })
        .unwrap();
        assert_eq!(paths, [Path::Locked], "the waiter took the lock");
        assert_eq!(script.remaining(), 0, "and made no second attempt");
        assert_eq!(
            e.lock().checks.load(Ordering::Relaxed),
            1 + LEMMING_WAIT_CHECKS,
            "one check before the wait, then the bounded wait"
        );
        assert_eq!(stats.lock_waits, 1);
        assert_eq!((stats.attempts, stats.fallbacks), (1, 1));
        assert!(stats.is_consistent());
        assert!(!e.lock().inner.is_locked(), "the lock is released");
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
