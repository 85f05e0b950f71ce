//! `rb`: STAMP's red-black tree, with parent links and no sentinel.
//!
//! The algorithm is STAMP's `lib/rbtree.c` (Dice, Shalev and Shavit's TL2 benchmark, after Doug
//! Lea's `java.util.TreeMap`), which TinySTM's `intset` also runs for its red-black tree: every
//! node links to its parent, the null link stands for the black leaves (no shared `nil` sentinel,
//! whose writes would make every rebalancing conflict), and
//!
//! - a lookup descends from the root comparing keys;
//! - an insert descends to a null child, links the new node there (key, null children, parent)
//!   and rebalances upwards (`fixAfterInsertion`: recolourings and at most two rotations);
//! - a remove looks the key up; a node with two children takes its successor's key and the
//!   successor is removed instead; the node removed is replaced by its child, if any, and
//!   `fixAfterDeletion` restores the black heights. The node unlinked (the successor, in the
//!   two-children case) is the one freed.
//!
//! The port keeps STAMP's sequence of transactional reads and writes one for one — including the
//! re-reads the C code makes of fields it has just read (`PARENT_OF(PARENT_OF(x))` read twice in
//! one condition, and so on), so a transaction here is as large as STAMP's — with one exception:
//! STAMP's nodes carry a value beside the key (the intset stores the key twice), which a set does
//! not need, so the value's reads and writes are left out.
//!
//! Nodes are [`RB_NODE_WORDS`] words (one cache line): key, parent, left, right, colour and
//! padding, as glibc's `malloc` places STAMP's 48-byte nodes in 64-byte chunks. Colours are
//! STAMP's: red 0, black 1.
//!
//! The check proves the root black and without a parent, no red node with a red child, the same
//! number of black nodes on every path from the root to a null link, binary-search-tree order,
//! every child's parent link pointing back at its parent, every colour red or black, every key
//! within the range, every link within the pool, and no node reached twice.

use super::pool::{NIL, NodeIndex, Pool};
use super::violation::{Stop, Violation};
use super::{Census, IntsetConfig, IntsetKind, NewNode, Structure};
use crate::Invalid;
use crate::slots::{Layout, Slots};
use tm::{TWord, Tx};

/// Words per red-black node: key, parent, left, right, colour, and padding to a cache line.
pub const RB_NODE_WORDS: usize = 8;
const KEY: usize = 0;
const PARENT: usize = 1;
const LEFT: usize = 2;
const RIGHT: usize = 3;
const COLOUR: usize = 4;
/// STAMP's colours.
const RED: u64 = 0;
const BLACK: u64 = 1;

/// The other side.
#[inline]
const fn other(side: usize) -> usize {
    LEFT + RIGHT - side
}

/// The red-black tree (see the module documentation).
#[derive(Debug)]
pub struct RbTree {
    pool: Pool<RB_NODE_WORDS>,
    /// The link to the root, in a line of its own.
    root: Slots,
    range: u64,
}

/// One operation's view of the tree: STAMP's accessor macros over the transaction.
struct Cx<'a, 't, T> {
    pool: &'a Pool<RB_NODE_WORDS>,
    root: &'a TWord,
    tx: &'t mut T,
}

impl<'a, T: Tx<'a>> Cx<'a, '_, T> {
    /// The bound of every loop: no path of a valid tree, and no rebalancing, visits more nodes
    /// than the pool holds.
    #[inline]
    fn budget(&self) -> u32 {
        self.pool.nodes()
    }

    #[inline]
    fn exhausted(&self) -> Stop {
        Violation::StepLimit {
            limit: self.pool.nodes(),
        }
        .into()
    }

    /// `LDNODE(n, f)`: a link of a node that must exist.
    #[inline]
    fn ld(&mut self, n: NodeIndex, field: usize) -> Result<NodeIndex, Stop> {
        let w = self.pool.at(n, field)?;
        Ok(self.pool.index(self.tx.read(w)?)?)
    }

