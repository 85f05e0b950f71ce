//! `tmlab sweep capacity|duration`: measure, record, chart.
//!
//! The pipeline, one stage per file:
//! [`args`] (command line) -> [`spec`] (validated parameters, or the recorded ones for
//! `--resume`; [`list`] parses `--sizes`; [`admit`] says which rows each spec can produce) ->
//! [`plan`] (pure: the next point, from the rows so far) -> [`runner`] (pins the thread, measures
//! through a [`hardware::Hardware`], appends rows) -> [`crate::results`] (the run folder) ->
//! [`report`] (key numbers) and [`crate::plot`] (charts, from the folder alone). [`session`]
//! opens the folder (owner lock, abort-now hook) and [`crate::signals`] stops the run.
//!
//! Order of checks: bad options fail first, then RTM detection (without RTM nothing is created),
//! then the run folder is created or the `--resume` folder is verified.

pub mod admit;
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

use crate::dirs::Dirs;
use crate::kernels::footprint::FootprintBuffer;
use crate::kernels::modelled::ModelMachine;
use crate::machine::Machine;
use crate::progress::Progress;
use crate::results::Hardware as Source;
use crate::results::rows::Record;
use crate::results::validate::RowSpec;
use crate::results::{Meta, RunFolder, Status};
use crate::usage::usage;
use anyhow::{Context, Result, anyhow, bail};
use args::{CommonArgs, SweepKind};
use hardware::{Hardware, Kernels};
use mock::MockHardware;
use runner::Outcome;
use spec::{CapacitySpec, Cycles, DurationSpec, Sizes, SweepSpec};
use std::path::Path;
use std::time::Duration;

/// The spec recorded in the run folder `dir` that `--resume` names, read without taking its lock
/// (only to fill in the options not given; [`session::resume`] checks again under the lock).
pub(crate) fn recorded_spec(dir: &Path, kind: &str) -> Result<SweepSpec> {
    let run = RunFolder::open(dir).context("cannot resume")?;
    let meta = Meta::read(&run.meta()).context("cannot resume")?;
    if meta.spec.kind() != kind {
        bail!(
            "cannot resume {}: it is a {} sweep, not a {kind} sweep",
            dir.display(),
            meta.spec.kind()
        );
    }
    Ok(meta.spec)
}

/// Runs a sweep (see the module documentation). Exits the process with status 130 (SIGINT) or
/// 143 (SIGTERM) when a signal stops it, after recording the interruption and printing how to
/// resume.
pub fn run(args: SweepArgs) -> Result<()> {
    let Some(common) = args.kind.common().cloned() else {
        return scaling::run(&args.kind);
    };
    let dirs = Dirs {
        results: common.results.results_dir.clone(),
        plots: common.plots.plots_dir.clone(),
    };
    let recorded = match &common.resume {
        Some(dir) => Some(recorded_spec(dir, args.kind.name())?),
        None => None,
    };
    let spec = match (&args.kind, recorded) {
        (SweepKind::Capacity(a), recorded) => {
            let base = match recorded {
                Some(SweepSpec::Capacity(s)) => s,
                _ => CapacitySpec::defaults(),
            };
            SweepSpec::Capacity(CapacitySpec::from_args_over(a, &base).map_err(usage)?)
        }
        (SweepKind::Duration(a), recorded) => {
            let base = match recorded {
                Some(SweepSpec::Duration(s)) => s,
                _ => DurationSpec::defaults(),
            };
            SweepSpec::Duration(DurationSpec::from_args_over(a, &base).map_err(usage)?)
        }
        (SweepKind::Threads(_) | SweepKind::Txsize(_), _) => {
            unreachable!("workload sweeps are run by scaling::run")
        }
    };
    if common.mock_hardware {
        eprintln!("warning: --mock-hardware: {}", report::MOCK_BANNER);
        let delay = Duration::from_millis(common.mock_delay_ms.unwrap_or(0));
        let hw = MockHardware::new(spec.seed(), delay);
        execute(hw, &spec, &common, &dirs)
    } else {
        // Size the buffer for the patterns this run uses only: same-set needs 4 KiB per line.
        let (max_lines, patterns) = match &spec {
            SweepSpec::Capacity(s) => (usize::try_from(s.max_lines())?, s.patterns.clone()),
            SweepSpec::Duration(_) => (0, Vec::new()),
            SweepSpec::Threads(_) | SweepSpec::Txsize(_) => {
                unreachable!("workload sweeps are run by scaling::run")
            }
        };
        if let Some(source) = spec.model() {
            let model = crate::backends::ModelSpec::parse(source)
                .map_err(|e| usage(format!("--backend model:{source}: {e}")))?;
            let bytes = FootprintBuffer::bytes_for(max_lines, &patterns);
            let machine = ModelMachine::new(model.config, bytes)
                .map_err(|e| usage(format!("--backend model:{source}: {e}")))?;
            let cpu = machine.cpu();
            let hw = Kernels::new(cpu.tx(), Source::Model, max_lines, patterns, spec.seed());
            return execute(hw, &spec, &common, &dirs);
        }
        let rtm = htm::Rtm::detect().map_err(|e| {
            anyhow!(
                "sweep {}: RTM unusable: {e} (`--backend model:<preset>` runs the modelled HTM \
                 instead)",
                spec.kind()
            )
        })?;
        execute(
            Kernels::rtm(rtm, max_lines, patterns, spec.seed()),
            &spec,
            &common,
            &dirs,
        )
    }
}

