//! The short table printed when a sweep ends: the key numbers, computed by [`crate::analysis`]
//! from the rows alone (the same function the charts use).

use crate::analysis::{Crossing, Curve};
use crate::results::rows::Tallied;
use crate::results::{CapacityRow, DurationRow, Loaded, Meta, Rows};
use crate::sweep::spec::SweepSpec;
use std::fmt::Write;

/// The banner that marks mock data everywhere it is shown.
pub const MOCK_BANNER: &str = "MOCK DATA - not a measurement";

/// One curve per op x pattern, in the spec's order.
pub fn capacity_curves(meta: &Meta, rows: &[CapacityRow]) -> Vec<(String, Curve)> {
    let SweepSpec::Capacity(spec) = &meta.spec else {
        return Vec::new();
    };
    spec.groups()
        .into_iter()
        .map(|(op, pattern)| {
            let mut c = Curve::default();
            rows.iter()
                .filter(|r| r.op == op && r.pattern == pattern)
                .for_each(|r| c.add(r.lines, r.rep, r.tally()));
            (format!("{} {}", name(&op), name(&pattern)), c)
        })
        .filter(|(_, c)| !c.is_empty())
        .collect()
}

/// The duration curve, keyed by cycles.
pub fn duration_curve(rows: &[DurationRow]) -> Curve {
    let mut c = Curve::default();
    rows.iter().for_each(|r| c.add(r.cycles, r.rep, r.tally()));
    c
}

/// The kebab-case name serde uses for a value (`same-set`).
pub fn name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The banner of a capacity or duration run whose kernels ran on the modelled HTM.
pub fn model_banner(meta: &Meta) -> Option<String> {
    meta.spec.model().map(|source| {
        format!("MODELLED HTM (model:{source}) - a model's prediction, not this machine's RTM")
    })
}

/// What ran the transactions, for titles: `RTM` or `Modelled HTM (model:haswell)`.
pub fn htm_name(meta: &Meta) -> String {
    match meta.spec.model() {
        Some(source) => format!("Modelled HTM (model:{source})"),
        None => "RTM".into(),
    }
}

/// The L1D the footprints met: the modelled one (from `meta.json`'s model parameters) for a
/// modelled run, else this machine's. `(lines, ways, label of the size)`.
pub fn l1_reference(meta: &Meta) -> Option<(u64, u32, String)> {
    if let Some(source) = meta.spec.model() {
        let params = meta.models.get(&format!("model:{source}"))?;
        let get = |k: &str| params.get(k).and_then(|v| v.parse::<u64>().ok());
        let (lines, ways) = (get("l1_lines")?, get("l1_ways")?);
        return Some((
            lines,
            u32::try_from(ways).ok()?,
            format!("modelled L1D {} KiB", lines * 64 / 1024),
        ));
    }
    let l1 = meta.machine.l1d?;
    let line_bytes = u64::from(l1.line_bytes.max(1));
    Some((
        l1.size_bytes / line_bytes,
        l1.ways,
        format!("L1D {} KiB", l1.size_bytes / 1024),
    ))
}

fn header(meta: &Meta, out: &mut String) {
    if meta.is_mock() {
        let _ = writeln!(out, "*** {MOCK_BANNER} ***");
    }
    if let Some(banner) = model_banner(meta) {
        let _ = writeln!(out, "*** {banner} ***");
    }
}

/// The table of a capacity run.
pub fn capacity_table(meta: &Meta, rows: &[CapacityRow]) -> String {
    let mut out = String::new();
    header(meta, &mut out);
    let warm = match &meta.spec {
        SweepSpec::Capacity(s) => name(&s.warmth),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "{:<16} {:>24} {:>8} {:>22}",
        format!("op pattern ({warm})"),
        "largest lines >= 50 %",
        "median",
        "first below 50 %"
    );
    for (label, curve) in capacity_curves(meta, rows) {
        let Crossing {
            last_ok,
            first_fail,
        } = curve.crossing();
        let ok = last_ok.map_or(("none".to_string(), "-".to_string()), |s| {
            (s.x.to_string(), format!("{:.3}", s.median))
        });
        let fail = first_fail.map_or("none measured".to_string(), |s| {
            format!("{} ({:.3})", s.x, s.median)
        });
        let _ = writeln!(out, "{label:<16} {:>24} {:>8} {fail:>22}", ok.0, ok.1);
    }
    if meta.spec.model().is_some() {
        if let Some((lines, ways, size)) = l1_reference(meta) {
            let _ = writeln!(out, "for comparison, {size} = {lines} lines, {ways}-way");
        }
    } else if let Some(l1) = meta.machine.l1d {
        let _ = writeln!(
            out,
            "for comparison, L1D (sysfs): {} KiB = {} lines, {}-way, {} sets",
            l1.size_bytes / 1024,
            l1.size_bytes / u64::from(l1.line_bytes.max(1)),
            l1.ways,
            l1.sets
        );
    }
    out
}

