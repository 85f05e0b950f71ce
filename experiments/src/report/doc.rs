//! The report as a document: the verdict, one section per stage (chart, table, one computed
//! sentence), the machine, the commands and the data files. Built from a [`Study`] alone, then
//! rendered as Markdown ([`super::markdown`]) and HTML ([`super::html`]) with the same text.

use super::facts::{self, Half, Versus, rel, shown, times};
use super::study::{StageData, StageFiles, Study};
use crate::comparison::Comparison;
use crate::plot::numfmt;
use crate::results::Rows;
use crate::run::stages::StageKind;
use crate::stats::si;
use std::path::PathBuf;

/// A table: a header and rows of cells.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

/// A chart drawn from a stage's data.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The SVG file, relative to the run folder.
    pub svg: PathBuf,
    /// The PNG file, relative to the run folder.
    pub png: PathBuf,
}

/// One stage's section.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// The stage's name (the HTML anchor).
    pub id: String,
    /// Heading.
    pub title: String,
    /// `complete`, `skipped: ...`, ...
    pub status: String,
    /// The computed sentence of interpretation.
    pub sentence: String,
    /// Charts (filled in when they are drawn).
    pub charts: Vec<Chart>,
    /// The table.
    pub table: Option<Table>,
    /// Data files, relative to the run folder.
    pub files: Vec<String>,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    /// Heading.
    pub title: String,
    /// The verdict, one sentence per line; the first says whether RTM works.
    pub verdict: Vec<String>,
    /// The budget in words.
    pub budget: String,
    /// Sections, one per stage.
    pub sections: Vec<Section>,
    /// The machine, as label and value.
    pub machine: Vec<(String, String)>,
    /// Exact command lines: the sessions of the run, then each stage's own command.
    pub commands: Vec<String>,
}

fn lines(x: u64) -> String {
    format!("{} lines", numfmt::thousands(x))
}

/// Builds the document (without charts: [`super::write`] draws them and adds their paths).
pub fn build(study: &Study) -> Doc {
    let rtm = facts::rtm(study);
    let mut verdict = Vec::new();
    match (rtm.usable, &rtm.reason) {
        (Some(true), _) => verdict.push(format!(
            "RTM works here: transactions commit on this machine ({}).",
            rtm.source
        )),
        (Some(false), reason) => {
            let reason = reason.as_deref().unwrap_or("no reason recorded");
            verdict.push(match modelled_htm(study) {
                Some(source) => format!(
                    "RTM is not usable here: {reason}. The software TMs and the lock were \
                     measured; every HTM figure below is modelled (model:{source}): a \
                     prediction for that processor, not a measurement of this machine."
                ),
                None => format!(
                    "RTM is not usable here: {reason}. Only the software TMs and the lock were \
                     measured."
                ),
            })
        }
        (None, _) => verdict
            .push("Whether RTM works here is not recorded yet: the probe has not run.".to_string()),
    }
    if let Some(v) = limits_sentence(study) {
        verdict.push(v);
    }
    verdict.extend(workload_verdicts(study));
    if let Some(v) = txsize_verdict(study) {
        verdict.push(v);
    }
    if let Some(v) = sharing_verdict(study) {
        verdict.push(v);
    }
    if modelled_htm_runs(study) {
        verdict.push(
            "Figures of model:* backends are modelled (predicted by a model of a best-effort \
             HTM), not measured on this machine."
                .into(),
        );
    }
    let left: Vec<&str> = study
        .stages
        .iter()
        .filter(|s| s.skipped.is_none() && s.status() != "complete")
        .map(|s| s.stage.name.as_str())
        .collect();
    if !left.is_empty() {
        verdict.push(format!(
            "This run is partial: {} not complete (finish it with tmlab run --resume {}).",
            left.join(", "),
            study.dir.display()
        ));
    }
    let sections = study.stages.iter().map(|s| section(study, s)).collect();
    Doc {
        title: format!("tmlab viability report: {}", study.manifest.host),
        verdict,
        budget: study.manifest.budget_description.clone(),
        sections,
        machine: machine(study),
        commands: commands(study),
    }
}

