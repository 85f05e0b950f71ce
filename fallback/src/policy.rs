//! Retry policies: after each aborted hardware attempt, retry in hardware or take the lock.
//!
//! The elision driver asks the policy twice per execution of a critical section:
//! 1. [`RetryPolicy::begin`]: try hardware at all? (glibc's adaptive elision skips it for a while
//!    after aborts it considers hopeless.)
//! 2. [`RetryPolicy::on_abort`], after every aborted attempt, with the raw status and the attempt
//!    number: [`Decision::Retry`] (the policy may first back off; the driver then waits for the lock
//!    to be free, which is the lemming avoidance every policy gets) or [`Decision::Lock`].
//!
//! Cancellations never reach the policy: the driver ends the execution on a transaction's user
//! abort, and sends an execution whose attempt a nested section ended
//! ([`NESTED_ABORT`](crate::NESTED_ABORT)) straight to the lock. (A plain critical section cannot
//! be cancelled, so an explicit abort with a user code there, from the closure's own `xabort`, is
//! an ordinary abort the policy sees.) State lives in two
//! places: [`RetryPolicy::ThreadState`] in each thread's handle (attempt counters, a backoff
//! generator), and [`RetryPolicy::LockState`] next to each fallback lock (glibc's `adapt_count`
//! lives in the lock, so it adapts per lock, across threads).
//!
//! The policies are [`Fixed`](crate::Fixed), [`Glibc`](crate::Glibc) and
//! [`CauseAware`](crate::CauseAware); [`PolicySpec`] parses their labels (`fixed:3`, `glibc`,
//! `cause-aware`) for command lines and result files.

use crate::{CauseAware, Fixed, Glibc};
use core::fmt;
use core::str::FromStr;
use htm::AbortStatus;

/// What to do after an aborted hardware attempt.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Attempt again in hardware (after the driver has waited for the fallback lock to be free).
    Retry,
    /// Give up on hardware and run the critical section under the fallback lock.
    Lock,
}

/// A retry policy for lock elision.
pub trait RetryPolicy: Send + Sync {
    /// Per-lock metadata shared by all threads eliding that lock (`()` if none).
    type LockState: Default + Send + Sync + fmt::Debug;
    /// Per-thread state, kept in the thread's handle.
    type ThreadState: Send;

    /// The policy's short name (`fixed`, `glibc`, `cause-aware`).
    fn name(&self) -> &'static str;

    /// Every parameter as `(key, value)`, recorded with results.
    fn params(&self) -> Vec<(&'static str, String)>;

    /// A fresh per-thread state; `seed` differs per handle (for randomized backoff).
    fn thread_state(&self, seed: u64) -> Self::ThreadState;

    /// Called once at the start of each execution: whether to attempt it in hardware at all.
    fn begin(&self, lock: &Self::LockState, thread: &mut Self::ThreadState) -> bool;

    /// Called after hardware attempt number `attempt` (1-based) of this execution aborted with
    /// `status` (never a cancellation, never [`NESTED_ABORT`](crate::NESTED_ABORT)).
    fn on_abort(
        &self,
        lock: &Self::LockState,
        thread: &mut Self::ThreadState,
        status: AbortStatus,
        attempt: u32,
    ) -> Decision;

    /// The full label, `name` or `name:key=value,...`, which [`PolicySpec`] parses back.
    fn label(&self) -> String {
        let params: Vec<String> = self
            .params()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if params.is_empty() {
            self.name().to_string()
        } else {
            format!("{}:{}", self.name(), params.join(","))
        }
    }
}

/// One of the policies, with its parameters, as chosen on a command line.
///
/// Accepted forms: `fixed:N` (or `fixed:attempts=N`), `glibc`, `glibc:tries=3,skip_lock_busy=3,
/// skip_lock_internal_abort=3` (any subset), `cause-aware`, `cause-aware:max_attempts=8,
/// status0_retries=2,backoff_max_step=10` (any subset). Omitted parameters take their defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicySpec {
    /// [`Fixed`].
    Fixed(Fixed),
    /// [`Glibc`].
    Glibc(Glibc),
    /// [`CauseAware`].
    CauseAware(CauseAware),
}

