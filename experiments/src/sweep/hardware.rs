//! Where the counts come from: the [`Hardware`] trait, and its RTM implementation.
//!
//! The runner only asks for tallies; [`RtmHardware`] answers with the real kernels, which need the
//! [`htm::Rtm`] token (proof that transactions commit here). The other implementation,
//! [`super::mock::MockHardware`], exists only so the CLI can be tested on machines without RTM.

use crate::kernels::footprint::{FootprintBuffer, FootprintSpec, Pattern};
use crate::kernels::{Tally, duration};
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

/// RTM on this CPU, through the kernels in [`crate::kernels`].
pub struct RtmHardware {
    rtm: Rtm,
    max_lines: usize,
    patterns: Vec<Pattern>,
    seed: u64,
    /// Allocated and pre-faulted on the first footprint point, then reused.
    buffer: Option<FootprintBuffer>,
}

impl RtmHardware {
    /// Measures with `rtm`; footprints in `patterns` go up to `max_lines`, and `seed` drives the
    /// random layout.
    pub fn new(rtm: Rtm, max_lines: usize, patterns: Vec<Pattern>, seed: u64) -> Self {
        RtmHardware {
            rtm,
            max_lines,
            patterns,
            seed,
            buffer: None,
        }
    }
}

impl Hardware for RtmHardware {
    fn source(&self) -> Source {
        Source::Rtm
    }

    fn footprint(&mut self, spec: &FootprintSpec, _rep: u32, attempts: u64) -> Tally {
        let (max_lines, seed, patterns) = (self.max_lines, self.seed, &self.patterns);
        self.buffer
            .get_or_insert_with(|| FootprintBuffer::new(max_lines, seed, patterns))
            .run(self.rtm, spec, attempts)
    }

    fn duration(&mut self, cycles: u64, _rep: u32, attempts: u64) -> Tally {
        duration::run(self.rtm, cycles, attempts)
    }
}
