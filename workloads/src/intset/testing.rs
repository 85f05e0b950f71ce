//! Test helpers shared by the structures' unit tests: building a structure holding given keys,
//! asserting that its check names a property, and a sequential model (a `BTreeSet`) to compare a
//! random sequence of operations with.

use super::pool::{Direct, FreeList};
use super::{Intset, IntsetConfig, NewNode, Structure};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::collections::BTreeSet;
use tm::rng::SplitMix64;

/// A structure of kind `S` for keys in `[0, range)`, built for one thread, holding `keys`
/// (inserted in the given order through the structure's own code).
pub(crate) fn filled<S: Structure>(keys: &[u64], range: usize) -> S {
    filled_with(keys, range, |_| {})
}

/// As [`filled`], with the configuration adjusted by `adjust` (for example the bucket count).
pub(crate) fn filled_with<S: Structure>(
    keys: &[u64],
    range: usize,
    adjust: impl FnOnce(&mut IntsetConfig),
) -> S {
    let mut config = IntsetConfig {
        kind: S::KIND,
        initial: 0,
        range,
        ..IntsetConfig::default()
    };
    adjust(&mut config);
    let set = Intset::<S>::new(&config, 1).unwrap().set;
    let mut rng = SplitMix64::new(11);
    for &key in keys {
        let index = set.fresh().unwrap();
        let level = S::draw_level(&mut rng);
        assert!(
            set.insert(&mut Direct, key, NewNode { index, level })
                .unwrap()
        );
    }
    assert_eq!(set.census().unwrap().size, keys.len() as u64);
    set
}

/// Asserts that `set`'s check fails and names `property`.
pub(crate) fn fails_with<S: Structure>(set: &S, property: &str) {
    match set.census() {
        Ok(c) => panic!(
            "the check passed ({} keys); expected it to name {property:?}",
            c.size
        ),
        Err(e) => assert!(
            e.starts_with(property),
            "expected the check to name {property:?}, it said: {e}"
        ),
    }
}

/// One operation of a sequential test.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    Insert(u64),
    Remove(u64),
    Contains(u64),
}

/// Sequences of operations on keys below `range`, inserts and removes weighted so the set's size
/// wanders over the whole range.
pub(crate) fn ops(range: u64) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        prop_oneof![
            3 => (0..range).prop_map(Op::Insert),
            2 => (0..range).prop_map(Op::Remove),
            1 => (0..range).prop_map(Op::Contains),
        ],
        0..300,
    )
}

/// A structure and the `BTreeSet` that must hold the same keys, with a free list managed as the
/// workload manages one.
pub(crate) struct Model<S> {
    set: Intset<S>,
    model: BTreeSet<u64>,
    free: FreeList,
    rng: SplitMix64,
}

impl<S: Structure> Model<S> {
    /// A set with `initial` random keys in `[0, range)` and its model.
    pub(crate) fn new(initial: usize, range: usize) -> Model<S> {
        Self::with(initial, range, |_| {})
    }

    /// As [`Model::new`], with the configuration adjusted by `adjust`.
    pub(crate) fn with(
        initial: usize,
        range: usize,
        adjust: impl FnOnce(&mut IntsetConfig),
    ) -> Model<S> {
        let mut config = IntsetConfig {
            kind: S::KIND,
            initial: initial.min(range),
            range,
            seed: initial as u64,
            ..IntsetConfig::default()
        };
        adjust(&mut config);
        let set = Intset::<S>::new(&config, 1).unwrap();
        let model = (0..range as u64)
            .filter(|&k| set.set.contains(&mut Direct, k).unwrap())
            .collect::<BTreeSet<_>>();
        assert_eq!(model.len(), config.initial);
        Model {
            set,
            model,
            free: FreeList::new(),
            rng: SplitMix64::new(5),
        }
    }

    /// Runs `ops` on the structure and the model, comparing every answer, then checks the
    /// structure, its contents and the conservation of nodes.
    pub(crate) fn run(&mut self, ops: &[Op]) -> Result<(), TestCaseError> {
        let set = &self.set.set;
        for &op in ops {
            match op {
                Op::Insert(k) => {
                    let index = self.free.next(|| set.fresh()).expect("the pool suffices");
                    let level = S::draw_level(&mut self.rng);
                    let inserted = set.insert(&mut Direct, k, NewNode { index, level });
                    prop_assert_eq!(inserted, Ok(self.model.insert(k)), "{:?}", op);
                    if inserted == Ok(true) {
                        self.free.used();
                    }
                }
                Op::Remove(k) => {
                    let removed = set.remove(&mut Direct, k).unwrap();
                    prop_assert_eq!(removed.is_some(), self.model.remove(&k), "{:?}", op);
                    if let Some(n) = removed {
                        self.free.give(n);
                    }
                }
                Op::Contains(k) => {
                    let found = set.contains(&mut Direct, k);
                    prop_assert_eq!(found, Ok(self.model.contains(&k)), "{:?}", op);
                }
            }
        }
        let census = set.census().map_err(TestCaseError::fail)?;
        prop_assert_eq!(census.size, self.model.len() as u64);
        for k in 0..self.set.config.range as u64 {
            prop_assert_eq!(
                set.contains(&mut Direct, k),
                Ok(self.model.contains(&k)),
                "key {}",
                k
            );
        }
        for &n in self.free.nodes() {
            prop_assert!(!census.reachable[n as usize], "free node {} is linked", n);
        }
        prop_assert_eq!(
            u64::from(set.drawn()),
            census.size + self.free.nodes().len() as u64,
            "nodes leaked"
        );
        Ok(())
    }
}
