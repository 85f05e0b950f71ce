//! The command-line options shared by `tmlab bench` and the workload sweeps: which workload with
//! which parameters, and how each point is measured.
//!
//! Every workload flag is optional; a flag given for a workload it does not apply to is an error
//! that lists the flags that do apply, so a typo never silently measures the defaults.

use super::workload::{WorkloadSpec, parse_hot};
use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use std::time::Duration;
use workloads::Hot;
use workloads::array::ArrayConfig;
use workloads::bank::BankConfig;
use workloads::counter::CounterConfig;
use workloads::false_sharing::FalseSharingConfig;
use workloads::gil::GilConfig;
use workloads::intset::{IntsetConfig, IntsetKind};
use workloads::slots::Layout;

/// The workloads by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WorkloadName {
    /// Reads R and increments W of N slots per transaction (the transaction-size workload).
    Array,
    /// Transfers between accounts and read-only audits of all of them.
    Bank,
    /// Increments one of K shared counters (K = 1 is a hot spot).
    Counter,
    /// Each thread increments its own counter; counters packed into shared lines or padded.
    FalseSharing,
    /// An interpreter running K bytecodes per transaction (GIL elision).
    Gil,
    /// Integer set: a sorted linked list.
    Ll,
    /// Integer set: a skip list (max level 32, p = 1/2).
    Sl,
    /// Integer set: a red-black tree.
    Rb,
    /// Integer set: a hash set of sorted bucket lists.
    Hs,
}

/// `--layout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// One element per 64-byte cache line.
    Lines,
    /// Eight elements per cache line.
    Packed,
}

impl From<LayoutArg> for Layout {
    fn from(l: LayoutArg) -> Layout {
        match l {
            LayoutArg::Lines => Layout::Lines,
            LayoutArg::Packed => Layout::Packed,
        }
    }
}

/// The largest value accepted by the size-like workload flags (`--words`, `--accounts`, ...).
const MAX_N: u64 = 1 << 24;

/// Workload options.
#[derive(Args, Debug, Clone)]
pub struct WorkloadArgs {
    /// The workload.
    #[arg(long, value_enum)]
    pub workload: WorkloadName,
    /// array: slots in the array [default 65536; at most 2^24].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_N))]
    pub words: Option<u64>,
    /// array: slots read per transaction [default 8; at most 65536].
    #[arg(long, value_name = "R", value_parser = clap::value_parser!(u64).range(0..=65536))]
    pub reads: Option<u64>,
    /// array: slots incremented per transaction [default 8; at most 65536].
    #[arg(long, value_name = "W", value_parser = clap::value_parser!(u64).range(0..=65536))]
    pub writes: Option<u64>,
    /// array, counter, false-sharing: one element per cache line, or eight per line
    /// [default: lines; false-sharing: packed].
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// array, bank: COUNT:SHARE, the first COUNT elements receive SHARE (0 to 1) of the random
    /// choices [default: none, uniform].
    #[arg(long, value_name = "COUNT:SHARE", value_parser = parse_hot)]
    pub hot: Option<Hot>,
    /// bank: number of accounts [default 1024; 2 to 2^24].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=MAX_N))]
    pub accounts: Option<u64>,
    /// bank: one operation in K is a read-only audit of every account; 0 for none [default 16; at
    /// most 2^32].
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(0..=(1 << 32)))]
    pub audit_every: Option<u64>,
    /// counter: number of shared counters [default 1; at most 2^24].
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=MAX_N))]
    pub counters: Option<u64>,
    /// gil: bytecodes per transaction [default 16; 1 to 65536].
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub chunk: Option<u64>,
    /// gil: probability that a bytecode touches shared state [default 0.01; 0 to 1].
    #[arg(long, value_name = "P", value_parser = parse_probability, allow_negative_numbers = true)]
    pub shared_p: Option<f64>,
    /// gil: words of shared interpreter state [default 64; 1 to 65536].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub shared_words: Option<u64>,
    /// gil: words of each thread's own state [default 16; 1 to 65536].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub frame_words: Option<u64>,
    /// gil: own-state words each bytecode increments [default 2; 1 to --frame-words].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub touch_words: Option<u64>,
    /// ll, sl, rb, hs: keys inserted before the run [default 256; 0 to --range].
    #[arg(short = 'i', long, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=MAX_N))]
    pub initial: Option<u64>,
    /// ll, sl, rb, hs: keys are drawn uniformly from [0, RANGE) [default 512; 1 to 2^24, 2^20 for
    /// sl]. Nodes come from a pool of 1 + RANGE + threads nodes allocated up front (32 B each
    /// for ll and hs, 64 B for rb, 320 B for sl).
    #[arg(short = 'r', long, value_name = "RANGE", value_parser = clap::value_parser!(u64).range(1..=MAX_N))]
    pub range: Option<u64>,
    /// ll, sl, rb, hs: percent of operations that update (each thread alternates an insert and
    /// the removal of the key it inserted) [default 20; 0 to 100].
    #[arg(short = 'u', long, value_name = "PCT", value_parser = clap::value_parser!(u32).range(0..=100))]
    pub update: Option<u32>,
    /// hs: hash buckets [default 131072; 1 to 2^24].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_N))]
    pub buckets: Option<u64>,
}

