//! The bank workload on one backend, for a fixed time; prints one JSON line.
//!
//! ```text
//! cargo run --release -p tmlab-stm --example bank -- --backend tl2|lsa|norec|lock \
//!     --threads N --secs S --accounts A
//! ```
//!
//! Threads run random transfers between accounts and, one transaction in `--audit-every`, a
//! read-only audit of the total (`tm::conformance::bank`). The JSON line carries the backend and
//! its parameters, the run's shape, the committed transactions and aborts (by cause), the
//! throughput and `invariant_ok`: no audit and no attempt ever saw a wrong total and the final
//! total is exact. The exit status is 1 if the invariant was violated.

use clap::{Parser, ValueEnum};
use serde_json::{Map, Value, json};
use std::process::ExitCode;
use std::time::Duration;
use stm::{GlobalLock, Lsa, LsaConfig, Norec, Tl2, Tl2Config};
use tm::conformance::{BankConfig, BankReport, Stop, bank};
use tm::{AbortCause, Backend};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Which {
    /// TL2 (global clock, striped versioned locks).
    Tl2,
    /// LSA (TinySTM's default: encounter-time locking, write-back, snapshot extension).
    Lsa,
    /// NOrec (global sequence lock, value-based validation).
    Norec,
    /// A single global lock.
    Lock,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Tl2 => "tl2",
            Which::Lsa => "lsa",
            Which::Norec => "norec",
            Which::Lock => "lock",
        }
    }
}

/// Runs the bank workload and prints one JSON line.
#[derive(Debug, Parser)]
#[command(about)]
struct Args {
    /// The backend.
    #[arg(long, value_enum)]
    backend: Which,
    /// Worker threads.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: u64,
    /// Duration of the run in seconds.
    #[arg(long, default_value_t = 2.0, value_parser = parse_secs)]
    secs: f64,
    /// Number of accounts (8 for heavy contention).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(2..=(1 << 24)))]
    accounts: u64,
    /// One transaction in this many is a read-only audit of every account (0: none).
    #[arg(long, default_value_t = 16)]
    audit_every: u64,
    /// Seed of the per-thread generators.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// TL2 and LSA: log2 of the lock table size.
    #[arg(long, default_value_t = Tl2Config::default().lock_table_bits)]
    lock_table_bits: u32,
    /// TL2 and LSA: bytes covered by one lock (a power of two, at least 8).
    #[arg(long, default_value_t = Tl2Config::default().stripe_bytes)]
    stripe_bytes: usize,
}

fn parse_secs(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if v.is_finite() && v > 0.0 && v <= 86_400.0 {
        Ok(v)
    } else {
        Err("must be a number of seconds in (0, 86400]".into())
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = BankConfig {
        accounts: args.accounts as usize,
        threads: args.threads as usize,
        initial_balance: 1000,
        audit_every: args.audit_every,
        stop: Stop::After(Duration::from_secs_f64(args.secs)),
        seed: args.seed,
    };
    let (info, report) = match args.backend {
        Which::Tl2 => {
            let tl2 = match Tl2::with_config(Tl2Config {
                lock_table_bits: args.lock_table_bits,
                stripe_bytes: args.stripe_bytes,
                ..Tl2Config::default()
            }) {
                Ok(tl2) => tl2,
                Err(e) => {
                    eprintln!("error: invalid TL2 configuration: {e}");
                    return ExitCode::from(2);
                }
            };
            run(&tl2, config)
        }
        Which::Lsa => {
            let lsa = match Lsa::with_config(LsaConfig {
                lock_table_bits: args.lock_table_bits,
                stripe_bytes: args.stripe_bytes,
                ..LsaConfig::default()
            }) {
                Ok(lsa) => lsa,
                Err(e) => {
                    eprintln!("error: invalid LSA configuration: {e}");
                    return ExitCode::from(2);
                }
            };
            run(&lsa, config)
        }
        Which::Norec => run(&Norec::new(), config),
        Which::Lock => run(&GlobalLock::new(), config),
    };
    let stats = &report.stats;
    let elapsed = report.elapsed.as_secs_f64();
    let mut causes = Map::new();
    for c in AbortCause::ALL {
        if stats.aborts_of(c) != 0 {
            causes.insert(c.name().into(), stats.aborts_of(c).into());
        }
    }
    let params: Map<String, Value> = info
        .params
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.clone())))
        .collect();
    let line = json!({
        "backend": args.backend.name(),
        "backend_name": info.name,
        "params": params,
        "threads": args.threads,
        "accounts": args.accounts,
        "audit_every": args.audit_every,
        "secs": args.secs,
        "elapsed_secs": elapsed,
        "commits": stats.commits,
        "aborts": stats.total_aborts(),
        "aborts_by_cause": causes,
        "user_aborts": stats.user_aborts,
        "transfers": report.transfers,
        "cancelled": report.cancelled,
        "audits": report.audits,
        "commits_per_sec": stats.commits as f64 / elapsed,
        "inconsistent_reads": report.inconsistent_reads,
        "invariant_ok": report.invariant_ok(),
    });
    println!("{line}");
    if report.invariant_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run<B: Backend>(backend: &B, config: BankConfig) -> (tm::BackendInfo, BankReport) {
    (backend.info(), bank(backend, config))
}
