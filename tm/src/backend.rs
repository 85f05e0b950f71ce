//! The backend, per-thread handle and transaction traits.

use crate::conflicts::ConflictLog;
use crate::{Abort, Accounting, TWord, ThreadStats, UserAbort};

/// The barriers a transactional closure uses for every shared access.
///
/// `'a` is the lifetime of the data the transaction may touch: a backend may keep references to
/// the words it was given until the transaction ends (a redo log, an undo log), so the words must
/// outlive the [`Handle`], not just the closure.
pub trait Tx<'a> {
    /// Reads `word` within the transaction.
    ///
    /// Returns `Err` when the attempt is doomed; the closure should return it (with `?`), and the
    /// backend rolls the attempt back and retries it. Backends are opaque: a closure never observes
    /// values that no serial execution could produce, even in an attempt that later aborts.
    fn read(&mut self, word: &'a TWord) -> Result<u64, Abort>;

    /// Writes `value` to `word` within the transaction. `Err` means the same as for [`Tx::read`].
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), Abort>;
}

/// One thread's access to a [`Backend`]: it runs transactions and keeps that thread's statistics.
///
/// A handle is used by the thread that created it. It owns whatever the backend reuses between
/// transactions (logs, a random-number generator), so the steady state allocates nothing.
pub trait Handle<'a> {
    /// The transaction type handed to closures.
    type Tx: Tx<'a>;

    /// Runs `body` atomically, retrying it until an attempt commits.
    ///
    /// `body` may run several times (once per attempt) and must not have effects outside
    /// transactional memory that a retry would repeat wrongly. If it returns `Err(Abort::user(c))`
    /// the transaction is rolled back, not retried, and `Err(UserAbort { code: c })` is returned.
    #[track_caller]
    fn atomically<R, F>(&mut self, body: F) -> Result<R, UserAbort>
    where
        F: FnMut(&mut Self::Tx) -> Result<R, Abort>;

    /// Names the site of the next [`Handle::atomically`] call (`bank::transfer`), for per-site
    /// attribution ([`crate::sites::Attributed`]). Plain handles ignore it (an empty inlined call).
    #[inline]
    fn site(&mut self, label: &'static str) {
        let _ = label;
    }

    /// This thread's statistics since the handle was created or last reset.
    fn stats(&self) -> &ThreadStats;

    /// The words this handle's conflict aborts happened on ([`crate::conflicts`]), if its backend
    /// records them (the word-based STMs); `None` for hardware TM, which reports no address.
    fn conflicts(&self) -> Option<&ConflictLog> {
        None
    }

    /// The conflict log, to enable it, tag it or clear it ([`Handle::conflicts`]).
    fn conflicts_mut(&mut self) -> Option<&mut ConflictLog> {
        None
    }

    /// Returns this thread's statistics and starts counting afresh (for example after warm-up);
    /// clears the conflict log too, if there is one.
    fn take_stats(&mut self) -> ThreadStats;
}

/// A transactional-memory implementation, shared by all threads (hence `Sync`).
pub trait Backend: Sync {
    /// The per-thread handle.
    type Handle<'a>: Handle<'a>
    where
        Self: 'a;

    /// A handle for the calling thread that counts only ([`Accounting::Counts`]: no clock reads,
    /// the cycle fields of its statistics stay 0).
    ///
    /// # Panics
    /// As [`Backend::handle_with`].
    fn handle(&self) -> Self::Handle<'_> {
        self.handle_with(Accounting::Counts)
    }

    /// A handle for the calling thread that records what `accounting` asks for
    /// ([`Accounting::Cycles`]: TSC cycles of every attempt too).
    ///
    /// # Panics
    /// If the backend admits a bounded number of threads ([`Backend::max_threads`]) and that many
    /// handles are alive.
    fn handle_with(&self, accounting: Accounting) -> Self::Handle<'_>;

    /// The backend's name and every parameter that shapes its behaviour, recorded with results.
    fn info(&self) -> BackendInfo;

    /// The most threads that may use the backend at once, if bounded.
    fn max_threads(&self) -> Option<usize> {
        None
    }
}

/// A backend's name and parameters, as recorded with every result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendInfo {
    /// Short name, for example `tl2` or `htm-fixed`.
    pub name: String,
    /// Every parameter as a `(key, value)` pair, for example `("lock_table_size", "1048576")`.
    pub params: Vec<(String, String)>,
}

impl BackendInfo {
    /// An info record with no parameters yet.
    pub fn new(name: impl Into<String>) -> Self {
        BackendInfo {
            name: name.into(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter.
    pub fn param(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.params.push((key.into(), value.to_string()));
        self
    }
}
