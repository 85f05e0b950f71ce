//! An integer set's operations allocate nothing in steady state: once the backend's logs have
//! grown to the largest transaction a thread runs, further lookups, inserts and removes — node
//! allocation from the pool and the free lists included — make no heap allocation at all.
//!
//! A counting global allocator counts the allocations of the calling thread only (a thread-local
//! switch), so the test harness's own threads do not disturb the count. One thread with a fixed
//! seed runs the same operations every time, so the warm-up covers the largest transaction
//! deterministically.

use fallback::{ElisionBackend, Glibc, TtasLock};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use stm::{GlobalLock, Norec, Sequential, Tl2};
use tm::Backend;
use workloads::Workload;
use workloads::intset::{
    HashTable, Intset, IntsetConfig, IntsetKind, LinkedList, RbTree, SkipList, Structure,
};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: defers every operation to `System`, only counting calls on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller upholds `alloc`'s contract, which we pass on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn note() {
    // `try_with`: the thread-locals may be gone while a thread is being torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Counts the allocations of `f` on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    COUNT.with(|c| c.get())
}

/// Allocations of the first operations of a fresh thread and of the operations after a warm-up,
/// on a set of kind `S` with 50 % updates.
fn cold_and_steady<S: Structure, B: Backend>(backend: &B, kind: IntsetKind) -> (u64, u64) {
    let config = IntsetConfig {
        kind,
        initial: 256,
        range: 512,
        update_pct: 50,
        buckets: 64,
        seed: 2,
    };
    let set = Intset::<S>::new(&config, 1).unwrap();
    let mut h = backend.handle();
    let mut t = set.thread(0, 9);
    let cold = allocations(|| {
        for _ in 0..100 {
            set.op(&mut h, &mut t);
        }
    });
    for _ in 0..3_000 {
        set.op(&mut h, &mut t);
    }
    let steady = allocations(|| {
        for _ in 0..3_000 {
            set.op(&mut h, &mut t);
        }
    });
    drop(h);
    assert_eq!(set.check(&[t]), Ok(()), "{}", kind.name());
    (cold, steady)
}

fn steady_state_allocations<B: Backend>(what: &str, backend: impl Fn() -> B) {
    let runs = [
        cold_and_steady::<LinkedList, B>(&backend(), IntsetKind::LinkedList),
        cold_and_steady::<SkipList, B>(&backend(), IntsetKind::SkipList),
        cold_and_steady::<RbTree, B>(&backend(), IntsetKind::RbTree),
        cold_and_steady::<HashTable, B>(&backend(), IntsetKind::HashSet),
    ];
    for (kind, (_, steady)) in IntsetKind::ALL.iter().zip(runs) {
        assert_eq!(steady, 0, "{} on {what}", kind.name());
    }
}

#[test]
fn intset_operations_do_not_allocate_in_steady_state() {
    steady_state_allocations("tl2", Tl2::new);
    steady_state_allocations("norec", Norec::new);
    steady_state_allocations("lock", GlobalLock::new);
    steady_state_allocations("seq", Sequential::new);
    steady_state_allocations("htm:glibc", || {
        ElisionBackend::<TtasLock, _>::new(Glibc::default())
    });
}

#[test]
fn the_counter_counts_a_cold_handle_growing_its_logs() {
    // A fresh TL2 handle grows its read and write logs during the first list operations: the
    // count is not zero merely because nothing is counted.
    let (cold, steady) = cold_and_steady::<LinkedList, _>(&Tl2::new(), IntsetKind::LinkedList);
    assert!(
        cold > 0,
        "a cold handle's first transactions allocated nothing?"
    );
    assert_eq!(steady, 0);
}
