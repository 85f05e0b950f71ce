//! The grammar of `--sizes`, `--cycles` and `--threads`: comma-separated items, each a number `N`,
//! an inclusive range `A..B` (step 1) or `A..B:S` (step `S`), or a geometric range `A..B:xF`
//! (`A`, `A*F`, `A*F*F`, ... up to `B`, factor `F >= 2`), for example `1,2,4,8`, `16..2048:64`
//! (16, 80, ..., 2000), `1..512:x2` (1, 2, 4, ..., 512) or mixtures such as `1,2,4,16..64:16`. The
//! values are returned sorted and without duplicates. Zero values, zero steps, factors below 2,
//! empty items and inverted ranges are errors.

/// At most this many values, so a typo such as `1..100000000` fails at once instead of running for
/// days.
pub const MAX_VALUES: usize = 100_000;

/// Parses a list; `flag` names the option in error messages (for example `--sizes`).
pub fn parse(text: &str, flag: &str) -> Result<Vec<u64>, String> {
    if text.trim().is_empty() {
        return Err(format!(
            "{flag} is empty: give values such as 1,2,4,8 or 16..2048:64"
        ));
    }
    let mut values = Vec::new();
    for item in text.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!("{flag} {text:?}: empty item"));
        }
        match item.split_once("..") {
            None => values.push(number(item, flag)?),
            Some((start, rest)) => {
                let (end, step) = match rest.split_once(':') {
                    Some((end, step)) => (end, Some(step)),
                    None => (rest, None),
                };
                let (start, end) = (number(start, flag)?, number(end, flag)?);
                if start > end {
                    return Err(format!(
                        "{flag} {item:?}: inverted range (start {start} > end {end})"
                    ));
                }
                if let Some(factor) = step.and_then(|s| s.trim().strip_prefix('x')) {
                    let factor = number(factor, flag)?;
                    if factor < 2 {
                        return Err(format!(
                            "{flag} {item:?}: a geometric factor must be at least 2"
                        ));
                    }
                    let mut v = start;
                    loop {
                        values.push(v);
                        if values.len() > MAX_VALUES {
                            return Err(format!("{flag}: more than {MAX_VALUES} values"));
                        }
                        match v.checked_mul(factor) {
                            Some(next) if next <= end => v = next,
                            _ => break,
                        }
                    }
                    continue;
                }
                let step = match step {
                    Some(s) => number(s, flag)?,
                    None => 1,
                };
                let count = (end - start) / step + 1;
                if values.len() as u64 + count > MAX_VALUES as u64 {
                    return Err(format!("{flag}: more than {MAX_VALUES} values"));
                }
                values.extend((0..count).map(|i| start + i * step));
            }
        }
        if values.len() > MAX_VALUES {
            return Err(format!("{flag}: more than {MAX_VALUES} values"));
        }
    }
    values.sort_unstable();
    values.dedup();
    Ok(values)
}

fn number(s: &str, flag: &str) -> Result<u64, String> {
    let v: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{flag}: {s:?} is not a positive whole number"))?;
    if v == 0 {
        return Err(format!(
            "{flag}: values and steps must be at least 1 (found 0)"
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn accepts_lists_ranges_and_mixtures() {
        assert_eq!(parse("1,2,4,8", "--sizes").unwrap(), [1, 2, 4, 8]);
        assert_eq!(parse("8, 4,4,1", "--sizes").unwrap(), [1, 4, 8]);
        assert_eq!(parse("3..6", "--sizes").unwrap(), [3, 4, 5, 6]);
        let r = parse("16..2048:64", "--sizes").unwrap();
        assert_eq!(
            (r[0], r[1], *r.last().unwrap(), r.len()),
            (16, 80, 2000, 32)
        );
        assert_eq!(
            parse("1,2,16..64:16", "--sizes").unwrap(),
            [1, 2, 16, 32, 48, 64]
        );
        assert_eq!(parse("5..5", "--sizes").unwrap(), [5]);
        assert_eq!(
            parse("1..512:x2", "--sizes").unwrap(),
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        );
        assert_eq!(parse("3..100:x3,5", "--sizes").unwrap(), [3, 5, 9, 27, 81]);
        assert_eq!(
            parse("1..18446744073709551615:x2", "--sizes")
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
            ("a", "not a positive whole number"),
            ("-4", "not a positive whole number"),
            ("1..", "not a positive whole number"),
            ("1..1000000000", "more than"),
            ("1..8:x1", "at least 2"),
            ("1..8:x0", "at least 1"),
            ("1..8:xy", "not a positive whole number"),
        ] {
            let e = parse(text, "--sizes").unwrap_err();
            assert!(e.contains(want) && e.contains("--sizes"), "{text:?}: {e}");
        }
    }
}
