//! Finding the 50 % commit point of a monotone quantity (footprint lines, spin cycles).
//!
//! Commit probability falls as a transaction grows, so "the largest size that commits at least
//! half the time" is found like a threshold:
//!
//! 1. Doubling: measure `start, 2 start, 4 start ...` (the last step clamped to `max`) until a size
//!    fails. Every size before it passed.
//! 2. Bisection between the last passing size `lo` and the first failing size `hi`, until
//!    `hi - lo <= resolution(lo)`. With a resolution of 1 the answer is exact: `lo` passes and
//!    `lo + 1` fails.
//!
//! A size passes when at least half of its *planned* attempts commit. The kernels stop a point
//! early as soon as that is decided either way ([`decided`]): after `planned / 2` commits, or once
//! too many aborts make it unreachable. Far from the threshold that halves the cost of a point;
//! near it the full number of attempts runs. The outcome is the one the full run would give.
//!
//! Everything here is pure (the measurement is a closure), so it is tested with scripted
//! thresholds and runs unchanged on hardware.

use crate::kernels::Tally;
use serde::Serialize;

/// Whether a point whose outcomes so far are `t` passes (`Some(true)`), fails (`Some(false)`), or
/// is not yet decided, when `planned` attempts are planned. Passing means
/// `2 commits >= planned`.
pub fn decided(t: &Tally, planned: u64) -> Option<bool> {
    let remaining = planned.saturating_sub(t.attempts);
    if 2 * t.commits >= planned {
        Some(true)
    } else if 2 * (t.commits + remaining) < planned {
        Some(false)
    } else {
        None
    }
}

/// Whether a finished point passes.
pub fn passes(t: &Tally, planned: u64) -> bool {
    2 * t.commits >= planned
}

/// One measured size.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Point {
    /// The size (lines or cycles).
    pub x: u64,
    /// Whether at least half of the planned attempts committed.
    pub passed: bool,
    /// What happened (attempts may be fewer than planned: see [`decided`]).
    pub tally: Tally,
}

/// The outcome of a search, with every point it measured, in order.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Search {
    /// Attempts planned per point.
    pub planned_attempts: u64,
    /// The largest passing size found (`None` if even the first size failed).
    pub largest_passing: Option<u64>,
    /// The smallest failing size found (`None` if every size up to the bound passed).
    pub smallest_failing: Option<u64>,
    /// True when the bound itself passed: the answer is only a lower bound.
    pub censored: bool,
    /// Every measured point.
    pub points: Vec<Point>,
}

