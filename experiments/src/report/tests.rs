//! The report rendered from fixture run folders built here from known rows (one where RTM
//! works, one where it does not, and the modelled-backend hook), checking that the verdict and
//! the key numbers are the ones the rows imply.

use super::doc;
use super::study::{StageFiles, Study};
use crate::kernels::Tally;
use crate::kernels::footprint::{Op, Pattern, Warmth};
use crate::machine::Machine;
use crate::results::meta::tests::MACHINE_JSON;
use crate::results::points::PointsWriter;
use crate::results::rows::Record;
use crate::results::{CapacityRow, DurationRow, Hardware, Meta, Rows, Status, WorkloadRow};
use crate::run::budget::{Budget, BudgetName};
use crate::run::manifest::{Manifest, SkippedStage};
use crate::run::stages::{self, Stage, StageKind};
use crate::sweep::args::SweepKind;
use crate::sweep::scaling::{ScalingSpec, Skipped};
use crate::sweep::spec::{CapacitySpec, Cycles, DurationSpec, Sizes, SweepSpec};
use std::path::{Path, PathBuf};

const NO_RTM: &str = "no CPUID bit: CPUID.7.0:EBX[11] (RTM) is clear";

fn machine(rtm: bool) -> Machine {
    let mut m: Machine = serde_json::from_str(MACHINE_JSON).unwrap();
    m.rtm_usable = rtm;
    m.rtm_reason = (!rtm).then(|| NO_RTM.to_string());
    m
}

fn meta(spec: SweepSpec, hardware: Hardware, m: &Machine, skipped: Vec<Skipped>) -> Meta {
    Meta {
        format: crate::results::meta::FORMAT,
        hardware,
        spec,
        machine: m.clone(),
        pinned_core: None,
        started: "2026-12-04T00:00:00Z".into(),
        ended: Some("2026-12-04T00:01:00Z".into()),
        status: Status::Complete,
        resumes: Vec::new(),
        skipped,
        oversubscribed: false,
        models: Default::default(),
    }
}

/// Writes one sweep folder `RUN/STAGE/fixture/` with `meta` and `rows`.
fn sweep_folder<R: Record>(run: &Path, stage: &str, meta: &Meta, rows: &[R]) {
    let dir = run
        .join(stage)
        .join(format!("20261204T000000Z-{}-testhost", meta.spec.kind()));
    std::fs::create_dir_all(&dir).unwrap();
    meta.write(&dir.join("meta.json")).unwrap();
    let mut w = PointsWriter::<R>::create(&dir.join("points.csv")).unwrap();
    for r in rows {
        w.append(r).unwrap();
    }
}

fn tally(attempts: u64, commits: u64) -> Tally {
    Tally {
        attempts,
        commits,
        capacity: attempts - commits,
        ..Tally::default()
    }
}

/// The scaling spec a stage's own command line asks for.
fn scaling_spec(stage: &Stage, run: &Path) -> ScalingSpec {
    let crate::run::StageCommand::Sweep(args) =
        crate::run::parse_stage(&stage.argv(run, None)).unwrap()
    else {
        panic!("{} is not a sweep", stage.name)
    };
    match args.kind {
        SweepKind::Threads(a) => ScalingSpec::from_args(&a.common, None).unwrap(),
        SweepKind::Txsize(a) => {
            ScalingSpec::from_args(&a.common, Some((&a.sizes.0, a.knob))).unwrap()
        }
        _ => panic!("{} is not a workload sweep", stage.name),
    }
}

/// Rows of a workload stage: `tp(backend, threads, size)` is the throughput (none: not run).
/// The throughput of a fixture point, or `None` when it is not run.
type Throughput<'a> = &'a dyn Fn(&str, u64, Option<u64>) -> Option<f64>;

