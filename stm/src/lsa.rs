//! LSA: encounter-time locking, write-back, and a lazily extended snapshot — TinySTM's default
//! design (Riegel, Felber and Fetzer, "A Lazy Snapshot Algorithm with Eager Validation", DISC
//! 2006; Felber, Fetzer and Riegel, "Dynamic Performance Tuning of Word-Based Software
//! Transactional Memory", PPoPP 2008; Felber et al., TPDS 2010), word-based.
//!
//! Shared state, TL2's (the `lock_table` module): a global version clock and a table of
//! [`VersionedLock`]s; a word's address, shifted right by log2 of the stripe granularity and masked
//! to the table size, names its lock (TinySTM's `LOCK_IDX`). The difference is *when* locks are
//! taken and what a reader does with a version newer than its snapshot.
//!
//! The lock word is TL2's [`LockWord`] (see its bit layout table): bit 0 is the lock bit; an
//! unlocked word carries a 63-bit version, a locked one the owner's 32-bit handle id (bits
//! 32..=63) and the 31-bit index of the owner's record for that stripe (bits 1..=31). Where
//! TinySTM's locked word is a pointer to the owner's write-set entry, the record index does the
//! same job without a pointer into a growable vector, and the owner id answers "is it mine?"
//! without a range check on the address.
//!
//! A transaction's snapshot is the clock value `ub` (TinySTM's `end`): every value it has read
//! is the value its word held at clock time `ub`.
//!
//! - **Begin**: sample the clock into `ub`.
//! - **Write** (encounter-time locking, write-back): if the stripe's lock is unlocked, acquire it
//!   at once by CAS, replacing its version with this transaction's owner id and the index of the
//!   owned-stripe record where the version is saved; then buffer `(word, value)` in the write
//!   set. Memory is written only at commit. The records of one stripe's written words form a
//!   chain from that record. If the stripe is already locked by this transaction, the write
//!   updates or extends that chain. If another transaction holds it, the attempt aborts (see
//!   *Abort causes*).
//! - **Read**: sample the stripe's lock.
//!   - Locked by this transaction: the lock word's record index leads in O(1) to the stripe's
//!     chain of buffered writes (one entry at the default one-word stripes; in general as many as
//!     the words of that stripe written). A buffered value is returned; an unwritten word of an
//!     owned stripe is read from memory, which cannot change while we hold the lock — first
//!     extending the snapshot if the version the lock replaced is newer than `ub`.
//!   - Locked by another: abort.
//!   - Unlocked: load the word, sample the lock again, and retry the read if the two samples
//!     differ. If the version is newer than `ub`, **extend**: read the clock into `now`, check
//!     that every logged read is still current (its stripe still carries the logged version, or
//!     is locked by us with that version saved), and if so set `ub = now`, else abort. The read
//!     then checks that the stripe still carries the version it saw (the read is not yet in the
//!     log the extension validated) and retries if not. The read is logged as `(lock, version)`.
//!
//!   So every value handed to the closure belongs to the snapshot at `ub`, even in an attempt
//!   that will abort (opacity), and a read of a newer version costs one validation instead of an
//!   abort.
//! - **Commit**, read-only (nothing written, no lock held): nothing; the reads are consistent at
//!   `ub`.
//! - **Commit**, update: take `wv = clock.fetch_add(1) + 1`; validate the read set unless
//!   `wv == ub + 1`; write the buffered values back; release every owned lock with version `wv`.
//!
//! **The validation shortcut, exactly.** The read set is valid at clock time `ub` (each read was
//! either made after `ub` was sampled and found at a version no newer, or checked by the
//! extension that sampled `ub`). A commit that overwrites one of those stripes afterwards locks
//! it and only then increments the clock, and it increments it after our sample of `ub`
//! (otherwise our sample would have made its lock visible to the read or to the extension). If
//! our own increment returns `ub` (`wv == ub + 1`), no other commit has incremented the clock
//! since `ub`, so any such overwriter will take a version greater than `wv`: it serializes after
//! us, and our reads, valid at `ub`, are still valid at `wv`. Stripes this transaction locked are
//! covered by the same argument, through the version each lock saved. Note that `ub` is the
//! snapshot's *current* upper bound (begin or the latest extension), not the begin time: an
//! extension re-establishes validity at its `now`.
//!
//! **Abort** (a failed barrier, a failed commit validation, a user abort, or a panicking
//! closure): restore every owned lock to the version it replaced. No data was written, so that
//! version still describes the stripe's contents.
//!
//! **Abort causes** ([`AbortCause`]):
//! - [`AbortCause::LockedAtRead`]: a read found the stripe locked by another transaction.
//! - [`AbortCause::LockedAtCommit`]: a *write* found the stripe locked by another transaction,
//!   i.e. the transaction could not acquire a lock of its write set. LSA acquires write-set locks
//!   at the write instead of at commit, so this cause is raised from the write barrier; the
//!   commit itself never waits for or fails on a lock.
//! - [`AbortCause::ReadValidation`]: an extension (at a read) or the commit-time validation found
//!   a logged read overwritten or locked by another transaction.
//!
//! Each conflict abort names its word ([`Attempt::take_conflict`]): the word whose stripe a read
//! or a write found locked by another transaction, or the first logged read that an extension or
//! the commit-time validation found overwritten. The read log holds the words read, and the lock
//! is recomputed from the address when validating.
//!
//! Contention management is TL2's: abort on any conflict and retry after a randomized, bounded
//! exponential backoff ([`Backoff`]). (TinySTM's default contention manager is also "suicide".)
//!
//! Departures from TinySTM's `wbetl` code:
//! - Every read, including those of transactions that end up writing nothing, is logged: the log
//!   is what an extension validates. (TL2 here runs adaptively read-only transactions without a
//!   log; LSA could only do that by giving up extension in them, as TinySTM does for transactions
//!   declared read-only.)
//! - A write that locks a stripe whose version is newer than `ub` neither extends nor, as TinySTM
//!   does, searches the read set for the stripe: a blind write needs no snapshot. An earlier read
//!   of that stripe then fails the commit-time validation (the saved version differs from the
//!   logged one), and a later read of an unwritten word of the stripe extends first.
//! - A read of an unwritten word of an owned stripe extends first when the stripe's saved version
//!   is newer than `ub`. TinySTM returns that word from memory without comparing the version to
//!   its `end`, so with several words per lock (or two addresses hashing to one lock) a doomed
//!   attempt there can pair the word's new value with older values of other words.
//! - The commit skips validation when `wv == ub + 1`; TinySTM's `stm_wbetl_commit` tests its
//!   start time instead (`start == t - 1`), so it never skips after an extension (an extension
//!   means some commit happened since the start). The argument above shows `ub` suffices.
//! - The logs are vectors that grow, once, to the largest transaction seen; TinySTM's fixed-size
//!   write set instead aborts the transaction to grow.

