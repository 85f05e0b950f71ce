//! The redo log: a transaction's buffered writes, with fast read-after-write lookup.
//!
//! Entries are kept in write order in a vector that is reused across transactions. A 64-bit Bloom
//! filter (one bit per word, chosen by hash) answers most "did I write this word?" questions for
//! reads of words not written, in one test. Up to [`LINEAR_MAX`] entries a lookup then scans the
//! vector; past that an open-addressing hash index of entry numbers is built and kept up to date.
//! Index slots carry a stamp of the transaction that filled them, so clearing the log is O(1):
//! bump the stamp. The index grows only when a larger write set than ever before appears, so the
//! steady state allocates nothing.

use tm::TWord;

/// Write sets up to this size are searched linearly (faster than hashing for so few entries).
pub const LINEAR_MAX: usize = 8;

/// One buffered write.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    /// The word written.
    pub word: &'a TWord,
    /// The value it will hold after the commit.
    pub value: u64,
}

/// A reusable redo log (see the module documentation).
#[derive(Debug, Default)]
pub struct RedoLog<'a> {
    entries: Vec<Entry<'a>>,
    filter: u64,
    /// Slots of `(stamp << 32) | entry index`; a slot whose stamp differs from `stamp` is empty.
    index: Vec<u64>,
    stamp: u32,
    indexed: bool,
}

