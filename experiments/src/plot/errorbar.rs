//! Error bars: a vertical line from the lowest to the highest value of a point's repetitions,
//! with short caps, drawn under the marker. With three repetitions the bar spans all three; a
//! bar shorter than its caps (all repetitions equal) is drawn as the caps alone.

use plotters::coord::CoordTranslate;
use plotters::element::{EmptyElement, PathElement};
use plotters::prelude::*;

/// Half the width of a cap, in pixels.
pub const CAP: i32 = 4;

/// Draws the bar of one point: from `low` to `high` (data coordinates of `area`).
pub fn error_bar<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    low: CT::From,
    high: CT::From,
    colour: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    CT::From: Clone,
{
    let s = colour.stroke_width(1);
    area.draw(&PathElement::new(vec![low.clone(), high.clone()], s))?;
    for end in [low, high] {
        area.draw(&(EmptyElement::at(end) + PathElement::new(vec![(-CAP, 0), (CAP, 0)], s)))?;
    }
    Ok(())
}
