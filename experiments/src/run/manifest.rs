//! `run.json`: what a `tmlab run` folder is (its budget and stages) and what happened to it.
//!
//! Written when the folder is created and rewritten (atomically: temporary file, then rename)
//! whenever a stage is skipped or a session starts or ends. The stages' data live in their own
//! folders ([`super::stages`]); this file only says which commands made them, so `tmlab report`
//! and `tmlab run --resume` need nothing else.

use super::budget::BudgetName;
use super::stages::Stage;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// File name of the manifest inside a run folder.
pub const RUN_FILE: &str = "run.json";

/// The layout version this build writes and reads.
pub const FORMAT: u32 = 1;

/// A stage that was not run here, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkippedStage {
    /// The stage's name.
    pub stage: String,
    /// Why (for example the exact reason RTM is unusable).
    pub reason: String,
}

/// One session of the run (the first, and each `--resume`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// When it started (RFC 3339, UTC).
    pub started: String,
    /// When it ended, if it ended normally or by a first signal.
    pub ended: Option<String>,
    /// Its exact command line.
    pub command: Vec<String>,
    /// The git commit of the binary.
    pub git_commit: String,
}

/// Which study a run folder holds, and so which report `tmlab report` writes for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunKind {
    /// `tmlab run`: the viability study.
    #[default]
    Viability,
    /// `tmlab compare-model`: this machine's RTM against its modelled HTM.
    CompareModel,
}

impl RunKind {
    /// The command that makes (and resumes) such a folder.
    pub fn command(self) -> &'static str {
        match self {
            RunKind::Viability => "tmlab run",
            RunKind::CompareModel => "tmlab compare-model",
        }
    }
}

/// The contents of `run.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// The study (absent in folders of earlier builds: the viability study).
    #[serde(default)]
    pub kind: RunKind,
    /// The budget.
    pub budget: BudgetName,
    /// The budget in words (from its parameters, see [`super::budget::Budget::describe`]).
    pub budget_description: String,
    /// The host name.
    pub host: String,
    /// Cores the process could use when the run started (they decide the thread counts).
    pub cores: u64,
    /// The stages, in order.
    pub stages: Vec<Stage>,
    /// Stages not run here, with the reason.
    #[serde(default)]
    pub skipped: Vec<SkippedStage>,
    /// The sessions that worked on the run.
    pub sessions: Vec<Session>,
}

impl Manifest {
    /// Reads and checks `DIR/run.json`; fails with a clear message when `dir` is not a run
    /// folder.
    pub fn read(dir: &Path) -> Result<Manifest> {
        if dir.is_file() {
            bail!("{}: a file, not a run folder", dir.display());
        }
        if !dir.is_dir() {
            bail!("{}: no such folder", dir.display());
        }
        let path = dir.join(RUN_FILE);
        if !path.is_file() {
            let hint = if dir.join(crate::results::META_FILE).is_file() {
                " (it is the folder of a single sweep: `tmlab plot` redraws its charts)"
            } else {
                ""
            };
            bail!(
                "{}: not a tmlab run folder (no {RUN_FILE}){hint}",
                dir.display()
            );
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let m: Manifest = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a valid {RUN_FILE}", path.display()))?;
        if m.format != FORMAT {
            bail!(
                "{}: layout format {} (this tmlab reads {FORMAT})",
                path.display(),
                m.format
            );
        }
        if m.stages.is_empty() {
            bail!("{}: no stages", path.display());
        }
        for s in &m.stages {
            let ok = !s.name.is_empty()
                && s.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                bail!(
                    "{}: stage name {:?} is not a folder name",
                    path.display(),
                    s.name
                );
            }
        }
        Ok(m)
    }

    /// Writes `DIR/run.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(RUN_FILE);
        let tmp = dir.join(format!("{RUN_FILE}.tmp"));
        let text = serde_json::to_string_pretty(self).context("cannot encode run.json")?;
        std::fs::write(&tmp, format!("{text}\n"))
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Fails unless the folder holds a `kind` study, naming the command that resumes it.
    pub fn expect_kind(&self, dir: &Path, kind: RunKind) -> Result<()> {
        if self.kind != kind {
            bail!(
                "{} was made by `{}`, not `{}`: resume it with `{} --resume`",
                dir.display(),
                self.kind.command(),
                kind.command(),
                self.kind.command()
            );
        }
        Ok(())
    }

    /// Why `stage` was skipped, if it was.
    pub fn skip_reason(&self, stage: &str) -> Option<&str> {
        self.skipped
            .iter()
            .find(|s| s.stage == stage)
            .map(|s| s.reason.as_str())
    }
}
