//! How a store tells directories that another instance committed: the latest revision it has
//! heard of, and a wake-up for whoever waits for it.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The latest revision a store has heard of (a PostgreSQL notification, a poll), shared with the
/// directories on it: [`Directory::wait_for_change`](crate::Directory::wait_for_change) waits on
/// it instead of asking the store again and again.
#[derive(Debug, Default)]
pub struct ChangeSignal {
    latest: Mutex<u64>,
    heard: Condvar,
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
}
