//! Helpers shared by the integration tests.

#![allow(dead_code)]

use model::{InterruptDistribution, Model, ModelConfig, Preset};
use tm::TWord;

/// The TSC rate the tests pretend the machine has (interrupts use a manual clock or are off).
pub const HZ: f64 = 1e9;

/// One 64-byte line of eight words.
#[repr(C, align(64))]
#[derive(Default)]
pub struct Line(pub [TWord; 8]);

/// `n` zeroed lines, 64-byte aligned (so line `i` is exactly one model line).
pub fn lines(n: usize) -> Vec<Line> {
    (0..n).map(|_| Line::default()).collect()
}

/// `preset` without interrupts (deterministic tests).
pub fn quiet(preset: Preset) -> ModelConfig {
    ModelConfig {
        interrupt_distribution: InterruptDistribution::None,
        ..ModelConfig::preset(preset, HZ)
    }
}

/// A quiet Haswell model.
pub fn haswell() -> Model {
    Model::new(quiet(Preset::Haswell)).unwrap()
}
