//! The cost of attribution (`--attribute`: per-site statistics and the conflict-word log) on
//! `bank` at one thread, off and on, for each word-based STM.
//!
//! Each sample is one point measured by the runner for the sample's iteration count
//! ([`Measure::Ops`]), timed by the runner itself: from the common start to the end of the
//! measured operations, so thread spawning and the check are not counted. The bank is the
//! default one (1024 accounts, an audit every 16 operations, no hot set); at one thread nothing
//! conflicts, so the difference is the wrapper's own cost (per transaction a comparison of its site
//! with the previous one; per change of site the statistics difference, the record lookup and the
//! conflict log's tag), which the default run never pays.
//!
//! `cargo bench -p tmlab-workloads --bench attribution` (add `-- --quick` for a short check).
//! Do not trust numbers taken while other builds or benchmarks share the machine.

use criterion::{Criterion, criterion_group, criterion_main};
use std::time::Duration;
use tm::Backend;
use workloads::bank::{Bank, BankConfig};
use workloads::runner::{self, Measure, Plan};

fn bank_one_thread<B: Backend>(c: &mut Criterion, name: &str, backend: &B) {
    let bank = Bank::new(&BankConfig::default()).expect("the default bank is valid");
    let mut group = c.benchmark_group(format!("bank_1_thread/{name}"));
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (label, attribute) in [("attribute_off", false), ("attribute_on", true)] {
        group.bench_function(label, |b| {
            b.iter_custom(|iters| {
                let plan = Plan {
                    threads: 1,
                    measure: Measure::Ops(iters),
                    attribute,
                    ..Plan::default()
                };
                let o = runner::run(backend, &bank, &plan).expect("one thread runs");
                assert!(o.check.is_ok(), "{:?}", o.check);
                o.elapsed
            });
        });
    }
    group.finish();
}

fn attribution(c: &mut Criterion) {
    bank_one_thread(c, "tl2", &stm::Tl2::new());
    bank_one_thread(c, "lsa", &stm::Lsa::new());
    bank_one_thread(c, "norec", &stm::Norec::new());
}

criterion_group!(benches, attribution);
criterion_main!(benches);
