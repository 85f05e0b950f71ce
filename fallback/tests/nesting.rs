//! Nested and re-entered critical sections, on a speculator that behaves like nested RTM
//! ([`fallback::testing::FlatNesting`]: a nested begin joins the outer transaction, and an abort
//! anywhere resumes at the outermost begin with every write undone), and on the lock path.
//!
//! The rules under test (see `fallback::elision`, "Nesting"):
//! - Re-entering a lock this thread is already inside (`with` in `with`, `with_lock` in `with`,
//!   a second handle, the same `ElisionBackend`) panics with a clear message on both paths; it
//!   used to hand the inner closure a second `&mut T` on the hardware path (undefined behaviour,
//!   reported by Miri) and to deadlock on the lock path.
//! - A section nested inside a running hardware attempt of another lock joins that attempt. Every
//!   abort it causes (its lock busy, its user abort) is attributed to it: the enclosing execution
//!   counts one `nested` abort, does not consult its policy (glibc's `adapt_count` stays put) and
//!   re-runs on its lock, where the inner section runs on its own and reports its own outcome.
//! - A foreign `xabort` (the closure's own) in an `ElidedMutex` section is an ordinary abort that
//!   goes to the policy, never a cancellation of a section that cannot be cancelled.
//!
//! `.ci/run` also runs this file under Miri where the nightly toolchain has it.

use fallback::testing::FlatNesting;
use fallback::{ElidedMutex, ElisionBackend, Fixed, Glibc, RawLock, TtasLock};
use htm::Unusable;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use tm::{Abort, AbortCause, Backend, Handle, TWord, Tx, UserAbort};

type Mutex<'m, T> = ElidedMutex<T, TtasLock, Fixed, FlatNesting<'m>>;

/// The model over `memory`.
fn model(memory: &[TWord]) -> FlatNesting<'_> {
    // SAFETY: every test in this file runs its sections on its own thread only, over memory of
    // its own.
    unsafe { FlatNesting::new(memory) }
}

/// Both paths: the model's hardware path, and the lock path (no speculator).
fn paths(memory: &[TWord]) -> [(&'static str, Result<FlatNesting<'_>, Unusable>); 2] {
    [
        ("hardware", Ok(model(memory))),
        ("lock", Err(Unusable::ForcedOff)),
    ]
}

/// Runs `f`, which must panic, and returns its message.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p
            .downcast::<&str>()
            .map_or_else(|_| "<non-string panic>".to_string(), |s| s.to_string()),
    }
}

fn assert_reentry_panic(path: &str, what: &str, f: impl FnOnce()) {
    let msg = panic_message(f);
    assert!(
        msg.contains("re-entered"),
        "{path} path, {what}: unexpected panic message: {msg}"
    );
}

#[test]
fn reentering_with_inside_with_panics_on_both_paths() {
    let memory = [TWord::new(0)];
    for (path, spec) in paths(&memory) {
        let m: Mutex<u64> = ElidedMutex::with_speculator(0, Fixed::new(3), spec);
        assert_reentry_panic(path, "with in with", || {
            m.with(|a| {
                // The inner closure would get a second `&mut u64` while `a` is live.
                m.with(|b| *b += 1);
                *a += 1;
            });
        });
        // The outer section unwound; its lock and records are released, so the mutex works.
        assert_eq!(
            m.with(|v| *v),
            0,
            "{path}: the panicking sections left no write"
        );
        assert!(!m.elision().lock().is_locked(), "{path}");
    }
}

#[test]
fn reentering_through_a_second_handle_panics_on_both_paths() {
    let memory = [TWord::new(0)];
    for (path, spec) in paths(&memory) {
        let m: Mutex<u64> = ElidedMutex::with_speculator(0, Fixed::new(3), spec);
        let mut outer = m.handle();
        let mut inner = m.handle();
        assert_reentry_panic(path, "second handle", || {
            outer.with(|_| inner.with(|b| *b += 1));
        });
        assert_eq!(outer.with(|v| *v), 0, "{path}");
    }
}

