//! The atomics the fallback locks are built on: `core`'s, or `loom`'s under `--cfg loom`, so the
//! lock algorithms are model-checked as written (`tests/loom_locks.rs`).

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicBool, AtomicU32};
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32};

/// One iteration of a wait loop: a `pause` hint, or, under loom, a yield to the model checker
/// (which must be told that the thread cannot progress until another one runs).
#[inline(always)]
pub(crate) fn spin_hint() {
    #[cfg(not(loom))]
    core::hint::spin_loop();
    #[cfg(loom)]
    loom::thread::yield_now();
}

/// Gives up the CPU (an over-subscribed wait), or yields to the model checker under loom.
#[inline]
pub(crate) fn yield_now() {
    #[cfg(not(loom))]
    std::thread::yield_now();
    #[cfg(loom)]
    loom::thread::yield_now();
}
