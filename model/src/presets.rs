//! Presets: four Intel cores with RTM, as far as published figures describe them.
//!
//! | preset | L1D | write capacity | read capacity (L1 + secondary) | interrupts |
//! |---|---|---|---|---|
//! | `haswell` | 32 KiB, 8-way, 64 sets | 512 lines, 8 per set | 65 536 lines (4 MiB) *estimate* | exponential, mean 4 000 µs *estimate* |
//! | `skylake` | 32 KiB, 8-way, 64 sets | 512 lines, 8 per set | 65 536 lines (4 MiB) *estimate* | exponential, mean 4 000 µs *estimate* |
//! | `icelake` | 48 KiB, 12-way, 64 sets | 768 lines, 12 per set | 65 536 lines (4 MiB) *estimate* | exponential, mean 4 000 µs *estimate* |
//! | `sapphire-rapids` | 48 KiB, 12-way, 64 sets | 768 lines, 12 per set | 32 768 lines (2 MiB) *estimate* | exponential, mean 4 000 µs *estimate* |
//!
//! Every preset has no spontaneous aborts, no secondary false positives (no published rate) and
//! flattened nesting to depth 7. What each number rests on:
//!
//! - **L1D geometry** (exact, published). Haswell and Skylake: 32 KiB 8-way; Sunny Cove (Ice
//!   Lake): 48 KiB 12-way (AnandTech, "Testing Intel's Ice Lake 10nm", 2019, cache comparison
//!   table: Sunny Cove 48 KB 12-way L1-D against Skylake's 32 KB 8-way). Golden Cove (Sapphire
//!   Rapids): 48 KiB 12-way (Intel's Linux enabling patch as reported by Hardware Times, "Intel
//!   Sapphire Rapids-SP Cache Hierarchy Revealed", 2021; Wikipedia, "Golden Cove"). 64-byte
//!   lines, so 64 sets in every case.
//! - **Write capacity = L1**: Intel tracks the write set in L1D, and "a transactional execution
//!   that writes to nine distinct locations mapping to the same cache set will abort" on Haswell
//!   (Intel's TSX documentation as quoted in Wikipedia, "Transactional Synchronization
//!   Extensions"); Dice, Harris, Kogan and Lev, "The Influence of Malloc Placement on TSX
//!   Hardware Transactional Memory" (arXiv:1504.04640, 2015), on an i7-4770: write set in L1,
//!   read set tracked in L1, L2 and L3, and eviction of either from where it is tracked aborts.
//!   The model's exact cliffs (512/8, 768/12) are the idealization of that.
//! - **Read capacity** (estimates). Dice et al. observed read-only transactions of 7.5 MB
//!   commit on the i7-4770 and none larger than its 8 MB L3. Cai, Blackburn and Bond,
//!   "Understanding and Utilizing Hardware Transactional Memory Capacity" (ISMM 2021), studying
//!   four generations of TSX, explain why published read capacities disagree by nearly three
//!   orders of magnitude (warm-up state and replacement policy) and find that a physically
//!   indexed LLC typically yields only half its capacity. Half of an 8 MiB client LLC, 4 MiB, is
//!   used for Haswell, Skylake and Ice Lake (client parts with 8 MiB of L3); it is an estimate
//!   of a warm sequential read set, not a measurement. For Sapphire Rapids no published read
//!   capacity was found; its non-inclusive L3 is not assumed to track reads, and the 2 MiB
//!   per-core L2 is used: an estimate.
//! - **Interrupts** (estimate). Linux's default timer frequency is 250 Hz (`kernel/Kconfig.hz`,
//!   `default HZ_250`), one tick per 4 ms on a busy CPU; other interrupts come on top. The
//!   presets draw interrupts as a Poisson process with that mean (4 000 µs), so half of the
//!   transactions lasting about 2 800 µs commit. Machines differ (HZ=1000 kernels, tickless
//!   cores, VM exits under a hypervisor); use [`ModelConfig::from_measured`] with a probe's
//!   `duration_50_us` for a given machine.