fn workload_rows(spec: &ScalingSpec, tp: Throughput<'_>) -> Vec<WorkloadRow> {
    let mut rows = Vec::new();
    let sizes: Vec<Option<u64>> = match &spec.sizes {
        Some(a) => a.sizes.iter().map(|&s| Some(s)).collect(),
        None => vec![None],
    };
    for rep in 0..spec.reps {
        for &size in &sizes {
            for &t in &spec.threads {
                for b in &spec.backends {
                    let Some(v) = tp(&b.name, t, size) else {
                        continue;
                    };
                    let mut r = crate::comparison::tests::row(&b.name, t as u32, size, rep, v);
                    r.seed = crate::bench::point::point_seed(spec.seed, rep);
                    spec.workload_at(size).unwrap().fill(&mut r);
                    rows.push(r);
                }
            }
        }
    }
    rows
}

/// Builds a complete run folder under a fresh temporary directory, with or without RTM.
fn fixture(name: &str, rtm: bool) -> PathBuf {
    fixture_with(name, rtm, None)
}

/// The same, with `model` standing in for RTM (as `tmlab run` plans it where RTM is unusable):
/// capacity and duration on the model, `model:<model>@glibc` in place of `htm:glibc`, every
/// other row as [`fixture`]'s.
fn fixture_with(name: &str, rtm: bool, model: Option<&str>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tmlab-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let budget = Budget::of(BudgetName::Tiny);
    let stages = stages::plan(&budget, 2, model);
    let mut manifest = Manifest {
        format: crate::run::manifest::FORMAT,
        kind: crate::run::manifest::RunKind::Viability,
        budget: BudgetName::Tiny,
        budget_description: budget.describe(),
        host: "testhost".into(),
        cores: 2,
        stages: stages.clone(),
        skipped: Vec::new(),
        sessions: Vec::new(),
    };
    let m = machine(rtm);
    let probe = serde_json::json!({
        "probe": {
            "rtm_usable": rtm,
            "reason": if rtm { None } else { Some(NO_RTM) },
            "verdict": if rtm { "RTM works (fixture)" } else { "RTM unusable (fixture)" },
            "xbegin_xend_cycles": if rtm { Some(30.0) } else { None },
            "lock_xadd_cycles": 17.0,
            "spontaneous_abort_rate": if rtm { Some(0.0) } else { None },
            "write_capacity_lines": if rtm { Some(700) } else { None },
            "read_capacity_lines": if rtm { Some(5000) } else { None },
            "duration_50_us": if rtm { Some(400.0) } else { None },
            "notes": {}
        },
        "machine": m,
    });
    let pdir = dir.join("probe").join("20261204T000000Z-probe-testhost");
    std::fs::create_dir_all(&pdir).unwrap();
    std::fs::write(pdir.join("probe.json"), probe.to_string()).unwrap();
    let hardware = match (model, rtm) {
        (Some(_), _) => Hardware::Model,
        (None, true) => Hardware::Rtm,
        (None, false) => Hardware::Software,
    };
    let with_model = |mut meta: Meta| {
        if let Some(source) = model {
            let config = crate::backends::ModelSpec::parse(source).unwrap().config;
            meta.models.insert(
                format!("model:{source}"),
                config.params().into_iter().collect(),
            );
        }
        meta
    };
    if rtm || model.is_some() {
        let cap = CapacitySpec {
            ops: vec![Op::Read, Op::Write],
            patterns: vec![Pattern::Seq],
            sizes: Sizes::List(vec![512, 1024, 4096, 8192]),
            warmth: Warmth::Warm,
            attempts: 10,
            reps: 1,
            seed: 1,
            model: model.map(str::to_string),
        };
        let mut rows = Vec::new();
        for (op, commits) in [(Op::Read, [10, 10, 9, 2]), (Op::Write, [9, 1, 0, 0])] {
            for (lines, c) in [512, 1024, 4096, 8192].into_iter().zip(commits) {
                rows.push(CapacityRow::new(
                    op,
                    Pattern::Seq,
                    lines,
                    Warmth::Warm,
                    0,
                    1,
                    &tally(10, c),
                ));
            }
        }
        sweep_folder(
            &dir,
            "capacity",
            &with_model(meta(SweepSpec::Capacity(cap), hardware, &m, vec![])),
            &rows,
        );
        let dur = DurationSpec {
            cycles: Cycles::List(vec![1000, 2000]),
            attempts: 10,
            reps: 1,
            seed: 1,
            model: model.map(str::to_string),
        };
        let rows = vec![
            DurationRow::new(1000, m.tsc_hz, 0, 1, &tally(10, 9)),
            DurationRow::new(2000, m.tsc_hz, 0, 1, &tally(10, 2)),
        ];
        sweep_folder(
            &dir,
            "duration",
            &with_model(meta(SweepSpec::Duration(dur), hardware, &m, vec![])),
            &rows,
        );
    } else {
        for s in ["capacity", "duration"] {
            manifest.skipped.push(SkippedStage {
                stage: s.into(),
                reason: format!("RTM unusable: {NO_RTM}"),
            });
        }
    }
    for stage in stages
        .iter()
        .filter(|s| matches!(s.kind, StageKind::Threads | StageKind::Txsize))
    {
        let spec = scaling_spec(stage, &dir);
        let name = stage.name.as_str();
        let tp = move |b: &str, t: u64, size: Option<u64>| -> Option<f64> {
            if b == "htm:glibc" && !rtm {
                return None;
            }
            // The modelled HTM gets the hardware's figures.
            let b = if b.starts_with("model:") {
                "htm:glibc"
            } else {
                b
            };
            let v = match (name, b, t, size) {
                ("threads-bank", b, 1, _) => [80.0, 100.0, 90.0, 50.0, 300.0][idx(b)],
                ("threads-bank", b, _, _) => [200.0, 150.0, 120.0, 60.0, 500.0][idx(b)],
                ("threads-counter", "htm:glibc", 2, _) => 50.0,
                ("threads-false-sharing", b, 2, _) => [300.0, 400.0, 200.0, 100.0, 100.0][idx(b)],
                ("threads-false-sharing-padded", b, 2, _) => {
                    [600.0, 800.0, 400.0, 150.0, 900.0][idx(b)]
                }
                ("txsize-array", "htm:glibc", _, Some(1)) => 400.0,
                ("txsize-array", "htm:glibc", _, _) => 50.0,
                ("txsize-array", "norec", _, _) => 100.0,
                ("txsize-array", _, _, _) => 50.0,
                (_, "norec", _, _) => 110.0,
                _ => 100.0,
            };
            Some(v)
        };
        let skipped = if rtm || model.is_some() {
            vec![]
        } else {
            vec![Skipped {
                backend: "htm:glibc".into(),
                threads: spec.threads.clone(),
                reason: format!("RTM unusable: {NO_RTM}"),
            }]
        };
        let rows = workload_rows(&spec, &tp);
        let hw = hardware;
        let kind = if stage.kind == StageKind::Txsize {
            SweepSpec::Txsize(spec)
        } else {
            SweepSpec::Threads(spec)
        };
        sweep_folder(
            &dir,
            &stage.name,
            &with_model(meta(kind, hw, &m, skipped)),
            &rows,
        );
    }
    manifest.write(&dir).unwrap();
    dir
}