    /// `STF(n, f, v)` for a link.
    #[inline]
    fn st(&mut self, n: NodeIndex, field: usize, v: NodeIndex) -> Result<(), Stop> {
        let w = self.pool.at(n, field)?;
        Ok(self.tx.write(w, u64::from(v))?)
    }

    #[inline]
    fn key(&mut self, n: NodeIndex) -> Result<u64, Stop> {
        let w = self.pool.at(n, KEY)?;
        Ok(self.tx.read(w)?)
    }

    #[inline]
    fn set_key(&mut self, n: NodeIndex, key: u64) -> Result<(), Stop> {
        let w = self.pool.at(n, KEY)?;
        Ok(self.tx.write(w, key)?)
    }

    /// `LDF(n, c)`: the colour of a node that must exist.
    #[inline]
    fn colour(&mut self, n: NodeIndex) -> Result<u64, Stop> {
        let w = self.pool.at(n, COLOUR)?;
        match self.tx.read(w)? {
            c @ (RED | BLACK) => Ok(c),
            colour => Err(Violation::BadColour { colour }.into()),
        }
    }

    /// `STF(n, c, c)`.
    #[inline]
    fn st_colour(&mut self, n: NodeIndex, c: u64) -> Result<(), Stop> {
        let w = self.pool.at(n, COLOUR)?;
        Ok(self.tx.write(w, c)?)
    }

    #[inline]
    fn get_root(&mut self) -> Result<NodeIndex, Stop> {
        Ok(self.pool.index(self.tx.read(self.root)?)?)
    }

    #[inline]
    fn set_root(&mut self, n: NodeIndex) -> Result<(), Stop> {
        Ok(self.tx.write(self.root, u64::from(n))?)
    }

    /// `PARENT_OF(n)`: null for null.
    #[inline]
    fn parent_of(&mut self, n: NodeIndex) -> Result<NodeIndex, Stop> {
        if n == NIL {
            Ok(NIL)
        } else {
            self.ld(n, PARENT)
        }
    }

    /// `LEFT_OF(n)` or `RIGHT_OF(n)`: null for null.
    #[inline]
    fn child_of(&mut self, n: NodeIndex, side: usize) -> Result<NodeIndex, Stop> {
        if n == NIL { Ok(NIL) } else { self.ld(n, side) }
    }

    /// `PARENT_OF(PARENT_OF(n))`.
    #[inline]
    fn grandparent_of(&mut self, n: NodeIndex) -> Result<NodeIndex, Stop> {
        let p = self.parent_of(n)?;
        self.parent_of(p)
    }

    /// `COLOR_OF(n)`: black for null.
    #[inline]
    fn colour_of(&mut self, n: NodeIndex) -> Result<u64, Stop> {
        if n == NIL { Ok(BLACK) } else { self.colour(n) }
    }

    /// `SET_COLOR(n, c)`: nothing for null.
    #[inline]
    fn set_colour(&mut self, n: NodeIndex, c: u64) -> Result<(), Stop> {
        if n == NIL {
            Ok(())
        } else {
            self.st_colour(n, c)
        }
    }

    /// `TMlookup`: the node holding `key`, or null.
    fn lookup(&mut self, key: u64) -> Result<NodeIndex, Stop> {
        let mut p = self.get_root()?;
        for _ in 0..self.budget() {
            if p == NIL {
                return Ok(NIL);
            }
            let k = self.key(p)?;
            if key == k {
                return Ok(p);
            }
            p = self.ld(p, if key < k { LEFT } else { RIGHT })?;
        }
        Err(self.exhausted())
    }

    /// `TMrotateLeft(x)` for `side == LEFT`, `TMrotateRight(x)` for `side == RIGHT`: the child on
    /// the other side rises and `x` goes down on `side`.
    fn rotate(&mut self, x: NodeIndex, side: usize) -> Result<(), Stop> {
        let (s, o) = (side, other(side));
        let r = self.ld(x, o)?;
        let rl = self.ld(r, s)?;
        self.st(x, o, rl)?;
        if rl != NIL {
            self.st(rl, PARENT, x)?;
        }
        let xp = self.ld(x, PARENT)?;
        self.st(r, PARENT, xp)?;
        if xp == NIL {
            self.set_root(r)?;
        } else if self.ld(xp, s)? == x {
            self.st(xp, s, r)?;
        } else {
            self.st(xp, o, r)?;
        }
        self.st(r, s, x)?;
        self.st(x, PARENT, r)
    }

