//! `glibc`: glibc's adaptive lock elision for x86, as in `sysdeps/unix/sysv/linux/x86/elision-lock.c`.
//!
//! glibc elides `pthread_mutex_lock` with three tunables (`glibc.elision.tries`,
//! `glibc.elision.skip_lock_busy`, `glibc.elision.skip_lock_internal_abort`, each 3 by default,
//! read into `__elision_aconf` by `elision-conf.c`), and one counter per mutex, `adapt_count`
//! (the mutex's `__elision` field). `__lll_lock_elision` does, and this policy does the same:
//!
//! ```text
//! if adapt_count <= 0:
//!     for try_xbegin = tries; try_xbegin > 0; try_xbegin--:
//!         if (status = xbegin()) == STARTED:
//!             if lock is free: return            (run elided; subscription)
//!             xabort(0xff)                       (_ABORT_LOCK_BUSY)
//!         if !(status & RETRY):
//!             if EXPLICIT and code == 0xff: adapt_count = skip_lock_busy
//!             else:                         adapt_count = skip_lock_internal_abort
//!             break
//! else:
//!     adapt_count = adapt_count - 1              (skip elision this time; lost updates allowed)
//! take the lock
//! ```
//!
//! So `tries` bounds the `xbegin`s of one acquisition while every abort says RETRY; the first abort
//! without RETRY ends speculation and sets `adapt_count`, after which the next `adapt_count`
//! acquisitions of that lock (by any thread) skip elision. When `tries` attempts all aborted with
//! RETRY, glibc takes the lock without touching `adapt_count`. glibc accesses `adapt_count` with
//! relaxed loads and stores and no read-modify-write, because it is only a hint; a concurrent
//! decrement may be lost. This policy keeps exactly those semantics ([`AdaptCount`]). It writes
//! `adapt_count` only when the value changes, as glibc does, to avoid needless cache-line traffic.
//!
//! The one behaviour this crate adds around every policy is lemming avoidance: before a hardware
//! retry the driver waits (boundedly) for the lock to be free. It changes none of glibc's
//! decisions, only when a retry glibc decided on starts. glibc retries only on RETRY, and an
//! explicit abort never carries RETRY (Intel SDM vol. 1, table 16-1: bit 1 "is always clear if bit
//! 0 is set"), so a lock-busy abort always ends speculation and sets `adapt_count` to
//! `skip_lock_busy`; the waits only ever precede retries after conflicts and other RETRY aborts.

use crate::policy::{Decision, RetryPolicy};
use crate::speculator::LOCK_BUSY;
use core::sync::atomic::{AtomicI32, Ordering};
use htm::AbortStatus;

/// glibc's adaptive elision with its three tunables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Glibc {
    tries: u32,
    skip_lock_busy: u32,
    skip_lock_internal_abort: u32,
}

impl Default for Glibc {
    /// glibc's defaults: 3, 3 and 3.
    fn default() -> Self {
        Glibc {
            tries: 3,
            skip_lock_busy: 3,
            skip_lock_internal_abort: 3,
        }
    }
}

impl Glibc {
    /// The policy with the given tunables (`glibc.elision.tries`, `.skip_lock_busy`,
    /// `.skip_lock_internal_abort`).
    pub const fn new(tries: u32, skip_lock_busy: u32, skip_lock_internal_abort: u32) -> Self {
        Glibc {
            tries,
            skip_lock_busy,
            skip_lock_internal_abort,
        }
    }

    /// `xbegin` attempts per acquisition while aborts set RETRY.
    pub const fn tries(&self) -> u32 {
        self.tries
    }

    /// Acquisitions that skip elision after a lock-busy abort.
    pub const fn skip_lock_busy(&self) -> u32 {
        self.skip_lock_busy
    }

    /// Acquisitions that skip elision after any other abort without RETRY.
    pub const fn skip_lock_internal_abort(&self) -> u32 {
        self.skip_lock_internal_abort
    }

    pub(crate) fn set(&mut self, key: &str, value: u32) -> Result<(), String> {
        // glibc stores the skip counts in a `short` adapt_count and `tries` in an int.
        let limit = if key == "tries" {
            i32::MAX as u32
        } else {
            i16::MAX as u32
        };
        if value > limit {
            return Err(format!("`{key}` must be at most {limit}"));
        }
        match key {
            "tries" => self.tries = value,
            "skip_lock_busy" => self.skip_lock_busy = value,
            "skip_lock_internal_abort" => self.skip_lock_internal_abort = value,
            other => {
                return Err(format!(
                    "unknown parameter `{other}` (expected tries, skip_lock_busy, \
                     skip_lock_internal_abort)"
                ));
            }
        }
        Ok(())
    }
}

