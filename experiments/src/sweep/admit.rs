//! Which rows each sweep's spec can produce: the [`RowSpec`] implementations of the capacity and
//! duration sweeps (see [`crate::results::validate`] for the hook and where it is applied).

use super::report::name;
use super::spec::{CapacitySpec, Cycles, DurationSpec, Sizes, SweepSpec};
use crate::machine::Machine;
use crate::results::validate::RowSpec;
use crate::results::{CapacityRow, DurationRow};

/// `read, write` for messages.
fn names<T: serde::Serialize>(v: &[T]) -> String {
    v.iter().map(name).collect::<Vec<_>>().join(", ")
}

/// The columns every sweep row shares with its spec.
fn common(
    rep: u32,
    seed: u64,
    attempts: u64,
    reps: u32,
    s_seed: u64,
    s_attempts: u64,
) -> Result<(), String> {
    if rep >= reps {
        return Err(format!(
            "rep {rep} is beyond this run's {reps} repetitions (0 to {})",
            reps - 1
        ));
    }
    if seed != s_seed {
        return Err(format!("seed {seed} is not this run's seed {s_seed}"));
    }
    if attempts != s_attempts {
        return Err(format!(
            "attempts {attempts} is not this run's {s_attempts} attempts per point"
        ));
    }
    Ok(())
}

impl RowSpec<CapacityRow> for CapacitySpec {
    fn admit(&self, r: &CapacityRow, _machine: &Machine) -> Result<String, String> {
        if !self.ops.contains(&r.op) {
            return Err(format!(
                "op {} is not among this run's ops ({})",
                name(&r.op),
                names(&self.ops)
            ));
        }
        if !self.patterns.contains(&r.pattern) {
            return Err(format!(
                "pattern {} is not among this run's patterns ({})",
                name(&r.pattern),
                names(&self.patterns)
            ));
        }
        if r.warm != self.warmth {
            return Err(format!(
                "warm is {} but this run is {}",
                name(&r.warm),
                name(&self.warmth)
            ));
        }
        match &self.sizes {
            Sizes::List(v) => {
                if v.binary_search(&r.lines).is_err() {
                    return Err(format!(
                        "footprint {} lines is not in this run's --sizes",
                        r.lines
                    ));
                }
            }
            Sizes::Refine { max_lines } => {
                if !(1..=*max_lines).contains(&r.lines) {
                    return Err(format!(
                        "footprint {} lines is outside this run's range 1 to {max_lines} lines",
                        r.lines
                    ));
                }
            }
        }
        common(
            r.rep,
            r.seed,
            r.attempts,
            self.reps,
            self.seed,
            self.attempts,
        )?;
        Ok(format!(
            "{} {} {} lines rep {}",
            name(&r.op),
            name(&r.pattern),
            r.lines,
            r.rep
        ))
    }
}

impl RowSpec<DurationRow> for DurationSpec {
    fn admit(&self, r: &DurationRow, machine: &Machine) -> Result<String, String> {
        let planned = match &self.cycles {
            Cycles::List(v) => v.binary_search(&r.cycles).is_ok(),
            Cycles::Ladder { .. } => self.cycles.candidates().binary_search(&r.cycles).is_ok(),
        };
        if !planned {
            return Err(format!(
                "{} cycles is not one of this run's durations",
                r.cycles
            ));
        }
        let want = r.cycles as f64 / machine.tsc_hz * 1e6;
        if !r.us.is_finite() || (r.us - want).abs() > 1e-9 * want {
            return Err(format!(
                "us {} does not match {} cycles at the run's TSC rate ({want} us)",
                r.us, r.cycles
            ));
        }
        common(
            r.rep,
            r.seed,
            r.attempts,
            self.reps,
            self.seed,
            self.attempts,
        )?;
        Ok(format!("{} cycles rep {}", r.cycles, r.rep))
    }
}

