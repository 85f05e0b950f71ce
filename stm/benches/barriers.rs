//! Single-thread cost of the barriers: every backend beside the uninstrumented baseline.
//!
//! Groups (one per transaction shape), each with the backends `sequential` (the uninstrumented
//! baseline through the same `Handle::atomically` interface, counting only: the default
//! [`tm::Accounting::Counts`], no clock reads), `tl2`, `lsa`, `norec` and `global-lock`, plus `raw`,
//! the same loads or stores with no TM interface at all, for reference. Every group also has
//! `sequential+cycles`, the baseline with [`tm::Accounting::Cycles`] (two TSC reads per attempt,
//! what every transaction paid before issue 11): `empty` then shows the harness's own cost,
//! `sequential` against `raw` (now) and `sequential+cycles` against `raw` (before).
//!
//! - `empty`: a transaction that touches nothing;
//! - `read_only/{1,16,256}`: sum N distinct words;
//! - `write/{1,16,64}`: increment N distinct words (each word read, then written).
//!
//! One handle per backend runs every iteration, so logs are warm and reused, as in a real run.
//! Warm-up and measurement times are short so that the whole run takes a couple of minutes:
//! `cargo bench -p tmlab-stm`.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::atomic::Ordering;
use std::time::Duration;
use stm::{GlobalLock, Lsa, Norec, Sequential, Tl2};
use tm::{Accounting, Backend, Handle, TWord, Tx};

#[derive(Clone, Copy)]
enum Shape {
    Empty,
    ReadOnly(usize),
    Write(usize),
}

fn transaction<B: Backend>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    backend: &B,
    words: &[TWord],
    shape: Shape,
) {
    timed(group, backend, words, shape, Accounting::Counts);
}

/// One backend's entry, with the given accounting (`+cycles` is appended to the name of a
/// cycle-accounting entry).
fn timed<B: Backend>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    backend: &B,
    words: &[TWord],
    shape: Shape,
    accounting: Accounting,
) {
    let mut h = backend.handle_with(accounting);
    let mut name = backend.info().name;
    if accounting.cycles() {
        name.push_str("+cycles");
    }
    group.bench_function(name, |b| match shape {
        Shape::Empty => b.iter(|| h.atomically(|_| Ok(black_box(0u64))).unwrap()),
        Shape::ReadOnly(n) => b.iter(|| {
            h.atomically(|tx| {
                let mut sum = 0u64;
                for w in &words[..n] {
                    sum = sum.wrapping_add(tx.read(w)?);
                }
                Ok(sum)
            })
            .unwrap()
        }),
        Shape::Write(n) => b.iter(|| {
            h.atomically(|tx| {
                for w in &words[..n] {
                    let v = tx.read(w)?;
                    tx.write(w, v.wrapping_add(1))?;
                }
                Ok(())
            })
            .unwrap()
        }),
    });
}

fn raw(group: &mut BenchmarkGroup<'_, WallTime>, words: &[TWord], shape: Shape) {
    group.bench_function("raw", |b| match shape {
        Shape::Empty => b.iter(|| black_box(0u64)),
        Shape::ReadOnly(n) => b.iter(|| {
            let mut sum = 0u64;
            for w in black_box(&words[..n]) {
                sum = sum.wrapping_add(w.atomic().load(Ordering::Relaxed));
            }
            sum
        }),
        Shape::Write(n) => b.iter(|| {
            for w in black_box(&words[..n]) {
                let a = w.atomic();
                a.store(a.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
            }
        }),
    });
}

fn barriers(c: &mut Criterion) {
    let words: Vec<TWord> = (0..256).map(TWord::new).collect();
    let shapes = [
        ("empty".to_string(), Shape::Empty),
        ("read_only/1".into(), Shape::ReadOnly(1)),
        ("read_only/16".into(), Shape::ReadOnly(16)),
        ("read_only/256".into(), Shape::ReadOnly(256)),
        ("write/1".into(), Shape::Write(1)),
        ("write/16".into(), Shape::Write(16)),
        ("write/64".into(), Shape::Write(64)),
    ];
    let (sequential, tl2, lsa, norec, lock) = (
        Sequential::new(),
        Tl2::new(),
        Lsa::new(),
        Norec::new(),
        GlobalLock::new(),
    );
    for (name, shape) in shapes {
        let mut group = c.benchmark_group(name);
        raw(&mut group, &words, shape);
        transaction(&mut group, &sequential, &words, shape);
        timed(&mut group, &sequential, &words, shape, Accounting::Cycles);
        transaction(&mut group, &tl2, &words, shape);
        transaction(&mut group, &lsa, &words, shape);
        transaction(&mut group, &norec, &words, shape);
        transaction(&mut group, &lock, &words, shape);
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30);
    targets = barriers
}
criterion_main!(benches);
