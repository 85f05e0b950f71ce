//! `intset`: the integer-set microbenchmark — a sorted linked list (`ll`), a skip list (`sl`), a
//! red-black tree (`rb`) and a hash set of sorted bucket lists (`hs`) — as TinySTM's `intset`,
//! synchrobench and STAMP's `rbtree` run it, the standard way STMs and HTM are compared.
//!
//! # The operations
//! A set starts with `initial` distinct keys drawn uniformly from `[0, range)`, deterministically
//! from the configuration's `seed`. Each operation draws a number below 100: below `update_pct` it
//! is an update, otherwise a lookup (`contains`) of a key drawn uniformly from `[0, range)`.
//! Updates alternate per thread, as in TinySTM's `intset` (its default; `-a` turns it off) and
//! synchrobench's alternate mode: a thread that has no inserted key pending inserts a random key,
//! and if that insert succeeded (the key was absent) its next update removes that same key; after
//! the remove, whatever its outcome, the next update is an insert again. A key a thread inserted
//! is therefore removed only by that thread: with a correct backend every remove succeeds, the
//! initial keys stay, and the size stays between `initial` and `initial + threads` — the "size
//! stays near the initial size" of the C benchmarks. About half of the inserts fail when
//! `range = 2 x initial` (the drawn key is present), which is why the counters report attempted
//! and effective updates separately
//! ([`Workload::COUNTERS`]).
//!
//! Each operation is one transaction through the thread's [`tm::Handle`]; the random choices (the
//! operation, the key, a skip-list node's level) are made before it begins, so every attempt
//! replays the same operation.
//!
//! # The structures
//!
//! | kind | type | algorithm | node |
//! |---|---|---|---|
//! | `ll` | [`LinkedList`] | TinySTM's sorted linked list ([`list`]) | key, link: 32 bytes |
//! | `sl` | [`SkipList`] | TinySTM's skip list: max level 32, p = 1/2, a level count word ([`skip`]) | key, 32 links: 320 bytes |
//! | `rb` | [`RbTree`] | STAMP's red-black tree with parent links, after `java.util.TreeMap` ([`rbtree`]) | key, parent, left, right, colour: 64 bytes |
//! | `hs` | [`HashTable`] | `buckets` sorted lists, a key's bucket by multiplicative hashing ([`hash`]) | as `ll` |
//!
//! # Memory
//! Nodes come from a pool of [`tm::TWord`]s allocated when the set is built, addressed by index
//! (index 0, [`NIL`], is the null link) and never returned to the allocator while the set lives:
//! type-stable memory, so no transaction allocates and no reader, not even a doomed one, touches
//! freed memory. The pool has `1 + range + threads` nodes ([`IntsetConfig::pool_nodes`]): at most
//! `range` keys can be in the set at once, and each thread holds at most one spare node. Per-thread
//! free lists outside TM recycle nodes; an aborted attempt takes nothing from them and a removed
//! node goes back only after the removing transaction committed ([`pool`] explains why this
//! suffices and why nothing leaks). Pool memory is `pool_nodes x node bytes`
//! ([`IntsetConfig::pool_bytes`]): at the largest ranges 2^24 x 32 bytes = 512 MiB for `ll` and
//! `hs` (plus 8 bytes per bucket, at most 128 MiB), 2^24 x 64 bytes = 1 GiB for `rb`, and 2^20 x
//! 320 bytes = 320 MiB for `sl` (whose range is limited to 2^20 for that reason).
//!
//! # Robustness
//! A broken backend can show a transaction garbage: a link outside the pool, a cycle, a colour
//! that is neither red nor black. Every link read from shared data is bounds-checked and every
//! traversal is bounded by the pool size, so an operation on garbage stops with a [`Violation`]
//! instead of panicking, looping forever or writing outside its pool; the transaction is
//! cancelled and the violation recorded in the thread's state, and the check reports it. With a
//! correct backend no violation ever occurs.
//!
//! # The check
//! After every point, with every thread joined, [`Workload::check`] proves, reading the structure
//! with plain loads:
//! - the structure's own invariants: sorted and duplicate-free (`ll`; every level of `sl`, each a
//!   sublist of the one below; every bucket of `hs`, each key in its own bucket), the red-black
//!   properties (root black, no red node with a red child, equal black height on every path),
//!   binary-search-tree order and parent links (`rb`), every key within `[0, range)`, every link in
//!   the pool, and no node reachable twice;
//! - size = `initial` + successful inserts − successful removes, summed over the threads;
//! - every key a thread inserted and has not yet removed is present;
//! - node conservation: every node handed out by the pool is either in the structure or on exactly
//!   one thread's free list (none leaked, none both linked and free);
//! - no transaction met a [`Violation`].
//!
//! A violation fails the point, with a message naming the property.
//!
//! # The transaction-size knob
//! A lookup in `ll` passes about half of the list, reading two words per node, so its read set
//! grows linearly with `initial`: [`IntsetConfig::with_size`] sets `initial = size` and
//! `range = 2 x size` (the convention of the C benchmarks), so `tmlab sweep txsize` can sweep the
//! list's size as the transaction size.
//!
//! ```
//! use workloads::intset::{Intset, IntsetConfig, IntsetKind, LinkedList};
//! use workloads::runner::{self, Measure, Plan};
//!
//! let config = IntsetConfig { kind: IntsetKind::LinkedList, ..IntsetConfig::default() }.with_size(64);
//! let set = Intset::<LinkedList>::new(&config, 2)?;
//! let plan = Plan { threads: 2, measure: Measure::Ops(500), ..Plan::default() };
//! let outcome = runner::run(&stm::Tl2::new(), &set, &plan)?;
//! assert_eq!(outcome.check, Ok(()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod hash;
pub mod list;
pub mod pool;
pub mod rbtree;
pub mod skip;
mod violation;

