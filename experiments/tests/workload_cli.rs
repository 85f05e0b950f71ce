//! End-to-end tests of `tmlab bench` and `tmlab sweep threads|txsize` through the real binary.
//!
//! These measure real software backends (short runs), so they run everywhere. `htm:*` backends are
//! measured where RTM is usable and skipped with the reason elsewhere; the tests check whichever
//! applies here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tmlab");

fn temp(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tmlab-workload-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `tmlab ARGS`, with the results and plots folders under `root` for the sweeps and `plot`.
fn tmlab(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args);
    if matches!(args.first(), Some(&"sweep")) {
        c.arg("--results-dir").arg(root.join("results"));
    }
    if matches!(args.first(), Some(&"sweep" | &"plot")) {
        c.arg("--plots-dir").arg(root.join("plots"));
    }
    c
}

fn run(root: &Path, args: &[&str]) -> Output {
    tmlab(root, args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn last_line(o: &Output) -> PathBuf {
    PathBuf::from(text(&o.stdout).lines().last().expect("stdout is empty"))
}

fn rtm_reason() -> Option<String> {
    htm::Rtm::detect().err().map(|e| e.to_string())
}

#[test]
fn bench_prints_a_summary_and_json_rows() {
    let root = temp("bench");
    let o = run(
        &root,
        &[
            "bench",
            "--workload",
            "bank",
            "--backend",
            "tl2",
            "--threads",
            "2",
            "--ops",
            "2000",
            "--warmup",
            "0",
            "--accounts",
            "64",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for needle in [
        "workload    bank (accounts 64",
        "backend     tl2",
        "check       ok",
    ] {
        assert!(out.contains(needle), "{needle:?} missing from:\n{out}");
    }
    let o = run(
        &root,
        &[
            "bench",
            "--workload",
            "counter",
            "--backend",
            "norec",
            "--threads",
            "2",
            "--ops",
            "1000",
            "--reps",
            "2",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let lines: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2);
    for (rep, v) in lines.iter().enumerate() {
        assert_eq!(v["workload"], "counter");
        assert_eq!(v["backend"], "norec");
        assert_eq!(v["rep"], rep as u64);
        assert_eq!(v["threads"], 2);
        assert_eq!(v["check_ok"], true);
        assert!(v["throughput"].as_f64().unwrap() > 0.0);
        let commits = v["commits"].as_u64().unwrap();
        assert_eq!(commits + v["fallbacks"].as_u64().unwrap(), 2000);
    }
    assert!(
        std::fs::read_dir(&root).unwrap().next().is_none(),
        "bench writes nothing"
    );
}

#[test]
fn bench_of_htm_measures_or_says_why_not() {
    let root = temp("bench-htm");
    let o = run(
        &root,
        &[
            "bench",
            "--workload",
            "counter",
            "--backend",
            "htm:glibc",
            "--ops",
            "1000",
        ],
    );
    match rtm_reason() {
        Some(reason) => {
            assert_eq!(o.status.code(), Some(1));
            let err = text(&o.stderr);
            assert!(err.contains("htm:glibc cannot run here"), "{err}");
            assert!(err.contains(&reason), "{err}");
        }
        None => assert!(o.status.success(), "{}", text(&o.stderr)),
    }
}

/// A threads sweep runs every planned point, records what it skipped and why, prints its table,
/// draws its charts and ends with the run folder; `tmlab plot` redraws from the folder alone.
#[test]
fn a_threads_sweep_runs_to_completion() {
    let root = temp("threads");
    let o = run(
        &root,
        &[
            "sweep",
            "threads",
            "--workload",
            "bank",
            "--backends",
            "tl2,seq,htm:glibc",
            "--threads",
            "1,2",
            "--reps",
            "2",
            "--ops",
            "500",
            "--warmup",
            "0",
        ],
    );
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(o.status.success(), "{err}");
    let dir = last_line(&o);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["status"], "complete");
    let skipped = meta["skipped"].as_array().unwrap();
    let points = std::fs::read_to_string(dir.join("points.csv")).unwrap();
    let rows: Vec<&str> = points.lines().skip(1).collect();
    // seq never runs at 2 threads; htm only with RTM.
    assert!(skipped.iter().any(|s| s["backend"] == "seq"));
    assert!(err.contains("skipped: seq at 2 thread(s)"), "{err}");
    match rtm_reason() {
        Some(reason) => {
            assert_eq!(rows.len(), 2 * 3, "tl2 at 1 and 2, seq at 1; twice");
            let h = skipped
                .iter()
                .find(|s| s["backend"] == "htm:glibc")
                .unwrap();
            assert!(h["reason"].as_str().unwrap().contains(&reason));
            assert!(out.contains("not run: htm:glibc"), "{out}");
            assert_eq!(meta["hardware"], "software");
        }
        None => {
            assert_eq!(rows.len(), 2 * 5);
            assert_eq!(meta["hardware"], "rtm");
        }
    }
    assert!(
        rows.iter().all(|r| r.contains(",true,,")),
        "every check passed:\n{points}"
    );
    for chart in [
        "throughput.png",
        "throughput.svg",
        "aborts.png",
        "aborts.svg",
    ] {
        let p = root
            .join("plots")
            .join(dir.file_name().unwrap())
            .join(chart);
        assert!(p.is_file(), "{} missing", p.display());
    }
    let o = run(&root, &["plot", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // A row the run cannot have produced is refused, naming file, line and reason.
    let mut damaged = points.clone();
    damaged.push_str(&rows[0].replacen("bank,tl2,", "bank,norec,", 1));
    damaged.push('\n');
    std::fs::write(dir.join("points.csv"), damaged).unwrap();
    let o = run(&root, &["plot", dir.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("points.csv: line") && err.contains("backend norec is not among"),
        "{err}"
    );
}

/// A txsize sweep interrupted by SIGINT keeps its finished rows and resumes to the same plan.
#[test]
fn an_interrupted_txsize_sweep_resumes() {
    let root = temp("txsize");
    let args = [
        "sweep",
        "txsize",
        "--workload",
        "array",
        "--words",
        "1024",
        "--backends",
        "tl2,norec",
        "--sizes",
        "1..16:x4",
        "--threads",
        "1",
        "--reps",
        "2",
        "--secs",
        "0.1",
        "--warmup",
        "0",
        "--no-plot",
    ];
    let child = tmlab(&root, &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first rows, then interrupt.
    let start = Instant::now();
    let points = loop {
        let folders: Vec<PathBuf> = std::fs::read_dir(root.join("results"))
            .map(|rd| rd.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        if let Some(dir) = folders.first() {
            let p = dir.join("points.csv");
            if std::fs::read_to_string(&p).is_ok_and(|t| t.lines().count() >= 3) {
                break p;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no rows appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // SAFETY: `kill` with a valid pid and signal has no memory effects in this process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("resume with:"), "{err}");
    let dir = last_line(&o);
    let before = std::fs::read_to_string(&points).unwrap();
    let kept = before.lines().count() - 1;
    assert!(kept < 12, "the sweep was not interrupted ({kept} rows)");
    let o = run(
        &root,
        &["sweep", "txsize", "--resume", dir.to_str().unwrap()]
            .iter()
            .chain(&args[2..])
            .copied()
            .collect::<Vec<_>>(),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let after = std::fs::read_to_string(&points).unwrap();
    assert!(after.starts_with(&before), "finished rows were changed");
    let rows: Vec<Vec<&str>> = after
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 2 * 3 * 2, "2 backends x 3 sizes x 2 reps");
    // Repetitions in the outer loop, then sizes, then backends.
    let ids: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[1], r[2], r[4])).collect();
    assert_eq!(ids[0], ("tl2", "1", "0"));
    assert_eq!(ids[1], ("norec", "1", "0"));
    assert_eq!(ids[2], ("tl2", "4", "0"));
    assert_eq!(ids[6], ("tl2", "1", "1"));
    let meta = std::fs::read_to_string(dir.join("meta.json")).unwrap();
    assert!(meta.contains("\"status\": \"complete\""), "{meta}");
}
