//! Measuring one point: a workload on a backend with a number of threads.
//!
//! [`run`] follows the protocol a reviewer expects of a multi-threaded TM measurement:
//!
//! 1. **Set-up.** One worker per thread, each pinned to a core ([`Pin`]; the core it got is
//!    recorded), creates its backend handle and its workload state, then reports ready. Nothing
//!    is timed yet.
//! 2. **Common start.** The coordinating thread waits until every worker is ready and then
//!    releases them all at once (a phase word every worker polls; a worker that died during
//!    set-up stops the point instead of leaving the others waiting forever).
//! 3. **Warm-up.** For [`Plan::warmup`] every worker runs operations whose statistics are then
//!    discarded ([`tm::Handle::take_stats`]): caches, TLBs, branch predictors, the logs' capacity
//!    and the backend's adaptive state (TL2's read-only guess, glibc's `adapt_count`) reach their
//!    steady state before anything is counted.
//! 4. **Measurement.** Either for a fixed time ([`Measure::For`]: the coordinator raises the stop
//!    phase when it has passed) or for a fixed number of operations per worker ([`Measure::Ops`]).
//!    Each worker times its own measured period; the point's elapsed time runs from the earliest
//!    start to the latest end.
//! 5. **Merge and check.** Per-thread statistics are merged into one [`ThreadStats`] (per-thread
//!    ones are kept too), the workload's own counters are taken over the measured period only, and
//!    [`Workload::check`] runs on the shared data after every worker has joined.
//!
//! The phase word carries no data (the joins publish everything the workers did), so `Relaxed`
//! loads and stores suffice: a worker only has to observe a phase change eventually, and polling
//! costs one uncontended load per operation.

use crate::Workload;
use crate::conflicts::Conflict;
use core::fmt;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tm::conflicts::WordCount;
use tm::rng::SplitMix64;
use tm::sites::{Attributed, SiteStats};
use tm::{Backend, Handle, ThreadStats};

/// How long the measured period lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// All workers run until this much time has passed.
    For(Duration),
    /// Each worker runs this many operations.
    Ops(u64),
}

/// Where the workers run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pin {
    /// Wherever the operating system puts them.
    Off,
    /// Worker `i` is pinned to core `cores[i % cores.len()]` (ids as [`available_cores`] gives).
    Cores(Vec<usize>),
}

/// How to measure one point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Warm-up before the measured period; its statistics are discarded.
    pub warmup: Duration,
    /// The measured period.
    pub measure: Measure,
    /// Core placement.
    pub pin: Pin,
    /// Seed of every random choice: worker `i`'s workload state gets a seed derived from it and `i`.
    pub seed: u64,
    /// What each worker's handle records: counts only (the default, no clock reads) or cycles too.
    pub accounting: tm::Accounting,
    /// Whether every transaction is charged to its site ([`tm::sites::Attributed`]); off, the
    /// handles are not wrapped at all.
    pub attribute: bool,
}

impl Default for Plan {
    /// One thread, no warm-up, 1 000 operations, unpinned, seed 1, counts only.
    fn default() -> Self {
        Plan {
            threads: 1,
            warmup: Duration::ZERO,
            measure: Measure::Ops(1_000),
            pin: Pin::Off,
            seed: 1,
            accounting: tm::Accounting::Counts,
            attribute: false,
        }
    }
}

/// The ids of the cores this process may run on, in order (empty if they cannot be listed).
pub fn available_cores() -> Vec<usize> {
    core_affinity::get_core_ids()
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.id)
        .collect()
}

/// What one worker did in the measured period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadOutcome {
    /// The core it was pinned to (`None`: not pinned, or pinning failed).
    pub core: Option<usize>,
    /// Its statistics.
    pub stats: ThreadStats,
    /// Operations it ran ([`Workload::op`] calls).
    pub ops: u64,
    /// Its measured period.
    pub elapsed: Duration,
    /// Its statistics per site ([`Plan::attribute`]; empty otherwise), summing to `stats`.
    pub sites: Vec<SiteStats>,
    /// The words its conflict aborts happened on, per site ([`Plan::attribute`] and a backend
    /// that records them, [`tm::Handle::conflicts`]; `None` otherwise).
    pub conflicts: Option<Vec<WordCount>>,
}