#[cfg(test)]
mod testing;

pub use hash::HashTable;
pub use list::LinkedList;
pub use pool::{NIL, NodeIndex};
pub use rbtree::RbTree;
pub use skip::SkipList;
pub use violation::{Stop, Violation};

use crate::{Invalid, Workload};
use core::sync::atomic::{AtomicBool, Ordering};
use pool::{Direct, FreeList};
use tm::rng::SplitMix64;
use tm::{Abort, Handle, Tx};

/// The largest key range of `ll`, `rb` and `hs`: 2^24.
pub const MAX_RANGE: usize = 1 << 24;
/// The largest key range of `sl`, whose nodes are ten times larger: 2^20.
pub const MAX_SKIP_RANGE: usize = 1 << 20;
/// The most hash buckets: 2^24.
pub const MAX_BUCKETS: usize = 1 << 24;
/// The most threads a set can be built for: 1024.
pub const MAX_THREADS: usize = 1024;

/// The user-abort code that cancels a transaction which met a [`Violation`].
const VIOLATION_CODE: u8 = 0x56;

/// Which structure holds the set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum IntsetKind {
    /// `ll`: a sorted linked list.
    #[cfg_attr(feature = "serde", serde(rename = "ll"))]
    LinkedList,
    /// `sl`: a skip list.
    #[cfg_attr(feature = "serde", serde(rename = "sl"))]
    SkipList,
    /// `rb`: a red-black tree.
    #[cfg_attr(feature = "serde", serde(rename = "rb"))]
    RbTree,
    /// `hs`: a hash set of sorted bucket lists.
    #[cfg_attr(feature = "serde", serde(rename = "hs"))]
    HashSet,
}

impl IntsetKind {
    /// Every kind, in the order `ll`, `sl`, `rb`, `hs`.
    pub const ALL: [IntsetKind; 4] = [
        IntsetKind::LinkedList,
        IntsetKind::SkipList,
        IntsetKind::RbTree,
        IntsetKind::HashSet,
    ];

