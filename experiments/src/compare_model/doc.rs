//! The comparison as a document: a summary that sets each experiment's figure on RTM beside the
//! model's, then one section per experiment (table, sentence; the charts are added by
//! [`super::figures`]), the machine and the commands. Built from the run folder's files alone,
//! rendered by the report's Markdown and HTML writers.

use super::names;
use crate::comparison::{Comparison, PointSummary};
use crate::plot::numfmt;
use crate::report::doc::{self as rdoc, Doc, Section, Table};
use crate::report::facts::{self, Half};
use crate::report::study::{StageData, Study};
use crate::results::Loaded;
use std::collections::BTreeMap;
use tm::AbortCause;

fn lines(x: u64) -> String {
    format!("{} lines", numfmt::thousands(x))
}

/// The sweep of stage `name`, if it has data.
fn sweep<'s>(study: &'s Study, name: &str) -> Option<&'s Loaded> {
    study
        .stage(name)
        .and_then(StageData::sweep)
        .filter(|l| !l.is_empty())
}

/// The model's name (`model:probe=...`), from the modelled capacity stage's command line.
pub fn model_name(study: &Study) -> String {
    study
        .stage(names::CAPACITY_MODEL)
        .and_then(|s| s.stage.model())
        .map_or_else(|| "model:?".into(), |m| format!("model:{m}"))
}

/// The model's name for titles and captions: `model:probe=<the probe folder's name>`, or
/// `model:probe=(this run's probe)` (the full path is in the verdict and the data).
pub fn short_model_name(study: &Study) -> String {
    let full = model_name(study);
    let Some(dir) = full.strip_prefix("model:probe=") else {
        return full;
    };
    let dir = std::path::Path::new(dir);
    if dir == study.dir.join(names::PROBE) {
        return "model:probe=(this run's probe)".into();
    }
    dir.file_name().map_or(full.clone(), |n| {
        format!("model:probe=\u{2026}/{}", n.to_string_lossy())
    })
}

/// Whether the hardware side ran on the tests' mock.
pub fn is_mock(study: &Study) -> bool {
    study
        .stage(names::CAPACITY)
        .is_some_and(|s| s.stage.args.iter().any(|a| a == "--mock-hardware"))
}

/// How two 50 % brackets relate, in words.
fn agreement(hw: &Half, model: &Half, unit: &dyn Fn(u64) -> String) -> String {
    match (hw.last_ok, model.last_ok) {
        _ if hw.last_ok == model.last_ok && hw.first_fail == model.first_fail => {
            "the same bracket".into()
        }
        (Some(a), Some(b)) if a > 0 => format!(
            "the model's last point at \u{2265} 50 % is {} the hardware's ({} against {})",
            facts::times(b as f64 / a as f64),
            unit(b),
            unit(a)
        ),
        _ => "the brackets differ".into(),
    }
}

/// The capacity 50 % points of stage `name`, one per curve in the spec's order.
fn curves(study: &Study, name: &str) -> Vec<Half> {
    sweep(study, name).map(facts::capacity).unwrap_or_default()
}

fn bracket(h: Option<&Half>, unit: &dyn Fn(u64) -> String) -> String {
    h.map_or_else(|| "not run".into(), |h| h.words(unit))
}

fn capacity_section(study: &Study, model: &str, hw_name: &str) -> (Section, Vec<String>) {
    let (hw_halves, md_halves) = (
        curves(study, names::CAPACITY),
        curves(study, names::CAPACITY_MODEL),
    );
    // The spec's order (read before write, seq before same-set), hardware's curves first.
    let mut labels: Vec<String> = Vec::new();
    for h in hw_halves.iter().chain(&md_halves) {
        if !labels.contains(&h.label) {
            labels.push(h.label.clone());
        }
    }
    let by_label = |v: Vec<Half>| -> BTreeMap<String, Half> {
        v.into_iter().map(|h| (h.label.clone(), h)).collect()
    };
    let (hw, md) = (by_label(hw_halves), by_label(md_halves));
    let mut summary = Vec::new();
    let rows = labels
        .iter()
        .map(|label| {
            let (h, m) = (hw.get(label), md.get(label));
            let agree = match (h, m) {
                (Some(h), Some(m)) => agreement(h, m, &lines),
                _ => "not both measured".into(),
            };
            summary.push(format!(
                "Capacity, {label}: {hw_name} {}; the model {}: {agree}.",
                bracket(h, &lines),
                bracket(m, &lines)
            ));
            vec![label.clone(), bracket(h, &lines), bracket(m, &lines), agree]
        })
        .collect();
    let table = Table {
        header: vec![
            "curve".into(),
            format!("{hw_name}: commits \u{2265} 50 %"),
            "model (modelled)".into(),
            "agreement".into(),
        ],
        rows,
    };
    let sentence = format!(
        "The same refined capacity sweep on {hw_name} and on {model}. The model's read set is \
         slowed by its software accesses while its interrupts run on this machine's clock, so a \
         large modelled read footprint can fail by time before it fails by capacity."
    );
    (
        section(
            study,
            names::CAPACITY,
            names::CAPACITY_MODEL,
            "Capacity",
            sentence,
            table,
        ),
        summary,
    )
}