/// What one point measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// From the earliest worker's start to the latest worker's end of the measured period.
    pub elapsed: Duration,
    /// Statistics merged over all workers.
    pub total: ThreadStats,
    /// Operations run by all workers.
    pub ops: u64,
    /// Each worker, in order.
    pub threads: Vec<ThreadOutcome>,
    /// The workload's own counters over the measured period, in [`Workload::COUNTERS`] order.
    pub counters: Vec<u64>,
    /// The workload's check, run after every worker joined.
    pub check: Result<(), String>,
    /// What the handles recorded ([`Plan::accounting`]): cycles are 0 under counts only.
    pub accounting: tm::Accounting,
    /// Statistics per site merged over the workers, by site name ([`Plan::attribute`]; empty
    /// otherwise): they sum exactly to `total`.
    pub sites: Vec<(String, ThreadStats)>,
    /// The conflict words of every worker, named by the workload's regions and merged
    /// ([`crate::conflicts::resolve`]): `None` unless [`Plan::attribute`] is on and the backend
    /// records words (hardware TM gives no address). Their counts sum to the conflict aborts the
    /// backend named a word for (for the STMs, every one).
    pub conflicts: Option<Vec<Conflict>>,
}

impl Outcome {
    /// Transactions that took effect (committed speculatively or completed on a fallback path)
    /// per second of the measured period.
    pub fn throughput(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.total.completed() as f64 / secs
        } else {
            0.0
        }
    }
}

/// Why a point could not be measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// The plan asks for no thread.
    NoThreads,
    /// The backend admits fewer threads than the plan asks for.
    TooManyThreads {
        /// Threads asked for.
        threads: usize,
        /// The backend's limit.
        max: usize,
        /// The backend's name.
        backend: String,
    },
    /// A worker panicked.
    Panicked {
        /// Which worker.
        thread: usize,
        /// The panic message.
        message: String,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::NoThreads => f.write_str("a point needs at least one thread"),
            RunError::TooManyThreads {
                threads,
                max,
                backend,
            } => write!(
                f,
                "backend {backend} admits at most {max} thread(s), {threads} were asked for"
            ),
            RunError::Panicked { thread, message } => {
                write!(f, "worker thread {thread} panicked: {message}")
            }
        }
    }
}

impl std::error::Error for RunError {}

const PREPARE: u8 = 0;
const WARMUP: u8 = 1;
const MEASURE: u8 = 2;
const STOP: u8 = 3;

/// What a worker hands back: its workload state (for the check) and its outcome.
struct Worker<T> {
    state: T,
    outcome: ThreadOutcome,
    counters: Vec<u64>,
    start: Instant,
    end: Instant,
}

