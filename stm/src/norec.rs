//! NOrec (Dalessandro, Spear and Scott, "NOrec: Streamlining STM by Abolishing Ownership
//! Records", PPoPP 2010).
//!
//! Shared state: one global [`SeqLock`]; there is no per-location metadata, hence no false
//! conflicts between words.
//!
//! - **Begin**: wait until no writer is committing and take the (even) sequence as the snapshot.
//! - **Read**: look the word up in the redo log first. Otherwise load it, then check that the
//!   sequence still equals the snapshot. If it moved, some transaction committed: revalidate by
//!   value (wait for an even sequence, check every logged `(word, value)` pair still holds, and
//!   check the sequence did not move meanwhile), adopt the new sequence as the snapshot and load
//!   the word again. Every value handed to the closure is therefore consistent with one snapshot
//!   (opacity). Each read is logged with its value.
//! - **Write**: buffer in the redo log.
//! - **Commit** (read-only): nothing; the reads are consistent at the snapshot.
//! - **Commit** (writer): CAS the sequence from the snapshot to odd, revalidating and retrying
//!   when it fails (another writer committed); write back; publish the next even value. Commits
//!   are thus serialized, and a validation that succeeds means the transaction serializes at
//!   the point of its CAS.
//!
//! The only abort cause is a value that changed (read-validation failure); the abort names the
//! first logged word whose value changed ([`Attempt::take_conflict`]). Contention management
//! is the same randomized, bounded backoff as TL2's.

use crate::driver::{Attempt, DriverHandle, Verdict};
use crate::redo::RedoLog;
use crate::seqlock::{Seq, SeqLock};
use core::fmt;
use tm::backoff::Backoff;
use tm::primitive::{self, Ordering};
use tm::{Abort, AbortCause, Backend, BackendInfo, TWord, Tx};

/// The NOrec backend (see the module documentation).
pub struct Norec {
    seq: SeqLock,
    backoff_max_step: u32,
}

impl fmt::Debug for Norec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Norec")
            .field("backoff_max_step", &self.backoff_max_step)
            .finish()
    }
}

impl Default for Norec {
    fn default() -> Self {
        Norec::new()
    }
}

impl Norec {
    /// The default backoff step cap (at most 2048 spins), as for TL2.
    pub const DEFAULT_BACKOFF_MAX_STEP: u32 = 10;

    /// NOrec with the default backoff.
    pub fn new() -> Norec {
        Norec::with_backoff(Self::DEFAULT_BACKOFF_MAX_STEP)
    }

    /// NOrec whose backoff bound doubles up to `2^(max_step + 1)` spins (`max_step` is clamped
    /// to [`tm::backoff::MAX_STEP`], a cap of 2^32 spins).
    pub fn with_backoff(max_step: u32) -> Norec {
        Norec {
            seq: SeqLock::new(),
            backoff_max_step: max_step.min(tm::backoff::MAX_STEP),
        }
    }
}

impl Backend for Norec {
    type Handle<'a> = NorecHandle<'a>;

    fn handle_with(&self, accounting: tm::Accounting) -> NorecHandle<'_> {
        let seed = (self as *const Norec as u64) ^ tm::clock::now();
        DriverHandle::new(
            NorecTx {
                stm: self,
                snapshot: self.seq.sample(),
                doomed: None,
                conflict: 0,
                reads: Vec::new(),
                redo: RedoLog::new(),
            },
            Backoff::new(self.backoff_max_step, seed),
            accounting,
        )
    }

    fn info(&self) -> BackendInfo {
        BackendInfo::new("norec")
            .param("backoff_max_step", self.backoff_max_step)
            .param("backoff_cap_spins", 2u64 << self.backoff_max_step)
    }
}

/// A thread's NOrec handle: transaction state with reusable logs, statistics and backoff.
pub type NorecHandle<'a> = DriverHandle<NorecTx<'a>>;

