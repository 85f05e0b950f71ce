//! Run-folder ownership: one writer at a time, and a way to tell a live run from a killed one.
//!
//! The process that writes a run folder (a new sweep, or `--resume`) holds an exclusive advisory
//! lock, `flock(2)` with `LOCK_EX`, on `DIR/.lock` for as long as it runs: the lock belongs to the
//! open file, which [`OwnerLock`] keeps open, so the kernel releases it when the process ends in
//! any way, `kill -9` included. Once it has checked the folder and really takes it over, the owner
//! writes its pid into the file for messages ([`OwnerLock::record_pid`]; a writer that is refused
//! after taking the lock, for example because the rows do not belong to the run, leaves the file
//! as it was). Then:
//!
//! - a second writer's `flock(LOCK_EX | LOCK_NB)` fails with `EWOULDBLOCK`, and it is refused
//!   ([`ResultsError::Busy`]) before it reads or writes anything;
//! - a reader ([`RunFolder::owner`]) tries a shared lock without waiting: if it gets one (and
//!   releases it at once), nobody owns the folder, so a `meta.json` that still says `running`
//!   belongs to a process that was killed.
//!
//! A reader's shared lock lasts microseconds, but an [`RunFolder::acquire`] that happens to run
//! at that instant would see `EWOULDBLOCK`; it therefore retries for 100 ms before refusing. The
//! lock is advisory: it binds tmlab processes, not other programs. `flock` works on local file
//! systems and, on Linux 2.6.12 and later, on NFS (where it is emulated with byte-range locks).
//! Folders written by older tmlab versions have no `.lock` and read as unowned.

use super::{ResultsError, RunFolder};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::time::Duration;

/// File name of the lock inside a run folder.
pub const LOCK_FILE: &str = ".lock";

/// Ownership of a run folder, held until dropped (or until the process ends).
#[derive(Debug)]
pub struct OwnerLock {
    /// The locked file; the lock lives as long as this open file description.
    file: File,
    path: PathBuf,
}

impl OwnerLock {
    /// Writes this process's id into the lock file, for the messages of refused writers.
    pub fn record_pid(&mut self) -> Result<(), ResultsError> {
        self.file
            .set_len(0)
            .and_then(|()| writeln!(self.file, "{}", std::process::id()))
            .and_then(|()| self.file.sync_data())
            .map_err(ResultsError::io(&self.path))
    }
}

/// Who owns a run folder, as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// No live process holds the lock (or the folder has none).
    Nobody,
    /// A live process holds it; `pid` as it recorded it.
    Live {
        /// The owner's process id.
        pid: Option<u32>,
    },
}

/// `flock(fd, op)`, retrying on `EINTR`. `Ok(false)` when a non-blocking request would block.
fn flock(file: &File, op: libc::c_int) -> std::io::Result<bool> {
    loop {
        // SAFETY: `flock` only reads its arguments; the descriptor is open for the duration of
        // the call because `file` is borrowed.
        if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) => return Ok(false),
            _ => return Err(e),
        }
    }
}

fn recorded_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

impl RunFolder {
    /// `DIR/.lock`.
    pub fn lock_file(&self) -> PathBuf {
        self.dir.join(LOCK_FILE)
    }

    /// Takes ownership of the folder for this process (creating `.lock` if needed), or fails with
    /// [`ResultsError::Busy`] when a live process owns it. Call before reading anything that the
    /// owner may still be writing.
    pub fn acquire(&self) -> Result<OwnerLock, ResultsError> {
        let path = self.lock_file();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(ResultsError::io(&path))?;
        let mut tries = 0;
        while !flock(&file, libc::LOCK_EX | libc::LOCK_NB).map_err(ResultsError::io(&path))? {
            tries += 1;
            if tries == 10 {
                return Err(ResultsError::Busy {
                    dir: self.dir.clone(),
                    pid: recorded_pid(&mut file),
                });
            }
            // A reader's probe holds a shared lock for microseconds; a live owner, for the run.
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(OwnerLock { file, path })
    }

    /// Whether a live process owns the folder. Takes no lock beyond a momentary shared one, and
    /// writes nothing (works on read-only folders).
    pub fn owner(&self) -> Result<Owner, ResultsError> {
        let path = self.lock_file();
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Owner::Nobody),
            Err(e) => return Err(ResultsError::io(&path)(e)),
        };
        if flock(&file, libc::LOCK_SH | libc::LOCK_NB).map_err(ResultsError::io(&path))? {
            // Released when `file` is closed at the end of this function.
            Ok(Owner::Nobody)
        } else {
            Ok(Owner::Live {
                pid: recorded_pid(&mut file),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_owner_at_a_time_and_released_on_drop() {
        let dir = std::env::temp_dir().join(format!("tmlab-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let run = RunFolder::new(&dir);
        assert_eq!(run.owner().unwrap(), Owner::Nobody, "no .lock yet");
        let mut held = run.acquire().unwrap();
        held.record_pid().unwrap();
        let me = Some(std::process::id());
        // flock locks belong to open file descriptions, so a second open in this process
        // conflicts like another process would.
        assert_eq!(run.owner().unwrap(), Owner::Live { pid: me });
        match run.acquire() {
            Err(ResultsError::Busy { pid, .. }) => assert_eq!(pid, me),
            other => panic!("second owner not refused: {other:?}"),
        }
        assert!(run.lock_file().ends_with(".lock"));
        drop(held);
        assert_eq!(run.owner().unwrap(), Owner::Nobody);
        let again = run.acquire().unwrap();
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