/// Measures `workload` on `backend` as `plan` says (see the module documentation).
pub fn run<B: Backend, W: Workload>(
    backend: &B,
    workload: &W,
    plan: &Plan,
) -> Result<Outcome, RunError> {
    if plan.threads == 0 {
        return Err(RunError::NoThreads);
    }
    if let Some(max) = backend.max_threads()
        && plan.threads > max
    {
        return Err(RunError::TooManyThreads {
            threads: plan.threads,
            max,
            backend: backend.info().name,
        });
    }
    let phase = AtomicU8::new(PREPARE);
    let ready = AtomicUsize::new(0);

    let joined: Vec<std::thread::Result<Worker<W::Thread>>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..plan.threads)
            .map(|i| {
                let (phase, ready) = (&phase, &ready);
                let core = match &plan.pin {
                    Pin::Cores(cores) if !cores.is_empty() => Some(cores[i % cores.len()]),
                    _ => None,
                };
                let mut seed = SplitMix64::new(plan.seed);
                seed.absorb(i as u64 + 1);
                let seed = seed.next_u64();
                s.spawn(move || worker(backend, workload, plan, i, core, seed, phase, ready))
            })
            .collect();
        coordinate(plan, &phase, &ready, &workers);
        workers.into_iter().map(|w| w.join()).collect()
    });

    let mut states = Vec::with_capacity(plan.threads);
    let mut threads = Vec::with_capacity(plan.threads);
    let mut counters = vec![0u64; W::COUNTERS.len()];
    let mut period: Option<(Instant, Instant)> = None;
    for (i, j) in joined.into_iter().enumerate() {
        match j {
            Ok(w) => {
                period = Some(match period {
                    None => (w.start, w.end),
                    Some((s, e)) => (s.min(w.start), e.max(w.end)),
                });
                for (c, v) in counters.iter_mut().zip(&w.counters) {
                    *c += v;
                }
                states.push(w.state);
                threads.push(w.outcome);
            }
            Err(payload) => {
                return Err(RunError::Panicked {
                    thread: i,
                    message: panic_message(&payload),
                });
            }
        }
    }
    let mut total = ThreadStats::default();
    for t in &threads {
        total.merge(&t.stats);
    }
    Ok(Outcome {
        elapsed: period.map_or(Duration::ZERO, |(s, e)| e - s),
        ops: threads.iter().map(|t| t.ops).sum(),
        total,
        counters,
        check: workload.check(&states),
        sites: tm::sites::merge_sites(threads.iter().flat_map(|t| &t.sites)),
        conflicts: conflicts_of(&threads, workload),
        threads,
        accounting: plan.accounting,
    })
}

/// The threads' conflict words, resolved by the workload's regions (`None` if no thread has any).
fn conflicts_of<W: Workload>(threads: &[ThreadOutcome], workload: &W) -> Option<Vec<Conflict>> {
    if threads.iter().all(|t| t.conflicts.is_none()) {
        return None;
    }
    let regions = workload.regions();
    Some(crate::conflicts::resolve(
        threads
            .iter()
            .filter_map(|t| t.conflicts.as_ref())
            .flatten(),
        &regions,
    ))
}

