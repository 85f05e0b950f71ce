//! Drawing a [`Figure`] with plotters onto any backend (SVG and PNG use the same code).
//!
//! Layout, top to bottom: the caption (title; CPU, date and conditions; the mock warning; the
//! partial-run banner), the commit-probability panel with the series legend at its right, and a
//! grid of abort-cause panels (one per series, at most three per row) with the cause legend at
//! its right. The pieces (markers and dashes, error bars, stacked bars, log ticks, number
//! formats) live in their own modules so other charts use the same ones.

use super::bars::{self, Bar};
use super::errorbar::error_bar;
use super::figure::{Figure, Series};
use super::font::FAMILY;
use super::numfmt;
use super::style::{self, SeriesStyle};
use super::ticks::{Ticks, log_ticks};
use crate::kernels::Tally;
use plotters::coord::Shift;
use plotters::coord::combinators::BindKeyPoints;
use plotters::prelude::*;

/// Abort-cause colours, in [`Tally::ABORT_COLUMNS`] order.
pub const CAUSES: [RGBColor; 8] = [
    RGBColor(213, 94, 0),    // conflict
    RGBColor(0, 114, 178),   // capacity
    RGBColor(204, 121, 167), // explicit
    RGBColor(230, 159, 0),   // retry_only
    RGBColor(120, 110, 20),  // nested
    RGBColor(86, 180, 233),  // debug
    RGBColor(127, 127, 127), // status0
    RGBColor(23, 23, 23),    // unknown
];

/// Width of the legend column at the right.
const LEGEND_W: u32 = 330;
/// Grey of grid lines, reference lines and secondary text.
const GRID: RGBColor = RGBColor(225, 225, 225);
const MINOR: RGBColor = RGBColor(243, 243, 243);
const GREY: RGBColor = RGBColor(90, 90, 90);
/// The partial-run banner's colour.
const PARTIAL: RGBColor = RGBColor(180, 70, 0);

fn font(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

type Result<DB> = std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws `fig` on `root`.
pub fn draw_figure<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<DB> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let head_h = fig.head_height();
    let (head, body) = root.split_vertically(head_h);
    head.draw(&Text::new(fig.title.clone(), (24, 12), font(30)))?;
    head.draw(&Text::new(fig.subtitle.clone(), (24, 52), font(18)))?;
    let mut y = 82;
    if let Some(warning) = &fig.warning {
        let style = (FAMILY, 24).into_font().color(&RED);
        head.draw(&Text::new(warning.clone(), (24, y), style))?;
        y += 30;
    }
    for line in fig.partial_lines() {
        let style = (FAMILY, 20).into_font().color(&PARTIAL);
        head.draw(&Text::new(line, (24, y + 2), style))?;
        y += 26;
    }
    let upper_h = 560.min((h - head_h) * 6 / 10);
    let (upper, lower) = body.split_vertically(upper_h);
    let (x0, x1) = fig.x_range();

    let (plot, legend) = upper.split_horizontally(w - LEGEND_W);
    let off_axis = probability_panel(&plot, fig, x0, x1)?;
    series_legend(&legend, fig, &off_axis)?;

    let (grid, legend) = lower.split_horizontally(w - LEGEND_W);
    let cells = grid.split_evenly((fig.panel_rows(), fig.panel_columns()));
    for (i, (area, series)) in cells.iter().zip(&fig.series).enumerate() {
        causes_panel(area, fig, series, x0, x1, i % fig.panel_columns() == 0)?;
    }
    let present: Vec<usize> = (0..8)
        .filter(|&k| {
            fig.series
                .iter()
                .any(|s| s.points.iter().any(|p| p.causes[k] > 0.0))
        })
        .collect();
    causes_legend(&legend, &present)?;
    root.present()
}

/// The series legend: the heading (how to read the chart), one entry per series (sample, label,
/// note), and the reference lines that fall outside the axis.
fn series_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    off_axis: &[String],
) -> Result<DB> {
    let mut y = 20;
    for line in &fig.legend_heading {
        area.draw(&Text::new(line.clone(), (8, y), font(15)))?;
        y += 19;
    }
    y += 16;
    let grey = (FAMILY, 14).into_font().color(&GREY);
    for s in &fig.series {
        let joined = s.links.iter().any(|&l| l);
        style::legend_sample(area, (8, y), &s.style, joined)?;
        area.draw(&Text::new(s.label.clone(), (54, y - 9), font(16)))?;
        if let Some(note) = &s.note {
            area.draw(&Text::new(note.clone(), (54, y + 10), grey.clone()))?;
            y += 18;
        }
        y += 28;
    }
    for line in off_axis {
        area.draw(&Text::new(line.clone(), (8, y), grey.clone()))?;
        y += 18;
    }
    Ok(())
}

/// The cause legend: a heading and one box per cause that occurs.
fn causes_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    present: &[usize],
) -> Result<DB> {
    area.draw(&Text::new("abort causes, stacked,", (8, 24), font(16)))?;
    area.draw(&Text::new("as fractions of attempts", (8, 44), font(16)))?;
    let mut y = 80;
    for &k in present {
        area.draw(&Rectangle::new(
            [(8, y - 8), (30, y + 8)],
            CAUSES[k].filled(),
        ))?;
        area.draw(&Text::new(
            Tally::ABORT_COLUMNS[k].to_string(),
            (40, y - 9),
            font(16),
        ))?;
        y += 28;
    }
    Ok(())
}

