//! What a set operation reports when the shared data it reads cannot belong to a valid structure.
//!
//! With a correct backend a transaction only ever sees states that some serial execution of the
//! operations produced (opacity), and in every such state the structure is valid: every link names
//! a node of the pool, traversals end, colours are red or black. A broken backend (for example
//! [`tm::standin::StandIn::unsynchronized`]) can show a transaction a mixture of states instead. The
//! operations therefore check everything they read from shared data that they use as an index or
//! that bounds a loop, and stop with a [`Violation`] instead of panicking, looping forever or
//! touching memory outside the structure. The workload cancels the transaction, counts the
//! violation in the thread's state, and the check after the point reports it.

use core::fmt;
use tm::Abort;

/// Shared data that no valid structure holds, met inside an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Violation {
    /// A link read from shared data names no node of the pool.
    OutOfPool {
        /// The value read.
        link: u64,
        /// The pool's size in nodes (valid links are below it).
        nodes: u32,
    },
    /// A link the algorithm must follow was the null index (for example the child a rotation
    /// lifts).
    NullLink,
    /// A traversal took more steps than the pool has nodes: the links form a cycle.
    StepLimit {
        /// The bound that was reached.
        limit: u32,
    },
    /// The skip list's level count, or a new node's level, was outside `1..=32`.
    BadLevel {
        /// The value found.
        level: u64,
    },
    /// A red-black tree node's colour word was neither red nor black.
    BadColour {
        /// The value found.
        colour: u64,
    },
    /// An insert found no free node: more nodes were in use than the pool was sized for.
    PoolExhausted,
    /// The backend reported a user abort the workload never raised.
    Cancelled {
        /// The code it reported.
        code: u8,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Violation::OutOfPool { link, nodes } => {
                write!(f, "read link {link}, outside the pool of {nodes} nodes")
            }
            Violation::NullLink => f.write_str("had to follow a null link"),
            Violation::StepLimit { limit } => {
                write!(
                    f,
                    "a traversal exceeded {limit} steps (the links form a cycle)"
                )
            }
            Violation::BadLevel { level } => write!(f, "read level {level}, outside 1..=32"),
            Violation::BadColour { colour } => {
                write!(f, "read colour {colour}, neither red (0) nor black (1)")
            }
            Violation::PoolExhausted => f.write_str("found the node pool exhausted"),
            Violation::Cancelled { code } => {
                write!(
                    f,
                    "was cancelled by user abort 0x{code:02x}, never raised by the workload"
                )
            }
        }
    }
}

/// Why a set operation stopped before finishing: the backend aborted the attempt, or the data it
/// read was impossible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The backend doomed the attempt; the closure returns it so the backend retries.
    Abort(Abort),
    /// The attempt read shared data no valid structure holds.
    Broken(Violation),
}

impl From<Abort> for Stop {
    #[inline]
    fn from(a: Abort) -> Stop {
        Stop::Abort(a)
    }
}

impl From<Violation> for Stop {
    #[inline]
    fn from(v: Violation) -> Stop {
        Stop::Broken(v)
    }
}
