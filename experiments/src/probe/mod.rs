//! `tmlab probe`: in about ten seconds, what this machine's RTM can do.
//!
//! In order:
//! 1. Pin the thread to one core (`--core`, else the first core this process may use), so every
//!    figure comes from one core's caches and clock.
//! 2. Collect the machine description (CPU, TSX bits, RTM detection with its exact reason, TSC
//!    rate, the git commit) and create a new run folder `results/<run>/`.
//! 3. Measure `lock xadd` (always: it needs no RTM) and, where RTM is usable:
//!    - empty `xbegin`/`xend` pairs, and the spontaneous abort rate among them ([`cost`]);
//!    - the write capacity and the read capacity: the largest sequential, warm footprint that
//!      commits at least half of `--attempts` attempts, by doubling then bisection ([`search`]),
//!      exact to one line for writes, to 1/32 for reads (searched up to `--max-read-lines`, 2^20
//!      lines = 64 MiB by default);
//!    - the duration at which half of the transactions commit (doubling then bisection over spin
//!      cycles, to 1/32), converted to microseconds with the measured TSC rate.
//! 4. Print the report (text, or one JSON object with `--format json`) and save it with the
//!    machine description as `probe.json` in the run folder. Where RTM is unusable every hardware
//!    figure is null and says why, and the command still succeeds.
//!
//! The footprint buffer is pre-faulted (every line written once at allocation) and every attempt
//! is warmed (a store to each line of its footprint just before `xbegin`); the report says so.
//!
//! `--backend model:<source>` runs the same searches over the modelled HTM instead
//! ([`crate::kernels::modelled`]), on any machine: the figures are then the model's predictions,
//! and the report, its JSON (`model`), its notes and its folder name (`...-probe-model-...`) say
//! so. The model's own cost of an empty transaction is a software cost, not a prediction, so
//! `xbegin_xend_cycles` stays null (the cost is kept in `hardware.xbegin_xend`).

pub mod cost;
pub mod report;
pub mod search;

use crate::dirs::ResultsDirArg;
use crate::kernels::Transact;
use crate::kernels::duration;
use crate::kernels::footprint::{FootprintBuffer, FootprintSpec, Op, Pattern, Warmth};
use crate::kernels::modelled::ModelMachine;
use crate::limits::{PROBE_ATTEMPTS, PROBE_MAX_DURATION_US, PROBE_MAX_LINES};
use crate::machine::Machine;
use crate::run_dir;
use crate::sweep::args::HtmSource;
use crate::usage::usage;
use anyhow::{Context, Result, bail};
use report::{Hardware, Method, ProbeModel, ProbeReport};
use serde::Serialize;
use std::io::Write;
use std::time::{Instant, SystemTime};

/// Batches per cycle-cost figure.
const BATCHES: usize = 501;
/// Operations per batch.
const OPS_PER_BATCH: u64 = 1000;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An aligned, human-readable report.
    Text,
    /// One JSON object on stdout (the saved path goes to stderr).
    Json,
}

/// Options of `tmlab probe`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct ProbeArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Attempts planned per footprint or duration point, 10 to 1000000 (a point stops early once
    /// its 50 % outcome is decided).
    #[arg(long, default_value_t = 200, value_name = "N",
          value_parser = clap::value_parser!(u64).range(*PROBE_ATTEMPTS.start()..=*PROBE_ATTEMPTS.end()))]
    pub attempts: u64,
    /// Core to pin the probe thread to (default: the first core this process may run on).
    #[arg(long, value_name = "ID")]
    pub core: Option<usize>,
    /// Largest read footprint searched, 1 to 16777216 (2^24) 64-byte lines.
    #[arg(long, default_value_t = 1 << 20, value_name = "LINES",
          value_parser = clap::value_parser!(u64).range(1..=PROBE_MAX_LINES))]
    pub max_read_lines: u64,
    /// Largest write footprint searched, 1 to 16777216 (2^24) 64-byte lines.
    #[arg(long, default_value_t = 1 << 15, value_name = "LINES",
          value_parser = clap::value_parser!(u64).range(1..=PROBE_MAX_LINES))]
    pub max_write_lines: u64,
    /// Longest transaction searched, 1 to 10000000 microseconds (10 s).
    #[arg(long, default_value_t = 20_000, value_name = "US",
          value_parser = clap::value_parser!(u64).range(1..=PROBE_MAX_DURATION_US))]
    pub max_duration_us: u64,
    /// What runs the transactions: `rtm` (this CPU's RTM, the default), or a modelled HTM,
    /// `model:<preset>` (haswell, skylake, icelake, sapphire-rapids), `model:file=PATH.toml` or
    /// `model:probe=DIR`. A modelled probe runs on any machine; its report, JSON and folder name
    /// say "model", and its figures are the model's predictions, not this machine's.
    #[arg(long, value_name = "HTM", value_parser = crate::sweep::args::htm_source)]
    pub backend: Option<HtmSource>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub results: ResultsDirArg,
}

