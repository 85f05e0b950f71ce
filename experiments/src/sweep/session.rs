//! Opening a run: a new run folder, or an interrupted one to finish with `--resume`.
//!
//! A new run gets a folder that did not exist before (see [`crate::run_dir`]), a `meta.json` with
//! status `running`, and a `points.csv` holding only the header. A resumed run must be an existing
//! run folder whose status is not `complete`, measured by the same kind of hardware on the same
//! host and CPU, with exactly the same sweep parameters, and whose rows are exactly what the
//! planner would have run so far; anything else is refused with the reason.

use super::spec::SweepSpec;
use crate::machine::Machine;
use crate::results::points::{PointsWriter, read_points};
use crate::results::rows::Record;
use crate::results::{Hardware, Meta, RunFolder, Status, meta};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::time::SystemTime;

/// An open run: its folder, metadata, the rows so far and the writer that appends more.
pub struct Session<R> {
    /// The folder.
    pub run: RunFolder,
    /// Its metadata (status `running`).
    pub meta: Meta,
    /// Rows already recorded.
    pub rows: Vec<R>,
    /// Appends further rows.
    pub writer: PointsWriter<R>,
}

/// Creates a new run folder under `root`.
pub fn start<R: Record>(
    root: &Path,
    spec: &SweepSpec,
    hardware: Hardware,
    machine: Machine,
    pinned_core: Option<usize>,
) -> Result<Session<R>> {
    let now = SystemTime::now();
    let kind = match hardware {
        Hardware::Rtm => spec.kind().to_string(),
        Hardware::Mock => format!("{}-mock", spec.kind()),
        Hardware::Software => spec.kind().to_string(),
    };
    let run = RunFolder::new(crate::run_dir::create(root, &kind, &machine.hostname, now)?);
    let meta = Meta {
        format: meta::FORMAT,
        hardware,
        spec: spec.clone(),
        machine,
        pinned_core,
        started: crate::run_dir::rfc3339(now),
        ended: None,
        status: Status::Running,
        resumes: Vec::new(),
        skipped: Vec::new(),
        oversubscribed: false,
    };
    meta.write(&run.meta())?;
    let writer = PointsWriter::create(&run.points())?;
    Ok(Session {
        run,
        meta,
        rows: Vec::new(),
        writer,
    })
}

/// Re-opens the run in `dir` to finish it; `check` verifies the rows against the plan.
pub fn resume<R: Record>(
    dir: &Path,
    spec: &SweepSpec,
    hardware: Hardware,
    machine: &Machine,
    pinned_core: Option<usize>,
    check: impl Fn(&[R]) -> Result<(), String>,
) -> Result<Session<R>> {
    let run = RunFolder::open(dir).context("cannot resume")?;
    let mut meta = Meta::read(&run.meta()).context("cannot resume")?;
    let shown = dir.display();
    if meta.status == Status::Complete {
        bail!("cannot resume {shown}: the run is already complete");
    }
    if meta.hardware != hardware {
        bail!(
            "cannot resume {shown}: it was run with hardware {:?}, this command uses {:?}",
            meta.hardware,
            hardware
        );
    }
    if meta.spec.kind() != spec.kind() {
        bail!(
            "cannot resume {shown}: it is a {} sweep, not a {} sweep",
            meta.spec.kind(),
            spec.kind()
        );
    }
    let diffs = meta.spec.differences(spec);
    if !diffs.is_empty() {
        bail!(
            "cannot resume {shown}: its parameters differ from this command's (folder vs. command):\n  {}",
            diffs.join("\n  ")
        );
    }
    if meta.machine.hostname != machine.hostname || meta.machine.cpu != machine.cpu {
        bail!(
            "cannot resume {shown}: it was measured on {} ({}), this is {} ({})",
            meta.machine.hostname,
            meta.machine.cpu_label(),
            machine.hostname,
            machine.cpu_label()
        );
    }
    let (writer, dropped) = PointsWriter::<R>::append_to(&run.points()).context("cannot resume")?;
    if dropped > 0 {
        eprintln!(
            "warning: dropped an incomplete last line ({dropped} bytes) of {}",
            run.points().display()
        );
    }
    let rows = read_points::<R>(&run.points()).context("cannot resume")?;
    check(&rows).map_err(|e| {
        anyhow::anyhow!(
            "cannot resume {shown}: {} does not follow this sweep's plan: {e}",
            run.points().display()
        )
    })?;
    meta.resumes.push(meta::Resume {
        started: crate::run_dir::rfc3339(SystemTime::now()),
        command: std::env::args().collect(),
        git_commit: machine.software.git_commit.clone(),
        rows_before: rows.len(),
        pinned_core,
    });
    meta.status = Status::Running;
    meta.ended = None;
    meta.write(&run.meta())?;
    Ok(Session {
        run,
        meta,
        rows,
        writer,
    })
}

/// Records how the session ended.
pub fn finish(run: &RunFolder, meta: &mut Meta, status: Status) -> Result<()> {
    meta.status = status;
    meta.ended = Some(crate::run_dir::rfc3339(SystemTime::now()));
    meta.write(&run.meta())?;
    Ok(())
}

/// The command that resumes this run: this process's arguments without any `--resume`, plus
/// `--resume DIR`, quoted for a POSIX shell.
pub fn resume_command(dir: &Path) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut args = std::env::args();
    if let Some(first) = args.next() {
        out.push(first);
    }
    while let Some(a) = args.next() {
        if a == "--resume" {
            args.next();
        } else if !a.starts_with("--resume=") {
            out.push(a);
        }
    }
    out.push("--resume".into());
    out.push(dir.display().to_string());
    out.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