#[test]
fn reentering_with_lock_inside_with_and_back_panics_on_both_paths() {
    let memory = [TWord::new(0)];
    for (path, spec) in paths(&memory) {
        let m: Mutex<u64> = ElidedMutex::with_speculator(0, Fixed::new(3), spec);
        let mut outer = m.handle();
        let mut inner = m.handle();
        assert_reentry_panic(path, "with_lock in with", || {
            outer.with(|_| inner.with_lock(|b| *b += 1));
        });
        assert_reentry_panic(path, "with in with_lock", || {
            outer.with_lock(|_| inner.with(|b| *b += 1));
        });
        assert_reentry_panic(path, "with_lock in with_lock", || {
            outer.with_lock(|_| inner.with_lock(|b| *b += 1));
        });
        assert_eq!(outer.with(|v| *v), 0, "{path}");
        assert!(!m.elision().lock().is_locked(), "{path}");
    }
}

#[test]
fn reentering_an_elision_backend_panics_on_both_paths() {
    let memory = [TWord::new(0)];
    for (path, spec) in paths(&memory) {
        let b: ElisionBackend<TtasLock, Fixed, FlatNesting<'_>> =
            ElisionBackend::with_speculator(Fixed::new(3), spec);
        let (mut h1, mut h2) = (b.handle(), b.handle());
        assert_reentry_panic(path, "atomically in atomically", || {
            let _ = h1.atomically(|tx| {
                tx.write(&memory[0], 1)?;
                h2.atomically(|tx| tx.write(&memory[0], 2))
                    .map_err(|e| Abort::user(e.code))
            });
        });
        // The panic was raised on the lock path (the hardware attempt was ended first), where a
        // panicking transaction keeps the writes it made so far: a panic is not an abort.
        assert_eq!(memory[0].load(), 1, "{path}");
        assert!(!b.elision().lock().is_locked(), "{path}");
        memory[0].store(0);
    }
}

#[test]
fn reentry_deep_inside_other_sections_panics() {
    let memory = [TWord::new(0)];
    for (path, spec) in paths(&memory) {
        let m1: Mutex<u64> = ElidedMutex::with_speculator(0, Fixed::new(3), spec.clone());
        let m2: Mutex<u64> = ElidedMutex::with_speculator(0, Fixed::new(3), spec);
        assert_reentry_panic(path, "m1 in m2 in m1", || {
            m1.with(|_| m2.with(|_| m1.with(|v| *v += 1)));
        });
        assert_eq!((m1.with(|v| *v), m2.with(|v| *v)), (0, 0), "{path}");
    }
}

/// `m.with(|_| xabort(1))`: the closure's own `xabort` used to come back as a "user abort" of a
/// section that cannot be cancelled and hit `unreachable!`. It is an ordinary abort now: the
/// policy retries, then the lock runs the section, where `xabort` does nothing.
#[test]
fn a_foreign_xabort_in_a_section_is_an_ordinary_abort() {
    let memory = [TWord::new(0)];
    let rtm = model(&memory);
    let m: Mutex<()> = ElidedMutex::with_speculator((), Fixed::new(3), Ok(rtm));
    let mut h = m.handle();
    h.with(|()| {
        memory[0].store(memory[0].load() + 1);
        rtm.xabort(1);
    });
    assert_eq!(memory[0].load(), 1, "the aborted runs left no increment");
    let s = h.take_stats();
    assert_eq!((s.attempts, s.commits, s.fallbacks), (3, 0, 1), "{s:?}");
    assert_eq!(s.aborts_of(AbortCause::Explicit), 3);
    assert_eq!(s.explicit_codes[1], 3);
    assert_eq!(s.user_aborts, 0, "nothing was cancelled");
    assert!(s.is_consistent());
}

/// A section nested in another lock's hardware attempt joins it: one commit, on the outer handle.
#[test]
fn a_section_of_another_lock_joins_the_running_attempt() {
    let memory = [TWord::new(0), TWord::new(0)];
    let rtm = model(&memory);
    let m1: Mutex<()> = ElidedMutex::with_speculator((), Fixed::new(3), Ok(rtm));
    let m2: Mutex<()> = ElidedMutex::with_speculator((), Fixed::new(3), Ok(rtm));
    let (mut h1, mut h2) = (m1.handle(), m2.handle());
    h1.with(|()| {
        memory[0].store(1);
        h2.with(|()| {
            assert!(
                rtm.in_transaction(),
                "the inner section runs in the outer attempt"
            );
            memory[1].store(2);
        });
    });
    assert_eq!((memory[0].load(), memory[1].load()), (1, 2));
    let (s1, s2) = (h1.take_stats(), h2.take_stats());
    assert_eq!((s1.attempts, s1.commits, s1.fallbacks), (1, 1, 0), "{s1:?}");
    assert_eq!(
        (s2.attempts, s2.fallbacks),
        (0, 0),
        "a joined section is not an attempt of its own: {s2:?}"
    );
}

