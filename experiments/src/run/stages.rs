//! The stages of a `tmlab run`: what each one runs (the command line of an existing subcommand),
//! where its data lands, and how far it got.
//!
//! Stage `NAME` writes into `RUN/NAME/`, used as that subcommand's `--results-dir`: the probe's
//! folder holds `probe.json`, a sweep's folder holds `meta.json` and `points.csv`, both in the
//! layouts those commands always write. A stage is complete when its folder holds a complete
//! sweep (or a saved probe); partial when a sweep was interrupted or killed (then `--resume`
//! finishes that sweep); missing otherwise.

use super::budget::Budget;
use crate::results::{Meta, Status};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Which subcommand a stage runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageKind {
    /// `tmlab probe`.
    Probe,
    /// `tmlab sweep capacity`.
    Capacity,
    /// `tmlab sweep duration`.
    Duration,
    /// `tmlab sweep threads`.
    Threads,
    /// `tmlab sweep txsize`.
    Txsize,
}

/// One stage: its name (and folder), what it is for, and its command line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// Folder name and identifier (`capacity`, `threads-bank`).
    pub name: String,
    /// What it measures, for the report's heading.
    pub title: String,
    /// Which subcommand.
    pub kind: StageKind,
    /// The subcommand's arguments, without `tmlab` and without `--results-dir` (and
    /// `--no-plot`), which the run adds: `["sweep", "capacity", "--op", "read,write", ...]`.
    pub args: Vec<String>,
}

impl Stage {
    /// Whether the stage needs usable RTM: the capacity and duration sweeps, unless they run
    /// on the modelled HTM (`--backend model:...`).
    pub fn needs_rtm(&self) -> bool {
        matches!(self.kind, StageKind::Capacity | StageKind::Duration)
            && self.model().is_none()
            && !self.args.iter().any(|a| a == "--mock-hardware")
    }

    /// The modelled HTM a capacity or duration stage runs on (`model:<source>`), if any.
    pub fn model(&self) -> Option<&str> {
        let at = self.args.iter().position(|a| a == "--backend")?;
        self.args.get(at + 1)?.strip_prefix("model:")
    }

    /// `RUN/NAME`.
    pub fn folder(&self, run: &Path) -> PathBuf {
        run.join(&self.name)
    }

    /// The full argument list for running it (or resuming it from `resume`) in run folder `run`.
    pub fn argv(&self, run: &Path, resume: Option<&Path>) -> Vec<String> {
        let mut v = self.args.clone();
        v.push("--results-dir".into());
        v.push(self.folder(run).display().to_string());
        if self.kind != StageKind::Probe {
            v.push("--no-plot".into());
        }
        if let Some(dir) = resume {
            v.push("--resume".into());
            v.push(dir.display().to_string());
        }
        v
    }
}

/// The HTM backend and its competitors in every workload stage.
pub const BACKENDS: &str = "tl2,norec,lsa,lock,htm:glibc";

/// The retry policy of the HTM in every workload stage, on RTM and on the model alike.
pub const POLICY: &str = "glibc";

