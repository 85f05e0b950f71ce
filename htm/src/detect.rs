//! What the CPU and the system say about TSX. A claim, not a proof: only committed transactions
//! prove RTM works (see [`Rtm::detect`](crate::Rtm::detect)).

/// The processor's identity, as reported by CPUID and the operating system.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CpuInfo {
    /// Vendor string, for example `GenuineIntel`.
    pub vendor: String,
    /// Display family (base plus extended family).
    pub family: u32,
    /// Display model (with the extended model where the SDM says to combine them).
    pub model: u32,
    /// Stepping.
    pub stepping: u32,
    /// Brand string, trimmed.
    pub brand: String,
    /// Microcode revision from `/proc/cpuinfo`, for example `0xf0`, when the system exposes it.
    pub microcode: Option<String>,
    /// CPUID.1:ECX bit 31: running under a hypervisor.
    pub hypervisor: bool,
    /// The hypervisor's vendor signature (CPUID leaf 0x4000_0000), for example `KVMKVMKVM`.
    pub hypervisor_vendor: Option<String>,
}

/// The TSX-related CPUID bits (leaf 7, subleaf 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TsxFeatures {
    /// EBX bit 11: RTM (`xbegin`, `xend`, `xabort`, `xtest`).
    pub rtm: bool,
    /// EBX bit 4: HLE (`xacquire`/`xrelease` prefixes).
    pub hle: bool,
    /// EDX bit 11: RTM_ALWAYS_ABORT. Microcode makes every transaction abort.
    pub rtm_always_abort: bool,
    /// EDX bit 13: TSX_FORCE_ABORT MSR present (the OS can force every transaction to abort).
    pub tsx_force_abort: bool,
    /// EDX bit 16: TSXLDTRK (`xsusldtrk`/`xresldtrk`, suspend load-address tracking).
    pub tsxldtrk: bool,
}

/// Reads the processor's identity.
pub fn cpu_info() -> CpuInfo {
    let mut info = imp::cpu_info();
    info.microcode = microcode_revision();
    info
}

/// Reads the TSX feature bits.
pub fn tsx_features() -> TsxFeatures {
    imp::tsx_features()
}

/// The microcode revision, from the first `microcode` line of `/proc/cpuinfo` (Linux).
pub fn microcode_revision() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("microcode"))
        .and_then(|l| l.split(':').nth(1))
        .map(|v| v.trim().to_string())
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::{CpuInfo, TsxFeatures};
    use core::arch::x86_64::__cpuid_count;
    use raw_cpuid::CpuId;

    pub fn cpu_info() -> CpuInfo {
        let cpuid = CpuId::new();
        let vendor = cpuid
            .get_vendor_info()
            .map(|v| v.as_str().to_string())
            .unwrap_or_default();
        let (family, model, stepping, hypervisor) = match cpuid.get_feature_info() {
            Some(f) => (
                u32::from(f.family_id()),
                u32::from(f.model_id()),
                u32::from(f.stepping_id()),
                f.has_hypervisor(),
            ),
            None => (0, 0, 0, false),
        };
        let brand = cpuid
            .get_processor_brand_string()
            .map(|b| b.as_str().trim().to_string())
            .unwrap_or_default();
        let hypervisor_vendor = if hypervisor {
            cpuid
                .get_hypervisor_info()
                .map(|h| format!("{:?}", h.identify()))
        } else {
            None
        };
        CpuInfo {
            vendor,
            family,
            model,
            stepping,
            brand,
            microcode: None,
            hypervisor,
            hypervisor_vendor,
        }
    }

    pub fn tsx_features() -> TsxFeatures {
        let cpuid = CpuId::new();
        let (rtm, hle) = cpuid
            .get_extended_feature_info()
            .map(|e| (e.has_rtm(), e.has_hle()))
            .unwrap_or((false, false));
        // raw-cpuid does not expose these EDX bits, so read leaf 7 directly.
        // Leaf 0 is always valid; leaf 7 only when the maximum basic leaf reaches it.
        let edx = if __cpuid_count(0, 0).eax >= 7 {
            __cpuid_count(7, 0).edx
        } else {
            0
        };
        TsxFeatures {
            rtm,
            hle,
            rtm_always_abort: edx & (1 << 11) != 0,
            tsx_force_abort: edx & (1 << 13) != 0,
            tsxldtrk: edx & (1 << 16) != 0,
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod imp {
    use super::{CpuInfo, TsxFeatures};

    pub fn cpu_info() -> CpuInfo {
        CpuInfo {
            vendor: std::env::consts::ARCH.to_string(),
            family: 0,
            model: 0,
            stepping: 0,
            brand: String::new(),
            microcode: None,
            hypervisor: false,
            hypervisor_vendor: None,
        }
    }

    pub fn tsx_features() -> TsxFeatures {
        TsxFeatures::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_identity() {
        let info = cpu_info();
        if cfg!(target_arch = "x86_64") {
            assert!(!info.vendor.is_empty());
            assert!(info.family > 0);
        }
    }

    #[test]
    fn features_agree_with_the_kernel_where_it_reports_them() {
        let Ok(text) = std::fs::read_to_string("/proc/cpuinfo") else {
            return;
        };
        let Some(flags) = text.lines().find(|l| l.starts_with("flags")) else {
            return;
        };
        let flags: Vec<&str> = flags.split_whitespace().collect();
        let f = tsx_features();
        // The kernel may hide bits the CPU sets (tsx=off clears them), never the other way round.
        if flags.contains(&"rtm") {
            assert!(f.rtm, "the kernel reports rtm but CPUID does not");
        }
        if flags.contains(&"hle") {
            assert!(f.hle, "the kernel reports hle but CPUID does not");
        }
    }
}
