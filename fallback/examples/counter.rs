//! Elided counters: each critical section increments `--lines` counters, each on its own cache line.
//!
//! ```text
//! cargo run --release -p tmlab-fallback --example counter -- \
//!     --policy fixed:3|glibc|cause-aware --threads N --secs S --lines L [--lock ttas|ticket] [--real-lock]
//! ```
//!
//! `--threads` threads run critical sections on one `ElidedMutex` for `--secs` seconds; then the
//! example prints one JSON line: the policy (full label), lock, threads, lines, sections completed,
//! hardware attempts and commits, fallbacks, lemming waits, aborts by cause, cycles in aborted
//! attempts, whether RTM was usable (and why not), and `total_ok`: every counter equals the number
//! of sections exactly and the statistics are consistent. `--real-lock` takes the same lock for
//! real in every section (never eliding), the baseline to compare against.

use clap::{Parser, ValueEnum};
use fallback::{ElidedMutex, PolicySpec, RawLock, RetryPolicy, TicketLock, TtasLock};
use serde_json::{Map, Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tm::{AbortCause, ThreadStats};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LockKind {
    /// Test-and-test-and-set spinlock.
    Ttas,
    /// FIFO ticket lock.
    Ticket,
}

/// Elided counters: one JSON line of results.
#[derive(Debug, Parser)]
#[command(about)]
struct Args {
    /// Retry policy: `fixed:N`, `glibc` or `cause-aware`, optionally with `:key=value,...`.
    #[arg(long)]
    policy: PolicySpec,
    /// Number of threads.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: u32,
    /// Seconds to run.
    #[arg(long, default_value_t = 2.0, value_parser = parse_secs)]
    secs: f64,
    /// Counters incremented by each section, each on its own 64-byte line.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    lines: u32,
    /// The fallback lock.
    #[arg(long, value_enum, default_value_t = LockKind::Ttas)]
    lock: LockKind,
    /// Take the lock for real in every section (never elide): the baseline.
    #[arg(long)]
    real_lock: bool,
}

fn parse_secs(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(s),
        Ok(_) => Err(format!("`{text}` is not a duration in (0, 86400] seconds")),
        Err(e) => Err(format!("`{text}` is not a number of seconds: {e}")),
    }
}

/// One counter on its own cache line.
#[derive(Clone, Copy, Debug, Default)]
#[repr(align(64))]
struct Line(u64);

fn main() {
    let args = Args::parse();
    let out = match (args.policy, args.lock) {
        (PolicySpec::Fixed(p), LockKind::Ttas) => run::<TtasLock, _>(&args, p),
        (PolicySpec::Fixed(p), LockKind::Ticket) => run::<TicketLock, _>(&args, p),
        (PolicySpec::Glibc(p), LockKind::Ttas) => run::<TtasLock, _>(&args, p),
        (PolicySpec::Glibc(p), LockKind::Ticket) => run::<TicketLock, _>(&args, p),
        (PolicySpec::CauseAware(p), LockKind::Ttas) => run::<TtasLock, _>(&args, p),
        (PolicySpec::CauseAware(p), LockKind::Ticket) => run::<TicketLock, _>(&args, p),
    };
    println!("{out}");
}

fn run<L: RawLock, P: RetryPolicy>(args: &Args, policy: P) -> Value {
    let label = policy.label();
    let m: ElidedMutex<Vec<Line>, L, P> =
        ElidedMutex::new(vec![Line(0); args.lines as usize], policy);
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let per_thread: Vec<(u64, ThreadStats)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..args.threads)
            .map(|_| {
                let (m, stop) = (&m, &stop);
                s.spawn(move || {
                    let mut h = m.handle();
                    let mut sections = 0u64;
                    // Relaxed: the flag carries no data; the join publishes the results.
                    while !stop.load(Ordering::Relaxed) {
                        if args.real_lock {
                            h.with_lock(|lines| lines.iter_mut().for_each(|l| l.0 += 1));
                        } else {
                            h.with(|lines| lines.iter_mut().for_each(|l| l.0 += 1));
                        }
                        sections += 1;
                    }
                    (sections, h.take_stats())
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs_f64(args.secs));
        // Relaxed: see the load above.
        stop.store(true, Ordering::Relaxed);
        workers
            .into_iter()
            .map(|w| w.join().expect("worker panicked"))
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();

    let mut stats = ThreadStats::default();
    let mut sections = 0u64;
    for (n, s) in &per_thread {
        sections += n;
        stats.merge(s);
    }
    let reason = m.unusable().map(ToString::to_string);
    let counters = m.into_inner();
    let total_ok = counters.iter().all(|l| l.0 == sections)
        && stats.is_consistent()
        && stats.completed() == sections;

    let mut aborts = Map::new();
    for cause in AbortCause::ALL.into_iter().filter(|c| c.is_hardware()) {
        aborts.insert(cause.name().into(), stats.aborts_of(cause).into());
    }
    json!({
        "policy": label,
        "lock": L::NAME,
        "mode": if args.real_lock { "real-lock" } else { "elided" },
        "threads": args.threads,
        "lines": args.lines,
        "secs": args.secs,
        "elapsed_secs": elapsed,
        "sections": sections,
        "sections_per_sec": sections as f64 / elapsed,
        "htm_attempts": stats.attempts,
        "htm_commits": stats.commits,
        "htm_share": if sections == 0 { 0.0 } else { stats.commits as f64 / sections as f64 },
        "fallbacks": stats.fallbacks,
        "lock_waits": stats.lock_waits,
        "aborts_by_cause": aborts,
        "aborted_cycles": stats.aborted_cycles,
        "fallback_cycles": stats.fallback_cycles,
        "total_ok": total_ok,
        "rtm_usable": reason.is_none(),
        "rtm_reason": reason.unwrap_or_else(|| "usable".into()),
    })
}
