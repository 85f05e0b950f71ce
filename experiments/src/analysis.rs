//! From rows to curves: the per-point statistics that the planner, the summary table and the
//! charts all use, so that they can never disagree.
//!
//! A [`Curve`] holds the tallies of one series (one op x pattern, or the duration sweep) keyed by
//! the swept value `x` (lines or cycles) and the repetition. The commit rate of a repetition is
//! `commits / attempts`; a point's **median** is the median over its repetitions (the mean of the
//! two middle values for an even count), its spread is the min and max. The **50 % point** is
//! found by walking the points in increasing `x`: `last_ok` is the largest `x` whose median is at
//! least 0.5 before the first point whose median is below 0.5 (`first_fail`). For a monotone curve
//! this is simply the largest footprint that commits at least half the time; for a noisy one it is
//! the first crossing, which is also what bisection converges to.

use crate::kernels::Tally;
use std::collections::BTreeMap;

/// One repetition of one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Obs {
    /// Repetition index.
    pub rep: u32,
    /// Its outcomes.
    pub tally: Tally,
}

/// The repetitions of every point of one series, by `x`.
#[derive(Clone, Debug, Default)]
pub struct Curve {
    points: BTreeMap<u64, Vec<Obs>>,
}

/// Summary of one point over its repetitions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PointStats {
    /// The swept value.
    pub x: u64,
    /// Repetitions present.
    pub reps: usize,
    /// Median commit rate over repetitions.
    pub median: f64,
    /// Lowest commit rate.
    pub min: f64,
    /// Highest commit rate.
    pub max: f64,
    /// All repetitions' outcomes added up.
    pub pooled: Tally,
}

/// Where a curve first falls below a commit rate of 0.5.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Crossing {
    /// The largest point before the first failure with median >= 0.5.
    pub last_ok: Option<PointStats>,
    /// The first point with median < 0.5.
    pub first_fail: Option<PointStats>,
}

impl Curve {
    /// Adds one repetition of the point at `x`.
    pub fn add(&mut self, x: u64, rep: u32, tally: Tally) {
        self.points.entry(x).or_default().push(Obs { rep, tally });
    }

    /// Whether repetition `rep` of point `x` is recorded.
    pub fn has(&self, x: u64, rep: u32) -> bool {
        self.points
            .get(&x)
            .is_some_and(|v| v.iter().any(|o| o.rep == rep))
    }

    /// The first repetition of `0..reps` that point `x` still lacks.
    pub fn missing_rep(&self, x: u64, reps: u32) -> Option<u32> {
        (0..reps).find(|&r| !self.has(x, r))
    }

    /// Statistics of the point at `x`, if any repetition of it is recorded.
    pub fn stats_at(&self, x: u64) -> Option<PointStats> {
        let obs = self.points.get(&x)?;
        let mut rates: Vec<f64> = obs.iter().map(|o| o.tally.commit_rate()).collect();
        rates.sort_by(f64::total_cmp);
        let n = rates.len();
        let median = if n % 2 == 1 {
            rates[n / 2]
        } else {
            (rates[n / 2 - 1] + rates[n / 2]) / 2.0
        };
        let mut pooled = Tally::default();
        obs.iter().for_each(|o| pooled.merge(&o.tally));
        Some(PointStats {
            x,
            reps: n,
            median,
            min: rates[0],
            max: rates[n - 1],
            pooled,
        })
    }

    /// Statistics of every point, in increasing `x`.
    pub fn stats(&self) -> Vec<PointStats> {
        self.points
            .keys()
            .filter_map(|&x| self.stats_at(x))
            .collect()
    }

    /// The first crossing of a commit rate of 0.5 (see the module documentation).
    pub fn crossing(&self) -> Crossing {
        let mut c = Crossing::default();
        for s in self.stats() {
            if s.median >= 0.5 {
                c.last_ok = Some(s);
            } else {
                c.first_fail = Some(s);
                break;
            }
        }
        c
    }

    /// `true` when no point is recorded.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(attempts: u64, commits: u64) -> Tally {
        Tally {
            attempts,
            commits,
            capacity: attempts - commits,
            ..Tally::default()
        }
    }

    #[test]
    fn median_spread_and_crossing() {
        let mut c = Curve::default();
        for (x, rates) in [
            (1, [10, 10, 9]),
            (2, [6, 4, 5]),
            (4, [4, 6, 2]),
            (8, [9, 9, 9]),
        ] {
            for (rep, commits) in rates.into_iter().enumerate() {
                c.add(x, rep as u32, t(10, commits));
            }
        }
        let s = c.stats_at(4).unwrap();
        assert_eq!((s.median, s.min, s.max, s.reps), (0.4, 0.2, 0.6, 3));
        assert_eq!(s.pooled.commits, 12);
        let x = c.crossing();
        assert_eq!(
            x.last_ok.unwrap().x,
            2,
            "first crossing, not the noisy point at 8"
        );
        assert_eq!(x.first_fail.unwrap().x, 4);
        assert_eq!(c.missing_rep(4, 5), Some(3));
        let mut even = Curve::default();
        even.add(3, 0, t(4, 1));
        even.add(3, 1, t(4, 2));
        assert_eq!(even.stats_at(3).unwrap().median, 0.375);
    }
}
