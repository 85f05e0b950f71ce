//! [`ElisionBackend`]: lock elision as a [`tm::Backend`].
//!
//! Every [`Handle::atomically`] is one execution of the elision driver ([`crate::elision`]) over a
//! single global fallback lock. The transaction type [`ElisionTx`] has two modes:
//!
//! - speculative (inside `xbegin`/`xend`): reads and writes are plain Relaxed atomic loads and
//!   stores. The hardware buffers the writes, discards them on abort and tracks conflicts per cache
//!   line, so no instrumentation is needed. A user abort becomes `xabort(code)` and is not retried.
//!   Over a modelled speculator ([`Speculator::MODELLED`], `&model::Model`) they go through the
//!   speculator's per-thread context instead (a `model::ModelThread` the transaction owns), which
//!   buffers and tracks them; that test is of a constant, so the RTM path has no extra branch.
//! - locked (under the fallback lock): writes go to memory directly and log the old value in an undo
//!   log, so a user abort can be rolled back. The log is a `Vec` owned by the handle and cleared,
//!   not freed, between executions: no allocation in steady state.
//!
//! A panic in the closure under the lock releases the lock and leaves the writes made so far in
//! place (as `Rtm::transaction` commits a hardware attempt that panics): a panic is not an abort.
//!
//! A transaction started inside another section's hardware attempt (an elided section, or a
//! transaction of another `ElisionBackend`) joins that attempt; if it cancels, the enclosing
//! section re-runs on its lock and the transaction then runs, and cancels, on its own
//! ([`crate::elision`], "Nesting"). A transaction inside one of the same backend panics.
//!
//! Ordering argument for the Relaxed accesses. Between lock holders, the lock's Acquire/Release
//! orders everything. Between a lock holder and hardware transactions, x86 gives what the Rust model
//! cannot express: a committed RTM region has the ordering of a `lock`-prefixed instruction (Intel
//! SDM vol. 1, 16.3.6), every running transaction subscribed to the lock is aborted by the holder's
//! acquiring write before that write completes, and a transaction that starts while the lock is
//! held aborts at its subscription read. So no data access of a committed hardware transaction is
//! concurrent with a lock holder's accesses.

use crate::elision::{Elision, Path};
use crate::lock::RawLock;
use crate::policy::RetryPolicy;
use crate::speculator::{Holds, SpecAccess, Speculator};
use core::sync::atomic::{AtomicU64, Ordering};
use htm::{Rtm, Unusable};
use tm::{Abort, AbortCause, Backend, BackendInfo, Handle, TWord, ThreadStats, Tx, UserAbort};

/// Lock elision over one global fallback lock `L` with retry policy `P`.
#[derive(Debug)]
pub struct ElisionBackend<L: RawLock, P: RetryPolicy, S: Speculator = Rtm> {
    elision: Elision<L, P, S>,
}

impl<L: RawLock, P: RetryPolicy> ElisionBackend<L, P, Rtm> {
    /// A backend using RTM if [`Rtm::detect`] succeeds, and the lock alone otherwise.
    pub fn new(policy: P) -> Self {
        ElisionBackend::with_speculator(policy, Rtm::detect())
    }
}

impl<L: RawLock, P: RetryPolicy, S: Speculator> ElisionBackend<L, P, S> {
    /// A backend with the given speculator, or none (with the reason).
    pub fn with_speculator(policy: P, speculator: Result<S, Unusable>) -> Self {
        ElisionBackend {
            elision: Elision::new(policy, speculator),
        }
    }

    /// Why no hardware attempt is ever made, if RTM is unusable.
    pub fn unusable(&self) -> Option<&Unusable> {
        self.elision.unusable()
    }

    /// The driver (lock, policy, per-lock policy state).
    pub fn elision(&self) -> &Elision<L, P, S> {
        &self.elision
    }

    /// The speculator, if usable.
    pub fn speculator(&self) -> Option<S> {
        self.elision.speculator()
    }
}

