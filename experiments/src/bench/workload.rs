//! Which workload, with which parameters: parsed from the command line, recorded in `meta.json`,
//! written as columns of every row, and built fresh for every repetition.

use crate::results::WorkloadRow;
use serde::{Deserialize, Serialize};
use workloads::array::ArrayConfig;
use workloads::bank::BankConfig;
use workloads::counter::CounterConfig;
use workloads::false_sharing::FalseSharingConfig;
use workloads::gil::GilConfig;
use workloads::intset::IntsetConfig;
use workloads::{Hot, Invalid};

/// A workload and its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "workload", rename_all = "kebab-case")]
pub enum WorkloadSpec {
    /// [`workloads::array`].
    Array(ArrayConfig),
    /// [`workloads::bank`].
    Bank(BankConfig),
    /// [`workloads::counter`].
    Counter(CounterConfig),
    /// [`workloads::false_sharing`].
    FalseSharing(FalseSharingConfig),
    /// [`workloads::gil`].
    Gil(GilConfig),
    /// [`workloads::intset`]: `ll`, `sl`, `rb` or `hs`, as `structure` says.
    Intset(IntsetConfig),
}

/// What the `size` of a transaction-size sweep sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Knob {
    /// `array`: reads = writes = size (a transaction reads 2 x size slots and writes size).
    Both,
    /// `array`: reads = size (writes as given).
    Reads,
    /// `array`: writes = size (reads as given).
    Writes,
    /// `gil`: bytecodes per transaction.
    Chunk,
    /// intsets: initial size (range = 2 x size; for `ll` a lookup traverses about half of it).
    Initial,
}

/// `8:0.9` for 8 hot elements taking 90 % of the choices; `none` without a hot subset.
pub fn hot_label(hot: Option<Hot>) -> String {
    match hot {
        Some(h) => format!("{}:{}", h.count, h.share),
        None => "none".into(),
    }
}

/// Parses `--hot COUNT:SHARE`.
pub fn parse_hot(text: &str) -> Result<Hot, String> {
    let (count, share) = text.split_once(':').ok_or_else(|| {
        format!(
            "{text:?}: expected COUNT:SHARE, for example 8:0.9 (8 elements get 90 % of the choices)"
        )
    })?;
    let count: usize = count
        .trim()
        .parse()
        .map_err(|_| format!("{text:?}: {count:?} is not a whole number of elements"))?;
    let share: f64 = share
        .trim()
        .parse()
        .map_err(|_| format!("{text:?}: {share:?} is not a share between 0 and 1"))?;
    if !(0.0..=1.0).contains(&share) {
        return Err(format!(
            "{text:?}: the share {share} is not between 0 and 1"
        ));
    }
    if count == 0 {
        return Err(format!("{text:?}: at least one element must be hot"));
    }
    Ok(Hot { count, share })
}

