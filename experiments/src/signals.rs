//! SIGINT and SIGTERM during a run: the first asks the run to stop after the current point, the
//! second stops it at once.
//!
//! SIGTERM is what `timeout`, Slurm, systemd and `kill` send, so it is treated exactly like
//! Ctrl-C (SIGINT). The protocol, as in cargo and hyperfine:
//!
//! 1. **First signal**: [`Stop::requested`] starts returning it. Runners poll it between points
//!    (a multi-threaded runner polls it in every worker), so the point being measured is finished
//!    and written and no row is ever partial; the run then records `status: interrupted`, prints
//!    the resume command and exits with status `128 + signal number` (130 for SIGINT, 143 for
//!    SIGTERM, as shells report a process killed by that signal). The first signal is
//!    acknowledged on stderr at once: "finishing the current point; Ctrl-C again to stop now".
//! 2. **Second signal** (either kind): the "abort now" path. It waits until no file write of the
//!    run is in progress ([`exclusive`]: every row append and `meta.json` write holds it, and the
//!    abort path takes it and never gives it back), runs the hook registered with
//!    [`Stop::on_abort`] (a run session registers one that records `status: interrupted` and
//!    prints the resume command), and exits with the first signal's status. Every finished row is
//!    already on disk (rows are flushed as they are appended); only the point being measured is
//!    lost.
//!
//! Mechanics: a `sigaction` handler, which may only do async-signal-safe things, records the
//! first signal in an atomic and writes the signal number into a self-pipe. A watcher thread
//! reads the pipe and does everything else (messages, the hook, the exit) as ordinary code.
//! `SA_RESTART` makes interrupted system calls of the other threads resume instead of failing.
//!
//! Why not the `ctrlc` crate: its handler is not told which signal arrived (so it cannot exit
//! with 143 for SIGTERM nor word its message), and its `termination` feature would also take over
//! SIGHUP. Handling two signals with `libc::sigaction` takes less code than working around that.

use anyhow::{Result, bail};
use std::cell::Cell;
use std::io::Write;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

/// A signal that stops a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (`kill`, `timeout`, Slurm, systemd).
    Terminate,
}

impl Signal {
    /// The signal number.
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
        }
    }

    /// The exit status of a run it stopped: `128 +` the signal number (130, 143).
    pub fn exit_code(self) -> i32 {
        128 + self.number()
    }

    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    fn from_number(n: i32) -> Option<Signal> {
        match n {
            libc::SIGINT => Some(Signal::Interrupt),
            libc::SIGTERM => Some(Signal::Terminate),
            _ => None,
        }
    }

    /// How the user sends it again, for the acknowledgement.
    fn again(self) -> &'static str {
        match self {
            Signal::Interrupt => "Ctrl-C again",
            Signal::Terminate => "SIGTERM (or Ctrl-C) again",
        }
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The first stopping signal's number, 0 until one arrives. Written by the signal handler, read by
/// [`Stop::requested`]. `Relaxed` suffices: the value is the whole message (no other memory is
/// published with it), and pollers only need to see it eventually.
static FIRST: AtomicI32 = AtomicI32::new(0);

/// Write end of the self-pipe, -1 before installation. Stored (`Release`) before the handler is
/// installed and loaded (`Acquire`) by the handler, so a handler that runs sees the descriptor.
static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);

/// The signal handler: async-signal-safe operations only (atomics, `write(2)`, `errno`).
extern "C" fn on_signal(signo: libc::c_int) {
    // SAFETY: `__errno_location` returns this thread's errno slot; it is async-signal-safe.
    let errno = unsafe { libc::__errno_location() };
    // SAFETY: `errno` points to this thread's errno, valid for the thread's lifetime.
    let saved = unsafe { *errno };
    // Relaxed: see `FIRST`. Only the first signal is recorded.
    let _ = FIRST.compare_exchange(0, signo, Ordering::Relaxed, Ordering::Relaxed);
    // Acquire: pairs with the Release store in `install`.
    let fd = PIPE_WRITE.load(Ordering::Acquire);
    if fd >= 0 {
        let byte = signo as u8;
        // SAFETY: `write` is async-signal-safe; `byte` is a valid 1-byte buffer on this stack; the
        // descriptor is the pipe's write end, never closed. It is non-blocking, so a full pipe
        // (impossible in practice: one byte per signal) would drop the byte rather than hang.
        let _ = unsafe { libc::write(fd, (&raw const byte).cast(), 1) };
    }
    // SAFETY: as above; restoring errno keeps the interrupted code's view of it unchanged.
    unsafe { *errno = saved };
}

