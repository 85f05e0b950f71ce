//! Comparing backends on one workload: the summaries over repetitions that the tables, charts and
//! reports of the workload sweeps all use, so they can never disagree.
//!
//! A *point* is one backend x thread count x size (the size is absent in a `threads` sweep). Its
//! repetitions are summarized by medians with min and max ([`Spread`]) of throughput, abort rate
//! and fallback share, and by the pooled counts of every abort cause.
//!
//! - The **abort rate** of a repetition is the aborts per attempt, not counting explicit aborts:
//!   those are the workload's own cancellations (an overdrawn transfer), not the backend's doing.
//! - The **crossover** of an HTM backend at a thread count is found by walking the sizes in
//!   increasing order and comparing its median throughput with the best median of the software
//!   TMs (`tl2`, `norec`, `lsa`): the last size before the first where HTM is slower, and that
//!   first slower size.
//! - The **fastest** backend of a size x threads cell is the one with the highest median
//!   throughput; its margin is that median divided by the runner-up's.

use crate::results::WorkloadRow;
use crate::stats::Spread;
use std::collections::BTreeMap;
use tm::AbortCause;

/// The key of a point: backend name, threads, size.
pub type Key = (String, u32, Option<u64>);

/// One point over its repetitions.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSummary {
    /// Repetitions present.
    pub reps: usize,
    /// Transactions that took effect per second.
    pub throughput: Spread,
    /// Aborts per attempt, explicit (workload) aborts excluded.
    pub abort_rate: Spread,
    /// Share of completed transactions that ran on the fallback path.
    pub fallback_share: Spread,
    /// Aborts by cause, pooled over repetitions, indexed by [`AbortCause::index`].
    pub causes: [u64; AbortCause::COUNT],
    /// Attempts, pooled.
    pub attempts: u64,
    /// Commits plus fallbacks, pooled.
    pub completed: u64,
    /// Fallbacks, pooled.
    pub fallbacks: u64,
    /// Repetitions whose workload check failed.
    pub failed_checks: usize,
}

/// The abort rate of a row as [`PointSummary::abort_rate`] defines it.
pub fn abort_rate(r: &WorkloadRow) -> f64 {
    if r.attempts == 0 {
        0.0
    } else {
        (r.total_aborts() - r.explicit) as f64 / r.attempts as f64
    }
}

/// Every point of a run, summarized.
#[derive(Clone, Debug, Default)]
pub struct Comparison {
    /// Backend names in the order the spec lists them (only those with rows).
    pub backends: Vec<String>,
    /// Thread counts present, increasing.
    pub threads: Vec<u32>,
    /// Sizes present, increasing (empty for a `threads` sweep).
    pub sizes: Vec<u64>,
    /// The points.
    pub points: BTreeMap<Key, PointSummary>,
}

/// Whether a backend name is a software TM (the HTM's competitors in crossovers).
pub fn is_stm(name: &str) -> bool {
    matches!(name, "tl2" | "norec" | "lsa")
}

/// Whether a backend name is a hardware (or modelled hardware) TM.
pub fn is_htm(name: &str) -> bool {
    name.starts_with("htm:") || is_modelled(name)
}

/// Whether a backend's figures come from a model rather than this machine's hardware. A model
/// runs in software, so its throughput is the model's own speed, not a prediction: it has no
/// crossover and is not ranked among the fastest backends (its aborts and fallbacks are its
/// predictions).
pub fn is_modelled(name: &str) -> bool {
    name.starts_with("model:")
}

/// What a modelled HTM's throughput is ([`is_modelled`]), said under every chart and table that
/// shows one.
pub const MODEL_SPEED: &str = "a modelled HTM runs in software: its throughput is the model's \
     own speed, not a prediction of hardware's (its aborts and fallbacks are), so it has no \
     crossover and is not ranked as fastest";

/// Where an HTM backend stops beating the best software TM at one thread count.
#[derive(Clone, Debug, PartialEq)]
pub struct Crossover {
    /// The HTM backend.
    pub htm: String,
    /// Threads.
    pub threads: u32,
    /// The largest size before the first one where HTM is slower (`None`: slower from the start).
    pub last_faster: Option<u64>,
    /// The first size where HTM is slower (`None`: faster everywhere measured).
    pub first_slower: Option<u64>,
    /// HTM's median throughput over the best STM's at the smallest size.
    pub ratio_at_smallest: f64,
}

/// The fastest backend of one cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Fastest {
    /// Its name.
    pub backend: String,
    /// Its median throughput over the runner-up's (`None` with a single backend).
    pub margin: Option<f64>,
}

