//! The model on one thread against a sequential reference written independently and plainly
//! (hash maps and vectors): random programs of begins, reads, writes, commits, explicit aborts
//! and non-transactional loads and stores, on a tiny geometry (2 sets x 2 ways, 3 secondary
//! lines) so that capacity aborts, evictions to the secondary structure and self-dooming by
//! non-transactional accesses are frequent. Every result of every operation and the final
//! memory must match: reads see the transaction's own writes, aborts discard everything,
//! commits publish everything, and each abort has the reference's status.

#![cfg(not(loom))]

mod common;

use common::{Line, lines, quiet};
use model::status::{CAPACITY, CONFLICT, NESTED, explicit};
use model::{AbortStatus, Model, ModelConfig, Preset};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

const LINES: usize = 6;
const WORDS: usize = LINES * 8;
const SETS: u64 = 2;
const WAYS: usize = 2;
const SECONDARY: usize = 3;
const MAX_NESTING: u32 = 3;

#[derive(Clone, Copy, Debug)]
enum Op {
    Begin,
    Read(usize),
    Write(usize, u64),
    Commit,
    Abort(u8),
    NontxStore(usize, u64),
    NontxLoad(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Begin),
        6 => (0..WORDS).prop_map(Op::Read),
        6 => (0..WORDS, 1..1000u64).prop_map(|(i, v)| Op::Write(i, v)),
        2 => Just(Op::Commit),
        1 => any::<u8>().prop_map(Op::Abort),
        1 => (0..WORDS, 1..1000u64).prop_map(|(i, v)| Op::NontxStore(i, v)),
        1 => (0..WORDS).prop_map(Op::NontxLoad),
    ]
}

/// The reference's view of a running transaction.
#[derive(Default)]
struct Running {
    depth: u32,
    pending: HashMap<usize, u64>,
    /// Per set, in slot order: (line, written).
    sets: Vec<Vec<(u64, bool)>>,
    secondary: HashSet<u64>,
    doomed: bool,
}

enum State {
    Idle,
    Running(Running),
    Aborted(AbortStatus),
}

struct Reference {
    mem: Vec<u64>,
    state: State,
    line_of: Vec<u64>,
}

/// What an operation returned.
#[derive(Debug, PartialEq, Eq)]
enum Out {
    Value(Result<u64, AbortStatus>),
    Unit(Result<(), AbortStatus>),
    Status(AbortStatus),
    Skipped,
}

impl Reference {
    fn nested(r: &Running, s: AbortStatus) -> AbortStatus {
        if r.depth > 1 {
            AbortStatus::from_raw(s.raw() | NESTED)
        } else {
            s
        }
    }

    fn end(&mut self, s: AbortStatus) -> AbortStatus {
        self.state = State::Aborted(s);
        s
    }

