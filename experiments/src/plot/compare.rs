//! The charts of the workload sweeps: backends side by side.
//!
//! `threads` runs get `throughput` (throughput against threads, one line per backend, median with
//! min-max whiskers over repetitions) and `aborts` (abort rate against threads; beneath it the
//! abort causes as stacked bars per backend and thread count, with the share of transactions that
//! ran on the fallback path marked on each bar). `txsize` runs get `throughput` and `aborts` with
//! the transaction size on a log axis, one panel per thread count, each HTM backend's crossover
//! (where it stops beating the best software TM) drawn as a dashed line, and `heatmap`: every
//! size x threads cell coloured by its fastest backend and labelled with its margin over the
//! runner-up.
//!
//! Every backend keeps one colour and one marker shape in all charts. Backends that were not run
//! are listed in the caption with the reason; a run that is not complete says so in the title.

use super::font::FAMILY;
use super::wrap::wrap_in;
use crate::comparison::Comparison;
use crate::results::{Meta, Status, WorkloadRow};
use crate::stats::{Spread, si};
use crate::sweep::scaling::ScalingSpec;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::prelude::*;
use tm::AbortCause;

/// Backend colours (Tableau 10), by the backend's position in the spec.
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Abort-cause colours, by [`AbortCause::index`].
pub(super) const CAUSE_COLOURS: [RGBColor; AbortCause::COUNT] = [
    RGBColor(214, 39, 40),   // conflict
    RGBColor(31, 119, 180),  // capacity
    RGBColor(148, 103, 189), // explicit
    RGBColor(255, 127, 14),  // lock_busy
    RGBColor(255, 187, 120), // retry_only
    RGBColor(140, 86, 75),   // nested
    RGBColor(227, 119, 194), // debug
    RGBColor(127, 127, 127), // status0
    RGBColor(44, 160, 44),   // read_validation
    RGBColor(152, 223, 138), // locked_at_read
    RGBColor(23, 190, 207),  // locked_at_commit
];

/// Width of every workload chart.
pub(super) const WIDTH: u32 = 1500;
/// Width of the legend column.
pub(super) const LEGEND_W: u32 = 300;
/// Colour of grid lines.
pub(super) const GRID: RGBColor = RGBColor(225, 225, 225);

/// Black text of `size` pixels.
pub(super) fn font(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// Grey text of `size` pixels.
pub(super) fn grey(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&RGBColor(90, 90, 90))
}

/// A chart of a workload sweep, ready to draw on any backend.
pub struct Chart {
    /// File stem (`throughput`, `aborts`, `heatmap`).
    pub stem: &'static str,
    /// Size in pixels.
    pub size: (u32, u32),
    kind: ChartKind,
    caption: Caption,
}

enum ChartKind {
    Throughput,
    Aborts,
    Heatmap,
}

/// The lines above every chart.
pub(super) struct Caption {
    pub(super) title: String,
    pub(super) lines: Vec<String>,
    pub(super) warning: Option<String>,
}

/// What the charts need of a run.
struct Data<'a> {
    meta: &'a Meta,
    spec: &'a ScalingSpec,
    cmp: Comparison,
}

impl Data<'_> {
    fn colour(&self, backend: &str) -> RGBColor {
        let i = self
            .spec
            .backends
            .iter()
            .position(|b| b.name == backend)
            .unwrap_or(0);
        COLOURS[i % COLOURS.len()]
    }

    fn marker(&self, backend: &str) -> usize {
        self.spec
            .backends
            .iter()
            .position(|b| b.name == backend)
            .unwrap_or(0)
    }

    fn txsize(&self) -> bool {
        self.spec.sizes.is_some()
    }
}

