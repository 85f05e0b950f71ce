//! Property tests: random single-threaded transaction programs give, on every backend, exactly
//! what a plain sequential reference gives: the same value for every read (including reads of the
//! transaction's own writes), the same final memory, the same commits and user aborts.
//!
//! A program is a list of transactions over 32 words; each is a list of reads and writes (up to
//! 40, so TL2's and NOrec's redo logs switch from linear search to their hash index) and ends in a
//! commit or a user abort with a code. One handle runs the whole program, so logs are reused
//! across transactions. TL2 and LSA also run with a 4-lock table of 64-byte stripes (many words
//! per lock; for LSA, long chains of buffered writes per lock and reads of unwritten words of
//! owned stripes). For the sequential baseline, which cannot undo writes, a transaction that would
//! cancel after writing commits instead, in the program and in the reference alike.

#![cfg(not(loom))]

use proptest::prelude::*;
use stm::{GlobalLock, Lsa, LsaConfig, Norec, Sequential, Tl2, Tl2Config};
use tm::{Abort, AbortCause, Backend, Handle, TWord, Tx, UserAbort};

const WORDS: usize = 32;

#[derive(Clone, Copy, Debug)]
enum Op {
    Read(usize),
    Write(usize, u64),
}

#[derive(Clone, Debug)]
struct Txn {
    ops: Vec<Op>,
    /// `Some(code)`: the closure cancels with this code after its operations.
    cancel: Option<u8>,
}

fn txn() -> impl Strategy<Value = Txn> {
    let op = prop_oneof![
        (0..WORDS).prop_map(Op::Read),
        (0..WORDS, any::<u64>()).prop_map(|(w, v)| Op::Write(w, v)),
    ];
    (
        prop::collection::vec(op, 0..40),
        prop::option::weighted(0.3, 0..=tm::MAX_USER_CODE),
    )
        .prop_map(|(ops, cancel)| Txn { ops, cancel })
}

/// What a program observed: per transaction, its reads and outcome; then the final memory.
#[derive(Debug, PartialEq, Eq)]
struct Trace {
    txns: Vec<(Vec<u64>, Result<(), UserAbort>)>,
    memory: Vec<u64>,
    commits: u64,
    user_aborts: u64,
}

fn reference(initial: &[u64], program: &[Txn]) -> Trace {
    let mut memory = initial.to_vec();
    let mut trace = Trace {
        txns: Vec::new(),
        memory: Vec::new(),
        commits: 0,
        user_aborts: 0,
    };
    for t in program {
        let mut local = memory.clone();
        let mut reads = Vec::new();
        for op in &t.ops {
            match *op {
                Op::Read(w) => reads.push(local[w]),
                Op::Write(w, v) => local[w] = v,
            }
        }
        let outcome = match t.cancel {
            Some(code) => {
                trace.user_aborts += 1;
                Err(UserAbort { code })
            }
            None => {
                memory = local;
                trace.commits += 1;
                Ok(())
            }
        };
        trace.txns.push((reads, outcome));
    }
    trace.memory = memory;
    trace
}

fn execute<B: Backend>(backend: &B, initial: &[u64], program: &[Txn]) -> Trace {
    let words: Vec<TWord> = initial.iter().map(|&v| TWord::new(v)).collect();
    let mut trace = Trace {
        txns: Vec::new(),
        memory: Vec::new(),
        commits: 0,
        user_aborts: 0,
    };
    {
        let mut h = backend.handle();
        for t in program {
            let mut reads = Vec::new();
            let outcome = h.atomically(|tx| {
                reads.clear();
                for op in &t.ops {
                    match *op {
                        Op::Read(w) => reads.push(tx.read(&words[w])?),
                        Op::Write(w, v) => tx.write(&words[w], v)?,
                    }
                }
                match t.cancel {
                    Some(code) => Err(Abort::user(code)),
                    None => Ok(()),
                }
            });
            trace.txns.push((reads, outcome));
        }
        let stats = h.take_stats();
        assert!(stats.is_consistent());
        assert_eq!(stats.aborts_of(AbortCause::Explicit), stats.user_aborts);
        assert_eq!(
            stats.total_aborts(),
            stats.user_aborts,
            "one thread never conflicts"
        );
        trace.commits = stats.commits;
        trace.user_aborts = stats.user_aborts;
    }
    trace.memory = words.iter().map(TWord::load).collect();
    trace
}

/// The sequential baseline cannot undo: cancel only transactions that have not written.
fn without_undo(program: &[Txn]) -> Vec<Txn> {
    program
        .iter()
        .map(|t| {
            let wrote = t.ops.iter().any(|op| matches!(op, Op::Write(..)));
            Txn {
                ops: t.ops.clone(),
                cancel: if wrote { None } else { t.cancel },
            }
        })
        .collect()
}

fn tiny_tl2() -> Tl2 {
    Tl2::with_config(Tl2Config {
        lock_table_bits: 2,
        stripe_bytes: 64,
        backoff_max_step: 4,
    })
    .expect("valid configuration")
}

fn tiny_lsa() -> Lsa {
    Lsa::with_config(LsaConfig {
        lock_table_bits: 2,
        stripe_bytes: 64,
        backoff_max_step: 4,
    })
    .expect("valid configuration")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn backends_match_the_sequential_reference(
        initial in prop::collection::vec(any::<u64>(), WORDS),
        program in prop::collection::vec(txn(), 1..12),
    ) {
        let expected = reference(&initial, &program);
        prop_assert_eq!(&execute(&Tl2::new(), &initial, &program), &expected, "tl2");
        prop_assert_eq!(&execute(&tiny_tl2(), &initial, &program), &expected, "tl2 tiny table");
        prop_assert_eq!(&execute(&Lsa::new(), &initial, &program), &expected, "lsa");
        prop_assert_eq!(&execute(&tiny_lsa(), &initial, &program), &expected, "lsa tiny table");
        prop_assert_eq!(&execute(&Norec::new(), &initial, &program), &expected, "norec");
        prop_assert_eq!(&execute(&GlobalLock::new(), &initial, &program), &expected, "global lock");
        let program = without_undo(&program);
        let expected = reference(&initial, &program);
        prop_assert_eq!(&execute(&Sequential::new(), &initial, &program), &expected, "sequential");
    }
}
