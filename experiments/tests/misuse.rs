//! The CLI under misuse: a table of malformed inputs across every command (flags, values, result
//! and chart folders that are missing, not run folders, corrupted, torn, duplicated, foreign or
//! unwritable), each run through the real binary with a timeout. Every case must:
//!
//! - exit with its expected status (2 for a bad command line or value, 1 for a refused or failed
//!   command), never 101 (a panic) and never hang (20 s timeout);
//! - say what is wrong (a fragment of the message is checked);
//! - change no existing file and create none under the fixture folder.
//!
//! `TMLAB_MISUSE_TABLE=PATH cargo test -p tmlab-experiments --test misuse` also writes the
//! markdown table `input | exit | message` to PATH (`TMLAB_MISUSE_TABLE=1` prints it; run with
//! `-- --nocapture` to see it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tmlab");

/// Every file under `root` with its contents.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Runs `tmlab args` with a timeout; returns (exit code, stderr).
fn run(args: &[String], timeout: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env("TMLAB_NO_RTM", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        use std::io::Read;
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?}: still running after {timeout:?} (a hang)");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (status.code(), reader.join().unwrap())
}

/// The fixture: real run folders made by the binary (mock hardware), and damaged copies.
struct Fixture {
    root: PathBuf,
    good: PathBuf,
    duration: PathBuf,
    /// A complete `tmlab run --tiny` folder (RTM forced off).
    study: PathBuf,
}

/// Copies the tree `from` to `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

