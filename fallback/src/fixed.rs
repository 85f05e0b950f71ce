//! `fixed(n)`: at most `n` hardware attempts per execution, whatever the abort causes, then the lock.
//!
//! The textbook policy of the lock-elision literature (for example Rajwar and Goodman's SLE and
//! most HTM benchmark papers): it ignores the abort status entirely, so it spends `n` attempts even
//! on aborts that can never succeed (capacity) and gives up after `n` even on transient conflicts.
//! `fixed(0)` never speculates: every execution takes the lock, the baseline for the others.

use crate::policy::{Decision, RetryPolicy};
use htm::AbortStatus;

/// At most `attempts` hardware attempts per execution, then the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fixed {
    attempts: u32,
}

impl Fixed {
    /// `fixed(attempts)`.
    pub const fn new(attempts: u32) -> Self {
        Fixed { attempts }
    }

    /// The number of hardware attempts per execution.
    pub const fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl RetryPolicy for Fixed {
    type LockState = ();
    type ThreadState = ();

    fn name(&self) -> &'static str {
        "fixed"
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![("attempts", self.attempts.to_string())]
    }

    fn thread_state(&self, _seed: u64) {}

    #[inline]
    fn begin(&self, _lock: &(), _thread: &mut ()) -> bool {
        self.attempts > 0
    }

    #[inline]
    fn on_abort(
        &self,
        _lock: &(),
        _thread: &mut (),
        _status: AbortStatus,
        attempt: u32,
    ) -> Decision {
        if attempt < self.attempts {
            Decision::Retry
        } else {
            Decision::Lock
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_attempts_then_lock_whatever_the_cause() {
        let p = Fixed::new(3);
        assert!(p.begin(&(), &mut ()));
        for raw in [0u32, 0b110, 0b1000, 0xff00_0001] {
            let s = AbortStatus::from_raw(raw);
            assert_eq!(p.on_abort(&(), &mut (), s, 1), Decision::Retry);
            assert_eq!(p.on_abort(&(), &mut (), s, 2), Decision::Retry);
            assert_eq!(p.on_abort(&(), &mut (), s, 3), Decision::Lock);
        }
        assert!(!Fixed::new(0).begin(&(), &mut ()));
    }
}
