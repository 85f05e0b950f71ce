//! The probe's findings: the JSON object `--format json` prints, the aligned text report, and
//! the one-line verdict. Built from measured values only; pure, so it is tested without RTM.
//! A probe of the modelled HTM ([`ProbeModel`]) says so in every one of them.

use super::cost::Spread;
use super::search::Search;
use crate::kernels::Tally;
use crate::machine::Machine;
use htm::detect::{CpuInfo, TsxFeatures};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What the probe measured on RTM hardware, or on the modelled HTM when [`ProbeReport::model`]
/// is set (absent where RTM is unusable and no model ran).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Hardware {
    /// Empty `xbegin`/`xend` pairs, cycles per pair (on the model: its empty begin/commit, a
    /// software cost).
    pub xbegin_xend: Spread,
    /// Every empty transaction the cost measurement ran, by outcome.
    pub empty_transactions: Tally,
    /// The write-capacity search (sequential, warm, lines).
    pub write_capacity: Search,
    /// The read-capacity search (sequential, warm, lines).
    pub read_capacity: Search,
    /// The duration search (TSC cycles spun inside the transaction).
    pub duration_cycles: Search,
}

/// How the figures were obtained.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Method {
    /// Attempts planned per search point (stopped early once the 50 % outcome is decided).
    pub attempts_per_point: u64,
    /// Footprint searches: pattern and warm-up.
    pub footprint: String,
    /// Largest read footprint searched, lines.
    pub max_read_lines: u64,
    /// Largest write footprint searched, lines.
    pub max_write_lines: u64,
    /// Longest transaction searched, microseconds.
    pub max_duration_us: f64,
    /// How cycle figures are computed.
    pub cycles: String,
    /// How the buffers were prepared (`None` where none were allocated).
    pub preparation: Option<String>,
}

/// The modelled HTM a probe ran on (`--backend model:<source>`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProbeModel {
    /// The backend as named: `model:haswell`, `model:file=...`, `model:probe=...`.
    pub backend: String,
    /// The model in one phrase ([`model::ModelConfig::summary`]).
    pub summary: String,
    /// The modelled L1D's size, bytes.
    pub l1d_bytes: u64,
    /// The modelled read capacity, lines (L1 and the secondary read structure).
    pub read_capacity_lines: u64,
    /// Every parameter of the model ([`model::ModelConfig::params`]).
    pub params: BTreeMap<String, String>,
}

impl ProbeModel {
    /// The description of the model `spec` names.
    pub fn of(spec: &crate::backends::ModelSpec) -> ProbeModel {
        let c = &spec.config;
        ProbeModel {
            backend: format!("model:{}", spec.source),
            summary: c.summary(),
            l1d_bytes: c.l1_lines() * 64,
            read_capacity_lines: c.read_capacity_lines(),
            params: c.params().into_iter().collect(),
        }
    }
}

/// The probe's single JSON object (and the `probe` member of the saved `probe.json`).
///
/// `rtm_usable` and `reason` always describe this machine's RTM. When `model` is set, the
/// transaction figures are the modelled HTM's predictions, not measurements of this machine.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProbeReport {
    /// Whether RTM transactions commit here.
    pub rtm_usable: bool,
    /// Why RTM is unusable (`None` when usable).
    pub reason: Option<String>,
    /// The reason's stable identifier (`no_cpuid_bit`, `always_abort`, `never_commits`,
    /// `forced_off`, `not_x86`).
    pub reason_kind: Option<String>,
    /// The processor.
    pub cpu: CpuInfo,
    /// TSX feature bits.
    pub features: TsxFeatures,
    /// Core the probe thread was pinned to.
    pub pinned_core: Option<usize>,
    /// The pinning, in words (including why it failed, if it did).
    pub pinning: String,
    /// Measured TSC rate, Hz.
    pub tsc_hz: f64,
    /// Median TSC cycles of an empty `xbegin`/`xend` pair.
    pub xbegin_xend_cycles: Option<f64>,
    /// Median TSC cycles of a `lock xadd` on a private cached word.
    pub lock_xadd_cycles: Option<f64>,
    /// Aborts over attempts, among empty transactions.
    pub spontaneous_abort_rate: Option<f64>,
    /// Largest sequential warm write set committing at least half the time, lines.
    pub write_capacity_lines: Option<u64>,
    /// Largest sequential warm read set committing at least half the time, lines.
    pub read_capacity_lines: Option<u64>,
    /// Longest transaction committing at least half the time, microseconds.
    pub duration_50_us: Option<f64>,
    /// One line.
    pub verdict: String,
    /// Why a figure is missing, or what qualifies it, by JSON key.
    pub notes: BTreeMap<String, String>,
    /// How the figures were obtained.
    pub method: Method,
    /// `lock xadd` spread.
    pub lock_xadd: Spread,
    /// Everything measured on RTM hardware (or on the model), with spreads and every search
    /// point.
    pub hardware: Option<Hardware>,
    /// The modelled HTM the transaction figures come from; `None` (null) for this CPU's RTM.
    pub model: Option<ProbeModel>,
    /// Wall time of the probe, seconds.
    pub elapsed_s: f64,
}