fn parse_probability(text: &str) -> Result<f64, String> {
    let p: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{p} is not a probability (accepted 0 to 1)"))
    }
}

impl WorkloadArgs {
    /// The flags given, by name.
    fn given(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut flag = |set: bool, name| {
            if set {
                v.push(name);
            }
        };
        flag(self.words.is_some(), "--words");
        flag(self.reads.is_some(), "--reads");
        flag(self.writes.is_some(), "--writes");
        flag(self.layout.is_some(), "--layout");
        flag(self.hot.is_some(), "--hot");
        flag(self.accounts.is_some(), "--accounts");
        flag(self.audit_every.is_some(), "--audit-every");
        flag(self.counters.is_some(), "--counters");
        flag(self.chunk.is_some(), "--chunk");
        flag(self.shared_p.is_some(), "--shared-p");
        flag(self.shared_words.is_some(), "--shared-words");
        flag(self.frame_words.is_some(), "--frame-words");
        flag(self.touch_words.is_some(), "--touch-words");
        flag(self.initial.is_some(), "--initial");
        flag(self.range.is_some(), "--range");
        flag(self.update.is_some(), "--update");
        flag(self.buckets.is_some(), "--buckets");
        v
    }

    /// The flags that apply to the chosen workload.
    fn applicable(&self) -> &'static [&'static str] {
        match self.workload {
            WorkloadName::Array => &["--words", "--reads", "--writes", "--layout", "--hot"],
            WorkloadName::Bank => &["--accounts", "--audit-every", "--hot"],
            WorkloadName::Counter => &["--counters", "--layout"],
            WorkloadName::FalseSharing => &["--layout"],
            WorkloadName::Gil => &[
                "--chunk",
                "--shared-p",
                "--shared-words",
                "--frame-words",
                "--touch-words",
            ],
            WorkloadName::Ll | WorkloadName::Sl | WorkloadName::Rb => {
                &["--initial", "--range", "--update"]
            }
            WorkloadName::Hs => &["--initial", "--range", "--update", "--buckets"],
        }
    }

    /// The workload with its parameters, validated for up to `threads` threads.
    pub fn spec(&self, threads: usize) -> Result<WorkloadSpec> {
        let applicable = self.applicable();
        if let Some(bad) = self.given().into_iter().find(|f| !applicable.contains(f)) {
            bail!(
                "{bad} does not apply to --workload {} (its options: {})",
                self.workload
                    .to_possible_value()
                    .map_or_else(String::new, |v| v.get_name().to_string()),
                applicable.join(", ")
            );
        }
        let n = |v: Option<u64>, default: usize| v.map_or(default, |v| v as usize);
        let spec = match self.workload {
            WorkloadName::Array => {
                let d = ArrayConfig::default();
                WorkloadSpec::Array(ArrayConfig {
                    words: n(self.words, d.words),
                    reads: n(self.reads, d.reads),
                    writes: n(self.writes, d.writes),
                    layout: self.layout.map_or(d.layout, Layout::from),
                    hot: self.hot.or(d.hot),
                })
            }
            WorkloadName::Bank => {
                let d = BankConfig::default();
                WorkloadSpec::Bank(BankConfig {
                    accounts: n(self.accounts, d.accounts),
                    audit_every: self.audit_every.unwrap_or(d.audit_every),
                    hot: self.hot.or(d.hot),
                })
            }
            WorkloadName::Counter => {
                let d = CounterConfig::default();
                WorkloadSpec::Counter(CounterConfig {
                    counters: n(self.counters, d.counters),
                    layout: self.layout.map_or(d.layout, Layout::from),
                })
            }
            WorkloadName::FalseSharing => {
                let d = FalseSharingConfig::default();
                WorkloadSpec::FalseSharing(FalseSharingConfig {
                    layout: self.layout.map_or(d.layout, Layout::from),
                })
            }
            WorkloadName::Gil => {
                let d = GilConfig::default();
                WorkloadSpec::Gil(GilConfig {
                    chunk: n(self.chunk, d.chunk),
                    shared_p: self.shared_p.unwrap_or(d.shared_p),
                    shared_words: n(self.shared_words, d.shared_words),
                    frame_words: n(self.frame_words, d.frame_words),
                    touch_words: n(self.touch_words, d.touch_words),
                })
            }
            WorkloadName::Ll | WorkloadName::Sl | WorkloadName::Rb | WorkloadName::Hs => {
                let d = IntsetConfig::default();
                WorkloadSpec::Intset(IntsetConfig {
                    kind: match self.workload {
                        WorkloadName::Ll => IntsetKind::LinkedList,
                        WorkloadName::Sl => IntsetKind::SkipList,
                        WorkloadName::Rb => IntsetKind::RbTree,
                        _ => IntsetKind::HashSet,
                    },
                    initial: n(self.initial, d.initial),
                    range: n(self.range, d.range),
                    update_pct: self.update.unwrap_or(d.update_pct),
                    buckets: n(self.buckets, d.buckets),
                    // Each point draws its initial keys from its own seed (bench::point).
                    seed: d.seed,
                })
            }
        };
        spec.validate(threads)?;
        Ok(spec)
    }
}

