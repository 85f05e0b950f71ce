//! `tmlab sweep` (to be written).

use crate::Dirs;

/// Options of `tmlab sweep`.
#[derive(clap::Args, Debug)]
pub struct SweepArgs {}

/// Runs a sweep.
pub fn run(_args: SweepArgs, _dirs: &Dirs) -> anyhow::Result<()> {
    anyhow::bail!("sweep: not written yet")
}
