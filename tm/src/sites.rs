//! Per-site statistics: which `atomically` call site attempts, commits and aborts, and why.
//!
//! [`Attributed`] wraps any [`Handle`] and charges every transaction to its *site*: the label the
//! workload gave with [`Handle::site`] just before the call (`bank::transfer`, `bank::audit`), or
//! else the caller's source location (`#[track_caller]`). The inner handle's statistics keep
//! counting as usual; whenever a transaction's site differs from the previous one's, the wrapper
//! charges the difference since the last change to the previous site (and once more when the
//! records are taken), so the per-site records sum *exactly* to the handle's totals, whatever the
//! backend, HTM included.
//!
//! Unwrapped handles pay nothing: [`Handle::site`] is an empty inlined default, and the runner only
//! wraps handles when attribution is asked for. A wrapped handle pays one comparison of the site
//! with the previous transaction's per transaction (pointers first, so usually no string
//! comparison); only a change of site costs more: the statistics difference, the lookup of the new
//! site's record and, for a site seen for the first time, a push into a vector reserved at
//! construction ([`MAX_SITES`]; later sites share one `(other sites)` record), so it allocates
//! nothing in the steady state.
//!
//! It also enables the inner handle's conflict log, if it has one ([`crate::conflicts`]), and
//! tags it with the site's index whenever the site changes, so every conflict word is charged to
//! the site whose transaction aborted on it ([`Attributed::take_conflicts`]).

use crate::conflicts::{ConflictLog, WordCount};
use crate::{Abort, AbortCause, Handle, ThreadStats, UserAbort};
use core::panic::Location;

/// The most distinct sites recorded per handle; transactions of any further site are charged to
/// [`OTHER_SITES`].
pub const MAX_SITES: usize = 64;

/// The name of the record shared by the sites beyond [`MAX_SITES`].
pub const OTHER_SITES: &str = "(other sites)";

/// Where a transaction was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// A label given by the workload ([`Handle::site`]).
    Label(&'static str),
    /// The source location of the `atomically` call.
    Location(&'static Location<'static>),
}

impl Site {
    /// The site's name: the label, or `file:line:column`.
    pub fn name(&self) -> String {
        match self {
            Site::Label(l) => (*l).to_string(),
            Site::Location(l) => format!("{}:{}:{}", l.file(), l.line(), l.column()),
        }
    }

    /// Whether `self` and `other` are the same site: the same label or location object (one
    /// pointer comparison, the usual case of a call site that repeats), else equal ones.
    #[inline]
    fn same(self, other: Site) -> bool {
        match (self, other) {
            (Site::Label(a), Site::Label(b)) => core::ptr::eq(a, b) || a == b,
            (Site::Location(a), Site::Location(b)) => core::ptr::eq(a, b) || a == b,
            _ => false,
        }
    }
}

/// What the transactions of one site did on one handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteStats {
    /// The site.
    pub site: Site,
    /// Its share of the handle's statistics.
    pub stats: ThreadStats,
}

/// A handle that records per-site statistics (see the module documentation).
#[derive(Debug)]
// C layout puts `inner` at offset 0, so the inner handle's fields keep their offsets from the
// handle's address and the inlined transaction code is the same as without the wrapper (with
// Rust's layout, `inner` moved and the TL2 read loop spilled: +11 % on `bank` at 1 thread).
#[repr(C)]
pub struct Attributed<H> {
    inner: H,
    /// The inner handle's statistics when they were last charged to a site.
    last: ThreadStats,
    /// The record of the site of the transactions since then (none yet, or just charged).
    current: Option<usize>,
    /// The label given for the next transaction, if any.
    pending: Option<&'static str>,
    sites: Vec<SiteStats>,
}

impl<H> Attributed<H> {
    /// Wraps `inner`, whose statistics so far are not attributed to any site, and enables its
    /// conflict log (if it has one).
    pub fn new<'a>(mut inner: H) -> Self
    where
        H: Handle<'a>,
    {
        if let Some(log) = inner.conflicts_mut() {
            log.clear();
            log.enable();
        }
        Attributed {
            last: inner.stats().clone(),
            inner,
            current: None,
            pending: None,
            sites: Vec::with_capacity(MAX_SITES + 1),
        }
    }

    /// Returns the per-site records, in order of first use, and starts afresh (call it before
    /// [`Handle::take_stats`] to get the records that sum to the statistics it returns).
    pub fn take_sites<'a>(&mut self) -> Vec<SiteStats>
    where
        H: Handle<'a>,
    {
        self.charge();
        self.current = None;
        core::mem::replace(&mut self.sites, Vec::with_capacity(MAX_SITES + 1))
    }