impl Fixture {
    fn new() -> Fixture {
        let root = std::env::temp_dir().join(format!("tmlab-misuse-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let make = |args: &[&str]| -> PathBuf {
            let out = Command::new(BIN)
                .args(args)
                .arg("--results-dir")
                .arg(root.join("made"))
                .args([
                    "--mock-hardware",
                    "--no-plot",
                    "--reps",
                    "2",
                    "--attempts",
                    "10",
                ])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            PathBuf::from(text.lines().last().unwrap())
        };
        let good = make(&["sweep", "capacity", "--sizes", "1,2,4"]);
        let duration = make(&["sweep", "duration", "--cycles", "1000,2000"]);
        let out = Command::new(BIN)
            .args(["run", "--tiny", "--results-dir"])
            .arg(root.join("made-run"))
            .env("TMLAB_NO_RTM", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let html = PathBuf::from(
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .last()
                .unwrap(),
        );
        let study = html.parent().unwrap().to_path_buf();
        std::fs::create_dir_all(root.join("empty")).unwrap();
        std::fs::write(root.join("file"), "a file").unwrap();
        Fixture {
            root,
            good,
            duration,
            study,
        }
    }

    /// A copy of the run folder named `name`, with the file at `rel` (a path inside it whose
    /// `*` component is the only sub-folder there) passed through `edit`.
    fn study_variant(&self, name: &str, rel: &str, edit: impl Fn(String) -> String) -> String {
        let dir = self.root.join(name);
        copy_tree(&self.study, &dir);
        let mut path = dir.clone();
        for part in rel.split('/') {
            path = if part == "*" {
                std::fs::read_dir(&path)
                    .unwrap()
                    .next()
                    .unwrap()
                    .unwrap()
                    .path()
            } else {
                path.join(part)
            };
        }
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, edit(text)).unwrap();
        dir.display().to_string()
    }

    /// A copy of `from` named `name`, its meta.json and points.csv passed through `edit`.
    fn variant(
        &self,
        from: &Path,
        name: &str,
        edit: impl Fn(String, String) -> (String, String),
    ) -> String {
        let dir = self.root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let meta = std::fs::read_to_string(from.join("meta.json")).unwrap();
        let points = std::fs::read_to_string(from.join("points.csv")).unwrap();
        let (meta, points) = edit(meta, points);
        std::fs::write(dir.join("meta.json"), meta).unwrap();
        if !points.is_empty() {
            std::fs::write(dir.join("points.csv"), points).unwrap();
        }
        std::fs::copy(from.join(".lock"), dir.join(".lock")).unwrap();
        dir.display().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.root.join(name).display().to_string()
    }
}

/// Replaces the first occurrence of `from` (which must occur) by `to`.
fn sub(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in {text}");
    text.replacen(from, to, 1)
}

/// The `n`-th data row (1-based) of a points.csv.
fn data_row(points: &str, n: usize) -> String {
    points.lines().nth(n).unwrap().to_string()
}

fn interrupted(meta: String) -> String {
    sub(
        &meta,
        r#""status": "complete""#,
        r#""status": "interrupted""#,
    )
}

struct Case {
    args: Vec<String>,
    exit: i32,
    fragment: String,
}

#[test]
fn malformed_inputs_are_refused_cleanly() {
    let f = Fixture::new();
    let good = f.good.display().to_string();
    let int = |name: &str, edit: &dyn Fn(String) -> String| {
        f.variant(&f.good, name, |m, p| (edit(interrupted(m)), p))
    };
    let rows =
        |name: &str, edit: &dyn Fn(String) -> String| f.variant(&f.good, name, |m, p| (m, edit(p)));
    let resumable = int("resumable", &|m| m);
    let corrupt = f.variant(&f.good, "corrupt-meta", |_, p| {
        ("{\"format\": 1,".into(), p)
    });
    let tsc0 = int("tsc0", &|m| {
        let at = m.find("\"tsc_hz\": ").unwrap() + "\"tsc_hz\": ".len();
        let end = at + m[at..].find(',').unwrap();
        format!("{}0{}", &m[..at], &m[end..])
    });
    let huge = int("huge-spec", &|m| {
        sub(
            &m,
            r#""list": [
        1,
        2,
        4
      ]"#,
            r#""refine": {"max_lines": 18446744073709551615}"#,
        )
    });
    let format2 = int("format2", &|m| sub(&m, r#""format": 1"#, r#""format": 2"#));
    let rtm = int("rtm-run", &|m| {
        sub(&m, r#""hardware": "mock""#, r#""hardware": "rtm""#)
    });
    let foreign_size = rows("foreign-size", &|p| {
        sub(
            &p,
            &format!("\n{}", data_row(&p, 1)),
            &format!("\n{}", data_row(&p, 1).replacen(",1,", ",3,", 1)),
        )
    });
    let foreign_size_int = f.variant(&f.good, "foreign-size-resume", |m, p| {
        (
            interrupted(m),
            sub(
                &p,
                &format!("\n{}", data_row(&p, 1)),
                &format!("\n{}", data_row(&p, 1).replacen(",1,", ",3,", 1)),
            ),
        )
    });
    let pattern = rows("foreign-pattern", &|p| {
        sub(&p, "\nwrite,seq,", "\nwrite,random,")
    });
    let cold = rows("cold-row", &|p| {
        sub(&p, "\nwrite,seq,1,warm,", "\nwrite,seq,1,cold,")
    });
    let dup = rows("duplicate", &|p| format!("{p}{}\n", data_row(&p, 4)));
    let dup_int = f.variant(&f.good, "duplicate-resume", |m, p| {
        (interrupted(m), format!("{p}{}\n", data_row(&p, 4)))
    });
    let rep = rows("rep-beyond", &|p| {
        let r = data_row(&p, 2);
        let parts: Vec<&str> = r.split(',').collect();
        let mut bad = parts.clone();
        bad[4] = "5";
        sub(&p, &r, &bad.join(","))
    });
    let seed = rows("other-seed", &|p| {
        let r = data_row(&p, 1);
        let mut parts: Vec<String> = r.split(',').map(String::from).collect();
        parts[5] = "7".into();
        sub(&p, &r, &parts.join(","))
    });
    let header = rows("bad-header", &|p| {
        sub(&p, "op,pattern,lines", "op,layout,lines")
    });
    let torn = rows("torn-middle", &|p| {
        let r = data_row(&p, 2);
        sub(&p, &r, &r[..r.len() / 2])
    });
    let sum = rows("bad-sum", &|p| {
        let r = data_row(&p, 1);
        let mut parts: Vec<String> = r.split(',').map(String::from).collect();
        parts[7] = "11".into();
        sub(&p, &r, &parts.join(","))
    });
    let no_points = f.variant(&f.good, "no-points", |m, _| (m, String::new()));
    let header_only = rows("header-only", &|p| {
        format!("{}\n", p.lines().next().unwrap())
    });
    let us = f.variant(&f.duration, "us-mismatch", |m, p| {
        let r = data_row(&p, 1);
        let mut parts: Vec<String> = r.split(',').map(String::from).collect();
        parts[1] = "99".into();
        (m, sub(&p, &r, &parts.join(",")))
    });
    let cycles = f.variant(&f.duration, "foreign-cycles", |m, p| {
        (m, sub(&p, "\n1000,", "\n1500,"))
    });

    let under_file = f.root.join("file").join("sub").display().to_string();
    let proc_dir = "/proc/tmlab-misuse/x".to_string();
    let results = f.path("results");
    let plots = f.path("plots");
    let cap = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "sweep",
            "capacity",
            "--mock-hardware",
            "--no-plot",
            "--results-dir",
            &results,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let dur = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "sweep",
            "duration",
            "--mock-hardware",
            "--no-plot",
            "--results-dir",
            &results,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let plot = |dir: &str| -> Vec<String> {
        vec![
            "plot".into(),
            dir.into(),
            "--plots-dir".into(),
            plots.clone(),
        ]
    };
    let resume = |dir: &str| cap(&["--resume", dir]);
    let words = |w: &[&str]| -> Vec<String> { w.iter().map(|s| s.to_string()).collect() };
    let case = |args: Vec<String>, exit: i32, fragment: &str| Case {
        args,
        exit,
        fragment: fragment.to_string(),
    };

    let study = f.study.display().to_string();
    let run_csv = f.study_variant("run-corrupt-csv", "threads-bank/*/points.csv", |p| {
        sub(&p, "\nbank,tl2,", "\nbank,tl2,x,")
    });
    let run_json = f.study_variant("run-corrupt-json", "run.json", |t| t[..t.len() / 2].into());
    let run_format = f.study_variant("run-format2", "run.json", |t| {
        sub(&t, r#""format": 1"#, r#""format": 2"#)
    });
    let run_stage = f.study_variant("run-bad-stage", "run.json", |t| {
        sub(&t, r#""name": "threads-bank""#, r#""name": "../x""#)
    });
    let run_probe = f.study_variant("run-bad-probe", "probe/*/probe.json", |_| {
        "{\"probe\": 3}".into()
    });
    let mut cases = vec![
        // The command line itself.
        case(words(&[]), 2, "Usage: tmlab"),
        case(words(&["bogus"]), 2, "unrecognized subcommand 'bogus'"),
        case(words(&["sweep"]), 2, "Usage: tmlab sweep"),
        case(
            words(&["sweep", "threads"]),
            2,
            "required arguments were not provided",
        ),
        case(words(&["plot"]), 2, "<DIR>"),
        case(
            words(&["probe", "--format", "yaml"]),
            2,
            "invalid value 'yaml'",
        ),
        case(
            words(&["probe", "--attempts", "9"]),
            2,
            "9 is not in 10..=1000000",
        ),
        case(
            words(&["probe", "--attempts", "1000001"]),
            2,
            "1000001 is not in 10..=1000000",
        ),
        case(
            words(&["probe", "--max-read-lines", "16777217"]),
            2,
            "16777217 is not in 1..=16777216",
        ),
        case(
            words(&["probe", "--max-write-lines", "0"]),
            2,
            "0 is not in 1..=16777216",
        ),
        case(
            words(&["probe", "--max-duration-us", "10000001"]),
            2,
            "10000001 is not in 1..=10000000",
        ),
        case(
            words(&["probe", "--core", "18446744073709551615"]),
            2,
            "--core 18446744073709551615: not available",
        ),
        case(
            words(&["probe", "--core", "-1"]),
            2,
            "unexpected argument '-1'",
        ),
        case(
            words(&["probe", "--plots-dir", "x"]),
            2,
            "unexpected argument '--plots-dir'",
        ),
        case(
            words(&["plot", &good, "--results-dir", "x"]),
            2,
            "unexpected argument '--results-dir'",
        ),
        // Sweep values: every bound.
        case(
            cap(&["--sizes", "2,1..18446744073709551615"]),
            2,
            "18446744073709551615 lines is above the limit of 16777216 lines",
        ),
        case(
            cap(&["--sizes", "1..16777216"]),
            2,
            "has 16777216 values; at most 100000 are allowed",
        ),
        case(cap(&["--sizes", "16777217"]), 2, "above the limit"),
        case(cap(&["--sizes", "0,4"]), 2, "values must be at least 1"),
        case(cap(&["--sizes", "4,,8"]), 2, "has an empty item"),
        case(cap(&["--sizes", "10..1"]), 2, "inverted range"),
        case(cap(&["--sizes", ""]), 2, "the list is empty"),
        case(cap(&["--sizes", "1..8:0"]), 2, "steps must be at least 1"),
        case(
            cap(&["--sizes", "one"]),
            2,
            "\"one\" is not a positive whole number",
        ),
        case(
            cap(&["--pattern", "same-set", "--sizes", "2000000"]),
            2,
            "needs a 7812 MiB buffer; the limit is 4096 MiB",
        ),
        case(
            cap(&[
                "--op",
                "read,write,mixed",
                "--pattern",
                "seq,random,same-set",
                "--sizes",
                "1..100000",
                "--reps",
                "20",
            ]),
            2,
            "plan 18000000 rows",
        ),
        case(
            cap(&["--max-lines", "16777217"]),
            2,
            "16777217 is not in 1..=16777216",
        ),
        case(cap(&["--max-lines", "0"]), 2, "0 is not in 1..=16777216"),
        case(cap(&["--attempts", "0"]), 2, "0 is not in 1..=10000000"),
        case(
            cap(&["--attempts", "10000001"]),
            2,
            "10000001 is not in 1..=10000000",
        ),
        case(cap(&["--reps", "1001"]), 2, "1001 is not in 1..=1000"),
        case(cap(&["--reps", "0"]), 2, "0 is not in 1..=1000"),
        case(cap(&["--seed", "-1"]), 2, "unexpected argument '-1'"),
        case(cap(&["--seed", "x"]), 2, "invalid value 'x' for '--seed"),
        case(cap(&["--op", "scan"]), 2, "invalid value 'scan'"),
        case(
            cap(&["--warm", "--cold"]),
            2,
            "'--warm' cannot be used with '--cold'",
        ),
        case(cap(&["--sizes", "4", "--refine"]), 2, "cannot be used with"),
        case(
            cap(&["--sizes", "4", "--max-lines", "8"]),
            2,
            "cannot be used with",
        ),
        case(
            cap(&["--core", "18446744073709551615", "--sizes", "1"]),
            2,
            "--core 18446744073709551615: not available",
        ),
        case(
            cap(&["--mock-delay-ms", "60001"]),
            2,
            "60001 is not in 0..=60000",
        ),
        case(
            words(&["sweep", "capacity", "--mock-delay-ms", "5"]),
            2,
            "--mock-hardware",
        ),
        case(
            dur(&["--max-cycles", "18446744073709551615"]),
            2,
            "18446744073709551615 is not in 1..=68719476736",
        ),
        case(
            dur(&["--min-cycles", "0"]),
            2,
            "0 is not in 1..=68719476736",
        ),
        case(
            dur(&["--min-cycles", "9", "--max-cycles", "8"]),
            2,
            "--min-cycles 9 is above --max-cycles 8",
        ),
        case(dur(&["--steps-per-octave", "65"]), 2, "65 is not in 1..=64"),
        case(dur(&["--steps-per-octave", "0"]), 2, "0 is not in 1..=64"),
        case(
            dur(&["--cycles", "68719476737"]),
            2,
            "68719476737 cycles is above the limit",
        ),
        case(dur(&["--cycles", "5..1"]), 2, "inverted range"),
        case(
            dur(&["--cycles", "1000", "--min-cycles", "5"]),
            2,
            "cannot be used with",
        ),
        // Folders a sweep cannot create.
        case(
            words(&[
                "sweep",
                "capacity",
                "--mock-hardware",
                "--sizes",
                "1",
                "--results-dir",
                &under_file,
            ]),
            1,
            "cannot create the results folder",
        ),
        case(
            words(&[
                "sweep",
                "capacity",
                "--mock-hardware",
                "--sizes",
                "1",
                "--results-dir",
                &proc_dir,
            ]),
            1,
            "cannot create the results folder",
        ),
        case(
            words(&[
                "sweep",
                "capacity",
                "--sizes",
                "1",
                "--results-dir",
                &results,
            ]),
            1,
            "RTM unusable",
        ),
        // --resume of folders that cannot be resumed.
        case(resume(&f.path("missing")), 1, "no such folder"),
        case(
            resume(&f.path("empty")),
            1,
            "not a tmlab run folder (no meta.json)",
        ),
        case(resume(&f.path("file")), 1, "a file, not a run folder"),
        case(resume(&good), 1, "the run is already complete"),
        case(resume(&corrupt), 1, "meta.json: EOF while parsing"),
        case(resume(&tsc0), 1, "machine.tsc_hz is 0"),
        case(
            resume(&huge),
            1,
            "spec: --max-lines 18446744073709551615 is outside 1..=16777216",
        ),
        case(resume(&format2), 1, "layout format 2"),
        case(resume(&rtm), 1, "it was run with hardware Rtm"),
        case(
            words(&[
                "sweep",
                "duration",
                "--mock-hardware",
                "--resume",
                &resumable,
            ]),
            1,
            "it is a capacity sweep, not a duration sweep",
        ),
        case(
            cap(&["--resume", &resumable, "--attempts", "20"]),
            1,
            "attempts: 10 vs. 20",
        ),
        case(
            cap(&["--resume", &resumable, "--op", "read"]),
            1,
            "ops: [\"write\"] vs. [\"read\"]",
        ),
        case(
            resume(&foreign_size_int),
            1,
            "line 2: not a row of this run: footprint 3 lines is not in this run's --sizes",
        ),
        case(
            resume(&dup_int),
            1,
            "duplicate row: write seq 2 lines rep 1 is already on line 5",
        ),
        // tmlab plot of folders whose rows do not belong to their run.
        case(plot(&f.path("missing")), 1, "no such folder"),
        case(plot(&f.path("empty")), 1, "not a tmlab run folder"),
        case(plot(&corrupt), 1, "meta.json: EOF while parsing"),
        case(plot(&tsc0), 1, "machine.tsc_hz is 0"),
        case(
            plot(&foreign_size),
            1,
            "line 2: not a row of this run: footprint 3 lines is not in this run's --sizes",
        ),
        case(
            plot(&pattern),
            1,
            "pattern random is not among this run's patterns (seq)",
        ),
        case(plot(&cold), 1, "warm is cold but this run is warm"),
        case(
            plot(&dup),
            1,
            "line 8: duplicate row: write seq 2 lines rep 1 is already on line 5",
        ),
        case(plot(&rep), 1, "rep 5 is beyond this run's 2 repetitions"),
        case(plot(&seed), 1, "seed 7 is not this run's seed"),
        case(plot(&header), 1, "line 1: unexpected header"),
        case(plot(&torn), 1, "points.csv: line 3:"),
        case(plot(&sum), 1, "commits (11) + aborts"),
        case(plot(&no_points), 1, "points.csv"),
        case(plot(&header_only), 1, "points.csv has no rows"),
        case(plot(&us), 1, "us 99 does not match 1000 cycles"),
        case(
            plot(&cycles),
            1,
            "1500 cycles is not one of this run's durations",
        ),
        case(
            words(&["plot", &good, "--plots-dir", &under_file]),
            1,
            "cannot create",
        ),
        case(
            words(&["plot", &good, "--plots-dir", &proc_dir]),
            1,
            "cannot create",
        ),
        // `tmlab report` and `tmlab run`.
        case(words(&["report"]), 2, "<DIR>"),
        case(words(&["report", &f.path("missing")]), 1, "no such folder"),
        case(
            words(&["report", &f.path("empty")]),
            1,
            "not a tmlab run folder (no run.json)",
        ),
        case(
            words(&["report", &f.path("file")]),
            1,
            "a file, not a run folder",
        ),
        case(
            words(&["report", &good]),
            1,
            "it is the folder of a single sweep",
        ),
        case(words(&["report", &run_csv]), 1, "points.csv: line 2: "),
        case(words(&["report", &run_json]), 1, "not a valid run.json"),
        case(words(&["report", &run_format]), 1, "layout format 2"),
        case(
            words(&["report", &run_stage]),
            1,
            "stage name \"../x\" is not a folder name",
        ),
        case(
            words(&["report", &run_probe]),
            1,
            "no `probe` object: not a saved probe",
        ),
        case(
            words(&["report", &study, "--plots-dir", "x"]),
            2,
            "unexpected argument '--plots-dir'",
        ),
        case(
            words(&["run", "--quick", "--full"]),
            2,
            "cannot be used with",
        ),
        case(
            words(&["run", "--quick", "--resume", &study]),
            2,
            "cannot be used with",
        ),
        case(
            words(&["run", "--resume", &f.path("missing")]),
            1,
            "cannot resume: ",
        ),
        case(
            words(&["run", "--resume", &f.path("empty")]),
            1,
            "not a tmlab run folder (no run.json)",
        ),
        case(
            words(&["run", "--resume", &run_json]),
            1,
            "not a valid run.json",
        ),
        case(
            words(&["run", "--bogus"]),
            2,
            "unexpected argument '--bogus'",
        ),
        case(
            words(&["run", "--results-dir", &under_file]),
            1,
            "cannot create the results folder",
        ),
    ];
    // The workload commands: bench and the thread and transaction-size sweeps.
    let wl = |kind: &str, extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "sweep",
            kind,
            "--backends",
            "tl2",
            "--ops",
            "10",
            "--no-plot",
            "--results-dir",
            &results,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let t = |extra: &[&str]| wl("threads", extra);
    let x = |extra: &[&str]| wl("txsize", extra);
    let bench = |extra: &[&str]| words(&[&["bench"], extra].concat());
    // Bad modelled-HTM backends: unknown preset, no policy, unreadable or invalid file, a probe
    // folder without RTM figures.
    let model_dir = std::env::temp_dir().join(format!("tmlab-misuse-model-{}", std::process::id()));
    std::fs::create_dir_all(&model_dir).unwrap();
    let bad_toml = model_dir.join("bad.toml");
    std::fs::write(&bad_toml, "l1_sets = 48\nl1_ways = 8\n").unwrap();
    let no_rtm = model_dir.join("probe-no-rtm");
    std::fs::create_dir_all(&no_rtm).unwrap();
    std::fs::write(
        no_rtm.join("probe.json"),
        r#"{"probe": {"rtm_usable": false, "reason": "no CPUID bit"}}"#,
    )
    .unwrap();
    let bad_file = format!("model:file={}@glibc", bad_toml.display());
    let missing_file = format!("model:file={}@glibc", model_dir.join("none.toml").display());
    let no_rtm_probe = format!("model:probe={}@glibc", no_rtm.display());
    let mb = |b: &str| bench(&["--workload", "counter", "--backend", b, "--ops", "10"]);
    cases.extend([
        case(
            mb("model:nehalem@glibc"),
            2,
            "unknown model preset `nehalem`",
        ),
        case(mb("model:haswell"), 2, "needs its retry policy"),
        case(mb("model:haswell@lifo"), 2, "unknown policy"),
        case(mb("model:haswell@glibc+mcs"), 2, "+ticket"),
        case(mb("model:file=@glibc"), 2, "file= needs the path"),
        case(mb(&bad_file), 2, "bad.toml: l1_sets: 48"),
        case(mb(&missing_file), 2, "cannot read the model configuration"),
        case(mb(&no_rtm_probe), 2, "this probe has no RTM figures"),
        case(mb("model:probe=@glibc"), 2, "probe= needs"),
    ]);
    // compare-model: its probe is checked before anything runs.
    let no_rtm_dir = no_rtm.display().to_string();
    let missing_probe = model_dir.join("no-probe-here").display().to_string();
    cases.extend([
        case(
            words(&["compare-model", "--mock-hardware"]),
            2,
            "--probe <DIR>",
        ),
        case(
            words(&["compare-model", "--probe", &missing_probe]),
            2,
            "cannot read the probe result",
        ),
        case(
            words(&["compare-model", "--probe", &no_rtm_dir]),
            2,
            "this probe has no RTM figures",
        ),
        case(
            words(&["compare-model", "--quick", "--tiny"]),
            2,
            "cannot be used with",
        ),
    ]);
    // --backend of the hardware sweeps: rtm or model:<source>, never with the mock.
    let hb = |b: &str| words(&["sweep", "capacity", "--backend", b, "--sizes", "1,2"]);
    cases.extend([
        case(hb("htm:glibc"), 2, "expected `rtm` or `model:<preset>`"),
        case(hb("model:nehalem"), 2, "unknown model preset `nehalem`"),
        case(
            hb(&bad_file.replace("@glibc", "")),
            2,
            "bad.toml: l1_sets: 48",
        ),
        case(
            words(&[
                "sweep",
                "duration",
                "--backend",
                "model:haswell",
                "--mock-hardware",
            ]),
            2,
            "cannot be used with",
        ),
        case(
            words(&["run", "--model", "nehalem"]),
            2,
            "unknown model preset `nehalem`",
        ),
        // The probe's --backend: the same sources as the sweeps'.
        case(
            words(&["probe", "--backend", "htm:glibc"]),
            2,
            "expected `rtm` or `model:<preset>`",
        ),
        case(
            words(&["probe", "--backend", "model:nehalem"]),
            2,
            "unknown model preset `nehalem`",
        ),
        case(
            words(&["probe", "--backend", &format!("model:probe={no_rtm_dir}")]),
            2,
            "has no RTM figures",
        ),
    ]);
    // tmlab report-aborts of folders without a readable sites.csv.
    let sites_dir = std::env::temp_dir().join(format!("tmlab-misuse-sites-{}", std::process::id()));
    let header = "workload,backend,size,threads,rep,seed,site,outcome,count,cycles\n";
    let sites = |name: &str, body: &str| -> Vec<String> {
        let dir = sites_dir.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("sites.csv"), body).unwrap();
        words(&["report-aborts", &dir.display().to_string()])
    };
    let report = |dir: &str| words(&["report-aborts", dir]);
    cases.extend([
        case(words(&["report-aborts"]), 2, "<DIR>"),
        case(report(&f.path("missing")), 1, "no such folder"),
        case(report(&f.path("file")), 1, "no such folder"),
        case(report(&f.path("empty")), 1, "has no sites.csv"),
        case(report(&f.good.display().to_string()), 1, "has no sites.csv"),
        case(
            sites("bad-header", "site,count\nx,1\n"),
            1,
            "line 1: unexpected header",
        ),
        case(sites("no-rows", header), 1, "sites.csv has no rows"),
        case(
            sites(
                "bad-outcome",
                &format!("{header}bank,tl2,,1,0,1,bank::audit,bogus,3,\n"),
            ),
            1,
            "outcome \"bogus\" is not commit, fallback, user_abort or an abort cause",
        ),
        case(
            sites(
                "bad-count",
                &format!("{header}bank,tl2,,1,0,1,bank::audit,commit,-3,\n"),
            ),
            1,
            "line 2",
        ),
        case(
            sites(
                "zero-threads",
                &format!("{header}bank,tl2,,0,0,1,bank::audit,commit,3,\n"),
            ),
            1,
            "threads is 0",
        ),
        case(
            cap(&["--attribute"]),
            2,
            "unexpected argument '--attribute'",
        ),
        case(
            bench(&["--workload", "bank", "--backend", "tl2", "--attribute=yes"]),
            2,
            "--attribute",
        ),
    ]);
    cases.extend([
        case(
            bench(&["--workload", "bank", "--backend", "tl2", "--cycles=yes"]),
            2,
            "--cycles",
        ),
        case(
            t(&["--workload", "bank", "--cycles", "--cycles"]),
            2,
            "--cycles",
        ),
        case(
            t(&["--workload", "bank", "--accounts", "0"]),
            2,
            "--accounts",
        ),
        case(
            t(&["--workload", "bank", "--accounts", "99999999999"]),
            2,
            "--accounts",
        ),
        case(t(&["--workload", "gil", "--chunk", "0"]), 2, "--chunk"),
        case(
            t(&["--workload", "gil", "--shared-p", "1.5"]),
            2,
            "not a probability",
        ),
        case(
            t(&["--workload", "gil", "--shared-p", "-0.1"]),
            2,
            "not a probability",
        ),
        case(
            t(&["--workload", "gil", "--touch-words", "20"]),
            2,
            "--touch-words",
        ),
        case(t(&["--workload", "array", "--words", "0"]), 2, "--words"),
        case(
            t(&["--workload", "array", "--reads", "70000"]),
            2,
            "--reads",
        ),
        case(
            t(&[
                "--workload",
                "array",
                "--words",
                "64",
                "--reads",
                "40",
                "--writes",
                "40",
            ]),
            2,
            "cannot hold 40 distinct reads",
        ),
        case(
            t(&["--workload", "array", "--reads", "0", "--writes", "0"]),
            2,
            "touch something",
        ),
        case(
            t(&["--workload", "counter", "--accounts", "8"]),
            2,
            "does not apply",
        ),
        case(
            t(&["--workload", "bank", "--hot", "0:0.5"]),
            2,
            "at least one element",
        ),
        case(
            t(&["--workload", "bank", "--hot", "2000:0.5"]),
            2,
            "hot elements",
        ),
        case(
            t(&["--workload", "bank", "--hot", "4:2"]),
            2,
            "not between 0 and 1",
        ),
        case(
            t(&["--workload", "bank", "--threads", "0"]),
            2,
            "at least 1",
        ),
        case(
            t(&["--workload", "bank", "--threads", "2000"]),
            2,
            "above the limit",
        ),
        case(
            t(&["--workload", "bank", "--threads", "1,,2"]),
            2,
            "empty item",
        ),
        case(t(&["--workload", "nosuch"]), 2, "nosuch"),
        case(t(&["--workload", "bank", "--secs", "0"]), 2, "out of range"),
        case(
            t(&["--workload", "bank", "--warmup", "99999"]),
            2,
            "out of range",
        ),
        case(t(&["--workload", "bank", "--reps", "0"]), 2, "--reps"),
        case(
            t(&["--workload", "ll", "-i", "600", "-r", "512"]),
            2,
            "--initial",
        ),
        case(
            t(&["--workload", "rb", "--buckets", "4"]),
            2,
            "does not apply",
        ),
        case(t(&["--workload", "hs", "-u", "101"]), 2, "--update"),
        case(t(&["--workload", "sl", "--range", "2000000"]), 2, "--range"),
        case(x(&["--workload", "array", "--sizes", "0"]), 2, "at least 1"),
        case(
            x(&["--workload", "array", "--sizes", "1..70000"]),
            2,
            "above the limit",
        ),
        case(
            x(&["--workload", "array", "--sizes", "1..8:x1"]),
            2,
            "at least 2",
        ),
        case(
            x(&["--workload", "array", "--sizes", "40000"]),
            2,
            "cannot hold",
        ),
        case(
            x(&["--workload", "bank", "--sizes", "1,2"]),
            2,
            "no transaction-size knob",
        ),
        case(
            x(&["--workload", "array", "--knob", "chunk", "--sizes", "2"]),
            2,
            "--knob chunk",
        ),
        case(x(&["--workload", "array"]), 2, "--sizes"),
        case(
            words(&[
                "sweep",
                "threads",
                "--workload",
                "bank",
                "--backends",
                "tl3",
                "--results-dir",
                &results,
            ]),
            2,
            "valid backends: tl2",
        ),
        case(
            words(&[
                "sweep",
                "threads",
                "--workload",
                "bank",
                "--backends",
                "tl2,tl2",
                "--results-dir",
                &results,
            ]),
            2,
            "listed twice",
        ),
        case(
            words(&[
                "sweep",
                "threads",
                "--workload",
                "bank",
                "--backends",
                "htm:fixed",
                "--results-dir",
                &results,
            ]),
            2,
            "number of attempts",
        ),
        case(
            words(&[
                "sweep",
                "threads",
                "--workload",
                "bank",
                "--backends",
                "htm:glibc",
                "--results-dir",
                &results,
            ]),
            1,
            "nothing to run",
        ),
        case(
            words(&[
                "sweep",
                "threads",
                "--workload",
                "bank",
                "--backends",
                "seq",
                "--threads",
                "2",
                "--results-dir",
                &results,
            ]),
            1,
            "nothing to run",
        ),
        case(
            words(&[
                "sweep",
                "threads",
                "--resume",
                &good,
                "--workload",
                "bank",
                "--backends",
                "tl2",
                "--results-dir",
                &results,
            ]),
            1,
            "it is a capacity sweep, not a threads sweep",
        ),
        case(
            bench(&["--workload", "bank", "--backend", "seq", "--threads", "2"]),
            1,
            "one thread only",
        ),
        case(
            bench(&["--workload", "bank", "--backend", "htm:glibc"]),
            1,
            "RTM unusable",
        ),
        case(
            bench(&[
                "--workload",
                "bank",
                "--backend",
                "tl2",
                "--threads",
                "2000",
            ]),
            2,
            "--threads",
        ),
        case(
            bench(&["--workload", "bank", "--backend", "tl2", "--ops", "0"]),
            2,
            "--ops",
        ),
        case(
            bench(&[
                "--workload",
                "bank",
                "--backend",
                "tl2",
                "--secs",
                "1",
                "--ops",
                "5",
            ]),
            2,
            "cannot be used with",
        ),
        case(
            bench(&["--workload", "bank", "--backend", "tl2", "--format", "yaml"]),
            2,
            "yaml",
        ),
        case(
            bench(&[
                "--workload",
                "false-sharing",
                "--backend",
                "tl2",
                "--counters",
                "3",
            ]),
            2,
            "does not apply",
        ),
        case(
            bench(&[
                "--workload",
                "array",
                "--backend",
                "tl2",
                "--words",
                "4",
                "--reads",
                "4",
                "--writes",
                "1",
            ]),
            2,
            "cannot hold",
        ),
    ]);

    let before = snapshot(&f.root);
    let mut table = String::from("| input | exit | message |\n|---|---|---|\n");
    let mut failures = Vec::new();
    let shown = |s: &str| s.replace(&f.root.display().to_string(), "F");
    for c in &cases {
        let (code, err) = run(&c.args, Duration::from_secs(20));
        let message = err
            .lines()
            .find(|l| l.starts_with("error"))
            .or_else(|| err.lines().next())
            .unwrap_or("")
            .to_string();
        let input = format!(
            "tmlab {}",
            c.args
                .iter()
                .map(|a| if a.is_empty() {
                    "\"\"".to_string()
                } else {
                    a.clone()
                })
                .collect::<Vec<_>>()
                .join(" ")
        );
        table += &format!(
            "| `{}` | {} | {} |\n",
            shown(&input).replace('|', "\\|"),
            code.map_or("signal".into(), |c| c.to_string()),
            shown(&message).replace('|', "\\|")
        );
        if code == Some(101) || err.contains("panicked") {
            failures.push(format!("{input}: PANIC\n{err}"));
        } else if code != Some(c.exit) {
            failures.push(format!(
                "{input}: exit {code:?}, expected {}\n{err}",
                c.exit
            ));
        } else if !err.contains(&c.fragment) {
            failures.push(format!("{input}: stderr lacks {:?}\n{err}", c.fragment));
        }
        let after = snapshot(&f.root);
        if after != before {
            let changed: Vec<_> = after
                .keys()
                .chain(before.keys())
                .filter(|k| after.get(*k) != before.get(*k))
                .collect();
            failures.push(format!("{input}: changed or created {changed:?}"));
            break;
        }
    }
    match std::env::var("TMLAB_MISUSE_TABLE").as_deref() {
        Ok("1") => println!("{table}"),
        Ok(path) if !path.is_empty() => std::fs::write(path, &table).unwrap(),
        _ => {}
    }
    assert!(cases.len() >= 40);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    std::fs::remove_dir_all(&f.root).unwrap();
    let _ = std::fs::remove_dir_all(&sites_dir);
}
