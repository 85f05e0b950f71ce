//! `tmlab run`: the whole viability study in one command, into one new run folder, ending with
//! the report.
//!
//! A run folder `results/<UTC time>-run-<host>/` holds `run.json` ([`manifest`]: the budget, the
//! stages and their command lines, skipped stages, sessions), one sub-folder per stage
//! ([`stages`]), and, once the report is written, `report.md`, `report.html` and `charts/`.
//! Each stage is an existing subcommand (`tmlab probe`, `tmlab sweep ...`) run in-process with
//! its own command line and `--results-dir RUN/STAGE`, so every stage writes exactly the files
//! that subcommand always writes, row by row, with its owner lock and its resume machinery.
//!
//! Stages run one after the other, each on a fresh thread, so a stage that pins its thread
//! (the probe, the capacity and duration sweeps) leaves the next stage the whole machine.
//! The first SIGINT or SIGTERM lets the current point (or the probe) finish, records it and exits
//! with 130 or 143, printing `tmlab run --resume DIR`; the resume finishes an interrupted sweep
//! with that sweep's own `--resume` and runs the stages not yet run. Stages that need RTM are
//! skipped where it is unusable, with the exact reason, recorded in `run.json`. A stage that
//! fails (for example a workload check) is reported and the run goes on; the command then exits
//! 1 after writing the report.

pub mod budget;
pub mod manifest;
pub mod stages;

use crate::dirs::ResultsDirArg;
use crate::results::RunFolder;
use crate::run_dir;
use anyhow::{Context, Result, anyhow, bail};
use budget::{Budget, BudgetName};
use clap::Parser;
use manifest::{Manifest, RunKind, Session, SkippedStage};
use stages::StageState;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// Options of `tmlab run`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct RunArgs {
    /// About a minute on two cores: one repetition, short points, fewer sizes (the report
    /// states the budget).
    #[arg(long, conflicts_with_all = ["full", "tiny", "resume"])]
    pub quick: bool,
    /// For papers: five repetitions, longer points, every thread count (takes much longer).
    #[arg(long, conflicts_with_all = ["tiny", "resume"])]
    pub full: bool,
    /// Tests only: a seconds-long run whose figures mean nothing.
    #[arg(long, hide = true, conflicts_with = "resume")]
    pub tiny: bool,
    /// Finish the interrupted or killed run in DIR: resume its interrupted stage and run the
    /// stages not yet run, with the budget recorded in its run.json.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Where RTM is unusable, the modelled HTM whose predictions stand in for it: a preset
    /// (haswell, skylake, icelake, sapphire-rapids), `file=PATH.toml`, `probe=DIR`, or `none`
    /// for no modelled stages [default: skylake]. Every modelled figure says so.
    #[arg(long, value_name = "MODEL", value_parser = model_choice, conflicts_with = "resume")]
    pub model: Option<ModelChoice>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub results: ResultsDirArg,
}

/// `--model`: a modelled HTM's source, or none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelChoice {
    /// No modelled stages.
    None,
    /// The source after `model:` (checked when parsed).
    Source(String),
}

/// Parses `--model`, reading and checking the model's configuration now.
fn model_choice(s: &str) -> Result<ModelChoice, String> {
    let s = s.trim();
    if s == "none" {
        return Ok(ModelChoice::None);
    }
    let source = s.strip_prefix("model:").unwrap_or(s);
    crate::backends::ModelSpec::parse(source)?;
    Ok(ModelChoice::Source(source.to_string()))
}

/// The model a run uses when RTM is unusable and `--model` is not given.
pub const DEFAULT_MODEL: &str = "skylake";

const EXAMPLES: &str = "\
Examples:
  tmlab run                 # the study, a few minutes on 2 cores; report path printed last
  tmlab run --quick         # about a minute: fewer points and repetitions
  tmlab run --resume results/20261204T170000Z-run-myhost   # finish an interrupted run
  tmlab report results/20261204T170000Z-run-myhost         # rebuild its report from its files

Stages: probe; capacity (read and write, seq and same-set, refined); duration; thread sweeps of
bank, counter, false-sharing (packed, and padded as its control) and ll on tl2, norec, lsa, lock
and htm:glibc; a transaction-size sweep of array at 1 thread and at all cores. Without usable
RTM, the report's first line says why, and the modelled HTM (--model, default skylake) stands in
for it: capacity and duration run on the model and the workloads run model:skylake@glibc in place
of htm:glibc, every such figure labelled modelled. With --model none those stages are skipped
and the htm:glibc points are not run, each with the reason.

