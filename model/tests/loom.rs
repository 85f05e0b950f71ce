//! Exhaustive interleaving checks (loom) of the model's doom and commit races, on tiny instances.
//!
//! Run with:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test --release -p tmlab-model --test loom
//! ```
//!
//! (`LOOM_MAX_PREEMPTIONS` overrides the preemption bound set below.)
//!
//! Loom explores every interleaving of the threads' atomic operations up to the preemption
//! bound, and the weak-memory outcomes their orderings allow, for the metadata (ownership
//! records, state words) and, through the shadow atomics of `tm::primitive`, for the
//! data words too. Each transaction runs one attempt (no retry), so every outcome, committed or
//! aborted, is checked. Under loom the ownership table is indexed by line number modulo its
//! size (16 records), and every model's lines are consecutive lines of one allocation, so no
//! two share a record and the explored paths do not depend on addresses (loom requires a
//! deterministic model).
//!
//! Models:
//! - **commit vs. reader**: one transaction writes `x` and `y` (two lines) and commits while
//!   another reads both: the reader never gets one old and one new value, not even in an
//!   attempt that then aborts (opacity), and memory holds the writes exactly if the writer
//!   committed.
//! - **two writers, one line**: both increment `x` and `y`, two words of one line (false
//!   sharing): whatever commits, `x == y == commits` at the end (the survivors' writes are the
//!   only ones visible, no lost update), and no attempt sees `x != y`.
//! - **subscription vs. acquisition**: a transaction subscribes to a lock word (`read_tracked`)
//!   and writes `x`, `y`; another thread acquires the lock with `nontx_write` and then reads `x`
//!   and `y` *uninstrumented*, as a fallback-lock holder does: it sees the transaction's writes
//!   exactly if the transaction committed, never half of them.
//! - **three threads**: two transactions increment `x` and `y` (two lines) while a third reads
//!   both: no attempt sees `x != y`, and the final values count the commits (preemption bound
//!   2 unless `LOOM_MAX_PREEMPTIONS` says otherwise).
//! - **non-transactional stores vs. reader**: a thread stores `x = 1` then `y = 1` with Relaxed
//!   stores inside `nontx_write` (as a lock holder's plain stores), while a transaction reads `x`
//!   then `y`: `(0, 1)` is impossible in any serial order and must never be returned.

#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::AtomicU64;
use model::{InterruptDistribution, Model, ModelConfig, Preset};
use std::sync::atomic::Ordering;
use tm::TWord;

/// One 64-byte line of words.
#[repr(C, align(64))]
#[derive(Default)]
struct Line([TWord; 2]);

/// A lock word alone on its line (a loom atomic), followed by two data lines.
#[repr(C, align(64))]
struct LockAndData {
    lock: AtomicU64,
    _pad: [u64; 7],
    data: [Line; 2],
}

fn config() -> ModelConfig {
    ModelConfig {
        interrupt_distribution: InterruptDistribution::None,
        orec_table_bits: 4,
        ..ModelConfig::preset(Preset::Haswell, 1e9)
    }
}

fn check(f: impl Fn() + Sync + Send + 'static) {
    check_bounded(3, f)
}

fn check_bounded(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    builder.max_branches = 20_000;
    let executions = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = executions.clone();
    builder.check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        f()
    });
    eprintln!("{} executions", executions.load(Ordering::Relaxed));
}

fn register(lines: &[Line]) {
    for l in lines {
        model::loom_register_words(&l.0);
    }
}

#[test]
fn commit_vs_reader() {
    check(|| {
        let m = Arc::new(Model::new(config()).unwrap());
        let data = Arc::new([Line::default(), Line::default()]);
        register(&*data);
        let writer = {
            let (m, data) = (m.clone(), data.clone());
            loom::thread::spawn(move || {
                let mut t = m.thread();
                let [x, y] = &*data;
                t.speculate(|t| {
                    t.write(&x.0[0], 1)?;
                    t.write(&y.0[0], 1)
                })
                .is_ok()
            })
        };
        let mut t = m.thread();
        let [x, y] = &*data;
        let mut torn = false;
        let seen = t.speculate(|t| {
            let a = t.read(&x.0[0])?;
            let b = t.read(&y.0[0])?;
            torn |= a != b;
            Ok((a, b))
        });
        drop(t);
        let committed = writer.join().unwrap();
        assert!(!torn, "a reader attempt saw one old and one new value");
        if let Ok((a, b)) = seen {
            assert_eq!(a, b);
        }
        let expected = u64::from(committed);
        assert_eq!((x.0[0].load(), y.0[0].load()), (expected, expected));
    });
}

