//! The contract between tmlab's workloads and its transactional-memory backends.
//!
//! Every workload is written once against these traits, and every backend (RTM with a fallback,
//! TL2, NOrec, a global lock, the uninstrumented sequential baseline) implements them:
//!
//! - [`TWord`] is the unit of transactional data: one 64-bit word.
//! - [`Backend`] is shared by all threads; each thread asks it for a [`Handle`].
//! - [`Handle::atomically`] runs a closure as one transaction, retrying it until it commits. The
//!   closure receives a [`Tx`] and performs every shared access through it.
//! - A closure returns `Result<_, Abort>`. A backend's barriers return `Err` when the attempt is
//!   doomed, so the closure propagates it with `?`; the closure itself returns
//!   `Err(Abort::user(code))` to cancel the transaction, which then has no effect at all and
//!   `atomically` returns [`UserAbort`].
//! - [`ThreadStats`] is the uniform per-thread record of what happened: attempts, commits, aborts by
//!   [`AbortCause`], fallback executions and, when asked for ([`Accounting::Cycles`]), TSC cycles.
//!
//! The interface is generic throughout: a workload monomorphizes for each backend, so the barriers
//! inline and nothing is allocated or dynamically dispatched per transaction.
//!
//! ```
//! use tm::{Abort, Backend, Handle, TWord, Tx};
//!
//! fn transfer<'a, H: Handle<'a>>(h: &mut H, from: &'a TWord, to: &'a TWord, amount: u64) -> bool {
//!     h.atomically(|tx| {
//!         let balance = tx.read(from)?;
//!         if balance < amount {
//!             return Err(Abort::user(1)); // insufficient funds: cancel, nothing happens
//!         }
//!         tx.write(from, balance - amount)?;
//!         let other = tx.read(to)?;
//!         tx.write(to, other + amount)
//!     })
//!     .is_ok()
//! }
//! ```

mod abort;
pub mod accounting;
mod backend;
pub mod backoff;
pub mod clock;
pub mod conflicts;
pub mod conformance;
pub mod primitive;
pub mod regions;
pub mod rng;
pub mod sites;
pub mod standin;
mod stats;
mod word;

pub use abort::{Abort, AbortCause, MAX_USER_CODE, UserAbort};
pub use accounting::{Accounting, Timer};
pub use backend::{Backend, BackendInfo, Handle, Tx};
pub use stats::ThreadStats;
pub use word::TWord;
