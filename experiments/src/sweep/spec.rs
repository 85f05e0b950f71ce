//! A sweep's validated parameters: everything that decides which points are run and how.
//!
//! The spec is built from the command line (rejecting bad values with a message that names the
//! option), stored in `meta.json`, and compared with the command line of a `--resume`: a run can
//! only be continued with exactly the parameters it started with. `--resume DIR` alone takes
//! every parameter from the folder ([`CapacitySpec::from_args_over`] with the recorded spec as
//! base); options given with it must agree, lists of ops and patterns compared as sets.
//! [`SweepSpec::validate`] applies the bounds of [`crate::limits`] to specs from either source.

use super::args::{
    CapacityArgs, DEFAULT_ATTEMPTS, DEFAULT_MAX_CYCLES, DEFAULT_MAX_LINES, DEFAULT_MIN_CYCLES,
    DEFAULT_REPS, DEFAULT_SEED, DEFAULT_STEPS_PER_OCTAVE, DurationArgs,
};
use crate::kernels::footprint::layout::region_bytes;
use crate::kernels::footprint::{Op, Pattern, Warmth};
use crate::limits::{
    MAX_ATTEMPTS, MAX_BUFFER_BYTES, MAX_CYCLES, MAX_LINES, MAX_LIST_VALUES, MAX_PLANNED_ROWS,
    MAX_REPS, MAX_STEPS_PER_OCTAVE,
};
use serde::{Deserialize, Serialize};

/// The parameters of one sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "sweep", rename_all = "kebab-case")]
pub enum SweepSpec {
    /// Commit probability against footprint.
    Capacity(CapacitySpec),
    /// Commit probability against duration.
    Duration(DurationSpec),
    /// Backends side by side on a workload, against thread count.
    Threads(super::scaling::ScalingSpec),
    /// Backends side by side on a workload, against transaction size and thread count.
    Txsize(super::scaling::ScalingSpec),
}

/// Parameters of a capacity sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapacitySpec {
    /// Operations, one curve each (with each pattern).
    pub ops: Vec<Op>,
    /// Layouts, one curve each (with each op).
    pub patterns: Vec<Pattern>,
    /// Which footprints.
    pub sizes: Sizes,
    /// Cache state at the start of each attempt.
    pub warmth: Warmth,
    /// Attempts per point and repetition.
    pub attempts: u64,
    /// Repetitions per point.
    pub reps: u32,
    /// Seed of the random pattern.
    pub seed: u64,
    /// The modelled HTM that ran the kernels (its source, as after `model:`), or `None` for
    /// this CPU's RTM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// The footprints of a capacity sweep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sizes {
    /// Exactly these footprints (sorted, distinct).
    List(Vec<u64>),
    /// Powers of two up to `max_lines`, then bisection to the 50 % point.
    Refine {
        /// Largest footprint tried.
        max_lines: u64,
    },
}

/// Parameters of a duration sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DurationSpec {
    /// Which durations.
    pub cycles: Cycles,
    /// Attempts per point and repetition.
    pub attempts: u64,
    /// Repetitions per point.
    pub reps: u32,
    /// The run seed (recorded; the duration kernel draws no random numbers).
    pub seed: u64,
    /// The modelled HTM that ran the kernels, or `None` for this CPU's RTM (as in
    /// [`CapacitySpec::model`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// The durations of a duration sweep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cycles {
    /// Exactly these durations in TSC cycles (sorted, distinct).
    List(Vec<u64>),
    /// `min * 2^(k / steps_per_octave)` for k = 0, 1, ... up to `max`, stopping after the first
    /// duration at which no attempt of any repetition commits.
    Ladder {
        /// First rung.
        min: u64,
        /// Upper bound.
        max: u64,
        /// Rungs per doubling.
        steps_per_octave: u32,
    },
}

