//! Opening and closing a directory, revisions, snapshots, freshness; garbage collection.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::{PyTraverseError, PyVisit};
use rolecall::{Clock, Directory, Error, MemoryStore, PostgresOptions, PostgresStore};

use crate::credentials::PyManualClock;
use crate::errors::OrRaise;
use crate::records::repr_str;
use crate::snapshot::PySnapshot;

use super::{duration, PyDirectory, Seconds, MAX_SECONDS};

#[pymethods]
impl PyDirectory {
    /// The most users with a password in one `create_users` call (each costs one argon2id
    /// hash).
    #[classattr]
    const MAX_PASSWORDS_PER_CALL: usize = Directory::MAX_PASSWORDS_PER_CALL;

    /// A directory in memory (`path` None) or in the SQLite file at `path` (created when
    /// missing, unless `create` is false). `read_only` opens an existing file for checks and
    /// queries only; `busy_timeout` is how many seconds to wait for another process's lock
    /// (None: the core's default, 5 s). `clock` (a `ManualClock`, for tests) replaces the
    /// system clock.
    #[new]
    #[pyo3(signature = (path = None, *, read_only = false, create = true, busy_timeout = None, clock = None))]
    fn new(
        py: Python<'_>,
        path: Option<PathBuf>,
        read_only: bool,
        create: bool,
        busy_timeout: Option<f64>,
        clock: Option<PyRef<'_, PyManualClock>>,
    ) -> PyResult<Self> {
        let clock = clock.map(|c| Arc::clone(&c.0) as Arc<dyn Clock>);
        match path {
            Some(p) => Self::open_path(py, p, read_only, create, busy_timeout, clock),
            None if read_only || !create || busy_timeout.is_some() => Err(Error::InvalidArgument {
                what: "path",
                reason: "read_only, create and busy_timeout apply to a SQLite file: give a path"
                    .into(),
            })
            .or_raise(),
            None => match clock {
                None => Ok(Self::in_memory()),
                Some(clock) => Directory::open_with_clock(MemoryStore::new(), clock)
                    .map(|d| Self::wrap(d, None))
                    .or_raise(),
            },
        }
    }

    /// Opens (creating it if needed, unless `create` is false) the SQLite directory at `path`.
    #[staticmethod]
    #[pyo3(signature = (path, *, read_only = false, create = true, busy_timeout = None, clock = None))]
    fn open(
        py: Python<'_>,
        path: PathBuf,
        read_only: bool,
        create: bool,
        busy_timeout: Option<f64>,
        clock: Option<PyRef<'_, PyManualClock>>,
    ) -> PyResult<Self> {
        let clock = clock.map(|c| Arc::clone(&c.0) as Arc<dyn Clock>);
        Self::open_path(py, path, read_only, create, busy_timeout, clock)
    }

