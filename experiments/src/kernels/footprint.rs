//! Footprint transactions: read and/or write N cache lines inside one transaction.
//!
//! A [`FootprintBuffer`] is allocated once for the largest footprint a caller will ask for: 4 KiB
//! aligned, every page pre-faulted by a store to every line (a page fault inside a transaction
//! aborts it with status 0). Each call to [`FootprintBuffer::run_with`] then:
//!
//! 1. lays out the footprint's lines (see [`layout`]: sequential and same-set offsets are computed
//!    from a stride, random ones are drawn from the seed into a list whose capacity was reserved
//!    at construction, so nothing is allocated);
//! 2. for each attempt, outside any transaction, warms the footprint (a store to every line) or
//!    flushes it (`clflush` every line, then `mfence`), as the [`Warmth`] says;
//! 3. runs one hardware transaction that loads the first word of every line ([`Op::Read`]), stores
//!    to it ([`Op::Write`]), or loads from the first half of the lines and stores to the second
//!    half ([`Op::Mixed`]): one `asm!` block per layout kind (see [`body`]), so the transaction
//!    accesses nothing but the footprint (the random layout also reads its list of line numbers,
//!    4 bytes per line), and no stack line competes with it for the L1;
//! 4. counts the outcome with [`Tally::record`].
//!
//! Nothing here pins the thread; callers do.

pub mod body;
pub mod layout;
mod region;

use super::Tally;
pub use super::transact::Transact;
use body::Body;
use layout::{Lines, Listed, region_bytes, strided};
use region::Region;
use serde::{Deserialize, Serialize};

/// What each transaction does to its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    /// Load one word of every line.
    Read,
    /// Store one word to every line.
    Write,
    /// Load from the first half of the lines, store to the second half.
    Mixed,
}

/// Where the lines are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    /// Consecutive lines.
    Seq,
    /// Distinct lines in a random order, drawn from a region 4x the footprint (seeded).
    Random,
    /// Lines 4 KiB apart, so every line maps to the same L1 set.
    SameSet,
}

/// The cache state each attempt starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Warmth {
    /// Buffer pre-faulted, and its lines touched just before each attempt.
    Warm,
    /// Buffer pre-faulted, and its lines flushed with `clflush` before each attempt.
    Cold,
}

/// One footprint point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FootprintSpec {
    /// The operation.
    pub op: Op,
    /// The layout.
    pub pattern: Pattern,
    /// Number of 64-byte lines touched.
    pub lines: usize,
    /// Warm-up state.
    pub warmth: Warmth,
}

/// A pre-faulted buffer large enough for footprints up to a maximum, reused across points.
pub struct FootprintBuffer {
    region: Region,
    seed: u64,
    /// The patterns the buffer was sized for.
    patterns: Vec<Pattern>,
    /// The random layout of the current point (capacity `max_lines` when random is allowed).
    list: Vec<u32>,
    /// Scratch for drawing it (capacity `4 max_lines` when random is allowed).
    scratch: Vec<u32>,
}

impl FootprintBuffer {
    /// Allocates and pre-faults a buffer for footprints of up to `max_lines` lines in each of
    /// `patterns`; `seed` drives the random pattern. The buffer is sized for those patterns only:
    /// 2^20 sequential lines take 64 MiB, while a same-set footprint of that size would span 4 GiB.
    pub fn new(max_lines: usize, seed: u64, patterns: &[Pattern]) -> Self {
        let bytes = Self::bytes_for(max_lines, patterns);
        let random = patterns.contains(&Pattern::Random);
        FootprintBuffer {
            region: Region::new(bytes),
            seed,
            patterns: patterns.to_vec(),
            list: Vec::with_capacity(if random { max_lines } else { 0 }),
            scratch: Vec::with_capacity(if random {
                layout::RANDOM_SPREAD * max_lines
            } else {
                0
            }),
        }
    }

    /// The bytes a buffer for footprints of up to `max_lines` lines in `patterns` needs (before
    /// rounding up to whole pages).
    pub fn bytes_for(max_lines: usize, patterns: &[Pattern]) -> usize {
        patterns
            .iter()
            .map(|&p| region_bytes(p, max_lines))
            .max()
            .unwrap_or(0)
    }

    /// The largest footprint, in lines, this buffer holds in `pattern` (0 if it was not sized
    /// for that pattern).
    pub fn max_lines(&self, pattern: Pattern) -> usize {
        if self.patterns.contains(&pattern) {
            self.region.len() / region_bytes(pattern, 1)
        } else {
            0
        }
    }