/// The keys of the hardware figures, each null where unmeasured.
pub const HARDWARE_KEYS: [&str; 6] = [
    "xbegin_xend_cycles",
    "spontaneous_abort_rate",
    "write_capacity_lines",
    "read_capacity_lines",
    "duration_50_us",
    "lock_xadd_cycles",
];

impl ProbeReport {
    /// Assembles the report. `rtm` is the detection outcome, `hw` the transaction measurements
    /// (present when RTM is usable or a model ran), `model` the model they ran on, if any.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        machine: &Machine,
        rtm: &Result<(), htm::Unusable>,
        pinned_core: Option<usize>,
        pinning: String,
        lock_xadd: Spread,
        hw: Option<Hardware>,
        model: Option<ProbeModel>,
        method: Method,
        elapsed_s: f64,
    ) -> ProbeReport {
        let mut notes = BTreeMap::new();
        let (reason, reason_kind) = match rtm {
            Ok(()) => (None, None),
            Err(u) => (Some(u.to_string()), Some(u.kind().to_string())),
        };
        match (&model, rtm) {
            (Some(m), _) => {
                for key in &HARDWARE_KEYS[1..5] {
                    notes.insert(
                        key.to_string(),
                        format!(
                            "modelled ({}): the model's prediction, not this machine's RTM",
                            m.backend
                        ),
                    );
                }
                notes.insert(
                    HARDWARE_KEYS[0].to_string(),
                    format!(
                        "not predicted: the model ({}) runs in software, so its cost says \
                         nothing about hardware (its own cost is in hardware.xbegin_xend)",
                        m.backend
                    ),
                );
            }
            (None, Err(u)) => {
                for key in &HARDWARE_KEYS[..5] {
                    notes.insert(
                        key.to_string(),
                        format!("not measured: RTM unusable ({}): {u}", u.kind()),
                    );
                }
            }
            (None, Ok(())) => {}
        }
        let tsc_hz = machine.tsc_hz;
        let mut report = ProbeReport {
            rtm_usable: rtm.is_ok(),
            reason,
            reason_kind,
            cpu: machine.cpu.clone(),
            features: machine.features,
            pinned_core,
            pinning,
            tsc_hz,
            xbegin_xend_cycles: hw
                .as_ref()
                .filter(|_| model.is_none())
                .map(|h| h.xbegin_xend.median),
            lock_xadd_cycles: Some(lock_xadd.median),
            spontaneous_abort_rate: hw.as_ref().map(|h| {
                h.empty_transactions.aborts() as f64 / h.empty_transactions.attempts as f64
            }),
            write_capacity_lines: None,
            read_capacity_lines: None,
            duration_50_us: None,
            verdict: String::new(),
            notes,
            method,
            lock_xadd,
            hardware: None,
            model: None,
            elapsed_s,
        };
        if let Some(h) = &hw {
            // A qualifier (lower bound, ...) replaces the generic "modelled" note: the report's
            // `model` field and every output's title already say the figures are modelled.
            report.write_capacity_lines =
                capacity(&h.write_capacity, "write_capacity_lines", &mut report.notes);
            report.read_capacity_lines =
                capacity(&h.read_capacity, "read_capacity_lines", &mut report.notes);
            if let (Some(m), Some(found)) = (&model, report.read_capacity_lines)
                && found < m.read_capacity_lines
                && !h.read_capacity.censored
            {
                report.notes.insert(
                    "read_capacity_lines".into(),
                    format!(
                        "modelled ({}), below the model's read capacity ({} lines): the model's \
                         interrupts run on this machine's clock and its accesses are slower than \
                         hardware's, so long modelled read sets meet more interrupts than real \
                         ones would",
                        m.backend, m.read_capacity_lines
                    ),
                );
            }
            report.duration_50_us = duration_us(&h.duration_cycles, tsc_hz, &mut report.notes);
        }
        report.hardware = hw;
        report.model = model;
        report.verdict = verdict(&report, machine);
        report
    }

    /// The aligned, human-readable report.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let mut row = |label: &str, value: String| {
            let _ = writeln!(s, "{label:<16} {value}");
        };
        let c = &self.cpu;
        let brand = if c.brand.is_empty() {
            "(no brand string)"
        } else {
            &c.brand
        };
        row("CPU", brand.to_string());
        row(
            "",
            format!(
                "{} family {} model {} stepping {}, microcode {}, {}",
                c.vendor,
                c.family,
                c.model,
                c.stepping,
                c.microcode.as_deref().unwrap_or("unknown"),
                match (&c.hypervisor, &c.hypervisor_vendor) {
                    (false, _) => "bare metal (no hypervisor bit)".to_string(),
                    (true, Some(v)) => format!("under a hypervisor ({v})"),
                    (true, None) => "under a hypervisor".to_string(),
                }
            ),
        );
        let f = &self.features;
        let yn = |b: bool| if b { "yes" } else { "no" };
        row(
            "TSX CPUID bits",
            format!(
                "RTM {}  HLE {}  RTM_ALWAYS_ABORT {}  TSX_FORCE_ABORT {}  TSXLDTRK {}",
                yn(f.rtm),
                yn(f.hle),
                yn(f.rtm_always_abort),
                yn(f.tsx_force_abort),
                yn(f.tsxldtrk)
            ),
        );
        row(
            "RTM usable",
            match &self.reason {
                None => "yes (transactions commit)".to_string(),
                Some(r) => format!("no: {r}"),
            },
        );
        if let Some(m) = &self.model {
            row(
                "Transactions",
                format!(
                    "MODELLED: {} ({}); every transaction figure below is the model's \
                     prediction, not this machine's RTM",
                    m.backend, m.summary
                ),
            );
        }
        row("Thread", self.pinning.clone());
        row("TSC", format!("{:.3} GHz", self.tsc_hz / 1e9));
        row(
            "Buffers",
            self.method
                .preparation
                .clone()
                .unwrap_or_else(|| "none allocated (no hardware transactions run)".to_string()),
        );
        // Where RTM is unusable (and no model ran) the full reason is on the "RTM usable" line;
        // each figure names it.
        let missing = |key: &str| match (&self.reason_kind, &self.model) {
            (Some(kind), None) => format!("not measured: RTM unusable ({kind})"),
            _ => self
                .notes
                .get(key)
                .cloned()
                .unwrap_or_else(|| "not measured".into()),
        };
        let hw = self.hardware.as_ref();
        row(
            "xbegin/xend",
            match (hw, &self.model) {
                (Some(h), None) => cycles(&h.xbegin_xend),
                (Some(h), Some(_)) => format!(
                    "not predicted (a model runs in software); the model's own empty \
                     begin/commit: {}",
                    cycles(&h.xbegin_xend)
                ),
                (None, _) => missing("xbegin_xend_cycles"),
            },
        );
        row("lock xadd", cycles(&self.lock_xadd));
        row(
            "Spontaneous",
            match (hw, self.spontaneous_abort_rate) {
                (Some(h), Some(rate)) => format!(
                    "{:.4} % of {} empty transactions abort{}",
                    rate * 100.0,
                    h.empty_transactions.attempts,
                    causes(&h.empty_transactions)
                ),
                _ => missing("spontaneous_abort_rate"),
            },
        );
        let lines = |v: Option<u64>, key: &str, search: Option<&Search>| match (v, search) {
            (Some(n), Some(s)) => {
                let bound = if s.censored { ">= " } else { "" };
                format!(
                    "{bound}{n} lines ({}) committing >= 50 %; {} points{}",
                    bytes(n * 64),
                    s.points.len(),
                    self.notes
                        .get(key)
                        .map(|n| format!("; {n}"))
                        .unwrap_or_default()
                )
            }
            _ => missing(key),
        };
        row(
            "Write capacity",
            lines(
                self.write_capacity_lines,
                "write_capacity_lines",
                hw.map(|h| &h.write_capacity),
            ),
        );
        row(
            "Read capacity",
            lines(
                self.read_capacity_lines,
                "read_capacity_lines",
                hw.map(|h| &h.read_capacity),
            ),
        );
        row(
            "Duration 50 %",
            match (self.duration_50_us, hw) {
                (Some(us), Some(h)) => format!(
                    "{}{us:.1} us ({} TSC cycles); {} points{}",
                    if h.duration_cycles.censored {
                        ">= "
                    } else {
                        ""
                    },
                    h.duration_cycles.largest_passing.unwrap_or(0),
                    h.duration_cycles.points.len(),
                    self.notes
                        .get("duration_50_us")
                        .map(|n| format!("; {n}"))
                        .unwrap_or_default()
                ),
                _ => missing("duration_50_us"),
            },
        );
        row("Elapsed", format!("{:.2} s", self.elapsed_s));
        row("Verdict", self.verdict.clone());
        s
    }
}

