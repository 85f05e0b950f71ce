//! Footprint transactions: read and/or write N cache lines inside one transaction.
//! (Interface fixed; the implementation is being written.)

use super::Tally;
use htm::Rtm;
use serde::{Deserialize, Serialize};

/// What each transaction does to its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    /// Load one word of every line.
    Read,
    /// Store one word to every line.
    Write,
    /// Load from the first half of the lines, store to the second half.
    Mixed,
}

/// Where the lines are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    /// Consecutive lines.
    Seq,
    /// Distinct lines in a random order, drawn from a region 4x the footprint (seeded).
    Random,
    /// Lines 4 KiB apart, so every line maps to the same L1 set.
    SameSet,
}

/// The cache state each attempt starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Warmth {
    /// Buffer pre-faulted, and its lines touched just before each attempt.
    Warm,
    /// Buffer pre-faulted, and its lines flushed with `clflush` before each attempt.
    Cold,
}

/// One footprint point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FootprintSpec {
    /// The operation.
    pub op: Op,
    /// The layout.
    pub pattern: Pattern,
    /// Number of 64-byte lines touched.
    pub lines: usize,
    /// Warm-up state.
    pub warmth: Warmth,
}

/// A pre-faulted buffer large enough for footprints up to a maximum, reused across points.
pub struct FootprintBuffer {
    _private: (),
}

impl FootprintBuffer {
    /// Allocates and pre-faults a buffer for footprints of up to `max_lines` lines in any pattern.
    /// `seed` drives the random pattern.
    pub fn new(max_lines: usize, seed: u64) -> Self {
        let _ = (max_lines, seed);
        unimplemented!("footprint kernel is being written")
    }

    /// Runs `attempts` transactions of `spec` and tallies them.
    pub fn run(&mut self, rtm: Rtm, spec: &FootprintSpec, attempts: u64) -> Tally {
        let _ = (rtm, spec, attempts);
        unimplemented!("footprint kernel is being written")
    }
}