impl WorkloadSpec {
    /// The workload's name (`array`, `bank`, `counter`, `false-sharing`, `gil`, `ll`, `sl`,
    /// `rb`, `hs`).
    pub fn name(&self) -> &'static str {
        match self {
            WorkloadSpec::Intset(c) => c.kind.name(),
            WorkloadSpec::Array(_) => "array",
            WorkloadSpec::Bank(_) => "bank",
            WorkloadSpec::Counter(_) => "counter",
            WorkloadSpec::FalseSharing(_) => "false-sharing",
            WorkloadSpec::Gil(_) => "gil",
        }
    }

    /// Checks every parameter for a run with up to `threads` threads.
    pub fn validate(&self, threads: usize) -> Result<(), Invalid> {
        match self {
            WorkloadSpec::Array(c) => c.validate(),
            WorkloadSpec::Bank(c) => c.validate(),
            WorkloadSpec::Counter(c) => c.validate(),
            WorkloadSpec::FalseSharing(_) => Invalid::range(
                "--threads",
                threads,
                1,
                workloads::false_sharing::MAX_THREADS,
            )
            .map(drop),
            WorkloadSpec::Gil(c) => {
                c.validate()?;
                Invalid::range("--threads", threads, 1, workloads::gil::MAX_THREADS).map(drop)
            }
            WorkloadSpec::Intset(c) => {
                c.validate()?;
                Invalid::range("--threads", threads, 1, workloads::intset::MAX_THREADS).map(drop)
            }
        }
    }

    /// The knobs a transaction-size sweep of this workload may turn.
    pub fn knobs(&self) -> &'static [Knob] {
        match self {
            WorkloadSpec::Array(_) => &[Knob::Both, Knob::Reads, Knob::Writes],
            WorkloadSpec::Gil(_) => &[Knob::Chunk],
            WorkloadSpec::Intset(_) => &[Knob::Initial],
            _ => &[],
        }
    }

    /// This workload with its transaction size set to `size` by `knob`.
    pub fn with_size(&self, knob: Knob, size: u64) -> Result<WorkloadSpec, Invalid> {
        let n = usize::try_from(size).map_err(|_| Invalid::new("--sizes", "too large"))?;
        let mut out = self.clone();
        match (&mut out, knob) {
            (WorkloadSpec::Array(c), Knob::Both) => {
                c.reads = n;
                c.writes = n;
            }
            (WorkloadSpec::Array(c), Knob::Reads) => c.reads = n,
            (WorkloadSpec::Array(c), Knob::Writes) => c.writes = n,
            (WorkloadSpec::Gil(c), Knob::Chunk) => c.chunk = n,
            (WorkloadSpec::Intset(c), Knob::Initial) => *c = c.with_size(n),
            _ => {
                return Err(Invalid::new(
                    "--knob",
                    format!(
                        "workload {} has no transaction-size knob {knob:?}",
                        self.name()
                    ),
                ));
            }
        }
        Ok(out)
    }

    /// The parameters as `name value` pairs, for summaries.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            WorkloadSpec::Array(c) => vec![
                ("words", c.words.to_string()),
                ("reads", c.reads.to_string()),
                ("writes", c.writes.to_string()),
                ("layout", c.layout.name().into()),
                ("hot", hot_label(c.hot)),
            ],
            WorkloadSpec::Bank(c) => vec![
                ("accounts", c.accounts.to_string()),
                ("audit_every", c.audit_every.to_string()),
                ("hot", hot_label(c.hot)),
            ],
            WorkloadSpec::Counter(c) => vec![
                ("counters", c.counters.to_string()),
                ("layout", c.layout.name().into()),
            ],
            WorkloadSpec::FalseSharing(c) => vec![("layout", c.layout.name().into())],
            WorkloadSpec::Gil(c) => vec![
                ("chunk", c.chunk.to_string()),
                ("shared_p", c.shared_p.to_string()),
                ("shared_words", c.shared_words.to_string()),
                ("frame_words", c.frame_words.to_string()),
                ("touch_words", c.touch_words.to_string()),
            ],
            WorkloadSpec::Intset(c) => c.params().into_iter().skip(1).collect(),
        }
    }

    /// A one-line description: `bank (accounts 1024, audit_every 16, hot none)`.
    pub fn describe(&self) -> String {
        let p: Vec<String> = self
            .params()
            .into_iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        format!("{} ({})", self.name(), p.join(", "))
    }

    /// Writes the workload's name and parameters into their columns of `row`.
    pub fn fill(&self, row: &mut WorkloadRow) {
        row.workload = self.name().into();
        let n = |v: usize| Some(v as u64);
        match self {
            WorkloadSpec::Array(c) => {
                row.words = n(c.words);
                row.reads = n(c.reads);
                row.writes = n(c.writes);
                row.layout = Some(c.layout.name().into());
                row.hot = Some(hot_label(c.hot));
            }
            WorkloadSpec::Bank(c) => {
                row.accounts = n(c.accounts);
                row.audit_every = Some(c.audit_every);
                row.hot = Some(hot_label(c.hot));
            }
            WorkloadSpec::Counter(c) => {
                row.counters = n(c.counters);
                row.layout = Some(c.layout.name().into());
            }
            WorkloadSpec::FalseSharing(c) => row.layout = Some(c.layout.name().into()),
            WorkloadSpec::Gil(c) => {
                row.chunk = n(c.chunk);
                row.shared_p = Some(c.shared_p);
                row.shared_words = n(c.shared_words);
                row.frame_words = n(c.frame_words);
                row.touch_words = n(c.touch_words);
            }
            WorkloadSpec::Intset(c) => {
                row.initial = n(c.initial);
                row.range = n(c.range);
                row.update_pct = Some(u64::from(c.update_pct));
                if c.kind == workloads::intset::IntsetKind::HashSet {
                    row.buckets = n(c.buckets);
                }
            }
        }
    }
}