/// The stages of a run with `budget` on a machine with `cores` usable cores, in order. With
/// `model` (a modelled HTM's source, for machines where RTM is unusable), the capacity and
/// duration stages run on that model and the workload stages run `model:<source>@glibc` in place
/// of `htm:glibc`: every such figure is a prediction, and says so ([`duration_args`] says why
/// the modelled duration stage makes fewer attempts).
pub fn plan(budget: &Budget, cores: u64, model: Option<&str>) -> Vec<Stage> {
    let backends = match model {
        Some(source) => BACKENDS.replace("htm:glibc", &format!("model:{source}@{POLICY}")),
        None => BACKENDS.to_string(),
    };
    let s = strings;
    let threads = budget
        .threads(cores)
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let workload = |name: &str, title: &str, extra: &[&str], sizes: bool| {
        let mut args = s(&["sweep", if sizes { "txsize" } else { "threads" }]);
        args.extend(s(&["--workload"]));
        args.push(extra[0].to_string());
        args.extend(s(&extra[1..]));
        args.extend(s(&["--backends", &backends]));
        if sizes {
            args.extend(s(&["--sizes", budget.txsize_sizes, "--threads"]));
            args.push(if cores > 1 {
                format!("1,{cores}")
            } else {
                "1".into()
            });
        } else {
            args.push("--threads".into());
            args.push(threads.clone());
        }
        args.extend(budget.workload_args());
        Stage {
            name: name.into(),
            title: title.into(),
            kind: if sizes {
                StageKind::Txsize
            } else {
                StageKind::Threads
            },
            args,
        }
    };
    let mut duration = duration_args(budget, model.is_some());
    let mut capacity = capacity_args(budget);
    let (mut capacity_title, mut duration_title) = (
        "Capacity: commit probability against footprint".to_string(),
        "Duration: commit probability against transaction length".to_string(),
    );
    if let Some(source) = model {
        for args in [&mut capacity, &mut duration] {
            args.extend(s(&["--backend", &format!("model:{source}")]));
        }
        for title in [&mut capacity_title, &mut duration_title] {
            title.push_str(&format!(" (modelled HTM, model:{source})"));
        }
    }
    vec![
        Stage {
            name: "probe".into(),
            title: "Probe: RTM detection, costs and limits".into(),
            kind: StageKind::Probe,
            args: probe_args(budget),
        },
        Stage {
            name: "capacity".into(),
            title: capacity_title,
            kind: StageKind::Capacity,
            args: capacity,
        },
        Stage {
            name: "duration".into(),
            title: duration_title,
            kind: StageKind::Duration,
            args: duration,
        },
        workload("threads-bank", "Threads: bank", &["bank"], false),
        workload("threads-counter", "Threads: counter", &["counter"], false),
        workload(
            "threads-false-sharing",
            "Threads: false sharing (packed counters)",
            &["false-sharing", "--layout", "packed"],
            false,
        ),
        workload(
            "threads-false-sharing-padded",
            "Threads: false sharing's control (padded counters)",
            &["false-sharing", "--layout", "lines"],
            false,
        ),
        workload(
            "threads-ll",
            "Threads: integer set (sorted linked list)",
            &["ll"],
            false,
        ),
        workload("txsize-array", "Transaction size: array", &["array"], true),
    ]
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// The probe stage's arguments under `budget`.
pub fn probe_args(budget: &Budget) -> Vec<String> {
    strings(&[
        "probe",
        "--attempts",
        &budget.probe_attempts.to_string(),
        "--max-read-lines",
        &budget.probe_max_read_lines.to_string(),
        "--max-write-lines",
        &budget.probe_max_write_lines.to_string(),
        "--max-duration-us",
        &budget.probe_max_duration_us.to_string(),
    ])
}

/// The capacity stage's arguments under `budget` (read and write, seq and same-set, refined),
/// without `--backend`.
pub fn capacity_args(budget: &Budget) -> Vec<String> {
    strings(&[
        "sweep",
        "capacity",
        "--op",
        "read,write",
        "--pattern",
        "seq,same-set",
        "--refine",
        "--max-lines",
        &budget.capacity_max_lines.to_string(),
        "--attempts",
        &budget.capacity_attempts.to_string(),
        "--reps",
        &budget.capacity_reps.to_string(),
    ])
}

/// The duration stage's arguments under `budget`, without `--backend`. A `modelled` duration
/// stage makes a third of the attempts: a modelled attempt always spins its whole length (the
/// model sees its interrupt only at the commit), where a real one stops at the interrupt.
pub fn duration_args(budget: &Budget, modelled: bool) -> Vec<String> {
    let attempts = if modelled {
        budget.duration_attempts.div_ceil(3)
    } else {
        budget.duration_attempts
    };
    let mut v = strings(&[
        "sweep",
        "duration",
        "--attempts",
        &attempts.to_string(),
        "--reps",
        &budget.duration_reps.to_string(),
        "--steps-per-octave",
        &budget.duration_steps.to_string(),
    ]);
    if let Some(max) = budget.duration_max_cycles {
        v.extend(strings(&["--max-cycles", &max.to_string()]));
    }
    v
}

/// How far a stage got, as its folder shows.
#[derive(Clone, Debug, PartialEq)]
pub enum StageState {
    /// Nothing recorded yet (or a probe that was stopped before it saved).
    Missing,
    /// A sweep folder that is not complete: resume it.
    Partial(PathBuf),
    /// A complete sweep folder, or the folder of a saved probe.
    Complete(PathBuf),
}

/// The state of `stage` in run folder `run`. A stage folder holding several result folders
/// (which only a run started twice by hand can leave) is read through its newest.
pub fn state(stage: &Stage, run: &Path) -> Result<StageState> {
    let folder = stage.folder(run);
    if !folder.is_dir() {
        return Ok(StageState::Missing);
    }
    let mut subs: Vec<PathBuf> = std::fs::read_dir(&folder)
        .with_context(|| format!("cannot read {}", folder.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    subs.sort();
    if stage.kind == StageKind::Probe {
        return Ok(
            match subs
                .into_iter()
                .rev()
                .find(|p| p.join("probe.json").is_file())
            {
                Some(p) => StageState::Complete(p),
                None => StageState::Missing,
            },
        );
    }
    let Some(dir) = subs
        .into_iter()
        .rev()
        .find(|p| p.join(crate::results::META_FILE).is_file())
    else {
        return Ok(StageState::Missing);
    };
    let meta = Meta::read(&dir.join(crate::results::META_FILE))?;
    Ok(if meta.status == Status::Complete {
        StageState::Complete(dir)
    } else {
        StageState::Partial(dir)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::budget::BudgetName;

    #[test]
    fn every_stage_parses_as_its_subcommand() {
        for name in [
            BudgetName::Quick,
            BudgetName::Default,
            BudgetName::Full,
            BudgetName::Tiny,
        ] {
            for cores in [1, 2, 8] {
                for model in [None, Some("skylake")] {
                    for stage in plan(&Budget::of(name), cores, model) {
                        let argv = stage.argv(Path::new("/tmp/r"), None);
                        crate::run::parse_stage(&argv)
                            .unwrap_or_else(|e| panic!("{}: {argv:?}: {e}", stage.name));
                    }
                }
            }
        }
        let stages = plan(&Budget::of(BudgetName::Quick), 2, None);
        let tx = stages.iter().find(|s| s.name == "txsize-array").unwrap();
        let at = tx.args.iter().position(|a| a == "--threads").unwrap();
        assert_eq!(tx.args[at + 1], "1,2");
        let one = plan(&Budget::of(BudgetName::Quick), 1, None);
        let tx = one.iter().find(|s| s.name == "txsize-array").unwrap();
        let at = tx.args.iter().position(|a| a == "--threads").unwrap();
        assert_eq!(tx.args[at + 1], "1");
    }

    #[test]
    fn without_rtm_the_plan_runs_the_model_in_place_of_the_hardware() {
        let budget = Budget::of(BudgetName::Quick);
        for stage in plan(&budget, 2, Some("skylake")) {
            let backends = stage.args.iter().position(|a| a == "--backends");
            match stage.kind {
                StageKind::Capacity | StageKind::Duration => {
                    assert_eq!(stage.model(), Some("skylake"), "{}", stage.name);
                    assert!(!stage.needs_rtm() && stage.title.contains("modelled"));
                }
                StageKind::Threads | StageKind::Txsize => {
                    let list = &stage.args[backends.unwrap() + 1];
                    assert_eq!(
                        list, "tl2,norec,lsa,lock,model:skylake@glibc",
                        "{}",
                        stage.name
                    );
                }
                StageKind::Probe => assert!(stage.model().is_none()),
            }
        }
        let hw = plan(&budget, 2, None);
        assert!(
            hw.iter()
                .all(|s| s.model().is_none() && !s.title.contains("modelled"))
        );
        assert_eq!(hw.iter().filter(|s| s.needs_rtm()).count(), 2);
    }
}
