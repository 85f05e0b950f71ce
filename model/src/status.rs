//! The abort status words the model produces: exactly RTM's encoding (Intel SDM vol. 1, 16.3.5),
//! returned as [`htm::AbortStatus`] so that everything decoding hardware statuses (the
//! `fallback` crate's retry policies and classification) runs over the model unchanged.
//!
//! | cause | raw status | bits |
//! |---|---|---|
//! | conflict (another thread touched the read or write set) | `0b110` | CONFLICT, RETRY |
//! | capacity (one L1 set or the secondary read structure overflowed) | `0b1000` | CAPACITY |
//! | `xabort(code)` | `code << 24 \| 1` | EXPLICIT and the code |
//! | interrupt, spontaneous abort | `0` | none |
//! | any of the above inside a nested transaction | the above `\| 0b10_0000` | NESTED added |
//! | nesting deeper than the limit | `0b10_0000` | NESTED (the model's choice, see the crate docs) |

use htm::AbortStatus;

/// Bit 0: aborted by `xabort`.
pub const EXPLICIT: u32 = 1 << 0;
/// Bit 1: the attempt may succeed if retried.
pub const RETRY: u32 = 1 << 1;
/// Bit 2: a conflict with another thread.
pub const CONFLICT_BIT: u32 = 1 << 2;
/// Bit 3: a capacity overflow.
pub const CAPACITY_BIT: u32 = 1 << 3;
/// Bit 5: the abort happened inside a nested transaction.
pub const NESTED: u32 = 1 << 5;

/// The status of a conflict abort: CONFLICT | RETRY, as Intel reports it.
pub const CONFLICT: AbortStatus = AbortStatus::from_raw(CONFLICT_BIT | RETRY);
/// The status of a capacity abort: CAPACITY alone (RTM clears RETRY with CAPACITY).
pub const CAPACITY: AbortStatus = AbortStatus::from_raw(CAPACITY_BIT);
/// The status of an interrupt or a spontaneous abort: 0.
pub const ZERO: AbortStatus = AbortStatus::from_raw(0);

/// The status of `xabort(code)`: EXPLICIT with `code` in bits 31:24, no RETRY.
#[inline]
pub const fn explicit(code: u8) -> AbortStatus {
    AbortStatus::from_raw(EXPLICIT | ((code as u32) << 24))
}

/// `status` with the NESTED bit added.
#[inline]
pub(crate) const fn nested(status: AbortStatus) -> AbortStatus {
    AbortStatus::from_raw(status.raw() | NESTED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use htm::HwCause;

    #[test]
    fn statuses_decode_as_rtm_ones() {
        assert_eq!(CONFLICT.raw(), 0b110);
        assert_eq!(CONFLICT.cause(), HwCause::Conflict);
        assert!(CONFLICT.may_retry());
        assert_eq!(CAPACITY.raw(), 0b1000);
        assert_eq!(CAPACITY.cause(), HwCause::Capacity);
        assert!(!CAPACITY.may_retry());
        assert_eq!(explicit(0x42).raw(), 0x4200_0001);
        assert_eq!(explicit(0x42).cause(), HwCause::Explicit(0x42));
        assert!(!explicit(0xff).may_retry());
        assert_eq!(ZERO.cause(), HwCause::Status0);
        assert_eq!(nested(CONFLICT).raw(), 0b10_0110);
        assert_eq!(nested(ZERO).cause(), HwCause::Nested);
    }
}