const EXAMPLES: &str = "\
Examples:
  tmlab probe                          # the report as text, saved in results/<run>/probe.json
  tmlab probe --format json | jq .write_capacity_lines
  tmlab probe --core 3 --attempts 1000 # another core, more attempts per search point
  tmlab probe --backend model:haswell  # the same searches over the modelled HTM, on any machine

The report is printed before it is saved: if the results folder cannot be written, the report is
still shown, and the command then fails (exit status 1) saying why.";

/// The saved `probe.json`.
#[derive(Serialize)]
struct Saved<'a> {
    probe: &'a ProbeReport,
    machine: &'a Machine,
    started: String,
    finished: String,
}

/// Runs the probe: measures, prints the report, then saves it (a failure to save is reported
/// after the report, so the measurement is never lost).
pub fn run(args: ProbeArgs) -> Result<()> {
    let started = SystemTime::now();
    let clock = Instant::now();
    // The machine before pinning, so it records the cores available to the process.
    let machine = Machine::collect();
    let model = match &args.backend {
        Some(HtmSource::Model(source)) => Some(
            crate::backends::ModelSpec::parse(source)
                .map_err(|e| usage(format!("--backend model:{source}: {e}")))?,
        ),
        Some(HtmSource::Rtm) | None => None,
    };
    let (pinned_core, pinning) = pin(args.core)?;
    let rtm = htm::Rtm::detect();

    let lock_xadd = cost::measure_lock_xadd(BATCHES, OPS_PER_BATCH);
    let hw = match &model {
        Some(spec) => {
            let lines = args.max_read_lines.max(args.max_write_lines) as usize;
            let bytes = FootprintBuffer::bytes_for(lines, &[Pattern::Seq]);
            let modelled = ModelMachine::new(spec.config.clone(), bytes)
                .map_err(|e| usage(format!("--backend model:{}: {e}", spec.source)))?;
            let cpu = modelled.cpu();
            Some(measure_hardware(cpu.tx(), &args, machine.tsc_hz))
        }
        None => rtm
            .as_ref()
            .ok()
            .map(|&rtm| measure_hardware(rtm, &args, machine.tsc_hz)),
    };
    let method = Method {
        attempts_per_point: args.attempts,
        footprint: "sequential lines, one 8-byte word per line, warm; 50 % points by doubling \
                    then bisection, to 1 line (write), 1/32 (read) and 1/32 (duration)"
            .into(),
        max_read_lines: args.max_read_lines,
        max_write_lines: args.max_write_lines,
        max_duration_us: args.max_duration_us as f64,
        cycles: format!(
            "TSC cycles per operation: per batch of {OPS_PER_BATCH}, (batch - median empty-loop \
             batch) / {OPS_PER_BATCH}; median and spread over {BATCHES} batches, serialized \
             counter reads"
        ),
        preparation: hw.is_some().then(|| {
            if model.is_some() {
                "modelled: every access goes through the model at the footprint's page-aligned \
                 offsets; the model has no caches or page faults, so warm-up has no effect"
                    .into()
            } else {
                "pre-faulted (every line written at allocation) and warmed (every line of the \
                 footprint stored to just before each attempt)"
                    .into()
            }
        }),
    };
    let report = ProbeReport::new(
        &machine,
        &rtm.as_ref().map(|_| ()).map_err(Clone::clone),
        pinned_core,
        pinning,
        lock_xadd,
        hw,
        model.as_ref().map(ProbeModel::of),
        method,
        clock.elapsed().as_secs_f64(),
    );

    let saved = Saved {
        probe: &report,
        machine: &machine,
        started: run_dir::rfc3339(started),
        finished: run_dir::rfc3339(SystemTime::now()),
    };
    let json = serde_json::to_string_pretty(&saved).context("cannot encode the probe")?;

    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string(&report)?)?,
        Format::Text => match &report.model {
            Some(m) => write!(
                out,
                "tmlab probe (MODELLED HTM {}, not this machine's RTM)\n\n{}",
                m.backend,
                report.text()
            )?,
            None => write!(out, "tmlab probe\n\n{}", report.text())?,
        },
    }
    out.flush()?;
    let kind = if model.is_some() {
        "probe-model"
    } else {
        "probe"
    };
    let saved = save(
        &args.results.results_dir,
        kind,
        &machine.hostname,
        started,
        &json,
    );
    match (&saved, args.format) {
        (Ok(path), Format::Json) => eprintln!("saved {}", path.display()),
        (Ok(path), Format::Text) => writeln!(out, "{:<16} {}", "Saved", path.display())?,
        (Err(_), Format::Text) => writeln!(out, "{:<16} not saved (see the error below)", "Saved")?,
        (Err(_), Format::Json) => {}
    }
    saved
        .map(|_| ())
        .context("the probe ran and its report is printed above, but it could not be saved")
}