/// Index of a backend in [`stages::BACKENDS`] order: tl2, norec, lsa, lock, htm:glibc.
fn idx(b: &str) -> usize {
    ["tl2", "norec", "lsa", "lock", "htm:glibc"]
        .iter()
        .position(|x| *x == b)
        .unwrap()
}

fn has(lines: &[String], needle: &str) {
    assert!(
        lines.iter().any(|l| l.contains(needle)),
        "{needle:?} is in no line of:\n{}",
        lines.join("\n")
    );
}

#[test]
fn a_hardware_run_gets_the_verdict_its_rows_imply() {
    let dir = fixture("hw", true);
    let study = Study::load(&dir).unwrap();
    let d = doc::build(&study);
    let v = &d.verdict;
    assert!(v[0].starts_with("RTM works here"), "{v:?}");
    has(v, "read seq up to 4,096 lines (below 50 % at 8,192 lines)");
    has(v, "write seq up to 512 lines (below 50 % at 1,024 lines)");
    // 1000 and 2000 cycles at the fixture machine's 2.5 GHz.
    has(v, "while it lasts up to 0.4 µs (below 50 % at 0.8 µs)");
    has(
        v,
        "bank: htm:glibc 3.0× the best STM (norec) at 1 thread, htm:glibc 2.5× the best STM (tl2) at 2 threads",
    );
    has(
        v,
        "counter: htm:glibc 0.91× the best STM (norec) at 1 thread, htm:glibc 0.45× the best STM (norec) at 2 threads",
    );
    has(v, "size 1: htm:glibc 4.0× the best STM (norec) at 1 thread");
    has(
        v,
        "size 4: htm:glibc 0.50× the best STM (norec) at 1 thread",
    );
    has(
        v,
        "at 2 threads htm:glibc beats the best STM up to size 1 and loses from size 4",
    );
    has(
        v,
        "at 2 threads by: tl2 2.0×, norec 2.0×, lsa 2.0×, lock 1.5×, htm:glibc 9.0×",
    );
    assert!(
        !v.iter()
            .any(|l| l.contains("modelled") || l.contains("partial")),
        "{v:?}"
    );
    let cap = d.sections.iter().find(|s| s.id == "capacity").unwrap();
    assert_eq!(
        cap.table.as_ref().unwrap().rows[1],
        ["write seq", "512 lines", "1,024 lines"]
    );
    // The whole pipeline: charts drawn, both files written, the HTML self-contained.
    let w = super::write(&dir).unwrap();
    let md = std::fs::read_to_string(&w.markdown).unwrap();
    assert!(md.contains("## Verdict\n\n- RTM works here"), "{md}");
    assert!(md.contains("(charts/capacity/"), "{md}");
    let html = std::fs::read_to_string(&w.html).unwrap();
    assert_eq!(html.matches("@font-face").count(), 1, "one embedded font");
    assert_eq!(html.matches("<svg ").count(), 15, "every chart inlined");
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
    assert!(html.contains("htm:glibc 9.0×"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_run_without_rtm_says_why_first_and_compares_stms_with_the_lock() {
    let dir = fixture("nortm", false);
    let study = Study::load(&dir).unwrap();
    let d = doc::build(&study);
    let v = &d.verdict;
    assert_eq!(
        v[0],
        format!(
            "RTM is not usable here: {NO_RTM}. Only the software TMs and the lock were measured."
        )
    );
    assert!(!v.iter().any(|l| l.contains("htm:glibc")), "{v:?}");
    has(
        v,
        "bank: the best STM (norec) 2.0× the lock at 1 thread, the best STM (tl2) 3.3× the lock at 2 threads",
    );
    has(v, "size 1: the best STM (norec) 2.0× the lock at 1 thread");
    has(
        v,
        "at 2 threads by: tl2 2.0×, norec 2.0×, lsa 2.0×, lock 1.5×.",
    );
    let cap = d.sections.iter().find(|s| s.id == "capacity").unwrap();
    assert_eq!(cap.status, format!("skipped: RTM unusable: {NO_RTM}"));
    let bank = d.sections.iter().find(|s| s.id == "threads-bank").unwrap();
    assert!(
        bank.sentence.contains("htm:glibc not run: RTM unusable"),
        "{}",
        bank.sentence
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn modelled_backends_are_labelled_and_partial_runs_say_so() {
    let dir = fixture("model", true);
    let mut study = Study::load(&dir).unwrap();
    for s in &mut study.stages {
        if let Some(StageFiles::Sweep(l)) = &mut s.files
            && let Rows::Workload(rows) = &mut l.rows
        {
            rows.iter_mut()
                .filter(|r| r.backend == "htm:glibc")
                .for_each(|r| r.backend = "model:skylake".into());
        }
    }
    study.stages.retain(|s| s.stage.name != "txsize-array");
    let mut missing = study.manifest.stages.last().unwrap().clone();
    missing.name = "threads-extra".into();
    study.stages.push(super::study::StageData {
        stage: missing,
        skipped: None,
        files: None,
    });
    let d = doc::build(&study);
    // A model runs in software: its throughput is no prediction, its aborts are.
    has(
        &d.verdict,
        "bank: model:skylake (modelled) predicts 1.9 % of attempts aborted and 0 % of \
         transactions on the fallback lock at 1 thread",
    );
    has(&d.verdict, "only its aborts are predictions");
    assert!(
        d.verdict
            .iter()
            .all(|l| !l.contains("model:skylake (modelled) 3.0×")),
        "{:?}",
        d.verdict
    );
    has(&d.verdict, "model:* backends are modelled");
    has(
        &d.verdict,
        "This run is partial: threads-extra not complete",
    );
    let bank = d.sections.iter().find(|s| s.id == "threads-bank").unwrap();
    assert!(
        bank.table
            .as_ref()
            .unwrap()
            .header
            .contains(&"model:skylake (modelled) tx/s".to_string())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn where_rtm_is_unusable_the_model_stands_in_and_every_figure_says_so() {
    let dir = fixture_with("modelled", false, Some("skylake"));
    let study = Study::load(&dir).unwrap();
    let d = doc::build(&study);
    let v = &d.verdict;
    assert!(
        v[0].starts_with(&format!("RTM is not usable here: {NO_RTM}.")),
        "{v:?}"
    );
    has(v, "every HTM figure below is modelled (model:skylake)");
    has(
        v,
        "Modelled (model:skylake), not measured: a transaction commits at least half the time \
         with these footprints: read seq up to 4,096 lines",
    );
    has(
        v,
        "bank: model:skylake@glibc (modelled) predicts 1.9 % of attempts aborted",
    );
    assert!(
        v.iter().all(|l| !l.contains("beats the best STM")),
        "no crossover of a model's throughput: {v:?}"
    );
    has(v, "model:* backends are modelled");
    let section = |id: &str| d.sections.iter().find(|s| s.id == id).unwrap();
    let cap = section("capacity");
    assert!(
        cap.title.contains("modelled HTM, model:skylake"),
        "{}",
        cap.title
    );
    assert!(
        cap.sentence
            .starts_with("Modelled (model:skylake): Write seq commits")
            || cap
                .sentence
                .starts_with("Modelled (model:skylake): Read seq commits"),
        "{}",
        cap.sentence
    );
    assert!(
        cap.sentence
            .contains("the modelled L1D 32 KiB holds 512 lines in 8 ways"),
        "{}",
        cap.sentence
    );
    let dur = section("duration");
    assert!(
        dur.sentence
            .starts_with("Modelled (model:skylake): A transaction"),
        "{}",
        dur.sentence
    );
    assert!(study.manifest.skipped.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_corrupt_stage_fails_the_load_naming_the_file_and_line() {
    let dir = fixture("corrupt", false);
    let points = std::fs::read_dir(dir.join("threads-bank"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("points.csv");
    let text = std::fs::read_to_string(&points).unwrap();
    std::fs::write(&points, text.replacen("\nbank,tl2,", "\nbank,tl2,x,", 1)).unwrap();
    let e = format!("{:#}", Study::load(&dir).unwrap_err());
    assert!(
        e.contains("threads-bank") && e.contains("points.csv: line 2"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
