//! The rows of `sites.csv`: where a workload sweep's transactions committed and aborted, per site.
//!
//! Written beside `points.csv` by the workload sweeps run with `--attribute`; tidy, one row per
//! point, repetition, site and outcome:
//! `workload,backend,size,threads,rep,seed,site,outcome,count,cycles`.
//!
//! - `site` is the label the workload gave (`bank::transfer`, `bank::audit`,
//!   `counter::increment`) or the source location of the `atomically` call (`file:line:column`);
//! - `outcome` is `commit` (speculative commits), `fallback` (executions completed on the
//!   fallback path), `user_abort` (executions the workload cancelled), or an abort cause
//!   ([`tm::AbortCause::name`]: `conflict`, `capacity`, ...); an outcome that never happened at a
//!   site has no row, except `commit` and `fallback`, written for every site;
//! - `count` is how many times it happened; `cycles` the TSC cycles those attempts or executions
//!   took (empty without `--cycles`, and for `user_abort`, whose time is in the other rows).
//!
//! For every point and repetition, each outcome's counts summed over the sites equal the point's
//! column of the same name in `points.csv` (the abort causes, `commits`, `fallbacks`,
//! `user_aborts`). Hardware transactions give no conflict address without a PMU, so no row names
//! one.

use super::points::{PointsWriter, open_side_file, read_points_numbered};
use super::rows::Record;
use super::{ResultsError, RunFolder, WorkloadRow};
use serde::{Deserialize, Serialize};
use tm::{AbortCause, ThreadStats};

/// File name of the per-site table inside a run folder.
pub const SITES_FILE: &str = "sites.csv";

/// One outcome of one site at one point and repetition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SiteRow {
    pub workload: String,
    pub backend: String,
    pub size: Option<u64>,
    pub threads: u32,
    pub rep: u32,
    pub seed: u64,
    pub site: String,
    pub outcome: String,
    pub count: u64,
    pub cycles: Option<u64>,
}

/// The outcomes that are not abort causes.
pub const COMMIT: &str = "commit";
/// Executions completed on the fallback path.
pub const FALLBACK: &str = "fallback";
/// Executions the workload cancelled.
pub const USER_ABORT: &str = "user_abort";

impl SiteRow {
    /// The header, in column order.
    pub const HEADER: &'static [&'static str] = &[
        "workload", "backend", "size", "threads", "rep", "seed", "site", "outcome", "count",
        "cycles",
    ];

    /// The rows of one point: `point` is its `points.csv` row (which names the workload, backend,
    /// size, threads, repetition and seed), `sites` the merged per-site statistics, `cycles`
    /// whether cycles were counted.
    pub fn of_point(
        point: &WorkloadRow,
        sites: &[(String, ThreadStats)],
        cycles: bool,
    ) -> Vec<Self> {
        let mut rows = Vec::new();
        for (site, s) in sites {
            let row = |outcome: &str, count: u64, c: Option<u64>| SiteRow {
                workload: point.workload.clone(),
                backend: point.backend.clone(),
                size: point.size,
                threads: point.threads,
                rep: point.rep,
                seed: point.seed,
                site: site.clone(),
                outcome: outcome.to_string(),
                count,
                cycles: c.filter(|_| cycles),
            };
            rows.push(row(COMMIT, s.commits, Some(s.committed_cycles)));
            rows.push(row(FALLBACK, s.fallbacks, Some(s.fallback_cycles)));
            if s.user_aborts > 0 {
                rows.push(row(USER_ABORT, s.user_aborts, None));
            }
            for c in AbortCause::ALL {
                if s.aborts_of(c) > 0 {
                    rows.push(row(c.name(), s.aborts_of(c), Some(s.aborted_cycles_of(c))));
                }
            }
        }
        rows
    }

    /// The abort cause this row counts, if it counts one.
    pub fn cause(&self) -> Option<AbortCause> {
        AbortCause::ALL
            .iter()
            .copied()
            .find(|c| c.name() == self.outcome)
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

impl Record for SiteRow {
    const COLUMNS: &'static [&'static str] = SiteRow::HEADER;

    fn check(&self) -> Result<(), String> {
        if self.threads == 0 {
            return Err("threads is 0".into());
        }
        if self.site.is_empty() {
            return Err("site is empty".into());
        }
        let known = [COMMIT, FALLBACK, USER_ABORT].contains(&self.outcome.as_str())
            || self.cause().is_some();
        if !known {
            return Err(format!(
                "outcome {:?} is not commit, fallback, user_abort or an abort cause",
                self.outcome
            ));
        }
        if self.outcome == USER_ABORT && self.cycles.is_some() {
            return Err("a user_abort row has cycles".into());
        }
        Ok(())
    }
}