/// The charts of a workload run, or none if it has no rows.
pub fn charts(meta: &Meta, spec: &ScalingSpec, rows: &[WorkloadRow]) -> Vec<Chart> {
    let order: Vec<String> = spec.backends.iter().map(|b| b.name.clone()).collect();
    let cmp = Comparison::of(rows, &order);
    let panels = if spec.sizes.is_some() {
        cmp.threads.len().max(1) as u32
    } else {
        1
    };
    let rows_of_panels = panels.div_ceil(3);
    let mut out = vec![
        Chart {
            stem: "throughput",
            size: (WIDTH, 230 + 620 * rows_of_panels),
            kind: ChartKind::Throughput,
            caption: caption(meta, spec, "throughput"),
        },
        Chart {
            stem: "aborts",
            size: (
                WIDTH,
                if spec.sizes.is_some() {
                    230 + 620 * rows_of_panels
                } else {
                    1250
                },
            ),
            kind: ChartKind::Aborts,
            caption: caption(meta, spec, "aborts"),
        },
    ];
    if spec.sizes.is_some() {
        out.push(Chart {
            stem: "heatmap",
            size: (WIDTH, 330 + 90 * cmp.threads.len().max(1) as u32),
            kind: ChartKind::Heatmap,
            caption: caption(meta, spec, "heatmap"),
        });
    }
    out
}

/// The caption of chart `which` of a workload run (`modelled HTM - ` in the title of model runs).
pub(super) fn caption(meta: &Meta, spec: &ScalingSpec, which: &str) -> Caption {
    let what = match (which, spec.sizes.as_ref()) {
        ("throughput", None) => "throughput against threads".to_string(),
        ("throughput", Some(_)) => "throughput against transaction size".to_string(),
        ("aborts", None) => "abort rate and abort causes against threads".to_string(),
        ("aborts", Some(_)) => "abort rate against transaction size".to_string(),
        ("sites", _) => "time lost in aborts by site and cause".to_string(),
        _ => "fastest backend per transaction size and thread count".to_string(),
    };
    let partial = match meta.status {
        Status::Complete => "",
        Status::Interrupted => " (PARTIAL: interrupted run)",
        Status::Running => " (PARTIAL: run not finished)",
    };
    let date = meta.started.get(..10).unwrap_or(&meta.started);
    let mut lines = vec![
        format!("{} - {date}", meta.machine.cpu_label()),
        if which == "sites" {
            format!(
                "{}; {}; {} reps",
                spec.workload.describe(),
                spec.measurement.describe(),
                spec.reps
            )
        } else {
            format!(
                "{}; {}; median of {} reps, whiskers min to max",
                spec.workload.describe(),
                spec.measurement.describe(),
                spec.reps
            )
        },
    ];
    if let Some(axis) = &spec.sizes {
        lines.push(format!(
            "transaction size sets {} ({})",
            crate::sweep::report::name(&axis.knob),
            match axis.knob {
                crate::bench::workload::Knob::Both => "reads = writes = size",
                crate::bench::workload::Knob::Reads => "reads = size",
                crate::bench::workload::Knob::Writes => "writes = size",
                crate::bench::workload::Knob::Chunk => "bytecodes per transaction",
                crate::bench::workload::Knob::Initial => "initial size = size, range = 2 x size",
            }
        ));
    }
    for s in &meta.skipped {
        let t: Vec<String> = s.threads.iter().map(u64::to_string).collect();
        lines.push(format!(
            "not run: {} at {} thread(s): {}",
            s.backend,
            t.join(","),
            s.reason
        ));
    }
    if meta.oversubscribed {
        lines.push("more threads than cores at some points: threads share cores".into());
    }
    let modelled = if meta.hardware == crate::results::Hardware::Model {
        for b in spec.backends.iter() {
            if let crate::backends::Kind::Model { model, .. } = &b.kind {
                lines.push(format!(
                    "{}: modelled HTM {} ({}), not real hardware",
                    b.name,
                    model.config.name,
                    model.config.summary()
                ));
            }
        }
        if which == "throughput" || which == "heatmap" {
            lines.push(crate::comparison::MODEL_SPEED.to_string());
        }
        "modelled HTM - "
    } else {
        ""
    };
    Caption {
        title: format!("{modelled}{}: {what}{partial}", spec.workload.name()),
        lines,
        warning: meta
            .is_mock()
            .then(|| crate::sweep::report::MOCK_BANNER.to_string()),
    }
}