use crate::driver::{Attempt, DriverHandle, Verdict};
use crate::lock_table::{ConfigError, LockTable};
use crate::vlock::{LockWord, VersionedLock};
use core::fmt;
use tm::backoff::Backoff;
use tm::primitive::{self, Ordering};
use tm::{Abort, AbortCause, Backend, BackendInfo, TWord, Tx};

/// LSA's parameters, recorded with every result. Validated like TL2's (the bounds are
/// [`MAX_LOCK_TABLE_BITS`](crate::tl2::MAX_LOCK_TABLE_BITS),
/// [`MAX_STRIPE_BYTES`](crate::tl2::MAX_STRIPE_BYTES) and
/// [`MAX_BACKOFF_STEP`](crate::tl2::MAX_BACKOFF_STEP)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LsaConfig {
    /// log2 of the number of locks in the table.
    pub lock_table_bits: u32,
    /// Bytes of memory covered by one lock (a power of two, at least one word).
    pub stripe_bytes: usize,
    /// The backoff bound doubles after each abort up to `2^(backoff_max_step + 1)` spins.
    pub backoff_max_step: u32,
}

impl Default for LsaConfig {
    /// TinySTM's defaults: 2^20 locks, one per 8-byte word; backoff as TL2's (at most 2048 spins).
    fn default() -> Self {
        LsaConfig {
            lock_table_bits: 20,
            stripe_bytes: 8,
            backoff_max_step: 10,
        }
    }
}

/// The LSA backend (see the module documentation).
pub struct Lsa {
    table: LockTable,
    config: LsaConfig,
}

impl fmt::Debug for Lsa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lsa").field("config", &self.config).finish()
    }
}

impl Default for Lsa {
    fn default() -> Self {
        Lsa::new()
    }
}

