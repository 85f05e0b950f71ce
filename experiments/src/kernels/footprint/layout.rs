//! Where a footprint's lines lie in the buffer: pure arithmetic, testable without RTM.
//!
//! A layout maps line number `i` (0-based, in access order) to a byte offset from the start of
//! the 4 KiB-aligned buffer. Every offset is a multiple of 64, so each access touches exactly one
//! cache line, and the offsets of one layout are pairwise distinct.
//!
//! - [`Pattern::Seq`]: line `i` is at `64 i`. The offset is computed, not loaded, so the
//!   transaction touches no memory besides its footprint.
//! - [`Pattern::SameSet`]: line `i` is at `4096 i`. An L1D with 64-byte lines and 64 sets
//!   (every Intel core since Sandy Bridge: 32 KiB 8-way and 48 KiB 12-way alike) indexes sets with
//!   address bits 11:6, which are then equal for every line, so all lines compete for one set.
//!   Also computed, not loaded.
//! - [`Pattern::Random`]: `n` distinct lines drawn uniformly from the first `4 n` lines of the
//!   buffer, in random order (a partial Fisher-Yates shuffle seeded with the buffer's seed mixed
//!   with `n`, so each footprint's layout is reproducible on its own, whatever ran before it). The
//!   line numbers are stored as `u32` in a list prepared before the timed loop, so the
//!   transaction also reads that list: `4 n` bytes, i.e. `n / 16` extra lines in its read set.

use super::Pattern;
use tm::rng::SplitMix64;

/// Bytes per cache line.
pub const LINE: usize = 64;
/// Bytes per 4 KiB page, the stride that maps lines to one L1 set.
pub const PAGE: usize = 4096;
/// How many times larger than the footprint the region random lines are drawn from is.
pub const RANDOM_SPREAD: usize = 4;

/// The bytes of buffer a footprint of `lines` lines in `pattern` spans.
pub const fn region_bytes(pattern: Pattern, lines: usize) -> usize {
    match pattern {
        Pattern::Seq => lines * LINE,
        Pattern::Random => RANDOM_SPREAD * lines * LINE,
        Pattern::SameSet => lines * PAGE,
    }
}

/// Maps a line number to its byte offset. Implemented by the two layout kinds, so the kernels
/// monomorphize one loop for each and never branch on the pattern inside a transaction.
pub trait Lines {
    /// Number of lines.
    fn len(&self) -> usize;
    /// Byte offset of line `i < len()`.
    fn offset(&self, i: usize) -> usize;
}

/// Line `i` at `stride * i` (sequential and same-set layouts).
#[derive(Clone, Copy, Debug)]
pub struct Strided {
    /// Number of lines.
    pub lines: usize,
    /// Bytes between consecutive lines.
    pub stride: usize,
}

impl Lines for Strided {
    #[inline(always)]
    fn len(&self) -> usize {
        self.lines
    }

    #[inline(always)]
    fn offset(&self, i: usize) -> usize {
        i * self.stride
    }
}

/// Line `i` at `64 * list[i]` (random layout).
#[derive(Clone, Copy, Debug)]
pub struct Listed<'a> {
    /// Line numbers in access order.
    pub list: &'a [u32],
}

impl Lines for Listed<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.list.len()
    }

    #[inline(always)]
    fn offset(&self, i: usize) -> usize {
        self.list[i] as usize * LINE
    }
}

/// The strided layout of `pattern`, or `None` for [`Pattern::Random`].
pub const fn strided(pattern: Pattern, lines: usize) -> Option<Strided> {
    match pattern {
        Pattern::Seq => Some(Strided {
            lines,
            stride: LINE,
        }),
        Pattern::SameSet => Some(Strided {
            lines,
            stride: PAGE,
        }),
        Pattern::Random => None,
    }
}

