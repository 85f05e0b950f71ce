//! The rows of `conflicts.csv`: which words a workload sweep's software conflict aborts were on.
//!
//! Written beside `sites.csv` by the workload sweeps run with `--attribute`; tidy, one row per
//! point, repetition, site and word:
//! `workload,backend,size,threads,rep,seed,site,region,index,count`.
//!
//! - `site` is the site whose transactions aborted (empty if not known);
//! - `region` is a name the workload registered (`accounts`, `counters`, `list nodes`,
//!   `bucket heads`), `(unregistered)` for a word outside them, or `(other words)` for the
//!   aborts whose word found a thread's bounded log full ([`workloads::conflicts::OTHER_WORDS`]);
//! - `index` is the element's index in the region (empty for the last two);
//! - `count` is how many conflict aborts named that word.
//!
//! Only the word-based STMs (tl2, lsa, norec) name words: for every point and repetition of
//! theirs, the counts sum to the point's `read_validation + locked_at_read + locked_at_commit`
//! aborts. Hardware TM gives no address (RTM reports none without a PMU), so its points have no
//! rows, and neither do the locks, which have no conflicts.

use super::points::{PointsWriter, open_side_file, read_points_numbered};
use super::rows::Record;
use super::{ResultsError, RunFolder, WorkloadRow};
use serde::{Deserialize, Serialize};
use workloads::conflicts::Conflict;

/// File name of the conflict-word table inside a run folder.
pub const CONFLICTS_FILE: &str = "conflicts.csv";

/// The conflict aborts on one word at one point, repetition and site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ConflictRow {
    pub workload: String,
    pub backend: String,
    pub size: Option<u64>,
    pub threads: u32,
    pub rep: u32,
    pub seed: u64,
    pub site: Option<String>,
    pub region: String,
    pub index: Option<u64>,
    pub count: u64,
}

impl ConflictRow {
    /// The header, in column order.
    pub const HEADER: &'static [&'static str] = &[
        "workload", "backend", "size", "threads", "rep", "seed", "site", "region", "index", "count",
    ];

    /// The rows of one point (`point` is its `points.csv` row), one per word.
    pub fn of_point(point: &WorkloadRow, conflicts: &[Conflict]) -> Vec<Self> {
        conflicts
            .iter()
            .map(|c| ConflictRow {
                workload: point.workload.clone(),
                backend: point.backend.clone(),
                size: point.size,
                threads: point.threads,
                rep: point.rep,
                seed: point.seed,
                site: c.site.clone(),
                region: c.region.clone(),
                index: c.index.map(|i| i as u64),
                count: c.count,
            })
            .collect()
    }

    /// `accounts[17]`, or the region's name alone when there is no index.
    pub fn word(&self) -> String {
        match self.index {
            Some(i) => format!("{}[{i}]", self.region),
            None => self.region.clone(),
        }
    }

    /// Whether this row belongs to the point and repetition of `point`.
    pub fn is_of(&self, point: &WorkloadRow) -> bool {
        let key = (
            &*self.workload,
            &*self.backend,
            self.size,
            self.threads,
            self.rep,
            self.seed,
        );
        key == point.point_key()
    }
}

impl Record for ConflictRow {
    const COLUMNS: &'static [&'static str] = ConflictRow::HEADER;

    fn check(&self) -> Result<(), String> {
        if self.threads == 0 {
            return Err("threads is 0".into());
        }
        if self.region.is_empty() {
            return Err("region is empty".into());
        }
        if self.count == 0 {
            return Err("count is 0 (words without conflicts have no row)".into());
        }
        if self.site.as_deref() == Some("") {
            return Err("site is empty but present".into());
        }
        Ok(())
    }
}

/// Opens the `conflicts.csv` of `run` for appending: creates it for a new run; on resume keeps
/// only the rows of points that `points` (the rows of `points.csv`) holds, as for `sites.csv`.
pub fn open_conflicts(
    run: &RunFolder,
    points: &[WorkloadRow],
    resume: bool,
) -> Result<PointsWriter<ConflictRow>, ResultsError> {
    open_side_file(&run.conflicts(), resume, |r: &ConflictRow| {
        points.iter().any(|p| r.is_of(p))
    })
}

/// Reads `DIR/conflicts.csv`, checking its header and every row; no rows if the file is absent
/// (runs made before conflict words were recorded).
pub fn read_conflicts(run: &RunFolder) -> Result<Vec<ConflictRow>, ResultsError> {
    let path = run.conflicts();
    if !path.exists() {
        return Ok(Vec::new());
    }
    let rows = read_points_numbered::<ConflictRow>(&path)?;
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_a_point_name_their_words_and_round_trip() {
        let point = crate::comparison::tests::row("tl2", 2, None, 0, 1.0);
        let conflicts = [
            Conflict {
                site: Some("bank::transfer".into()),
                region: "accounts".into(),
                index: Some(17),
                count: 31,
            },
            Conflict {
                site: None,
                region: workloads::conflicts::OTHER_WORDS.into(),
                index: None,
                count: 2,
            },
        ];
        let rows = ConflictRow::of_point(&point, &conflicts);
        assert_eq!(rows[0].word(), "accounts[17]");
        assert_eq!(rows[1].word(), "(other words)");
        assert!(rows.iter().all(|r| r.check().is_ok() && r.is_of(&point)));

        let dir = std::env::temp_dir().join(format!("tmlab-conflicts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let run = RunFolder::new(&dir);
        assert!(
            read_conflicts(&run).unwrap().is_empty(),
            "absent file: no rows"
        );
        let mut w = open_conflicts(&run, &[], false).unwrap();
        for r in &rows {
            w.append(r).unwrap();
        }
        drop(w);
        assert_eq!(read_conflicts(&run).unwrap(), rows);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_check_refuses_empty_regions_and_zero_counts() {
        let point = crate::comparison::tests::row("tl2", 2, None, 0, 1.0);
        let mut r = ConflictRow::of_point(
            &point,
            &[Conflict {
                site: None,
                region: "accounts".into(),
                index: Some(1),
                count: 1,
            }],
        )
        .remove(0);
        r.count = 0;
        assert!(r.check().unwrap_err().contains("count is 0"));
        r.count = 1;
        r.region.clear();
        assert!(r.check().unwrap_err().contains("region"));
    }
}