/// The table of a duration run; `tsc_hz` converts cycles to microseconds.
pub fn duration_table(meta: &Meta, rows: &[DurationRow]) -> String {
    let mut out = String::new();
    header(meta, &mut out);
    let us = |cycles: u64| cycles as f64 / meta.machine.tsc_hz * 1e6;
    let Crossing {
        last_ok,
        first_fail,
    } = duration_curve(rows).crossing();
    let ok = last_ok.map_or("none".to_string(), |s| {
        format!("{:.3} us ({} cycles, median {:.3})", us(s.x), s.x, s.median)
    });
    let fail = first_fail.map_or("none measured".to_string(), |s| {
        format!("{:.3} us ({} cycles, median {:.3})", us(s.x), s.x, s.median)
    });
    let _ = writeln!(out, "longest duration committing >= 50 %: {ok}");
    let _ = writeln!(out, "first duration below 50 %:          {fail}");
    out
}

/// The table of any run.
pub fn table(run: &Loaded) -> String {
    match &run.rows {
        Rows::Capacity(rows) => capacity_table(&run.meta, rows),
        Rows::Duration(rows) => duration_table(&run.meta, rows),
        Rows::Workload(rows) => workload_table(&run.meta, rows),
    }
}

/// The table of a workload sweep: every point's median throughput (with its range) and abort
/// rate, the crossovers of a `txsize` run, and the backends that were not run.
pub fn workload_table(meta: &Meta, rows: &[crate::results::WorkloadRow]) -> String {
    use crate::comparison::Comparison;
    use crate::stats::si;
    let mut out = String::new();
    header(meta, &mut out);
    let Some(spec) = meta.spec.scaling() else {
        return out;
    };
    let order: Vec<String> = spec.backends.iter().map(|b| b.name.clone()).collect();
    let c = Comparison::of(rows, &order);
    let _ = writeln!(
        out,
        "{}: median of {} reps (min-max); abort rate excludes the workload's own cancellations",
        spec.workload.describe(),
        spec.reps
    );
    let sized = !c.sizes.is_empty();
    let _ = writeln!(
        out,
        "{:<22} {:>7} {}{:>30} {:>11} {:>10}",
        "backend",
        "threads",
        if sized {
            format!("{:>8} ", "size")
        } else {
            String::new()
        },
        "throughput (tx/s)",
        "abort rate",
        "fallbacks"
    );
    for size in c.size_keys() {
        for &t in &c.threads {
            for b in &c.backends {
                let Some(p) = c.get(b, t, size) else { continue };
                let tp = format!(
                    "{} ({}-{})",
                    si(p.throughput.median),
                    si(p.throughput.min),
                    si(p.throughput.max)
                );
                let _ = writeln!(
                    out,
                    "{:<22} {:>7} {}{:>30} {:>10.2}% {:>9.1}%{}",
                    b,
                    t,
                    size.map_or(String::new(), |s| format!("{s:>8} ")),
                    tp,
                    100.0 * p.abort_rate.median,
                    100.0 * p.fallback_share.median,
                    if p.failed_checks > 0 {
                        format!("  CHECK FAILED in {} reps", p.failed_checks)
                    } else {
                        String::new()
                    }
                );
            }
        }
    }
    for x in c.crossovers() {
        let _ = match (x.last_faster, x.first_slower) {
            (Some(a), Some(b)) => writeln!(
                out,
                "crossover: {} at {} threads beats the best STM up to size {a} ({:.2}x at the smallest) and loses from size {b}",
                x.htm, x.threads, x.ratio_at_smallest
            ),
            (Some(a), None) => writeln!(
                out,
                "crossover: {} at {} threads beats the best STM at every size measured (to {a}; {:.2}x at the smallest)",
                x.htm, x.threads, x.ratio_at_smallest
            ),
            (None, _) => writeln!(
                out,
                "crossover: {} at {} threads is slower than the best STM at every size ({:.2}x at the smallest)",
                x.htm, x.threads, x.ratio_at_smallest
            ),
        };
    }
    if c.backends.iter().any(|b| crate::comparison::is_modelled(b)) {
        let _ = writeln!(out, "note: {}", crate::comparison::MODEL_SPEED);
    }
    for s in &meta.skipped {
        let t: Vec<String> = s.threads.iter().map(u64::to_string).collect();
        let _ = writeln!(
            out,
            "not run: {} at {} thread(s): {}",
            s.backend,
            t.join(","),
            s.reason
        );
    }
    out
}