/// Searches sizes `start..=max` for the largest one that passes (see the module documentation).
/// `measure(x, planned)` runs one point and returns its tally.
pub fn half_point(
    start: u64,
    max: u64,
    planned: u64,
    resolution: impl Fn(u64) -> u64,
    mut measure: impl FnMut(u64, u64) -> Tally,
) -> Search {
    assert!(
        start >= 1 && start <= max,
        "bad search range {start}..={max}"
    );
    let mut points = Vec::new();
    let mut run = |x: u64, points: &mut Vec<Point>| {
        let tally = measure(x, planned);
        let passed = passes(&tally, planned);
        points.push(Point { x, passed, tally });
        passed
    };
    let (mut lo, mut hi) = (None, None);
    let mut x = start;
    loop {
        if !run(x, &mut points) {
            hi = Some(x);
            break;
        }
        lo = Some(x);
        if x == max {
            break;
        }
        x = x.saturating_mul(2).min(max);
    }
    if let (Some(l), Some(h)) = (lo, hi) {
        let (mut l, mut h) = (l, h);
        while h - l > resolution(l).max(1) {
            let mid = l + (h - l) / 2;
            if run(mid, &mut points) {
                l = mid;
            } else {
                h = mid;
            }
        }
        (lo, hi) = (Some(l), Some(h));
    }
    Search {
        planned_attempts: planned,
        largest_passing: lo,
        smallest_failing: hi,
        censored: hi.is_none(),
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scripted "machine": every attempt commits when `x <= threshold`, none otherwise; the
    /// early stop is honoured as the kernels do.
    fn step(threshold: u64) -> impl FnMut(u64, u64) -> Tally {
        move |x, planned| {
            let mut t = Tally::default();
            while t.attempts < planned && decided(&t, planned).is_none() {
                t.attempts += 1;
                if x <= threshold {
                    t.commits += 1;
                } else {
                    t.capacity += 1;
                }
            }
            t
        }
    }

    #[test]
    fn finds_the_exact_threshold_with_unit_resolution() {
        for threshold in [1, 2, 3, 5, 63, 64, 65, 511, 600, 767, 768, 1000] {
            let s = half_point(1, 1 << 14, 200, |_| 1, step(threshold));
            assert_eq!(s.largest_passing, Some(threshold));
            assert_eq!(s.smallest_failing, Some(threshold + 1));
            assert!(!s.censored);
            // Doubling plus bisection: logarithmic in the threshold.
            assert!(s.points.len() <= 2 * 64, "{} points", s.points.len());
        }
    }

    #[test]
    fn relative_resolution_brackets_the_threshold() {
        let threshold = 70_000;
        let s = half_point(1, 1 << 20, 200, |lo| lo / 64, step(threshold));
        let (lo, hi) = (s.largest_passing.unwrap(), s.smallest_failing.unwrap());
        assert!(lo <= threshold && threshold < hi);
        assert!(hi - lo <= (lo / 64).max(1));
    }

    #[test]
    fn reports_censoring_and_total_failure() {
        let s = half_point(1, 1000, 50, |_| 1, step(5000));
        assert_eq!((s.largest_passing, s.smallest_failing), (Some(1000), None));
        assert!(s.censored);
        assert_eq!(
            s.points.last().unwrap().x,
            1000,
            "the bound itself is measured"
        );
        let s = half_point(4, 1000, 50, |_| 1, step(2));
        assert_eq!((s.largest_passing, s.smallest_failing), (None, Some(4)));
        assert_eq!(s.points.len(), 1);
    }

    #[test]
    fn early_stop_decides_as_the_full_run_would() {
        let planned = 200;
        // Exactly half commits: passes, decided at the 100th commit.
        let mut t = Tally {
            attempts: 150,
            commits: 99,
            ..Tally::default()
        };
        assert_eq!(decided(&t, planned), None);
        t.attempts += 1;
        t.commits += 1;
        assert_eq!(decided(&t, planned), Some(true));
        // 101 aborts: 100 commits are out of reach.
        let t = Tally {
            attempts: 101,
            commits: 0,
            ..Tally::default()
        };
        assert_eq!(decided(&t, planned), Some(false));
        let t = Tally {
            attempts: 100,
            commits: 0,
            ..Tally::default()
        };
        assert_eq!(decided(&t, planned), None);
        // Odd plans round up: 3 commits of 5 are needed.
        let t = Tally {
            attempts: 5,
            commits: 2,
            ..Tally::default()
        };
        assert_eq!(decided(&t, 5), Some(false));
        assert!(!passes(&t, 5));
    }

    #[test]
    fn survives_a_noisy_non_monotone_curve() {
        // Passes below 300 except for a dip at 256; the search still returns adjacent sizes
        // with lo passing and hi failing.
        let mut measure = step(300);
        let s = half_point(
            1,
            4096,
            20,
            |_| 1,
            |x, p| {
                if x == 256 {
                    step(0)(x, p)
                } else {
                    measure(x, p)
                }
            },
        );
        let (lo, hi) = (s.largest_passing.unwrap(), s.smallest_failing.unwrap());
        assert_eq!(hi, lo + 1);
        let passed = |x| s.points.iter().find(|p| p.x == x).unwrap().passed;
        assert!(passed(lo) && !passed(hi));
    }
}
