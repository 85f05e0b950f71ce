//! Word-based software transactional memory and lock baselines, on the `tm` interface.
//!
//! | backend | module | what it is |
//! |---|---|---|
//! | [`Tl2`] | [`tl2`] | TL2: global version clock, striped versioned locks, commit-time locking, redo log |
//! | [`Lsa`] | [`lsa`] | LSA, TinySTM's default: TL2's clock and locks, encounter-time locking, write-back, snapshot extension |
//! | [`Norec`] | [`norec`] | NOrec: one global sequence lock, value-based validation, redo log |
//! | [`GlobalLock`] | [`global_lock`] | every transaction under one lock (the usual normalization baseline) |
//! | [`Sequential`] | [`sequential`] | uninstrumented plain accesses, one thread only |
//!
//! Every backend implements [`tm::Backend`]; each thread gets a handle that owns its reusable
//! logs, so the read and write barriers allocate nothing once the logs have grown to the largest
//! transaction seen. Shared metadata (TL2's and LSA's clocks, NOrec's sequence lock, the global
//! lock) sits alone on its cache line. All backends fill [`tm::ThreadStats`] by its rules; the
//! software abort causes are [`tm::AbortCause::ReadValidation`], [`tm::AbortCause::LockedAtRead`],
//! [`tm::AbortCause::LockedAtCommit`] (for LSA: a write found its stripe locked, see [`lsa`]) and
//! [`tm::AbortCause::Explicit`] (user aborts).
//!
//! ```
//! use stm::Tl2;
//! use tm::{Abort, Backend, Handle, TWord, Tx};
//!
//! let tl2 = Tl2::new();
//! let (a, b) = (TWord::new(10), TWord::new(0));
//! let mut h = tl2.handle();
//! h.atomically(|tx| {
//!     let x = tx.read(&a)?;
//!     tx.write(&a, x - 3)?;
//!     let y = tx.read(&b)?;
//!     tx.write(&b, y + 3)
//! })
//! .unwrap();
//! // A cancelled transaction has no effect.
//! let r: Result<(), _> = h.atomically(|tx| {
//!     tx.write(&a, 0)?;
//!     Err(Abort::user(1))
//! });
//! assert!(r.is_err());
//! assert_eq!((a.load(), b.load()), (7, 3));
//! assert_eq!(h.stats().commits, 1);
//! assert_eq!(h.stats().user_aborts, 1);
//! ```
//!
//! Metadata atomics (TL2's and LSA's clock and lock table, NOrec's sequence lock, the global
//! lock, handle counters) and data-word accesses go through the [`tm::primitive`] shim, so that
//! building with `RUSTFLAGS="--cfg loom"` model-checks the commit protocols (`tests/loom.rs`).

pub mod driver;
pub mod global_lock;
mod lock_table;
pub mod lsa;
pub mod norec;
pub mod redo;
pub mod seqlock;
pub mod sequential;
pub mod tl2;
pub mod vlock;

/// Loom models only: registers the data words a model will use, from its main thread before it
/// spawns the others (see [`tm::primitive`]).
#[cfg(loom)]
#[doc(hidden)]
pub fn loom_register_words(words: &[tm::TWord]) {
    tm::primitive::shadow::register(words);
}

pub use global_lock::GlobalLock;
pub use lsa::{Lsa, LsaConfig};
pub use norec::Norec;
pub use sequential::Sequential;
pub use tl2::{Tl2, Tl2Config};
