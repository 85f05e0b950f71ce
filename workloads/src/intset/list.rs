//! `ll`: a sorted singly linked list — and the sorted list code the hash set's buckets share.
//!
//! The algorithm is TinySTM's `intset` linked list (`USE_LINKEDLIST`): one transaction walks from
//! the head, reading each node's key and then its link, until it meets the first key not below
//! the one it looks for. A lookup returns whether that key is equal; an insert of an absent key
//! writes the new node's key and link and then the link that pointed at the position; a remove of
//! a present key reads the node's link and writes it into the link that pointed at the node. The
//! C code has sentinel head and tail nodes holding `INT_MIN` and `INT_MAX`; here the head is a
//! word of its own and the end of the list is the null link, which compares as larger than every
//! key. The C code initialises a freshly `malloc`ed node with plain stores before linking it; here
//! a reused node may still be read by a doomed transaction that reached it before its removal, so
//! its key and link are written through the transaction (two writes more per insert).
//!
//! A lookup for a uniformly drawn key passes about half of the list's nodes, reading two words
//! from each: the transaction size grows linearly with the size of the list, which makes `ll` the
//! transaction-size knob of the intset family ([`IntsetConfig::with_size`](super::IntsetConfig::with_size)).
//!
//! Nodes are [`LIST_NODE_WORDS`] words (32 bytes, two to a cache line): the key, the link, and
//! padding to the 32-byte chunk glibc's `malloc` gives the C benchmark's 16-byte nodes, so
//! hardware TM sees the same sharing of lines between nodes as it does in the C benchmark.
//!
//! The check walks the list with plain loads and proves it sorted and duplicate-free, every key
//! within the range, every link within the pool, and no node reached twice (which also rules out a
//! cycle).

use super::pool::{NIL, NodeIndex, Pool};
use super::violation::{Stop, Violation};
use super::{Census, IntsetConfig, IntsetKind, NewNode, Structure};
use crate::Invalid;
use crate::slots::{Layout, Slots};
use tm::{TWord, Tx};

/// Words per node of a sorted list (`ll`, `hs`): key, link, and two words of padding.
pub const LIST_NODE_WORDS: usize = 4;
/// The key's word in a list node.
pub(crate) const KEY: usize = 0;
/// The link's word in a list node.
pub(crate) const NEXT: usize = 1;

/// The pool of a structure made of sorted lists.
pub(crate) type ListPool = Pool<LIST_NODE_WORDS>;

/// Where a search for a key ended.
pub(crate) struct Spot<'a> {
    /// The link that points at `cur` (the head, or the previous node's link).
    link: &'a TWord,
    /// The first node whose key is not below the key looked for, or [`NIL`] at the end.
    cur: NodeIndex,
    /// Whether `cur` holds the key looked for.
    found: bool,
}

/// Walks the list starting at `head` to the first key not below `key`.
#[inline]
pub(crate) fn search<'a, T: Tx<'a>>(
    pool: &'a ListPool,
    head: &'a TWord,
    tx: &mut T,
    key: u64,
) -> Result<Spot<'a>, Stop> {
    let mut link = head;
    let mut cur = pool.index(tx.read(head)?)?;
    // A valid list has at most `nodes - 1` nodes, so the walk ends within `nodes` steps; more
    // means a cycle, which only a broken backend can show a transaction.
    for _ in 0..pool.nodes() {
        if cur == NIL {
            return Ok(Spot {
                link,
                cur,
                found: false,
            });
        }
        let k = tx.read(pool.word(cur, KEY))?;
        if k >= key {
            return Ok(Spot {
                link,
                cur,
                found: k == key,
            });
        }
        link = pool.word(cur, NEXT);
        cur = pool.index(tx.read(link)?)?;
    }
    Err(Violation::StepLimit {
        limit: pool.nodes(),
    }
    .into())
}

/// Whether the list at `head` holds `key`.
#[inline]
pub(crate) fn contains<'a, T: Tx<'a>>(
    pool: &'a ListPool,
    head: &'a TWord,
    tx: &mut T,
    key: u64,
) -> Result<bool, Stop> {
    Ok(search(pool, head, tx, key)?.found)
}