/// The coordinator's part: release the workers together, time the warm-up and the measurement.
fn coordinate<T>(
    plan: &Plan,
    phase: &AtomicU8,
    ready: &AtomicUsize,
    workers: &[std::thread::ScopedJoinHandle<'_, T>],
) {
    // Relaxed: see the module documentation (the count only gates the start).
    while ready.load(Ordering::Relaxed) < plan.threads {
        if workers.iter().any(|w| w.is_finished()) {
            // A worker died during set-up: release the others straight to the end.
            phase.store(STOP, Ordering::Relaxed);
            return;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    if !plan.warmup.is_zero() {
        phase.store(WARMUP, Ordering::Relaxed);
        if !sleep_watching(plan.warmup, workers) {
            phase.store(STOP, Ordering::Relaxed);
            return;
        }
    }
    phase.store(MEASURE, Ordering::Relaxed);
    if let Measure::For(d) = plan.measure {
        sleep_watching(d, workers);
    }
    phase.store(STOP, Ordering::Relaxed);
}

/// Sleeps for `d`, in steps of at most 10 ms; returns `false` early if a worker has ended (it
/// panicked: in a timed phase no worker ends on its own), so a dead worker never leaves the point
/// running for its whole duration.
fn sleep_watching<T>(d: Duration, workers: &[std::thread::ScopedJoinHandle<'_, T>]) -> bool {
    let end = Instant::now() + d;
    loop {
        let now = Instant::now();
        if now >= end {
            return true;
        }
        if workers.iter().any(|w| w.is_finished()) {
            return false;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(10)));
    }
}

#[allow(clippy::too_many_arguments)]
fn worker<B: Backend, W: Workload>(
    backend: &B,
    workload: &W,
    plan: &Plan,
    index: usize,
    core: Option<usize>,
    seed: u64,
    phase: &AtomicU8,
    ready: &AtomicUsize,
) -> Worker<W::Thread> {
    let pinned = core.filter(|&id| core_affinity::set_for_current(core_affinity::CoreId { id }));
    let h = backend.handle_with(plan.accounting);
    if plan.attribute {
        drive(
            Attributed::new(h),
            workload,
            plan,
            index,
            seed,
            pinned,
            phase,
            ready,
            |h| {
                let conflicts = h.take_conflicts();
                (h.take_sites(), conflicts)
            },
        )
    } else {
        drive(h, workload, plan, index, seed, pinned, phase, ready, |_| {
            (Vec::new(), None)
        })
    }
}

/// The worker's loop on its handle `h` (plain or attributed); `sites` takes the per-site records
/// and the conflict words at the end, before the statistics are taken.
#[allow(clippy::too_many_arguments)]
fn drive<'a, H: Handle<'a>, W: Workload>(
    mut h: H,
    workload: &'a W,
    plan: &Plan,
    index: usize,
    seed: u64,
    pinned: Option<usize>,
    phase: &AtomicU8,
    ready: &AtomicUsize,
    sites: impl FnOnce(&mut H) -> (Vec<SiteStats>, Option<Vec<WordCount>>),
) -> Worker<W::Thread> {
    let mut state = workload.thread(index, seed);
    // Relaxed: see the module documentation.
    ready.fetch_add(1, Ordering::Relaxed);
    let mut waits = 0u32;
    while phase.load(Ordering::Relaxed) == PREPARE {
        // Yield now and then: with more workers than cores the coordinator must get to run.
        waits = waits.wrapping_add(1);
        if waits.is_multiple_of(64) {
            std::thread::yield_now();
        } else {
            core::hint::spin_loop();
        }
    }
    while phase.load(Ordering::Relaxed) == WARMUP {
        workload.op(&mut h, &mut state);
    }
    let _ = h.take_stats();
    let mut before = vec![0u64; W::COUNTERS.len()];
    workload.counters(&state, &mut before);
    let start = Instant::now();
    let mut ops = 0u64;
    match plan.measure {
        Measure::For(_) => {
            while phase.load(Ordering::Relaxed) != STOP {
                workload.op(&mut h, &mut state);
                ops += 1;
            }
        }
        Measure::Ops(n) => {
            for _ in 0..n {
                workload.op(&mut h, &mut state);
            }
            ops = n;
        }
    }
    let end = Instant::now();
    let (sites, conflicts) = sites(&mut h);
    let stats = h.take_stats();
    drop(h);
    let mut counters = vec![0u64; W::COUNTERS.len()];
    workload.counters(&state, &mut counters);
    for (c, b) in counters.iter_mut().zip(&before) {
        *c -= b;
    }
    Worker {
        state,
        outcome: ThreadOutcome {
            core: pinned,
            stats,
            ops,
            elapsed: end - start,
            sites,
            conflicts,
        },
        counters,
        start,
        end,
    }
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counter::{Counter, CounterConfig};
    use std::sync::atomic::AtomicU64;
    use tm::standin::StandIn;
    use tm::{TWord, Tx};

    /// Records, at each worker's first operation, how many workers had been set up by then.
    struct Gate {
        created: AtomicUsize,
        word: TWord,
        panic_in_setup: Option<usize>,
        ops: AtomicU64,
    }

    struct GateThread {
        seen_at_first_op: Option<usize>,
    }

    impl Workload for Gate {
        type Thread = GateThread;
        fn thread(&self, index: usize, _seed: u64) -> GateThread {
            if self.panic_in_setup == Some(index) {
                panic!("set-up of worker {index} fails");
            }
            self.created.fetch_add(1, Ordering::SeqCst);
            GateThread {
                seen_at_first_op: None,
            }
        }
        fn op<'a, H: Handle<'a>>(&'a self, h: &mut H, t: &mut GateThread) {
            t.seen_at_first_op
                .get_or_insert(self.created.load(Ordering::SeqCst));
            self.ops.fetch_add(1, Ordering::Relaxed);
            h.atomically(|tx| tx.write(&self.word, 1)).unwrap();
        }
        fn check(&self, threads: &[GateThread]) -> Result<(), String> {
            match threads
                .iter()
                .find(|t| t.seen_at_first_op != Some(threads.len()))
            {
                Some(t) => Err(format!("a worker started at {:?}", t.seen_at_first_op)),
                None => Ok(()),
            }
        }
    }

    fn gate(panic_in_setup: Option<usize>) -> Gate {
        Gate {
            created: AtomicUsize::new(0),
            word: TWord::new(0),
            panic_in_setup,
            ops: AtomicU64::new(0),
        }
    }

    #[test]
    fn no_worker_starts_before_every_worker_is_set_up() {
        for threads in [2, 4, 8] {
            let w = gate(None);
            let plan = Plan {
                threads,
                measure: Measure::Ops(10),
                ..Plan::default()
            };
            let o = run(&StandIn::correct(), &w, &plan).unwrap();
            assert_eq!(o.check, Ok(()), "{threads} threads");
        }
    }

    #[test]
    fn warm_up_is_run_and_its_statistics_discarded() {
        let w = gate(None);
        let plan = Plan {
            threads: 2,
            warmup: Duration::from_millis(30),
            measure: Measure::Ops(100),
            ..Plan::default()
        };
        let o = run(&StandIn::correct(), &w, &plan).unwrap();
        assert!(w.ops.load(Ordering::Relaxed) > 200, "no warm-up ran");
        assert_eq!(o.total.commits, 200, "warm-up commits were counted");
        assert_eq!(o.ops, 200);
    }

    #[test]
    fn per_thread_statistics_merge_into_the_total() {
        let w = Counter::new(&CounterConfig::default()).unwrap();
        let plan = Plan {
            threads: 3,
            measure: Measure::For(Duration::from_millis(30)),
            pin: Pin::Cores(available_cores()),
            ..Plan::default()
        };
        let o = run(&StandIn::correct(), &w, &plan).unwrap();
        let mut sum = ThreadStats::default();
        for t in &o.threads {
            assert!(t.ops > 0 && t.stats.commits == t.ops);
            assert!(t.elapsed <= o.elapsed);
            sum.merge(&t.stats);
        }
        assert_eq!(sum, o.total);
        assert!(o.total.is_consistent());
        assert_eq!(o.ops, o.total.commits);
        // Not `>= 30 ms`: each worker times its own period from when it sees the phase change, so
        // on a loaded machine every worker may start late and the measured span is shorter.
        assert!(o.elapsed > Duration::ZERO);
        assert!(o.throughput() > 0.0);
        assert_eq!(o.check, Ok(()));
    }

    #[test]
    fn a_worker_that_dies_in_set_up_fails_the_point_without_a_hang() {
        let w = gate(Some(1));
        let plan = Plan {
            threads: 3,
            measure: Measure::For(Duration::from_secs(3600)),
            ..Plan::default()
        };
        let e = run(&StandIn::correct(), &w, &plan).unwrap_err();
        assert!(e.to_string().contains("set-up of worker 1 fails"), "{e}");
    }

    #[test]
    fn a_worker_that_dies_while_measuring_ends_a_timed_point_early() {
        struct Dies(TWord);
        impl Workload for Dies {
            type Thread = u64;
            fn thread(&self, _: usize, _: u64) -> u64 {
                0
            }
            fn op<'a, H: Handle<'a>>(&'a self, h: &mut H, t: &mut u64) {
                *t += 1;
                assert!(*t < 1000, "the workload found a broken invariant");
                h.atomically(|tx| tx.write(&self.0, 1)).unwrap();
            }
            fn check(&self, _: &[u64]) -> Result<(), String> {
                Ok(())
            }
        }
        let plan = Plan {
            threads: 2,
            measure: Measure::For(Duration::from_secs(3600)),
            ..Plan::default()
        };
        let e = run(&StandIn::correct(), &Dies(TWord::new(0)), &plan).unwrap_err();
        assert!(e.to_string().contains("broken invariant"), "{e}");
    }

    #[test]
    fn zero_threads_are_refused() {
        let w = gate(None);
        let plan = Plan {
            threads: 0,
            ..Plan::default()
        };
        assert_eq!(
            run(&StandIn::correct(), &w, &plan),
            Err(RunError::NoThreads)
        );
    }
}