    /// Returns the conflict words recorded so far, each charged to its site, and clears the log;
    /// `None` if the inner handle records none (hardware TM). Call it before
    /// [`Attributed::take_sites`], which forgets the sites' names.
    pub fn take_conflicts<'a>(&mut self) -> Option<Vec<WordCount>>
    where
        H: Handle<'a>,
    {
        let sites = &self.sites;
        let log = self.inner.conflicts_mut()?;
        let words = log.words(|tag| sites.get(usize::from(tag)).map(|s| s.site.name()));
        log.clear();
        Some(words)
    }

    /// The wrapped handle.
    pub fn inner(&self) -> &H {
        &self.inner
    }

    /// Charges the inner statistics counted since the last charge to the current site.
    fn charge<'a>(&mut self)
    where
        H: Handle<'a>,
    {
        if let Some(c) = self.current {
            // Disjoint fields: the inner statistics are read in place, not copied.
            add_difference(&mut self.sites[c].stats, self.inner.stats(), &mut self.last);
        }
    }

    /// The site changes to `site`: charges the transactions so far to the previous one, makes
    /// `site`'s record current and tags the conflict log with it; returns its index.
    #[inline(never)]
    fn switch_to<'a>(&mut self, site: Site) -> usize
    where
        H: Handle<'a>,
    {
        self.charge();
        let i = slot(&mut self.sites, site);
        self.current = Some(i);
        if let Some(log) = self.inner.conflicts_mut() {
            // At most MAX_SITES + 1 records, so the index fits a u16.
            log.set_tag(i as u16);
        }
        i
    }
}

/// The index of `site`'s record in `sites`, pushed if new (within the capacity reserved in
/// [`Attributed::new`], `MAX_SITES + 1`, so no allocation).
#[inline]
fn slot(sites: &mut Vec<SiteStats>, site: Site) -> usize {
    if let Some(i) = sites.iter().position(|s| s.site.same(site)) {
        return i;
    }
    let site = if sites.len() < MAX_SITES {
        site
    } else {
        let other = Site::Label(OTHER_SITES);
        if let Some(i) = sites.iter().position(|s| s.site == other) {
            return i;
        }
        other
    };
    sites.push(SiteStats {
        site,
        stats: ThreadStats::default(),
    });
    sites.len() - 1
}

/// Adds `now - last` into `into`, then sets `last` to `now` (only the fields that changed).
#[inline]
fn add_difference(into: &mut ThreadStats, now: &ThreadStats, last: &mut ThreadStats) {
    into.attempts += now.attempts - last.attempts;
    into.commits += now.commits - last.commits;
    let explicit_before =
        last.aborts_of(AbortCause::Explicit) + last.aborts_of(AbortCause::LockBusy);
    for ((a, n), l) in into.aborts.iter_mut().zip(&now.aborts).zip(&last.aborts) {
        *a += n - l;
    }
    into.fallbacks += now.fallbacks - last.fallbacks;
    into.lock_waits += now.lock_waits - last.lock_waits;
    into.user_aborts += now.user_aborts - last.user_aborts;
    into.committed_cycles += now.committed_cycles - last.committed_cycles;
    if now.aborted_cycles != last.aborted_cycles {
        into.aborted_cycles += now.aborted_cycles - last.aborted_cycles;
        for ((a, n), l) in into
            .aborted_cycles_by_cause
            .iter_mut()
            .zip(&now.aborted_cycles_by_cause)
            .zip(&last.aborted_cycles_by_cause)
        {
            *a += n - l;
        }
        last.aborted_cycles_by_cause = now.aborted_cycles_by_cause;
    }
    into.fallback_cycles += now.fallback_cycles - last.fallback_cycles;
    // Every explicit or lock-busy abort counts exactly one code ([`ThreadStats::record_abort`]),
    // so the codes grew by `left` in all: the scan stops once it has found them. User codes are
    // small numbers, so it usually reads a few of the 256 entries (a full scan and a copy of the
    // array were half of the wrapper's cost on bank: 58 of 120 instructions per operation).
    let mut left =
        now.aborts_of(AbortCause::Explicit) + now.aborts_of(AbortCause::LockBusy) - explicit_before;
    for ((a, n), l) in into
        .explicit_codes
        .iter_mut()
        .zip(&now.explicit_codes)
        .zip(last.explicit_codes.iter_mut())
    {
        if left == 0 {
            break;
        }
        let d = n - *l;
        *a += d;
        *l = *n;
        left -= d;
    }
    last.attempts = now.attempts;
    last.commits = now.commits;
    last.aborts = now.aborts;
    last.fallbacks = now.fallbacks;
    last.lock_waits = now.lock_waits;
    last.user_aborts = now.user_aborts;
    last.committed_cycles = now.committed_cycles;
    last.aborted_cycles = now.aborted_cycles;
    last.fallback_cycles = now.fallback_cycles;
}

