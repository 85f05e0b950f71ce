//! `tmlab`: probes the machine's HTM, runs sweeps, writes result folders and draws charts.
//!
//! `main` only parses the command line and dispatches; each subcommand lives in its own module.
//! Exit status: 0 success; 1 the command failed (the error is printed with its full context
//! chain); 2 a usage error (clap's own, and bad values or combinations found after parsing:
//! [`usage::UsageError`]); 128 + the signal number (130 SIGINT, 143 SIGTERM) when a signal
//! stopped a sweep, which is then resumable.

mod aborts_report;
mod analysis;
mod backends;
mod bench;
mod compare_model;
mod comparison;
mod conflicts_report;
mod dirs;
mod kernels;
mod limits;
mod machine;
mod plot;
mod probe;
mod progress;
mod report;
mod results;
mod run;
mod run_dir;
mod signals;
mod stats;
mod sweep;
mod usage;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

pub use dirs::Dirs;

/// Hardware vs. software transactional memory, measured: probe what this machine's RTM can do,
/// sweep its capacity and duration limits, compare HTM and STM backends on the same workloads
/// across threads and transaction sizes, and chart it all from result folders.
#[derive(Parser, Debug)]
#[command(name = "tmlab", version, after_long_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "\
Examples:
  tmlab run                                    # the whole study and its report (minutes)
  tmlab run --quick                            # the same in about a minute
  tmlab probe                                  # what RTM can do here, in about 10 seconds
  tmlab sweep capacity --op read,write         # commit probability against footprint
  tmlab bench --workload bank --backend tl2 --threads 2   # one workload on one backend
  tmlab sweep threads --workload bank --backends tl2,norec,lock,htm:glibc
  tmlab plot results/20261122T023519Z-capacity-myhost   # redraw a run's charts
  tmlab report-aborts results/20261122T023519Z-threads-myhost  # aborts per site (--attribute)
  tmlab compare-model                          # this machine's RTM against its calibrated model

Exit status: 0 success; 1 failure; 2 bad options or values; 130 (SIGINT) or 143 (SIGTERM) when
a signal stopped a sweep (resume it with --resume DIR).";

#[derive(Subcommand, Debug)]
enum Command {
    /// Detect RTM and measure its basic costs and limits (about 10 seconds).
    Probe(probe::ProbeArgs),
    /// Run a sweep and write a result folder (and its charts).
    Sweep(sweep::SweepArgs),
    /// Measure one workload on one backend at one thread count, and summarize it.
    Bench(bench::BenchArgs),
    /// Redraw every chart of a result folder from its files alone.
    Plot(plot::PlotArgs),
    /// Print where a workload sweep's transactions aborted, per site, from its sites.csv
    /// (written by sweeps run with --attribute).
    ReportAborts(aborts_report::ReportArgs),
    /// The whole viability study (probe, capacity, duration, thread and size sweeps) into one
    /// run folder, ending with its report (the main job).
    Run(run::RunArgs),
    /// Rebuild the report (report.md, report.html, charts) of a `tmlab run` folder from its
    /// files alone (compare.md and compare.html for a `tmlab compare-model` folder).
    Report(report::ReportArgs),
    /// Run the capacity, duration and 2-thread counter experiments on this machine's RTM and on
    /// the model calibrated on its probe, and draw both in one chart per experiment.
    CompareModel(compare_model::CompareArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Probe(args) => probe::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Plot(args) => plot::run(args),
        Command::ReportAborts(args) => aborts_report::run(args),
        Command::Run(args) => run::run(args),
        Command::Report(args) => report::run(args),
        Command::CompareModel(args) => compare_model::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if usage::is_usage(&e) => {
            eprintln!("error: {e:#}\n\nFor more information, try '--help'.");
            ExitCode::from(usage::EXIT_USAGE)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
