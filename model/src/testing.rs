//! A `tm::Backend` over the raw model that retries every abort until the transaction commits:
//! only for checking the model itself with the `tm::conformance` kit, on transactions small
//! enough to fit (it has no fallback path, so a transaction that can never commit, one that
//! overflows the capacity for instance, makes it panic). The real backend, with a fallback lock
//! and `fallback`'s retry policies, is built on the same [`ModelThread`] API.

use crate::model::Model;
use crate::thread::ModelThread;
use crate::{ConfigError, ModelConfig};
use htm::{AbortStatus, HwCause};
use tm::backoff::Backoff;
use tm::primitive::after_abort;
use tm::{Abort, AbortCause, Backend, BackendInfo, Handle, TWord, ThreadStats, Tx, UserAbort};

/// The retry-only backend (see the module documentation).
#[derive(Debug)]
pub struct RetryBackend {
    model: Model,
}

impl RetryBackend {
    /// A backend over a new model with `config`.
    pub fn new(config: ModelConfig) -> Result<RetryBackend, ConfigError> {
        Ok(RetryBackend {
            model: Model::new(config)?,
        })
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }
}

/// The cause a status counts under (as `fallback::classify` does, without the lock codes).
pub fn cause_of(status: AbortStatus) -> (AbortCause, u8) {
    match status.cause() {
        HwCause::Explicit(code) => (AbortCause::Explicit, code),
        HwCause::Conflict => (AbortCause::Conflict, 0),
        HwCause::Capacity => (AbortCause::Capacity, 0),
        HwCause::Debug => (AbortCause::Debug, 0),
        HwCause::Nested => (AbortCause::Nested, 0),
        HwCause::RetryOnly => (AbortCause::RetryOnly, 0),
        HwCause::Status0 | HwCause::Unknown => (AbortCause::Status0, 0),
    }
}

impl Backend for RetryBackend {
    type Handle<'a> = RetryHandle<'a>;

    fn handle_with(&self, accounting: tm::Accounting) -> RetryHandle<'_> {
        let thread = self.model.thread();
        let seed = (thread.slot() as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        RetryHandle {
            tx: RetryTx { thread },
            stats: ThreadStats::default(),
            backoff: Backoff::new(8, seed),
            timer: tm::Timer::new(accounting),
        }
    }

    /// Name `model-retry`; parameters: the model's ([`ModelConfig::params`]).
    fn info(&self) -> BackendInfo {
        let mut info = BackendInfo::new("model-retry");
        for (k, v) in self.model.config().params() {
            info = info.param(k, v);
        }
        info
    }

    fn max_threads(&self) -> Option<usize> {
        Some(crate::MAX_THREADS)
    }
}

/// One thread's handle on a [`RetryBackend`].
pub struct RetryHandle<'a> {
    tx: RetryTx<'a>,
    stats: ThreadStats,
    backoff: Backoff,
    timer: tm::Timer,
}

/// The transaction of a [`RetryBackend`]: every access through the model.
pub struct RetryTx<'a> {
    thread: ModelThread<'a>,
}

impl<'a> Tx<'a> for RetryTx<'a> {
    #[inline]
    fn read(&mut self, word: &'a TWord) -> Result<u64, Abort> {
        self.thread.read(word).map_err(to_abort)
    }

    #[inline]
    fn write(&mut self, word: &'a TWord, value: u64) -> Result<(), Abort> {
        self.thread.write(word, value).map_err(to_abort)
    }
}

/// A model abort as the `tm` error a barrier returns (never a user abort: the backend retries).
fn to_abort(status: AbortStatus) -> Abort {
    match cause_of(status).0 {
        AbortCause::Explicit => Abort::retry(AbortCause::LockBusy),
        cause => Abort::retry(cause),
    }
}

impl<'a> Handle<'a> for RetryHandle<'a> {
    type Tx = RetryTx<'a>;

    fn atomically<R, F>(&mut self, mut body: F) -> Result<R, UserAbort>
    where
        F: FnMut(&mut RetryTx<'a>) -> Result<R, Abort>,
    {
        if self.tx.thread.in_transaction() {
            // Left running by a closure that panicked out of a previous call.
            self.tx.thread.cancel();
        }
        loop {
            let start = self.timer.start();
            self.tx
                .thread
                .begin()
                .expect("an outermost begin always starts");
            let outcome = body(&mut self.tx);
            let t = &mut self.tx.thread;
            let status = match outcome {
                Ok(r) => match t.commit() {
                    Ok(()) => {
                        self.stats.record_commit(self.timer.since(start));
                        self.backoff.reset();
                        return Ok(r);
                    }
                    Err(s) => s,
                },
                // A user abort of a running transaction; a doom that came first outranks it.
                Err(abort) => match (abort.user_code(), t.in_transaction()) {
                    (Some(code), true) => t.abort(code),
                    // The closure raised a retry of its own: abort with status 0.
                    (None, true) => t.cancel(),
                    (_, false) => t.last_abort().expect("an access reported the abort"),
                },
            };
            let cycles = self.timer.since(start);
            let (cause, code) = cause_of(status);
            self.stats.record_abort(cause, code, cycles);
            if cause == AbortCause::Explicit && code <= tm::MAX_USER_CODE {
                self.stats.user_aborts += 1;
                return Err(UserAbort { code });
            }
            assert!(
                cause != AbortCause::Capacity,
                "the retry-only model backend cannot run a transaction larger than the \
                 modelled capacity ({} L1 lines, {} read lines)",
                self.tx.thread.l1_capacity(),
                self.tx.thread.model().config().read_capacity_lines()
            );
            self.backoff.spin();
            after_abort();
        }
    }

    fn stats(&self) -> &ThreadStats {
        &self.stats
    }

    fn take_stats(&mut self) -> ThreadStats {
        core::mem::take(&mut self.stats)
    }
}