/// Exact command lines: the sessions of the run, then each stage's own command.
pub(crate) fn commands(study: &Study) -> Vec<String> {
    let mut commands: Vec<String> = study
        .manifest
        .sessions
        .iter()
        .map(|s| s.command.join(" "))
        .collect();
    for s in &study.manifest.stages {
        commands.push(format!("tmlab {}", s.argv(&study.dir, None).join(" ")));
    }
    commands
}

/// The modelled HTM of the run's capacity or duration stage, if they ran on one.
fn modelled_htm(study: &Study) -> Option<String> {
    ["capacity", "duration"]
        .into_iter()
        .filter_map(|name| study.stage(name))
        .find_map(|s| s.stage.model().map(str::to_string))
}

/// `Modelled (model:X): ` before a sentence about a modelled sweep, else nothing.
fn modelled_prefix(l: &crate::results::Loaded) -> String {
    l.meta
        .spec
        .model()
        .map_or(String::new(), |m| format!("Modelled (model:{m}): "))
}

/// The capacity and duration limits, from the sweeps (else from the probe).
fn limits_sentence(study: &Study) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(l) = study.stage("capacity").and_then(StageData::sweep) {
        for h in facts::capacity(l) {
            parts.push(format!("{} {}", h.label, h.words(&lines)));
        }
    } else if let Some(p) = study.probe() {
        for (key, what) in [
            ("write_capacity_lines", "written"),
            ("read_capacity_lines", "read"),
        ] {
            if let Some(n) = p.probe[key].as_u64() {
                parts.push(format!("up to {} {what} (probe)", lines(n)));
            }
        }
    }
    let mut s = String::new();
    if !parts.is_empty() {
        s = format!(
            "A transaction commits at least half the time with these footprints: {}",
            parts.join("; ")
        );
    }
    let dur = study
        .stage("duration")
        .and_then(StageData::sweep)
        .and_then(facts::duration)
        .map(|(h, hz)| h.words(&|c| format!("{} µs", numfmt::sig(c as f64 / hz * 1e6, 3))))
        .or_else(|| {
            study
                .probe()
                .and_then(|p| p.probe["duration_50_us"].as_f64())
                .map(|us| format!("up to {} µs (probe)", numfmt::sig(us, 3)))
        });
    if let Some(d) = dur {
        if s.is_empty() {
            s = format!("A transaction commits at least half the time while it lasts {d}");
        } else {
            s = format!("{s}; and while it lasts {d}");
        }
    }
    if s.is_empty() {
        return None;
    }
    Some(match modelled_htm(study) {
        Some(m) => format!("Modelled (model:{m}), not measured: {}.", lower_first(&s)),
        None => format!("{s}."),
    })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn workload_name(s: &StageData) -> String {
    s.stage.name.trim_start_matches("threads-").to_string()
}

/// `htm:glibc 2.1× the best STM (tl2)` or, without HTM, `best STM tl2 1.3× the lock`.
/// The words for one cell. A modelled HTM runs in software here, so its throughput is the
/// model's own speed, not a prediction: its cell gives the aborts and fallbacks it predicts.
fn versus_words(v: &Versus) -> Option<String> {
    if let (Some((h, _)), Some((aborts, fallbacks))) = (&v.htm, v.htm_aborts)
        && facts::is_modelled(h)
    {
        return Some(format!(
            "{} predicts {} % of attempts aborted and {} % of transactions on the fallback lock",
            shown(h),
            numfmt::sig(aborts * 100.0, 2),
            numfmt::sig(fallbacks * 100.0, 2)
        ));
    }
    match (&v.htm, &v.best_stm) {
        (Some((h, _)), Some((b, _))) => Some(format!(
            "{} {} the best STM ({b})",
            shown(h),
            times(v.htm_over_stm()?)
        )),
        (None, Some((b, _))) => Some(format!(
            "the best STM ({b}) {} the lock",
            times(v.stm_over_lock()?)
        )),
        _ => None,
    }
}