impl Lsa {
    /// LSA with the default configuration.
    pub fn new() -> Lsa {
        Lsa::with_config(LsaConfig::default()).expect("the default configuration is valid")
    }

    /// LSA with `config`, or why it cannot be used.
    pub fn with_config(config: LsaConfig) -> Result<Lsa, ConfigError> {
        Ok(Lsa {
            table: LockTable::new(
                config.lock_table_bits,
                config.stripe_bytes,
                config.backoff_max_step,
            )?,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> LsaConfig {
        self.config
    }
}

impl Backend for Lsa {
    type Handle<'a> = LsaHandle<'a>;

    fn handle_with(&self, accounting: tm::Accounting) -> LsaHandle<'_> {
        let id = self.table.new_owner_id();
        let owner = u32::try_from(id).expect("more than 2^32 LSA handles created");
        DriverHandle::new(
            LsaTx {
                stm: self,
                owner,
                ub: 0,
                doomed: None,
                conflict: 0,
                reads: Vec::new(),
                owned: Vec::new(),
                writes: Vec::new(),
                extensions: 0,
            },
            Backoff::new(
                self.config.backoff_max_step,
                (id + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ),
            accounting,
        )
    }

    fn info(&self) -> BackendInfo {
        BackendInfo::new("lsa")
            .param("lock_table_size", self.table.size())
            .param("stripe_bytes", self.config.stripe_bytes)
            .param("backoff_max_step", self.config.backoff_max_step)
            .param("backoff_cap_spins", 2u64 << self.config.backoff_max_step)
            .param("locking", "encounter-time")
            .param("write_policy", "write-back")
            .param("snapshot", "extend-on-newer-version")
    }
}

/// A thread's LSA handle: its transaction state (logs reused across transactions), statistics and
/// backoff.
pub type LsaHandle<'a> = DriverHandle<LsaTx<'a>>;

impl DriverHandle<LsaTx<'_>> {
    /// How many snapshot extensions succeeded (a failed one is counted as a
    /// [`AbortCause::ReadValidation`] abort).
    pub fn extensions(&self) -> u64 {
        self.tx.extensions
    }
}

/// "No further entry" in a chain of [`WriteEntry`]s.
const NONE: u32 = u32::MAX;

/// A logged read: the word read and the (unlocked) lock word its stripe carried when read.
#[derive(Clone, Copy, Debug)]
struct ReadEntry<'a> {
    word: &'a TWord,
    seen: LockWord,
}

/// A stripe whose lock this transaction holds: the word the lock held before (to restore on
/// abort, and to validate reads of the stripe made before it was locked) and the first of the
/// stripe's buffered writes. Its index in [`LsaTx::owned`] is the record index in the lock word.
#[derive(Clone, Copy, Debug)]
struct OwnedStripe<'a> {
    lock: &'a VersionedLock,
    saved: LockWord,
    first: u32,
}

/// One buffered write, and the next buffered write of the same stripe (or [`NONE`]).
#[derive(Clone, Copy, Debug)]
struct WriteEntry<'a> {
    word: &'a TWord,
    value: u64,
    next: u32,
}

/// An LSA transaction, handed to closures by [`LsaHandle::atomically`](tm::Handle::atomically).
#[derive(Debug)]
pub struct LsaTx<'a> {
    stm: &'a Lsa,
    owner: u32,
    /// The snapshot's upper bound: every value read so far is the word's value at this clock time.
    ub: u64,
    doomed: Option<Verdict>,
    /// The address of the word the failed attempt conflicted on (0: none).
    conflict: usize,
    reads: Vec<ReadEntry<'a>>,
    owned: Vec<OwnedStripe<'a>>,
    writes: Vec<WriteEntry<'a>>,
    extensions: u64,
}

