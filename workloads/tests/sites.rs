//! Per-site attribution: the sites are told apart, and their records sum exactly to the totals.

use tm::{AbortCause, Accounting, ThreadStats};
use workloads::array::{Array, ArrayConfig};
use workloads::bank::{Bank, BankConfig};
use workloads::runner::{self, Measure, Outcome, Plan};
use workloads::{Hot, Workload};

fn plan(threads: usize, attribute: bool, accounting: Accounting) -> Plan {
    Plan {
        threads,
        measure: Measure::Ops(2_000),
        attribute,
        accounting,
        ..Plan::default()
    }
}

/// The sum of the per-site records equals the point's totals, field by field.
fn assert_sites_sum_to_total(o: &Outcome) {
    let mut sum = ThreadStats::default();
    for (_, s) in &o.sites {
        sum.merge(s);
    }
    assert_eq!(sum, o.total, "per-site records do not sum to the totals");
    for t in &o.threads {
        let mut sum = ThreadStats::default();
        for s in &t.sites {
            sum.merge(&s.stats);
        }
        assert_eq!(
            sum, t.stats,
            "a thread's per-site records do not sum to its totals"
        );
    }
}

fn run_on<B: tm::Backend, W: Workload>(b: &B, w: &W, p: &Plan) -> Outcome {
    let o = runner::run(b, w, p).unwrap();
    assert!(o.check.is_ok(), "{:?}", o.check);
    o
}

#[test]
fn bank_sites_are_transfer_and_audit_and_sum_to_the_totals() {
    let cfg = BankConfig {
        accounts: 64,
        audit_every: 8,
        hot: Some(Hot {
            count: 4,
            share: 0.9,
        }),
    };
    for accounting in [Accounting::Counts, Accounting::Cycles] {
        let bank = Bank::new(&cfg).unwrap();
        let o = run_on(&stm::Tl2::new(), &bank, &plan(2, true, accounting));
        let names: Vec<&str> = o.sites.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"bank::transfer"), "{names:?}");
        assert!(names.contains(&"bank::audit"), "{names:?}");
        assert_eq!(names.len(), 2, "{names:?}");
        assert_sites_sum_to_total(&o);
        // Every operation is one transaction of one site, which either took effect or was
        // cancelled (an overdrawing transfer).
        let done: u64 = o
            .sites
            .iter()
            .map(|(_, s)| s.completed() + s.user_aborts)
            .sum();
        assert_eq!(done, o.ops);
        if accounting.cycles() {
            assert!(o.sites.iter().all(|(_, s)| s.committed_cycles > 0));
        }
    }
}

#[test]
fn an_unlabelled_site_is_named_by_its_source_location() {
    let array = Array::new(&ArrayConfig::default()).unwrap();
    let o = run_on(
        &stm::Norec::new(),
        &array,
        &plan(1, true, Accounting::Counts),
    );
    assert_eq!(o.sites.len(), 1, "{:?}", o.sites);
    let name = &o.sites[0].0;
    assert!(
        name.contains("array.rs:"),
        "the site should be the `atomically` call in array.rs, not {name}"
    );
    assert_sites_sum_to_total(&o);
}

#[test]
fn without_attribution_nothing_is_recorded_per_site() {
    let bank = Bank::new(&BankConfig::default()).unwrap();
    let o = run_on(&stm::Lsa::new(), &bank, &plan(1, false, Accounting::Counts));
    assert!(o.sites.is_empty());
    assert!(o.threads.iter().all(|t| t.sites.is_empty()));
    assert_eq!(o.total.aborts_of(AbortCause::Explicit), o.total.user_aborts);
}
