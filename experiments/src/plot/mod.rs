//! `tmlab plot` (to be written).

use crate::Dirs;

/// Options of `tmlab plot`.
#[derive(clap::Args, Debug)]
pub struct PlotArgs {}

/// Redraws the charts of a result folder.
pub fn run(_args: PlotArgs, _dirs: &Dirs) -> anyhow::Result<()> {
    anyhow::bail!("plot: not written yet")
}
