//! Where the counts come from: the [`Hardware`] trait, and the kernels' implementation.
//!
//! The runner only asks for tallies; [`Kernels`] answers with the real kernels, over the
//! [`htm::Rtm`] token (proof that transactions commit here) or over the modelled HTM. The other
//! implementation, [`super::mock::MockHardware`], exists only so the CLI can be tested on machines without RTM.

use crate::kernels::footprint::{FootprintBuffer, FootprintSpec, Pattern};
use crate::kernels::{Tally, Transact, duration};
use crate::results::Hardware as Source;
use htm::Rtm;

/// A source of transaction outcomes.
pub trait Hardware {
    /// What the counts are: measurements or mock data.
    fn source(&self) -> Source;

    /// Runs `attempts` footprint transactions of `spec`; `rep` is the repetition index (the mock
    /// derives its pseudo-random stream from it; hardware ignores it).
    fn footprint(&mut self, spec: &FootprintSpec, rep: u32, attempts: u64) -> Tally;

    /// Runs `attempts` transactions that spin for `cycles` TSC cycles.
    fn duration(&mut self, cycles: u64, rep: u32, attempts: u64) -> Tally;
}

/// The kernels in [`crate::kernels`] over a [`Transact`]: RTM on this CPU (the [`Rtm`] token),
/// or the modelled HTM ([`crate::kernels::modelled::Modelled`]).
pub struct Kernels<T> {
    tx: T,
    source: Source,
    max_lines: usize,
    patterns: Vec<Pattern>,
    seed: u64,
    /// Allocated and pre-faulted on the first footprint point, then reused.
    buffer: Option<FootprintBuffer>,
}

impl Kernels<Rtm> {
    /// Measures with `rtm`; footprints in `patterns` go up to `max_lines`, and `seed` drives the
    /// random layout.
    pub fn rtm(rtm: Rtm, max_lines: usize, patterns: Vec<Pattern>, seed: u64) -> Self {
        Kernels::new(rtm, Source::Rtm, max_lines, patterns, seed)
    }
}

impl<T: Transact> Kernels<T> {
    /// Runs the kernels over `tx`, whose outcomes are of kind `source`; footprints in `patterns`
    /// go up to `max_lines`, and `seed` drives the random layout.
    pub fn new(tx: T, source: Source, max_lines: usize, patterns: Vec<Pattern>, seed: u64) -> Self {
        Kernels {
            tx,
            source,
            max_lines,
            patterns,
            seed,
            buffer: None,
        }
    }
}

impl<T: Transact> Hardware for Kernels<T> {
    fn source(&self) -> Source {
        self.source
    }

    fn footprint(&mut self, spec: &FootprintSpec, _rep: u32, attempts: u64) -> Tally {
        let (max_lines, seed, patterns) = (self.max_lines, self.seed, &self.patterns);
        self.buffer
            .get_or_insert_with(|| FootprintBuffer::new(max_lines, seed, patterns))
            .run_with(self.tx, spec, attempts, |_| false)
    }

    fn duration(&mut self, cycles: u64, _rep: u32, attempts: u64) -> Tally {
        duration::run_with(self.tx, cycles, attempts, |_| false)
    }
}
