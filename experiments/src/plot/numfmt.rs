//! Numbers as charts print them: thousands separators, significant digits, and pairs of values
//! rounded no further than what tells them apart (the resolution a sweep actually measured).
//!
//! Every function is pure and locale-free (`,` groups thousands, `.` is the decimal point), so a
//! chart reads the same on every machine.

/// `1234567` as `1,234,567`.
pub fn thousands(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `v` rounded to `sig` significant digits, with thousands separators in the integer part and no
/// trailing zeros after the point: `sig(1234.5, 3) == "1,230"`, `sig(0.012345, 2) == "0.012"`.
pub fn sig(v: f64, sig: u32) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".into();
    }
    let sig = sig.max(1) as i32;
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (sig - 1 - magnitude).max(0) as usize;
    let scale = 10f64.powi(sig - 1 - magnitude);
    let rounded = (v * scale).round() / scale;
    let text = format!("{:.*}", decimals, rounded.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = frac.trim_end_matches('0');
    let int = thousands(int.parse().unwrap_or(0));
    let sign = if rounded < 0.0 { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// A tick label: whole numbers with separators, others with up to three significant digits.
pub fn tick(v: f64) -> String {
    if v.abs() >= 1.0 && (v - v.round()).abs() < 1e-9 * v.abs().max(1.0) {
        let r = v.round();
        if r < 0.0 {
            format!("-{}", thousands(-r as u64))
        } else {
            thousands(r as u64)
        }
    } else {
        sig(v, 3)
    }
}

/// Two values of a measured bracket (`a < b`, for example the last point committing at least
/// 50 % and the first below), each rounded to the fewest significant digits (at least 2) that
/// still tell them apart, so a legend states neither more nor less than the sweep resolved.
pub fn bracket(a: f64, b: f64) -> (String, String) {
    for digits in 2..=15 {
        let (x, y) = (sig(a, digits), sig(b, digits));
        if x != y {
            return (x, y);
        }
    }
    (sig(a, 15), sig(b, 15))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_significant_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(4_294_967_296), "4,294,967,296");
        assert_eq!(sig(857.608, 3), "858");
        assert_eq!(sig(1234.5, 3), "1,230");
        assert_eq!(sig(0.012345, 2), "0.012");
        assert_eq!(sig(0.1, 3), "0.1");
        assert_eq!(sig(-2.5, 2), "-2.5");
        assert_eq!(tick(10.0), "10");
        assert_eq!(tick(20000.0), "20,000");
        assert_eq!(tick(0.2), "0.2");
        assert_eq!(tick(2.5), "2.5");
    }

    #[test]
    fn brackets_keep_just_enough_digits() {
        // A duration ladder: sqrt(2) apart.
        assert_eq!(bracket(857.608, 1212.9), ("860".into(), "1,200".into()));
        // Bisected to 1/32: a third digit is needed to tell them apart.
        assert_eq!(bracket(1000.0, 1031.25), ("1,000".into(), "1,030".into()));
        assert_eq!(bracket(4097.0, 4098.0), ("4,097".into(), "4,098".into()));
    }
}
