//! Conflict words: the STMs name the word of every conflict abort, and the workloads' regions
//! name the word (`accounts[1]`, `counters[0]`).

use std::sync::Mutex;
use std::time::Duration;
use tm::{AbortCause, Backend};
use workloads::Hot;
use workloads::bank::{Bank, BankConfig};
use workloads::conflicts::Conflict;
use workloads::counter::{Counter, CounterConfig};
use workloads::runner::{self, Measure, Outcome, Plan};

/// The software conflict causes: every one of them names a word.
const SOFTWARE_CONFLICTS: [AbortCause; 3] = [
    AbortCause::ReadValidation,
    AbortCause::LockedAtRead,
    AbortCause::LockedAtCommit,
];

fn conflict_aborts(o: &Outcome) -> u64 {
    SOFTWARE_CONFLICTS
        .iter()
        .map(|&c| o.total.aborts_of(c))
        .sum()
}

/// Conflicts the runs need at the site under test before its words are judged.
const MIN_CONFLICTS: u64 = 20;

/// The tests of this file run one at a time: on a small machine, two tests' four threads would
/// leave each pair little time to overlap, hence to conflict.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `w` on `b` with 2 attributed threads until the runs together have [`MIN_CONFLICTS`]
/// conflicts at `site` (at most 10 runs: two threads on a busy machine may rarely overlap), and
/// checks each run's accounting: the words' counts sum exactly to the conflict aborts, since every
/// software conflict abort names a word. Returns the runs' words, merged.
fn contended<B: Backend, W: workloads::Workload>(
    b: &B,
    w: impl Fn() -> W,
    site: &str,
) -> Vec<Conflict> {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut all: Vec<Conflict> = Vec::new();
    for _ in 0..10 {
        let plan = Plan {
            threads: 2,
            measure: Measure::For(Duration::from_millis(200)),
            attribute: true,
            ..Plan::default()
        };
        let o = runner::run(b, &w(), &plan).unwrap();
        assert!(o.check.is_ok(), "{:?}", o.check);
        let conflicts = o.conflicts.clone().expect("STMs record conflict words");
        let counted: u64 = conflicts.iter().map(|c| c.count).sum();
        assert!(counted <= conflict_aborts(&o));
        assert_eq!(
            counted,
            conflict_aborts(&o),
            "every conflict abort names a word: {conflicts:?}"
        );
        for c in conflicts {
            match all
                .iter_mut()
                .find(|a| (&a.site, &a.region, a.index) == (&c.site, &c.region, c.index))
            {
                Some(a) => a.count += c.count,
                None => all.push(c),
            }
        }
        let at_site: u64 = all
            .iter()
            .filter(|c| c.site.as_deref() == Some(site))
            .map(|c| c.count)
            .sum();
        if at_site >= MIN_CONFLICTS {
            all.sort_by_key(|c| std::cmp::Reverse(c.count));
            return all;
        }
    }
    panic!(
        "ten runs of two threads on a hot spot had fewer than {MIN_CONFLICTS} conflicts at {site}"
    );
}

/// Hot accounts.
const HOT: usize = 4;

fn hot_bank() -> Bank {
    Bank::new(&BankConfig {
        accounts: 64,
        audit_every: 16,
        hot: Some(Hot {
            count: HOT,
            share: 0.9,
        }),
    })
    .unwrap()
}

/// With 90 % of the choices among the 4 hot accounts of 64 (a share below 1, so that money also
/// flows back to the hot accounts and they never drain), every conflict is on an account and
/// charged to a bank site, and the transfers' most conflicted word is a hot account, as are most
/// of their conflicts. (Audits read every account, so a writer preempted while it holds a cold
/// account's lock can make an audit abort on that account many times over.)
fn bank_conflicts_are_on_hot_accounts<B: Backend>(b: &B) {
    let conflicts = contended(b, hot_bank, "bank::transfer");
    for c in &conflicts {
        assert_eq!(c.region, "accounts", "{conflicts:?}");
        assert!(c.index.is_some(), "an account index");
        let site = c.site.as_deref().expect("attributed to a site");
        assert!(site == "bank::transfer" || site == "bank::audit", "{site}");
    }
    let transfers: Vec<&Conflict> = conflicts
        .iter()
        .filter(|c| c.site.as_deref() == Some("bank::transfer"))
        .collect();
    let top = transfers.first().expect("transfers conflict");
    assert!(
        top.index.is_some_and(|i| i < HOT),
        "the transfers' top word {} is not a hot account: {conflicts:?}",
        top.word()
    );
    let hot: u64 = transfers
        .iter()
        .filter(|c| c.index.is_some_and(|i| i < HOT))
        .map(|c| c.count)
        .sum();
    let all: u64 = transfers.iter().map(|c| c.count).sum();
    assert!(
        2 * hot > all,
        "{hot} of {all} on hot accounts: {conflicts:?}"
    );
}

#[test]
fn tl2_names_hot_accounts() {
    bank_conflicts_are_on_hot_accounts(&stm::Tl2::new());
}

#[test]
fn lsa_names_hot_accounts() {
    bank_conflicts_are_on_hot_accounts(&stm::Lsa::new());
}

#[test]
fn norec_names_hot_accounts() {
    bank_conflicts_are_on_hot_accounts(&stm::Norec::new());
}

fn one_counter() -> Counter {
    Counter::new(&CounterConfig {
        counters: 1,
        ..CounterConfig::default()
    })
    .unwrap()
}

fn single_counter_is_named<B: Backend>(b: &B) {
    let conflicts = contended(b, one_counter, "counter::increment");
    for c in &conflicts {
        assert_eq!(c.word(), "counters[0]", "{conflicts:?}");
        assert_eq!(c.site.as_deref(), Some("counter::increment"));
    }
}

#[test]
fn a_single_counter_is_named_counters_0() {
    single_counter_is_named(&stm::Tl2::new());
    single_counter_is_named(&stm::Lsa::new());
    single_counter_is_named(&stm::Norec::new());
}

#[test]
fn no_words_without_attribution_or_from_a_lock() {
    let plan = |attribute| Plan {
        threads: 2,
        measure: Measure::Ops(500),
        attribute,
        ..Plan::default()
    };
    let o = runner::run(&stm::Tl2::new(), &one_counter(), &plan(false)).unwrap();
    assert_eq!(o.conflicts, None, "attribution off records nothing");
    let o = runner::run(&stm::GlobalLock::new(), &one_counter(), &plan(true)).unwrap();
    assert_eq!(o.conflicts, None, "a lock has no conflict words");
}
