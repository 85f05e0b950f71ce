//! `tmlab sweep threads` and `tmlab sweep txsize`: backends side by side on one workload, across
//! thread counts and transaction sizes.
//!
//! A point is one backend x thread count (x transaction size, for `txsize`) x repetition, measured
//! by [`crate::bench::point`] with a fresh backend and fresh workload data. The plan runs the
//! repetitions in the outer loop: every backend, thread count and size is measured once before any
//! is measured again, so slow drift of the machine (frequency, other load) spreads over all points
//! instead of biasing the ones measured last, and an interrupted run has every point at least
//! once. Within a repetition, sizes, then thread counts, then backends in the order given.
//!
//! Backends that cannot run here are never run: `htm:*` without usable RTM and `seq` with more
//! than one thread. Each is recorded with the exact reason in `meta.json` (`skipped`), printed
//! when the run starts, and named in the charts' captions. A point whose workload check fails is
//! written with `check_ok=false` and its violation, the sweep goes on, and the run exits non-zero
//! at the end.

use super::args::SweepKind;
use super::{list, session};
use crate::Dirs;
use crate::backends::{self, BackendSpec};
use crate::bench::MAX_THREADS;
use crate::bench::args::{MeasureArgs, Measurement, WorkloadArgs};
use crate::bench::point;
use crate::bench::workload::{Knob, WorkloadSpec};
use crate::dirs::{PlotsDirArg, ResultsDirArg};
use crate::machine::Machine;
use crate::progress::Progress;
use crate::results::validate::RowSpec;
use crate::results::{ConflictRow, SiteRow};
use crate::results::{Hardware, Status, WorkloadRow};
use crate::usage::usage;
use anyhow::{Result, bail};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Options shared by both workload sweeps.
#[derive(Args, Debug, Clone)]
pub struct ScalingArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub workload: WorkloadArgs,
    /// Backends to compare, comma-separated: tl2, norec, lsa, lock, seq, htm:fixed:N, htm:glibc,
    /// htm:cause-aware (append +ticket for a ticket fallback lock).
    #[arg(long, value_name = "LIST")]
    pub backends: String,
    /// Thread counts, as a list such as 1,2,4 or 1..8:x2 [default: 1, 2, 4 ... up to the cores
    /// available; at most 1024].
    #[arg(long, value_name = "LIST", value_parser = parse_threads)]
    pub threads: Option<list::ValueList>,
    /// Repetitions of every point (the charts show their median and min-max) [1 to 1000].
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub reps: u32,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub measure: MeasureArgs,
    /// Finish the interrupted run in DIR (same parameters required) instead of starting one.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Do not draw the charts at the end.
    #[arg(long)]
    pub no_plot: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub results: ResultsDirArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub plots: PlotsDirArg,
}

/// Options of `tmlab sweep threads`.
#[derive(Args, Debug, Clone)]
#[command(after_long_help = "Examples:\n  \
    tmlab sweep threads --workload bank --backends tl2,norec,lock,htm:glibc --threads 1,2,4\n  \
    tmlab sweep threads --workload false-sharing --layout packed --backends tl2,htm:glibc\n  \
    tmlab sweep threads --workload counter --counters 1 --backends norec,lock --secs 1 --reps 3")]
pub struct ThreadsArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: ScalingArgs,
}

/// Options of `tmlab sweep txsize`.
#[derive(Args, Debug, Clone)]
#[command(after_long_help = "Examples:\n  \
    tmlab sweep txsize --workload array --backends tl2,norec,lock,htm:glibc --sizes 1..512:x2 --threads 1,2\n  \
    tmlab sweep txsize --workload array --knob writes --reads 0 --sizes 1..1024:x2 --backends tl2,htm:glibc\n  \
    tmlab sweep txsize --workload gil --knob chunk --sizes 1..256:x4 --backends norec,htm:glibc")]
