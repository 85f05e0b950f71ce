//! TL2 (Dice, Shalev and Shavit, "Transactional Locking II", DISC 2006), word-based.
//!
//! Shared state (the `lock_table` module, which LSA shares): a global version clock and a table of
//! [`VersionedLock`]s. A word's address, shifted right by log2 of the stripe granularity and masked
//! to the table size, names its lock (TL2's "PS" mapping), so every word of a stripe shares one
//! lock and one version.
//!
//! - **Begin**: sample the clock into `rv`.
//! - **Read**: look the word up in the redo log first (read after write). Otherwise sample the
//!   stripe's lock, load the word, sample the lock again; the value is returned only if both
//!   samples are equal, unlocked and not newer than `rv`. So every value a transaction sees
//!   belongs to the snapshot at `rv`, even in an attempt that will abort (opacity). Read-write
//!   transactions log the lock of each read.
//! - **Write**: buffer the value in the redo log ([`RedoLog`]).
//! - **Commit** (read-write): lock the write set's stripes by CAS (a stripe held by another
//!   committer aborts the attempt: lock busy at commit), increment the clock to get `wv`,
//!   validate the read log unless `wv == rv + 1` (then no transaction committed since `rv`),
//!   write the redo log back, and release every lock with version `wv`.
//! - **Commit** (read-only): nothing; each read was already checked against `rv`.
//!
//! **Read-only transactions keep no read log.** The interface does not declare transactions
//! read-only, so, like TL2 with its per-site read-only flag, a handle runs a transaction in
//! read-only mode when its previous transaction committed without writing. A read-only attempt
//! that writes before it has read anything simply switches to read-write mode; one that writes
//! after reading cannot validate its unlogged reads, so it restarts at once in read-write mode.
//! That restart is not an abort (no conflict caused it) and is counted separately, in
//! [`Tl2Handle::mode_upgrades`]; its cycles are charged to the attempt that follows it.
//!
//! **Conflict words.** Each conflict abort names the word that caused it
//! ([`Attempt::take_conflict`]): the word whose stripe a read found locked or newer than `rv`,
//! the written word whose stripe the commit found locked, or the first logged read whose stripe
//! failed the commit-time validation. The read log therefore holds the words read (the lock is
//! recomputed from the address when validating, a shift and a mask), not their locks.
//!
//! Contention management is TL2's: abort on any conflict and retry after a randomized, bounded
//! exponential backoff ([`Backoff`]).
//!
//! The clock sits alone on its cache line. The lock table is dense, as in TL2 and TinySTM: eight
//! locks share a line, which is part of what the stripe granularity and table size trade off.

use crate::driver::{Attempt, DriverHandle, Verdict};
use crate::lock_table::LockTable;
use crate::redo::RedoLog;
use crate::vlock::{LockWord, VersionedLock};
use core::fmt;
use tm::backoff::Backoff;
use tm::primitive::{self, Ordering};
use tm::{Abort, AbortCause, Backend, BackendInfo, TWord, Tx};

pub use crate::lock_table::{ConfigError, MAX_BACKOFF_STEP, MAX_LOCK_TABLE_BITS, MAX_STRIPE_BYTES};

/// TL2's parameters, recorded with every result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tl2Config {
    /// log2 of the number of locks in the table.
    pub lock_table_bits: u32,
    /// Bytes of memory covered by one lock (a power of two, at least one word).
    pub stripe_bytes: usize,
    /// The backoff bound doubles after each abort up to `2^(backoff_max_step + 1)` spins.
    pub backoff_max_step: u32,
}

impl Default for Tl2Config {
    /// TL2's defaults: 2^20 locks, one per 8-byte word; backoff of at most 2048 spins.
    fn default() -> Self {
        Tl2Config {
            lock_table_bits: 20,
            stripe_bytes: 8,
            backoff_max_step: 10,
        }
    }
}

/// The TL2 backend (see the module documentation).
pub struct Tl2 {
    table: LockTable,
    config: Tl2Config,
}

impl fmt::Debug for Tl2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tl2").field("config", &self.config).finish()
    }
}

impl Default for Tl2 {
    fn default() -> Self {
        Tl2::new()
    }
}

impl Tl2 {
    /// TL2 with the default configuration.
    pub fn new() -> Tl2 {
        Tl2::with_config(Tl2Config::default()).expect("the default configuration is valid")
    }

