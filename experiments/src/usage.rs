//! Usage errors: a bad option value or a bad combination of options, found after clap parsed the
//! command line. `main` exits with status 2 for them, like clap's own usage errors, so scripts can
//! tell "you asked for something impossible" (2) from "it failed" (1).

use std::fmt;

/// A command line that cannot be run as given. The message names the option(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The exit status of a usage error (clap's).
pub const EXIT_USAGE: u8 = 2;

/// Wraps a message as a usage error for `anyhow`.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}

/// Whether `e` (or any error in its chain) is a usage error.
pub fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<UsageError>())
}
