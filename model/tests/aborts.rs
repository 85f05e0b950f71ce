//! Deterministic tests of every abort cause but capacity and interrupts (see `capacity.rs` and
//! `interrupts.rs`): conflicts per line (false sharing included), non-transactional accesses,
//! explicit codes, nesting, the precedence of dooms, and what a doomed transaction leaves.
//!
//! Most interleavings are driven by hand on one OS thread with two model contexts: an access by
//! one context dooms the other without waiting (only writer-writer conflicts wait, for the
//! victim to release the line, and those run on two OS threads).

#![cfg(not(loom))]

mod common;

use common::{Line, haswell, lines};
use htm::HwCause;
use model::status::{CAPACITY, CONFLICT, NESTED, ZERO, explicit};
use model::{MAX_THREADS, Model, ModelConfig, Preset};
use std::sync::Barrier;
use tm::TWord;

#[test]
fn reading_a_line_another_transaction_wrote_dooms_the_writer_even_on_another_word() {
    let model = haswell();
    let l = lines(1);
    let (mut a, mut b) = (model.thread(), model.thread());
    a.begin().unwrap();
    a.write(&l[0].0[0], 1).unwrap();
    b.begin().unwrap();
    // Another word of the same line: false sharing.
    assert_eq!(b.read(&l[0].0[1]), Ok(0));
    assert_eq!(
        b.read(&l[0].0[0]),
        Ok(0),
        "the writer's value is not visible"
    );
    assert_eq!(a.read(&l[0].0[2]), Err(CONFLICT), "the requester wins");
    assert_eq!(a.commit(), Err(CONFLICT), "the status sticks");
    assert_eq!(b.commit(), Ok(()));
    assert_eq!(l[0].0[0].load(), 0, "a doomed transaction leaves no trace");
}

#[test]
fn writing_a_line_another_transaction_read_dooms_the_reader() {
    let model = haswell();
    let l = lines(2);
    let (mut a, mut b) = (model.thread(), model.thread());
    a.begin().unwrap();
    assert_eq!(a.read(&l[0].0[3]), Ok(0));
    b.begin().unwrap();
    b.write(&l[0].0[5], 9).unwrap();
    assert_eq!(a.read(&l[1].0[0]), Err(CONFLICT));
    assert_eq!(b.commit(), Ok(()));
    assert_eq!(l[0].0[5].load(), 9);
}

#[test]
fn different_lines_and_shared_reads_do_not_conflict() {
    let model = haswell();
    let l = lines(3);
    let (mut a, mut b) = (model.thread(), model.thread());
    a.begin().unwrap();
    b.begin().unwrap();
    a.write(&l[0].0[7], 1).unwrap();
    b.write(&l[1].0[0], 2).unwrap();
    assert_eq!(a.read(&l[2].0[0]), Ok(0));
    assert_eq!(b.read(&l[2].0[1]), Ok(0), "readers share a line");
    assert_eq!(a.commit(), Ok(()));
    assert_eq!(b.commit(), Ok(()));
    assert_eq!((l[0].0[7].load(), l[1].0[0].load()), (1, 2));
}

/// Two transactions writing different words of one line: the second writer dooms the first and
/// takes the line once the first notices (at its next access) and releases it.
#[test]
fn two_writers_of_one_line_conflict_false_sharing() {
    let model = haswell();
    let l = lines(2);
    let barrier = Barrier::new(2);
    let (first, second) = std::thread::scope(|s| {
        let first = s.spawn(|| {
            let mut a = model.thread();
            a.begin().unwrap();
            a.write(&l[0].0[0], 1).unwrap();
            barrier.wait();
            // Keep accessing our own other line until the second writer's doom lands.
            loop {
                if let Err(status) = a.read(&l[1].0[0]) {
                    return status;
                }
                std::thread::yield_now();
            }
        });
        let second = s.spawn(|| {
            let mut b = model.thread();
            barrier.wait();
            b.speculate(|b| b.write(&l[0].0[1], 2))
        });
        (first.join().unwrap(), second.join().unwrap())
    });
    assert_eq!(first, CONFLICT);
    assert_eq!(second, Ok(()));
    assert_eq!((l[0].0[0].load(), l[0].0[1].load()), (0, 2));
}

#[test]
fn padded_writers_do_not_conflict() {
    let model = haswell();
    let l = lines(2);
    let (mut a, mut b) = (model.thread(), model.thread());
    a.begin().unwrap();
    b.begin().unwrap();
    for i in 0..8 {
        a.write(&l[0].0[i], 1).unwrap();
        b.write(&l[1].0[i], 2).unwrap();
    }
    assert_eq!(a.commit(), Ok(()));
    assert_eq!(b.commit(), Ok(()));
}

#[test]
fn a_nontransactional_write_to_the_read_set_dooms() {
    let model = haswell();
    let l = lines(2);
    let mut t = model.thread();
    t.begin().unwrap();
    assert_eq!(t.read(&l[0].0[0]), Ok(0));
    // Another word of the line, written outside any transaction.
    model.nontx_store(&l[0].0[4], 5);
    assert_eq!(t.read(&l[1].0[0]), Err(CONFLICT));
    assert_eq!(l[0].0[4].load(), 5);
}