    /// Runs `attempts` transactions of `spec` and tallies them, over any [`Transact`]
    /// implementation (the [`htm::Rtm`] token, the modelled HTM, or a scripted stand-in in tests),
    /// stopping early, after the attempt for which `stop`
    /// (called with the tally so far after every attempt) returns `true`.
    ///
    /// # Panics
    /// If `spec.lines` exceeds [`FootprintBuffer::max_lines`] for its pattern.
    pub fn run_with<T: Transact>(
        &mut self,
        tx: T,
        spec: &FootprintSpec,
        attempts: u64,
        stop: impl FnMut(&Tally) -> bool,
    ) -> Tally {
        assert!(
            spec.lines <= self.max_lines(spec.pattern),
            "footprint of {} {:?} lines exceeds the buffer ({} lines)",
            spec.lines,
            spec.pattern,
            self.max_lines(spec.pattern)
        );
        let loads = spec.op.loads(spec.lines);
        let region = &self.region;
        match strided(spec.pattern, spec.lines) {
            Some(lines) => {
                let body = Body::strided(region, lines.stride, loads, spec.lines - loads);
                attempt_all(region, tx, &lines, &body, spec.warmth, attempts, stop)
            }
            None => {
                layout::random_lines(self.seed, spec.lines, &mut self.scratch, &mut self.list);
                let body = Body::listed(region, &self.list, loads);
                let lines = Listed { list: &self.list };
                attempt_all(region, tx, &lines, &body, spec.warmth, attempts, stop)
            }
        }
    }
}

/// The timed loop, one instance per layout kind.
#[inline(never)]
fn attempt_all<T: Transact, L: Lines>(
    region: &Region,
    tx: T,
    lines: &L,
    body: &Body<'_>,
    warmth: Warmth,
    attempts: u64,
    mut stop: impl FnMut(&Tally) -> bool,
) -> Tally {
    let mut tally = Tally::default();
    for attempt in 0..attempts {
        match warmth {
            Warmth::Warm => region.warm(lines),
            Warmth::Cold => region.flush(lines),
        }
        tally.record(tx.footprint(body, attempt).map(|sum| {
            std::hint::black_box(sum);
        }));
        if stop(&tally) {
            break;
        }
    }
    tally
}