/// The ticks of the x axis over `[x0, x1]`, at most `labels` of them labelled.
fn x_ticks(fig: &Figure, x0: f64, x1: f64, labels: usize) -> Ticks {
    log_ticks(x0, x1, fig.x_integers).at_most(labels)
}

/// The commit-probability panel; returns the labels of reference lines outside the axis.
fn probability_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    x0: f64,
    x1: f64,
) -> std::result::Result<Vec<String>, DrawingAreaErrorKind<DB::ErrorType>> {
    let ticks = x_ticks(fig, x0, x1, 14);
    let mut chart = ChartBuilder::on(area)
        .margin(16)
        .margin_top(24)
        .x_label_area_size(60)
        .y_label_area_size(84)
        .build_cartesian_2d(
            (x0..x1)
                .log_scale()
                .with_key_points(ticks.major.clone())
                .with_light_points(ticks.minor.clone()),
            0f64..1.02f64,
        )?;
    chart
        .configure_mesh()
        .x_desc(fig.x_label.clone())
        .y_desc("commit probability (commits / attempts)")
        .x_label_formatter(&|v| numfmt::tick(*v))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .y_labels(11)
        .y_max_light_lines(1)
        .axis_desc_style(font(20))
        .label_style(font(16))
        .light_line_style(MINOR)
        .bold_line_style(GRID)
        .draw()?;
    let plotting = chart.plotting_area();
    let half = SeriesStyle {
        colour: RGBColor(120, 120, 120),
        marker: style::Marker::Circle,
        dash: style::Dash::Dashed,
    };
    style::polyline(plotting, vec![(x0, 0.5), (x1, 0.5)], &half, 1)?;
    let mut off_axis = Vec::new();
    for r in &fig.references {
        if r.x >= x0 && r.x <= x1 {
            let line = SeriesStyle {
                colour: GREY,
                marker: style::Marker::Circle,
                dash: style::Dash::Short,
            };
            style::polyline(plotting, vec![(r.x, 0.0), (r.x, 1.02)], &line, 1)?;
            // The label above the panel's top edge, left-aligned on the line.
            let (px, py) = plotting.map_coordinate(&(r.x, 1.02));
            let (bx, by) = area.get_base_pixel();
            let label = (FAMILY, 14).into_font().color(&GREY);
            area.draw(&Text::new(
                r.label.clone(),
                (px - bx - 4, py - by - 20),
                label,
            ))?;
        } else {
            off_axis.push(format!("{} (outside the axis)", r.label));
        }
    }
    for s in &fig.series {
        series_points(plotting, s)?;
    }
    Ok(off_axis)
}

/// One series: error bars, lines between linked neighbours, then markers on top.
fn series_points<DB: DrawingBackend, CT: plotters::coord::CoordTranslate<From = (f64, f64)>>(
    area: &DrawingArea<DB, CT>,
    s: &Series,
) -> Result<DB> {
    for p in &s.points {
        if p.max > p.min {
            error_bar(area, (p.x, p.min), (p.x, p.max), s.style.colour)?;
        }
    }
    let mut run: Vec<(f64, f64)> = Vec::new();
    for (i, p) in s.points.iter().enumerate() {
        run.push((p.x, p.median));
        let linked = s.links.get(i).copied().unwrap_or(false);
        if !linked {
            if run.len() > 1 {
                style::polyline(area, std::mem::take(&mut run), &s.style, 2)?;
            }
            run.clear();
        }
    }
    for p in &s.points {
        style::marker(area, (p.x, p.median), &s.style, p.complete)?;
    }
    Ok(())
}

/// The abort causes of one series: a stacked bar per measured point (only causes that occur).
fn causes_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    s: &Series,
    x0: f64,
    x1: f64,
    y_desc: bool,
) -> Result<DB> {
    let ticks = x_ticks(fig, x0, x1, 6);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .caption(format!("aborts: {}", s.label), font(18))
        .x_label_area_size(48)
        .y_label_area_size(if y_desc { 84 } else { 48 })
        .build_cartesian_2d(
            (x0..x1)
                .log_scale()
                .with_key_points(ticks.major.clone())
                .with_light_points(ticks.minor.clone()),
            0f64..1.02f64,
        )?;
    chart
        .configure_mesh()
        .x_desc(fig.x_short.clone())
        .y_desc(if y_desc { "fraction of attempts" } else { "" })
        .x_label_formatter(&|v| numfmt::tick(*v))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .y_labels(6)
        .y_max_light_lines(1)
        .axis_desc_style(font(16))
        .label_style(font(14))
        .light_line_style(MINOR)
        .bold_line_style(GRID)
        .draw()?;
    let plotting = chart.plotting_area();
    if s.points.is_empty() {
        let (w, h) = plotting.dim_in_pixel();
        let style = (FAMILY, 16).into_font().color(&GREY);
        let text = "not measured: the run stopped first";
        plotting.strip_coord_spec().draw(&Text::new(
            text,
            (w as i32 / 2 - 130, h as i32 / 2),
            style,
        ))?;
        return Ok(());
    }
    let pixel_xs: Vec<i32> = s
        .points
        .iter()
        .map(|p| plotting.map_coordinate(&(p.x, 0.0)).0)
        .collect();
    let bars: Vec<Bar<'_>> = s
        .points
        .iter()
        .map(|p| Bar {
            x: p.x,
            segments: &p.causes,
        })
        .collect();
    bars::stacked_bars(plotting, &bars, &CAUSES, &bars::widths(&pixel_xs, 12))
}
