//! `meta.json`: how a run was measured, and how far it got.
//!
//! Written when the run folder is created (status `running`), rewritten when it ends (`complete`
//! or `interrupted`, with the end time) and when it is resumed. Each write goes to a temporary
//! file that is then renamed over `meta.json`, so a reader never sees half a file.

use super::ResultsError;
use crate::machine::Machine;
use crate::sweep::spec::SweepSpec;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// The version of the result-folder layout this build writes and reads.
pub const FORMAT: u32 = 1;

/// What produced the counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hardware {
    /// Real RTM transactions on this machine.
    Rtm,
    /// The deterministic stand-in used by tmlab's own tests: NOT a measurement.
    Mock,
    /// The modelled HTM (`model:*` backends, crate `model`): NOT real hardware; folder names
    /// say `model` and captions "modelled".
    Model,
    /// No hardware TM at all: only software backends ran (every `htm:*` backend asked for was
    /// skipped, see `skipped`).
    Software,
}

/// How far a run got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Running, or killed without a chance to record anything else (a reader tells the two
    /// apart by the folder's lock: see [`super::RunState`]).
    Running,
    /// Stopped by SIGINT or SIGTERM; `--resume` finishes it.
    Interrupted,
    /// Every planned point is in `points.csv`.
    Complete,
}

/// A later session that continued the run with `--resume`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resume {
    /// When it started (RFC 3339, UTC).
    pub started: String,
    /// Its exact command line.
    pub command: Vec<String>,
    /// The git commit of the binary that resumed.
    pub git_commit: String,
    /// Rows already in `points.csv` when it started.
    pub rows_before: usize,
    /// The core it pinned its thread to.
    pub pinned_core: Option<usize>,
}

/// The contents of `meta.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// `rtm` for measurements, `mock` for test data.
    pub hardware: Hardware,
    /// The sweep's parameters (everything that decides which points are run).
    pub spec: SweepSpec,
    /// The machine and software (including the first session's exact command line).
    pub machine: Machine,
    /// The core the measuring thread was pinned to.
    pub pinned_core: Option<usize>,
    /// Start of the run (RFC 3339, UTC).
    pub started: String,
    /// End of the last session, once it ended.
    pub ended: Option<String>,
    /// How far the run got.
    pub status: Status,
    /// Sessions that continued the run.
    pub resumes: Vec<Resume>,
    /// Backends asked for but not run here, with the thread counts and the reason (workload
    /// sweeps).
    #[serde(default)]
    pub skipped: Vec<crate::sweep::scaling::Skipped>,
    /// Whether some point ran more threads than the process had cores (workload sweeps).
    #[serde(default)]
    pub oversubscribed: bool,
    /// Every parameter of each modelled HTM the run uses (`model::ModelConfig::params`), by
    /// backend name; empty when no `model:*` backend runs.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub models: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

