//! Every workload on every backend at 1, 2 and 4 threads passes its check, and the checks fail on
//! backends broken on purpose (the conformance kit's stand-ins), so a pass means something.

use fallback::{CauseAware, ElisionBackend, Fixed, Glibc, TicketLock, TtasLock};
use stm::{GlobalLock, Lsa, Norec, Sequential, Tl2};
use tm::Backend;
use tm::standin::StandIn;
use workloads::array::{Array, ArrayConfig};
use workloads::bank::{Bank, BankConfig};
use workloads::counter::{Counter, CounterConfig};
use workloads::false_sharing::{FalseSharing, FalseSharingConfig};
use workloads::gil::{Gil, GilConfig};
use workloads::runner::{self, Measure, Outcome, Pin, Plan};
use workloads::slots::Layout;
use workloads::{Hot, Workload};

const OPS: u64 = 3_000;

fn plan(threads: usize, seed: u64) -> Plan {
    Plan {
        threads,
        warmup: std::time::Duration::ZERO,
        measure: Measure::Ops(OPS),
        pin: Pin::Cores(runner::available_cores()),
        seed,
    }
}

/// Runs `w` with `threads` threads on `backend` and returns the outcome.
fn measure<B: Backend, W: Workload>(backend: &B, w: &W, threads: usize) -> Outcome {
    runner::run(backend, w, &plan(threads, 7)).expect("the point runs")
}

/// Builds every workload for `threads` threads and hands each to `check` with its name.
macro_rules! for_each_workload {
    ($threads:expr, |$name:ident, $w:ident| $body:block) => {{
        let threads: usize = $threads;
        {
            let $name = "array";
            let $w = Array::new(&ArrayConfig {
                words: 256,
                reads: 4,
                writes: 4,
                layout: Layout::Lines,
                hot: Some(Hot {
                    count: 8,
                    share: 0.5,
                }),
            })
            .unwrap();
            $body
        }
        {
            let $name = "array-packed";
            let $w = Array::new(&ArrayConfig {
                words: 64,
                reads: 2,
                writes: 6,
                layout: Layout::Packed,
                hot: None,
            })
            .unwrap();
            $body
        }
        {
            let $name = "bank";
            let $w = Bank::new(&BankConfig {
                accounts: 16,
                audit_every: 8,
                hot: Some(Hot {
                    count: 2,
                    share: 0.5,
                }),
            })
            .unwrap();
            $body
        }
        {
            let $name = "counter";
            let $w = Counter::new(&CounterConfig {
                counters: 2,
                layout: Layout::Packed,
            })
            .unwrap();
            $body
        }
        {
            let $name = "false-sharing";
            let $w = FalseSharing::new(
                &FalseSharingConfig {
                    layout: Layout::Packed,
                },
                threads,
            )
            .unwrap();
            $body
        }
        {
            let $name = "gil";
            let $w = Gil::new(
                &GilConfig {
                    chunk: 8,
                    shared_p: 0.3,
                    shared_words: 4,
                    ..GilConfig::default()
                },
                threads,
            )
            .unwrap();
            $body
        }
    }};
}

/// Every workload on `backend` at each thread count passes its check, and the accounting holds.
fn passes_everything<B: Backend>(what: &str, backend: impl Fn() -> B, thread_counts: &[usize]) {
    for &threads in thread_counts {
        for_each_workload!(threads, |name, w| {
            let b = backend();
            let o = measure(&b, &w, threads);
            assert_eq!(o.check, Ok(()), "{name} on {what} at {threads} threads");
            assert!(o.total.is_consistent(), "{name} on {what}: {:?}", o.total);
            assert_eq!(o.ops, OPS * threads as u64, "{name} on {what}");
            assert_eq!(o.threads.len(), threads);
            for t in &o.threads {
                assert!(t.stats.is_consistent());
                assert_eq!(t.ops, OPS);
            }
        });
    }
}

#[test]
fn every_workload_passes_on_every_stm_and_lock() {
    passes_everything("seq", Sequential::new, &[1]);
    passes_everything("lock", GlobalLock::new, &[1, 2, 4]);
    passes_everything("tl2", Tl2::new, &[1, 2, 4]);
    passes_everything("norec", Norec::new, &[1, 2, 4]);
    passes_everything("lsa", Lsa::new, &[1, 2, 4]);
}

#[test]
fn every_workload_passes_on_every_elision_policy() {
    // Where RTM is unusable these run every section on the fallback lock; where it is usable the
    // hardware path is exercised too.
    if let Err(reason) = htm::Rtm::detect() {
        htm::skipped(
            "hardware path of every_workload_passes_on_every_elision_policy (checked the lock path)",
            reason,
        );
    }
    passes_everything(
        "htm:glibc",
        || ElisionBackend::<TtasLock, _>::new(Glibc::default()),
        &[1, 2, 4],
    );
    passes_everything(
        "htm:fixed:3+ticket",
        || ElisionBackend::<TicketLock, _>::new(Fixed::new(3)),
        &[1, 2, 4],
    );
    passes_everything(
        "htm:cause-aware",
        || ElisionBackend::<TtasLock, _>::new(CauseAware::default()),
        &[1, 2, 4],
    );
}

#[test]
fn a_correct_stand_in_passes_and_a_lossy_one_fails_every_check() {
    passes_everything("stand-in", StandIn::correct, &[1, 2]);
    for_each_workload!(2, |name, w| {
        let o = measure(&StandIn::lossy(), &w, 2);
        let e = o.check.expect_err(name);
        assert!(!e.is_empty(), "{name}");
    });
}

#[test]
fn an_unsynchronized_backend_fails_every_check_with_sharing() {
    // Races are probabilistic; the stand-in yields inside every read, so lost updates show up in
    // the first round in practice, and several rounds make a miss astronomically unlikely.
    for_each_workload!(4, |name, w| {
        // false-sharing: no two threads share a word, so it is correct even without synchronization.
        if name != "false-sharing" {
            let caught = (0..5).any(|round| {
                let o = runner::run(&StandIn::unsynchronized(), &w, &plan(4, round)).unwrap();
                o.check.is_err()
            });
            assert!(caught, "{name}: no violation found without synchronization");
        }
    });
}

#[test]
fn the_sequential_baseline_refuses_a_second_thread() {
    let w = Counter::new(&CounterConfig::default()).unwrap();
    let e = runner::run(&Sequential::new(), &w, &plan(2, 1)).unwrap_err();
    assert!(e.to_string().contains("at most 1 thread"), "{e}");
}
