//! `sl`: a skip list of at most [`MAX_LEVEL`] levels, p = 1/2.
//!
//! The algorithm is TinySTM's `intset` skip list (`USE_SKIPLIST`, Pugh's skip list in one
//! transaction per operation). Level 0 is a sorted list of every node; level `i + 1` is a sorted
//! sublist of level `i`. A node joins levels `0..level`, where `level` is drawn before the
//! transaction: 1, plus one more with probability 1/2 each, up to 32. A word holds the number of
//! levels in use (TinySTM's `set->level`): every operation reads it, an insert of a taller node
//! raises it, and a remove that empties the top levels lowers it.
//!
//! A search starts at the head on the top level in use and, on each level down to 0, moves right
//! while the next node's key is below the key looked for, remembering on each level the last node
//! it stayed at (`update[i]` in the C code). A lookup then compares the key it stopped at on level
//! 0. An insert of an absent key raises the level count if needed, writes the new node's key, and
//! on each of its levels reads the remembered node's link, writes it into the new node and points
//! the remembered node at the new one. A remove of a present key, on every level in use, reads the
//! remembered node's link and, if it points at the node, replaces it with the node's own link on
//! that level; then it lowers the level count past the empty top levels. These are the C code's
//! transactional reads and writes one for one; the C tail sentinel (`INT_MAX`) is the null link
//! here, and the new node's key and links are written through the transaction because the node
//! may be a reused one (see [`pool`](super::pool)).
//!
//! Nodes are [`SKIP_NODE_WORDS`] words: the key and 32 links, padded to five cache lines so that
//! every node starts a line and its key and first seven links share one. The C code allocates
//! `16 + 8 x level` bytes per node; a fixed size is what lets nodes be reused by any insert
//! whatever its level, and only the first line of most nodes is ever touched.
//!
//! The check proves the level count within `1..=32` with every level above it empty, level 0
//! sorted, duplicate-free, within the range and without a node reached twice, and every higher
//! level sorted and a sublist of the level below.

use super::pool::{NIL, NodeIndex, Pool};
use super::violation::{Stop, Violation};
use super::{Census, IntsetConfig, IntsetKind, NewNode, Structure};
use crate::Invalid;
use crate::slots::{Layout, Slots};
use tm::rng::SplitMix64;
use tm::{TWord, Tx};

/// The most levels a node joins.
pub const MAX_LEVEL: usize = 32;
/// Words per skip-list node: key, 32 links, padding to 40 (five cache lines).
pub const SKIP_NODE_WORDS: usize = 40;
/// The key's word.
const KEY: usize = 0;
/// The link on level 0; the link on level `i` is word `NEXT + i`.
const NEXT: usize = 1;

/// The skip list (see the module documentation).
#[derive(Debug)]
pub struct SkipList {
    pool: Pool<SKIP_NODE_WORDS>,
    /// The head's link on each level, packed.
    head: Slots,
    /// The number of levels in use, in `1..=MAX_LEVEL`.
    levels: Slots,
    range: u64,
}

impl SkipList {
    /// The link on level `level` of node `prev`, or of the head if `prev` is [`NIL`].
    #[inline]
    fn link(&self, prev: NodeIndex, level: usize) -> &TWord {
        if prev == NIL {
            self.head.get(level)
        } else {
            self.pool.word(prev, NEXT + level)
        }
    }

    /// Reads the number of levels in use.
    #[inline]
    fn levels<'a, T: Tx<'a>>(&'a self, tx: &mut T) -> Result<usize, Stop> {
        let levels = tx.read(self.levels.get(0))?;
        if (1..=MAX_LEVEL as u64).contains(&levels) {
            Ok(levels as usize)
        } else {
            Err(Violation::BadLevel { level: levels }.into())
        }
    }

