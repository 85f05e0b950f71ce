//! Safe code cannot obtain an [`Rtm`] token, and so cannot execute `xbegin`, unless CPUID read by
//! `htm` itself reports RTM. This file forbids `unsafe` and tries every public way to a token.
//!
//! It used to be possible: `Rtm::detect_uncached(forced_off, features)` took the CPUID bits from
//! its caller, so `TsxFeatures { rtm: true, .. }` on a CPU without RTM ran the proof transaction
//! and the process died of SIGILL (`xbegin` raises `#UD`). The compile-time half of this check is
//! the `compile_fail` doctests on `Rtm` and `Rtm::detect_uncached` (a forged token, caller-supplied
//! bits).
#![forbid(unsafe_code)]

use htm::{Rtm, Unusable};

#[test]
fn every_public_way_to_a_token_agrees_with_cpuid() {
    let cpu = htm::detect::tsx_features();
    for outcome in [Rtm::detect_uncached(false), Rtm::detect()] {
        match outcome {
            Ok(rtm) => {
                assert!(
                    cpu.rtm && !cpu.rtm_always_abort,
                    "a token without the RTM bit"
                );
                assert!(!rtm.in_transaction());
            }
            Err(why) if htm::detect::tsx_features().rtm => {
                // Refused although the bit is set: forced off, always-abort, or no commit.
                assert_ne!(why, Unusable::NoCpuidBit);
            }
            Err(why) => {
                // This machine (no RTM bit): refused before any RTM instruction ran, or we would
                // not be here. `detect` may also be forced off by the environment.
                assert!(
                    matches!(
                        why,
                        Unusable::NoCpuidBit | Unusable::ForcedOff | Unusable::NotX86
                    ),
                    "{why}"
                );
            }
        }
    }
    assert_eq!(
        Rtm::detect_uncached(true).unwrap_err(),
        Unusable::ForcedOff,
        "forcing off always refuses"
    );
}

#[test]
fn claiming_rtm_in_the_feature_bits_grants_nothing() {
    // Safe code can still build feature bits that claim RTM, for reporting; nothing that
    // executes RTM instructions accepts them any more.
    let claimed = htm::detect::TsxFeatures {
        rtm: true,
        ..Default::default()
    };
    assert!(claimed.rtm);
    if !htm::detect::tsx_features().rtm {
        assert_eq!(
            Rtm::detect_uncached(false).unwrap_err(),
            Unusable::NoCpuidBit,
            "detection reads this CPU's bits, not the caller's"
        );
    }
}
