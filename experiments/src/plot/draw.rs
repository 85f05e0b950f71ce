//! Drawing a [`Figure`] with plotters onto any backend (SVG and PNG use the same code).
//!
//! Layout, top to bottom: the caption (title; CPU, date and conditions; the mock warning), the
//! commit-probability panel with the series legend at its right, and a grid of abort-cause panels
//! (one per series, at most three per row) with the cause legend at its right.

use super::figure::{Figure, Pt, Series};
use super::font::FAMILY;
use crate::kernels::Tally;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Series colours (Tableau 10), in order.
const SERIES: [RGBColor; 10] = [
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

/// Abort-cause colours, in [`Tally::ABORT_COLUMNS`] order.
const CAUSES: [RGBColor; 8] = [
    RGBColor(214, 39, 40),   // conflict
    RGBColor(31, 119, 180),  // capacity
    RGBColor(148, 103, 189), // explicit
    RGBColor(255, 187, 120), // retry_only
    RGBColor(140, 86, 75),   // nested
    RGBColor(227, 119, 194), // debug
    RGBColor(127, 127, 127), // status0
    RGBColor(23, 23, 23),    // unknown
];

/// Width of the legend column at the right.
const LEGEND_W: u32 = 250;

fn font(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// Axis tick labels: whole numbers as such, others with three decimals at most.
fn tick(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v.abs() >= 1.0 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// The log-scale x range covering every point, with a margin.
fn x_range(fig: &Figure) -> (f64, f64) {
    let xs = fig.series.iter().flat_map(|s| s.points.iter().map(|p| p.x));
    let (lo, hi) = xs.fold((f64::INFINITY, 0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    if !lo.is_finite() || lo <= 0.0 {
        return (0.5, 2.0);
    }
    (lo / 1.25, hi * 1.25)
}

/// Draws `fig` on `root`.
pub fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let head_h = if fig.warning.is_some() { 112 } else { 84 };
    let (head, body) = root.split_vertically(head_h);
    head.draw(&Text::new(fig.title.clone(), (24, 12), font(30)))?;
    head.draw(&Text::new(fig.subtitle.clone(), (24, 52), font(18)))?;
    if let Some(warning) = &fig.warning {
        let style = (FAMILY, 26).into_font().color(&RED);
        head.draw(&Text::new(warning.clone(), (24, 80), style))?;
    }
    let upper_h = 560.min((h - head_h) * 6 / 10);
    let (upper, lower) = body.split_vertically(upper_h);
    let (x0, x1) = x_range(fig);

    let (plot, legend) = upper.split_horizontally(w - LEGEND_W);
    probability_panel(&plot, fig, x0, x1)?;
    let entries: Vec<Entry> = fig
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| Entry {
            label: s.label.clone(),
            note: s.note.clone(),
            colour: SERIES[i % SERIES.len()],
        })
        .collect();
    legend_column(
        &legend,
        "median over reps;",
        "band: min to max",
        &entries,
        false,
    )?;

    let (grid, legend) = lower.split_horizontally(w - LEGEND_W);
    let cells = grid.split_evenly((fig.panel_rows(), fig.panel_columns()));
    for (i, (area, series)) in cells.iter().zip(&fig.series).enumerate() {
        causes_panel(area, fig, series, x0, x1, i % fig.panel_columns() == 0)?;
    }
    let present: Vec<Entry> = (0..8)
        .filter(|&k| {
            fig.series
                .iter()
                .any(|s| s.points.iter().any(|p| p.causes[k] > 0.0))
        })
        .map(|k| Entry {
            label: Tally::ABORT_COLUMNS[k].to_string(),
            note: None,
            colour: CAUSES[k],
        })
        .collect();
    legend_column(&legend, "abort cause", "(stacked)", &present, true)?;
    root.present()
}

/// A legend drawn in its own column: a two-line heading, then one entry per line.
fn legend_column<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    heading2: &str,
    entries: &[Entry],
    boxes: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.draw(&Text::new(heading.to_string(), (8, 24), font(16)))?;
    area.draw(&Text::new(heading2.to_string(), (8, 44), font(16)))?;
    let mut y = 80;
    for e in entries {
        let c = e.colour;
        if boxes {
            area.draw(&Rectangle::new([(8, y - 8), (30, y + 8)], c.filled()))?;
        } else {
            area.draw(&PathElement::new(vec![(8, y), (30, y)], c.stroke_width(3)))?;
            area.draw(&Circle::new((19, y), 4, c.filled()))?;
        }
        area.draw(&Text::new(e.label.clone(), (40, y - 9), font(16)))?;
        if let Some(note) = &e.note {
            let grey = (FAMILY, 14).into_font().color(&RGBColor(90, 90, 90));
            area.draw(&Text::new(note.clone(), (40, y + 11), grey))?;
            y += 20;
        }
        y += 28;
    }
    Ok(())
}

/// One legend line (and an optional note under it).
struct Entry {
    label: String,
    note: Option<String>,
    colour: RGBColor,
}

fn probability_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    x0: f64,
    x1: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .x_label_area_size(60)
        .y_label_area_size(84)
        .build_cartesian_2d((x0..x1).log_scale(), 0f64..1.02f64)?;
    chart
        .configure_mesh()
        .x_desc(fig.x_label.clone())
        .y_desc("commit probability (commits / attempts)")
        .x_label_formatter(&tick)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .axis_desc_style(font(20))
        .label_style(font(16))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
    chart.draw_series(LineSeries::new(
        [(x0, 0.5), (x1, 0.5)],
        RGBColor(120, 120, 120).stroke_width(1),
    ))?;
    for (i, s) in fig.series.iter().enumerate() {
        let c = SERIES[i % SERIES.len()];
        if s.points.len() > 1 {
            let band: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|p| (p.x, p.max))
                .chain(s.points.iter().rev().map(|p| (p.x, p.min)))
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(band, c.mix(0.25).filled())))?;
        }
        chart.draw_series(LineSeries::new(
            s.points.iter().map(|p| (p.x, p.median)),
            c.stroke_width(2),
        ))?;
        chart.draw_series(
            s.points
                .iter()
                .map(|p| Circle::new((p.x, p.median), 3, c.filled())),
        )?;
    }
    Ok(())
}

