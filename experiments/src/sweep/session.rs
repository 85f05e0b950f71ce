//! Opening a run: a new run folder, or an interrupted or killed one to finish with `--resume`.
//!
//! Every session owns its folder for as long as it is open: [`start`] and [`resume`] take the
//! folder's lock ([`crate::results::lock`]) before they write or read anything, keep it in the
//! [`Session`], and the kernel releases it when the process ends, however it ends. A second
//! writer is therefore refused while the first lives, and a folder whose status still says
//! `running` but whose lock is free was killed. Both also register the "abort now" hook of
//! [`crate::signals`] (a second Ctrl-C or SIGTERM records `status: interrupted` and prints the
//! resume command before the process exits), so every sweep kind that opens its folder here gets
//! the lock and the signal handling without further code.
//!
//! A new run gets a folder that did not exist before (see [`crate::run_dir`]), a `meta.json` with
//! status `running`, and a `points.csv` holding only the header. A resumed run must be an existing
//! run folder whose status is not `complete` and that no live process owns, measured by the same
//! kind of hardware on the same host and CPU, with the same sweep parameters, whose rows all
//! belong to its spec ([`crate::results::validate`]) and are exactly what the planner would have
//! run so far; anything else is refused with the reason.

use super::spec::SweepSpec;
use crate::machine::Machine;
use crate::results::points::{PointsWriter, read_points_from};
use crate::results::rows::Record;
use crate::results::validate::{RowSpec, check_rows};
use crate::results::{Hardware, Meta, OwnerLock, ResultsError, RunFolder, Status, meta};
use crate::signals::{self, AbortGuard, Signal};
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
    /// Ownership of the folder, released when the session is dropped (or the process ends).
    _owner: OwnerLock,
    /// The abort-now hook for this folder, unregistered when the session is dropped.
    _abort: AbortGuard,
}

/// Registers the abort-now hook of the run in `run`: if `meta.json` still says `running`, record
/// `interrupted` with the end time, then print what is kept, the resume command and (last on
/// stdout) the folder.
fn abort_hook(run: &RunFolder) -> Result<AbortGuard> {
    let run = run.clone();
    let stop = signals::install()?;
    Ok(stop.on_abort(move |sig: Signal| {
        let rows = std::fs::read_to_string(run.points())
            .map_or(0, |t| t.lines().count().saturating_sub(1));
        match Meta::read(&run.meta()) {
            Ok(mut m) if m.status == Status::Running => {
                m.status = Status::Interrupted;
                m.ended = Some(crate::run_dir::rfc3339(SystemTime::now()));
                match m.write(&run.meta()) {
                    Ok(()) => eprintln!(
                        "{sig}: stopped at once; the point being measured is lost, the {rows} \
                         finished rows are kept: resume with: {}",
                        resume_command(&run.dir)
                    ),
                    Err(e) => eprintln!("{sig}: stopped at once; cannot record it: {e}"),
                }
            }
            Ok(m) => eprintln!(
                "{sig}: stopped at once (the run was already recorded as {:?})",
                m.status
            ),
            Err(e) => eprintln!("{sig}: stopped at once; cannot record it: {e}"),
        }
        println!("{}", run.dir.display());
    }))
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
        Hardware::Model => format!("{}-model", spec.kind()),
        Hardware::Software => spec.kind().to_string(),
    };
    let run = RunFolder::new(crate::run_dir::create(root, &kind, &machine.hostname, now)?);
    let mut lock = run.acquire()?;
    lock.record_pid()?;
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
        models: model_params(spec),
    };
    meta.write(&run.meta())?;
    let writer = PointsWriter::create(&run.points())?;
    let abort = abort_hook(&run)?;
    Ok(Session {
        run,
        meta,
        rows: Vec::new(),
        writer,
        _owner: lock,
        _abort: abort,
    })
}

