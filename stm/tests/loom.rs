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
//! and the weak-memory outcomes of the metadata atomics (TL2's clock and locks, NOrec's sequence
//! lock, the global lock) that their orderings allow. Data words are `std` atomics, so the backends'
//! `primitive` shim redirects every data access to a loom "shadow" atomic that the model registers
//! first (`stm::loom_register_words`), with the ordering the algorithm gives it: the data
//! accesses are modeled as faithfully as the metadata. Run time: about 15 s on 2 cores.
//!
//! Models, each run for TL2 (one lock per word, and one lock for all words), NOrec and the global
//! lock:
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

#![cfg(loom)]

use loom::sync::Arc;
use stm::{GlobalLock, Norec, Tl2, Tl2Config};
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
models!(norec, Norec::new());
models!(global_lock, GlobalLock::new());