fn duration_section(study: &Study, model: &str, hw_name: &str) -> (Section, Vec<String>) {
    let half = |name| sweep(study, name).and_then(facts::duration);
    let (hw, md) = (half(names::DURATION), half(names::DURATION_MODEL));
    let us_of = |hz: f64| move |c: u64| format!("{} \u{b5}s", numfmt::sig(c as f64 / hz * 1e6, 3));
    let words = |h: &Option<(Half, f64)>| {
        h.as_ref()
            .map_or_else(|| "not run".into(), |(h, hz)| h.words(&us_of(*hz)))
    };
    let agree = match (&hw, &md) {
        (Some((h, hz)), Some((m, _))) => agreement(h, m, &us_of(*hz)),
        _ => "not both measured".into(),
    };
    let summary = vec![format!(
        "Duration: {hw_name} commits at least half the time {}; the model {}: {agree}.",
        words(&hw),
        words(&md)
    )];
    let table = Table {
        header: vec![
            "experiment".into(),
            format!("{hw_name}: commits \u{2265} 50 %"),
            "model (modelled)".into(),
            "agreement".into(),
        ],
        rows: vec![vec![
            "spin in transaction".into(),
            words(&hw),
            words(&md),
            agree,
        ]],
    };
    let sentence = format!(
        "The same duration sweep on {hw_name} and on {model} (the model's interrupt rate is \
         calibrated on the probe's 50 % duration; its stage makes a third of the attempts, \
         because a modelled attempt spins its whole length)."
    );
    (
        section(
            study,
            names::DURATION,
            names::DURATION_MODEL,
            "Duration",
            sentence,
            table,
        ),
        summary,
    )
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The three most frequent abort causes of a point, as shares of its aborts.
fn top_causes(p: &PointSummary) -> String {
    let total: u64 = p.causes.iter().sum();
    if total == 0 {
        return "none".into();
    }
    let mut v: Vec<(AbortCause, u64)> = AbortCause::ALL
        .iter()
        .map(|&c| (c, p.causes[c.index()]))
        .filter(|&(_, n)| n > 0)
        .collect();
    v.sort_by_key(|b| std::cmp::Reverse(b.1));
    v.iter()
        .take(3)
        .map(|(c, n)| format!("{} {}", c.name(), pct(*n as f64 / total as f64)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn counter_section(study: &Study, model: &str, hw_name: &str) -> (Section, Vec<String>) {
    let cmp: Option<Comparison> = sweep(study, names::COUNTER).and_then(facts::comparison);
    let threads = super::COUNTER_THREADS;
    let point = |backend: &str| {
        cmp.as_ref()
            .and_then(|c| c.points.get(&(backend.to_string(), threads, None)))
    };
    let policy = crate::run::stages::POLICY;
    let hw_backend = format!("htm:{policy}");
    let model_backend = format!("{model}@{policy}");
    let skipped = sweep(study, names::COUNTER).and_then(|l| {
        l.meta
            .skipped
            .iter()
            .find(|s| s.backend == hw_backend)
            .map(|s| s.reason.clone())
    });
    let mut rows = Vec::new();
    let mut said = Vec::new();
    for (backend, what) in [(&hw_backend, "measured"), (&model_backend, "modelled")] {
        match point(backend) {
            Some(p) => {
                rows.push(vec![
                    format!("{backend} ({what})"),
                    format!(
                        "{} ({}-{})",
                        pct(p.abort_rate.median),
                        pct(p.abort_rate.min),
                        pct(p.abort_rate.max)
                    ),
                    format!(
                        "{} ({}-{})",
                        pct(p.fallback_share.median),
                        pct(p.fallback_share.min),
                        pct(p.fallback_share.max)
                    ),
                    top_causes(p),
                    p.reps.to_string(),
                ]);
                said.push(format!(
                    "{backend} {} {} of attempts aborted and {} of transactions on the fallback \
                     lock",
                    if what == "measured" {
                        "had"
                    } else {
                        "predicts"
                    },
                    pct(p.abort_rate.median),
                    pct(p.fallback_share.median)
                ));
            }
            None => {
                let why = if backend == &hw_backend {
                    skipped.clone().unwrap_or_else(|| "not run".into())
                } else {
                    "not run".into()
                };
                rows.push(vec![
                    format!("{backend} ({what})"),
                    why.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
                said.push(format!("{backend}: {why}"));
            }
        }
    }
    let summary = vec![format!(
        "One counter at {threads} threads: {}.",
        said.join("; the model, ")
    )];
    let table = Table {
        header: vec![
            "backend".into(),
            "aborts per attempt, median (min-max)".into(),
            "on the fallback lock".into(),
            "abort causes".into(),
            "reps".into(),
        ],
        rows,
    };
    let sentence = format!(
        "Every transaction increments the one counter, at {threads} threads, with the glibc \
         retry policy over {hw_name} and over the model. The abort rate and the fallback share \
         are the comparison; the model runs in software, so its throughput (in the chart) is not \
         a prediction of the hardware's."
    );
    let mut s = section(
        study,
        names::COUNTER,
        names::COUNTER,
        "Counter",
        sentence,
        table,
    );
    s.title = format!(
        "One counter at {threads} threads: {hw_name} and {}",
        short_model_name(study)
    );
    (s, summary)
}

/// A section over the hardware stage `hw` and the model stage `model`.
fn section(
    study: &Study,
    hw: &str,
    model: &str,
    title: &str,
    sentence: String,
    table: Table,
) -> Section {
    let stage = |name: &str| study.stage(name);
    let status = |name: &str| stage(name).map_or("not planned".into(), StageData::status);
    let mut files = Vec::new();
    for name in [hw, model] {
        if let Some(l) = stage(name).and_then(StageData::sweep)
            && !files.contains(&facts::rel(study, &l.run.points()))
        {
            files.push(facts::rel(study, &l.run.meta()));
            files.push(facts::rel(study, &l.run.points()));
        }
    }
    let status = if hw == model {
        status(hw)
    } else {
        format!("{}; stage {model}: {}", status(hw), status(model))
    };
    Section {
        id: hw.to_string(),
        title: format!(
            "{title}: {} and {}",
            hw_label(study),
            short_model_name(study)
        ),
        status,
        sentence,
        charts: Vec::new(),
        table: Some(table),
        files,
    }
}

/// What the hardware side is called: `RTM`, or the mock's warning.
fn hw_label(study: &Study) -> &'static str {
    if is_mock(study) {
        "MOCK hardware"
    } else {
        "RTM"
    }
}

/// Builds the document (without charts: [`super::figures::draw_all`] adds them).
pub fn build(study: &Study) -> Doc {
    let model = model_name(study);
    let short = short_model_name(study);
    let hw = hw_label(study);
    let mut verdict = Vec::new();
    if is_mock(study) {
        verdict.push(
            "MOCK DATA: the hardware side of this comparison is tmlab's test mock, not a \
             measurement; only the modelled side ran the model."
                .to_string(),
        );
    }
    verdict.push(format!(
        "Every {model} figure is modelled: predicted by a model of a best-effort HTM calibrated \
         on {}, not measured.",
        calibration(study)
    ));
    let (cap, cap_summary) = capacity_section(study, &model, hw);
    let (dur, dur_summary) = duration_section(study, &model, hw);
    let (cnt, cnt_summary) = counter_section(study, &model, hw);
    verdict.extend(cap_summary);
    verdict.extend(dur_summary);
    verdict.extend(cnt_summary);
    let left: Vec<&str> = study
        .stages
        .iter()
        .filter(|s| s.skipped.is_none() && s.status() != "complete")
        .map(|s| s.stage.name.as_str())
        .collect();
    if !left.is_empty() {
        verdict.push(format!(
            "This comparison is partial: {} not complete (finish it with tmlab compare-model \
             --resume {}).",
            left.join(", "),
            study.dir.display()
        ));
    }
    Doc {
        title: format!(
            "tmlab: {hw} against its model ({short}) on {}",
            study.manifest.host
        ),
        verdict,
        budget: study.manifest.budget_description.clone(),
        sections: vec![cap, dur, cnt],
        machine: rdoc::machine(study),
        commands: rdoc::commands(study),
    }
}

/// The probe the model was calibrated on, and its figures.
fn calibration(study: &Study) -> String {
    let source = model_name(study);
    let dir = source.trim_start_matches("model:probe=");
    let path = std::path::Path::new(dir);
    let probe = crate::report::study::read_probe(&path.join("probe.json"))
        .ok()
        .or_else(|| study.probe().cloned());
    match probe {
        Some(p) => {
            let n = |k: &str| p.probe[k].as_u64().map_or("?".into(), lines);
            let us = p.probe["duration_50_us"]
                .as_f64()
                .map_or("?".into(), |u| format!("{} \u{b5}s", numfmt::sig(u, 3)));
            format!(
                "the probe {} (write capacity {}, read capacity {}, 50 % duration {})",
                facts::rel(study, &p.path),
                n("write_capacity_lines"),
                n("read_capacity_lines"),
                us
            )
        }
        None => format!("the probe in {dir} (not readable now)"),
    }
}
