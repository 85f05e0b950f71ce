//! The one place that chooses between `std` atomics and loom's, for the backends that are
//! model-checked with loom (`stm`'s STMs and `model`'s modelled HTM).
//!
//! Every *metadata* atomic of those backends (the STMs' clocks, lock tables, sequence lock, global
//! lock and handle counters; the model's ownership records, per-thread transaction state words,
//! slot and overflow bitmaps) is declared through this module, so that building with
//! `RUSTFLAGS="--cfg loom"` hands them to loom, which then explores their interleavings and the
//! weak-memory outcomes their orderings allow. This crate's own atomics stay `std`'s.
//!
//! Data words are [`TWord`]s, always `std` atomics, which loom cannot see. Under loom, [`load`]
//! and [`store`] therefore redirect each data word to a *shadow* loom atomic, registered by address
//! for the current execution (`shadow::register`, which `stm::loom_register_words` and
//! `model::loom_register_words` call) by the model's main thread before it spawns others (so the
//! shadows' creation happens before every access), so the data accesses, with the orderings the
//! algorithms give them, are part of the model too: loom interleaves them and lets a load return
//! any value the memory model allows. Stores also write through to the real word, so checks after
//! the threads joined read the final values. Outside loom both functions are exactly one atomic
//! access on the word.

use crate::TWord;

#[cfg(not(loom))]
pub use core::sync::atomic::{AtomicBool, AtomicU64, fence};
#[cfg(loom)]
pub use loom::sync::atomic::{AtomicBool, AtomicU64, fence};

pub use core::sync::atomic::Ordering;

/// Loads a data word with `order` (see the module documentation for loom).
#[inline(always)]
pub fn load(word: &TWord, order: Ordering) -> u64 {
    #[cfg(loom)]
    return shadow::of(word).load(order);
    #[cfg(not(loom))]
    word.atomic().load(order)
}

/// Stores `value` to a data word with `order` (see the module documentation for loom).
#[inline(always)]
pub fn store(word: &TWord, value: u64, order: Ordering) {
    #[cfg(loom)]
    {
        shadow::of(word).store(value, order);
        // SeqCst: outside the model; only read after the model's threads joined.
        word.atomic().store(value, Ordering::SeqCst);
    }
    #[cfg(not(loom))]
    word.atomic().store(value, order)
}

/// Loom models only: the shadow loom atomics of the data words (see the module documentation).
#[cfg(loom)]
pub mod shadow {
    use super::{AtomicU64, Ordering};
    use crate::TWord;
    use std::sync::{Arc, Mutex};

    /// Shadow atomics of the data words, by word address, for one loom execution.
    struct Shadows(Mutex<Vec<(usize, Arc<AtomicU64>)>>);

    loom::lazy_static! {
        static ref SHADOWS: Shadows = Shadows(Mutex::new(Vec::new()));
    }

    /// Creates the shadows of `words`, initialized from their current values.
    pub fn register(words: &[TWord]) {
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
            None => panic!(
                "loom model: register every data word first (stm::loom_register_words, \
                 model::loom_register_words)"
            ),
        }
    }
}

/// Called between an aborted attempt and its retry (by `stm`'s driver and `model`'s retry-only
/// test backend). Under loom it yields to the model's scheduler: a transaction that aborted
/// because another one holds a lock, or was doomed by another thread, cannot succeed until that
/// one runs, and loom needs to be told so to keep the retry loop finite. Nothing otherwise (a
/// randomized backoff, where there is one, has already spaced the retry out).
#[inline(always)]
pub fn after_abort() {
    #[cfg(loom)]
    loom::thread::yield_now();
}

/// One iteration of a wait for another thread (a lock holder, a committing transaction's
/// write-back, a doomed transaction's release, a non-transactional access in progress): a pause
/// hint, and every `YIELD_EVERY` iterations a yield to the OS scheduler, so that a thread waiting
/// on a preempted one (more threads than cores, e.g. four threads on two cores) gives its core back
/// instead of burning its time slice. Under loom it yields to the model's scheduler, which must run
/// another thread for the wait to end.
#[inline]
pub fn wait_step(iteration: &mut u32) {
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