impl<'a> Tx<'a> for LsaTx<'a> {
    #[inline]
    fn read(&mut self, word: &'a TWord) -> Result<u64, Abort> {
        let lock = self.stm.table.lock_for(word);
        loop {
            // Acquire: pairs with the Release that published this word (VersionedLock::store at
            // the end of the commit that wrote it, or of an abort restoring it), so that commit's
            // write-back is visible to the data load below.
            let pre = lock.load(Ordering::Acquire);
            if pre.is_locked() {
                return self.read_locked(word, pre);
            }
            // Acquire: pairs with the Release store of a concurrent write-back. If this load
            // returns such a value, the writer's locking CAS (sequenced before its write-back)
            // happens before the second sample, which therefore sees the stripe locked or
            // re-versioned. Acquire also keeps the second sample from being performed first.
            let value = primitive::load(word, Ordering::Acquire);
            // Relaxed: ordered after the data load by that load's Acquire; it is only compared.
            let post = lock.load(Ordering::Relaxed);
            if pre != post {
                continue; // a commit (or an abort) passed by: read again
            }
            if pre.version() > self.ub {
                self.extend().map_err(|cause| self.fail(cause))?;
                // The extension validated the log, which does not hold this read yet: the value
                // is in the new snapshot only if the stripe still carries its version after the
                // clock sample `ub`. Relaxed: performed after the extension's Acquire clock load.
                if lock.load(Ordering::Relaxed) != pre {
                    continue;
                }
            }
            debug_assert!(pre.version() <= self.ub);
            self.reads.push(ReadEntry { word, seen: pre });
            return Ok(value);
        }
    }

    #[inline]
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), Abort> {
        let lock = self.stm.table.lock_for(word);
        // Relaxed: either the expected value of the CAS, which carries the Acquire, or a word
        // this thread stored itself (an owner id is only ever written by its owner), which
        // coherence lets this load return only while it is current.
        let mut current = lock.load(Ordering::Relaxed);
        loop {
            if current.is_locked() {
                if current.owner() == self.owner {
                    self.write_owned(current.record(), word, value);
                    return Ok(());
                }
                self.conflict = crate::driver::addr_of(word);
                return Err(self.fail(AbortCause::LockedAtCommit));
            }
            let record = u32::try_from(self.owned.len())
                .ok()
                .filter(|&r| r <= LockWord::MAX_RECORD)
                .expect("write set over 2^31 stripes");
            match lock.try_lock(current, LockWord::locked(self.owner, record)) {
                Ok(()) => {
                    let first = self.push_write(word, value, NONE);
                    self.owned.push(OwnedStripe {
                        lock,
                        saved: current,
                        first,
                    });
                    return Ok(());
                }
                // Released with a newer version in between, or locked: look again.
                Err(now) => current = now,
            }
        }
    }
}

impl<'a> LsaTx<'a> {
    /// A read of `word`, whose stripe's lock holds `lock_word` (locked, by us or by another).
    #[inline]
    fn read_locked(&mut self, word: &'a TWord, lock_word: LockWord) -> Result<u64, Abort> {
        if lock_word.owner() != self.owner {
            self.conflict = crate::driver::addr_of(word);
            return Err(self.fail(AbortCause::LockedAtRead));
        }
        let stripe = self.owned[lock_word.record() as usize];
        let mut i = stripe.first;
        while i != NONE {
            let w = &self.writes[i as usize];
            if core::ptr::eq(w.word, word) {
                return Ok(w.value);
            }
            i = w.next;
        }
        self.read_owned_unwritten(word, stripe.saved)
    }

    /// A read of a word we have not written, in a stripe we locked when it carried `saved`.
    #[inline(never)]
    fn read_owned_unwritten(&mut self, word: &'a TWord, saved: LockWord) -> Result<u64, Abort> {
        // The word holds its value at version `saved` and keeps it while we hold the lock; the
        // lock was taken without checking `saved` against the snapshot, so extend if needed.
        // After the extension `ub` is at least `saved` (the clock reached a version before the
        // lock was released with it, which our locking CAS saw).
        if saved.version() > self.ub {
            self.extend().map_err(|cause| self.fail(cause))?;
        }
        debug_assert!(saved.version() <= self.ub);
        // Relaxed: no one else writes the word while we hold its lock, and our locking CAS
        // (Acquire) synchronized with the release of the commit that last wrote it.
        Ok(primitive::load(word, Ordering::Relaxed))
    }

    /// Adds or updates the buffered write of `word` in the owned stripe `record`.
    #[inline]
    fn write_owned(&mut self, record: u32, word: &'a TWord, value: u64) {
        let first = self.owned[record as usize].first;
        let mut i = first;
        while i != NONE {
            let w = &mut self.writes[i as usize];
            if core::ptr::eq(w.word, word) {
                w.value = value;
                return;
            }
            i = w.next;
        }
        // Another word of the stripe (or of a stripe sharing its lock): prepend it to the chain.
        let new = self.push_write(word, value, first);
        self.owned[record as usize].first = new;
    }

