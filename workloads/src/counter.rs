//! `counter`: K shared counters; each transaction increments one of them.
//!
//! With K = 1 every transaction writes the same word: the hot spot where every backend serializes
//! and the differences are its conflict handling. Counters sit one per cache line by default
//! ([`Layout::Lines`]), so HTM and a word-based STM see the same conflicts; [`Layout::Packed`]
//! adds false sharing between counters for HTM.
//!
//! Check: the counters sum to the number of committed increments of all threads, exactly.

use crate::pick::Picker;
use crate::slots::{Layout, MAX_SLOTS, Slots};
use crate::{Invalid, Workload};
use tm::rng::SplitMix64;
use tm::{Handle, Tx};

/// Parameters of the counter workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct CounterConfig {
    /// Number of shared counters (`--counters`; 1 is a hot spot).
    pub counters: usize,
    /// Where the counters lie (`--layout`).
    pub layout: Layout,
}

impl Default for CounterConfig {
    fn default() -> Self {
        CounterConfig {
            counters: 1,
            layout: Layout::Lines,
        }
    }
}

impl CounterConfig {
    /// Checks every parameter.
    pub fn validate(&self) -> Result<(), Invalid> {
        Invalid::range("--counters", self.counters, 1, MAX_SLOTS)?;
        Ok(())
    }
}

/// The counter workload (see the module documentation).
#[derive(Debug)]
pub struct Counter {
    slots: Slots,
}

/// One thread's state: its generator and its committed increments.
#[derive(Debug)]
pub struct CounterThread {
    rng: SplitMix64,
    picker: Picker,
    committed: u64,
}

impl Counter {
    /// Fresh counters (all 0).
    pub fn new(config: &CounterConfig) -> Result<Counter, Invalid> {
        config.validate()?;
        Ok(Counter {
            slots: Slots::new(config.counters, config.layout, "--counters")?,
        })
    }
}

impl Workload for Counter {
    type Thread = CounterThread;

    fn thread(&self, _index: usize, seed: u64) -> CounterThread {
        CounterThread {
            rng: SplitMix64::new(seed),
            picker: Picker::new(self.slots.len(), None),
            committed: 0,
        }
    }

    #[inline]
    fn op<'a, H: Handle<'a>>(&'a self, h: &mut H, t: &mut CounterThread) {
        let w = self.slots.get(t.picker.one(&mut t.rng));
        h.site("counter::increment");
        h.atomically(|tx| {
            let v = tx.read(w)?;
            tx.write(w, v.wrapping_add(1))
        })
        .expect("counter transactions never cancel");
        t.committed += 1;
    }

    /// `counters`, one per line or packed.
    fn regions(&self) -> tm::regions::Regions {
        let mut r = tm::regions::Regions::new();
        r.add(self.slots.region("counters"));
        r
    }

    fn check(&self, threads: &[CounterThread]) -> Result<(), String> {
        let committed: u64 = threads.iter().map(|t| t.committed).sum();
        let found = self.slots.sum();
        if found == committed {
            Ok(())
        } else {
            Err(format!(
                "the counters sum to {found} after {committed} committed increments"
            ))
        }
    }
}