/// A user abort of an `ElisionBackend` transaction nested in an elided section: the inner call
/// returns its own `UserAbort` with its writes undone, and the outer section completes. It used to
/// abort the outer attempt with the inner code, which the outer section took as its own
/// cancellation (`unreachable!`).
#[test]
fn a_nested_transactions_user_abort_is_its_own() {
    let memory = [TWord::new(10), TWord::new(0)];
    let rtm = model(&memory);
    let m: Mutex<()> = ElidedMutex::with_speculator((), Fixed::new(3), Ok(rtm));
    let b: ElisionBackend<TtasLock, Fixed, FlatNesting<'_>> =
        ElisionBackend::with_speculator(Fixed::new(3), Ok(rtm));
    let (mut outer, mut inner) = (m.handle(), b.handle());
    let runs = Cell::new(0);
    let inner_result = outer.with(|()| {
        runs.set(runs.get() + 1);
        memory[1].store(memory[1].load() + 1);
        inner.atomically(|tx| {
            let v = tx.read(&memory[0])?;
            tx.write(&memory[0], v + 5)?;
            Err::<(), _>(Abort::user(3))
        })
    });
    assert_eq!(inner_result, Err(UserAbort { code: 3 }));
    assert_eq!(memory[0].load(), 10, "the cancelled write was undone");
    assert_eq!(memory[1].load(), 1, "the outer section took effect once");
    assert_eq!(
        runs.get(),
        2,
        "one joined run (aborted), one on the outer lock"
    );
    let (so, si) = (outer.take_stats(), inner.take_stats());
    assert_eq!(so.aborts_of(AbortCause::Nested), 1, "{so:?}");
    assert_eq!(
        (so.attempts, so.fallbacks, so.user_aborts),
        (1, 1, 0),
        "{so:?}"
    );
    assert_eq!(si.user_aborts, 1, "{si:?}");
    assert_eq!(
        si.explicit_codes[3], 1,
        "the inner attempt of its own: {si:?}"
    );
    assert!(so.is_consistent() && si.is_consistent());
}

/// The same for an `ElisionBackend` transaction inside another one: the outer transaction commits
/// and never returns a `UserAbort` its closure did not raise.
#[test]
fn an_outer_transaction_never_returns_an_inner_user_abort() {
    let memory = [TWord::new(0), TWord::new(0)];
    let rtm = model(&memory);
    let outer_b: ElisionBackend<TtasLock, Fixed, FlatNesting<'_>> =
        ElisionBackend::with_speculator(Fixed::new(3), Ok(rtm));
    let inner_b: ElisionBackend<TtasLock, Fixed, FlatNesting<'_>> =
        ElisionBackend::with_speculator(Fixed::new(3), Ok(rtm));
    let (mut outer, mut inner) = (outer_b.handle(), inner_b.handle());
    let result = outer.atomically(|tx| {
        tx.write(&memory[0], 1)?;
        let r = inner.atomically(|tx| {
            tx.write(&memory[1], 7)?;
            Err::<(), _>(Abort::user(4))
        });
        assert_eq!(
            r,
            Err(UserAbort { code: 4 }),
            "the inner cancel is reported inside"
        );
        Ok(r.is_err())
    });
    assert_eq!(result, Ok(true), "the outer transaction committed");
    assert_eq!((memory[0].load(), memory[1].load()), (1, 0));
    let so = outer.take_stats();
    assert_eq!(so.user_aborts, 0, "{so:?}");
    assert_eq!(so.aborts_of(AbortCause::Nested), 1, "{so:?}");
}