/// Opens the `sites.csv` of `run` for appending: creates it for a new run; on resume keeps only
/// the rows of points that `points` (the rows of `points.csv`) holds, since a point's site rows
/// are written before its point row and a run stopped in between leaves site rows of a point
/// that will be measured again.
pub fn open_sites(
    run: &RunFolder,
    points: &[WorkloadRow],
    resume: bool,
) -> Result<PointsWriter<SiteRow>, ResultsError> {
    open_side_file(&run.sites(), resume, |r: &SiteRow| {
        points.iter().any(|p| r.is_of(p))
    })
}

/// Reads `DIR/sites.csv`, checking its header and every row.
pub fn read_sites(run: &RunFolder) -> Result<Vec<SiteRow>, ResultsError> {
    let path = run.sites();
    let rows = read_points_numbered::<SiteRow>(&path)?;
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_a_point_carry_each_outcome_and_sum_to_the_stats() {
        let mut s = ThreadStats::default();
        s.record_commit(10);
        s.record_abort(AbortCause::Conflict, 0, 4);
        s.record_abort(AbortCause::Conflict, 0, 6);
        s.record_fallback(30);
        let point = crate::comparison::tests::row("tl2", 1, None, 0, 1.0);
        let rows = SiteRow::of_point(&point, &[("a".into(), s.clone())], true);
        let outcomes: Vec<(&str, u64, Option<u64>)> = rows
            .iter()
            .map(|r| (r.outcome.as_str(), r.count, r.cycles))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("commit", 1, Some(10)),
                ("fallback", 1, Some(30)),
                ("conflict", 2, Some(10))
            ]
        );
        assert!(rows.iter().all(|r| r.check().is_ok() && r.is_of(&point)));
        let counts_only = SiteRow::of_point(&point, &[("a".into(), s)], false);
        assert!(counts_only.iter().all(|r| r.cycles.is_none()));
    }

    #[test]
    fn a_resume_keeps_only_the_site_rows_of_recorded_points() {
        let dir = std::env::temp_dir().join(format!("tmlab-open-sites-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let run = RunFolder::new(&dir);
        let done = crate::comparison::tests::row("tl2", 1, None, 0, 1.0);
        let lost = crate::comparison::tests::row("tl2", 2, None, 0, 1.0);
        let stats = [("a".to_string(), ThreadStats::default())];
        let mut w = open_sites(&run, &[], false).unwrap();
        for r in SiteRow::of_point(&done, &stats, false)
            .iter()
            .chain(&SiteRow::of_point(&lost, &stats, false))
        {
            w.append(r).unwrap();
        }
        drop(w);
        assert_eq!(read_sites(&run).unwrap().len(), 4);
        // Only `done` reached points.csv: the rows of `lost` go, and appending continues.
        let mut w = open_sites(&run, std::slice::from_ref(&done), true).unwrap();
        let kept = read_sites(&run).unwrap();
        assert_eq!(kept.len(), 2);
        assert!(kept.iter().all(|r| r.is_of(&done)));
        w.append(&SiteRow::of_point(&lost, &stats, false)[0])
            .unwrap();
        assert_eq!(read_sites(&run).unwrap().len(), 3);
        assert!(!dir.join("sites.csv.partial").exists());
        // A new run never overwrites an existing file.
        assert!(open_sites(&run, &[], false).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_check_refuses_unknown_outcomes() {
        let point = crate::comparison::tests::row("tl2", 1, None, 0, 1.0);
        let mut r =
            SiteRow::of_point(&point, &[("a".into(), ThreadStats::default())], false).remove(0);
        r.outcome = "bogus".into();
        assert!(r.check().unwrap_err().contains("bogus"));
    }
}
