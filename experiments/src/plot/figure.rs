//! A figure, independent of the sweep it shows: series of measured points (median, min-max
//! spread over repetitions, pooled abort causes), which of them to join, how each series is
//! styled, reference lines, and the captions (including the marks of a partial run).
//!
//! The capacity and duration charts are both built as a [`Figure`] and drawn by
//! [`super::draw::draw_figure`]: a top panel with the commit probability against `x` (log
//! scale), one marker per measured point with a min-max error bar, lines only between neighbours
//! of a regular grid ([`super::links`]); beneath it one panel per series with the abort causes of
//! each point as a stacked bar.

use super::style::SeriesStyle;
use crate::analysis::PointStats;
use crate::kernels::Tally;

/// One measured point of a series, in chart units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pt {
    /// Position on the x axis (lines, or microseconds).
    pub x: f64,
    /// Median commit rate over repetitions.
    pub median: f64,
    /// Lowest commit rate.
    pub min: f64,
    /// Highest commit rate.
    pub max: f64,
    /// Whether every planned repetition is recorded (drawn filled; hollow otherwise).
    pub complete: bool,
    /// Aborts by cause as fractions of all attempts, in [`Tally::ABORT_COLUMNS`] order.
    pub causes: [f64; 8],
}

impl Pt {
    /// Converts statistics, mapping the swept value with `x_of`; `planned_reps` decides whether
    /// the point is complete.
    pub fn from_stats(s: &PointStats, x_of: impl Fn(u64) -> f64, planned_reps: u32) -> Pt {
        let t: &Tally = &s.pooled;
        Pt {
            x: x_of(s.x),
            median: s.median,
            min: s.min,
            max: s.max,
            complete: s.reps >= planned_reps as usize,
            causes: t.abort_counts().map(|c| c as f64 / t.attempts as f64),
        }
    }
}

/// A named series.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// A second legend line (what the series shows about its 50 % point), when there is one.
    pub note: Option<String>,
    /// Colour, marker and dash.
    pub style: SeriesStyle,
    /// Measured points in increasing `x` (empty for a curve the run never reached).
    pub points: Vec<Pt>,
    /// `links[i]`: join `points[i]` and `points[i + 1]` with a line.
    pub links: Vec<bool>,
}

/// A vertical reference line (for example the L1D size) with its label.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// Where, in x-axis units.
    pub x: f64,
    /// What it marks.
    pub label: String,
}

/// Everything drawn in one chart.
#[derive(Clone, Debug)]
pub struct Figure {
    /// First caption line: what is plotted (with ` [PARTIAL: ...]` for a partial run).
    pub title: String,
    /// Second caption line: CPU, date and measurement conditions.
    pub subtitle: String,
    /// Set for mock data: drawn as a red banner.
    pub warning: Option<String>,
    /// Set for a partial run: drawn as a banner under the title (see [`super::partial`]).
    pub partial: Option<String>,
    /// x-axis description with unit.
    pub x_label: String,
    /// A short x-axis description for the small cause panels.
    pub x_short: String,
    /// Whether x values are whole numbers (no fractional ticks).
    pub x_integers: bool,
    /// The legend's heading: how to read markers, bars and lines.
    pub legend_heading: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
    /// Reference lines.
    pub references: Vec<Reference>,
}

impl Figure {
    /// Columns of the grid of cause panels.
    pub fn panel_columns(&self) -> usize {
        self.series.len().clamp(1, 3)
    }

    /// Rows of the grid of cause panels.
    pub fn panel_rows(&self) -> usize {
        self.series.len().max(1).div_ceil(self.panel_columns())
    }

    /// The partial-run banner in lines of at most about 125 characters (split after `; `).
    pub fn partial_lines(&self) -> Vec<String> {
        let Some(text) = &self.partial else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        let mut rest = text.as_str();
        while rest.chars().count() > 125 {
            let cut: usize = rest.char_indices().nth(125).map_or(rest.len(), |(i, _)| i);
            match rest[..cut].rfind("; ") {
                Some(at) => {
                    lines.push(rest[..=at].to_string());
                    rest = &rest[at + 2..];
                }
                None => break,
            }
        }
        lines.push(rest.to_string());
        lines
    }

    /// Height of the caption block, in pixels.
    pub fn head_height(&self) -> u32 {
        84 + 30 * u32::from(self.warning.is_some()) + 26 * self.partial_lines().len() as u32
    }

    /// Size in pixels: taller when the cause panels need more than one row.
    pub fn size(&self) -> (u32, u32) {
        (
            1500,
            1000 + 320 * (self.panel_rows() as u32 - 1) + self.head_height() - 84,
        )
    }

    /// The x range covering every point (log scale, with a margin); `(0.5, 2)` when empty.
    pub fn x_range(&self) -> (f64, f64) {
        let xs = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.x));
        let (lo, hi) = xs.fold((f64::INFINITY, 0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
        if !lo.is_finite() || lo <= 0.0 {
            return (0.5, 2.0);
        }
        (lo / 1.25, hi * 1.25)
    }
}
