//! [`ModelConfig`]: every parameter of a modelled HTM, recorded with results.
//!
//! A configuration comes from a preset ([`ModelConfig::preset`], see [`crate::presets`]), from a
//! TOML file ([`ModelConfig::from_toml_file`]) or from figures measured on real hardware
//! ([`ModelConfig::from_measured`], what `tmlab probe` reports). It serializes to JSON and TOML
//! as it is, and [`ModelConfig::params`] lists it as `(key, value)` pairs for result files.
//!
//! A TOML file names only what it models; omitted keys take the defaults documented on each
//! field. For example, a Haswell-like core whose read set is bounded by a 2 MiB structure:
//!
//! ```toml
//! name = "my-haswell"
//! l1_sets = 64
//! l1_ways = 8
//! secondary_read_lines = 32256      # 2 MiB of reads in all, with the 512 lines of L1
//! interrupt_distribution = "exponential"
//! interrupt_mean_us = 4000
//! ```
//!
//! Unknown keys, wrong types and out-of-range values are errors naming the file and the key.

use crate::presets::Preset;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The largest number of L1 sets accepted.
pub const MAX_SETS: u32 = 1 << 16;
/// The largest associativity accepted.
pub const MAX_WAYS: u32 = 64;
/// The largest L1 accepted, in lines (64 MiB).
pub const MAX_L1_LINES: u64 = 1 << 20;
/// The largest secondary read structure accepted, in lines (4 GiB of reads).
pub const MAX_SECONDARY_READ_LINES: u64 = 1 << 26;
/// The deepest flattened nesting accepted.
pub const MAX_NESTING: u32 = 255;
/// The range of [`ModelConfig::orec_table_bits`].
pub const OREC_TABLE_BITS: core::ops::RangeInclusive<u32> = 1..=28;
/// The largest TSC rate accepted, Hz.
pub const MAX_TSC_HZ: f64 = 1e12;
/// The largest mean interrupt inter-arrival time accepted, microseconds (about 11.6 days).
pub const MAX_INTERRUPT_MEAN_US: f64 = 1e12;

/// How interrupt (status 0) aborts are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterruptDistribution {
    /// No interrupts.
    #[default]
    None,
    /// Memoryless arrivals: each attempt draws the time to its interrupt from an exponential
    /// distribution with mean `interrupt_mean_us`, so an attempt lasting `d` survives with
    /// probability `exp(-d / mean)`.
    Exponential,
    /// A periodic timer tick of period `interrupt_mean_us`, with a random phase per thread: an
    /// attempt aborts at the first tick after it began, so one lasting `d` survives with
    /// probability `1 - d / period` when it starts at a uniformly random time.
    Periodic,
}

impl InterruptDistribution {
    /// The name used in files and parameters (`none`, `exponential`, `periodic`).
    pub const fn name(self) -> &'static str {
        match self {
            InterruptDistribution::None => "none",
            InterruptDistribution::Exponential => "exponential",
            InterruptDistribution::Periodic => "periodic",
        }
    }
}

