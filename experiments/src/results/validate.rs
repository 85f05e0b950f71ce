//! Checking a run's rows against the spec that produced them: the hook every sweep kind
//! implements, and the loop that applies it to a whole `points.csv`.
//!
//! `read_points` already refuses what no run can write (a bad
//! header, an unparsable field, counts that do not add up). What it cannot know is what *this*
//! run may contain: a footprint that is not in the spec, a pattern the run never used, a
//! repetition beyond `reps`, another seed, or the same point and repetition twice (which two
//! processes appending to one folder used to leave behind). A sweep kind says that once, by
//! implementing [`RowSpec`] for its spec and row type; [`check_rows`] applies it to every row and
//! refuses the first one that does not belong, naming the file, the line and the reason.
//! `tmlab plot` and `--resume` both load rows through it (see [`super::Loaded::load`]).
//!
//! A new sweep kind (say thread counts over workloads) implements:
//!
//! ```ignore
//! impl RowSpec<ThreadsRow> for ThreadsSpec {
//!     fn admit(&self, row: &ThreadsRow, machine: &Machine) -> Result<String, String> {
//!         if !self.threads.contains(&row.threads) {
//!             return Err(format!("{} threads is not in this run's thread counts", row.threads));
//!         }
//!         // ... every other column the spec decides ...
//!         Ok(format!("{} {} threads rep {}", row.workload, row.threads, row.rep))
//!     }
//! }
//! ```

use super::ResultsError;
use super::points::read_points_numbered;
use super::rows::Record;
use crate::machine::Machine;
use std::collections::BTreeMap;
use std::path::Path;

/// What a spec admits as rows of type `R`.
pub trait RowSpec<R: Record> {
    /// Checks one row against the spec (and the machine that measured it). Returns the row's
    /// point-and-repetition key, a short human-readable text such as `write seq 64 lines rep 1`
    /// (two rows with the same key are duplicates), or why this spec cannot have produced it.
    fn admit(&self, row: &R, machine: &Machine) -> Result<String, String>;
}

/// Checks numbered rows (`(line, row)`, as read from `path`) against `spec`: every row admitted,
/// no key twice.
pub fn check_rows<R: Record, S: RowSpec<R> + ?Sized>(
    spec: &S,
    machine: &Machine,
    rows: &[(u64, R)],
    path: &Path,
) -> Result<(), ResultsError> {
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for (line, row) in rows {
        let refuse = |message: String| ResultsError::Row {
            path: path.to_path_buf(),
            line: *line,
            message,
        };
        let key = spec
            .admit(row, machine)
            .map_err(|why| refuse(format!("not a row of this run: {why}")))?;
        if let Some(first) = seen.get(&key) {
            return Err(refuse(format!(
                "duplicate row: {key} is already on line {first}"
            )));
        }
        seen.insert(key, *line);
    }
    Ok(())
}

/// Reads `path` (every check of [`read_points_numbered`]) and then [`check_rows`]: the rows of a
/// run folder as `tmlab plot` and `--resume` accept them.
pub fn load_rows<R: Record, S: RowSpec<R> + ?Sized>(
    spec: &S,
    machine: &Machine,
    path: &Path,
) -> Result<Vec<R>, ResultsError> {
    let numbered = read_points_numbered::<R>(path)?;
    check_rows(spec, machine, &numbered, path)?;
    Ok(numbered.into_iter().map(|(_, r)| r).collect())
}
