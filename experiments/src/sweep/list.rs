//! The grammar of `--sizes`, `--cycles` and `--threads`: comma-separated items, each a number
//! `N`, an inclusive range `A..B` (step 1) or `A..B:S` (step `S`), or a geometric range `A..B:xF`
//! (`A`, `A*F`, `A*F*F`, ... up to `B`, factor `F >= 2`), for example `1,2,4,8`, `16..2048:64`
//! (16, 80, ..., 2000), `1..512:x2` (1, 2, 4, ..., 512) or mixtures such as `1,2,4,16..64:16`. The
//! values are returned sorted and without duplicates. Zero values, zero steps, factors below 2,
//! empty items, inverted ranges and values above the option's bound are errors.
//!
//! The number of values is counted over the whole list before anything is expanded (with checked
//! arithmetic), so `1..18446744073709551615` is refused at once instead of allocating without end.
//! [`sizes`] and [`cycles`] are clap value parsers: a bad list is a usage error (exit status 2),
//! with clap's message naming the option.

use crate::limits::{MAX_CYCLES, MAX_LINES, MAX_LIST_VALUES};

/// A parsed list: sorted, distinct, every value in `1..=` the option's bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueList(pub Vec<u64>);

/// The clap value parser of `--sizes` (footprints in lines, at most [`MAX_LINES`]).
pub fn sizes(text: &str) -> Result<ValueList, String> {
    parse(text, MAX_LINES, "lines").map(ValueList)
}

/// The clap value parser of `--cycles` (TSC cycles, at most [`MAX_CYCLES`]).
pub fn cycles(text: &str) -> Result<ValueList, String> {
    parse(text, MAX_CYCLES, "cycles").map(ValueList)
}

/// One item: a value, or a range with its step.
struct Item {
    start: u64,
    end: u64,
    step: Step,
}

/// How a range advances.
#[derive(Clone, Copy)]
enum Step {
    /// By adding this (at least 1).
    Add(u64),
    /// By multiplying by this (at least 2).
    Times(u64),
}

impl Item {
    /// Values the item expands to (at least 1, since `start <= end`).
    fn count(&self) -> u64 {
        match self.step {
            Step::Add(s) => (self.end - self.start) / s + 1,
            Step::Times(_) => self.values().count() as u64,
        }
    }

    /// The values, increasing (a geometric range has at most 64).
    fn values(&self) -> impl Iterator<Item = u64> + '_ {
        let next = move |v: &u64| match self.step {
            Step::Add(s) => v.checked_add(s),
            Step::Times(f) => v.checked_mul(f),
        };
        std::iter::successors(Some(self.start), next).take_while(|&v| v <= self.end)
    }
}

/// Parses a list whose values must lie in `1..=max` (`unit` names them in messages).
pub fn parse(text: &str, max: u64, unit: &str) -> Result<Vec<u64>, String> {
    if text.trim().is_empty() {
        return Err("the list is empty: give values such as 1,2,4,8 or 16..2048:64".into());
    }
    let mut items = Vec::new();
    for raw in text.split(',') {
        let item = raw.trim();
        if item.is_empty() {
            return Err(format!("{text:?} has an empty item"));
        }
        let parsed = match item.split_once("..") {
            None => {
                let v = number(item, max, unit)?;
                Item {
                    start: v,
                    end: v,
                    step: Step::Add(1),
                }
            }
            Some((start, rest)) => {
                let (end, step) = match rest.split_once(':') {
                    Some((end, step)) => (end, step_number(step)?),
                    None => (rest, Step::Add(1)),
                };
                let (start, end) = (number(start, max, unit)?, number(end, max, unit)?);
                if start > end {
                    return Err(format!(
                        "{item:?} is an inverted range (start {start} > end {end})"
                    ));
                }
                Item { start, end, step }
            }
        };
        items.push(parsed);
    }
    // Count before expanding: saturating, so no sum of counts can wrap around.
    let total = items
        .iter()
        .fold(0u64, |sum, item| sum.saturating_add(item.count()));
    if total > MAX_LIST_VALUES {
        return Err(format!(
            "{text:?} has {} values; at most {MAX_LIST_VALUES} are allowed",
            if total == u64::MAX {
                "too many".to_string()
            } else {
                total.to_string()
            }
        ));
    }
    let mut values: Vec<u64> = Vec::with_capacity(total as usize);
    for item in &items {
        values.extend(item.values());
    }
    values.sort_unstable();
    values.dedup();
    Ok(values)
}

