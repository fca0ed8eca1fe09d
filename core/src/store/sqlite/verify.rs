//! SQLite's own check of a file's structure (`PRAGMA quick_check`: every b-tree page is walked
//! once, so two tables sharing a page, a page out of range or a malformed cell are found), run
//! on a connection of its own beside the open.
//!
//! Reading the rows validates each of them, but not the pages under them: a file whose tables
//! share a page can load cleanly, and a write would then damage the other table's rows. The
//! check takes about as long as reading the file, so it runs in the background: the first
//! check of the directory does not wait for it, the first change does, and a file that fails
//! it takes no change ([`Error::Corrupt`]) while its loaded state keeps answering.

use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, InterruptHandle, OpenFlags};

use super::storage;
use crate::Error;

/// The structural check of one open file.
pub(super) struct Verification(State);

enum State {
    Running {
        handle: JoinHandle<Result<(), Error>>,
        interrupt: InterruptHandle,
    },
    Done(Result<(), Error>),
}

impl Verification {
    /// Nothing to check (a new or in-memory file, or a read-only store, which writes nothing).
    pub(super) fn skipped() -> Self {
        Verification(State::Done(Ok(())))
    }

    /// Checks the file at `path` now, before a schema migration writes to it.
    pub(super) fn now(path: &Path, name: &str, busy: Duration) -> Self {
        Verification(State::Done(
            connect(path, busy).map_or(Ok(()), |conn| quick_check(&conn, name)),
        ))
    }

    /// Starts checking the file at `path` on a thread of its own.
    pub(super) fn start(path: &Path, name: &str, busy: Duration) -> Self {
        let Some(conn) = connect(path, busy) else {
            return Self::skipped();
        };
        let interrupt = conn.get_interrupt_handle();
        let owned = name.to_owned();
        match std::thread::Builder::new()
            .name("rolecall-sqlite-check".into())
            .spawn(move || quick_check(&conn, &owned))
        {
            Ok(handle) => Verification(State::Running { handle, interrupt }),
            // No thread to spare: check now.
            Err(_) => Self::now(path, name, busy),
        }
    }

    /// The check's outcome, waiting for it when it still runs.
    pub(super) fn outcome(&mut self) -> Result<(), Error> {
        let r = match std::mem::replace(&mut self.0, State::Done(Ok(()))) {
            // A check thread that panicked found nothing.
            State::Running { handle, .. } => handle.join().unwrap_or(Ok(())),
            State::Done(r) => r,
        };
        self.0 = State::Done(r.clone());
        r
    }
}

impl Drop for Verification {
    fn drop(&mut self) {
        // A store closed before its check ends stops it rather than wait for it.
        if let State::Running { interrupt, .. } = &self.0 {
            interrupt.interrupt();
            let _ = self.outcome();
        }
    }
}

/// A read-only connection for the check; `None` when none can be opened (no evidence either).
fn connect(path: &Path, busy: Duration) -> Option<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).ok()?;
    conn.busy_timeout(busy).ok()?;
    Some(conn)
}

/// `Err` only for damage found: a check that could not run (the file busy past the timeout, an
/// I/O error) is no evidence against the file, and its writes report their own errors.
fn quick_check(conn: &Connection, name: &str) -> Result<(), Error> {
    let first: String = match conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0)) {
        Ok(first) => first,
        Err(e) => {
            return match storage(name, e) {
                e @ (Error::Corrupt(_) | Error::NotADatabase { .. }) => Err(e),
                _ => Ok(()),
            }
        }
    };
    if first == "ok" {
        Ok(())
    } else {
        let found = first
            .lines()
            .filter(|l| !l.starts_with("***"))
            .collect::<Vec<_>>()
            .join("; ");
        Err(Error::Corrupt(format!(
            "{name}: SQLite's check of the file's pages (PRAGMA quick_check) found: {found}; \
             the loaded state answers, but the file takes no change until it is restored \
             from a backup"
        )))
    }
}
