//! Named address ranges, so that a conflict address reads as `accounts[17]`.
//!
//! A workload registers the arrays its transactions touch as [`Region`]s: a name (`accounts`,
//! `counters`, `list nodes`, `bucket heads`), the first element's address, the distance from one
//! element to the next (8 bytes for packed words, 64 for one word per cache line, a node's size
//! for a pool) and the element count. [`Regions::locate`] maps any address inside one of them to
//! the region and the element index. Nothing here runs on a hot path: addresses are resolved
//! after a point, from the words the backends recorded ([`crate::conflicts`]).

use crate::TWord;

/// One named array of elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// The name shown in reports (`accounts`).
    pub name: &'static str,
    /// The first element's address.
    pub start: usize,
    /// Bytes from one element to the next (at least 1).
    pub stride: usize,
    /// Elements.
    pub len: usize,
}

impl Region {
    /// The region of `len` elements `stride` bytes apart from `first` (`stride` 0 is taken as 1).
    pub fn new(name: &'static str, first: *const TWord, stride: usize, len: usize) -> Region {
        Region {
            name,
            start: first as usize,
            stride: stride.max(1),
            len,
        }
    }

    /// The region of the words of `words`, one element each.
    pub fn words(name: &'static str, words: &[TWord]) -> Region {
        Region::new(name, words.as_ptr(), size_of::<TWord>(), words.len())
    }

    /// The index of the element holding `addr`, if it lies in the region.
    pub fn index_of(&self, addr: usize) -> Option<usize> {
        let offset = addr.checked_sub(self.start)?;
        let i = offset / self.stride;
        (i < self.len).then_some(i)
    }
}

/// Where an address lies: a region and an element, or nowhere registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Located {
    /// Element `index` of the region `name`.
    In {
        /// The region's name.
        name: &'static str,
        /// The element's index.
        index: usize,
    },
    /// No registered region holds the address.
    Unregistered,
}

/// The name reports give to addresses no region holds.
pub const UNREGISTERED: &str = "(unregistered)";

/// A workload's regions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Regions(Vec<Region>);

impl Regions {
    /// No region.
    pub fn new() -> Regions {
        Regions(Vec::new())
    }

    /// Adds `region` (regions should not overlap; the first added that holds an address wins).
    pub fn add(&mut self, region: Region) -> &mut Self {
        self.0.push(region);
        self
    }

    /// The regions, in order of registration.
    pub fn all(&self) -> &[Region] {
        &self.0
    }

    /// Where `addr` lies.
    pub fn locate(&self, addr: usize) -> Located {
        self.0
            .iter()
            .find_map(|r| {
                r.index_of(addr).map(|index| Located::In {
                    name: r.name,
                    index,
                })
            })
            .unwrap_or(Located::Unregistered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_map_to_elements_of_their_region() {
        let words: Vec<TWord> = (0..16).map(TWord::new).collect();
        let mut regions = Regions::new();
        regions
            .add(Region::words("accounts", &words[..8]))
            .add(Region::new("lines", words[8..].as_ptr(), 64, 1));
        let addr = |i: usize| &words[i] as *const TWord as usize;
        assert_eq!(
            regions.locate(addr(5)),
            Located::In {
                name: "accounts",
                index: 5
            }
        );
        assert_eq!(
            regions.locate(addr(15)),
            Located::In {
                name: "lines",
                index: 0
            }
        );
        assert_eq!(regions.locate(addr(0) - 8), Located::Unregistered);
        assert_eq!(regions.locate(addr(8) + 64), Located::Unregistered);
    }
}
