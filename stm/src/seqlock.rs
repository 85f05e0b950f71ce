//! NOrec's global sequence lock.
//!
//! An even value means no writer is committing; a committing writer makes it odd by CAS from the
//! even value its transaction last validated against, writes back, then publishes the next even
//! value. A transaction's snapshot is the even value its reads are consistent with: if the lock
//! still holds it after a read, no commit happened since the snapshot.

use crossbeam_utils::CachePadded;
use tm::primitive::{self, AtomicU64, Ordering};

/// A sequence number sampled from the [`SeqLock`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seq(u64);

impl Seq {
    /// Whether a writer held the lock when this value was sampled (the value is odd).
    #[inline]
    pub const fn is_locked(self) -> bool {
        self.0 & 1 != 0
    }

    /// The value a writer installs while it commits, starting from the unlocked `self`.
    #[inline]
    pub const fn locked(self) -> Seq {
        debug_assert!(!self.is_locked());
        Seq(self.0 + 1)
    }

    /// The unlocked value published when the writer that locked `self` finishes.
    #[inline]
    pub const fn next_unlocked(self) -> Seq {
        debug_assert!(!self.is_locked());
        Seq(self.0 + 2)
    }

    /// The raw counter.
    #[inline]
    pub const fn value(self) -> u64 {
        self.0
    }
}

/// The global sequence lock, alone on its cache line(s).
#[derive(Debug, Default)]
pub struct SeqLock(CachePadded<AtomicU64>);

impl SeqLock {
    /// A lock at sequence 0 (unlocked).
    pub fn new() -> SeqLock {
        SeqLock(CachePadded::new(AtomicU64::new(0)))
    }

    /// Samples the sequence.
    ///
    /// Acquire: pairs with the Release in [`SeqLock::unlock`]; a reader that sees a writer's final
    /// value also sees its write-back. Placed after a data load (itself Acquire), this load cannot
    /// be reordered before it, which is what makes "the sequence did not move" mean "the value
    /// loaded belongs to the snapshot".
    #[inline]
    pub fn sample(&self) -> Seq {
        Seq(self.0.load(Ordering::Acquire))
    }

    /// Waits until no writer is committing and returns the (even) sequence.
    #[inline]
    pub fn wait_unlocked(&self) -> Seq {
        let mut spins = 0;
        loop {
            let s = self.sample();
            if !s.is_locked() {
                return s;
            }
            primitive::wait_step(&mut spins);
        }
    }

    /// Tries to start a commit: succeeds only if the sequence still is the unlocked `snapshot`.
    ///
    /// Acquire on success: pairs with the previous writer's Release in [`SeqLock::unlock`], so our
    /// write-back follows theirs. Our data stores are Release, so none of them can become visible
    /// before this CAS: a reader that loads one of them (Acquire) then sees the odd sequence.
    /// Relaxed on failure: the caller revalidates, which samples the lock again with Acquire.
    #[inline]
    pub fn try_lock(&self, snapshot: Seq) -> bool {
        self.0
            .compare_exchange(
                snapshot.0,
                snapshot.locked().0,
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_ok()
    }

    /// Ends the commit that locked `snapshot`.
    ///
    /// Release: pairs with the Acquire in [`SeqLock::sample`] and [`SeqLock::try_lock`]: whoever
    /// sees the new value sees every write-back store before it.
    #[inline]
    pub fn unlock(&self, snapshot: Seq) {
        self.0.store(snapshot.next_unlocked().0, Ordering::Release)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn lock_cycle() {
        let l = SeqLock::new();
        let s = l.wait_unlocked();
        assert!(!s.is_locked());
        assert!(l.try_lock(s));
        assert!(l.sample().is_locked());
        assert!(!l.try_lock(s), "a second writer must fail");
        l.unlock(s);
        let t = l.wait_unlocked();
        assert_eq!(t.value(), s.value() + 2);
        assert!(!l.try_lock(s), "a stale snapshot must fail");
    }
}