fn threads_word(t: u32) -> String {
    format!("{t} thread{}", if t == 1 { "" } else { "s" })
}

/// One verdict line per thread sweep: HTM over the best STM at 1 and at most threads.
fn workload_verdicts(study: &Study) -> Vec<String> {
    let mut out = Vec::new();
    let mut parts = Vec::new();
    for s in &study.stages {
        if s.stage.kind != StageKind::Threads || s.stage.name.ends_with("-padded") {
            continue;
        }
        let Some(c) = s.sweep().and_then(facts::comparison) else {
            continue;
        };
        let Some((lo, hi)) = facts::thread_ends(&c) else {
            continue;
        };
        let mut cells = Vec::new();
        for t in if lo == hi { vec![lo] } else { vec![lo, hi] } {
            if let Some(w) = versus_words(&facts::versus(&c, t, None)) {
                cells.push(format!("{w} at {}", threads_word(t)));
            }
        }
        if !cells.is_empty() {
            parts.push(format!("{}: {}", workload_name(s), cells.join(", ")));
        }
    }
    if !parts.is_empty() {
        out.push(format!(
            "{}: {}.",
            if modelled_htm_runs(study) {
                "On the workloads (medians; a modelled HTM's throughput is the software model's \
                 own speed, so only its aborts are predictions)"
            } else {
                "Throughput (median transactions per second)"
            },
            parts.join("; ")
        ));
    }
    out
}

/// Whether a workload stage ran a modelled HTM backend.
fn modelled_htm_runs(study: &Study) -> bool {
    study.stages.iter().any(|s| {
        s.sweep().is_some_and(|l| match &l.rows {
            Rows::Workload(r) => r.iter().any(|r| facts::is_modelled(&r.backend)),
            _ => false,
        })
    })
}

/// HTM over the best STM for the smallest and the largest array transactions, and where it
/// stops winning.
fn txsize_verdict(study: &Study) -> Option<String> {
    let c = study
        .stage("txsize-array")
        .and_then(StageData::sweep)
        .and_then(facts::comparison)?;
    let (&small, &large) = (c.sizes.first()?, c.sizes.last()?);
    let mut parts = Vec::new();
    for size in [small, large] {
        let cells: Vec<String> = c
            .threads
            .iter()
            .filter_map(|&t| {
                versus_words(&facts::versus(&c, t, Some(size)))
                    .map(|w| format!("{w} at {}", threads_word(t)))
            })
            .collect();
        if !cells.is_empty() {
            parts.push(format!("size {size}: {}", cells.join(", ")));
        }
    }
    let mut s = format!(
        "Array transactions (size = slots read and written per transaction): {}",
        parts.join("; ")
    );
    for x in c.crossovers() {
        let t = threads_word(x.threads);
        s.push_str(&match (x.last_faster, x.first_slower) {
            (Some(a), Some(b)) => format!(
                "; at {t} {} beats the best STM up to size {a} and loses from size {b}",
                shown(&x.htm)
            ),
            (Some(_), None) => format!(
                "; at {t} {} beats the best STM at every size measured",
                shown(&x.htm)
            ),
            (None, _) => format!(
                "; at {t} {} is slower than the best STM at every size",
                shown(&x.htm)
            ),
        });
    }
    (!parts.is_empty()).then(|| format!("{s}."))
}

fn sharing(study: &Study) -> Option<Vec<facts::SharingCost>> {
    let packed = study
        .stage("threads-false-sharing")
        .and_then(StageData::sweep)
        .and_then(facts::comparison)?;
    let padded = study
        .stage("threads-false-sharing-padded")
        .and_then(StageData::sweep)
        .and_then(facts::comparison)?;
    Some(facts::sharing_costs(&packed, &padded))
}