    /// TL2 with `config`, or why it cannot be used.
    pub fn with_config(config: Tl2Config) -> Result<Tl2, ConfigError> {
        Ok(Tl2 {
            table: LockTable::new(
                config.lock_table_bits,
                config.stripe_bytes,
                config.backoff_max_step,
            )?,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> Tl2Config {
        self.config
    }
}

impl Backend for Tl2 {
    type Handle<'a> = Tl2Handle<'a>;

    fn handle_with(&self, accounting: tm::Accounting) -> Tl2Handle<'_> {
        let id = self.table.new_owner_id();
        let owner = u32::try_from(id).expect("more than 2^32 TL2 handles created");
        DriverHandle::new(
            Tl2Tx {
                stm: self,
                owner,
                rv: 0,
                read_only: true,
                next_read_only: true,
                has_read: false,
                doomed: None,
                conflict: 0,
                reads: Vec::new(),
                redo: RedoLog::new(),
                records: Vec::new(),
                mode_upgrades: 0,
            },
            Backoff::new(
                self.config.backoff_max_step,
                (id + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ),
            accounting,
        )
    }

    fn info(&self) -> BackendInfo {
        BackendInfo::new("tl2")
            .param("lock_table_size", self.table.size())
            .param("stripe_bytes", self.config.stripe_bytes)
            .param("backoff_max_step", self.config.backoff_max_step)
            .param("backoff_cap_spins", 2u64 << self.config.backoff_max_step)
            .param("read_only_mode", "adaptive")
    }
}

/// A thread's TL2 handle: its transaction state (logs reused across transactions), statistics and
/// backoff.
pub type Tl2Handle<'a> = DriverHandle<Tl2Tx<'a>>;

impl DriverHandle<Tl2Tx<'_>> {
    /// How many read-only attempts had to restart in read-write mode because they wrote after
    /// reading (see the module documentation). Not counted as aborts.
    pub fn mode_upgrades(&self) -> u64 {
        self.tx.mode_upgrades
    }
}

/// A stripe locked by the committing transaction, with the word it held before.
#[derive(Clone, Copy, Debug)]
struct LockRecord<'a> {
    lock: &'a VersionedLock,
    saved: LockWord,
}

/// A TL2 transaction, handed to closures by [`Tl2Handle::atomically`](tm::Handle::atomically).
#[derive(Debug)]
pub struct Tl2Tx<'a> {
    stm: &'a Tl2,
    owner: u32,
    rv: u64,
    read_only: bool,
    next_read_only: bool,
    has_read: bool,
    doomed: Option<Verdict>,
    /// The address of the word the failed attempt conflicted on (0: none).
    conflict: usize,
    /// The words read (read-write mode), whose stripes the commit validates.
    reads: Vec<&'a TWord>,
    redo: RedoLog<'a>,
    records: Vec<LockRecord<'a>>,
    mode_upgrades: u64,
}

impl<'a> Tx<'a> for Tl2Tx<'a> {
    #[inline]
    fn read(&mut self, word: &'a TWord) -> Result<u64, Abort> {
        if !self.redo.is_empty()
            && let Some(value) = self.redo.get(word)
        {
            return Ok(value);
        }
        let lock = self.stm.table.lock_for(word);
        // Acquire: pairs with the Release that published this version (VersionedLock::store at
        // the end of the commit that wrote it), so that commit's write-back is visible to the
        // data load below.
        let pre = lock.load(Ordering::Acquire);
        // Acquire: pairs with the Release store of a concurrent write-back. If this load returns
        // such a value, the writer's locking CAS (sequenced before its write-back) happens
        // before the second sample, which therefore sees the stripe locked or re-versioned.
        // Acquire also keeps the second sample from being performed before this load.
        let value = primitive::load(word, Ordering::Acquire);
        // Relaxed: ordered after the data load by that load's Acquire; it is only compared.
        let post = lock.load(Ordering::Relaxed);
        if pre.is_locked() || pre != post || pre.version() > self.rv {
            return Err(self.fail_read(word, pre, post));
        }
        if self.read_only {
            self.has_read = true;
        } else {
            self.reads.push(word);
        }
        Ok(value)
    }

    #[inline]
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), Abort> {
        if self.read_only {
            if self.has_read {
                return Err(self.upgrade());
            }
            self.read_only = false;
        }
        self.redo.insert(word, value);
        Ok(())
    }
}

impl<'a> Tl2Tx<'a> {
    #[cold]
    #[inline(never)]
    fn fail_read(&mut self, word: &TWord, pre: LockWord, post: LockWord) -> Abort {
        self.conflict = crate::driver::addr_of(word);
        let cause = if pre.is_locked() || post.is_locked() {
            AbortCause::LockedAtRead
        } else {
            AbortCause::ReadValidation
        };
        self.doomed = Some(Verdict::Abort(cause));
        Abort::retry(cause)
    }

    #[cold]
    #[inline(never)]
    fn upgrade(&mut self) -> Abort {
        self.doomed = Some(Verdict::Restart);
        self.next_read_only = false;
        self.mode_upgrades += 1;
        // The cause is never recorded: the driver sees the Restart verdict first.
        Abort::retry(AbortCause::ReadValidation)
    }

