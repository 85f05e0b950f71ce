//! Charts, drawn only from a run folder: `tmlab plot DIR`, and the end of every sweep.
//!
//! Each run's charts go to `<plots-dir>/<run folder name>/` as `capacity.svg`/`capacity.png` or
//! `duration.svg`/`duration.png` (overwritten on every redraw: they are derived data). The font is
//! embedded ([`font`]), so no system fonts are needed. Captions name the CPU and the date from
//! `meta.json`, and say "MOCK DATA - not a measurement" for mock runs.

pub mod compare;
pub mod draw;
pub mod figure;
pub mod font;

use crate::Dirs;
use crate::analysis::Curve;
use crate::results::{Loaded, Meta, Rows};
use crate::sweep::report::{self, MOCK_BANNER};
use crate::sweep::spec::SweepSpec;
use anyhow::{Context, Result, anyhow, bail};
use figure::{Figure, Pt, Series};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Options of `tmlab plot`.
#[derive(clap::Args, Debug)]
pub struct PlotArgs {
    /// The run folder to redraw (`results/<time>-<sweep>-<host>`).
    pub dir: PathBuf,
}

/// Redraws every chart of a result folder from its files alone and prints their paths.
pub fn run(args: PlotArgs, dirs: &Dirs) -> Result<()> {
    let loaded = Loaded::load(&args.dir).context("cannot plot")?;
    for path in draw(&loaded, &dirs.plots)? {
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
        Rows::Workload(rows) => return draw_comparison(&run.meta, rows, &dir),
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

/// Draws the charts of a workload sweep into `dir`.
fn draw_comparison(
    meta: &Meta,
    rows: &[crate::results::WorkloadRow],
    dir: &Path,
) -> Result<Vec<PathBuf>> {
    let Some(spec) = meta.spec.scaling() else {
        bail!("workload rows in a {} run", meta.spec.kind());
    };
    let mut out = Vec::new();
    for chart in compare::charts(meta, spec, rows) {
        let svg = dir.join(format!("{}.svg", chart.stem));
        let png = dir.join(format!("{}.png", chart.stem));
        compare::draw(
            &SVGBackend::new(&svg, chart.size).into_drawing_area(),
            &chart,
            meta,
            spec,
            rows,
        )
        .map_err(|e| anyhow!("cannot draw {}: {e:?}", svg.display()))?;
        compare::draw(
            &BitMapBackend::new(&png, chart.size).into_drawing_area(),
            &chart,
            meta,
            spec,
            rows,
        )
        .map_err(|e| anyhow!("cannot draw {}: {e:?}", png.display()))?;
        out.push(svg);
        out.push(png);
    }
    Ok(out)
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
        _ => String::new(),
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
        _ => String::new(),
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
