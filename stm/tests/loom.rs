//! Exhaustive interleaving checks (loom) of the commit protocols on tiny instances.
//!
//! Run with:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=/work/target-stm-loom \
//!     cargo test -p tmlab-stm --release --test loom
//! ```
//!
//! (`LOOM_MAX_PREEMPTIONS` overrides the preemption bound set below.)
//!
//! Loom explores every interleaving of the threads' atomic operations up to the preemption bound,
//! and the weak-memory outcomes of the metadata atomics (TL2's and LSA's clocks and locks, NOrec's
//! sequence lock, the global lock) that their orderings allow. Data words are `std` atomics, so
//! the `tm::primitive` shim redirects every data access to a loom "shadow" atomic that the
//! model registers first (`stm::loom_register_words`), with the ordering the algorithm gives it:
//! the data accesses are modeled as faithfully as the metadata. Run time: one to two minutes on the
//! 2-core development machine while it was shared with other builds (LSA's models about a third).
//!
//! Models, each run for TL2 and LSA (one lock per word, and one lock for all words), NOrec and
//! the global lock:
//! - **two writers**: both threads increment two words `x` and `y` in one transaction, and check
//!   inside the closure that they always see `x == y` (opacity: no attempt, doomed or not, sees a
//!   torn state). At the end both words are 2 (no lost update: serializability).
//! - **writer and reader**: one thread moves one unit from `x` to `y`, the other reads both and
//!   checks the sum (TL2 runs the reader in read-only mode, with no read log).
//! - **three threads**: two writers incrementing `x` and `y` and a reader checking `x == y`
//!   (preemption bound 1).
//! - **read-then-write skew**: thread A copies `x` into `y`, thread B copies `y` into `x`, from
//!   `x = 1, y = 2`. Serial outcomes are `(1, 1)` or `(2, 2)`; `(2, 1)` is write skew, which the
//!   read-set validation must prevent.
//!
//! Models of LSA's own protocol (encounter-time locks, snapshot extension):
//! - **reader across two commits**: a writer commits two transactions while a reader reads `x`,
//!   `y`, `z`; every reader attempt must see the initial state or the state after one of the
//!   commits, and some execution must extend. Two variants: the commits leave `x` alone (`y = z
//!   = 1`, then `y = z = 2`), so extensions succeed, and a read that extended must still find its
//!   version after the clock sample; the second commit overwrites `x` (`y = 1`, then `x = z =
//!   2`), so an extension that sampled the clock after that commit's increment must see its lock
//!   or version when it validates `x`.
//! - **two writers on one stripe**: with one lock for every word, thread A reads `x` and `y`,
//!   writes `x`, and reads `y` again (an unwritten word of a stripe it owns, read from memory);
//!   thread B does the same with the roles swapped. Each checks its two reads of the other word
//!   agree; not both may have seen `(0, 0)` (write skew); the end state is `(1, 1)`.
//! - **read after write**: A writes `x = 1`, reads it back (the buffered value, through the lock
//!   word) and adds it to `y`; B reads `x` and `y`. A must read 1; B must see `(0, 0)` or
//!   `(1, 1)`; the end state is `(1, 1)`.

#![cfg(loom)]

use loom::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use stm::{GlobalLock, Lsa, LsaConfig, Norec, Tl2, Tl2Config};
use tm::{Backend, Handle, TWord, Tx};

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

fn tl2(lock_table_bits: u32) -> Tl2 {
    Tl2::with_config(Tl2Config {
        lock_table_bits,
        stripe_bytes: 8,
        backoff_max_step: 0,
    })
    .expect("valid configuration")
}

fn lsa(lock_table_bits: u32) -> Lsa {
    Lsa::with_config(LsaConfig {
        lock_table_bits,
        stripe_bytes: 8,
        backoff_max_step: 0,
    })
    .expect("valid configuration")
}

fn two_writers<B: Backend + Send + 'static>(make: fn() -> B) {
    model(move || {
        let stm = Arc::new(make());
        let words = Arc::new([TWord::new(0), TWord::new(0)]);
        stm::loom_register_words(&*words);
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (stm, words) = (stm.clone(), words.clone());
                loom::thread::spawn(move || {
                    let mut h = stm.handle();
                    let [x, y] = &*words;
                    let mut torn = false;
                    h.atomically(|tx| {
                        let a = tx.read(x)?;
                        let b = tx.read(y)?;
                        torn |= a != b;
                        tx.write(x, a + 1)?;
                        tx.write(y, b + 1)
                    })
                    .unwrap();
                    assert!(!torn, "an attempt saw x != y");
                    assert!(h.stats().is_consistent());
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!((words[0].load(), words[1].load()), (2, 2), "lost update");
    });
}

fn writer_and_reader<B: Backend + Send + 'static>(make: fn() -> B) {
    model(move || {
        let stm = Arc::new(make());
        let words = Arc::new([TWord::new(5), TWord::new(5)]);
        stm::loom_register_words(&*words);
        let writer = {
            let (stm, words) = (stm.clone(), words.clone());
            loom::thread::spawn(move || {
                let mut h = stm.handle();
                let [x, y] = &*words;
                h.atomically(|tx| {
                    let a = tx.read(x)?;
                    tx.write(x, a - 1)?;
                    let b = tx.read(y)?;
                    tx.write(y, b + 1)
                })
                .unwrap();
            })
        };
        let mut h = stm.handle();
        let [x, y] = &*words;
        let mut torn = false;
        let sum = h
            .atomically(|tx| {
                let s = tx.read(x)? + tx.read(y)?;
                torn |= s != 10;
                Ok(s)
            })
            .unwrap();
        assert!(!torn, "a reader attempt saw a torn sum");
        assert_eq!(sum, 10);
        writer.join().unwrap();
        assert_eq!((words[0].load(), words[1].load()), (4, 6));
    });
}

