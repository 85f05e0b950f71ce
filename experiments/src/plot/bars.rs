//! Stacked bars at arbitrary x positions: one bar per measured point, each split into segments
//! (for example abort causes as fractions of attempts). Bars have a fixed pixel width, so they
//! work on log axes and on irregular grids, and they never suggest values between points.

use plotters::coord::CoordTranslate;
use plotters::element::{EmptyElement, Rectangle};
use plotters::prelude::*;

/// One bar: its x, and the heights of its segments from the bottom up (data units).
pub struct Bar<'a> {
    /// Position on the x axis.
    pub x: f64,
    /// Segment heights, bottom first (zero-height segments are skipped).
    pub segments: &'a [f64],
}

/// Bar widths that keep neighbours apart: for each bar, 70 % of the pixel gap to its nearer
/// neighbour (`pixel_xs` sorted), between 2 and `max` pixels. Sparse points get wide bars, a
/// crowd of bisection points thin ones.
pub fn widths(pixel_xs: &[i32], max: i32) -> Vec<i32> {
    (0..pixel_xs.len())
        .map(|i| {
            let left = i.checked_sub(1).map(|j| pixel_xs[i] - pixel_xs[j]);
            let right = pixel_xs.get(i + 1).map(|&r| r - pixel_xs[i]);
            let gap = match (left, right) {
                (Some(l), Some(r)) => l.min(r),
                (Some(g), None) | (None, Some(g)) => g,
                (None, None) => max * 2,
            };
            (gap.abs() * 7 / 10).clamp(2, max)
        })
        .collect()
}

/// Draws `bars` on a chart area with f64 coordinates, segment `k` in `colours[k]`, bar `i`
/// `widths[i]` pixels wide (see [`widths`]).
pub fn stacked_bars<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    area: &DrawingArea<DB, CT>,
    bars: &[Bar<'_>],
    colours: &[RGBColor],
    widths: &[i32],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for (i, bar) in bars.iter().enumerate() {
        let half = (widths.get(i).copied().unwrap_or(2) / 2).max(1);
        let mut bottom = 0.0;
        for (k, &h) in bar.segments.iter().enumerate() {
            if h <= 0.0 {
                continue;
            }
            let top = bottom + h;
            let (_, y0) = area.map_coordinate(&(bar.x, bottom));
            let (_, y1) = area.map_coordinate(&(bar.x, top));
            let colour = colours[k % colours.len()];
            area.draw(
                &(EmptyElement::at((bar.x, top))
                    + Rectangle::new([(-half, 0), (half, (y0 - y1).max(1))], colour.filled())),
            )?;
            bottom = top;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn widths_keep_neighbours_apart() {
        assert_eq!(super::widths(&[0, 10, 30], 14), [7, 7, 14]);
        assert_eq!(super::widths(&[0, 100], 14), [14, 14]);
        assert_eq!(super::widths(&[0, 1, 2, 50], 14), [2, 2, 2, 14]);
        assert_eq!(super::widths(&[5], 14), [14]);
    }
}
