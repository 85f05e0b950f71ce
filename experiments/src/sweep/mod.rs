//! `tmlab sweep capacity|duration`: measure, record, chart.
//!
//! The pipeline, one stage per file:
//! [`args`] (command line) -> [`spec`] (validated parameters; [`list`] parses `--sizes`) ->
//! [`plan`] (pure: the next point, from the rows so far) -> [`runner`] (pins the thread, measures
//! through a [`hardware::Hardware`], appends rows) -> [`crate::results`] (the run folder) ->
//! [`report`] (key numbers) and [`crate::plot`] (charts, from the folder alone).
//!
//! Order of checks: bad options fail first, then RTM detection (without RTM nothing is created),
//! then the run folder is created or the `--resume` folder is verified.

pub mod args;
pub mod hardware;
pub mod list;
pub mod mock;
pub mod plan;
pub mod report;
pub mod runner;
pub mod scaling;
pub mod session;
pub mod spec;

pub use args::SweepArgs;

use crate::Dirs;
use crate::machine::Machine;
use crate::progress::Progress;
use crate::results::Status;
use crate::results::rows::Record;
use anyhow::{Result, anyhow};
use args::{CommonArgs, SweepKind};
use hardware::{Hardware, RtmHardware};
use mock::MockHardware;
use runner::Outcome;
use spec::{CapacitySpec, Cycles, DurationSpec, Sizes, SweepSpec};
use std::time::Duration;

/// Exit status of a sweep stopped by SIGINT (128 + 2, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Runs a sweep (see the module documentation). Exits the process with status 130 when SIGINT
/// stops it, after recording the interruption and printing how to resume.
pub fn run(args: SweepArgs, dirs: &Dirs) -> Result<()> {
    let spec = match &args.kind {
        SweepKind::Capacity(a) => {
            SweepSpec::Capacity(CapacitySpec::from_args(a).map_err(|e| anyhow!(e))?)
        }
        SweepKind::Duration(a) => {
            SweepSpec::Duration(DurationSpec::from_args(a).map_err(|e| anyhow!(e))?)
        }
        SweepKind::Threads(_) | SweepKind::Txsize(_) => return scaling::run(&args.kind, dirs),
    };
    let common = args
        .kind
        .common()
        .expect("the RTM sweeps have common options")
        .clone();
    if common.mock_hardware {
        eprintln!("warning: --mock-hardware: {}", report::MOCK_BANNER);
        let delay = Duration::from_millis(common.mock_delay_ms.unwrap_or(0));
        let hw = MockHardware::new(common.seed, delay);
        execute(hw, &spec, &common, dirs)
    } else {
        let rtm =
            htm::Rtm::detect().map_err(|e| anyhow!("sweep {}: RTM unusable: {e}", spec.kind()))?;
        // Size the buffer for the patterns this run uses only: same-set needs 4 KiB per line.
        let (max_lines, patterns) = match &spec {
            SweepSpec::Capacity(s) => (usize::try_from(s.max_lines())?, s.patterns.clone()),
            SweepSpec::Duration(_) => (0, Vec::new()),
            SweepSpec::Threads(_) | SweepSpec::Txsize(_) => {
                unreachable!("workload sweeps are run by scaling::run")
            }
        };
        execute(
            RtmHardware::new(rtm, max_lines, patterns, common.seed),
            &spec,
            &common,
            dirs,
        )
    }
}

