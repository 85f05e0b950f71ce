//! A deterministic stand-in for RTM, used ONLY by tmlab's own tests (hidden flag
//! `--mock-hardware`) so the whole CLI (run folder, SIGINT, resume, charts) can be exercised on
//! machines without RTM. Its numbers are illustrative shapes, NOT measurements: runs that use it
//! say `"hardware": "mock"` in meta.json, have `mock` in their folder name, carry "MOCK DATA - not
//! a measurement" in every chart caption and say so in the final table.
//!
//! Model: a footprint commits with probability `1 / (1 + exp((lines - c) / w))` around a nominal
//! capacity `c` per op, pattern and warmth (`w = c / 40`, at least 0.3 lines); a duration commits
//! with probability `exp(-cycles / 3e6)`. Each repetition perturbs the probability by up to
//! +-0.02, and every attempt is drawn from a SplitMix64 stream seeded by the run seed and the
//! point's parameters, so each point's tally depends on nothing else: a resumed run reproduces an
//! uninterrupted one exactly.

use super::hardware::Hardware;
use crate::kernels::Tally;
use crate::kernels::footprint::{FootprintSpec, Op, Pattern, Warmth};
use crate::results::Hardware as Source;
use std::time::Duration;
use tm::rng::SplitMix64;

/// The mock. See the module documentation.
pub struct MockHardware {
    seed: u64,
    delay: Duration,
}

impl MockHardware {
    /// A mock seeded with the run seed, sleeping `delay` per point (so tests can interrupt it).
    pub fn new(seed: u64, delay: Duration) -> Self {
        MockHardware { seed, delay }
    }
}

/// The mock's stream for one point: the run seed and the point's coordinates folded together.
fn seeded(parts: &[u64]) -> SplitMix64 {
    let mut s = SplitMix64::new(0x0074_6d6c_6162);
    for &p in parts {
        s.absorb(p);
    }
    s
}

/// Nominal capacity of the model, in lines.
fn nominal_capacity(op: Op, pattern: Pattern, warmth: Warmth) -> f64 {
    let seq = match op {
        Op::Write => 512.0,
        Op::Mixed => 1024.0,
        Op::Read => 4096.0,
    };
    let c = match pattern {
        Pattern::Seq => seq,
        Pattern::Random => seq * 0.75,
        Pattern::SameSet => 8.0,
    };
    match warmth {
        Warmth::Warm => c,
        Warmth::Cold => c * 0.9,
    }
}

/// Draws `attempts` outcomes with commit probability `p`; an abort is `main` with probability
/// `main_share`, otherwise status 0.
fn draw(rng: &mut SplitMix64, p: f64, attempts: u64, main: fn(&mut Tally)) -> Tally {
    let mut t = Tally {
        attempts,
        ..Tally::default()
    };
    for _ in 0..attempts {
        if rng.unit() < p {
            t.commits += 1;
        } else if rng.unit() < 0.85 {
            main(&mut t);
        } else {
            t.status0 += 1;
        }
    }
    t
}

impl Hardware for MockHardware {
    fn source(&self) -> Source {
        Source::Mock
    }

    fn footprint(&mut self, spec: &FootprintSpec, rep: u32, attempts: u64) -> Tally {
        std::thread::sleep(self.delay);
        let mut rng = seeded(&[
            self.seed,
            spec.op as u64,
            spec.pattern as u64,
            spec.lines as u64,
            spec.warmth as u64,
            u64::from(rep),
            attempts,
        ]);
        let c = nominal_capacity(spec.op, spec.pattern, spec.warmth);
        let w = (c / 40.0).max(0.3);
        let p = 1.0 / (1.0 + ((spec.lines as f64 - c) / w).exp());
        let p = (p + 0.04 * (rng.unit() - 0.5)).clamp(0.0, 1.0);
        if spec.lines as f64 > 0.8 * c {
            draw(&mut rng, p, attempts, |t| t.capacity += 1)
        } else {
            draw(&mut rng, p, attempts, |t| t.retry_only += 1)
        }
    }

    fn duration(&mut self, cycles: u64, rep: u32, attempts: u64) -> Tally {
        std::thread::sleep(self.delay);
        let mut rng = seeded(&[self.seed, cycles, u64::from(rep), attempts, 0xd]);
        let p = (-(cycles as f64) / 3e6).exp();
        let p = (p + 0.04 * (rng.unit() - 0.5)).clamp(0.0, 1.0);
        draw(&mut rng, p, attempts, |t| t.status0 += 1)
    }
}
