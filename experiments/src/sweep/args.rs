//! The command line of `tmlab sweep capacity` and `tmlab sweep duration`.
//!
//! Every option that is part of the sweep's spec is an `Option` (or an empty list) when not
//! given, so that `--resume DIR` can tell what the user asked for from what the folder recorded:
//! unspecified options take the recorded values, given ones must agree with them
//! ([`super::spec`]). The defaults of a new run are stated in each help text.

use super::list::{self, ValueList};
use crate::dirs::{PlotsDirArg, ResultsDirArg};
use crate::kernels::footprint::{Op, Pattern};
use crate::limits::{
    MAX_ATTEMPTS, MAX_CYCLES, MAX_LINES, MAX_MOCK_DELAY_MS, MAX_REPS, MAX_STEPS_PER_OCTAVE,
};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// The run seed used when `--seed` is not given ("tmlab" in ASCII), so repeated runs agree.
pub const DEFAULT_SEED: u64 = 0x0074_6d6c_6162;
/// Attempts per point and repetition when `--attempts` is not given.
pub const DEFAULT_ATTEMPTS: u64 = 1000;
/// Repetitions when `--reps` is not given.
pub const DEFAULT_REPS: u32 = 5;
/// `--max-lines` when not given.
pub const DEFAULT_MAX_LINES: u64 = 65536;
/// `--min-cycles` when not given.
pub const DEFAULT_MIN_CYCLES: u64 = 256;
/// `--max-cycles` when not given.
pub const DEFAULT_MAX_CYCLES: u64 = 1 << 32;
/// `--steps-per-octave` when not given.
pub const DEFAULT_STEPS_PER_OCTAVE: u32 = 2;

/// Options of `tmlab sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Which sweep.
    #[command(subcommand)]
    pub kind: SweepKind,
}

/// The sweeps.
#[derive(Subcommand, Debug)]
pub enum SweepKind {
    /// Commit probability against transaction footprint (cache lines), single-threaded, RTM.
    #[command(after_long_help = CAPACITY_EXAMPLES)]
    Capacity(CapacityArgs),
    /// Commit probability against transaction duration (TSC cycles spun inside), RTM.
    #[command(after_long_help = DURATION_EXAMPLES)]
    Duration(DurationArgs),
    /// Throughput and aborts of backends side by side on one workload, against thread count.
    Threads(super::scaling::ThreadsArgs),
    /// Throughput and aborts of backends side by side, against transaction size and threads.
    Txsize(super::scaling::TxsizeArgs),
}

const CAPACITY_EXAMPLES: &str = "\
Examples:
  # Refine the 50 % point of every op and pattern (coarse pass, then bisection):
  tmlab sweep capacity --op read,write,mixed --pattern seq,random,same-set
  # Every footprint from 1 to 64 lines, same-set, cold caches, 3 repetitions:
  tmlab sweep capacity --op write --pattern same-set --sizes 1..64 --cold --reps 3
  # Finish an interrupted run with the parameters recorded in its meta.json:
  tmlab sweep capacity --resume results/20261122T023519Z-capacity-myhost

Exit status: 0 complete; 1 failed (or complete but the charts could not be written); 2 bad
options; 130 stopped by SIGINT, 143 by SIGTERM (resumable with --resume).";

const DURATION_EXAMPLES: &str = "\
Examples:
  # The default ladder: 256 cycles upwards, 2 rungs per doubling, until nothing commits:
  tmlab sweep duration
  # Explicit durations, 2000 attempts each:
  tmlab sweep duration --cycles 1000..64000:1000 --attempts 2000
  # Finish an interrupted run with the parameters recorded in its meta.json:
  tmlab sweep duration --resume results/20261122T023519Z-duration-myhost

Exit status: 0 complete; 1 failed (or complete but the charts could not be written); 2 bad
options; 130 stopped by SIGINT, 143 by SIGTERM (resumable with --resume).";

/// `--backend` of the hardware sweeps: which HTM runs the kernels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HtmSource {
    /// This CPU's RTM.
    Rtm,
    /// The modelled HTM, with its source as written after `model:` (checked when parsed).
    Model(String),
}

impl HtmSource {
    /// The model source a spec records: `None` for RTM.
    pub fn model(&self) -> Option<String> {
        match self {
            HtmSource::Rtm => None,
            HtmSource::Model(source) => Some(source.clone()),
        }
    }
}

/// Parses `--backend`: `rtm` or `model:<source>`, the source read and checked now.
pub(crate) fn htm_source(s: &str) -> Result<HtmSource, String> {
    let s = s.trim();
    if s == "rtm" {
        return Ok(HtmSource::Rtm);
    }
    let Some(source) = s.strip_prefix("model:") else {
        return Err(format!(
            "`{s}`: expected `rtm` or `model:<preset>` (haswell, skylake, icelake, \
             sapphire-rapids), `model:file=PATH.toml` or `model:probe=DIR`"
        ));
    };
    crate::backends::ModelSpec::parse(source)?;
    Ok(HtmSource::Model(source.to_string()))
}