/// An inner lock found busy inside the outer attempt: the outer counts a `nested` abort, and
/// glibc's `adapt_count` of the outer lock stays 0 (it used to become `skip_lock_busy`, blaming
/// the outer lock for the inner one's holder).
#[test]
fn an_inner_lock_busy_abort_does_not_move_the_outer_adapt_count() {
    let memory = [TWord::new(0)];
    let rtm = model(&memory);
    let outer_m: ElidedMutex<(), TtasLock, Glibc, FlatNesting<'_>> =
        ElidedMutex::with_speculator((), Glibc::default(), Ok(rtm));
    let inner_m: ElidedMutex<(), TtasLock, Glibc, FlatNesting<'_>> =
        ElidedMutex::with_speculator((), Glibc::default(), Ok(rtm));
    // Another owner holds the inner lock during the first (joined) run.
    inner_m.elision().lock().lock();
    let held = Cell::new(true);
    let mut outer = outer_m.handle();
    outer.with(|()| {
        if held.get() && !rtm.in_transaction() {
            // The outer section is on its lock now; the inner lock's owner lets go.
            held.set(false);
            // SAFETY: this thread took the inner lock above and has not released it.
            unsafe { inner_m.elision().lock().unlock() };
        }
        inner_m.with(|()| memory[0].store(memory[0].load() + 1));
    });
    assert_eq!(memory[0].load(), 1);
    assert!(!held.get());
    assert_eq!(outer_m.elision().lock_state().get(), 0, "outer adapt_count");
    let s = outer.take_stats();
    assert_eq!(s.aborts_of(AbortCause::Nested), 1, "{s:?}");
    assert_eq!(s.aborts_of(AbortCause::LockBusy), 0, "{s:?}");
    assert_eq!((s.attempts, s.fallbacks), (1, 1), "{s:?}");
}

/// `with_lock` of another lock inside a hardware attempt cannot take that lock for real inside a
/// transaction: the attempt ends and the outer section re-runs on its lock, where it can.
#[test]
fn with_lock_of_another_lock_sends_the_enclosing_attempt_to_its_lock() {
    let memory = [TWord::new(0)];
    let rtm = model(&memory);
    let m1: Mutex<()> = ElidedMutex::with_speculator((), Fixed::new(3), Ok(rtm));
    let m2: Mutex<u64> = ElidedMutex::with_speculator(0, Fixed::new(3), Ok(rtm));
    let (mut h1, mut h2) = (m1.handle(), m2.handle());
    h1.with(|()| {
        memory[0].store(memory[0].load() + 1);
        h2.with_lock(|v| {
            assert!(
                !rtm.in_transaction(),
                "a real lock holder is not speculating"
            );
            *v += 1;
        });
    });
    assert_eq!(memory[0].load(), 1);
    assert_eq!(h2.with(|v| *v), 1);
    let s1 = h1.take_stats();
    assert_eq!(s1.aborts_of(AbortCause::Nested), 1, "{s1:?}");
    assert_eq!((s1.attempts, s1.fallbacks), (1, 1), "{s1:?}");
}

/// A section inside the caller's own transaction nests as RTM does: the section's hardware
/// attempt joins it, and the caller's transaction commits or aborts as a whole.
#[test]
fn a_section_inside_a_callers_transaction_nests_in_it() {
    let memory = [TWord::new(0)];
    let rtm = model(&memory);
    let m: Mutex<()> = ElidedMutex::with_speculator((), Fixed::new(3), Ok(rtm));
    let committed = rtm.transaction(|| m.with(|()| memory[0].store(5)));
    assert!(committed.is_ok());
    assert_eq!(memory[0].load(), 5);
    // The caller aborts its own transaction after the section: the section's write is undone.
    let aborted = rtm.transaction(|| {
        m.with(|()| memory[0].store(6));
        rtm.xabort(9);
    });
    assert_eq!(aborted.unwrap_err().code(), Some(9));
    assert_eq!(memory[0].load(), 5);
}

#[test]
fn nesting_deeper_than_the_record_panics_clearly() {
    fn nest(ms: &[Mutex<'_, ()>]) {
        if let Some((first, rest)) = ms.split_first() {
            first.with(|()| nest(rest));
        }
    }
    let memory = [TWord::new(0)];
    let limit = fallback::elision::MAX_NESTING;
    for (path, spec) in paths(&memory) {
        let mutexes: Vec<Mutex<()>> = (0..=limit)
            .map(|_| ElidedMutex::with_speculator((), Fixed::new(3), spec.clone()))
            .collect();
        nest(&mutexes[..limit]);
        let msg = panic_message(|| nest(&mutexes));
        assert!(
            msg.contains("nested more than"),
            "{path}: unexpected panic message: {msg}"
        );
        assert!(mutexes.iter().all(|m| !m.elision().lock().is_locked()));
    }
}
