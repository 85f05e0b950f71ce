//! A run folder read back for the report: its `run.json` and every stage's data files, each
//! checked by the same readers `tmlab plot` and `--resume` use.

use crate::machine::Machine;
use crate::results::{Loaded, RunState};
use crate::run::manifest::Manifest;
use crate::run::stages::{self, Stage, StageKind, StageState};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// A saved probe: `probe.json` parsed.
#[derive(Clone, Debug)]
pub struct ProbeData {
    /// The file.
    pub path: PathBuf,
    /// Its `probe` object, as saved.
    pub probe: serde_json::Value,
    /// The machine it describes.
    pub machine: Machine,
}

/// A stage's data files.
#[derive(Clone, Debug)]
pub enum StageFiles {
    /// The probe's `probe.json`.
    Probe(Box<ProbeData>),
    /// A sweep's folder.
    Sweep(Box<Loaded>),
}

/// One stage as the report sees it.
#[derive(Clone, Debug)]
pub struct StageData {
    /// What the stage is.
    pub stage: Stage,
    /// Why it was not run, if it was skipped.
    pub skipped: Option<String>,
    /// Its files, once it produced some.
    pub files: Option<StageFiles>,
}

impl StageData {
    /// The loaded sweep, if the stage is a sweep with data.
    pub fn sweep(&self) -> Option<&Loaded> {
        match &self.files {
            Some(StageFiles::Sweep(l)) => Some(l),
            _ => None,
        }
    }

    /// `complete`, `interrupted` ..., `skipped: <reason>` or `not run`.
    pub fn status(&self) -> String {
        if let Some(r) = &self.skipped {
            return format!("skipped: {r}");
        }
        match &self.files {
            None => "not run (yet)".into(),
            Some(StageFiles::Probe(_)) => "complete".into(),
            Some(StageFiles::Sweep(l)) => match l.state {
                RunState::Complete => "complete".into(),
                s => format!("{} ({} rows so far)", s.word(), l.len()),
            },
        }
    }
}

/// A run folder's contents.
#[derive(Clone, Debug)]
pub struct Study {
    /// The run folder.
    pub dir: PathBuf,
    /// Its `run.json`.
    pub manifest: Manifest,
    /// Every stage, in order.
    pub stages: Vec<StageData>,
}

impl Study {
    /// Reads the run folder `dir`: `run.json`, then every stage's files (a stage's data that
    /// cannot be read fails the whole load, naming the file).
    pub fn load(dir: &Path) -> Result<Study> {
        let manifest = Manifest::read(dir)?;
        let mut out = Vec::new();
        for stage in &manifest.stages {
            let skipped = manifest.skip_reason(&stage.name).map(str::to_string);
            let files = match stages::state(stage, dir)
                .with_context(|| format!("stage {}", stage.name))?
            {
                StageState::Missing => None,
                StageState::Partial(p) | StageState::Complete(p) => {
                    Some(if stage.kind == StageKind::Probe {
                        StageFiles::Probe(Box::new(read_probe(&p.join("probe.json"))?))
                    } else {
                        StageFiles::Sweep(Box::new(
                            Loaded::load(&p).with_context(|| format!("stage {}", stage.name))?,
                        ))
                    })
                }
            };
            out.push(StageData {
                stage: stage.clone(),
                skipped,
                files,
            });
        }
        Ok(Study {
            dir: dir.to_path_buf(),
            manifest,
            stages: out,
        })
    }

    /// The stage named `name`.
    pub fn stage(&self, name: &str) -> Option<&StageData> {
        self.stages.iter().find(|s| s.stage.name == name)
    }

    /// The saved probe, if any.
    pub fn probe(&self) -> Option<&ProbeData> {
        self.stages.iter().find_map(|s| match &s.files {
            Some(StageFiles::Probe(p)) => Some(&**p),
            _ => None,
        })
    }

    /// The machine: the probe's description, else the first sweep's.
    pub fn machine(&self) -> Option<&Machine> {
        self.probe().map(|p| &p.machine).or_else(|| {
            self.stages
                .iter()
                .find_map(|s| s.sweep().map(|l| &l.meta.machine))
        })
    }
}

/// Reads a `probe.json` written by `tmlab probe`.
pub fn read_probe(path: &Path) -> Result<ProbeData> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    let Some(probe) = value.get("probe").filter(|p| p.is_object()) else {
        bail!("{}: no `probe` object: not a saved probe", path.display());
    };
    if !probe
        .get("rtm_usable")
        .is_some_and(serde_json::Value::is_boolean)
    {
        bail!(
            "{}: probe.rtm_usable is missing or not a boolean",
            path.display()
        );
    }
    let machine: Machine = serde_json::from_value(
        value.get("machine").cloned().unwrap_or_default(),
    )
    .with_context(|| format!("{}: `machine` is not a machine description", path.display()))?;
    Ok(ProbeData {
        path: path.to_path_buf(),
        probe: probe.clone(),
        machine,
    })
}