    /// The search of every operation, from level `levels - 1` down to 0: `stay(i, node)` learns
    /// the node the search stayed at on level `i` ([`NIL`]: the head). Returns the node the search
    /// stopped at on level 0 and whether it holds `key`.
    #[inline]
    fn search<'a, T: Tx<'a>>(
        &'a self,
        tx: &mut T,
        key: u64,
        levels: usize,
        mut stay: impl FnMut(usize, NodeIndex),
    ) -> Result<(NodeIndex, bool), Stop> {
        let mut prev = NIL;
        let (mut next, mut found) = (NIL, false);
        // Keys strictly increase along the whole search path, so it moves right at most
        // `nodes - 1` times in a valid list.
        let mut budget = self.pool.nodes();
        for i in (0..levels).rev() {
            next = self.pool.index(tx.read(self.link(prev, i))?)?;
            found = false;
            while next != NIL {
                let k = tx.read(self.pool.word(next, KEY))?;
                if k >= key {
                    found = k == key;
                    break;
                }
                if budget == 0 {
                    return Err(Violation::StepLimit {
                        limit: self.pool.nodes(),
                    }
                    .into());
                }
                budget -= 1;
                prev = next;
                next = self.pool.index(tx.read(self.link(prev, i))?)?;
            }
            stay(i, prev);
        }
        Ok((next, found))
    }

    /// Walks level `level` from the head with plain loads; `seen[n]` is the number of levels
    /// below on which node `n` was found, and becomes `level + 1` for every node of this level.
    fn census_level(&self, level: usize, seen: &mut [u8]) -> Result<u64, String> {
        let mut count = 0;
        let mut previous: Option<u64> = None;
        let mut raw = self.head.get(level).load();
        // Level 0 marks each node once and refuses a second visit; higher levels accept only
        // nodes marked on the level below and keys strictly increasing: either way the walk ends.
        loop {
            let node = self
                .pool
                .index(raw)
                .map_err(|_| format!("link: level {level} holds link {raw}, outside the pool"))?;
            if node == NIL {
                return Ok(count);
            }
            let key = self.pool.word(node, KEY).load();
            let below = seen[node as usize];
            if level == 0 && below != 0 {
                return Err(format!(
                    "reachable twice: node {node} (key {key}) is reached a second time on level 0 \
                     (a cycle)"
                ));
            }
            if level > 0 && usize::from(below) != level {
                return Err(format!(
                    "sublist: level {level} holds node {node} (key {key}), which is not on level \
                     {}",
                    level - 1
                ));
            }
            if key >= self.range {
                return Err(format!(
                    "range: node {node} holds key {key}, outside [0, {})",
                    self.range
                ));
            }
            match previous {
                Some(p) if p == key => {
                    return Err(format!(
                        "duplicate-free: key {key} appears twice on level {level}"
                    ));
                }
                Some(p) if p > key => {
                    return Err(format!(
                        "sorted: key {key} (node {node}) follows key {p} on level {level}"
                    ));
                }
                _ => {}
            }
            seen[node as usize] = level as u8 + 1;
            count += 1;
            previous = Some(key);
            raw = self.pool.word(node, NEXT + level).load();
        }
    }
}

impl Structure for SkipList {
    const KIND: IntsetKind = IntsetKind::SkipList;
    const SETUP_DESCENDING: bool = true;

    fn empty(config: &IntsetConfig, nodes: u32) -> Result<SkipList, Invalid> {
        let levels = Slots::new(1, Layout::Lines, "--range")?;
        levels.get(0).store(1);
        Ok(SkipList {
            pool: Pool::new(nodes),
            head: Slots::new(MAX_LEVEL, Layout::Packed, "--range")?,
            levels,
            range: config.range as u64,
        })
    }

    fn nodes(&self) -> u32 {
        self.pool.nodes()
    }

    fn fresh(&self) -> Option<NodeIndex> {
        self.pool.fresh()
    }

    fn drawn(&self) -> u32 {
        self.pool.drawn()
    }

