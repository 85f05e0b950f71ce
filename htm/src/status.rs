//! Decoding the abort status that RTM leaves in EAX.

use core::fmt;

/// The status returned by an aborted transaction, bit by bit.
///
/// | bits  | meaning                                                         |
/// |-------|-----------------------------------------------------------------|
/// | 0     | EXPLICIT: aborted by `xabort`                                   |
/// | 1     | RETRY: may succeed if retried (always clear when bit 0 is set)  |
/// | 2     | CONFLICT: another processor touched the read or write set       |
/// | 3     | CAPACITY: an internal buffer overflowed                         |
/// | 4     | DEBUG: a debug breakpoint was hit                               |
/// | 5     | NESTED: the abort happened inside a nested transaction          |
/// | 23:6  | reserved                                                        |
/// | 31:24 | the `xabort` immediate, valid when EXPLICIT is set              |
///
/// A status of 0 means none of these: an interrupt, a page fault, a system call, `cpuid`, a VM exit
/// or another asynchronous event aborted the transaction. It is a cause of its own.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AbortStatus(u32);

/// The one cause an abort status is counted under.
///
/// Several bits may be set at once (CONFLICT with RETRY is common). [`AbortStatus::cause`] picks one
/// with this precedence: EXPLICIT, then CONFLICT, CAPACITY, DEBUG, NESTED, then RETRY alone, and
/// finally status 0. A non-zero status with none of the six defined bits (only reserved or code
/// bits) is [`HwCause::Unknown`], so no status is silently miscounted as status 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HwCause {
    /// `xabort` with this code.
    Explicit(u8),
    /// A data conflict with another processor.
    Conflict,
    /// Read or write set overflow.
    Capacity,
    /// A debug breakpoint.
    Debug,
    /// An abort inside a nested transaction (and no more specific bit).
    Nested,
    /// Only the RETRY bit.
    RetryOnly,
    /// No bit at all.
    Status0,
    /// A non-zero status without any defined bit (never documented to happen).
    Unknown,
}

impl AbortStatus {
    const EXPLICIT: u32 = 1 << 0;
    const RETRY: u32 = 1 << 1;
    const CONFLICT: u32 = 1 << 2;
    const CAPACITY: u32 = 1 << 3;
    const DEBUG: u32 = 1 << 4;
    const NESTED: u32 = 1 << 5;
    const RESERVED: u32 = 0x00ff_ffc0;

    /// Wraps a raw status (anything but `_XBEGIN_STARTED`).
    #[inline]
    pub const fn from_raw(raw: u32) -> Self {
        AbortStatus(raw)
    }

    /// The raw EAX value.
    #[inline]
    pub const fn raw(self) -> u32 {
        self.0
    }

    /// Bit 0: aborted by `xabort`.
    #[inline]
    pub const fn is_explicit(self) -> bool {
        self.0 & Self::EXPLICIT != 0
    }

    /// Bit 1: the hardware suggests a retry may succeed. The SDM (vol. 1, table 16-1) says it is
    /// always clear when bit 0 (EXPLICIT) is set.
    #[inline]
    pub const fn may_retry(self) -> bool {
        self.0 & Self::RETRY != 0
    }

    /// Bit 2: a conflict with another processor.
    #[inline]
    pub const fn is_conflict(self) -> bool {
        self.0 & Self::CONFLICT != 0
    }

    /// Bit 3: a capacity overflow.
    #[inline]
    pub const fn is_capacity(self) -> bool {
        self.0 & Self::CAPACITY != 0
    }

    /// Bit 4: a debug breakpoint.
    #[inline]
    pub const fn is_debug(self) -> bool {
        self.0 & Self::DEBUG != 0
    }

    /// Bit 5: the abort happened in a nested transaction.
    #[inline]
    pub const fn is_nested(self) -> bool {
        self.0 & Self::NESTED != 0
    }

    /// Status 0: no bit set (interrupt, fault, system call, VM exit ...).
    #[inline]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The `xabort` code, if the abort was explicit.
    #[inline]
    pub const fn code(self) -> Option<u8> {
        if self.is_explicit() {
            Some((self.0 >> 24) as u8)
        } else {
            None
        }
    }

    /// Reserved bits 23:6 (always 0 on documented hardware).
    #[inline]
    pub const fn reserved_bits(self) -> u32 {
        self.0 & Self::RESERVED
    }