/// Gives each handle a distinct backoff seed.
fn next_seed() -> u64 {
    static SEEDS: AtomicU64 = AtomicU64::new(0);
    // Relaxed: only uniqueness of the values matters.
    let n = SEEDS.fetch_add(1, Ordering::Relaxed);
    (n + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Records the policy, the lock and the RTM state in `info`.
pub(crate) fn describe<L: RawLock, P: RetryPolicy>(
    name: &str,
    policy: &P,
    unusable: Option<&Unusable>,
) -> BackendInfo {
    let mut info = BackendInfo::new(format!("{name}-{}", policy.name()))
        .param("policy", policy.label())
        .param("lock", L::NAME);
    for (k, v) in policy.params() {
        info = info.param(k, v);
    }
    info.param("rtm_usable", unusable.is_none()).param(
        "rtm_reason",
        unusable.map_or("usable".to_string(), |u| u.to_string()),
    )
}

impl<L: RawLock, P: RetryPolicy, S: Speculator> Backend for ElisionBackend<L, P, S> {
    type Handle<'a>
        = ElisionHandle<'a, L, P, S>
    where
        Self: 'a;

    fn handle_with(&self, accounting: tm::Accounting) -> ElisionHandle<'_, L, P, S> {
        ElisionHandle {
            elision: &self.elision,
            thread: self.elision.policy().thread_state(next_seed()),
            stats: ThreadStats::default(),
            timer: tm::Timer::new(accounting),
            tx: ElisionTx {
                path: Path::Locked,
                undo: Vec::with_capacity(UNDO_RESERVE),
                context: S::thread(self.elision.speculator()),
            },
        }
    }

    /// Name `htm-<policy>`; parameters: `policy` (the full label), `lock`, each policy parameter,
    /// `rtm_usable` and `rtm_reason`.
    /// Over a modelled speculator: name `modelled-htm-<policy>`, and the model's parameters
    /// (`modelled = true`, the geometry) in place of `rtm_usable` and `rtm_reason`.
    fn info(&self) -> BackendInfo {
        match self.speculator() {
            Some(s) if S::MODELLED => {
                let mut info =
                    describe::<L, P>("modelled-htm", self.elision.policy(), self.unusable());
                info.params.retain(|(k, _)| !k.starts_with("rtm_"));
                info.params.extend(s.params());
                info
            }
            _ => describe::<L, P>("htm", self.elision.policy(), self.unusable()),
        }
    }

    fn max_threads(&self) -> Option<usize> {
        S::max_threads()
    }
}

/// Undo-log entries reserved when a handle is made (4 KiB), so that a section that writes more
/// words than any before it does not allocate on the lock path (the hot path allocates nothing
/// for sections of up to this many writes; longer ones grow the log once).
const UNDO_RESERVE: usize = 256;

/// One thread's handle on an [`ElisionBackend`].
pub struct ElisionHandle<'a, L: RawLock, P: RetryPolicy, S: Speculator + 'a> {
    elision: &'a Elision<L, P, S>,
    thread: P::ThreadState,
    stats: ThreadStats,
    timer: tm::Timer,
    tx: ElisionTx<'a, S>,
}

impl<'a, L: RawLock, P: RetryPolicy, S: Speculator + 'a> Handle<'a> for ElisionHandle<'a, L, P, S> {
    type Tx = ElisionTx<'a, S>;

    #[inline]
    fn atomically<R, F>(&mut self, mut body: F) -> Result<R, UserAbort>
    where
        F: FnMut(&mut ElisionTx<'a, S>) -> Result<R, Abort>,
    {
        self.elision.execute_in(
            &mut self.thread,
            &mut self.stats,
            self.timer,
            &mut self.tx,
            |tx, path| {
                tx.path = path;
                // Normally already empty; not after a panic under the lock (see below).
                tx.undo.clear();
                let outcome = body(tx);
                if outcome.is_err() {
                    // Speculative: the log is empty and the hardware discards the writes.
                    tx.roll_back();
                }
                outcome
            },
        )
    }

    fn stats(&self) -> &ThreadStats {
        &self.stats
    }

    fn take_stats(&mut self) -> ThreadStats {
        core::mem::take(&mut self.stats)
    }
}

/// The transaction of an [`ElisionBackend`] (see the module documentation for its two modes).
pub struct ElisionTx<'a, S: Speculator + 'a> {
    path: Path,
    /// Old values of the words written under the lock, in write order.
    undo: Vec<(&'a TWord, u64)>,
    /// The speculator's per-thread context (zero-sized for hardware).
    context: S::Thread<'a>,
}

impl<'a, S: Speculator + 'a> Holds<S::Thread<'a>> for ElisionTx<'a, S> {
    #[inline(always)]
    fn held(&mut self) -> &mut S::Thread<'a> {
        &mut self.context
    }
}

/// What a failed access through a modelled context returns: the attempt is already over, and
/// the speculator reports its real status, so the cause here is never recorded.
const ATTEMPT_OVER: Abort = Abort::retry(AbortCause::Conflict);

impl<'a, S: Speculator + 'a> ElisionTx<'a, S> {
    /// Restores every word written under the lock, newest first, and empties the log.
    fn roll_back(&mut self) {
        for (word, old) in self.undo.drain(..).rev() {
            // Relaxed: we hold the lock (see the module documentation).
            word.atomic().store(old, Ordering::Relaxed);
        }
    }

    /// Where this transaction is running.
    pub fn path(&self) -> Path {
        self.path
    }
}

impl<'a, S: Speculator + 'a> Tx<'a> for ElisionTx<'a, S> {
    #[inline]
    fn read(&mut self, word: &'a TWord) -> Result<u64, Abort> {
        if S::MODELLED && self.path == Path::Speculative {
            return self.context.read(word).map_err(|_| ATTEMPT_OVER);
        }
        // Relaxed on both paths: in hardware the transaction makes it atomic; under the lock the
        // lock orders it (see the module documentation).
        Ok(word.atomic().load(Ordering::Relaxed))
    }

    #[inline]
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), Abort> {
        if S::MODELLED && self.path == Path::Speculative {
            return self.context.write(word, value).map_err(|_| ATTEMPT_OVER);
        }
        let atomic = word.atomic();
        if self.path == Path::Locked {
            // Relaxed: as for `read`.
            self.undo.push((word, atomic.load(Ordering::Relaxed)));
        }
        // Relaxed: as for `read`.
        atomic.store(value, Ordering::Relaxed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speculator::scripted::{CONFLICT, Script, Scripted, Step};
    use crate::{Fixed, TicketLock, TtasLock};
    use tm::AbortCause;

    #[test]
    fn locked_path_rolls_back_user_aborts() {
        let b: ElisionBackend<TtasLock, Fixed, Scripted> =
            ElisionBackend::with_speculator(Fixed::new(2), Err(Unusable::ForcedOff));
        tm::conformance::user_abort_rolls_back(&b).unwrap();
        let b: ElisionBackend<TicketLock, Fixed, Scripted> =
            ElisionBackend::with_speculator(Fixed::new(2), Err(Unusable::ForcedOff));
        tm::conformance::user_abort_rolls_back(&b).unwrap();
    }

    #[test]
    fn handle_accounts_scripted_aborts_then_fallback() {
        let script = Script::leak(&[Step::Abort(CONFLICT), Step::Abort(CONFLICT), Step::Run]);
        let b: ElisionBackend<TtasLock, Fixed, Scripted> =
            ElisionBackend::with_speculator(Fixed::new(2), Ok(Scripted(script)));
        let words = [TWord::new(1), TWord::new(2)];
        let mut h = b.handle();
        h.atomically(|tx| {
            let v = tx.read(&words[0])?;
            tx.write(&words[1], v + 10)
        })
        .unwrap();
        assert_eq!(words[1].load(), 11);
        let s = h.stats();
        assert_eq!(
            (s.attempts, s.aborts_of(AbortCause::Conflict), s.fallbacks),
            (2, 2, 1)
        );
        // The third step commits speculatively.
        h.atomically(|tx| tx.write(&words[0], 5)).unwrap();
        assert_eq!(words[0].load(), 5);
        let s = h.take_stats();
        assert_eq!((s.attempts, s.commits, s.fallbacks), (3, 1, 1));
        assert!(s.is_consistent());
        assert_eq!(h.stats().attempts, 0);
    }

    #[test]
    fn info_records_policy_lock_and_rtm_state() {
        let b: ElisionBackend<TicketLock, Fixed, Scripted> =
            ElisionBackend::with_speculator(Fixed::new(3), Err(Unusable::NoCpuidBit));
        let info = b.info();
        assert_eq!(info.name, "htm-fixed");
        let get = |k: &str| {
            info.params
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("policy").as_deref(), Some("fixed:attempts=3"));
        assert_eq!(get("lock").as_deref(), Some("ticket"));
        assert_eq!(get("attempts").as_deref(), Some("3"));
        assert_eq!(get("rtm_usable").as_deref(), Some("false"));
        assert!(get("rtm_reason").unwrap().contains("CPUID"));
    }
}