/// The capacity figure of a footprint search, noting censoring and total failure.
fn capacity(s: &Search, key: &str, notes: &mut BTreeMap<String, String>) -> Option<u64> {
    match s.largest_passing {
        Some(n) => {
            if s.censored {
                notes.insert(
                    key.into(),
                    format!("lower bound: the largest footprint searched ({n} lines) still committed >= 50 %"),
                );
            }
            Some(n)
        }
        None => {
            notes.insert(
                key.into(),
                "0: even a single line committed less than half the time".into(),
            );
            Some(0)
        }
    }
}

/// The 50 % duration in microseconds, noting censoring, or why it is missing.
fn duration_us(s: &Search, tsc_hz: f64, notes: &mut BTreeMap<String, String>) -> Option<f64> {
    let key = "duration_50_us".to_string();
    match s.largest_passing {
        Some(c) => {
            if s.censored {
                notes.insert(
                    key,
                    "lower bound: the longest duration searched still committed >= 50 %".into(),
                );
            }
            Some(c as f64 / tsc_hz * 1e6)
        }
        None => {
            let first = s.points.first().map_or(0, |p| p.x);
            notes.insert(
                key,
                format!(
                    "missing: even the shortest duration searched ({first} cycles, {:.2} us) committed less than half the time",
                    first as f64 / tsc_hz * 1e6
                ),
            );
            None
        }
    }
}

