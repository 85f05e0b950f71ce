//! `tmlab run` and `tmlab report` as a user runs them: the built binary, with the test-only
//! `--tiny` budget (seconds), with RTM forced off (`TMLAB_NO_RTM=1`) and with whatever RTM this
//! machine has.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{text, tmlab};

/// A fresh temporary folder for test `name`.
fn temp(name: &str) -> PathBuf {
    common::temp(&format!("run-{name}"))
}

fn last_line(o: &Output) -> PathBuf {
    PathBuf::from(text(&o.stdout).lines().last().unwrap_or_default())
}

/// The only `*-run-*` folder under `root`.
fn run_folder(root: &Path) -> PathBuf {
    let v: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("-run-"))
        .collect();
    assert_eq!(v.len(), 1, "{v:?}");
    v[0].clone()
}

/// The result folders inside a stage folder.
fn stage_runs(run: &Path, stage: &str) -> Vec<PathBuf> {
    let dir = run.join(stage);
    if !dir.is_dir() {
        return Vec::new();
    }
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

fn rows(points: &Path) -> usize {
    std::fs::read_to_string(points).unwrap().lines().count() - 1
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn a_run_without_rtm_completes_and_its_report_says_why_first() {
    let root = temp("nortm");
    // `--model none`: no modelled stand-in, so the HTM stages and points are skipped.
    let o = tmlab(true, &["run", "--tiny", "--model", "none", "--results-dir"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let html = last_line(&o);
    let run = run_folder(&root);
    assert_eq!(html, run.join("report.html"));
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    let first = md.lines().find(|l| l.starts_with("- ")).unwrap();
    assert!(
        first.starts_with("- RTM is not usable here: forced off: TMLAB_NO_RTM is set."),
        "{first}"
    );
    assert!(md.contains("Stage `capacity`: skipped: RTM unusable: forced off"));
    assert!(!md.contains("htm:glibc tx/s"), "no HTM column without RTM");
    let manifest = json(&run.join("run.json"));
    let skipped: Vec<&str> = manifest["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["capacity", "duration"]);
    // Four software backends x two thread counts, one repetition.
    let bank = stage_runs(&run, "threads-bank");
    assert_eq!(bank.len(), 1);
    assert_eq!(rows(&bank[0].join("points.csv")), 8);
    // `tmlab report` rebuilds the same report from the folder alone.
    std::fs::remove_file(run.join("report.md")).unwrap();
    let r = tmlab(true, &["report"]).arg(&run).output().unwrap();
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert_eq!(last_line(&r), run.join("report.html"));
    assert_eq!(std::fs::read_to_string(run.join("report.md")).unwrap(), md);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn without_rtm_the_modelled_htm_stands_in_and_says_so() {
    let root = temp("modelled");
    let o = tmlab(true, &["run", "--tiny", "--results-dir"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let run = run_folder(&root);
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    let first = md.lines().find(|l| l.starts_with("- ")).unwrap();
    assert!(
        first.starts_with("- RTM is not usable here: forced off: TMLAB_NO_RTM is set.")
            && first.contains("every HTM figure below is modelled (model:skylake)"),
        "{first}"
    );
    assert!(md.contains("- Modelled (model:skylake), not measured: a transaction commits"));
    assert!(md.contains("model:skylake@glibc (modelled) tx/s"));
    assert!(!md.contains("htm:glibc tx/s"));
    let manifest = json(&run.join("run.json"));
    assert_eq!(
        manifest["skipped"].as_array().unwrap().len(),
        0,
        "{manifest}"
    );
    for stage in ["capacity", "duration"] {
        let v = stage_runs(&run, stage);
        assert_eq!(v.len(), 1, "{stage}");
        assert!(
            v[0].display()
                .to_string()
                .contains(&format!("-{stage}-model-"))
        );
        let meta = json(&v[0].join("meta.json"));
        assert_eq!(
            (meta["hardware"].as_str(), meta["spec"]["model"].as_str()),
            (Some("model"), Some("skylake"))
        );
    }
    // Five backends (the model in place of htm:glibc) x two thread counts, one repetition.
    let bank = stage_runs(&run, "threads-bank");
    assert_eq!(rows(&bank[0].join("points.csv")), 10);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_run_on_this_machines_rtm_completes_consistently() {
    let root = temp("here");
    let o = tmlab(false, &["run", "--tiny", "--results-dir"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let run = run_folder(&root);
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    let first = md.lines().find(|l| l.starts_with("- ")).unwrap();
    let capacity = stage_runs(&run, "capacity");
    if first.starts_with("- RTM works here") {
        assert_eq!(capacity.len(), 1, "capacity measured where RTM works");
        assert!(md.contains("htm:glibc tx/s"));
    } else {
        assert!(first.starts_with("- RTM is not usable here: "), "{first}");
        assert_eq!(capacity.len(), 1, "the model stands in for RTM");
        assert!(
            capacity[0]
                .display()
                .to_string()
                .contains("-capacity-model-")
        );
        htm::skipped(
            "the RTM part of a_run_on_this_machines_rtm_completes_consistently",
            first
                .trim_start_matches("- RTM is not usable here: ")
                .split(". ")
                .next()
                .unwrap_or(first),
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn an_interrupted_run_resumes_to_the_complete_study() {
    let root = temp("resume");
    let mut child = tmlab(true, &["run", "--tiny", "--model", "none", "--results-dir"])
        .arg(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !seen
        .iter()
        .any(|l: &String| l.starts_with("stage 5/9 threads-counter: Threads"))
    {
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(l) => seen.push(l),
            Err(_) => panic!("stage 5 never started: {seen:?}"),
        }
    }
    let pid = child.id() as libc::pid_t;
    // SAFETY: `kill` has no memory-safety preconditions; the pid is our own unreaped child.
    let sent = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(sent, 0);
    let status = child.wait().unwrap();
    while let Ok(l) = lines.recv_timeout(Duration::from_secs(2)) {
        seen.push(l);
    }
    let stderr = seen.join("\n");
    assert_eq!(status.code(), Some(130), "{stderr}");
    let run = run_folder(&root);
    assert!(
        stderr.contains(&format!("run --resume {}", run.display())),
        "{stderr}"
    );
    assert!(
        stage_runs(&run, "txsize-array").is_empty(),
        "later stages not started"
    );
    assert!(!run.join("report.md").exists());

    let o = tmlab(true, &["run", "--resume"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(last_line(&o), run.join("report.html"));
    let counter = stage_runs(&run, "threads-counter");
    assert_eq!(
        counter.len(),
        1,
        "the interrupted stage was resumed, not restarted"
    );
    let meta = json(&counter[0].join("meta.json"));
    assert_eq!(meta["status"], "complete");
    assert_eq!(meta["resumes"].as_array().unwrap().len(), 1, "{meta}");
    assert_eq!(rows(&counter[0].join("points.csv")), 8);
    for stage in ["threads-bank", "threads-ll", "txsize-array"] {
        let v = stage_runs(&run, stage);
        assert_eq!(v.len(), 1, "{stage}");
        assert_eq!(json(&v[0].join("meta.json"))["status"], "complete");
    }
    assert_eq!(
        json(&run.join("run.json"))["sessions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(!md.contains("This run is partial"), "{md}");
    // Resuming a complete run only rewrites its report.
    let again = tmlab(true, &["run", "--resume"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(text(&again.stderr).contains("already complete"));
    assert_eq!(stage_runs(&run, "threads-counter").len(), 1);
    let _ = std::fs::remove_dir_all(&root);
}
