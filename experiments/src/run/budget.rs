//! How much a `tmlab run` measures: the budgets `--quick`, default and `--full` (and the hidden
//! `--tiny` of the tests), each a set of parameters for the stages' command lines.
//!
//! Every number a budget sets is a field here, and [`Budget::describe`] states them from these
//! fields, so the report's description of a budget can never disagree with what was run.

use serde::{Deserialize, Serialize};

/// The budget of a run, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BudgetName {
    /// About a minute on two cores: one repetition, short points, few sizes.
    Quick,
    /// A few minutes on two cores.
    Default,
    /// For papers: the sweeps' own defaults (5 repetitions, 1000 attempts), every thread count.
    Full,
    /// Tests only: seconds, with tiny footprints and operation counts. Not a measurement worth
    /// reading; the report says so.
    Tiny,
}

/// The parameters a budget gives the stages.
#[derive(Clone, Debug, PartialEq)]
pub struct Budget {
    /// Its name.
    pub name: BudgetName,
    /// `probe --attempts`.
    pub probe_attempts: u64,
    /// `probe --max-read-lines`.
    pub probe_max_read_lines: u64,
    /// `probe --max-write-lines`.
    pub probe_max_write_lines: u64,
    /// `probe --max-duration-us`.
    pub probe_max_duration_us: u64,
    /// Capacity sweep: `--attempts`.
    pub capacity_attempts: u64,
    /// Capacity sweep: `--reps`.
    pub capacity_reps: u32,
    /// Capacity sweep: `--max-lines` of the refine pass.
    pub capacity_max_lines: u64,
    /// Duration sweep: `--attempts`.
    pub duration_attempts: u64,
    /// Duration sweep: `--reps`.
    pub duration_reps: u32,
    /// Duration sweep: `--steps-per-octave`.
    pub duration_steps: u32,
    /// Duration sweep: `--max-cycles` (`None`: the sweep's default).
    pub duration_max_cycles: Option<u64>,
    /// Workload sweeps: `--reps`.
    pub workload_reps: u32,
    /// Workload sweeps: the measured period, `--secs S`.
    pub workload_period: Period,
    /// Workload sweeps: `--warmup`.
    pub workload_warmup: f64,
    /// Txsize sweep: `--sizes`.
    pub txsize_sizes: &'static str,
    /// Thread sweeps: every count from 1 to the cores (`true`) or 1, 2, 4 ... and the cores.
    pub every_thread_count: bool,
}

/// How long each workload point is measured (`--secs`; the sweeps' `--ops` is not used).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Period {
    /// `--secs`.
    Secs(f64),
}

impl Budget {
    /// The parameters of `name`.
    pub fn of(name: BudgetName) -> Budget {
        match name {
            BudgetName::Quick => Budget {
                name,
                probe_attempts: 50,
                probe_max_read_lines: 1 << 17,
                probe_max_write_lines: 1 << 13,
                probe_max_duration_us: 20_000,
                capacity_attempts: 100,
                capacity_reps: 1,
                capacity_max_lines: 1 << 16,
                duration_attempts: 100,
                duration_reps: 1,
                duration_steps: 1,
                duration_max_cycles: None,
                workload_reps: 1,
                workload_period: Period::Secs(0.1),
                workload_warmup: 0.02,
                txsize_sizes: "1,4,16,64,256",
                every_thread_count: false,
            },
            BudgetName::Default => Budget {
                name,
                probe_attempts: 200,
                probe_max_read_lines: 1 << 20,
                probe_max_write_lines: 1 << 15,
                probe_max_duration_us: 20_000,
                capacity_attempts: 300,
                capacity_reps: 3,
                capacity_max_lines: 1 << 16,
                duration_attempts: 300,
                duration_reps: 3,
                duration_steps: 2,
                duration_max_cycles: None,
                workload_reps: 3,
                workload_period: Period::Secs(0.25),
                workload_warmup: 0.05,
                txsize_sizes: "1..512:x2",
                every_thread_count: false,
            },
            BudgetName::Full => Budget {
                name,
                probe_attempts: 1000,
                probe_max_read_lines: 1 << 20,
                probe_max_write_lines: 1 << 15,
                probe_max_duration_us: 20_000,
                capacity_attempts: 1000,
                capacity_reps: 5,
                capacity_max_lines: 1 << 16,
                duration_attempts: 1000,
                duration_reps: 5,
                duration_steps: 4,
                duration_max_cycles: None,
                workload_reps: 5,
                workload_period: Period::Secs(1.0),
                workload_warmup: 0.2,
                txsize_sizes: "1..1024:x2",
                every_thread_count: true,
            },
            BudgetName::Tiny => Budget {
                name,
                probe_attempts: 10,
                probe_max_read_lines: 64,
                probe_max_write_lines: 64,
                probe_max_duration_us: 20,
                capacity_attempts: 10,
                capacity_reps: 1,
                capacity_max_lines: 64,
                duration_attempts: 10,
                duration_reps: 1,
                duration_steps: 1,
                duration_max_cycles: Some(1 << 16),
                workload_reps: 1,
                workload_period: Period::Secs(0.02),
                workload_warmup: 0.0,
                txsize_sizes: "1,4",
                every_thread_count: false,
            },
        }
    }

