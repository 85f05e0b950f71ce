//! Ownership records: one 64-bit word per (hashed) 64-byte line, holding every registration of
//! that line by a running transaction.
//!
//! | bits | meaning |
//! |---|---|
//! | 0..56 | visible readers: bit `t` is set while thread slot `t`'s transaction has the line in its read set |
//! | 56..62 | the writer: 0, or `t + 1` while thread slot `t`'s transaction has the line in its write set |
//! | 62 | NONTX: a non-transactional write of the line is in progress |
//! | 63 | unused |
//!
//! Keeping all of a line's registrations in one word gives every line a single modification
//! order, as cache coherence does: any two accesses to a line are ordered by their
//! read-modify-writes of its word, and the later one sees the earlier one's registration. That
//! is what makes requester-wins exact (the requester is whoever updates the word second) without
//! locks, and what the loom models check.
//!
//! Lines are mapped onto the table by Fibonacci hashing of the line number (Knuth's
//! multiplicative hashing, golden-ratio constant), which spreads consecutive lines and fixed
//! strides (4 KiB same-set patterns) evenly. Two lines that share a record conflict like one
//! line: with `2^bits` records, an access collides with another thread's registrations with
//! probability about (lines tracked by other running transactions) / `2^bits`, about 2e-4 for a
//! full 768-line L1 at the default 2^22 records. That is the model's only source of false
//! conflicts besides the configured Bloom false-positive rate.

use tm::primitive::AtomicU64;

/// The most threads a model admits at once (one reader bit each).
pub const MAX_THREADS: usize = 56;

/// The reader bits.
pub(crate) const READERS: u64 = (1 << MAX_THREADS) - 1;
const WRITER_SHIFT: u32 = 56;
/// The writer field.
pub(crate) const WRITER: u64 = 0x3f << WRITER_SHIFT;
/// A non-transactional write is in progress.
pub(crate) const NONTX: u64 = 1 << 62;

/// The reader bit of thread slot `slot`.
#[inline(always)]
pub(crate) const fn reader_bit(slot: usize) -> u64 {
    1 << slot
}

/// The writer registered in `word`, if any.
#[inline(always)]
pub(crate) const fn writer(word: u64) -> Option<usize> {
    let w = (word & WRITER) >> WRITER_SHIFT;
    if w == 0 { None } else { Some(w as usize - 1) }
}

/// `word` with `slot` as its writer.
#[inline(always)]
pub(crate) const fn with_writer(word: u64, slot: usize) -> u64 {
    (word & !WRITER) | (((slot as u64) + 1) << WRITER_SHIFT)
}

/// `word` without `slot`'s registrations (its reader bit, and the writer field if it is `slot`).
#[inline(always)]
pub(crate) const fn without(word: u64, slot: usize) -> u64 {
    let mut w = word & !reader_bit(slot);
    if let Some(s) = writer(w)
        && s == slot
    {
        w &= !WRITER;
    }
    w
}

/// The table of ownership records.
pub(crate) struct OrecTable {
    words: Box<[AtomicU64]>,
    shift: u32,
}

impl OrecTable {
    /// A table of `2^bits` free records (`1 <= bits <= 28`).
    pub(crate) fn new(bits: u32) -> OrecTable {
        debug_assert!((1..=28).contains(&bits));
        OrecTable {
            words: zeroed(1usize << bits),
            shift: 64 - bits,
        }
    }

    /// The record index of line number `line`.
    #[inline(always)]
    pub(crate) fn index(&self, line: u64) -> usize {
        #[cfg(not(loom))]
        return (line.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        // Under loom, the line number modulo the size: the lines of one loom model are
        // consecutive, so they never share a record, and the paths loom explores do not depend
        // on where the allocator put them (loom requires the model to be deterministic).
        #[cfg(loom)]
        return (line & ((1u64 << (64 - self.shift)) - 1)) as usize;
    }

    /// Record `i`.
    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> &AtomicU64 {
        &self.words[i]
    }

    /// Number of records.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn len(&self) -> usize {
        self.words.len()
    }
}

/// `n` zeroed atomics without touching their memory: a large table costs only the pages used.
#[cfg(not(loom))]
fn zeroed(n: usize) -> Box<[AtomicU64]> {
    let table = Box::<[AtomicU64]>::new_zeroed_slice(n);
    // SAFETY: `AtomicU64` has the size, alignment and bit validity of `u64` (it is documented
    // to have the same in-memory representation), so all-zero bytes are a valid
    // `AtomicU64::new(0)` for every element.
    unsafe { table.assume_init() }
}

/// Under loom every atomic is a tracked object: the tables are tiny, built one by one.
#[cfg(loom)]
fn zeroed(n: usize) -> Box<[AtomicU64]> {
    (0..n).map(|_| AtomicU64::new(0)).collect()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use tm::primitive::Ordering;

    #[test]
    fn fields_do_not_overlap() {
        assert_eq!(READERS & WRITER, 0);
        assert_eq!((READERS | WRITER) & NONTX, 0);
        for slot in 0..MAX_THREADS {
            let other = (slot + 1) % MAX_THREADS;
            let w = with_writer(reader_bit(other), slot);
            assert_eq!(writer(w), Some(slot));
            assert_eq!(w & READERS, reader_bit(other));
            assert_eq!(without(w, slot), reader_bit(other));
            assert_eq!(without(w | NONTX, other), with_writer(NONTX, slot));
            assert_eq!(without(w | reader_bit(slot), slot), reader_bit(other));
        }
        assert_eq!(writer(READERS | NONTX), None);
    }

    #[test]
    fn table_starts_free_and_spreads_consecutive_lines() {
        let t = OrecTable::new(22);
        assert_eq!(t.len(), 1 << 22);
        assert_eq!(t.get(12345).load(Ordering::Relaxed), 0);
        // Consecutive lines and 4 KiB strides (64 lines apart) all get distinct records.
        for stride in [1u64, 64] {
            let mut seen: Vec<usize> = (0..1u64 << 16)
                .map(|i| t.index(0x7f00_0000 + i * stride))
                .collect();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), 1 << 16, "stride {stride}");
        }
    }
}