impl Meta {
    /// Reads and parses a `meta.json`.
    pub fn read(path: &Path) -> Result<Meta, ResultsError> {
        let text = std::fs::read_to_string(path).map_err(ResultsError::io(path))?;
        let meta: Meta = serde_json::from_str(&text).map_err(|cause| ResultsError::Meta {
            path: path.to_path_buf(),
            cause,
        })?;
        if meta.format != FORMAT {
            return Err(ResultsError::Row {
                path: path.to_path_buf(),
                line: 1,
                message: format!("layout format {} (this tmlab reads {FORMAT})", meta.format),
            });
        }
        meta.check().map_err(|message| ResultsError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(meta)
    }

    /// Checks what parsing cannot: the spec within the bounds of [`crate::limits`] (so a
    /// hand-edited file cannot make a resumed run allocate or loop without end) and a usable TSC
    /// rate (duration rows are converted with it).
    pub fn check(&self) -> Result<(), String> {
        self.spec.validate().map_err(|e| format!("spec: {e}"))?;
        let hz = self.machine.tsc_hz;
        if !(hz.is_finite() && (1e6..=1e11).contains(&hz)) {
            return Err(format!(
                "machine.tsc_hz is {hz}: not a time-stamp-counter rate (1 MHz to 100 GHz)"
            ));
        }
        Ok(())
    }

    /// Writes `meta.json` atomically (temporary file, flush, rename).
    pub fn write(&self, path: &Path) -> Result<(), ResultsError> {
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).expect("meta is always serializable");
        // Held off the abort-now path (see `crate::signals`), which itself rewrites meta.json.
        let _whole = crate::signals::exclusive();
        let mut f = std::fs::File::create(&tmp).map_err(ResultsError::io(&tmp))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.write_all(b"\n"))
            .and_then(|()| f.sync_data())
            .map_err(ResultsError::io(&tmp))?;
        std::fs::rename(&tmp, path).map_err(ResultsError::io(path))
    }

    /// `true` when the counts are from the mock, not from hardware.
    pub fn is_mock(&self) -> bool {
        self.hardware == Hardware::Mock
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sweep::spec::{CapacitySpec, Sizes};

    /// A hand-written machine description (no collection, so tests are fast and fixed).
    pub(crate) const MACHINE_JSON: &str = r#"{
        "hostname": "testhost", "kernel": "Linux 6.1", "cores": 4,
        "cpu": {"vendor": "GenuineIntel", "family": 6, "model": 85, "stepping": 7,
                "brand": "Test CPU", "microcode": "0x5003604", "hypervisor": false,
                "hypervisor_vendor": null},
        "features": {"rtm": true, "hle": false, "rtm_always_abort": false,
                     "tsx_force_abort": false, "tsxldtrk": false},
        "rtm_usable": true, "rtm_reason": null,
        "l1d": {"size_bytes": 32768, "ways": 8, "line_bytes": 64, "sets": 64},
        "tsc_hz": 2.5e9,
        "software": {"tmlab_version": "0.1.0", "git_commit": "abc", "git_dirty": "false",
                     "rustc": "rustc 1.95.0", "profile": "release",
                     "command": ["tmlab", "sweep", "capacity"]}
    }"#;

    /// A finished run of `spec` on the machine of [`MACHINE_JSON`].
    pub(crate) fn meta_with(spec: SweepSpec) -> Meta {
        Meta {
            format: FORMAT,
            hardware: Hardware::Rtm,
            spec,
            machine: serde_json::from_str(MACHINE_JSON).unwrap(),
            pinned_core: None,
            started: "2026-11-22T00:00:00Z".into(),
            ended: None,
            status: Status::Complete,
            resumes: vec![],
            skipped: vec![],
            oversubscribed: false,
            models: Default::default(),
        }
    }

    #[test]
    fn meta_round_trips_and_rejects_garbage() {
        let dir = std::env::temp_dir().join(format!("tmlab-meta-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("meta.json");
        let meta = Meta {
            format: FORMAT,
            hardware: Hardware::Rtm,
            spec: SweepSpec::Capacity(CapacitySpec {
                ops: vec![crate::kernels::footprint::Op::Mixed],
                patterns: vec![crate::kernels::footprint::Pattern::SameSet],
                sizes: Sizes::Refine { max_lines: 100 },
                warmth: crate::kernels::footprint::Warmth::Cold,
                attempts: 10,
                reps: 2,
                seed: 5,
                model: None,
            }),
            machine: serde_json::from_str(MACHINE_JSON).unwrap(),
            pinned_core: Some(3),
            started: "2026-11-22T00:00:00Z".into(),
            ended: Some("2026-11-22T00:01:00Z".into()),
            status: Status::Interrupted,
            resumes: vec![],
            skipped: vec![],
            oversubscribed: false,
            models: Default::default(),
        };
        meta.write(&path).unwrap();
        assert_eq!(Meta::read(&path).unwrap(), meta);
        let text = std::fs::read_to_string(&path).unwrap();
        for needle in [
            r#""hardware": "rtm""#,
            r#""status": "interrupted""#,
            r#""sweep": "capacity""#,
            r#""warmth": "cold""#,
        ] {
            assert!(text.contains(needle), "{needle} missing from {text}");
        }
        std::fs::write(&path, "{\"format\": 1,").unwrap();
        let e = Meta::read(&path).unwrap_err().to_string();
        assert!(e.contains("meta.json") && e.contains("line 1"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
