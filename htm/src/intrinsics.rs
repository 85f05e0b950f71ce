//! The RTM instructions, with the names and semantics of `core::arch::x86_64`'s unstable intrinsics.
//!
//! Each function is `unsafe` for the same reason as its core counterpart: executing it on a CPU
//! without RTM raises `#UD`. Safe code uses them through the [`Rtm`](crate::Rtm) token instead.
//!
//! `_xbegin` is one `asm!` block, `xbegin 2f; 2:`, with EAX as an in/out operand preset to
//! [`_XBEGIN_STARTED`]. The compiler sees the block return once. The hardware may later return from
//! it a second time, on an abort, with a different EAX; it then also restores every other register
//! to its value at the `xbegin` and discards every memory write made since. The machine state is
//! therefore exactly one the block could have produced, so nothing the compiler assumed is broken.
//! RTM flattens nesting: an `xbegin` inside a running transaction only deepens it, and an abort at
//! any depth resumes after the *outermost* `xbegin`, so only that block ever returns twice.
//! The blocks are not `nomem`, so the compiler orders memory accesses around the transaction
//! boundaries as around any opaque call.

/// Returned by [`_xbegin`] when the transaction started.
pub const _XBEGIN_STARTED: u32 = !0;
/// Status bit: the transaction was aborted by `xabort`; the code is in bits 31:24.
pub const _XABORT_EXPLICIT: u32 = 1 << 0;
/// Status bit: the transaction may succeed if retried.
pub const _XABORT_RETRY: u32 = 1 << 1;
/// Status bit: another logical processor conflicted with a memory address in the transaction.
pub const _XABORT_CONFLICT: u32 = 1 << 2;
/// Status bit: an internal buffer overflowed (read or write set too large).
pub const _XABORT_CAPACITY: u32 = 1 << 3;
/// Status bit: a debug breakpoint was hit.
pub const _XABORT_DEBUG: u32 = 1 << 4;
/// Status bit: the abort happened in a nested transaction.
pub const _XABORT_NESTED: u32 = 1 << 5;

/// The `xabort` code held in bits 31:24 of an abort status.
#[inline]
pub const fn _xabort_code(status: u32) -> u32 {
    (status >> 24) & 0xff
}

#[cfg(not(feature = "nightly"))]
mod asm_impl {
    use super::_XBEGIN_STARTED;
    use core::arch::asm;

    /// Starts a transaction: returns [`_XBEGIN_STARTED`] now, or an abort status later.
    ///
    /// # Safety
    /// The CPU must support RTM. Every started transaction must end with [`_xend`] (or an abort)
    /// before the calling function returns, so an abort never resumes in a dead stack frame.
    #[inline(always)]
    pub unsafe fn _xbegin() -> u32 {
        let mut status = _XBEGIN_STARTED;
        // SAFETY: the caller guarantees RTM; see the module documentation for why the second
        // return on abort is sound. `xbegin` does not touch the stack.
        unsafe { asm!("xbegin 2f", "2:", inout("eax") status, options(nostack)) };
        status
    }

    /// Commits the innermost transaction.
    ///
    /// # Safety
    /// The CPU must support RTM, and a transaction must be running (otherwise `#GP`).
    #[inline(always)]
    pub unsafe fn _xend() {
        // SAFETY: the caller guarantees RTM and a running transaction, so `xend` neither raises
        // `#UD` nor `#GP`; it does not touch the stack.
        unsafe { asm!("xend", options(nostack)) };
    }

    /// Aborts the running transaction with code `IMM8` (a no-op outside a transaction).
    ///
    /// # Safety
    /// The CPU must support RTM.
    #[inline(always)]
    pub unsafe fn _xabort<const IMM8: u32>() {
        const { assert!(IMM8 <= 0xff, "xabort takes an 8-bit immediate") };
        // SAFETY: the caller guarantees RTM; outside a transaction `xabort` is a no-op, and inside
        // one it resumes at the outermost `xbegin` with every register and memory write restored
        // (see the module documentation). It does not touch the stack.
        unsafe { asm!("xabort {code}", code = const IMM8, options(nostack)) };
    }

    /// Returns 1 inside a transaction and 0 outside.
    ///
    /// # Safety
    /// The CPU must support RTM (or HLE).
    #[inline(always)]
    pub unsafe fn _xtest() -> u8 {
        let inside: u8;
        // SAFETY: the caller guarantees RTM (or HLE). `xtest` touches no memory and writes only
        // flags: ZF is cleared inside a transaction and set outside, and CF, OF, SF, PF and AF are
        // cleared. The block does not claim `preserves_flags`, so the compiler treats all flags
        // as clobbered; `setnz` turns ZF into the result.
        unsafe { asm!("xtest", "setnz {r}", r = out(reg_byte) inside, options(nomem, nostack)) };
        inside
    }
}

#[cfg(not(feature = "nightly"))]
pub use asm_impl::{_xabort, _xbegin, _xend, _xtest};
#[cfg(feature = "nightly")]
pub use core::arch::x86_64::{_xabort, _xbegin, _xend, _xtest};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_sdm() {
        assert_eq!(_XBEGIN_STARTED, 0xffff_ffff);
        assert_eq!(
            [
                _XABORT_EXPLICIT,
                _XABORT_RETRY,
                _XABORT_CONFLICT,
                _XABORT_CAPACITY,
                _XABORT_DEBUG,
                _XABORT_NESTED
            ],
            [1, 2, 4, 8, 16, 32]
        );
        assert_eq!(_xabort_code(0x4200_0001), 0x42);
        assert_eq!(_xabort_code(0xff00_0001), 0xff);
    }
}
