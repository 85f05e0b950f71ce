//! Duration transactions: spin for a number of TSC cycles inside one transaction.
//! (Interface fixed; the implementation is being written.)

use super::Tally;
use htm::Rtm;

/// Runs `attempts` transactions that each spin for `cycles` TSC cycles, and tallies them.
pub fn run(rtm: Rtm, cycles: u64, attempts: u64) -> Tally {
    let _ = (rtm, cycles, attempts);
    unimplemented!("duration kernel is being written")
}