    #[inline]
    fn push_write(&mut self, word: &'a TWord, value: u64, next: u32) -> u32 {
        let i = u32::try_from(self.writes.len())
            .ok()
            .filter(|&i| i != NONE)
            .expect("write set over 2^32 - 1 words");
        self.writes.push(WriteEntry { word, value, next });
        i
    }

    #[cold]
    #[inline(never)]
    fn fail(&mut self, cause: AbortCause) -> Abort {
        self.doomed = Some(Verdict::Abort(cause));
        Abort::retry(cause)
    }

    /// Moves the snapshot's upper bound to the current clock if every logged read is still
    /// current; otherwise the attempt must abort.
    #[cold]
    #[inline(never)]
    fn extend(&mut self) -> Result<(), AbortCause> {
        // Acquire: pairs with the AcqRel clock increment of every commit up to the value read,
        // so the locks those commits took before incrementing are visible to the validation
        // loads below (and to the caller's re-check), which it also keeps after this load.
        let now = self.stm.table.clock().load(Ordering::Acquire);
        if let Some(word) = self.invalid_read() {
            self.conflict = crate::driver::addr_of(word);
            return Err(AbortCause::ReadValidation);
        }
        self.ub = now;
        self.extensions += 1;
        Ok(())
    }

    /// The first logged read whose stripe no longer carries the version it was read at (unlocked
    /// at that version, or locked by us with that version saved), if any.
    fn invalid_read(&self) -> Option<&'a TWord> {
        self.reads
            .iter()
            .map(|r| (r.word, r.seen))
            .find_map(|(word, seen)| {
                // Relaxed: performed after a clock load or RMW whose Acquire orders it, and which
                // synchronizes with every commit up to that clock value; coherence then guarantees
                // this load sees such a commit's lock or its new version.
                let w = self.stm.table.lock_for(word).load(Ordering::Relaxed);
                let valid = w == seen
                    || (w.is_locked()
                        && w.owner() == self.owner
                        && self.owned[w.record() as usize].saved == seen);
                (!valid).then_some(word)
            })
    }

    /// Commits a transaction that holds locks.
    #[inline(never)]
    fn commit_writes(&mut self) -> Result<(), AbortCause> {
        // AcqRel: the Release half publishes the locks we hold to every transaction whose begin,
        // extension (Acquire loads) or commit (this RMW) reads this or a later clock value (all
        // clock updates are RMWs, so later values continue the release sequence); the Acquire
        // half makes the locks of every commit that incremented the clock before us visible to
        // the validation below, and keeps those loads after this RMW.
        let wv = self.stm.table.clock().fetch_add(1, Ordering::AcqRel) + 1;
        // Validate unless no other commit took a version since `ub` (module documentation).
        if wv != self.ub + 1
            && let Some(word) = self.invalid_read()
        {
            self.conflict = crate::driver::addr_of(word);
            self.release_locks();
            return Err(AbortCause::ReadValidation);
        }
        // Write back. Release: pairs with the Acquire data load of the read barrier (see there);
        // each store is after the locking CAS of its stripe, which was Acquire.
        for w in &self.writes {
            primitive::store(w.word, w.value, Ordering::Release);
        }
        // Release with the new version (Release inside VersionedLock::store).
        let version = LockWord::unlocked(wv);
        for s in &self.owned {
            s.lock.store(version);
        }
        self.owned.clear();
        self.writes.clear();
        Ok(())
    }

    /// Restores every lock this transaction holds to the word it held before (no data was
    /// written) and forgets the buffered writes.
    fn release_locks(&mut self) {
        for s in &self.owned {
            s.lock.store(s.saved);
        }
        self.owned.clear();
        self.writes.clear();
    }
}

