//! `false-sharing`: every thread increments only its own counter.
//!
//! There is no true sharing at all: no two threads ever access the same word. With the counters
//! [`Layout::Packed`] (eight per cache line, so neighbouring threads' counters share a line),
//! hardware TM, which detects conflicts per line, aborts transactions of different threads against
//! each other; a word-based STM, which detects them per word (or per stripe of one word), does not.
//! With [`Layout::Lines`] the counters are padded to a line each and nothing conflicts anywhere.
//!
//! Check: each thread's counter equals that thread's committed increments.

use crate::slots::{Layout, Slots};
use crate::{Invalid, Workload};
use tm::{Handle, Tx};

/// The most threads (and counters): 1024.
pub const MAX_THREADS: usize = 1024;

/// Parameters of the false-sharing workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct FalseSharingConfig {
    /// Where the per-thread counters lie (`--layout`: `packed` shares lines, `lines` pads).
    pub layout: Layout,
}

impl Default for FalseSharingConfig {
    fn default() -> Self {
        FalseSharingConfig {
            layout: Layout::Packed,
        }
    }
}

/// The false-sharing workload (see the module documentation).
#[derive(Debug)]
pub struct FalseSharing {
    counters: Slots,
}

/// One thread's state: which counter is its own, and its committed increments.
#[derive(Debug)]
pub struct FalseSharingThread {
    index: usize,
    committed: u64,
}

impl FalseSharing {
    /// One counter per thread, all 0.
    pub fn new(config: &FalseSharingConfig, threads: usize) -> Result<FalseSharing, Invalid> {
        Invalid::range("--threads", threads, 1, MAX_THREADS)?;
        Ok(FalseSharing {
            counters: Slots::new(threads, config.layout, "--threads")?,
        })
    }
}

impl Workload for FalseSharing {
    type Thread = FalseSharingThread;

    fn thread(&self, index: usize, _seed: u64) -> FalseSharingThread {
        assert!(index < self.counters.len(), "thread {index} has no counter");
        FalseSharingThread {
            index,
            committed: 0,
        }
    }

    #[inline]
    fn op<'a, H: Handle<'a>>(&'a self, h: &mut H, t: &mut FalseSharingThread) {
        let w = self.counters.get(t.index);
        h.atomically(|tx| {
            let v = tx.read(w)?;
            tx.write(w, v.wrapping_add(1))
        })
        .expect("false-sharing transactions never cancel");
        t.committed += 1;
    }

    /// `counters`, one per thread, one per line or packed.
    fn regions(&self) -> tm::regions::Regions {
        let mut r = tm::regions::Regions::new();
        r.add(self.counters.region("counters"));
        r
    }

    fn check(&self, threads: &[FalseSharingThread]) -> Result<(), String> {
        for t in threads {
            let found = self.counters.get(t.index).load();
            if found != t.committed {
                return Err(format!(
                    "thread {}'s counter is {found} after {} committed increments",
                    t.index, t.committed
                ));
            }
        }
        Ok(())
    }
}