    /// Opens the directory stored in a PostgreSQL database, shared by every host that opens
    /// the same database and schema (`dsn`: a libpq-style connection string,
    /// `"host=... user=... dbname=..."`, or a `postgresql://` URL; `sslmode=require` for TLS).
    /// Creates or migrates the store's tables in `schema` (default `"rolecall"`).
    ///
    /// Durations are seconds (int or float) or `datetime.timedelta`; None keeps the core's
    /// default: `lock_timeout` (5 s: how long a change waits for another host's write),
    /// `connect_timeout` (5 s, unless the DSN says), `log_max_age` (7 days), `poll_interval`
    /// (1 s: how soon a missed notification is made up for). `log_keep` (10,000) is how many
    /// commits the log keeps for incremental catch-up. `listen=False` starts no listener thread
    /// (`wait_for_change` then polls). `tls_ca_pem` adds a trusted root certificate (PEM).
    /// `clock` (a `ManualClock`, for tests) replaces the system clock.
    ///
    /// The directory follows the store from the start (`follow=True`): a library-owned thread
    /// applies other hosts' commits as they are announced, so that checks see them without
    /// calling `refresh()`. `follow=False` leaves catching up to the host (`wait_for_change`
    /// then `refresh`, or `follow()` later); forking servers open with `follow=False` before
    /// the fork, or simply open in each worker.
    ///
    /// Raises `InvalidInputError` for a malformed DSN or option, `UnavailableError` when the
    /// server cannot be reached, `StorageError` when it refuses or for a schema written by a
    /// newer version (kind `"schema_too_new"`), `BusyError` when another host holds the
    /// migration lock too long.
    #[staticmethod]
    #[pyo3(
        signature = (dsn, *, schema = None, lock_timeout = None, connect_timeout = None, log_keep = None, log_max_age = None, poll_interval = None, listen = true, tls_ca_pem = None, follow = true, clock = None),
        text_signature = "(dsn, *, schema=None, lock_timeout=None, connect_timeout=None, log_keep=None, log_max_age=None, poll_interval=None, listen=True, tls_ca_pem=None, follow=True, clock=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn open_postgres(
        py: Python<'_>,
        dsn: String,
        schema: Option<String>,
        lock_timeout: Option<Seconds>,
        connect_timeout: Option<Seconds>,
        log_keep: Option<u64>,
        log_max_age: Option<Seconds>,
        poll_interval: Option<Seconds>,
        listen: bool,
        tls_ca_pem: Option<String>,
        follow: bool,
        clock: Option<PyRef<'_, PyManualClock>>,
    ) -> PyResult<Self> {
        let clock = clock.map(|c| Arc::clone(&c.0) as Arc<dyn Clock>);
        let d = PostgresOptions::default();
        let opts = PostgresOptions {
            schema: schema.unwrap_or(d.schema),
            lock_timeout: match lock_timeout {
                Some(s) => duration("lock_timeout", s, MAX_SECONDS)?,
                None => d.lock_timeout,
            },
            connect_timeout: match connect_timeout {
                Some(s) => duration("connect_timeout", s, MAX_SECONDS)?,
                None => d.connect_timeout,
            },
            log_keep: log_keep.unwrap_or(d.log_keep),
            log_max_age: match log_max_age {
                Some(s) => duration("log_max_age", s, 100.0 * MAX_SECONDS)?,
                None => d.log_max_age,
            },
            poll_interval: match poll_interval {
                Some(s) => duration("poll_interval", s, MAX_SECONDS)?,
                None => d.poll_interval,
            },
            listen,
            tls_ca_pem,
            ..PostgresOptions::default()
        };
        let dir = py
            .detach(move || {
                let store = PostgresStore::open_with(&dsn, &opts)?;
                let dir = match clock {
                    Some(clock) => Directory::open_with_clock(store, clock)?,
                    None => Directory::open(store)?,
                };
                if follow {
                    dir.follow()?;
                }
                Ok::<_, rolecall::Error>(dir)
            })
            .or_raise()?;
        Ok(Self::wrap(dir, None))
    }

    /// An empty directory kept in memory only.
    #[staticmethod]
    fn in_memory() -> Self {
        Self::wrap(Directory::in_memory(), None)
    }

    /// The SQLite file this directory was opened on, or None in memory.
    #[getter]
    fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The revision of the last change applied (each successful mutation adds one).
    #[getter]
    fn revision(&self) -> PyResult<u64> {
        Ok(self.d()?.revision())
    }

    /// The current compiled snapshot: an immutable view for many checks at one revision.
    fn snapshot(&self) -> PyResult<PySnapshot> {
        Ok(PySnapshot(self.d()?.snapshot()))
    }

    /// Applies changes committed to the same file by other processes; returns the revision now
    /// reflected. Changes made through this instance never need it.
    fn refresh(&self, py: Python<'_>) -> PyResult<u64> {
        self.write(py, |d| d.refresh())
    }

    /// A revision token for this instance's current state (`"rc1.<store>.<revision>"`,
    /// opaque): take it right after a write, pass it along (an HTTP header, a message), and
    /// `at_least(token, timeout)` on any other instance of the same store returns a snapshot
    /// that includes that write.
    fn revision_token(&self, py: Python<'_>) -> PyResult<String> {
        let dir = self.d()?;
        py.detach(|| dir.revision_token()).or_raise()
    }

    /// A snapshot that includes everything the state `token` was taken from included: at once
    /// when this instance is fresh enough, else after catching up from the store, retried
    /// until `timeout` (seconds, or a `datetime.timedelta`) while the store is unreachable.
    /// Runs without the GIL.
    ///
    /// Raises `StaleError` (retryable; `wanted` and `reached` revisions) when the timeout
    /// passed first, `ForeignTokenError` for a token of another store (another database or
    /// schema), a malformed one, or one newer than everything the store holds.
    fn at_least(&self, py: Python<'_>, token: &str, timeout: Seconds) -> PyResult<PySnapshot> {
        let timeout = duration("timeout", timeout, MAX_SECONDS)?;
        let dir = self.d()?;
        py.detach(|| dir.at_least(token, timeout))
            .map(PySnapshot)
            .or_raise()
    }

    /// When this instance last confirmed it was up to date with its store, in ms since the
    /// Unix epoch (system clock): at open, at each change and each successful `refresh`.
    #[getter]
    fn caught_up_at(&self) -> PyResult<i64> {
        Ok(self.d()?.caught_up_at())
    }

    /// How many times this instance caught up by reloading everything (the store's commit log
    /// no longer held all it had missed) instead of applying the missed commits one by one.
    #[getter]
    fn full_reloads(&self) -> PyResult<u64> {
        Ok(self.d()?.full_reloads())
    }

    /// Waits (without the GIL) until the store holds commits of other instances this one has
    /// not applied, at most `timeout` (seconds, or a `datetime.timedelta`); returns whether it
    /// does; `refresh()` then applies them. For hosts that drive catching up themselves;
    /// `follow()` does it on a thread.
    fn wait_for_change(&self, py: Python<'_>, timeout: Seconds) -> PyResult<bool> {
        let timeout = duration("timeout", timeout, MAX_SECONDS)?;
        let dir = self.d()?;
        py.detach(|| dir.wait_for_change(timeout)).or_raise()
    }

    /// A file descriptor (an int) that becomes readable when another instance has committed,
    /// for an event loop: `asyncio.get_running_loop().add_reader(d.change_fd(), d.refresh)`,
    /// or `select`/`selectors`. `refresh()` applies the commits and clears it. Level-triggered:
    /// readable until a `refresh()` succeeds (a failed one leaves it readable: back off); may
    /// be readable with nothing to apply (this instance's own commit). The directory owns it:
    /// never read or close it. Only PostgreSQL with its listener has one: `InvalidInputError`
    /// otherwise (a SQLite file: `wait_for_change()`, or `refresh()` on a timer).
    fn change_fd(&self) -> PyResult<i32> {
        use std::os::fd::AsRawFd;
        Ok(self.d()?.change_fd().or_raise()?.as_raw_fd())
    }

    /// Starts a library-owned thread (no Python code runs on it) that keeps this directory
    /// caught up with its store: other instances' commits are applied within milliseconds of
    /// their notification, so that checks see them without calling `refresh()`. The thread
    /// ends once the directory is closed or garbage-collected. Forking servers (gunicorn
    /// with preload): call it in each worker, after the fork.
    fn follow(&self) -> PyResult<()> {
        self.d()?;
        Directory::follow(&self.inner).map(drop).or_raise()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let path = match &self.path {
            Some(p) => repr_str(py, p)?,
            None => "None".to_owned(),
        };
        Ok(if self.inner.is_closed() {
            format!("Directory(path={path}, closed=True)")
        } else {
            format!("Directory(path={path}, revision={})", self.inner.revision())
        })
    }

    /// Closes the directory: releases its SQLite file (the same process may open it again at
    /// once) and its memory. Idempotent. Every later call on it raises `StorageError` of kind
    /// `"closed"` (except `close`, `closed`, `path`, `drain_notifications` and `repr`);
    /// snapshots taken before stay readable. `with Directory(path) as d:` closes
    /// on leaving the block.
    fn close(&self, py: Python<'_>) {
        let dir = &*self.inner;
        py.detach(|| dir.close());
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the directory; an exception raised in the block propagates.
    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Ok(cb) = self.notifier.callback.try_lock() {
            if let Some(cb) = &*cb {
                visit.call(cb)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        if let Ok(mut cb) = self.notifier.callback.try_lock() {
            *cb = None;
        }
    }
}