/// A logged read: the word and the value the transaction saw.
#[derive(Clone, Copy, Debug)]
struct ReadEntry<'a> {
    word: &'a TWord,
    value: u64,
}

/// A NOrec transaction, handed to closures by [`NorecHandle::atomically`](tm::Handle::atomically).
#[derive(Debug)]
pub struct NorecTx<'a> {
    stm: &'a Norec,
    snapshot: Seq,
    doomed: Option<Verdict>,
    /// The address of the first logged word found changed by the failed validation (0: none).
    conflict: usize,
    reads: Vec<ReadEntry<'a>>,
    redo: RedoLog<'a>,
}

impl<'a> Tx<'a> for NorecTx<'a> {
    #[inline]
    fn read(&mut self, word: &'a TWord) -> Result<u64, Abort> {
        if !self.redo.is_empty()
            && let Some(value) = self.redo.get(word)
        {
            return Ok(value);
        }
        // Acquire: pairs with the Release write-back in commit. If this returns a value of a
        // commit that locked the sequence after our snapshot, that commit's CAS happens before
        // the sample below, which therefore differs from the snapshot. Acquire also keeps the
        // sample from being performed before this load.
        let mut value = primitive::load(word, Ordering::Acquire);
        while self.stm.seq.sample() != self.snapshot {
            self.revalidate().map_err(|cause| self.fail(cause))?;
            value = primitive::load(word, Ordering::Acquire);
        }
        self.reads.push(ReadEntry { word, value });
        Ok(value)
    }

    #[inline]
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), Abort> {
        self.redo.insert(word, value);
        Ok(())
    }
}

impl<'a> NorecTx<'a> {
    /// Waits for a quiescent sequence and checks that every logged read still holds its value;
    /// on success the snapshot moves to that sequence.
    #[inline(never)]
    fn revalidate(&mut self) -> Result<(), AbortCause> {
        loop {
            let seq = self.stm.seq.wait_unlocked();
            // Acquire: pairs with the Release write-backs; together with the Acquire sample
            // after the loop it brackets these loads within one even sequence value.
            let changed = self
                .reads
                .iter()
                .find(|r| primitive::load(r.word, Ordering::Acquire) != r.value);
            if let Some(r) = changed {
                self.conflict = crate::driver::addr_of(r.word);
                return Err(AbortCause::ReadValidation);
            }
            if self.stm.seq.sample() == seq {
                self.snapshot = seq;
                return Ok(());
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn fail(&mut self, cause: AbortCause) -> Abort {
        self.doomed = Some(Verdict::Abort(cause));
        Abort::retry(cause)
    }

    #[inline(never)]
    fn commit_writes(&mut self) -> Result<(), AbortCause> {
        while !self.stm.seq.try_lock(self.snapshot) {
            self.revalidate()?;
        }
        // Release: pairs with the Acquire data loads of readers (see `read`) and keeps every
        // store after the locking CAS.
        for e in self.redo.entries() {
            primitive::store(e.word, e.value, Ordering::Release);
        }
        self.stm.seq.unlock(self.snapshot);
        Ok(())
    }
}

impl<'a> Attempt<'a> for NorecTx<'a> {
    #[inline]
    fn begin(&mut self) {
        self.snapshot = self.stm.seq.wait_unlocked();
        self.doomed = None;
        self.conflict = 0;
        self.reads.clear();
        self.redo.clear();
    }

    #[inline]
    fn doomed(&self) -> Option<Verdict> {
        self.doomed
    }

    #[inline]
    fn commit(&mut self) -> Result<(), AbortCause> {
        if self.redo.is_empty() {
            return Ok(());
        }
        self.commit_writes()
    }

    #[inline]
    fn rollback(&mut self) {}

    const RECORDS_CONFLICTS: bool = true;

    fn take_conflict(&mut self) -> Option<usize> {
        Some(core::mem::take(&mut self.conflict)).filter(|&a| a != 0)
    }
}
