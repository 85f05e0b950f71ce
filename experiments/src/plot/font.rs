//! The chart font: DejaVu Sans, shipped in `assets/fonts/` and compiled into the binary.
//!
//! - PNG: the font is registered with plotters' `ab_glyph` text renderer under its own family
//!   name, [`FAMILY`], so no system font is ever looked up.
//! - SVG: plotters writes `font-family="DejaVu Sans"` on every `<text>`; [`embed_in_svg`] then
//!   adds an `@font-face` rule whose source is the same TTF as a base64 `data:` URL, so an SVG
//!   reader (browsers, Inkscape, converters that honour CSS fonts) draws the same glyphs with the
//!   same metrics as the PNG, on machines without the font installed. The family list falls back
//!   to `sans-serif` for readers that ignore embedded fonts. The price is size: about 1 MB per
//!   SVG (the font, uncompressed, in base64).

use anyhow::{Result, anyhow};
use plotters::style::FontStyle;
use std::sync::OnceLock;

/// The family name every chart uses (the font's own name).
pub const FAMILY: &str = "DejaVu Sans";

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

/// `svg` (as plotters' SVG backend writes it) with the font embedded: an `@font-face` rule right
/// after the root element's start tag, and every `font-family` naming [`FAMILY`] with a generic
/// fallback.
pub fn embed_in_svg(svg: &str) -> String {
    let style = format!(
        "<defs><style>@font-face{{font-family:'{FAMILY}';src:url(data:font/ttf;base64,{}) \
         format('truetype');}}</style></defs>",
        base64(FONT)
    );
    let body = svg.replace(
        &format!("font-family=\"{FAMILY}\""),
        &format!("font-family=\"'{FAMILY}', sans-serif\""),
    );
    match body
        .find("<svg")
        .and_then(|s| body[s..].find('>').map(|e| s + e + 1))
    {
        Some(at) => format!("{}\n{style}{}", &body[..at], &body[at..]),
        None => body,
    }
}

/// The embedded font as base64, for a page that declares it once for all its inlined SVGs.
pub fn font_base64() -> String {
    base64(FONT)
}

/// Standard base64 (RFC 4648, with padding).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn the_font_is_embedded_and_named() {
        let svg = "<svg width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n\
                   <text font-family=\"DejaVu Sans\">x</text>\n</svg>\n";
        let out = embed_in_svg(svg);
        assert!(out.starts_with("<svg width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n<defs><style>@font-face{font-family:'DejaVu Sans';src:url(data:font/ttf;base64,AAEAAA"));
        assert!(out.contains(&base64(FONT)));
        assert!(out.contains("<text font-family=\"'DejaVu Sans', sans-serif\">x</text>"));
        assert!(!out.contains("font-family=\"sans-serif\""));
    }
}
