//! `bank`: transfers between accounts, with read-only audits of all of them.
//!
//! Each operation is, with probability `1 / audit_every`, an audit (one read-only transaction that
//! sums every account), and otherwise a transfer of a random amount between two distinct accounts,
//! chosen uniformly or with a hot subset. A transfer that would overdraw its source is cancelled
//! by a user abort before it writes (as an application would, and as the sequential baseline
//! requires; the conformance kit's bank cancels after writing, to test rollback). The transactions
//! are the conformance kit's ([`tm::conformance::transfer`], [`tm::conformance::audit`]): one
//! source for the backends' tests, the examples and the sweeps.
//!
//! Check: the final total equals `accounts x initial_balance`, every committed audit saw exactly
//! that total, and no attempt, not even one that later aborted, read balances that no serial
//! execution could produce (opacity).

use crate::pick::Picker;
use crate::{Hot, Invalid, Workload};
use tm::conformance::{Order, Transfer, audit, transfer};
use tm::rng::SplitMix64;
use tm::{Handle, TWord};

/// The most accounts (2^24).
pub const MAX_ACCOUNTS: usize = 1 << 24;
/// The largest `audit_every` (2^32).
pub const MAX_AUDIT_EVERY: u64 = 1 << 32;
/// Every account's balance at the start.
pub const INITIAL_BALANCE: u64 = 1000;

/// Parameters of the bank.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BankConfig {
    /// Number of accounts (`--accounts`; 8 is heavy contention, 1024 light).
    pub accounts: usize,
    /// One operation in this many is an audit of every account (`--audit-every`; 0: none).
    pub audit_every: u64,
    /// A hot subset of the accounts (`--hot`).
    pub hot: Option<Hot>,
}

impl Default for BankConfig {
    fn default() -> Self {
        BankConfig {
            accounts: 1024,
            audit_every: 16,
            hot: None,
        }
    }
}

impl BankConfig {
    /// Checks every parameter.
    pub fn validate(&self) -> Result<(), Invalid> {
        Invalid::range("--accounts", self.accounts, 2, MAX_ACCOUNTS)?;
        Invalid::range("--audit-every", self.audit_every, 0, MAX_AUDIT_EVERY)?;
        if let Some(hot) = self.hot {
            hot.validate(self.accounts, "--hot")?;
        }
        Ok(())
    }
}

/// The bank (see the module documentation).
#[derive(Debug)]
pub struct Bank {
    config: BankConfig,
    accounts: Vec<TWord>,
    expected_total: u64,
}

/// One thread's state: its generator and what its transactions saw.
#[derive(Debug)]
pub struct BankThread {
    rng: SplitMix64,
    picker: Picker,
    transfers: u64,
    cancelled: u64,
    audits: u64,
    bad_audits: u64,
    inconsistent_reads: u64,
}

impl Bank {
    /// A fresh bank: every account holds [`INITIAL_BALANCE`].
    pub fn new(config: &BankConfig) -> Result<Bank, Invalid> {
        config.validate()?;
        Ok(Bank {
            config: *config,
            accounts: (0..config.accounts)
                .map(|_| TWord::new(INITIAL_BALANCE))
                .collect(),
            expected_total: INITIAL_BALANCE * config.accounts as u64,
        })
    }

    /// The accounts (for tests that break them on purpose).
    pub fn accounts(&self) -> &[TWord] {
        &self.accounts
    }
}

impl Workload for Bank {
    type Thread = BankThread;
    const COUNTERS: &'static [&'static str] = &["transfers", "cancelled_transfers", "audits"];

    fn thread(&self, _index: usize, seed: u64) -> BankThread {
        BankThread {
            rng: SplitMix64::new(seed),
            picker: Picker::new(self.config.accounts, self.config.hot),
            transfers: 0,
            cancelled: 0,
            audits: 0,
            bad_audits: 0,
            inconsistent_reads: 0,
        }
    }

    #[inline]
    fn op<'a, H: Handle<'a>>(&'a self, h: &mut H, t: &mut BankThread) {
        let every = self.config.audit_every;
        if every != 0 && t.rng.below(every) == 0 {
            h.site("bank::audit");
            let total = audit(
                h,
                &self.accounts,
                self.expected_total,
                &mut t.inconsistent_reads,
            );
            t.audits += 1;
            if total != self.expected_total {
                t.bad_audits += 1;
            }
            return;
        }
        let n = self.accounts.len();
        let from = t.picker.one(&mut t.rng);
        let mut to = t.picker.one(&mut t.rng);
        if to == from {
            // Uniform over the other accounts (a hot subset of one account cannot give two).
            to = (from + 1 + t.rng.below(n as u64 - 1) as usize) % n;
        }
        let amount = t.rng.below(INITIAL_BALANCE / 2 + 1);
        h.site("bank::transfer");
        match transfer(
            h,
            Order::CheckFirst,
            &self.accounts[from],
            &self.accounts[to],
            amount,
            self.expected_total,
            &mut t.inconsistent_reads,
        ) {
            Transfer::Done => t.transfers += 1,
            Transfer::Cancelled => t.cancelled += 1,
        }
    }

    /// `accounts`, 8 bytes apart.
    fn regions(&self) -> tm::regions::Regions {
        let mut r = tm::regions::Regions::new();
        r.add(tm::regions::Region::words("accounts", &self.accounts));
        r
    }

    fn counters(&self, t: &BankThread, out: &mut [u64]) {
        out[0] += t.transfers;
        out[1] += t.cancelled;
        out[2] += t.audits;
    }

    fn check(&self, threads: &[BankThread]) -> Result<(), String> {
        let total = self
            .accounts
            .iter()
            .map(TWord::load)
            .fold(0, u64::wrapping_add);
        if total != self.expected_total {
            return Err(format!(
                "the accounts hold {total} in total, {} was deposited",
                self.expected_total
            ));
        }
        let bad: u64 = threads.iter().map(|t| t.bad_audits).sum();
        if bad > 0 {
            return Err(format!(
                "{bad} committed audits saw a total other than {}",
                self.expected_total
            ));
        }
        let inconsistent: u64 = threads.iter().map(|t| t.inconsistent_reads).sum();
        if inconsistent > 0 {
            return Err(format!(
                "{inconsistent} attempts read balances no serial execution produces (opacity)"
            ));
        }
        Ok(())
    }
}
