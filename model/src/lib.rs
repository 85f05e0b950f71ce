//! A modelled best-effort hardware transactional memory, Intel RTM-like, for machines without
//! RTM (and for what-if studies on machines with it).
//!
//! Intel's SDE executes RTM but models no capacity, so its transactions never overflow. This
//! model keeps what decides whether HTM is viable, each part a parameter of [`ModelConfig`]
//! recorded with results ([`ModelConfig::params`]):
//!
//! - **conflicts per 64-byte line**, detected eagerly, requester wins: an access by another
//!   thread, transactional or not, to a line in a running transaction's write set, or a write
//!   to a line in its read set, dooms that transaction (status CONFLICT|RETRY). Two threads
//!   writing different words of one line conflict (false sharing);
//! - **a write set held in an L1D model** with the real set index, `(address >> 6) % sets`:
//!   more than `ways` distinct written lines in one set abort with CAPACITY;
//! - **a read set** in the same L1 model, overflowing into a secondary structure of its own
//!   capacity, optionally with a Bloom filter's false-positive rate (see [`capacity`] for the
//!   eviction rule); overflow aborts with CAPACITY;
//! - **interrupts**: status-0 aborts at random times (exponential or periodic, a configured
//!   mean, converted with the running machine's TSC rate), checked at every access and at
//!   commit against `tm::clock::now()`, so duration sweeps show a survival curve; optionally a
//!   spontaneous per-attempt abort probability (status 0);
//! - **explicit aborts** `xabort(code)`: status EXPLICIT with the code in bits 31:24;
//! - **nesting**, flattened as RTM does it: an inner commit leaves one level, an abort anywhere
//!   aborts everything and adds NESTED to the status, and `begin` beyond `max_nesting` levels
//!   (default 7; the SDM leaves RTM's limit implementation-specific) aborts with NESTED alone
//!   (the model's choice: the SDM does not say which status that abort reports).
//!
//! Statuses are RTM's bit for bit ([`status`]), as [`htm::AbortStatus`], so `fallback`'s retry
//! policies and classification run over the model unchanged. Every modelled figure is a model:
//! results produced with it must say so (`modelled = true` in the parameters).
//!
//! # Using it
//!
//! ```
//! use model::{InterruptDistribution, Model, ModelConfig, Preset};
//! use tm::TWord;
//!
//! // Haswell's geometry without its timer interrupts, so that the example is deterministic (with
//! // them, a thread preempted inside the transaction would see it abort with status 0).
//! let config = ModelConfig {
//!     interrupt_distribution: InterruptDistribution::None,
//!     ..ModelConfig::preset(Preset::Haswell, 3e9)
//! };
//! let model = Model::new(config).unwrap();
//! let (a, b) = (TWord::new(10), TWord::new(0));
//! let mut t = model.thread();
//! let moved = t.speculate(|t| {
//!     let x = t.read(&a)?;
//!     t.write(&a, x - 3)?;
//!     let y = t.read(&b)?;
//!     t.write(&b, y + 3)?;
//!     Ok(x)
//! });
//! assert_eq!(moved, Ok(10));
//! assert_eq!((a.load(), b.load()), (7, 3));
//!
//! // An explicit abort leaves no trace and reports RTM's status.
//! let r: Result<(), _> = t.speculate(|t| {
//!     t.write(&a, 0)?;
//!     Err(t.abort(0x42))
//! });
//! assert_eq!(r.unwrap_err().code(), Some(0x42));
//! assert_eq!(a.load(), 7);
//!
//! // Outside transactions, accesses that transactions must notice go through hooks.
//! model.nontx_store(&b, 5);
//! assert_eq!(model.nontx_load(&b), 5);
//! ```
//!
//! The API:
//!
//! - [`Model::new`] (`Sync`, shared by all threads); [`Model::thread`] gives each thread a
//!   [`ModelThread`] (`Send`; owns its logs, allocates nothing in steady state; at most
//!   [`MAX_THREADS`] at once).
//! - [`ModelThread::begin`], [`read`](ModelThread::read), [`write`](ModelThread::write),
//!   [`read_tracked`](ModelThread::read_tracked) (a read of any memory by address, whose load the
//!   caller performs: the fallback lock's subscription), [`commit`](ModelThread::commit),
//!   [`abort`](ModelThread::abort) (`xabort`), [`cancel`](ModelThread::cancel) (an asynchronous
//!   abort), [`in_transaction`](ModelThread::in_transaction) (`xtest`), and
//!   [`speculate`](ModelThread::speculate) (`begin`, a closure, `commit`). After an abort, every
//!   access and the commit return its status until the next `begin`.
//! - [`Model::nontx_read`] / [`Model::nontx_write`] take the address of the line and a closure
//!   performing the caller's own load or store, and make it one access transactions observe
//!   atomically (the closure runs after the dooming, and for writes while the line is marked);
//!   [`Model::nontx_load`] / [`Model::nontx_store`] do it for one [`tm::TWord`].
//!
//! # Design
//!
//! - **Ownership records** ([`orec`]): one 64-bit word per line (lines hashed onto a table of
//!   `2^orec_table_bits` records, aliasing documented there as the one false-conflict source,
//!   about 2e-4 per access at the defaults), holding 56 reader bits, the writer's slot and a
//!   non-transactional-write flag. All registrations of a line live in one word, so the line has
//!   one modification order, as under cache coherence, and the later of two conflicting
//!   accesses always sees the earlier: that is requester-wins, without locks.
//! - **Dooming** ([`slots`]): each thread slot has a state word (instance number and phase:
//!   idle, active, committing, doomed, aborting). A requester dooms a running registrant by a
//!   CAS from its exact `(instance, ACTIVE)` word; the victim learns of it at its next access or
//!   commit, and after every load (opacity, argued in [`thread`]). Ending a transaction releases
//!   only the records in its log (its footprint, not the table) and then returns to idle.
//! - **Commit**: a CAS `ACTIVE -> COMMITTING` is the point of no return; it races with dooms on
//!   the same word, so exactly one wins. Then the buffered writes ([`redo`]) are stored, the
//!   records released, and the state returned to idle, in that order, with Release. An
//!   accessor that finds a committing transaction on its line waits for that state change
//!   instead of dooming it, so no access observes a commit half done; a doomed or aborted
//!   transaction never stored anything. The protocol and its waits are in [`model`].
//! - **Capacity** ([`capacity`]): per-thread L1 (`sets x ways` slots, the real set index) and
//!   exact secondary read set, epoch-stamped so ending a transaction clears them in O(1).
//! - **Interrupts** ([`interrupts`]): a per-attempt deadline drawn at `begin`.
//!
//! Known deviations from hardware, all documented where they arise: a writer that dooms the
//! owner of a line it writes waits until the victim notices (at its next model call) before
//! taking the line (hardware takes it at once), so two contexts on one OS thread must not
//! conflict writer against writer; rarely, a reader's doom aimed at a transaction that has just
//! ended and begun again hits its next instance (see `Slots::doom`); no LRU within a set; the
//! write-back of a commit takes time during which conflicting accessors wait (hardware commits
//! at once); and interrupts run on the running machine's clock while a modelled access costs
//! tens of nanoseconds where a hardware one costs a few, so a long modelled footprint lasts
//! longer than the real one would and meets more interrupts: with a preset's 4 ms mean, modelled
//! read capacities of thousands of lines are bounded by interrupts, not by the read-set
//! capacity (the skylake preset's sequential reads fell below 50 % near 8 000 lines on an AMD
//! EPYC guest, against 65 536 lines modelled). Disable interrupts in a `file=` configuration to
//! see the capacity alone.
//!
//! # Presets
//!
//! `haswell`, `skylake` (32 KiB 8-way: 512 lines, 8 per set), `icelake`, `sapphire-rapids`
//! (48 KiB 12-way: 768 lines, 12 per set), with read capacities and interrupt rates: see
//! [`presets`] for every figure and its source (and which ones are estimates). Any geometry:
//! [`ModelConfig::from_toml_file`]; measured figures: [`ModelConfig::from_measured`].
//!
//! # Under `fallback`'s elision driver
//!
//! `&Model` implements `fallback::Speculator` (in `fallback::modelled`): each handle of a
//! `fallback::ElisionBackend<L, P, &Model>` owns a [`ModelThread`], every speculative access
//! goes through it, the subscription is [`ModelThread::read_tracked`] of the lock's line, and
//! the fallback lock is taken by `try_lock` inside [`Model::nontx_write`] of that line, which
//! dooms every subscribed attempt. The CLI names it `model:<preset>@<policy>` (see the README).
//!
//! Metadata atomics (the ownership records, the per-thread transaction state words, the slot and
//! overflow bitmaps) and data-word accesses go through the [`tm::primitive`] shim, so
//! `RUSTFLAGS="--cfg loom"` model-checks the protocol (`tests/loom.rs`).

