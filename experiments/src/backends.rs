//! Backends by name: one syntax on every command line and in every result file.
//!
//! | name | backend |
//! |---|---|
//! | `tl2` | TL2 ([`stm::Tl2`]) |
//! | `norec` | NOrec ([`stm::Norec`]) |
//! | `lsa` | encounter-time locking with write-back and snapshot extension, as TinySTM ([`stm::Lsa`]) |
//! | `lock` | one global lock ([`stm::GlobalLock`]) |
//! | `seq` | uninstrumented plain accesses, one thread only ([`stm::Sequential`]) |
//! | `htm:fixed:N`, `htm:glibc`, `htm:cause-aware` | RTM with lock elision over a TTAS fallback lock, with that retry policy ([`fallback::ElisionBackend`]); any policy parameters as in `htm:glibc:tries=5` |
//! | `htm:...+ticket` | the same with a ticket fallback lock |
//! | `model:<preset>@<policy>[+ticket]` | the same lock elision over the *modelled* HTM ([`model::Model`], presets `haswell`, `skylake`, `icelake`, `sapphire-rapids`), on any machine |
//! | `model:file=PATH.toml@<policy>` | the modelled HTM with the geometry of a TOML file ([`model::ModelConfig::from_toml_file`]) |
//! | `model:probe=DIR@<policy>` | the modelled HTM with the capacities and 50 % duration measured by `tmlab probe` in the result folder `DIR` |
//!
//! A modelled backend needs its retry policy (`@glibc`, `@fixed:3`, ...): without a fallback, a
//! transaction larger than the modelled capacity would never commit. Its configuration (file,
//! probe folder) is read and checked when the name is parsed, so a bad one is a usage error
//! before anything runs.
//!
//! [`BackendSpec`] parses a name, refusing anything else with the list of valid names, and keeps
//! the name as written (trimmed) for result files. [`with_backend!`](crate::with_backend) builds
//! the backend and runs code on it, monomorphized per backend type, so nothing on the measured
//! path is dynamic.
//! [`BackendSpec::unavailable`] says why a backend cannot run here: `htm:*` without usable RTM
//! (the exact reason from [`htm::Rtm::detect`]), `seq` with more than one thread.

use anyhow::{Result, bail};
use core::fmt;
use core::str::FromStr;
use fallback::PolicySpec;
use model::{Measured, ModelConfig, Preset};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::OnceLock;

/// The fallback lock of an `htm:*` backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LockKind {
    /// Test-and-test-and-set spinlock (the default).
    Ttas,
    /// FIFO ticket lock (`+ticket`).
    Ticket,
}

/// Which backend, as named on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `tl2`.
    Tl2,
    /// `norec`.
    Norec,
    /// `lsa`.
    Lsa,
    /// `lock`.
    Lock,
    /// `seq`.
    Seq,
    /// `htm:<policy>[+ticket]`.
    Htm {
        /// The retry policy with its parameters.
        policy: PolicySpec,
        /// The fallback lock.
        lock: LockKind,
    },
    /// `model:<source>@<policy>[+ticket]`: lock elision over the modelled HTM.
    Model {
        /// What is modelled.
        model: ModelSpec,
        /// The retry policy with its parameters.
        policy: PolicySpec,
        /// The fallback lock.
        lock: LockKind,
    },
}

/// A modelled HTM as named (`haswell`, `file=PATH`, `probe=DIR`) and its checked configuration.
#[derive(Clone, Debug)]
pub struct ModelSpec {
    /// The source as written after `model:`.
    pub source: String,
    /// The configuration, validated.
    pub config: ModelConfig,
}

impl PartialEq for ModelSpec {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for ModelSpec {}

/// This machine's TSC rate, measured once (the model converts interrupt times with it).
pub fn tsc_hz() -> f64 {
    static HZ: OnceLock<f64> = OnceLock::new();
    *HZ.get_or_init(|| tm::clock::ticks_per_second(std::time::Duration::from_millis(50)))
}

impl ModelSpec {
    /// Parses a model source: a preset name, `file=PATH.toml` or `probe=DIR`.
    pub fn parse(source: &str) -> Result<ModelSpec, String> {
        let config = if let Some(path) = source.strip_prefix("file=") {
            if path.is_empty() {
                return Err("file= needs the path of a TOML model configuration".into());
            }
            ModelConfig::from_toml_file(path, tsc_hz()).map_err(|e| e.to_string())?
        } else if let Some(dir) = source.strip_prefix("probe=") {
            if dir.is_empty() {
                return Err("probe= needs a `tmlab probe` result folder".into());
            }
            from_probe(Path::new(dir))?
        } else {
            let preset: Preset = source.parse().map_err(|e| format!("{e}"))?;
            ModelConfig::preset(preset, tsc_hz())
        };
        Ok(ModelSpec {
            source: source.to_string(),
            config,
        })
    }
}

/// The `probe.json` of `dir`: its own, or that of the one probe folder inside it (the `probe`
/// stage folder of a `tmlab run` or `tmlab compare-model` run, whose probe folder is named when
/// the probe runs).
fn probe_file(dir: &Path) -> Result<std::path::PathBuf, String> {
    let own = dir.join("probe.json");
    if own.is_file() || !dir.is_dir() {
        return Ok(own);
    }
    let inside: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot read the folder: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path().join("probe.json")))
        .filter(|p| p.is_file())
        .collect();
    match inside.as_slice() {
        [one] => Ok(one.clone()),
        [] => Ok(own),
        _ => Err(format!(
            "{}: holds {} probe folders; name one of them",
            dir.display(),
            inside.len()
        )),
    }
}