impl Op {
    /// How many of a footprint's `lines` lines the operation loads from (the first ones); it
    /// stores to the rest.
    const fn loads(self, lines: usize) -> usize {
        match self {
            Op::Read => lines,
            Op::Write => 0,
            Op::Mixed => lines / 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::transact::mock::Scripted;
    use std::cell::Cell;

    const ALL: [Pattern; 3] = [Pattern::Seq, Pattern::Random, Pattern::SameSet];

    /// The first word of every line of the buffer.
    fn words(b: &FootprintBuffer) -> Vec<u64> {
        (0..b.region.len() / 64)
            .map(|l| b.region.load(l * 64))
            .collect()
    }

    /// Runs `spec` directly (every attempt "commits"), and returns the lines written with the
    /// value each holds afterwards.
    fn written_lines(
        b: &mut FootprintBuffer,
        spec: FootprintSpec,
        attempts: u64,
    ) -> Vec<(usize, u64)> {
        let calls = Cell::new(0);
        let tx = Scripted {
            script: &[None],
            calls: &calls,
        };
        let before = words(b);
        let t = b.run_with(tx, &spec, attempts, |_| false);
        assert_eq!((t.attempts, t.commits), (attempts, attempts));
        assert_eq!(calls.get() as u64, attempts);
        words(b)
            .into_iter()
            .enumerate()
            .filter(|&(l, w)| w != before[l])
            .collect()
    }

    #[test]
    fn write_stores_to_exactly_the_footprint_lines() {
        let mut b = FootprintBuffer::new(64, 3, &ALL);
        for warmth in [Warmth::Warm, Warmth::Cold] {
            for (pattern, stride) in [(Pattern::Seq, 1), (Pattern::SameSet, 64)] {
                // Values are attempt numbers; start from a state where 0 is "not written".
                for l in 0..b.region.len() / 64 {
                    b.region.store(l * 64, u64::MAX);
                }
                let spec = FootprintSpec {
                    op: Op::Write,
                    pattern,
                    lines: 40,
                    warmth,
                };
                let w = written_lines(&mut b, spec, 3);
                let expected: Vec<(usize, u64)> = (0..40).map(|i| (i * stride, 2)).collect();
                assert_eq!(w, expected, "{pattern:?} {warmth:?}");
            }
        }
    }

    #[test]
    fn random_writes_hit_the_drawn_lines_inside_four_times_the_footprint() {
        let mut b = FootprintBuffer::new(64, 3, &ALL);
        for l in 0..b.region.len() / 64 {
            b.region.store(l * 64, u64::MAX);
        }
        let spec = FootprintSpec {
            op: Op::Write,
            pattern: Pattern::Random,
            lines: 50,
            warmth: Warmth::Warm,
        };
        let w = written_lines(&mut b, spec, 1);
        let mut drawn: Vec<usize> = b.list.iter().map(|&l| l as usize).collect();
        drawn.sort_unstable();
        assert_eq!(w.iter().map(|&(l, _)| l).collect::<Vec<_>>(), drawn);
        assert!(w.iter().all(|&(l, v)| l < 200 && v == 0));
    }

    #[test]
    fn read_writes_nothing_and_mixed_writes_the_second_half() {
        let mut b = FootprintBuffer::new(64, 3, &ALL);
        for l in 0..b.region.len() / 64 {
            b.region.store(l * 64, u64::MAX);
        }
        let read = FootprintSpec {
            op: Op::Read,
            pattern: Pattern::Seq,
            lines: 64,
            warmth: Warmth::Cold,
        };
        assert!(written_lines(&mut b, read, 5).is_empty());
        let mixed = FootprintSpec {
            op: Op::Mixed,
            lines: 9,
            ..read
        };
        let w = written_lines(&mut b, mixed, 2);
        assert_eq!(w, (4..9).map(|l| (l, 1)).collect::<Vec<_>>());
    }

    #[test]
    fn aborts_are_tallied_by_cause_and_discard_nothing_they_did_not_write() {
        let mut b = FootprintBuffer::new(16, 3, &ALL);
        let calls = Cell::new(0);
        // commit, capacity, conflict|retry, status 0, explicit 0x42
        let script = [None, Some(0b1000), Some(0b110), Some(0), Some(0x4200_0001)];
        let tx = Scripted {
            script: &script,
            calls: &calls,
        };
        let spec = FootprintSpec {
            op: Op::Write,
            pattern: Pattern::Seq,
            lines: 16,
            warmth: Warmth::Warm,
        };
        let t = b.run_with(tx, &spec, 10, |_| false);
        assert_eq!(t.attempts, 10);
        assert_eq!(t.commits, 2);
        assert_eq!(
            (t.capacity, t.conflict, t.status0, t.explicit),
            (2, 2, 2, 2)
        );
        // Only committed attempts (0 and 5) wrote; the last commit was attempt 5.
        assert!((0..16).all(|l| b.region.load(l * 64) == 5));
    }

    #[test]
    fn run_with_stops_when_told() {
        let mut b = FootprintBuffer::new(8, 3, &ALL);
        let calls = Cell::new(0);
        let tx = Scripted {
            script: &[Some(0b1000)],
            calls: &calls,
        };
        let spec = FootprintSpec {
            op: Op::Read,
            pattern: Pattern::Seq,
            lines: 8,
            warmth: Warmth::Warm,
        };
        let t = b.run_with(tx, &spec, 200, |t| t.capacity == 7);
        assert_eq!((t.attempts, calls.get()), (7, 7));
    }

    #[test]
    #[should_panic(expected = "exceeds the buffer")]
    fn oversized_footprints_are_refused() {
        let mut b = FootprintBuffer::new(8, 3, &[Pattern::Seq]);
        let calls = Cell::new(0);
        let tx = Scripted {
            script: &[None],
            calls: &calls,
        };
        let spec = FootprintSpec {
            op: Op::Read,
            pattern: Pattern::SameSet,
            lines: 2,
            warmth: Warmth::Warm,
        };
        b.run_with(tx, &spec, 1, |_| false);
    }

    #[test]
    fn buffers_are_sized_for_their_patterns() {
        let all = FootprintBuffer::new(16, 1, &ALL);
        assert_eq!(all.max_lines(Pattern::SameSet), 16);
        assert_eq!(all.max_lines(Pattern::Random), 16 * 4096 / 256);
        assert_eq!(all.max_lines(Pattern::Seq), 16 * 64);
        assert_eq!(all.list.capacity(), 16);
        let seq = FootprintBuffer::new(1000, 1, &[Pattern::Seq]);
        assert_eq!(
            seq.max_lines(Pattern::Seq),
            1024,
            "rounded up to whole pages"
        );
        assert_eq!(seq.max_lines(Pattern::SameSet), 0);
        assert_eq!(seq.scratch.capacity(), 0);
    }

    #[test]
    fn random_layouts_fit_in_the_reserved_capacity() {
        let mut b = FootprintBuffer::new(256, 9, &ALL);
        let (list_cap, scratch_cap) = (b.list.capacity(), b.scratch.capacity());
        for n in [1, 100, 256] {
            layout::random_lines(b.seed, n, &mut b.scratch, &mut b.list);
            assert_eq!(b.list.len(), n);
            assert!(
                b.list
                    .iter()
                    .all(|&l| (l as usize + 1) * 64 <= b.region.len())
            );
        }
        assert_eq!(
            (b.list.capacity(), b.scratch.capacity()),
            (list_cap, scratch_cap)
        );
    }
}
