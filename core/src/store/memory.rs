//! The in-memory store: a commit log, shareable between directory instances in one process.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use super::{Loaded, Store};
use crate::audit::{AuditEvent, AuditQuery};
use crate::domain::Commit;
use crate::Error;

/// Keeps every commit in memory. Clones share the same log, so two directories opened on
/// clones of one `MemoryStore` behave like two processes on one database file.
///
/// ```
/// use rolecall::{Directory, MemoryStore};
/// let store = MemoryStore::new();
/// let a = Directory::open(store.clone()).unwrap();
/// let b = Directory::open(store).unwrap();
/// assert_eq!(a.revision(), b.revision());
/// ```
///
/// Writes through directories on clones are serialised by a shared write lock
/// ([`Store::begin_write`]), as a database file's are: a directory waiting for it longer than
/// [`MemoryStore::LOCK_TIMEOUT`] gets [`Error::Busy`].
#[derive(Default)]
pub struct MemoryStore {
    log: Arc<Mutex<Vec<Commit>>>,
    audit: Arc<Mutex<Vec<AuditEvent>>>,
    writer: Arc<WriteLock>,
    /// This handle holds the write lock.
    holding: bool,
}

/// The write lock shared by clones: whether it is held, and a wake-up for waiters.
#[derive(Default)]
struct WriteLock {
    held: Mutex<bool>,
    freed: Condvar,
}

impl Clone for MemoryStore {
    fn clone(&self) -> Self {
        MemoryStore {
            log: Arc::clone(&self.log),
            audit: Arc::clone(&self.audit),
            writer: Arc::clone(&self.writer),
            holding: false,
        }
    }
}

impl Drop for MemoryStore {
    fn drop(&mut self) {
        let _ = self.end_write();
    }
}

impl MemoryStore {
    /// How long [`Store::begin_write`] waits for another directory's write.
    pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);

    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Vec<Commit>> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store for MemoryStore {
    fn begin_write(&mut self) -> Result<(), Error> {
        if self.holding {
            return Ok(());
        }
        let held = self
            .writer
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (mut held, _) = self
            .writer
            .freed
            .wait_timeout_while(held, Self::LOCK_TIMEOUT, |held| *held)
            .unwrap_or_else(PoisonError::into_inner);
        if *held {
            return Err(Error::Busy);
        }
        *held = true;
        self.holding = true;
        Ok(())
    }

    fn end_write(&mut self) -> Result<(), Error> {
        if std::mem::take(&mut self.holding) {
            *self
                .writer
                .held
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = false;
            self.writer.freed.notify_one();
        }
        Ok(())
    }

    fn load(&mut self) -> Result<Loaded, Error> {
        let log = self.log();
        Ok(Loaded {
            revision: log.last().map_or(0, |c| c.revision),
            changes: log.iter().flat_map(|c| c.changes.iter().cloned()).collect(),
            // The whole history is replayed, so the changes say it all.
            next_ids: Default::default(),
        })
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), Error> {
        let mut log = self.log();
        let current = log.last().map_or(0, |c| c.revision);
        if commit.revision != current + 1 {
            return Err(Error::RevisionConflict {
                stored: current,
                expected: commit.revision - 1,
            });
        }
        let mut c = commit.clone();
        let events = std::mem::take(&mut c.audit);
        log.push(c);
        drop(log);
        self.append_audit(&events)
    }

    fn revision(&mut self) -> Result<u64, Error> {
        Ok(self.log().last().map_or(0, |c| c.revision))
    }

    fn commits_since(&mut self, revision: u64) -> Result<Option<Vec<Commit>>, Error> {
        let log = self.log();
        // Revisions are 1-based and contiguous, so commit r sits at index r - 1.
        let start = usize::try_from(revision)
            .unwrap_or(usize::MAX)
            .min(log.len());
        Ok(Some(log[start..].to_vec()))
    }

    fn append_audit(&mut self, events: &[AuditEvent]) -> Result<(), Error> {
        let mut audit = self.audit.lock().unwrap_or_else(PoisonError::into_inner);
        for e in events {
            let mut e = e.clone();
            e.seq = audit.len() as u64 + 1;
            audit.push(e);
        }
        Ok(())
    }

    fn query_audit(&mut self, query: &AuditQuery) -> Result<(Vec<AuditEvent>, usize), Error> {
        let audit = self.audit.lock().unwrap_or_else(PoisonError::into_inner);
        let matching = audit.iter().filter(|e| query.matches(e));
        let total = matching.clone().count();
        Ok((
            matching
                .skip(query.offset)
                .take(query.limit)
                .cloned()
                .collect(),
            total,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_write_lock() {
        let mut a = MemoryStore::new();
        let mut b = a.clone();
        a.begin_write().unwrap();
        let waiter = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            b.begin_write().unwrap();
            let waited = started.elapsed();
            b.end_write().unwrap();
            waited
        });
        std::thread::sleep(Duration::from_millis(100));
        a.end_write().unwrap();
        assert!(waiter.join().unwrap() >= Duration::from_millis(90));
        // A handle dropped while holding the lock releases it.
        let mut c = a.clone();
        c.begin_write().unwrap();
        drop(c);
        a.begin_write().unwrap();
        a.end_write().unwrap();
    }
}