fn number(s: &str, max: u64, unit: &str) -> Result<u64, String> {
    let v: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a positive whole number"))?;
    if v == 0 {
        return Err("values must be at least 1 (found 0)".into());
    }
    if v > max {
        return Err(format!("{v} {unit} is above the limit of {max} {unit}"));
    }
    Ok(v)
}

fn step_number(s: &str) -> Result<Step, String> {
    let s = s.trim();
    if let Some(f) = s.strip_prefix('x') {
        let f: u64 = f
            .parse()
            .map_err(|_| format!("factor {f:?} is not a whole number (as in 1..512:x2)"))?;
        if f < 2 {
            return Err(format!("a geometric factor must be at least 2 (found {f})"));
        }
        return Ok(Step::Times(f));
    }
    let v: u64 = s
        .parse()
        .map_err(|_| format!("step {s:?} is not a positive whole number"))?;
    if v == 0 {
        return Err("steps must be at least 1 (found 0)".into());
    }
    Ok(Step::Add(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<u64>, String> {
        parse(text, MAX_LINES, "lines")
    }

    #[test]
    fn accepts_lists_ranges_and_mixtures() {
        assert_eq!(p("1,2,4,8").unwrap(), [1, 2, 4, 8]);
        assert_eq!(p("8, 4,4,1").unwrap(), [1, 4, 8]);
        assert_eq!(p("3..6").unwrap(), [3, 4, 5, 6]);
        let r = p("16..2048:64").unwrap();
        assert_eq!(
            (r[0], r[1], *r.last().unwrap(), r.len()),
            (16, 80, 2000, 32)
        );
        assert_eq!(p("1,2,16..64:16").unwrap(), [1, 2, 16, 32, 48, 64]);
        assert_eq!(p("5..5").unwrap(), [5]);
        // A huge step over a range at the bound: one value, no overflow.
        assert_eq!(
            p(&format!("{MAX_LINES}..{MAX_LINES}:18446744073709551615")).unwrap(),
            [MAX_LINES]
        );
        assert_eq!(p("1..100000").unwrap().len(), 100_000);
        assert_eq!(
            p("1..512:x2").unwrap(),
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        );
        assert_eq!(p("3..100:x3,5").unwrap(), [3, 5, 9, 27, 81]);
        assert_eq!(
            parse("1..18446744073709551615:x2", u64::MAX, "cycles")
                .unwrap()
                .len(),
            64
        );
    }

    #[test]
    fn rejects_bad_lists_with_a_reason() {
        for (text, want) in [
            ("", "is empty"),
            ("  ", "is empty"),
            ("1,,2", "empty item"),
            ("10..1", "inverted range"),
            ("0,1", "at least 1"),
            ("1..8:0", "at least 1"),
            ("1..8:y", "step \"y\""),
            ("1..8:x", "factor \"\""),
            ("1..8:x1", "at least 2"),
            ("1..8:x0", "at least 2"),
            ("a", "not a positive whole number"),
            ("-4", "not a positive whole number"),
            ("1..", "not a positive whole number"),
            ("1..1000000000", "above the limit"),
            ("1..16777216", "at most 100000"),
            // The input: two items whose counts wrapped the old per-range check.
            ("2,1..18446744073709551615", "above the limit"),
            ("18446744073709551616", "not a positive whole number"),
            ("1..100000,100001", "has 100001 values"),
        ] {
            let e = p(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        // Counting is checked even where every value is within the bound.
        let e = parse(
            "1..18446744073709551615,1..18446744073709551615",
            u64::MAX,
            "cycles",
        )
        .unwrap_err();
        assert!(e.contains("too many values"), "{e}");
    }

    #[test]
    fn the_value_parsers_apply_their_own_bounds() {
        assert!(sizes(&MAX_LINES.to_string()).is_ok());
        assert!(sizes(&(MAX_LINES + 1).to_string()).is_err());
        assert!(cycles(&MAX_CYCLES.to_string()).is_ok());
        let e = cycles(&(MAX_CYCLES + 1).to_string()).unwrap_err();
        assert!(e.contains("cycles is above the limit"), "{e}");
    }
}
