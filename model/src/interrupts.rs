//! Interrupts: when a running attempt is aborted with status 0.
//!
//! At `begin`, each attempt gets a *deadline* in TSC ticks; every access and the commit compare
//! the clock with it and abort with status 0 once it has passed. Time is `tm::clock::now()`,
//! converted from microseconds with the configured TSC rate, so a transaction that does more
//! (or is preempted, or waits) survives less, exactly as on hardware.
//!
//! - Exponential: the deadline is `begin + X`, `X` exponential with the configured mean
//!   (inverse transform `-mean * ln(1 - U)` of a uniform `U` in `[0, 1)`); an attempt that
//!   lasts `d` survives with probability `exp(-d / mean)`.
//! - Periodic: each thread has ticks at `phase + k * period` (`phase` uniform in `[0, period)`,
//!   drawn once per thread); the deadline is the first tick after `begin`.
//!
//! Tests drive time by hand with a [`ManualClock`] instead of the TSC.

use crate::config::{InterruptDistribution, ModelConfig};
use std::sync::atomic::{AtomicU64, Ordering};
use tm::rng::SplitMix64;

/// The clock interrupts are measured with.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TimeSource<'m> {
    /// `tm::clock::now()`.
    Tsc,
    /// A hand-driven clock (tests).
    Manual(&'m ManualClock),
}

impl TimeSource<'_> {
    /// The current time, ticks.
    #[inline(always)]
    pub(crate) fn now(self) -> u64 {
        match self {
            TimeSource::Tsc => tm::clock::now(),
            TimeSource::Manual(c) => c.now(),
        }
    }
}

/// A clock the caller sets, in TSC ticks, to test interrupt behaviour without real time.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock at `ticks`.
    pub fn new(ticks: u64) -> ManualClock {
        ManualClock(AtomicU64::new(ticks))
    }

    /// The time, ticks.
    pub fn now(&self) -> u64 {
        // Relaxed: a test-only clock, read by the thread that drives it.
        self.0.load(Ordering::Relaxed)
    }

    /// Moves the clock forward by `ticks`.
    pub fn advance(&self, ticks: u64) {
        // Relaxed: as for `now`.
        self.0.fetch_add(ticks, Ordering::Relaxed);
    }
}

/// One thread's interrupt source.
#[derive(Clone, Debug)]
pub(crate) struct Interrupts {
    distribution: InterruptDistribution,
    /// Mean (exponential) in ticks.
    mean_ticks: f64,
    /// Period (periodic) in ticks, at least 1.
    period: u64,
    /// This thread's tick phase (periodic), in `[0, period)`.
    phase: u64,
}

impl Interrupts {
    /// The interrupt source of one thread, drawing its phase from `rng`.
    pub(crate) fn new(config: &ModelConfig, rng: &mut SplitMix64) -> Interrupts {
        let mean_ticks = config.interrupt_mean_us * config.tsc_hz / 1e6;
        let period = (mean_ticks as u64).max(1);
        Interrupts {
            distribution: config.interrupt_distribution,
            mean_ticks,
            period,
            phase: rng.below(period),
        }
    }

    /// Whether interrupts happen at all.
    #[inline(always)]
    pub(crate) fn enabled(&self) -> bool {
        self.distribution != InterruptDistribution::None
    }

    /// The deadline of an attempt beginning at `now`.
    pub(crate) fn deadline(&self, now: u64, rng: &mut SplitMix64) -> u64 {
        match self.distribution {
            InterruptDistribution::None => u64::MAX,
            InterruptDistribution::Exponential => {
                let x = -self.mean_ticks * (1.0 - rng.unit()).ln();
                // `as` saturates: a draw beyond u64 means "never".
                now.saturating_add(x as u64)
            }
            InterruptDistribution::Periodic => {
                // Ticks at phase + k * period (phase < period); the first one strictly after
                // `now`. `since` is the time since the last tick at or before `now`.
                let since = (now % self.period + self.period - self.phase) % self.period;
                now.saturating_add(self.period - since)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::Preset;

    fn config(distribution: InterruptDistribution, mean_us: f64) -> ModelConfig {
        ModelConfig {
            interrupt_distribution: distribution,
            interrupt_mean_us: mean_us,
            ..ModelConfig::preset(Preset::Haswell, 1e9)
        }
    }

    /// Fraction of deadlines, over attempts starting at random times, beyond `d` ticks.
    fn survival(i: &Interrupts, rng: &mut SplitMix64, d: u64, n: u32) -> f64 {
        let mut survived = 0;
        for _ in 0..n {
            let begin = rng.below(1 << 40);
            if i.deadline(begin, rng) > begin + d {
                survived += 1;
            }
        }
        f64::from(survived) / f64::from(n)
    }

    #[test]
    fn exponential_survival_is_exp_minus_d_over_mean() {
        // 100 µs at 1 GHz: 100 000 ticks.
        let c = config(InterruptDistribution::Exponential, 100.0);
        let mut rng = SplitMix64::new(11);
        let i = Interrupts::new(&c, &mut rng);
        for d in [10_000u64, 69_315, 200_000] {
            let s = survival(&i, &mut rng, d, 100_000);
            let expected = (-(d as f64) / 100_000.0).exp();
            assert!((s - expected).abs() < 0.01, "d={d}: {s} vs {expected}");
        }
    }

    #[test]
    fn periodic_survival_is_linear_and_never_past_a_period() {
        let c = config(InterruptDistribution::Periodic, 100.0);
        let mut rng = SplitMix64::new(12);
        let i = Interrupts::new(&c, &mut rng);
        for d in [10_000u64, 50_000, 90_000] {
            let s = survival(&i, &mut rng, d, 100_000);
            let expected = 1.0 - d as f64 / 100_000.0;
            assert!((s - expected).abs() < 0.01, "d={d}: {s} vs {expected}");
        }
        assert_eq!(survival(&i, &mut rng, 100_000, 1000), 0.0);
        // The ticks of one thread are periodic.
        let t0 = i.deadline(5, &mut rng);
        assert_eq!(i.deadline(t0, &mut rng), t0 + 100_000);
        assert_eq!(i.deadline(t0 + 1, &mut rng), t0 + 100_000);
    }

    #[test]
    fn none_never_fires() {
        let c = config(InterruptDistribution::None, 0.0);
        let mut rng = SplitMix64::new(13);
        let i = Interrupts::new(&c, &mut rng);
        assert!(!i.enabled());
        assert_eq!(i.deadline(123, &mut rng), u64::MAX);
    }
}