#[test]
fn two_writers_one_line() {
    check(|| {
        let m = Arc::new(Model::new(config()).unwrap());
        let data = Arc::new([Line::default()]);
        register(&*data);
        let increment = |m: &Model, line: &Line| {
            let mut t = m.thread();
            let [x, y] = &line.0;
            let mut torn = false;
            let committed = t
                .speculate(|t| {
                    let a = t.read(x)?;
                    t.write(x, a + 1)?;
                    let b = t.read(y)?;
                    torn |= a != b;
                    t.write(y, b + 1)
                })
                .is_ok();
            assert!(!torn, "an attempt saw x != y");
            committed
        };
        let other = {
            let (m, data) = (m.clone(), data.clone());
            loom::thread::spawn(move || increment(&m, &data[0]))
        };
        let mine = increment(&m, &data[0]);
        let theirs = other.join().unwrap();
        let commits = u64::from(mine) + u64::from(theirs);
        let [x, y] = &data[0].0;
        assert_eq!(
            (x.load(), y.load()),
            (commits, commits),
            "lost or phantom update"
        );
    });
}

#[test]
fn three_threads() {
    check_bounded(2, || {
        let m = Arc::new(Model::new(config()).unwrap());
        let data = Arc::new([Line::default(), Line::default()]);
        register(&*data);
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let (m, data) = (m.clone(), data.clone());
                loom::thread::spawn(move || {
                    let mut t = m.thread();
                    let [x, y] = &*data;
                    t.speculate(|t| {
                        let a = t.read(&x.0[0])?;
                        t.write(&x.0[0], a + 1)?;
                        let b = t.read(&y.0[0])?;
                        t.write(&y.0[0], b + 1)
                    })
                    .is_ok()
                })
            })
            .collect();
        let mut t = m.thread();
        let [x, y] = &*data;
        let mut torn = false;
        let _ = t.speculate(|t| {
            let a = t.read(&x.0[0])?;
            let b = t.read(&y.0[0])?;
            torn |= a != b;
            Ok(())
        });
        drop(t);
        let commits: u64 = writers
            .into_iter()
            .map(|w| u64::from(w.join().unwrap()))
            .sum();
        assert!(!torn, "the reader saw x != y");
        assert_eq!((x.0[0].load(), y.0[0].load()), (commits, commits));
    });
}

#[test]
fn subscription_vs_acquisition() {
    check(|| {
        let m = Arc::new(Model::new(config()).unwrap());
        let shared = Arc::new(LockAndData {
            lock: AtomicU64::new(0),
            _pad: [0; 7],
            data: [Line::default(), Line::default()],
        });
        register(&shared.data);
        let lock_addr = |s: &LockAndData| (&s.lock as *const AtomicU64).cast::<u8>();
        let speculator = {
            let (m, shared) = (m.clone(), shared.clone());
            loom::thread::spawn(move || {
                let mut t = m.thread();
                let [x, y] = &shared.data;
                t.speculate(|t| {
                    // Relaxed, as `RawLock::is_locked` may be: `read_tracked` fences.
                    let held =
                        t.read_tracked(lock_addr(&shared), || shared.lock.load(Ordering::Relaxed))?;
                    if held != 0 {
                        return Err(t.abort(0xff));
                    }
                    t.write(&x.0[0], 1)?;
                    t.write(&y.0[0], 1)
                })
                .is_ok()
            })
        };
        let was = m.nontx_write(lock_addr(&shared), || {
            shared.lock.swap(1, Ordering::Acquire)
        });
        assert_eq!(was, 0);
        // The lock holder's uninstrumented reads.
        let [x, y] = &shared.data;
        let seen = (
            model::loom_plain_load(&x.0[0], Ordering::Relaxed),
            model::loom_plain_load(&y.0[0], Ordering::Relaxed),
        );
        let committed = speculator.join().unwrap();
        let expected = u64::from(committed);
        assert_eq!(
            seen,
            (expected, expected),
            "the lock holder saw a commit half done, or a commit after its acquisition"
        );
    });
}

#[test]
fn nontx_stores_vs_reader() {
    check(|| {
        let m = Arc::new(Model::new(config()).unwrap());
        let data = Arc::new([Line::default(), Line::default()]);
        register(&*data);
        let storer = {
            let (m, data) = (m.clone(), data.clone());
            loom::thread::spawn(move || {
                let [x, y] = &*data;
                for w in [&x.0[0], &y.0[0]] {
                    // Relaxed, as a lock holder's plain stores: `nontx_write` fences.
                    m.nontx_write((w as *const TWord).cast(), || {
                        model::loom_plain_store(w, 1, Ordering::Relaxed)
                    });
                }
            })
        };
        let mut t = m.thread();
        let [x, y] = &*data;
        let mut impossible = false;
        let _ = t.speculate(|t| {
            let a = t.read(&x.0[0])?;
            let b = t.read(&y.0[0])?;
            impossible |= (a, b) == (0, 1);
            Ok(())
        });
        drop(t);
        storer.join().unwrap();
        assert!(!impossible, "a transaction read x = 0 and then y = 1");
    });
}