impl<'a> Attempt<'a> for LsaTx<'a> {
    #[inline]
    fn begin(&mut self) {
        // Locks are held only between a write and the end of its attempt; a panicking closure's
        // attempt is rolled back by the driver as the panic unwinds.
        debug_assert!(self.owned.is_empty());
        // Acquire: pairs with the AcqRel clock increment of every commit up to the value read,
        // so the locks those commits took before incrementing are visible to our reads.
        self.ub = self.stm.table.clock().load(Ordering::Acquire);
        self.doomed = None;
        self.conflict = 0;
        self.reads.clear();
        self.writes.clear();
    }

    #[inline]
    fn doomed(&self) -> Option<Verdict> {
        self.doomed
    }

    #[inline]
    fn commit(&mut self) -> Result<(), AbortCause> {
        if self.owned.is_empty() {
            // Read-only: every read is consistent at `ub`.
            return Ok(());
        }
        self.commit_writes()
    }

    #[inline]
    fn rollback(&mut self) {
        if !self.owned.is_empty() {
            self.release_locks();
        }
    }

    const RECORDS_CONFLICTS: bool = true;

    fn take_conflict(&mut self) -> Option<usize> {
        Some(core::mem::take(&mut self.conflict)).filter(|&a| a != 0)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    //! Deterministic protocol checks: two handles on one thread, driven attempt by attempt
    //! through [`Attempt`], so each test sets up exactly the interleaving it names.

    use super::*;
    use crate::lock_table::{MAX_BACKOFF_STEP, MAX_LOCK_TABLE_BITS, MAX_STRIPE_BYTES};
    use tm::Handle;

    /// Eight words in one 64-byte stripe.
    #[repr(align(64))]
    struct Line([TWord; 8]);

    fn lsa(lock_table_bits: u32, stripe_bytes: usize) -> Lsa {
        Lsa::with_config(LsaConfig {
            lock_table_bits,
            stripe_bytes,
            backoff_max_step: 0,
        })
        .unwrap()
    }

    /// Commits one transaction writing `values` on `h`.
    fn commit_writes<'a>(h: &mut LsaHandle<'a>, values: &[(&'a TWord, u64)]) {
        h.atomically(|tx| {
            for &(w, v) in values {
                tx.write(w, v)?;
            }
            Ok(())
        })
        .unwrap();
    }

    fn is_locked(stm: &Lsa, w: &TWord) -> bool {
        stm.table.lock_for(w).load(Ordering::Relaxed).is_locked()
    }

    #[test]
    fn bad_configurations_are_rejected_by_name() {
        let ok = LsaConfig::default();
        let cases = [
            (
                LsaConfig {
                    lock_table_bits: MAX_LOCK_TABLE_BITS + 1,
                    ..ok
                },
                ConfigError::LockTableTooLarge(MAX_LOCK_TABLE_BITS + 1),
            ),
            (
                LsaConfig {
                    stripe_bytes: 4,
                    ..ok
                },
                ConfigError::BadStripe(4),
            ),
            (
                LsaConfig {
                    stripe_bytes: 24,
                    ..ok
                },
                ConfigError::BadStripe(24),
            ),
            (
                LsaConfig {
                    stripe_bytes: MAX_STRIPE_BYTES * 2,
                    ..ok
                },
                ConfigError::BadStripe(MAX_STRIPE_BYTES * 2),
            ),
            (
                LsaConfig {
                    backoff_max_step: MAX_BACKOFF_STEP + 1,
                    ..ok
                },
                ConfigError::BadBackoff(MAX_BACKOFF_STEP + 1),
            ),
        ];
        for (config, error) in cases {
            assert_eq!(Lsa::with_config(config).unwrap_err(), error);
        }
        assert!(
            ConfigError::BadStripe(24)
                .to_string()
                .contains("24 bytes: must be a power of two")
        );
    }

    #[test]
    fn info_records_every_parameter() {
        let stm = lsa(6, 32);
        let info = stm.info();
        assert_eq!(info.name, "lsa");
        let get = |k: &str| {
            info.params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("lock_table_size"), Some("64"));
        assert_eq!(get("stripe_bytes"), Some("32"));
        assert_eq!(get("backoff_max_step"), Some("0"));
        assert_eq!(get("backoff_cap_spins"), Some("2"));
        assert_eq!(get("locking"), Some("encounter-time"));
        assert_eq!(get("write_policy"), Some("write-back"));
        assert_eq!(stm.config().stripe_bytes, 32);
    }

    #[test]
    fn writes_lock_at_once_and_memory_changes_only_at_commit() {
        let stm = lsa(10, 8);
        let (x, y) = (TWord::new(1), TWord::new(2));
        let mut a = stm.handle();
        let mut b = stm.handle();
        a.tx.begin();
        a.tx.write(&x, 10).unwrap();
        assert!(is_locked(&stm, &x), "encounter-time locking");
        assert!(!is_locked(&stm, &y));
        assert_eq!(x.load(), 1, "write-back: memory untouched before commit");
        assert_eq!(a.tx.read(&x), Ok(10), "read after write");
        // Another transaction: a read of the locked stripe and a write to it both abort.
        b.tx.begin();
        assert_eq!(b.tx.read(&y), Ok(2));
        assert_eq!(b.tx.read(&x).unwrap_err().cause(), AbortCause::LockedAtRead);
        assert_eq!(
            b.tx.doomed(),
            Some(Verdict::Abort(AbortCause::LockedAtRead))
        );
        b.tx.rollback();
        b.tx.begin();
        assert_eq!(
            b.tx.write(&x, 5).unwrap_err().cause(),
            AbortCause::LockedAtCommit
        );
        assert_eq!(
            b.tx.doomed(),
            Some(Verdict::Abort(AbortCause::LockedAtCommit))
        );
        b.tx.rollback();
        assert_eq!(a.tx.commit(), Ok(()));
        assert!(!is_locked(&stm, &x));
        assert_eq!(x.load(), 10);
        assert_eq!(stm.table.lock_for(&x).load(Ordering::Relaxed).version(), 1);
        b.tx.begin();
        assert_eq!(b.tx.read(&x), Ok(10));
        assert_eq!(b.tx.commit(), Ok(()));
    }

    #[test]
    fn abort_restores_the_lock_and_leaves_memory() {
        let stm = lsa(10, 8);
        let x = TWord::new(1);
        let mut a = stm.handle();
        let before = stm.table.lock_for(&x).load(Ordering::Relaxed);
        let r: Result<(), _> = a.atomically(|tx| {
            tx.write(&x, 7)?;
            Err(Abort::user(1))
        });
        assert!(r.is_err());
        assert_eq!(stm.table.lock_for(&x).load(Ordering::Relaxed), before);
        assert_eq!(x.load(), 1);
    }

    #[test]
    fn words_sharing_a_stripe_chain_their_writes() {
        let stm = lsa(4, 64);
        let line = Line(core::array::from_fn(|i| TWord::new(i as u64)));
        let [w0, w1, w2, ..] = &line.0;
        let mut a = stm.handle();
        a.tx.begin();
        a.tx.write(w0, 100).unwrap();
        // An unwritten word of the owned stripe comes from memory.
        assert_eq!(a.tx.read(w1), Ok(1));
        a.tx.write(w1, 101).unwrap();
        a.tx.write(w2, 102).unwrap();
        a.tx.write(w0, 200).unwrap();
        assert_eq!(a.tx.owned.len(), 1, "one stripe, one lock");
        assert_eq!(a.tx.writes.len(), 3, "three distinct words");
        assert_eq!(
            (a.tx.read(w0), a.tx.read(w1), a.tx.read(w2)),
            (Ok(200), Ok(101), Ok(102))
        );
        assert_eq!(a.tx.read(&line.0[3]), Ok(3));
        assert_eq!(a.tx.commit(), Ok(()));
        let now: Vec<u64> = line.0.iter().map(TWord::load).collect();
        assert_eq!(now, [200, 101, 102, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn a_newer_version_extends_the_snapshot() {
        let stm = lsa(10, 8);
        let (x, y) = (TWord::new(1), TWord::new(2));
        let mut a = stm.handle();
        let mut b = stm.handle();
        let mut first = true;
        let seen = a
            .atomically(|tx| {
                let vx = tx.read(&x)?;
                if first {
                    first = false;
                    commit_writes(&mut b, &[(&y, 20)]);
                }
                let vy = tx.read(&y)?;
                Ok((vx, vy))
            })
            .unwrap();
        assert_eq!(seen, (1, 20));
        assert_eq!(a.extensions(), 1);
        assert_eq!(a.stats().total_aborts(), 0, "extended instead of aborting");
    }

    #[test]
    fn an_extension_fails_when_a_logged_read_was_overwritten() {
        let stm = lsa(10, 8);
        let (x, y) = (TWord::new(1), TWord::new(2));
        let mut a = stm.handle();
        let mut b = stm.handle();
        let mut first = true;
        let seen = a
            .atomically(|tx| {
                let vx = tx.read(&x)?;
                if first {
                    first = false;
                    commit_writes(&mut b, &[(&x, 10), (&y, 20)]);
                }
                let vy = tx.read(&y)?;
                Ok((vx, vy))
            })
            .unwrap();
        assert_eq!(seen, (10, 20), "only the consistent retry commits");
        assert_eq!(a.extensions(), 0);
        assert_eq!(a.stats().aborts_of(AbortCause::ReadValidation), 1);
        assert_eq!(a.stats().total_aborts(), 1);
    }

    #[test]
    fn an_owned_stripe_locked_at_a_newer_version_extends_before_it_is_read() {
        let stm = lsa(4, 64);
        let line = Line(core::array::from_fn(|i| TWord::new(i as u64)));
        let [w0, w1, ..] = &line.0;
        let other = TWord::new(50);
        let mut a = stm.handle();
        let mut b = stm.handle();
        // Success: nothing logged was overwritten.
        a.tx.begin();
        commit_writes(&mut b, &[(w1, 11)]);
        a.tx.write(w0, 100).unwrap(); // locks the stripe at version 1 > ub = 0
        assert_eq!(a.tx.ub, 0);
        assert_eq!(a.tx.read(w1), Ok(11));
        assert_eq!(a.tx.ub, 1);
        assert_eq!(a.tx.commit(), Ok(()));
        // Failure: a logged read of another stripe was overwritten.
        a.tx.begin();
        assert_eq!(a.tx.read(&other), Ok(50));
        commit_writes(&mut b, &[(&other, 51), (w1, 12)]);
        a.tx.write(w0, 101).unwrap();
        assert_eq!(
            a.tx.read(w1).unwrap_err().cause(),
            AbortCause::ReadValidation
        );
        a.tx.rollback();
        assert!(!is_locked(&stm, w0));
        assert_eq!((w0.load(), w1.load()), (100, 12));
    }

    #[test]
    fn commit_validates_unless_no_commit_intervened() {
        let stm = lsa(10, 8);
        let (x, y, z) = (TWord::new(1), TWord::new(2), TWord::new(3));
        let mut a = stm.handle();
        let mut b = stm.handle();
        // A read overwritten before the commit: validation fails.
        a.tx.begin();
        assert_eq!(a.tx.read(&x), Ok(1));
        commit_writes(&mut b, &[(&x, 10)]);
        a.tx.write(&y, 20).unwrap();
        assert_eq!(a.tx.commit(), Err(AbortCause::ReadValidation));
        assert!(!is_locked(&stm, &y), "a failed commit released its locks");
        a.tx.rollback();
        assert_eq!(y.load(), 2);
        // Read, then overwritten, then locked by us: the saved version differs from the read.
        a.tx.begin();
        assert_eq!(a.tx.read(&x), Ok(10));
        commit_writes(&mut b, &[(&x, 11)]);
        a.tx.write(&x, 12).unwrap();
        assert_eq!(a.tx.commit(), Err(AbortCause::ReadValidation));
        a.tx.rollback();
        assert_eq!(x.load(), 11);
        // Read and locked by us, an unrelated commit in between: validation runs and passes.
        a.tx.begin();
        assert_eq!(a.tx.read(&x), Ok(11));
        a.tx.write(&x, 12).unwrap();
        commit_writes(&mut b, &[(&z, 30)]);
        assert_eq!(a.tx.commit(), Ok(()));
        assert_eq!(x.load(), 12);
    }

    #[test]
    fn a_panicking_closure_releases_its_locks() {
        let stm = lsa(10, 8);
        let x = TWord::new(1);
        fn panic<'a>(h: &mut LsaHandle<'a>, x: &'a TWord) {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                h.atomically(|tx| {
                    tx.write(x, 2)?;
                    panic!("boom");
                    #[allow(unreachable_code)]
                    Ok(())
                })
            }))
            .unwrap_err();
        }
        // The driver rolls the attempt back as the panic leaves `atomically`: the lock is free at
        // once, and the handle works on.
        let mut h = stm.handle();
        panic(&mut h, &x);
        assert!(!is_locked(&stm, &x));
        h.atomically(|tx| tx.read(&x)).unwrap();
        assert_eq!(x.load(), 1);
        drop(h);
        assert!(!is_locked(&stm, &x));
        let mut h = stm.handle();
        commit_writes(&mut h, &[(&x, 3)]);
        assert_eq!(x.load(), 3);
    }
}
