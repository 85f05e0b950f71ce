//! The chart font: DejaVu Sans, shipped in `assets/fonts/` and compiled into the binary, registered
//! with plotters' `ab_glyph` text renderer as the `sans-serif` family. No system font is ever
//! looked up, so charts render identically on every machine (and on machines without fonts).

use anyhow::{Result, anyhow};
use plotters::style::FontStyle;
use std::sync::OnceLock;

/// The family name every chart uses.
pub const FAMILY: &str = "sans-serif";

static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font (once per process; later calls return the first result).
pub fn register() -> Result<()> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            plotters::style::register_font(FAMILY, style, FONT)
                .map_err(|_| "the embedded DejaVu Sans font is not a valid font".to_string())?;
        }
        Ok(())
    })
    .clone()
    .map_err(|e| anyhow!(e))
}
