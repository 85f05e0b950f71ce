//! The single global lock: every transaction runs under one lock, "the one big lock" that TM
//! papers normalize throughput to.
//!
//! The lock is a test-and-test-and-set spin lock alone on its cache line; a waiter spins on a
//! plain load and yields its core to the OS every few dozen iterations, so that a preempted holder
//! (four threads on two cores) gets to run. Accesses are direct loads and stores; each write first
//! saves the old value in an undo log (reused across transactions), so a user abort can restore
//! memory before the lock is released. Nothing ever conflicts, so the only aborts are user aborts
//! (and retries a closure requests itself).
//!
//! Statistics: each execution counts as one attempt; it commits unless the closure cancels it,
//! which counts as an explicit abort with its code and as a user abort, exactly like a cancelled
//! STM attempt. So `commits` counts the transactions that took effect in every backend.

use crate::driver::{Attempt, DriverHandle, Verdict};
use core::fmt;
use crossbeam_utils::CachePadded;
use tm::backoff::Backoff;
use tm::primitive::{self, AtomicBool, Ordering};
use tm::{Abort, AbortCause, Backend, BackendInfo, TWord, Tx};

/// The global-lock baseline (see the module documentation).
pub struct GlobalLock {
    locked: CachePadded<AtomicBool>,
}

impl fmt::Debug for GlobalLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GlobalLock").finish_non_exhaustive()
    }
}

impl Default for GlobalLock {
    fn default() -> Self {
        GlobalLock::new()
    }
}

impl GlobalLock {
    /// An unlocked global lock.
    pub fn new() -> GlobalLock {
        GlobalLock {
            locked: CachePadded::new(AtomicBool::new(false)),
        }
    }

    #[inline]
    fn lock(&self) {
        // Acquire on success: pairs with the Release in `unlock`, so this holder sees every
        // access of the previous one. Relaxed on failure and in the spin: nothing is read
        // under a lock we do not hold.
        if self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
    }

    #[cold]
    #[inline(never)]
    fn lock_contended(&self) {
        let mut spins = 0;
        loop {
            // Relaxed: a hint only; the CAS below carries the Acquire.
            while self.locked.load(Ordering::Relaxed) {
                primitive::wait_step(&mut spins);
            }
            if self
                .locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    #[inline]
    fn unlock(&self) {
        // Release: pairs with the Acquire of the next `lock`.
        self.locked.store(false, Ordering::Release);
    }
}

impl Backend for GlobalLock {
    type Handle<'a> = GlobalLockHandle<'a>;

    fn handle_with(&self, accounting: tm::Accounting) -> GlobalLockHandle<'_> {
        DriverHandle::new(
            GlobalLockTx {
                stm: self,
                undo: Vec::new(),
                held: false,
            },
            // Only closures that request retries themselves ever back off.
            Backoff::new(10, self as *const GlobalLock as u64 ^ tm::clock::now()),
            accounting,
        )
    }

    fn info(&self) -> BackendInfo {
        BackendInfo::new("global-lock").param("lock", "ttas-spin-yield")
    }
}

/// A thread's global-lock handle: the reusable undo log and the statistics.
pub type GlobalLockHandle<'a> = DriverHandle<GlobalLockTx<'a>>;

impl Drop for GlobalLockTx<'_> {
    /// Never finds the lock held in practice: the retry loop rolls an attempt back as soon as a
    /// panic unwinds out of its closure. This only guards against the transaction state being
    /// dropped mid-attempt some other way, so the lock can never stay held by a dead handle.
    fn drop(&mut self) {
        if self.held {
            self.rollback();
        }
    }
}

/// A transaction under the global lock, handed to closures by the handle's `atomically`.
#[derive(Debug)]
pub struct GlobalLockTx<'a> {
    stm: &'a GlobalLock,
    undo: Vec<(&'a TWord, u64)>,
    held: bool,
}

impl<'a> Tx<'a> for GlobalLockTx<'a> {
    #[inline]
    fn read(&mut self, word: &'a TWord) -> Result<u64, Abort> {
        // Relaxed: every access happens under the lock, whose Acquire/Release order it with the
        // accesses of every other holder.
        Ok(primitive::load(word, Ordering::Relaxed))
    }

    #[inline]
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), Abort> {
        // Relaxed: as in `read`.
        self.undo
            .push((word, primitive::load(word, Ordering::Relaxed)));
        primitive::store(word, value, Ordering::Relaxed);
        Ok(())
    }
}

impl<'a> Attempt<'a> for GlobalLockTx<'a> {
    #[inline]
    fn begin(&mut self) {
        self.undo.clear();
        self.stm.lock();
        self.held = true;
    }

    #[inline]
    fn doomed(&self) -> Option<Verdict> {
        None
    }

    #[inline]
    fn commit(&mut self) -> Result<(), AbortCause> {
        self.held = false;
        self.stm.unlock();
        Ok(())
    }

    #[cold]
    fn rollback(&mut self) {
        // Newest first, so a word written twice gets its oldest value back. Relaxed: under the
        // lock, as in `read`.
        for &(word, old) in self.undo.iter().rev() {
            primitive::store(word, old, Ordering::Relaxed);
        }
        self.held = false;
        self.stm.unlock();
    }
}