/// What the second signal does before the process exits.
type Hook = Box<dyn FnOnce(Signal) + Send>;

/// The stop request of this process (one per process; see [`install`]).
pub struct Stop {
    hook: Mutex<Option<(u64, Hook)>>,
    next_id: AtomicU64,
}

/// Removes its hook from [`Stop`] when dropped (unless another replaced it).
#[must_use = "dropping the guard unregisters the hook at once"]
pub struct AbortGuard {
    stop: &'static Stop,
    id: u64,
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        let mut hook = self.stop.lock_hook();
        if hook.as_ref().is_some_and(|(id, _)| *id == self.id) {
            *hook = None;
        }
    }
}

impl Stop {
    /// The first stopping signal, once one has arrived. Cheap (one relaxed load): poll it between
    /// points, from any thread.
    pub fn requested(&self) -> Option<Signal> {
        // Relaxed: see `FIRST`.
        Signal::from_number(FIRST.load(Ordering::Relaxed))
    }

    /// Registers what the second signal does before the process exits (replacing any earlier
    /// hook), until the returned guard is dropped. The hook runs on the watcher thread while the
    /// run's file writes are held off ([`exclusive`]), with the first signal; it should record the
    /// interruption and print the resume command. The exit follows it.
    pub fn on_abort(&'static self, hook: impl FnOnce(Signal) + Send + 'static) -> AbortGuard {
        // Relaxed: the id only has to be unique; the mutex orders the hook itself.
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        *self.lock_hook() = Some((id, Box::new(hook)));
        AbortGuard { stop: self, id }
    }

    fn lock_hook(&self) -> MutexGuard<'_, Option<(u64, Hook)>> {
        self.hook.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The "abort now" path: hold off writes for good, run the hook, exit.
    fn abort(&self, first: Signal) -> ! {
        let held = exclusive();
        let hook = self.lock_hook().take();
        if let Some((_, hook)) = hook {
            // A panicking hook must not keep the process alive.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(first)));
        } else {
            eprintln!("tmlab: {first} again: stopping now");
        }
        let _ = std::io::stdout().flush();
        std::mem::forget(held);
        std::process::exit(first.exit_code())
    }
}

static STOP: OnceLock<Result<&'static Stop, String>> = OnceLock::new();

/// Installs the SIGINT and SIGTERM handlers and the watcher thread (once per process; later calls
/// return the same [`Stop`]).
pub fn install() -> Result<&'static Stop> {
    match STOP.get_or_init(|| setup().map_err(|e| format!("{e:#}"))) {
        Ok(stop) => Ok(stop),
        Err(e) => bail!("cannot install the SIGINT/SIGTERM handlers: {e}"),
    }
}

fn setup() -> Result<&'static Stop> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two descriptors for `pipe2` to fill.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        bail!("pipe2: {}", std::io::Error::last_os_error());
    }
    let [read_end, write_end] = fds;
    // SAFETY: `write_end` is the descriptor `pipe2` just opened; F_SETFL only changes its flags.
    if unsafe { libc::fcntl(write_end, libc::F_SETFL, libc::O_NONBLOCK) } != 0 {
        bail!("fcntl: {}", std::io::Error::last_os_error());
    }
    // Release: pairs with the Acquire load in `on_signal`.
    PIPE_WRITE.store(write_end, Ordering::Release);
    let stop: &'static Stop = Box::leak(Box::new(Stop {
        hook: Mutex::new(None),
        next_id: AtomicU64::new(0),
    }));
    std::thread::Builder::new()
        .name("tmlab-signals".into())
        .spawn(move || watch(stop, read_end))?;
    for signo in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `sigaction` is plain old data; all-zero is a valid (empty) value.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        // SAFETY: `action.sa_mask` is a valid signal set to initialize.
        unsafe { libc::sigemptyset(&mut action.sa_mask) };
        // SAFETY: `action` is initialized and its handler only performs async-signal-safe
        // operations; the old action is not needed (null).
        if unsafe { libc::sigaction(signo, &action, std::ptr::null_mut()) } != 0 {
            bail!("sigaction: {}", std::io::Error::last_os_error());
        }
    }
    Ok(stop)
}

