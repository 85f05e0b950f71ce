//! `--results-dir` and `--plots-dir`: each command flattens the ones it uses (a sweep both, the
//! probe only the first, `tmlab plot` only the second), so no command offers an option that does
//! nothing.

use clap::Args;
use std::path::PathBuf;

/// Where runs write their data and their charts.
#[derive(Clone, Debug)]
pub struct Dirs {
    /// Root of the result folders.
    pub results: PathBuf,
    /// Root of the chart folders.
    pub plots: PathBuf,
}

/// `--results-dir DIR`.
#[derive(Args, Debug, Clone)]
pub struct ResultsDirArg {
    /// Folder under which each run creates its own result folder.
    #[arg(long, default_value = "results", value_name = "DIR")]
    pub results_dir: PathBuf,
}

/// `--plots-dir DIR`.
#[derive(Args, Debug, Clone)]
pub struct PlotsDirArg {
    /// Folder under which charts are written, one sub-folder per run.
    #[arg(long, default_value = "plots", value_name = "DIR")]
    pub plots_dir: PathBuf,
}
