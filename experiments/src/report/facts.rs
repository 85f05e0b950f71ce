//! The numbers the report states, each computed from the run's rows by the same functions the
//! sweeps' tables and charts use ([`crate::analysis`], [`crate::comparison`]). Nothing here is
//! typed in: every figure comes from a data file, and a figure whose data is missing is `None`.

use super::study::Study;
use crate::analysis::{Crossing, Curve};
pub use crate::comparison::is_modelled;
use crate::comparison::{Comparison, is_htm};
use crate::results::{Loaded, Rows};
use crate::sweep::report::{capacity_curves, duration_curve};

/// A backend's name as the report shows it: a modelled backend (`model:*`) says so.
pub fn shown(backend: &str) -> String {
    if is_modelled(backend) {
        format!("{backend} (modelled)")
    } else {
        backend.to_string()
    }
}

/// Whether RTM is usable, as the run recorded it.
#[derive(Clone, Debug, PartialEq)]
pub struct RtmState {
    /// `Some(true)` usable, `Some(false)` unusable, `None` nothing recorded.
    pub usable: Option<bool>,
    /// The exact reason when unusable.
    pub reason: Option<String>,
    /// Where it was read.
    pub source: String,
}

/// RTM's state: from the probe, else from the first sweep's machine description.
pub fn rtm(study: &Study) -> RtmState {
    if let Some(p) = study.probe() {
        return RtmState {
            usable: p.probe["rtm_usable"].as_bool(),
            reason: p.probe["reason"].as_str().map(str::to_string),
            source: rel(study, &p.path),
        };
    }
    match study.machine() {
        Some(m) => RtmState {
            usable: Some(m.rtm_usable),
            reason: m.rtm_reason.clone(),
            source: "meta.json of the first sweep".into(),
        },
        None => RtmState {
            usable: None,
            reason: None,
            source: "nothing recorded".into(),
        },
    }
}

/// `path` relative to the run folder (as the report names files).
pub fn rel(study: &Study, path: &std::path::Path) -> String {
    path.strip_prefix(&study.dir)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Where one curve crosses 50 %: the largest x at or above it, and the first below.
#[derive(Clone, Debug, PartialEq)]
pub struct Half {
    /// The curve (`write seq`).
    pub label: String,
    /// Largest x whose median commit rate is at least 0.5 before the first failure.
    pub last_ok: Option<u64>,
    /// First x whose median is below 0.5.
    pub first_fail: Option<u64>,
}

impl Half {
    fn of(label: String, c: &Crossing) -> Half {
        Half {
            label,
            last_ok: c.last_ok.map(|s| s.x),
            first_fail: c.first_fail.map(|s| s.x),
        }
    }

    /// `up to 742 lines (below 50 % at 743)`, `at least 64 lines (every size tried)`, ...
    pub fn words(&self, unit: &dyn Fn(u64) -> String) -> String {
        match (self.last_ok, self.first_fail) {
            (Some(a), Some(b)) => format!("up to {} (below 50 % at {})", unit(a), unit(b)),
            (Some(a), None) => format!("at least {} (every size tried committed)", unit(a)),
            (None, Some(b)) => format!("below {} (the smallest tried)", unit(b)),
            (None, None) => "not measured".into(),
        }
    }
}

/// The capacity sweep's 50 % points, one per op x pattern.
pub fn capacity(l: &Loaded) -> Vec<Half> {
    match &l.rows {
        Rows::Capacity(rows) => capacity_curves(&l.meta, rows)
            .into_iter()
            .map(|(label, c)| Half::of(label, &c.crossing()))
            .collect(),
        _ => Vec::new(),
    }
}

/// The duration sweep's 50 % point, in TSC cycles, and the TSC rate that converts it.
pub fn duration(l: &Loaded) -> Option<(Half, f64)> {
    match &l.rows {
        Rows::Duration(rows) => {
            let c: Curve = duration_curve(rows);
            Some((
                Half::of("duration".into(), &c.crossing()),
                l.meta.machine.tsc_hz,
            ))
        }
        _ => None,
    }
}

/// The comparison of a workload sweep's rows, backends in the spec's order.
pub fn comparison(l: &Loaded) -> Option<Comparison> {
    match (&l.rows, l.meta.spec.scaling()) {
        (Rows::Workload(rows), Some(spec)) => {
            let order: Vec<String> = spec.backends.iter().map(|b| b.name.clone()).collect();
            Some(Comparison::of(rows, &order))
        }
        _ => None,
    }
}

/// HTM (or, without it, the best STM) against its competitors at one cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Versus {
    /// Threads.
    pub threads: u32,
    /// Size (`txsize` only).
    pub size: Option<u64>,
    /// The HTM backend measured here, with its median throughput.
    pub htm: Option<(String, f64)>,
    /// The best software TM by median throughput, with it.
    pub best_stm: Option<(String, f64)>,
    /// The lock's median throughput.
    pub lock: Option<f64>,
    /// The HTM backend's median abort rate and fallback share (fractions).
    pub htm_aborts: Option<(f64, f64)>,
}

