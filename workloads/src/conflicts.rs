//! A point's conflict words, named by the regions its workload registered.
//!
//! The backends that know which word a conflict abort happened on record its address per thread
//! ([`tm::conflicts`]); after the point, with the workload's data still alive, [`resolve`] maps each
//! address to `region[index]` ([`Workload::regions`](crate::Workload::regions)) and merges the
//! threads. Nothing here runs while the point is measured.

use tm::conflicts::WordCount;
use tm::regions::{Located, Regions, UNREGISTERED};

/// The region named for the conflict aborts whose word found a thread's log full.
pub const OTHER_WORDS: &str = "(other words)";

/// Conflict aborts on one element of a region, charged to one site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The site whose transactions aborted (`None`: not known).
    pub site: Option<String>,
    /// The region: a registered name, [`UNREGISTERED`] or [`OTHER_WORDS`].
    pub region: String,
    /// The element's index in the region (`None` outside any registered region).
    pub index: Option<usize>,
    /// Conflict aborts.
    pub count: u64,
}

impl Conflict {
    /// `accounts[17]`, or just the region's name when there is no index.
    pub fn word(&self) -> String {
        match self.index {
            Some(i) => format!("{}[{i}]", self.region),
            None => self.region.clone(),
        }
    }
}

/// The words of every thread, named by `regions` and merged by site, region and index; most
/// conflicts first (ties by region and index). The counts sum to the words' counts.
pub fn resolve<'w>(
    words: impl IntoIterator<Item = &'w WordCount>,
    regions: &Regions,
) -> Vec<Conflict> {
    let mut out: Vec<Conflict> = Vec::new();
    for w in words {
        let (region, index) = match w.addr.map(|a| regions.locate(a)) {
            None => (OTHER_WORDS, None),
            Some(Located::Unregistered) => (UNREGISTERED, None),
            Some(Located::In { name, index }) => (name, Some(index)),
        };
        match out
            .iter_mut()
            .find(|c| c.site == w.site && c.region == region && c.index == index)
        {
            Some(c) => c.count += w.count,
            None => out.push(Conflict {
                site: w.site.clone(),
                region: region.to_string(),
                index,
                count: w.count,
            }),
        }
    }
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.region.cmp(&b.region))
            .then(a.index.cmp(&b.index))
            .then_with(|| a.site.cmp(&b.site))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tm::TWord;
    use tm::regions::Region;

    #[test]
    fn words_are_named_and_merged_over_threads() {
        let accounts: Vec<TWord> = (0..4).map(TWord::new).collect();
        let mut regions = Regions::new();
        regions.add(Region::words("accounts", &accounts));
        let at = |i: usize| Some(&accounts[i] as *const TWord as usize);
        let site = Some("bank::transfer".to_string());
        let words = [
            WordCount {
                site: site.clone(),
                addr: at(1),
                count: 2,
            },
            WordCount {
                site: site.clone(),
                addr: at(3),
                count: 5,
            },
            WordCount {
                site: site.clone(),
                addr: at(1),
                count: 4,
            },
            WordCount {
                site: None,
                addr: Some(8),
                count: 1,
            },
            WordCount {
                site: None,
                addr: None,
                count: 1,
            },
        ];
        let c = resolve(&words, &regions);
        let named: Vec<(String, u64)> = c.iter().map(|c| (c.word(), c.count)).collect();
        assert_eq!(
            named,
            [
                ("accounts[1]".to_string(), 6),
                ("accounts[3]".to_string(), 5),
                (OTHER_WORDS.to_string(), 1),
                (UNREGISTERED.to_string(), 1),
            ]
        );
    }
}
