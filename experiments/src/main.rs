//! `tmlab`: probes the machine's HTM, runs sweeps, writes result folders and draws charts.
//!
//! `main` only parses the command line and dispatches; each subcommand lives in its own module.
//! Errors are printed with their full context chain and exit with status 1 (clap's own usage
//! errors exit with 2).

mod analysis;
mod backends;
mod bench;
mod comparison;
mod kernels;
mod machine;
mod plot;
mod probe;
mod progress;
mod results;
mod run_dir;
mod stats;
mod sweep;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Hardware vs. software transactional memory, measured.
#[derive(Parser, Debug)]
#[command(name = "tmlab", version, about, long_about = None)]
struct Cli {
    /// Folder under which each run creates its own result folder.
    #[arg(long, global = true, default_value = "results", value_name = "DIR")]
    results_dir: PathBuf,
    /// Folder under which charts are written, one sub-folder per run.
    #[arg(long, global = true, default_value = "plots", value_name = "DIR")]
    plots_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

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
}

/// Where runs write their data and their charts.
#[derive(Clone, Debug)]
pub struct Dirs {
    /// Root of the result folders.
    pub results: PathBuf,
    /// Root of the chart folders.
    pub plots: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let dirs = Dirs {
        results: cli.results_dir,
        plots: cli.plots_dir,
    };
    let outcome = match cli.command {
        Command::Probe(args) => probe::run(args, &dirs),
        Command::Sweep(args) => sweep::run(args, &dirs),
        Command::Bench(args) => bench::run(args),
        Command::Plot(args) => plot::run(args, &dirs),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
