//! [`ModelThread`]: one thread's transactions on a [`Model`].
//!
//! A transaction runs between [`ModelThread::begin`] and [`ModelThread::commit`]; every access
//! to memory that other threads share goes through [`ModelThread::read`],
//! [`ModelThread::write`] or [`ModelThread::read_tracked`]. An abort, whatever its cause, ends
//! the transaction at once (its buffered writes are dropped, its registrations released) and is
//! reported by the call that discovered it; from then on every access and the commit return
//! that same status, until the next `begin`. So a closure that ignores an error cannot commit,
//! exactly as on hardware, where execution resumes at the fallback path.
//!
//! When an abort is discovered:
//!
//! - a conflict (another thread doomed this transaction) at the next access or commit, and
//!   after every load (see opacity below);
//! - an interrupt or a spontaneous abort at the next access or commit;
//! - a capacity overflow at the access that overflows;
//! - an explicit abort at [`ModelThread::abort`].
//!
//! If several apply, a doom by another thread wins: it happened first.
//!
//! **Opacity.** Every load is followed by a check of the thread's own state. A transaction's
//! registration of a line is in the line's record before it loads the line, so any writer that
//! publishes a value of that line later than the registration must first see the registration
//! and doom this transaction; and it dooms before it publishes (a transactional writer dooms at
//! its write, long before its commit's write-back; a non-transactional writer dooms, issues a
//! Release fence, then stores). The load is Acquire (or, for [`ModelThread::read_tracked`],
//! followed by an Acquire fence), so if it returns such a value the doom happens-before the
//! check, which sees it. Values published *before* the registration (by a commit whose
//! write-back the registration waited for, or whose release it read with Acquire) are
//! consistent with every earlier load. Hence a value returned to the caller is always one a
//! serial execution produces.

use crate::capacity::{L1, LineSet, Lookup, SetFull};
use crate::interrupts::{Interrupts, ManualClock, TimeSource};
use crate::model::{Model, line_of};
use crate::redo::{LineWrite, WORDS_PER_LINE, offset};
use crate::slots::{self, ABORTING, ACTIVE, COMMITTING, IDLE};
use crate::status::{self, CAPACITY, CONFLICT, ZERO, explicit};
use htm::AbortStatus;
use tm::TWord;
use tm::primitive::{self, Ordering, fence};
use tm::rng::SplitMix64;

/// Where this thread's transaction stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Run {
    /// No transaction (never begun, or committed).
    Idle,
    /// A transaction is running.
    Running,
    /// The last transaction aborted with this status; accesses keep returning it.
    Aborted(AbortStatus),
}

/// One thread's context on a [`Model`]: its slot, its logs and its generator.
///
/// Created by [`Model::thread`]; used by one thread at a time (it is `Send`, not `Sync`).
/// Everything it reuses between transactions (the L1 model, the secondary read set, the write
/// buffers, the record log) is kept, so once it has run its largest transaction it allocates
/// nothing. `'m` is both the model's lifetime and the lifetime of the words it writes: buffered
/// writes keep references to their words until the commit.
///
/// Several contexts may live on one OS thread (the tests drive interleavings that way), with
/// one limit: a transactional write to a line another context of the *same* OS thread has
/// written in a still-running transaction waits for that transaction to notice its doom, which
/// it cannot do while the writer waits. Writer-writer conflicts need the two contexts on two
/// threads.
pub struct ModelThread<'m> {
    model: &'m Model,
    slot: usize,
    seq: u32,
    /// The state word of the running instance: `(seq, ACTIVE)`.
    mine: u64,
    run: Run,
    depth: u32,
    l1: L1,
    secondary: LineSet,
    /// Per L1 slot: the index in `writes` of the slot's line, valid while the slot is written.
    slot_write: Box<[u32]>,
    writes: Vec<LineWrite<'m>>,
    /// Ownership records registered by the running transaction (with repeats, if lines alias).
    log: Vec<u32>,
    rng: SplitMix64,
    interrupts: Interrupts,
    deadline: u64,
    spontaneous: bool,
    overflowed: bool,
    time: TimeSource<'m>,
}