impl Comparison {
    /// Summarizes `rows`, listing backends in `order` (names not in `order` follow, sorted).
    pub fn of(rows: &[WorkloadRow], order: &[String]) -> Comparison {
        let mut groups: BTreeMap<Key, Vec<&WorkloadRow>> = BTreeMap::new();
        for r in rows {
            groups
                .entry((r.backend.clone(), r.threads, r.size))
                .or_default()
                .push(r);
        }
        let mut backends: Vec<String> = order
            .iter()
            .filter(|b| rows.iter().any(|r| &r.backend == *b))
            .cloned()
            .collect();
        let mut extra: Vec<String> = rows
            .iter()
            .map(|r| r.backend.clone())
            .filter(|b| !backends.contains(b))
            .collect();
        extra.sort();
        extra.dedup();
        backends.extend(extra);
        let mut threads: Vec<u32> = rows.iter().map(|r| r.threads).collect();
        threads.sort_unstable();
        threads.dedup();
        let mut sizes: Vec<u64> = rows.iter().filter_map(|r| r.size).collect();
        sizes.sort_unstable();
        sizes.dedup();
        let points = groups
            .into_iter()
            .map(|(k, rs)| {
                let values = |f: &dyn Fn(&WorkloadRow) -> f64| {
                    Spread::of(&rs.iter().map(|r| f(r)).collect::<Vec<_>>())
                };
                let mut causes = [0u64; AbortCause::COUNT];
                for r in &rs {
                    for (c, v) in causes.iter_mut().zip(r.aborts()) {
                        *c += v;
                    }
                }
                let s = PointSummary {
                    reps: rs.len(),
                    throughput: values(&|r| r.throughput),
                    abort_rate: values(&abort_rate),
                    fallback_share: values(&WorkloadRow::fallback_share),
                    causes,
                    attempts: rs.iter().map(|r| r.attempts).sum(),
                    completed: rs.iter().map(|r| r.commits + r.fallbacks).sum(),
                    fallbacks: rs.iter().map(|r| r.fallbacks).sum(),
                    failed_checks: rs.iter().filter(|r| !r.check_ok).count(),
                };
                (k, s)
            })
            .collect();
        Comparison {
            backends,
            threads,
            sizes,
            points,
        }
    }

    /// The point of `backend` at `threads` and `size`.
    pub fn get(&self, backend: &str, threads: u32, size: Option<u64>) -> Option<&PointSummary> {
        self.points.get(&(backend.to_string(), threads, size))
    }

    /// The sizes of the run as keys: every size, or `[None]` for a `threads` sweep.
    pub fn size_keys(&self) -> Vec<Option<u64>> {
        if self.sizes.is_empty() {
            vec![None]
        } else {
            self.sizes.iter().map(|&s| Some(s)).collect()
        }
    }