fn no_write_skew<B: Backend + Send + 'static>(make: fn() -> B) {
    model(move || {
        let stm = Arc::new(make());
        let words = Arc::new([TWord::new(1), TWord::new(2)]);
        stm::loom_register_words(&*words);
        let copier = |from: usize, to: usize| {
            let (stm, words) = (stm.clone(), words.clone());
            loom::thread::spawn(move || {
                let mut h = stm.handle();
                h.atomically(|tx| {
                    let v = tx.read(&words[from])?;
                    tx.write(&words[to], v)
                })
                .unwrap();
            })
        };
        let a = copier(0, 1);
        let b = copier(1, 0);
        a.join().unwrap();
        b.join().unwrap();
        let outcome = (words[0].load(), words[1].load());
        assert!(
            outcome == (1, 1) || outcome == (2, 2),
            "non-serializable outcome {outcome:?}"
        );
    });
}

/// Two writers of `x` and `y` and a reader checking `x == y`, three threads: far more expensive,
/// so the preemption bound is 1 unless `LOOM_MAX_PREEMPTIONS` says otherwise.
fn three_threads<B: Backend + Send + 'static>(make: fn() -> B) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(1);
    }
    // Waiters on the global lock and NOrec's sequence lock yield in a loop; with three threads
    // those loops need more than loom's default 1 000 branches per execution.
    builder.max_branches = 20_000;
    builder.check(move || {
        let stm = Arc::new(make());
        let words = Arc::new([TWord::new(0), TWord::new(0)]);
        stm::loom_register_words(&*words);
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let (stm, words) = (stm.clone(), words.clone());
                loom::thread::spawn(move || {
                    let mut h = stm.handle();
                    let [x, y] = &*words;
                    h.atomically(|tx| {
                        let a = tx.read(x)?;
                        tx.write(x, a + 1)?;
                        let b = tx.read(y)?;
                        tx.write(y, b + 1)
                    })
                    .unwrap();
                })
            })
            .collect();
        let mut h = stm.handle();
        let [x, y] = &*words;
        let mut torn = false;
        h.atomically(|tx| {
            let a = tx.read(x)?;
            let b = tx.read(y)?;
            torn |= a != b;
            Ok(())
        })
        .unwrap();
        assert!(!torn, "the reader saw x != y");
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!((words[0].load(), words[1].load()), (2, 2), "lost update");
    });
}

macro_rules! models {
    ($module:ident, $make:expr) => {
        mod $module {
            use super::*;

            #[test]
            fn two_writers() {
                super::two_writers(|| $make);
            }

            #[test]
            fn writer_and_reader() {
                super::writer_and_reader(|| $make);
            }

            #[test]
            fn no_write_skew() {
                super::no_write_skew(|| $make);
            }

            #[test]
            fn three_threads() {
                super::three_threads(|| $make);
            }
        }
    };
}

models!(tl2_lock_per_word, tl2(4));
models!(tl2_one_lock, tl2(0));
models!(lsa_lock_per_word, lsa(4));
models!(lsa_one_lock, lsa(0));
models!(norec, Norec::new());
models!(global_lock, GlobalLock::new());

