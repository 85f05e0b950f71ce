//! `ElidedMutex`: mutual exclusion with elided sections and real lock holders mixed.
//!
//! Writers move a two-word invariant (`a == b`, each word on its own cache line) forward, alternating
//! elided sections (`with`) and sections that take the same lock for real (`with_lock`); readers
//! check the invariant inside elided sections. No reader may ever see it broken, and the final
//! values must equal the number of writer sections exactly. Every policy, both locks, 2 and 4
//! threads.

mod common;

use common::{check_accounting, hardware_path};
use fallback::{ElidedMutex, RawLock, RetryPolicy, TicketLock, TtasLock};
use std::sync::atomic::{AtomicU64, Ordering};

/// One word on its own cache line.
#[derive(Clone, Copy, Debug, Default)]
#[repr(align(64))]
struct Line(u64);

#[derive(Debug, Default)]
struct Pair {
    a: Line,
    b: Line,
}

const SECTIONS: u64 = 4_000;

fn invariant<L: RawLock, P: RetryPolicy + Copy>(policy: P, threads: usize) {
    let rtm = common::rtm_usable();
    let what = format!("{} on {} at {threads} threads", policy.label(), L::NAME);
    let m: ElidedMutex<Pair, L, P> = ElidedMutex::new(Pair::default(), policy);
    let broken = AtomicU64::new(0);
    let writes = AtomicU64::new(0);
    std::thread::scope(|s| {
        for t in 0..threads {
            let (m, broken, writes, what) = (&m, &broken, &writes, &what);
            s.spawn(move || {
                let mut h = m.handle();
                let mut my_writes = 0;
                for i in 0..SECTIONS {
                    // Thread 0 only reads; the others write, a quarter of the time on the real lock.
                    if t == 0 || i % 3 == 0 {
                        if !h.with(|p| p.a.0 == p.b.0) {
                            // Relaxed: a counter read after the join.
                            broken.fetch_add(1, Ordering::Relaxed);
                        }
                    } else if i % 4 == 0 {
                        h.with_lock(|p| {
                            p.a.0 += 1;
                            p.b.0 += 1;
                        });
                        my_writes += 1;
                    } else {
                        h.with(|p| {
                            p.a.0 += 1;
                            // The invariant is broken between these two writes, in every path.
                            p.b.0 += 1;
                        });
                        my_writes += 1;
                    }
                }
                // Relaxed: read after the join.
                writes.fetch_add(my_writes, Ordering::Relaxed);
                check_accounting(&h.take_stats(), SECTIONS, rtm, what);
            });
        }
    });
    let pair = m.into_inner();
    assert_eq!(
        broken.load(Ordering::Relaxed),
        0,
        "{what}: a reader saw a != b"
    );
    let expected = writes.load(Ordering::Relaxed);
    assert!(expected > 0);
    assert_eq!(
        (pair.a.0, pair.b.0),
        (expected, expected),
        "{what}: lost updates"
    );
}

fn both_locks<P: RetryPolicy + Copy>(policy: P, threads: usize) {
    invariant::<TtasLock, P>(policy, threads);
    invariant::<TicketLock, P>(policy, threads);
}

#[test]
fn two_word_invariant_every_policy_at_2_threads() {
    hardware_path("elided_mutex::two_word_invariant_every_policy_at_2_threads");
    for_each_policy!(both_locks, 2);
}

#[test]
fn two_word_invariant_every_policy_at_4_threads() {
    hardware_path("elided_mutex::two_word_invariant_every_policy_at_4_threads");
    for_each_policy!(both_locks, 4);
}

#[test]
fn convenience_with_and_real_lock_agree() {
    hardware_path("elided_mutex::convenience_with_and_real_lock_agree");
    let m: ElidedMutex<Vec<u64>> = ElidedMutex::new(vec![0; 8], fallback::Glibc::default());
    for i in 0..8 {
        m.with(|v| v[i] += i as u64);
    }
    let mut h = m.handle();
    h.with_lock(|v| v.iter_mut().for_each(|x| *x *= 2));
    assert_eq!(
        h.stats().fallbacks,
        1,
        "a real-lock section is one fallback"
    );
    assert_eq!(
        m.with(|v| v.clone()),
        (0..8).map(|i| 2 * i).collect::<Vec<u64>>()
    );
}
