//! Typed errors of the result files; each names the path (and the CSV line) it is about.

use std::path::PathBuf;

/// Something wrong with a result folder or one of its files.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// The path does not exist or is not a folder.
    #[error("{0}: no such folder")]
    NotAFolder(PathBuf),
    /// The path is a file, not a folder.
    #[error("{0}: a file, not a run folder")]
    NotAFolderButAFile(PathBuf),
    /// The folder has no `meta.json`, so it is not a tmlab run folder.
    #[error("{0}: not a tmlab run folder (no meta.json)")]
    NotARunFolder(PathBuf),
    /// An I/O error on a file. (The error is shown in the message, not as a separate `source`,
    /// so `{:#}` chains do not print it twice.)
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        cause: std::io::Error,
    },
    /// `points.csv` has a header other than the expected one.
    #[error("{path}: line 1: unexpected header {found:?}, expected {expected:?}")]
    Header {
        /// The file.
        path: PathBuf,
        /// The header found.
        found: String,
        /// The header this kind of sweep writes.
        expected: String,
    },
    /// A row of `points.csv` cannot be read.
    #[error("{path}: line {line}: {message}")]
    Row {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A file parses but holds values no run can have written.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Another live process owns the run folder (holds its lock).
    #[error(
        "{dir}: the run is being written by another tmlab process{}; wait for it to finish, or stop it (Ctrl-C) and resume",
        pid.map_or(String::new(), |p| format!(" (pid {p})"))
    )]
    Busy {
        /// The run folder.
        dir: PathBuf,
        /// The owner's process id, as it recorded it.
        pid: Option<u32>,
    },
    /// `meta.json` cannot be parsed.
    #[error("{path}: {cause}")]
    Meta {
        /// The file.
        path: PathBuf,
        /// The parse error (with its line and column).
        cause: serde_json::Error,
    },
}

impl ResultsError {
    /// Wraps an I/O error with its path.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ResultsError {
        let path = path.into();
        move |cause| ResultsError::Io { path, cause }
    }
}
