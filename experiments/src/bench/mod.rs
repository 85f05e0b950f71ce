//! `tmlab bench`: one point, measured and summarized.
//!
//! The same runner, workloads and backends as the sweeps ([`point`]), for one backend and thread
//! count: a human summary by default, or with `--format json` one JSON line per repetition with
//! exactly the fields of a `points.csv` row of a workload sweep. With `--attribute` the text
//! summary ends with the per-site abort report of [`crate::aborts_report`] (the JSON lines stay
//! point rows). Nothing is written to disk.
//! The exit status is 1 if a workload check failed.

pub mod args;
pub mod point;
pub mod workload;

use crate::backends::BackendSpec;
use crate::results::{ConflictRow, SiteRow, WorkloadRow};
use anyhow::{Result, bail};
use args::{MeasureArgs, Measurement, WorkloadArgs};
use clap::{Args, ValueEnum};
use tm::AbortCause;

/// The most threads any command accepts.
pub const MAX_THREADS: usize = 1024;

/// Output format of `tmlab bench`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A human summary.
    Text,
    /// One JSON line per repetition, with the fields of a `points.csv` row.
    Json,
}

/// Options of `tmlab bench`.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
    tmlab bench --workload bank --backend tl2 --threads 2 --secs 2 --accounts 1024\n  \
    tmlab bench --workload counter --backend htm:glibc --threads 2 --counters 1\n  \
    tmlab bench --workload array --backend norec --reads 64 --writes 16 --format json")]
pub struct BenchArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub workload: WorkloadArgs,
    /// The backend: tl2, norec, lsa, lock, seq, htm:fixed:N, htm:glibc, htm:cause-aware (+ticket).
    #[arg(long, value_parser = |s: &str| s.parse::<BackendSpec>())]
    pub backend: BackendSpec,
    /// Worker threads [1 to 1024].
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=MAX_THREADS as u64))]
    pub threads: u64,
    /// Repetitions, each with a fresh backend and fresh data [1 to 1000].
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub reps: u32,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub measure: MeasureArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `tmlab bench`.
pub fn run(args: BenchArgs) -> Result<()> {
    let threads = args.threads as usize;
    let workload = args
        .workload
        .spec(threads)
        .map_err(|e| crate::usage::usage(format!("{e:#}")))?;
    let backend = &args.backend;
    if let Some(reason) = backend.unavailable(threads) {
        bail!("bench: {backend} cannot run here: {reason}");
    }
    let measurement = Measurement::from_args(&args.measure, 1.0, 0.2);
    let cores = workloads::runner::available_cores();
    if threads > cores.len().max(1) {
        eprintln!(
            "warning: {threads} threads on {} cores: threads share cores, so expect preemption \
             inside transactions",
            cores.len()
        );
    }
    let mut rows = Vec::new();
    let mut sites = Vec::new();
    let mut conflicts = Vec::new();
    for rep in 0..args.reps {
        let seed = if args.reps == 1 {
            args.measure.seed
        } else {
            point::point_seed(args.measure.seed, rep)
        };
        let m = point::measure(backend, &workload, threads, &measurement, seed, &cores)?;
        let row = point::row(&workload, backend, None, rep, seed, &m.outcome);
        sites.extend(SiteRow::of_point(
            &row,
            &m.outcome.sites,
            measurement.cycles,
        ));
        if let Some(words) = &m.outcome.conflicts {
            conflicts.extend(ConflictRow::of_point(&row, words));
        }
        match args.format {
            Format::Json => println!("{}", row.to_json()),
            Format::Text if rep == 0 => {
                let params: Vec<String> = m
                    .info
                    .params
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                println!("workload    {}", workload.describe());
                println!("backend     {} ({})", backend, params.join(", "));
                println!("threads     {threads} (cores {})", row.cores);
                println!("measured    {}", measurement.describe());
            }
            Format::Text => {}
        }
        rows.push(row);
    }
    if args.format == Format::Text {
        print!("{}", summary(&rows));
        if measurement.attribute {
            print!("{}", crate::aborts_report::render(&sites, &conflicts));
        }
    }
    if let Some(bad) = rows.iter().find(|r| !r.check_ok) {
        bail!(
            "the workload check failed (rep {}): {}",
            bad.rep,
            bad.violation
        );
    }
    Ok(())
}

/// The median and range over `rows` of throughput and abort rate, and the pooled abort causes.
fn summary(rows: &[WorkloadRow]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let tp: Vec<f64> = rows.iter().map(|r| r.throughput).collect();
    let ar: Vec<f64> = rows.iter().map(WorkloadRow::abort_rate).collect();
    let spread = |v: &[f64], f: &dyn Fn(f64) -> String| {
        let s = crate::stats::Spread::of(v);
        if v.len() == 1 {
            f(s.median)
        } else {
            format!(
                "{} (median of {}; min {}, max {})",
                f(s.median),
                v.len(),
                f(s.min),
                f(s.max)
            )
        }
    };
    let _ = writeln!(
        out,
        "throughput  {}",
        spread(&tp, &|x| format!("{} tx/s", crate::stats::si(x)))
    );
    let _ = writeln!(
        out,
        "abort rate  {}",
        spread(&ar, &|x| format!("{:.2} % of attempts", 100.0 * x))
    );
    let (mut attempts, mut commits, mut fallbacks, mut ops) = (0, 0, 0, 0);
    let mut causes = [0u64; AbortCause::COUNT];
    for r in rows {
        attempts += r.attempts;
        commits += r.commits;
        fallbacks += r.fallbacks;
        ops += r.ops;
        for (c, v) in causes.iter_mut().zip(r.aborts()) {
            *c += v;
        }
    }
    let _ = writeln!(
        out,
        "counts      {ops} operations, {attempts} attempts, {commits} commits, {fallbacks} fallbacks"
    );
    let named: Vec<String> = AbortCause::ALL
        .iter()
        .filter(|c| causes[c.index()] > 0)
        .map(|c| format!("{} {}", c.name(), causes[c.index()]))
        .collect();
    let _ = writeln!(
        out,
        "aborts      {}",
        if named.is_empty() {
            "none".to_string()
        } else {
            named.join(", ")
        }
    );
    let sum = |f: fn(&WorkloadRow) -> Option<u64>| rows.iter().filter_map(f).sum::<u64>();
    if rows.iter().any(|r| r.updates.is_some()) && ops > 0 {
        let pct = |n: u64| 100.0 * n as f64 / ops as f64;
        let _ = writeln!(
            out,
            "updates     {:.1} % of operations attempted, {:.1} % effective (inserts {} of {}, \
             removes {} of {})",
            pct(sum(|r| r.updates)),
            pct(sum(|r| r.effective_updates)),
            sum(|r| r.effective_inserts),
            sum(|r| r.inserts),
            sum(|r| r.effective_removes),
            sum(|r| r.removes)
        );
    }
    let failed = rows.iter().filter(|r| !r.check_ok).count();
    let _ = writeln!(
        out,
        "check       {}",
        if failed == 0 {
            "ok".to_string()
        } else {
            format!("FAILED in {failed} of {} repetitions", rows.len())
        }
    );
    out
}
