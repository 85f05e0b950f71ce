//! `tm::conformance` on the elision backend: every policy, both locks, at 2 and 4 threads.
//!
//! Every multi-threaded run starts its threads together and ends only once every thread has done
//! its share, and lasts at least [`FLOOR`], so the threads overlap (`tm::conformance::Stop`).
//!
//! - `counters`: every transaction increments the same 4 words (one per cache line); the final
//!   values are exact, so no two executions (hardware or lock) overlapped. Without RTM nothing may
//!   abort (the lock path never does); with RTM, threads incrementing the same lines must have
//!   conflicted: at least one hardware abort, each under a hardware cause, in at most
//!   [`common::ROUNDS`] runs.
//! - `bank`: transfers with user-aborted overdrafts and read-only audits; totals stay exact and no
//!   execution ever read an inconsistent total.
//! - `user_abort_rolls_back`: a cancelled transaction leaves no trace, on either path.

mod common;

use common::{check_accounting, hardware_path};
use fallback::{ElisionBackend, RawLock, RetryPolicy, TicketLock, TtasLock};
use std::time::Duration;
use tm::conformance::{
    BankConfig, CounterConfig, Stop, bank, conflicts_detected, counters, user_abort_rolls_back,
};
use tm::{AbortCause, Backend, Handle, Tx};

const INCREMENTS: u64 = 5_000;
const BANK_OPS: u64 = 5_000;
/// The shortest multi-threaded run.
const FLOOR: Duration = Duration::from_millis(50);

/// The causes hardware aborts are counted under.
const HARDWARE: [AbortCause; 8] = [
    AbortCause::Conflict,
    AbortCause::Capacity,
    AbortCause::Explicit,
    AbortCause::LockBusy,
    AbortCause::RetryOnly,
    AbortCause::Nested,
    AbortCause::Debug,
    AbortCause::Status0,
];

fn conformance<L: RawLock, P: RetryPolicy + Copy>(policy: P, threads: usize) {
    let rtm = common::rtm_usable();
    let b: ElisionBackend<L, P> = ElisionBackend::new(policy);
    let what = format!("{} on {} at {threads} threads", policy.label(), L::NAME);
    assert_eq!(b.unusable().is_none(), rtm);

    let run_counters = || {
        let r = counters(
            &b,
            CounterConfig {
                threads,
                counters: 4,
                stride: 8,
                stop: Stop::AtLeast {
                    ops: INCREMENTS,
                    time: FLOOR,
                },
            },
        );
        assert!(
            r.exact(),
            "{what}: counters {:?}, expected {}",
            r.values,
            r.expected
        );
        assert!(r.expected >= threads as u64 * INCREMENTS, "{what}");
        check_accounting(&r.stats, r.expected, rtm, &what);
        r.stats
    };
    let mut stats = run_counters();
    if rtm {
        // Threads incrementing the same lines in hardware must conflict.
        for round in 1..=common::ROUNDS {
            match conflicts_detected(&stats, 1, &HARDWARE) {
                Ok(_) => break,
                Err(e) if round == common::ROUNDS => panic!("{what}: {e}"),
                Err(_) => stats = run_counters(),
            }
        }
    } else {
        assert_eq!(
            stats.total_aborts(),
            0,
            "{what}: the lock path never aborts"
        );
    }

    let r = bank(
        &b,
        BankConfig {
            accounts: 64,
            threads,
            stop: Stop::AtLeast {
                ops: BANK_OPS,
                time: FLOOR,
            },
            ..BankConfig::default()
        },
    );
    assert!(r.invariant_ok(), "{what}: bank {r:?}");
    assert!(
        r.transfers > 0 && r.audits > 0,
        "{what}: bank did no work: {r:?}"
    );
    assert!(r.operations >= threads as u64 * BANK_OPS, "{what}");
    if !rtm {
        assert_eq!(
            r.stats.total_aborts(),
            0,
            "{what}: the lock path never aborts (cancels are user aborts, not aborts)"
        );
    }
    check_accounting(&r.stats, r.transfers + r.audits, rtm, &what);
    assert_eq!(
        r.stats.user_aborts, r.cancelled,
        "{what}: each cancel is one user abort"
    );

    user_abort_rolls_back(&b).unwrap_or_else(|e| panic!("{what}: {e}"));
}

