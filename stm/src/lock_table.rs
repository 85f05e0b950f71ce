//! The shared state of TL2 and LSA: a global version clock and a table of [`VersionedLock`]s.
//!
//! A word's address, shifted right by log2 of the stripe granularity and masked to the table size,
//! names its lock (TL2's "PS" mapping, TinySTM's `LOCK_IDX`), so every word of a stripe shares one
//! lock and one version. The table also hands out the owner ids that locked
//! [`LockWord`](crate::vlock::LockWord)s carry, unique per handle of one table.
//!
//! The clock sits alone on its cache line. The lock table is dense, as in TL2 and TinySTM: eight
//! locks share a line, which is part of what the stripe granularity and table size trade off.
//!
//! TL2 and LSA take the same parameters ([`Tl2Config`](crate::Tl2Config),
//! [`LsaConfig`](crate::LsaConfig)), validated here against the same bounds.

use crate::vlock::VersionedLock;
use core::fmt;
use crossbeam_utils::CachePadded;
use tm::TWord;
use tm::primitive::{AtomicU64, Ordering};

/// The largest accepted [`Tl2Config::lock_table_bits`](crate::Tl2Config::lock_table_bits) (2^26
/// locks, 512 MiB).
pub const MAX_LOCK_TABLE_BITS: u32 = 26;
/// The largest accepted [`Tl2Config::stripe_bytes`](crate::Tl2Config::stripe_bytes).
pub const MAX_STRIPE_BYTES: usize = 1 << 16;
/// The largest accepted backoff step ([`tm::backoff::MAX_STEP`]: a cap of 2^32 spins).
pub const MAX_BACKOFF_STEP: u32 = tm::backoff::MAX_STEP;

/// A [`Tl2Config`](crate::Tl2Config) or [`LsaConfig`](crate::LsaConfig) that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// `lock_table_bits` above [`MAX_LOCK_TABLE_BITS`].
    LockTableTooLarge(u32),
    /// `stripe_bytes` not a power of two in `8..=MAX_STRIPE_BYTES`.
    BadStripe(usize),
    /// `backoff_max_step` above [`MAX_BACKOFF_STEP`].
    BadBackoff(u32),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::LockTableTooLarge(b) => write!(
                f,
                "lock table of 2^{b} locks is too large (at most 2^{MAX_LOCK_TABLE_BITS})"
            ),
            ConfigError::BadStripe(s) => write!(
                f,
                "stripe of {s} bytes: must be a power of two from 8 to {MAX_STRIPE_BYTES}"
            ),
            ConfigError::BadBackoff(s) => {
                write!(f, "backoff step {s} exceeds the cap {MAX_BACKOFF_STEP}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// The global version clock, the owner-id counter and the striped lock table of one TL2 or LSA
/// instance (see the module documentation).
pub(crate) struct LockTable {
    clock: CachePadded<AtomicU64>,
    owners: CachePadded<AtomicU64>,
    locks: Box<[VersionedLock]>,
    stripe_shift: u32,
}

impl LockTable {
    /// A clock at 0 and `2^lock_table_bits` unlocked locks at version 0, each covering
    /// `stripe_bytes` bytes; or why the backend's configuration cannot be used.
    ///
    /// `backoff_max_step` is not the table's, but it is part of the configuration TL2 and LSA
    /// share: it is checked here, after the table's parameters, so that every check (in the order
    /// lock table, stripe, backoff) runs before the table is allocated.
    pub(crate) fn new(
        lock_table_bits: u32,
        stripe_bytes: usize,
        backoff_max_step: u32,
    ) -> Result<LockTable, ConfigError> {
        if lock_table_bits > MAX_LOCK_TABLE_BITS {
            return Err(ConfigError::LockTableTooLarge(lock_table_bits));
        }
        if !stripe_bytes.is_power_of_two() || !(8..=MAX_STRIPE_BYTES).contains(&stripe_bytes) {
            return Err(ConfigError::BadStripe(stripe_bytes));
        }
        if backoff_max_step > MAX_BACKOFF_STEP {
            return Err(ConfigError::BadBackoff(backoff_max_step));
        }
        let size = 1usize << lock_table_bits;
        Ok(LockTable {
            clock: CachePadded::new(AtomicU64::new(0)),
            owners: CachePadded::new(AtomicU64::new(0)),
            locks: (0..size).map(|_| VersionedLock::new()).collect(),
            stripe_shift: stripe_bytes.trailing_zeros(),
        })
    }

    /// The global version clock. Its callers choose, and argue, the orderings of their accesses.
    #[inline]
    pub(crate) fn clock(&self) -> &AtomicU64 {
        &self.clock
    }

    /// A new handle's id, distinct from every other id this table handed out (the caller narrows
    /// it to the 32-bit owner id of its [`LockWord`](crate::vlock::LockWord)s, and seeds its backoff with it).
    pub(crate) fn new_owner_id(&self) -> u64 {
        // Relaxed: ids only need to be unique, which the RMW guarantees.
        self.owners.fetch_add(1, Ordering::Relaxed)
    }

    /// The number of locks (a power of two).
    pub(crate) fn size(&self) -> usize {
        self.locks.len()
    }

    /// The lock of the stripe holding `word`.
    #[inline]
    pub(crate) fn lock_for(&self, word: &TWord) -> &VersionedLock {
        let addr = word as *const TWord as usize;
        // The table length is a power of two, so the mask keeps the index in bounds.
        &self.locks[(addr >> self.stripe_shift) & (self.locks.len() - 1)]
    }
}