use crate::config::{InterruptDistribution, ModelConfig};
use core::fmt;
use core::str::FromStr;

/// A preset (see the module documentation for the figures and their sources).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    /// Intel Haswell (4th generation Core, 2013): 32 KiB 8-way L1D.
    Haswell,
    /// Intel Skylake (6th generation Core, 2015): 32 KiB 8-way L1D.
    Skylake,
    /// Intel Ice Lake (Sunny Cove, 2019): 48 KiB 12-way L1D.
    IceLake,
    /// Intel Sapphire Rapids (4th generation Xeon Scalable, Golden Cove, 2023): 48 KiB 12-way.
    SapphireRapids,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 4] = [
        Preset::Haswell,
        Preset::Skylake,
        Preset::IceLake,
        Preset::SapphireRapids,
    ];

    /// The preset's name (`haswell`, `skylake`, `icelake`, `sapphire-rapids`).
    pub const fn name(self) -> &'static str {
        match self {
            Preset::Haswell => "haswell",
            Preset::Skylake => "skylake",
            Preset::IceLake => "icelake",
            Preset::SapphireRapids => "sapphire-rapids",
        }
    }

    /// `(sets, ways, total read capacity in lines)`.
    const fn figures(self) -> (u32, u32, u64) {
        match self {
            Preset::Haswell | Preset::Skylake => (64, 8, 65_536),
            Preset::IceLake => (64, 12, 65_536),
            Preset::SapphireRapids => (64, 12, 32_768),
        }
    }

    /// The preset's configuration with the running machine's TSC rate (not validated; see
    /// [`ModelConfig::preset`]).
    pub(crate) fn config(self, tsc_hz: f64) -> ModelConfig {
        let (sets, ways, read_lines) = self.figures();
        ModelConfig {
            name: self.name().to_string(),
            l1_sets: sets,
            l1_ways: ways,
            secondary_read_lines: read_lines - u64::from(sets * ways),
            read_false_positive_rate: 0.0,
            interrupt_distribution: InterruptDistribution::Exponential,
            interrupt_mean_us: PRESET_INTERRUPT_MEAN_US,
            spontaneous_abort_rate: 0.0,
            max_nesting: 7,
            tsc_hz,
            seed: 0,
            orec_table_bits: 22,
        }
    }
}

/// The presets' mean time between interrupts: one tick of a 250 Hz kernel, microseconds.
pub const PRESET_INTERRUPT_MEAN_US: f64 = 4_000.0;

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A preset name that is not one of [`Preset::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownPreset(pub String);

impl fmt::Display for UnknownPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown model preset `{}` (known: ", self.0)?;
        for (i, p) in Preset::ALL.iter().enumerate() {
            write!(f, "{}{}", if i == 0 { "" } else { ", " }, p.name())?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for UnknownPreset {}

impl FromStr for Preset {
    type Err = UnknownPreset;

    fn from_str(s: &str) -> Result<Preset, UnknownPreset> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownPreset(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_listed() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>(), Ok(p));
        }
        let e = "broadwell".parse::<Preset>().unwrap_err().to_string();
        assert!(
            e.contains("broadwell") && e.contains("sapphire-rapids"),
            "{e}"
        );
    }

    #[test]
    fn presets_have_the_published_geometry() {
        let lines = |p| ModelConfig::preset(p, 1e9).l1_lines();
        assert_eq!(lines(Preset::Haswell), 512);
        assert_eq!(lines(Preset::Skylake), 512);
        assert_eq!(lines(Preset::IceLake), 768);
        assert_eq!(lines(Preset::SapphireRapids), 768);
        assert_eq!(
            ModelConfig::preset(Preset::Haswell, 1e9).read_capacity_lines(),
            65_536
        );
    }
}
