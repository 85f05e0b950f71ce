//! Forced fallback: each critical section writes more cache lines than any L1 data cache holds
//! (1024 lines of 64 bytes = 64 KiB, against 32 or 48 KiB), so no hardware attempt can commit and
//! every execution must end on the lock, and stay correct. Every policy at 2 and 4 threads, through
//! both `ElidedMutex` and the `tm::Backend` (`counters` with 1024 counters, 8 words apart).

mod common;

use common::{check_accounting, hardware_path};
use fallback::{ElidedMutex, ElisionBackend, RetryPolicy, TicketLock, TtasLock};

const LINES: usize = 1024;
const SECTIONS: u64 = 200;

#[derive(Clone, Copy, Debug, Default)]
#[repr(align(64))]
struct Line(u64);

fn mutex<P: RetryPolicy + Copy>(policy: P, threads: usize) {
    let rtm = common::rtm_usable();
    let what = format!("{} at {threads} threads", policy.label());
    let m: ElidedMutex<Vec<Line>, TtasLock, P> = ElidedMutex::new(vec![Line(0); LINES], policy);
    let stats: Vec<_> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut h = m.handle();
                    for _ in 0..SECTIONS {
                        h.with(|lines| lines.iter_mut().for_each(|l| l.0 += 1));
                    }
                    h.take_stats()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let expected = threads as u64 * SECTIONS;
    for s in &stats {
        check_accounting(s, SECTIONS, rtm, &what);
        assert_eq!(
            s.commits, 0,
            "{what}: a {LINES}-line write set committed in hardware"
        );
        assert_eq!(
            s.fallbacks, SECTIONS,
            "{what}: every execution ends on the lock"
        );
        if rtm {
            // Each policy attempts the first execution in hardware; all attempts aborted.
            assert!(s.attempts > 0, "{what}: no hardware attempt made");
        }
    }
    let lines = m.into_inner();
    assert!(
        lines.iter().all(|l| l.0 == expected),
        "{what}: counters wrong"
    );
}

fn backend<P: RetryPolicy + Copy>(policy: P, threads: usize) {
    let rtm = common::rtm_usable();
    let what = format!("{} at {threads} threads (backend)", policy.label());
    let b: ElisionBackend<TicketLock, P> = ElisionBackend::new(policy);
    let r = tm::conformance::counters(
        &b,
        tm::conformance::CounterConfig {
            threads,
            counters: LINES,
            stride: 8,
            stop: tm::conformance::Stop::Ops(SECTIONS),
        },
    );
    assert!(r.exact(), "{what}: counters wrong");
    assert!(r.expected >= threads as u64 * SECTIONS, "{what}");
    check_accounting(&r.stats, r.expected, rtm, &what);
    assert_eq!(
        r.stats.commits, 0,
        "{what}: a {LINES}-line write set committed"
    );
    if rtm {
        assert!(r.stats.attempts > 0, "{what}: no hardware attempt made");
        assert_eq!(
            r.stats.total_aborts(),
            r.stats.attempts,
            "{what}: every attempt aborted"
        );
    }
}

#[test]
fn every_policy_at_2_threads() {
    hardware_path("forced_fallback::every_policy_at_2_threads");
    for_each_policy!(mutex, 2);
    for_each_policy!(backend, 2);
}

#[test]
fn every_policy_at_4_threads() {
    hardware_path("forced_fallback::every_policy_at_4_threads");
    for_each_policy!(mutex, 4);
    for_each_policy!(backend, 4);
}
