//! Interrupts and spontaneous aborts, end to end through `ModelThread`, with a hand-driven
//! clock (no real time, so nothing depends on the machine's load): status 0, at the configured
//! rate (statistical checks with fixed seeds and generous bounds).

#![cfg(not(loom))]

mod common;

use common::{HZ, lines, quiet};
use model::interrupts::ManualClock;
use model::status::ZERO;
use model::{InterruptDistribution, Model, ModelConfig, Preset};

/// Fraction of `n` one-access transactions that commit when each lasts `d_us` microseconds of
/// the manual clock (and a random gap separates them, so they start at random tick phases).
fn survival(config: ModelConfig, d_us: f64, n: u32) -> f64 {
    let model = Model::new(config).unwrap();
    let l = lines(1);
    let clock = ManualClock::new(1 << 40);
    let mut t = model.thread();
    t.set_manual_clock(&clock);
    let ticks = (d_us * HZ / 1e6) as u64;
    let mut gap = tm::rng::SplitMix64::new(99);
    let mut committed = 0u32;
    for _ in 0..n {
        clock.advance(gap.below(1 << 30));
        t.begin().unwrap();
        clock.advance(ticks);
        let outcome = t.read(&l[0].0[0]).and_then(|_| t.commit());
        match outcome {
            Ok(()) => committed += 1,
            Err(s) => assert_eq!(s, ZERO, "interrupts abort with status 0"),
        }
    }
    f64::from(committed) / f64::from(n)
}

fn config(distribution: InterruptDistribution, mean_us: f64, seed: u64) -> ModelConfig {
    ModelConfig {
        interrupt_distribution: distribution,
        interrupt_mean_us: mean_us,
        seed,
        ..quiet(Preset::Haswell)
    }
}

#[test]
fn exponential_interrupts_give_an_exponential_survival_curve() {
    for (d, seed) in [(100.0, 1), (1000.0, 2), (2772.6, 3), (8000.0, 4)] {
        let s = survival(
            config(InterruptDistribution::Exponential, 4000.0, seed),
            d,
            20_000,
        );
        let expected = (-d / 4000.0f64).exp();
        assert!((s - expected).abs() < 0.02, "d={d}: {s} vs {expected}");
    }
}

#[test]
fn periodic_interrupts_give_a_linear_survival_curve() {
    for (d, seed) in [(500.0, 5), (2000.0, 6), (3500.0, 7)] {
        let s = survival(
            config(InterruptDistribution::Periodic, 4000.0, seed),
            d,
            20_000,
        );
        let expected = 1.0 - d / 4000.0;
        assert!((s - expected).abs() < 0.02, "d={d}: {s} vs {expected}");
    }
    assert_eq!(
        survival(
            config(InterruptDistribution::Periodic, 4000.0, 8),
            4000.0,
            1000
        ),
        0.0
    );
}

#[test]
fn presets_interrupt_half_of_the_transactions_at_their_median() {
    let c = ModelConfig::preset(Preset::Haswell, HZ);
    let median = c.interrupt_mean_us * core::f64::consts::LN_2;
    let s = survival(c, median, 20_000);
    assert!((s - 0.5).abs() < 0.02, "{s}");
}

#[test]
fn no_interrupts_without_a_distribution() {
    assert_eq!(
        survival(config(InterruptDistribution::None, 1.0, 9), 1e6, 1000),
        1.0
    );
}

#[test]
fn spontaneous_aborts_happen_at_their_rate_with_status_0() {
    let model = Model::new(ModelConfig {
        spontaneous_abort_rate: 0.1,
        seed: 17,
        ..quiet(Preset::Haswell)
    })
    .unwrap();
    let l = lines(1);
    let mut t = model.thread();
    let n = 50_000u32;
    let mut aborted = 0u32;
    for _ in 0..n {
        match t.speculate(|t| t.write(&l[0].0[0], 1)) {
            Ok(()) => {}
            Err(s) => {
                assert_eq!(s, ZERO);
                aborted += 1;
            }
        }
    }
    let rate = f64::from(aborted) / f64::from(n);
    assert!((rate - 0.1).abs() < 0.01, "{rate}");
    // An empty transaction aborts too (at its commit).
    let model = Model::new(ModelConfig {
        spontaneous_abort_rate: 1.0,
        ..quiet(Preset::Haswell)
    })
    .unwrap();
    assert_eq!(model.thread().speculate(|_| Ok(())), Err(ZERO));
}
