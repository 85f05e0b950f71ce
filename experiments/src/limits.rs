//! The bounds of every user-supplied quantity that sizes a loop, an allocation or a wait.
//!
//! Each bound is enforced where the value is parsed (clap `value_parser` ranges, the list parser
//! of [`crate::sweep::list`]), stated in the option's help text, and checked again when a spec is
//! read back from a `meta.json` (so a hand-edited folder cannot make `--resume` or `tmlab plot`
//! allocate or spin without end). The bounds are generous (far beyond any useful measurement) but
//! finite: their job is to turn a typo such as an extra zero, or `18446744073709551615`, into an
//! immediate, clear error instead of a panic, an allocation failure or a run that never ends.

/// Attempts per point and repetition of a sweep (`--attempts`).
pub const MAX_ATTEMPTS: u64 = 10_000_000;
/// Repetitions of every point of a sweep (`--reps`).
pub const MAX_REPS: u32 = 1_000;
/// Largest footprint of a capacity sweep, in 64-byte lines (`--sizes`, `--max-lines`): 2^24 lines
/// are 1 GiB of sequential lines.
pub const MAX_LINES: u64 = 1 << 24;
/// Largest buffer a capacity sweep may allocate (it is pre-faulted, so it is really used): 4 GiB.
/// Same-set footprints take 4 KiB per line and random ones 256 bytes, so this bounds them to 2^20
/// and 2^24 lines.
pub const MAX_BUFFER_BYTES: u64 = 1 << 32;
/// Longest transaction of a duration sweep, in TSC cycles (`--cycles`, `--min-cycles`,
/// `--max-cycles`): 2^36 cycles, about 23 s at 3 GHz, far beyond any transaction that commits.
pub const MAX_CYCLES: u64 = 1 << 36;
/// Rungs per doubling of the duration ladder (`--steps-per-octave`).
pub const MAX_STEPS_PER_OCTAVE: u32 = 64;
/// Values in one `--sizes` or `--cycles` list, counted before the list is expanded.
pub const MAX_LIST_VALUES: u64 = 100_000;
/// Rows a sweep with an explicit list may plan: values x curves x repetitions.
pub const MAX_PLANNED_ROWS: u64 = 10_000_000;
/// Milliseconds the test-only mock may sleep per point (`--mock-delay-ms`).
pub const MAX_MOCK_DELAY_MS: u64 = 60_000;

/// Probe: attempts planned per search point (`probe --attempts`).
pub const PROBE_ATTEMPTS: std::ops::RangeInclusive<u64> = 10..=1_000_000;
/// Probe: largest read or write footprint searched, in lines (`--max-read-lines`,
/// `--max-write-lines`).
pub const PROBE_MAX_LINES: u64 = 1 << 24;
/// Probe: longest transaction searched, in microseconds (`--max-duration-us`): 10 s.
pub const PROBE_MAX_DURATION_US: u64 = 10_000_000;