/// glibc's per-lock `adapt_count`: how many more acquisitions skip elision.
#[derive(Debug, Default)]
pub struct AdaptCount(AtomicI32);

impl AdaptCount {
    /// The current value (a hint; see the module documentation).
    pub fn get(&self) -> i32 {
        // Relaxed: as in glibc, the counter is a hint that orders nothing.
        self.0.load(Ordering::Relaxed)
    }

    /// Sets the value if it differs (glibc avoids the store when it would not change the line).
    fn set_if_different(&self, value: i32) {
        // Relaxed load and store: glibc's `atomic_load_relaxed`/`atomic_store_relaxed`.
        if self.0.load(Ordering::Relaxed) != value {
            self.0.store(value, Ordering::Relaxed);
        }
    }
}

impl RetryPolicy for Glibc {
    type LockState = AdaptCount;
    type ThreadState = ();

    fn name(&self) -> &'static str {
        "glibc"
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("tries", self.tries.to_string()),
            ("skip_lock_busy", self.skip_lock_busy.to_string()),
            (
                "skip_lock_internal_abort",
                self.skip_lock_internal_abort.to_string(),
            ),
        ]
    }

    fn thread_state(&self, _seed: u64) {}

    #[inline]
    fn begin(&self, adapt: &AdaptCount, _thread: &mut ()) -> bool {
        // Relaxed: see `AdaptCount`.
        let count = adapt.0.load(Ordering::Relaxed);
        if count <= 0 {
            self.tries > 0
        } else {
            // glibc: `atomic_store_relaxed (adapt_count, atomic_load_relaxed (adapt_count) - 1)`,
            // a load and a store, not a read-modify-write: concurrent decrements may be lost.
            adapt.0.store(count - 1, Ordering::Relaxed);
            false
        }
    }

    #[inline]
    fn on_abort(
        &self,
        adapt: &AdaptCount,
        _thread: &mut (),
        status: AbortStatus,
        attempt: u32,
    ) -> Decision {
        if status.may_retry() {
            return if attempt < self.tries {
                Decision::Retry
            } else {
                Decision::Lock
            };
        }
        // `set` caps both at i16::MAX, so the casts are exact.
        if status.code() == Some(LOCK_BUSY) {
            adapt.set_if_different(self.skip_lock_busy as i32);
        } else {
            adapt.set_if_different(self.skip_lock_internal_abort as i32);
        }
        Decision::Lock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RETRY_CONFLICT: AbortStatus = AbortStatus::from_raw(0b110);
    const CAPACITY: AbortStatus = AbortStatus::from_raw(0b1000);
    const LOCK_BUSY_ABORT: AbortStatus = AbortStatus::from_raw(0xff00_0001);

    #[test]
    fn retries_while_retry_is_set_up_to_tries() {
        let p = Glibc::default();
        let a = AdaptCount::default();
        assert!(p.begin(&a, &mut ()));
        assert_eq!(p.on_abort(&a, &mut (), RETRY_CONFLICT, 1), Decision::Retry);
        assert_eq!(p.on_abort(&a, &mut (), RETRY_CONFLICT, 2), Decision::Retry);
        assert_eq!(p.on_abort(&a, &mut (), RETRY_CONFLICT, 3), Decision::Lock);
        assert_eq!(a.get(), 0, "exhausting tries leaves adapt_count alone");
    }

    #[test]
    fn lock_busy_skips_the_next_skip_lock_busy_acquisitions() {
        let p = Glibc::new(3, 2, 5);
        let a = AdaptCount::default();
        assert!(p.begin(&a, &mut ()));
        assert_eq!(p.on_abort(&a, &mut (), LOCK_BUSY_ABORT, 1), Decision::Lock);
        assert_eq!(a.get(), 2);
        assert!(!p.begin(&a, &mut ()));
        assert!(!p.begin(&a, &mut ()));
        assert_eq!(a.get(), 0);
        assert!(
            p.begin(&a, &mut ()),
            "elision resumes once adapt_count is spent"
        );
    }

    #[test]
    fn internal_abort_sets_skip_lock_internal_abort() {
        let p = Glibc::new(3, 2, 5);
        let a = AdaptCount::default();
        assert_eq!(p.on_abort(&a, &mut (), CAPACITY, 1), Decision::Lock);
        assert_eq!(a.get(), 5);
        assert_eq!(
            p.on_abort(&a, &mut (), AbortStatus::from_raw(0), 1),
            Decision::Lock
        );
        assert_eq!(a.get(), 5);
        for _ in 0..5 {
            assert!(!p.begin(&a, &mut ()));
        }
        assert!(p.begin(&a, &mut ()));
    }

    #[test]
    fn zero_tries_never_speculates() {
        assert!(!Glibc::new(0, 3, 3).begin(&AdaptCount::default(), &mut ()));
    }
}
