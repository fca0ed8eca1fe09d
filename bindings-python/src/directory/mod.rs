//! `Directory`: the whole core API, method for method. Arguments are converted first; every
//! mutation (and opening a file) then runs with the GIL released; checks keep it (they take
//! nanoseconds and never lock).
//!
//! Core input structs are built with `..Default::default()` even when every field is given, so
//! that a field the core adds later (with its default) does not break this crate.
#![allow(clippy::needless_update)]

mod agreements;
mod audit;
mod checks;
mod credentials;
mod groups;
mod open;
mod roles;
mod scopes;
mod simulate;
mod sod;
mod tenants;
mod timed;
mod transfer;
mod users;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;
use rolecall::{Clock, Directory, Error, Notification, SqliteOptions, SqliteStore, SystemClock};

use crate::credentials::PyNotification;
use crate::errors::OrRaise;

/// An optional text field of `update_user` (`phone`, `external_id`): absent (unchanged), None
/// (removed) or a new value.
pub(crate) enum PhoneArg {
    Unchanged,
    Remove,
    Set(String),
}

impl<'a, 'py> FromPyObject<'a, 'py> for PhoneArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(PhoneArg::Remove);
        }
        Ok(PhoneArg::Set(obj.extract()?))
    }
}

/// The authorization directory: users, roles, user groups, call groups / IVRs and agreements of
/// every tenant, and the lock-free check engine compiled from them.
///
/// `Directory()` or `Directory.in_memory()` keeps everything in memory; `Directory(path)` or
/// `Directory.open(path)` opens (creating it if needed) a SQLite file. Share one instance
/// between threads: checks never wait, changes are serialised, each one atomic and visible to
/// the very next check. Every mutation names the acting user and either commits or raises a
/// `RolecallError` having changed nothing.
#[pyclass(frozen, module = "rolecall", name = "Directory")]
pub struct PyDirectory {
    inner: Arc<Directory>,
    path: Option<String>,
    notifier: Notifier,
}

/// Delivery of notifications to a Python callback (`on_notification`).
///
/// The core calls its callback inside its write lock, on the thread making the change, with
/// the GIL released. Calling Python there could deadlock (a callback that touches the
/// directory waits for the lock its own thread holds; a thread waiting for the GIL while
/// holding the lock blocks every writer). So the core's callback only queues the notification
/// here, and the binding calls the Python callback after the core returns: outside every core
/// lock, with the GIL held, free to call the directory again.
#[derive(Default)]
struct Notifier {
    queue: Arc<Mutex<VecDeque<Notification>>>,
    callback: Mutex<Option<Py<PyAny>>>,
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl PyDirectory {
    fn wrap(dir: Directory, path: Option<String>) -> Self {
        let notifier = Notifier::default();
        let queue = Arc::clone(&notifier.queue);
        // Runs under the core's write lock without the GIL: only queue.
        dir.on_notification(move |n| locked(&queue).push_back(n.clone()));
        PyDirectory {
            inner: Arc::new(dir),
            path,
            notifier,
        }
    }

    /// Calls the Python callback for every queued notification (none queued: nothing to do).
    /// An exception raised by the callback is reported through `sys.unraisablehook`: the change
    /// that produced the notification is already committed.
    fn dispatch(&self, py: Python<'_>) {
        let pending: Vec<Notification> = {
            let mut q = locked(&self.notifier.queue);
            if q.is_empty() {
                return;
            }
            q.drain(..).collect()
        };
        let Some(cb) = locked(&self.notifier.callback)
            .as_ref()
            .map(|c| c.clone_ref(py))
        else {
            return;
        };
        for n in pending.into_iter().filter_map(PyNotification::new) {
            let result = Bound::new(py, n).and_then(|n| cb.call1(py, (n,)));
            if let Err(e) = result {
                e.write_unraisable(py, Some(cb.bind(py)));
            }
        }
    }
}

/// The core's SQLite options; `busy_timeout` None keeps the core's default.
fn sqlite_options(
    read_only: bool,
    create: bool,
    busy_timeout: Option<f64>,
) -> PyResult<SqliteOptions> {
    let defaults = SqliteOptions::default();
    let busy_timeout = match busy_timeout {
        None => defaults.busy_timeout,
        Some(s) if s.is_finite() && (0.0..=86_400.0).contains(&s) => Duration::from_secs_f64(s),
        Some(_) => {
            return Err(Error::InvalidArgument {
                what: "busy_timeout",
                reason: "must be 0 to 86400 seconds".into(),
            })
            .or_raise()
        }
    };
    Ok(SqliteOptions {
        read_only,
        create,
        busy_timeout,
        ..defaults
    })
}

/// A duration argument: seconds as a number (int or float), or a `datetime.timedelta`.
pub(crate) struct Seconds(pub(crate) f64);

impl<'a, 'py> FromPyObject<'a, 'py> for Seconds {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<pyo3::types::PyBool>() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "a duration is seconds (int or float) or a datetime.timedelta, not a bool",
            ));
        }
        if let Ok(s) = obj.extract::<f64>() {
            return Ok(Seconds(s));
        }
        let timedelta = obj.py().import("datetime")?.getattr("timedelta")?;
        if obj.is_instance(&timedelta)? {
            return Ok(Seconds(obj.call_method0("total_seconds")?.extract()?));
        }
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "a duration is seconds (int or float) or a datetime.timedelta, not {}",
            obj.get_type().name()?
        )))
    }
}

/// `s` as a duration of 0 to `max` seconds, or `InvalidInputError` naming `what`.
fn duration(what: &'static str, s: Seconds, max: f64) -> PyResult<Duration> {
    if s.0.is_finite() && (0.0..=max).contains(&s.0) {
        Ok(Duration::from_secs_f64(s.0))
    } else {
        Err(Error::InvalidArgument {
            what,
            reason: format!("must be 0 to {max} seconds"),
        })
        .or_raise()
    }
}

/// The longest timeout or interval accepted: a year.
const MAX_SECONDS: f64 = 365.0 * 86_400.0;

impl PyDirectory {
    fn open_path(
        py: Python<'_>,
        path: PathBuf,
        read_only: bool,
        create: bool,
        busy_timeout: Option<f64>,
        clock: Option<Arc<dyn Clock>>,
    ) -> PyResult<Self> {
        let opts = sqlite_options(read_only, create, busy_timeout)?;
        let shown = path.display().to_string();
        let clock = clock.unwrap_or_else(|| Arc::new(SystemClock));
        let dir = py
            .detach(move || {
                Directory::open_with_clock(SqliteStore::open_with(&path, &opts)?, clock)
            })
            .or_raise()?;
        Ok(Self::wrap(dir, Some(shown)))
    }

    /// The core directory, or `Error::Closed` once `close()` was called: every method of a
    /// closed directory raises the core's typed error (`StorageError`, kind `closed`).
    fn d(&self) -> PyResult<&Directory> {
        if self.inner.is_closed() {
            return Err(Error::Closed).or_raise();
        }
        Ok(&self.inner)
    }

    /// Runs a mutation with the GIL released, then delivers its notifications.
    fn write<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Directory) -> Result<T, Error> + Send,
    ) -> PyResult<T> {
        let dir = self.d()?;
        let result = py.detach(move || f(dir));
        self.dispatch(py);
        result.or_raise()
    }
}
