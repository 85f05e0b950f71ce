//! The error of a workload configuration that cannot run.

use core::fmt;

/// A parameter outside its accepted range, named by its command-line flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    /// The flag, for example `--accounts`.
    pub flag: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl Invalid {
    /// An error about `flag`.
    pub fn new(flag: impl Into<String>, message: impl Into<String>) -> Invalid {
        Invalid {
            flag: flag.into(),
            message: message.into(),
        }
    }

    /// Checks `lo <= value <= hi`, naming `flag` and the range when it is not.
    pub fn range<T: PartialOrd + fmt::Display>(
        flag: &str,
        value: T,
        lo: T,
        hi: T,
    ) -> Result<T, Invalid> {
        if value < lo || value > hi {
            Err(Invalid::new(
                flag,
                format!("{value} is out of range: accepted {lo} to {hi}"),
            ))
        } else {
            Ok(value)
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.flag, self.message)
    }
}

impl std::error::Error for Invalid {}
