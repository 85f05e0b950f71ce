//! From a hardware abort status to the shared abort taxonomy.
//!
//! [`htm::AbortStatus::cause`] already picks one cause per status (EXPLICIT, then CONFLICT, CAPACITY,
//! DEBUG, NESTED, RETRY alone, status 0). This module maps it onto [`tm::AbortCause`]:
//!
//! | `htm::HwCause`            | `tm::AbortCause` | code counted |
//! |---------------------------|------------------|--------------|
//! | `Explicit(0xff)`          | `LockBusy`       | `0xff`       |
//! | `Explicit(0xfd)`          | `Nested`         |              |
//! | `Explicit(c)`, other `c`  | `Explicit`       | `c`          |
//! | `Conflict`                | `Conflict`       |              |
//! | `Capacity`                | `Capacity`       |              |
//! | `Debug`                   | `Debug`          |              |
//! | `Nested`                  | `Nested`         |              |
//! | `RetryOnly`               | `RetryOnly`      |              |
//! | `Status0`                 | `Status0`        |              |
//! | `Unknown`                 | `Status0`        |              |
//!
//! `Explicit(0xfd)` is [`NESTED_ABORT`](crate::NESTED_ABORT): a section nested in the attempt ended
//! it (see [`crate::elision`], "Nesting"), which is an abort inside a nested section.
//!
//! `Unknown` (a non-zero status with none of the six defined bits, which the SDM never documents)
//! is counted as status 0: like status 0 it says nothing about why the attempt died, and a policy
//! must treat it the same way. The raw status is not lost for diagnosis: it is only ever produced
//! by reserved or code bits, which no documented processor sets without EXPLICIT.

use crate::speculator::{LOCK_BUSY, NESTED_ABORT};
use htm::{AbortStatus, HwCause};
use tm::AbortCause;

/// The cause an abort is counted under, and the explicit code (0 unless explicit or lock-busy).
#[inline]
pub fn classify(status: AbortStatus) -> (AbortCause, u8) {
    match status.cause() {
        HwCause::Explicit(LOCK_BUSY) => (AbortCause::LockBusy, LOCK_BUSY),
        HwCause::Explicit(NESTED_ABORT) => (AbortCause::Nested, 0),
        HwCause::Explicit(code) => (AbortCause::Explicit, code),
        HwCause::Conflict => (AbortCause::Conflict, 0),
        HwCause::Capacity => (AbortCause::Capacity, 0),
        HwCause::Debug => (AbortCause::Debug, 0),
        HwCause::Nested => (AbortCause::Nested, 0),
        HwCause::RetryOnly => (AbortCause::RetryOnly, 0),
        HwCause::Status0 | HwCause::Unknown => (AbortCause::Status0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hardware_cause_maps_to_a_hardware_abort_cause() {
        let s = AbortStatus::from_raw;
        assert_eq!(classify(s(0xff00_0001)), (AbortCause::LockBusy, 0xff));
        assert_eq!(classify(s(0xff00_0003)), (AbortCause::LockBusy, 0xff));
        assert_eq!(classify(s(0x4200_0001)), (AbortCause::Explicit, 0x42));
        assert_eq!(classify(s(0xfe00_0001)), (AbortCause::Explicit, 0xfe));
        assert_eq!(classify(s(0xfd00_0001)), (AbortCause::Nested, 0));
        assert_eq!(classify(s(0xfd00_0021)), (AbortCause::Nested, 0));
        assert_eq!(classify(s(0b110)), (AbortCause::Conflict, 0));
        assert_eq!(classify(s(0b1000)), (AbortCause::Capacity, 0));
        assert_eq!(classify(s(0b1_0000)), (AbortCause::Debug, 0));
        assert_eq!(classify(s(0b10_0000)), (AbortCause::Nested, 0));
        assert_eq!(classify(s(0b10)), (AbortCause::RetryOnly, 0));
        assert_eq!(classify(s(0)), (AbortCause::Status0, 0));
        assert_eq!(classify(s(1 << 6)), (AbortCause::Status0, 0));
        for raw in 0u32..64 {
            assert!(classify(s(raw)).0.is_hardware(), "{raw:#x}");
        }
    }
}