/// A writer commits two transactions, `first` then `second` (each a list of `(word, value)`
/// writes to `x`, `y`, `z`), while a reader reads `x`, `y`, `z` in that order. Every reader
/// attempt, doomed or not, must see one of `states` (the initial state and the state after each
/// commit), and so must the committed reader; the end state is the last of `states`. `extended`
/// counts the executions (over the whole model check; a plain std atomic outside the model) in
/// which the reader extended its snapshot, and must end non-zero: the model reaches the
/// extension.
fn reader_across_two_commits(
    first: &'static [(usize, u64)],
    second: &'static [(usize, u64)],
    states: &'static [[u64; 3]; 3],
    extended: &'static AtomicU64,
) {
    extended.store(0, Ordering::SeqCst);
    model(move || {
        let stm = Arc::new(lsa(4));
        let words = Arc::new([TWord::new(0), TWord::new(0), TWord::new(0)]);
        stm::loom_register_words(&*words);
        let writer = {
            let (stm, words) = (stm.clone(), words.clone());
            loom::thread::spawn(move || {
                let mut h = stm.handle();
                for writes in [first, second] {
                    h.atomically(|tx| {
                        for &(w, v) in writes {
                            tx.write(&words[w], v)?;
                        }
                        Ok(())
                    })
                    .unwrap();
                }
            })
        };
        let mut h = stm.handle();
        let mut torn = None;
        let seen = h
            .atomically(|tx| {
                let view = [
                    tx.read(&words[0])?,
                    tx.read(&words[1])?,
                    tx.read(&words[2])?,
                ];
                if !states.contains(&view) {
                    torn = Some(view);
                }
                Ok(view)
            })
            .unwrap();
        assert_eq!(
            torn, None,
            "a reader attempt saw a state no commit produced"
        );
        assert!(states.contains(&seen), "{seen:?}");
        assert!(h.stats().is_consistent());
        if h.extensions() > 0 {
            extended.fetch_add(1, Ordering::SeqCst);
        }
        writer.join().unwrap();
        assert_eq!(words.each_ref().map(TWord::load), states[2]);
    });
    assert!(
        extended.load(Ordering::SeqCst) > 0,
        "no execution extended a snapshot: the model does not reach the extension"
    );
}

/// The commits leave `x` alone, so the reader's extensions succeed; a read that extended must
/// still find its own version after the clock sample (`y` from the first commit and `z` from the
/// second would be a torn state).
#[test]
fn lsa_extension_while_a_writer_commits() {
    static EXTENDED: AtomicU64 = AtomicU64::new(0);
    reader_across_two_commits(
        &[(1, 1), (2, 1)],
        &[(1, 2), (2, 2)],
        &[[0, 0, 0], [0, 1, 1], [0, 2, 2]],
        &EXTENDED,
    );
}

/// The second commit overwrites `x`: an extension that read the clock after that commit's
/// increment must see its lock or its version when it validates `x`.
#[test]
fn lsa_extension_validates_what_the_clock_covers() {
    static EXTENDED: AtomicU64 = AtomicU64::new(0);
    reader_across_two_commits(
        &[(1, 1)],
        &[(0, 2), (2, 2)],
        &[[0, 0, 0], [0, 1, 0], [2, 1, 2]],
        &EXTENDED,
    );
}

#[test]
fn lsa_two_writers_on_one_stripe() {
    model(|| {
        let stm = Arc::new(lsa(0));
        let words = Arc::new([TWord::new(0), TWord::new(0)]);
        stm::loom_register_words(&*words);
        let thread = |mine: usize| {
            let (stm, words) = (stm.clone(), words.clone());
            loom::thread::spawn(move || {
                let mut h = stm.handle();
                let (own, other) = (&words[mine], &words[1 - mine]);
                let mut unstable = false;
                let seen = h
                    .atomically(|tx| {
                        let a = tx.read(own)?;
                        let b = tx.read(other)?;
                        tx.write(own, a + 1)?;
                        // An unwritten word of the stripe we now own, read from memory.
                        unstable |= tx.read(other)? != b;
                        Ok((a, b))
                    })
                    .unwrap();
                assert!(
                    !unstable,
                    "two reads of one word disagreed within an attempt"
                );
                seen
            })
        };
        let a = thread(0);
        let b = thread(1);
        let (sa, sb) = (a.join().unwrap(), b.join().unwrap());
        assert!(
            !(sa == (0, 0) && sb == (0, 0)),
            "write skew: both saw (0, 0)"
        );
        assert_eq!((words[0].load(), words[1].load()), (1, 1));
    });
}

#[test]
fn lsa_read_after_write() {
    model(|| {
        let stm = Arc::new(lsa(4));
        let words = Arc::new([TWord::new(0), TWord::new(0)]);
        stm::loom_register_words(&*words);
        let writer = {
            let (stm, words) = (stm.clone(), words.clone());
            loom::thread::spawn(move || {
                let mut h = stm.handle();
                let [x, y] = &*words;
                let mut wrong = false;
                h.atomically(|tx| {
                    tx.write(x, 1)?;
                    let v = tx.read(x)?;
                    wrong |= v != 1;
                    let w = tx.read(y)?;
                    tx.write(y, w + v)
                })
                .unwrap();
                assert!(!wrong, "a read after write missed the buffered value");
            })
        };
        let mut h = stm.handle();
        let [x, y] = &*words;
        let seen = h.atomically(|tx| Ok((tx.read(x)?, tx.read(y)?))).unwrap();
        assert!(seen == (0, 0) || seen == (1, 1), "reader saw {seen:?}");
        writer.join().unwrap();
        assert_eq!((words[0].load(), words[1].load()), (1, 1));
    });
}
