//! Read-your-writes across instances: revision tokens, `at_least`, and how fresh this
//! instance is.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{lock, Directory};
use crate::engine::Snapshot;
use crate::Error;

/// The version prefix of revision tokens.
const TOKEN_PREFIX: &str = "rc1";

impl Directory {
    /// A revision token for this instance's current state: take it right after a write, pass
    /// it along (an HTTP header, a message), and [`at_least`](Self::at_least) on any other
    /// instance of the same store returns a snapshot that includes that write.
    ///
    /// The token names the store (a PostgreSQL database and schema) and the revision, as
    /// `rc1.<store>.<revision>`; treat it as opaque.
    ///
    /// # Errors
    /// [`Error::Closed`] after [`close`](Self::close); the store's errors when it has to read
    /// its identity.
    pub fn revision_token(&self) -> Result<String, Error> {
        let id = self.store_id()?;
        Ok(format!("{TOKEN_PREFIX}.{id}.{}", self.revision()))
    }

    /// A snapshot that includes everything the state `token` was taken from included: at once
    /// when this instance is fresh enough, else after catching up from the store, retried until
    /// `timeout` while the store is unreachable.
    ///
    /// # Errors
    /// [`Error::ForeignToken`] for a token of another store (another database or schema), a
    /// malformed one, or one newer than everything the store holds (a store restored from a
    /// backup taken before the token's write); [`Error::Stale`] when `timeout` passed before
    /// this instance could catch up (the store unreachable: retryable); [`Error::Closed`]; the
    /// store's other errors.
    pub fn at_least(&self, token: &str, timeout: Duration) -> Result<Arc<Snapshot>, Error> {
        let wanted = self.token_revision(token)?;
        let deadline = Instant::now() + timeout;
        loop {
            if self.revision() >= wanted {
                return Ok(self.snapshot());
            }
            match self.refresh() {
                Ok(reached) if reached >= wanted => return Ok(self.snapshot()),
                // Caught up with the whole store and still behind: the store never held
                // the token's write.
                Ok(reached) => {
                    return Err(Error::ForeignToken(format!(
                        "the token is at revision {wanted}, the store only at {reached}: it was \
                         taken from a store restored since from an older backup, or from \
                         another store"
                    )))
                }
                Err(Error::Unavailable(_) | Error::Busy) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(Error::Unavailable(_) | Error::Busy) => {
                    return Err(Error::Stale {
                        wanted,
                        reached: self.revision(),
                    })
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// When this instance last confirmed it was up to date with its store (ms since the Unix
    /// epoch, by the system clock, not the directory's): at open, at each change and at each successful
    /// [`refresh`](Self::refresh). While the store is unreachable, checks keep answering from
    /// the snapshot at [`revision`](Self::revision), this old.
    pub fn caught_up_at(&self) -> i64 {
        self.shared.caught_up_at.load(Ordering::Relaxed)
    }

    /// How many times this instance caught up by reloading everything, because the store's
    /// commit log no longer held all it had missed (pruned: see `PostgresOptions::log_keep`),
    /// instead of applying the missed commits one by one.
    pub fn full_reloads(&self) -> u64 {
        self.shared.reloads.load(Ordering::Relaxed)
    }

    /// The store's identity as tokens spell it (`local` for a store without one).
    fn store_id(&self) -> Result<String, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        Ok(lock(&self.shared.store)
            .store_id()?
            .unwrap_or_else(|| "local".into()))
    }

    /// The revision `token` asks for, once it is known to be this store's.
    fn token_revision(&self, token: &str) -> Result<u64, Error> {
        let bad = |why: &str| Error::ForeignToken(format!("{why}: {:?}", truncate(token)));
        let mut parts = token.trim().split('.');
        let (Some(TOKEN_PREFIX), Some(id), Some(revision), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("not a revision token"));
        };
        let revision: u64 = revision.parse().map_err(|_| bad("not a revision token"))?;
        if id != self.store_id()? {
            return Err(bad("the token was taken from another store"));
        }
        Ok(revision)
    }
}

/// At most 80 characters of `s`, for error messages.
fn truncate(s: &str) -> &str {
    s.char_indices().nth(80).map_or(s, |(i, _)| &s[..i])
}

/// Following the store: waiting for other instances' commits, and a thread that applies them.
impl Directory {
    /// Waits until the store holds commits this instance has not applied (another instance
    /// wrote), at most `timeout`; returns whether it does, and then
    /// [`refresh`](Self::refresh) applies them. For hosts that drive catching up themselves
    /// (an event loop that forbids foreign threads); [`follow`](Self::follow) does it on a
    /// thread.
    ///
    /// On a store that announces commits (PostgreSQL with its listener: a notification, or
    /// the listener's poll within `PostgresOptions::poll_interval`) this waits without
    /// touching the store; on others it asks the store every 50 ms.
    ///
    /// # Errors
    /// [`Error::Closed`] after [`close`](Self::close); the store's errors when it is polled
    /// ([`Error::Unavailable`], ...).
    pub fn wait_for_change(&self, timeout: Duration) -> Result<bool, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let known = self.revision();
        if let Some(signal) = &self.shared.changes {
            return Ok(signal.wait_past(known, timeout) > known);
        }
        let deadline = Instant::now() + timeout;
        loop {
            if lock(&self.shared.store).revision()? > known {
                return Ok(true);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
    }

    /// A file descriptor that becomes readable when another instance has committed, for an
    /// event loop (`poll`, `epoll`, `select`) that waits on it instead of a thread:
    /// when it is readable, call [`refresh`](Self::refresh), which applies the commits and
    /// clears the readiness. The loop needs no callback and runs nothing of this library's
    /// while it waits.
    ///
    /// - Level-triggered: it stays readable until a `refresh` succeeds with nothing newer heard
    ///   meanwhile; a `refresh` that fails (the store unreachable) leaves it readable, so back
    ///   off before trying again.
    /// - It may be readable with nothing to apply (this instance's own commit was announced
    ///   too); `refresh` is then one cheap round trip.
    /// - Fed by the PostgreSQL listener thread (the library's, not the host's: it never runs
    ///   host code): a notification, or the listener's poll within
    ///   `PostgresOptions::poll_interval` when a notification was lost.
    /// - The directory owns it: never read, write or close it; it stays valid until the
    ///   directory is dropped. The same descriptor is returned on every call.
    /// - Only for stores that announce commits. A SQLite file shared by processes does not
    ///   (SQLite has no notifications): use [`wait_for_change`](Self::wait_for_change), or
    ///   call `refresh` on a timer.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a store that does not announce commits (SQLite, memory,
    /// PostgreSQL opened with `PostgresOptions::listen` off); [`Error::Storage`] when the
    /// system refuses a descriptor; [`Error::Closed`] after [`close`](Self::close).
    #[cfg(unix)]
    pub fn change_fd(&self) -> Result<std::os::fd::BorrowedFd<'_>, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let Some(signal) = &self.shared.changes else {
            return Err(Error::InvalidArgument {
                what: "change_fd",
                reason: "this store does not announce other instances' commits (SQLite, \
                         memory, or PostgreSQL without its listener): use wait_for_change, or \
                         refresh on a timer"
                    .into(),
            });
        };
        signal
            .fd(self.revision())
            .map_err(|e| Error::Storage(format!("cannot make the change descriptor: {e}")))
    }

    /// Starts a thread that keeps this directory caught up with its store: it waits for other
    /// instances' commits ([`wait_for_change`](Self::wait_for_change)) and applies them
    /// ([`refresh`](Self::refresh)), so that checks see them without the host asking. On
    /// PostgreSQL a commit is applied within milliseconds of its notification, and within
    /// `PostgresOptions::poll_interval` when the notification was lost. While the store is
    /// unreachable it keeps trying; checks answer from the last snapshot meanwhile.
    /// [`open_postgres`](Self::open_postgres) starts it itself.
    ///
    /// The thread holds the directory only weakly: it ends once the directory is dropped or
    /// [`close`](Self::close)d, or at [`Follower::stop`]. Dropping the returned [`Follower`]
    /// leaves the thread running.
    ///
    /// Forking hosts: a thread does not survive `fork()` (nor does the PostgreSQL listener's,
    /// nor a connection shared across it): open the directory in the child, after the fork,
    /// and start following there.
    ///
    /// # Errors
    /// [`Error::Closed`] after [`close`](Self::close); [`Error::Storage`] when the thread
    /// cannot be started.
    pub fn follow(&self) -> Result<Follower, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let weak = Arc::downgrade(&self.shared);
        let signal = self.shared.changes.clone();
        // The directory, for one round, while it still exists.
        let upgrade = move || weak.upgrade().map(|shared| Directory { shared });
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("rolecall-follow".into())
            .spawn(move || loop {
                // Wait holding the directory only weakly, so that dropping it ends the thread.
                let Some(known) = upgrade().map(|d| d.revision()) else {
                    return;
                };
                let moved = match &signal {
                    Some(signal) => signal.wait_past(known, FOLLOW_TICK) > known,
                    None => {
                        std::thread::sleep(FOLLOW_TICK);
                        true
                    }
                };
                if stopped.load(Ordering::Relaxed) {
                    return;
                }
                let Some(d) = upgrade() else { return };
                if d.is_closed() {
                    return;
                }
                if moved && d.refresh().is_err() {
                    // An unreachable store: tried again shortly.
                    drop(d);
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
            .map_err(|e| Error::Storage(format!("cannot start the follower thread: {e}")))?;
        Ok(Follower {
            stop,
            thread: Some(thread),
        })
    }
}

/// How long the follower waits at most before looking again whether it should stop.
const FOLLOW_TICK: Duration = Duration::from_millis(100);

/// The thread [`Directory::follow`] started. Dropping it leaves the thread running (it ends with
/// the directory); [`stop`](Self::stop) ends it.
#[derive(Debug)]
pub struct Follower {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Follower {
    /// Ends the thread and waits for it (about 100 ms at most, plus a catch-up under way).
    /// Called from the follower thread itself, it only asks it to end.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}
