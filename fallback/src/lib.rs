//! HTM backends that always make progress: lock elision with subscription, retry policies and
//! lemming avoidance.
//!
//! Raw RTM never promises that a transaction commits. This crate pairs it with a fallback lock:
//!
//! - [`RawLock`] is the fallback lock ([`TtasLock`], [`TicketLock`]).
//! - [`RetryPolicy`] decides, after each abort, between another hardware attempt and the lock:
//!   [`Fixed`], [`Glibc`] (glibc's adaptive elision) and [`CauseAware`] (Intel's guidance).
//! - [`elision`] is the driver: subscription (every hardware attempt reads the lock inside the
//!   transaction and aborts with code `0xff` if it is held), lemming avoidance (a bounded wait for
//!   the lock to be free before a hardware retry), progress (the section runs under the lock when
//!   the policy gives up), nesting (re-entering a lock panics on both paths; a section of another
//!   lock inside a hardware attempt joins it, with its aborts attributed to it) and per-thread
//!   statistics ([`tm::ThreadStats`]).
//! - [`ElisionBackend`] implements [`tm::Backend`] for transactional workloads;
//!   [`ElidedMutex`] elides plain critical sections, `handle.with(|data| ..)`, and can be taken
//!   for real for comparison.
//!
//! Hardware attempts need the [`htm::Rtm`] token. Where RTM is unusable the backends still work,
//! with every execution on the lock, and report why ([`ElisionBackend::unusable`]).
//!
//! ```
//! use fallback::{ElidedMutex, ElisionBackend, Glibc, PolicySpec, TicketLock, TtasLock};
//! use tm::{Backend, Handle, TWord, Tx};
//!
//! // A plain critical section, elided when RTM works, on the lock otherwise.
//! let m: ElidedMutex<[u64; 2], TtasLock, Glibc> = ElidedMutex::new([0, 0], Glibc::default());
//! let mut h = m.handle();
//! h.with(|pair| {
//!     pair[0] += 1;
//!     pair[1] += 1;
//! });
//! h.with_lock(|pair| assert_eq!(pair[0], pair[1])); // the same lock, taken for real
//! assert_eq!(h.stats().completed(), 2);
//! if let Some(reason) = m.unusable() {
//!     assert_eq!(h.stats().attempts, 0, "no hardware attempt: {reason}");
//! }
//!
//! // The same policies behind `tm::Backend`, chosen by label.
//! let PolicySpec::CauseAware(policy) = "cause-aware".parse().unwrap() else { unreachable!() };
//! let backend: ElisionBackend<TicketLock, _> = ElisionBackend::new(policy);
//! let word = TWord::new(1);
//! backend.handle().atomically(|tx| {
//!     let v = tx.read(&word)?;
//!     tx.write(&word, v * 2)
//! })?;
//! assert_eq!(word.load(), 2);
//! # Ok::<(), tm::UserAbort>(())
//! ```

mod backend;
mod cause;
mod cause_aware;
mod elided_mutex;
pub mod elision;
mod fixed;
mod glibc;
mod lock;
pub mod modelled;
mod nesting;
mod policy;
mod primitive;
mod speculator;
#[doc(hidden)]
pub mod testing;
mod ticket;
mod ttas;

pub use backend::{ElisionBackend, ElisionHandle, ElisionTx};
pub use cause::classify;
pub use cause_aware::{CAPACITY_RETRIES, CauseAware, CauseAwareState};
pub use elided_mutex::{ElidedMutex, MutexHandle};
pub use fixed::Fixed;
pub use glibc::{AdaptCount, Glibc};
pub use lock::RawLock;
pub use modelled::ModelContext;
pub use policy::{Decision, PolicyParseError, PolicySpec, RetryPolicy};
pub use speculator::{
    Holds, LOCK_BUSY, NESTED_ABORT, Plain, RETRY_REQUESTED, SpecAccess, Speculator,
};
pub use ticket::TicketLock;
pub use ttas::TtasLock;
