//! `tmlab compare-model`: this machine's RTM against the modelled HTM calibrated on it, the same
//! experiments on both, one chart per experiment with both drawn.
//!
//! The model is `model:probe=P`, where `P` is this machine's `tmlab probe` (run as the first
//! stage, or given with `--probe`): its L1D geometry, its write and read capacities and its 50 %
//! duration. The experiments are the capacity sweep (read and write, seq and same-set, refined),
//! the duration sweep, and the counter with one counter at 2 threads (`htm:glibc` and
//! `model:probe=P@glibc` in the same sweep). They run as stages of a run folder
//! `results/<UTC time>-compare-model-<host>/` with the machinery of `tmlab run` ([`crate::run`]:
//! `run.json`, one folder per stage, owner lock, signals, `--resume`), and end with
//! `compare.md`, `compare.html` and the charts in `charts/` ([`doc`], [`figures`]).
//!
//! Without usable RTM there is nothing to compare the model with, and the command says so and
//! fails before it creates anything. The tests' hidden `--mock-hardware` runs the hardware side on
//! the sweeps' mock instead (every chart and the report then say MOCK DATA), so the whole
//! command can be exercised on machines without RTM; it needs `--probe`.

pub mod doc;
pub mod figures;

use crate::backends::ModelSpec;
use crate::dirs::ResultsDirArg;
use crate::run::budget::{Budget, BudgetName};
use crate::run::manifest::{self, Manifest, RunKind};
use crate::run::stages::{self, POLICY, Stage, StageKind};
use crate::run_dir;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Options of `tmlab compare-model`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct CompareArgs {
    /// A short comparison (one repetition, fewer attempts), as `tmlab run --quick`.
    #[arg(long, conflicts_with_all = ["tiny", "resume"])]
    pub quick: bool,
    /// Tests only: a seconds-long comparison whose figures mean nothing.
    #[arg(long, hide = true, conflicts_with = "resume")]
    pub tiny: bool,
    /// Calibrate the model on this `tmlab probe` result folder (of this machine) instead of
    /// probing first.
    #[arg(long, value_name = "DIR", value_parser = probe_dir, conflicts_with = "resume")]
    pub probe: Option<PathBuf>,
    /// Finish the interrupted or killed comparison in DIR.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Tests only: the hardware side runs on the sweeps' mock (MOCK DATA); needs --probe.
    #[arg(long, hide = true, requires = "probe", conflicts_with = "resume")]
    pub mock_hardware: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub results: ResultsDirArg,
}

const EXAMPLES: &str = "\
Examples:
  tmlab compare-model            # probe, then each experiment on RTM and on model:probe=<probe>
  tmlab compare-model --quick    # the same, shorter
  tmlab compare-model --probe results/20261204T170000Z-probe-myhost   # reuse a probe
  tmlab compare-model --resume results/20261204T171000Z-compare-model-myhost

Runs the capacity sweep (read, write; seq, same-set; refined), the duration sweep and the
one-counter workload at 2 threads on this machine's RTM and on the model calibrated on its
probe, then writes compare.md, compare.html and one chart per experiment with both drawn. Needs
usable RTM: without it there is nothing to compare the model with.

Exit status: 0 complete; 1 RTM unusable or a stage failed (the report is still written); 2 bad
options; 130 (SIGINT) or 143 (SIGTERM) when stopped (resume with --resume DIR).";

/// Parses `--probe`: a probe folder the model can be calibrated on, made absolute (the stages'
/// command lines name it).
fn probe_dir(s: &str) -> Result<PathBuf, String> {
    let dir = PathBuf::from(s);
    ModelSpec::parse(&format!("probe={s}"))?;
    std::path::absolute(&dir).map_err(|e| format!("{s}: {e}"))
}

