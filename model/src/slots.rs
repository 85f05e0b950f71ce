//! Thread slots: one shared state word per registered thread, and the dooming and waiting that
//! other threads do on it.
//!
//! A state word holds the thread's transaction *instance* (a sequence number, bits 32..64,
//! incremented by every `begin`) and its phase (bits 0..3):
//!
//! | phase | who sets it | meaning |
//! |---|---|---|
//! | `IDLE` | the owner, after releasing every registration | no transaction |
//! | `ACTIVE` | the owner, at `begin` | running; may be doomed |
//! | `COMMITTING` | the owner, by CAS from `ACTIVE`: the point of no return | writing back |
//! | `DOOMED` | another thread, by CAS from `ACTIVE` | aborted by a conflict (requester wins) |
//! | `ABORTING` | the owner, by CAS from `ACTIVE` | aborting itself (capacity, xabort, interrupt) |
//!
//! Only two transitions race: `ACTIVE -> COMMITTING` by the owner and `ACTIVE -> DOOMED` by
//! others (or `ACTIVE -> ABORTING` by the owner). They are compare-and-swaps from the same word,
//! so exactly one wins: a transaction that reached `COMMITTING` can no longer be doomed, and one
//! that was doomed can no longer commit. The CAS compares the sequence number too, so a doom
//! aimed at one instance can never land on a later one.
//!
//! The owner leaves `COMMITTING`, `DOOMED` or `ABORTING` for `IDLE` only after its write-back
//! (if any) and after releasing all its ownership records, with Release: a thread that sees the
//! state change with Acquire sees the whole write-back.

use crate::orec::MAX_THREADS;
use crossbeam_utils::CachePadded;
use tm::primitive::{AtomicU64, Ordering, wait_step};

pub(crate) const IDLE: u64 = 0;
pub(crate) const ACTIVE: u64 = 1;
pub(crate) const COMMITTING: u64 = 2;
pub(crate) const DOOMED: u64 = 3;
pub(crate) const ABORTING: u64 = 4;
const PHASE: u64 = 7;

/// The phase of state word `s`.
#[inline(always)]
pub(crate) const fn phase(s: u64) -> u64 {
    s & PHASE
}

/// The state word of instance `seq` in `phase`.
#[inline(always)]
pub(crate) const fn state(seq: u32, phase: u64) -> u64 {
    ((seq as u64) << 32) | phase
}

/// The sequence number of state word `s`.
#[inline(always)]
pub(crate) const fn seq(s: u64) -> u32 {
    (s >> 32) as u32
}

/// What a thread found when it tried to doom another's transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// It was running; it is now doomed (by this call or already).
    Doomed,
    /// It is past its point of no return: state word `s` until its write-back is complete.
    Committing(u64),
    /// No running transaction (idle, or aborting by itself).
    Ended,
}

/// Slots created: all of them, or under loom only a few (every loom atomic is a tracked object,
/// and the models use at most three threads).
const SLOTS: usize = if cfg!(loom) { 4 } else { MAX_THREADS };

/// The calling thread's own transaction was doomed while it waited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SelfDoomed;

/// The state words of all thread slots and the slot allocation.
pub(crate) struct Slots {
    states: Box<[CachePadded<AtomicU64>]>,
    used: CachePadded<AtomicU64>,
    /// Bit `t`: slot `t`'s running transaction has lines in its secondary read structure (only
    /// maintained when the configured false-positive rate is not 0).
    overflowed: CachePadded<AtomicU64>,
}

impl Slots {
    pub(crate) fn new() -> Slots {
        Slots {
            states: (0..SLOTS)
                .map(|_| CachePadded::new(AtomicU64::new(state(0, IDLE))))
                .collect(),
            used: CachePadded::new(AtomicU64::new(0)),
            overflowed: CachePadded::new(AtomicU64::new(0)),
        }
    }

    /// Slot `t`'s state word.
    #[inline(always)]
    pub(crate) fn state(&self, t: usize) -> &AtomicU64 {
        &self.states[t]
    }

