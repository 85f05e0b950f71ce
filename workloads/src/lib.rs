//! tmlab's workloads, written once against [`tm::Backend`], and the runner that measures them.
//!
//! A [`Workload`] owns its shared data (arrays of [`tm::TWord`]), gives each thread a state (its
//! random-number generator and what it has done so far), runs one operation at a time as one
//! transaction through a thread's [`tm::Handle`], and checks after every measured point that the
//! backend kept the workload's invariant. Everything is generic: a workload monomorphizes for each
//! backend, so the barriers inline and the steady state allocates nothing.
//!
//! | workload | module | what one operation does | what the check proves |
//! |---|---|---|---|
//! | `array` | [`array`](mod@array) | reads R slots and increments W others of an array of N, slots one per cache line or packed, uniform or with a hot set | the slots sum to W x committed transactions, exactly |
//! | `bank` | [`bank`] | a transfer between two accounts, or (one in K) a read-only audit of all of them | the total is conserved, every audit saw it, no attempt read an impossible state |
//! | `counter` | [`counter`] | increments one of K shared counters | the counters sum to the committed increments, exactly |
//! | `false-sharing` | [`false_sharing`] | increments the thread's own counter, the counters packed into shared lines or padded | each counter equals its thread's commits |
//! | `gil` | [`gil`] | K "bytecodes" of an interpreter, each touching its own state and, with probability p, a shared word | shared and per-thread state agree with the exact progress of every thread |
//! | `ll`, `sl`, `rb`, `hs` | [`intset`] | a lookup, or (with probability u) an insert or a remove alternating per thread, in a sorted linked list, skip list, red-black tree or hash set of sorted lists, nodes from a pre-allocated pool | the structure's invariants (order, levels, red-black properties, parent links, buckets), size = initial + inserts - removes, every node in the set or on one free list, no transaction saw an impossible state |
//!
//! [`runner::run`] measures one point: pinned threads, a common start, a warm-up whose statistics
//! are discarded, a measured period or operation count, per-thread statistics merged, and the
//! check. Configurations validate their parameters ([`Invalid`] names the offending one), so a bad
//! flag is refused before anything runs.
//!
//! ```
//! use workloads::counter::{Counter, CounterConfig};
//! use workloads::runner::{self, Measure, Plan};
//!
//! let backend = stm::Tl2::new();
//! let workload = Counter::new(&CounterConfig { counters: 4, ..CounterConfig::default() })?;
//! let plan = Plan { threads: 2, measure: Measure::Ops(1_000), ..Plan::default() };
//! let outcome = runner::run(&backend, &workload, &plan)?;
//! assert!(outcome.check.is_ok());
//! assert_eq!(outcome.total.completed(), 2_000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod array;
pub mod bank;
pub mod conflicts;
pub mod counter;
pub mod false_sharing;
pub mod gil;
pub mod intset;
mod invalid;
pub mod pick;
pub mod runner;
pub mod slots;

pub use invalid::Invalid;

use tm::Handle;

/// A workload: shared data, per-thread state, one transactional operation, and a check.
///
/// The runner creates the workload once per repetition (fresh data), one [`Workload::Thread`] per
/// thread, calls [`Workload::op`] in a loop on each thread, and after every thread has joined
/// calls [`Workload::check`] with all thread states.
pub trait Workload: Sync {
    /// What one thread keeps between operations: its generator, reusable buffers, and what it has
    /// done so far (the check compares shared data with it).
    type Thread: Send;

    /// Names of the workload's own counters, reported per point beside the backend statistics
    /// (for example the intset's successful updates). Empty for most workloads.
    const COUNTERS: &'static [&'static str] = &[];

    /// The state of thread `index` (0-based, below the thread count the workload was built for),
    /// whose random choices derive from `seed`.
    fn thread(&self, index: usize, seed: u64) -> Self::Thread;

    /// Runs one operation: one transaction through `h`, retried by the backend until it commits
    /// (or cancelled by the workload itself).
    fn op<'a, H: Handle<'a>>(&'a self, h: &mut H, t: &mut Self::Thread);

    /// Adds the thread's values of [`Workload::COUNTERS`], cumulative since it was created, into
    /// `out` (which has one entry per counter).
    fn counters(&self, t: &Self::Thread, out: &mut [u64]) {
        let _ = (t, out);
    }

    /// The named arrays of the shared data ([`tm::regions`]), so that a conflict address reads
    /// as `accounts[17]`. Called after a point, never while it runs; empty by default.
    fn regions(&self) -> tm::regions::Regions {
        tm::regions::Regions::new()
    }

    /// Checks the shared data against what the threads did, after all of them have joined.
    /// `Err` describes the first violation found.
    fn check(&self, threads: &[Self::Thread]) -> Result<(), String>;
}

/// The share of a workload's random choices that goes to a small "hot" subset of its data.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Hot {
    /// How many elements (slots, accounts) are hot: the first `count` of them.
    pub count: usize,
    /// The probability that a choice falls in the hot subset (in `[0, 1]`).
    pub share: f64,
}

impl Hot {
    /// Checks `count` against the `total` number of elements and `share` against `[0, 1]`.
    /// `flag` names the option in messages (`--hot`).
    pub fn validate(&self, total: usize, flag: &str) -> Result<(), Invalid> {
        if self.count == 0 || self.count > total {
            return Err(Invalid::new(
                flag,
                format!(
                    "{} hot elements: must be between 1 and the {total} elements",
                    self.count
                ),
            ));
        }
        if !(0.0..=1.0).contains(&self.share) {
            return Err(Invalid::new(
                flag,
                format!("share {}: must be within [0, 1]", self.share),
            ));
        }
        Ok(())
    }
}
