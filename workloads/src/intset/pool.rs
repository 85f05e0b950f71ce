//! Type-stable node memory: a pre-allocated pool of nodes addressed by index, and the per-thread
//! free lists that recycle them.
//!
//! # The pool
//! A structure's nodes are `W` consecutive [`TWord`]s each in one array, allocated and zeroed
//! (every page touched) when the structure is built and freed only when the structure is dropped.
//! A link is a node's index: [`NIL`] (0) is the null link, so slot 0 is never handed out and the
//! real nodes are `1..nodes`. Because the memory is never returned while the structure lives, a
//! transaction that still holds the index of a node another transaction removed (and perhaps
//! reused) reads a word of the pool, never freed memory; every field is a `TWord` written only
//! through transactions, so the backend detects that the node changed, exactly as it detects any
//! other conflict. A link read from shared data is converted with `Pool::index`, which refuses
//! values outside the pool ([`Violation::OutOfPool`]): a broken backend can make a transaction read
//! garbage, and garbage must not become an out-of-bounds access.
//!
//! Fresh nodes are handed out in index order by a counter (`Pool::fresh`); a node leaves that
//! counter once and from then on moves only between the structure and a thread's free list.
//!
//! # Free lists and aborted attempts
//! Each thread keeps its own `FreeList` outside transactional memory. An insert *peeks* at the
//! list before its transaction begins (drawing a fresh node first if the list is empty) and every
//! attempt writes that same node; only when the transaction has committed having linked it is the
//! node popped. An attempt that aborts, or an insert that finds its key present, therefore takes
//! nothing and leaks nothing. A remove returns the index of the node it unlinked, and the thread
//! pushes it only after the removing transaction committed, so no node is reused while it is still
//! in the committed structure. (A transaction that read the node before its removal and is still
//! running will be aborted by the backend when the reuse writes the node's fields.)
//!
//! # Sizing
//! A pool for `range` keys and `threads` threads has `1 + range + threads` nodes: slot 0, one node
//! per key that can be in the set at once, and one node per thread held in reserve. It suffices:
//! a thread draws a fresh node only when its list is empty. Under the workload's alternation a
//! thread's list is empty at an insert only before its first successful insert (afterwards every
//! successful insert is followed by the remove of that key, which gives a node back), so each
//! thread draws at most one fresh node. A single thread running any sequence of operations draws
//! only when all drawn nodes are in the set (at most `range`) or when it holds no spare node, so at
//! most `range + 1` nodes are ever drawn. An exhausted pool is reported as
//! [`Violation::PoolExhausted`], which the check turns into a failure, so the bound is tested by
//! every run.

use super::violation::Violation;
use crate::slots::{Line, WORDS_PER_LINE};
use core::sync::atomic::{AtomicU32, Ordering};
use tm::{Abort, TWord, Tx};

/// A node's index in its structure's pool; [`NIL`] is the null link.
pub type NodeIndex = u32;

/// The null link: index 0, a slot of the pool that is never handed out.
pub const NIL: NodeIndex = 0;

/// A pool of nodes of `W` words each (see the module documentation).
pub(crate) struct Pool<const W: usize> {
    lines: Box<[Line]>,
    nodes: u32,
    /// The next index never handed out (starts at 1).
    fresh: AtomicU32,
}

impl<const W: usize> core::fmt::Debug for Pool<W> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pool")
            .field("node_words", &W)
            .field("nodes", &self.nodes)
            .field("drawn", &self.drawn())
            .finish_non_exhaustive()
    }
}

impl<const W: usize> Pool<W> {
    /// Nodes lie at multiples of `W` words from a line boundary; `W` divides or is a multiple of a
    /// line, so a node never straddles lines more than its size requires.
    const FITS_LINES: () =
        assert!(W > 0 && (WORDS_PER_LINE.is_multiple_of(W) || W.is_multiple_of(WORDS_PER_LINE)));

    /// A zeroed pool of `nodes` nodes (slot 0 included), every page written once so that no
    /// transaction takes the first-touch page fault (which aborts a hardware transaction).
    pub(crate) fn new(nodes: u32) -> Pool<W> {
        let () = Self::FITS_LINES;
        let lines = (nodes as usize * W).div_ceil(WORDS_PER_LINE);
        Pool {
            lines: (0..lines).map(|_| Line::default()).collect(),
            nodes,
            fresh: AtomicU32::new(1),
        }
    }

    /// The number of nodes, slot 0 included: valid links are below it.
    #[inline]
    pub(crate) fn nodes(&self) -> u32 {
        self.nodes
    }

    /// Word `field` of node `node`.
    ///
    /// # Panics
    /// If `node` is not below [`Pool::nodes`] or `field >= W`; callers pass only indices that came
    /// through [`Pool::index`] or from the pool itself.
    #[inline]
    pub(crate) fn word(&self, node: NodeIndex, field: usize) -> &TWord {
        debug_assert!(field < W && node < self.nodes);
        let w = node as usize * W + field;
        &self.lines[w / WORDS_PER_LINE].0[w % WORDS_PER_LINE]
    }

    /// The nodes as a named region ([`tm::regions`]): element `i` is node `i`, `W` words long.
    pub(crate) fn region(&self, name: &'static str) -> tm::regions::Region {
        tm::regions::Region::new(name, self.word(0, 0), W * 8, self.nodes as usize)
    }

    /// Word `field` of a node that must exist: [`Violation::NullLink`] for [`NIL`].
    #[inline]
    pub(crate) fn at(&self, node: NodeIndex, field: usize) -> Result<&TWord, Violation> {
        if node == NIL {
            Err(Violation::NullLink)
        } else {
            Ok(self.word(node, field))
        }
    }