/// A whole-run spec admits the rows of its own kind only (what [`super::session::resume`] needs).
impl RowSpec<CapacityRow> for SweepSpec {
    fn admit(&self, r: &CapacityRow, machine: &Machine) -> Result<String, String> {
        match self {
            SweepSpec::Capacity(s) => s.admit(r, machine),
            other => Err(format!("a capacity row in a {} run", other.kind())),
        }
    }
}

impl RowSpec<DurationRow> for SweepSpec {
    fn admit(&self, r: &DurationRow, machine: &Machine) -> Result<String, String> {
        match self {
            SweepSpec::Duration(s) => s.admit(r, machine),
            other => Err(format!("a duration row in a {} run", other.kind())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::Tally;
    use crate::kernels::footprint::{Op, Pattern, Warmth};

    fn machine() -> Machine {
        serde_json::from_str(crate::results::meta::tests::MACHINE_JSON).unwrap()
    }

    fn tally() -> Tally {
        Tally {
            attempts: 10,
            commits: 10,
            ..Tally::default()
        }
    }

    #[test]
    fn capacity_rows_outside_the_spec_are_refused_with_the_reason() {
        let spec = CapacitySpec {
            ops: vec![Op::Write],
            patterns: vec![Pattern::Seq],
            sizes: Sizes::List(vec![1, 4]),
            warmth: Warmth::Warm,
            attempts: 10,
            reps: 2,
            seed: 7,
            model: None,
        };
        let ok = CapacityRow::new(Op::Write, Pattern::Seq, 4, Warmth::Warm, 1, 7, &tally());
        assert_eq!(
            spec.admit(&ok, &machine()).unwrap(),
            "write seq 4 lines rep 1"
        );
        let cases: [(CapacityRow, &str); 7] = [
            (
                CapacityRow { lines: 3, ..ok },
                "footprint 3 lines is not in",
            ),
            (
                CapacityRow { op: Op::Read, ..ok },
                "op read is not among this run's ops (write)",
            ),
            (
                CapacityRow {
                    pattern: Pattern::Random,
                    ..ok
                },
                "pattern random",
            ),
            (
                CapacityRow {
                    warm: Warmth::Cold,
                    ..ok
                },
                "warm is cold but this run is warm",
            ),
            (CapacityRow { rep: 2, ..ok }, "rep 2 is beyond"),
            (CapacityRow { seed: 8, ..ok }, "seed 8"),
            (
                CapacityRow {
                    attempts: 11,
                    commits: 11,
                    ..ok
                },
                "attempts 11",
            ),
        ];
        for (row, want) in cases {
            let e = spec.admit(&row, &machine()).unwrap_err();
            assert!(e.contains(want), "{e:?} lacks {want:?}");
        }
        let refine = CapacitySpec {
            sizes: Sizes::Refine { max_lines: 100 },
            ..spec
        };
        assert!(
            refine
                .admit(&CapacityRow { lines: 77, ..ok }, &machine())
                .is_ok()
        );
        let e = refine
            .admit(&CapacityRow { lines: 101, ..ok }, &machine())
            .unwrap_err();
        assert!(e.contains("outside this run's range 1 to 100"), "{e}");
    }

    #[test]
    fn duration_rows_must_be_rungs_at_the_recorded_tsc_rate() {
        let m = machine();
        let spec = DurationSpec {
            cycles: Cycles::Ladder {
                min: 100,
                max: 1000,
                steps_per_octave: 2,
            },
            attempts: 10,
            reps: 1,
            seed: 1,
            model: None,
        };
        let ok = DurationRow::new(141, m.tsc_hz, 0, 1, &tally());
        assert_eq!(spec.admit(&ok, &m).unwrap(), "141 cycles rep 0");
        let off = DurationRow::new(142, m.tsc_hz, 0, 1, &tally());
        assert!(
            spec.admit(&off, &m)
                .unwrap_err()
                .contains("142 cycles is not one")
        );
        let wrong_us = DurationRow {
            us: ok.us * 2.0,
            ..ok
        };
        assert!(
            spec.admit(&wrong_us, &m)
                .unwrap_err()
                .contains("does not match")
        );
    }
}