    fn apply(&mut self, op: Op) -> Out {
        match (&mut self.state, op) {
            (State::Idle | State::Aborted(_), Op::Begin) => {
                self.state = State::Running(Running {
                    depth: 1,
                    sets: vec![Vec::new(); SETS as usize],
                    ..Running::default()
                });
                Out::Unit(Ok(()))
            }
            (State::Running(r), Op::Begin) => {
                if r.doomed {
                    let s = Self::nested(r, CONFLICT);
                    return Out::Unit(Err(self.end(s)));
                }
                if r.depth >= MAX_NESTING {
                    let s = Self::nested(r, AbortStatus::from_raw(NESTED));
                    return Out::Unit(Err(self.end(s)));
                }
                r.depth += 1;
                Out::Unit(Ok(()))
            }
            (State::Idle, Op::Read(_) | Op::Write(..) | Op::Commit) => Out::Skipped,
            (State::Aborted(s), Op::Read(_)) => Out::Value(Err(*s)),
            (State::Aborted(s), Op::Write(..) | Op::Commit) => Out::Unit(Err(*s)),
            (State::Running(r), Op::Read(i)) => {
                if r.doomed {
                    let s = Self::nested(r, CONFLICT);
                    return Out::Value(Err(self.end(s)));
                }
                let line = self.line_of[i];
                let set = (line % SETS) as usize;
                let in_l1 = r.sets[set].iter().find(|(l, _)| *l == line).copied();
                match in_l1 {
                    Some((_, true)) if r.pending.contains_key(&i) => {
                        return Out::Value(Ok(r.pending[&i]));
                    }
                    Some(_) => {}
                    None if r.secondary.contains(&line) => {}
                    None => {
                        if r.sets[set].len() < WAYS {
                            r.sets[set].push((line, false));
                        } else if r.secondary.len() < SECONDARY {
                            r.secondary.insert(line);
                        } else {
                            let s = Self::nested(r, CAPACITY);
                            return Out::Value(Err(self.end(s)));
                        }
                    }
                }
                Out::Value(Ok(self.mem[i]))
            }
            (State::Running(r), Op::Write(i, v)) => {
                if r.doomed {
                    let s = Self::nested(r, CONFLICT);
                    return Out::Unit(Err(self.end(s)));
                }
                let line = self.line_of[i];
                let set = (line % SETS) as usize;
                let entries = &mut r.sets[set];
                if let Some(e) = entries.iter_mut().find(|(l, _)| *l == line) {
                    e.1 = true;
                } else if entries.len() < WAYS {
                    entries.push((line, true));
                } else if let Some(e) = entries.iter_mut().find(|(_, w)| !*w) {
                    let evicted = e.0;
                    *e = (line, true);
                    if r.secondary.len() >= SECONDARY {
                        let s = Self::nested(r, CAPACITY);
                        return Out::Unit(Err(self.end(s)));
                    }
                    r.secondary.insert(evicted);
                } else {
                    let s = Self::nested(r, CAPACITY);
                    return Out::Unit(Err(self.end(s)));
                }
                r.pending.insert(i, v);
                Out::Unit(Ok(()))
            }
            (State::Running(r), Op::Commit) => {
                if r.doomed {
                    let s = Self::nested(r, CONFLICT);
                    return Out::Unit(Err(self.end(s)));
                }
                if r.depth > 1 {
                    r.depth -= 1;
                    return Out::Unit(Ok(()));
                }
                for (&i, &v) in &r.pending {
                    self.mem[i] = v;
                }
                self.state = State::Idle;
                Out::Unit(Ok(()))
            }
            (State::Running(r), Op::Abort(code)) => {
                let s = if r.doomed { CONFLICT } else { explicit(code) };
                let s = Self::nested(r, s);
                Out::Status(self.end(s))
            }
            (State::Aborted(s), Op::Abort(_)) => Out::Status(*s),
            (State::Idle, Op::Abort(code)) => Out::Status(explicit(code)),
            (state, Op::NontxStore(i, v)) => {
                let line = self.line_of[i];
                if let State::Running(r) = state
                    && (r.sets.iter().flatten().any(|(l, _)| *l == line)
                        || r.secondary.contains(&line))
                {
                    r.doomed = true;
                }
                self.mem[i] = v;
                Out::Skipped
            }
            (state, Op::NontxLoad(i)) => {
                let line = self.line_of[i];
                if let State::Running(r) = state
                    && r.sets.iter().flatten().any(|(l, w)| *l == line && *w)
                {
                    r.doomed = true;
                }
                Out::Value(Ok(self.mem[i]))
            }
        }
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let model = Model::new(ModelConfig {
        l1_sets: SETS as u32,
        l1_ways: WAYS as u32,
        secondary_read_lines: SECONDARY as u64,
        max_nesting: MAX_NESTING,
        ..quiet(Preset::Haswell)
    })
    .unwrap();
    let buffer: Vec<Line> = lines(LINES);
    let word = |i: usize| &buffer[i / 8].0[i % 8];
    let mut reference = Reference {
        mem: vec![0; WORDS],
        state: State::Idle,
        line_of: (0..WORDS)
            .map(|i| (word(i) as *const tm::TWord as usize >> 6) as u64)
            .collect(),
    };
    let mut t = model.thread();
    for (step, &op) in ops.iter().enumerate() {
        let expected = reference.apply(op);
        let actual = match op {
            _ if expected == Out::Skipped && !matches!(op, Op::NontxStore(..)) => Out::Skipped,
            Op::Begin => Out::Unit(t.begin()),
            Op::Read(i) => Out::Value(t.read(word(i))),
            Op::Write(i, v) => Out::Unit(t.write(word(i), v)),
            Op::Commit => Out::Unit(t.commit()),
            Op::Abort(code) => Out::Status(t.abort(code)),
            Op::NontxStore(i, v) => {
                model.nontx_store(word(i), v);
                Out::Skipped
            }
            Op::NontxLoad(i) => Out::Value(Ok(model.nontx_load(word(i)))),
        };
        prop_assert_eq!(&actual, &expected, "step {} {:?}", step, op);
        prop_assert_eq!(
            t.in_transaction(),
            matches!(reference.state, State::Running(_)),
            "step {}",
            step
        );
    }
    if t.in_transaction() {
        // Abort whatever is left; nothing of it may reach memory.
        t.cancel();
    }
    for i in 0..WORDS {
        prop_assert_eq!(word(i).load(), reference.mem[i], "word {}", i);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn matches_the_sequential_reference(ops in proptest::collection::vec(op(), 1..80)) {
        run(&ops)?;
    }
}

/// The reference itself can tell a broken model apart: a program whose outcome differs if
/// writes were published before the commit (a read by a non-transactional load in between).
#[test]
fn the_reference_sees_early_publication() {
    let ops = [Op::Begin, Op::Write(0, 5), Op::NontxLoad(0), Op::Commit];
    let mut reference = Reference {
        mem: vec![0; WORDS],
        state: State::Idle,
        line_of: (0..WORDS as u64).map(|i| i / 8).collect(),
    };
    let outs: Vec<Out> = ops.iter().map(|&op| reference.apply(op)).collect();
    assert_eq!(
        outs[2],
        Out::Value(Ok(0)),
        "the load sees memory, not the buffer"
    );
    assert_eq!(outs[3], Out::Unit(Err(CONFLICT)), "and dooms the writer");
    assert_eq!(reference.mem[0], 0);
    run(&ops).unwrap();
}
