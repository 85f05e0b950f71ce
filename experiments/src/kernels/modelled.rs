//! The modelled HTM ([`model::Model`]) as a [`Transact`], so the probe's and the sweeps' kernels
//! run unchanged over it on any machine: `tmlab sweep capacity --backend model:haswell`.
//!
//! Three layers, because a model thread borrows its model and the words it accesses:
//!
//! - [`ModelMachine`] owns the [`Model`] and the words the footprints touch: page-aligned, so a
//!   line's offset in the footprint buffer decides its modelled L1 set exactly as it decides the
//!   real one (the set index is address bits 6 and up);
//! - [`ModelCpu`] is one thread's context on it (a [`ModelThread`] and those words);
//! - [`Modelled`], a `Copy` reference to a `ModelCpu`, is the [`Transact`].
//!
//! A footprint transaction performs the body's accesses ([`Body::try_each_access`]) through the
//! model at the same offsets in the machine's own words; the footprint buffer's memory is not
//! touched, so its warm-up or flush has no effect: the model has no cache misses, only capacity.
//! A duration transaction spins between `begin` and `commit`, and the model's interrupts (drawn
//! at `begin`, checked at every access and at the commit) decide whether it commits.

use super::Transact;
use super::footprint::body::Body;
use super::footprint::layout::PAGE;
use core::cell::RefCell;
use htm::AbortStatus;
use model::{ConfigError, Model, ModelConfig, ModelThread};
use tm::TWord;

/// Bytes per word.
const WORD: usize = core::mem::size_of::<TWord>();

/// A modelled HTM and the memory its kernels access (see the module documentation).
pub struct ModelMachine {
    model: Model,
    /// Footprint memory, `start` words in so that word `start` is page-aligned.
    words: Box<[TWord]>,
    start: usize,
}

impl ModelMachine {
    /// A model of `config` with room for footprints spanning `bytes` bytes (rounded up to whole
    /// pages, as the footprint buffer is: see [`Body::region_len`]).
    pub fn new(config: ModelConfig, bytes: usize) -> Result<Self, ConfigError> {
        let model = Model::new(config)?;
        // One page more than needed, so that a page-aligned start leaves enough.
        let len = (bytes.max(1).next_multiple_of(PAGE) + PAGE) / WORD;
        let words: Box<[TWord]> = (0..len).map(|_| TWord::new(0)).collect();
        let misalign = words.as_ptr() as usize % PAGE;
        let start = if misalign == 0 {
            0
        } else {
            (PAGE - misalign) / WORD
        };
        Ok(ModelMachine {
            model,
            words,
            start,
        })
    }

    /// A context for the calling thread (one per thread; see [`Model::thread`]).
    pub fn cpu(&self) -> ModelCpu<'_> {
        ModelCpu {
            thread: RefCell::new(self.model.thread()),
            words: &self.words[self.start..],
        }
    }
}

/// One thread's context on a [`ModelMachine`].
pub struct ModelCpu<'m> {
    thread: RefCell<ModelThread<'m>>,
    words: &'m [TWord],
}

impl<'m> ModelCpu<'m> {
    /// The [`Transact`] of this context.
    pub fn tx(&self) -> Modelled<'_, 'm> {
        Modelled { cpu: self }
    }
}

/// Transactions on the modelled HTM (see the module documentation).
#[derive(Clone, Copy)]
pub struct Modelled<'c, 'm> {
    cpu: &'c ModelCpu<'m>,
}

impl Transact for Modelled<'_, '_> {
    fn transaction<R>(self, body: impl FnOnce() -> R) -> Result<R, AbortStatus> {
        let mut t = self.cpu.thread.borrow_mut();
        t.begin()?;
        let r = body();
        t.commit().map(|()| r)
    }

