//! A sweep's validated parameters: everything that decides which points are run and how.
//!
//! The spec is built from the command line (rejecting bad values with a message that names the
//! option), stored in `meta.json`, and compared with the command line of a `--resume`: a run can
//! only be continued with exactly the parameters it started with.

use super::args::{CapacityArgs, DurationArgs};
use super::list;
use crate::kernels::footprint::{Op, Pattern, Warmth};
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

impl CapacitySpec {
    /// Validates the command line of `tmlab sweep capacity`.
    pub fn from_args(a: &CapacityArgs) -> Result<Self, String> {
        let sizes = match &a.sizes {
            Some(text) => Sizes::List(list::parse(text, "--sizes")?),
            None => Sizes::Refine {
                max_lines: a.max_lines,
            },
        };
        if a.op.is_empty() || a.pattern.is_empty() {
            return Err("--op and --pattern need at least one value".into());
        }
        Ok(CapacitySpec {
            ops: distinct(&a.op),
            patterns: distinct(&a.pattern),
            sizes,
            warmth: if a.cold { Warmth::Cold } else { Warmth::Warm },
            attempts: a.common.attempts,
            reps: a.common.reps,
            seed: a.common.seed,
        })
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

impl DurationSpec {
    /// Validates the command line of `tmlab sweep duration`.
    pub fn from_args(a: &DurationArgs) -> Result<Self, String> {
        let cycles = match &a.cycles {
            Some(text) => Cycles::List(list::parse(text, "--cycles")?),
            None => {
                if a.min_cycles > a.max_cycles {
                    return Err(format!(
                        "--min-cycles {} is above --max-cycles {}",
                        a.min_cycles, a.max_cycles
                    ));
                }
                Cycles::Ladder {
                    min: a.min_cycles,
                    max: a.max_cycles,
                    steps_per_octave: a.steps_per_octave,
                }
            }
        };
        Ok(DurationSpec {
            cycles,
            attempts: a.common.attempts,
            reps: a.common.reps,
            seed: a.common.seed,
        })
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
                let mut out: Vec<u64> = Vec::new();
                for k in 0u32.. {
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
        });
        let mut b = a.clone();
        assert!(a.differences(&b).is_empty());
        if let SweepSpec::Duration(d) = &mut b {
            d.attempts = 20;
        }
        assert_eq!(a.differences(&b), ["attempts: 10 vs. 20"]);
    }
}
