//! How a store tells directories that another instance committed: the latest revision it has
//! heard of, and a wake-up for whoever waits for it (a thread, or an event loop polling a file
//! descriptor).

#[cfg(unix)]
use std::io::{Read, Write};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
#[cfg(unix)]
use std::sync::OnceLock;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The latest revision a store has heard of (a PostgreSQL notification, a poll), shared with the
/// directories on it: [`Directory::wait_for_change`](crate::Directory::wait_for_change) waits on
/// it instead of asking the store again and again, and
/// [`Directory::change_fd`](crate::Directory::change_fd) turns it into a file descriptor that an
/// event loop polls.
#[derive(Debug, Default)]
pub struct ChangeSignal {
    latest: Mutex<u64>,
    heard: Condvar,
    /// A connected socket pair, made on first request: (the end the host polls, the end news
    /// is written to). Readable while a byte is pending.
    #[cfg(unix)]
    ready: OnceLock<(UnixStream, UnixStream)>,
}

impl ChangeSignal {
    /// A signal that has heard of nothing yet.
    pub fn new() -> ChangeSignal {
        ChangeSignal::default()
    }

    /// Records that the store is at `revision` (or later), waking the waiters when that is news.
    pub fn publish(&self, revision: u64) {
        let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        if revision > *latest {
            *latest = revision;
            self.heard.notify_all();
            drop(latest);
            self.wake_fd();
        }
    }

    /// The latest revision heard of.
    pub fn latest(&self) -> u64 {
        *self.latest.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until a revision past `known` is heard of, at most `timeout`; returns the latest
    /// revision heard of (past `known` when something changed).
    pub fn wait_past(&self, known: u64, timeout: Duration) -> u64 {
        let deadline = Instant::now() + timeout;
        let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        while *latest <= known {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            latest = self
                .heard
                .wait_timeout(latest, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *latest
    }

    /// A file descriptor that becomes readable when news is published (made on the first call;
    /// the same one afterwards, owned by the signal). Readable at once when a revision past
    /// `applied` was already heard of. [`drain_fd`](Self::drain_fd) makes it unreadable again.
    ///
    /// # Errors
    /// The system's, when the descriptor cannot be made.
    #[cfg(unix)]
    pub fn fd(&self, applied: u64) -> std::io::Result<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        if self.ready.get().is_none() {
            let (read, write) = UnixStream::pair()?;
            read.set_nonblocking(true)?;
            write.set_nonblocking(true)?;
            // Another thread may have won the race: its pair is kept, this one closed.
            let _ = self.ready.set((read, write));
        }
        let (read, _) = self.ready.get().ok_or(std::io::ErrorKind::Other)?;
        self.rearm_fd(applied);
        Ok(read.as_fd())
    }

    /// Makes the descriptor of [`fd`](Self::fd) unreadable (no-op when none was made). Call it
    /// before catching up, then [`rearm_fd`](Self::rearm_fd) after: news published meanwhile
    /// is never lost.
    pub fn drain_fd(&self) {
        #[cfg(unix)]
        if let Some((read, _)) = self.ready.get() {
            let mut buf = [0u8; 64];
            // Until it would block (or fails: nothing more to read either way).
            while matches!((&*read).read(&mut buf), Ok(n) if n > 0) {}
        }
    }

    /// Makes the descriptor readable again when a revision past `applied` was heard of (a
    /// catch-up that failed, or that news outran).
    pub fn rearm_fd(&self, applied: u64) {
        if self.latest() > applied {
            self.wake_fd();
        }
    }

    fn wake_fd(&self) {
        #[cfg(unix)]
        if let Some((_, write)) = self.ready.get() {
            // A full socket buffer (would block) leaves it readable anyway.
            let _ = (&*write).write(&[1]);
        }
    }
}