    /// `TMfixAfterInsertion(x)`.
    fn fix_after_insertion(&mut self, mut x: NodeIndex) -> Result<(), Stop> {
        self.st_colour(x, RED)?;
        let mut budget = self.budget();
        while x != NIL && x != self.get_root()? {
            budget = budget.checked_sub(1).ok_or_else(|| self.exhausted())?;
            let xp = self.ld(x, PARENT)?;
            if self.colour(xp)? != RED {
                break;
            }
            // `if (PARENT_OF(x) == LEFT_OF(PARENT_OF(PARENT_OF(x))))`, then the symmetric case.
            let p = self.parent_of(x)?;
            let g = self.grandparent_of(x)?;
            let (a, b) = if p == self.child_of(g, LEFT)? {
                (LEFT, RIGHT)
            } else {
                (RIGHT, LEFT)
            };
            let g = self.grandparent_of(x)?;
            let y = self.child_of(g, b)?;
            if self.colour_of(y)? == RED {
                let p = self.parent_of(x)?;
                self.set_colour(p, BLACK)?;
                self.set_colour(y, BLACK)?;
                let g = self.grandparent_of(x)?;
                self.set_colour(g, RED)?;
                x = self.grandparent_of(x)?;
            } else {
                let p = self.parent_of(x)?;
                if x == self.child_of(p, b)? {
                    x = self.parent_of(x)?;
                    self.rotate(x, a)?;
                }
                let p = self.parent_of(x)?;
                self.set_colour(p, BLACK)?;
                let g = self.grandparent_of(x)?;
                self.set_colour(g, RED)?;
                if self.grandparent_of(x)? != NIL {
                    let g = self.grandparent_of(x)?;
                    self.rotate(g, b)?;
                }
            }
        }
        let ro = self.get_root()?;
        if self.colour(ro)? != BLACK {
            self.st_colour(ro, BLACK)?;
        }
        Ok(())
    }

    /// `TMinsert(k, n)`: whether `key` was absent (and is now in node `n`).
    fn insert(&mut self, key: u64, n: NodeIndex) -> Result<bool, Stop> {
        let mut t = self.get_root()?;
        if t == NIL {
            self.st(n, LEFT, NIL)?;
            self.st(n, RIGHT, NIL)?;
            self.st(n, PARENT, NIL)?;
            self.set_key(n, key)?;
            self.st_colour(n, BLACK)?;
            self.set_root(n)?;
            return Ok(true);
        }
        for _ in 0..self.budget() {
            let k = self.key(t)?;
            if key == k {
                return Ok(false);
            }
            let side = if key < k { LEFT } else { RIGHT };
            let child = self.ld(t, side)?;
            if child != NIL {
                t = child;
            } else {
                self.st(n, LEFT, NIL)?;
                self.st(n, RIGHT, NIL)?;
                self.set_key(n, key)?;
                self.st(n, PARENT, t)?;
                self.st(t, side, n)?;
                self.fix_after_insertion(n)?;
                return Ok(true);
            }
        }
        Err(self.exhausted())
    }

    /// `TMsuccessor(t)`.
    fn successor(&mut self, t: NodeIndex) -> Result<NodeIndex, Stop> {
        if t == NIL {
            return Ok(NIL);
        }
        if self.ld(t, RIGHT)? != NIL {
            let mut p = self.ld(t, RIGHT)?;
            for _ in 0..self.budget() {
                if self.ld(p, LEFT)? == NIL {
                    return Ok(p);
                }
                p = self.ld(p, LEFT)?;
            }
        } else {
            let mut p = self.ld(t, PARENT)?;
            let mut ch = t;
            for _ in 0..self.budget() {
                if p == NIL || ch != self.ld(p, RIGHT)? {
                    return Ok(p);
                }
                ch = p;
                p = self.ld(p, PARENT)?;
            }
        }
        Err(self.exhausted())
    }