    /// `--secs S`, then `--warmup W` and `--reps R`: the measurement options of
    /// every workload sweep.
    pub fn workload_args(&self) -> Vec<String> {
        let mut v = match self.workload_period {
            Period::Secs(s) => vec!["--secs".to_string(), s.to_string()],
        };
        v.extend([
            "--warmup".to_string(),
            self.workload_warmup.to_string(),
            "--reps".to_string(),
            self.workload_reps.to_string(),
        ]);
        v
    }

    /// The thread counts of the thread sweeps on a machine with `cores` usable cores.
    pub fn threads(&self, cores: u64) -> Vec<u64> {
        let cores = cores.max(1);
        if self.every_thread_count {
            return (1..=cores).collect();
        }
        let mut v: Vec<u64> = std::iter::successors(Some(1u64), |t| Some(t * 2))
            .take_while(|&t| t < cores)
            .collect();
        v.push(cores);
        v
    }

    /// One sentence stating what this budget measures, from its fields.
    pub fn describe(&self) -> String {
        let period = match self.workload_period {
            Period::Secs(s) => format!(
                "{s} s per point after {} s of warm-up",
                self.workload_warmup
            ),
        };
        let name = match self.name {
            BudgetName::Quick => "quick (--quick)",
            BudgetName::Default => "default",
            BudgetName::Full => "full (--full)",
            BudgetName::Tiny => "tiny (tests only: too few points to read anything into)",
        };
        format!(
            "Budget {name}: probe {} attempts per search point; capacity {} attempts x {} \
             rep(s) per footprint, refined up to {} lines; duration {} attempts x {} rep(s) per \
             rung, {} rung(s) per doubling; workloads {} rep(s) of {period}; transaction sizes \
             {}; thread counts {}.",
            self.probe_attempts,
            self.capacity_attempts,
            self.capacity_reps,
            self.capacity_max_lines,
            self.duration_attempts,
            self.duration_reps,
            self.duration_steps,
            self.workload_reps,
            self.txsize_sizes,
            if self.every_thread_count {
                "every count from 1 to the cores"
            } else {
                "1, 2, 4 ... and the number of cores"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_counts_and_descriptions_follow_the_fields() {
        let q = Budget::of(BudgetName::Quick);
        assert_eq!(q.threads(2), [1, 2]);
        assert_eq!(q.threads(6), [1, 2, 4, 6]);
        assert_eq!(q.threads(0), [1]);
        assert_eq!(Budget::of(BudgetName::Full).threads(3), [1, 2, 3]);
        let d = q.describe();
        assert!(
            d.contains("quick") && d.contains("100 attempts x 1 rep(s)"),
            "{d}"
        );
        assert!(d.contains("0.1 s per point"), "{d}");
        assert_eq!(
            Budget::of(BudgetName::Tiny).workload_args(),
            ["--secs", "0.02", "--warmup", "0", "--reps", "1"]
        );
    }
}
