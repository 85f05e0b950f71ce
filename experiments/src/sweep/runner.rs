//! The measuring loop: pin the thread, ask the planner for the next point, measure it, append its
//! row, until the plan is finished or a signal asks to stop.
//!
//! SIGINT and SIGTERM only set a flag ([`crate::signals`]). The loop polls it before each point,
//! so the point being measured when the first signal arrives is finished and written, and no row
//! is ever partial. (A second signal stops the process at once, from the signal thread.)

use super::hardware::Hardware;
use super::plan::{self, CapacityPoint, DurationPoint};
use super::spec::{CapacitySpec, DurationSpec};
use crate::kernels::footprint::FootprintSpec;
use crate::progress::Progress;
use crate::results::points::PointsWriter;
use crate::results::{CapacityRow, DurationRow};
use crate::signals::{Signal, Stop};
use anyhow::{Context, Result};

/// How a sweep session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every planned point is recorded.
    Complete,
    /// This signal asked to stop; the rows so far are complete and the run can be resumed.
    Interrupted(Signal),
}

/// Pins the calling thread to `core`, or by default to the last core the process may run on (core
/// 0 usually takes more interrupts). Returns the core, or `None` if pinning is not possible.
pub fn pin(core: Option<usize>) -> Result<Option<usize>> {
    // Before this thread's affinity changes (see `Machine::cores_available`).
    crate::machine::cores_available();
    let Some(ids) = core_affinity::get_core_ids() else {
        eprintln!("warning: cannot list cores; the measuring thread is not pinned");
        return Ok(None);
    };
    let id = match core {
        Some(c) => match ids.iter().find(|i| i.id == c) {
            Some(&id) => id,
            None => {
                let list: Vec<String> = ids.iter().map(|i| i.id.to_string()).collect();
                return Err(crate::usage::usage(format!(
                    "--core {c}: not available (available: {})",
                    list.join(",")
                )));
            }
        },
        None => match ids.last() {
            Some(&id) => id,
            None => return Ok(None),
        },
    };
    if core_affinity::set_for_current(id) {
        Ok(Some(id.id))
    } else {
        eprintln!(
            "warning: cannot pin to core {}; the thread is not pinned",
            id.id
        );
        Ok(None)
    }
}

/// Runs the capacity sweep from the rows already recorded until it is complete or interrupted.
pub fn run_capacity<H: Hardware>(
    hw: &mut H,
    spec: &CapacitySpec,
    rows: &mut Vec<CapacityRow>,
    out: &mut PointsWriter<CapacityRow>,
    stop: &Stop,
    progress: &Progress,
) -> Result<Outcome> {
    while let Some(CapacityPoint {
        op,
        pattern,
        lines,
        rep,
    }) = plan::next_capacity(spec, rows)
    {
        if let Some(signal) = stop.requested() {
            return Ok(Outcome::Interrupted(signal));
        }
        let fp = FootprintSpec {
            op,
            pattern,
            lines: usize::try_from(lines).context("footprint does not fit in usize")?,
            warmth: spec.warmth,
        };
        let tally = hw.footprint(&fp, rep, spec.attempts);
        let row = CapacityRow::new(op, pattern, lines, spec.warmth, rep, spec.seed, &tally);
        out.append(&row)?;
        rows.push(row);
        progress.point(|| {
            format!(
                "{} {} {lines} lines rep {rep}: {:.3}",
                super::report::name(&op),
                super::report::name(&pattern),
                tally.commit_rate()
            )
        });
    }
    Ok(Outcome::Complete)
}

/// Runs the duration sweep from the rows already recorded until it is complete or interrupted.
/// `tsc_hz` converts cycles to the `us` column.
pub fn run_duration<H: Hardware>(
    hw: &mut H,
    spec: &DurationSpec,
    tsc_hz: f64,
    rows: &mut Vec<DurationRow>,
    out: &mut PointsWriter<DurationRow>,
    stop: &Stop,
    progress: &Progress,
) -> Result<Outcome> {
    while let Some(DurationPoint { cycles, rep }) = plan::next_duration(spec, rows) {
        if let Some(signal) = stop.requested() {
            return Ok(Outcome::Interrupted(signal));
        }
        let tally = hw.duration(cycles, rep, spec.attempts);
        let row = DurationRow::new(cycles, tsc_hz, rep, spec.seed, &tally);
        out.append(&row)?;
        rows.push(row);
        progress.point(|| {
            format!(
                "{cycles} cycles ({:.2} us) rep {rep}: {:.3}",
                row.us,
                tally.commit_rate()
            )
        });
    }
    Ok(Outcome::Complete)
}