    /// `TMfixAfterDeletion(x)`.
    fn fix_after_deletion(&mut self, mut x: NodeIndex) -> Result<(), Stop> {
        let mut budget = self.budget();
        while x != self.get_root()? && self.colour_of(x)? == BLACK {
            budget = budget.checked_sub(1).ok_or_else(|| self.exhausted())?;
            // `if (x == LEFT_OF(PARENT_OF(x)))`, then the symmetric case.
            let p = self.parent_of(x)?;
            let (a, b) = if x == self.child_of(p, LEFT)? {
                (LEFT, RIGHT)
            } else {
                (RIGHT, LEFT)
            };
            let p = self.parent_of(x)?;
            let mut sib = self.child_of(p, b)?;
            if self.colour_of(sib)? == RED {
                self.set_colour(sib, BLACK)?;
                let p = self.parent_of(x)?;
                self.set_colour(p, RED)?;
                let p = self.parent_of(x)?;
                self.rotate(p, a)?;
                let p = self.parent_of(x)?;
                sib = self.child_of(p, b)?;
            }
            let near = self.child_of(sib, a)?;
            let far_black = if self.colour_of(near)? == BLACK {
                let far = self.child_of(sib, b)?;
                Some(self.colour_of(far)? == BLACK)
            } else {
                None
            };
            if far_black == Some(true) {
                self.set_colour(sib, RED)?;
                x = self.parent_of(x)?;
            } else {
                let far = self.child_of(sib, b)?;
                if self.colour_of(far)? == BLACK {
                    let near = self.child_of(sib, a)?;
                    self.set_colour(near, BLACK)?;
                    self.set_colour(sib, RED)?;
                    self.rotate(sib, b)?;
                    let p = self.parent_of(x)?;
                    sib = self.child_of(p, b)?;
                }
                let p = self.parent_of(x)?;
                let c = self.colour_of(p)?;
                self.set_colour(sib, c)?;
                let p = self.parent_of(x)?;
                self.set_colour(p, BLACK)?;
                let far = self.child_of(sib, b)?;
                self.set_colour(far, BLACK)?;
                let p = self.parent_of(x)?;
                self.rotate(p, a)?;
                x = self.get_root()?;
            }
        }
        if x != NIL && self.colour(x)? != BLACK {
            self.st_colour(x, BLACK)?;
        }
        Ok(())
    }

    /// `TMdelete(p)`: unlinks the node holding `p`'s key; returns the node unlinked.
    fn delete(&mut self, mut p: NodeIndex) -> Result<NodeIndex, Stop> {
        if self.ld(p, LEFT)? != NIL && self.ld(p, RIGHT)? != NIL {
            let s = self.successor(p)?;
            let k = self.key(s)?;
            self.set_key(p, k)?;
            p = s;
        }
        let replacement = if self.ld(p, LEFT)? != NIL {
            self.ld(p, LEFT)?
        } else {
            self.ld(p, RIGHT)?
        };
        if replacement != NIL {
            let pp = self.ld(p, PARENT)?;
            self.st(replacement, PARENT, pp)?;
            let pp = self.ld(p, PARENT)?;
            if pp == NIL {
                self.set_root(replacement)?;
            } else if p == self.ld(pp, LEFT)? {
                self.st(pp, LEFT, replacement)?;
            } else {
                self.st(pp, RIGHT, replacement)?;
            }
            self.st(p, LEFT, NIL)?;
            self.st(p, RIGHT, NIL)?;
            self.st(p, PARENT, NIL)?;
            if self.colour(p)? == BLACK {
                self.fix_after_deletion(replacement)?;
            }
        } else if self.ld(p, PARENT)? == NIL {
            self.set_root(NIL)?;
        } else {
            if self.colour(p)? == BLACK {
                self.fix_after_deletion(p)?;
            }
            let pp = self.ld(p, PARENT)?;
            if pp != NIL {
                if p == self.ld(pp, LEFT)? {
                    self.st(pp, LEFT, NIL)?;
                } else if p == self.ld(pp, RIGHT)? {
                    self.st(pp, RIGHT, NIL)?;
                }
                self.st(p, PARENT, NIL)?;
            }
        }
        Ok(p)
    }
}

