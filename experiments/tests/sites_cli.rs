//! Per-site attribution through the CLI: `tmlab sweep threads --attribute` writes `sites.csv`,
//! whose counts match `points.csv` exactly on a deterministic single-thread bank run, and
//! `tmlab report-aborts DIR` reads it back. `tmlab bench --attribute` prints the report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{n, table};

const BIN: &str = env!("CARGO_BIN_EXE_tmlab");

/// Runs a one-thread bank sweep on tl2 with attribution; returns the run folder.
fn sweep(root: &Path, extra: &[&str]) -> PathBuf {
    let o = Command::new(BIN)
        .args([
            "sweep",
            "threads",
            "--workload",
            "bank",
            "--accounts",
            "64",
            "--backends",
            "tl2",
            "--threads",
            "1",
            "--ops",
            "600",
            "--warmup",
            "0",
            "--reps",
            "2",
            "--seed",
            "7",
            "--attribute",
            "--no-plot",
            "--results-dir",
        ])
        .arg(root.join("results"))
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    PathBuf::from(stdout.lines().last().unwrap().trim())
}

#[test]
fn sweep_attribute_writes_sites_that_match_the_points_and_report_reads_them() {
    let root = std::env::temp_dir().join(format!("tmlab-sites-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let run = sweep(&root, &["--cycles"]);
    let points = table(&run.join("points.csv"));
    let sites = table(&run.join("sites.csv"));
    assert_eq!(points.len(), 2, "two repetitions");
    for p in &points {
        let of_point: Vec<_> = sites.iter().filter(|s| s["rep"] == p["rep"]).collect();
        let count = |site: &str, outcome: &str| -> u64 {
            of_point
                .iter()
                .filter(|s| s["site"] == site && s["outcome"] == outcome)
                .map(|s| n(s, "count"))
                .sum()
        };
        // One thread on tl2: nothing conflicts, so every audit commits once, every transfer
        // commits or is cancelled (an explicit abort that is a user abort), and nothing else.
        assert_eq!(count("bank::audit", "commit"), n(p, "audits"), "{p:?}");
        assert_eq!(count("bank::transfer", "commit"), n(p, "transfers"));
        assert_eq!(
            count("bank::transfer", "user_abort"),
            n(p, "cancelled_transfers")
        );
        assert_eq!(
            count("bank::transfer", "explicit"),
            n(p, "cancelled_transfers")
        );
        assert_eq!(
            n(p, "audits") + n(p, "transfers") + n(p, "cancelled_transfers"),
            600
        );
        // Every outcome summed over the sites equals the point's column.
        for (outcome, column) in [
            ("commit", "commits"),
            ("fallback", "fallbacks"),
            ("user_abort", "user_aborts"),
            ("explicit", "explicit"),
            ("conflict", "conflict"),
        ] {
            let sum: u64 = of_point
                .iter()
                .filter(|s| s["outcome"] == outcome)
                .map(|s| n(s, "count"))
                .sum();
            assert_eq!(sum, n(p, column), "{outcome} over the sites");
        }
        let names: Vec<&str> = of_point.iter().map(|s| s["site"].as_str()).collect();
        assert!(
            names
                .iter()
                .all(|s| *s == "bank::audit" || *s == "bank::transfer")
        );
        // --cycles: commit rows carry cycles.
        assert!(
            of_point
                .iter()
                .filter(|s| s["outcome"] == "commit")
                .all(|s| n(s, "cycles") > 0)
        );
    }
    // The same seed gives the same counts.
    let again = table(&sweep(&root, &["--cycles"]).join("sites.csv"));
    let counts = |t: &[HashMap<String, String>]| -> Vec<(String, String, String, String)> {
        t.iter()
            .map(|s| {
                (
                    s["rep"].clone(),
                    s["site"].clone(),
                    s["outcome"].clone(),
                    s["count"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(counts(&sites), counts(&again));

    let o = Command::new(BIN)
        .arg("report-aborts")
        .arg(&run)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(
        report.contains("bank on tl2, 1 thread(s), 2 rep(s)"),
        "{report}"
    );
    assert!(report.contains("bank::transfer") && report.contains("bank::audit"));
    assert!(report.contains("cycles lost in aborts"), "{report}");

    // Without --cycles the cycle column is empty and the report says so.
    let counts_only = sweep(&root, &[]);
    let sites = table(&counts_only.join("sites.csv"));
    assert!(sites.iter().all(|s| s["cycles"].is_empty()));
    let o = Command::new(BIN)
        .arg("report-aborts")
        .arg(&counts_only)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("cycles not counted"));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_sweep_without_attribute_writes_no_sites_and_bench_prints_the_report() {
    let root = std::env::temp_dir().join(format!("tmlab-sites-cli-off-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let o = Command::new(BIN)
        .args([
            "sweep",
            "threads",
            "--workload",
            "counter",
            "--backends",
            "norec",
            "--threads",
            "1",
            "--ops",
            "100",
            "--reps",
            "1",
            "--no-plot",
            "--results-dir",
        ])
        .arg(root.join("results"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let run = PathBuf::from(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .last()
            .unwrap()
            .trim(),
    );
    assert!(run.join("points.csv").exists());
    assert!(!run.join("sites.csv").exists());
    std::fs::remove_dir_all(&root).unwrap();

    let o = Command::new(BIN)
        .args([
            "bench",
            "--workload",
            "counter",
            "--backend",
            "norec",
            "--ops",
            "100",
            "--attribute",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("counter::increment"), "{out}");
    assert!(out.contains("attributed to sites"), "{out}");
}
