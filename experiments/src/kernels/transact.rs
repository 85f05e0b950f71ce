//! What the kernels need from a hardware transaction, as a trait, so that their loops can also
//! run under a scripted stand-in in tests (the machine tmlab is developed on has no RTM).
//!
//! [`htm::Rtm`] is the one real implementation. Kernels are generic over it and monomorphize, so
//! the indirection costs nothing.

use htm::{AbortStatus, Rtm};

/// Runs a closure as one transaction (see [`Rtm::transaction`]).
pub trait Transact: Copy {
    /// Runs `body` as one transaction: `Ok` with its result if it committed, or the abort status.
    fn transaction<R>(self, body: impl FnOnce() -> R) -> Result<R, AbortStatus>;
}

impl Transact for Rtm {
    #[inline(always)]
    fn transaction<R>(self, body: impl FnOnce() -> R) -> Result<R, AbortStatus> {
        Rtm::transaction(self, body)
    }
}

#[cfg(test)]
pub(crate) mod mock {
    //! Stand-ins for tests. They never execute an RTM instruction.

    use super::Transact;
    use htm::AbortStatus;
    use std::cell::Cell;

    /// Runs every body directly (no transaction) and reports a commit, except that call `i`
    /// (counting from 0) aborts without running its body when `script[i % script.len()]` is
    /// `Some(status)`.
    #[derive(Clone, Copy)]
    pub(crate) struct Scripted<'a> {
        pub(crate) script: &'a [Option<u32>],
        pub(crate) calls: &'a Cell<usize>,
    }

    impl Transact for Scripted<'_> {
        fn transaction<R>(self, body: impl FnOnce() -> R) -> Result<R, AbortStatus> {
            let i = self.calls.get();
            self.calls.set(i + 1);
            match self.script[i % self.script.len()] {
                Some(raw) => Err(AbortStatus::from_raw(raw)),
                None => Ok(body()),
            }
        }
    }
}