/// The configuration measured by `tmlab probe` in the result folder `dir` (its `probe.json`, or
/// that of the one probe folder inside it).
fn from_probe(dir: &Path) -> Result<ModelConfig, String> {
    let file = probe_file(dir)?;
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("{}: cannot read the probe result: {e}", file.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a probe result: {e}", file.display()))?;
    let probe = v.get("probe").unwrap_or(&v);
    if let Some(model) = probe.get("model").filter(|m| !m.is_null()) {
        return Err(format!(
            "{}: this is a probe of the modelled HTM ({}), not of RTM hardware; model:probe= \
             needs a probe from a machine with working RTM (name that model directly instead)",
            file.display(),
            model
                .get("backend")
                .and_then(|b| b.as_str())
                .unwrap_or("model:?")
        ));
    }
    if probe.get("rtm_usable").and_then(|u| u.as_bool()) != Some(true) {
        return Err(format!(
            "{}: this probe has no RTM figures (RTM was unusable on the machine it ran on{}); \
             model:probe= needs a probe from a machine with working RTM",
            file.display(),
            probe
                .get("reason")
                .and_then(|r| r.as_str())
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ));
    }
    let need = |key: &str| -> Result<&serde_json::Value, String> {
        match probe.get(key) {
            Some(x) if !x.is_null() => Ok(x),
            _ => Err(format!(
                "{}: `{key}` was not measured by this probe (null or missing)",
                file.display()
            )),
        }
    };
    let int = |key: &str| -> Result<u64, String> {
        need(key)?
            .as_u64()
            .ok_or_else(|| format!("{}: `{key}` is not a whole number", file.display()))
    };
    let float = |key: &str| -> Result<f64, String> {
        need(key)?
            .as_f64()
            .ok_or_else(|| format!("{}: `{key}` is not a number", file.display()))
    };
    let l1d = v
        .get("machine")
        .and_then(|m| m.get("l1d"))
        .filter(|l| !l.is_null())
        .ok_or_else(|| {
            format!(
                "{}: the probed machine's L1D geometry (machine.l1d) is not recorded",
                file.display()
            )
        })?;
    let geometry = |key: &str| -> Result<u32, String> {
        l1d.get(key)
            .and_then(|x| x.as_u64())
            .and_then(|x| u32::try_from(x).ok())
            .ok_or_else(|| format!("{}: machine.l1d.{key} is missing", file.display()))
    };
    let measured = Measured {
        l1_sets: geometry("sets")?,
        l1_ways: geometry("ways")?,
        write_capacity_lines: int("write_capacity_lines")?,
        read_capacity_lines: int("read_capacity_lines")?,
        duration_50_us: float("duration_50_us")?,
        spontaneous_abort_rate: float("spontaneous_abort_rate")?,
    };
    ModelConfig::from_measured(format!("probe:{}", dir.display()), &measured, tsc_hz())
        .map_err(|e| format!("{}: {e}", file.display()))
}

/// A backend name, parsed (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendSpec {
    /// The name as written, trimmed: what result files record in their `backend` column.
    pub name: String,
    /// What it denotes.
    pub kind: Kind,
}

/// The names every parse error lists.
pub const VALID: &str = "tl2, norec, lsa, lock, seq, htm:fixed:N, htm:glibc, htm:cause-aware \
     (policy parameters as in htm:glibc:tries=5; append +ticket for a ticket fallback lock), \
     model:<haswell|skylake|icelake|sapphire-rapids|file=PATH.toml|probe=DIR>@<policy> \
     (the modelled HTM, as in model:haswell@glibc)";

