//! The RTM capability token.

use crate::AbortStatus;
use crate::detect::{TsxFeatures, tsx_features};
use core::fmt;
use std::sync::OnceLock;

/// The environment variable that makes detection report RTM unusable (`TMLAB_NO_RTM=1`).
pub const NO_RTM_ENV: &str = "TMLAB_NO_RTM";

/// Proof that RTM transactions commit on this machine.
///
/// The only ways to obtain one are [`Rtm::detect`] and [`Rtm::detect_uncached`], which read the
/// CPUID bits themselves (no caller can supply them) and then run transactions until one commits
/// with its write visible afterwards. Every method that executes an RTM instruction takes the
/// token, so no path in safe code can execute `xbegin` on a CPU that would fault.
///
/// The token cannot be built by hand; its field is private:
///
/// ```compile_fail,E0423
/// #![forbid(unsafe_code)]
/// let forged = htm::Rtm; // error[E0423]: a struct with private fields, not a unit value
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Rtm {
    _proof: Proof,
}

#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
struct Proof;

/// No token can exist off x86-64: the proof type is uninhabited there.
#[cfg(not(target_arch = "x86_64"))]
#[derive(Clone, Copy, Debug)]
enum Proof {}

/// Why RTM cannot be used here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unusable {
    /// `TMLAB_NO_RTM` is set.
    ForcedOff,
    /// Not an x86-64 processor.
    NotX86,
    /// CPUID.7.0:EBX bit 11 (RTM) is clear: the CPU lacks RTM, or the kernel or hypervisor hides it.
    NoCpuidBit,
    /// CPUID.7.0:EDX bit 11 (RTM_ALWAYS_ABORT) is set: microcode makes every transaction abort.
    AlwaysAbort,
    /// The CPUID bit is set but no transaction committed.
    NeverCommits {
        /// Transactions attempted.
        attempts: u32,
        /// The status of the last abort.
        last_status: AbortStatus,
    },
}

impl Unusable {
    /// A short stable identifier: `forced_off`, `not_x86`, `no_cpuid_bit`, `always_abort`,
    /// `never_commits`.
    pub fn kind(&self) -> &'static str {
        match self {
            Unusable::ForcedOff => "forced_off",
            Unusable::NotX86 => "not_x86",
            Unusable::NoCpuidBit => "no_cpuid_bit",
            Unusable::AlwaysAbort => "always_abort",
            Unusable::NeverCommits { .. } => "never_commits",
        }
    }
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unusable::ForcedOff => write!(f, "forced off: {NO_RTM_ENV} is set"),
            Unusable::NotX86 => f.write_str("not an x86-64 CPU"),
            Unusable::NoCpuidBit => f.write_str(
                "no CPUID bit: CPUID.7.0:EBX[11] (RTM) is clear (the CPU lacks TSX, or the kernel, \
                 microcode or hypervisor disabled it)",
            ),
            Unusable::AlwaysAbort => f.write_str(
                "always-abort microcode: CPUID.7.0:EDX[11] (RTM_ALWAYS_ABORT) is set, every \
                 transaction aborts",
            ),
            Unusable::NeverCommits {
                attempts,
                last_status,
            } => write!(
                f,
                "never commits: CPUID reports RTM, but none of {attempts} transactions committed \
                 (last status {last_status})"
            ),
        }
    }
}

impl std::error::Error for Unusable {}

