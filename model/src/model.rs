//! [`Model`]: the shared state of one modelled HTM (ownership records, thread slots) and the
//! conflict protocol every access runs through.
//!
//! # The protocol
//!
//! Every access to a line updates the line's ownership record (see [`crate::orec`]) with one
//! read-modify-write, and then deals with the registrations it found there, which are exactly
//! the accesses that came *before* it in the line's modification order. So for any two
//! conflicting accesses, the second one sees the first: requester wins.
//!
//! - **Transactional read** (a line not yet in the read or write set): add the reader bit (CAS),
//!   then if another thread is registered as writer: doom it if it is running; if it is past its
//!   point of no return (committing), wait until its write-back is complete; if it is already
//!   doomed or aborting, ignore it (its writes are never published). Then load the value.
//! - **Transactional write** (a line not yet in the write set): if another writer is
//!   registered, doom it (running) or wait for its commit (committing), then wait until it has
//!   released the record (a doomed writer releases when it next touches the model: the
//!   record's writer field is exclusive, so that commits of one line stay ordered); then install
//!   ourselves as writer (CAS) and doom every reader registered before us. A committing reader is
//!   left alone: it serialized before us. The value is only buffered.
//! - **Non-transactional write** ([`Model::nontx_write`]): set the record's NONTX flag (CAS;
//!   from then on no registration can be added, transactional accessors wait), doom every
//!   running registrant, wait for every committing one (reader or writer), issue a Release
//!   fence, perform the caller's store, clear NONTX (Release).
//! - **Non-transactional read** ([`Model::nontx_read`]): doom a running writer, wait for a
//!   committing one, then perform the caller's load.
//!
//! Why committing readers are waited for by non-transactional writers: the fallback lock's
//! acquisition is a non-transactional write of the lock word, which every speculative attempt
//! has in its read set (subscription). Waiting for committing subscribers means that once the
//! acquisition returns, every attempt that could have committed concurrently has finished its
//! write-back, so the lock holder's *uninstrumented* accesses never see half a commit, as with
//! hardware, whose commit is instantaneous.
//!
//! Waits never form cycles: a committing transaction waits for nothing, and every wait of a
//! transaction also stops as soon as that transaction is doomed.

use crate::config::{ConfigError, ModelConfig};
use crate::orec::{self, NONTX, OrecTable, READERS, reader_bit, with_writer, writer};
use crate::slots::{self, Found, SelfDoomed, Slots};
use crate::thread::ModelThread;
use core::fmt;
use std::sync::atomic::AtomicU64 as StdAtomicU64;
use tm::TWord;
use tm::primitive::{self, Ordering, fence, wait_step};

/// A modelled best-effort HTM, shared by all threads (see the crate documentation).
pub struct Model {
    config: ModelConfig,
    pub(crate) orecs: OrecTable,
    pub(crate) slots: Slots,
    /// `read_false_positive_rate` scaled to `u64` (0: no false positives).
    fp_threshold: u64,
    /// Threads created so far, to give each a distinct random stream. A `std` atomic even under
    /// loom: it only feeds seeds, never synchronizes.
    registrations: StdAtomicU64,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Every thread slot is taken ([`crate::MAX_THREADS`] threads hold a [`ModelThread`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyThreads;

impl fmt::Display for TooManyThreads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the model admits at most {} threads at once",
            orec::MAX_THREADS
        )
    }
}

impl std::error::Error for TooManyThreads {}

/// The line number of byte address `addr`.
#[inline(always)]
pub(crate) fn line_of(addr: usize) -> u64 {
    (addr >> 6) as u64
}