/// Inserts `key` into the list at `head` in node `node`, unless it is present.
#[inline]
pub(crate) fn insert<'a, T: Tx<'a>>(
    pool: &'a ListPool,
    head: &'a TWord,
    tx: &mut T,
    key: u64,
    node: NodeIndex,
) -> Result<bool, Stop> {
    let node = pool.real(node)?;
    let spot = search(pool, head, tx, key)?;
    if spot.found {
        return Ok(false);
    }
    tx.write(pool.word(node, KEY), key)?;
    tx.write(pool.word(node, NEXT), u64::from(spot.cur))?;
    tx.write(spot.link, u64::from(node))?;
    Ok(true)
}

/// Removes `key` from the list at `head`; returns the node it unlinked.
#[inline]
pub(crate) fn remove<'a, T: Tx<'a>>(
    pool: &'a ListPool,
    head: &'a TWord,
    tx: &mut T,
    key: u64,
) -> Result<Option<NodeIndex>, Stop> {
    let spot = search(pool, head, tx, key)?;
    if !spot.found {
        return Ok(None);
    }
    let next = pool.index(tx.read(pool.word(spot.cur, NEXT))?)?;
    tx.write(spot.link, u64::from(next))?;
    Ok(Some(spot.cur))
}

/// Walks the list at `head` with plain loads (no thread may be running) and checks it: every
/// link in the pool, no node reached twice (`reachable` marks the nodes seen, across calls),
/// keys strictly increasing and below `range`, and `place` accepting every key (the hash set
/// checks the bucket). Returns the number of nodes. `what` names the list in messages.
pub(crate) fn census(
    pool: &ListPool,
    head: &TWord,
    range: u64,
    reachable: &mut [bool],
    what: &dyn Fn() -> String,
    mut place: impl FnMut(u64) -> Result<(), String>,
) -> Result<u64, String> {
    let mut count = 0u64;
    let mut previous: Option<u64> = None;
    let mut raw = head.load();
    // Each node is marked when first reached and reaching it again is an error, so the walk
    // takes at most `nodes` steps whatever the links say.
    loop {
        let node = pool
            .index(raw)
            .map_err(|_| format!("link: {} holds link {raw}, outside the pool", what()))?;
        if node == NIL {
            return Ok(count);
        }
        let key = pool.word(node, KEY).load();
        if reachable[node as usize] {
            return Err(format!(
                "reachable twice: node {node} (key {key}) is reached a second time in {} (a \
                 cycle, or two lists sharing a node)",
                what()
            ));
        }
        reachable[node as usize] = true;
        count += 1;
        if key >= range {
            return Err(format!(
                "range: node {node} in {} holds key {key}, outside [0, {range})",
                what()
            ));
        }
        match previous {
            Some(p) if p == key => {
                return Err(format!(
                    "duplicate-free: key {key} appears twice in {}",
                    what()
                ));
            }
            Some(p) if p > key => {
                return Err(format!(
                    "sorted: key {key} (node {node}) follows key {p} in {}",
                    what()
                ));
            }
            _ => {}
        }
        place(key)?;
        previous = Some(key);
        raw = pool.word(node, NEXT).load();
    }
}

/// The sorted linked list (see the module documentation).
#[derive(Debug)]
pub struct LinkedList {
    pool: ListPool,
    /// The link to the first node, in a line of its own.
    head: Slots,
    range: u64,
}

impl Structure for LinkedList {
    const KIND: IntsetKind = IntsetKind::LinkedList;
    const SETUP_DESCENDING: bool = true;

