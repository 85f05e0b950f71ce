//! End-to-end tests of `tmlab sweep` and `tmlab plot` through the real binary.
//!
//! They run on machines without RTM: the hidden `--mock-hardware` flag replaces the kernels by a
//! deterministic model (and marks the run as mock everywhere). Each test works in its own folder
//! under the system temp dir.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tmlab");

/// A fresh, empty folder for one test.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlab-sweep-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `tmlab ARGS`, with the results and plots folders under `root` for the commands that take them.
fn tmlab(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("TMLAB_NO_RTM");
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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn last_line(o: &Output) -> PathBuf {
    let out = String::from_utf8_lossy(&o.stdout);
    PathBuf::from(out.lines().last().expect("stdout is empty"))
}

fn run_folders(root: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(root.join("results")) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

fn assert_fails(o: &Output, needle: &str) {
    assert!(!o.status.success(), "expected failure, got {:?}", o.status);
    let err = stderr(o);
    assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
}

/// Bad options fail with a message naming the problem, and create nothing.
#[test]
fn bad_input_is_refused_before_anything_is_created() {
    let root = temp("bad");
    let m = "--mock-hardware";
    let cases: &[(&[&str], &str)] = &[
        (&["sweep", "capacity", m, "--bogus"], "--bogus"),
        (
            &["sweep", "capacity", m, "--sizes", "10..1"],
            "inverted range",
        ),
        (
            &["sweep", "capacity", m, "--sizes", ""],
            "the list is empty",
        ),
        (&["sweep", "capacity", m, "--sizes", "4,,8"], "empty item"),
        (&["sweep", "capacity", m, "--sizes", "0..8"], "at least 1"),
        (&["sweep", "capacity", m, "--attempts", "0"], "--attempts"),
        (&["sweep", "capacity", m, "--reps", "0"], "--reps"),
        (&["sweep", "capacity", m, "--op", "scan"], "scan"),
        (&["sweep", "capacity", m, "--warm", "--cold"], "--cold"),
        (
            &["sweep", "capacity", m, "--sizes", "4", "--refine"],
            "--refine",
        ),
        (
            &[
                "sweep",
                "duration",
                m,
                "--min-cycles",
                "9",
                "--max-cycles",
                "8",
            ],
            "--min-cycles",
        ),
        (
            &["sweep", "duration", m, "--cycles", "5..1"],
            "inverted range",
        ),
        (
            &["sweep", "capacity", m, "--resume", "/nonexistent/tmlab-run"],
            "no such folder",
        ),
    ];
    for (args, needle) in cases {
        let o = run(&root, args);
        assert_fails(&o, needle);
        assert!(run_folders(&root).is_empty(), "{args:?} created a folder");
    }
    let not_run = root.join("empty");
    std::fs::create_dir_all(&not_run).unwrap();
    let o = run(
        &root,
        &[
            "sweep",
            "capacity",
            m,
            "--resume",
            not_run.to_str().unwrap(),
        ],
    );
    assert_fails(&o, "not a tmlab run folder");
    std::fs::remove_dir_all(&root).unwrap();
}

/// Without RTM (forced off here) the sweep says so, exits non-zero and creates no folder.
#[test]
fn without_rtm_nothing_is_created() {
    let root = temp("nortm");
    for kind in ["capacity", "duration"] {
        let o = tmlab(
            &root,
            &["sweep", kind, "--sizes", "1,2"][..if kind == "capacity" { 4 } else { 2 }],
        )
        .env("TMLAB_NO_RTM", "1")
        .output()
        .unwrap();
        assert_fails(&o, "RTM unusable");
        assert!(stderr(&o).starts_with("error: "), "{}", stderr(&o));
    }
    assert!(run_folders(&root).is_empty());
    assert!(!root.join("results").exists());
    std::fs::remove_dir_all(&root).unwrap();
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn data_rows(points: &Path) -> usize {
    std::fs::read_to_string(points).map_or(0, |t| t.lines().count().saturating_sub(1))
}

/// Interrupting with SIGINT and resuming gives exactly the rows of an uninterrupted run.
#[test]
fn sigint_then_resume_equals_an_uninterrupted_run() {
    let root = temp("resume");
    let sweep = [
        "sweep",
        "capacity",
        "--mock-hardware",
        "--op",
        "write,read",
        "--pattern",
        "same-set",
        "--max-lines",
        "64",
        "--attempts",
        "50",
        "--reps",
        "2",
        "--no-plot",
    ];

    // The reference: the same sweep, uninterrupted.
    let reference = run(&root.join("ref"), &sweep);
    assert!(reference.status.success(), "{}", stderr(&reference));
    let reference_dir = last_line(&reference);
    let want = read(&reference_dir.join("points.csv"));
    assert!(reference_dir.to_string_lossy().contains("-capacity-mock-"));

    // The same sweep, slowed down, interrupted after a few rows.
    let mut slow: Vec<&str> = sweep.to_vec();
    slow.extend(["--mock-delay-ms", "40"]);
    let child = tmlab(&root, &slow)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let points = loop {
        let found = run_folders(&root)
            .into_iter()
            .next()
            .map(|d| d.join("points.csv"));
        if let Some(p) = found.filter(|p| data_rows(p) >= 3) {
            break p;
        }
        assert!(Instant::now() < deadline, "no rows appeared");
        std::thread::sleep(Duration::from_millis(10));
    };
    let pid = child.id() as libc::pid_t;
    // SAFETY: `kill` has no memory-safety preconditions; `pid` is our own child, not yet reaped.
    let sent = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(sent, 0, "kill failed");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("resume with: "), "{}", stderr(&out));
    let dir = last_line(&out);
    assert_eq!(dir, points.parent().unwrap());
    let partial = read(&points);
    assert!(partial.ends_with('\n'), "a partial row was left");
    let n = data_rows(&points);
    assert!(
        n >= 3 && n < want.lines().count() - 1,
        "interrupted after {n} rows"
    );
    assert!(
        want.starts_with(&partial),
        "rows so far must be the plan's first rows"
    );
    assert!(read(&dir.join("meta.json")).contains(r#""status": "interrupted""#));

    // The printed command contains --resume DIR.
    let hint = stderr(&out);
    assert!(
        hint.contains(&format!("--resume {}", dir.display())),
        "{hint}"
    );

    // Different parameters are refused and change nothing.
    let d = dir.to_str().unwrap();
    let mut other: Vec<&str> = sweep.to_vec();
    other[10] = "60";
    other.extend(["--resume", d]);
    let o = run(&root, &other);
    assert_fails(&o, "attempts: 50 vs. 60");
    let o = run(
        &root,
        &["sweep", "duration", "--mock-hardware", "--resume", d],
    );
    assert_fails(&o, "capacity sweep");
    assert_eq!(read(&points), partial);

    // Resuming finishes it.
    let mut again: Vec<&str> = sweep.to_vec();
    again.extend(["--resume", d]);
    let o = run(&root, &again);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(last_line(&o), dir);
    assert_eq!(
        read(&points),
        want,
        "resumed run differs from the uninterrupted one"
    );
    let meta = read(&dir.join("meta.json"));
    assert!(meta.contains(r#""status": "complete""#) && meta.contains(r#""hardware": "mock""#));
    assert!(meta.contains(r#""rows_before": "#));

    // A complete run cannot be resumed, and no other folder was created.
    assert_fails(&run(&root, &again), "already complete");
    assert_eq!(run_folders(&root).len(), 1);

    // Its charts can be drawn from the folder alone.
    let o = run(&root, &["plot", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let png = root
        .join("plots")
        .join(dir.file_name().unwrap())
        .join("capacity.png");
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
    std::fs::remove_dir_all(&root).unwrap();
}

/// A complete mock run prints the table, the charts and, last, its folder.
#[test]
fn a_duration_run_prints_table_charts_and_folder() {
    let root = temp("duration");
    let o = run(
        &root,
        &[
            "sweep",
            "duration",
            "--mock-hardware",
            "--cycles",
            "1000,1000000,3000000,9000000",
            "--attempts",
            "40",
            "--reps",
            "2",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("MOCK DATA - not a measurement"), "{out}");
    assert!(out.contains("longest duration committing >= 50 %"), "{out}");
    let dir = last_line(&o);
    assert!(dir.starts_with(root.join("results")));
    for ext in ["svg", "png"] {
        let chart = root
            .join("plots")
            .join(dir.file_name().unwrap())
            .join(format!("duration.{ext}"));
        assert!(out.contains(&chart.display().to_string()), "{out}");
        assert!(std::fs::metadata(&chart).unwrap().len() > 0);
    }
    let csv = read(&dir.join("points.csv"));
    assert_eq!(csv.lines().count(), 1 + 4 * 2);
    assert!(csv.starts_with("cycles,us,rep,seed,attempts,commits,"));
    std::fs::remove_dir_all(&root).unwrap();
}

const META: &str = r#"{
  "format": 1,
  "hardware": "rtm",
  "spec": {"sweep": "capacity", "ops": ["write", "read"], "patterns": ["seq"],
           "sizes": {"list": [1, 64, 512, 1024]}, "warmth": "warm",
           "attempts": 10, "reps": 2, "seed": 1},
  "machine": {
    "hostname": "handmade", "kernel": "Linux 6.1", "cores": 4,
    "cpu": {"vendor": "GenuineIntel", "family": 6, "model": 85, "stepping": 7,
            "brand": "Hand-made CPU", "microcode": "0x1", "hypervisor": false,
            "hypervisor_vendor": null},
    "features": {"rtm": true, "hle": false, "rtm_always_abort": false,
                 "tsx_force_abort": false, "tsxldtrk": false},
    "rtm_usable": true, "rtm_reason": null, "l1d": null, "tsc_hz": 2.5e9,
    "software": {"tmlab_version": "0.1.0", "git_commit": "abc", "git_dirty": "false",
                 "rustc": "rustc 1.95.0", "profile": "release", "command": ["tmlab"]}
  },
  "pinned_core": 1,
  "started": "2026-01-02T03:04:05Z",
  "ended": "2026-01-02T03:05:05Z",
  "status": "complete",
  "resumes": []
}"#;

const HEADER: &str = "op,pattern,lines,warm,rep,seed,attempts,commits,conflict,capacity,explicit,retry_only,nested,debug,status0,unknown";

/// `tmlab plot` draws non-empty SVG and PNG files from a hand-made folder, and refuses a
/// malformed CSV naming the file and line.
#[test]
fn plot_draws_a_hand_made_folder_and_refuses_malformed_csv() {
    let root = temp("plot");
    let run_dir = root.join("20260102T030405Z-capacity-handmade");
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::write(run_dir.join("meta.json"), META).unwrap();
    let mut csv = format!("{HEADER}\n");
    for (op, commits) in [("write", [10, 9, 4, 0]), ("read", [10, 10, 9, 6])] {
        for (lines, c) in [1, 64, 512, 1024].iter().zip(commits) {
            for rep in 0..2 {
                let c = if rep == 1 { c.max(1) - 1 } else { c };
                csv += &format!(
                    "{op},seq,{lines},warm,{rep},1,10,{c},0,{},0,0,0,0,0,0\n",
                    10 - c
                );
            }
        }
    }
    std::fs::write(run_dir.join("points.csv"), &csv).unwrap();
    let o = run(&root, &["plot", run_dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let charts = root
        .join("plots")
        .join("20260102T030405Z-capacity-handmade");
    let svg = read(&charts.join("capacity.svg"));
    assert!(svg.starts_with("<svg") && svg.contains("Hand-made CPU") && svg.contains("2026-01-02"));
    assert!(
        !svg.contains("MOCK"),
        "a hardware run must not be labelled mock"
    );
    let png = std::fs::read(charts.join("capacity.png")).unwrap();
    assert!(png.len() > 10_000 && png.starts_with(b"\x89PNG"));

    std::fs::write(
        run_dir.join("points.csv"),
        format!("{csv}write,seq,2048,warm,0,1,10,oops,0,10,0,0,0,0,0,0\n"),
    )
    .unwrap();
    let o = run(&root, &["plot", run_dir.to_str().unwrap()]);
    assert_fails(&o, "points.csv: line 18: field 8");
    std::fs::write(run_dir.join("points.csv"), "lines,commits\n1,1\n").unwrap();
    assert_fails(
        &run(&root, &["plot", run_dir.to_str().unwrap()]),
        "line 1: unexpected header",
    );
    assert_fails(
        &run(&root, &["plot", root.to_str().unwrap()]),
        "not a tmlab run folder",
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// A sweep run in the background, with its stderr collected line by line.
struct Live {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Live {
    fn spawn(root: &Path, args: &[&str]) -> Live {
        let mut child = tmlab(root, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Live {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    fn signal(&self, sig: libc::c_int) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: `kill` has no memory-safety preconditions; the pid is our own unreaped child.
        let sent = unsafe { libc::kill(pid, sig) };
        assert_eq!(sent, 0);
    }

    /// Waits (at most 20 s) for a stderr line containing `needle`.
    fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.seen.iter().any(|l| l.contains(needle)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no stderr line with {needle:?}; got {:?}", self.seen),
            }
        }
    }

    /// Waits (at most 30 s) for the exit; returns the status code and all of stderr.
    fn finish(mut self) -> (Option<i32>, String, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("did not exit; stderr so far: {:?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(line);
        }
        let mut out = String::new();
        use std::io::Read;
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        (status.code(), self.seen.join("\n"), out)
    }
}

/// Waits (at most 20 s) until the only run folder under `root` has at least `n` rows.
fn wait_rows(root: &Path, n: usize) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(dir) = run_folders(root).into_iter().next()
            && data_rows(&dir.join("points.csv")) >= n
        {
            return dir;
        }
        assert!(Instant::now() < deadline, "no {n} rows appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn chart_svg(root: &Path, dir: &Path, stem: &str) -> String {
    read(
        &root
            .join("plots")
            .join(dir.file_name().unwrap())
            .join(format!("{stem}.svg")),
    )
}

const SLOW: [&str; 12] = [
    "sweep",
    "capacity",
    "--mock-hardware",
    "--op",
    "write,read",
    "--sizes",
    "1..6",
    "--attempts",
    "30",
    "--reps",
    "2",
    "--no-plot",
];

/// The owner lock: a second writer is refused while the first lives (and changes nothing), a
/// reader sees a live run as partial; after SIGKILL the run reads as killed, and `--resume DIR`
/// alone (parameters from meta.json) finishes it exactly like an uninterrupted run.
#[test]
fn a_second_writer_is_refused_while_the_first_lives_and_allowed_after_sigkill() {
    let root = temp("owner");
    let reference = run(&root.join("ref"), &SLOW);
    assert!(reference.status.success(), "{}", stderr(&reference));
    let want = read(&last_line(&reference).join("points.csv"));

    // 24 rows of 500 ms: the run outlives everything this test does before killing it.
    let mut slow = SLOW.to_vec();
    slow.extend(["--mock-delay-ms", "500"]);
    let first = Live::spawn(&root, &slow);
    let dir = wait_rows(&root, 2);
    let d = dir.to_str().unwrap();
    let meta_before = read(&dir.join("meta.json"));
    let second = run(
        &root,
        &["sweep", "capacity", "--mock-hardware", "--resume", d],
    );
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    let pid = first.child.id();
    assert!(
        stderr(&second).contains(&format!(
            "the run is being written by another tmlab process (pid {pid})"
        )),
        "{}",
        stderr(&second)
    );
    assert_eq!(
        read(&dir.join("meta.json")),
        meta_before,
        "the refused writer wrote"
    );
    assert_eq!(run_folders(&root).len(), 1);

    // A reader of the live run: partial, still running.
    let o = run(&root, &["plot", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = chart_svg(&root, &dir, "capacity");
    assert!(
        svg.contains(&format!("[PARTIAL: still running (pid {pid})]")),
        "live run not marked partial"
    );

    first.signal(libc::SIGKILL);
    let (code, _, _) = first.finish();
    assert_eq!(code, None, "killed by a signal");
    assert!(read(&dir.join("meta.json")).contains(r#""status": "running""#));
    let o = run(&root, &["plot", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the run was killed (status running, no live owner)"),
        "{}",
        stderr(&o)
    );
    assert!(chart_svg(&root, &dir, "capacity").contains("[PARTIAL: killed]"));

    let o = run(
        &root,
        &[
            "sweep",
            "capacity",
            "--mock-hardware",
            "--no-plot",
            "--resume",
            d,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the run was killed (status running, no live owner); resuming it"),
        "{}",
        stderr(&o)
    );
    assert_eq!(read(&dir.join("points.csv")), want);
    assert!(read(&dir.join("meta.json")).contains(r#""status": "complete""#));
    std::fs::remove_dir_all(&root).unwrap();
}

/// SIGTERM (what `timeout`, Slurm and systemd send) is acknowledged, finishes the current point,
/// records `interrupted`, prints the resume command and exits 143; the chart says partial; the
/// run resumes with the same ops given in another order.
#[test]
fn sigterm_is_treated_like_sigint() {
    let root = temp("sigterm");
    let mut slow = SLOW.to_vec();
    slow.extend(["--mock-delay-ms", "100"]);
    let mut live = Live::spawn(&root, &slow);
    let dir = wait_rows(&root, 2);
    live.signal(libc::SIGTERM);
    live.wait_for("SIGTERM: finishing the current point; SIGTERM (or Ctrl-C) again to stop now");
    let (code, err, out) = live.finish();
    assert_eq!(code, Some(143), "{err}");
    assert!(err.contains("SIGTERM: interrupted after"), "{err}");
    assert!(
        err.contains(&format!("--resume {}", dir.display())),
        "{err}"
    );
    assert_eq!(out.lines().last(), Some(dir.to_str().unwrap()));
    assert!(read(&dir.join("meta.json")).contains(r#""status": "interrupted""#));
    assert!(read(&dir.join("points.csv")).ends_with('\n'));
    let d = dir.to_str().unwrap();
    let o = run(&root, &["plot", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(chart_svg(&root, &dir, "capacity").contains("[PARTIAL: interrupted]"));
    let o = run(
        &root,
        &[
            "sweep",
            "capacity",
            "--mock-hardware",
            "--op",
            "read,write",
            "--no-plot",
            "--resume",
            d,
        ],
    );
    assert!(o.status.success(), "reordered --op refused: {}", stderr(&o));
    std::fs::remove_dir_all(&root).unwrap();
}

/// A second Ctrl-C stops at once: the point being measured (2 s per point here) is not waited
/// for, the finished rows are kept, and the run is recorded as interrupted with a resume hint.
#[test]
fn a_second_sigint_stops_at_once() {
    let root = temp("twice");
    let mut slow = SLOW.to_vec();
    slow.extend(["--mock-delay-ms", "2000"]);
    let mut live = Live::spawn(&root, &slow);
    let dir = wait_rows(&root, 1);
    // Well inside the second point (2 s), so the signals cannot race its start.
    std::thread::sleep(Duration::from_millis(300));
    live.signal(libc::SIGINT);
    live.wait_for("SIGINT: finishing the current point; Ctrl-C again to stop now");
    live.signal(libc::SIGINT);
    let (code, err, out) = live.finish();
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.contains("SIGINT: stopped at once; the point being measured is lost"),
        "{err}"
    );
    assert!(err.contains("resume with: "), "{err}");
    assert_eq!(out.lines().last(), Some(dir.to_str().unwrap()));
    assert_eq!(
        data_rows(&dir.join("points.csv")),
        1,
        "the point in progress was waited for"
    );
    assert!(read(&dir.join("points.csv")).ends_with('\n'));
    assert!(read(&dir.join("meta.json")).contains(r#""status": "interrupted""#));
    std::fs::remove_dir_all(&root).unwrap();
}

/// When the charts cannot be written, the finished run still prints its table and its folder
/// (last on stdout), is recorded complete, and the command fails naming the chart problem.
#[test]
fn a_complete_run_whose_charts_fail_still_prints_table_and_folder() {
    let root = temp("nocharts");
    std::fs::write(root.join("file"), "not a folder").unwrap();
    let bad = root.join("file").join("plots");
    let o = Command::new(BIN)
        .args([
            "sweep",
            "duration",
            "--mock-hardware",
            "--cycles",
            "1000,2000",
        ])
        .args(["--reps", "1", "--attempts", "10", "--results-dir"])
        .arg(root.join("results"))
        .arg("--plots-dir")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("longest duration committing >= 50 %"), "{out}");
    let dir = last_line(&o);
    assert!(dir.starts_with(root.join("results")), "{out}");
    assert!(read(&dir.join("meta.json")).contains(r#""status": "complete""#));
    assert!(
        stderr(&o).contains("the run is complete and saved in"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("but its charts could not be drawn"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// meta.json records the machine's online cores and the cores the process may use, taken before
/// the measuring thread is pinned (pinning used to make it 1).
#[test]
fn meta_records_online_and_available_cores() {
    let root = temp("cores");
    let o = run(
        &root,
        &[
            "sweep",
            "duration",
            "--mock-hardware",
            "--cycles",
            "1000",
            "--reps",
            "1",
            "--attempts",
            "10",
            "--no-plot",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let meta: serde_json::Value =
        serde_json::from_str(&read(&last_line(&o).join("meta.json"))).unwrap();
    // SAFETY: `sysconf` has no memory-safety preconditions.
    let online = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) } as u64;
    let available = std::thread::available_parallelism().unwrap().get() as u64;
    assert_eq!(meta["machine"]["cores"], online);
    assert_eq!(meta["machine"]["cores_available"], available);
    std::fs::remove_dir_all(&root).unwrap();
}

/// The build script records the commit without watching `.git/index`, so `git status` (which
/// rewrites the index) does not rebuild the binary; it watches HEAD and the sources instead.
#[test]
fn the_build_script_does_not_watch_the_git_index() {
    let Some(out_dir) = option_env!("OUT_DIR") else {
        panic!("OUT_DIR is not set: the package has a build script, so cargo sets it");
    };
    let output = Path::new(out_dir).parent().unwrap().join("output");
    let text = read(&output);
    let watched: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("cargo:rerun-if-changed="))
        .collect();
    assert!(
        !watched.iter().any(|p| p.ends_with("/index")),
        "watches the git index: {watched:?}"
    );
    assert!(
        watched.iter().any(|p| p.ends_with("/experiments")),
        "{watched:?}"
    );
    if text.contains("TMLAB_GIT_COMMIT=") && !text.contains("TMLAB_GIT_COMMIT=unknown") {
        assert!(watched.iter().any(|p| p.ends_with("/HEAD")), "{watched:?}");
    }
    // Every watched path exists: cargo reruns the script for ever when one does not.
    for p in watched {
        let p = Path::new(p);
        let p = if p.is_relative() {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
        } else {
            p.to_path_buf()
        };
        assert!(p.exists(), "watches missing {}", p.display());
    }
}