impl Model {
    /// A model with `config`, or why the configuration cannot be used.
    pub fn new(config: ModelConfig) -> Result<Model, ConfigError> {
        config.validate()?;
        let fp = config.read_false_positive_rate;
        let fp_threshold = if fp >= 1.0 {
            u64::MAX
        } else {
            (fp * 18_446_744_073_709_551_616.0) as u64
        };
        Ok(Model {
            orecs: OrecTable::new(config.orec_table_bits),
            slots: Slots::new(),
            fp_threshold,
            registrations: StdAtomicU64::new(0),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// A context for the calling thread (see [`ModelThread`]).
    ///
    /// # Panics
    /// If [`crate::MAX_THREADS`] contexts are alive (see [`Model::try_thread`]).
    pub fn thread(&self) -> ModelThread<'_> {
        match self.try_thread() {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    /// A context for the calling thread, or `Err` if every thread slot is taken.
    pub fn try_thread(&self) -> Result<ModelThread<'_>, TooManyThreads> {
        let slot = self.slots.claim().ok_or(TooManyThreads)?;
        // Relaxed: only uniqueness of the streams matters.
        let n = self.registrations.fetch_add(1, Ordering::Relaxed);
        Ok(ModelThread::new(self, slot, n))
    }

    pub(crate) fn fp_enabled(&self) -> bool {
        self.fp_threshold != 0
    }

    /// Registers slot `me` (running instance state `mine`) as a reader of record `i` and
    /// resolves the conflict with a writer registered before it (see the module documentation).
    #[inline]
    pub(crate) fn register_read(&self, me: usize, mine: u64, i: usize) -> Result<(), SelfDoomed> {
        let record = self.orecs.get(i);
        let bit = reader_bit(me);
        let mut spins = 0u32;
        let found = loop {
            self.slots.check(me, mine)?;
            // Acquire: pairs with the Release updates of the record (a committer's release after
            // its write-back, a non-transactional writer's clearing of NONTX after its store).
            let cur = record.load(Ordering::Acquire);
            if cur & NONTX != 0 {
                wait_step(&mut spins);
                continue;
            }
            if cur & bit != 0 {
                // Already registered (another line of ours shares the record).
                return Ok(());
            }
            // AcqRel: Release publishes this registration together with our ACTIVE state
            // (stored before it), for whoever sees it; Acquire as for the load.
            match record.compare_exchange_weak(cur, cur | bit, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break cur,
                Err(_) => continue,
            }
        };
        if let Some(w) = writer(found)
            && w != me
            && let Found::Committing(s) = self.slots.doom(w, || is_writer(record, w))
        {
            self.slots.wait_commit(w, s, Some((me, mine)))?;
        }
        Ok(())
    }

    /// Registers slot `me` as the writer of record `i` (line `line`) and dooms the readers
    /// registered before it (see the module documentation).
    #[inline]
    pub(crate) fn register_write(
        &self,
        me: usize,
        mine: u64,
        i: usize,
        line: u64,
    ) -> Result<(), SelfDoomed> {
        let record = self.orecs.get(i);
        let mut spins = 0u32;
        let found = loop {
            self.slots.check(me, mine)?;
            // Acquire: as in `register_read`.
            let cur = record.load(Ordering::Acquire);
            if cur & NONTX != 0 {
                wait_step(&mut spins);
                continue;
            }
            match writer(cur) {
                Some(w) if w == me => return Ok(()),
                Some(w) => {
                    match self.slots.doom(w, || is_writer(record, w)) {
                        Found::Committing(s) => self.slots.wait_commit(w, s, Some((me, mine)))?,
                        // Doomed or aborting: it releases the record when it next touches the
                        // model; the writer field is exclusive, so wait for that.
                        Found::Doomed | Found::Ended => wait_step(&mut spins),
                    }
                    continue;
                }
                None => {}
            }
            // AcqRel: as in `register_read`.
            match record.compare_exchange_weak(
                cur,
                with_writer(cur, me),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break cur,
                Err(_) => continue,
            }
        };
        let mut readers = found & READERS & !reader_bit(me);
        while readers != 0 {
            let r = readers.trailing_zeros() as usize;
            readers &= readers - 1;
            // A committing reader serialized before us: nothing to wait for.
            let _ = self.slots.doom(r, || is_reader(record, r));
        }
        if self.fp_enabled() {
            self.false_positives(found & READERS | reader_bit(me), line);
        }
        Ok(())
    }

    /// Releases slot `me`'s registrations of record `i`.
    #[inline]
    pub(crate) fn release(&self, me: usize, i: usize) {
        let record = self.orecs.get(i);
        // Relaxed: the CAS below re-reads.
        let mut cur = record.load(Ordering::Relaxed);
        loop {
            let new = orec::without(cur, me);
            if new == cur {
                return;
            }
            // Release: a later accessor that reads this update with Acquire sees everything we
            // did before, in particular a commit's write-back.
            match record.compare_exchange_weak(cur, new, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => return,
                Err(now) => cur = now,
            }
        }
    }

    /// A write of `line` by a thread not in `exclude`: dooms, with the configured probability,
    /// each running transaction whose secondary read structure is in use, as a Bloom filter's
    /// false positive would. Decided by a hash of (line, thread, instance), so it is a property
    /// of the filter's state, not a fresh coin per write.
    #[cold]
    fn false_positives(&self, exclude: u64, line: u64) {
        let mut victims = self.slots.overflowed() & !exclude;
        while victims != 0 {
            let v = victims.trailing_zeros() as usize;
            victims &= victims - 1;
            // Acquire: as in `Slots::doom`.
            let s = self.slots.state(v).load(Ordering::Acquire);
            if slots::phase(s) == slots::ACTIVE
                && fp_hash(line, v, slots::seq(s)) < self.fp_threshold
            {
                self.slots.doom_instance(v, s);
            }
        }
    }

    /// A non-transactional write of the line containing `addr`, performed by `store`.
    ///
    /// Dooms every running transaction that has the line in its read or write set and waits for
    /// every committing one, then runs `store` (which should write memory of that line only, and
    /// must not use the model or wait for other threads), as one access that no transaction can
    /// observe half done. Returns what `store` returns. This is how a thread outside any
    /// transaction tells the model it writes memory that transactions may read, for example the
    /// fallback lock's acquisition: `model.nontx_write(lock_addr, || lock.try_lock())`.
    pub fn nontx_write<R>(&self, addr: *const u8, store: impl FnOnce() -> R) -> R {
        let line = line_of(addr as usize);
        let i = self.orecs.index(line);
        let record = self.orecs.get(i);
        let mut spins = 0u32;
        loop {
            // Acquire: pairs with the Release clearing of NONTX by a previous writer.
            let cur = record.load(Ordering::Acquire);
            if cur & NONTX != 0 {
                wait_step(&mut spins);
                continue;
            }
            // AcqRel: Acquire as for the load; Release is not needed for the flag itself.
            if record
                .compare_exchange_weak(cur, cur | NONTX, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                break;
            }
        }
        // Clears NONTX however `store` ends, a panic included.
        let _flag = ClearNontx(record);
        // From here no registration can be added to the record (every registration is a CAS from
        // a word without NONTX): the registrants only leave. Acquire: as above.
        let cur = record.load(Ordering::Acquire);
        let mut registrants = cur & READERS;
        if let Some(w) = writer(cur) {
            registrants |= reader_bit(w);
        }
        let mut todo = registrants;
        while todo != 0 {
            let t = todo.trailing_zeros() as usize;
            todo &= todo - 1;
            if let Found::Committing(s) = self
                .slots
                .doom(t, || is_reader(record, t) || is_writer(record, t))
            {
                // `None`: a non-transactional caller cannot be doomed.
                let _ = self.slots.wait_commit(t, s, None);
            }
        }
        if self.fp_enabled() {
            self.false_positives(registrants, line);
        }
        // Release: every doom above happens-before any load that reads a value `store` writes,
        // by fence-to-atomic synchronization with a transactional read's Acquire load (or
        // fence-to-fence with the Acquire fence of `read_tracked`). So a doomed transaction
        // that sees the new value also sees its doom at its next check (opacity).
        fence(Ordering::Release);
        store()
    }

    /// A non-transactional read of the line containing `addr`, performed by `load`: dooms a
    /// running transaction that has the line in its write set, waits for a committing one, then
    /// runs `load` and returns its result.
    pub fn nontx_read<R>(&self, addr: *const u8, load: impl FnOnce() -> R) -> R {
        let record = self.orecs.get(self.orecs.index(line_of(addr as usize)));
        let mut spins = 0u32;
        loop {
            // Acquire: as in `register_read`.
            let cur = record.load(Ordering::Acquire);
            if cur & NONTX != 0 {
                wait_step(&mut spins);
                continue;
            }
            if let Some(w) = writer(cur)
                && let Found::Committing(s) = self.slots.doom(w, || is_writer(record, w))
            {
                let _ = self.slots.wait_commit(w, s, None);
                continue;
            }
            break;
        }
        load()
    }

    /// [`Model::nontx_write`] of one word: stores `value` (Release) after dooming and waiting.
    pub fn nontx_store(&self, word: &TWord, value: u64) {
        self.nontx_write((word as *const TWord).cast(), || {
            // Release: pairs with the Acquire loads of transactional reads and of `TWord::load`.
            primitive::store(word, value, Ordering::Release)
        })
    }

    /// [`Model::nontx_read`] of one word (an Acquire load).
    pub fn nontx_load(&self, word: &TWord) -> u64 {
        self.nontx_read((word as *const TWord).cast(), || {
            // Acquire: pairs with the Release write-back of committed transactions.
            primitive::load(word, Ordering::Acquire)
        })
    }
}

/// Whether slot `t` is registered as the writer of `record` now.
#[inline]
fn is_writer(record: &primitive::AtomicU64, t: usize) -> bool {
    // Acquire: pairs with the Release of a release, so a registration found gone comes with
    // the write-back that preceded it.
    writer(record.load(Ordering::Acquire)) == Some(t)
}

/// Whether slot `t` is registered as a reader of `record` now.
#[inline]
fn is_reader(record: &primitive::AtomicU64, t: usize) -> bool {
    // Acquire: as in `is_writer`.
    record.load(Ordering::Acquire) & reader_bit(t) != 0
}

/// Clears a record's NONTX flag when dropped.
struct ClearNontx<'a>(&'a primitive::AtomicU64);

impl Drop for ClearNontx<'_> {
    #[inline]
    fn drop(&mut self) {
        // Release: a transactional access that waited for the flag to clear (Acquire) sees the
        // store that was made under it.
        self.0.fetch_and(!NONTX, Ordering::Release);
    }
}

/// The false-positive hash of (line, thread, instance): SplitMix64's finalizer.
#[inline]
fn fp_hash(line: u64, thread: usize, seq: u32) -> u64 {
    let mut z = line ^ ((thread as u64) << 58) ^ u64::from(seq).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
