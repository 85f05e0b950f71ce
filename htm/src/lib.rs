//! Intel RTM (Restricted Transactional Memory) on stable Rust.
//!
//! - [`intrinsics`]: `_xbegin`, `_xend`, `_xabort`, `_xtest` and the `_XABORT_*` constants, with the
//!   names and semantics of the unstable `core::arch::x86_64` intrinsics, written with `asm!`. The
//!   cargo feature `nightly` re-exports the core intrinsics instead.
//! - [`AbortStatus`]: decodes every bit of the status EAX holds after an abort, the `xabort` code,
//!   and status 0, and classifies each status under one [`HwCause`].
//! - [`detect`]: what the CPU claims (vendor, family/model/stepping, brand, microcode, hypervisor,
//!   RTM, HLE, RTM_ALWAYS_ABORT, TSX_FORCE_ABORT, TSXLDTRK).
//! - [`Rtm`]: the capability token. Its only constructors, [`Rtm::detect`] and its uncached form,
//!   read the CPUID bits themselves and prove that transactions really commit on this machine, so
//!   code holding an `Rtm` can never execute `xbegin` where it would fault, and safe code cannot
//!   get one any other way. `TMLAB_NO_RTM=1` makes detection refuse, to test the no-RTM path
//!   anywhere.
#![cfg_attr(feature = "nightly", feature(stdarch_x86_rtm))]

pub mod detect;
#[cfg(target_arch = "x86_64")]
pub mod intrinsics;
mod notice;
mod status;
mod token;

pub use notice::skipped;
pub use status::{AbortStatus, HwCause};
pub use token::{NO_RTM_ENV, Rtm, Unusable};
