//! `cause-aware`: decide by the abort status, as Intel's optimization guidance recommends.
//!
//! Source: Intel 64 and IA-32 Architectures Optimization Reference Manual, chapter "Intel TSX
//! Recommendations" (retry on RETRY, back off on conflicts, do not retry capacity aborts more than
//! once, wait for the lock on the lock-busy code rather than piling onto it), and the
//! randomized-backoff retry loop of Diegues and Romano, "Self-Tuning Intel TSX" (ICAC 2014).
//! After attempt `n` aborts with `status` it decides, in this order:
//!
//! 1. `n >= max_attempts`: the lock (a bound on every execution, so the policy always terminates).
//! 2. EXPLICIT with the lock-busy code `0xff`: retry; the driver first waits until the lock is free.
//!    Other explicit codes (a transaction's user codes end the execution before the policy is
//!    asked; what reaches it is a backend's retry request or a closure's own `xabort` in a plain
//!    critical section): the lock.
//! 3. CAPACITY: retry once per execution (the overflow may have come from cold lines or a
//!    prefetcher), then the lock.
//! 4. CONFLICT, or RETRY set: randomized exponential backoff ([`tm::backoff::Backoff`]), then retry.
//! 5. Status 0 (and undocumented statuses, counted as status 0): retry at most `status0_retries`
//!    times per execution: an interrupt is transient, but a page fault or a system call inside the
//!    section aborts every attempt.
//! 6. Anything else (DEBUG, NESTED): the lock.

use crate::policy::{Decision, RetryPolicy};
use crate::speculator::LOCK_BUSY;
use htm::{AbortStatus, HwCause};
use tm::backoff::Backoff;

/// Hardware retries after a CAPACITY abort, per execution.
pub const CAPACITY_RETRIES: u32 = 1;

/// The cause-aware policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CauseAware {
    max_attempts: u32,
    status0_retries: u32,
    backoff_max_step: u32,
}

impl Default for CauseAware {
    /// `max_attempts = 8`, `status0_retries = 2`, `backoff_max_step = 10` (at most 2048 spins).
    fn default() -> Self {
        CauseAware {
            max_attempts: 8,
            status0_retries: 2,
            backoff_max_step: 10,
        }
    }
}

impl CauseAware {
    /// The policy with the given bounds. `max_attempts` is clamped to at least 1.
    pub const fn new(max_attempts: u32, status0_retries: u32, backoff_max_step: u32) -> Self {
        CauseAware {
            max_attempts: if max_attempts == 0 { 1 } else { max_attempts },
            status0_retries,
            backoff_max_step: if backoff_max_step > 30 {
                30
            } else {
                backoff_max_step
            },
        }
    }

    /// Hardware attempts per execution, at most.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Retries after status-0 aborts, per execution, at most.
    pub const fn status0_retries(&self) -> u32 {
        self.status0_retries
    }

    /// The backoff bound grows up to `2^(backoff_max_step + 1)` spin iterations.
    pub const fn backoff_max_step(&self) -> u32 {
        self.backoff_max_step
    }

    pub(crate) fn set(&mut self, key: &str, value: u32) -> Result<(), String> {
        match key {
            "max_attempts" if value == 0 => return Err("`max_attempts` must be at least 1".into()),
            "max_attempts" => self.max_attempts = value,
            "status0_retries" => self.status0_retries = value,
            "backoff_max_step" if value > 30 => {
                return Err("`backoff_max_step` must be at most 30".into());
            }
            "backoff_max_step" => self.backoff_max_step = value,
            other => {
                return Err(format!(
                    "unknown parameter `{other}` (expected max_attempts, status0_retries, \
                     backoff_max_step)"
                ));
            }
        }
        Ok(())
    }
}

/// Per-thread state of [`CauseAware`]: this execution's retry budgets and the backoff generator.
#[derive(Clone, Debug)]
pub struct CauseAwareState {
    capacity_retries: u32,
    status0_retries: u32,
    backoff: Backoff,
}

impl RetryPolicy for CauseAware {
    type LockState = ();
    type ThreadState = CauseAwareState;

