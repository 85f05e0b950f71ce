//! The fallback lock: a raw lock trait in the `lock_api` style.
//!
//! Lock elision needs four operations from its fallback lock: `lock` and `unlock` for the
//! non-speculative path, `try_lock` for callers that must not block, and `is_locked`, which every
//! hardware attempt calls *inside* its transaction (subscription) and which the driver calls before
//! a hardware retry (lemming avoidance). Subscription only works if taking the lock writes the
//! memory that `is_locked` reads: the write then conflicts with every running transaction that
//! subscribed, and the hardware aborts them all. That requirement is part of the trait's contract.

/// A raw mutual-exclusion lock usable as the fallback lock of lock elision.
///
/// # Safety
/// Implementations must guarantee:
/// - mutual exclusion: between a return from [`lock`](RawLock::lock) (or a `true` from
///   [`try_lock`](RawLock::try_lock)) and the matching [`unlock`](RawLock::unlock), no other
///   thread's `lock` returns or `try_lock` succeeds;
/// - synchronization: `unlock` is a Release and a successful acquisition an Acquire on the lock
///   state, so everything a holder wrote happens-before everything the next holder does;
/// - subscription: every acquisition *writes* (with an atomic read-modify-write) the memory that
///   [`is_locked`](RawLock::is_locked) reads, and `is_locked` reads only memory of the lock, so a
///   hardware transaction that called `is_locked` and saw the lock free is aborted by any later
///   acquisition before that acquisition returns;
/// - `is_locked` returns `true` whenever a holder is between acquisition and release, when called
///   inside a hardware transaction (where all its reads form one atomic snapshot).
pub unsafe trait RawLock: Send + Sync + Sized {
    /// A short stable name (`ttas`, `ticket`), recorded with results.
    const NAME: &'static str;

    /// How many bytes from the lock's address hold all the state that acquisitions write and
    /// [`is_locked`](RawLock::is_locked) reads. The modelled HTM tracks the lock by the one
    /// 64-byte line at its address, so it accepts only locks whose state fits in it (at most 64
    /// bytes, and the lock aligned to 64). The default, the whole lock, is always true.
    const STATE_BYTES: usize = core::mem::size_of::<Self>();

    /// A new, unlocked lock.
    fn new() -> Self;

    /// Acquires the lock, spinning until it is free.
    fn lock(&self);

    /// Acquires the lock if it is free; returns whether it did.
    fn try_lock(&self) -> bool;

    /// Releases the lock.
    ///
    /// # Safety
    /// The calling thread must hold the lock (acquired by `lock` or a successful `try_lock`, and
    /// not released since).
    unsafe fn unlock(&self);

    /// Whether some thread holds the lock (or, for fair locks, is queued to get it next).
    ///
    /// Outside a transaction the answer may be stale by the time it is used: it is a hint for
    /// waiting, never a proof of exclusion.
    fn is_locked(&self) -> bool;
}

/// Spins until `done()` holds: `spin_loop` hints first, then yielding the CPU after
/// [`SPINS_BEFORE_YIELD`] iterations, so an over-subscribed machine (more runnable threads than
/// cores) lets a preempted lock holder run instead of burning the waiter's whole time slice.
#[inline]
pub(crate) fn spin_until(mut done: impl FnMut() -> bool) {
    let mut spins = 0u32;
    while !done() {
        if spins < SPINS_BEFORE_YIELD {
            spins += 1;
            crate::primitive::spin_hint();
        } else {
            crate::primitive::yield_now();
        }
    }
}

/// Like [`spin_until`], but gives up after `checks` evaluations of `done` that all returned
/// `false`; returns whether `done()` held.
#[inline]
pub(crate) fn spin_until_bounded(mut done: impl FnMut() -> bool, checks: u32) -> bool {
    for spins in 0..checks {
        if done() {
            return true;
        }
        if spins < SPINS_BEFORE_YIELD {
            crate::primitive::spin_hint();
        } else {
            crate::primitive::yield_now();
        }
    }
    false
}

/// Spin iterations before a waiter starts yielding (about 10 to 50 microseconds of `pause`).
pub(crate) const SPINS_BEFORE_YIELD: u32 = 1 << 10;

/// Releases a held lock when dropped, so a panicking critical section does not leave it held.
pub(crate) struct Unlock<'l, L: RawLock>(pub(crate) &'l L);

impl<L: RawLock> Drop for Unlock<'_, L> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: an `Unlock` is only created right after this thread acquired the lock, and it is
        // the only thing that releases it.
        unsafe { self.0.unlock() }
    }
}