/// Options shared by every sweep.
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// Transactions attempted per point and repetition, 1 to 10000000 [default: 1000].
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=MAX_ATTEMPTS))]
    pub attempts: Option<u64>,
    /// Repetitions of every point, 1 to 1000; the charts show their spread [default: 5].
    #[arg(long, value_name = "R",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_REPS)))]
    pub reps: Option<u32>,
    /// Core to pin the measuring thread to (default: the last core the process may use).
    #[arg(long, value_name = "ID")]
    pub core: Option<usize>,
    /// Finish the interrupted or killed run in DIR instead of starting one. Options not given
    /// are taken from its meta.json; options given must agree with it.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Do not draw the charts at the end.
    #[arg(long)]
    pub no_plot: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub results: ResultsDirArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub plots: PlotsDirArg,
    /// What runs the transactions: `rtm` (this CPU's RTM, the default), or a modelled HTM,
    /// `model:<preset>` (haswell, skylake, icelake, sapphire-rapids), `model:file=PATH.toml` or
    /// `model:probe=DIR` (a `tmlab probe` folder). A modelled run's folder, data and charts say
    /// "model"; it runs on any machine.
    #[arg(long, value_name = "HTM", value_parser = htm_source, conflicts_with = "mock_hardware")]
    pub backend: Option<HtmSource>,
    /// Tests only: replace RTM by a deterministic model. The run is marked MOCK everywhere.
    #[arg(long, hide = true)]
    pub mock_hardware: bool,
    /// Tests only: make every mock point take this many milliseconds (at most 60000).
    #[arg(long, hide = true, value_name = "MS", requires = "mock_hardware",
          value_parser = clap::value_parser!(u64).range(0..=MAX_MOCK_DELAY_MS))]
    pub mock_delay_ms: Option<u64>,
}

/// Options of `tmlab sweep capacity`.
#[derive(Args, Debug)]
pub struct CapacityArgs {
    /// What each transaction does to its lines; a comma list draws one curve per op
    /// [default: write].
    #[arg(long, value_enum, value_delimiter = ',')]
    pub op: Vec<Op>,
    /// Where the lines lie (same-set: 4 KiB apart, all in one L1 set); a comma list is allowed
    /// [default: seq].
    #[arg(long, value_enum, value_delimiter = ',')]
    pub pattern: Vec<Pattern>,
    /// Footprints in lines, each 1 to 16777216 (2^24), at most 100000 values: `1,2,4,8`,
    /// `16..2048:64` (inclusive, step 64) or mixtures. The buffer (4 KiB per line for same-set,
    /// 256 bytes for random, 64 for seq) may not exceed 4 GiB.
    #[arg(long, value_name = "LIST", value_parser = list::sizes,
          conflicts_with_all = ["refine", "max_lines"])]
    pub sizes: Option<ValueList>,
    /// Coarse pass over powers of two, then bisection to the last footprint that commits at least
    /// half the time (the default when --sizes is not given).
    #[arg(long)]
    pub refine: bool,
    /// Largest footprint the refine pass tries, 1 to 16777216 (2^24) lines [default: 65536].
    #[arg(long, value_name = "LINES",
          value_parser = clap::value_parser!(u64).range(1..=MAX_LINES))]
    pub max_lines: Option<u64>,
    /// Touch every line just before each attempt (the default).
    #[arg(long, conflicts_with = "cold")]
    pub warm: bool,
    /// Flush every line with clflush before each attempt.
    #[arg(long)]
    pub cold: bool,
    /// Seed of the run: drives the random line order of `--pattern random`; recorded in every
    /// row and in meta.json [default: 500052025698].
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// Options of `tmlab sweep duration`.
#[derive(Args, Debug)]
pub struct DurationArgs {
    /// Explicit durations in TSC cycles, each 1 to 68719476736 (2^36), at most 100000 values
    /// (`1000,2000` or `1000..64000:1000`), instead of the log-spaced ladder that stops once
    /// nothing commits.
    #[arg(long, value_name = "LIST", value_parser = list::cycles,
          conflicts_with_all = ["min_cycles", "max_cycles", "steps_per_octave"])]
    pub cycles: Option<ValueList>,
    /// First rung of the ladder, 1 to 2^36 TSC cycles [default: 256].
    #[arg(long, value_name = "CYCLES",
          value_parser = clap::value_parser!(u64).range(1..=MAX_CYCLES))]
    pub min_cycles: Option<u64>,
    /// Last rung the ladder may reach, 1 to 2^36 TSC cycles (about 23 s at 3 GHz)
    /// [default: 4294967296].
    #[arg(long, value_name = "CYCLES",
          value_parser = clap::value_parser!(u64).range(1..=MAX_CYCLES))]
    pub max_cycles: Option<u64>,
    /// Rungs per doubling of the duration, 1 to 64 [default: 2].
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_STEPS_PER_OCTAVE)))]
    pub steps_per_octave: Option<u32>,
    /// Seed of the run: recorded in every row and in meta.json, and seeds the test mock; the
    /// duration kernel itself draws no random numbers [default: 500052025698].
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

impl SweepKind {
    /// The options shared by the RTM sweeps (capacity, duration); `None` for the workload sweeps.
    pub fn common(&self) -> Option<&CommonArgs> {
        match self {
            SweepKind::Capacity(a) => Some(&a.common),
            SweepKind::Duration(a) => Some(&a.common),
            SweepKind::Threads(_) | SweepKind::Txsize(_) => None,
        }
    }

    /// `capacity`, `duration`, `threads` or `txsize`.
    pub fn name(&self) -> &'static str {
        match self {
            SweepKind::Capacity(_) => "capacity",
            SweepKind::Duration(_) => "duration",
            SweepKind::Threads(_) => "threads",
            SweepKind::Txsize(_) => "txsize",
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_seed_in_the_help_is_the_constant() {
        assert_eq!(super::DEFAULT_SEED, 500_052_025_698);
        assert_eq!(super::DEFAULT_MAX_CYCLES, 4_294_967_296);
        assert_eq!(crate::limits::MAX_CYCLES, 68_719_476_736);
        assert_eq!(crate::limits::MAX_LINES, 16_777_216);
    }
}