/// Stage names of the comparison.
pub mod names {
    /// The probe.
    pub const PROBE: &str = "probe";
    /// Capacity on RTM.
    pub const CAPACITY: &str = "capacity";
    /// Capacity on the model.
    pub const CAPACITY_MODEL: &str = "capacity-model";
    /// Duration on RTM.
    pub const DURATION: &str = "duration";
    /// Duration on the model.
    pub const DURATION_MODEL: &str = "duration-model";
    /// The 2-thread counter on both.
    pub const COUNTER: &str = "counter";
}

/// The threads of the counter experiment.
pub const COUNTER_THREADS: u32 = 2;

/// The stages of a comparison under `budget`: the probe (unless `probe` names one), then each
/// experiment on the hardware (the mock with `mock`) and on `model:probe=<probe>`. `run` is the
/// run folder (the probe stage's folder there is the model's source when no probe is given).
pub fn plan(budget: &Budget, run: &Path, probe: Option<&Path>, mock: bool) -> Vec<Stage> {
    let source = format!(
        "probe={}",
        probe
            .map(Path::to_path_buf)
            .unwrap_or_else(|| run.join(names::PROBE))
            .display()
    );
    let model = format!("model:{source}");
    let hardware = |mut args: Vec<String>| {
        if mock {
            args.push("--mock-hardware".into());
        }
        args
    };
    let modelled = |mut args: Vec<String>| {
        args.extend(["--backend".to_string(), model.clone()]);
        args
    };
    let on_rtm = if mock { "the mock (tests only)" } else { "RTM" };
    let mut out = Vec::new();
    if probe.is_none() {
        out.push(Stage {
            name: names::PROBE.into(),
            title: "Probe: the figures the model is calibrated on".into(),
            kind: StageKind::Probe,
            args: stages::probe_args(budget),
        });
    }
    out.push(Stage {
        name: names::CAPACITY.into(),
        title: format!("Capacity on {on_rtm}"),
        kind: StageKind::Capacity,
        args: hardware(stages::capacity_args(budget)),
    });
    out.push(Stage {
        name: names::CAPACITY_MODEL.into(),
        title: format!("Capacity on the modelled HTM ({model})"),
        kind: StageKind::Capacity,
        args: modelled(stages::capacity_args(budget)),
    });
    out.push(Stage {
        name: names::DURATION.into(),
        title: format!("Duration on {on_rtm}"),
        kind: StageKind::Duration,
        args: hardware(stages::duration_args(budget, false)),
    });
    out.push(Stage {
        name: names::DURATION_MODEL.into(),
        title: format!("Duration on the modelled HTM ({model})"),
        kind: StageKind::Duration,
        args: modelled(stages::duration_args(budget, true)),
    });
    let mut counter: Vec<String> = [
        "sweep",
        "threads",
        "--workload",
        "counter",
        "--counters",
        "1",
        "--threads",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    counter.push(COUNTER_THREADS.to_string());
    counter.push("--backends".into());
    counter.push(format!("htm:{POLICY},{model}@{POLICY}"));
    counter.extend(budget.workload_args());
    out.push(Stage {
        name: names::COUNTER.into(),
        title: format!(
            "One counter at {COUNTER_THREADS} threads: htm:{POLICY} and {model}@{POLICY}"
        ),
        kind: StageKind::Threads,
        args: counter,
    });
    out
}

/// Runs `tmlab compare-model` (see the module documentation).
pub fn run(args: CompareArgs) -> Result<()> {
    let stop = crate::signals::install()?;
    let started = SystemTime::now();
    let rtm = htm::Rtm::detect().map(|_| ());
    let (dir, manifest) = match &args.resume {
        Some(dir) => {
            let m = Manifest::read(dir).context("cannot resume")?;
            m.expect_kind(dir, RunKind::CompareModel)
                .context("cannot resume")?;
            if let Err(reason) = &rtm
                && m.stages.iter().any(Stage::needs_rtm)
            {
                bail!(
                    "cannot resume {}: RTM is not usable here: {reason}",
                    dir.display()
                );
            }
            (dir.clone(), m)
        }
        None => {
            if let (Err(reason), false) = (&rtm, args.mock_hardware) {
                bail!(
                    "compare-model compares this machine's RTM with its model, and RTM is not \
                     usable here: {reason}. A model alone runs anywhere: `tmlab sweep capacity \
                     --backend model:<preset>`, or `tmlab run` (which stands a model in for RTM)"
                );
            }
            let name = if args.quick {
                BudgetName::Quick
            } else if args.tiny {
                BudgetName::Tiny
            } else {
                BudgetName::Default
            };
            let budget = Budget::of(name);
            let cores = workloads::runner::available_cores().len().max(1) as u64;
            let host = crate::machine::hostname();
            let kind = if args.mock_hardware {
                "compare-model-mock"
            } else {
                "compare-model"
            };
            let dir = run_dir::create(&args.results.results_dir, kind, &host, started)?;
            let m = Manifest {
                format: manifest::FORMAT,
                kind: RunKind::CompareModel,
                budget: name,
                budget_description: budget.describe(),
                host,
                cores,
                stages: plan(&budget, &dir, args.probe.as_deref(), args.mock_hardware),
                skipped: Vec::new(),
                sessions: Vec::new(),
            };
            (dir, m)
        }
    };
    crate::run::execute(
        &dir,
        manifest,
        started,
        args.resume.is_some(),
        stop,
        |dir| {
            let written = write(dir)?;
            println!("report: {}", written.markdown.display());
            println!("{}", written.html.display());
            Ok(())
        },
    )
}

/// Reads the comparison folder `dir`, draws its charts and writes `compare.md` and
/// `compare.html` (also what `tmlab report DIR` does for such a folder).
pub fn write(dir: &Path) -> Result<crate::report::Written> {
    let study = crate::report::study::Study::load(dir)?;
    let mut doc = doc::build(&study);
    figures::draw_all(&study, &mut doc)?;
    crate::report::render(dir, &doc, "compare")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests' probe fixture (illustrative figures, not a measurement).
    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/probe-fixture-rtm"
    );

    #[test]
    fn every_stage_parses_and_the_model_stages_name_the_probe() {
        // A run folder whose probe stage holds the fixture, as the probe stage would leave it.
        let run = std::env::temp_dir().join(format!("tmlab-cmp-plan-{}", std::process::id()));
        let probe_run = run
            .join(names::PROBE)
            .join("20261204T000000Z-probe-fixture");
        std::fs::create_dir_all(&probe_run).unwrap();
        std::fs::copy(
            Path::new(FIXTURE).join("probe.json"),
            probe_run.join("probe.json"),
        )
        .unwrap();
        for name in [BudgetName::Quick, BudgetName::Default, BudgetName::Tiny] {
            for probe in [None, Some(Path::new(FIXTURE))] {
                for mock in [false, true] {
                    let plan = plan(&Budget::of(name), &run, probe, mock);
                    for stage in &plan {
                        let argv = stage.argv(&run, None);
                        crate::run::parse_stage(&argv)
                            .unwrap_or_else(|e| panic!("{}: {argv:?}: {e}", stage.name));
                    }
                    let source = format!(
                        "probe={}",
                        probe
                            .map_or(run.join(names::PROBE), Path::to_path_buf)
                            .display()
                    );
                    assert_eq!(plan[0].kind == StageKind::Probe, probe.is_none());
                    let model = |n: &str| plan.iter().find(|s| s.name == n).unwrap().model();
                    assert_eq!(model(names::CAPACITY_MODEL), Some(source.as_str()));
                    assert_eq!(model(names::DURATION_MODEL), Some(source.as_str()));
                    assert_eq!(model(names::CAPACITY), None);
                    let hw = plan.iter().find(|s| s.name == names::DURATION).unwrap();
                    assert_eq!(hw.needs_rtm(), !mock);
                    let counter = plan.iter().find(|s| s.name == names::COUNTER).unwrap();
                    let at = counter.args.iter().position(|a| a == "--backends").unwrap();
                    assert_eq!(
                        counter.args[at + 1],
                        format!("htm:glibc,model:{source}@glibc")
                    );
                }
            }
        }
        let _ = std::fs::remove_dir_all(&run);
    }
}