/// Fills `root` white, draws `caption` at its top and returns the area below.
pub(super) fn draw_head<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    caption: &Caption,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    // Lines too long for the chart's width continue on the next line (24 px margins).
    let max = root.dim_in_pixel().0.saturating_sub(48);
    let lines: Vec<String> = caption
        .lines
        .iter()
        .flat_map(|l| wrap_in(root, l, &grey(17), max))
        .collect();
    let warning_style = (FAMILY, 24).into_font().color(&RED);
    let warning: Vec<String> = caption
        .warning
        .iter()
        .flat_map(|w| wrap_in(root, w, &warning_style, max))
        .collect();
    let head_h = 56 + 24 * lines.len() as u32 + 30 * warning.len() as u32;
    let (head, body) = root.split_vertically(head_h);
    head.draw(&Text::new(caption.title.clone(), (24, 12), font(28)))?;
    let mut y = 52;
    for l in lines {
        head.draw(&Text::new(l, (24, y), grey(17)))?;
        y += 24;
    }
    for w in warning {
        head.draw(&Text::new(w, (24, y), warning_style.clone()))?;
        y += 30;
    }
    Ok(body)
}

/// Draws `chart` of the run on `root`.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart,
    meta: &Meta,
    spec: &ScalingSpec,
    rows: &[WorkloadRow],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let order: Vec<String> = spec.backends.iter().map(|b| b.name.clone()).collect();
    let data = Data {
        meta,
        spec,
        cmp: Comparison::of(rows, &order),
    };
    let _ = data.meta;
    let body = draw_head(root, &chart.caption)?;
    let (w, _) = body.dim_in_pixel();
    let (plot, legend) = body.split_horizontally(w - LEGEND_W);
    match chart.kind {
        ChartKind::Throughput | ChartKind::Aborts if data.txsize() => {
            per_thread_panels(&plot, &data, matches!(chart.kind, ChartKind::Throughput))?;
            backend_legend(&legend, &data, 0)?;
        }
        ChartKind::Throughput => {
            threads_panel(&plot, &data, Metric::Throughput)?;
            backend_legend(&legend, &data, 0)?;
        }
        ChartKind::Aborts => {
            let (_, h) = plot.dim_in_pixel();
            let (top, bottom) = plot.split_vertically(h * 45 / 100);
            threads_panel(&top, &data, Metric::AbortRate)?;
            let (_, lh) = legend.dim_in_pixel();
            let (l_top, l_bottom) = legend.split_vertically(lh * 45 / 100);
            backend_legend(&l_top, &data, 0)?;
            let present = causes_bars(&bottom, &data)?;
            cause_legend(&l_bottom, &present)?;
        }
        ChartKind::Heatmap => {
            heatmap(&plot, &data)?;
            backend_legend(&legend, &data, 0)?;
        }
    }
    root.present()
}

#[derive(Clone, Copy)]
enum Metric {
    Throughput,
    AbortRate,
}

impl Metric {
    fn of(self, p: &crate::comparison::PointSummary) -> Spread {
        match self {
            Metric::Throughput => p.throughput,
            Metric::AbortRate => p.abort_rate,
        }
    }
    fn desc(self) -> &'static str {
        match self {
            Metric::Throughput => "throughput (transactions per second)",
            Metric::AbortRate => "abort rate (aborts per attempt, cancellations excluded)",
        }
    }
    fn fmt(self, v: f64) -> String {
        match self {
            Metric::Throughput => si(v),
            Metric::AbortRate => format!("{:.0} %", 100.0 * v),
        }
    }
}

