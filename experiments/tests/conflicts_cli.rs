//! Conflict words through the CLI: `tmlab sweep threads --attribute` writes `conflicts.csv`,
//! whose counts equal each point's software conflict aborts in `points.csv`; `tmlab report-aborts`
//! names the word (`counters[0]`); `tmlab plot DIR` redraws the `sites` chart from the files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{n, table};

const BIN: &str = env!("CARGO_BIN_EXE_tmlab");

fn run_ok(args: &[&str], extra: &[&Path]) -> String {
    let o = Command::new(BIN).args(args).args(extra).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn conflict_words_sum_to_the_conflict_aborts_and_are_reported_and_charted() {
    let root = std::env::temp_dir().join(format!("tmlab-conflicts-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let results = root.join("results");
    let out = run_ok(
        &[
            "sweep",
            "threads",
            "--workload",
            "counter",
            "--counters",
            "1",
            "--backends",
            "tl2,norec",
            "--threads",
            "2",
            "--secs",
            "0.2",
            "--warmup",
            "0",
            "--reps",
            "2",
            "--attribute",
            "--cycles",
            "--no-plot",
            "--results-dir",
        ],
        &[&results],
    );
    let run = PathBuf::from(out.lines().last().unwrap().trim());
    let points = table(&run.join("points.csv"));
    let words = table(&run.join("conflicts.csv"));
    assert_eq!(points.len(), 4);
    for p in &points {
        let of_point = |w: &&HashMap<String, String>| {
            w["backend"] == p["backend"] && w["rep"] == p["rep"] && w["threads"] == p["threads"]
        };
        let named: u64 = words.iter().filter(of_point).map(|w| n(w, "count")).sum();
        let aborts = n(p, "read_validation") + n(p, "locked_at_read") + n(p, "locked_at_commit");
        assert_eq!(
            named, aborts,
            "every software conflict abort names a word: {p:?}"
        );
    }
    for w in &words {
        assert_eq!(
            (w["region"].as_str(), w["index"].as_str()),
            ("counters", "0")
        );
        assert_eq!(w["site"], "counter::increment");
    }

    let report = run_ok(&["report-aborts"], &[&run]);
    assert!(report.contains("conflict words"), "{report}");
    if !words.is_empty() {
        assert!(
            report.contains("conflicts on counters[0]: 100.0 %"),
            "{report}"
        );
    }
    assert!(!report.contains("do not record"), "{report}");

    let plots = root.join("plots");
    let drawn = run_ok(&["plot"], &[&run, Path::new("--plots-dir"), &plots]);
    assert!(
        drawn.contains("sites.png") && drawn.contains("sites.svg"),
        "{drawn}"
    );
    let name = run.file_name().unwrap();
    let svg = std::fs::read_to_string(plots.join(name).join("sites.svg")).unwrap();
    assert!(svg.contains("time lost in aborts by site and cause"));
    assert!(svg.contains("TSC cycles lost in aborts"));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn bench_attribute_ends_with_the_conflict_words() {
    let out = run_ok(
        &[
            "bench",
            "--workload",
            "counter",
            "--backend",
            "tl2",
            "--threads",
            "2",
            "--secs",
            "0.2",
            "--attribute",
        ],
        &[],
    );
    assert!(out.contains("conflict words"), "{out}");
}