fn both_locks<P: RetryPolicy + Copy>(policy: P, threads: usize) {
    conformance::<TtasLock, P>(policy, threads);
    conformance::<TicketLock, P>(policy, threads);
}

#[test]
fn every_policy_at_2_threads() {
    hardware_path("conformance::every_policy_at_2_threads");
    for_each_policy!(both_locks, 2);
}

#[test]
fn every_policy_at_4_threads() {
    hardware_path("conformance::every_policy_at_4_threads");
    for_each_policy!(both_locks, 4);
}

#[test]
fn info_records_the_policy_and_rtm_state() {
    let rtm = hardware_path("conformance::info_records_the_policy_and_rtm_state");
    for (label, info) in common::labels().iter().zip([
        ElisionBackend::<TtasLock, _>::new(fallback::Fixed::new(3)).info(),
        ElisionBackend::<TtasLock, _>::new(fallback::Glibc::default()).info(),
        ElisionBackend::<TtasLock, _>::new(fallback::CauseAware::default()).info(),
    ]) {
        assert!(info.params.contains(&("policy".to_string(), label.clone())));
        assert!(
            info.params
                .contains(&("rtm_usable".to_string(), rtm.to_string()))
        );
    }
}

/// Explicit user aborts, one thread, every policy: a transaction that writes and then cancels
/// leaves nothing behind, is not retried, and is counted once in `user_aborts`. On RTM hardware
/// the cancel happens inside the hardware attempt (an `xabort` with the user's code, counted as
/// `explicit` with that code); without RTM it happens under the lock, with the undo log.
fn user_aborts<P: RetryPolicy + Copy>(policy: P) {
    let rtm = common::rtm_usable();
    let what = policy.label();
    let b: ElisionBackend<TtasLock, P> = ElisionBackend::new(policy);
    let words: Vec<tm::TWord> = (0..8).map(tm::TWord::new).collect();
    let mut h = b.handle();
    const CANCELS: u64 = 200;
    for _ in 0..CANCELS {
        let out: Result<(), _> = h.atomically(|tx| {
            for w in &words {
                let v = tx.read(w)?;
                tx.write(w, v + 100)?;
            }
            Err(tm::Abort::user(0x42))
        });
        assert_eq!(out, Err(tm::UserAbort { code: 0x42 }), "{what}");
    }
    for (i, w) in words.iter().enumerate() {
        assert_eq!(w.load(), i as u64, "{what}: a cancelled write survived");
    }
    let s = h.take_stats();
    assert!(s.is_consistent(), "{what}: {s:?}");
    assert_eq!(s.user_aborts, CANCELS, "{what}");
    assert_eq!(
        s.completed(),
        0,
        "{what}: a cancelled execution is neither commit nor fallback"
    );
    assert_eq!(
        s.aborts_of(tm::AbortCause::Explicit),
        s.explicit_codes[0x42],
        "{what}"
    );
    if rtm {
        // Cancels reached inside hardware attempts (the rest ran out of attempts on other aborts).
        assert!(
            s.explicit_codes[0x42] > 0,
            "{what}: no cancel happened in hardware"
        );
    } else {
        assert_eq!(s.attempts, 0, "{what}");
    }
}

#[test]
fn explicit_user_aborts_every_policy() {
    hardware_path("conformance::explicit_user_aborts_every_policy");
    for_each_policy!(user_aborts);
}

/// Small sections commit in hardware when RTM works (single thread: no conflicts, no capacity).
#[test]
fn small_sections_commit_in_hardware() {
    let rtm = hardware_path("conformance::small_sections_commit_in_hardware");
    let b: ElisionBackend<TtasLock, _> = ElisionBackend::new(fallback::CauseAware::default());
    let r = counters(
        &b,
        CounterConfig {
            threads: 1,
            counters: 1,
            stride: 8,
            stop: Stop::Ops(2_000),
        },
    );
    assert!(r.exact());
    assert_eq!(r.expected, 2_000, "one thread runs exactly its share");
    check_accounting(&r.stats, r.expected, rtm, "small sections");
    if rtm {
        assert!(
            r.stats.commits > 0,
            "no small section committed in hardware: {:?}",
            r.stats
        );
    }
}