/// Draws one marker of shape `k` at `at`.
fn marker<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    at: (X::ValueType, Y::ValueType),
    k: usize,
    c: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    X::ValueType: Clone + 'static,
    Y::ValueType: Clone + 'static,
{
    let style = c.filled();
    match k % 4 {
        0 => chart.draw_series(std::iter::once(Circle::new(at, 5, style)))?,
        1 => chart.draw_series(std::iter::once(
            EmptyElement::at(at) + Rectangle::new([(-5, -5), (5, 5)], style),
        ))?,
        2 => chart.draw_series(std::iter::once(TriangleMarker::new(at, 7, style)))?,
        _ => chart.draw_series(std::iter::once(Cross::new(at, 6, c.stroke_width(3))))?,
    };
    Ok(())
}

/// A metric against threads, one line per backend (threads sweeps).
fn threads_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &Data<'_>,
    metric: Metric,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let threads: Vec<f64> = data.cmp.threads.iter().map(|&t| f64::from(t)).collect();
    let (lo, hi) = (
        threads.first().copied().unwrap_or(1.0),
        threads.last().copied().unwrap_or(1.0),
    );

    let ymax = data
        .cmp
        .points
        .values()
        .map(|p| metric.of(p).max)
        .fold(0.0, f64::max)
        .max(match metric {
            Metric::Throughput => 1.0,
            Metric::AbortRate => 0.05,
        })
        * 1.1;
    let mut chart = ChartBuilder::on(area)
        .margin(18)
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(
            ((lo / 1.3)..(hi * 1.3))
                .log_scale()
                .with_key_points(threads.clone()),
            0f64..ymax,
        )?;
    chart
        .configure_mesh()
        .x_desc("threads (log scale)")
        .y_desc(metric.desc())
        .x_label_formatter(&|v| format!("{}", v.round() as i64))
        .y_label_formatter(&|v| metric.fmt(*v))
        .axis_desc_style(font(19))
        .label_style(font(16))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()?;
    for b in &data.cmp.backends {
        let c = data.colour(b);
        let pts: Vec<(f64, Spread)> = data
            .cmp
            .threads
            .iter()
            .filter_map(|&t| {
                data.cmp
                    .get(b, t, None)
                    .map(|p| (f64::from(t), metric.of(p)))
            })
            .collect();
        chart.draw_series(LineSeries::new(
            pts.iter().map(|(x, s)| (*x, s.median)),
            c.stroke_width(2),
        ))?;
        chart.draw_series(pts.iter().map(|(x, s)| {
            ErrorBar::new_vertical(*x, s.min, s.median, s.max, c.stroke_width(2), 12)
        }))?;
        for (x, s) in &pts {
            marker(&mut chart, (*x, s.median), data.marker(b), c)?;
        }
    }
    Ok(())
}

/// One panel per thread count: throughput or abort rate against size (txsize sweeps).
fn per_thread_panels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &Data<'_>,
    throughput: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = data.cmp.threads.len().max(1);
    let cols = n.min(3);
    let cells = area.split_evenly((n.div_ceil(cols), cols));
    let sizes: Vec<f64> = data.cmp.sizes.iter().map(|&s| s as f64).collect();
    let lo = sizes.first().copied().unwrap_or(1.0);
    let hi = sizes.last().copied().unwrap_or(1.0).max(lo * 2.0);
    let metric = if throughput {
        Metric::Throughput
    } else {
        Metric::AbortRate
    };
    let values: Vec<f64> = data
        .cmp
        .points
        .values()
        .flat_map(|p| [metric.of(p).min, metric.of(p).max])
        .filter(|v| *v > 0.0)
        .collect();
    let ymin = values.iter().copied().fold(f64::INFINITY, f64::min);
    let ymax = values.iter().copied().fold(0.0, f64::max);
    let (y0, y1) = if ymin.is_finite() {
        (ymin / 1.5, ymax * 1.5)
    } else {
        (1.0, 10.0)
    };
    for (cell, &t) in cells.iter().zip(&data.cmp.threads) {
        let x_range = ((lo / 1.3)..(hi * 1.3))
            .log_scale()
            .with_key_points(sizes.clone());
        let builder = || {
            let mut b = ChartBuilder::on(cell);
            b.margin(14)
                .caption(
                    format!("{t} thread{}", if t == 1 { "" } else { "s" }),
                    font(20),
                )
                .x_label_area_size(50)
                .y_label_area_size(84);
            b
        };
        if throughput {
            let mut chart = builder().build_cartesian_2d(x_range, (y0..y1).log_scale())?;
            size_panel(
                &mut chart,
                data,
                t,
                metric,
                "transactions per second (log scale)",
            )?;
            crossover_marks(&mut chart, data, t, y0, y1)?;
        } else {
            let mut chart = builder().build_cartesian_2d(x_range, 0.0..(ymax.max(0.05) * 1.1))?;
            size_panel(&mut chart, data, t, metric, "aborts per attempt")?;
        }
    }
    Ok(())
}