Exit status: 0 complete; 1 a stage failed (the report is still written); 2 bad options; 130
(SIGINT) or 143 (SIGTERM) when stopped (resume with --resume DIR).";

/// The command line of one stage, parsed as the subcommand it is.
#[derive(Parser, Debug)]
#[command(name = "tmlab")]
struct StageCli {
    #[command(subcommand)]
    command: StageCommand,
}

/// The subcommands a stage may run.
#[derive(clap::Subcommand, Debug)]
pub enum StageCommand {
    /// `tmlab probe`.
    Probe(Box<crate::probe::ProbeArgs>),
    /// `tmlab sweep ...`.
    Sweep(Box<crate::sweep::SweepArgs>),
}

/// Parses a stage's arguments (without `tmlab`) as `tmlab` would.
pub fn parse_stage(args: &[String]) -> Result<StageCommand> {
    StageCli::try_parse_from(std::iter::once("tmlab".to_string()).chain(args.iter().cloned()))
        .map(|c| c.command)
        .map_err(|e| anyhow!("stage command line {args:?} does not parse: {e}"))
}

fn dispatch(cmd: StageCommand) -> Result<()> {
    match cmd {
        StageCommand::Probe(a) => crate::probe::run(*a),
        StageCommand::Sweep(a) => crate::sweep::run(*a),
    }
}

/// `tmlab run --resume DIR` (or `compare-model`), quoted for a shell.
fn resume_hint(kind: RunKind, dir: &Path) -> String {
    let exe = std::env::args().next().unwrap_or_else(|| "tmlab".into());
    let sub = kind.command().trim_start_matches("tmlab ");
    format!(
        "{} {sub} --resume {}",
        crate::sweep::session::shell_quote(&exe),
        crate::sweep::session::shell_quote(&dir.display().to_string())
    )
}

/// Runs `tmlab run` (see the module documentation).
pub fn run(args: RunArgs) -> Result<()> {
    let stop = crate::signals::install()?;
    let started = SystemTime::now();
    let (dir, manifest) = match &args.resume {
        Some(dir) => {
            let m = Manifest::read(dir).context("cannot resume")?;
            m.expect_kind(dir, RunKind::Viability)
                .context("cannot resume")?;
            (dir.clone(), m)
        }
        None => {
            let name = if args.quick {
                BudgetName::Quick
            } else if args.full {
                BudgetName::Full
            } else if args.tiny {
                BudgetName::Tiny
            } else {
                BudgetName::Default
            };
            let budget = Budget::of(name);
            // Where RTM is unusable, the model stands in for it (decided once: the plan is
            // recorded in run.json, so a resume on another machine runs the same study).
            let model = match (htm::Rtm::detect(), &args.model) {
                (Ok(_), Some(ModelChoice::Source(_))) => {
                    eprintln!("note: RTM is usable here, so --model is not used");
                    None
                }
                (Ok(_), _) | (Err(_), Some(ModelChoice::None)) => None,
                (Err(_), Some(ModelChoice::Source(source))) => Some(source.clone()),
                (Err(_), None) => Some(DEFAULT_MODEL.to_string()),
            };
            // Before any stage pins a thread: the cores this process may use.
            let cores = workloads::runner::available_cores().len().max(1) as u64;
            let host = crate::machine::hostname();
            let dir = run_dir::create(&args.results.results_dir, "run", &host, started)?;
            let m = Manifest {
                format: manifest::FORMAT,
                kind: RunKind::Viability,
                budget: name,
                budget_description: budget.describe(),
                host,
                cores,
                stages: stages::plan(&budget, cores, model.as_deref()),
                skipped: Vec::new(),
                sessions: Vec::new(),
            };
            (dir, m)
        }
    };
    let resumed = args.resume.is_some();
    execute(&dir, manifest, started, resumed, stop, |dir| {
        let written = crate::report::write(dir)?;
        println!("report: {}", written.markdown.display());
        println!("{}", written.html.display());
        Ok(())
    })
}

