//! The capacity cliffs, exact, for every preset and for configurations from files and from
//! measured figures: sequential distinct lines commit up to `sets x ways` written lines and
//! abort with CAPACITY at one more; lines of one set (4 KiB apart with 64 sets) up to `ways`;
//! reads up to `sets x ways + secondary_read_lines`.

#![cfg(not(loom))]

mod common;

use common::{Line, lines, quiet};
use model::status::CAPACITY;
use model::{Measured, Model, ModelConfig, Preset};

/// Writes (or reads) the first word of each line of `footprint` in one transaction.
fn attempt(model: &Model, footprint: &[&Line], write: bool) -> Result<(), model::AbortStatus> {
    let mut t = model.thread();
    t.speculate(|t| {
        for l in footprint {
            if write {
                t.write(&l.0[0], 1)?;
            } else {
                t.read(&l.0[0])?;
            }
        }
        Ok(())
    })
}

/// The sequential and same-set cliffs of `config`.
fn check_cliffs(config: ModelConfig) {
    let name = config.name.clone();
    let sets = config.l1_sets as usize;
    let ways = config.l1_ways as usize;
    let l1 = sets * ways;
    let reads = config.read_capacity_lines() as usize;
    let model = Model::new(config).unwrap();
    let buffer = lines(reads.max(sets * (ways + 1)) + 1);
    let seq: Vec<&Line> = buffer.iter().collect();
    let same_set: Vec<&Line> = buffer.iter().step_by(sets).collect();

    assert_eq!(
        attempt(&model, &seq[..l1], true),
        Ok(()),
        "{name}: {l1} lines"
    );
    assert_eq!(
        attempt(&model, &seq[..l1 + 1], true),
        Err(CAPACITY),
        "{name}: {} lines",
        l1 + 1
    );
    assert_eq!(
        attempt(&model, &same_set[..ways], true),
        Ok(()),
        "{name}: {ways} same-set"
    );
    assert_eq!(
        attempt(&model, &same_set[..ways + 1], true),
        Err(CAPACITY),
        "{name}: {} same-set",
        ways + 1
    );
    assert_eq!(
        attempt(&model, &seq[..reads], false),
        Ok(()),
        "{name}: {reads} reads"
    );
    assert_eq!(
        attempt(&model, &seq[..reads + 1], false),
        Err(CAPACITY),
        "{name}: {} reads",
        reads + 1
    );
    // Reads beyond one set's ways spill into the secondary structure instead of aborting.
    assert_eq!(
        attempt(&model, &same_set[..ways + 1], false),
        Ok(()),
        "{name}: same-set reads"
    );
    // Line `l1` was written only by the two attempts that overflowed: no trace of them.
    assert_eq!(
        buffer[l1].0[0].load(),
        0,
        "{name}: an overflowed attempt left a write"
    );
    assert_eq!(
        buffer[l1 - 1].0[0].load(),
        1,
        "{name}: a committed write is missing"
    );
}

#[test]
fn haswell_cliffs_are_512_and_8() {
    let c = quiet(Preset::Haswell);
    assert_eq!((c.l1_lines(), c.l1_ways), (512, 8));
    check_cliffs(c);
}

#[test]
fn skylake_cliffs_are_512_and_8() {
    let c = quiet(Preset::Skylake);
    assert_eq!((c.l1_lines(), c.l1_ways), (512, 8));
    check_cliffs(c);
}

#[test]
fn icelake_cliffs_are_768_and_12() {
    let c = quiet(Preset::IceLake);
    assert_eq!((c.l1_lines(), c.l1_ways), (768, 12));
    check_cliffs(c);
}

#[test]
fn sapphire_rapids_cliffs_are_768_and_12() {
    let c = quiet(Preset::SapphireRapids);
    assert_eq!((c.l1_lines(), c.l1_ways), (768, 12));
    check_cliffs(c);
}

#[test]
fn any_geometry_from_a_file() {
    let c = ModelConfig::from_toml_str(
        "name = \"odd\"\nl1_sets = 16\nl1_ways = 3\nsecondary_read_lines = 100\n",
        common::HZ,
    )
    .unwrap();
    assert_eq!((c.l1_lines(), c.read_capacity_lines()), (48, 148));
    check_cliffs(c);
}

#[test]
fn measured_figures_reproduce_their_cliffs() {
    let m = Measured {
        l1_sets: 64,
        l1_ways: 12,
        write_capacity_lines: 640,
        read_capacity_lines: 5000,
        duration_50_us: 1000.0,
        spontaneous_abort_rate: 0.0,
    };
    let c = ModelConfig {
        interrupt_distribution: model::InterruptDistribution::None,
        ..ModelConfig::from_measured("probe:test", &m, common::HZ).unwrap()
    };
    assert_eq!((c.l1_lines(), c.read_capacity_lines()), (640, 5000));
    check_cliffs(c);
}

#[test]
fn writes_displace_reads_into_the_secondary_structure() {
    // One set of two ways and one secondary line: read A, read B, write C (displaces A into
    // the secondary), write D (displaces B: the secondary overflows).
    let model = Model::new(ModelConfig {
        l1_sets: 1,
        l1_ways: 2,
        secondary_read_lines: 1,
        ..quiet(Preset::Haswell)
    })
    .unwrap();
    let l = lines(4);
    let mut t = model.thread();
    t.begin().unwrap();
    t.read(&l[0].0[0]).unwrap();
    t.read(&l[1].0[0]).unwrap();
    t.write(&l[2].0[0], 1).unwrap();
    assert_eq!(t.secondary_lines(), 1);
    // Re-reading the displaced line needs no new room.
    t.read(&l[0].0[0]).unwrap();
    assert_eq!(t.write(&l[3].0[0], 1), Err(CAPACITY));
    assert_eq!(l[2].0[0].load(), 0);
}
