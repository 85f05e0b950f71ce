//! A figure, independent of the sweep it shows: series of points with median and min-max spread
//! of the commit rate, and the pooled abort causes of each point.
//!
//! The capacity and duration charts are both built as a [`Figure`] and drawn by
//! [`super::draw_figure`]: a top panel with the commit probability against `x` (log scale), one
//! median line per series over a shaded min-max band, and beneath it one panel per series with the
//! abort causes stacked as fractions of all attempts.

use crate::analysis::PointStats;
use crate::kernels::Tally;

/// One point of a series, in chart units.
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
    /// Aborts by cause as fractions of all attempts, in [`Tally::ABORT_COLUMNS`] order.
    pub causes: [f64; 8],
}

impl Pt {
    /// Converts statistics, mapping the swept value with `x_of`.
    pub fn from_stats(s: &PointStats, x_of: impl Fn(u64) -> f64) -> Pt {
        let t: &Tally = &s.pooled;
        Pt {
            x: x_of(s.x),
            median: s.median,
            min: s.min,
            max: s.max,
            causes: t.abort_counts().map(|c| c as f64 / t.attempts as f64),
        }
    }
}

/// A named series.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// A second legend line (the 50 % point), when there is one.
    pub note: Option<String>,
    /// Points in increasing `x`.
    pub points: Vec<Pt>,
}

/// Everything drawn in one chart.
#[derive(Clone, Debug)]
pub struct Figure {
    /// First caption line: what is plotted.
    pub title: String,
    /// Second caption line: CPU, date and measurement conditions.
    pub subtitle: String,
    /// Set for mock data: drawn as a red banner.
    pub warning: Option<String>,
    /// x-axis description with unit.
    pub x_label: String,
    /// A short x-axis description for the small cause panels.
    pub x_short: String,
    /// The series.
    pub series: Vec<Series>,
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

    /// Size in pixels: taller when the cause panels need more than one row.
    pub fn size(&self) -> (u32, u32) {
        (1500, 1000 + 320 * (self.panel_rows() as u32 - 1))
    }
}
