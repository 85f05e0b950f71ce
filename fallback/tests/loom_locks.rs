//! Model checking of the fallback locks with loom (every interleaving, bounded preemptions).
//!
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p tmlab-fallback --test loom_locks`
//!
//! Each lock protects a non-atomic counter (`loom::cell::UnsafeCell`, which reports any two
//! unsynchronized accesses as a data race): two threads increment it under the lock, so a mutual
//! exclusion or a happens-before failure (a too-weak ordering) makes loom fail. `is_locked` must be
//! true inside every critical section, which is what subscription relies on.
#![cfg(loom)]

use fallback::{RawLock, TicketLock, TtasLock};
use loom::cell::UnsafeCell;
use loom::sync::Arc;

struct Shared<L> {
    lock: L,
    value: UnsafeCell<u64>,
}

// SAFETY: `value` is only accessed under `lock` (which is what the test checks).
unsafe impl<L: RawLock> Sync for Shared<L> {}

fn increment<L: RawLock>(s: &Shared<L>, try_first: bool) {
    if !(try_first && s.lock.try_lock()) {
        s.lock.lock();
    }
    // SAFETY: we hold the lock.
    s.value.with_mut(|v| unsafe { *v += 1 });
    // Checked after the access: `is_locked` loads with Acquire and must not mask a missing Acquire
    // in the acquisition itself.
    assert!(
        s.lock.is_locked(),
        "is_locked is false inside a critical section"
    );
    // SAFETY: we took the lock above.
    unsafe { s.lock.unlock() };
}

fn mutual_exclusion<L: RawLock + 'static>() {
    let mut model = loom::model::Builder::new();
    // A waiter's loop is unbounded in principle; loom explores it as far as this many branches.
    model.max_branches = 100_000;
    model.check(|| {
        let s = Arc::new(Shared {
            lock: L::new(),
            value: UnsafeCell::new(0),
        });
        let other = {
            let s = s.clone();
            loom::thread::spawn(move || increment(&s, true))
        };
        increment(&s, false);
        other.join().unwrap();
        assert!(!s.lock.is_locked());
        // SAFETY: both threads have finished.
        assert_eq!(s.value.with(|v| unsafe { *v }), 2);
    });
}

#[test]
fn ttas_is_a_mutex() {
    mutual_exclusion::<TtasLock>();
}

#[test]
fn ticket_is_a_mutex() {
    mutual_exclusion::<TicketLock>();
}