impl Versus {
    /// HTM's median throughput over the best STM's.
    pub fn htm_over_stm(&self) -> Option<f64> {
        ratio(self.htm.as_ref()?.1, self.best_stm.as_ref()?.1)
    }

    /// The best STM's median throughput over the lock's.
    pub fn stm_over_lock(&self) -> Option<f64> {
        ratio(self.best_stm.as_ref()?.1, self.lock?)
    }

    /// HTM's median throughput over the lock's.
    pub fn htm_over_lock(&self) -> Option<f64> {
        ratio(self.htm.as_ref()?.1, self.lock?)
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0 && a.is_finite()).then(|| a / b)
}

/// The cell `threads` x `size` of a comparison; the first HTM backend is the one compared.
pub fn versus(c: &Comparison, threads: u32, size: Option<u64>) -> Versus {
    let htm_point = c
        .backends
        .iter()
        .filter(|b| is_htm(b))
        .find_map(|b| c.get(b, threads, size).map(|p| (b, p)));
    let htm = htm_point.map(|(b, p)| (b.clone(), p.throughput.median));
    let htm_aborts = htm_point.map(|(_, p)| (p.abort_rate.median, p.fallback_share.median));
    Versus {
        htm_aborts,
        threads,
        size,
        htm,
        best_stm: c.best_stm(threads, size).map(|(b, v)| (b.to_string(), v)),
        lock: c.get("lock", threads, size).map(|p| p.throughput.median),
    }
}

/// The fewest and the most threads of a comparison.
pub fn thread_ends(c: &Comparison) -> Option<(u32, u32)> {
    Some((*c.threads.first()?, *c.threads.last()?))
}

/// The cost of false sharing for one backend at `threads`: padded over packed throughput.
#[derive(Clone, Debug, PartialEq)]
pub struct SharingCost {
    /// The backend.
    pub backend: String,
    /// Threads.
    pub threads: u32,
    /// Padded median over packed median.
    pub cost: f64,
}

/// The cost of false sharing for every backend measured in both layouts, at the most threads
/// both runs share.
pub fn sharing_costs(packed: &Comparison, padded: &Comparison) -> Vec<SharingCost> {
    let Some(&t) = packed
        .threads
        .iter()
        .rev()
        .find(|t| padded.threads.contains(t))
    else {
        return Vec::new();
    };
    packed
        .backends
        .iter()
        .filter_map(|b| {
            let a = packed.get(b, t, None)?.throughput.median;
            let p = padded.get(b, t, None)?.throughput.median;
            Some(SharingCost {
                backend: b.clone(),
                threads: t,
                cost: ratio(p, a)?,
            })
        })
        .collect()
}

/// `3.1×` (two significant digits below 10, whole numbers above).
pub fn times(r: f64) -> String {
    if !r.is_finite() {
        "∞×".into()
    } else if r >= 10.0 {
        format!("{r:.0}×")
    } else if r >= 1.0 {
        format!("{r:.1}×")
    } else {
        format!("{r:.2}×")
    }
}