/// Every parameter of a modelled best-effort HTM (see the crate documentation for the model).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// What is modelled: a preset name, `file:PATH` or `probe:...`; recorded with results.
    /// Default in files: `file:PATH`.
    #[serde(default)]
    pub name: String,
    /// L1D sets; a line's set is `(address >> 6) % l1_sets`. A power of two up to [`MAX_SETS`].
    pub l1_sets: u32,
    /// L1D associativity: a transaction aborts with CAPACITY when it writes more than this many
    /// distinct lines of one set. From 1 to [`MAX_WAYS`].
    pub l1_ways: u32,
    /// Lines the secondary read structure tracks once read lines no longer fit in their L1 set;
    /// one more aborts with CAPACITY. Default 0 (reads bounded by L1 alone).
    #[serde(default)]
    pub secondary_read_lines: u64,
    /// Probability that a write by another thread to a line *not* in the read set spuriously
    /// dooms a transaction whose secondary read structure is in use (a Bloom filter's false
    /// positive). Decided per (line, transaction), so repeating a write repeats the outcome. In
    /// `[0, 1]`; default 0.
    #[serde(default)]
    pub read_false_positive_rate: f64,
    /// How interrupts are drawn. Default `none`.
    #[serde(default)]
    pub interrupt_distribution: InterruptDistribution,
    /// Mean time between interrupts (exponential) or the tick period (periodic), microseconds.
    /// Finite and at least 0 (0: every attempt is interrupted at its first access). Ignored when
    /// the distribution is `none`.
    #[serde(default)]
    pub interrupt_mean_us: f64,
    /// Probability that an attempt aborts spontaneously with status 0 at its first access or
    /// commit, whatever it does (the aborts of empty transactions real hardware shows). In
    /// `[0, 1]`; default 0.
    #[serde(default)]
    pub spontaneous_abort_rate: f64,
    /// The deepest flattened nesting: `begin` at this depth aborts with NESTED. From 1 to
    /// [`MAX_NESTING`]; default 7.
    #[serde(default = "default_max_nesting")]
    pub max_nesting: u32,
    /// The rate of the TSC of the machine *running* the model, Hz, to convert interrupt times
    /// to `tm::clock` ticks. Set by the caller (presets and files take it as an argument); a
    /// file may pin it. Finite, positive, at most [`MAX_TSC_HZ`].
    #[serde(default)]
    pub tsc_hz: f64,
    /// Seed of the per-thread generators (interrupt times, spontaneous aborts). Default 0.
    #[serde(default)]
    pub seed: u64,
    /// log2 of the number of ownership records. Lines are hashed onto them, so two lines that
    /// share a record conflict like one line: a false-conflict source of probability about
    /// (lines tracked by other threads) / 2^bits per access. In [`OREC_TABLE_BITS`]; default 22
    /// (4 Mi records, 32 MiB of address space, touched only where used).
    #[serde(default = "default_orec_table_bits")]
    pub orec_table_bits: u32,
}

fn default_max_nesting() -> u32 {
    7
}

fn default_orec_table_bits() -> u32 {
    22
}

/// Figures measured on real hardware (by `tmlab probe`), from which a configuration is built.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    /// Sets of the measured machine's L1D (sysfs).
    pub l1_sets: u32,
    /// Ways of the measured machine's L1D (sysfs); recorded, the write capacity decides the
    /// modelled ways.
    pub l1_ways: u32,
    /// Largest sequential write set committing at least half the time, lines.
    pub write_capacity_lines: u64,
    /// Largest sequential read set committing at least half the time, lines.
    pub read_capacity_lines: u64,
    /// Longest transaction committing at least half the time, microseconds.
    pub duration_50_us: f64,
    /// Aborts over attempts among empty transactions.
    pub spontaneous_abort_rate: f64,
}

