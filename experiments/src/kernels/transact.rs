//! What the kernels need from a hardware transaction, as a trait, so that their loops can also
//! run under a scripted stand-in in tests (the machine tmlab is developed on has no RTM).
//!
//! [`htm::Rtm`] is the one real implementation. Kernels are generic over it and monomorphize, so
//! the indirection costs nothing.

use super::footprint::body::Body;
use htm::{AbortStatus, Rtm};

/// Runs a closure, or a footprint body, as one transaction.
pub trait Transact: Copy {
    /// Runs `body` as one transaction: `Ok` with its result if it committed, or the abort status
    /// (see [`Rtm::transaction`]).
    fn transaction<R>(self, body: impl FnOnce() -> R) -> Result<R, AbortStatus>;

    /// Runs a footprint body, storing `value`, as one transaction: `Ok` with the sum of the
    /// loaded words if it committed, or the abort status (see [`Body::run_in_transaction`]).
    fn footprint(self, body: &Body<'_>, value: u64) -> Result<u64, AbortStatus>;
}

impl Transact for Rtm {
    #[inline(always)]
    fn transaction<R>(self, body: impl FnOnce() -> R) -> Result<R, AbortStatus> {
        Rtm::transaction(self, body)
    }

    #[inline(always)]
    fn footprint(self, body: &Body<'_>, value: u64) -> Result<u64, AbortStatus> {
        body.run_in_transaction(self, value)
    }
}

#[cfg(test)]
pub(crate) mod mock {
    //! Stand-ins for tests. They never execute an RTM instruction.

    use super::{Body, Transact};
    use htm::AbortStatus;
    use std::cell::Cell;

    /// Runs every body directly (no transaction; footprint bodies with [`Body::run_plain`]) and
    /// reports a commit, except that call `i` (counting from 0) aborts without running its body
    /// when `script[i % script.len()]` is `Some(status)`.
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

        fn footprint(self, body: &Body<'_>, value: u64) -> Result<u64, AbortStatus> {
            self.transaction(|| body.run_plain(value))
        }
    }
}