/// Fills `out` with `lines` distinct line numbers drawn from `0 .. 4 lines`, in random order,
/// reproducibly from `(seed, lines)`. `scratch` is reused; neither vector allocates once it has
/// reached capacity `4 lines`.
pub fn random_lines(seed: u64, lines: usize, scratch: &mut Vec<u32>, out: &mut Vec<u32>) {
    let pool = RANDOM_SPREAD * lines;
    assert!(
        u32::try_from(pool).is_ok(),
        "random layout of {lines} lines exceeds 2^32 candidate lines"
    );
    scratch.clear();
    scratch.extend(0..pool as u32);
    // Mix the footprint into the seed so that each size's layout does not depend on call order.
    let mut rng = SplitMix64::new(seed ^ (lines as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
    // Partial Fisher-Yates: after step i, scratch[..=i] is a uniform random i+1-permutation.
    for i in 0..lines {
        let j = i + rng.below((pool - i) as u64) as usize;
        scratch.swap(i, j);
    }
    out.clear();
    out.extend_from_slice(&scratch[..lines]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn offsets(l: &impl Lines) -> Vec<usize> {
        (0..l.len()).map(|i| l.offset(i)).collect()
    }

    fn distinct_lines(offs: &[usize]) -> bool {
        offs.iter().map(|o| o / LINE).collect::<HashSet<_>>().len() == offs.len()
    }

    #[test]
    fn sequential_lines_are_consecutive_and_in_bounds() {
        for n in [0, 1, 2, 63, 64, 1000] {
            let l = strided(Pattern::Seq, n).unwrap();
            let offs = offsets(&l);
            assert_eq!(offs.len(), n);
            assert!(distinct_lines(&offs));
            assert!(offs.iter().all(|o| o % LINE == 0));
            assert!(
                offs.iter()
                    .all(|&o| o + LINE <= region_bytes(Pattern::Seq, n))
            );
            assert!(offs.windows(2).all(|w| w[1] - w[0] == LINE));
        }
    }

    #[test]
    fn same_set_lines_share_one_set_of_a_64_set_cache() {
        for n in [1, 8, 12, 13, 100] {
            let offs = offsets(&strided(Pattern::SameSet, n).unwrap());
            assert!(distinct_lines(&offs));
            // 64 sets of 64-byte lines: the set index is address bits 11:6. The buffer is 4 KiB
            // aligned, so offsets decide the set.
            let sets: HashSet<usize> = offs.iter().map(|o| (o / LINE) % 64).collect();
            assert_eq!(sets.len(), 1, "{n} lines span sets {sets:?}");
            assert!(
                offs.iter()
                    .all(|&o| o + LINE <= region_bytes(Pattern::SameSet, n))
            );
        }
        // And sequential lines cover all 64 sets, so the test above can fail.
        let seq = offsets(&strided(Pattern::Seq, 64).unwrap());
        assert_eq!(
            seq.iter()
                .map(|o| (o / LINE) % 64)
                .collect::<HashSet<_>>()
                .len(),
            64
        );
    }

    #[test]
    fn random_lines_are_distinct_in_bounds_and_reproducible() {
        let (mut scratch, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for n in [1, 2, 3, 100, 4096] {
            random_lines(42, n, &mut scratch, &mut a);
            let offs = offsets(&Listed { list: &a });
            assert_eq!(offs.len(), n);
            assert!(distinct_lines(&offs));
            assert!(
                offs.iter()
                    .all(|&o| o + LINE <= region_bytes(Pattern::Random, n))
            );
            random_lines(42, n, &mut scratch, &mut b);
            assert_eq!(a, b, "same seed, same layout");
        }
        random_lines(42, 4096, &mut scratch, &mut a);
        random_lines(43, 4096, &mut scratch, &mut b);
        assert_ne!(a, b, "another seed, another layout");
        // Not the sequential layout, and it reaches beyond the footprint's own lines.
        assert!(a.windows(2).any(|w| w[1] != w[0] + 1));
        assert!(a.iter().any(|&l| l as usize >= 4096));
    }

    #[test]
    fn random_lines_spread_over_the_whole_region() {
        let (mut scratch, mut a) = (Vec::new(), Vec::new());
        let n = 10_000;
        random_lines(1, n, &mut scratch, &mut a);
        // Each quarter of the 4n-line region should hold about n/4 of the lines.
        let mut quarters = [0usize; 4];
        for &l in &a {
            quarters[l as usize / n] += 1;
        }
        for q in quarters {
            assert!((2000..3000).contains(&q), "{quarters:?}");
        }
    }

    #[test]
    fn regions_cover_every_pattern() {
        assert_eq!(region_bytes(Pattern::Seq, 10), 640);
        assert_eq!(region_bytes(Pattern::Random, 10), 2560);
        assert_eq!(region_bytes(Pattern::SameSet, 10), 40960);
    }
}