    /// The link `raw` read from shared data, if it names a slot of the pool ([`NIL`] included).
    #[inline]
    pub(crate) fn index(&self, raw: u64) -> Result<NodeIndex, Violation> {
        if raw < u64::from(self.nodes) {
            Ok(raw as NodeIndex)
        } else {
            Err(Violation::OutOfPool {
                link: raw,
                nodes: self.nodes,
            })
        }
    }

    /// Checks that `node` is a real node of the pool (not [`NIL`], below [`Pool::nodes`]).
    #[inline]
    pub(crate) fn real(&self, node: NodeIndex) -> Result<NodeIndex, Violation> {
        match self.index(u64::from(node))? {
            NIL => Err(Violation::NullLink),
            n => Ok(n),
        }
    }

    /// A node never handed out before, or `None` if every node has been.
    pub(crate) fn fresh(&self) -> Option<NodeIndex> {
        // Relaxed: the counter only makes the indices distinct. A node's contents are published by
        // the transaction that links it (or, for the initial nodes, by spawning the threads after
        // set-up), never through this counter.
        self.fresh
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < self.nodes).then_some(n + 1)
            })
            .ok()
    }

    /// How many nodes [`Pool::fresh`] has handed out.
    pub(crate) fn drawn(&self) -> u32 {
        // Relaxed: read after the threads joined (the joins order every earlier update before it),
        // or by the only thread using the pool.
        self.fresh.load(Ordering::Relaxed) - 1
    }
}

/// The spare nodes a thread reserves before it needs them (see the module documentation; the
/// workload's alternation keeps at most one node on a list).
const FREE_RESERVE: usize = 8;

/// One thread's free nodes, outside transactional memory (see the module documentation).
#[derive(Debug)]
pub(crate) struct FreeList {
    nodes: Vec<NodeIndex>,
}

impl FreeList {
    /// An empty list with room reserved, so pushing in steady state does not allocate.
    pub(crate) fn new() -> FreeList {
        FreeList {
            nodes: Vec::with_capacity(FREE_RESERVE),
        }
    }

    /// The node the next insert will link: the top of the list, or a fresh node from `fresh`
    /// pushed onto the list first. It stays on the list until [`FreeList::used`].
    #[inline]
    pub(crate) fn next(&mut self, fresh: impl FnOnce() -> Option<NodeIndex>) -> Option<NodeIndex> {
        if let Some(&n) = self.nodes.last() {
            return Some(n);
        }
        let n = fresh()?;
        self.nodes.push(n);
        Some(n)
    }

    /// The node [`FreeList::next`] returned was linked by a committed insert: it leaves the list.
    #[inline]
    pub(crate) fn used(&mut self) {
        self.nodes.pop();
    }

    /// `node` was unlinked by a committed remove: it may be reused.
    #[inline]
    pub(crate) fn give(&mut self, node: NodeIndex) {
        self.nodes.push(node);
    }

    /// The nodes on the list.
    pub(crate) fn nodes(&self) -> &[NodeIndex] {
        &self.nodes
    }
}

/// Plain loads and stores in the shape of a transaction: the structures' own code builds the
/// initial set and answers the check's lookups through it, with no backend involved. Only for a
/// structure no other thread is using.
#[derive(Debug, Default)]
pub(crate) struct Direct;

impl<'a> Tx<'a> for Direct {
    #[inline]
    fn read(&mut self, word: &'a TWord) -> Result<u64, Abort> {
        Ok(word.load())
    }

    #[inline]
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), Abort> {
        word.store(value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_are_line_aligned_and_links_are_bounded() {
        let p: Pool<8> = Pool::new(4);
        for n in 0..4 {
            assert_eq!((p.word(n, 0) as *const TWord as usize) % 64, 0);
        }
        let q: Pool<4> = Pool::new(5);
        assert_eq!(
            p.word(1, 0) as *const TWord as usize - p.word(0, 0) as *const TWord as usize,
            64
        );
        assert_eq!(
            q.word(2, 0) as *const TWord as usize - q.word(1, 0) as *const TWord as usize,
            32
        );
        assert_eq!(q.index(4), Ok(4));
        assert_eq!(q.index(5), Err(Violation::OutOfPool { link: 5, nodes: 5 }));
        assert!(q.index(u64::MAX).is_err());
        assert_eq!(q.real(NIL), Err(Violation::NullLink));
        assert!(q.at(NIL, 0).is_err());
    }

    #[test]
    fn fresh_nodes_are_distinct_never_nil_and_run_out() {
        let p: Pool<4> = Pool::new(4);
        assert_eq!(
            (p.fresh(), p.fresh(), p.fresh(), p.fresh()),
            (Some(1), Some(2), Some(3), None)
        );
        assert_eq!(p.drawn(), 3);
        assert_eq!(p.fresh(), None);
        assert_eq!(p.drawn(), 3);
    }

    #[test]
    fn a_free_list_keeps_its_node_until_it_is_used() {
        let p: Pool<4> = Pool::new(8);
        let mut f = FreeList::new();
        let a = f.next(|| p.fresh()).unwrap();
        // An attempt that did not link it (aborted, or the key was present) keeps it.
        assert_eq!(f.next(|| p.fresh()), Some(a));
        f.used();
        assert!(f.nodes().is_empty());
        f.give(5);
        assert_eq!(f.next(|| p.fresh()), Some(5));
        assert_eq!(p.drawn(), 1);
        assert_eq!(f.next(|| None), Some(5));
        f.used();
        assert_eq!(f.next(|| None), None);
    }
}
