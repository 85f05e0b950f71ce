//! The command line of `tmlab sweep capacity` and `tmlab sweep duration`.

use crate::kernels::footprint::{Op, Pattern};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// The run seed used when `--seed` is not given ("tmlab" in ASCII), so repeated runs agree.
pub const DEFAULT_SEED: u64 = 0x0074_6d6c_6162;

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
    Capacity(CapacityArgs),
    /// Commit probability against transaction duration (TSC cycles spun inside), RTM.
    Duration(DurationArgs),
    /// Throughput and aborts of backends side by side on one workload, against thread count.
    Threads(super::scaling::ThreadsArgs),
    /// Throughput and aborts of backends side by side, against transaction size and threads.
    Txsize(super::scaling::TxsizeArgs),
}

/// Options shared by every sweep.
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// Transactions attempted per point and repetition.
    #[arg(long, default_value_t = 1000, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub attempts: u64,
    /// Repetitions of every point (the charts show their spread).
    #[arg(long, default_value_t = 5, value_name = "R",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub reps: u32,
    /// Seed of the run: drives the random line order of capacity sweeps; recorded in every row and in meta.json.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Core to pin the measuring thread to (default: the last core the process may use).
    #[arg(long, value_name = "ID")]
    pub core: Option<usize>,
    /// Finish the interrupted run in DIR (same sweep parameters required) instead of starting one.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Do not draw the charts at the end.
    #[arg(long)]
    pub no_plot: bool,
    /// Tests only: replace RTM by a deterministic model. The run is marked MOCK everywhere.
    #[arg(long, hide = true)]
    pub mock_hardware: bool,
    /// Tests only: make every mock point take this many milliseconds.
    #[arg(long, hide = true, value_name = "MS", requires = "mock_hardware")]
    pub mock_delay_ms: Option<u64>,
}

/// Options of `tmlab sweep capacity`.
#[derive(Args, Debug)]
pub struct CapacityArgs {
    /// What each transaction does to its lines; a comma list draws one curve per op.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "write")]
    pub op: Vec<Op>,
    /// Where the lines lie (same-set: 4 KiB apart, all in one L1 set); a comma list is allowed.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "seq")]
    pub pattern: Vec<Pattern>,
    /// Footprints in lines: `1,2,4,8`, `16..2048:64` (inclusive, step 64) or mixtures.
    #[arg(long, value_name = "LIST", conflicts_with = "refine")]
    pub sizes: Option<String>,
    /// Coarse pass over powers of two, then bisection to the last footprint that commits at least
    /// half the time (the default when --sizes is not given).
    #[arg(long)]
    pub refine: bool,
    /// Largest footprint the refine pass tries, in lines.
    #[arg(long, default_value_t = 65536, value_name = "LINES", conflicts_with = "sizes",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_lines: u64,
    /// Touch every line just before each attempt (the default).
    #[arg(long, conflicts_with = "cold")]
    pub warm: bool,
    /// Flush every line with clflush before each attempt.
    #[arg(long)]
    pub cold: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: CommonArgs,
}

/// Options of `tmlab sweep duration`.
#[derive(Args, Debug)]
pub struct DurationArgs {
    /// Explicit durations in TSC cycles (`1000,2000` or `1000..64000:1000`), instead of the
    /// log-spaced ladder that stops once nothing commits.
    #[arg(long, value_name = "LIST", conflicts_with_all = ["min_cycles", "max_cycles", "steps_per_octave"])]
    pub cycles: Option<String>,
    /// First rung of the ladder, in TSC cycles.
    #[arg(long, default_value_t = 256, value_name = "CYCLES",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub min_cycles: u64,
    /// Last rung the ladder may reach, in TSC cycles.
    #[arg(long, default_value_t = 1 << 32, value_name = "CYCLES",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_cycles: u64,
    /// Rungs per doubling of the duration.
    #[arg(long, default_value_t = 2, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub steps_per_octave: u32,
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
}
