//! `tm::conformance` on the elision backend: every policy, both locks, at 2 and 4 threads.
//!
//! - `counters`: every transaction increments the same 4 words (one per cache line); the final
//!   values are exact, so no two executions (hardware or lock) overlapped.
//! - `bank`: transfers with user-aborted overdrafts and read-only audits; totals stay exact and no
//!   execution ever read an inconsistent total.
//! - `user_abort_rolls_back`: a cancelled transaction leaves no trace, on either path.

mod common;

use common::{check_accounting, hardware_path};
use fallback::{ElisionBackend, RawLock, RetryPolicy, TicketLock, TtasLock};
use tm::Backend;
use tm::conformance::{BankConfig, Stop, bank, counters, user_abort_rolls_back};

const INCREMENTS: u64 = 5_000;
const BANK_OPS: u64 = 5_000;

fn conformance<L: RawLock, P: RetryPolicy + Copy>(policy: P, threads: usize) {
    let rtm = common::rtm_usable();
    let b: ElisionBackend<L, P> = ElisionBackend::new(policy);
    let what = format!("{} on {} at {threads} threads", policy.label(), L::NAME);
    assert_eq!(b.unusable().is_none(), rtm);

    let r = counters(&b, threads, INCREMENTS, 4, 8);
    assert!(
        r.exact(),
        "{what}: counters {:?}, expected {}",
        r.values,
        r.expected
    );
    check_accounting(&r.stats, threads as u64 * INCREMENTS, rtm, &what);

    let r = bank(
        &b,
        BankConfig {
            accounts: 64,
            threads,
            stop: Stop::Ops(BANK_OPS),
            ..BankConfig::default()
        },
    );
    assert!(r.invariant_ok(), "{what}: bank {r:?}");
    assert!(
        r.transfers > 0 && r.audits > 0,
        "{what}: bank did no work: {r:?}"
    );
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