/// The abort causes of one series, stacked as fractions of attempts (only causes that occur).
fn causes_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    s: &Series,
    x0: f64,
    x1: f64,
    y_desc: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .caption(format!("aborts: {}", s.label), font(18))
        .x_label_area_size(48)
        .y_label_area_size(if y_desc { 84 } else { 48 })
        .build_cartesian_2d((x0..x1).log_scale(), 0f64..1.02f64)?;
    chart
        .configure_mesh()
        .x_desc(fig.x_short.clone())
        .y_desc(if y_desc { "fraction of attempts" } else { "" })
        .x_label_formatter(&tick)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .x_labels(6)
        .y_labels(6)
        .axis_desc_style(font(16))
        .label_style(font(14))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
    let mut below: Vec<f64> = vec![0.0; s.points.len()];
    for (k, colour) in CAUSES.iter().enumerate() {
        if !s.points.iter().any(|p| p.causes[k] > 0.0) {
            continue;
        }
        let above: Vec<f64> = below
            .iter()
            .zip(&s.points)
            .map(|(b, p): (&f64, &Pt)| b + p.causes[k])
            .collect();
        let shape: Vec<(f64, f64)> = s
            .points
            .iter()
            .zip(&above)
            .map(|(p, &y)| (p.x, y))
            .chain(s.points.iter().zip(&below).rev().map(|(p, &y)| (p.x, y)))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(shape, colour.filled())))?;
        below = above;
    }
    Ok(())
}
