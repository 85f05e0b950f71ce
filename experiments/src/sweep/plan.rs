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
            .for_each(|r| curve.add(r.lines, r.rep, crate::results::rows::Tallied::tally(r)));
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
        .for_each(|r| curve.add(r.cycles, r.rep, crate::results::rows::Tallied::tally(r)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::Tally;
    use crate::kernels::footprint::{FootprintSpec, Warmth};
    use crate::results::Hardware as Source;
    use crate::sweep::hardware::Hardware;
    use crate::sweep::mock::MockHardware;
    use crate::sweep::spec::SweepSpec;
    use std::time::Duration;

    /// Commits every attempt up to a footprint threshold and none above it.
    struct Step {
        threshold: u64,
    }

    impl Hardware for Step {
        fn source(&self) -> Source {
            Source::Mock
        }
        fn footprint(&mut self, spec: &FootprintSpec, _rep: u32, attempts: u64) -> Tally {
            let ok = spec.lines as u64 <= self.threshold;
            Tally {
                attempts,
                commits: if ok { attempts } else { 0 },
                capacity: if ok { 0 } else { attempts },
                ..Tally::default()
            }
        }
        fn duration(&mut self, cycles: u64, _rep: u32, attempts: u64) -> Tally {
            let ok = cycles <= self.threshold;
            Tally {
                attempts,
                commits: if ok { attempts } else { 0 },
                status0: if ok { 0 } else { attempts },
                ..Tally::default()
            }
        }
    }

    fn capacity_spec(sizes: Sizes) -> CapacitySpec {
        CapacitySpec {
            ops: vec![Op::Write, Op::Read],
            patterns: vec![Pattern::Seq, Pattern::SameSet],
            sizes,
            warmth: Warmth::Warm,
            attempts: 40,
            reps: 3,
            seed: 9,
            model: None,
        }
    }

    /// Runs the planner to the end from `rows`, measuring with `hw`.
    fn finish_capacity(
        spec: &CapacitySpec,
        hw: &mut impl Hardware,
        mut rows: Vec<CapacityRow>,
    ) -> Vec<CapacityRow> {
        while let Some(p) = next_capacity(spec, &rows) {
            let fp = FootprintSpec {
                op: p.op,
                pattern: p.pattern,
                lines: p.lines as usize,
                warmth: spec.warmth,
            };
            let t = hw.footprint(&fp, p.rep, spec.attempts);
            rows.push(CapacityRow::new(
                p.op,
                p.pattern,
                p.lines,
                spec.warmth,
                p.rep,
                spec.seed,
                &t,
            ));
            assert!(rows.len() < 10_000, "planner does not terminate");
        }
        rows
    }

    fn finish_duration(
        spec: &DurationSpec,
        hw: &mut impl Hardware,
        mut rows: Vec<DurationRow>,
    ) -> Vec<DurationRow> {
        while let Some(p) = next_duration(spec, &rows) {
            let t = hw.duration(p.cycles, p.rep, spec.attempts);
            rows.push(DurationRow::new(p.cycles, 3e9, p.rep, spec.seed, &t));
            assert!(rows.len() < 10_000, "planner does not terminate");
        }
        rows
    }

    fn key(r: &CapacityRow) -> (Op, Pattern, u64, u32) {
        (r.op, r.pattern, r.lines, r.rep)
    }

    #[test]
    fn a_list_plan_is_the_full_cross_product_in_order() {
        let spec = capacity_spec(Sizes::List(vec![1, 3, 9]));
        let rows = finish_capacity(&spec, &mut MockHardware::new(9, Duration::ZERO), vec![]);
        let mut want = Vec::new();
        for (op, pattern) in spec.groups() {
            for lines in [1, 3, 9] {
                for rep in 0..3 {
                    want.push((op, pattern, lines, rep));
                }
            }
        }
        assert_eq!(rows.iter().map(key).collect::<Vec<_>>(), want);
    }

    #[test]
    fn refine_finds_a_step_exactly() {
        for threshold in [1, 2, 5, 300, 511, 512, 513, 1000] {
            let spec = capacity_spec(Sizes::Refine { max_lines: 4096 });
            let rows = finish_capacity(&spec, &mut Step { threshold }, vec![]);
            for (label, curve) in crate::sweep::report::capacity_curves(
                &meta_for(SweepSpec::Capacity(spec.clone())),
                &rows,
            ) {
                let c = curve.crossing();
                assert_eq!(c.last_ok.map(|s| s.x), Some(threshold), "{label}");
                assert_eq!(c.first_fail.map(|s| s.x), Some(threshold + 1), "{label}");
            }
            // Coarse pass stops at the first power of two where nothing commits.
            let max = rows.iter().map(|r| r.lines).max().unwrap();
            assert_eq!(max, (threshold + 1).next_power_of_two());
        }
        // Nothing commits even at one line: no bisection, answer "none".
        let spec = capacity_spec(Sizes::Refine { max_lines: 64 });
        let rows = finish_capacity(&spec, &mut Step { threshold: 0 }, vec![]);
        assert!(rows.iter().all(|r| r.lines == 1));
        // Everything commits: the coarse pass runs to max_lines, even if not a power of two.
        let spec = capacity_spec(Sizes::Refine { max_lines: 100 });
        let rows = finish_capacity(&spec, &mut Step { threshold: 1000 }, vec![]);
        let mut sizes: Vec<u64> = rows.iter().map(|r| r.lines).collect();
        sizes.dedup();
        assert_eq!(sizes[..8], [1, 2, 4, 8, 16, 32, 64, 100]);
    }

    #[test]
    fn refine_converges_to_one_line_on_noisy_curves() {
        let spec = capacity_spec(Sizes::Refine { max_lines: 65536 });
        let rows = finish_capacity(&spec, &mut MockHardware::new(9, Duration::ZERO), vec![]);
        let meta = meta_for(SweepSpec::Capacity(spec));
        for (label, curve) in crate::sweep::report::capacity_curves(&meta, &rows) {
            let c = curve.crossing();
            let (ok, fail) = (c.last_ok.unwrap().x, c.first_fail.unwrap().x);
            assert_eq!(
                ok + 1,
                fail,
                "{label}: bisection must end at 1-line resolution"
            );
        }
    }

    /// Interrupting after every possible number of rows and resuming yields the planned rows.
    #[test]
    fn resume_after_any_prefix_yields_exactly_the_plan() {
        for sizes in [
            Sizes::List(vec![2, 8, 9, 10, 600]),
            Sizes::Refine { max_lines: 2048 },
        ] {
            let spec = capacity_spec(sizes);
            let mock = || MockHardware::new(spec.seed, Duration::ZERO);
            let full = finish_capacity(&spec, &mut mock(), vec![]);
            check_capacity_rows(&spec, &full).unwrap();
            let mut keys: Vec<_> = full.iter().map(key).collect();
            keys.sort_by_key(|k| (k.0 as u8, k.1 as u8, k.2, k.3));
            keys.dedup();
            assert_eq!(keys.len(), full.len(), "duplicate points");
            for k in 0..=full.len() {
                check_capacity_rows(&spec, &full[..k]).unwrap();
                let resumed = finish_capacity(&spec, &mut mock(), full[..k].to_vec());
                assert_eq!(resumed, full, "resumed after {k} rows");
            }
        }
    }

    #[test]
    fn duration_ladder_stops_when_nothing_commits_and_resumes_exactly() {
        let spec = DurationSpec {
            cycles: Cycles::Ladder {
                min: 100,
                max: 1 << 40,
                steps_per_octave: 2,
            },
            attempts: 30,
            reps: 2,
            seed: 3,
            model: None,
        };
        let rows = finish_duration(&spec, &mut Step { threshold: 1000 }, vec![]);
        let mut cycles: Vec<u64> = rows.iter().map(|r| r.cycles).collect();
        cycles.dedup();
        assert_eq!(cycles, [100, 141, 200, 283, 400, 566, 800, 1131]);
        let full = finish_duration(&spec, &mut MockHardware::new(3, Duration::ZERO), vec![]);
        assert!(full.last().unwrap().commits == 0);
        for k in 0..=full.len() {
            check_duration_rows(&spec, &full[..k]).unwrap();
            let resumed = finish_duration(
                &spec,
                &mut MockHardware::new(3, Duration::ZERO),
                full[..k].to_vec(),
            );
            assert_eq!(resumed, full, "resumed after {k} rows");
        }
    }

    #[test]
    fn foreign_rows_are_refused() {
        let spec = capacity_spec(Sizes::List(vec![4, 8]));
        let full = finish_capacity(&spec, &mut MockHardware::new(9, Duration::ZERO), vec![]);
        let mut dup = full[..3].to_vec();
        dup.push(full[2]);
        assert!(check_capacity_rows(&spec, &dup).is_err(), "duplicate row");
        let mut other = full[..2].to_vec();
        other[1].lines = 5;
        assert!(
            check_capacity_rows(&spec, &other).is_err(),
            "unplanned size"
        );
        let mut cold = full[..2].to_vec();
        cold[0].warm = Warmth::Cold;
        assert!(
            check_capacity_rows(&spec, &cold)
                .unwrap_err()
                .contains("row 1")
        );
    }

    /// A minimal meta for the report helpers (only `spec` is read).
    fn meta_for(spec: SweepSpec) -> crate::results::Meta {
        crate::results::Meta {
            format: crate::results::meta::FORMAT,
            hardware: Source::Mock,
            spec,
            machine: test_machine(),
            pinned_core: None,
            started: "2026-11-22T00:00:00Z".into(),
            ended: None,
            status: crate::results::Status::Running,
            resumes: vec![],
            skipped: vec![],
            oversubscribed: false,
            models: Default::default(),
        }
    }

    fn test_machine() -> crate::machine::Machine {
        serde_json::from_str(crate::results::meta::tests::MACHINE_JSON).unwrap()
    }

    /// The acceptance check, for every preset: a refined write sweep over the modelled
    /// HTM (its default interrupts included) finds the sequential cliff at exactly the modelled
    /// L1D's line count and the same-set cliff at its way count.
    #[test]
    fn refined_sweeps_find_every_presets_cliffs_exactly() {
        use crate::kernels::footprint::FootprintBuffer;
        use crate::kernels::modelled::ModelMachine;
        use crate::results::Hardware as Source;
        use crate::sweep::hardware::Kernels;
        use crate::sweep::report::capacity_curves;
        for preset in model::Preset::ALL {
            let spec = CapacitySpec {
                ops: vec![Op::Write],
                attempts: 20,
                reps: 1,
                model: Some(preset.name().into()),
                ..capacity_spec(Sizes::Refine { max_lines: 1024 })
            };
            let config = model::ModelConfig::preset(preset, crate::backends::tsc_hz());
            let (lines, ways) = (config.l1_lines(), u64::from(config.l1_ways));
            let patterns = spec.patterns.clone();
            let machine =
                ModelMachine::new(config, FootprintBuffer::bytes_for(1024, &patterns)).unwrap();
            let cpu = machine.cpu();
            let mut hw = Kernels::new(cpu.tx(), Source::Model, 1024, patterns, spec.seed);
            let rows = finish_capacity(&spec, &mut hw, vec![]);
            let meta = crate::results::meta::tests::meta_with(SweepSpec::Capacity(spec));
            let cliffs: Vec<(String, Option<u64>, Option<u64>)> = capacity_curves(&meta, &rows)
                .into_iter()
                .map(|(label, c)| {
                    let c = c.crossing();
                    (label, c.last_ok.map(|s| s.x), c.first_fail.map(|s| s.x))
                })
                .collect();
            assert_eq!(
                cliffs,
                [
                    ("write seq".to_string(), Some(lines), Some(lines + 1)),
                    ("write same-set".to_string(), Some(ways), Some(ways + 1)),
                ],
                "{preset:?}"
            );
        }
    }
}