impl FromStr for BackendSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let name = s.trim();
        let bad = |why: &str| format!("backend `{name}`: {why}; valid backends: {VALID}");
        let kind = match name {
            "tl2" => Kind::Tl2,
            "norec" => Kind::Norec,
            "lsa" => Kind::Lsa,
            "lock" => Kind::Lock,
            "seq" => Kind::Seq,
            "" => return Err(bad("empty name")),
            other => {
                if let Some(rest) = other.strip_prefix("model:") {
                    let Some((source, rest)) = rest.rsplit_once('@') else {
                        return Err(bad(
                            "a modelled backend needs its retry policy, as in model:haswell@glibc \
                             (without a fallback, a transaction larger than the modelled \
                             capacity never commits)",
                        ));
                    };
                    let (policy, lock) = policy_and_lock(rest).map_err(|e| bad(&e))?;
                    let model = ModelSpec::parse(source).map_err(|e| bad(&e))?;
                    return Ok(BackendSpec {
                        name: name.to_string(),
                        kind: Kind::Model {
                            model,
                            policy,
                            lock,
                        },
                    });
                }
                let Some(rest) = other.strip_prefix("htm:") else {
                    return Err(bad("unknown backend"));
                };
                let (policy, lock) = policy_and_lock(rest).map_err(|e| bad(&e))?;
                Kind::Htm { policy, lock }
            }
        };
        Ok(BackendSpec {
            name: name.to_string(),
            kind,
        })
    }
}

/// Parses `<policy>[+ticket]`.
fn policy_and_lock(rest: &str) -> Result<(PolicySpec, LockKind), String> {
    let (policy, lock) = match rest.strip_suffix("+ticket") {
        Some(p) => (p, LockKind::Ticket),
        None if rest.contains('+') => return Err("the only lock suffix is +ticket".into()),
        None => (rest, LockKind::Ttas),
    };
    let policy: PolicySpec = policy.parse().map_err(|e| format!("{e}"))?;
    Ok((policy, lock))
}

impl fmt::Display for BackendSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Serialize for BackendSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for BackendSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl BackendSpec {
    /// Whether this is a hardware backend (`htm:*`).
    pub fn is_htm(&self) -> bool {
        matches!(self.kind, Kind::Htm { .. })
    }

    /// Whether this is a modelled HTM backend (`model:*`).
    pub fn is_modelled(&self) -> bool {
        matches!(self.kind, Kind::Model { .. })
    }

    /// Why this backend cannot run with `threads` threads on this machine, if it cannot.
    pub fn unavailable(&self, threads: usize) -> Option<String> {
        match &self.kind {
            Kind::Htm { .. } => htm::Rtm::detect()
                .err()
                .map(|e| format!("RTM unusable: {e}")),
            Kind::Seq if threads > 1 => Some(format!(
                "the sequential baseline runs one thread only ({threads} requested)"
            )),
            Kind::Model { .. } if threads > model::MAX_THREADS => Some(format!(
                "the modelled HTM admits at most {} threads ({threads} requested)",
                model::MAX_THREADS
            )),
            _ => None,
        }
    }
}

/// Parses a comma-separated list of backend names (`--backends`), refusing duplicates.
pub fn parse_list(text: &str) -> Result<Vec<BackendSpec>> {
    let mut out: Vec<BackendSpec> = Vec::new();
    for item in text.split(',') {
        let b: BackendSpec = item.parse().map_err(anyhow::Error::msg)?;
        if out.iter().any(|o| o.name == b.name) {
            bail!("--backends: `{}` is listed twice", b.name);
        }
        out.push(b);
    }
    Ok(out)
}

