//! `tmlab report-aborts DIR`: where a run's transactions aborted, per site and per word, from
//! `sites.csv` and `conflicts.csv` alone.
//!
//! For each point (workload, backend, size, threads; repetitions pooled) a table of its sites,
//! ranked by the cycles lost in aborted attempts when the run counted cycles (`--cycles`), else by
//! the number of aborts: attempts, aborts and their share of the attempts, fallbacks, the cycles
//! lost and their share of all the site's cycles, and the abort causes, most frequent first. The
//! same table ends `tmlab bench --attribute`.
//!
//! Under each table, the words the point's software conflict aborts happened on, ranked by share
//! with the sites that aborted on them ([`crate::conflicts_report`]); for hardware TM the report
//! says that RTM gives no address without a PMU.

use crate::conflicts_report::{PointAborts, render_point};
use crate::results::conflict_row::read_conflicts;
use crate::results::site_row::{COMMIT, FALLBACK, USER_ABORT, read_sites};
use crate::results::{ConflictRow, RunFolder, SiteRow};
use anyhow::{Context, Result, bail};
use clap::Args;
use std::fmt::Write;
use std::path::PathBuf;
use tm::AbortCause;

/// Options of `tmlab report-aborts`.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
    tmlab sweep threads --workload bank --backends tl2,htm:glibc --attribute --cycles\n  \
    tmlab report-aborts results/20261204T180000Z-threads-myhost")]
pub struct ReportArgs {
    /// The run folder of a workload sweep run with `--attribute` (it holds `sites.csv` and
    /// `conflicts.csv`).
    pub dir: PathBuf,
}

/// Runs `tmlab report-aborts`.
pub fn run(args: ReportArgs) -> Result<()> {
    if !args.dir.is_dir() {
        bail!(
            "cannot report aborts: no such folder: {}",
            args.dir.display()
        );
    }
    let run = RunFolder::new(&args.dir);
    if !run.sites().exists() {
        bail!(
            "cannot report aborts: {} has no sites.csv (only workload sweeps run with \
             --attribute write one)",
            args.dir.display()
        );
    }
    let rows = read_sites(&run).context("cannot report aborts")?;
    if rows.is_empty() {
        bail!(
            "cannot report aborts: {} has no rows",
            run.sites().display()
        );
    }
    let conflicts = read_conflicts(&run).context("cannot report aborts")?;
    print!("{}", render(&rows, &conflicts));
    Ok(())
}

/// One site of one point, its outcomes pooled over repetitions.
#[derive(Default)]
struct SiteTotals {
    site: String,
    commits: u64,
    fallbacks: u64,
    user_aborts: u64,
    /// Abort causes in order of first appearance, with their counts.
    causes: Vec<(String, u64)>,
    aborted_cycles: u64,
    all_cycles: u64,
}

impl SiteTotals {
    fn aborts(&self) -> u64 {
        self.causes.iter().map(|(_, n)| n).sum()
    }
}

/// The report of `rows` (any number of points) and their conflict words `conflicts`, points in
/// order of first appearance.
pub fn render(rows: &[SiteRow], conflicts: &[ConflictRow]) -> String {
    let cycles = rows.iter().any(|r| r.cycles.is_some());
    // Points in order of first appearance, each with its sites in order of first appearance.
    let mut points: Vec<(&SiteRow, Vec<u32>, Vec<SiteTotals>)> = Vec::new();
    for r in rows {
        let i = match points.iter().position(|(p, _, _)| same_point(p, r)) {
            Some(i) => i,
            None => {
                points.push((r, Vec::new(), Vec::new()));
                points.len() - 1
            }
        };
        let (_, reps, sites) = &mut points[i];
        if !reps.contains(&r.rep) {
            reps.push(r.rep);
        }
        let s = match sites.iter().position(|s| s.site == r.site) {
            Some(j) => &mut sites[j],
            None => {
                sites.push(SiteTotals {
                    site: r.site.clone(),
                    ..SiteTotals::default()
                });
                sites.last_mut().expect("just pushed")
            }
        };
        let c = r.cycles.unwrap_or(0);
        s.all_cycles += c;
        match r.outcome.as_str() {
            COMMIT => s.commits += r.count,
            FALLBACK => s.fallbacks += r.count,
            USER_ABORT => s.user_aborts += r.count,
            cause => {
                s.aborted_cycles += c;
                match s.causes.iter_mut().find(|(n, _)| n == cause) {
                    Some((_, n)) => *n += r.count,
                    None => s.causes.push((cause.to_string(), r.count)),
                }
            }
        }
    }
    let mut out = String::new();
    for (p, reps, mut sites) in points {
        if cycles {
            sites.sort_by(|a, b| {
                b.aborted_cycles
                    .cmp(&a.aborted_cycles)
                    .then(b.aborts().cmp(&a.aborts()))
            });
        } else {
            sites.sort_by_key(|s| std::cmp::Reverse(s.aborts()));
        }
        let attempts: u64 = sites.iter().map(|s| s.commits + s.aborts()).sum();
        let aborts: u64 = sites.iter().map(SiteTotals::aborts).sum();
        let _ = writeln!(
            out,
            "{} on {}, {} thread(s){}, {} rep(s): {aborts} aborts in {attempts} attempts ({})",
            p.workload,
            p.backend,
            p.threads,
            p.size.map_or(String::new(), |s| format!(", size {s}")),
            reps.len(),
            pct(aborts, attempts)
        );
        if cycles {
            let lost: u64 = sites.iter().map(|s| s.aborted_cycles).sum();
            let all: u64 = sites.iter().map(|s| s.all_cycles).sum();
            let _ = writeln!(
                out,
                "  {} TSC cycles lost in aborts, {} of the transactions' cycles",
                crate::stats::si(lost as f64),
                pct(lost, all)
            );
        }
        let _ = writeln!(
            out,
            "  {:<28} {:>10} {:>10} {:>8} {:>10} {:>12} {:>8}  causes",
            "site", "attempts", "aborts", "abort %", "fallbacks", "cycles lost", "of time"
        );
        for s in &sites {
            let mut causes = s.causes.clone();
            causes.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
            let mut named: Vec<String> = causes.iter().map(|(c, n)| format!("{c} {n}")).collect();
            if s.user_aborts > 0 {
                named.push(format!("(user aborts {})", s.user_aborts));
            }
            let (lost, share) = if cycles {
                (
                    crate::stats::si(s.aborted_cycles as f64),
                    pct(s.aborted_cycles, s.all_cycles),
                )
            } else {
                ("-".to_string(), "-".to_string())
            };
            let _ = writeln!(
                out,
                "  {:<28} {:>10} {:>10} {:>8} {:>10} {:>12} {:>8}  {}",
                s.site,
                s.commits + s.aborts(),
                s.aborts(),
                pct(s.aborts(), s.commits + s.aborts()),
                s.fallbacks,
                lost,
                share,
                if named.is_empty() {
                    "none".to_string()
                } else {
                    named.join(", ")
                }
            );
        }
        let words: Vec<&ConflictRow> = conflicts
            .iter()
            .filter(|c| {
                (&c.workload, &c.backend, c.size, c.threads)
                    == (&p.workload, &p.backend, p.size, p.threads)
            })
            .collect();
        out.push_str(&render_point(
            &words,
            point_aborts(&sites),
            p.backend.starts_with("model:"),
        ));
    }
    if !cycles {
        out.push_str("cycles not counted (run with --cycles to rank sites by the time lost)\n");
    }
    out
}