/// Builds the workload `$spec` describes, for `$threads` threads, as `$w`, and evaluates `$body`
/// with it (once per workload type). Evaluates to `Result<_, workloads::Invalid>`.
#[macro_export]
macro_rules! with_workload {
    ($spec:expr, $threads:expr, $w:ident => $body:expr) => {{
        use $crate::bench::workload::WorkloadSpec;
        match $spec {
            WorkloadSpec::Array(c) => workloads::array::Array::new(c).map(|$w| $body),
            WorkloadSpec::Bank(c) => workloads::bank::Bank::new(c).map(|$w| $body),
            WorkloadSpec::Counter(c) => workloads::counter::Counter::new(c).map(|$w| $body),
            WorkloadSpec::FalseSharing(c) => {
                workloads::false_sharing::FalseSharing::new(c, $threads).map(|$w| $body)
            }
            WorkloadSpec::Gil(c) => workloads::gil::Gil::new(c, $threads).map(|$w| $body),
            WorkloadSpec::Intset(c) => {
                use workloads::intset::{
                    HashTable, Intset, IntsetKind, LinkedList, RbTree, SkipList,
                };
                match c.kind {
                    IntsetKind::LinkedList => {
                        Intset::<LinkedList>::new(c, $threads).map(|$w| $body)
                    }
                    IntsetKind::SkipList => Intset::<SkipList>::new(c, $threads).map(|$w| $body),
                    IntsetKind::RbTree => Intset::<RbTree>::new(c, $threads).map(|$w| $body),
                    IntsetKind::HashSet => Intset::<HashTable>::new(c, $threads).map(|$w| $body),
                }
            }
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip_through_json() {
        for spec in [
            WorkloadSpec::Array(ArrayConfig {
                hot: Some(Hot {
                    count: 4,
                    share: 0.75,
                }),
                ..ArrayConfig::default()
            }),
            WorkloadSpec::Bank(BankConfig::default()),
            WorkloadSpec::Counter(CounterConfig::default()),
            WorkloadSpec::FalseSharing(FalseSharingConfig::default()),
            WorkloadSpec::Gil(GilConfig::default()),
            WorkloadSpec::Intset(IntsetConfig::default()),
        ] {
            let json = serde_json::to_string(&spec).unwrap();
            let tag = match spec {
                WorkloadSpec::Intset(_) => "intset",
                _ => spec.name(),
            };
            assert!(json.contains(&format!("\"workload\":\"{tag}\"")), "{json}");
            let back: WorkloadSpec = serde_json::from_str(&json).unwrap();
            assert_eq!(back, spec);
        }
        let e = serde_json::from_str::<WorkloadSpec>(
            r#"{"workload":"counter","counters":1,"layout":"lines","spin":3}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("spin"), "{e}");
    }

    #[test]
    fn hot_sets_parse_or_say_why_not() {
        assert_eq!(
            parse_hot("8:0.9").unwrap(),
            Hot {
                count: 8,
                share: 0.9
            }
        );
        for (text, why) in [
            ("8", "COUNT:SHARE"),
            ("x:0.5", "whole number"),
            ("8:y", "share between"),
            ("8:1.5", "not between 0 and 1"),
            ("0:0.5", "at least one"),
            ("8:-0.1", "not between"),
        ] {
            let e = parse_hot(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn sizes_set_the_knob_and_wrong_knobs_are_refused() {
        let a = WorkloadSpec::Array(ArrayConfig::default());
        match a.with_size(Knob::Both, 32).unwrap() {
            WorkloadSpec::Array(c) => assert_eq!((c.reads, c.writes), (32, 32)),
            other => panic!("{other:?}"),
        }
        match a.with_size(Knob::Writes, 7).unwrap() {
            WorkloadSpec::Array(c) => assert_eq!((c.reads, c.writes), (8, 7)),
            other => panic!("{other:?}"),
        }
        assert!(a.with_size(Knob::Chunk, 3).is_err());
        let b = WorkloadSpec::Bank(BankConfig::default());
        assert!(b.knobs().is_empty());
        assert!(b.with_size(Knob::Both, 3).is_err());
    }
}
