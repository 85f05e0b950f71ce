//! `tmlab probe` as a user runs it: the built binary, with RTM forced off (`TMLAB_NO_RTM=1`), so
//! the test behaves the same on every machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A fresh, empty results folder for one test.
fn temp_results(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "tmlab-probe-cli-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn tmlab(args: &[&str], results: &Path) -> (Output, Duration) {
    let t0 = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_tmlab"))
        .args(args)
        .arg("--results-dir")
        .arg(results)
        .env("TMLAB_NO_RTM", "1")
        .output()
        .expect("cannot run tmlab");
    (out, t0.elapsed())
}

const HARDWARE_KEYS: [&str; 5] = [
    "xbegin_xend_cycles",
    "spontaneous_abort_rate",
    "write_capacity_lines",
    "read_capacity_lines",
    "duration_50_us",
];

#[test]
fn json_probe_without_rtm_is_one_object_with_nulls_and_a_saved_run() {
    let results = temp_results("json");
    let (out, elapsed) = tmlab(&["probe", "--format", "json"], &results);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");

    let stdout = String::from_utf8(out.stdout).unwrap();
    // Exactly one JSON value, and it is an object.
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is not one JSON value");
    let o = v.as_object().expect("not an object");
    assert_eq!(o["rtm_usable"], false);
    assert!(
        o["reason"].as_str().unwrap().contains("TMLAB_NO_RTM"),
        "{}",
        o["reason"]
    );
    assert_eq!(o["reason_kind"], "forced_off");
    for key in HARDWARE_KEYS {
        assert!(o.contains_key(key), "missing {key}");
        assert!(o[key].is_null(), "{key} = {}", o[key]);
        assert!(
            o["notes"][key].as_str().unwrap().contains("TMLAB_NO_RTM"),
            "{key}"
        );
    }
    // Measured even without RTM. Its value is a timing, clamped at 0 when a batch is no slower
    // than the empty loop (it was, once, on a loaded 2-core machine running an unoptimized
    // build), so only its presence is checked here; benchmarks judge its size.
    let xadd = o["lock_xadd_cycles"].as_f64().unwrap();
    assert!(xadd.is_finite() && xadd >= 0.0, "{xadd}");
    for key in [
        "vendor",
        "family",
        "model",
        "stepping",
        "brand",
        "microcode",
        "hypervisor",
    ] {
        assert!(o["cpu"].as_object().unwrap().contains_key(key), "cpu.{key}");
    }
    for key in [
        "rtm",
        "hle",
        "rtm_always_abort",
        "tsx_force_abort",
        "tsxldtrk",
    ] {
        assert!(o["features"][key].is_boolean(), "features.{key}");
    }
    assert!(!o["verdict"].as_str().unwrap().is_empty());

    // Exactly one run folder, holding the saved probe with the machine and the git commit.
    let runs: Vec<PathBuf> = std::fs::read_dir(&results)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(
        runs[0]
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .contains("-probe-")
    );
    let saved_path = runs[0].join("probe.json");
    assert!(stderr.contains(saved_path.to_str().unwrap()), "{stderr}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved_path).unwrap()).unwrap();
    assert!(
        !saved["machine"]["software"]["git_commit"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert_eq!(saved["probe"], v, "the saved probe is the printed one");
    assert!(saved["started"].is_string() && saved["finished"].is_string());
    std::fs::remove_dir_all(&results).unwrap();
}

#[test]
fn text_probe_without_rtm_names_the_reason() {
    let results = temp_results("text");
    let (out, _) = tmlab(&["probe"], &results);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("TMLAB_NO_RTM"), "{text}");
    assert!(text.contains("lock xadd"));
    assert!(text.contains("pinned to core") || text.contains("not pinned"));
    assert!(text.contains("Saved"));
    assert_eq!(std::fs::read_dir(&results).unwrap().count(), 1);
    std::fs::remove_dir_all(&results).unwrap();
}

#[test]
fn bad_flags_fail_with_a_clear_message() {
    let results = temp_results("bad");
    for (args, expect) in [
        (&["probe", "--format", "yaml"][..], "yaml"),
        (&["probe", "--attempts", "0"][..], "--attempts"),
        (&["probe", "--no-such-flag"][..], "--no-such-flag"),
        (&["probe", "--core", "100000"][..], "--core 100000"),
    ] {
        let (out, _) = tmlab(args, &results);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // Nothing was measured, so no run folder (or only the empty root) exists.
    let runs = std::fs::read_dir(&results).map_or(0, |d| d.count());
    assert_eq!(runs, 0);
    let _ = std::fs::remove_dir_all(&results);
}

/// When the results folder cannot be created, the measurement is not lost: the report is printed
/// first, then the command fails saying why it could not be saved.
#[test]
fn a_probe_that_cannot_be_saved_still_prints_its_report() {
    let base = temp_results("unsaved");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::write(base.join("file"), "a file, not a folder").unwrap();
    let results = base.join("file").join("results");
    for format in ["text", "json"] {
        let (out, _) = tmlab(&["probe", "--format", format], &results);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
        if format == "text" {
            assert!(stdout.contains("lock xadd"), "{stdout}");
            assert!(
                stdout.contains("not saved (see the error below)"),
                "{stdout}"
            );
        } else {
            let v: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
            assert!(v["lock_xadd_cycles"].as_f64().unwrap() > 0.0);
        }
        assert!(
            stderr.contains("its report is printed above, but it could not be saved"),
            "{stderr}"
        );
        assert!(
            stderr.contains("cannot create the results folder"),
            "{stderr}"
        );
    }
    std::fs::remove_dir_all(&base).unwrap();
}
