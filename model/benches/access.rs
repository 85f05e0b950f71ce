//! Single-thread cost of the model's accesses, beside plain atomic accesses, so the lead can
//! report the model's overhead per access on a quiet machine: `cargo bench -p tmlab-model`.
//!
//! Groups (one per transaction shape), each with:
//! - `raw`: the same loads or stores with no TM at all;
//! - `model`: `ModelThread::speculate` with every access through the model (Haswell preset,
//!   interrupts off, so no clock read per access);
//! - `model+interrupts`: the same with the preset's interrupts (one TSC read per access);
//! - `retry-backend`: the retry-only `tm::Backend` over the model, through `Handle::atomically`.
//!
//! Shapes: `empty`; `read_only/{1,16,256}` (sum N words on N distinct lines);
//! `write/{1,16,64}` (increment N words on N distinct lines); `read_same_line/64` (64 reads
//! of 8 words: L1 hits after the first access to each line).
//!
//! One context per variant runs every iteration, so its logs are warm and reused, as in a run.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use model::testing::RetryBackend;
use model::{InterruptDistribution, Model, ModelConfig, Preset};
use std::hint::black_box;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tm::{Backend, Handle, TWord, Tx};

#[repr(align(64))]
#[derive(Default)]
struct Line([TWord; 8]);

#[derive(Clone, Copy)]
enum Shape {
    Empty,
    ReadOnly(usize),
    Write(usize),
    ReadSameLine(usize),
}

fn words(lines: &[Line], shape: Shape) -> Vec<&TWord> {
    match shape {
        Shape::Empty => Vec::new(),
        Shape::ReadOnly(n) | Shape::Write(n) => lines[..n].iter().map(|l| &l.0[0]).collect(),
        Shape::ReadSameLine(n) => lines[..n / 8].iter().flat_map(|l| l.0.iter()).collect(),
    }
}

fn raw(group: &mut BenchmarkGroup<'_, WallTime>, ws: &[&TWord], shape: Shape) {
    group.bench_function("raw", |b| match shape {
        Shape::Write(_) => b.iter(|| {
            for w in black_box(ws) {
                let a = w.atomic();
                a.store(a.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
            }
        }),
        _ => b.iter(|| {
            let mut sum = 0u64;
            for w in black_box(ws) {
                sum = sum.wrapping_add(w.atomic().load(Ordering::Relaxed));
            }
            sum
        }),
    });
}

fn on_model<'m>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    model: &'m Model,
    ws: &[&'m TWord],
    shape: Shape,
) {
    let mut t = model.thread();
    group.bench_function(name, |b| match shape {
        // Not unwrapped: with interrupts on, an attempt may abort (status 0).
        Shape::Write(_) => b.iter(|| {
            t.speculate(|t| {
                for &w in black_box(ws) {
                    let v = t.read(w)?;
                    t.write(w, v.wrapping_add(1))?;
                }
                Ok(())
            })
        }),
        _ => b.iter(|| {
            t.speculate(|t| {
                let mut sum = 0u64;
                for &w in black_box(ws) {
                    sum = sum.wrapping_add(t.read(w)?);
                }
                Ok(sum)
            })
        }),
    });
}

fn on_backend<'a>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    backend: &'a RetryBackend,
    ws: &[&'a TWord],
    shape: Shape,
) {
    let mut h = backend.handle();
    group.bench_function("retry-backend", |b| match shape {
        Shape::Write(_) => b.iter(|| {
            h.atomically(|tx| {
                for &w in black_box(ws) {
                    let v = tx.read(w)?;
                    tx.write(w, v.wrapping_add(1))?;
                }
                Ok(())
            })
            .unwrap()
        }),
        _ => b.iter(|| {
            h.atomically(|tx| {
                let mut sum = 0u64;
                for &w in black_box(ws) {
                    sum = sum.wrapping_add(tx.read(w)?);
                }
                Ok(sum)
            })
            .unwrap()
        }),
    });
}

fn accesses(c: &mut Criterion) {
    // The TSC rate only scales interrupt times; the benchmark measures access costs.
    let hz = tm::clock::ticks_per_second(Duration::from_millis(20));
    let preset = ModelConfig::preset(Preset::Haswell, hz);
    let quiet = ModelConfig {
        interrupt_distribution: InterruptDistribution::None,
        ..preset.clone()
    };
    let lines: Vec<Line> = (0..256).map(|_| Line::default()).collect();
    let model = Model::new(quiet.clone()).unwrap();
    let with_interrupts = Model::new(preset).unwrap();
    let backend = RetryBackend::new(quiet).unwrap();
    let shapes = [
        ("empty", Shape::Empty),
        ("read_only/1", Shape::ReadOnly(1)),
        ("read_only/16", Shape::ReadOnly(16)),
        ("read_only/256", Shape::ReadOnly(256)),
        ("write/1", Shape::Write(1)),
        ("write/16", Shape::Write(16)),
        ("write/64", Shape::Write(64)),
        ("read_same_line/64", Shape::ReadSameLine(64)),
    ];
    for (name, shape) in shapes {
        let ws = words(&lines, shape);
        let mut group = c.benchmark_group(name);
        raw(&mut group, &ws, shape);
        on_model(&mut group, "model", &model, &ws, shape);
        on_model(&mut group, "model+interrupts", &with_interrupts, &ws, shape);
        on_backend(&mut group, &backend, &ws, shape);
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30);
    targets = accesses
}
criterion_main!(benches);
