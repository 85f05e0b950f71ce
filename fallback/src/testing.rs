//! Test support, not part of the API: a [`Speculator`] that behaves like RTM's flattened nesting,
//! so that the nesting and re-entry rules of [`crate::elision`] can be tested, and run under Miri,
//! on machines without RTM.
//!
//! RTM flattens nesting (Intel SDM vol. 1, 16.3.1): an `xbegin` inside a running transaction only
//! deepens it, the inner `xend` only leaves the inner level, everything commits with the outermost
//! transaction, and an abort at any depth discards every write since the *outermost* `xbegin` and
//! resumes there with the status (with bit 5, NESTED, set when the abort happened below the top
//! level). [`FlatNesting`] models exactly that on one thread:
//!
//! - A thread-local depth counter says whether a model transaction is running.
//! - The outermost [`Speculator::speculate`] snapshots `memory` (the words the test's sections
//!   write), runs the body, and on an abort restores the snapshot and returns the status.
//! - A nested `speculate` just runs its body at the next depth.
//! - An abort anywhere (a body returning `Err(code)`, [`Speculator::abort_attempt`], or
//!   [`FlatNesting::xabort`]) unwinds to the outermost `speculate` with a private payload
//!   (`resume_unwind`, so no panic hook runs), undoing the frames in between as the hardware would.
//! - A real panic that unwinds out of the outermost body leaves the writes in place and keeps
//!   unwinding, as [`htm::Rtm::transaction`] commits a transaction whose closure unwinds.
//!
//! What it cannot model: writes outside `memory` are not undone (the driver's own per-thread
//! records are restored by their drop guards as the abort unwinds, and tests keep every other write
//! they check in `memory`), a body that catches unwinding with `catch_unwind` would swallow a
//! modelled abort, and there is no concurrency at all (see [`FlatNesting::new`]).

use crate::speculator::{Holds, Plain, Speculator};
use core::cell::Cell;
use htm::AbortStatus;
use std::panic::{self, AssertUnwindSafe};
use tm::TWord;

thread_local! {
    /// How many model transactions are running on this thread (0: none).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// The unwinding payload of a modelled abort, caught by the outermost `speculate`.
struct ModelAbort {
    code: u8,
    /// Whether the abort happened below the outermost level (RTM's NESTED status bit).
    nested: bool,
}

/// A one-thread model of RTM with flattened nesting (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct FlatNesting<'m> {
    memory: &'m [TWord],
}

impl<'m> FlatNesting<'m> {
    /// A model whose transactions undo their writes to `memory` when they abort.
    ///
    /// # Safety
    /// Every critical section and transaction that runs with this speculator (through every
    /// mutex or backend given it, and every copy of it) must run on one thread at a time, and no
    /// other thread may access, during one of them, memory that it accesses: the model gives no
    /// isolation at all, and elision relies on the speculator for mutual exclusion. And every
    /// write such a section makes that must not survive an abort must be to a word of `memory`
    /// (the model undoes no other write).
    pub unsafe fn new(memory: &'m [TWord]) -> Self {
        FlatNesting { memory }
    }

    /// Whether a model transaction is running on this thread (RTM's `xtest`).
    pub fn in_transaction(self) -> bool {
        DEPTH.with(Cell::get) > 0
    }

    /// RTM's `xabort code`: inside a model transaction, ends the outermost one with an explicit
    /// abort carrying `code` and does not return; outside one, does nothing.
    pub fn xabort(self, code: u8) {
        if self.in_transaction() {
            abort_to_outermost(code);
        }
    }

    /// [`htm::Rtm::transaction`] in the model: `body` as one transaction, nested if one is
    /// already running.
    pub fn transaction<R>(self, body: impl FnOnce() -> R) -> Result<R, AbortStatus> {
        self.speculate(&mut Plain, |_| Ok(body()))
    }
}

/// Unwinds to the outermost model transaction with an explicit abort carrying `code`.
fn abort_to_outermost(code: u8) -> ! {
    let nested = DEPTH.with(Cell::get) > 1;
    panic::resume_unwind(Box::new(ModelAbort { code, nested }))
}

/// Leaves one model nesting level when dropped, on every path out of a body.
struct Level(u32);

impl Level {
    fn enter() -> Level {
        let outer = DEPTH.with(Cell::get);
        DEPTH.with(|d| d.set(outer + 1));
        Level(outer)
    }
}

impl Drop for Level {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(self.0));
    }
}

// SAFETY: `new`'s contract makes every body run with no concurrent access to what it touches, so a
// body that runs to completion took effect atomically with respect to every other attempt and
// every lock holder (there are none meanwhile): `Ok` is only returned then. `Err` is only returned
// after an abort, whose writes to `memory` are restored from the snapshot taken at the outermost
// begin, and `new`'s contract says no other write needs undoing; the frames between the abort and
// the outermost begin are unwound, so their drop guards run, as for a panic. `Err(code)` from a
// body and `abort_attempt(code)` both end the outermost attempt with an explicit status carrying
// `code`, and `abort_attempt` never returns inside a body (it unwinds).
unsafe impl Speculator for FlatNesting<'_> {
    type Thread<'a>
        = Plain
    where
        Self: 'a;

    fn thread<'a>(_: Option<Self>) -> Plain
    where
        Self: 'a,
    {
        Plain
    }

    fn speculate<'a, C, R>(
        self,
        ctx: &mut C,
        body: impl FnOnce(&mut C) -> Result<R, u8>,
    ) -> Result<R, AbortStatus>
    where
        Self: 'a,
        C: Holds<Plain>,
    {
        if self.in_transaction() {
            // Nested: join the running transaction; an abort ends the outermost one.
            let _level = Level::enter();
            return match body(ctx) {
                Ok(r) => Ok(r),
                Err(code) => abort_to_outermost(code),
            };
        }
        let snapshot: Vec<u64> = self.memory.iter().map(TWord::load).collect();
        let outcome = {
            let _level = Level::enter();
            panic::catch_unwind(AssertUnwindSafe(|| match body(ctx) {
                Ok(r) => r,
                Err(code) => abort_to_outermost(code),
            }))
        };
        match outcome {
            Ok(r) => Ok(r),
            Err(payload) => match payload.downcast::<ModelAbort>() {
                Ok(abort) => {
                    for (word, old) in self.memory.iter().zip(snapshot) {
                        word.store(old);
                    }
                    let nested = if abort.nested { 1 << 5 } else { 0 };
                    Err(AbortStatus::from_raw(
                        1 | nested | (u32::from(abort.code) << 24),
                    ))
                }
                // A real panic: the writes stay, as when `Rtm::transaction`'s closure unwinds.
                Err(other) => panic::resume_unwind(other),
            },
        }
    }

    fn abort_attempt(self, code: u8) -> ! {
        assert!(
            self.in_transaction(),
            "abort_attempt outside a model transaction"
        );
        abort_to_outermost(code)
    }
}