/// Writes `json` as `probe.json` in a new run folder of `kind` under `root`; returns its path.
fn save(
    root: &std::path::Path,
    kind: &str,
    host: &str,
    started: SystemTime,
    json: &str,
) -> Result<std::path::PathBuf> {
    let dir = run_dir::create(root, kind, host, started)?;
    let path = dir.join("probe.json");
    std::fs::write(&path, format!("{json}\n"))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Pins the calling thread: to `core` if given (an error if it is not available), else to the
/// first available core. Returns the core and a sentence saying what happened.
fn pin(core: Option<usize>) -> Result<(Option<usize>, String)> {
    // Before this thread's affinity changes (see `Machine::cores_available`).
    crate::machine::cores_available();
    let Some(ids) = core_affinity::get_core_ids().filter(|ids| !ids.is_empty()) else {
        if let Some(c) = core {
            bail!("--core {c}: this system does not report which cores may be used");
        }
        return Ok((
            None,
            "not pinned: the system does not report its cores".into(),
        ));
    };
    let chosen = match core {
        Some(c) => match ids.iter().find(|id| id.id == c) {
            Some(&id) => id,
            None => {
                return Err(crate::usage::usage(format!(
                    "--core {c}: not available; this process may run on cores {:?}",
                    ids.iter().map(|id| id.id).collect::<Vec<_>>()
                )));
            }
        },
        None => ids[0],
    };
    if core_affinity::set_for_current(chosen) {
        Ok((Some(chosen.id), format!("pinned to core {}", chosen.id)))
    } else if core.is_some() {
        bail!("--core {}: could not pin the thread to it", chosen.id)
    } else {
        Ok((
            None,
            format!("not pinned: pinning to core {} failed", chosen.id),
        ))
    }
}

/// Every measurement that executes transactions: on RTM (only reachable with a token), on the
/// modelled HTM, or, in tests, on a scripted stand-in.
fn measure_hardware<T: Transact>(rtm: T, args: &ProbeArgs, tsc_hz: f64) -> Hardware {
    let (xbegin_xend, empty_transactions) = cost::measure_xbegin_xend(rtm, BATCHES, OPS_PER_BATCH);
    let max_lines = args.max_read_lines.max(args.max_write_lines);
    let mut buffer = FootprintBuffer::new(max_lines as usize, 0, &[Pattern::Seq]);
    let write_capacity = footprint_search(
        &mut buffer,
        rtm,
        Op::Write,
        args.max_write_lines,
        args.attempts,
        |_| 1,
    );
    let read_capacity = footprint_search(
        &mut buffer,
        rtm,
        Op::Read,
        args.max_read_lines,
        args.attempts,
        |lo| lo / 32,
    );
    drop(buffer);
    let max_cycles = ((tsc_hz * args.max_duration_us as f64 / 1e6) as u64).max(1);
    let duration_cycles = search::half_point(
        1024.min(max_cycles),
        max_cycles,
        args.attempts,
        |lo| lo / 32,
        |cycles, planned| {
            duration::run_with(rtm, cycles, planned, |t| {
                search::decided(t, planned).is_some()
            })
        },
    );
    Hardware {
        xbegin_xend,
        empty_transactions,
        write_capacity,
        read_capacity,
        duration_cycles,
    }
}

/// The 50 % search over sequential, warm footprints of `op`.
fn footprint_search<T: Transact>(
    buffer: &mut FootprintBuffer,
    rtm: T,
    op: Op,
    max_lines: u64,
    attempts: u64,
    resolution: impl Fn(u64) -> u64,
) -> search::Search {
    search::half_point(1, max_lines, attempts, resolution, |lines, planned| {
        let spec = FootprintSpec {
            op,
            pattern: Pattern::Seq,
            lines: lines as usize,
            warmth: Warmth::Warm,
        };
        buffer.run_with(rtm, &spec, planned, |t| {
            search::decided(t, planned).is_some()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::transact::mock::Scripted;
    use std::cell::Cell;

    /// The report of a probe where RTM works and the hardware figures are `hw`.
    fn report_with(machine: &Machine, hw: Hardware) -> ProbeReport {
        ProbeReport::new(
            machine,
            &Ok(()),
            None,
            String::new(),
            cost::measure_lock_xadd(11, 100),
            Some(hw),
            None,
            report::tests_support::method(),
            0.0,
        )
    }

    fn small_args() -> ProbeArgs {
        ProbeArgs {
            format: Format::Json,
            attempts: 10,
            core: None,
            max_read_lines: 300,
            max_write_lines: 100,
            max_duration_us: 20,
            backend: None,
            results: ResultsDirArg {
                results_dir: "unused".into(),
            },
        }
    }

    /// The whole hardware pipeline, driven by a stand-in under which every transaction commits:
    /// every search runs to its bound, and the report marks each figure as a lower bound.
    #[test]
    fn hardware_pipeline_runs_to_the_bounds_when_everything_commits() {
        let calls = Cell::new(0);
        let tx = Scripted {
            script: &[None],
            calls: &calls,
        };
        let machine = Machine::collect();
        let hw = measure_hardware(tx, &small_args(), machine.tsc_hz);
        assert_eq!(hw.empty_transactions.aborts(), 0);
        assert!(hw.empty_transactions.attempts >= (BATCHES as u64) * OPS_PER_BATCH);
        assert_eq!(hw.write_capacity.largest_passing, Some(100));
        assert_eq!(hw.read_capacity.largest_passing, Some(300));
        assert!(hw.write_capacity.censored && hw.read_capacity.censored);
        assert!(hw.duration_cycles.censored);
        // Early stop: a passing point needs only half of its planned attempts.
        assert!(
            hw.write_capacity
                .points
                .iter()
                .all(|p| p.tally.attempts == 5)
        );
        let r = report_with(&machine, hw);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["write_capacity_lines"], 100);
        assert_eq!(json["read_capacity_lines"], 300);
        assert!((json["duration_50_us"].as_f64().unwrap() - 20.0).abs() < 0.5);
        assert_eq!(json["spontaneous_abort_rate"], 0.0);
        assert!(r.notes["write_capacity_lines"].starts_with("lower bound"));
    }

    /// And under one where every transaction aborts with CAPACITY: nothing fits.
    #[test]
    fn hardware_pipeline_reports_zero_when_nothing_commits() {
        let calls = Cell::new(0);
        let tx = Scripted {
            script: &[Some(0b1000)],
            calls: &calls,
        };
        let machine = Machine::collect();
        let hw = measure_hardware(tx, &small_args(), machine.tsc_hz);
        assert_eq!(
            hw.empty_transactions.capacity,
            hw.empty_transactions.attempts
        );
        assert_eq!(hw.write_capacity.largest_passing, None);
        assert_eq!(hw.write_capacity.points.len(), 1);
        assert_eq!(
            hw.write_capacity.points[0].tally.attempts, 6,
            "stops once 5 of 10 can't commit"
        );
        let r = report_with(&machine, hw);
        assert_eq!(r.write_capacity_lines, Some(0));
        assert_eq!(r.read_capacity_lines, Some(0));
        assert_eq!(r.duration_50_us, None);
        assert_eq!(r.spontaneous_abort_rate, Some(1.0));
        assert!(r.verdict.contains("abort, so every figure is noisy"));
    }
}
