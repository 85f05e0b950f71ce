//! Per-site statistics: which `atomically` call site attempts, commits and aborts, and why.
//!
//! [`Attributed`] wraps any [`Handle`] and charges every transaction to its *site*: the label the
//! workload gave with [`Handle::site`] just before the call (`bank::transfer`, `bank::audit`), or
//! else the caller's source location (`#[track_caller]`). After each transaction it adds the
//! difference between the inner handle's statistics before and after to the site's record, so the
//! per-site records sum *exactly* to the handle's totals, whatever the backend, HTM included.
//!
//! Unwrapped handles pay nothing: [`Handle::site`] is an empty inlined default, and the runner only
//! wraps handles when attribution is asked for. A wrapped handle copies a few counters per
//! transaction and, for a site seen for the first time, pushes a record into a vector reserved at
//! construction ([`MAX_SITES`]; later sites share one `(other sites)` record), so it allocates
//! nothing in the steady state.
//!
//! It also enables the inner handle's conflict log, if it has one ([`crate::conflicts`]), and
//! tags it with the site's index before each transaction, so every conflict word is charged to
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
pub struct Attributed<H> {
    inner: H,
    /// The inner handle's statistics after the last transaction.
    last: ThreadStats,
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
            pending: None,
            sites: Vec::with_capacity(MAX_SITES + 1),
        }
    }

    /// The per-site records so far, in order of first use.
    pub fn sites(&self) -> &[SiteStats] {
        &self.sites
    }

    /// Returns the per-site records and starts afresh (call it before [`Handle::take_stats`] to
    /// get the records that sum to the statistics it returns).
    pub fn take_sites(&mut self) -> Vec<SiteStats> {
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
}

/// The index of `site`'s record in `sites`, pushed if new (within the capacity reserved in
/// [`Attributed::new`], `MAX_SITES + 1`, so no allocation).
#[inline]
fn slot(sites: &mut Vec<SiteStats>, site: Site) -> usize {
    if let Some(i) = sites.iter().position(|s| s.site == site) {
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
    let explicit_now = now.aborts_of(AbortCause::Explicit) + now.aborts_of(AbortCause::LockBusy);
    if explicit_now != explicit_before {
        for ((a, n), l) in into
            .explicit_codes
            .iter_mut()
            .zip(&now.explicit_codes)
            .zip(&last.explicit_codes)
        {
            *a += n - l;
        }
        last.explicit_codes = now.explicit_codes;
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
        let i = slot(&mut self.sites, site);
        if let Some(log) = self.inner.conflicts_mut() {
            // At most MAX_SITES + 1 records, so the index fits a u16.
            log.set_tag(i as u16);
        }
        let out = self.inner.atomically(body);
        // Disjoint fields: the inner statistics are read in place, not copied.
        add_difference(&mut self.sites[i].stats, self.inner.stats(), &mut self.last);
        out
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
