//! The one place that chooses between `std` atomics and loom's (the pattern of `stm`'s shim).
//!
//! Every *metadata* atomic of the model (the ownership records, the per-thread transaction state
//! words, the slot and overflow bitmaps) is declared through this module, so that building with
//! `RUSTFLAGS="--cfg loom"` hands them to loom, which then explores their interleavings and the
//! weak-memory outcomes their orderings allow.
//!
//! Data words are [`TWord`]s from the `tm` crate, always `std` atomics, which loom cannot see.
//! Under loom, [`load`] and [`store`] therefore redirect each data word to a *shadow* loom atomic,
//! registered by address for the current execution with `model::loom_register_words` by the loom
//! model's main thread before it spawns others, so the data accesses, with the orderings the
//! protocol gives them, are part of the model too. Stores also write through to the real word, so
//! checks after the threads joined read the final values. Outside loom both functions are exactly
//! one atomic access on the word.

use tm::TWord;

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicU64, fence};
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, fence};

pub(crate) use core::sync::atomic::Ordering;

/// Loads a data word with `order` (see the module documentation for loom).
#[inline(always)]
pub(crate) fn load(word: &TWord, order: Ordering) -> u64 {
    #[cfg(loom)]
    return shadow::of(word).load(order);
    #[cfg(not(loom))]
    word.atomic().load(order)
}

/// Stores `value` to a data word with `order` (see the module documentation for loom).
#[inline(always)]
pub(crate) fn store(word: &TWord, value: u64, order: Ordering) {
    #[cfg(loom)]
    {
        shadow::of(word).store(value, order);
        // SeqCst: outside the model; only read after the model's threads joined.
        word.atomic().store(value, Ordering::SeqCst);
    }
    #[cfg(not(loom))]
    word.atomic().store(value, order)
}

#[cfg(loom)]
pub(crate) mod shadow {
    use super::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use tm::TWord;

    /// Shadow atomics of the data words, by word address, for one loom execution.
    pub(super) struct Shadows(Mutex<Vec<(usize, Arc<AtomicU64>)>>);

    loom::lazy_static! {
        static ref SHADOWS: Shadows = Shadows(Mutex::new(Vec::new()));
    }

    /// Creates the shadows of `words`, initialized from their current values.
    pub(crate) fn register(words: &[TWord]) {
        let mut list = SHADOWS.0.lock().unwrap();
        for word in words {
            let addr = word as *const TWord as usize;
            if list.iter().all(|(a, _)| *a != addr) {
                // SeqCst: outside the model; the word was initialized by this thread.
                let value = word.atomic().load(Ordering::SeqCst);
                list.push((addr, Arc::new(AtomicU64::new(value))));
            }
        }
    }

    /// The shadow of `word`. The std mutex is never held across a loom operation (loom may switch
    /// threads there), so it cannot deadlock the model.
    pub(super) fn of(word: &TWord) -> Arc<AtomicU64> {
        let addr = word as *const TWord as usize;
        let list = SHADOWS.0.lock().unwrap();
        match list.iter().find(|(a, _)| *a == addr) {
            Some((_, s)) => s.clone(),
            None => {
                panic!("loom model: call model::loom_register_words for every data word first")
            }
        }
    }
}

/// One iteration of a wait for another thread (a committing transaction's write-back, a doomed
/// transaction's release, a non-transactional access in progress): a pause hint, and every
/// `YIELD_EVERY` iterations a yield to the OS scheduler, so that a waiter on a preempted thread
/// (more threads than cores) gives its core back. Under loom it yields to the model's scheduler,
/// which must run another thread for the wait to end.
#[inline]
pub(crate) fn wait_step(iteration: &mut u32) {
    #[cfg(loom)]
    {
        let _ = iteration;
        loom::thread::yield_now();
    }
    #[cfg(not(loom))]
    {
        const YIELD_EVERY: u32 = 64;
        *iteration = iteration.wrapping_add(1);
        if (*iteration).is_multiple_of(YIELD_EVERY) {
            std::thread::yield_now();
        } else {
            core::hint::spin_loop();
        }
    }
}

/// Called between an aborted attempt and its retry by the retry-only test backend: under loom a
/// yield to the model's scheduler (an attempt doomed by another thread cannot succeed until that
/// thread runs); nothing otherwise.
#[inline(always)]
pub(crate) fn after_abort() {
    #[cfg(loom)]
    loom::thread::yield_now();
}