impl RbTree {
    #[inline]
    fn cx<'a, 't, T: Tx<'a>>(&'a self, tx: &'t mut T) -> Cx<'a, 't, T> {
        Cx {
            pool: &self.pool,
            root: self.root.get(0),
            tx,
        }
    }
}

impl Structure for RbTree {
    const KIND: IntsetKind = IntsetKind::RbTree;
    const SETUP_DESCENDING: bool = false;

    fn empty(config: &IntsetConfig, nodes: u32) -> Result<RbTree, Invalid> {
        Ok(RbTree {
            pool: Pool::new(nodes),
            root: Slots::new(1, Layout::Lines, "--range")?,
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
        Ok(self.cx(tx).lookup(key)? != NIL)
    }

    #[inline]
    fn insert<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64, node: NewNode) -> Result<bool, Stop> {
        let n = self.pool.real(node.index)?;
        self.cx(tx).insert(key, n)
    }

    #[inline]
    fn remove<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64) -> Result<Option<NodeIndex>, Stop> {
        let mut cx = self.cx(tx);
        match cx.lookup(key)? {
            NIL => Ok(None),
            n => Ok(Some(cx.delete(n)?)),
        }
    }

    fn regions(&self) -> tm::regions::Regions {
        let mut r = tm::regions::Regions::new();
        r.add(self.pool.region("tree nodes"))
            .add(self.root.region("tree root"));
        r
    }

    fn census(&self) -> Result<Census, String> {
        let pool = &self.pool;
        let link = |raw: u64, what: &dyn Fn() -> String| {
            pool.index(raw)
                .map_err(|_| format!("link: {} is {raw}, outside the pool", what()))
        };
        let mut reachable = vec![false; pool.nodes() as usize];
        let root = link(self.root.get(0).load(), &|| "the root link".to_string())?;
        if root != NIL {
            let parent = pool.word(root, PARENT).load();
            if parent != u64::from(NIL) {
                return Err(format!(
                    "parent link: the root, node {root}, has parent link {parent}"
                ));
            }
            if pool.word(root, COLOUR).load() == RED {
                return Err(format!("root black: the root, node {root}, is red"));
            }
        }
        /// A node to visit: its index, its parent, the open key interval it must lie in, and the
        /// black nodes on the path above it.
        struct Visit {
            node: NodeIndex,
            parent: NodeIndex,
            above: Option<u64>,
            below: Option<u64>,
            blacks: u32,
        }
        let mut stack = vec![Visit {
            node: root,
            parent: NIL,
            above: None,
            below: None,
            blacks: 0,
        }];
        let mut leaf_blacks: Option<u32> = None;
        let mut size = 0u64;
        // Every node is marked when first visited and a second visit is an error, so the walk
        // takes at most `nodes` steps whatever the links say (and the stack holds at most two
        // entries per visited node).
        while let Some(v) = stack.pop() {
            let n = v.node;
            if n == NIL {
                match leaf_blacks {
                    None => leaf_blacks = Some(v.blacks),
                    Some(b) if b != v.blacks => {
                        return Err(format!(
                            "black height: a path from the root passes {} black nodes to a null \
                             link below node {}, another passes {b}",
                            v.blacks, v.parent
                        ));
                    }
                    Some(_) => {}
                }
                continue;
            }
            let key = pool.word(n, KEY).load();
            if reachable[n as usize] {
                return Err(format!(
                    "reachable twice: node {n} (key {key}) is reached a second time (a cycle, or \
                     a shared subtree)"
                ));
            }
            reachable[n as usize] = true;
            size += 1;
            if key >= self.range {
                return Err(format!(
                    "range: node {n} holds key {key}, outside [0, {})",
                    self.range
                ));
            }
            if v.above.is_some_and(|a| key <= a) || v.below.is_some_and(|b| key >= b) {
                return Err(format!(
                    "search order: node {n} holds key {key}, but its place requires a key in \
                     ({}, {})",
                    v.above.map_or("-inf".to_string(), |a| a.to_string()),
                    v.below.map_or("+inf".to_string(), |b| b.to_string())
                ));
            }
            let colour = pool.word(n, COLOUR).load();
            if colour != RED && colour != BLACK {
                return Err(format!(
                    "colour: node {n} (key {key}) has colour {colour}, neither red (0) nor black \
                     (1)"
                ));
            }
            let parent = pool.word(n, PARENT).load();
            if parent != u64::from(v.parent) {
                return Err(format!(
                    "parent link: node {n} (key {key}) is a child of node {} but its parent link \
                     is {parent}",
                    v.parent
                ));
            }
            if colour == RED && v.parent != NIL && pool.word(v.parent, COLOUR).load() == RED {
                return Err(format!(
                    "red-red: red node {} has a red child, node {n} (key {key})",
                    v.parent
                ));
            }
            let blacks = v.blacks + u32::from(colour == BLACK);
            let left = link(pool.word(n, LEFT).load(), &|| {
                format!("node {n}'s left link")
            })?;
            let right = link(pool.word(n, RIGHT).load(), &|| {
                format!("node {n}'s right link")
            })?;
            stack.push(Visit {
                node: right,
                parent: n,
                above: Some(key),
                below: v.below,
                blacks,
            });
            stack.push(Visit {
                node: left,
                parent: n,
                above: v.above,
                below: Some(key),
                blacks,
            });
        }
        Ok(Census { size, reachable })
    }
}