/// Runs the stages of the run folder `dir` (described by `manifest`) that are neither complete
/// nor skipped, in order, then calls `report`, holding the folder's owner lock throughout
/// (shared by `tmlab run` and `tmlab compare-model`). Exits the process with 130 or 143 when a
/// signal stops it between stages; fails after the report when a stage failed.
pub fn execute(
    dir: &Path,
    mut manifest: Manifest,
    started: SystemTime,
    resumed: bool,
    stop: &'static crate::signals::Stop,
    report: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let dir = dir.to_path_buf();
    let folder = RunFolder::new(&dir);
    let mut lock = folder
        .acquire()
        .map_err(|e| anyhow!("cannot run in {}: {e}", dir.display()))?;
    lock.record_pid()?;
    if resumed && stages_left(&manifest, &dir)? == 0 {
        eprintln!(
            "note: every stage of {} is already complete; rewriting the report",
            dir.display()
        );
    }
    manifest.sessions.push(Session {
        started: run_dir::rfc3339(started),
        ended: None,
        command: std::env::args().collect(),
        git_commit: crate::machine::Software::current().git_commit,
    });
    manifest.write(&dir)?;
    eprintln!("run folder: {}", dir.display());
    eprintln!("{}", manifest.budget_description);
    let hint = resume_hint(manifest.kind, &dir);
    crate::sweep::session::set_resume_command(hint.clone());
    let rtm = htm::Rtm::detect().map(|_| ()).map_err(|e| e.to_string());
    let total = manifest.stages.len();
    let mut failures: Vec<String> = Vec::new();
    for (i, stage) in manifest.stages.clone().iter().enumerate() {
        let label = format!("stage {}/{total} {}", i + 1, stage.name);
        if let Some(signal) = stop.requested() {
            end_session(&mut manifest, &dir)?;
            eprintln!(
                "{signal}: stopped before {label}; the finished stages are kept: resume with: {hint}"
            );
            println!("{}", dir.display());
            std::process::exit(signal.exit_code());
        }
        if let Some(reason) = manifest.skip_reason(&stage.name) {
            eprintln!("{label}: skipped: {reason}");
            continue;
        }
        let resume = match stages::state(stage, &dir)? {
            StageState::Complete(p) => {
                eprintln!("{label}: already complete in {}", p.display());
                continue;
            }
            StageState::Partial(p) => Some(p),
            StageState::Missing => None,
        };
        if stage.needs_rtm()
            && let Err(reason) = &rtm
        {
            let reason = format!("RTM unusable: {reason}");
            eprintln!("{label}: skipped: {reason}");
            manifest.skipped.push(SkippedStage {
                stage: stage.name.clone(),
                reason,
            });
            manifest.write(&dir)?;
            continue;
        }
        let argv = stage.argv(&dir, resume.as_deref());
        eprintln!(
            "{label}: {}{}\n  tmlab {}",
            stage.title,
            if resume.is_some() { " (resuming)" } else { "" },
            argv.join(" ")
        );
        let cmd = parse_stage(&argv)?;
        crate::progress::set_context(label.clone());
        // The second signal of a stage without a session of its own (the probe) still says how
        // to resume; sweeps replace this hook with theirs while they run.
        let hook_hint = hint.clone();
        let _hook = stop.on_abort(move |signal| {
            eprintln!(
                "{signal}: stopped at once; the finished stages are kept: resume with: {hook_hint}"
            );
        });
        let clock = Instant::now();
        let outcome = std::thread::scope(|s| {
            std::thread::Builder::new()
                .name(format!("stage-{}", stage.name))
                .spawn_scoped(s, move || dispatch(cmd))
                .map(|h| h.join())
        })
        .context("cannot start a stage thread")?;
        crate::progress::set_context(String::new());
        match outcome {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(Err(e)) => {
                eprintln!("{label} failed: {e:#}");
                failures.push(format!("{}: {e:#}", stage.name));
            }
            Ok(Ok(())) => eprintln!("{label}: done in {:.1} s", clock.elapsed().as_secs_f64()),
        }
    }
    end_session(&mut manifest, &dir)?;
    report(&dir)?;
    drop(lock);
    if !failures.is_empty() {
        bail!(
            "{} stage(s) failed (the report says which): {}",
            failures.len(),
            failures.join("; ")
        );
    }
    Ok(())
}

/// Records the end of this session in `run.json`.
fn end_session(manifest: &mut Manifest, dir: &Path) -> Result<()> {
    if let Some(s) = manifest.sessions.last_mut() {
        s.ended = Some(run_dir::rfc3339(SystemTime::now()));
    }
    manifest.write(dir)
}

/// Stages neither complete nor skipped.
fn stages_left(manifest: &Manifest, dir: &Path) -> Result<usize> {
    let mut n = 0;
    for s in &manifest.stages {
        let done = manifest.skip_reason(&s.name).is_some()
            || matches!(stages::state(s, dir)?, StageState::Complete(_));
        n += usize::from(!done);
    }
    Ok(n)
}
