//! A test-and-test-and-set spinlock.
//!
//! Acquisition changes the flag from `false` to `true` with a compare-and-swap; while that fails,
//! the thread spins on plain loads, which hit its own cache and generate no coherence traffic until
//! the holder's release invalidates the line (after about a thousand spins it yields its CPU between
//! loads, so a preempted holder can run on an over-subscribed machine). The flag sits alone on its
//! cache line ([`CachePadded`]), so subscribing transactions conflict with acquisitions only, never
//! with unrelated data (false sharing would abort them).

use crate::lock::{RawLock, spin_until};
use crate::primitive::AtomicBool;
use core::sync::atomic::Ordering;
use crossbeam_utils::CachePadded;

/// A test-and-test-and-set spinlock on a cache-padded flag.
#[derive(Debug, Default)]
#[repr(C)]
pub struct TtasLock {
    /// `true` while held.
    locked: CachePadded<AtomicBool>,
}

// SAFETY: the CAS in `lock`/`try_lock` admits one holder at a time (only a CAS that reads `false`
// wins, and only `unlock` stores `false`); acquisition is an Acquire RMW and release a Release
// store on the same flag; every acquisition writes the flag (the successful CAS), which is exactly
// the memory `is_locked` reads; and the flag is `true` for the whole time a holder holds it.
unsafe impl RawLock for TtasLock {
    const NAME: &'static str = "ttas";
    /// The flag, at offset 0 of the cache-padded field.
    const STATE_BYTES: usize = 1;

    fn new() -> Self {
        TtasLock {
            locked: CachePadded::new(AtomicBool::new(false)),
        }
    }

    #[inline]
    fn lock(&self) {
        if !self.try_lock_once() {
            self.lock_slow();
        }
    }

    #[inline]
    fn try_lock(&self) -> bool {
        // Relaxed test first: a held lock is refused without taking the line exclusively.
        !self.locked.load(Ordering::Relaxed) && self.try_lock_once()
    }

    #[inline]
    unsafe fn unlock(&self) {
        // Release: pairs with the Acquire CAS of the next holder, publishing this critical section.
        self.locked.store(false, Ordering::Release);
    }

    #[inline]
    fn is_locked(&self) -> bool {
        // Acquire: pairs with the Release in `unlock`, so a caller that sees the lock free also sees
        // everything the last holder wrote (a transaction that subscribes reads up-to-date data).
        self.locked.load(Ordering::Acquire)
    }
}

impl TtasLock {
    #[inline]
    fn try_lock_once(&self) -> bool {
        // Acquire on success: pairs with the Release store in `unlock` of the previous holder.
        // Relaxed on failure: nothing was acquired. A CAS rather than a swap: a failed attempt
        // leaves the flag unwritten (on x86 both take the line exclusively all the same).
        self.locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    #[cold]
    fn lock_slow(&self) {
        loop {
            // Relaxed: only a hint to try the CAS again; the CAS itself synchronizes.
            spin_until(|| !self.locked.load(Ordering::Relaxed));
            if self.try_lock_once() {
                return;
            }
        }
    }
}