fn cycles(s: &Spread) -> String {
    format!(
        "{:.1} TSC cycles (median of {} batches of {}; p10 {:.1}, p90 {:.1}, min {:.1}, max {:.1})",
        s.median, s.batches, s.ops_per_batch, s.p10, s.p90, s.min, s.max
    )
}

fn causes(t: &Tally) -> String {
    let parts: Vec<String> = Tally::ABORT_COLUMNS
        .iter()
        .zip(t.abort_counts())
        .filter(|&(_, n)| n > 0)
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn bytes(b: u64) -> String {
    if b >= 1 << 20 {
        format!("{:.1} MiB", b as f64 / f64::from(1 << 20))
    } else {
        format!("{:.1} KiB", b as f64 / 1024.0)
    }
}

/// The one-line verdict, from the measured (or, on a model, modelled) figures only.
pub fn verdict(r: &ProbeReport, machine: &Machine) -> String {
    if let Some(m) = &r.model {
        let l1 = format!(" of a modelled {} KiB L1D", m.l1d_bytes / 1024);
        return format!(
            "Modelled HTM {}, not this machine's RTM: {}",
            m.backend,
            figures(r, &l1).join("; ")
        );
    }
    let Some(reason_kind) = &r.reason_kind else {
        let mut parts = vec!["RTM works".to_string()];
        if let (Some(x), Some(l)) = (r.xbegin_xend_cycles, r.lock_xadd_cycles) {
            let ratio = if l > 0.0 {
                format!(" ({:.1}x a lock xadd)", x / l)
            } else {
                String::new()
            };
            parts.push(format!("an empty transaction costs {x:.0} cycles{ratio}"));
        }
        let l1 = machine
            .l1d
            .map(|c| format!(" of a {} KiB L1D", c.size_bytes / 1024))
            .unwrap_or_default();
        parts.extend(figures(r, &l1));
        return parts.join("; ");
    };
    format!(
        "RTM unusable here ({reason_kind}): no hardware-transaction figure can be measured on this {}; \
         only software TM and the lock baseline (or the modelled HTM, model:*) can run here",
        if machine.cpu.hypervisor {
            "virtual machine"
        } else {
            "machine"
        }
    )
}

/// The verdict's clauses on capacities, duration and the spontaneous abort rate; `l1` describes
/// the L1D the write capacity is set against (`" of a 48 KiB L1D"`, or empty).
fn figures(r: &ProbeReport, l1: &str) -> Vec<String> {
    let at_least = |censored: bool| if censored { "at least " } else { "" };
    let hw = r.hardware.as_ref();
    let mut parts = Vec::new();
    if let Some(w) = r.write_capacity_lines {
        parts.push(format!(
            "writes fit {}{w} lines ({}{l1})",
            at_least(hw.is_some_and(|h| h.write_capacity.censored)),
            bytes(w * 64)
        ));
    }
    if let Some(rd) = r.read_capacity_lines {
        parts.push(format!(
            "reads {}{rd} lines ({})",
            at_least(hw.is_some_and(|h| h.read_capacity.censored)),
            bytes(rd * 64)
        ));
    }
    if let Some(d) = r.duration_50_us {
        parts.push(format!(
            "half of all transactions survive {}{d:.0} us",
            at_least(hw.is_some_and(|h| h.duration_cycles.censored))
        ));
    }
    if let Some(rate) = r.spontaneous_abort_rate
        && rate > 0.01
    {
        parts.push(format!(
            "warning: {:.1} % of empty transactions abort, so every figure is noisy",
            rate * 100.0
        ));
    }
    parts
}

/// Fixtures shared by the probe's tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::Method;

    /// A method description for reports built in tests.
    pub(crate) fn method() -> Method {
        Method {
            attempts_per_point: 20,
            footprint: String::new(),
            max_read_lines: 1 << 10,
            max_write_lines: 1 << 10,
            max_duration_us: 10.0,
            cycles: String::new(),
            preparation: Some("pre-faulted and warmed".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::search::half_point;
    use super::*;

    fn spread(median: f64) -> Spread {
        Spread {
            median,
            p10: median,
            p90: median,
            min: median,
            max: median,
            batches: 1,
            ops_per_batch: 1,
            overhead_cycles_per_batch: 0.0,
        }
    }

    fn method() -> Method {
        super::tests_support::method()
    }

    /// A search over a scripted step curve (no hardware involved).
    fn step_search(threshold: u64, max: u64) -> Search {
        half_point(
            1,
            max,
            20,
            |_| 1,
            |x, planned| Tally {
                attempts: planned,
                commits: if x <= threshold { planned } else { 0 },
                ..Tally::default()
            },
        )
    }

    #[test]
    fn unusable_rtm_nulls_and_explains_every_hardware_figure() {
        let m = Machine::collect();
        let r = ProbeReport::new(
            &m,
            &Err(htm::Unusable::NoCpuidBit),
            Some(0),
            "pinned".into(),
            spread(5.0),
            None,
            None,
            method(),
            0.1,
        );
        let json = serde_json::to_value(&r).unwrap();
        for key in &HARDWARE_KEYS[..5] {
            assert!(json[key].is_null(), "{key}");
            assert!(r.notes[*key].contains("no_cpuid_bit"), "{key}");
        }
        assert_eq!(json["lock_xadd_cycles"], 5.0);
        assert_eq!(json["reason_kind"], "no_cpuid_bit");
        assert!(r.verdict.contains("unusable"));
        let text = r.text();
        assert!(text.contains("no CPUID bit"));
        assert_eq!(
            text.matches("not measured: RTM unusable (no_cpuid_bit)")
                .count(),
            5
        );
    }

    #[test]
    fn usable_rtm_reports_every_figure_with_its_qualifiers() {
        let m = Machine::collect();
        let hw = Hardware {
            xbegin_xend: spread(40.0),
            empty_transactions: Tally {
                attempts: 1000,
                commits: 990,
                status0: 10,
                ..Tally::default()
            },
            write_capacity: step_search(600, 1 << 12),
            read_capacity: step_search(1 << 20, 1 << 10), // censored at the bound
            duration_cycles: step_search(0, 1 << 10),     // even the shortest fails
        };
        let r = ProbeReport::new(
            &m,
            &Ok(()),
            Some(1),
            "pinned".into(),
            spread(20.0),
            Some(hw),
            None,
            method(),
            1.0,
        );
        assert_eq!(r.xbegin_xend_cycles, Some(40.0));
        assert_eq!(r.spontaneous_abort_rate, Some(0.01));
        assert_eq!(r.write_capacity_lines, Some(600));
        assert!(!r.notes.contains_key("write_capacity_lines"));
        assert_eq!(r.read_capacity_lines, Some(1 << 10));
        assert!(r.notes["read_capacity_lines"].starts_with("lower bound"));
        assert_eq!(r.duration_50_us, None);
        assert!(r.notes["duration_50_us"].starts_with("missing"));
        assert!(r.verdict.starts_with("RTM works"));
        assert!(r.verdict.contains("2.0x a lock xadd"));
        assert!(r.verdict.contains("writes fit 600 lines"));
        assert!(r.verdict.contains("reads at least 1024 lines"));
        let text = r.text();
        assert!(text.contains("600 lines (37.5 KiB)"));
        assert!(text.contains(">= 1024 lines"));
        assert!(text.contains("status0 10"));
    }

    #[test]
    fn a_modelled_probe_says_so_in_every_output_and_predicts_no_cost() {
        let m = Machine::collect();
        let hw = Hardware {
            xbegin_xend: spread(90.0),
            empty_transactions: Tally {
                attempts: 1000,
                commits: 1000,
                ..Tally::default()
            },
            write_capacity: step_search(512, 1 << 12),
            read_capacity: step_search(5000, 1 << 14),
            duration_cycles: step_search(600, 1 << 10),
        };
        let spec = crate::backends::ModelSpec::parse("haswell").unwrap();
        // Whatever this machine's RTM, the figures are the model's.
        for rtm in [Ok(()), Err(htm::Unusable::NoCpuidBit)] {
            let r = ProbeReport::new(
                &m,
                &rtm,
                Some(0),
                "pinned".into(),
                spread(5.0),
                Some(hw.clone()),
                Some(ProbeModel::of(&spec)),
                method(),
                1.0,
            );
            assert_eq!(r.rtm_usable, rtm.is_ok(), "this machine's RTM, as detected");
            assert_eq!(
                r.xbegin_xend_cycles, None,
                "a software cost is no prediction"
            );
            assert!(r.notes["xbegin_xend_cycles"].contains("not predicted"));
            assert_eq!(r.write_capacity_lines, Some(512));
            assert_eq!(r.spontaneous_abort_rate, Some(0.0));
            assert!(r.notes["write_capacity_lines"].starts_with("modelled (model:haswell)"));
            assert!(
                r.verdict.starts_with(
                    "Modelled HTM model:haswell, not this machine's RTM: writes fit 512 lines \
                     (32.0 KiB of a modelled 32 KiB L1D)"
                ),
                "{}",
                r.verdict
            );
            let json = serde_json::to_value(&r).unwrap();
            assert_eq!(json["model"]["backend"], "model:haswell");
            assert_eq!(json["model"]["params"]["l1_ways"], "8");
            let text = r.text();
            assert!(text.contains("MODELLED: model:haswell (64 sets x 8 ways"));
            assert!(
                r.notes["read_capacity_lines"].contains("below the model's read capacity"),
                "5000 lines found where the model holds 65536: the interrupts are named"
            );
            assert!(text.contains("the model's own empty begin/commit: 90.0 TSC cycles"));
            assert!(!text.contains("not measured"), "{text}");
        }
    }
}