/// Whether `TMLAB_NO_RTM` asks for the no-RTM path (set, and neither empty nor `0`).
pub fn forced_off() -> bool {
    std::env::var_os(NO_RTM_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Transactions the proof attempts before concluding that none commits.
const PROOF_ATTEMPTS: u32 = 10_000;

impl Rtm {
    /// Detects RTM once per process and returns the token, or why RTM is unusable.
    ///
    /// In order: `TMLAB_NO_RTM`, the architecture, the RTM CPUID bit, the RTM_ALWAYS_ABORT bit, and
    /// finally a proof: up to 10 000 transactions each write a word; the first commit whose write
    /// is visible afterwards proves RTM works. The result is cached, so later calls are free.
    pub fn detect() -> Result<Rtm, Unusable> {
        static DETECTED: OnceLock<Result<Rtm, Unusable>> = OnceLock::new();
        DETECTED
            .get_or_init(|| Self::detect_uncached(forced_off()))
            .clone()
    }

    /// [`Rtm::detect`] without the cache, with the `TMLAB_NO_RTM` decision given as `forced_off`
    /// (for tests of both answers in one process).
    ///
    /// The CPUID bits are read here, by this crate, every time: a caller cannot claim RTM on a CPU
    /// without it. (This function once took the bits as an argument, so safe code could pass
    /// `rtm: true` on a CPU without RTM and have the proof execute `xbegin`, which raises `#UD`.)
    ///
    /// ```compile_fail,E0061
    /// #![forbid(unsafe_code)]
    /// let claimed = htm::detect::TsxFeatures { rtm: true, ..Default::default() };
    /// let _ = htm::Rtm::detect_uncached(false, claimed); // error[E0061]: takes 1 argument
    /// ```
    pub fn detect_uncached(forced_off: bool) -> Result<Rtm, Unusable> {
        let features = tsx_features();
        if let Some(why) = refusal(forced_off, &features) {
            return Err(why);
        }
        imp::prove(CpuidSaysRtm(()))
    }
}

/// Evidence that this crate itself read CPUID and found RTM usable: the RTM bit set and
/// RTM_ALWAYS_ABORT clear. Only [`Rtm::detect_uncached`] creates one (its field is private to this
/// module), right after [`refusal`] accepted the bits it read with [`tsx_features`], so holding one
/// means `xbegin` is a supported instruction on this CPU.
#[derive(Clone, Copy, Debug)]
struct CpuidSaysRtm(());

/// Why detection refuses without executing any RTM instruction, given the `TMLAB_NO_RTM` decision
/// and the CPUID bits; `None` when the bits allow the proof to run. Pure, so every refusal can be
/// tested on any machine.
fn refusal(forced_off: bool, features: &TsxFeatures) -> Option<Unusable> {
    if forced_off {
        Some(Unusable::ForcedOff)
    } else if cfg!(not(target_arch = "x86_64")) {
        Some(Unusable::NotX86)
    } else if !features.rtm {
        Some(Unusable::NoCpuidBit)
    } else if features.rtm_always_abort {
        Some(Unusable::AlwaysAbort)
    } else {
        None
    }
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::{CpuidSaysRtm, PROOF_ATTEMPTS, Proof, Rtm, Unusable};
    use crate::AbortStatus;
    use crate::intrinsics::{_XBEGIN_STARTED, _xabort, _xbegin, _xend, _xtest};
    use core::sync::atomic::{AtomicU64, Ordering};

    /// Runs transactions that write a fresh value to a pre-faulted word until one commits.
    ///
    /// `_cpuid` is the evidence that CPUID, read by this crate, reports RTM, so `xbegin` cannot
    /// fault.
    pub(super) fn prove(_cpuid: CpuidSaysRtm) -> Result<Rtm, Unusable> {
        // Pre-fault and warm the word: a first touch inside a transaction aborts with status 0.
        let word = AtomicU64::new(0);
        let mut last_status = AbortStatus::from_raw(0);
        for i in 1..=u64::from(PROOF_ATTEMPTS) {
            // SAFETY: `_cpuid` exists only if `detect_uncached` read CPUID itself and found the RTM
            // bit set and RTM_ALWAYS_ABORT clear, so `xbegin` is supported. The transaction either
            // aborts (resuming here, in this live frame) or reaches the `_xend` below in this frame;
            // nothing between them can panic or return.
            let status = unsafe { _xbegin() };
            if status == _XBEGIN_STARTED {
                // Relaxed: inside a transaction the store is published atomically by `xend`.
                word.store(i, Ordering::Relaxed);
                // SAFETY: RTM is supported (as for `_xbegin`) and the transaction started above is
                // running: had it aborted, execution would have resumed at `_xbegin` instead.
                unsafe { _xend() };
                // Relaxed: same thread; only program order matters here.
                if word.load(Ordering::Relaxed) == i {
                    return Ok(Rtm { _proof: Proof });
                }
            } else {
                last_status = AbortStatus::from_raw(status);
            }
        }
        Err(Unusable::NeverCommits {
            attempts: PROOF_ATTEMPTS,
            last_status,
        })
    }

    /// Commits an open transaction if a panic unwinds out of [`Rtm::transaction`]'s closure, so an
    /// abort can never resume in the dead frame.
    pub(super) struct EndOnUnwind;

    impl Drop for EndOnUnwind {
        fn drop(&mut self) {
            // SAFETY: an `EndOnUnwind` is created only in `Rtm::transaction`, which holds a token
            // (so RTM is supported), right after its `_xbegin` started a transaction, and it is
            // dropped only when the closure unwinds. Safe code in the closure cannot end that
            // transaction (see `Rtm::transaction`), so it is still running here; `_xtest` checks
            // it anyway before `_xend` ends it (or, when nested, leaves its nesting level).
            unsafe {
                if _xtest() != 0 {
                    _xend();
                }
            }
        }
    }

    /// Aborts with a run-time code by dispatching to one `xabort` per immediate.
    #[cold]
    pub(super) fn abort_with(code: u8) {
        macro_rules! dispatch {
            ($($c:literal)*) => {
                match code {
                    // SAFETY: only `Rtm::abort_with`, which holds a token, calls this, so RTM is
                    // supported; outside a transaction `xabort` is a no-op.
                    $($c => unsafe { _xabort::<$c>() },)*
                }
            };
        }
        dispatch!(
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
            32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60
            61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89
            90 91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113
            114 115 116 117 118 119 120 121 122 123 124 125 126 127 128 129 130 131 132 133 134 135
            136 137 138 139 140 141 142 143 144 145 146 147 148 149 150 151 152 153 154 155 156 157
            158 159 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175 176 177 178 179
            180 181 182 183 184 185 186 187 188 189 190 191 192 193 194 195 196 197 198 199 200 201
            202 203 204 205 206 207 208 209 210 211 212 213 214 215 216 217 218 219 220 221 222 223
            224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245
            246 247 248 249 250 251 252 253 254 255
        )
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod imp {
    use super::{CpuidSaysRtm, Rtm, Unusable};

    pub(super) fn prove(_cpuid: CpuidSaysRtm) -> Result<Rtm, Unusable> {
        Err(Unusable::NotX86)
    }
}

#[cfg(target_arch = "x86_64")]
impl Rtm {
    /// Runs `body` as one hardware transaction: `Ok` with its result if it committed, or the abort
    /// status. Nothing `body` wrote to memory survives an abort.
    ///
    /// `body` must not perform system calls, I/O or other operations that abort every transaction;
    /// they are safe, but the transaction then never commits.
    ///
    /// A panic in `body` usually aborts the transaction, because the panic machinery makes system
    /// calls: the panic is rolled back with everything else and `transaction` returns the abort
    /// status (often 0), so it surfaces only when the caller runs `body` without a transaction. If
    /// a panic does unwind out of `body` inside the transaction, the transaction is committed with
    /// whatever it wrote so far before unwinding continues, as if the code had run without one; an
    /// abort can therefore never resume in a dead stack frame.
    ///
    /// Called inside a running transaction, it nests as RTM does (Intel SDM vol. 1, 16.3.1): the
    /// inner commit only leaves the inner level, everything commits with the outermost
    /// transaction, and an abort anywhere, this call's included, resumes at the outermost
    /// `xbegin`: the outermost `transaction` returns the status and this call never returns.
    #[inline(always)]
    pub fn transaction<R>(self, body: impl FnOnce() -> R) -> Result<R, AbortStatus> {
        use crate::intrinsics::{_XBEGIN_STARTED, _xbegin, _xend};
        // SAFETY: the token proves RTM works. This `_xbegin` is matched in this frame by exactly
        // one `_xend`: below on the normal path, or in `EndOnUnwind` if `body` unwinds. Safe code
        // in `body` can neither end the transaction (`_xend` is unsafe, nested `transaction` calls
        // are balanced) nor continue after aborting it: an abort resumes at this `_xbegin` or, when
        // nested, at the outermost one, whose frame encloses this one. So no abort ever resumes in
        // a dead frame.
        let status = unsafe { _xbegin() };
        if status == _XBEGIN_STARTED {
            let guard = imp::EndOnUnwind;
            let result = body();
            core::mem::forget(guard);
            // SAFETY: RTM works (token), and the transaction started above is still running at
            // the level it started at: `body` returned normally, so it neither ended it (see
            // above) nor aborted it (execution would have resumed at an `_xbegin` instead).
            unsafe { _xend() };
            Ok(result)
        } else {
            Err(AbortStatus::from_raw(status))
        }
    }

    /// Aborts the running transaction with code `CODE` (`xabort`; `CODE` must fit in 8 bits, as for
    /// `_xabort`). Outside a transaction it does nothing and returns.
    #[inline(always)]
    pub fn abort<const CODE: u32>(self) {
        // SAFETY: the token proves RTM works; `xabort` outside a transaction is a no-op.
        unsafe { crate::intrinsics::_xabort::<CODE>() }
    }

    /// [`Rtm::abort`] with a code known only at run time (one `xabort` per code, chosen by a jump).
    #[inline]
    pub fn abort_with(self, code: u8) {
        imp::abort_with(code)
    }

    /// Whether a transaction is running (`xtest`).
    #[inline(always)]
    pub fn in_transaction(self) -> bool {
        // SAFETY: the token proves RTM works; `xtest` only reads the transactional state.
        unsafe { crate::intrinsics::_xtest() != 0 }
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl Rtm {
    /// Runs `body` as one hardware transaction (unreachable: no token exists off x86-64).
    pub fn transaction<R>(self, _body: impl FnOnce() -> R) -> Result<R, AbortStatus> {
        match self._proof {}
    }

    /// Aborts the running transaction (unreachable: no token exists off x86-64).
    pub fn abort<const CODE: u32>(self) {
        match self._proof {}
    }

    /// Aborts with a run-time code (unreachable: no token exists off x86-64).
    pub fn abort_with(self, _code: u8) {
        match self._proof {}
    }

    /// Whether a transaction is running (unreachable: no token exists off x86-64).
    pub fn in_transaction(self) -> bool {
        match self._proof {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RTM: TsxFeatures = TsxFeatures {
        rtm: true,
        hle: false,
        rtm_always_abort: false,
        tsx_force_abort: false,
        tsxldtrk: false,
    };

    #[test]
    fn forced_off_wins_over_everything() {
        assert_eq!(refusal(true, &RTM), Some(Unusable::ForcedOff));
        assert_eq!(Rtm::detect_uncached(true).unwrap_err(), Unusable::ForcedOff);
    }

    #[test]
    fn missing_bit_and_always_abort_are_refused_without_executing_xbegin() {
        let always = TsxFeatures {
            rtm_always_abort: true,
            ..RTM
        };
        if cfg!(target_arch = "x86_64") {
            assert_eq!(
                refusal(false, &TsxFeatures::default()),
                Some(Unusable::NoCpuidBit)
            );
            assert_eq!(refusal(false, &always), Some(Unusable::AlwaysAbort));
            assert_eq!(refusal(false, &RTM), None, "the bits allow the proof");
        } else {
            assert_eq!(refusal(false, &RTM), Some(Unusable::NotX86));
        }
    }

    #[test]
    fn uncached_detection_reads_this_cpu() {
        let here = tsx_features();
        match Rtm::detect_uncached(false) {
            Ok(_) => assert_eq!(refusal(false, &here), None),
            Err(Unusable::NeverCommits { .. }) => assert_eq!(refusal(false, &here), None),
            Err(why) => assert_eq!(refusal(false, &here), Some(why)),
        }
    }

    #[test]
    fn reasons_are_explained() {
        for u in [
            Unusable::ForcedOff,
            Unusable::NotX86,
            Unusable::NoCpuidBit,
            Unusable::AlwaysAbort,
            Unusable::NeverCommits {
                attempts: 3,
                last_status: AbortStatus::from_raw(0),
            },
        ] {
            assert!(u.to_string().len() > 10);
            assert!(!u.kind().is_empty());
        }
    }
}
