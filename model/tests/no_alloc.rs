//! The model allocates nothing in steady state: once a thread's logs have grown to its largest
//! transaction, further transactions of any shape up to that size (reads, read-after-write,
//! writes, reads spilling into the secondary structure, explicit aborts, capacity aborts,
//! conflicts, non-transactional accesses) make no heap allocation, through the raw API and
//! through the retry-only `tm::Backend`.
//!
//! A counting global allocator counts the allocations of the calling thread only (a
//! thread-local switch), so the test harness's own threads do not disturb the count.

#![cfg(not(loom))]

mod common;

use common::{Line, lines, quiet};
use model::testing::RetryBackend;
use model::{Model, Preset};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use tm::{Abort, Backend, Handle, TWord, Tx};

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
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
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

/// Counts the allocations of `round(i)` for rounds 3..100, after three warm-up rounds.
fn steady(mut round: impl FnMut(u64)) -> u64 {
    for i in 0..3 {
        round(i);
    }
    COUNT.with(|c| c.set(0));
    COUNTING.with(|on| on.set(true));
    for i in 3..100 {
        round(i);
    }
    COUNTING.with(|on| on.set(false));
    COUNT.with(|c| c.get())
}

#[test]
fn the_raw_model_does_not_allocate_in_steady_state() {
    let model = Model::new(quiet(Preset::Haswell)).unwrap();
    let buf: Vec<Line> = lines(64 * 20);
    let mut t = model.thread();
    let mut other = model.thread();
    let allocations = steady(|i| {
        // Reads of 20 lines of one set: 8 in L1, 12 in the secondary structure.
        t.speculate(|t| {
            for l in buf.iter().step_by(64) {
                t.read(&l.0[0])?;
            }
            Ok(())
        })
        .unwrap();
        // Writes with read-after-write over 100 lines.
        t.speculate(|t| {
            for l in &buf[..100] {
                let v = t.read(&l.0[1])?;
                t.write(&l.0[1], v + i)?;
                t.write(&l.0[2], v)?;
            }
            Ok(())
        })
        .unwrap();
        // An explicit abort, a capacity abort, a conflict.
        let _ = t.speculate(|t| -> Result<(), _> {
            t.write(&buf[0].0[0], 1)?;
            Err(t.abort(1))
        });
        let _ = t.speculate(|t| {
            for l in buf.iter().step_by(64).take(9) {
                t.write(&l.0[0], 1)?;
            }
            Ok(())
        });
        t.begin().unwrap();
        t.read(&buf[5].0[0]).unwrap();
        other.speculate(|o| o.write(&buf[5].0[0], i)).unwrap();
        assert!(t.commit().is_err());
        // Non-transactional accesses.
        model.nontx_store(&buf[7].0[0], i);
        assert_eq!(model.nontx_load(&buf[7].0[0]), i);
    });
    assert_eq!(allocations, 0);
}

#[test]
fn the_retry_backend_does_not_allocate_in_steady_state() {
    let backend = RetryBackend::new(quiet(Preset::IceLake)).unwrap();
    let words: Vec<TWord> = (0..256).map(TWord::new).collect();
    let mut h = backend.handle();
    let allocations = steady(|round| {
        for n in [1, 16, 256] {
            let sum = h
                .atomically(|tx| {
                    let mut s = 0u64;
                    for w in &words[..n] {
                        s = s.wrapping_add(tx.read(w)?);
                    }
                    Ok(s)
                })
                .unwrap();
            std::hint::black_box(sum);
        }
        for n in [1, 16, 64] {
            h.atomically(|tx| {
                for w in &words[..n] {
                    let v = tx.read(w)?;
                    tx.write(w, v.wrapping_add(round))?;
                }
                Ok(())
            })
            .unwrap();
        }
        let r: Result<(), _> = h.atomically(|tx| {
            tx.write(&words[0], 0)?;
            Err(Abort::user(3))
        });
        assert!(r.is_err());
    });
    let _ = h.take_stats();
    assert_eq!(allocations, 0);
}

#[test]
fn the_counter_counts() {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|on| on.set(true));
    let v: Vec<u64> = std::hint::black_box(Vec::with_capacity(4));
    COUNTING.with(|on| on.set(false));
    drop(v);
    assert_eq!(COUNT.with(|c| c.get()), 1);
}