/// Re-opens the run in `dir` to finish it, taking its lock first; `check` verifies the rows
/// against the plan (after every row was checked against the spec).
pub fn resume<R: Record>(
    dir: &Path,
    spec: &SweepSpec,
    hardware: Hardware,
    machine: &Machine,
    pinned_core: Option<usize>,
    check: impl Fn(&[R]) -> Result<(), String>,
) -> Result<Session<R>>
where
    SweepSpec: RowSpec<R>,
{
    let shown = dir.display();
    let run = RunFolder::open(dir).context("cannot resume")?;
    let mut lock = match run.acquire() {
        Ok(lock) => lock,
        Err(e @ ResultsError::Busy { .. }) => bail!("cannot resume: {e}"),
        Err(e) => return Err(e).context("cannot resume"),
    };
    let mut meta = Meta::read(&run.meta()).context("cannot resume")?;
    match meta.status {
        Status::Complete => bail!("cannot resume {shown}: the run is already complete"),
        // We hold the lock, so whoever wrote `running` is gone.
        Status::Running => eprintln!(
            "note: {}: {}; resuming it",
            shown,
            crate::results::RunState::Killed.sentence()
        ),
        Status::Interrupted => {}
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
            "cannot resume {shown}: its parameters differ from this command's (folder vs. command):\n  {}\n(give --resume DIR alone to continue with the recorded parameters)",
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
    // Everything is checked before anything is written: the rows (all but a torn last line,
    // which only a process killed inside `write` leaves) against the spec, then against the plan.
    let points = run.points();
    let text = std::fs::read(&points)
        .map_err(ResultsError::io(&points))
        .context("cannot resume")?;
    let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let numbered = read_points_from::<R>(&text[..complete], &points).context("cannot resume")?;
    check_rows::<R, _>(spec, &meta.machine, &numbered, &points).context("cannot resume")?;
    let rows: Vec<R> = numbered.into_iter().map(|(_, r)| r).collect();
    check(&rows).map_err(|e| {
        anyhow::anyhow!(
            "cannot resume {shown}: {} does not follow this sweep's plan: {e}",
            points.display()
        )
    })?;
    let (writer, dropped) = PointsWriter::<R>::append_to(&points).context("cannot resume")?;
    if dropped > 0 {
        eprintln!(
            "warning: dropped an incomplete last line ({dropped} bytes) of {}",
            points.display()
        );
    }
    meta.resumes.push(meta::Resume {
        started: crate::run_dir::rfc3339(SystemTime::now()),
        command: std::env::args().collect(),
        git_commit: machine.software.git_commit.clone(),
        rows_before: rows.len(),
        pinned_core,
    });
    lock.record_pid()?;
    meta.status = Status::Running;
    meta.ended = None;
    meta.write(&run.meta())?;
    let abort = abort_hook(&run)?;
    Ok(Session {
        run,
        meta,
        rows,
        writer,
        _owner: lock,
        _abort: abort,
    })
}

/// Records how the session ended.
pub fn finish(run: &RunFolder, meta: &mut Meta, status: Status) -> Result<()> {
    meta.status = status;
    meta.ended = Some(crate::run_dir::rfc3339(SystemTime::now()));
    meta.write(&run.meta())?;
    Ok(())
}

/// The resume command of every sweep of this process, when a caller that runs sweeps as its
/// stages (`tmlab run`) has a better one: its own `--resume` of the whole run.
static RESUME_OVERRIDE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Makes [`resume_command`] return `command` for every sweep of this process (the first call
/// wins; later calls are ignored).
pub fn set_resume_command(command: String) {
    let _ = RESUME_OVERRIDE.set(command);
}

/// The command that resumes this run: this process's arguments without any `--resume`, plus
/// `--resume DIR`, quoted for a POSIX shell (or the command set by [`set_resume_command`]).
pub fn resume_command(dir: &Path) -> String {
    if let Some(command) = RESUME_OVERRIDE.get() {
        return command.clone();
    }
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

/// `s` quoted for a POSIX shell (unchanged when it needs no quotes).
pub fn shell_quote(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The parameters of every modelled HTM among the spec's backends, by backend name.
fn model_params(
    spec: &SweepSpec,
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    if let Some(source) = spec.model()
        && let Ok(model) = crate::backends::ModelSpec::parse(source)
    {
        out.insert(
            format!("model:{source}"),
            model.config.params().into_iter().collect(),
        );
    }
    if let Some(s) = spec.scaling() {
        for b in &s.backends {
            if let crate::backends::Kind::Model { model, .. } = &b.kind {
                out.insert(b.name.clone(), model.config.params().into_iter().collect());
            }
        }
    }
    out
}