pub struct TxsizeArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub common: ScalingArgs,
    /// Transaction sizes: a list such as 1,2,4, 16..256:16 or 1..512:x2 (at most 65536 each).
    #[arg(long, value_name = "LIST", value_parser = parse_sizes)]
    pub sizes: list::ValueList,
    /// What a size sets: for array `both` (reads = writes = size), `reads` or `writes`; for gil
    /// `chunk` [default: both for array, chunk for gil].
    #[arg(long, value_enum)]
    pub knob: Option<Knob>,
}

/// The transaction-size axis of a `txsize` sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeAxis {
    /// What a size sets.
    pub knob: Knob,
    /// The sizes, increasing.
    pub sizes: Vec<u64>,
}

/// The parameters of a workload sweep: everything that decides which points run and how.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalingSpec {
    /// The workload and its parameters (before a size is applied).
    pub workload: WorkloadSpec,
    /// The backends asked for, in order (including any skipped here).
    pub backends: Vec<BackendSpec>,
    /// Thread counts, increasing.
    pub threads: Vec<u64>,
    /// The transaction sizes (`txsize` only).
    pub sizes: Option<SizeAxis>,
    /// How each point is measured.
    pub measurement: Measurement,
    /// Repetitions per point.
    pub reps: u32,
    /// The run seed; point seeds derive from it and the repetition.
    pub seed: u64,
}

/// A backend that was not run at some thread counts, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The backend's name.
    pub backend: String,
    /// The thread counts it was not run at.
    pub threads: Vec<u64>,
    /// Why.
    pub reason: String,
}

/// One repetition of one point, in plan order.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalingPoint {
    /// Index into the spec's backends.
    pub backend: usize,
    /// Thread count.
    pub threads: u64,
    /// Transaction size (`txsize` only).
    pub size: Option<u64>,
    /// Repetition.
    pub rep: u32,
}

/// The largest transaction size a `txsize` sweep accepts.
pub const MAX_SIZE: u64 = 1 << 16;

fn parse_threads(text: &str) -> Result<list::ValueList, String> {
    list::parse(text, MAX_THREADS as u64, "threads").map(list::ValueList)
}

fn parse_sizes(text: &str) -> Result<list::ValueList, String> {
    list::parse(text, MAX_SIZE, "per transaction").map(list::ValueList)
}

/// The default thread counts: 1, 2, 4, ... below the available cores, and the core count itself.
fn default_threads() -> Vec<u64> {
    let cores = workloads::runner::available_cores().len().max(1) as u64;
    let mut v: Vec<u64> = std::iter::successors(Some(1u64), |t| Some(t * 2))
        .take_while(|&t| t < cores)
        .collect();
    v.push(cores);
    v
}

