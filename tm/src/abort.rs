//! Why attempts abort: one taxonomy shared by hardware and software TM.

use core::fmt;

/// The cause of one aborted attempt.
///
/// Hardware causes come from decoding the RTM status in EAX; software causes are raised by the STM
/// barriers. A status with several bits set is classified once, by the precedence documented on
/// the `htm` crate's status decoder, so every abort is counted under exactly one cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum AbortCause {
    /// Another thread accessed a line (HTM) of the read or write set.
    Conflict,
    /// The read or write set overflowed what the hardware can track.
    Capacity,
    /// The transaction aborted itself: `xabort` with a user code, or [`Abort::user`] in software.
    /// The codes are counted in [`ThreadStats::explicit_codes`](crate::ThreadStats::explicit_codes).
    Explicit,
    /// The fallback lock was found held inside a hardware attempt (an internal explicit abort).
    LockBusy,
    /// Only the RETRY bit was set: the hardware suggests the attempt may succeed if retried.
    RetryOnly,
    /// An abort inside a nested transaction (RTM's NESTED status bit), or, in lock elision, an
    /// abort raised by a critical section nested in the attempt.
    Nested,
    /// A debug breakpoint was hit.
    Debug,
    /// Status 0: no bit set. Interrupts, page faults, system calls, CPUID, VM exits and other
    /// asynchronous events. Usually dominant for long hardware transactions.
    Status0,
    /// Software: a read found its location changed since the snapshot (validation failure).
    ReadValidation,
    /// Software: a read found its location locked by a committing writer.
    LockedAtRead,
    /// Software: the commit could not acquire a lock of its write set.
    LockedAtCommit,
}

impl AbortCause {
    /// Number of causes.
    pub const COUNT: usize = 11;

    /// Every cause, in declaration order (the order of [`ThreadStats::aborts`](crate::ThreadStats::aborts)).
    pub const ALL: [AbortCause; Self::COUNT] = [
        AbortCause::Conflict,
        AbortCause::Capacity,
        AbortCause::Explicit,
        AbortCause::LockBusy,
        AbortCause::RetryOnly,
        AbortCause::Nested,
        AbortCause::Debug,
        AbortCause::Status0,
        AbortCause::ReadValidation,
        AbortCause::LockedAtRead,
        AbortCause::LockedAtCommit,
    ];

    /// A stable `snake_case` name, used for column names in result files.
    pub const fn name(self) -> &'static str {
        match self {
            AbortCause::Conflict => "conflict",
            AbortCause::Capacity => "capacity",
            AbortCause::Explicit => "explicit",
            AbortCause::LockBusy => "lock_busy",
            AbortCause::RetryOnly => "retry_only",
            AbortCause::Nested => "nested",
            AbortCause::Debug => "debug",
            AbortCause::Status0 => "status0",
            AbortCause::ReadValidation => "read_validation",
            AbortCause::LockedAtRead => "locked_at_read",
            AbortCause::LockedAtCommit => "locked_at_commit",
        }
    }

    /// The cause with the given [`name`](AbortCause::name).
    pub fn from_name(name: &str) -> Option<AbortCause> {
        AbortCause::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the cause is reported by hardware (decoded from an RTM status).
    pub const fn is_hardware(self) -> bool {
        (self as u8) <= (AbortCause::Status0 as u8)
    }

    /// Index into per-cause arrays.
    #[inline]
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for AbortCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The largest code a user abort may carry. Codes above it are reserved for backends (the fallback
/// lock's lock-busy abort uses `0xff`, as glibc does), so a user code can never be mistaken for one.
pub const MAX_USER_CODE: u8 = 0x7f;

/// Why a transactional closure stopped early.
///
/// Barriers return it when the attempt is doomed (`Err` propagates with `?` and the backend retries);
/// the closure returns [`Abort::user`] to cancel the transaction instead.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Abort {
    cause: AbortCause,
    code: u8,
}

impl Abort {
    /// A user-requested abort: the transaction is rolled back and not retried, and
    /// [`Handle::atomically`](crate::Handle::atomically) returns [`UserAbort`] with `code`.
    ///
    /// # Panics
    /// If `code` exceeds [`MAX_USER_CODE`] (in a `const` context, at compile time).
    #[inline]
    pub const fn user(code: u8) -> Abort {
        assert!(
            code <= MAX_USER_CODE,
            "user abort codes are 0..=0x7f; higher ones are reserved"
        );
        Abort {
            cause: AbortCause::Explicit,
            code,
        }
    }

    /// A backend-raised abort of the current attempt, which the backend will retry.
    ///
    /// # Panics
    /// If `cause` is [`AbortCause::Explicit`]: that cause belongs to [`Abort::user`].
    #[inline]
    pub const fn retry(cause: AbortCause) -> Abort {
        assert!(
            !matches!(cause, AbortCause::Explicit),
            "use Abort::user for explicit aborts"
        );
        Abort { cause, code: 0 }
    }

    /// The cause of the abort.
    #[inline]
    pub const fn cause(self) -> AbortCause {
        self.cause
    }

    /// The user code, if this is a user abort.
    #[inline]
    pub const fn user_code(self) -> Option<u8> {
        match self.cause {
            AbortCause::Explicit => Some(self.code),
            _ => None,
        }
    }
}

/// A transaction cancelled by its closure with [`Abort::user`]; none of its writes took effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserAbort {
    /// The code the closure passed to [`Abort::user`].
    pub code: u8,
}

impl fmt::Display for UserAbort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "transaction cancelled by user abort 0x{:02x}", self.code)
    }
}

impl std::error::Error for UserAbort {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for (i, c) in AbortCause::ALL.into_iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(AbortCause::from_name(c.name()), Some(c));
        }
        let mut names: Vec<_> = AbortCause::ALL.iter().map(|c| c.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), AbortCause::COUNT);
    }

    #[test]
    fn hardware_and_software_causes_are_split() {
        assert!(AbortCause::Status0.is_hardware());
        assert!(AbortCause::Conflict.is_hardware());
        assert!(!AbortCause::ReadValidation.is_hardware());
        assert!(!AbortCause::LockedAtCommit.is_hardware());
    }

    #[test]
    fn user_abort_keeps_its_code() {
        let a = Abort::user(0x42);
        assert_eq!(a.cause(), AbortCause::Explicit);
        assert_eq!(a.user_code(), Some(0x42));
        assert_eq!(Abort::retry(AbortCause::Conflict).user_code(), None);
    }

    #[test]
    #[should_panic(expected = "reserved")]
    fn reserved_user_codes_are_refused() {
        let _ = Abort::user(0xff);
    }

    #[test]
    #[should_panic(expected = "Abort::user")]
    fn retry_cannot_be_explicit() {
        let _ = Abort::retry(AbortCause::Explicit);
    }
}
