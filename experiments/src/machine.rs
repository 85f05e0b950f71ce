//! Everything needed to reproduce a measurement: the machine, its CPU and TSX state, the kernel,
//! the toolchain, the git commit and the exact command line.

use htm::detect::{CpuInfo, TsxFeatures};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The machine and software a run was measured with. Saved in every run's `meta.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Machine {
    /// Host name.
    pub hostname: String,
    /// Kernel release (`uname -r`) and version string.
    pub kernel: String,
    /// Logical CPUs online on the machine (`sysconf(_SC_NPROCESSORS_ONLN)`).
    pub cores: usize,
    /// Logical CPUs this process may run on (its affinity mask when it started, before tmlab
    /// pinned its measuring thread). Absent in folders written before it was recorded.
    #[serde(default)]
    pub cores_available: Option<usize>,
    /// The processor.
    pub cpu: CpuInfo,
    /// TSX feature bits from CPUID leaf 7.
    pub features: TsxFeatures,
    /// Whether RTM transactions commit here, proven by `htm::Rtm::detect`.
    pub rtm_usable: bool,
    /// Why RTM is unusable, when it is.
    pub rtm_reason: Option<String>,
    /// Level-1 data cache of CPU 0, from sysfs, when the system exposes it.
    pub l1d: Option<CacheInfo>,
    /// Measured time-stamp-counter rate in Hz (against the monotonic clock over 50 ms).
    pub tsc_hz: f64,
    /// The software that measured.
    pub software: Software,
}

/// A cache level's geometry.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CacheInfo {
    /// Total size in bytes.
    pub size_bytes: u64,
    /// Associativity (ways).
    pub ways: u32,
    /// Line size in bytes.
    pub line_bytes: u32,
    /// Number of sets.
    pub sets: u32,
}

/// The software side of a run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Software {
    /// tmlab's version.
    pub tmlab_version: String,
    /// The git commit the binary was built from.
    pub git_commit: String,
    /// Whether tracked files differed from that commit at build time (`true`, `false`, `unknown`).
    pub git_dirty: String,
    /// `rustc --version` of the compiler that built the binary.
    pub rustc: String,
    /// Cargo profile (`release`, `debug`).
    pub profile: String,
    /// The exact command line.
    pub command: Vec<String>,
}

impl Machine {
    /// Collects the description of this machine and process (runs RTM detection, and measures the
    /// TSC rate for 50 ms).
    pub fn collect() -> Machine {
        let rtm = htm::Rtm::detect();
        Machine {
            hostname: hostname(),
            kernel: kernel(),
            cores: online_cores(),
            cores_available: Some(cores_available()),
            cpu: htm::detect::cpu_info(),
            features: htm::detect::tsx_features(),
            rtm_usable: rtm.is_ok(),
            rtm_reason: rtm.err().map(|e| e.to_string()),
            l1d: l1d_cache(),
            tsc_hz: tm::clock::ticks_per_second(Duration::from_millis(50)),
            software: Software::current(),
        }
    }

    /// A one-line description for chart captions: brand (or vendor/family/model) and microcode.
    pub fn cpu_label(&self) -> String {
        let name = if self.cpu.brand.is_empty() {
            format!(
                "{} family {} model {}",
                self.cpu.vendor, self.cpu.family, self.cpu.model
            )
        } else {
            self.cpu.brand.clone()
        };
        match &self.cpu.microcode {
            Some(m) => format!("{name} (microcode {m})"),
            None => name,
        }
    }
}

impl Software {
    /// This binary and this process.
    pub fn current() -> Software {
        Software {
            tmlab_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: env!("TMLAB_GIT_COMMIT").to_string(),
            git_dirty: env!("TMLAB_GIT_DIRTY").to_string(),
            rustc: env!("TMLAB_RUSTC_VERSION").to_string(),
            profile: env!("TMLAB_PROFILE").to_string(),
            command: std::env::args().collect(),
        }
    }
}

/// Logical CPUs online, or 1 if the system does not say.
pub fn online_cores() -> usize {
    // SAFETY: `sysconf` has no memory-safety preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    usize::try_from(n).ok().filter(|&n| n > 0).unwrap_or(1)
}

/// Logical CPUs this process may run on, as its affinity mask said at the first call. Pinning
/// narrows the calling thread's mask (and `available_parallelism` reads that mask), so the first
/// call must come before any pinning: tmlab's pinning functions make it first.
pub fn cores_available() -> usize {
    static FIRST: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *FIRST.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The host name, from `/proc/sys/kernel/hostname` or `uname`.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| uname().map(|u| u.nodename))
        .unwrap_or_else(|| "unknown-host".into())
}

fn kernel() -> String {
    uname().map_or_else(
        || std::env::consts::OS.to_string(),
        |u| format!("{} {} {}", u.sysname, u.release, u.version),
    )
}

struct Uname {
    sysname: String,
    nodename: String,
    release: String,
    version: String,
}

fn uname() -> Option<Uname> {
    // SAFETY: `utsname` is plain old data; all-zero is a valid value.
    let mut buf: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `buf` is a valid, writable `utsname`.
    if unsafe { libc::uname(&mut buf) } != 0 {
        return None;
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    Some(Uname {
        sysname: field(&buf.sysname),
        nodename: field(&buf.nodename),
        release: field(&buf.release),
        version: field(&buf.version),
    })
}

/// The level-1 data cache of CPU 0 from `/sys/devices/system/cpu/cpu0/cache`.
pub fn l1d_cache() -> Option<CacheInfo> {
    let base = std::path::Path::new("/sys/devices/system/cpu/cpu0/cache");
    for entry in std::fs::read_dir(base).ok()?.flatten() {
        let dir = entry.path();
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .ok()
                .map(|s| s.trim().to_string())
        };
        if read("level").as_deref() != Some("1") || read("type").as_deref() != Some("Data") {
            continue;
        }
        let size = read("size")?;
        let size_bytes = match size.strip_suffix('K') {
            Some(k) => k.parse::<u64>().ok()? * 1024,
            None => size.parse().ok()?,
        };
        return Some(CacheInfo {
            size_bytes,
            ways: read("ways_of_associativity")?.parse().ok()?,
            line_bytes: read("coherency_line_size")?.parse().ok()?,
            sets: read("number_of_sets")?.parse().ok()?,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_a_consistent_description() {
        let m = Machine::collect();
        assert!(m.cores >= 1);
        assert!(m.cores_available.unwrap() >= 1 && m.cores_available.unwrap() <= m.cores);
        assert!(!m.hostname.is_empty());
        assert_eq!(m.rtm_usable, m.rtm_reason.is_none());
        assert!(m.tsc_hz > 1e6);
        assert!(!m.software.git_commit.is_empty());
        if let Some(l1) = m.l1d {
            assert_eq!(
                u64::from(l1.ways) * u64::from(l1.sets) * u64::from(l1.line_bytes),
                l1.size_bytes
            );
        }
        let json = serde_json::to_string(&m).unwrap();
        let back: Machine = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
    }
}