impl<'a, H: Handle<'a>> Handle<'a> for Attributed<H> {
    type Tx = H::Tx;

    #[inline]
    #[track_caller]
    fn atomically<R, F>(&mut self, body: F) -> Result<R, UserAbort>
    where
        F: FnMut(&mut Self::Tx) -> Result<R, Abort>,
    {
        let site = match self.pending.take() {
            Some(label) => Site::Label(label),
            None => Site::Location(Location::caller()),
        };
        match self.current {
            Some(c) if self.sites[c].site.same(site) => {}
            _ => {
                self.switch_to(site);
            }
        }
        self.inner.atomically(body)
    }

    #[inline]
    fn site(&mut self, label: &'static str) {
        self.pending = Some(label);
    }

    fn stats(&self) -> &ThreadStats {
        self.inner.stats()
    }

    fn conflicts(&self) -> Option<&ConflictLog> {
        self.inner.conflicts()
    }

    fn conflicts_mut(&mut self) -> Option<&mut ConflictLog> {
        self.inner.conflicts_mut()
    }

    /// Also discards the per-site records (take them first with [`Attributed::take_sites`]).
    fn take_stats(&mut self) -> ThreadStats {
        self.sites.clear();
        self.current = None;
        self.last = ThreadStats::default();
        self.inner.take_stats()
    }
}

/// Merges per-site records (of several threads) by site name, in order of first appearance.
pub fn merge_sites<'s>(
    records: impl IntoIterator<Item = &'s SiteStats>,
) -> Vec<(String, ThreadStats)> {
    let mut out: Vec<(String, ThreadStats)> = Vec::new();
    for r in records {
        let name = r.site.name();
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, s)) => s.merge(&r.stats),
            None => out.push((name, r.stats.clone())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standin::StandIn;
    use crate::{Backend, TWord, Tx};

    /// Runs one transaction on `h` at `site` (a label, or `None` for this call's location) that
    /// adds 1 to `w`, or cancels with code 7 when `cancel`.
    fn one<'a, H: Handle<'a>>(h: &mut H, w: &'a TWord, site: Option<&'static str>, cancel: bool) {
        if let Some(label) = site {
            h.site(label);
        }
        let _ = h.atomically(|tx| {
            let v = tx.read(w)?;
            tx.write(w, v + 1)?;
            if cancel { Err(Abort::user(7)) } else { Ok(()) }
        });
    }

    fn count(records: &[SiteStats], name: &str) -> (u64, u64) {
        records
            .iter()
            .filter(|r| r.site.name() == name)
            .fold((0, 0), |(a, c), r| {
                (a + r.stats.attempts, c + r.stats.commits)
            })
    }

    #[test]
    fn runs_of_sites_are_charged_when_the_site_changes_and_sum_to_the_totals() {
        let backend = StandIn::correct();
        let w = TWord::new(0);
        let mut h = Attributed::new(backend.handle());
        // Runs of one site, changes, a cancelled transaction, and an unlabelled site.
        for (site, cancel) in [
            (Some("a"), false),
            (Some("a"), false),
            (Some("b"), false),
            (Some("a"), true),
            (Some("a"), false),
            (None, false),
            (Some("b"), true),
        ] {
            one(&mut h, &w, site, cancel);
        }
        let first = h.take_sites();
        // After the records are taken, counting goes on from there.
        one(&mut h, &w, Some("b"), false);
        one(&mut h, &w, Some("b"), false);
        let second = h.take_sites();
        // More distinct sites than there are records: the rest share one.
        let many: Vec<&'static str> = (0..MAX_SITES + 5)
            .map(|i| &*Box::leak(format!("s{i}").into_boxed_str()))
            .collect();
        for s in &many {
            one(&mut h, &w, Some(s), false);
        }
        one(&mut h, &w, Some(many[MAX_SITES + 1]), false);
        let third = h.take_sites();
        let total = h.take_stats();

        assert_eq!(count(&first, "a"), (4, 3), "one of a's was cancelled");
        assert_eq!(count(&first, "b"), (2, 1), "one of b's was cancelled");
        assert_eq!(first.len(), 3, "{first:?}");
        assert!(first[2].site.name().contains("sites.rs"), "{first:?}");
        assert_eq!(first.iter().map(|r| r.stats.user_aborts).sum::<u64>(), 2);
        assert_eq!(count(&second, "b"), (2, 2));
        assert_eq!(second.len(), 1);
        assert_eq!(third.len(), MAX_SITES + 1);
        assert_eq!(count(&third, OTHER_SITES), (6, 6));
        let mut sum = ThreadStats::default();
        for r in first.iter().chain(&second).chain(&third) {
            sum.merge(&r.stats);
        }
        assert_eq!(sum, total);
        assert_eq!(total.attempts, 7 + 2 + MAX_SITES as u64 + 6);
    }
}