/// The axes and lines of one txsize panel.
fn size_panel<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    data: &Data<'_>,
    t: u32,
    metric: Metric,
    y_desc: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc("transaction size (log scale)")
        .y_desc(y_desc)
        .x_label_formatter(&|v| si(*v))
        .y_label_formatter(&|v| metric.fmt(*v))
        .axis_desc_style(font(16))
        .label_style(font(14))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()?;
    for b in &data.cmp.backends {
        let c = data.colour(b);
        let pts: Vec<(f64, Spread)> = data
            .cmp
            .sizes
            .iter()
            .filter_map(|&s| {
                data.cmp
                    .get(b, t, Some(s))
                    .map(|p| (s as f64, metric.of(p)))
            })
            // A zero cannot be drawn on a log axis; the table still shows it.
            .filter(|(_, s)| matches!(metric, Metric::AbortRate) || s.min > 0.0)
            .collect();
        chart.draw_series(LineSeries::new(
            pts.iter().map(|(x, s)| (*x, s.median)),
            c.stroke_width(2),
        ))?;
        chart.draw_series(pts.iter().map(|(x, s)| {
            ErrorBar::new_vertical(*x, s.min, s.median, s.max, c.stroke_width(2), 10)
        }))?;
        for (x, s) in &pts {
            marker(chart, (*x, s.median), data.marker(b), c)?;
        }
    }
    Ok(())
}

/// Each HTM backend's crossover at `t` threads as a dashed vertical line between the last size
/// where it beat the best software TM and the first where it did not.
fn crossover_marks<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    data: &Data<'_>,
    t: u32,
    y0: f64,
    y1: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for x in data.cmp.crossovers().iter().filter(|x| x.threads == t) {
        if let (Some(a), Some(b)) = (x.last_faster, x.first_slower) {
            let at = ((a as f64) * (b as f64)).sqrt();
            let c = data.colour(&x.htm);
            chart.draw_series(DashedLineSeries::new(
                [(at, y0), (at, y1)],
                8,
                6,
                c.stroke_width(2),
            ))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("{}: slower than the best STM from {}", x.htm, si(b as f64)),
                (at, y1 / 1.3),
                grey(14),
            )))?;
        }
    }
    Ok(())
}

