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
//! at once).
//!
//! # Presets
//!
//! `haswell`, `skylake` (32 KiB 8-way: 512 lines, 8 per set), `icelake`, `sapphire-rapids`
//! (48 KiB 12-way: 768 lines, 12 per set), with read capacities and interrupt rates: see
//! [`presets`] for every figure and its source (and which ones are estimates). Any geometry:
//! [`ModelConfig::from_toml_file`]; measured figures: [`ModelConfig::from_measured`].
//!
//! # Wiring it under `fallback`'s elision driver (phase 2)
//!
//! Today the `fallback` crate's `Speculator::speculate(body)` runs a closure whose accesses are plain
//! loads and stores, which RTM tracks by itself. The model must see every speculative access,
//! and the fallback lock's acquisition. A shape that keeps the RTM path exactly as it is:
//!
//! ```ignore
//! pub unsafe trait Speculator: Copy + Send + Sync {
//!     /// Per-thread state: `()` for `Rtm`, a `model::ModelThread<'a>` for `&'a Model`.
//!     type Thread<'a>: Send where Self: 'a;
//!     /// What the speculative body accesses memory through.
//!     type Access<'t, 'a>: SpecAccess<'a> where Self: 'a, 'a: 't;
//!     fn thread<'a>(self) -> Self::Thread<'a> where Self: 'a;
//!     /// One attempt; the body starts with `access.subscribe(lock)`.
//!     fn speculate<'a, R>(self, t: &mut Self::Thread<'a>,
//!         body: impl FnOnce(&mut Self::Access<'_, 'a>) -> Result<R, u8>) -> Result<R, AbortStatus>;
//!     /// The fallback lock's non-speculative acquisition.
//!     fn acquire<L: RawLock>(self, lock: &L) { lock.lock() }
//! }
//! pub trait SpecAccess<'a> {
//!     fn read(&mut self, w: &'a TWord) -> Result<u64, AbortStatus>;
//!     fn write(&mut self, w: &'a TWord, v: u64) -> Result<(), AbortStatus>;
//!     fn subscribe<L: RawLock>(&mut self, lock: &L) -> Result<bool, AbortStatus>;
//! }
//! ```
//!
//! - `Rtm`: `Thread = ()`, `Access` a zero-sized type whose `read`/`write` are the Relaxed
//!   loads and stores `ElisionTx` does today and always return `Ok` (the optimizer removes the
//!   error paths), `subscribe` is `Ok(lock.is_locked())`, `acquire` the default: the same
//!   machine code as now (check with the barrier benchmark or the release disassembly).
//! - `&'a Model`: `Thread = ModelThread<'a>`; `speculate` is [`ModelThread::speculate`] with
//!   `Err(code)` turned into [`ModelThread::abort`]; `Access` forwards to
//!   [`ModelThread::read`] / [`ModelThread::write`]; `subscribe` is
//!   `t.read_tracked(lock as *const L as *const u8, || lock.is_locked())` (the lock word's line
//!   enters the read set, so an acquisition dooms the attempt); `acquire` is
//!   `loop { spin until !lock.is_locked(); if model.nontx_write(addr, || lock.try_lock()) { break } }`
//!   (a spinning `lock()` must not run inside `nontx_write`: the closure runs while the line is
//!   marked).
//! - `ElisionTx` becomes generic over the access type for its speculative path; the locked
//!   path stays uninstrumented: the acquisition doomed every running subscriber and waited for
//!   every committing one, new attempts see the lock held, and the Release fence inside
//!   `nontx_write` orders the dooms before the holder's stores, so doomed attempts that read
//!   them still notice their doom (opacity). Unlock needs no hook.
//! - `ElidedMutex` (closures over plain `&mut T`) cannot be modelled: its accesses are
//!   invisible to the model. Only `ElisionBackend` (`TWord` transactions) runs over it.
//! - Results: backend `htm-<policy>` with the model's [`ModelConfig::params`] (`modelled = true`,
//!   `model = <preset>`), and `rtm_usable` replaced by the model's name.
//! - `model:probe=DIR`: read `probe.json`'s `write_capacity_lines`, `read_capacity_lines`,
//!   `duration_50_us`, `spontaneous_abort_rate` and `machine.l1d.{sets,ways}` into a
//!   [`Measured`] and call [`ModelConfig::from_measured`]; refuse (with the key) if one is null.
//!
//! Metadata atomics go through the private `primitive` shim, so `RUSTFLAGS="--cfg loom"`
//! model-checks the protocol (`tests/loom.rs`).

pub mod capacity;
pub mod config;
pub mod interrupts;
pub mod model;
pub mod orec;
pub mod presets;
mod primitive;
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
/// spawns the others (see the `primitive` module).
#[cfg(loom)]
#[doc(hidden)]
pub fn loom_register_words(words: &[tm::TWord]) {
    primitive::shadow::register(words);
}

/// Loom models only: an uninstrumented load of a data word (what a fallback-lock holder does),
/// through its shadow.
#[cfg(loom)]
#[doc(hidden)]
pub fn loom_plain_load(word: &tm::TWord, order: core::sync::atomic::Ordering) -> u64 {
    primitive::load(word, order)
}

/// Loom models only: an uninstrumented store to a data word, through its shadow.
#[cfg(loom)]
#[doc(hidden)]
pub fn loom_plain_store(word: &tm::TWord, value: u64, order: core::sync::atomic::Ordering) {
    primitive::store(word, value, order)
}