/// The longest measured period or warm-up accepted: one hour.
pub const MAX_SECS: f64 = 3600.0;

/// How each point is measured.
#[derive(Args, Debug, Clone)]
pub struct MeasureArgs {
    /// Measured period of every point, in seconds [0.001 to 3600].
    #[arg(long, value_name = "S", value_parser = parse_secs, conflicts_with = "ops")]
    pub secs: Option<f64>,
    /// Instead of --secs: operations per thread in the measured period [1 to 10^12].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000_000))]
    pub ops: Option<u64>,
    /// Warm-up before every measured period, in seconds; its statistics are discarded [0 to 3600].
    #[arg(long, value_name = "S", value_parser = parse_warmup)]
    pub warmup: Option<f64>,
    /// Seed of every random choice (recorded; each point's own seed derives from it).
    #[arg(long, default_value_t = crate::sweep::args::DEFAULT_SEED)]
    pub seed: u64,
    /// Also count TSC cycles of every attempt (two clock reads per attempt); without it the
    /// `committed_cycles`, `aborted_cycles` and `fallback_cycles` columns are left empty.
    #[arg(long)]
    pub cycles: bool,
    /// Charge every transaction to its site (`bank::transfer`, or the source location): `bench`
    /// prints a per-site abort report, the workload sweeps also write `sites.csv`.
    #[arg(long)]
    pub attribute: bool,
}