    /// The stable name used on command lines and in result files: `ll`, `sl`, `rb` or `hs`.
    pub const fn name(self) -> &'static str {
        match self {
            IntsetKind::LinkedList => "ll",
            IntsetKind::SkipList => "sl",
            IntsetKind::RbTree => "rb",
            IntsetKind::HashSet => "hs",
        }
    }

    /// The kind named `name` (see [`IntsetKind::name`]).
    pub fn from_name(name: &str) -> Option<IntsetKind> {
        IntsetKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// A few words for help texts.
    pub const fn description(self) -> &'static str {
        match self {
            IntsetKind::LinkedList => "sorted linked list",
            IntsetKind::SkipList => "skip list (max level 32, p = 1/2)",
            IntsetKind::RbTree => "red-black tree (STAMP's, with parent links)",
            IntsetKind::HashSet => "hash set of sorted bucket lists",
        }
    }

    /// The largest `--range` this kind accepts ([`MAX_RANGE`], or [`MAX_SKIP_RANGE`] for `sl`).
    pub const fn max_range(self) -> usize {
        match self {
            IntsetKind::SkipList => MAX_SKIP_RANGE,
            _ => MAX_RANGE,
        }
    }

    /// Bytes per node in the pool.
    pub const fn node_bytes(self) -> usize {
        8 * match self {
            IntsetKind::LinkedList | IntsetKind::HashSet => list::LIST_NODE_WORDS,
            IntsetKind::SkipList => skip::SKIP_NODE_WORDS,
            IntsetKind::RbTree => rbtree::RB_NODE_WORDS,
        }
    }
}

/// Parameters of an integer set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct IntsetConfig {
    /// The structure.
    pub kind: IntsetKind,
    /// Keys in the set before the run (`-i/--initial`), at most `range`.
    pub initial: usize,
    /// Keys are drawn uniformly from `[0, range)` (`-r/--range`).
    pub range: usize,
    /// Percent of operations that are updates (`-u/--update`, 0 to 100).
    pub update_pct: u32,
    /// Hash buckets (`--buckets`; only `hs` uses them).
    pub buckets: usize,
    /// Seed of the initial keys (and the skip list's initial levels); the command line passes its
    /// `--seed`.
    pub seed: u64,
}

impl Default for IntsetConfig {
    /// TinySTM's `intset` defaults: a linked list of 256 keys in `[0, 512)`, 20 % updates; its
    /// hash set's 2^17 buckets.
    fn default() -> Self {
        IntsetConfig {
            kind: IntsetKind::LinkedList,
            initial: 256,
            range: 512,
            update_pct: 20,
            buckets: 1 << 17,
            seed: 1,
        }
    }
}

impl IntsetConfig {
    /// Sets the size for `tmlab sweep txsize`: `initial = size`, `range = 2 x size` (the C
    /// benchmarks' convention, which makes about half of the inserts succeed). For `ll` a lookup
    /// then reads about `size + 2` words: the key and link of the about `size / 2` nodes before its
    /// key, the head and the key it stops at. [`IntsetConfig::validate`] refuses a size of 0 and
    /// sizes whose range exceeds the kind's [`IntsetKind::max_range`].
    pub fn with_size(self, size: usize) -> IntsetConfig {
        IntsetConfig {
            initial: size,
            range: size.saturating_mul(2),
            ..self
        }
    }

    /// Checks every parameter.
    pub fn validate(&self) -> Result<(), Invalid> {
        Invalid::range("--range", self.range, 1, self.kind.max_range())?;
        if self.initial > self.range {
            return Err(Invalid::new(
                "--initial",
                format!(
                    "{} initial keys do not fit the {} distinct keys of --range {}: accepted 0 \
                     to {}",
                    self.initial, self.range, self.range, self.range
                ),
            ));
        }
        Invalid::range("--update", self.update_pct, 0, 100)?;
        Invalid::range("--buckets", self.buckets, 1, MAX_BUCKETS)?;
        Ok(())
    }

    /// The pool's size in nodes for `threads` threads: `1 + range + threads` (the null slot, one
    /// node per key, one spare per thread; see [`pool`](self#memory)).
    pub fn pool_nodes(&self, threads: usize) -> usize {
        1 + self.range + threads
    }

    /// The pool's memory in bytes for `threads` threads.
    pub fn pool_bytes(&self, threads: usize) -> usize {
        self.pool_nodes(threads) * self.kind.node_bytes()
    }