    fn footprint(self, body: &Body<'_>, value: u64) -> Result<u64, AbortStatus> {
        let words = self.cpu.words;
        assert!(
            body.region_len() <= words.len() * WORD,
            "a footprint of {} bytes exceeds the model's memory ({} bytes)",
            body.region_len(),
            words.len() * WORD
        );
        let mut t = self.cpu.thread.borrow_mut();
        t.begin()?;
        let mut sum = 0u64;
        body.try_each_access(|offset, load| {
            let word = &words[offset / WORD];
            if load {
                sum = sum.wrapping_add(t.read(word)?);
                Ok(())
            } else {
                t.write(word, value)
            }
        })?;
        t.commit().map(|()| sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::footprint::{FootprintBuffer, FootprintSpec, Op, Pattern, Warmth};
    use model::{InterruptDistribution, Preset};

    fn quiet(preset: Preset) -> ModelConfig {
        ModelConfig {
            interrupt_distribution: InterruptDistribution::None,
            ..ModelConfig::preset(preset, 3e9)
        }
    }

    fn commits(cpu: &ModelCpu<'_>, buf: &mut FootprintBuffer, op: Op, p: Pattern, n: usize) -> u64 {
        let spec = FootprintSpec {
            op,
            pattern: p,
            lines: n,
            warmth: Warmth::Warm,
        };
        buf.run_with(cpu.tx(), &spec, 4, |_| false).commits
    }

    #[test]
    fn footprints_overflow_exactly_at_the_modelled_geometry() {
        for (preset, lines, ways) in [(Preset::Haswell, 512, 8), (Preset::SapphireRapids, 768, 12)]
        {
            let patterns = [Pattern::Seq, Pattern::SameSet];
            let mut buf = FootprintBuffer::new(1024, 1, &patterns);
            let machine =
                ModelMachine::new(quiet(preset), FootprintBuffer::bytes_for(1024, &patterns))
                    .unwrap();
            let cpu = machine.cpu();
            let mut c = |op, p, n| commits(&cpu, &mut buf, op, p, n);
            assert_eq!(c(Op::Write, Pattern::Seq, lines), 4, "{preset:?}");
            assert_eq!(c(Op::Write, Pattern::Seq, lines + 1), 0, "{preset:?}");
            assert_eq!(c(Op::Write, Pattern::SameSet, ways), 4, "{preset:?}");
            assert_eq!(c(Op::Write, Pattern::SameSet, ways + 1), 0, "{preset:?}");
            // Reads overflow L1 into the secondary structure and commit.
            assert_eq!(c(Op::Read, Pattern::SameSet, ways + 1), 4, "{preset:?}");
        }
    }

    #[test]
    fn loads_return_what_the_model_holds_and_stores_commit_to_it() {
        let mut buf = FootprintBuffer::new(64, 1, &[Pattern::Seq]);
        let bytes = FootprintBuffer::bytes_for(64, &[Pattern::Seq]);
        let machine = ModelMachine::new(quiet(Preset::Haswell), bytes).unwrap();
        let cpu = machine.cpu();
        let write = FootprintSpec {
            op: Op::Write,
            pattern: Pattern::Seq,
            lines: 8,
            warmth: Warmth::Warm,
        };
        // Attempt i stores i: the last of 3 attempts leaves 2 in every line.
        assert_eq!(buf.run_with(cpu.tx(), &write, 3, |_| false).commits, 3);
        let read = FootprintSpec {
            op: Op::Read,
            ..write
        };
        assert_eq!(buf.run_with(cpu.tx(), &read, 1, |_| false).commits, 1);
        let words = &machine.words[machine.start..];
        assert!((0..8).all(|l| words[l * 8].load() == 2));
        assert!(words[8 * 8].load() == 0, "line 8 was not in the footprint");
        assert_eq!(
            cpu.tx().transaction(|| 5),
            Ok(5),
            "an empty transaction commits"
        );
    }

    #[test]
    fn long_transactions_meet_the_modelled_interrupts() {
        let config = ModelConfig {
            interrupt_distribution: InterruptDistribution::Periodic,
            interrupt_mean_us: 10.0,
            ..ModelConfig::preset(Preset::Haswell, crate::backends::tsc_hz())
        };
        let machine = ModelMachine::new(config, 0).unwrap();
        let cpu = machine.cpu();
        let short = crate::kernels::duration::run_with(cpu.tx(), 100, 20, |_| false);
        let long = crate::kernels::duration::run_with(
            cpu.tx(),
            (crate::backends::tsc_hz() * 100e-6) as u64,
            5,
            |_| false,
        );
        assert!(short.commits >= 15, "{short:?}");
        assert_eq!((long.commits, long.status0), (0, 5), "{long:?}");
    }
}