/// The watcher thread: acknowledges the first signal, aborts on the second.
fn watch(stop: &'static Stop, read_end: libc::c_int) {
    let mut seen = 0u32;
    loop {
        let mut byte = 0u8;
        // SAFETY: `byte` is a valid 1-byte buffer; `read_end` is the pipe's read end, owned by
        // this thread and never closed.
        let n = unsafe { libc::read(read_end, (&raw mut byte).cast(), 1) };
        if n != 1 {
            if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return;
        }
        seen += 1;
        let first = stop.requested().unwrap_or(Signal::Interrupt);
        if seen == 1 {
            let this = Signal::from_number(i32::from(byte)).unwrap_or(first);
            eprintln!(
                "tmlab: {this}: finishing the current point; {} to stop now",
                this.again()
            );
        } else {
            stop.abort(first);
        }
    }
}

static WRITES: Mutex<()> = Mutex::new(());

thread_local! {
    /// Whether this thread holds [`WRITES`] (so nested [`exclusive`] calls do not deadlock).
    static HOLDS_WRITES: Cell<bool> = const { Cell::new(false) };
}

/// Holds off the abort-now path while alive: take it around a file write that must not be cut
/// short (a row append, a `meta.json` rewrite). Re-entrant on one thread. Cheap when uncontended;
/// never taken on a hot path.
pub struct Exclusive {
    guard: Option<MutexGuard<'static, ()>>,
}

impl Drop for Exclusive {
    fn drop(&mut self) {
        if self.guard.take().is_some() {
            HOLDS_WRITES.with(|h| h.set(false));
        }
    }
}

/// See [`Exclusive`].
pub fn exclusive() -> Exclusive {
    if HOLDS_WRITES.with(Cell::get) {
        return Exclusive { guard: None };
    }
    let guard = WRITES.lock().unwrap_or_else(PoisonError::into_inner);
    HOLDS_WRITES.with(|h| h.set(true));
    Exclusive { guard: Some(guard) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
        assert_eq!(Signal::from_number(libc::SIGTERM), Some(Signal::Terminate));
        assert_eq!(Signal::from_number(libc::SIGHUP), None);
    }

    #[test]
    fn exclusive_is_reentrant_on_one_thread_and_excludes_others() {
        let outer = exclusive();
        let inner = exclusive();
        assert!(inner.guard.is_none() && outer.guard.is_some());
        drop(inner);
        let other = std::thread::spawn(|| WRITES.try_lock().is_ok())
            .join()
            .unwrap();
        assert!(
            !other,
            "another thread got the write lock while this one held it"
        );
        drop(outer);
        let other = std::thread::spawn(|| WRITES.try_lock().is_ok())
            .join()
            .unwrap();
        assert!(other);
    }

    /// The only test in this binary that raises a signal: once, so the process is not stopped.
    #[test]
    fn a_first_signal_is_recorded_and_does_not_stop_the_process() {
        let stop = install().unwrap();
        assert!(std::ptr::eq(stop, install().unwrap()), "installed once");
        assert_eq!(stop.requested(), None);
        let guard = stop.on_abort(|_| {});
        // SAFETY: `raise` has no memory-safety preconditions; our handler is installed.
        assert_eq!(unsafe { libc::raise(libc::SIGTERM) }, 0);
        assert_eq!(stop.requested(), Some(Signal::Terminate));
        drop(guard);
        assert!(stop.lock_hook().is_none(), "the guard removed its hook");
    }
}