impl ScalingSpec {
    /// Validates the command line of a workload sweep; `sizes` is `Some` for `txsize`.
    pub fn from_args(
        a: &ScalingArgs,
        sizes: Option<(&[u64], Option<Knob>)>,
    ) -> Result<ScalingSpec> {
        let threads = a
            .threads
            .as_ref()
            .map_or_else(default_threads, |t| t.0.clone());
        let max_threads = *threads.last().expect("lists are never empty") as usize;
        let workload = a
            .workload
            .spec(max_threads)
            .map_err(|e| usage(format!("{e:#}")))?;
        let backends = backends::parse_list(&a.backends).map_err(|e| usage(format!("{e:#}")))?;
        let sizes = match sizes {
            None => None,
            Some((sizes, knob)) => {
                let knobs = workload.knobs();
                let Some(&default) = knobs.first() else {
                    return Err(usage(format!(
                        "workload {} has no transaction-size knob: sweep txsize takes array, \
                         gil, ll, sl, rb or hs",
                        workload.name()
                    )));
                };
                let knob = knob.unwrap_or(default);
                if !knobs.contains(&knob) {
                    return Err(usage(format!(
                        "--knob {}: workload {} takes {}",
                        super::report::name(&knob),
                        workload.name(),
                        knobs
                            .iter()
                            .map(super::report::name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                for &s in sizes {
                    workload
                        .with_size(knob, s)
                        .and_then(|w| w.validate(max_threads))
                        .map_err(|e| usage(format!("--sizes {s}: {e}")))?;
                }
                Some(SizeAxis {
                    knob,
                    sizes: sizes.to_vec(),
                })
            }
        };
        Ok(ScalingSpec {
            workload,
            backends,
            threads,
            sizes,
            measurement: Measurement::from_args(&a.measure, 0.5, 0.1),
            reps: a.reps,
            seed: a.measure.seed,
        })
    }

    /// The backends that cannot run here, with the thread counts and the reason.
    pub fn skipped(&self) -> Vec<Skipped> {
        let mut out: Vec<Skipped> = Vec::new();
        for b in &self.backends {
            for &t in &self.threads {
                if let Some(reason) = b.unavailable(t as usize) {
                    match out
                        .iter_mut()
                        .find(|s| s.backend == b.name && s.reason == reason)
                    {
                        Some(s) => s.threads.push(t),
                        None => out.push(Skipped {
                            backend: b.name.clone(),
                            threads: vec![t],
                            reason,
                        }),
                    }
                }
            }
        }
        out
    }

    /// Every point of the run, in plan order (see the module documentation), without the ones
    /// `skipped` lists.
    pub fn plan(&self, skipped: &[Skipped]) -> Vec<ScalingPoint> {
        let sizes: Vec<Option<u64>> = match &self.sizes {
            Some(axis) => axis.sizes.iter().map(|&s| Some(s)).collect(),
            None => vec![None],
        };
        let mut out = Vec::new();
        for rep in 0..self.reps {
            for &size in &sizes {
                for &threads in &self.threads {
                    for (i, b) in self.backends.iter().enumerate() {
                        let skip = skipped
                            .iter()
                            .any(|s| s.backend == b.name && s.threads.contains(&threads));
                        if !skip {
                            out.push(ScalingPoint {
                                backend: i,
                                threads,
                                size,
                                rep,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// The workload of a point of size `size`.
    pub fn workload_at(&self, size: Option<u64>) -> Result<WorkloadSpec> {
        match (&self.sizes, size) {
            (Some(axis), Some(s)) => Ok(self.workload.with_size(axis.knob, s)?),
            _ => Ok(self.workload.clone()),
        }
    }

    /// Whether `row` is the measurement of `point`.
    pub fn is_row_of(&self, row: &WorkloadRow, point: &ScalingPoint) -> bool {
        row.backend == self.backends[point.backend].name
            && u64::from(row.threads) == point.threads
            && row.size == point.size
            && row.rep == point.rep
            && row.workload == self.workload.name()
    }

    /// Checks that `rows` are exactly the first rows of the plan, in order.
    pub fn check_rows(&self, skipped: &[Skipped], rows: &[WorkloadRow]) -> Result<(), String> {
        let plan = self.plan(skipped);
        if rows.len() > plan.len() {
            return Err(format!(
                "{} rows, but the sweep has only {} points",
                rows.len(),
                plan.len()
            ));
        }
        for (i, (row, point)) in rows.iter().zip(&plan).enumerate() {
            if !self.is_row_of(row, point) {
                return Err(format!(
                    "row {} is {} at {} threads{} rep {}, the plan has {} at {} threads{} rep {} there",
                    i + 1,
                    row.backend,
                    row.threads,
                    row.size.map_or(String::new(), |s| format!(" size {s}")),
                    row.rep,
                    self.backends[point.backend].name,
                    point.threads,
                    point.size.map_or(String::new(), |s| format!(" size {s}")),
                    point.rep
                ));
            }
        }
        Ok(())
    }

    /// What the HTM counts of this run come from: `model` if some `model:*` backend runs, else
    /// `rtm` if some `htm:*` backend runs, else `software`.
    pub fn hardware(&self, skipped: &[Skipped]) -> Hardware {
        if self.backends.iter().any(|b| b.is_modelled()) {
            return Hardware::Model;
        }
        let htm_runs = self
            .backends
            .iter()
            .any(|b| b.is_htm() && !skipped.iter().any(|s| s.backend == b.name));
        if htm_runs {
            Hardware::Rtm
        } else {
            Hardware::Software
        }
    }
}

/// Runs `tmlab sweep threads|txsize`.
pub fn run(kind: &SweepKind) -> Result<()> {
    let (common, spec) = match kind {
        SweepKind::Threads(a) => (
            &a.common,
            super::spec::SweepSpec::Threads(ScalingSpec::from_args(&a.common, None)?),
        ),
        SweepKind::Txsize(a) => (
            &a.common,
            super::spec::SweepSpec::Txsize(ScalingSpec::from_args(
                &a.common,
                Some((&a.sizes.0, a.knob)),
            )?),
        ),
        _ => unreachable!("only workload sweeps come here"),
    };
    let dirs = Dirs {
        results: common.results.results_dir.clone(),
        plots: common.plots.plots_dir.clone(),
    };
    if let Some(dir) = &common.resume {
        super::recorded_spec(dir, spec.kind())?;
    }
    let s = spec.scaling().expect("a workload sweep");
    let skipped = s.skipped();
    for k in &skipped {
        let threads: Vec<String> = k.threads.iter().map(u64::to_string).collect();
        eprintln!(
            "skipped: {} at {} thread(s): {}",
            k.backend,
            threads.join(","),
            k.reason
        );
    }
    let plan = s.plan(&skipped);
    if plan.is_empty() {
        bail!("nothing to run: every backend asked for is skipped on this machine");
    }
    // The stop flag first, so a signal during the setup already stops the run cleanly.
    let stop = crate::signals::install()?;
    let machine = Machine::collect();
    let cores = workloads::runner::available_cores();
    let max_threads = *s.threads.last().expect("non-empty") as usize;
    let oversubscribed = max_threads > cores.len().max(1);
    if oversubscribed {
        eprintln!(
            "warning: up to {max_threads} threads on {} cores: threads share cores, so expect \
             preemption inside transactions (recorded in meta.json)",
            cores.len()
        );
    }
    let hardware = s.hardware(&skipped);
    let check = |rows: &[WorkloadRow]| s.check_rows(&skipped, rows);
    let mut sess = match &common.resume {
        Some(dir) => {
            let sess = session::resume::<WorkloadRow>(dir, &spec, hardware, &machine, None, check)?;
            if sess.meta.skipped != skipped {
                bail!(
                    "cannot resume {}: the backends it skipped differ from those skipped now \
                     (was the machine's RTM state changed?)",
                    dir.display()
                );
            }
            sess
        }
        None => {
            let mut sess =
                session::start::<WorkloadRow>(&dirs.results, &spec, hardware, machine, None)?;
            sess.meta.skipped = skipped.clone();
            sess.meta.oversubscribed = oversubscribed;
            sess.meta.write(&sess.run.meta())?;
            sess
        }
    };
    let dir = sess.run.dir.clone();
    eprintln!("run folder: {}", dir.display());
    let mut sites = if s.measurement.attribute {
        Some(crate::results::site_row::open_sites(
            &sess.run,
            &sess.rows,
            common.resume.is_some(),
        )?)
    } else {
        None
    };
    let mut conflicts = if s.measurement.attribute {
        Some(crate::results::conflict_row::open_conflicts(
            &sess.run,
            &sess.rows,
            common.resume.is_some(),
        )?)
    } else {
        None
    };
    let progress = Progress::new(Some(plan.len() as u64), sess.rows.len() as u64);
    let mut outcome = Ok(None);
    for p in &plan[sess.rows.len()..] {
        if let Some(signal) = stop.requested() {
            outcome = Ok(Some(signal));
            break;
        }
        let backend = &s.backends[p.backend];
        let step = (|| -> Result<(WorkloadRow, workloads::runner::Outcome)> {
            let workload = s.workload_at(p.size)?;
            let seed = point::point_seed(s.seed, p.rep);
            let m = point::measure(
                backend,
                &workload,
                p.threads as usize,
                &s.measurement,
                seed,
                &cores,
            )?;
            let row = point::row(&workload, backend, p.size, p.rep, seed, &m.outcome);
            Ok((row, m.outcome))
        })();
        match step {
            Ok((row, measured)) => {
                // The site and conflict rows first: a run stopped in between re-measures the
                // point, and the resume drops those rows without their point row.
                if let Some(w) = &mut sites {
                    for r in SiteRow::of_point(&row, &measured.sites, s.measurement.cycles) {
                        w.append(&r)?;
                    }
                }
                if let (Some(w), Some(words)) = (&mut conflicts, &measured.conflicts) {
                    for r in ConflictRow::of_point(&row, words) {
                        w.append(&r)?;
                    }
                }
                sess.writer.append(&row)?;
                progress.point(|| {
                    format!(
                        "{} {} threads{} rep {}: {} tx/s{}",
                        row.backend,
                        row.threads,
                        row.size.map_or(String::new(), |s| format!(" size {s}")),
                        row.rep,
                        crate::stats::si(row.throughput),
                        if row.check_ok { "" } else { "  CHECK FAILED" }
                    )
                });
                if !row.check_ok {
                    progress.println(&format!(
                        "check FAILED: {} at {} threads rep {}: {}",
                        row.backend, row.threads, row.rep, row.violation
                    ));
                }
                sess.rows.push(row);
            }
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    progress.finish();
    match outcome {
        Err(e) => {
            let _ = session::finish(&sess.run, &mut sess.meta, Status::Interrupted);
            Err(e.context(format!(
                "sweep failed; the rows so far are kept in {} (resume with: {})",
                dir.display(),
                session::resume_command(&dir)
            )))
        }
        Ok(Some(signal)) => {
            session::finish(&sess.run, &mut sess.meta, Status::Interrupted)?;
            eprintln!(
                "{signal}: interrupted after {} of {} rows: resume with: {}",
                sess.rows.len(),
                plan.len(),
                session::resume_command(&dir)
            );
            println!("{}", dir.display());
            std::process::exit(signal.exit_code());
        }
        Ok(None) => {
            session::finish(&sess.run, &mut sess.meta, Status::Complete)?;
            let failed = sess.rows.iter().filter(|r| !r.check_ok).count();
            drop(sess);
            super::finish_run(&dir, common.no_plot, &dirs)?;
            if failed > 0 {
                bail!(
                    "{failed} point(s) failed their workload check (check_ok=false in points.csv)"
                );
            }
            Ok(())
        }
    }
}

impl ScalingSpec {
    /// Checks every bound, so a `meta.json` edited by hand cannot ask for an impossible run.
    pub fn validate(&self) -> Result<(), String> {
        if self.backends.is_empty() {
            return Err("no backends".into());
        }
        if self.threads.is_empty() || !self.threads.windows(2).all(|w| w[0] < w[1]) {
            return Err("threads must be a non-empty increasing list".into());
        }
        if let Some(&t) = self
            .threads
            .iter()
            .find(|&&t| t == 0 || t > MAX_THREADS as u64)
        {
            return Err(format!("{t} threads is outside 1..={MAX_THREADS}"));
        }
        if !(1..=1000).contains(&self.reps) {
            return Err(format!("reps {} is outside 1..=1000", self.reps));
        }
        let max_threads = *self.threads.last().expect("checked") as usize;
        self.workload
            .validate(max_threads)
            .map_err(|e| e.to_string())?;
        if let Some(axis) = &self.sizes {
            if axis.sizes.is_empty() || !axis.sizes.windows(2).all(|w| w[0] < w[1]) {
                return Err("sizes must be a non-empty increasing list".into());
            }
            for &s in &axis.sizes {
                self.workload
                    .with_size(axis.knob, s)
                    .and_then(|w| w.validate(max_threads))
                    .map_err(|e| format!("size {s}: {e}"))?;
            }
        }
        self.measurement.validate()
    }

    /// Checks one row against the spec (see [`RowSpec`]); `skipped` are the backends not run.
    fn admit_row(&self, skipped: &[Skipped], r: &WorkloadRow) -> Result<String, String> {
        if r.workload != self.workload.name() {
            return Err(format!(
                "workload {} is not this run's {}",
                r.workload,
                self.workload.name()
            ));
        }
        if !self.backends.iter().any(|b| b.name == r.backend) {
            return Err(format!(
                "backend {} is not among this run's backends",
                r.backend
            ));
        }
        let threads = u64::from(r.threads);
        if !self.threads.contains(&threads) {
            return Err(format!(
                "{threads} threads is not among this run's thread counts"
            ));
        }
        if let Some(s) = skipped
            .iter()
            .find(|s| s.backend == r.backend && s.threads.contains(&threads))
        {
            return Err(format!(
                "{} at {threads} threads was not run here ({})",
                r.backend, s.reason
            ));
        }
        match (&self.sizes, r.size) {
            (None, None) => {}
            (Some(axis), Some(s)) if axis.sizes.contains(&s) => {}
            (Some(_), Some(s)) => return Err(format!("size {s} is not among this run's sizes")),
            (Some(_), None) => return Err("the size is missing in a txsize run".into()),
            (None, Some(s)) => return Err(format!("size {s} in a threads run")),
        }
        if r.rep >= self.reps {
            return Err(format!(
                "rep {} is beyond this run's {} repetitions",
                r.rep, self.reps
            ));
        }
        let seed = point::point_seed(self.seed, r.rep);
        if r.seed != seed {
            return Err(format!(
                "seed {} is not this run's seed {seed} for rep {}",
                r.seed, r.rep
            ));
        }
        let workload = self.workload_at(r.size).map_err(|e| e.to_string())?;
        let mut expected = r.clone();
        workload.fill(&mut expected);
        if expected != *r {
            return Err(format!(
                "its workload parameters are not this run's ({})",
                workload.describe()
            ));
        }
        Ok(format!(
            "{} {} threads{} rep {}",
            r.backend,
            r.threads,
            r.size.map_or(String::new(), |s| format!(" size {s}")),
            r.rep
        ))
    }
}

impl RowSpec<WorkloadRow> for (&ScalingSpec, &[Skipped]) {
    fn admit(&self, r: &WorkloadRow, _machine: &Machine) -> Result<String, String> {
        self.0.admit_row(self.1, r)
    }
}

/// A whole-run spec admits the rows of workload sweeps only (what [`session::resume`] needs; the
/// plan check there refuses rows of skipped backends).
impl RowSpec<WorkloadRow> for super::spec::SweepSpec {
    fn admit(&self, r: &WorkloadRow, _machine: &Machine) -> Result<String, String> {
        match self.scaling() {
            Some(s) => s.admit_row(&[], r),
            None => Err(format!("a workload row in a {} run", self.kind())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workloads::bank::BankConfig;

    fn spec(backends: &str, threads: Vec<u64>, reps: u32) -> ScalingSpec {
        ScalingSpec {
            workload: WorkloadSpec::Bank(BankConfig::default()),
            backends: backends::parse_list(backends).unwrap(),
            threads,
            sizes: None,
            measurement: Measurement {
                period: crate::bench::args::Period::Ops(10),
                warmup_secs: 0.0,
                cycles: false,
                attribute: false,
            },
            reps,
            seed: 1,
        }
    }

    #[test]
    fn the_plan_interleaves_repetitions_and_skips_what_cannot_run() {
        let s = spec("seq,tl2", vec![1, 2], 2);
        let skipped = s.skipped();
        assert_eq!(skipped.len(), 1);
        assert_eq!(
            (skipped[0].backend.as_str(), skipped[0].threads.clone()),
            ("seq", vec![2])
        );
        let plan = s.plan(&skipped);
        let brief: Vec<(usize, u64, u32)> =
            plan.iter().map(|p| (p.backend, p.threads, p.rep)).collect();
        assert_eq!(
            brief,
            [
                (0, 1, 0),
                (1, 1, 0),
                (1, 2, 0),
                (0, 1, 1),
                (1, 1, 1),
                (1, 2, 1)
            ]
        );
        let htm = spec("htm:glibc,norec", vec![1], 1);
        let sk = htm.skipped();
        match htm::Rtm::detect() {
            Ok(_) => assert!(sk.is_empty()),
            Err(e) => {
                assert_eq!(sk.len(), 1);
                assert!(sk[0].reason.contains(&e.to_string()));
                assert_eq!(htm.hardware(&sk), Hardware::Software);
            }
        }
    }
}