    /// The parameters as `(name, value)` pairs for result files: structure, initial, range,
    /// update, and buckets for `hs`.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("structure", self.kind.name().to_string()),
            ("initial", self.initial.to_string()),
            ("range", self.range.to_string()),
            ("update", self.update_pct.to_string()),
        ];
        if self.kind == IntsetKind::HashSet {
            p.push(("buckets", self.buckets.to_string()));
        }
        p
    }
}

/// A new node for an insert: a free node of the structure's pool and, for the skip list, its
/// level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewNode {
    /// The node: one of the pool's, not in the structure.
    pub index: NodeIndex,
    /// The number of levels it joins (`1..=32`; only the skip list uses it).
    pub level: u32,
}

/// What a structure's check found: its size and which nodes it reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Census {
    /// Keys in the structure.
    pub size: u64,
    /// `reachable[i]`: node `i` is in the structure.
    pub reachable: Vec<bool>,
}

/// One of the set structures: its operations, written once against [`Tx`], and its check.
///
/// Operations take the transaction they run in, so the same code serves every backend, the
/// set-up and the check's lookups. They never allocate; they return [`Stop::Abort`] when the
/// backend dooms the attempt and [`Stop::Broken`] when they read data no valid structure holds.
pub trait Structure: Sized + Sync + Send {
    /// Which structure this is.
    const KIND: IntsetKind;

    /// Whether the initial keys are inserted in descending order, one step each, rather than in
    /// random order: true for structures whose shape does not depend on the order of insertion
    /// (the lists and the skip list, given each key's level); the tree takes them in random order.
    const SETUP_DESCENDING: bool;

    /// An empty structure for `config` with a pool of `nodes` nodes (slot 0 included).
    fn empty(config: &IntsetConfig, nodes: u32) -> Result<Self, Invalid>;

    /// The pool's size in nodes, slot 0 included.
    fn nodes(&self) -> u32;

    /// A node of the pool never handed out before, if any is left.
    fn fresh(&self) -> Option<NodeIndex>;

    /// How many nodes [`Structure::fresh`] has handed out.
    fn drawn(&self) -> u32;

    /// The level of a new node: p = 1/2 per further level for the skip list; 1, drawing nothing,
    /// for the others.
    fn draw_level(rng: &mut SplitMix64) -> u32 {
        let _ = rng;
        1
    }

    /// Whether `key` is in the set.
    fn contains<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64) -> Result<bool, Stop>;

    /// Inserts `key` using `node` unless it is present; returns whether it inserted.
    fn insert<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64, node: NewNode) -> Result<bool, Stop>;

    /// Removes `key` if present; returns the node it unlinked (free once the transaction commits).
    fn remove<'a, T: Tx<'a>>(&'a self, tx: &mut T, key: u64) -> Result<Option<NodeIndex>, Stop>;

    /// Checks the structure's invariants with plain loads (no thread may be using it); `Err`
    /// names the first property found broken.
    fn census(&self) -> Result<Census, String>;

    /// The structure's named arrays: its node pool and its heads ([`Workload::regions`]).
    fn regions(&self) -> tm::regions::Regions;
}

/// An integer set as a [`Workload`] (see the module documentation).
#[derive(Debug)]
pub struct Intset<S> {
    config: IntsetConfig,
    set: S,
    /// `claimed[i]`: thread `i`'s state has been created.
    claimed: Box<[AtomicBool]>,
    /// A thread state was created twice or for a thread the set was not built for.
    misused: AtomicBool,
}

/// One thread's state: its generator, its free nodes, its pending key and what it has done.
#[derive(Debug)]
pub struct IntsetThread {
    index: usize,
    rng: SplitMix64,
    free: FreeList,
    /// The key this thread inserted and will remove next.
    pending: Option<u64>,
    lookups: u64,
    found: u64,
    inserts: u64,
    effective_inserts: u64,
    removes: u64,
    effective_removes: u64,
    violations: u64,
    first_violation: Option<Violation>,
}

impl IntsetThread {
    fn violated(&mut self, v: Violation) {
        self.violations += 1;
        self.first_violation.get_or_insert(v);
    }
}