    /// 1, plus one per trailing one bit of a random word: P(level >= l) = 2^-(l-1), up to 32.
    #[inline]
    fn draw_level(rng: &mut SplitMix64) -> u32 {
        (rng.next_u64().trailing_ones() + 1).min(MAX_LEVEL as u32)
    }

    #[inline]
    fn contains<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64) -> Result<bool, Stop> {
        let levels = self.levels(tx)?;
        Ok(self.search(tx, key, levels, |_, _| {})?.1)
    }

    #[inline]
    fn insert<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64, node: NewNode) -> Result<bool, Stop> {
        let n = self.pool.real(node.index)?;
        let level = node.level as usize;
        if !(1..=MAX_LEVEL).contains(&level) {
            return Err(Violation::BadLevel {
                level: u64::from(node.level),
            }
            .into());
        }
        let levels = self.levels(tx)?;
        let mut update = [NIL; MAX_LEVEL];
        let (_, found) = self.search(tx, key, levels, |i, p| update[i] = p)?;
        if found {
            return Ok(false);
        }
        if level > levels {
            // The new levels start at the head (`update` already holds NIL there).
            tx.write(self.levels.get(0), level as u64)?;
        }
        tx.write(self.pool.word(n, KEY), key)?;
        for (i, &p) in update.iter().enumerate().take(level) {
            let link = self.link(p, i);
            let next = self.pool.index(tx.read(link)?)?;
            tx.write(self.pool.word(n, NEXT + i), u64::from(next))?;
            tx.write(link, u64::from(n))?;
        }
        Ok(true)
    }

    #[inline]
    fn remove<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64) -> Result<Option<NodeIndex>, Stop> {
        let levels = self.levels(tx)?;
        let mut update = [NIL; MAX_LEVEL];
        let (node, found) = self.search(tx, key, levels, |i, p| update[i] = p)?;
        if !found {
            return Ok(None);
        }
        for (i, &p) in update.iter().enumerate().take(levels) {
            let link = self.link(p, i);
            if self.pool.index(tx.read(link)?)? == node {
                let next = self.pool.index(tx.read(self.pool.word(node, NEXT + i))?)?;
                tx.write(link, u64::from(next))?;
            }
        }
        let mut top = levels - 1;
        while top > 0 && self.pool.index(tx.read(self.head.get(top))?)? == NIL {
            top -= 1;
        }
        if top + 1 != levels {
            tx.write(self.levels.get(0), top as u64 + 1)?;
        }
        Ok(Some(node))
    }

    fn regions(&self) -> tm::regions::Regions {
        let mut r = tm::regions::Regions::new();
        r.add(self.pool.region("skip-list nodes"))
            .add(self.head.region("skip-list heads"))
            .add(self.levels.region("skip-list levels"));
        r
    }

    fn census(&self) -> Result<Census, String> {
        let levels = self.levels.get(0).load();
        if !(1..=MAX_LEVEL as u64).contains(&levels) {
            return Err(format!(
                "levels: the level count is {levels}, outside 1..={MAX_LEVEL}"
            ));
        }
        let levels = levels as usize;
        if let Some(l) = (levels..MAX_LEVEL).find(|&l| self.head.get(l).load() != u64::from(NIL)) {
            return Err(format!(
                "levels: level {l} is in use, above the level count {levels}"
            ));
        }
        let mut seen = vec![0u8; self.pool.nodes() as usize];
        let size = self.census_level(0, &mut seen)?;
        for level in 1..levels {
            self.census_level(level, &mut seen)?;
        }
        Ok(Census {
            size,
            reachable: seen.iter().map(|&s| s > 0).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{self, Model};
    use super::*;

    /// The nodes of level `level` in order.
    fn level(s: &SkipList, level: usize) -> Vec<NodeIndex> {
        let mut out = Vec::new();
        let mut n = s.head.get(level).load() as NodeIndex;
        while n != NIL {
            out.push(n);
            n = s.pool.word(n, NEXT + level).load() as NodeIndex;
        }
        out
    }

    /// A list of keys 0..64 (so several levels are in use).
    fn build() -> SkipList {
        let keys: Vec<u64> = (0..64).map(|i| (i * 37) % 64).collect();
        testing::filled::<SkipList>(&keys, 64)
    }

    #[test]
    fn levels_thin_out_by_half() {
        let mut rng = SplitMix64::new(1);
        let mut at_least = [0u32; 4];
        for _ in 0..100_000 {
            let l = SkipList::draw_level(&mut rng) as usize;
            assert!((1..=MAX_LEVEL).contains(&l));
            for (i, c) in at_least.iter_mut().enumerate() {
                *c += u32::from(l > i);
            }
        }
        // 100 000, 50 000, 25 000, 12 500 expected; the binomial deviations are below 200.
        assert_eq!(at_least[0], 100_000);
        assert!((49_000..51_000).contains(&at_least[1]), "{at_least:?}");
        assert!((24_000..26_000).contains(&at_least[2]), "{at_least:?}");
        assert!((11_800..13_200).contains(&at_least[3]), "{at_least:?}");
    }

    #[test]
    fn every_level_is_a_sorted_sublist_and_the_level_count_follows() {
        let s = build();
        let levels = s.levels.get(0).load() as usize;
        assert!(levels > 1, "64 keys should use several levels");
        assert_eq!(level(&s, 0).len(), 64);
        assert!(!level(&s, levels - 1).is_empty());
        for l in 1..levels {
            assert!(level(&s, l).len() <= level(&s, l - 1).len());
        }
        // Removing every key empties every level and lowers the count back to 1.
        for k in 0..64 {
            assert!(
                s.remove(&mut super::super::pool::Direct, k)
                    .unwrap()
                    .is_some()
            );
        }
        assert_eq!(s.levels.get(0).load(), 1);
        assert_eq!(s.census().unwrap().size, 0);
    }

    #[test]
    fn the_check_names_each_broken_property() {
        // Two keys swapped on level 0.
        let s = build();
        let n = level(&s, 0);
        s.pool.word(n[10], KEY).store(11);
        s.pool.word(n[11], KEY).store(10);
        testing::fails_with(&s, "sorted");
        // A node unlinked from level 0 only: it remains on level 1, which is no longer a sublist.
        let s = build();
        let up = level(&s, 1)[0];
        let zero = level(&s, 0);
        let at = zero.iter().position(|&n| n == up).unwrap();
        let next = s.pool.word(up, NEXT).load();
        if at == 0 {
            s.head.get(0).store(next);
        } else {
            s.pool.word(zero[at - 1], NEXT).store(next);
        }
        testing::fails_with(&s, "sublist");
        // A level above the level count in use.
        let s = build();
        let levels = s.levels.get(0).load();
        s.levels.get(0).store(levels - 1);
        testing::fails_with(&s, "levels");
        s.levels.get(0).store(0);
        testing::fails_with(&s, "levels");
        // A cycle on level 0.
        let s = build();
        let n = level(&s, 0);
        s.pool.word(n[63], NEXT).store(u64::from(n[5]));
        testing::fails_with(&s, "reachable twice");
    }

    #[test]
    fn operations_on_garbage_stop_with_a_violation() {
        let s = build();
        s.levels.get(0).store(99);
        assert!(matches!(
            s.contains(&mut super::super::pool::Direct, 3),
            Err(Stop::Broken(Violation::BadLevel { level: 99 }))
        ));
        let s = build();
        let n = level(&s, 0);
        s.pool.word(n[63], NEXT).store(u64::from(n[5]));
        s.levels.get(0).store(1);
        assert!(matches!(
            s.contains(&mut super::super::pool::Direct, 64),
            Err(Stop::Broken(Violation::StepLimit { .. }))
        ));
    }

    proptest::proptest! {
        #[test]
        fn matches_a_sequential_model(ops in testing::ops(48), initial in 0usize..24) {
            Model::<SkipList>::new(initial, 48).run(&ops)?;
        }
    }
}
