//! How series are told apart: a colour, a marker shape and a dash pattern, and the functions that
//! draw them (markers at data or pixel positions, dashed polylines, legend samples).
//!
//! Colours are the Okabe-Ito palette (distinguishable with the common colour-vision
//! deficiencies); markers and dashes add a second and third cue, so nine overlapping curves stay
//! apart in print, in grey scale and for colour-blind readers. [`SeriesStyle::nth`] cycles the
//! three cues at different rates for unrelated series; [`SeriesStyle::grouped`] encodes two
//! factors (colour for the first, marker and dash for the second), as the capacity chart does for
//! op x pattern.

use plotters::coord::CoordTranslate;
use plotters::element::{Circle, DashedPathElement, EmptyElement, PathElement, Polygon};
use plotters::prelude::*;

/// Okabe-Ito colours (black left out: it is the axes' colour), in order.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(120, 110, 20),  // dark yellow (the palette's yellow, darkened to show on white)
];

/// A marker shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// A circle.
    Circle,
    /// A triangle pointing up.
    Triangle,
    /// A square.
    Square,
    /// A diamond.
    Diamond,
    /// A triangle pointing down.
    TriangleDown,
}

/// The marker shapes, in order.
pub const MARKERS: [Marker; 5] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Diamond,
    Marker::TriangleDown,
];

/// A line pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dash {
    /// Unbroken.
    Solid,
    /// Long dashes.
    Dashed,
    /// Dots.
    Dotted,
    /// Short dashes.
    Short,
}

/// The dash patterns, in order.
pub const DASHES: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::Short];

/// How one series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesStyle {
    /// Line, marker and error-bar colour.
    pub colour: RGBColor,
    /// Marker shape.
    pub marker: Marker,
    /// Line pattern.
    pub dash: Dash,
}

impl SeriesStyle {
    /// The `i`-th of a list of unrelated series: colour, marker and dash advance together, so the
    /// first 7 differ in all three cues and no two of the first 140 share all of them.
    pub fn nth(i: usize) -> SeriesStyle {
        SeriesStyle {
            colour: PALETTE[i % PALETTE.len()],
            marker: MARKERS[i % MARKERS.len()],
            dash: DASHES[i % DASHES.len()],
        }
    }

    /// A series of a two-factor grid: the colour encodes `group`, the marker and the dash encode
    /// `member` (for example op and pattern).
    pub fn grouped(group: usize, member: usize) -> SeriesStyle {
        SeriesStyle {
            colour: PALETTE[group % PALETTE.len()],
            marker: MARKERS[member % MARKERS.len()],
            dash: DASHES[member % DASHES.len()],
        }
    }
}

/// Marker radius in pixels.
pub const MARKER_SIZE: i32 = 5;

/// The outline of `marker` of radius `r`, as pixel offsets from its centre (`None` for circles).
fn outline(marker: Marker, r: i32) -> Option<Vec<(i32, i32)>> {
    match marker {
        Marker::Circle => None,
        Marker::Triangle => Some(vec![(0, -r - 1), (r + 1, r), (-r - 1, r)]),
        Marker::TriangleDown => Some(vec![(0, r + 1), (r + 1, -r), (-r - 1, -r)]),
        Marker::Square => Some(vec![
            (-r + 1, -r + 1),
            (r - 1, -r + 1),
            (r - 1, r - 1),
            (-r + 1, r - 1),
        ]),
        Marker::Diamond => Some(vec![(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)]),
    }
}

/// Draws a marker centred at `at` (data coordinates of `area`, or pixels on a plain area):
/// filled, or hollow (white inside) for points that lack repetitions.
pub fn marker<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    style: &SeriesStyle,
    filled: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    CT::From: Clone,
{
    let r = MARKER_SIZE;
    let c = style.colour;
    let fill = if filled { c.filled() } else { WHITE.filled() };
    match outline(style.marker, r) {
        None => {
            area.draw(&(EmptyElement::at(at.clone()) + Circle::new((0, 0), r, fill)))?;
            area.draw(&(EmptyElement::at(at) + Circle::new((0, 0), r, c.stroke_width(2))))
        }
        Some(points) => {
            let mut closed = points.clone();
            closed.push(points[0]);
            area.draw(&(EmptyElement::at(at.clone()) + Polygon::new(points, fill)))?;
            area.draw(&(EmptyElement::at(at) + PathElement::new(closed, c.stroke_width(2))))
        }
    }
}

/// Draws a polyline through `points` in `style`'s colour and dash pattern.
pub fn polyline<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    points: Vec<CT::From>,
    style: &SeriesStyle,
    width: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    CT::From: Clone,
{
    let s = style.colour.stroke_width(width);
    let dashed = |size: u32, gap: u32| DashedPathElement::new(points.clone(), size, gap, s);
    match style.dash {
        Dash::Solid => area.draw(&PathElement::new(points.clone(), s)),
        Dash::Dashed => area.draw(&dashed(12, 6)),
        Dash::Dotted => area.draw(&dashed(2, 4)),
        Dash::Short => area.draw(&dashed(6, 4)),
    }
}

/// A legend sample at pixel position `(x, y)` (its left end, vertically centred): a 36-pixel
/// line in the series' dash pattern (when `line`) with the marker in its middle.
pub fn legend_sample<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    (x, y): (i32, i32),
    style: &SeriesStyle,
    line: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    if line {
        polyline(area, vec![(x, y), (x + 36, y)], style, 2)?;
    }
    marker(area, (x + 18, y), style, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_differ_in_every_cue_for_the_first_seven() {
        for i in 0..7 {
            for j in 0..i {
                let (a, b) = (SeriesStyle::nth(i), SeriesStyle::nth(j));
                assert_ne!(a.colour, b.colour);
            }
        }
        let all: Vec<_> = (0..140).map(SeriesStyle::nth).collect();
        for (i, a) in all.iter().enumerate() {
            assert!(!all[..i].contains(a), "style {i} repeats");
        }
    }

    #[test]
    fn a_three_by_three_grid_has_nine_distinct_styles() {
        let mut seen = Vec::new();
        for g in 0..3 {
            for m in 0..3 {
                let s = SeriesStyle::grouped(g, m);
                assert!(!seen.contains(&s));
                seen.push(s);
            }
        }
        // Same member, same marker and dash: the pattern reads the same in every colour.
        assert_eq!(
            SeriesStyle::grouped(0, 2).marker,
            SeriesStyle::grouped(2, 2).marker
        );
    }
}
