//! `array`: transactions of a chosen size over an array of words — the transaction-size knob.
//!
//! Each operation chooses `reads + writes` distinct slots of an array of `words` slots (uniformly,
//! or with a hot subset), then runs one transaction that reads the first `reads` of them and
//! increments each of the other `writes` (a read-modify-write). So a transaction reads
//! `reads + writes` slots and writes `writes`, and with [`Layout::Lines`] each slot is its own
//! cache line: the footprint in lines is exactly what a hardware transaction must track, the
//! quantity a capacity sweep measures in isolation. [`Layout::Packed`] puts eight slots in a line.
//!
//! Check: every committed transaction adds exactly `writes` to the sum of all slots, so after the
//! run the slots must sum to `writes` x the committed transactions of all threads. A lost or
//! duplicated increment, or a partially applied transaction, breaks the equality.

use crate::pick::Picker;
use crate::slots::{Layout, Slots};
use crate::{Hot, Invalid, Workload};
use tm::rng::SplitMix64;
use tm::{Handle, Tx};

/// The most slots a transaction may read or write (each): 2^16.
pub const MAX_ACCESSES: usize = 1 << 16;

/// Parameters of the array workload.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ArrayConfig {
    /// Slots in the array (`--words`).
    pub words: usize,
    /// Slots read per transaction (`--reads`).
    pub reads: usize,
    /// Slots incremented per transaction (`--writes`).
    pub writes: usize,
    /// Where the slots lie (`--layout`).
    pub layout: Layout,
    /// A hot subset of the slots (`--hot`).
    pub hot: Option<Hot>,
}

impl Default for ArrayConfig {
    fn default() -> Self {
        ArrayConfig {
            words: 1 << 16,
            reads: 8,
            writes: 8,
            layout: Layout::Lines,
            hot: None,
        }
    }
}

impl ArrayConfig {
    /// Checks every parameter.
    pub fn validate(&self) -> Result<(), Invalid> {
        Invalid::range("--words", self.words, 1, crate::slots::MAX_SLOTS)?;
        Invalid::range("--reads", self.reads, 0, MAX_ACCESSES)?;
        Invalid::range("--writes", self.writes, 0, MAX_ACCESSES)?;
        if self.reads + self.writes == 0 {
            return Err(Invalid::new(
                "--reads",
                "a transaction must touch something: --reads and --writes are both 0",
            ));
        }
        if self.reads + self.writes > self.words {
            return Err(Invalid::new(
                "--words",
                format!(
                    "{} slots cannot hold {} distinct reads and {} writes per transaction",
                    self.words, self.reads, self.writes
                ),
            ));
        }
        if let Some(hot) = self.hot {
            hot.validate(self.words, "--hot")?;
        }
        Ok(())
    }
}

/// The array workload (see the module documentation).
#[derive(Debug)]
pub struct Array {
    config: ArrayConfig,
    slots: Slots,
}

/// One thread's state: its generator, its reused choice buffer and its committed transactions.
#[derive(Debug)]
pub struct ArrayThread {
    rng: SplitMix64,
    picker: Picker,
    chosen: Vec<usize>,
    committed: u64,
}

impl Array {
    /// A fresh array (all slots 0) for `config`.
    pub fn new(config: &ArrayConfig) -> Result<Array, Invalid> {
        config.validate()?;
        Ok(Array {
            config: *config,
            slots: Slots::new(config.words, config.layout, "--words")?,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ArrayConfig {
        &self.config
    }
}

impl Workload for Array {
    type Thread = ArrayThread;

    fn thread(&self, _index: usize, seed: u64) -> ArrayThread {
        ArrayThread {
            rng: SplitMix64::new(seed),
            picker: Picker::new(self.config.words, self.config.hot),
            chosen: Vec::with_capacity(self.config.reads + self.config.writes),
            committed: 0,
        }
    }

    #[inline]
    fn op<'a, H: Handle<'a>>(&'a self, h: &mut H, t: &mut ArrayThread) {
        let (reads, total) = (self.config.reads, self.config.reads + self.config.writes);
        t.picker.distinct(&mut t.rng, total, &mut t.chosen);
        let chosen = &t.chosen;
        let slots = &self.slots;
        let sum = h
            .atomically(|tx| {
                let mut sum = 0u64;
                for &i in &chosen[..reads] {
                    sum = sum.wrapping_add(tx.read(slots.get(i))?);
                }
                for &i in &chosen[reads..] {
                    let w = slots.get(i);
                    let v = tx.read(w)?;
                    tx.write(w, v.wrapping_add(1))?;
                }
                Ok(sum)
            })
            .expect("array transactions never cancel");
        core::hint::black_box(sum);
        t.committed += 1;
    }

    /// `slots`, one per line or packed.
    fn regions(&self) -> tm::regions::Regions {
        let mut r = tm::regions::Regions::new();
        r.add(self.slots.region("slots"));
        r
    }

    fn check(&self, threads: &[ArrayThread]) -> Result<(), String> {
        let committed: u64 = threads.iter().map(|t| t.committed).sum();
        let expected = committed.wrapping_mul(self.config.writes as u64);
        let found = self.slots.sum();
        if found == expected {
            Ok(())
        } else {
            Err(format!(
                "the slots sum to {found}, but {committed} committed transactions of {} \
                 increments each must make {expected}",
                self.config.writes
            ))
        }
    }
}
