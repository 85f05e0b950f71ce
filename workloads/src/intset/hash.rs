//! `hs`: a hash set of `buckets` sorted lists.
//!
//! A key's bucket is chosen by multiplicative (Fibonacci) hashing, `bucket = (key x 2^64/phi mod
//! 2^64) x buckets / 2^64`, which spreads consecutive keys over the buckets for any bucket count
//! (TinySTM's hash set multiplies by Knuth's 32-bit constant and masks to a power of two). Each
//! bucket is a sorted list operated on exactly as [`ll`](super::list) does, so an operation reads
//! the bucket's head word and the nodes of its bucket up to its key. TinySTM's bucket lists are
//! unsorted (insert at the head); sorted lists let a lookup of an absent key stop early, and make
//! the check's "sorted and duplicate-free" meaningful per bucket.
//!
//! The bucket heads are packed, eight to a cache line, as the C benchmark's `calloc`ed array of
//! pointers is; nodes are [`LIST_NODE_WORDS`](super::list::LIST_NODE_WORDS) words as in `ll`. The
//! check proves every bucket sorted and duplicate-free, every key in the bucket it hashes to and
//! within the range, and no node reached twice, within a bucket or across buckets.

use super::list::{self, ListPool};
use super::pool::{NodeIndex, Pool};
use super::violation::Stop;
use super::{Census, IntsetConfig, IntsetKind, NewNode, Structure};
use crate::Invalid;
use crate::slots::{Layout, Slots};
use tm::{TWord, Tx};

/// 2^64 / phi, odd: the multiplier of Fibonacci hashing.
const PHI: u64 = 0x9E37_79B9_7F4A_7C15;

/// The hash set (see the module documentation).
#[derive(Debug)]
pub struct HashTable {
    pool: ListPool,
    buckets: Slots,
    range: u64,
}

impl HashTable {
    /// The bucket `key` belongs to.
    #[inline]
    pub fn bucket_of(&self, key: u64) -> usize {
        ((u128::from(key.wrapping_mul(PHI)) * self.buckets.len() as u128) >> 64) as usize
    }

    /// The number of buckets.
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    #[inline]
    fn head(&self, key: u64) -> &TWord {
        self.buckets.get(self.bucket_of(key))
    }
}

impl Structure for HashTable {
    const KIND: IntsetKind = IntsetKind::HashSet;
    const SETUP_DESCENDING: bool = true;

    fn empty(config: &IntsetConfig, nodes: u32) -> Result<HashTable, Invalid> {
        Ok(HashTable {
            pool: Pool::new(nodes),
            buckets: Slots::new(config.buckets, Layout::Packed, "--buckets")?,
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
        list::contains(&self.pool, self.head(key), tx, key)
    }

    #[inline]
    fn insert<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64, node: NewNode) -> Result<bool, Stop> {
        list::insert(&self.pool, self.head(key), tx, key, node.index)
    }

    #[inline]
    fn remove<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64) -> Result<Option<NodeIndex>, Stop> {
        list::remove(&self.pool, self.head(key), tx, key)
    }

    fn regions(&self) -> tm::regions::Regions {
        let mut r = tm::regions::Regions::new();
        r.add(self.pool.region("list nodes"))
            .add(self.buckets.region("bucket heads"));
        r
    }

    fn census(&self) -> Result<Census, String> {
        let mut reachable = vec![false; self.pool.nodes() as usize];
        let mut size = 0;
        for b in 0..self.buckets.len() {
            size += list::census(
                &self.pool,
                self.buckets.get(b),
                self.range,
                &mut reachable,
                &|| format!("bucket {b}"),
                |key| {
                    let home = self.bucket_of(key);
                    if home == b {
                        Ok(())
                    } else {
                        Err(format!(
                            "hash: key {key} is in bucket {b} but hashes to bucket {home}"
                        ))
                    }
                },
            )?;
        }
        Ok(Census { size, reachable })
    }
}

#[cfg(test)]
mod tests {
    use super::super::list::{KEY, NEXT};
    use super::super::pool::NIL;
    use super::super::testing::{self, Model};
    use super::*;

    #[test]
    fn keys_spread_over_the_buckets() {
        let t: HashTable = testing::filled_with(&[], 1024, |c| c.buckets = 16);
        let mut per = [0u32; 16];
        for k in 0..1024 {
            per[t.bucket_of(k)] += 1;
        }
        assert!(per.iter().all(|&n| (48..=80).contains(&n)), "{per:?}");
    }

    /// The nodes of bucket `b` in list order.
    fn bucket(t: &HashTable, b: usize) -> Vec<NodeIndex> {
        let mut out = Vec::new();
        let mut n = t.buckets.get(b).load() as NodeIndex;
        while n != NIL {
            out.push(n);
            n = t.pool.word(n, NEXT).load() as NodeIndex;
        }
        out
    }

    #[test]
    fn the_check_names_each_broken_property() {
        let keys: Vec<u64> = (0..32).collect();
        let build = || testing::filled_with::<HashTable>(&keys, 32, |c| c.buckets = 4);
        // A bucket with two keys swapped.
        let t = build();
        let b = (0..4).find(|&b| bucket(&t, b).len() >= 2).unwrap();
        let n = bucket(&t, b);
        let (k0, k1) = (t.pool.word(n[0], KEY).load(), t.pool.word(n[1], KEY).load());
        t.pool.word(n[0], KEY).store(k1);
        t.pool.word(n[1], KEY).store(k0);
        testing::fails_with(&t, "sorted");
        // A node moved to the front of another bucket: its key is in the wrong bucket.
        let t = build();
        let (a, b) = (bucket(&t, 0), bucket(&t, 1));
        t.buckets.get(0).store(u64::from(a[1]));
        t.pool.word(a[0], NEXT).store(u64::from(b[0]));
        t.buckets.get(1).store(u64::from(a[0]));
        testing::fails_with(&t, "hash");
        // Two buckets sharing a tail.
        let t = build();
        let (a, b) = (bucket(&t, 0), bucket(&t, 1));
        t.pool
            .word(*b.last().unwrap(), NEXT)
            .store(u64::from(*a.last().unwrap()));
        testing::fails_with(&t, "reachable twice");
    }

    proptest::proptest! {
        #[test]
        fn matches_a_sequential_model(
            ops in testing::ops(64),
            initial in 0usize..32,
            buckets in 1usize..9,
        ) {
            Model::<HashTable>::with(initial, 64, |c| c.buckets = buckets).run(&ops)?;
        }
    }
}