fn execute<H: Hardware>(
    mut hw: H,
    spec: &SweepSpec,
    common: &CommonArgs,
    dirs: &Dirs,
) -> Result<()> {
    let pinned = runner::pin(common.core)?;
    let setup = Setup {
        spec,
        common,
        dirs,
        machine: Machine::collect(),
        pinned,
    };
    let stop = runner::install_sigint()?;
    match spec {
        SweepSpec::Capacity(s) => {
            let total = match &s.sizes {
                Sizes::List(v) => {
                    Some(v.len() as u64 * s.groups().len() as u64 * u64::from(s.reps))
                }
                Sizes::Refine { .. } => None,
            };
            let check = |rows: &[_]| plan::check_capacity_rows(s, rows);
            drive(&mut hw, setup, total, check, |hw, session, progress| {
                runner::run_capacity(
                    hw,
                    s,
                    &mut session.rows,
                    &mut session.writer,
                    stop,
                    progress,
                )
            })
        }
        SweepSpec::Duration(s) => {
            let total = match &s.cycles {
                Cycles::List(v) => Some(v.len() as u64 * u64::from(s.reps)),
                Cycles::Ladder { .. } => None,
            };
            let check = |rows: &[_]| plan::check_duration_rows(s, rows);
            drive(&mut hw, setup, total, check, |hw, session, progress| {
                let tsc_hz = session.meta.machine.tsc_hz;
                runner::run_duration(
                    hw,
                    s,
                    tsc_hz,
                    &mut session.rows,
                    &mut session.writer,
                    stop,
                    progress,
                )
            })
        }
        SweepSpec::Threads(_) | SweepSpec::Txsize(_) => {
            unreachable!("workload sweeps are run by scaling::run")
        }
    }
}

/// What every session needs besides the hardware.
struct Setup<'a> {
    spec: &'a SweepSpec,
    common: &'a CommonArgs,
    dirs: &'a Dirs,
    machine: Machine,
    pinned: Option<usize>,
}

/// Opens the session, runs it, and ends it: charts and table when complete, a resume hint and
/// exit status 130 when interrupted. The run folder's path is always the last line on stdout.
fn drive<H: Hardware, R: Record>(
    hw: &mut H,
    setup: Setup<'_>,
    total: Option<u64>,
    check: impl Fn(&[R]) -> Result<(), String>,
    body: impl FnOnce(&mut H, &mut session::Session<R>, &Progress) -> Result<Outcome>,
) -> Result<()> {
    let Setup {
        spec,
        common,
        dirs,
        machine,
        pinned,
    } = setup;
    let mut session = match &common.resume {
        Some(dir) => session::resume::<R>(dir, spec, hw.source(), &machine, pinned, check)?,
        None => session::start::<R>(&dirs.results, spec, hw.source(), machine, pinned)?,
    };
    let dir = session.run.dir.clone();
    eprintln!("run folder: {}", dir.display());
    let progress = Progress::new(total, session.rows.len() as u64);
    let outcome = body(hw, &mut session, &progress);
    progress.finish();
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            // Leave the folder resumable; the rows written so far are complete.
            let _ = session::finish(&session.run, &mut session.meta, Status::Interrupted);
            return Err(e.context(format!(
                "sweep failed; the rows so far are kept in {}",
                dir.display()
            )));
        }
    };
    match outcome {
        Outcome::Interrupted => {
            session::finish(&session.run, &mut session.meta, Status::Interrupted)?;
            eprintln!(
                "interrupted after {} rows: resume with: {}",
                session.rows.len(),
                session::resume_command(&dir)
            );
            println!("{}", dir.display());
            std::process::exit(EXIT_INTERRUPTED);
        }
        Outcome::Complete => {
            session::finish(&session.run, &mut session.meta, Status::Complete)?;
            drop(session);
            finish_run(&dir, common.no_plot, dirs)
        }
    }
}

/// Draws the charts (unless `--no-plot`) and prints the table, the chart paths and, last, the run
/// folder's path.
fn finish_run(dir: &std::path::Path, no_plot: bool, dirs: &Dirs) -> Result<()> {
    let loaded = crate::results::Loaded::load(dir)?;
    let charts = if no_plot {
        Vec::new()
    } else {
        crate::plot::draw(&loaded, &dirs.plots)?
    };
    print!("{}", report::table(&loaded));
    for c in &charts {
        println!("chart: {}", c.display());
    }
    println!("{}", dir.display());
    Ok(())
}
