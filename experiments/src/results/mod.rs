//! Result folders on disk: the one place that reads and writes them.
//!
//! A run folder `results/<UTC time>-<sweep>[-mock]-<host>/` holds two data files, three with
//! `--attribute` (and `.lock`, the owner's lock, see [`lock`]):
//!
//! - `points.csv`: tidy data, one row per point and repetition. Every parameter is a column and
//!   every count is a column (see [`rows`]). The header is written once, when the folder is
//!   created; each row is appended with a single `write` and flushed to the disk as soon as its
//!   point finishes, so an interrupted run keeps every row it finished and never a partial one.
//! - `sites.csv` (workload sweeps with `--attribute` only): per point, repetition and site, how
//!   many transactions committed, fell back and aborted by cause (see [`site_row`]), written with
//!   each point before its `points.csv` row.
//! - `meta.json`: the sweep's parameters, the machine, the command lines, the software versions,
//!   the start and end times and the run's status (see [`meta`]).
//!
//! Charts are derived data: `tmlab plot DIR` redraws them from these two files alone.
//! Every error names the file (and, for the CSV, the line) it is about. Loading a folder
//! ([`Loaded::load`]) checks every row against the run's own spec ([`validate`]), and tells a
//! live run from a killed one ([`RunState`]).

pub mod conflict_row;
pub mod error;
pub mod loaded;
pub mod lock;
pub mod meta;
pub mod points;
pub mod rows;
pub mod site_row;
pub mod validate;
pub mod workload_row;

pub use conflict_row::{CONFLICTS_FILE, ConflictRow};
pub use error::ResultsError;
pub use loaded::{Loaded, Rows};
pub use lock::{Owner, OwnerLock};
pub use meta::{Hardware, Meta, Status};
pub use rows::{CapacityRow, DurationRow};
pub use site_row::{SITES_FILE, SiteRow};
pub use workload_row::WorkloadRow;

use std::path::{Path, PathBuf};

/// File name of the data table inside a run folder.
pub const POINTS_FILE: &str = "points.csv";
/// File name of the metadata inside a run folder.
pub const META_FILE: &str = "meta.json";

/// The paths of one run folder's files.
#[derive(Clone, Debug)]
pub struct RunFolder {
    /// The folder.
    pub dir: PathBuf,
}

impl RunFolder {
    /// The run folder at `dir` (nothing is checked).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        RunFolder { dir: dir.into() }
    }

    /// `DIR/points.csv`.
    pub fn points(&self) -> PathBuf {
        self.dir.join(POINTS_FILE)
    }

    /// `DIR/sites.csv` (workload sweeps run with `--attribute`).
    pub fn sites(&self) -> PathBuf {
        self.dir.join(SITES_FILE)
    }

    /// `DIR/conflicts.csv` (workload sweeps run with `--attribute`: the words of the STMs'
    /// conflict aborts).
    pub fn conflicts(&self) -> PathBuf {
        self.dir.join(CONFLICTS_FILE)
    }

    /// `DIR/meta.json`.
    pub fn meta(&self) -> PathBuf {
        self.dir.join(META_FILE)
    }

    /// The folder's own name (`20261122T023519Z-capacity-host`), used for its chart folder.
    pub fn name(&self) -> String {
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into())
    }

    /// Fails with a clear message unless `dir` is an existing run folder (has `meta.json`).
    pub fn open(dir: &Path) -> Result<Self, ResultsError> {
        if dir.is_file() {
            return Err(ResultsError::NotAFolderButAFile(dir.to_path_buf()));
        }
        if !dir.is_dir() {
            return Err(ResultsError::NotAFolder(dir.to_path_buf()));
        }
        let run = RunFolder::new(dir);
        if !run.meta().is_file() {
            return Err(ResultsError::NotARunFolder(dir.to_path_buf()));
        }
        Ok(run)
    }
}

/// How far a run got, as a reader sees it: the recorded [`Status`], and for `running` whether the
/// folder's owner is still alive ([`RunFolder::owner`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Every planned point is recorded.
    Complete,
    /// Stopped by a signal; resumable.
    Interrupted,
    /// Still being written by a live process.
    Running {
        /// Its pid, as it recorded it.
        pid: Option<u32>,
    },
    /// `status: running`, but no live process owns the folder: the writer was killed (or the
    /// machine went down). Resumable.
    Killed,
}

impl RunState {
    /// The state of a folder whose `meta.json` says `status`, owned by `owner`.
    pub fn of(status: Status, owner: Owner) -> RunState {
        match (status, owner) {
            (Status::Complete, _) => RunState::Complete,
            (Status::Interrupted, _) => RunState::Interrupted,
            (Status::Running, Owner::Live { pid }) => RunState::Running { pid },
            (Status::Running, Owner::Nobody) => RunState::Killed,
        }
    }

    /// Whether some planned points may be missing.
    pub fn is_partial(self) -> bool {
        self != RunState::Complete
    }

    /// A short phrase: `complete`, `interrupted`, `still running (pid 12)`, `killed`.
    pub fn word(self) -> String {
        match self {
            RunState::Complete => "complete".into(),
            RunState::Interrupted => "interrupted".into(),
            RunState::Running { pid: Some(p) } => format!("still running (pid {p})"),
            RunState::Running { pid: None } => "still running".into(),
            RunState::Killed => "killed".into(),
        }
    }

    /// A sentence for messages: `the run was killed (status running, no live owner)`.
    pub fn sentence(self) -> String {
        match self {
            RunState::Complete => "the run is complete".into(),
            RunState::Interrupted => "the run was interrupted".into(),
            RunState::Running { .. } => format!("the run is {}", self.word()),
            RunState::Killed => "the run was killed (status running, no live owner)".into(),
        }
    }
}