/// What false sharing costs each backend: padded over packed throughput at the most threads.
fn sharing_verdict(study: &Study) -> Option<String> {
    let costs = sharing(study)?;
    let first = costs.first()?;
    let list: Vec<String> = costs
        .iter()
        .map(|c| format!("{} {}", shown(&c.backend), times(c.cost)))
        .collect();
    Some(format!(
        "False sharing (per-thread counters packed into shared lines instead of padded) divides \
         throughput at {} by: {}.",
        threads_word(first.threads),
        list.join(", ")
    ))
}

fn section(study: &Study, s: &StageData) -> Section {
    let mut files = Vec::new();
    let (sentence, table) = match &s.files {
        None => (
            match &s.skipped {
                Some(r) => format!("Not run: {r}."),
                None => "Not run yet.".to_string(),
            },
            None,
        ),
        Some(StageFiles::Probe(p)) => {
            files.push(rel(study, &p.path));
            probe_section(p)
        }
        Some(StageFiles::Sweep(l)) => {
            files.push(rel(study, &l.run.meta()));
            files.push(rel(study, &l.run.points()));
            match &l.rows {
                Rows::Capacity(_) => capacity_section(l),
                Rows::Duration(_) => duration_section(l),
                Rows::Workload(_) => workload_section(study, s, l),
            }
        }
    };
    Section {
        id: s.stage.name.clone(),
        title: s.stage.title.clone(),
        status: s.status(),
        sentence,
        charts: Vec::new(),
        table,
        files,
    }
}

fn probe_section(p: &super::study::ProbeData) -> (String, Option<Table>) {
    let v = &p.probe;
    let note = |key: &str| {
        v["notes"][key]
            .as_str()
            .unwrap_or("not measured")
            .to_string()
    };
    let num = |key: &str, f: &dyn Fn(f64) -> String| match v[key].as_f64() {
        Some(x) => f(x),
        None => note(key),
    };
    let rows = vec![
        vec![
            "RTM usable".to_string(),
            match v["rtm_usable"].as_bool() {
                Some(true) => "yes".into(),
                _ => format!(
                    "no: {}",
                    v["reason"].as_str().unwrap_or("no reason recorded")
                ),
            },
        ],
        vec![
            "empty xbegin/xend".into(),
            num("xbegin_xend_cycles", &|x| {
                format!("{} TSC cycles", numfmt::sig(x, 3))
            }),
        ],
        vec![
            "lock xadd".into(),
            num("lock_xadd_cycles", &|x| {
                format!("{} TSC cycles", numfmt::sig(x, 3))
            }),
        ],
        vec![
            "spontaneous abort rate".into(),
            num("spontaneous_abort_rate", &|x| {
                format!("{} %", numfmt::sig(100.0 * x, 3))
            }),
        ],
        vec![
            "write capacity (seq, 50 %)".into(),
            num("write_capacity_lines", &|x| lines(x as u64)),
        ],
        vec![
            "read capacity (seq, 50 %)".into(),
            num("read_capacity_lines", &|x| lines(x as u64)),
        ],
        vec![
            "duration at 50 % commits".into(),
            num("duration_50_us", &|x| format!("{} µs", numfmt::sig(x, 3))),
        ],
    ];
    (
        format!(
            "The probe's verdict: {}",
            v["verdict"].as_str().unwrap_or("none recorded")
        ),
        Some(Table {
            header: vec!["figure".into(), "value".into()],
            rows,
        }),
    )
}