/// The point's conflict aborts, from its sites' causes.
fn point_aborts(sites: &[SiteTotals]) -> PointAborts {
    let mut a = PointAborts::default();
    for (cause, n) in sites.iter().flat_map(|s| &s.causes) {
        match AbortCause::from_name(cause) {
            Some(AbortCause::Conflict) => a.hardware += n,
            Some(
                AbortCause::ReadValidation | AbortCause::LockedAtRead | AbortCause::LockedAtCommit,
            ) => a.software += n,
            _ => {}
        }
    }
    a
}

/// Whether `a` and `b` belong to the same point (repetitions pooled).
fn same_point(a: &SiteRow, b: &SiteRow) -> bool {
    (&a.workload, &a.backend, a.size, a.threads) == (&b.workload, &b.backend, b.size, b.threads)
}

/// `n / of` as a percentage, or `-` when `of` is 0.
fn pct(n: u64, of: u64) -> String {
    if of == 0 {
        "-".to_string()
    } else {
        format!("{:.1} %", 100.0 * n as f64 / of as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(site: &str, rep: u32, outcome: &str, count: u64, cycles: Option<u64>) -> SiteRow {
        SiteRow {
            workload: "bank".into(),
            backend: "tl2".into(),
            size: None,
            threads: 2,
            rep,
            seed: 1,
            site: site.into(),
            outcome: outcome.into(),
            count,
            cycles,
        }
    }

    #[test]
    fn sites_are_ranked_by_cycles_lost_and_repetitions_pooled() {
        let rows = [
            row("bank::transfer", 0, "commit", 90, Some(900)),
            row("bank::transfer", 0, "conflict", 10, Some(100)),
            row("bank::audit", 0, "commit", 1, Some(50)),
            row("bank::audit", 0, "conflict", 3, Some(150)),
            row("bank::audit", 1, "locked_at_read", 5, Some(250)),
        ];
        let text = render(&rows, &[]);
        let audit = text.find("bank::audit").unwrap();
        let transfer = text.find("bank::transfer").unwrap();
        assert!(audit < transfer, "audit lost more cycles:\n{text}");
        assert!(
            text.contains("2 rep(s): 18 aborts in 109 attempts"),
            "{text}"
        );
        assert!(text.contains("locked_at_read 5, conflict 3"), "{text}");
        // 400 of the audit's 450 cycles were lost.
        assert!(text.contains("88.9 %"), "{text}");
    }

    #[test]
    fn without_cycles_sites_are_ranked_by_aborts() {
        let rows = [
            row("a", 0, "commit", 10, None),
            row("a", 0, "conflict", 1, None),
            row("b", 0, "commit", 10, None),
            row("b", 0, "capacity", 7, None),
        ];
        let text = render(&rows, &[]);
        assert!(
            text.find("  b ").unwrap() < text.find("  a ").unwrap(),
            "{text}"
        );
        assert!(text.contains("cycles not counted"), "{text}");
    }
}