/// Why a configuration cannot be used.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// The file it came from, if any.
    pub file: Option<PathBuf>,
    /// The offending key (empty for errors of the whole file).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    fn key(key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: None,
            key: key.to_string(),
            message: message.into(),
        }
    }

    fn in_file(mut self, path: &Path) -> ConfigError {
        self.file = Some(path.to_path_buf());
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ModelConfig {
    /// The configuration of `preset`, with the running machine's TSC rate.
    ///
    /// # Panics
    /// If `tsc_hz` is not finite and positive (a caller bug: it comes from `tm::clock`).
    pub fn preset(preset: Preset, tsc_hz: f64) -> ModelConfig {
        let config = preset.config(tsc_hz);
        if let Err(e) = config.validate() {
            panic!("preset {}: {e}", preset.name());
        }
        config
    }

    /// Reads a configuration from a TOML file (see the module documentation). `tsc_hz` is the
    /// running machine's TSC rate, used unless the file pins `tsc_hz`.
    pub fn from_toml_file(path: impl AsRef<Path>, tsc_hz: f64) -> Result<ModelConfig, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: Some(path.to_path_buf()),
            key: String::new(),
            message: format!("cannot read the model configuration: {e}"),
        })?;
        let mut config = ModelConfig::from_toml_str(&text, tsc_hz).map_err(|e| e.in_file(path))?;
        if config.name.is_empty() {
            config.name = format!("file:{}", path.display());
        }
        Ok(config)
    }

    /// Parses and validates a TOML configuration (as [`ModelConfig::from_toml_file`] without
    /// the file; a missing `name` stays empty).
    pub fn from_toml_str(text: &str, tsc_hz: f64) -> Result<ModelConfig, ConfigError> {
        let mut config: ModelConfig = toml::from_str(text).map_err(|e| ConfigError {
            file: None,
            key: String::new(),
            message: format!("invalid model configuration: {}", e.to_string().trim_end()),
        })?;
        if config.tsc_hz == 0.0 {
            config.tsc_hz = tsc_hz;
        }
        config.validate()?;
        Ok(config)
    }

    /// A configuration reproducing measured figures (see [`Measured`]):
    ///
    /// - `l1_sets` as measured; `l1_ways = write_capacity_lines / l1_sets` (at least 1), so the
    ///   sequential write cliff is the measured one (exactly, when it is a multiple of the sets;
    ///   otherwise rounded down to one) and the same-set cliff follows from it;
    /// - `secondary_read_lines = read_capacity_lines - l1_sets * l1_ways` (at least 0), so the
    ///   sequential read cliff is the measured one;
    /// - exponential interrupts with mean `duration_50_us / ln 2`, so half of the transactions
    ///   lasting `duration_50_us` survive;
    /// - the measured spontaneous abort rate.
    pub fn from_measured(
        name: impl Into<String>,
        measured: &Measured,
        tsc_hz: f64,
    ) -> Result<ModelConfig, ConfigError> {
        let m = measured;
        if !m.l1_sets.is_power_of_two() || m.l1_sets > MAX_SETS {
            return Err(ConfigError::key(
                "l1_sets",
                format!("{}: must be a power of two up to {MAX_SETS}", m.l1_sets),
            ));
        }
        if m.write_capacity_lines == 0 {
            return Err(ConfigError::key(
                "write_capacity_lines",
                "0: a write capacity of at least one line is needed",
            ));
        }
        if !(m.duration_50_us.is_finite() && m.duration_50_us > 0.0) {
            return Err(ConfigError::key(
                "duration_50_us",
                format!("{}: must be finite and positive", m.duration_50_us),
            ));
        }
        let ways = (m.write_capacity_lines / u64::from(m.l1_sets)).max(1);
        if ways > u64::from(MAX_WAYS) {
            return Err(ConfigError::key(
                "write_capacity_lines",
                format!(
                    "{} lines over {} sets is {ways} ways, more than {MAX_WAYS}",
                    m.write_capacity_lines, m.l1_sets
                ),
            ));
        }
        let l1_lines = u64::from(m.l1_sets) * ways;
        let config = ModelConfig {
            name: name.into(),
            l1_sets: m.l1_sets,
            l1_ways: ways as u32,
            secondary_read_lines: m.read_capacity_lines.saturating_sub(l1_lines),
            read_false_positive_rate: 0.0,
            interrupt_distribution: InterruptDistribution::Exponential,
            interrupt_mean_us: m.duration_50_us / core::f64::consts::LN_2,
            spontaneous_abort_rate: m.spontaneous_abort_rate,
            max_nesting: default_max_nesting(),
            tsc_hz,
            seed: 0,
            orec_table_bits: default_orec_table_bits(),
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks every bound (see each field); the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let unit = |key: &str, v: f64| {
            if v.is_finite() && (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(ConfigError::key(
                    key,
                    format!("{v}: must be a probability in [0, 1]"),
                ))
            }
        };
        if !self.l1_sets.is_power_of_two() || self.l1_sets > MAX_SETS {
            return Err(ConfigError::key(
                "l1_sets",
                format!(
                    "{}: must be a power of two from 1 to {MAX_SETS}",
                    self.l1_sets
                ),
            ));
        }
        if !(1..=MAX_WAYS).contains(&self.l1_ways) {
            return Err(ConfigError::key(
                "l1_ways",
                format!("{}: must be from 1 to {MAX_WAYS}", self.l1_ways),
            ));
        }
        if self.l1_lines() > MAX_L1_LINES {
            return Err(ConfigError::key(
                "l1_ways",
                format!(
                    "{} sets x {} ways = {} lines, more than {MAX_L1_LINES}",
                    self.l1_sets,
                    self.l1_ways,
                    self.l1_lines()
                ),
            ));
        }
        if self.secondary_read_lines > MAX_SECONDARY_READ_LINES {
            return Err(ConfigError::key(
                "secondary_read_lines",
                format!(
                    "{}: at most {MAX_SECONDARY_READ_LINES}",
                    self.secondary_read_lines
                ),
            ));
        }
        unit("read_false_positive_rate", self.read_false_positive_rate)?;
        if !(self.interrupt_mean_us.is_finite()
            && (0.0..=MAX_INTERRUPT_MEAN_US).contains(&self.interrupt_mean_us))
        {
            return Err(ConfigError::key(
                "interrupt_mean_us",
                format!(
                    "{}: must be finite, from 0 to {MAX_INTERRUPT_MEAN_US:e}",
                    self.interrupt_mean_us
                ),
            ));
        }
        unit("spontaneous_abort_rate", self.spontaneous_abort_rate)?;
        if !(1..=MAX_NESTING).contains(&self.max_nesting) {
            return Err(ConfigError::key(
                "max_nesting",
                format!("{}: must be from 1 to {MAX_NESTING}", self.max_nesting),
            ));
        }
        if !(self.tsc_hz.is_finite() && self.tsc_hz > 0.0 && self.tsc_hz <= MAX_TSC_HZ) {
            return Err(ConfigError::key(
                "tsc_hz",
                format!(
                    "{}: must be finite, positive and at most {MAX_TSC_HZ:e}",
                    self.tsc_hz
                ),
            ));
        }
        if !OREC_TABLE_BITS.contains(&self.orec_table_bits) {
            return Err(ConfigError::key(
                "orec_table_bits",
                format!(
                    "{}: must be from {} to {}",
                    self.orec_table_bits,
                    OREC_TABLE_BITS.start(),
                    OREC_TABLE_BITS.end()
                ),
            ));
        }
        Ok(())
    }

    /// Lines the L1 model holds: `l1_sets * l1_ways`, the sequential write capacity.
    pub fn l1_lines(&self) -> u64 {
        u64::from(self.l1_sets) * u64::from(self.l1_ways)
    }

    /// The sequential read capacity, lines: the L1 plus the secondary read structure.
    pub fn read_capacity_lines(&self) -> u64 {
        self.l1_lines() + self.secondary_read_lines
    }

    /// The geometry and interrupts in one phrase, for captions and reports:
    /// `64 sets x 8 ways, read capacity 65536 lines, interrupts exponential mean 4000 us`.
    pub fn summary(&self) -> String {
        format!(
            "{} sets x {} ways, read capacity {} lines, interrupts {} mean {} us",
            self.l1_sets,
            self.l1_ways,
            self.read_capacity_lines(),
            self.interrupt_distribution.name(),
            // Whole microseconds as they are (presets), a derived mean to 0.1 us.
            if self.interrupt_mean_us.fract() == 0.0 {
                format!("{}", self.interrupt_mean_us)
            } else {
                format!("{:.1}", self.interrupt_mean_us)
            }
        )
    }

    /// The configuration as TOML (what [`ModelConfig::from_toml_str`] reads back).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a model configuration always serializes")
    }

    /// Every parameter as `(key, value)` pairs, for result files: the fields, the derived
    /// capacities, and `modelled = true`.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = Vec::new();
        let mut put = |k: &str, v: String| p.push((k.to_string(), v));
        put("modelled", "true".into());
        put("model", self.name.clone());
        put("l1_sets", self.l1_sets.to_string());
        put("l1_ways", self.l1_ways.to_string());
        put("l1_lines", self.l1_lines().to_string());
        put("l1_bytes", (self.l1_lines() * 64).to_string());
        put(
            "secondary_read_lines",
            self.secondary_read_lines.to_string(),
        );
        put(
            "read_capacity_lines",
            self.read_capacity_lines().to_string(),
        );
        put(
            "read_false_positive_rate",
            self.read_false_positive_rate.to_string(),
        );
        put(
            "interrupt_distribution",
            self.interrupt_distribution.name().to_string(),
        );
        put("interrupt_mean_us", self.interrupt_mean_us.to_string());
        put(
            "spontaneous_abort_rate",
            self.spontaneous_abort_rate.to_string(),
        );
        put("max_nesting", self.max_nesting.to_string());
        put("tsc_hz", self.tsc_hz.to_string());
        put("seed", self.seed.to_string());
        put("orec_table_bits", self.orec_table_bits.to_string());
        put("max_threads", crate::MAX_THREADS.to_string());
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HZ: f64 = 3e9;

    fn base() -> ModelConfig {
        ModelConfig::from_toml_str("l1_sets = 64\nl1_ways = 8\n", HZ).unwrap()
    }

    #[test]
    fn minimal_file_takes_the_defaults() {
        let c = base();
        assert_eq!((c.l1_sets, c.l1_ways, c.l1_lines()), (64, 8, 512));
        assert_eq!(c.secondary_read_lines, 0);
        assert_eq!(c.interrupt_distribution, InterruptDistribution::None);
        assert_eq!(c.max_nesting, 7);
        assert_eq!(c.orec_table_bits, 22);
        assert_eq!(c.tsc_hz, HZ);
        assert_eq!(c.name, "");
    }

    #[test]
    fn toml_and_json_round_trip() {
        for p in Preset::ALL {
            let c = ModelConfig::preset(p, HZ);
            let back = ModelConfig::from_toml_str(&c.to_toml(), 1.0).unwrap();
            assert_eq!(back, c, "{}", p.name());
            let json = serde_json::to_string(&c).unwrap();
            let back: ModelConfig = serde_json::from_str(&json).unwrap();
            assert_eq!(back, c);
        }
    }

    fn err(text: &str) -> ConfigError {
        ModelConfig::from_toml_str(text, HZ).unwrap_err()
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            ("l1_sets = 48\nl1_ways = 8", "l1_sets"),
            ("l1_sets = 0\nl1_ways = 8", "l1_sets"),
            ("l1_sets = 64\nl1_ways = 0", "l1_ways"),
            ("l1_sets = 64\nl1_ways = 65", "l1_ways"),
            ("l1_sets = 65536\nl1_ways = 64", "l1_ways"),
            (
                "l1_sets = 64\nl1_ways = 8\nsecondary_read_lines = 100000000",
                "secondary_read_lines",
            ),
            (
                "l1_sets = 64\nl1_ways = 8\nread_false_positive_rate = 1.5",
                "read_false_positive_rate",
            ),
            (
                "l1_sets = 64\nl1_ways = 8\ninterrupt_mean_us = -1",
                "interrupt_mean_us",
            ),
            (
                "l1_sets = 64\nl1_ways = 8\ninterrupt_mean_us = inf",
                "interrupt_mean_us",
            ),
            (
                "l1_sets = 64\nl1_ways = 8\nspontaneous_abort_rate = nan",
                "spontaneous_abort_rate",
            ),
            ("l1_sets = 64\nl1_ways = 8\nmax_nesting = 0", "max_nesting"),
            ("l1_sets = 64\nl1_ways = 8\ntsc_hz = -3", "tsc_hz"),
            (
                "l1_sets = 64\nl1_ways = 8\norec_table_bits = 40",
                "orec_table_bits",
            ),
        ];
        for (text, key) in cases {
            let e = err(text);
            assert_eq!(e.key, key, "{text}: {e}");
            assert!(e.to_string().starts_with(key), "{e}");
        }
    }

    #[test]
    fn parse_errors_name_the_key() {
        let e = err("l1_sets = 64\nl1_ways = 8\nways = 3");
        assert!(e.to_string().contains("ways"), "{e}");
        let e = err("l1_sets = \"many\"\nl1_ways = 8");
        assert!(e.to_string().contains("l1_sets"), "{e}");
        let e = err("l1_ways = 8");
        assert!(e.to_string().contains("l1_sets"), "{e}");
        let e = err("l1_sets = 64\nl1_ways = 8\ninterrupt_distribution = \"weekly\"");
        assert!(e.to_string().contains("weekly"), "{e}");
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("tmlab-model-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.toml");
        std::fs::write(&path, "l1_sets = 48\nl1_ways = 8\n").unwrap();
        let e = ModelConfig::from_toml_file(&path, HZ).unwrap_err();
        assert_eq!(e.file.as_deref(), Some(path.as_path()));
        assert!(e.to_string().contains("bad.toml: l1_sets: 48"), "{e}");
        let missing = dir.join("missing.toml");
        let e = ModelConfig::from_toml_file(&missing, HZ).unwrap_err();
        assert!(e.to_string().contains("missing.toml"), "{e}");
        let good = dir.join("good.toml");
        std::fs::write(&good, "l1_sets = 32\nl1_ways = 4\ntsc_hz = 2e9\n").unwrap();
        let c = ModelConfig::from_toml_file(&good, HZ).unwrap();
        assert_eq!(c.tsc_hz, 2e9, "the file pins the TSC rate");
        assert!(c.name.starts_with("file:") && c.name.ends_with("good.toml"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn measured_figures_give_the_same_cliffs() {
        let m = Measured {
            l1_sets: 64,
            l1_ways: 8,
            write_capacity_lines: 512,
            read_capacity_lines: 65536,
            duration_50_us: 2000.0,
            spontaneous_abort_rate: 0.001,
        };
        let c = ModelConfig::from_measured("probe:x", &m, HZ).unwrap();
        assert_eq!((c.l1_sets, c.l1_ways), (64, 8));
        assert_eq!(c.read_capacity_lines(), 65536);
        assert_eq!(c.interrupt_distribution, InterruptDistribution::Exponential);
        let survive = (-2000.0 / c.interrupt_mean_us).exp();
        assert!((survive - 0.5).abs() < 1e-12);
        assert_eq!(c.spontaneous_abort_rate, 0.001);
        // A write capacity below the L1 (a sibling hyperthread, say) lowers the ways.
        let c = ModelConfig::from_measured(
            "probe:y",
            &Measured {
                write_capacity_lines: 300,
                read_capacity_lines: 100,
                ..m
            },
            HZ,
        )
        .unwrap();
        assert_eq!(
            (c.l1_ways, c.l1_lines(), c.secondary_read_lines),
            (4, 256, 0)
        );
        let e = ModelConfig::from_measured(
            "probe:z",
            &Measured {
                duration_50_us: 0.0,
                ..m
            },
            HZ,
        )
        .unwrap_err();
        assert_eq!(e.key, "duration_50_us");
        let e =
            ModelConfig::from_measured("probe:z", &Measured { l1_sets: 48, ..m }, HZ).unwrap_err();
        assert_eq!(e.key, "l1_sets");
    }

    #[test]
    fn params_record_everything() {
        let c = ModelConfig::preset(Preset::Haswell, HZ);
        let p = c.params();
        let get = |k: &str| p.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("modelled"), Some("true"));
        assert_eq!(get("model"), Some("haswell"));
        assert_eq!(get("l1_lines"), Some("512"));
        assert_eq!(get("l1_bytes"), Some("32768"));
        assert_eq!(get("interrupt_distribution"), Some("exponential"));
        assert!(get("tsc_hz").is_some() && get("seed").is_some());
        let keys: std::collections::BTreeSet<_> = p.iter().map(|(k, _)| k).collect();
        assert_eq!(keys.len(), p.len(), "keys are unique");
    }

    #[test]
    fn the_summary_names_the_geometry_and_the_interrupts() {
        let c = ModelConfig::preset(Preset::Haswell, HZ);
        assert_eq!(
            c.summary(),
            format!(
                "64 sets x 8 ways, read capacity {} lines, interrupts exponential mean {} us",
                c.read_capacity_lines(),
                c.interrupt_mean_us
            )
        );
        let derived = ModelConfig {
            interrupt_mean_us: 5_770.780_163_555_853,
            ..c
        };
        assert!(derived.summary().ends_with("mean 5770.8 us"));
    }
}