fn capacity_section(l: &crate::results::Loaded) -> (String, Option<Table>) {
    let halves = facts::capacity(l);
    let table = Table {
        header: vec![
            "curve".into(),
            "largest footprint committing ≥ 50 %".into(),
            "first footprint below 50 %".into(),
        ],
        rows: halves
            .iter()
            .map(|h| {
                vec![
                    h.label.clone(),
                    h.last_ok.map_or("none".into(), lines),
                    h.first_fail.map_or("none measured".into(), lines),
                ]
            })
            .collect(),
    };
    let mut parts: Vec<String> = halves
        .iter()
        .map(|h: &Half| {
            format!(
                "{} commits at least half the time {}",
                h.label,
                h.words(&lines)
            )
        })
        .collect();
    if let Some((n, ways, size)) = crate::sweep::report::l1_reference(&l.meta) {
        parts.push(format!(
            "for comparison the {size} holds {} in {ways} ways",
            lines(n)
        ));
    }
    let mut sentence = format!("{}{}.", modelled_prefix(l), capitalize(&parts.join("; ")));
    if l.meta.spec.model().is_some() {
        sentence.push_str(
            " The model's interrupts run on this machine's clock while its accesses are slower \
             than hardware's, so large modelled read sets meet more interrupts than real ones \
             would: a read footprint below the modelled capacity that fails is bounded by time.",
        );
    }
    (sentence, Some(table))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn duration_section(l: &crate::results::Loaded) -> (String, Option<Table>) {
    let Rows::Duration(rows) = &l.rows else {
        return (String::new(), None);
    };
    let hz = l.meta.machine.tsc_hz;
    let us = |c: u64| format!("{} µs", numfmt::sig(c as f64 / hz * 1e6, 3));
    let curve = crate::sweep::report::duration_curve(rows);
    let table = Table {
        header: vec![
            "duration".into(),
            "TSC cycles".into(),
            "median commit rate".into(),
            "min-max".into(),
            "reps".into(),
        ],
        rows: curve
            .stats()
            .iter()
            .map(|p| {
                vec![
                    us(p.x),
                    numfmt::thousands(p.x),
                    format!("{:.3}", p.median),
                    format!("{:.3}-{:.3}", p.min, p.max),
                    p.reps.to_string(),
                ]
            })
            .collect(),
    };
    let sentence = match facts::duration(l) {
        Some((h, _)) => format!(
            "{}A transaction that spins inside commits at least half the time when it lasts {}.",
            modelled_prefix(l),
            h.words(&us)
        ),
        None => String::new(),
    };
    (sentence, Some(table))
}

/// A pivot table: one row per size x threads, one column per backend (median throughput).
fn pivot(c: &Comparison) -> Table {
    let sized = !c.sizes.is_empty();
    let mut header = Vec::new();
    if sized {
        header.push("size".to_string());
    }
    header.push("threads".into());
    header.extend(c.backends.iter().map(|b| format!("{} tx/s", shown(b))));
    header.push("fastest".into());
    let mut rows = Vec::new();
    for size in c.size_keys() {
        for &t in &c.threads {
            let mut row = Vec::new();
            if let Some(s) = size {
                row.push(s.to_string());
            }
            row.push(t.to_string());
            for b in &c.backends {
                row.push(match c.get(b, t, size) {
                    Some(p) if p.failed_checks > 0 => {
                        format!("{} (CHECK FAILED)", si(p.throughput.median))
                    }
                    Some(p) => format!(
                        "{} ({}-{}; aborts {:.0} %)",
                        si(p.throughput.median),
                        si(p.throughput.min),
                        si(p.throughput.max),
                        100.0 * p.abort_rate.median
                    ),
                    None => "not run".into(),
                });
            }
            row.push(c.fastest(t, size).map_or("-".into(), |f| shown(&f.backend)));
            rows.push(row);
        }
    }
    Table { header, rows }
}

fn workload_section(
    study: &Study,
    s: &StageData,
    l: &crate::results::Loaded,
) -> (String, Option<Table>) {
    let Some(c) = facts::comparison(l) else {
        return (String::new(), None);
    };
    let mut sentence = String::new();
    if let Some(&hi) = c.threads.last() {
        let size = c.sizes.first().copied();
        if let Some(f) = c.fastest(hi, size) {
            sentence = format!(
                "At {}{} the fastest backend is {}",
                threads_word(hi),
                size.map_or(String::new(), |s| format!(" and size {s}")),
                shown(&f.backend)
            );
            if let Some(m) = f.margin {
                sentence.push_str(&format!(" ({} the runner-up)", times(m)));
            }
            let v = facts::versus(&c, hi, size);
            if let Some(w) = versus_words(&v) {
                sentence.push_str(&format!("; {w}"));
            }
            if let (Some((h, _)), Some(r)) = (&v.htm, v.htm_over_lock())
                && !facts::is_modelled(h)
            {
                sentence.push_str(&format!(" and {} the lock ({})", times(r), shown(h)));
            }
        }
    }
    if s.stage.kind == StageKind::Txsize {
        for x in c
            .crossovers()
            .into_iter()
            .filter(|x| !facts::is_modelled(&x.htm))
        {
            let t = threads_word(x.threads);
            sentence.push_str(&match (x.last_faster, x.first_slower) {
                (Some(a), Some(b)) => {
                    format!("; at {t} HTM beats the best STM up to size {a}, loses from {b}")
                }
                (Some(_), None) => format!("; at {t} HTM beats the best STM at every size"),
                (None, _) => format!("; at {t} HTM is slower than the best STM at every size"),
            });
        }
    }
    if s.stage.name == "threads-false-sharing-padded"
        && let Some(costs) = sharing(study)
    {
        let list: Vec<String> = costs
            .iter()
            .map(|c| format!("{} {}", shown(&c.backend), times(c.cost)))
            .collect();
        if !list.is_empty() {
            sentence.push_str(&format!(
                "; padded over packed throughput: {}",
                list.join(", ")
            ));
        }
    }
    for k in &l.meta.skipped {
        sentence.push_str(&format!("; {} not run: {}", k.backend, k.reason));
    }
    if !sentence.is_empty() {
        sentence.push('.');
    }
    (sentence, Some(pivot(&c)))
}

/// The machine, as label and value (the probe's description, else the first sweep's).
pub(crate) fn machine(study: &Study) -> Vec<(String, String)> {
    let Some(m) = study.machine() else {
        return vec![("machine".into(), "not recorded".into())];
    };
    let f = &m.features;
    let mut v = vec![
        ("host".to_string(), m.hostname.clone()),
        ("CPU".into(), m.cpu_label()),
        (
            "family/model/stepping".into(),
            format!(
                "{} {}/{}/{}",
                m.cpu.vendor, m.cpu.family, m.cpu.model, m.cpu.stepping
            ),
        ),
        (
            "hypervisor".into(),
            if m.cpu.hypervisor {
                m.cpu
                    .hypervisor_vendor
                    .clone()
                    .unwrap_or_else(|| "yes".into())
            } else {
                "none".into()
            },
        ),
        (
            "TSX bits".into(),
            format!(
                "RTM {}, HLE {}, RTM_ALWAYS_ABORT {}, TSX_FORCE_ABORT {}, TSXLDTRK {}",
                f.rtm, f.hle, f.rtm_always_abort, f.tsx_force_abort, f.tsxldtrk
            ),
        ),
        (
            "cores".into(),
            format!(
                "{} online, {} available to the run",
                m.cores,
                m.cores_available.map_or("?".into(), |c| c.to_string())
            ),
        ),
        (
            "TSC".into(),
            format!("{} GHz", numfmt::sig(m.tsc_hz / 1e9, 4)),
        ),
        ("kernel".into(), m.kernel.clone()),
    ];
    if let Some(l1) = m.l1d {
        v.push((
            "L1D".into(),
            format!(
                "{} KiB, {}-way, {} sets, {}-byte lines",
                l1.size_bytes / 1024,
                l1.ways,
                l1.sets,
                l1.line_bytes
            ),
        ));
    }
    let s = &m.software;
    v.push((
        "software".into(),
        format!(
            "tmlab {} (git {}, dirty: {}), {}, {} profile",
            s.tmlab_version, s.git_commit, s.git_dirty, s.rustc, s.profile
        ),
    ));
    v
}