pub mod capacity;
pub mod config;
pub mod interrupts;
pub mod model;
pub mod orec;
pub mod presets;
pub mod redo;
pub mod slots;
pub mod status;
#[doc(hidden)]
pub mod testing;
pub mod thread;

pub use config::{ConfigError, InterruptDistribution, Measured, ModelConfig};
pub use htm::AbortStatus;
pub use model::{Model, TooManyThreads};
pub use orec::MAX_THREADS;
pub use presets::{Preset, UnknownPreset};
pub use thread::ModelThread;

/// Loom models only: registers the data words a model will use, from its main thread before it
/// spawns the others (see [`tm::primitive`]).
#[cfg(loom)]
#[doc(hidden)]
pub fn loom_register_words(words: &[tm::TWord]) {
    tm::primitive::shadow::register(words);
}

/// Loom models only: an uninstrumented load of a data word (what a fallback-lock holder does),
/// through its shadow.
#[cfg(loom)]
#[doc(hidden)]
pub fn loom_plain_load(word: &tm::TWord, order: core::sync::atomic::Ordering) -> u64 {
    tm::primitive::load(word, order)
}

/// Loom models only: an uninstrumented store to a data word, through its shadow.
#[cfg(loom)]
#[doc(hidden)]
pub fn loom_plain_store(word: &tm::TWord, value: u64, order: core::sync::atomic::Ordering) {
    tm::primitive::store(word, value, order)
}