fn parse_secs(text: &str) -> Result<f64, String> {
    let s: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if (0.001..=MAX_SECS).contains(&s) {
        Ok(s)
    } else {
        Err(format!(
            "{s} s is out of range: accepted 0.001 to {MAX_SECS}"
        ))
    }
}

fn parse_warmup(text: &str) -> Result<f64, String> {
    let s: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if (0.0..=MAX_SECS).contains(&s) {
        Ok(s)
    } else {
        Err(format!("{s} s is out of range: accepted 0 to {MAX_SECS}"))
    }
}

/// How a point's measured period ends, as recorded in `meta.json`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Period {
    /// For this many seconds.
    Secs(f64),
    /// After this many operations per thread.
    Ops(u64),
}

/// The measurement of every point: period and warm-up.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measurement {
    /// The measured period.
    pub period: Period,
    /// Warm-up seconds before it.
    pub warmup_secs: f64,
    /// Whether attempts' cycles are counted (`--cycles`; absent in older runs: off).
    #[serde(default)]
    pub cycles: bool,
    /// Whether transactions are charged to their sites (`--attribute`; absent in older runs: off).
    #[serde(default)]
    pub attribute: bool,
}

impl Measurement {
    /// From the options, with the given defaults when neither --secs nor --ops is given.
    pub fn from_args(a: &MeasureArgs, default_secs: f64, default_warmup: f64) -> Measurement {
        let period = match (a.secs, a.ops) {
            (_, Some(n)) => Period::Ops(n),
            (Some(s), None) => Period::Secs(s),
            (None, None) => Period::Secs(default_secs),
        };
        Measurement {
            period,
            warmup_secs: a.warmup.unwrap_or(default_warmup),
            cycles: a.cycles,
            attribute: a.attribute,
        }
    }

    /// The runner's plan for one point.
    pub fn plan(&self, threads: usize, seed: u64, cores: &[usize]) -> workloads::runner::Plan {
        use workloads::runner::{Measure, Pin, Plan};
        Plan {
            threads,
            warmup: Duration::from_secs_f64(self.warmup_secs),
            measure: match self.period {
                Period::Secs(s) => Measure::For(Duration::from_secs_f64(s)),
                Period::Ops(n) => Measure::Ops(n),
            },
            pin: if cores.is_empty() {
                Pin::Off
            } else {
                Pin::Cores(cores.to_vec())
            },
            seed,
            attribute: self.attribute,
            accounting: if self.cycles {
                tm::Accounting::Cycles
            } else {
                tm::Accounting::Counts
            },
        }
    }

    /// Checks the bounds of the command line (for a `meta.json` read back).
    pub fn validate(&self) -> Result<(), String> {
        match self.period {
            Period::Secs(s) if !(0.001..=MAX_SECS).contains(&s) => {
                return Err(format!(
                    "a measured period of {s} s is outside 0.001 to {MAX_SECS}"
                ));
            }
            Period::Ops(n) if n == 0 || n > 1_000_000_000_000 => {
                return Err(format!("{n} operations per thread is outside 1 to 10^12"));
            }
            _ => {}
        }
        if !(0.0..=MAX_SECS).contains(&self.warmup_secs) {
            return Err(format!(
                "a warm-up of {} s is outside 0 to {MAX_SECS}",
                self.warmup_secs
            ));
        }
        Ok(())
    }

    /// `2 s after 0.2 s warm-up`, or `10000 ops/thread after ...`.
    pub fn describe(&self) -> String {
        let p = match self.period {
            Period::Secs(s) => format!("{s} s"),
            Period::Ops(n) => format!("{n} operations per thread"),
        };
        let cycles = if self.cycles { ", cycles counted" } else { "" };
        let sites = if self.attribute {
            ", attributed to sites"
        } else {
            ""
        };
        format!("{p} after {} s of warm-up{cycles}{sites}", self.warmup_secs)
    }
}
