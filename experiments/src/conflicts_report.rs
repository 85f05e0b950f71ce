//! The conflict-word part of `tmlab report-aborts` (and of `tmlab bench --attribute`): for one
//! point, where its software conflict aborts happened, from `conflicts.csv` alone.
//!
//! The words are ranked by their share of the point's named conflict aborts (repetitions pooled),
//! each with the sites that aborted on it: `conflicts on accounts[17]: 31.0 % (bank::transfer
//! 25.0 %, bank::audit 6.0 %)`, then the regions' shares. A point with hardware conflict aborts
//! and no words says why: RTM reports no address without a PMU.

use crate::results::ConflictRow;
use std::fmt::Write;

/// Words listed per point.
pub const TOP_WORDS: usize = 5;

/// The sentence for hardware TM, which gives no conflict address.
pub const NO_HTM_ADDRESSES: &str = "addresses unavailable (RTM reports none without a PMU)";

/// Counts by name (sites of a word, regions of a point).
type Shares = Vec<(String, u64)>;

/// What the aborts table knows about one point's aborts, repetitions pooled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PointAborts {
    /// Software conflict aborts (`read_validation`, `locked_at_read`, `locked_at_commit`).
    pub software: u64,
    /// Hardware conflict aborts (`conflict`).
    pub hardware: u64,
}

/// The lines about the conflict words of one point (`rows`: its rows of `conflicts.csv`, every
/// repetition), indented for the aborts report. `modelled` marks a model:* backend.
pub fn render_point(rows: &[&ConflictRow], aborts: PointAborts, modelled: bool) -> String {
    let mut out = String::new();
    let named: u64 = rows.iter().map(|r| r.count).sum();
    if named == 0 {
        let why = if aborts.hardware > 0 || modelled {
            if modelled {
                format!("{NO_HTM_ADDRESSES}; modelled HTM, which reports none either")
            } else {
                NO_HTM_ADDRESSES.to_string()
            }
        } else if aborts.software > 0 {
            "not recorded (a run made before conflict words were recorded)".to_string()
        } else {
            "none (no conflict aborts)".to_string()
        };
        let _ = writeln!(out, "  conflict words: {why}");
        return out;
    }
    let _ = writeln!(
        out,
        "  conflict words ({named} of {} software conflict aborts named a word):",
        aborts.software.max(named)
    );
    // Words (region, index) with their sites, in order of first appearance, then ranked.
    let mut words: Vec<(String, u64, Shares)> = Vec::new();
    let mut regions: Vec<(String, u64)> = Vec::new();
    for r in rows {
        let word = r.word();
        let site = r.site.clone().unwrap_or_else(|| "(site unknown)".into());
        let w = match words.iter().position(|(n, _, _)| *n == word) {
            Some(i) => &mut words[i],
            None => {
                words.push((word, 0, Vec::new()));
                words.last_mut().expect("just pushed")
            }
        };
        w.1 += r.count;
        match w.2.iter_mut().find(|(s, _)| *s == site) {
            Some((_, n)) => *n += r.count,
            None => w.2.push((site, r.count)),
        }
        match regions.iter_mut().find(|(n, _)| *n == r.region) {
            Some((_, n)) => *n += r.count,
            None => regions.push((r.region.clone(), r.count)),
        }
    }
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    regions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (word, n, mut sites) in words.into_iter().take(TOP_WORDS) {
        sites.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let by_site: Vec<String> = sites
            .iter()
            .map(|(s, k)| format!("{s} {}", pct(*k, named)))
            .collect();
        let _ = writeln!(
            out,
            "    conflicts on {word}: {} ({})",
            pct(n, named),
            by_site.join(", ")
        );
    }
    let shares: Vec<String> = regions
        .iter()
        .map(|(r, n)| format!("{r} {}", pct(*n, named)))
        .collect();
    let _ = writeln!(out, "    by region: {}", shares.join(", "));
    out
}

/// `n / of` as a percentage with one decimal.
fn pct(n: u64, of: u64) -> String {
    format!("{:.1} %", 100.0 * n as f64 / of.max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(site: &str, index: u64, rep: u32, count: u64) -> ConflictRow {
        ConflictRow {
            workload: "bank".into(),
            backend: "tl2".into(),
            size: None,
            threads: 2,
            rep,
            seed: 1,
            site: Some(site.into()),
            region: "accounts".into(),
            index: Some(index),
            count,
        }
    }

    #[test]
    fn words_are_ranked_by_share_with_their_sites() {
        let rows = [
            row("bank::transfer", 3, 0, 40),
            row("bank::transfer", 17, 0, 25),
            row("bank::audit", 17, 1, 6),
            row("bank::transfer", 3, 1, 29),
        ];
        let refs: Vec<&ConflictRow> = rows.iter().collect();
        let aborts = PointAborts {
            software: 100,
            hardware: 0,
        };
        let text = render_point(&refs, aborts, false);
        assert!(
            text.contains("100 of 100 software conflict aborts"),
            "{text}"
        );
        let three = text.find("conflicts on accounts[3]: 69.0 %").expect(&text);
        let seventeen = text
            .find("conflicts on accounts[17]: 31.0 % (bank::transfer 25.0 %, bank::audit 6.0 %)")
            .expect(&text);
        assert!(three < seventeen, "{text}");
        assert!(text.contains("by region: accounts 100.0 %"), "{text}");
    }

    #[test]
    fn points_without_words_say_why() {
        let htm = PointAborts {
            software: 0,
            hardware: 5,
        };
        assert!(render_point(&[], htm, false).contains(NO_HTM_ADDRESSES));
        assert!(render_point(&[], PointAborts::default(), true).contains("modelled"));
        assert!(render_point(&[], PointAborts::default(), false).contains("no conflict aborts"));
        let old = PointAborts {
            software: 3,
            hardware: 0,
        };
        assert!(render_point(&[], old, false).contains("not recorded"));
    }
}
