//! `tmlab probe` (to be written).

use crate::Dirs;

/// Options of `tmlab probe`.
#[derive(clap::Args, Debug)]
pub struct ProbeArgs {}

/// Runs the probe.
pub fn run(_args: ProbeArgs, _dirs: &Dirs) -> anyhow::Result<()> {
    anyhow::bail!("probe: not written yet")
}