impl<S: Structure> Intset<S> {
    /// A set of kind `S` for `config`, for up to `threads` threads, holding its initial keys.
    ///
    /// `config.kind` must be `S::KIND` (dispatch on the kind with [`build`]).
    pub fn new(config: &IntsetConfig, threads: usize) -> Result<Intset<S>, Invalid> {
        config.validate()?;
        Invalid::range("--threads", threads, 1, MAX_THREADS)?;
        if config.kind != S::KIND {
            return Err(Invalid::new(
                "structure",
                format!(
                    "the configuration is for {}, the set being built is {}",
                    config.kind.name(),
                    S::KIND.name()
                ),
            ));
        }
        // At most 1 + 2^24 + 1024 nodes: fits a u32.
        let set = S::empty(config, config.pool_nodes(threads) as u32)?;
        let mut rng = SplitMix64::new(config.seed);
        rng.absorb(0x1e75e7); // "intset": the set-up's stream, apart from the threads'
        let mut placed: Vec<(u64, NewNode)> = initial_keys(config.range, config.initial, &mut rng)
            .into_iter()
            .map(|key| {
                let index = set.fresh().expect("the pool holds a node for every key");
                let level = S::draw_level(&mut rng);
                (key, NewNode { index, level })
            })
            .collect();
        if S::SETUP_DESCENDING {
            placed.sort_unstable_by_key(|&(key, _)| core::cmp::Reverse(key));
        }
        for (key, node) in placed {
            let inserted = set
                .insert(&mut Direct, key, node)
                .expect("a fresh structure, used by one thread, is valid");
            assert!(inserted, "the initial keys are distinct");
        }
        Ok(Intset {
            config: *config,
            set,
            claimed: (0..threads).map(|_| AtomicBool::new(false)).collect(),
            misused: AtomicBool::new(false),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &IntsetConfig {
        &self.config
    }

    /// The structure.
    pub fn structure(&self) -> &S {
        &self.set
    }

    /// The threads the set was built for.
    pub fn threads(&self) -> usize {
        self.claimed.len()
    }
}

/// Runs `body` as one transaction; a [`Violation`] cancels it and is returned.
#[inline]
fn transact<'a, H: Handle<'a>, R>(
    h: &mut H,
    mut body: impl FnMut(&mut H::Tx) -> Result<R, Stop>,
) -> Result<R, Violation> {
    let mut broken = None;
    let outcome = h.atomically(|tx| match body(tx) {
        Ok(r) => Ok(r),
        Err(Stop::Abort(a)) => Err(a),
        Err(Stop::Broken(v)) => {
            broken = Some(v);
            Err(Abort::user(VIOLATION_CODE))
        }
    });
    outcome.map_err(|u| broken.unwrap_or(Violation::Cancelled { code: u.code }))
}

impl<S: Structure> Workload for Intset<S> {
    type Thread = IntsetThread;

    fn regions(&self) -> tm::regions::Regions {
        self.set.regions()
    }

    /// Lookups, lookups that found their key, attempted and effective updates, then inserts and
    /// removes, attempted and effective.
    const COUNTERS: &'static [&'static str] = &[
        "lookups",
        "found",
        "updates",
        "effective_updates",
        "inserts",
        "effective_inserts",
        "removes",
        "effective_removes",
    ];

    fn thread(&self, index: usize, seed: u64) -> IntsetThread {
        // Relaxed: the flags are read by `check`, after the joins that order these writes.
        let fresh = self
            .claimed
            .get(index)
            .is_some_and(|c| !c.swap(true, Ordering::Relaxed));
        if !fresh {
            self.misused.store(true, Ordering::Relaxed);
        }
        IntsetThread {
            index,
            rng: SplitMix64::new(seed),
            free: FreeList::new(),
            pending: None,
            lookups: 0,
            found: 0,
            inserts: 0,
            effective_inserts: 0,
            removes: 0,
            effective_removes: 0,
            violations: 0,
            first_violation: None,
        }
    }

    #[inline]
    fn op<'a, H: Handle<'a>>(&'a self, h: &mut H, t: &mut IntsetThread) {
        let set = &self.set;
        let range = self.config.range as u64;
        if t.rng.below(100) >= u64::from(self.config.update_pct) {
            let key = t.rng.below(range);
            t.lookups += 1;
            match transact(h, |tx| set.contains(tx, key)) {
                Ok(found) => t.found += u64::from(found),
                Err(v) => t.violated(v),
            }
            return;
        }
        match t.pending.take() {
            None => {
                let key = t.rng.below(range);
                let level = S::draw_level(&mut t.rng);
                t.inserts += 1;
                let Some(index) = t.free.next(|| set.fresh()) else {
                    t.violated(Violation::PoolExhausted);
                    return;
                };
                let node = NewNode { index, level };
                match transact(h, |tx| set.insert(tx, key, node)) {
                    Ok(true) => {
                        t.free.used();
                        t.effective_inserts += 1;
                        t.pending = Some(key);
                    }
                    Ok(false) => {}
                    Err(v) => t.violated(v),
                }
            }
            Some(key) => {
                t.removes += 1;
                match transact(h, |tx| set.remove(tx, key)) {
                    Ok(Some(node)) => {
                        t.free.give(node);
                        t.effective_removes += 1;
                    }
                    Ok(None) => {}
                    Err(v) => t.violated(v),
                }
            }
        }
    }

    fn counters(&self, t: &IntsetThread, out: &mut [u64]) {
        let values = [
            t.lookups,
            t.found,
            t.inserts + t.removes,
            t.effective_inserts + t.effective_removes,
            t.inserts,
            t.effective_inserts,
            t.removes,
            t.effective_removes,
        ];
        for (o, v) in out.iter_mut().zip(values) {
            *o += v;
        }
    }

    fn check(&self, threads: &[IntsetThread]) -> Result<(), String> {
        let name = S::KIND.name();
        // Relaxed: the threads have joined (see `thread`).
        if self.misused.load(Ordering::Relaxed) {
            return Err(format!(
                "{name}: the set was run with a thread it was not built for, or twice (build a \
                 fresh Intset, for {} threads or more, for every point)",
                threads.len()
            ));
        }
        let census = self.set.census().map_err(|e| format!("{name}: {e}"))?;

        let inserted: u64 = threads.iter().map(|t| t.effective_inserts).sum();
        let removed: u64 = threads.iter().map(|t| t.effective_removes).sum();
        let expected = (self.config.initial as u64 + inserted).checked_sub(removed);
        if expected != Some(census.size) {
            return Err(format!(
                "{name}: size: the set holds {} keys, but {} initial + {inserted} successful \
                 inserts - {removed} successful removes make {}",
                census.size,
                self.config.initial,
                self.config.initial as i128 + i128::from(inserted) - i128::from(removed)
            ));
        }

        for t in threads {
            if let Some(key) = t.pending {
                match self.set.contains(&mut Direct, key) {
                    Ok(true) => {}
                    Ok(false) => {
                        return Err(format!(
                            "{name}: pending key: key {key}, inserted by thread {} and not \
                             removed since, is missing",
                            t.index
                        ));
                    }
                    Err(e) => return Err(format!("{name}: a lookup of the checked set: {e:?}")),
                }
            }
        }

        let mut free = vec![false; census.reachable.len()];
        let mut spare = 0u64;
        for t in threads {
            for &n in t.free.nodes() {
                let n = n as usize;
                if census.reachable[n] {
                    return Err(format!(
                        "{name}: conservation: node {n} is on thread {}'s free list and still in \
                         the set",
                        t.index
                    ));
                }
                if free[n] {
                    return Err(format!(
                        "{name}: conservation: node {n} is on two free lists (thread {}'s and \
                         another)",
                        t.index
                    ));
                }
                free[n] = true;
                spare += 1;
            }
        }
        let drawn = u64::from(self.set.drawn());
        if drawn != census.size + spare {
            return Err(format!(
                "{name}: conservation: the pool handed out {drawn} nodes, but {} are in the set \
                 and {spare} on free lists (nodes leaked)",
                census.size
            ));
        }

        let violations: u64 = threads.iter().map(|t| t.violations).sum();
        if let Some(t) = threads.iter().find(|t| t.violations > 0) {
            let first = t.first_violation.expect("counted with its first violation");
            return Err(format!(
                "{name}: {violations} transactions read a state no valid {} holds (opacity); \
                 the first, on thread {}, {first}",
                S::KIND.description(),
                t.index
            ));
        }
        Ok(())
    }
}

/// `count` distinct keys of `[0, range)`, uniformly chosen and in random order (Floyd's sampling,
/// then a Fisher-Yates shuffle), from `rng`.
fn initial_keys(range: usize, count: usize, rng: &mut SplitMix64) -> Vec<u64> {
    debug_assert!(count <= range);
    let mut chosen = vec![false; range];
    let mut keys = Vec::with_capacity(count);
    for j in (range - count)..range {
        let t = rng.below(j as u64 + 1) as usize;
        let k = if chosen[t] { j } else { t };
        chosen[k] = true;
        keys.push(k as u64);
    }
    for i in (1..keys.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        keys.swap(i, j);
    }
    keys
}

/// Does something with an [`Intset`] of whichever structure a configuration names: the way a
/// command line dispatches on [`IntsetKind`] without naming the four types itself.
pub trait IntsetVisitor {
    /// What the visit returns.
    type Output;
    /// Called with the set [`build`] made.
    fn visit<S: Structure>(self, set: Intset<S>) -> Self::Output;
}

/// Builds the set `config.kind` names, for `threads` threads, and hands it to `visitor`.
pub fn build<V: IntsetVisitor>(
    config: &IntsetConfig,
    threads: usize,
    visitor: V,
) -> Result<V::Output, Invalid> {
    Ok(match config.kind {
        IntsetKind::LinkedList => visitor.visit(Intset::<LinkedList>::new(config, threads)?),
        IntsetKind::SkipList => visitor.visit(Intset::<SkipList>::new(config, threads)?),
        IntsetKind::RbTree => visitor.visit(Intset::<RbTree>::new(config, threads)?),
        IntsetKind::HashSet => visitor.visit(Intset::<HashTable>::new(config, threads)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_their_names() {
        for k in IntsetKind::ALL {
            assert_eq!(IntsetKind::from_name(k.name()), Some(k));
        }
        assert_eq!(IntsetKind::from_name("btree"), None);
    }

    #[test]
    fn every_parameter_is_validated_naming_its_flag() {
        let ok = IntsetConfig::default();
        assert_eq!(ok.validate(), Ok(()));
        let flag = |c: IntsetConfig| c.validate().unwrap_err().flag;
        assert_eq!(flag(IntsetConfig { range: 0, ..ok }), "--range");
        assert_eq!(
            flag(IntsetConfig {
                range: MAX_RANGE + 1,
                ..ok
            }),
            "--range"
        );
        assert_eq!(
            flag(IntsetConfig {
                kind: IntsetKind::SkipList,
                range: MAX_SKIP_RANGE + 1,
                initial: 0,
                ..ok
            }),
            "--range"
        );
        assert_eq!(flag(IntsetConfig { initial: 513, ..ok }), "--initial");
        assert_eq!(
            flag(IntsetConfig {
                update_pct: 101,
                ..ok
            }),
            "--update"
        );
        assert_eq!(flag(IntsetConfig { buckets: 0, ..ok }), "--buckets");
        assert_eq!(
            flag(IntsetConfig {
                buckets: MAX_BUCKETS + 1,
                ..ok
            }),
            "--buckets"
        );
        assert_eq!(flag(ok.with_size(0)), "--range");
        assert_eq!(
            Intset::<LinkedList>::new(&ok, 0).unwrap_err().flag,
            "--threads"
        );
        let sl = IntsetConfig {
            kind: IntsetKind::SkipList,
            ..ok
        };
        assert_eq!(
            Intset::<LinkedList>::new(&sl, 1).unwrap_err().flag,
            "structure"
        );
        let e = IntsetConfig { initial: 600, ..ok }.validate().unwrap_err();
        assert!(e.to_string().contains("--range 512"), "{e}");
    }

    #[test]
    fn with_size_sets_the_initial_size_and_twice_the_range() {
        let c = IntsetConfig::default().with_size(1000);
        assert_eq!((c.initial, c.range), (1000, 2000));
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.pool_nodes(4), 2005);
        assert_eq!(c.pool_bytes(4), 2005 * 32);
    }

    #[test]
    fn initial_keys_are_distinct_in_range_and_reproducible() {
        for (range, count) in [(1, 0), (1, 1), (10, 10), (100, 37), (1000, 999)] {
            let mut a = SplitMix64::new(3);
            let keys = initial_keys(range, count, &mut a);
            assert_eq!(keys.len(), count);
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), count);
            assert!(keys.iter().all(|&k| k < range as u64));
            assert_eq!(keys, initial_keys(range, count, &mut SplitMix64::new(3)));
        }
        // Not sorted: the order of insertion (and of the nodes in memory) is random.
        let keys = initial_keys(1000, 500, &mut SplitMix64::new(5));
        assert!(keys.windows(2).any(|w| w[0] > w[1]));
    }

    #[test]
    fn every_kind_builds_its_initial_keys_and_passes_its_check() {
        struct Sizes;
        impl IntsetVisitor for Sizes {
            type Output = (IntsetKind, Census, u32);
            fn visit<S: Structure>(self, set: Intset<S>) -> Self::Output {
                let census = set.structure().census().unwrap();
                (S::KIND, census, set.structure().drawn())
            }
        }
        for kind in IntsetKind::ALL {
            for (initial, range) in [(0, 1), (1, 1), (100, 200), (300, 300)] {
                let c = IntsetConfig {
                    kind,
                    initial,
                    range,
                    buckets: 7,
                    ..IntsetConfig::default()
                };
                let (k, census, drawn) = build(&c, 3, Sizes).unwrap();
                assert_eq!(k, kind);
                assert_eq!(census.size, initial as u64, "{kind:?} {initial}/{range}");
                assert_eq!(drawn as usize, initial);
                assert_eq!(census.reachable.len(), c.pool_nodes(3));
            }
        }
    }

    #[test]
    fn each_thread_draws_at_most_one_fresh_node_so_the_pool_suffices() {
        use crate::runner::{self, Measure, Plan};
        struct Drawn(usize);
        impl IntsetVisitor for Drawn {
            type Output = (u32, u32, Result<(), String>);
            fn visit<S: Structure>(self, set: Intset<S>) -> Self::Output {
                let plan = Plan {
                    threads: self.0,
                    measure: Measure::Ops(2_000),
                    ..Plan::default()
                };
                let o = runner::run(&stm::Tl2::new(), &set, &plan).unwrap();
                (set.structure().drawn(), set.structure().nodes(), o.check)
            }
        }
        for kind in IntsetKind::ALL {
            // Every key present: every insert fails, yet each thread reserves one node, and the
            // pool of 1 + range + threads nodes is used to its last node.
            let full = IntsetConfig {
                kind,
                initial: 64,
                range: 64,
                update_pct: 100,
                buckets: 8,
                ..IntsetConfig::default()
            };
            let (drawn, nodes, check) = build(&full, 3, Drawn(3)).unwrap();
            assert_eq!(check, Ok(()), "{kind:?}");
            assert_eq!((drawn, nodes), (64 + 3, 1 + 64 + 3), "{kind:?}");
            // An empty set: the threads' keys come and go, one node each.
            let empty = IntsetConfig { initial: 0, ..full };
            let (drawn, _, check) = build(&empty, 3, Drawn(3)).unwrap();
            assert_eq!(check, Ok(()), "{kind:?}");
            assert!(drawn <= 3, "{kind:?}: {drawn} nodes drawn by 3 threads");
        }
    }

    #[test]
    fn a_second_run_or_an_unknown_thread_fails_the_check() {
        let c = IntsetConfig::default().with_size(8);
        let set = Intset::<LinkedList>::new(&c, 2).unwrap();
        let states = [set.thread(0, 1), set.thread(1, 2)];
        assert_eq!(set.check(&states), Ok(()));
        let again = [set.thread(0, 1)];
        assert!(set.check(&again).unwrap_err().contains("twice"));
        let set = Intset::<LinkedList>::new(&c, 2).unwrap();
        let states = [set.thread(2, 1)];
        assert!(set.check(&states).is_err());
    }
}
