//! The cost of one short operation, in TSC cycles, measured in batches.
//!
//! A single `xbegin`/`xend` pair takes tens of cycles, about as long as reading the counter, so it
//! is timed in batches: `tm::clock::start()`, `ops` repetitions, `tm::clock::stop()` (serialized
//! reads, so the batch can neither start early nor finish late). An empty batch, the same loop
//! around nothing, is measured in the same run, and its median is subtracted from every batch.
//! The figure is then, per batch, `(batch - median empty batch) / ops` cycles per operation, and
//! the report gives the median over batches with the 10th and 90th percentiles, minimum and
//! maximum. A few batches run first and are discarded (cold caches, frequency ramp-up).
//!
//! The cycles are TSC (reference) cycles, not core clock cycles: they equal core cycles only
//! when the core runs at the TSC frequency.

use serde::Serialize;

/// Median and spread of a per-operation cost over batches.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Spread {
    /// Median over batches, cycles per operation.
    pub median: f64,
    /// 10th percentile (nearest rank).
    pub p10: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
    /// Smallest batch.
    pub min: f64,
    /// Largest batch.
    pub max: f64,
    /// Batches measured (after the discarded warm-up batches).
    pub batches: usize,
    /// Operations per batch.
    pub ops_per_batch: u64,
    /// The median empty-loop batch, in cycles, subtracted from every batch.
    pub overhead_cycles_per_batch: f64,
}

/// Batches discarded before measuring.
const WARMUP_BATCHES: usize = 5;

/// The nearest-rank `q`-quantile (0 <= q <= 1) of sorted, non-empty `v`.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty());
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// The median of sorted, non-empty `v` (the mean of the middle two for an even length).
pub fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    assert!(n > 0);
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Turns raw batch cycle counts into a per-operation [`Spread`], subtracting `overhead` cycles
/// per batch (clamped at zero: a batch cannot cost less than nothing).
pub fn spread(batches: &[u64], ops: u64, overhead: f64) -> Spread {
    let mut per_op: Vec<f64> = batches
        .iter()
        .map(|&b| ((b as f64 - overhead) / ops as f64).max(0.0))
        .collect();
    per_op.sort_by(f64::total_cmp);
    Spread {
        median: median(&per_op),
        p10: quantile(&per_op, 0.1),
        p90: quantile(&per_op, 0.9),
        min: per_op[0],
        max: per_op[per_op.len() - 1],
        batches: per_op.len(),
        ops_per_batch: ops,
        overhead_cycles_per_batch: overhead,
    }
}

/// Times `batches` batches of `ops` calls of `op` (after the warm-up batches), in TSC cycles per
/// batch. `op` receives the index within the batch.
#[inline(always)]
pub fn time_batches(batches: usize, ops: u64, mut op: impl FnMut(u64)) -> Vec<u64> {
    let mut out = Vec::with_capacity(batches);
    for b in 0..WARMUP_BATCHES + batches {
        let t0 = tm::clock::start();
        for i in 0..ops {
            op(i);
        }
        let t1 = tm::clock::stop();
        if b >= WARMUP_BATCHES {
            out.push(t1.wrapping_sub(t0));
        }
    }
    out
}

/// The median cycles of an empty batch: the loop and the counter reads alone.
pub fn empty_batch_overhead(batches: usize, ops: u64) -> f64 {
    let raw = time_batches(batches, ops, |i| {
        // An empty `asm!` that takes `i` in a register and may touch memory: the loop cannot be
        // removed or vectorized, and costs no store (unlike `black_box`, which spills to the
        // stack). The C reference uses the same empty `asm volatile`.
        // SAFETY: the assembly is empty; it reads a register and does nothing.
        unsafe { core::arch::asm!("/* {0} */", in(reg) i, options(nostack, preserves_flags)) };
    });
    let mut v: Vec<f64> = raw.iter().map(|&c| c as f64).collect();
    v.sort_by(f64::total_cmp);
    median(&v)
}

/// One `lock xadd` on `word`, written in assembly so that exactly this instruction is timed
/// (a `fetch_add` whose result is unused may compile to `lock add`).
#[inline(always)]
pub fn lock_xadd(word: &std::sync::atomic::AtomicU64) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        let mut v: u64 = 1;
        // SAFETY: `word` is a valid, aligned `AtomicU64`; `lock xadd` performs an atomic
        // read-modify-write of it (as `fetch_add(1, SeqCst)` would) and writes the old value to
        // `v`. The memory clobber is implied (no `nomem`).
        unsafe {
            core::arch::asm!(
                "lock xadd qword ptr [{p}], {v}",
                p = in(reg) word.as_ptr(),
                v = inout(reg) v,
                options(nostack),
            )
        };
        v
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        word.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    }
}

/// Measures `lock xadd` on one private, cache-resident word.
pub fn measure_lock_xadd(batches: usize, ops: u64) -> Spread {
    let word = std::sync::atomic::AtomicU64::new(0);
    let overhead = empty_batch_overhead(batches, ops);
    let raw = time_batches(batches, ops, |_| {
        std::hint::black_box(lock_xadd(&word));
    });
    spread(&raw, ops, overhead)
}

/// Measures empty transactions (`xbegin` immediately followed by `xend`), and tallies every one
/// run (warm-up batches included): their aborts are the spontaneous aborts of this machine. The
/// abort path is `#[cold]` and out of line, so a committing batch times only the pair itself.
pub fn measure_xbegin_xend<T: crate::kernels::Transact>(
    rtm: T,
    batches: usize,
    ops: u64,
) -> (Spread, crate::kernels::Tally) {
    let overhead = empty_batch_overhead(batches, ops);
    let mut aborts = crate::kernels::Tally::default();
    let raw = time_batches(batches, ops, |_| {
        if let Err(status) = rtm.transaction(|| ()) {
            record_abort(&mut aborts, status);
        }
    });
    // Every transaction run counts towards the abort rate, the warm-up batches' included.
    let total = (WARMUP_BATCHES + batches) as u64 * ops;
    let mut tally = aborts;
    tally.attempts = total;
    tally.commits = total - aborts.aborts();
    (spread(&raw, ops, overhead), tally)
}

#[cold]
#[inline(never)]
fn record_abort(t: &mut crate::kernels::Tally, status: htm::AbortStatus) {
    t.record(Err(status));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_nearest_rank() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.1), 1.0);
        assert_eq!(quantile(&v, 0.9), 9.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 10.0);
        assert_eq!(median(&v), 5.5);
        assert_eq!(median(&[3.0]), 3.0);
    }

    #[test]
    fn spread_subtracts_the_overhead_per_batch() {
        let s = spread(&[1100, 1200, 1300, 5000, 1000], 100, 1000.0);
        assert_eq!(s.median, 2.0);
        assert_eq!((s.min, s.max), (0.0, 40.0));
        assert_eq!(s.batches, 5);
        assert_eq!(s.overhead_cycles_per_batch, 1000.0);
    }

    #[test]
    fn lock_xadd_adds_and_costs_something() {
        let w = std::sync::atomic::AtomicU64::new(41);
        assert_eq!(lock_xadd(&w), 41);
        assert_eq!(w.load(std::sync::atomic::Ordering::Relaxed), 42);
        // The overhead subtracted per batch is measured too: on a machine loaded by other work
        // one measurement can come out at zero, so a few are allowed before concluding.
        let s = (0..5)
            .map(|_| measure_lock_xadd(21, 200))
            .find(|s| s.median > 0.0)
            .expect("lock xadd measured at zero cycles five times in a row");
        assert!(s.p10 <= s.median && s.median <= s.p90, "{s:?}");
    }
}