/// Keeps the first occurrence of every value.
fn distinct<T: PartialEq + Copy>(v: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    for &x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

/// The values given on the command line, or `base`'s when none were given. Compared as sets:
/// when the given values are `base`'s in another order, `base`'s order is kept (it decides the
/// plan's order of curves, and a run must resume in its own order).
fn set_or<T: PartialEq + Copy>(given: &[T], base: &[T]) -> Vec<T> {
    let given = distinct(given);
    if given.is_empty() || (given.len() == base.len() && given.iter().all(|g| base.contains(g))) {
        base.to_vec()
    } else {
        given
    }
}

impl CapacitySpec {
    /// The parameters of a new run whose options are all defaults.
    pub fn defaults() -> Self {
        CapacitySpec {
            ops: vec![Op::Write],
            patterns: vec![Pattern::Seq],
            sizes: Sizes::Refine {
                max_lines: DEFAULT_MAX_LINES,
            },
            warmth: Warmth::Warm,
            attempts: DEFAULT_ATTEMPTS,
            reps: DEFAULT_REPS,
            seed: DEFAULT_SEED,
            model: None,
        }
    }

    /// The spec the command line asks for, every option not given taken from `base` (the
    /// defaults, or the spec recorded by the run being resumed), then validated.
    pub fn from_args_over(a: &CapacityArgs, base: &CapacitySpec) -> Result<Self, String> {
        let sizes = match (&a.sizes, a.refine || a.max_lines.is_some()) {
            (Some(list), _) => Sizes::List(list.0.clone()),
            (None, true) => Sizes::Refine {
                max_lines: a.max_lines.unwrap_or(match base.sizes {
                    Sizes::Refine { max_lines } => max_lines,
                    Sizes::List(_) => DEFAULT_MAX_LINES,
                }),
            },
            (None, false) => base.sizes.clone(),
        };
        let warmth = if a.cold {
            Warmth::Cold
        } else if a.warm {
            Warmth::Warm
        } else {
            base.warmth
        };
        let spec = CapacitySpec {
            ops: set_or(&a.op, &base.ops),
            patterns: set_or(&a.pattern, &base.patterns),
            sizes,
            warmth,
            attempts: a.common.attempts.unwrap_or(base.attempts),
            reps: a.common.reps.unwrap_or(base.reps),
            seed: a.seed.unwrap_or(base.seed),
            model: match &a.common.backend {
                Some(b) => b.model(),
                None => base.model.clone(),
            },
        };
        spec.validate()?;
        Ok(spec)
    }

    /// Checks every bound of [`crate::limits`] (for specs read back from a `meta.json` as much as
    /// for command lines): counts, footprints, the buffer they need and the rows they plan.
    pub fn validate(&self) -> Result<(), String> {
        if self.ops.is_empty() || self.patterns.is_empty() {
            return Err("--op and --pattern need at least one value".into());
        }
        if distinct(&self.ops).len() != self.ops.len()
            || distinct(&self.patterns).len() != self.patterns.len()
        {
            return Err("ops and patterns must be distinct".into());
        }
        check_counts(self.attempts, self.reps)?;
        match &self.sizes {
            Sizes::List(v) => {
                check_list(v, MAX_LINES, "--sizes", "lines")?;
                let rows = (v.len() as u64)
                    .saturating_mul(self.groups().len() as u64)
                    .saturating_mul(u64::from(self.reps));
                if rows > MAX_PLANNED_ROWS {
                    return Err(format!(
                        "{} footprints x {} curves x {} reps plan {rows} rows; at most \
                         {MAX_PLANNED_ROWS} are allowed",
                        v.len(),
                        self.groups().len(),
                        self.reps
                    ));
                }
            }
            Sizes::Refine { max_lines } => {
                if !(1..=MAX_LINES).contains(max_lines) {
                    return Err(format!(
                        "--max-lines {max_lines} is outside 1..={MAX_LINES}"
                    ));
                }
            }
        }
        let lines = self.max_lines();
        for &p in &self.patterns {
            let bytes = u128::from(lines) * region_bytes(p, 1) as u128;
            if bytes > u128::from(MAX_BUFFER_BYTES) {
                let per_line = region_bytes(p, 1) as u64;
                return Err(format!(
                    "--pattern {} with footprints up to {lines} lines needs a {} MiB buffer; \
                     the limit is {} MiB ({} lines for this pattern)",
                    super::report::name(&p),
                    bytes >> 20,
                    MAX_BUFFER_BYTES >> 20,
                    MAX_BUFFER_BYTES / per_line
                ));
            }
        }
        Ok(())
    }

    /// The largest footprint any point may have (the buffer is sized for it).
    pub fn max_lines(&self) -> u64 {
        match &self.sizes {
            Sizes::List(v) => v.last().copied().unwrap_or(1),
            Sizes::Refine { max_lines } => *max_lines,
        }
    }

    /// The curves, in plan order: every op with every pattern.
    pub fn groups(&self) -> Vec<(Op, Pattern)> {
        self.ops
            .iter()
            .flat_map(|&op| self.patterns.iter().map(move |&p| (op, p)))
            .collect()
    }
}

/// Attempts and repetitions within their bounds.
fn check_counts(attempts: u64, reps: u32) -> Result<(), String> {
    if !(1..=MAX_ATTEMPTS).contains(&attempts) {
        return Err(format!(
            "--attempts {attempts} is outside 1..={MAX_ATTEMPTS}"
        ));
    }
    if !(1..=MAX_REPS).contains(&reps) {
        return Err(format!("--reps {reps} is outside 1..={MAX_REPS}"));
    }
    Ok(())
}

/// A list as [`super::list::parse`] returns it: non-empty, sorted, distinct, within `1..=max`.
fn check_list(v: &[u64], max: u64, flag: &str, unit: &str) -> Result<(), String> {
    if v.is_empty() || v.len() as u64 > MAX_LIST_VALUES {
        return Err(format!(
            "{flag} needs 1 to {MAX_LIST_VALUES} values (found {})",
            v.len()
        ));
    }
    if !v.windows(2).all(|w| w[0] < w[1]) {
        return Err(format!("{flag} values must be sorted and distinct"));
    }
    if v[0] == 0 || v[v.len() - 1] > max {
        return Err(format!("{flag} values must lie in 1..={max} {unit}"));
    }
    Ok(())
}

impl DurationSpec {
    /// The parameters of a new run whose options are all defaults.
    pub fn defaults() -> Self {
        DurationSpec {
            cycles: Cycles::Ladder {
                min: DEFAULT_MIN_CYCLES,
                max: DEFAULT_MAX_CYCLES,
                steps_per_octave: DEFAULT_STEPS_PER_OCTAVE,
            },
            attempts: DEFAULT_ATTEMPTS,
            reps: DEFAULT_REPS,
            seed: DEFAULT_SEED,
            model: None,
        }
    }

    /// The spec the command line asks for, every option not given taken from `base`, then
    /// validated.
    pub fn from_args_over(a: &DurationArgs, base: &DurationSpec) -> Result<Self, String> {
        let ladder =
            a.min_cycles.is_some() || a.max_cycles.is_some() || a.steps_per_octave.is_some();
        let cycles = match (&a.cycles, ladder) {
            (Some(list), _) => Cycles::List(list.0.clone()),
            (None, true) => {
                let (min, max, steps) = match base.cycles {
                    Cycles::Ladder {
                        min,
                        max,
                        steps_per_octave,
                    } => (min, max, steps_per_octave),
                    Cycles::List(_) => (
                        DEFAULT_MIN_CYCLES,
                        DEFAULT_MAX_CYCLES,
                        DEFAULT_STEPS_PER_OCTAVE,
                    ),
                };
                Cycles::Ladder {
                    min: a.min_cycles.unwrap_or(min),
                    max: a.max_cycles.unwrap_or(max),
                    steps_per_octave: a.steps_per_octave.unwrap_or(steps),
                }
            }
            (None, false) => base.cycles.clone(),
        };
        let spec = DurationSpec {
            cycles,
            attempts: a.common.attempts.unwrap_or(base.attempts),
            reps: a.common.reps.unwrap_or(base.reps),
            seed: a.seed.unwrap_or(base.seed),
            model: match &a.common.backend {
                Some(b) => b.model(),
                None => base.model.clone(),
            },
        };
        spec.validate()?;
        Ok(spec)
    }

    /// Checks every bound of [`crate::limits`].
    pub fn validate(&self) -> Result<(), String> {
        check_counts(self.attempts, self.reps)?;
        match &self.cycles {
            Cycles::List(v) => check_list(v, MAX_CYCLES, "--cycles", "cycles"),
            Cycles::Ladder {
                min,
                max,
                steps_per_octave,
            } => {
                if !(1..=MAX_CYCLES).contains(min) || !(1..=MAX_CYCLES).contains(max) {
                    return Err(format!(
                        "--min-cycles and --max-cycles must lie in 1..={MAX_CYCLES} (found {min} and {max})"
                    ));
                }
                if min > max {
                    return Err(format!("--min-cycles {min} is above --max-cycles {max}"));
                }
                if !(1..=MAX_STEPS_PER_OCTAVE).contains(steps_per_octave) {
                    return Err(format!(
                        "--steps-per-octave {steps_per_octave} is outside 1..={MAX_STEPS_PER_OCTAVE}"
                    ));
                }
                Ok(())
            }
        }
    }
}

impl Cycles {
    /// The candidate durations in order (for a ladder, every rung up to `max`).
    pub fn candidates(&self) -> Vec<u64> {
        match self {
            Cycles::List(v) => v.clone(),
            Cycles::Ladder {
                min,
                max,
                steps_per_octave,
            } => {
                // Bounded: `validate` keeps `max <= 2^36` and `steps_per_octave <= 64`, so at most
                // 36 * 64 rungs; the loop also stops at the 64th doubling whatever the spec says.
                let mut out: Vec<u64> = Vec::new();
                for k in 0..=64 * *steps_per_octave {
                    let c = (*min as f64 * 2f64.powf(f64::from(k) / f64::from(*steps_per_octave)))
                        .round() as u64;
                    if c > *max {
                        break;
                    }
                    if out.last() != Some(&c) {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

impl SweepSpec {
    /// `capacity` or `duration`: the sweep's name in folder names and messages.
    pub fn kind(&self) -> &'static str {
        match self {
            SweepSpec::Capacity(_) => "capacity",
            SweepSpec::Duration(_) => "duration",
            SweepSpec::Threads(_) => "threads",
            SweepSpec::Txsize(_) => "txsize",
        }
    }

    /// The parameters of a workload sweep (`threads`, `txsize`).
    pub fn scaling(&self) -> Option<&super::scaling::ScalingSpec> {
        match self {
            SweepSpec::Threads(s) | SweepSpec::Txsize(s) => Some(s),
            _ => None,
        }
    }

    /// Checks every bound of [`crate::limits`] (see the module documentation).
    pub fn validate(&self) -> Result<(), String> {
        match self {
            SweepSpec::Capacity(s) => s.validate(),
            SweepSpec::Duration(s) => s.validate(),
            SweepSpec::Threads(s) | SweepSpec::Txsize(s) => s.validate(),
        }
    }

    /// The run seed.
    pub fn seed(&self) -> u64 {
        match self {
            SweepSpec::Capacity(s) => s.seed,
            SweepSpec::Duration(s) => s.seed,
            SweepSpec::Threads(s) | SweepSpec::Txsize(s) => s.seed,
        }
    }

    /// The modelled HTM source of a capacity or duration sweep (`None`: RTM, or a workload
    /// sweep, whose backends name their models).
    pub fn model(&self) -> Option<&str> {
        match self {
            SweepSpec::Capacity(s) => s.model.as_deref(),
            SweepSpec::Duration(s) => s.model.as_deref(),
            SweepSpec::Threads(_) | SweepSpec::Txsize(_) => None,
        }
    }

    /// The parameters in which `self` and `other` differ, as `name: this vs. that` lines.
    pub fn differences(&self, other: &SweepSpec) -> Vec<String> {
        let (a, b) = (
            serde_json::to_value(self).expect("spec serializes"),
            serde_json::to_value(other).expect("spec serializes"),
        );
        let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
            return vec!["the sweeps differ".into()];
        };
        let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| {
                let show = |v: Option<&serde_json::Value>| {
                    v.map_or_else(|| "(none)".to_string(), |v| v.to_string())
                };
                format!("{k}: {} vs. {}", show(a.get(k)), show(b.get(k)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_is_log_spaced_and_bounded() {
        let c = Cycles::Ladder {
            min: 100,
            max: 1000,
            steps_per_octave: 2,
        };
        assert_eq!(c.candidates(), [100, 141, 200, 283, 400, 566, 800]);
        let one = Cycles::Ladder {
            min: 1,
            max: 4,
            steps_per_octave: 4,
        };
        assert_eq!(one.candidates(), [1, 2, 3, 4]);
    }

    #[test]
    fn differences_name_the_parameter() {
        let a = SweepSpec::Duration(DurationSpec {
            cycles: Cycles::List(vec![1, 2]),
            attempts: 10,
            reps: 2,
            seed: 1,
            model: None,
        });
        let mut b = a.clone();
        assert!(a.differences(&b).is_empty());
        if let SweepSpec::Duration(d) = &mut b {
            d.attempts = 20;
        }
        assert_eq!(a.differences(&b), ["attempts: 10 vs. 20"]);
    }

    use super::super::args::SweepArgs;
    use clap::Parser;

    /// `tmlab sweep ARGS` parsed as the binary does.
    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        sweep: SweepArgs,
    }

    fn capacity_args(args: &[&str]) -> CapacityArgs {
        let mut argv = vec!["tmlab", "capacity"];
        argv.extend(args);
        match Cmd::try_parse_from(argv).unwrap().sweep.kind {
            super::super::args::SweepKind::Capacity(a) => a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn resume_takes_unspecified_options_from_the_recorded_spec_and_compares_sets() {
        let recorded = CapacitySpec::from_args_over(
            &capacity_args(&["--op", "write,read", "--sizes", "1..8", "--attempts", "50"]),
            &CapacitySpec::defaults(),
        )
        .unwrap();
        assert_eq!(recorded.ops, [Op::Write, Op::Read]);
        // `--resume DIR` alone: everything recorded.
        let alone = CapacitySpec::from_args_over(&capacity_args(&[]), &recorded).unwrap();
        assert_eq!(alone, recorded);
        // The same ops in another order agree (and keep the recorded order).
        let reordered =
            CapacitySpec::from_args_over(&capacity_args(&["--op", "read,write"]), &recorded)
                .unwrap();
        assert!(
            SweepSpec::Capacity(recorded.clone())
                .differences(&SweepSpec::Capacity(reordered.clone()))
                .is_empty()
        );
        assert_eq!(reordered.ops, recorded.ops);
        // A different value is a difference, named.
        let other =
            CapacitySpec::from_args_over(&capacity_args(&["--attempts", "60"]), &recorded).unwrap();
        assert_eq!(
            SweepSpec::Capacity(recorded).differences(&SweepSpec::Capacity(other)),
            ["attempts: 50 vs. 60"]
        );
    }

    #[test]
    fn specs_read_back_are_held_to_the_command_line_bounds() {
        let ok = CapacitySpec::defaults();
        assert!(ok.validate().is_ok());
        let cases: [(CapacitySpec, &str); 6] = [
            (
                CapacitySpec {
                    attempts: MAX_ATTEMPTS + 1,
                    ..ok.clone()
                },
                "--attempts",
            ),
            (
                CapacitySpec {
                    reps: 0,
                    ..ok.clone()
                },
                "--reps",
            ),
            (
                CapacitySpec {
                    sizes: Sizes::Refine {
                        max_lines: u64::MAX,
                    },
                    ..ok.clone()
                },
                "--max-lines",
            ),
            (
                CapacitySpec {
                    sizes: Sizes::List(vec![]),
                    ..ok.clone()
                },
                "--sizes needs",
            ),
            (
                CapacitySpec {
                    sizes: Sizes::List(vec![4, 2]),
                    ..ok.clone()
                },
                "sorted",
            ),
            (
                CapacitySpec {
                    patterns: vec![Pattern::SameSet],
                    sizes: Sizes::Refine {
                        max_lines: MAX_LINES,
                    },
                    ..ok.clone()
                },
                "needs a 65536 MiB buffer",
            ),
        ];
        for (spec, want) in cases {
            let e = spec.validate().unwrap_err();
            assert!(e.contains(want), "{e:?} lacks {want:?}");
        }
        let d = DurationSpec::defaults();
        assert!(d.validate().is_ok());
        let huge = DurationSpec {
            cycles: Cycles::Ladder {
                min: 1,
                max: u64::MAX,
                steps_per_octave: 2,
            },
            ..d.clone()
        };
        assert!(huge.validate().unwrap_err().contains("--max-cycles"));
        // Even unvalidated, the ladder's candidates are bounded (no endless loop).
        assert!(huge.cycles.candidates().len() <= 64 * 2 + 1);
        let rows = CapacitySpec {
            ops: vec![Op::Read, Op::Write, Op::Mixed],
            patterns: vec![Pattern::Seq, Pattern::Random, Pattern::SameSet],
            sizes: Sizes::List((1..=100_000).collect()),
            reps: 20,
            ..ok
        };
        assert!(rows.validate().unwrap_err().contains("plan 18000000 rows"));
    }
}