impl<'m> ModelThread<'m> {
    pub(crate) fn new(model: &'m Model, slot: usize, registration: u64) -> ModelThread<'m> {
        let config = model.config();
        let mut rng = SplitMix64::new(config.seed);
        rng.absorb(registration);
        let interrupts = Interrupts::new(config, &mut rng);
        let sets = config.l1_sets as usize;
        let ways = config.l1_ways as usize;
        // Acquire: pairs with the Release of the previous owner's last state store.
        let seq = slots::seq(model.slots.state(slot).load(Ordering::Acquire));
        ModelThread {
            model,
            slot,
            seq,
            mine: slots::state(seq, ACTIVE),
            run: Run::Idle,
            depth: 0,
            l1: L1::new(sets, ways),
            secondary: LineSet::new(config.secondary_read_lines),
            slot_write: vec![0; sets * ways].into_boxed_slice(),
            writes: Vec::new(),
            log: Vec::new(),
            rng,
            interrupts,
            deadline: u64::MAX,
            spontaneous: false,
            overflowed: false,
            time: TimeSource::Tsc,
        }
    }

    /// The model this context belongs to.
    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// This thread's slot (`0..MAX_THREADS`).
    pub fn slot(&self) -> usize {
        self.slot
    }

    /// Whether a transaction is running (RTM's `xtest`).
    #[inline]
    pub fn in_transaction(&self) -> bool {
        self.run == Run::Running
    }

    /// The flattened nesting depth (0 outside a transaction).
    pub fn depth(&self) -> u32 {
        if self.in_transaction() { self.depth } else { 0 }
    }

    /// The status of the last abort, if the last transaction aborted and no new one began.
    pub fn last_abort(&self) -> Option<AbortStatus> {
        match self.run {
            Run::Aborted(s) => Some(s),
            _ => None,
        }
    }

    /// Makes interrupts follow `clock` instead of the TSC (tests of the interrupt model).
    #[doc(hidden)]
    pub fn set_manual_clock(&mut self, clock: &'m ManualClock) {
        self.time = TimeSource::Manual(clock);
    }

    /// Starts a transaction (RTM's `xbegin`).
    ///
    /// Inside a running transaction it nests, flattened as RTM does: the inner `commit` only
    /// decrements the depth, and an abort anywhere aborts the whole transaction, with NESTED
    /// added to its status. `Err` (with status NESTED) if the depth would exceed the
    /// configuration's `max_nesting`; the whole transaction is then aborted.
    pub fn begin(&mut self) -> Result<(), AbortStatus> {
        if self.run == Run::Running {
            self.enter()?;
            if self.depth >= self.model.config().max_nesting {
                return Err(self.abort_self(AbortStatus::from_raw(status::NESTED)));
            }
            self.depth += 1;
            return Ok(());
        }
        self.seq = self.seq.wrapping_add(1);
        self.mine = slots::state(self.seq, ACTIVE);
        // Release: our registrations (RMWs of records, after this store) carry it to the
        // threads that find them and then read this word with Acquire.
        self.model
            .slots
            .state(self.slot)
            .store(self.mine, Ordering::Release);
        self.run = Run::Running;
        self.depth = 1;
        if self.interrupts.enabled() {
            self.deadline = self.interrupts.deadline(self.time.now(), &mut self.rng);
        }
        let p = self.model.config().spontaneous_abort_rate;
        self.spontaneous = p > 0.0 && self.rng.unit() < p;
        Ok(())
    }

    /// Everything an access checks first: the transaction is running and not doomed, and no
    /// interrupt or spontaneous abort is due.
    #[inline(always)]
    fn enter(&mut self) -> Result<(), AbortStatus> {
        match self.run {
            Run::Running => {}
            Run::Aborted(s) => return Err(s),
            Run::Idle => outside(),
        }
        if self.model.slots.check(self.slot, self.mine).is_err() {
            return Err(self.end_doomed());
        }
        if self.spontaneous || (self.interrupts.enabled() && self.time.now() >= self.deadline) {
            return Err(self.abort_self(ZERO));
        }
        Ok(())
    }

    /// The opacity check after a load (see the module documentation).
    #[inline(always)]
    fn validate(&mut self) -> Result<(), AbortStatus> {
        if self.model.slots.check(self.slot, self.mine).is_err() {
            return Err(self.end_doomed());
        }
        Ok(())
    }

    /// Reads `word` within the transaction: its buffered value if this transaction wrote it,
    /// else memory.
    #[inline]
    pub fn read(&mut self, word: &'m TWord) -> Result<u64, AbortStatus> {
        self.enter()?;
        let addr = word as *const TWord as usize;
        let line = line_of(addr);
        match self.l1.lookup(line) {
            Lookup::Written(slot) => {
                let w = &self.writes[self.slot_write[slot] as usize];
                let k = offset(addr);
                if w.words[k].is_some() {
                    return Ok(w.values[k]);
                }
            }
            Lookup::Read(_) => {}
            Lookup::Miss => self.track_new_read(line)?,
        }
        // Acquire: pairs with the Release write-back of committers and the Release fence of
        // non-transactional writers; with the check below this is the opacity argument of the
        // module documentation.
        let value = primitive::load(word, Ordering::Acquire);
        self.validate()?;
        Ok(value)
    }

    /// Reads memory the model does not hold (a lock word, any shared byte) within the
    /// transaction: registers the line of `addr` in the read set, runs `load` (the caller's own
    /// load of that memory, with any ordering), then checks that the transaction is still
    /// valid. The fallback lock's subscription is `read_tracked(lock_addr, || lock.is_locked())`.
    ///
    /// `load` must not read memory this transaction wrote through [`ModelThread::write`] (it
    /// would see memory, not the buffered value) and must not use the model.
    #[inline]
    pub fn read_tracked<R>(
        &mut self,
        addr: *const u8,
        load: impl FnOnce() -> R,
    ) -> Result<R, AbortStatus> {
        self.enter()?;
        let line = line_of(addr as usize);
        if self.l1.lookup(line) == Lookup::Miss {
            self.track_new_read(line)?;
        }
        let value = load();
        // Acquire fence: `load` may be Relaxed. If it read a value stored after a writer's
        // Release fence (or a committer's Release store), the fence makes that writer's doom
        // visible to the check below.
        fence(Ordering::Acquire);
        self.validate()?;
        Ok(value)
    }

    /// Adds a line that missed in L1 to the read set (capacity first, then registration).
    #[inline]
    fn track_new_read(&mut self, line: u64) -> Result<(), AbortStatus> {
        if self.secondary.contains(line) {
            return Ok(());
        }
        if self.l1.insert_read(line).is_none() {
            if self.secondary.insert(line).is_err() {
                return Err(self.abort_self(CAPACITY));
            }
            self.note_overflow();
        }
        let i = self.model.orecs.index(line);
        self.log.push(i as u32);
        if self.model.register_read(self.slot, self.mine, i).is_err() {
            return Err(self.end_doomed());
        }
        Ok(())
    }

    /// Writes `value` to `word` within the transaction (buffered until the commit).
    #[inline]
    pub fn write(&mut self, word: &'m TWord, value: u64) -> Result<(), AbortStatus> {
        self.enter()?;
        let addr = word as *const TWord as usize;
        let line = line_of(addr);
        let slot = match self.l1.lookup(line) {
            Lookup::Written(slot) => slot,
            Lookup::Read(slot) => {
                self.l1.upgrade(slot);
                self.new_written_line(slot);
                self.acquire(line)?;
                slot
            }
            Lookup::Miss => self.track_new_write(line)?,
        };
        let w = &mut self.writes[self.slot_write[slot] as usize];
        let k = offset(addr);
        w.words[k] = Some(word);
        w.values[k] = value;
        Ok(())
    }

    /// Adds a line that missed in L1 to the write set.
    #[cold]
    #[inline(never)]
    fn track_new_write(&mut self, line: u64) -> Result<usize, AbortStatus> {
        let registered = self.secondary.contains(line);
        let placed = match self.l1.insert_write(line) {
            Ok(p) => p,
            Err(SetFull) => return Err(self.abort_self(CAPACITY)),
        };
        self.new_written_line(placed.slot);
        if let Some(evicted) = placed.evicted {
            if self.secondary.insert(evicted).is_err() {
                return Err(self.abort_self(CAPACITY));
            }
            self.note_overflow();
        }
        if !registered {
            self.log.push(self.model.orecs.index(line) as u32);
        }
        self.acquire(line)?;
        Ok(placed.slot)
    }

    /// Gives L1 slot `slot` an empty write buffer.
    #[inline]
    fn new_written_line(&mut self, slot: usize) {
        self.slot_write[slot] = self.writes.len() as u32;
        self.writes.push(LineWrite::EMPTY);
    }

    /// Registers as the writer of `line` (its record is already in the log).
    #[inline]
    fn acquire(&mut self, line: u64) -> Result<(), AbortStatus> {
        let i = self.model.orecs.index(line);
        if self
            .model
            .register_write(self.slot, self.mine, i, line)
            .is_err()
        {
            return Err(self.end_doomed());
        }
        Ok(())
    }

    /// Marks the secondary read structure in use, for false positives.
    #[inline]
    fn note_overflow(&mut self) {
        if self.model.fp_enabled() && !self.overflowed {
            self.overflowed = true;
            self.model.slots.set_overflowed(self.slot, true);
        }
    }

    /// Commits the transaction (RTM's `xend`): all its writes become visible at once, or it
    /// aborts and none does. Inside a nested transaction it only leaves one level.
    pub fn commit(&mut self) -> Result<(), AbortStatus> {
        self.enter()?;
        if self.depth > 1 {
            self.depth -= 1;
            return Ok(());
        }
        // AcqRel: the point of no return, racing with dooms (CAS from the same ACTIVE word:
        // exactly one wins). Release publishes the COMMITTING state to the threads that will
        // then wait for our write-back; Acquire on failure to read the doom.
        if self
            .model
            .slots
            .state(self.slot)
            .compare_exchange(
                self.mine,
                slots::state(self.seq, COMMITTING),
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_err()
        {
            return Err(self.end_doomed());
        }
        for w in &self.writes {
            for k in 0..WORDS_PER_LINE {
                if let Some(word) = w.words[k] {
                    // Release: a transaction registered before we took the line (and doomed by
                    // us) that loads this value with Acquire sees its doom; plain
                    // `TWord::load`s (Acquire) see everything we wrote before.
                    primitive::store(word, w.values[k], Ordering::Release);
                }
            }
        }
        self.finish();
        self.run = Run::Idle;
        Ok(())
    }

    /// Aborts the transaction explicitly (RTM's `xabort code`) and returns its status:
    /// EXPLICIT with `code`, or CONFLICT if another thread had doomed it first (NESTED added
    /// inside a nested transaction). After an abort, returns that abort's status; outside any
    /// transaction it does nothing (as `xabort` there) and returns EXPLICIT with `code`.
    pub fn abort(&mut self, code: u8) -> AbortStatus {
        match self.run {
            Run::Running => self.abort_self(explicit(code)),
            Run::Aborted(s) => s,
            Run::Idle => explicit(code),
        }
    }

    /// Aborts the running transaction as an asynchronous event would, with status 0 (CONFLICT
    /// if it was doomed first), and returns the status; after an abort, returns that abort's
    /// status; outside any transaction does nothing and returns status 0.
    pub fn cancel(&mut self) -> AbortStatus {
        match self.run {
            Run::Running => self.abort_self(ZERO),
            Run::Aborted(s) => s,
            Run::Idle => ZERO,
        }
    }

    /// Runs `body` as one transaction: `begin`, `body`, then `commit` if `body` returned `Ok`.
    /// `body` propagates access errors with `?` and returns `Err(t.abort(code))` to abort
    /// explicitly; an `Err` it makes up while the transaction runs aborts with that status.
    /// A panic in `body` aborts the transaction (status 0) before unwinding further.
    pub fn speculate<R>(
        &mut self,
        body: impl FnOnce(&mut ModelThread<'m>) -> Result<R, AbortStatus>,
    ) -> Result<R, AbortStatus> {
        self.begin()?;
        let guard = AbortOnUnwind(self);
        let outcome = body(&mut *guard.0);
        let t = &mut *guard.0;
        match (t.run, outcome) {
            (Run::Running, Ok(value)) => t.commit().map(|()| value),
            (Run::Running, Err(s)) => Err(t.abort_self(s)),
            (Run::Aborted(s), _) => Err(s),
            (Run::Idle, outcome) => outcome,
        }
    }

    /// Ends the running transaction after another thread doomed it.
    #[cold]
    #[inline(never)]
    fn end_doomed(&mut self) -> AbortStatus {
        let s = if self.depth > 1 {
            status::nested(CONFLICT)
        } else {
            CONFLICT
        };
        self.finish();
        self.run = Run::Aborted(s);
        s
    }

    /// Ends the running transaction on its own account with `status`, unless another thread
    /// doomed it first (then the status is CONFLICT).
    #[cold]
    #[inline(never)]
    fn abort_self(&mut self, status: AbortStatus) -> AbortStatus {
        // AcqRel/Acquire: as the commit's CAS; failing means a doom came first.
        let doomed = self
            .model
            .slots
            .state(self.slot)
            .compare_exchange(
                self.mine,
                slots::state(self.seq, ABORTING),
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_err();
        let s = if doomed { CONFLICT } else { status };
        let s = if self.depth > 1 { status::nested(s) } else { s };
        self.finish();
        self.run = Run::Aborted(s);
        s
    }

    /// Releases every registration, returns to IDLE and forgets the transaction's lines.
    #[inline]
    fn finish(&mut self) {
        for &i in &self.log {
            self.model.release(self.slot, i as usize);
        }
        // Release: after the releases (and the write-back, when committing), so a thread that
        // waited for this state to change sees all of it.
        self.model
            .slots
            .state(self.slot)
            .store(slots::state(self.seq, IDLE), Ordering::Release);
        if self.overflowed {
            self.overflowed = false;
            self.model.slots.set_overflowed(self.slot, false);
        }
        self.log.clear();
        self.writes.clear();
        self.l1.clear();
        self.secondary.clear();
        self.spontaneous = false;
        self.depth = 0;
    }

    /// Lines the running transaction holds in its secondary read structure.
    pub fn secondary_lines(&self) -> u64 {
        self.secondary.len()
    }

    /// Lines the L1 model can hold.
    pub fn l1_capacity(&self) -> usize {
        self.l1.capacity()
    }
}

impl Drop for ModelThread<'_> {
    fn drop(&mut self) {
        if self.run == Run::Running {
            self.abort_self(ZERO);
        }
        self.model.slots.release_slot(self.slot);
    }
}

/// Aborts a transaction left running by a panicking closure.
struct AbortOnUnwind<'a, 'm>(&'a mut ModelThread<'m>);

impl Drop for AbortOnUnwind<'_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() && self.0.run == Run::Running {
            self.0.abort_self(ZERO);
        }
    }
}

#[cold]
#[inline(never)]
fn outside() -> ! {
    panic!("model access outside a transaction: call ModelThread::begin first")
}
