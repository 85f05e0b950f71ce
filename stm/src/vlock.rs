//! The versioned lock of TL2 and LSA: one 64-bit word per stripe of memory.
//!
//! While a stripe is unlocked its lock word holds the global-clock version of the last commit that
//! wrote it. A transaction locks the stripes of its write set by CAS (TL2 at commit, LSA at each
//! first write to the stripe), replacing the version with its owner id and the index of the
//! record where it saved that version; readers only ever need the lock bit and the version, while
//! the owner uses the record index to find the saved version in O(1) when it validates a stripe
//! it both read and locked. In LSA the record also leads to the stripe's buffered writes, so a
//! read after write finds its value from the lock word in O(1), as TinySTM's lock word pointing
//! to its write-set entry does.

use tm::primitive::{AtomicU64, Ordering};

/// The value of a versioned lock.
///
/// | bits   | unlocked               | locked                                      |
/// |--------|------------------------|---------------------------------------------|
/// | 0      | `0`                    | `1`                                         |
/// | 1..=31 | version, low 31 bits   | index of the owner's lock record (31 bits)  |
/// | 32..=63| version, high 32 bits  | owner id (32 bits)                          |
///
/// Versions are therefore 63 bits: at 10^9 commits per second the clock would take 292 years to
/// overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockWord(u64);

impl LockWord {
    const LOCKED: u64 = 1;
    /// The largest record index a locked word can carry.
    pub const MAX_RECORD: u32 = (1 << 31) - 1;

    /// An unlocked word carrying `version`.
    #[inline]
    pub const fn unlocked(version: u64) -> LockWord {
        debug_assert!(version < (1 << 63));
        LockWord(version << 1)
    }

    /// A word locked by `owner`, whose saved version is in its lock record `record`.
    ///
    /// Owner ids are unique per handle, and a handle releases every lock before its next attempt
    /// begins, so a word locked by a handle's own id always belongs to its current attempt.
    #[inline]
    pub const fn locked(owner: u32, record: u32) -> LockWord {
        debug_assert!(record <= Self::MAX_RECORD);
        LockWord(((owner as u64) << 32) | ((record as u64) << 1) | Self::LOCKED)
    }

    /// Whether a transaction holds the lock.
    #[inline]
    pub const fn is_locked(self) -> bool {
        self.0 & Self::LOCKED != 0
    }

    /// The version of an unlocked word.
    #[inline]
    pub const fn version(self) -> u64 {
        debug_assert!(!self.is_locked());
        self.0 >> 1
    }

    /// The owner id of a locked word.
    #[inline]
    pub const fn owner(self) -> u32 {
        debug_assert!(self.is_locked());
        (self.0 >> 32) as u32
    }

    /// The lock-record index of a locked word.
    #[inline]
    pub const fn record(self) -> u32 {
        debug_assert!(self.is_locked());
        ((self.0 >> 1) as u32) & Self::MAX_RECORD
    }

    /// The raw bits.
    #[inline]
    pub const fn bits(self) -> u64 {
        self.0
    }
}

/// One entry of a TL2 or LSA lock table: an atomic [`LockWord`].
#[derive(Debug)]
pub struct VersionedLock(AtomicU64);

impl Default for VersionedLock {
    fn default() -> Self {
        VersionedLock::new()
    }
}

impl VersionedLock {
    /// An unlocked lock at version 0.
    pub fn new() -> VersionedLock {
        VersionedLock(AtomicU64::new(LockWord::unlocked(0).bits()))
    }

    /// Samples the lock word with `order` (the callers argue their orderings).
    #[inline]
    pub fn load(&self, order: Ordering) -> LockWord {
        LockWord(self.0.load(order))
    }

    /// Tries to replace `current` by `new`.
    ///
    /// Acquire on success: pairs with the Release in [`VersionedLock::store`] of the previous
    /// owner's release, so this owner's write-back is ordered after the previous one's (and LSA's
    /// reads of unwritten words of a stripe it holds see the last write-back).
    /// Relaxed on failure: the caller only inspects the returned word to give up or retry.
    #[inline]
    pub fn try_lock(&self, current: LockWord, new: LockWord) -> Result<(), LockWord> {
        self.0
            .compare_exchange(current.0, new.0, Ordering::Acquire, Ordering::Relaxed)
            .map(drop)
            .map_err(LockWord)
    }

    /// Publishes `word` (a release to a new or the restored version).
    ///
    /// Release: pairs with the Acquire of readers' first sample in the read barrier and of the
    /// next owner's [`VersionedLock::try_lock`], which therefore see the write-back that precedes it.
    #[inline]
    pub fn store(&self, word: LockWord) {
        self.0.store(word.0, Ordering::Release)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let u = LockWord::unlocked((1 << 63) - 1);
        assert!(!u.is_locked());
        assert_eq!(u.version(), (1 << 63) - 1);
        let l = LockWord::locked(u32::MAX, LockWord::MAX_RECORD);
        assert!(l.is_locked());
        assert_eq!(l.owner(), u32::MAX);
        assert_eq!(l.record(), LockWord::MAX_RECORD);
        let l = LockWord::locked(7, 3);
        assert_eq!((l.owner(), l.record()), (7, 3));
        assert_ne!(LockWord::unlocked(0), LockWord::locked(0, 0));
    }

    #[test]
    fn try_lock_and_release() {
        let v = VersionedLock::new();
        let w0 = v.load(Ordering::Relaxed);
        assert_eq!(w0, LockWord::unlocked(0));
        assert!(v.try_lock(w0, LockWord::locked(1, 0)).is_ok());
        assert_eq!(
            v.try_lock(w0, LockWord::locked(2, 0)),
            Err(LockWord::locked(1, 0))
        );
        v.store(LockWord::unlocked(5));
        assert_eq!(v.load(Ordering::Relaxed).version(), 5);
    }
}