#[cfg(test)]
mod tests {
    use super::super::pool::Direct;
    use super::super::testing::{self, Model};
    use super::*;

    /// Writes node `n` by hand: key, colour, parent, left, right.
    fn set(t: &RbTree, n: NodeIndex, key: u64, colour: u64, links: [NodeIndex; 3]) {
        t.pool.word(n, KEY).store(key);
        t.pool.word(n, COLOUR).store(colour);
        t.pool.word(n, PARENT).store(u64::from(links[0]));
        t.pool.word(n, LEFT).store(u64::from(links[1]));
        t.pool.word(n, RIGHT).store(u64::from(links[2]));
    }

    /// A valid tree built by hand, black height 2 on every path:
    ///
    /// ```text
    ///            20B(1)
    ///          /        \
    ///       10R(2)      30B(3)
    ///      /     \
    ///   5B(4)   15B(5)
    ///   /   \
    /// 3R(6) 7R(7)
    /// ```
    fn hand_built() -> RbTree {
        let t = testing::filled::<RbTree>(&[], 64);
        for _ in 1..=7 {
            t.fresh().unwrap();
        }
        set(&t, 1, 20, BLACK, [NIL, 2, 3]);
        set(&t, 2, 10, RED, [1, 4, 5]);
        set(&t, 3, 30, BLACK, [1, NIL, NIL]);
        set(&t, 4, 5, BLACK, [2, 6, 7]);
        set(&t, 5, 15, BLACK, [2, NIL, NIL]);
        set(&t, 6, 3, RED, [4, NIL, NIL]);
        set(&t, 7, 7, RED, [4, NIL, NIL]);
        t.root.get(0).store(1);
        assert_eq!(t.census().unwrap().size, 7);
        t
    }