    fn empty(config: &IntsetConfig, nodes: u32) -> Result<LinkedList, Invalid> {
        Ok(LinkedList {
            pool: Pool::new(nodes),
            head: Slots::new(1, Layout::Lines, "--range")?,
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

    #[inline]
    fn contains<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64) -> Result<bool, Stop> {
        contains(&self.pool, self.head.get(0), tx, key)
    }

    #[inline]
    fn insert<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64, node: NewNode) -> Result<bool, Stop> {
        insert(&self.pool, self.head.get(0), tx, key, node.index)
    }

    #[inline]
    fn remove<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64) -> Result<Option<NodeIndex>, Stop> {
        remove(&self.pool, self.head.get(0), tx, key)
    }

    fn regions(&self) -> tm::regions::Regions {
        let mut r = tm::regions::Regions::new();
        r.add(self.pool.region("list nodes"))
            .add(self.head.region("list head"));
        r
    }

    fn census(&self) -> Result<Census, String> {
        let mut reachable = vec![false; self.pool.nodes() as usize];
        let size = census(
            &self.pool,
            self.head.get(0),
            self.range,
            &mut reachable,
            &|| "the list".to_string(),
            |_| Ok(()),
        )?;
        Ok(Census { size, reachable })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{self, Model};
    use super::*;

    fn list(keys: &[u64], range: usize) -> LinkedList {
        testing::filled::<LinkedList>(keys, range)
    }

    #[test]
    fn a_built_list_is_sorted_and_passes() {
        let l = list(&[5, 1, 9, 3], 16);
        assert_eq!(l.census().unwrap().size, 4);
        let mut keys = Vec::new();
        let mut n = l.head.get(0).load() as NodeIndex;
        while n != NIL {
            keys.push(l.pool.word(n, KEY).load());
            n = l.pool.word(n, NEXT).load() as NodeIndex;
        }
        assert_eq!(keys, [1, 3, 5, 9]);
    }

    /// The nodes of `l` in list order.
    fn nodes(l: &LinkedList) -> Vec<NodeIndex> {
        let mut out = Vec::new();
        let mut n = l.head.get(0).load() as NodeIndex;
        while n != NIL {
            out.push(n);
            n = l.pool.word(n, NEXT).load() as NodeIndex;
        }
        out
    }

    #[test]
    fn the_check_names_each_broken_property() {
        // Two keys swapped.
        let l = list(&[1, 2, 3, 4], 8);
        let n = nodes(&l);
        l.pool.word(n[1], KEY).store(3);
        l.pool.word(n[2], KEY).store(2);
        testing::fails_with(&l, "sorted");
        // A duplicate.
        let l = list(&[1, 2, 3], 8);
        let n = nodes(&l);
        l.pool.word(n[1], KEY).store(1);
        testing::fails_with(&l, "duplicate-free");
        // A key outside the range.
        let l = list(&[1, 2, 3], 8);
        l.pool.word(nodes(&l)[2], KEY).store(8);
        testing::fails_with(&l, "range");
        // A cycle.
        let l = list(&[1, 2, 3], 8);
        let n = nodes(&l);
        l.pool.word(n[2], NEXT).store(u64::from(n[0]));
        testing::fails_with(&l, "reachable twice");
        // A link outside the pool.
        let l = list(&[1, 2, 3], 8);
        l.pool.word(nodes(&l)[0], NEXT).store(u64::MAX);
        testing::fails_with(&l, "link");
    }

    #[test]
    fn operations_on_garbage_stop_with_a_violation_instead_of_looping() {
        let l = list(&[1, 2, 3], 8);
        let n = nodes(&l);
        l.pool.word(n[2], NEXT).store(u64::from(n[0]));
        assert!(matches!(
            l.contains(&mut super::super::pool::Direct, 7),
            Err(Stop::Broken(Violation::StepLimit { .. }))
        ));
        l.pool.word(n[2], NEXT).store(1 << 40);
        assert!(matches!(
            l.remove(&mut super::super::pool::Direct, 7),
            Err(Stop::Broken(Violation::OutOfPool { .. }))
        ));
    }

    proptest::proptest! {
        #[test]
        fn matches_a_sequential_model(ops in testing::ops(48), initial in 0usize..24) {
            Model::<LinkedList>::new(initial, 48).run(&ops)?;
        }
    }
}
