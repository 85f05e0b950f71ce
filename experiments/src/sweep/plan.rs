//! The planner: given a sweep's spec and the rows recorded so far, the next point to run.
//!
//! It is a pure function of its inputs, so a resumed run continues exactly where the interrupted
//! one stopped, and the union of both is the set of points an uninterrupted run measures
//! (provided each point's outcome does not depend on the history, which holds for the mock and,
//! up to noise, for the hardware). Points run in plan order; a point's repetitions run back to
//! back, lowest missing repetition first.
//!
//! - **List** (`--sizes`, `--cycles`): every value in increasing order, for every curve.
//! - **Ladder** (duration without `--cycles`): the rungs in increasing order, stopping after the
//!   first rung at which no repetition committed anything.
//! - **Refine** (capacity without `--sizes`), per op x pattern: a coarse pass over powers of two
//!   (and `max_lines`) that stops after the first footprint where nothing commits; then, between
//!   the last coarse footprint with median commit rate >= 0.5 (`lo`, 0 if none) and the first
//!   below (`hi`), bisection: measure `mid = (lo + hi) / 2` and move `lo` or `hi` to it, until
//!   `hi - lo == 1`. Decisions use only complete points (all repetitions), so they are replayed
//!   identically from the rows on every call.

use super::spec::{CapacitySpec, Cycles, DurationSpec, Sizes};
use crate::analysis::Curve;
use crate::kernels::footprint::{Op, Pattern};
use crate::results::{CapacityRow, DurationRow};

/// One repetition of one capacity point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapacityPoint {
    /// The operation.
    pub op: Op,
    /// The layout.
    pub pattern: Pattern,
    /// Footprint in lines.
    pub lines: u64,
    /// Repetition index.
    pub rep: u32,
}

/// One repetition of one duration point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationPoint {
    /// Spin length in TSC cycles.
    pub cycles: u64,
    /// Repetition index.
    pub rep: u32,
}

/// How one curve chooses its points.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// Every candidate.
    List,
    /// Candidates in order until one where nothing commits; then optionally bisect.
    Ladder { bisect: bool },
}

/// The next `(x, rep)` of one curve, or `None` when the curve is finished.
fn next_in_curve(curve: &Curve, candidates: &[u64], reps: u32, mode: Mode) -> Option<(u64, u32)> {
    let mut lo = 0u64;
    let mut hi: Option<u64> = None;
    for &x in candidates {
        if let Some(rep) = curve.missing_rep(x, reps) {
            return Some((x, rep));
        }
        let s = curve.stats_at(x).expect("complete point has stats");
        if let Mode::Ladder { .. } = mode {
            if hi.is_none() {
                if s.median >= 0.5 {
                    lo = x;
                } else {
                    hi = Some(x);
                }
            }
            if s.pooled.commits == 0 {
                break;
            }
        }
    }
    let (Mode::Ladder { bisect: true }, Some(mut hi)) = (mode, hi) else {
        return None;
    };
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if let Some(rep) = curve.missing_rep(mid, reps) {
            return Some((mid, rep));
        }
        if curve.stats_at(mid).expect("complete").median >= 0.5 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    None
}

/// Powers of two up to `max`, and `max` itself.
fn coarse(max: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (0..64)
        .map(|k| 1u64 << k)
        .take_while(|&x| x <= max)
        .collect();
    if v.last() != Some(&max) {
        v.push(max);
    }
    v
}

/// The next capacity point to run, or `None` when the sweep is complete.
pub fn next_capacity(spec: &CapacitySpec, rows: &[CapacityRow]) -> Option<CapacityPoint> {
    let (candidates, mode) = match &spec.sizes {
        Sizes::List(v) => (v.clone(), Mode::List),
        Sizes::Refine { max_lines } => (coarse(*max_lines), Mode::Ladder { bisect: true }),
    };
    for (op, pattern) in spec.groups() {
        let mut curve = Curve::default();
        rows.iter()
            .filter(|r| r.op == op && r.pattern == pattern)
            .for_each(|r| curve.add(r.lines, r.rep, crate::results::rows::Record::tally(r)));
        if let Some((lines, rep)) = next_in_curve(&curve, &candidates, spec.reps, mode) {
            return Some(CapacityPoint {
                op,
                pattern,
                lines,
                rep,
            });
        }
    }
    None
}

/// The next duration point to run, or `None` when the sweep is complete.
pub fn next_duration(spec: &DurationSpec, rows: &[DurationRow]) -> Option<DurationPoint> {
    let mode = match spec.cycles {
        Cycles::List(_) => Mode::List,
        Cycles::Ladder { .. } => Mode::Ladder { bisect: false },
    };
    let mut curve = Curve::default();
    rows.iter()
        .for_each(|r| curve.add(r.cycles, r.rep, crate::results::rows::Record::tally(r)));
    next_in_curve(&curve, &spec.cycles.candidates(), spec.reps, mode)
        .map(|(cycles, rep)| DurationPoint { cycles, rep })
}

/// Checks that `rows` are exactly what the planner runs, in its order, with this spec's constant
/// columns: the test a folder must pass before `--resume` appends to it.
pub fn check_capacity_rows(spec: &CapacitySpec, rows: &[CapacityRow]) -> Result<(), String> {
    for (i, r) in rows.iter().enumerate() {
        let want = next_capacity(spec, &rows[..i]);
        let got = CapacityPoint {
            op: r.op,
            pattern: r.pattern,
            lines: r.lines,
            rep: r.rep,
        };
        if want != Some(got)
            || r.warm != spec.warmth
            || r.seed != spec.seed
            || r.attempts != spec.attempts
        {
            return Err(format!(
                "row {} ({:?} {:?} lines={} rep={} warm={:?} seed={} attempts={}) is not the planned point {want:?}",
                i + 1,
                r.op,
                r.pattern,
                r.lines,
                r.rep,
                r.warm,
                r.seed,
                r.attempts
            ));
        }
    }
    Ok(())
}

/// [`check_capacity_rows`] for duration sweeps.
pub fn check_duration_rows(spec: &DurationSpec, rows: &[DurationRow]) -> Result<(), String> {
    for (i, r) in rows.iter().enumerate() {
        let want = next_duration(spec, &rows[..i]);
        let got = DurationPoint {
            cycles: r.cycles,
            rep: r.rep,
        };
        if want != Some(got) || r.seed != spec.seed || r.attempts != spec.attempts {
            return Err(format!(
                "row {} (cycles={} rep={} seed={} attempts={}) is not the planned point {want:?}",
                i + 1,
                r.cycles,
                r.rep,
                r.seed,
                r.attempts
            ));
        }
    }
    Ok(())
}