#[test]
fn a_nontransactional_write_by_address_dooms_a_subscriber() {
    // The fallback lock's pattern: a word the model does not hold, read with `read_tracked`,
    // written by `nontx_write`.
    let model = haswell();
    let lock = Line::default();
    let data = lines(1);
    let mut t = model.thread();
    t.begin().unwrap();
    let lock_addr: *const u8 = (&lock.0[0] as *const TWord).cast();
    assert_eq!(t.read_tracked(lock_addr, || lock.0[0].load()), Ok(0));
    t.write(&data[0].0[0], 1).unwrap();
    let acquired = model.nontx_write(lock_addr, || {
        lock.0[0]
            .atomic()
            .swap(1, std::sync::atomic::Ordering::AcqRel)
    });
    assert_eq!(acquired, 0);
    assert_eq!(t.commit(), Err(CONFLICT));
    assert_eq!(data[0].0[0].load(), 0);
    // A new attempt sees the lock held.
    t.begin().unwrap();
    assert_eq!(t.read_tracked(lock_addr, || lock.0[0].load()), Ok(1));
    assert_eq!(t.abort(0xff), explicit(0xff));
}

#[test]
fn a_nontransactional_read_dooms_a_writer_only() {
    let model = haswell();
    let l = lines(2);
    let (mut w, mut r) = (model.thread(), model.thread());
    w.begin().unwrap();
    r.begin().unwrap();
    w.write(&l[0].0[0], 3).unwrap();
    assert_eq!(r.read(&l[1].0[0]), Ok(0));
    assert_eq!(model.nontx_load(&l[1].0[0]), 0);
    assert_eq!(model.nontx_load(&l[0].0[1]), 0);
    assert_eq!(w.commit(), Err(CONFLICT));
    assert_eq!(r.commit(), Ok(()), "a read does not doom a reader");
}

#[test]
fn explicit_aborts_carry_their_code_and_no_retry() {
    let model = haswell();
    let l = lines(1);
    let mut t = model.thread();
    for code in [0u8, 1, 0x42, 0x7f, 0xfe, 0xff] {
        let r: Result<(), _> = t.speculate(|t| {
            t.write(&l[0].0[0], 100)?;
            Err(t.abort(code))
        });
        let s = r.unwrap_err();
        assert_eq!(s.raw(), (u32::from(code) << 24) | 1);
        assert_eq!(s.cause(), HwCause::Explicit(code));
        assert!(!s.may_retry());
        assert_eq!(t.last_abort(), Some(s));
        assert!(!t.in_transaction());
        assert_eq!(l[0].0[0].load(), 0);
    }
    // After an abort, `abort` reports that abort (a closure that went on after an error still
    // returns the real status).
    assert_eq!(t.abort(3), explicit(0xff));
    // `xabort` outside a transaction does nothing.
    assert_eq!(t.speculate(|_| Ok(())), Ok(()));
    assert_eq!(t.abort(3), explicit(3));
    assert!(!t.in_transaction());
}

#[test]
fn a_doom_outranks_a_later_explicit_abort() {
    let model = haswell();
    let l = lines(1);
    let (mut a, mut b) = (model.thread(), model.thread());
    a.begin().unwrap();
    a.read(&l[0].0[0]).unwrap();
    b.begin().unwrap();
    b.write(&l[0].0[0], 1).unwrap();
    assert_eq!(a.abort(0x10), CONFLICT);
    assert_eq!(b.commit(), Ok(()));
}

#[test]
fn after_an_abort_every_access_reports_it_until_the_next_begin() {
    let model = haswell();
    let l = lines(1);
    let mut t = model.thread();
    t.begin().unwrap();
    let s = t.abort(7);
    assert_eq!(t.read(&l[0].0[0]), Err(s));
    assert_eq!(t.write(&l[0].0[0], 1), Err(s));
    assert_eq!(t.commit(), Err(s));
    t.begin().unwrap();
    assert_eq!(t.read(&l[0].0[0]), Ok(0));
    assert_eq!(t.commit(), Ok(()));
    assert_eq!(t.last_abort(), None);
}

#[test]
fn reads_see_own_writes_word_by_word() {
    let model = haswell();
    let l = lines(1);
    l[0].0[1].store(11);
    let mut t = model.thread();
    let r = t.speculate(|t| {
        t.write(&l[0].0[0], 5)?;
        let own = t.read(&l[0].0[0])?;
        let other = t.read(&l[0].0[1])?;
        t.write(&l[0].0[0], 6)?;
        Ok((own, other, t.read(&l[0].0[0])?))
    });
    assert_eq!(r, Ok((5, 11, 6)));
    assert_eq!(l[0].0[0].load(), 6);
}