    fn name(&self) -> &'static str {
        "cause-aware"
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("max_attempts", self.max_attempts.to_string()),
            ("status0_retries", self.status0_retries.to_string()),
            ("backoff_max_step", self.backoff_max_step.to_string()),
        ]
    }

    fn thread_state(&self, seed: u64) -> CauseAwareState {
        CauseAwareState {
            capacity_retries: 0,
            status0_retries: 0,
            backoff: Backoff::new(self.backoff_max_step, seed),
        }
    }

    #[inline]
    fn begin(&self, _lock: &(), t: &mut CauseAwareState) -> bool {
        t.capacity_retries = 0;
        t.status0_retries = 0;
        t.backoff.reset();
        true
    }

    fn on_abort(
        &self,
        _lock: &(),
        t: &mut CauseAwareState,
        status: AbortStatus,
        attempt: u32,
    ) -> Decision {
        if attempt >= self.max_attempts {
            return Decision::Lock;
        }
        match status.cause() {
            HwCause::Explicit(LOCK_BUSY) => Decision::Retry,
            HwCause::Explicit(_) => Decision::Lock,
            HwCause::Capacity => {
                if t.capacity_retries < CAPACITY_RETRIES {
                    t.capacity_retries += 1;
                    Decision::Retry
                } else {
                    Decision::Lock
                }
            }
            HwCause::Conflict | HwCause::RetryOnly => {
                t.backoff.spin();
                Decision::Retry
            }
            HwCause::Status0 | HwCause::Unknown => {
                if t.status0_retries < self.status0_retries {
                    t.status0_retries += 1;
                    Decision::Retry
                } else {
                    Decision::Lock
                }
            }
            // DEBUG or NESTED without a more specific bit. A RETRY bit alongside them still means
            // the hardware thinks a retry may succeed.
            HwCause::Debug | HwCause::Nested if status.may_retry() => {
                t.backoff.spin();
                Decision::Retry
            }
            HwCause::Debug | HwCause::Nested => Decision::Lock,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(raw: u32) -> AbortStatus {
        AbortStatus::from_raw(raw)
    }

    #[test]
    fn capacity_is_retried_once_per_execution() {
        let p = CauseAware::default();
        let mut t = p.thread_state(1);
        assert!(p.begin(&(), &mut t));
        assert_eq!(p.on_abort(&(), &mut t, s(0b1000), 1), Decision::Retry);
        assert_eq!(p.on_abort(&(), &mut t, s(0b1000), 2), Decision::Lock);
        assert!(p.begin(&(), &mut t));
        assert_eq!(
            p.on_abort(&(), &mut t, s(0b1000), 1),
            Decision::Retry,
            "the budget is per execution"
        );
    }

    #[test]
    fn conflicts_and_retry_back_off_until_max_attempts() {
        let p = CauseAware::new(4, 2, 3);
        let mut t = p.thread_state(7);
        assert!(p.begin(&(), &mut t));
        assert_eq!(p.on_abort(&(), &mut t, s(0b110), 1), Decision::Retry);
        assert_eq!(p.on_abort(&(), &mut t, s(0b100), 2), Decision::Retry);
        assert_eq!(p.on_abort(&(), &mut t, s(0b010), 3), Decision::Retry);
        assert!(t.backoff.bound() > 2, "backoff grew");
        assert_eq!(p.on_abort(&(), &mut t, s(0b110), 4), Decision::Lock);
    }

    #[test]
    fn lock_busy_waits_and_other_explicit_codes_lock() {
        let p = CauseAware::default();
        let mut t = p.thread_state(1);
        assert!(p.begin(&(), &mut t));
        assert_eq!(p.on_abort(&(), &mut t, s(0xff00_0001), 1), Decision::Retry);
        assert_eq!(p.on_abort(&(), &mut t, s(0xfe00_0001), 2), Decision::Lock);
    }

    #[test]
    fn status0_has_a_small_bound() {
        let p = CauseAware::default();
        let mut t = p.thread_state(1);
        assert!(p.begin(&(), &mut t));
        assert_eq!(p.on_abort(&(), &mut t, s(0), 1), Decision::Retry);
        assert_eq!(p.on_abort(&(), &mut t, s(1 << 7), 2), Decision::Retry);
        assert_eq!(p.on_abort(&(), &mut t, s(0), 3), Decision::Lock);
    }

    #[test]
    fn debug_and_nested_lock_unless_retry() {
        let p = CauseAware::default();
        let mut t = p.thread_state(1);
        assert!(p.begin(&(), &mut t));
        assert_eq!(p.on_abort(&(), &mut t, s(0b1_0000), 1), Decision::Lock);
        assert_eq!(p.on_abort(&(), &mut t, s(0b10_0000), 1), Decision::Lock);
        assert_eq!(p.on_abort(&(), &mut t, s(0b10_0010), 1), Decision::Retry);
    }
}
