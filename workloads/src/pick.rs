//! Random choice of elements: uniform, or with a hot subset, single or distinct.
//!
//! Choices are made *before* a transaction starts and replayed by every attempt of it, so a retry
//! touches the same data and the generator's state never depends on how often a backend retried.
//!
//! With a [`Hot`] subset, the first `hot.count` elements receive a share `hot.share` of the
//! choices and the others the rest, each uniformly within its part. Distinct choices mark every
//! chosen element with the current epoch in a per-thread stamp array (one `u32` per element,
//! reused across operations: no allocation once created) and redraw on a collision; a part that
//! has run out of unchosen elements sends the remaining choices to the other part, so a request for
//! `m <= n` distinct elements always completes.

use crate::Hot;
use tm::rng::SplitMix64;

/// Chooses elements of `0..n` (see the module documentation).
#[derive(Clone, Debug)]
pub struct Picker {
    n: usize,
    hot: Option<Hot>,
    stamps: Vec<u32>,
    epoch: u32,
}

impl Picker {
    /// A picker over `0..n` (`n >= 1`) with an optional hot subset (already validated against `n`).
    pub fn new(n: usize, hot: Option<Hot>) -> Picker {
        debug_assert!(n >= 1);
        Picker {
            n,
            hot,
            stamps: Vec::new(),
            epoch: 0,
        }
    }

    /// One element.
    #[inline]
    pub fn one(&self, rng: &mut SplitMix64) -> usize {
        match self.hot {
            Some(hot) if hot.count == self.n || rng.unit() < hot.share => {
                rng.below(hot.count as u64) as usize
            }
            Some(hot) => hot.count + rng.below((self.n - hot.count) as u64) as usize,
            None => rng.below(self.n as u64) as usize,
        }
    }

    /// Replaces the contents of `out` by `m` distinct elements (`m <= n`).
    ///
    /// # Panics
    /// If `m > n`.
    pub fn distinct(&mut self, rng: &mut SplitMix64, m: usize, out: &mut Vec<usize>) {
        assert!(m <= self.n, "{m} distinct elements of {}", self.n);
        out.clear();
        if self.stamps.is_empty() {
            self.stamps = vec![0; self.n];
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamps.fill(0);
            self.epoch = 1;
        }
        let (hot_n, share) = match self.hot {
            Some(h) => (h.count, h.share),
            None => (0, 0.0),
        };
        let cold_n = self.n - hot_n;
        let (mut hot_used, mut cold_used) = (0usize, 0usize);
        while out.len() < m {
            let want_hot = hot_n > 0 && (cold_n == 0 || rng.unit() < share);
            let hot = if want_hot {
                hot_used < hot_n
            } else {
                cold_used == cold_n
            };
            let i = if hot {
                rng.below(hot_n as u64) as usize
            } else {
                hot_n + rng.below(cold_n as u64) as usize
            };
            if self.stamps[i] != self.epoch {
                self.stamps[i] = self.epoch;
                out.push(i);
                if hot {
                    hot_used += 1;
                } else {
                    cold_used += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn distinct_choices_are_distinct_in_range_and_complete(
            n in 1usize..200,
            m_frac in 0.0f64..=1.0,
            hot in proptest::option::of((1usize..200, 0.0f64..=1.0)),
            seed: u64,
        ) {
            let hot = hot.map(|(c, share)| Hot { count: c.min(n), share });
            let m = ((n as f64) * m_frac) as usize;
            let mut p = Picker::new(n, hot);
            let mut rng = SplitMix64::new(seed);
            let mut out = Vec::new();
            for _ in 0..3 {
                p.distinct(&mut rng, m, &mut out);
                prop_assert_eq!(out.len(), m);
                let mut sorted = out.clone();
                sorted.sort_unstable();
                sorted.dedup();
                prop_assert_eq!(sorted.len(), m);
                prop_assert!(out.iter().all(|&i| i < n));
                prop_assert!((0..50).map(|_| p.one(&mut rng)).all(|i| i < n));
            }
        }
    }

    #[test]
    fn the_hot_subset_gets_its_share() {
        let p = Picker::new(
            1000,
            Some(Hot {
                count: 10,
                share: 0.9,
            }),
        );
        let mut rng = SplitMix64::new(7);
        let hot = (0..100_000).filter(|_| p.one(&mut rng) < 10).count();
        // 90 % expected; the binomial standard deviation is about 0.1 %.
        assert!((89_000..91_000).contains(&hot), "{hot}");
        let uniform = Picker::new(1000, None);
        let low = (0..100_000).filter(|_| uniform.one(&mut rng) < 10).count();
        assert!((700..1300).contains(&low), "{low}");
    }
}
