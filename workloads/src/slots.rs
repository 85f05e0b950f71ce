//! Arrays of transactional words laid out one per cache line or packed.
//!
//! Hardware TM detects conflicts and tracks capacity per 64-byte cache line; a word-based STM
//! per word (or per stripe). Where a workload's words sit is therefore part of the experiment, and
//! [`Slots`] makes it explicit: slot `i` is either the first word of its own line
//! ([`Layout::Lines`], nothing else shares the line) or word `i` of a dense array
//! ([`Layout::Packed`], eight slots per line). The storage is 64-byte aligned in both cases, so
//! "packed" means exactly eight slots per line and "lines" exactly one.

use crate::Invalid;
use tm::TWord;

/// Bytes in a cache line on every x86-64 CPU tmlab runs on.
pub const LINE_BYTES: usize = 64;
/// Words in a cache line.
pub const WORDS_PER_LINE: usize = LINE_BYTES / 8;

/// Where consecutive slots lie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Layout {
    /// One slot per 64-byte line: slots never share a line.
    Lines,
    /// Eight slots per line, as a plain `[u64]` would be.
    Packed,
}

impl Layout {
    /// The stable name used on command lines and in result files: `lines` or `packed`.
    pub const fn name(self) -> &'static str {
        match self {
            Layout::Lines => "lines",
            Layout::Packed => "packed",
        }
    }

    /// The layout named `name`.
    pub fn from_name(name: &str) -> Option<Layout> {
        match name {
            "lines" => Some(Layout::Lines),
            "packed" => Some(Layout::Packed),
            _ => None,
        }
    }

    /// Words from one slot to the next.
    const fn stride(self) -> usize {
        match self {
            Layout::Lines => WORDS_PER_LINE,
            Layout::Packed => 1,
        }
    }
}

/// One cache line of words, aligned to its line.
#[repr(C, align(64))]
#[derive(Default)]
pub(crate) struct Line(pub(crate) [TWord; WORDS_PER_LINE]);

/// The most slots an array may have (2^24: 1 GiB of lines in the `lines` layout).
pub const MAX_SLOTS: usize = 1 << 24;

/// `len` transactional words (slots) laid out as `layout` says, all starting at 0.
pub struct Slots {
    lines: Box<[Line]>,
    len: usize,
    stride: usize,
}

impl core::fmt::Debug for Slots {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Slots")
            .field("len", &self.len)
            .field("stride", &self.stride)
            .finish_non_exhaustive()
    }
}

impl Slots {
    /// `len` zeroed slots; `flag` names the option that sized them, for the error.
    pub fn new(len: usize, layout: Layout, flag: &str) -> Result<Slots, Invalid> {
        Invalid::range(flag, len, 1, MAX_SLOTS)?;
        let stride = layout.stride();
        let lines = (len * stride).div_ceil(WORDS_PER_LINE);
        // Every line is written once here, so the pages are faulted in before any transaction
        // touches them (a first touch inside a hardware transaction aborts it).
        let lines: Box<[Line]> = (0..lines).map(|_| Line::default()).collect();
        Ok(Slots { lines, len, stride })
    }

    /// The number of slots.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never: a `Slots` has at least one slot.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slot `i`.
    ///
    /// # Panics
    /// If `i >= len()`.
    #[inline]
    pub fn get(&self, i: usize) -> &TWord {
        assert!(i < self.len, "slot {i} of {}", self.len);
        let w = i * self.stride;
        &self.lines[w / WORDS_PER_LINE].0[w % WORDS_PER_LINE]
    }

    /// Every slot, in order.
    pub fn iter(&self) -> impl Iterator<Item = &TWord> + '_ {
        (0..self.len).map(|i| self.get(i))
    }

    /// The slots as a named region ([`tm::regions`]): element `i` is slot `i`, 8 bytes from the
    /// next when packed, 64 in the `lines` layout.
    pub fn region(&self, name: &'static str) -> tm::regions::Region {
        tm::regions::Region::new(name, self.get(0), self.stride * 8, self.len)
    }

    /// The wrapping sum of every slot, read outside any transaction (for checks after the threads
    /// joined).
    pub fn sum(&self) -> u64 {
        self.iter().map(TWord::load).fold(0, u64::wrapping_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_never_share_a_cache_line_and_packed_fill_one() {
        let lines = Slots::new(20, Layout::Lines, "--words").unwrap();
        let packed = Slots::new(20, Layout::Packed, "--words").unwrap();
        let line_of = |w: &TWord| (w as *const TWord as usize) / LINE_BYTES;
        for i in 1..20 {
            assert_ne!(line_of(lines.get(i)), line_of(lines.get(i - 1)));
            assert_eq!(
                line_of(packed.get(i)) == line_of(packed.get(i - 1)),
                i % WORDS_PER_LINE != 0
            );
        }
        assert_eq!((packed.get(0) as *const TWord as usize) % LINE_BYTES, 0);
        packed.get(3).store(5);
        lines.get(19).store(7);
        assert_eq!((packed.sum(), lines.sum()), (5, 7));
    }

    #[test]
    fn sizes_are_bounded() {
        assert!(Slots::new(0, Layout::Packed, "--words").is_err());
        let e = Slots::new(MAX_SLOTS + 1, Layout::Lines, "--words").unwrap_err();
        assert!(e.to_string().starts_with("--words: "), "{e}");
    }
}