/// Builds the backend `$spec` names as `$b` and evaluates `$body` with it, once per backend type.
///
/// ```ignore
/// let throughput = with_backend!(&spec, b => measure(&b, &workload));
/// ```
#[macro_export]
macro_rules! with_backend {
    ($spec:expr, $b:ident => $body:expr) => {{
        use fallback::{ElisionBackend, PolicySpec, TicketLock, TtasLock};
        use $crate::backends::{Kind, LockKind};
        match &$spec.kind {
            Kind::Tl2 => {
                let $b = stm::Tl2::new();
                $body
            }
            Kind::Norec => {
                let $b = stm::Norec::new();
                $body
            }
            Kind::Lsa => {
                let $b = stm::Lsa::new();
                $body
            }
            Kind::Lock => {
                let $b = stm::GlobalLock::new();
                $body
            }
            Kind::Seq => {
                let $b = stm::Sequential::new();
                $body
            }
            Kind::Htm { policy, lock } => match (*policy, *lock) {
                (PolicySpec::Fixed(p), LockKind::Ttas) => {
                    let $b = ElisionBackend::<TtasLock, _>::new(p);
                    $body
                }
                (PolicySpec::Fixed(p), LockKind::Ticket) => {
                    let $b = ElisionBackend::<TicketLock, _>::new(p);
                    $body
                }
                (PolicySpec::Glibc(p), LockKind::Ttas) => {
                    let $b = ElisionBackend::<TtasLock, _>::new(p);
                    $body
                }
                (PolicySpec::Glibc(p), LockKind::Ticket) => {
                    let $b = ElisionBackend::<TicketLock, _>::new(p);
                    $body
                }
                (PolicySpec::CauseAware(p), LockKind::Ttas) => {
                    let $b = ElisionBackend::<TtasLock, _>::new(p);
                    $body
                }
                (PolicySpec::CauseAware(p), LockKind::Ticket) => {
                    let $b = ElisionBackend::<TicketLock, _>::new(p);
                    $body
                }
            },
            Kind::Model {
                model: spec,
                policy,
                lock,
            } => {
                let m = model::Model::new(spec.config.clone())
                    .expect("a model configuration is validated when its name is parsed");
                let m = &m;
                match (*policy, *lock) {
                    (PolicySpec::Fixed(p), LockKind::Ttas) => {
                        let $b = ElisionBackend::<TtasLock, _, _>::with_speculator(p, Ok(m));
                        $body
                    }
                    (PolicySpec::Fixed(p), LockKind::Ticket) => {
                        let $b = ElisionBackend::<TicketLock, _, _>::with_speculator(p, Ok(m));
                        $body
                    }
                    (PolicySpec::Glibc(p), LockKind::Ttas) => {
                        let $b = ElisionBackend::<TtasLock, _, _>::with_speculator(p, Ok(m));
                        $body
                    }
                    (PolicySpec::Glibc(p), LockKind::Ticket) => {
                        let $b = ElisionBackend::<TicketLock, _, _>::with_speculator(p, Ok(m));
                        $body
                    }
                    (PolicySpec::CauseAware(p), LockKind::Ttas) => {
                        let $b = ElisionBackend::<TtasLock, _, _>::with_speculator(p, Ok(m));
                        $body
                    }
                    (PolicySpec::CauseAware(p), LockKind::Ticket) => {
                        let $b = ElisionBackend::<TicketLock, _, _>::with_speculator(p, Ok(m));
                        $body
                    }
                }
            }
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_parse_and_keep_their_spelling() {
        for (text, htm) in [
            ("tl2", false),
            ("norec", false),
            ("lsa", false),
            ("lock", false),
            ("seq", false),
            ("htm:fixed:3", true),
            ("htm:glibc", true),
            ("htm:cause-aware", true),
            ("htm:glibc+ticket", true),
            ("htm:fixed:attempts=5+ticket", true),
            ("htm:glibc:tries=5,skip_lock_busy=1", true),
            (" tl2 ", false),
        ] {
            let b: BackendSpec = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(b.name, text.trim());
            assert_eq!(b.is_htm(), htm, "{text}");
            let again: BackendSpec =
                serde_json::from_str(&serde_json::to_string(&b).unwrap()).expect("round trip");
            assert_eq!(again, b);
        }
        let t: BackendSpec = "htm:glibc+ticket".parse().unwrap();
        assert!(matches!(
            t.kind,
            Kind::Htm {
                lock: LockKind::Ticket,
                ..
            }
        ));
    }

    #[test]
    fn malformed_names_are_refused_with_the_valid_list() {
        for (text, why) in [
            ("", "empty name"),
            ("TL2", "unknown backend"),
            ("tl3", "unknown backend"),
            ("htm", "unknown backend"),
            ("htm:", "unknown policy"),
            ("htm:fixed", "number of attempts"),
            ("htm:fixed:x", "not a number"),
            ("htm:lifo", "unknown policy"),
            ("htm:glibc+mcs", "+ticket"),
            ("htm:glibc:tries", "key=value"),
            ("htm:glibc:spin=3", "unknown parameter"),
            ("stm:tl2", "unknown backend"),
            ("lock+ticket", "unknown backend"),
        ] {
            let e = text.parse::<BackendSpec>().unwrap_err();
            assert!(e.contains(why), "{text:?}: {e}");
            assert!(e.contains("valid backends: tl2, norec"), "{text:?}: {e}");
        }
    }

    #[test]
    fn lists_refuse_duplicates_and_bad_items() {
        assert_eq!(parse_list("tl2,norec,htm:glibc").unwrap().len(), 3);
        let e = parse_list("tl2,tl2").unwrap_err().to_string();
        assert!(e.contains("listed twice"), "{e}");
        assert!(parse_list("tl2,,norec").is_err());
    }

    #[test]
    fn availability_names_the_reason() {
        let seq: BackendSpec = "seq".parse().unwrap();
        assert_eq!(seq.unavailable(1), None);
        assert!(seq.unavailable(2).unwrap().contains("one thread"));
        let htm: BackendSpec = "htm:glibc".parse().unwrap();
        match htm::Rtm::detect() {
            Ok(_) => assert_eq!(htm.unavailable(4), None),
            Err(e) => assert!(htm.unavailable(1).unwrap().contains(&e.to_string())),
        }
    }
}
