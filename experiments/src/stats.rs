//! Summaries over repetitions, and number formatting for tables and captions.
//!
//! Every figure tmlab reports over repetitions is a median with its min and max, computed here
//! and only here, so tables, charts and reports can never disagree.

/// The median, min and max of a set of values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The median (the mean of the two middle values for an even count).
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// How many values.
    pub n: usize,
}

impl Spread {
    /// The spread of `values` (all zero for an empty set, with `n == 0`).
    pub fn of(values: &[f64]) -> Spread {
        if values.is_empty() {
            return Spread {
                median: 0.0,
                min: 0.0,
                max: 0.0,
                n: 0,
            };
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Spread {
            median,
            min: v[0],
            max: v[n - 1],
            n,
        }
    }
}

/// `x` with an SI prefix and three significant digits: `3.18 M`, `512`, `12.5 k`, `0.321`.
pub fn si(x: f64) -> String {
    let a = x.abs();
    let (v, p) = if a >= 1e12 {
        (x / 1e12, " T")
    } else if a >= 1e9 {
        (x / 1e9, " G")
    } else if a >= 1e6 {
        (x / 1e6, " M")
    } else if a >= 1e3 {
        (x / 1e3, " k")
    } else {
        (x, "")
    };
    let digits = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    let digits = if p.is_empty() && v.fract() == 0.0 {
        0
    } else {
        digits
    };
    format!("{v:.digits$}{p}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        let s = Spread::of(&[3.0, 1.0, 2.0]);
        assert_eq!((s.median, s.min, s.max, s.n), (2.0, 1.0, 3.0, 3));
        assert_eq!(Spread::of(&[4.0, 1.0, 2.0, 3.0]).median, 2.5);
        assert_eq!(Spread::of(&[]).n, 0);
    }

    #[test]
    fn si_prefixes() {
        assert_eq!(si(3_180_000.0), "3.18 M");
        assert_eq!(si(12_500.0), "12.5 k");
        assert_eq!(si(512.0), "512");
        assert_eq!(si(0.321), "0.32");
        assert_eq!(si(250e9), "250 G");
    }
}