/// The abort causes as stacked bars, one group per thread count and one bar per backend, with
/// the fallback share marked (threads sweeps). Explicit aborts (the workload's own
/// cancellations) are left out, as in the abort rate. Returns the causes drawn, for the legend.
fn causes_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &Data<'_>,
) -> Result<Vec<AbortCause>, DrawingAreaErrorKind<DB::ErrorType>> {
    let nb = data.cmp.backends.len().max(1) as f64;
    let groups = data.cmp.threads.len().max(1);
    let shown = |c: &AbortCause| *c != AbortCause::Explicit;
    let mut ymax = 0.02f64;
    let mut present: Vec<AbortCause> = Vec::new();
    for p in data.cmp.points.values() {
        if p.attempts > 0 {
            let total: u64 = AbortCause::ALL
                .iter()
                .filter(|c| shown(c))
                .map(|c| p.causes[c.index()])
                .sum();
            ymax = ymax.max(total as f64 / p.attempts as f64);
        }
        ymax = ymax.max(p.fallback_share.max);
        for c in AbortCause::ALL.iter().filter(|c| shown(c)) {
            if p.causes[c.index()] > 0 && !present.contains(c) {
                present.push(*c);
            }
        }
    }
    present.sort_by_key(|c| c.index());
    let top = (ymax * 1.18).min(1.2);
    let mut chart = ChartBuilder::on(area)
        .margin(18)
        .caption(
            "abort causes (stacked, share of attempts; cancellations excluded) and fallback share (black bar)",
            font(17),
        )
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(0f64..groups as f64, 0f64..top)?;
    let threads = data.cmp.threads.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(groups * 2 + 1)
        .x_label_formatter(&|v| {
            let i = (v - 0.5).round();
            match threads.get(i as usize) {
                Some(t) if (v - 0.5 - i).abs() < 1e-6 && i >= 0.0 => {
                    format!("{t} thread{}", if *t == 1 { "" } else { "s" })
                }
                _ => String::new(),
            }
        })
        .y_desc("share of attempts (bars) or of transactions (black)")
        .y_label_formatter(&|v| format!("{:.0} %", 100.0 * v))
        .axis_desc_style(font(17))
        .label_style(font(16))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()?;
    let slot = 0.8 / nb;
    for (g, &t) in data.cmp.threads.iter().enumerate() {
        for (i, b) in data.cmp.backends.iter().enumerate() {
            let Some(p) = data.cmp.get(b, t, None) else {
                continue;
            };
            let x0 = g as f64 + 0.1 + i as f64 * slot;
            let x1 = x0 + slot * 0.7;
            let mut below = 0.0;
            if p.attempts > 0 {
                for c in &present {
                    let h = p.causes[c.index()] as f64 / p.attempts as f64;
                    if h > 0.0 {
                        chart.draw_series(std::iter::once(Rectangle::new(
                            [(x0, below), (x1, below + h)],
                            CAUSE_COLOURS[c.index()].filled(),
                        )))?;
                        below += h;
                    }
                }
            }
            let fs = p.fallback_share.median;
            if fs > 0.0 {
                let xf = x1 + slot * 0.08;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(xf, 0.0), (xf, fs)],
                    BLACK.stroke_width(4),
                )))?;
                below = below.max(fs);
            }
            chart.draw_series(std::iter::once(Text::new(
                b.clone(),
                (x0, below + top * 0.055),
                (FAMILY, 14).into_font().color(&data.colour(b)),
            )))?;
        }
    }
    Ok(present)
}

/// Cells of size x threads coloured by the fastest backend, labelled with its margin.
fn heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &Data<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (ns, nt) = (data.cmp.sizes.len().max(1), data.cmp.threads.len().max(1));
    let mut chart = ChartBuilder::on(area)
        .margin(18)
        .caption(
            "colour: fastest backend (median throughput); label: its margin over the runner-up",
            font(17),
        )
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(0f64..ns as f64, 0f64..nt as f64)?;
    let sizes = data.cmp.sizes.clone();
    let threads = data.cmp.threads.clone();
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("transaction size")
        .y_desc("threads")
        .x_labels(ns * 2 + 1)
        .y_labels(nt * 2 + 1)
        .x_label_formatter(&|v| {
            let i = (v - 0.5).round();
            if (v - 0.5 - i).abs() < 1e-6 && i >= 0.0 {
                sizes
                    .get(i as usize)
                    .map_or(String::new(), |s| si(*s as f64))
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| {
            let i = (v - 0.5).round();
            if (v - 0.5 - i).abs() < 1e-6 && i >= 0.0 {
                threads
                    .get(i as usize)
                    .map_or(String::new(), u32::to_string)
            } else {
                String::new()
            }
        })
        .axis_desc_style(font(19))
        .label_style(font(16))
        .draw()?;
    for (yi, &t) in data.cmp.threads.iter().enumerate() {
        for (xi, &s) in data.cmp.sizes.iter().enumerate() {
            let (x, y) = (xi as f64, yi as f64);
            let Some(f) = data.cmp.fastest(t, Some(s)) else {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.02, y + 0.04), (x + 0.98, y + 0.96)],
                    RGBColor(240, 240, 240).filled(),
                )))?;
                continue;
            };
            let c = data.colour(&f.backend);
            // Stronger colour for a larger margin: 1.0x pale, 2x and more full.
            let strength = f.margin.map_or(1.0, |m| ((m - 1.0) / 1.0).clamp(0.15, 1.0));
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x + 0.02, y + 0.04), (x + 0.98, y + 0.96)],
                c.mix(0.25 + 0.75 * strength).filled(),
            )))?;
            let margin = match f.margin {
                Some(m) if m.is_finite() => format!("{m:.2}x"),
                Some(_) => "only one".into(),
                None => String::new(),
            };
            chart.draw_series(std::iter::once(Text::new(
                f.backend.clone(),
                (x + 0.08, y + 0.68),
                font(15),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                margin,
                (x + 0.08, y + 0.40),
                font(15),
            )))?;
        }
    }
    Ok(())
}