    /// The best software-TM median throughput at a cell, with its backend.
    pub fn best_stm(&self, threads: u32, size: Option<u64>) -> Option<(&str, f64)> {
        self.backends
            .iter()
            .filter(|b| is_stm(b))
            .filter_map(|b| {
                self.get(b, threads, size)
                    .map(|p| (b.as_str(), p.throughput.median))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The crossover of every measured HTM backend at every thread count (`txsize` sweeps with
    /// at least one software TM); modelled ones have none ([`is_modelled`]).
    pub fn crossovers(&self) -> Vec<Crossover> {
        let mut out = Vec::new();
        if self.sizes.is_empty() {
            return out;
        }
        for htm in self
            .backends
            .iter()
            .filter(|b| is_htm(b) && !is_modelled(b))
        {
            for &t in &self.threads {
                let pairs: Vec<(u64, f64, f64)> = self
                    .sizes
                    .iter()
                    .filter_map(|&s| {
                        let h = self.get(htm, t, Some(s))?.throughput.median;
                        let (_, best) = self.best_stm(t, Some(s))?;
                        Some((s, h, best))
                    })
                    .collect();
                let Some(&(_, h0, b0)) = pairs.first() else {
                    continue;
                };
                let first_slower = pairs.iter().position(|&(_, h, b)| h < b);
                out.push(Crossover {
                    htm: htm.clone(),
                    threads: t,
                    last_faster: match first_slower {
                        Some(0) => None,
                        Some(i) => Some(pairs[i - 1].0),
                        None => pairs.last().map(|p| p.0),
                    },
                    first_slower: first_slower.map(|i| pairs[i].0),
                    ratio_at_smallest: if b0 > 0.0 { h0 / b0 } else { f64::INFINITY },
                });
            }
        }
        out
    }

    /// The fastest measured backend of a cell (modelled ones are not ranked: [`is_modelled`]),
    /// and its margin over the runner-up.
    pub fn fastest(&self, threads: u32, size: Option<u64>) -> Option<Fastest> {
        let mut v: Vec<(&str, f64)> = self
            .backends
            .iter()
            .filter(|b| !is_modelled(b))
            .filter_map(|b| {
                self.get(b, threads, size)
                    .map(|p| (b.as_str(), p.throughput.median))
            })
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        let (name, best) = *v.first()?;
        Some(Fastest {
            backend: name.to_string(),
            margin: v.get(1).map(|&(_, second)| {
                if second > 0.0 {
                    best / second
                } else {
                    f64::INFINITY
                }
            }),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A row with the given identity and counts (other fields neutral).
    pub(crate) fn row(
        backend: &str,
        threads: u32,
        size: Option<u64>,
        rep: u32,
        tp: f64,
    ) -> WorkloadRow {
        WorkloadRow {
            workload: "array".into(),
            backend: backend.into(),
            size,
            threads,
            rep,
            seed: 1,
            words: Some(64),
            reads: size,
            writes: size,
            layout: Some("lines".into()),
            hot: Some("none".into()),
            accounts: None,
            audit_every: None,
            counters: None,
            chunk: None,
            shared_p: None,
            shared_words: None,
            frame_words: None,
            touch_words: None,
            initial: None,
            range: None,
            update_pct: None,
            buckets: None,
            elapsed_ns: 1_000_000_000,
            ops: tp as u64,
            attempts: tp as u64 + 10,
            commits: tp as u64,
            conflict: 6,
            capacity: 0,
            explicit: 4,
            lock_busy: 0,
            retry_only: 0,
            nested: 0,
            debug: 0,
            status0: 0,
            read_validation: 0,
            locked_at_read: 0,
            locked_at_commit: 0,
            fallbacks: 0,
            lock_waits: 0,
            user_aborts: 4,
            committed_cycles: None,
            aborted_cycles: None,
            fallback_cycles: None,
            transfers: None,
            cancelled_transfers: None,
            audits: None,
            lookups: None,
            found: None,
            updates: None,
            effective_updates: None,
            inserts: None,
            effective_inserts: None,
            removes: None,
            effective_removes: None,
            throughput: tp,
            check_ok: true,
            violation: String::new(),
            cores: "0".into(),
        }
    }

    #[test]
    fn medians_crossover_and_fastest() {
        let mut rows = Vec::new();
        for rep in 0..3 {
            let j = f64::from(rep);
            for (s, htm, tl2, norec) in [
                (1, 300.0, 100.0, 120.0),
                (4, 200.0, 110.0, 150.0),
                (16, 90.0, 100.0, 95.0),
                (64, 10.0, 80.0, 60.0),
            ] {
                rows.push(row("htm:glibc", 1, Some(s), rep, htm + j));
                rows.push(row("tl2", 1, Some(s), rep, tl2 + j));
                rows.push(row("norec", 1, Some(s), rep, norec + j));
            }
        }
        let order = ["tl2".to_string(), "norec".into(), "htm:glibc".into()];
        let c = Comparison::of(&rows, &order);
        assert_eq!(c.backends, order);
        assert_eq!(c.sizes, [1, 4, 16, 64]);
        let p = c.get("htm:glibc", 1, Some(1)).unwrap();
        assert_eq!(
            (
                p.reps,
                p.throughput.median,
                p.throughput.min,
                p.throughput.max
            ),
            (3, 301.0, 300.0, 302.0)
        );
        // 6 conflicts of 310 attempts; the 4 explicit aborts are the workload's own.
        assert!((p.abort_rate.median - 6.0 / 311.0).abs() < 1e-3);
        let x = c.crossovers();
        assert_eq!(x.len(), 1);
        assert_eq!((x[0].last_faster, x[0].first_slower), (Some(4), Some(16)));
        assert!((x[0].ratio_at_smallest - 301.0 / 121.0).abs() < 1e-9);
        let f = c.fastest(1, Some(64)).unwrap();
        assert_eq!(f.backend, "tl2");
        assert!((f.margin.unwrap() - 81.0 / 61.0).abs() < 1e-9);
    }

    #[test]
    fn a_modelled_htm_has_no_crossover_and_is_not_ranked() {
        let model = "model:haswell@glibc";
        let mut rows = Vec::new();
        for (s, m, tl2) in [(1, 500.0, 100.0), (16, 50.0, 100.0)] {
            rows.push(row(model, 1, Some(s), 0, m));
            rows.push(row("tl2", 1, Some(s), 0, tl2));
        }
        let c = Comparison::of(&rows, &[model.to_string(), "tl2".into()]);
        assert!(is_htm(model) && is_modelled(model) && !is_modelled("htm:glibc"));
        assert_eq!(c.crossovers(), []);
        // Five times tl2's throughput, and still not the fastest: its speed is the model's own.
        let f = c.fastest(1, Some(1)).unwrap();
        assert_eq!((f.backend.as_str(), f.margin), ("tl2", None));
        assert_eq!(c.get(model, 1, Some(1)).unwrap().throughput.median, 500.0);
    }
}
