//! Lock elision over the modelled HTM (`&model::Model` as the speculator): runs on any machine.
//!
//! - the conformance kit (exact counters, bank invariants and opacity, user-abort rollback) on
//!   both locks at 2 threads, with conflicts that must be detected (threads overlap);
//! - the fallback lock's acquisition dooms a subscribed attempt (requester wins);
//! - the backend records the model's geometry and says `modelled`.

use fallback::{
    ElisionBackend, Fixed, Glibc, Holds, RawLock, RetryPolicy, SpecAccess, Speculator, TicketLock,
    TtasLock,
};
use model::{InterruptDistribution, Model, ModelConfig, Preset};
use std::time::Duration;
use tm::conformance::{
    BankConfig, CounterConfig, Stop, bank, conflicts_detected, counters, user_abort_rolls_back,
};
use tm::{AbortCause, Backend};

/// Haswell's geometry without interrupts, so that every abort here has a reason the test names.
fn haswell() -> Model {
    Model::new(ModelConfig {
        interrupt_distribution: InterruptDistribution::None,
        ..ModelConfig::preset(Preset::Haswell, 3e9)
    })
    .unwrap()
}

fn conformance<L: RawLock, P: RetryPolicy + Copy>(policy: P) {
    let model = haswell();
    let b: ElisionBackend<L, P, &Model> = ElisionBackend::with_speculator(policy, Ok(&model));
    let what = format!("{} on {} over the model", policy.label(), L::NAME);
    let stop = Stop::AtLeast {
        ops: 2_000,
        time: Duration::from_millis(30),
    };
    let r = counters(
        &b,
        CounterConfig {
            threads: 2,
            counters: 4,
            stride: 8,
            stop,
        },
    );
    assert!(r.exact(), "{what}: {:?} != {}", r.values, r.expected);
    assert!(r.stats.is_consistent(), "{what}");
    assert!(
        r.stats.commits > 0,
        "{what}: nothing committed speculatively"
    );
    conflicts_detected(&r.stats, 1, &[AbortCause::Conflict, AbortCause::LockBusy])
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let r = bank(
        &b,
        BankConfig {
            accounts: 64,
            threads: 2,
            stop,
            ..BankConfig::default()
        },
    );
    assert!(r.invariant_ok(), "{what}: bank {r:?}");
    assert_eq!(r.stats.user_aborts, r.cancelled, "{what}");
    user_abort_rolls_back(&b).unwrap_or_else(|e| panic!("{what}: {e}"));
}

#[test]
fn conformance_over_the_model() {
    conformance::<TtasLock, _>(Glibc::default());
    conformance::<TicketLock, _>(Fixed::new(3));
}

/// A context holding the speculator's per-thread context, as `ElisionTx` does.
struct Ctx<'a>(fallback::ModelContext<'a>);

impl<'a> Holds<fallback::ModelContext<'a>> for Ctx<'a> {
    fn held(&mut self) -> &mut fallback::ModelContext<'a> {
        &mut self.0
    }
}

#[test]
fn acquiring_the_lock_dooms_a_subscribed_attempt() {
    let model = haswell();
    let m = &model;
    let lock = TtasLock::new();
    let word = tm::TWord::new(1);
    let mut ctx = Ctx(<&Model as Speculator>::thread(Some(m)));
    let out: Result<(), _> = m.speculate(&mut ctx, |ctx| {
        assert_eq!(ctx.held().subscribe(&lock), Ok(false));
        ctx.held().write(&word, 2).unwrap();
        // Another context (on this thread) takes the lock: requester wins.
        m.acquire(&lock);
        assert!(lock.is_locked());
        Ok(())
    });
    let status = out.unwrap_err();
    assert!(status.is_conflict() && status.may_retry(), "{status:?}");
    assert_eq!(word.load(), 1, "the doomed attempt left no trace");
    // SAFETY: taken just above by `acquire`.
    unsafe { lock.unlock() };
    // A held lock is seen by the subscription.
    m.acquire(&lock);
    let out: Result<(), _> = m.speculate(&mut ctx, |ctx| match ctx.held().subscribe(&lock) {
        Ok(true) => Err(0xff),
        other => panic!("{other:?}"),
    });
    assert_eq!(out.unwrap_err().code(), Some(0xff));
    // SAFETY: taken just above.
    unsafe { lock.unlock() };
}

#[test]
fn info_says_modelled_and_records_the_geometry() {
    let model = haswell();
    let b: ElisionBackend<TtasLock, Glibc, &Model> =
        ElisionBackend::with_speculator(Glibc::default(), Ok(&model));
    let info = b.info();
    assert_eq!(info.name, "modelled-htm-glibc");
    let get = |k: &str| {
        info.params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("modelled"), Some("true"));
    assert_eq!(get("l1_lines"), Some("512"));
    assert_eq!(get("rtm_usable"), None);
    assert_eq!(b.max_threads(), Some(model::MAX_THREADS));
}

/// The modelled backends honour the handle's accounting like every other: a counting handle
/// reads no clock, a cycles handle records the cycles of its modelled commits.
#[test]
fn modelled_handles_count_cycles_only_when_asked() {
    use tm::{Accounting, Handle, TWord, Tx};
    let model = haswell();
    let b: ElisionBackend<TtasLock, Fixed, &Model> =
        ElisionBackend::with_speculator(Fixed::new(3), Ok(&model));
    let word = TWord::new(0);
    for (accounting, timed) in [(Accounting::Counts, false), (Accounting::Cycles, true)] {
        let mut h = b.handle_with(accounting);
        for _ in 0..20 {
            h.atomically(|tx| {
                let v = tx.read(&word)?;
                tx.write(&word, v + 1)
            })
            .unwrap();
        }
        let s = h.take_stats();
        assert!(
            s.commits > 0,
            "{accounting:?}: nothing committed on the model"
        );
        assert_eq!(s.commits + s.fallbacks, 20);
        assert_eq!(s.committed_cycles > 0, timed, "{accounting:?}: {s:?}");
    }
    assert_eq!(word.load(), 40);
}