/// The backends, with colour and marker, and those not run.
fn backend_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &Data<'_>,
    top: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.draw(&Text::new("backend".to_string(), (8, top + 24), font(18)))?;
    let max = area.dim_in_pixel().0.saturating_sub(58);
    let mut y = top + 62;
    for b in &data.spec.backends {
        let ran = data.cmp.backends.contains(&b.name);
        let c = if ran {
            data.colour(&b.name)
        } else {
            RGBColor(190, 190, 190)
        };
        area.draw(&PathElement::new(vec![(8, y), (40, y)], c.stroke_width(3)))?;
        let at = (24, y);
        match data.marker(&b.name) % 4 {
            0 => area.draw(&Circle::new(at, 5, c.filled()))?,
            1 => area.draw(&Rectangle::new([(19, y - 5), (29, y + 5)], c.filled()))?,
            2 => area.draw(&TriangleMarker::new(at, 7, c.filled()))?,
            _ => area.draw(&Cross::new(at, 6, c.stroke_width(3)))?,
        }
        // Long names (a model's path) continue on further lines within the legend column.
        for (i, line) in wrap_in(area, &b.name, &font(17), max)
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                y += 20;
            }
            area.draw(&Text::new(line, (50, y - 10), font(17)))?;
        }
        if !ran {
            area.draw(&Text::new(
                "not run (see caption)".to_string(),
                (50, y + 10),
                grey(13),
            ))?;
            y += 18;
        }
        y += 32;
    }
    Ok(())
}

/// The heading "abort cause" and a colour swatch per cause in `present`; returns the height
/// of the next legend line (shared with the sites chart).
pub(super) fn cause_swatches<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    present: &[AbortCause],
) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
    area.draw(&Text::new("abort cause".to_string(), (8, 40), font(18)))?;
    let mut y = 76;
    for c in present {
        area.draw(&Rectangle::new(
            [(8, y - 8), (30, y + 8)],
            CAUSE_COLOURS[c.index()].filled(),
        ))?;
        area.draw(&Text::new(c.name().to_string(), (40, y - 9), font(16)))?;
        y += 28;
    }
    Ok(y)
}

fn cause_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    present: &[AbortCause],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let y = cause_swatches(area, present)?;
    area.draw(&PathElement::new(
        vec![(19, y - 8), (19, y + 8)],
        BLACK.stroke_width(4),
    ))?;
    area.draw(&Text::new(
        "fallback share".to_string(),
        (40, y - 9),
        font(16),
    ))?;
    if present.is_empty() {
        area.draw(&Text::new(
            "(no aborts)".to_string(),
            (40, y + 20),
            grey(14),
        ))?;
    }
    Ok(())
}
