//! The barriers and commits allocate nothing in steady state: once a handle's logs have grown to
//! the largest transaction it runs, further transactions of any shape up to that size (reads,
//! read-after-write, writes, user aborts) make no heap allocation at all.
//!
//! A counting global allocator counts the allocations of the calling thread only (a thread-local
//! switch), so the test harness's own threads do not disturb the count.

#![cfg(not(loom))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use stm::{GlobalLock, Lsa, Norec, Sequential, Tl2};
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

/// Runs a mix of transaction shapes on `h`.
fn workload<'a, H: Handle<'a>>(h: &mut H, words: &'a [TWord], round: u64, undo: bool) {
    // Read-only, short and long.
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
    // Writes with read-after-write, up to 64 words (past the redo log's linear-search size).
    for n in [1, 16, 64] {
        h.atomically(|tx| {
            for w in &words[..n] {
                let v = tx.read(w)?;
                tx.write(w, v.wrapping_add(round))?;
                let again = tx.read(w)?;
                assert_eq!(again, v.wrapping_add(round));
            }
            Ok(())
        })
        .unwrap();
    }
    // A cancelled transaction (after writing, where the backend can undo).
    if undo {
        let r: Result<(), _> = h.atomically(|tx| {
            for w in &words[..32] {
                tx.write(w, 0)?;
            }
            Err(Abort::user(3))
        });
        assert!(r.is_err());
    }
}

fn steady_state_allocations<B: Backend>(backend: &B, undo: bool) -> u64 {
    let words: Vec<TWord> = (0..256).map(TWord::new).collect();
    let mut h = backend.handle();
    for round in 0..3 {
        workload(&mut h, &words, round, undo);
    }
    COUNT.with(|c| c.set(0));
    COUNTING.with(|on| on.set(true));
    for round in 3..200 {
        workload(&mut h, &words, round, undo);
    }
    COUNTING.with(|on| on.set(false));
    let _ = h.take_stats();
    COUNT.with(|c| c.get())
}

#[test]
fn barriers_do_not_allocate_in_steady_state() {
    assert_eq!(steady_state_allocations(&Tl2::new(), true), 0, "tl2");
    assert_eq!(steady_state_allocations(&Lsa::new(), true), 0, "lsa");
    assert_eq!(steady_state_allocations(&Norec::new(), true), 0, "norec");
    assert_eq!(
        steady_state_allocations(&GlobalLock::new(), true),
        0,
        "global lock"
    );
    assert_eq!(
        steady_state_allocations(&Sequential::new(), false),
        0,
        "sequential"
    );
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

/// One attributed transaction on `a` that reads `w` and sees `b` overwrite it before it can
/// commit: at least one conflict abort, whose word `a`'s conflict log records.
fn conflicted<'a, A: Handle<'a>, B: Handle<'a>>(
    a: &mut A,
    b: &mut B,
    w: &'a TWord,
    out: &'a TWord,
) {
    let mut attempts = 0u64;
    a.site("conflicted");
    a.atomically(|tx| {
        attempts += 1;
        let v = tx.read(w)?;
        if attempts <= 2 {
            b.atomically(|t| t.write(w, v.wrapping_add(1))).unwrap();
        }
        tx.write(out, v)
    })
    .unwrap();
}

fn conflict_recording_allocations<B: Backend>(backend: &B) -> u64 {
    // More distinct words than a conflict log holds, so the overflow path runs too.
    let words: Vec<TWord> = (0..3000).map(TWord::new).collect();
    let out = TWord::new(0);
    let mut a = tm::sites::Attributed::new(backend.handle());
    let mut b = backend.handle();
    for w in &words[..4] {
        conflicted(&mut a, &mut b, w, &out);
    }
    COUNT.with(|c| c.set(0));
    COUNTING.with(|on| on.set(true));
    for round in 0..3000 {
        conflicted(&mut a, &mut b, &words[round % words.len()], &out);
    }
    COUNTING.with(|on| on.set(false));
    let log = a.conflicts().expect("an STM has a conflict log");
    assert!(log.total() >= 3000, "every round aborts at least once");
    assert!(log.overflow() > 0, "the overflow path ran");
    COUNT.with(|c| c.get())
}

#[test]
fn recording_conflict_words_does_not_allocate() {
    assert_eq!(conflict_recording_allocations(&Tl2::new()), 0, "tl2");
    assert_eq!(conflict_recording_allocations(&Lsa::new()), 0, "lsa");
    assert_eq!(conflict_recording_allocations(&Norec::new()), 0, "norec");
}
