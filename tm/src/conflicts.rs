//! Where software transactions conflicted: a bounded, per-thread histogram of conflict words.
//!
//! A software backend knows, when an attempt aborts on a conflict, which word caused it: the word
//! whose lock was found busy, whose version was found newer than the snapshot, or whose value
//! failed validation. Its handle keeps a [`ConflictLog`] and records that word's address there,
//! on the abort path only (which is `#[cold]` already and followed by a backoff), so the commit
//! path pays nothing. A log records only once it has been [enabled](ConflictLog::enable) (the
//! runner enables it when attribution is asked for), so a plain run pays one predictable branch
//! per abort.
//!
//! The log is a fixed, open-addressed hash table of [`CONFLICT_SLOTS`] `(tag, address, count)`
//! entries (linear probing, at most [`MAX_PROBES`] slots per word), allocated once when the log
//! is enabled (a disabled log, the default, is a few words, so handles stay small: loom's
//! coroutine stacks overflowed with the 24 KiB table inline); then no allocation, ever, and
//! O(1) per abort even when a workload's conflicts spread over hundreds of words (an audit of
//! every account). A word that finds its probe window full is counted in the overflow of its tag
//! ([`ConflictLog::overflow`]), so the counts always sum to the words recorded and every abort
//! keeps its site. The *tag* is set by [`crate::sites::Attributed`] before every transaction (the
//! index of its site), so each word is charged to the site whose transaction aborted.
//!
//! Hardware TM gives no address (RTM reports none without a PMU): its handles have no log
//! ([`crate::Handle::conflicts`] returns `None`). Addresses become names (`accounts[17]`) through
//! the regions a workload registers ([`crate::regions`]).

/// Entries of a [`ConflictLog`] (a power of two); words that find no free slot within
/// [`MAX_PROBES`] are counted in its overflow.
pub const CONFLICT_SLOTS: usize = 1024;

/// Slots a word may probe, from its hash on, before it counts as overflow.
pub const MAX_PROBES: usize = 32;

/// Tags with an overflow count of their own: one per site record of
/// [`crate::sites::Attributed`] (larger tags share the last).
pub const OVERFLOW_TAGS: usize = crate::sites::MAX_SITES + 1;

/// One conflict word: the tag of the transactions that aborted on it, its address, and how often.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConflictEntry {
    /// The tag set when the aborts happened ([`ConflictLog::set_tag`]; 0 if never set).
    pub tag: u16,
    /// The word's address.
    pub addr: usize,
    /// Conflict aborts recorded on it.
    pub count: u64,
}

/// A bounded histogram of conflict words (see the module documentation).
#[derive(Clone, Debug)]
pub struct ConflictLog {
    enabled: bool,
    tag: u16,
    len: usize,
    /// Empty until [`ConflictLog::enable`], then exactly [`CONFLICT_SLOTS`] entries.
    entries: Vec<ConflictEntry>,
    /// Words that found `entries` full, by tag (clamped to the last).
    overflow: [u64; OVERFLOW_TAGS],
}

impl Default for ConflictLog {
    fn default() -> Self {
        ConflictLog::new()
    }
}

impl ConflictLog {
    /// An empty, disabled log.
    pub const fn new() -> ConflictLog {
        ConflictLog {
            enabled: false,
            tag: 0,
            len: 0,
            entries: Vec::new(),
            overflow: [0; OVERFLOW_TAGS],
        }
    }

    /// Starts recording; allocates the table the first time.
    pub fn enable(&mut self) {
        if self.entries.is_empty() {
            self.entries = vec![ConflictEntry::default(); CONFLICT_SLOTS];
        }
        self.enabled = true;
    }

    /// Whether the log records.
    #[inline]
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Sets the tag charged with the words recorded from now on.
    #[inline]
    pub fn set_tag(&mut self, tag: u16) {
        self.tag = tag;
    }

    /// Records one conflict abort on the word at `addr` (nothing if the log is disabled).
    #[cold]
    #[inline(never)]
    pub fn record(&mut self, addr: usize) {
        if !self.enabled {
            return;
        }
        let tag = self.tag;
        // Fibonacci hashing of the word index and the tag; the top bits pick the first slot.
        let key = ((addr >> 3) as u64) ^ (u64::from(tag) << 48);
        let first = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize;
        for p in 0..MAX_PROBES {
            // The mask keeps the index in bounds (CONFLICT_SLOTS is a power of two, and an
            // enabled log holds that many entries).
            let e = &mut self.entries[(first + p) & (CONFLICT_SLOTS - 1)];
            if e.count == 0 {
                *e = ConflictEntry {
                    tag,
                    addr,
                    count: 1,
                };
                self.len += 1;
                return;
            }
            if e.addr == addr && e.tag == tag {
                e.count += 1;
                return;
            }
        }
        self.overflow[usize::from(tag).min(OVERFLOW_TAGS - 1)] += 1;
    }