    /// Claims a free slot, if any.
    pub(crate) fn claim(&self) -> Option<usize> {
        // Relaxed first read: the CAS below re-checks it.
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            let free = !used & ((1u64 << SLOTS) - 1);
            if free == 0 {
                return None;
            }
            let slot = free.trailing_zeros() as usize;
            // AcqRel: pairs with the Release of `release_slot`, so the previous owner's last
            // state store (IDLE) happens-before the new owner's use of the slot.
            match self.used.compare_exchange_weak(
                used,
                used | (1 << slot),
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(slot),
                Err(now) => used = now,
            }
        }
    }

    /// Frees slot `t` (its owner is idle).
    pub(crate) fn release_slot(&self, t: usize) {
        // Release: see `claim`.
        self.used.fetch_and(!(1 << t), Ordering::Release);
    }

    /// The slots whose running transaction uses its secondary read structure.
    #[inline]
    pub(crate) fn overflowed(&self) -> u64 {
        // Relaxed: a false positive is a probabilistic event; missing a transaction that just
        // started to overflow is as if the write had happened before it did.
        self.overflowed.load(Ordering::Relaxed)
    }

    /// Marks slot `t` as using (`on`) or not using its secondary read structure.
    pub(crate) fn set_overflowed(&self, t: usize, on: bool) {
        // Relaxed: see `overflowed`.
        if on {
            self.overflowed.fetch_or(1 << t, Ordering::Relaxed);
        } else {
            self.overflowed.fetch_and(!(1 << t), Ordering::Relaxed);
        }
    }

    /// Dooms slot `victim`'s transaction if it is running (requester wins), given that the
    /// caller found a registration of `victim` in an ownership record; `still()` re-reads that
    /// record and says whether the registration is still there.
    ///
    /// The registration is re-checked *after* the state is read: if it is gone, the instance
    /// that made it has ended (a thread releases its records before it returns to idle, and
    /// only then begins anew), so nothing is doomed and nothing waited for (a committer
    /// releases after its write-back; the Acquire re-read sees it). If it is still there, it
    /// belongs to the instance just read or to a later one: callers that resolve before adding
    /// their own registration (writers, non-transactional accesses) thus doom exactly the
    /// current owner. Callers that resolve after adding theirs (readers, and a writer's
    /// dooming of earlier readers) may, if the victim ended, began again and registered the
    /// same line in between, doom an instance that had already seen them and dealt with them
    /// itself: a double doom, the one rare spurious abort the model can produce. Dooming is
    /// always safe; missing a doom never is.
    #[inline]
    pub(crate) fn doom(&self, victim: usize, mut still: impl FnMut() -> bool) -> Found {
        let word = self.state(victim);
        // Acquire: pairs with the owner's Release state stores, so a COMMITTING or IDLE seen
        // here comes with what the owner did before (for IDLE: its whole write-back).
        let mut s = word.load(Ordering::Acquire);
        loop {
            match phase(s) {
                ACTIVE => {
                    if !still() {
                        return Found::Ended;
                    }
                    // AcqRel on success: the doom is ordered before everything this thread
                    // does next; Acquire on failure as for the load.
                    match word.compare_exchange(
                        s,
                        state(seq(s), DOOMED),
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => return Found::Doomed,
                        Err(now) => s = now,
                    }
                }
                COMMITTING if still() => return Found::Committing(s),
                DOOMED => return Found::Doomed,
                _ => return Found::Ended,
            }
        }
    }

    /// Dooms slot `victim`'s instance `s` (a state word seen `ACTIVE`), if it is still running.
    #[inline]
    pub(crate) fn doom_instance(&self, victim: usize, s: u64) {
        debug_assert_eq!(phase(s), ACTIVE);
        // AcqRel/Relaxed: as in `doom`; a failure means the instance has moved on by itself.
        let _ = self.state(victim).compare_exchange(
            s,
            state(seq(s), DOOMED),
            Ordering::AcqRel,
            Ordering::Relaxed,
        );
    }

    /// Waits until slot `victim` leaves committing state `s`, that is until its write-back and
    /// releases are complete. `me`, if given, is the waiting thread's slot: the wait stops with
    /// `Err` if that thread's own transaction gets doomed meanwhile.
    pub(crate) fn wait_commit(
        &self,
        victim: usize,
        s: u64,
        me: Option<(usize, u64)>,
    ) -> Result<(), SelfDoomed> {
        let mut spins = 0u32;
        // Acquire: pairs with the Release state store that ends the commit, so everything the
        // committer wrote back happens-before what the waiter does next.
        while self.state(victim).load(Ordering::Acquire) == s {
            if let Some((slot, mine)) = me {
                self.check(slot, mine)?;
            }
            wait_step(&mut spins);
        }
        Ok(())
    }

    /// `Err` if slot `slot`'s state is no longer `mine` (its running instance was doomed).
    #[inline(always)]
    pub(crate) fn check(&self, slot: usize, mine: u64) -> Result<(), SelfDoomed> {
        // Acquire: the doomer's CAS is AcqRel; what matters for opacity is that a doom which
        // happened-before this load is seen (see `ModelThread::read`), which coherence gives.
        if self.state(slot).load(Ordering::Acquire) == mine {
            Ok(())
        } else {
            Err(SelfDoomed)
        }
    }
}
