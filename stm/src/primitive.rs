//! The one place that chooses between `std` atomics and loom's.
//!
//! Every *metadata* atomic of the STMs (TL2's clock and lock table, NOrec's sequence lock, the
//! global lock, handle counters) is declared through this module, so that building with
//! `RUSTFLAGS="--cfg loom"` hands them to loom, which then explores their interleavings and the
//! weak-memory outcomes their orderings allow.
//!
//! Data words are [`TWord`]s from the `tm` crate, always `std` atomics, which loom cannot see. Under
//! loom, [`load`] and [`store`] therefore first perform a relaxed read-modify-write on one shared
//! loom atomic: that makes every data access a scheduling point that conflicts with every other
//! data access, so loom's partial-order reduction interleaves data accesses of different threads in
//! every order. The data accesses themselves then behave as sequentially consistent memory (loom
//! runs one thread at a time), so the loom models check the protocols' interleavings and the
//! orderings of the metadata, not weak-memory effects on the data words; those are argued at each
//! access instead. Outside loom the two functions are exactly one atomic access.

use tm::TWord;

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicU64};
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64};

pub(crate) use core::sync::atomic::Ordering;

#[cfg(loom)]
loom::lazy_static! {
    /// The shared atomic whose relaxed RMWs make data accesses visible to loom's scheduler.
    static ref DATA_POINT: AtomicU64 = AtomicU64::new(0);
}

/// Makes the next data access a scheduling point under loom; nothing otherwise.
#[inline(always)]
fn data_point() {
    // Relaxed: the counter carries no data and must add no synchronization to the model.
    #[cfg(loom)]
    DATA_POINT.fetch_add(1, Ordering::Relaxed);
}

/// Loads a data word with `order` (see the module documentation for loom).
#[inline(always)]
pub(crate) fn load(word: &TWord, order: Ordering) -> u64 {
    data_point();
    word.atomic().load(order)
}

/// Stores `value` to a data word with `order` (see the module documentation for loom).
#[inline(always)]
pub(crate) fn store(word: &TWord, value: u64, order: Ordering) {
    data_point();
    word.atomic().store(value, order)
}

/// One iteration of a wait for another thread: a pause hint, and every `YIELD_EVERY` iterations
/// a yield to the OS scheduler, so that a thread waiting on a preempted lock holder (four threads
/// on two cores) gives its core back instead of burning its time slice. Under loom it yields to
/// the model's scheduler, which must run another thread for the wait to end.
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
