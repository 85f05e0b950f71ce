//! The per-thread record of the critical sections a thread is inside, which makes re-entry and
//! nesting well defined (the rules are in [`crate::elision`], "Nesting").
//!
//! The record is two thread-local facts:
//!
//! - the identities (addresses of their [`Elision`](crate::elision::Elision) drivers) of the
//!   sections this thread is executing, outermost first, at most [`MAX_NESTING`] of them: entering
//!   a section whose lock is already in the record is a re-entry;
//! - whether an attempt started by this crate is running on this thread, and of which kind
//!   (hardware or modelled): a section entered then is nested in that attempt and joins it, or,
//!   inside a modelled attempt, ends it.
//!
//! Both are plain memory, so inside a hardware transaction they are transactional like everything
//! else: what a joined section records is discarded with the attempt if it aborts, exactly as it
//! should be. Entries and the attempt flag are removed by drop guards, so a panic that unwinds out
//! of a section leaves the record as it was before the section. The record holds addresses only,
//! never dereferenced.

use core::cell::Cell;

/// The deepest nesting of critical sections one thread may have (sections of distinct locks, each
/// inside the previous). Entering one more panics.
pub const MAX_NESTING: usize = 16;

struct Record {
    /// `ids[..depth]`: the sections this thread is inside, outermost first.
    ids: [Cell<usize>; MAX_NESTING],
    depth: Cell<usize>,
    /// The kind of the attempt started by this crate running on this thread, if one is.
    attempt: Cell<Option<AttemptKind>>,
}

thread_local! {
    static RECORD: Record = const {
        Record {
            ids: [const { Cell::new(0) }; MAX_NESTING],
            depth: Cell::new(0),
            attempt: Cell::new(None),
        }
    };
}

/// Why a section may not be entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// This thread is already inside a section of the same lock.
    Reentered,
    /// This thread is already [`MAX_NESTING`] sections deep.
    TooDeep,
}

impl Refused {
    /// The panic message for a section of the lock `id`.
    #[cold]
    pub(crate) fn message(self, id: usize) -> String {
        match self {
            Refused::Reentered => format!(
                "fallback: re-entered a critical section of the lock at {id:#x} on the thread \
                 that is already inside one: the inner section would alias the outer one's data \
                 on the hardware path and deadlock on the lock path"
            ),
            Refused::TooDeep => format!(
                "fallback: critical sections nested more than {MAX_NESTING} deep on one thread \
                 (entering the lock at {id:#x})"
            ),
        }
    }
}

/// What runs an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AttemptKind {
    /// A hardware speculator ([`htm::Rtm`], or a test stand-in for it).
    Hardware,
    /// A modelled speculator (`crate::modelled`): plain accesses are invisible to it.
    Modelled,
}

impl AttemptKind {
    /// The kind of attempts a speculator with `MODELLED == modelled` runs.
    #[inline(always)]
    pub(crate) const fn of(modelled: bool) -> AttemptKind {
        if modelled {
            AttemptKind::Modelled
        } else {
            AttemptKind::Hardware
        }
    }
}

/// The kind of the attempt started by this crate running on this thread, if one is.
#[inline]
pub(crate) fn running() -> Option<AttemptKind> {
    RECORD.with(|r| r.attempt.get())
}

/// This thread is inside the section of `id`; removes it from the record when dropped.
#[must_use]
pub(crate) struct Entered(());

/// Records that this thread enters a section of the lock `id`, or says why it may not.
#[inline]
pub(crate) fn enter(id: usize) -> Result<Entered, Refused> {
    RECORD.with(|r| {
        let depth = r.depth.get();
        if r.ids[..depth].iter().any(|e| e.get() == id) {
            return Err(Refused::Reentered);
        }
        let slot = r.ids.get(depth).ok_or(Refused::TooDeep)?;
        slot.set(id);
        r.depth.set(depth + 1);
        Ok(Entered(()))
    })
}

impl Drop for Entered {
    #[inline]
    fn drop(&mut self) {
        // Sections end in the reverse order they begin (each is a call frame inside the previous
        // one), so the entry to remove is the last.
        RECORD.with(|r| r.depth.set(r.depth.get() - 1));
    }
}

/// A hardware attempt of this thread is running while this lives (created just before the
/// speculator starts it, dropped as soon as it has committed or aborted).
#[must_use]
pub(crate) struct Attempt(());

impl Attempt {
    /// Marks an attempt of `kind` as running. Only called while none is (the driver joins or ends
    /// a running one instead of starting another).
    #[inline]
    pub(crate) fn start(kind: AttemptKind) -> Attempt {
        RECORD.with(|r| r.attempt.set(Some(kind)));
        Attempt(())
    }
}

impl Drop for Attempt {
    #[inline]
    fn drop(&mut self) {
        RECORD.with(|r| r.attempt.set(None));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_nest_refuse_reentry_and_unwind() {
        let a = enter(1).unwrap();
        let b = enter(2).unwrap();
        assert_eq!(enter(1).err(), Some(Refused::Reentered));
        assert_eq!(enter(2).err(), Some(Refused::Reentered));
        drop(b);
        let b2 = enter(2).expect("2 was left");
        drop(b2);
        drop(a);
        let again = enter(1).expect("1 was left");
        drop(again);
        let caught = std::panic::catch_unwind(|| {
            let _inside = enter(7).unwrap();
            panic!("boom");
        });
        assert!(caught.is_err());
        drop(enter(7).expect("the panicking section's entry was removed"));
    }

    #[test]
    fn depth_is_bounded() {
        let entries: Vec<Entered> = (1..=MAX_NESTING).map(|i| enter(i).unwrap()).collect();
        assert_eq!(enter(100).err(), Some(Refused::TooDeep));
        drop(entries);
        drop(enter(100).unwrap());
    }

    #[test]
    fn the_attempt_flag_follows_its_guard() {
        assert_eq!(running(), None);
        let attempt = Attempt::start(AttemptKind::Modelled);
        assert_eq!(running(), Some(AttemptKind::Modelled));
        drop(attempt);
        assert_eq!(running(), None);
        drop(Attempt::start(AttemptKind::of(false)));
        assert_eq!(running(), None);
    }
}
