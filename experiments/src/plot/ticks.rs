//! Tick positions for logarithmic axes.
//!
//! plotters' own log-axis key points repeat a value at a decade boundary (two "10" labels drawn
//! on top of each other) and leave spans shorter than a decade with no labels inside them. Here
//! the ticks depend only on how many decades the axis spans `d = log10(hi / lo)`:
//!
//! - `d <= 1.5`: 1, 1.5, 2, 3, ..., 9 times each power of ten (so 10, 15, 20 between 10 and 20);
//! - `d <= 3.5`: 1, 2 and 5 times each power of ten;
//! - otherwise: powers of ten (every second one beyond 8 decades), with 2..9 as unlabelled minor
//!   grid lines.
//!
//! Every tick lies in `[lo, hi]`, ticks are strictly increasing (no duplicates), and there are
//! always at least two when `lo < hi` (the ends themselves, if nothing else falls inside). On an
//! axis of whole numbers (footprints in lines, thread counts) fractional ticks are left out.

/// Labelled (major) and unlabelled (minor) tick positions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ticks {
    /// Positions with a label and a grid line.
    pub major: Vec<f64>,
    /// Positions with a light grid line only.
    pub minor: Vec<f64>,
}

/// The ticks of a log axis over `[lo, hi]` (`0 < lo < hi`; anything else gives no ticks);
/// `integers` leaves out fractional ticks.
pub fn log_ticks(lo: f64, hi: f64, integers: bool) -> Ticks {
    if !(lo > 0.0 && hi > lo && lo.is_finite() && hi.is_finite()) {
        return Ticks::default();
    }
    let span = (hi / lo).log10();
    let (mantissas, minor_mantissas, decade_step): (&[f64], &[f64], i32) = if span <= 1.5 {
        (&[1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], &[], 1)
    } else if span <= 3.5 {
        (&[1.0, 2.0, 5.0], &[3.0, 4.0, 6.0, 7.0, 8.0, 9.0], 1)
    } else if span <= 8.0 {
        (&[1.0], &[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 1)
    } else {
        (&[1.0], &[], 2)
    };
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    let inside = |v: f64| {
        v >= lo * (1.0 - 1e-12) && v <= hi * (1.0 + 1e-12) && (!integers || v.fract() == 0.0)
    };
    let mut t = Ticks::default();
    for e in first..=last {
        let decade = 10f64.powi(e);
        for &m in mantissas {
            // Round away floating-point noise (3 * 0.1 = 0.30000000000000004).
            let v = round_sig(m * decade);
            if inside(v) && (decade_step == 1 || e.rem_euclid(decade_step) == 0 || m != 1.0) {
                t.major.push(v);
            }
        }
        for &m in minor_mantissas {
            let v = round_sig(m * decade);
            if inside(v) {
                t.minor.push(v);
            }
        }
    }
    t.major.sort_by(f64::total_cmp);
    t.major.dedup();
    if t.major.len() < 2 {
        t.major = vec![lo, hi];
    }
    t.minor.retain(|m| !t.major.contains(m));
    t
}

impl Ticks {
    /// At most `n` labelled ticks (at least the decades, or the two ends): drops labels of
    /// mantissas 3, 4, 6-9 first, then of 1.5, 2 and 5; dropped ticks become minor grid lines.
    pub fn at_most(mut self, n: usize) -> Ticks {
        let class = |v: f64| {
            let m = v / 10f64.powf(v.log10().floor());
            let near = |x: f64| (m - x).abs() < 1e-6;
            if near(1.0) || near(10.0) {
                0
            } else if near(2.0) || near(5.0) {
                1
            } else {
                2
            }
        };
        for keep in [1, 0] {
            if self.major.len() <= n {
                break;
            }
            let (kept, dropped): (Vec<f64>, Vec<f64>) =
                self.major.iter().partition(|&&v| class(v) <= keep);
            if kept.len() >= 2 {
                self.major = kept;
                self.minor.extend(dropped);
            }
        }
        self.minor.sort_by(f64::total_cmp);
        self
    }
}

fn round_sig(v: f64) -> f64 {
    let scale = 10f64.powi(12 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn increasing_and_inside(t: &Ticks, lo: f64, hi: f64) {
        assert!(t.major.windows(2).all(|w| w[0] < w[1]), "{:?}", t.major);
        assert!(t.major.iter().all(|&v| v >= lo && v <= hi), "{:?}", t.major);
    }

    #[test]
    fn short_spans_label_every_integer_and_nothing_twice() {
        // The axis: 1 to 20 lines (with the chart's margin).
        let t = log_ticks(0.8, 25.0, true);
        increasing_and_inside(&t, 0.8, 25.0);
        assert_eq!(
            t.major,
            [
                1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 15.0, 20.0
            ]
        );
        assert_eq!(t.major.iter().filter(|&&v| v == 10.0).count(), 1);
        let t = log_ticks(0.8, 25.0, false);
        assert_eq!(t.major[..5], [0.8, 0.9, 1.0, 1.5, 2.0]);
    }

    #[test]
    fn long_spans_use_decades() {
        let t = log_ticks(0.8, 20_000.0, true);
        assert_eq!(t.major, [1.0, 10.0, 100.0, 1000.0, 10_000.0]);
        assert!(t.minor.contains(&2.0) && t.minor.contains(&9000.0));
        let t = log_ticks(0.08, 50_000.0, false);
        assert_eq!(t.major, [0.1, 1.0, 10.0, 100.0, 1000.0, 10_000.0]);
        let t = log_ticks(1.0, 1e12, true);
        assert_eq!(t.major, [1.0, 1e2, 1e4, 1e6, 1e8, 1e10, 1e12]);
    }

    #[test]
    fn thinning_keeps_decades_first() {
        let t = log_ticks(0.8, 25.0, true).at_most(6);
        assert_eq!(t.major, [1.0, 2.0, 5.0, 10.0, 20.0]);
        assert!(t.minor.contains(&3.0) && t.minor.contains(&15.0));
        let t = log_ticks(0.8, 25.0, true).at_most(3);
        assert_eq!(t.major, [1.0, 10.0]);
    }

    #[test]
    fn degenerate_ranges() {
        assert_eq!(log_ticks(3.2, 3.5, false).major, [3.2, 3.5]);
        assert!(log_ticks(0.0, 1.0, false).major.is_empty());
        assert!(log_ticks(2.0, 1.0, false).major.is_empty());
        let t = log_ticks(0.3, 0.9, false);
        assert_eq!(t.major, [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    }
}
