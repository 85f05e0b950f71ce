//! A run folder read back: its metadata and its typed rows.

use super::points::read_points;
use super::{CapacityRow, DurationRow, Meta, ResultsError, RunFolder, WorkloadRow};
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
}

impl Loaded {
    /// Reads `meta.json` and `points.csv` of the run folder `dir`, checking both.
    pub fn load(dir: &Path) -> Result<Loaded, ResultsError> {
        let run = RunFolder::open(dir)?;
        let meta = Meta::read(&run.meta())?;
        let rows = match meta.spec {
            SweepSpec::Capacity(_) => Rows::Capacity(read_points(&run.points())?),
            SweepSpec::Duration(_) => Rows::Duration(read_points(&run.points())?),
            SweepSpec::Threads(_) | SweepSpec::Txsize(_) => {
                Rows::Workload(read_points(&run.points())?)
            }
        };
        Ok(Loaded { run, meta, rows })
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