#[test]
fn nesting_is_flattened_and_marked() {
    let model = haswell();
    let l = lines(1);
    let mut t = model.thread();
    t.begin().unwrap();
    t.write(&l[0].0[0], 1).unwrap();
    t.begin().unwrap();
    assert_eq!(t.depth(), 2);
    t.write(&l[0].0[1], 2).unwrap();
    assert_eq!(t.commit(), Ok(()), "the inner commit only leaves a level");
    assert_eq!(
        l[0].0[1].load(),
        0,
        "nothing is visible before the outer commit"
    );
    assert_eq!(t.commit(), Ok(()));
    assert_eq!((l[0].0[0].load(), l[0].0[1].load()), (1, 2));

    // An abort inside a nested transaction aborts everything and says NESTED.
    t.begin().unwrap();
    t.write(&l[0].0[0], 9).unwrap();
    t.begin().unwrap();
    let s = t.abort(0x21);
    assert_eq!(s.raw(), explicit(0x21).raw() | NESTED);
    assert!(!t.in_transaction());
    assert_eq!(l[0].0[0].load(), 1);

    // Deeper than max_nesting (7 in the presets).
    t.begin().unwrap();
    for _ in 1..7 {
        t.begin().unwrap();
    }
    assert_eq!(t.depth(), 7);
    assert_eq!(t.begin(), Err(model::AbortStatus::from_raw(NESTED)));
    assert_eq!(t.last_abort().map(|s| s.cause()), Some(HwCause::Nested));
}

#[test]
fn a_panicking_closure_aborts_its_transaction() {
    let model = haswell();
    let l = lines(1);
    let mut t = model.thread();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = t.speculate(|t| -> Result<(), _> {
            t.write(&l[0].0[0], 1)?;
            panic!("boom");
        });
    }));
    assert!(r.is_err());
    assert!(!t.in_transaction());
    assert_eq!(t.last_abort(), Some(ZERO));
    assert_eq!(t.speculate(|t| t.write(&l[0].0[0], 2)), Ok(()));
    assert_eq!(l[0].0[0].load(), 2);
}

#[test]
fn dropping_a_context_mid_transaction_releases_its_lines() {
    let model = haswell();
    let l = lines(1);
    {
        let mut t = model.thread();
        t.begin().unwrap();
        t.write(&l[0].0[0], 1).unwrap();
    }
    let mut u = model.thread();
    assert_eq!(u.speculate(|u| u.write(&l[0].0[0], 2)), Ok(()));
    assert_eq!(l[0].0[0].load(), 2);
}

#[test]
fn at_most_max_threads_contexts() {
    let model = haswell();
    let mut all: Vec<_> = (0..MAX_THREADS).map(|_| model.thread()).collect();
    assert!(model.try_thread().is_err());
    let freed = all.pop().unwrap().slot();
    assert_eq!(model.try_thread().unwrap().slot(), freed);
}

#[test]
fn secondary_false_positives_doom_only_when_configured() {
    for (rate, doomed) in [(0.0, false), (1.0, true)] {
        let config = ModelConfig {
            read_false_positive_rate: rate,
            ..common::quiet(Preset::Haswell)
        };
        let model = Model::new(config).unwrap();
        // Nine lines of set 0 (64 sets: 64 lines apart): the ninth goes to the secondary.
        let l = lines(64 * 9 + 1);
        let (mut r, mut w) = (model.thread(), model.thread());
        r.begin().unwrap();
        for i in 0..9 {
            r.read(&l[64 * i].0[0]).unwrap();
        }
        assert_eq!(r.secondary_lines(), 1);
        w.begin().unwrap();
        w.write(&l[1].0[0], 1).unwrap();
        assert_eq!(w.commit(), Ok(()));
        let s = r.commit();
        assert_eq!(s.is_err(), doomed, "rate {rate}: {s:?}");
        if doomed {
            assert_eq!(s, Err(CONFLICT));
        }
    }
}

#[test]
fn capacity_status_is_rtm_s() {
    let model = Model::new(ModelConfig {
        l1_sets: 1,
        l1_ways: 1,
        secondary_read_lines: 0,
        ..common::quiet(Preset::Haswell)
    })
    .unwrap();
    let l = lines(2);
    let mut t = model.thread();
    assert_eq!(
        t.speculate(|t| {
            t.write(&l[0].0[0], 1)?;
            t.write(&l[1].0[0], 1)
        }),
        Err(CAPACITY)
    );
    assert_eq!(CAPACITY.raw(), 0b1000);
    assert_eq!(CONFLICT.raw(), 0b110);
}

#[test]
fn the_model_is_shared_and_contexts_move() {
    fn sync<T: Sync + Send>() {}
    fn send<T: Send>() {}
    sync::<Model>();
    send::<model::ModelThread<'static>>();
}

#[test]
fn the_test_backend_records_the_model() {
    use tm::Backend;
    let b = model::testing::RetryBackend::new(common::quiet(Preset::SapphireRapids)).unwrap();
    let info = b.info();
    assert_eq!(info.name, "model-retry");
    let get = |k: &str| {
        info.params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("model").as_deref(), Some("sapphire-rapids"));
    assert_eq!(get("l1_lines").as_deref(), Some("768"));
    assert_eq!(get("modelled").as_deref(), Some("true"));
    assert_eq!(b.max_threads(), Some(MAX_THREADS));
}
