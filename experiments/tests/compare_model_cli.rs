//! `tmlab compare-model` as a user runs it: the built binary with the test-only `--tiny` budget,
//! refusing where RTM is unusable, end to end on the tests' mock hardware with a fixture probe
//! (so it runs everywhere), and on this machine's RTM where there is one (SKIPPED elsewhere).

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{text, tmlab};

/// A fresh temporary folder for test `name`.
fn temp(name: &str) -> PathBuf {
    common::temp(&format!("cmp-{name}"))
}

/// A probe fixture (illustrative figures, marked as a fixture in the file: not a measurement).
const PROBE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/probe-fixture-rtm"
);

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

/// The only comparison folder under `root`.
fn compare_folder(root: &Path) -> PathBuf {
    let v: Vec<PathBuf> = entries(root)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("-compare-model"))
        .collect();
    assert_eq!(v.len(), 1, "{v:?}");
    v[0].clone()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn success(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    );
}

#[test]
fn without_rtm_it_refuses_and_creates_nothing() {
    let root = temp("nortm");
    let o = tmlab(true, &["compare-model", "--tiny", "--results-dir"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("RTM is not usable here"), "{err}");
    assert!(err.contains("--backend model:<preset>"), "{err}");
    assert!(entries(&root).is_empty(), "{:?}", entries(&root));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn on_the_mock_each_experiment_is_drawn_on_both_sides_and_everything_says_mock() {
    let root = temp("mock");
    let o = tmlab(
        true,
        &[
            "compare-model",
            "--tiny",
            "--mock-hardware",
            "--probe",
            PROBE,
            "--results-dir",
        ],
    )
    .arg(&root)
    .output()
    .unwrap();
    success(&o);
    let run = compare_folder(&root);
    assert!(run.to_string_lossy().contains("-compare-model-mock-"));
    let md = read(&run.join("compare.md"));
    for fragment in [
        "MOCK DATA: the hardware side of this comparison is tmlab's test mock",
        "calibrated on the probe",
        "write capacity 768 lines",
        "Capacity, read seq: MOCK hardware",
        "Capacity, write same-set: MOCK hardware",
        "Duration: MOCK hardware commits",
        "One counter at 2 threads",
        "model (modelled)",
        "(modelled) | ",
        "charts/capacity.png",
        "charts/duration.png",
    ] {
        assert!(md.contains(fragment), "{fragment:?} not in\n{md}");
    }
    // The counter's model point was run (RTM is off, so htm:glibc is not, and says why).
    let counter = md
        .lines()
        .find(|l| l.starts_with("| model:probe=") && l.contains("@glibc (modelled)"))
        .unwrap_or_else(|| panic!("no modelled counter row in\n{md}"));
    assert!(counter.contains(" %"), "{counter}");
    assert!(md.contains("| htm:glibc (measured) | RTM unusable"), "{md}");
    // One chart per experiment, with both sides in the capacity and duration charts.
    for (chart, labels) in [
        (
            "capacity.svg",
            &["MOCK: write seq", "model: write seq", "MODELLED"][..],
        ),
        (
            "duration.svg",
            &["MOCK: spin in transaction", "model: spin in transaction"][..],
        ),
    ] {
        let svg = read(&run.join("charts").join(chart));
        for l in labels {
            assert!(svg.contains(l), "{l:?} not in {chart}");
        }
        assert!(
            run.join("charts")
                .join(chart)
                .with_extension("png")
                .is_file()
        );
    }
    let counter_charts: Vec<PathBuf> = entries(&run.join("charts").join("counter"));
    assert_eq!(counter_charts.len(), 1, "{counter_charts:?}");
    assert!(counter_charts[0].join("aborts.png").is_file());
    let html = read(&run.join("compare.html"));
    assert!(html.contains("MOCK DATA"));
    // The report is rebuilt from the files alone, identically.
    let o = tmlab(true, &["report"]).arg(&run).output().unwrap();
    success(&o);
    assert_eq!(read(&run.join("compare.md")), md);
    // Resuming a complete comparison rewrites its report; `tmlab run` refuses the folder.
    let o = tmlab(true, &["compare-model", "--resume"])
        .arg(&run)
        .output()
        .unwrap();
    success(&o);
    assert!(text(&o.stderr).contains("already complete"));
    let o = tmlab(true, &["run", "--resume"])
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("was made by `tmlab compare-model`"),
        "{}",
        text(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn on_this_machines_rtm_the_hardware_and_its_model_are_compared() {
    let root = temp("here");
    let o = tmlab(false, &["compare-model", "--tiny", "--results-dir"])
        .arg(&root)
        .output()
        .unwrap();
    let err = text(&o.stderr);
    if o.status.code() == Some(1)
        && let Some((_, reason)) = err.split_once("RTM is not usable here: ")
    {
        htm::skipped(
            "on_this_machines_rtm_the_hardware_and_its_model_are_compared",
            reason
                .split_once(". A model alone")
                .map_or(reason, |(r, _)| r)
                .trim(),
        );
        let _ = std::fs::remove_dir_all(&root);
        return;
    }
    success(&o);
    let run = compare_folder(&root);
    let md = read(&run.join("compare.md"));
    assert!(!md.contains("MOCK"), "{md}");
    assert!(md.contains("model:probe=(this run's probe)"), "{md}");
    for fragment in [
        "Capacity, write seq: RTM",
        "Capacity, write same-set: RTM",
        "Duration: RTM commits",
        "| htm:glibc (measured) | ",
    ] {
        assert!(md.contains(fragment), "{fragment:?} not in\n{md}");
    }
    let hw = md
        .lines()
        .find(|l| l.starts_with("| htm:glibc (measured) | "))
        .unwrap();
    assert!(hw.contains(" %"), "the hardware counter point ran: {hw}");
    let svg = read(&run.join("charts").join("capacity.svg"));
    assert!(svg.contains("RTM: write seq") && svg.contains("model: write seq"));
    let _ = std::fs::remove_dir_all(&root);
}