#[inline]
fn hash(word: &TWord) -> u64 {
    // Fibonacci hashing of the word address: the high bits of the product are well mixed.
    ((word as *const TWord as usize as u64) >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[inline]
fn filter_bit(h: u64) -> u64 {
    1 << (h >> 58)
}

impl<'a> RedoLog<'a> {
    /// An empty log.
    pub fn new() -> Self {
        RedoLog {
            entries: Vec::new(),
            filter: 0,
            index: Vec::new(),
            stamp: 1,
            indexed: false,
        }
    }

    /// Forgets every entry, keeping the memory.
    #[inline]
    pub fn clear(&mut self) {
        self.entries.clear();
        self.filter = 0;
        if self.indexed {
            self.indexed = false;
            self.stamp = self.stamp.wrapping_add(1);
            if self.stamp == 0 {
                self.reset_index();
            }
        }
    }

    #[cold]
    fn reset_index(&mut self) {
        self.index.iter_mut().for_each(|s| *s = 0);
        self.stamp = 1;
    }

    /// Number of distinct words written.
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in the order their words were first written.
    #[inline]
    pub fn entries(&self) -> &[Entry<'a>] {
        &self.entries
    }

    /// The value buffered for `word`, if it was written.
    #[inline]
    pub fn get(&self, word: &TWord) -> Option<u64> {
        let h = hash(word);
        if self.filter & filter_bit(h) == 0 {
            return None;
        }
        self.position(word, h).map(|i| self.entries[i].value)
    }

    /// Buffers `value` for `word`, replacing an earlier value.
    #[inline]
    pub fn insert(&mut self, word: &'a TWord, value: u64) {
        let h = hash(word);
        let bit = filter_bit(h);
        if self.filter & bit != 0
            && let Some(i) = self.position(word, h)
        {
            self.entries[i].value = value;
            return;
        }
        self.filter |= bit;
        self.entries.push(Entry { word, value });
        if self.entries.len() > LINEAR_MAX {
            self.index_last(h);
        }
    }

    /// Out of line: reached only when the Bloom filter says the word may be in the log, so the
    /// read barriers that inline [`RedoLog::get`] stay small.
    #[inline(never)]
    fn position(&self, word: &TWord, h: u64) -> Option<usize> {
        if !self.indexed {
            return self
                .entries
                .iter()
                .position(|e| core::ptr::eq(e.word, word));
        }
        let mask = self.index.len() - 1;
        let mut slot = (h >> 32) as usize & mask;
        loop {
            let s = self.index[slot];
            if (s >> 32) as u32 != self.stamp {
                return None;
            }
            let i = s as u32 as usize;
            if core::ptr::eq(self.entries[i].word, word) {
                return Some(i);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Adds the newest entry (hash `h`) to the index, building or growing the index as needed.
    fn index_last(&mut self, h: u64) {
        let n = self.entries.len();
        if !self.indexed || n * 2 > self.index.len() {
            self.rebuild(n);
            return;
        }
        self.put(h, n - 1);
    }

    #[cold]
    fn rebuild(&mut self, n: usize) {
        let want = (n * 4).next_power_of_two().max(64);
        if want > self.index.len() {
            self.index = vec![0; want];
            self.stamp = 1;
        } else {
            self.stamp = self.stamp.wrapping_add(1);
            if self.stamp == 0 {
                self.reset_index();
            }
        }
        self.indexed = true;
        for i in 0..n {
            self.put(hash(self.entries[i].word), i);
        }
    }

    #[inline]
    fn put(&mut self, h: u64, i: usize) {
        assert!(i <= u32::MAX as usize, "redo log over 2^32 entries");
        let mask = self.index.len() - 1;
        let mut slot = (h >> 32) as usize & mask;
        while (self.index[slot] >> 32) as u32 == self.stamp {
            slot = (slot + 1) & mask;
        }
        self.index[slot] = (u64::from(self.stamp) << 32) | i as u64;
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn read_after_write_and_overwrite() {
        let words: Vec<TWord> = (0..100).map(TWord::new).collect();
        let mut log = RedoLog::new();
        for round in 0..3u64 {
            log.clear();
            let mut reference = HashMap::new();
            for (k, w) in words.iter().enumerate().take(10 + 40 * round as usize) {
                log.insert(w, k as u64 + round);
                reference.insert(k, k as u64 + round);
            }
            // Overwrite every third word.
            for (k, w) in words.iter().enumerate().step_by(3) {
                if reference.contains_key(&k) {
                    log.insert(w, 1000 + k as u64);
                    reference.insert(k, 1000 + k as u64);
                }
            }
            for (k, w) in words.iter().enumerate() {
                assert_eq!(log.get(w), reference.get(&k).copied(), "word {k}");
            }
            assert_eq!(log.len(), reference.len());
            let distinct: std::collections::HashSet<_> = log
                .entries()
                .iter()
                .map(|e| e.word as *const TWord)
                .collect();
            assert_eq!(distinct.len(), log.len());
        }
        log.clear();
        assert!(log.is_empty());
        assert!(words.iter().all(|w| log.get(w).is_none()));
    }

    #[test]
    fn stamp_wrap_clears_the_index() {
        let words: Vec<TWord> = (0..20).map(TWord::new).collect();
        let mut log = RedoLog::new();
        for w in &words {
            log.insert(w, 1);
        }
        log.stamp = u32::MAX;
        log.indexed = true;
        log.clear();
        assert_eq!(log.stamp, 1);
        assert!(words.iter().all(|w| log.get(w).is_none()));
        for w in &words[..12] {
            log.insert(w, 2);
        }
        assert!(words[..12].iter().all(|w| log.get(w) == Some(2)));
        assert!(words[12..].iter().all(|w| log.get(w).is_none()));
    }

    proptest::proptest! {
        /// Any sequence of inserts, lookups and clears agrees with a `HashMap`.
        #[test]
        fn agrees_with_a_map(ops in proptest::collection::vec((0u8..3, 0usize..64, proptest::num::u64::ANY), 0..300)) {
            let words: Vec<TWord> = (0..64).map(TWord::new).collect();
            let mut log = RedoLog::new();
            let mut map = HashMap::new();
            for (kind, w, v) in ops {
                match kind {
                    0 => {
                        log.insert(&words[w], v);
                        map.insert(w, v);
                    }
                    1 => proptest::prop_assert_eq!(log.get(&words[w]), map.get(&w).copied()),
                    _ if v % 16 == 0 => {
                        log.clear();
                        map.clear();
                    }
                    _ => {}
                }
                proptest::prop_assert_eq!(log.len(), map.len());
            }
            for (w, word) in words.iter().enumerate() {
                proptest::prop_assert_eq!(log.get(word), map.get(&w).copied());
            }
        }
    }
}
