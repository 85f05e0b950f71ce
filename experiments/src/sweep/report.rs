//! The short table printed when a sweep ends: the key numbers, computed by [`crate::analysis`]
//! from the rows alone (the same function the charts use).

use crate::analysis::{Crossing, Curve};
use crate::results::rows::Record;
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

fn header(meta: &Meta, out: &mut String) {
    if meta.is_mock() {
        let _ = writeln!(out, "*** {MOCK_BANNER} ***");
    }
}

/// The table of a capacity run.
pub fn capacity_table(meta: &Meta, rows: &[CapacityRow]) -> String {
    let mut out = String::new();
    header(meta, &mut out);
    let warm = match &meta.spec {
        SweepSpec::Capacity(s) => name(&s.warmth),
        SweepSpec::Duration(_) => String::new(),
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
    if let Some(l1) = meta.machine.l1d {
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
    }
}