    #[test]
    fn the_check_names_each_broken_property() {
        // Red-red alone: 5 turns red and its children black, so every black height is kept.
        let t = hand_built();
        t.pool.word(4, COLOUR).store(RED);
        t.pool.word(6, COLOUR).store(BLACK);
        t.pool.word(7, COLOUR).store(BLACK);
        testing::fails_with(&t, "red-red");
        // Black height alone: a red leaf turns black.
        let t = hand_built();
        t.pool.word(7, COLOUR).store(BLACK);
        testing::fails_with(&t, "black height");
        // Root black alone: a black root with two black children turns red (both paths lose the
        // same black node, and no child is red).
        let t = testing::filled::<RbTree>(&[], 64);
        for _ in 1..=3 {
            t.fresh().unwrap();
        }
        set(&t, 1, 20, BLACK, [NIL, 2, 3]);
        set(&t, 2, 10, BLACK, [1, NIL, NIL]);
        set(&t, 3, 30, BLACK, [1, NIL, NIL]);
        t.root.get(0).store(1);
        assert_eq!(t.census().unwrap().size, 3);
        t.pool.word(1, COLOUR).store(RED);
        testing::fails_with(&t, "root black");
        // A broken parent link.
        let t = hand_built();
        t.pool.word(5, PARENT).store(4);
        testing::fails_with(&t, "parent link");
        t.pool.word(5, PARENT).store(2);
        t.pool.word(1, PARENT).store(3);
        testing::fails_with(&t, "parent link");
        // Two keys swapped: search order.
        let t = hand_built();
        t.pool.word(4, KEY).store(15);
        t.pool.word(5, KEY).store(5);
        testing::fails_with(&t, "search order");
        // A colour that is neither.
        let t = hand_built();
        t.pool.word(5, COLOUR).store(2);
        testing::fails_with(&t, "colour");
        // A subtree reachable twice.
        let t = hand_built();
        t.pool.word(3, LEFT).store(5);
        testing::fails_with(&t, "reachable twice");
        // A key out of range, a link out of the pool.
        let t = hand_built();
        t.pool.word(3, KEY).store(64);
        testing::fails_with(&t, "range");
        let t = hand_built();
        t.pool.word(3, RIGHT).store(1 << 33);
        testing::fails_with(&t, "link");
    }

    #[test]
    fn removing_a_node_with_two_children_frees_its_successor() {
        let t = hand_built();
        // 10 has two children; its successor is 15 (node 5), which is unlinked.
        assert_eq!(t.remove(&mut Direct, 10), Ok(Some(5)));
        assert_eq!(t.pool.word(2, KEY).load(), 15);
        assert_eq!(t.census().unwrap().size, 6);
        assert_eq!(t.contains(&mut Direct, 10), Ok(false));
    }

    #[test]
    fn operations_on_garbage_stop_with_a_violation() {
        let t = hand_built();
        t.pool.word(6, LEFT).store(1);
        assert!(matches!(
            t.contains(&mut Direct, 0),
            Err(Stop::Broken(Violation::StepLimit { .. }))
        ));
        // A colour that is neither red nor black, met while rebalancing.
        let t = hand_built();
        t.pool.word(3, COLOUR).store(9);
        let n = t.fresh().unwrap();
        assert_eq!(
            t.insert(&mut Direct, 40, NewNode { index: n, level: 1 }),
            Err(Stop::Broken(Violation::BadColour { colour: 9 }))
        );
        // A rotation that would lift a null child stops instead of writing to slot 0.
        let t = hand_built();
        assert_eq!(
            t.cx(&mut Direct).rotate(3, LEFT),
            Err(Stop::Broken(Violation::NullLink))
        );
        assert!((0..RB_NODE_WORDS).all(|f| t.pool.word(NIL, f).load() == 0));
        assert_eq!(t.census().map(|c| c.size), Ok(7));
    }

    #[test]
    fn random_inserts_and_removes_keep_the_tree_valid_at_every_step() {
        let t = testing::filled::<RbTree>(&[], 256);
        let mut free = Vec::new();
        let mut rng = tm::rng::SplitMix64::new(9);
        for _ in 0..2000 {
            let k = rng.below(256);
            if rng.below(2) == 0 {
                let n = free.pop().unwrap_or_else(|| t.fresh().unwrap());
                if !t
                    .insert(&mut Direct, k, NewNode { index: n, level: 1 })
                    .unwrap()
                {
                    free.push(n);
                }
            } else if let Some(n) = t.remove(&mut Direct, k).unwrap() {
                free.push(n);
            }
            t.census().unwrap();
        }
    }

    proptest::proptest! {
        #[test]
        fn matches_a_sequential_model(ops in testing::ops(48), initial in 0usize..24) {
            Model::<RbTree>::new(initial, 48).run(&ops)?;
        }
    }
}