    /// Commits a transaction with a non-empty write set.
    #[inline(never)]
    fn commit_writes(&mut self) -> Result<(), AbortCause> {
        // 1. Lock every stripe of the write set.
        for i in 0..self.redo.len() {
            let lock = self.stm.table.lock_for(self.redo.entries()[i].word);
            // Relaxed: only the expected value for the CAS, which carries the Acquire.
            let mut current = lock.load(Ordering::Relaxed);
            loop {
                if current.is_locked() {
                    if current.owner() == self.owner {
                        break; // another word of a stripe this commit already holds
                    }
                    self.conflict = crate::driver::addr_of(self.redo.entries()[i].word);
                    self.release_locks();
                    return Err(AbortCause::LockedAtCommit);
                }
                let record = u32::try_from(self.records.len())
                    .ok()
                    .filter(|&r| r <= LockWord::MAX_RECORD)
                    .expect("write set over 2^31 stripes");
                match lock.try_lock(current, LockWord::locked(self.owner, record)) {
                    Ok(()) => {
                        self.records.push(LockRecord {
                            lock,
                            saved: current,
                        });
                        break;
                    }
                    // Released with a newer version in between, or locked: look again.
                    Err(now) => current = now,
                }
            }
        }
        // 2. Take a write version. AcqRel: the Release half publishes the locks taken above to
        // every transaction whose begin (Acquire load) or commit (this RMW) reads this or a later
        // clock value; every clock update is an RMW, so later values continue the release
        // sequence. The Acquire half makes the locks of every commit that incremented the clock
        // before us visible to the validation below, and keeps those loads after this RMW.
        let wv = self.stm.table.clock().fetch_add(1, Ordering::AcqRel) + 1;
        // 3. Validate the read set, unless no commit happened since `rv`.
        if wv != self.rv + 1
            && let Some(word) = self.invalid_read()
        {
            self.conflict = crate::driver::addr_of(word);
            self.release_locks();
            return Err(AbortCause::ReadValidation);
        }
        // 4. Write back. Release: pairs with the Acquire data load of the read barrier (see
        // there) and keeps each store after the locking CAS.
        for e in self.redo.entries() {
            primitive::store(e.word, e.value, Ordering::Release);
        }
        // 5. Release with the new version (Release inside VersionedLock::store).
        let version = LockWord::unlocked(wv);
        for r in &self.records {
            r.lock.store(version);
        }
        self.records.clear();
        self.next_read_only = false;
        Ok(())
    }

    /// The first logged read whose stripe is no longer at a version no newer than `rv`, if any.
    fn invalid_read(&self) -> Option<&'a TWord> {
        self.reads.iter().copied().find(|&word| {
            let lock = self.stm.table.lock_for(word);
            // Relaxed: performed after the clock RMW (its Acquire half orders it), which
            // synchronizes with every earlier commit's RMW; coherence then guarantees this load
            // sees such a commit's lock or its new version.
            let w = lock.load(Ordering::Relaxed);
            let valid = if w.is_locked() {
                w.owner() == self.owner
                    && self.records[w.record() as usize].saved.version() <= self.rv
            } else {
                w.version() <= self.rv
            };
            !valid
        })
    }

    /// Restores every lock this commit holds to the word it held before (no data was written).
    fn release_locks(&mut self) {
        for r in &self.records {
            r.lock.store(r.saved);
        }
        self.records.clear();
    }
}

impl<'a> Attempt<'a> for Tl2Tx<'a> {
    #[inline]
    fn begin(&mut self) {
        // Acquire: pairs with the AcqRel clock increment of every commit up to the value read,
        // so the locks those commits took before incrementing are visible to our reads.
        self.rv = self.stm.table.clock().load(Ordering::Acquire);
        self.read_only = self.next_read_only;
        self.has_read = false;
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
            // Read-only (in either mode): every read was checked against `rv` when it was made.
            self.next_read_only = true;
            return Ok(());
        }
        self.commit_writes()
    }

    #[inline]
    fn rollback(&mut self) {
        // Locks are only held inside commit_writes, which releases them on every failure path.
        debug_assert!(self.records.is_empty());
    }

    const RECORDS_CONFLICTS: bool = true;

    fn take_conflict(&mut self) -> Option<usize> {
        Some(core::mem::take(&mut self.conflict)).filter(|&a| a != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest step TL2 accepts (and NOrec clamps to) is one `Backoff` survives: 40
    /// consecutive aborts draw delays below a bound that stops at 2^32 (it used to wrap to 0 at
    /// the 32nd and divide by zero). The draws do not spin, which would take minutes at this cap.
    #[test]
    fn the_largest_accepted_backoff_step_survives_40_aborts() {
        let tl2 = Tl2::with_config(Tl2Config {
            backoff_max_step: MAX_BACKOFF_STEP,
            ..Tl2Config::default()
        })
        .expect("the largest step is accepted");
        let cap = 1u64 << 32;
        assert!(
            tl2.info()
                .params
                .contains(&("backoff_cap_spins".to_string(), cap.to_string()))
        );
        assert_eq!(
            crate::Norec::with_backoff(u32::MAX).info().params[0],
            ("backoff_max_step".to_string(), MAX_BACKOFF_STEP.to_string())
        );
        let mut backoff = Backoff::new(MAX_BACKOFF_STEP, 99);
        for _ in 0..40 {
            let bound = backoff.bound();
            assert!(bound <= cap);
            assert!(backoff.next_delay() < bound);
        }
        assert_eq!(backoff.bound(), cap);
        assert_eq!(
            Tl2::with_config(Tl2Config {
                backoff_max_step: MAX_BACKOFF_STEP + 1,
                ..Tl2Config::default()
            })
            .unwrap_err(),
            ConfigError::BadBackoff(MAX_BACKOFF_STEP + 1)
        );
    }
}