    /// The one cause this status is counted under (see [`HwCause`] for the precedence).
    #[inline]
    pub const fn cause(self) -> HwCause {
        let s = self.0;
        if s & Self::EXPLICIT != 0 {
            HwCause::Explicit((s >> 24) as u8)
        } else if s & Self::CONFLICT != 0 {
            HwCause::Conflict
        } else if s & Self::CAPACITY != 0 {
            HwCause::Capacity
        } else if s & Self::DEBUG != 0 {
            HwCause::Debug
        } else if s & Self::NESTED != 0 {
            HwCause::Nested
        } else if s & Self::RETRY != 0 {
            HwCause::RetryOnly
        } else if s != 0 {
            HwCause::Unknown
        } else {
            HwCause::Status0
        }
    }
}

impl fmt::Debug for AbortStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AbortStatus(0x{:08x} {self})", self.0)
    }
}

impl fmt::Display for AbortStatus {
    /// `EXPLICIT(0x42)|RETRY`, `CONFLICT|RETRY`, `0` ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0");
        }
        let mut first = true;
        let mut part = |f: &mut fmt::Formatter<'_>, s: &dyn fmt::Display| {
            let sep = if first { "" } else { "|" };
            first = false;
            write!(f, "{sep}{s}")
        };
        if let Some(code) = self.code() {
            part(f, &format_args!("EXPLICIT(0x{code:02x})"))?;
        }
        for (bit, name) in [
            (Self::RETRY, "RETRY"),
            (Self::CONFLICT, "CONFLICT"),
            (Self::CAPACITY, "CAPACITY"),
            (Self::DEBUG, "DEBUG"),
            (Self::NESTED, "NESTED"),
        ] {
            if self.0 & bit != 0 {
                part(f, &name)?;
            }
        }
        if self.reserved_bits() != 0 {
            part(f, &format_args!("RESERVED(0x{:06x})", self.reserved_bits()))?;
        }
        if !self.is_explicit() && self.0 >> 24 != 0 {
            part(f, &format_args!("HIGH(0x{:02x})", self.0 >> 24))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every combination of the six defined bits, with and without a code byte and a reserved bit.
    fn all_patterns() -> impl Iterator<Item = u32> {
        (0u32..64).flat_map(|bits| {
            [0u32, 0x42, 0xff].into_iter().flat_map(move |code| {
                [0u32, 1 << 6, 1 << 23]
                    .into_iter()
                    .map(move |res| bits | res | (code << 24))
            })
        })
    }

    #[test]
    fn every_bit_pattern_decodes_consistently() {
        for raw in all_patterns() {
            let s = AbortStatus::from_raw(raw);
            assert_eq!(s.is_explicit(), raw & 1 != 0, "{raw:#x}");
            assert_eq!(s.may_retry(), raw & 2 != 0, "{raw:#x}");
            assert_eq!(s.is_conflict(), raw & 4 != 0, "{raw:#x}");
            assert_eq!(s.is_capacity(), raw & 8 != 0, "{raw:#x}");
            assert_eq!(s.is_debug(), raw & 16 != 0, "{raw:#x}");
            assert_eq!(s.is_nested(), raw & 32 != 0, "{raw:#x}");
            assert_eq!(s.is_zero(), raw == 0);
            assert_eq!(s.reserved_bits(), raw & 0x00ff_ffc0);
            assert_eq!(s.code(), (raw & 1 != 0).then_some((raw >> 24) as u8));
            let expected = if raw & 1 != 0 {
                HwCause::Explicit((raw >> 24) as u8)
            } else if raw & 4 != 0 {
                HwCause::Conflict
            } else if raw & 8 != 0 {
                HwCause::Capacity
            } else if raw & 16 != 0 {
                HwCause::Debug
            } else if raw & 32 != 0 {
                HwCause::Nested
            } else if raw & 2 != 0 {
                HwCause::RetryOnly
            } else if raw != 0 {
                HwCause::Unknown
            } else {
                HwCause::Status0
            };
            assert_eq!(s.cause(), expected, "{raw:#x}");
            assert!(!s.to_string().is_empty());
        }
    }

    #[test]
    fn display_names_the_bits() {
        assert_eq!(AbortStatus::from_raw(0).to_string(), "0");
        assert_eq!(
            AbortStatus::from_raw(0x4200_0001).to_string(),
            "EXPLICIT(0x42)"
        );
        assert_eq!(AbortStatus::from_raw(0b110).to_string(), "RETRY|CONFLICT");
        assert_eq!(AbortStatus::from_raw(0b1000).to_string(), "CAPACITY");
        // RETRY with EXPLICIT never comes from hardware (the SDM rules it out); it still decodes
        // bit by bit.
        assert_eq!(
            AbortStatus::from_raw(0xff00_0003).to_string(),
            "EXPLICIT(0xff)|RETRY"
        );
    }

    #[test]
    fn status_zero_is_its_own_cause() {
        assert_eq!(AbortStatus::from_raw(0).cause(), HwCause::Status0);
        assert_eq!(AbortStatus::from_raw(0).code(), None);
    }
}
