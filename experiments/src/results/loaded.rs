//! A run folder read back: its metadata and its typed rows.

use super::validate::load_rows;
use super::{CapacityRow, DurationRow, Meta, ResultsError, RunFolder, RunState, WorkloadRow};
use crate::sweep::spec::SweepSpec;
use std::path::Path;

/// The rows of a run, typed by its sweep.
#[derive(Clone, Debug)]
pub enum Rows {
    /// A capacity sweep's rows.
    Capacity(Vec<CapacityRow>),
    /// A duration sweep's rows.
    Duration(Vec<DurationRow>),
    /// A workload sweep's rows (`threads`, `txsize`).
    Workload(Vec<WorkloadRow>),
}

/// A run folder's contents.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The folder.
    pub run: RunFolder,
    /// `meta.json`.
    pub meta: Meta,
    /// `points.csv`.
    pub rows: Rows,
    /// How far the run got, including whether a `running` run still has a live owner.
    pub state: RunState,
}

impl Loaded {
    /// Reads `meta.json` and `points.csv` of the run folder `dir`, checking both: every row
    /// must be one the run's spec can produce, and no point and repetition may appear twice
    /// ([`super::validate`]). Writes nothing.
    pub fn load(dir: &Path) -> Result<Loaded, ResultsError> {
        let run = RunFolder::open(dir)?;
        let meta = Meta::read(&run.meta())?;
        let state = RunState::of(meta.status, run.owner()?);
        let (points, machine) = (run.points(), &meta.machine);
        let rows = match &meta.spec {
            SweepSpec::Capacity(s) => Rows::Capacity(load_rows(s, machine, &points)?),
            SweepSpec::Duration(s) => Rows::Duration(load_rows(s, machine, &points)?),
            SweepSpec::Threads(s) | SweepSpec::Txsize(s) => {
                Rows::Workload(load_rows(&(s, meta.skipped.as_slice()), machine, &points)?)
            }
        };
        Ok(Loaded {
            run,
            meta,
            rows,
            state,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match &self.rows {
            Rows::Capacity(r) => r.len(),
            Rows::Duration(r) => r.len(),
            Rows::Workload(r) => r.len(),
        }
    }

    /// `true` when `points.csv` has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
