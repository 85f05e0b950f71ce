//! Text that fits: long caption lines and legend labels broken into lines no wider than the
//! space they have, so nothing is cut off at the chart's edge (model backends carry whole
//! paths in their names, as in `model:probe=/long/path/to/a/probe@glibc`).

use plotters::coord::Shift;
use plotters::prelude::*;

/// Characters after which a line may break besides spaces: the separators of paths, backend
/// names and lists.
const BREAK_AFTER: [char; 5] = ['/', '@', ',', '=', ':'];

/// `text` broken greedily into lines of at most `max` wide, as `width` measures them: after a
/// space (dropped at the break) or a [`BREAK_AFTER`] character, and inside a piece only when the
/// piece alone is wider than `max`. Always at least one line; never splits a character.
pub fn wrap(text: &str, max: u32, width: impl Fn(&str) -> u32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces(text) {
        let candidate = format!("{line}{piece}");
        if line.is_empty() || width(candidate.trim_end()) <= max {
            line = candidate;
        } else {
            lines.push(line.trim_end().to_string());
            line = piece.trim_start().to_string();
        }
        // A piece wider than the whole line is cut where it must be.
        while width(line.trim_end()) > max && line.chars().count() > 1 {
            let fit = line
                .char_indices()
                .map(|(i, _)| i)
                .skip(1)
                .take_while(|&i| width(&line[..i]) <= max)
                .last()
                .unwrap_or_else(|| line.chars().next().map_or(1, char::len_utf8));
            lines.push(line[..fit].to_string());
            line = line[fit..].to_string();
        }
    }
    lines.push(line.trim_end().to_string());
    lines
}

/// `text` split after each space and each [`BREAK_AFTER`] character.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == ' ' || BREAK_AFTER.contains(&c) {
            let end = i + c.len_utf8();
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// [`wrap`] with the width of `style`'s glyphs as `area` lays them out (the chart font's own
/// metrics, the same for the PNG and the SVG).
pub fn wrap_in<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    max: u32,
) -> Vec<String> {
    wrap(text, max, |s| {
        // A failed estimate (no font) counts as wide, so the text breaks rather than overflows.
        area.estimate_text_size(s, style)
            .map_or(u32::MAX, |(w, _)| w)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten pixels per character.
    fn width(s: &str) -> u32 {
        10 * s.chars().count() as u32
    }

    #[test]
    fn short_text_stays_on_one_line() {
        assert_eq!(wrap("tl2", 100, width), ["tl2"]);
        assert_eq!(wrap("", 100, width), [""]);
    }

    #[test]
    fn lines_break_at_spaces_and_separators_and_keep_every_character() {
        let name = "model:probe=/work/main/experiments/tests/fixtures/probe-fixture-rtm@glibc";
        let lines = wrap(name, 200, width);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| width(l) <= 200), "{lines:?}");
        assert_eq!(lines.concat(), name, "no character lost or added");
        assert!(
            lines[..lines.len() - 1]
                .iter()
                .all(|l| l.ends_with(BREAK_AFTER))
        );
        let sentence = "not run: htm:glibc at 2 thread(s): RTM unusable";
        let lines = wrap(sentence, 150, width);
        assert!(lines.iter().all(|l| width(l) <= 150), "{lines:?}");
        let squeeze = |s: &str| s.replace(' ', "");
        assert_eq!(squeeze(&lines.concat()), squeeze(sentence));
    }

    #[test]
    fn a_piece_wider_than_the_line_is_cut() {
        let lines = wrap("abcdefghij", 30, width);
        assert_eq!(lines, ["abc", "def", "ghi", "j"]);
        // Even a line narrower than one character holds one.
        assert_eq!(wrap("ab", 5, width), ["a", "b"]);
    }
}
