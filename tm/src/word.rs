//! The transactional word.

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

/// A 64-bit word that transactions read and write.
///
/// It is a `repr(transparent)` wrapper over [`AtomicU64`], so an array of `TWord`s has the layout of
/// an array of `u64`s and a hardware transaction accesses it with plain `mov`s. Inside a transaction
/// every access goes through [`Tx`](crate::Tx); the backend decides which atomic operations and
/// orderings it needs, through [`TWord::atomic`].
///
/// [`load`](TWord::load) and [`store`](TWord::store) are *non-transactional*: they are meant for
/// set-up before the threads start and for checks after they have joined. Racing them with running
/// transactions is memory-safe but gives no atomicity with respect to those transactions.
#[repr(transparent)]
#[derive(Default)]
pub struct TWord(AtomicU64);

impl TWord {
    /// A word holding `value`.
    #[inline]
    pub const fn new(value: u64) -> Self {
        TWord(AtomicU64::new(value))
    }

    /// The underlying atomic, for backends implementing the barriers.
    #[inline]
    pub fn atomic(&self) -> &AtomicU64 {
        &self.0
    }

    /// Reads the word outside any transaction.
    ///
    /// Acquire: pairs with the Release in [`TWord::store`] and with the Release write-backs of the
    /// backends, so a value read here comes with everything written before it was published.
    #[inline]
    pub fn load(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Writes the word outside any transaction (see the type's documentation).
    ///
    /// Release: pairs with the Acquire in [`TWord::load`] and in the backends' read barriers.
    #[inline]
    pub fn store(&self, value: u64) {
        self.0.store(value, Ordering::Release)
    }

    /// The value, given exclusive access.
    #[inline]
    pub fn get_mut(&mut self) -> &mut u64 {
        self.0.get_mut()
    }

    /// Consumes the word and returns its value.
    #[inline]
    pub fn into_inner(self) -> u64 {
        self.0.into_inner()
    }
}

impl fmt::Debug for TWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TWord")
            .field(&self.0.load(Ordering::Relaxed))
            .finish()
    }
}

impl From<u64> for TWord {
    fn from(value: u64) -> Self {
        TWord::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_the_layout_of_u64() {
        assert_eq!(core::mem::size_of::<TWord>(), 8);
        assert_eq!(core::mem::align_of::<TWord>(), 8);
    }

    #[test]
    fn load_store_round_trip() {
        let w = TWord::new(3);
        assert_eq!(w.load(), 3);
        w.store(u64::MAX);
        assert_eq!(w.load(), u64::MAX);
        let mut w = w;
        *w.get_mut() = 7;
        assert_eq!(w.into_inner(), 7);
    }
}