fn execute<H: Hardware>(
    mut hw: H,
    spec: &SweepSpec,
    common: &CommonArgs,
    dirs: &Dirs,
) -> Result<()> {
    // The stop flag first, so a signal during the setup already stops the run cleanly.
    let stop = crate::signals::install()?;
    // The machine before pinning, so it records the cores available to the process.
    let machine = Machine::collect();
    let pinned = runner::pin(common.core)?;
    let setup = Setup {
        spec,
        common,
        dirs,
        machine,
        pinned,
    };
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
/// exit status 128 + the signal when interrupted. The run folder's path is always the last line
/// on stdout.
fn drive<H: Hardware, R: Record>(
    hw: &mut H,
    setup: Setup<'_>,
    total: Option<u64>,
    check: impl Fn(&[R]) -> Result<(), String>,
    body: impl FnOnce(&mut H, &mut session::Session<R>, &Progress) -> Result<Outcome>,
) -> Result<()>
where
    SweepSpec: RowSpec<R>,
{
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
        Outcome::Interrupted(signal) => {
            session::finish(&session.run, &mut session.meta, Status::Interrupted)?;
            eprintln!(
                "{signal}: interrupted after {} rows: resume with: {}",
                session.rows.len(),
                session::resume_command(&dir)
            );
            println!("{}", dir.display());
            std::process::exit(signal.exit_code());
        }
        Outcome::Complete => {
            session::finish(&session.run, &mut session.meta, Status::Complete)?;
            drop(session);
            finish_run(&dir, common.no_plot, dirs)
        }
    }
}

/// Prints the table, draws the charts (unless `--no-plot`) and prints their paths and, last, the
/// run folder's path. The run is complete whatever happens here: a chart that cannot be drawn is
/// reported (and fails the command) after the table and the folder are printed.
pub fn finish_run(dir: &Path, no_plot: bool, dirs: &Dirs) -> Result<()> {
    let loaded = crate::results::Loaded::load(dir)?;
    print!("{}", report::table(&loaded));
    let charts = if no_plot {
        Ok(Vec::new())
    } else {
        crate::plot::draw(&loaded, &dirs.plots)
    };
    match charts {
        Ok(charts) => {
            for c in &charts {
                println!("chart: {}", c.display());
            }
            println!("{}", dir.display());
            Ok(())
        }
        Err(e) => {
            println!("{}", dir.display());
            Err(e.context(format!(
                "the run is complete and saved in {}, but its charts could not be drawn \
                 (redraw them with: tmlab plot {})",
                dir.display(),
                dir.display()
            )))
        }
    }
}
