//! Charts, drawn only from a run folder: `tmlab plot DIR`, and the end of every sweep.
//!
//! Each run's charts go to `<plots-dir>/<run folder name>/` as `capacity.svg`/`capacity.png` or
//! `duration.svg`/`duration.png` (overwritten on every redraw: they are derived data). The font is
//! embedded ([`font`]), so no system fonts are needed. Captions name the CPU and the date from
//! `meta.json`, and say "MOCK DATA - not a measurement" for mock runs.

pub mod draw;
pub mod figure;
pub mod font;

use crate::analysis::Curve;
use crate::dirs::PlotsDirArg;
use crate::results::{Loaded, Meta, Rows};
use crate::sweep::report::{self, MOCK_BANNER};
use crate::sweep::spec::SweepSpec;
use anyhow::{Context, Result, anyhow, bail};
use figure::{Figure, Pt, Series};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Options of `tmlab plot`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = EXAMPLES)]
pub struct PlotArgs {
    /// The run folder to redraw (`results/<time>-<sweep>-<host>`).
    pub dir: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub plots: PlotsDirArg,
}

const EXAMPLES: &str = "\
Examples:
  tmlab plot results/20261122T023519Z-capacity-myhost
  tmlab plot results/20261122T023519Z-duration-myhost --plots-dir paper/figures
  for d in results/*-capacity-*; do tmlab plot \"$d\"; done

Every row is checked against the run's own parameters first: a row the run cannot have written
(a footprint or duration not in its spec, an unknown op or pattern, a repeated point) is refused,
naming the file, the line and the reason. Charts of a partial run (interrupted, killed, or still
running) say so in their title and caption.";

/// Redraws every chart of a result folder from its files alone and prints their paths.
pub fn run(args: PlotArgs) -> Result<()> {
    let loaded = Loaded::load(&args.dir).context("cannot plot")?;
    if loaded.state.is_partial() {
        eprintln!(
            "note: {}: {}; the charts show the {} rows recorded so far and say so",
            args.dir.display(),
            loaded.state.sentence(),
            loaded.len()
        );
    }
    for path in draw(&loaded, &args.plots.plots_dir)? {
        println!("{}", path.display());
    }
    Ok(())
}

/// Draws the charts of `run` under `plots_root/<run name>/`; returns the files written.
pub fn draw(run: &Loaded, plots_root: &Path) -> Result<Vec<PathBuf>> {
    if run.is_empty() {
        bail!(
            "cannot plot {}: points.csv has no rows",
            run.run.dir.display()
        );
    }
    font::register()?;
    let dir = plots_root.join(run.run.name());
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (stem, fig) = match &run.rows {
        Rows::Capacity(rows) => ("capacity", capacity_figure(&run.meta, rows)),
        Rows::Duration(rows) => ("duration", duration_figure(&run.meta, rows)),
    };
    let svg = dir.join(format!("{stem}.svg"));
    let png = dir.join(format!("{stem}.png"));
    let size = fig.size();
    draw::draw_figure(&SVGBackend::new(&svg, size).into_drawing_area(), &fig)
        .map_err(|e| anyhow!("cannot draw {}: {e:?}", svg.display()))?;
    draw::draw_figure(&BitMapBackend::new(&png, size).into_drawing_area(), &fig)
        .map_err(|e| anyhow!("cannot draw {}: {e:?}", png.display()))?;
    Ok(vec![svg, png])
}

/// `Intel(R) Xeon(R) ... (microcode 0x..) - 2026-11-22 - <conditions>`.
fn subtitle(meta: &Meta, conditions: &str) -> String {
    let date = meta.started.get(..10).unwrap_or(&meta.started);
    format!("{} - {date} - {conditions}", meta.machine.cpu_label())
}

fn warning(meta: &Meta) -> Option<String> {
    meta.is_mock().then(|| MOCK_BANNER.to_string())
}

/// A series with the 50 % point as its legend note (`unit` formats an x value).
fn series(
    curve: &Curve,
    label: String,
    x_of: impl Fn(u64) -> f64 + Copy,
    unit: impl Fn(f64) -> String,
) -> Series {
    let c = curve.crossing();
    let note = match (c.last_ok, c.first_fail) {
        (Some(ok), Some(_)) => Some(format!(">= 50 % up to {}", unit(x_of(ok.x)))),
        (Some(ok), None) => Some(format!(">= 50 % at all, to {}", unit(x_of(ok.x)))),
        (None, Some(_)) => Some("< 50 % everywhere".to_string()),
        (None, None) => None,
    };
    Series {
        label,
        note,
        points: curve
            .stats()
            .iter()
            .map(|s| Pt::from_stats(s, x_of))
            .collect(),
    }
}

/// The capacity chart: one curve per op x pattern.
pub fn capacity_figure(meta: &Meta, rows: &[crate::results::CapacityRow]) -> Figure {
    let conditions = match &meta.spec {
        SweepSpec::Capacity(s) => format!(
            "{}, {} attempts x {} reps, seed {}, 1 thread",
            report::name(&s.warmth),
            s.attempts,
            s.reps,
            s.seed
        ),
        SweepSpec::Duration(_) => String::new(),
    };
    Figure {
        title: "RTM capacity: commit probability against transaction footprint".into(),
        subtitle: subtitle(meta, &conditions),
        warning: warning(meta),
        x_label: "footprint (64-byte cache lines, log scale)".into(),
        x_short: "footprint (lines)".into(),
        series: report::capacity_curves(meta, rows)
            .into_iter()
            .map(|(label, c)| series(&c, label, |x| x as f64, |x| format!("{x} lines")))
            .collect(),
    }
}

/// The duration chart: commit probability against microseconds.
pub fn duration_figure(meta: &Meta, rows: &[crate::results::DurationRow]) -> Figure {
    let conditions = match &meta.spec {
        SweepSpec::Duration(s) => format!(
            "{} attempts x {} reps, TSC {:.3} GHz, 1 thread",
            s.attempts,
            s.reps,
            meta.machine.tsc_hz / 1e9
        ),
        SweepSpec::Capacity(_) => String::new(),
    };
    let tsc_hz = meta.machine.tsc_hz;
    Figure {
        title: "RTM duration: commit probability against transaction length".into(),
        subtitle: subtitle(meta, &conditions),
        warning: warning(meta),
        x_label: "transaction duration (microseconds, log scale)".into(),
        x_short: "duration (µs)".into(),
        series: vec![series(
            &report::duration_curve(rows),
            "spin in transaction".into(),
            move |c| c as f64 / tsc_hz * 1e6,
            |us| format!("{us:.3} µs"),
        )],
    }
}