impl PolicySpec {
    /// The label of the chosen policy (see [`RetryPolicy::label`]).
    pub fn label(&self) -> String {
        match self {
            PolicySpec::Fixed(p) => p.label(),
            PolicySpec::Glibc(p) => p.label(),
            PolicySpec::CauseAware(p) => p.label(),
        }
    }
}

impl fmt::Display for PolicySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Why a policy label did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyParseError(String);

impl fmt::Display for PolicyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyParseError {}

/// Parses `key=value` pairs separated by commas, calling `set` for each.
fn parse_params(
    policy: &str,
    text: &str,
    mut set: impl FnMut(&str, u32) -> Result<(), String>,
) -> Result<(), PolicyParseError> {
    for pair in text.split(',') {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            PolicyParseError(format!(
                "policy `{policy}`: expected key=value, found `{pair}`"
            ))
        })?;
        let value: u32 = value.trim().parse().map_err(|_| {
            PolicyParseError(format!(
                "policy `{policy}`: `{key}` needs a non-negative integer, found `{value}`"
            ))
        })?;
        set(key.trim(), value).map_err(|e| PolicyParseError(format!("policy `{policy}`: {e}")))?;
    }
    Ok(())
}

impl FromStr for PolicySpec {
    type Err = PolicyParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, params) = match s.split_once(':') {
            Some((n, p)) => (n.trim(), Some(p.trim())),
            None => (s.trim(), None),
        };
        match name {
            "fixed" => {
                let Some(params) = params else {
                    return Err(PolicyParseError(
                        "policy `fixed` needs its number of attempts, for example `fixed:3`".into(),
                    ));
                };
                let attempts = match params.strip_prefix("attempts=").unwrap_or(params).parse() {
                    Ok(n) => n,
                    Err(_) => {
                        return Err(PolicyParseError(format!(
                            "policy `fixed`: `{params}` is not a number of attempts (as in `fixed:3`)"
                        )));
                    }
                };
                Ok(PolicySpec::Fixed(Fixed::new(attempts)))
            }
            "glibc" => {
                let mut p = Glibc::default();
                if let Some(params) = params {
                    parse_params("glibc", params, |k, v| p.set(k, v))?;
                }
                Ok(PolicySpec::Glibc(p))
            }
            "cause-aware" => {
                let mut p = CauseAware::default();
                if let Some(params) = params {
                    parse_params("cause-aware", params, |k, v| p.set(k, v))?;
                }
                Ok(PolicySpec::CauseAware(p))
            }
            other => Err(PolicyParseError(format!(
                "unknown policy `{other}`: expected `fixed:N`, `glibc` or `cause-aware` \
                 (optionally with `:key=value,...`)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_and_round_trip() {
        for text in [
            "fixed:3",
            "fixed:0",
            "glibc",
            "glibc:tries=5",
            "cause-aware",
            "cause-aware:max_attempts=4,status0_retries=1,backoff_max_step=6",
        ] {
            let spec: PolicySpec = text.parse().unwrap();
            let again: PolicySpec = spec.label().parse().unwrap();
            assert_eq!(spec, again, "{text} -> {}", spec.label());
        }
        assert_eq!(
            "fixed:3".parse::<PolicySpec>().unwrap().label(),
            "fixed:attempts=3"
        );
        assert_eq!(
            "glibc".parse::<PolicySpec>().unwrap().label(),
            "glibc:tries=3,skip_lock_busy=3,skip_lock_internal_abort=3"
        );
    }

    #[test]
    fn bad_labels_are_explained() {
        for (text, needle) in [
            ("fixed", "number of attempts"),
            ("fixed:x", "not a number"),
            ("lifo", "unknown policy"),
            ("glibc:tries", "key=value"),
            ("glibc:tries=-1", "non-negative"),
            ("glibc:spin=3", "unknown parameter"),
            ("cause-aware:max_attempts=0", "at least 1"),
        ] {
            let e = text.parse::<PolicySpec>().unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
