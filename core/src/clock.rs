//! Time, injectable so that tests control it.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

/// Something to call when a clock's time is set.
pub type ClockListener = dyn Fn() + Send + Sync;

/// A source of the current time in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    /// Now, in ms since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// Asks to call `listener` after every change of the time, and says whether the clock
    /// will. A clock that moves only when told to ([`ManualClock`]) does, so that a directory
    /// on it ends time-bound grants the moment a test moves time past their end; a clock that
    /// moves by itself does not (the default), and the directory keeps a timer instead.
    fn subscribe(&self, listener: Weak<ClockListener>) -> bool {
        let _ = listener;
        false
    }
}

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that moves only when told to (for tests and simulations). Directories on it are
/// told when it moves: a time-bound grant ends at once when the time passes its end, with no
/// sleep.
///
/// ```
/// use std::sync::Arc;
/// use rolecall::{Directory, ManualClock};
/// let clock = Arc::new(ManualClock::new(1_000));
/// let dir = Directory::open_with_clock(rolecall::MemoryStore::new(), clock.clone()).unwrap();
/// # drop(dir);
/// clock.advance(60_000); // grants that ended meanwhile end now
/// ```
#[derive(Default)]
pub struct ManualClock {
    now: AtomicI64,
    listeners: Mutex<Vec<Weak<ClockListener>>>,
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ManualClock").field(&self.now()).finish()
    }
}

impl ManualClock {
    /// A clock reading `now_ms`.
    pub fn new(now_ms: i64) -> Self {
        ManualClock {
            now: AtomicI64::new(now_ms),
            listeners: Mutex::new(Vec::new()),
        }
    }

    /// Sets the time.
    pub fn set(&self, now_ms: i64) {
        self.now.store(now_ms, Ordering::SeqCst);
        self.tell();
    }

    /// The time it reads.
    pub fn now(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    /// Moves the time forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
        self.tell();
    }

    /// Calls the listeners still alive (outside the lock: a listener may read the clock).
    fn tell(&self) {
        let alive: Vec<Arc<ClockListener>> = {
            let mut l = self
                .listeners
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            l.retain(|w| w.strong_count() > 0);
            l.iter().filter_map(Weak::upgrade).collect()
        };
        for f in alive {
            f();
        }
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    fn subscribe(&self, listener: Weak<ClockListener>) -> bool {
        self.listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(listener);
        true
    }
}
