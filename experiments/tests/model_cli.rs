//! The modelled HTM through the CLI, on any machine: `tmlab sweep threads` with a `model:*`
//! backend beside an STM runs to completion, its folder says `model`, `meta.json` records the
//! geometry, and its charts' captions say "modelled" (checked in the drawn SVG).

use std::path::PathBuf;
use std::process::Command;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_tmlab");

#[test]
fn sweep_threads_runs_on_the_model_and_says_so() {
    let root = std::env::temp_dir().join(format!("tmlab-model-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let o = Command::new(BIN)
        .args([
            "sweep",
            "threads",
            "--workload",
            "counter",
            "--backends",
            "model:haswell@glibc,tl2",
            "--threads",
            "1,2",
            "--ops",
            "500",
            "--reps",
            "1",
            "--results-dir",
        ])
        .arg(root.join("results"))
        .arg("--plots-dir")
        .arg(root.join("plots"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let run = PathBuf::from(stdout.lines().last().unwrap().trim());
    let folder = run.file_name().unwrap().to_string_lossy().into_owned();
    assert!(folder.contains("-threads-model-"), "{folder}");
    let meta = std::fs::read_to_string(run.join("meta.json")).unwrap();
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(meta["hardware"], "model");
    let geometry = &meta["models"]["model:haswell@glibc"];
    assert_eq!(geometry["modelled"], "true");
    assert_eq!(geometry["l1_sets"], "64");
    assert_eq!(geometry["l1_ways"], "8");
    let points = std::fs::read_to_string(run.join("points.csv")).unwrap();
    assert!(points.lines().any(|l| l.contains("model:haswell@glibc")));
    let svg = root.join("plots").join(&folder).join("throughput.svg");
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.contains("modelled HTM"), "the caption says modelled");
    std::fs::remove_dir_all(&root).unwrap();
}

/// One `tmlab bench` repetition of the false-sharing workload on the model, as JSON.
fn false_sharing(layout: &str) -> serde_json::Value {
    let o = Command::new(BIN)
        .args([
            "bench",
            "--workload",
            "false-sharing",
            "--backend",
            "model:haswell@fixed:3",
            "--threads",
            "2",
            "--ops",
            "3000",
            "--layout",
            layout,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    serde_json::from_str(out.lines().last().unwrap()).unwrap()
}

/// Packed per-thread counters share lines, so the modelled HTM (line-granular, like Intel's)
/// sees conflicts; padded ones never conflict. The threads start together and each does its
/// share, so they overlap; on a loaded machine a round may still not overlap, hence up to five.
#[test]
fn false_sharing_conflicts_on_the_model_only_when_packed() {
    let padded = false_sharing("lines");
    assert_eq!(padded["check_ok"], true);
    assert_eq!(
        padded["conflict"], 0,
        "padded counters never conflict: {padded}"
    );
    let mut conflicts = 0;
    for _ in 0..5 {
        let packed = false_sharing("packed");
        assert_eq!(packed["check_ok"], true);
        conflicts = packed["conflict"].as_u64().unwrap();
        if conflicts > 0 {
            break;
        }
    }
    assert!(
        conflicts > 0,
        "packed counters conflicted in none of five rounds"
    );
}

/// `tmlab sweep capacity --backend model:<preset>` on any machine: the same-set cliff at the
/// preset's associativity, the folder, `meta.json` and chart saying modelled.
#[test]
fn sweep_capacity_runs_on_the_model_and_says_so() {
    let root = std::env::temp_dir().join(format!("tmlab-model-cap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let o = Command::new(BIN)
        .args([
            "sweep",
            "capacity",
            "--backend",
            "model:sapphire-rapids",
            "--op",
            "write",
            "--pattern",
            "same-set",
            "--sizes",
            "12,13",
            "--attempts",
            "20",
            "--reps",
            "1",
            "--results-dir",
        ])
        .arg(root.join("results"))
        .arg("--plots-dir")
        .arg(root.join("plots"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("MODELLED HTM (model:sapphire-rapids)"),
        "{stdout}"
    );
    let run = PathBuf::from(stdout.lines().last().unwrap().trim());
    let folder = run.file_name().unwrap().to_string_lossy().into_owned();
    assert!(folder.contains("-capacity-model-"), "{folder}");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["hardware"], "model");
    assert_eq!(meta["spec"]["model"], "sapphire-rapids");
    assert_eq!(meta["models"]["model:sapphire-rapids"]["l1_ways"], "12");
    // 12 lines fit (no CAPACITY abort; the modelled interrupts may abort one now and then, more
    // so when the machine is busy and preempts the thread mid-transaction); 13 never do.
    let points = std::fs::read_to_string(run.join("points.csv")).unwrap();
    let rows = common::table(&run.join("points.csv"));
    let row = |lines: &str| rows.iter().find(|r| r["lines"] == lines).unwrap();
    let n = |lines: &str, col: &str| row(lines)[col].parse::<u64>().unwrap();
    assert!(
        n("12", "commits") >= 15 && n("12", "capacity") == 0,
        "{points}"
    );
    assert_eq!(
        (n("13", "commits"), n("13", "capacity")),
        (0, 20),
        "{points}"
    );
    let svg = root.join("plots").join(&folder).join("capacity.svg");
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.contains("Modelled HTM (model:sapphire-rapids) capacity"));
    std::fs::remove_dir_all(&root).unwrap();
}

/// `tmlab probe --backend model:<preset>` on any machine: the probe's write-capacity search
/// finds exactly the modelled L1D's lines; the JSON, the folder name and the verdict say
/// modelled; the empty transaction's cost is not passed off as a prediction; and such a probe
/// cannot calibrate `model:probe=` (it measured a model, not hardware).
#[test]
fn probe_runs_on_the_model_says_so_and_cannot_calibrate_a_model() {
    let root = common::temp("model-probe");
    for (preset, lines) in [("haswell", 512), ("sapphire-rapids", 768)] {
        let o = common::tmlab(
            false,
            &[
                "probe",
                "--backend",
                &format!("model:{preset}"),
                "--format",
                "json",
                "--attempts",
                "20",
                "--max-write-lines",
                "2048",
                "--max-read-lines",
                "2048",
                "--max-duration-us",
                "50",
                "--results-dir",
            ],
        )
        .arg(&root)
        .output()
        .unwrap();
        let stderr = common::text(&o.stderr);
        assert!(o.status.success(), "{stderr}");
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(r["write_capacity_lines"], lines, "{preset}: {r}");
        assert_eq!(r["model"]["backend"], format!("model:{preset}"));
        assert!(r["xbegin_xend_cycles"].is_null(), "{r}");
        assert!(r["hardware"]["xbegin_xend"]["median"].as_f64().unwrap() > 0.0);
        // Far below the modelled read capacity: the bound of the search, said to be one.
        assert_eq!(r["read_capacity_lines"], 2048, "{r}");
        assert!(
            r["notes"]["read_capacity_lines"]
                .as_str()
                .unwrap()
                .starts_with("lower bound"),
            "{r}"
        );
        let verdict = r["verdict"].as_str().unwrap();
        assert!(
            verdict.starts_with(&format!(
                "Modelled HTM model:{preset}, not this machine's RTM: writes fit {lines} lines"
            )),
            "{verdict}"
        );
        let saved = stderr
            .lines()
            .find_map(|l| l.strip_prefix("saved "))
            .unwrap_or_else(|| panic!("no saved path in {stderr}"));
        let folder = std::path::Path::new(saved.trim()).parent().unwrap();
        assert!(
            folder.to_string_lossy().contains("-probe-model-"),
            "{}",
            folder.display()
        );
        // A probe of a model is no calibration source.
        let o = common::tmlab(
            false,
            &[
                "sweep",
                "capacity",
                "--sizes",
                "1",
                "--backend",
                &format!("model:probe={}", folder.display()),
            ],
        )
        .output()
        .unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(
            common::text(&o.stderr).contains(&format!(
                "is a probe of the modelled HTM (model:{preset}), not of RTM hardware"
            )),
            "{}",
            common::text(&o.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}