    /// The words recorded (in slot order).
    pub fn entries(&self) -> impl Iterator<Item = &ConflictEntry> + '_ {
        self.entries.iter().filter(|e| e.count > 0)
    }

    /// The number of distinct words recorded.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no word was recorded (the overflow aside).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Conflict aborts whose word found the log full.
    pub fn overflow(&self) -> u64 {
        self.overflow.iter().sum()
    }

    /// Every conflict abort recorded: the entries' counts plus the overflow.
    pub fn total(&self) -> u64 {
        self.entries().map(|e| e.count).sum::<u64>() + self.overflow()
    }

    /// Forgets every word recorded (keeps whether it is enabled and its tag).
    pub fn clear(&mut self) {
        if self.len > 0 {
            self.entries.iter_mut().for_each(|e| e.count = 0);
        }
        self.len = 0;
        self.overflow = [0; OVERFLOW_TAGS];
    }
}

/// Conflict aborts on one word (or on the words that found the log full), charged to a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordCount {
    /// The site whose transactions aborted, if sites were attributed.
    pub site: Option<String>,
    /// The word's address; `None` for the words that found the log full.
    pub addr: Option<usize>,
    /// Conflict aborts.
    pub count: u64,
}

impl ConflictLog {
    /// The log's words, each tag named by `site` (`None`: no site), then each tag's overflow
    /// (with no address); their counts sum to [`ConflictLog::total`].
    pub fn words(&self, site: impl Fn(u16) -> Option<String>) -> Vec<WordCount> {
        let mut out: Vec<WordCount> = self
            .entries()
            .map(|e| WordCount {
                site: site(e.tag),
                addr: Some(e.addr),
                count: e.count,
            })
            .collect();
        for (tag, &count) in self.overflow.iter().enumerate() {
            if count > 0 {
                out.push(WordCount {
                    site: site(tag as u16),
                    addr: None,
                    count,
                });
            }
        }
        out
    }
}

/// Merges word counts (of several threads) by site and address, in order of first appearance.
pub fn merge_words<'w>(words: impl IntoIterator<Item = &'w WordCount>) -> Vec<WordCount> {
    let mut out: Vec<WordCount> = Vec::new();
    for w in words {
        match out
            .iter_mut()
            .find(|o| o.site == w.site && o.addr == w.addr)
        {
            Some(o) => o.count += w.count,
            None => out.push(w.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disabled_log_records_nothing() {
        let mut log = ConflictLog::new();
        log.record(8);
        assert_eq!(log.total(), 0);
        assert!(log.is_empty());
    }

    #[test]
    fn words_are_counted_per_tag_and_overflow_keeps_the_total() {
        let mut log = ConflictLog::new();
        log.enable();
        log.record(8);
        log.record(8);
        log.set_tag(3);
        log.record(8);
        let mut entries: Vec<ConflictEntry> = log.entries().copied().collect();
        entries.sort_by_key(|e| e.tag);
        assert_eq!(
            entries,
            [
                ConflictEntry {
                    tag: 0,
                    addr: 8,
                    count: 2
                },
                ConflictEntry {
                    tag: 3,
                    addr: 8,
                    count: 1
                }
            ]
        );
        // Hundreds of distinct words fit; more than the table holds overflow.
        for a in 0..500 {
            log.record(1000 + a * 8);
        }
        assert!(log.len() > 400, "{} of 502 words kept", log.len());
        let distinct = CONFLICT_SLOTS as u64 * 2;
        for a in 0..distinct {
            log.record(1_000_000 + a as usize * 8);
        }
        assert!(log.len() <= CONFLICT_SLOTS);
        assert!(log.overflow() > 0);
        assert_eq!(log.total(), 3 + 500 + distinct);
        // The overflow keeps its tag: the words of tag 3 name their site.
        let words = log.words(|t| Some(format!("site {t}")));
        let last = words.last().unwrap();
        assert_eq!(last.addr, None);
        assert_eq!(last.site.as_deref(), Some("site 3"));
        assert_eq!(words.iter().map(|w| w.count).sum::<u64>(), log.total());
        log.clear();
        assert_eq!(log.total(), 0);
        assert!(log.is_empty() && log.entries().next().is_none());
        assert!(log.is_enabled());
    }
}
