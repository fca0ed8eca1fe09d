//! `Directory`: the whole core API, method for method. Arguments are converted first; every
//! mutation (and opening a file) then runs with the GIL released; checks keep it (they take
//! nanoseconds and never lock).
//!
//! Core input structs are built with `..Default::default()` even when every field is given, so
//! that a field the core adds later (with its default) does not break this crate.
#![allow(clippy::needless_update)]

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::{PyTraverseError, PyVisit};
use rolecall::{
    AuditQuery, Clock, Directory, Error, HashParams, MemoryStore, Notification, PostgresOptions,
    PostgresStore, RolePatch, SqliteOptions, SqliteStore, SystemClock, UserPatch, UserQuery,
};

use crate::convert::{
    enum_to_py, extract_items, permission_to_py, AgreementArg, GroupArg, GroupList, KindArg,
    LevelArg, Perm, PermSet, PresetArg, ProductArg, RoleArg, RoleList, ScopeArg, ScopeList,
    TenantArg, UserArg, UserList, ACCESS_LEVEL,
};
use crate::credentials::{
    PyAuditEvent, PyCredentialStatus, PyManualClock, PyNotification, PyPasswordPolicy,
    PyResetIssued, PySession, SecretArg,
};
use crate::errors::OrRaise;
use crate::records::{
    new_user, repr_str, GrantList, NewUserArg, PyAgreement, PyExplanation, PyGroup, PyPage, PyRole,
    PyScope, PyScopeAccess, PyTenant, PyTenantCreated, PyTenantSettings, PyUser,
};
use crate::snapshot::{check_many, PySnapshot};

/// `phone` of `update_user`: absent (unchanged), None (removed) or a new number.
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
        signature = (dsn, *, schema = None, lock_timeout = None, connect_timeout = None, log_keep = None, log_max_age = None, poll_interval = None, listen = true, tls_ca_pem = None, follow = true),
        text_signature = "(dsn, *, schema=None, lock_timeout=None, connect_timeout=None, log_keep=None, log_max_age=None, poll_interval=None, listen=True, tls_ca_pem=None, follow=True)"
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
    ) -> PyResult<Self> {
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
                if follow {
                    Directory::open_postgres_with(&dsn, &opts)
                } else {
                    Directory::open(PostgresStore::open_with(&dsn, &opts)?)
                }
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

    // ======================= tenants =======================

    /// Creates a tenant with its superadministrator (a `NewUser`, or a dict of its fields) and
    /// the built-in roles of `presets`. The host's own operation: no acting user. A password
    /// given for the superadministrator is temporary unless `temporary=False` (a sign-up where
    /// the person chose it).
    #[pyo3(
        signature = (name, superadmin, *, presets = Vec::new()),
        text_signature = "($self, name, superadmin, *, presets=())"
    )]
    fn create_tenant(
        &self,
        py: Python<'_>,
        name: String,
        superadmin: NewUserArg,
        presets: Vec<PresetArg>,
    ) -> PyResult<PyTenantCreated> {
        let presets: Vec<_> = presets.into_iter().map(|p| p.0).collect();
        self.write(py, |d| d.create_tenant(&name, &superadmin.0, &presets))
            .map(PyTenantCreated)
    }

    /// Installs a preset's roles into the actor's tenant (superadministrator only); returns
    /// the new role ids.
    fn install_preset(
        &self,
        py: Python<'_>,
        actor: UserArg,
        preset: PresetArg,
    ) -> PyResult<Vec<u64>> {
        let ids = self.write(py, |d| d.install_preset(actor.0, preset.0))?;
        Ok(ids.into_iter().map(|r| r.0).collect())
    }

    /// A tenant.
    fn tenant(&self, id: TenantArg) -> PyResult<PyTenant> {
        self.d()?.tenant(id.0).map(PyTenant).or_raise()
    }

    /// Every tenant, in id order.
    fn tenants(&self) -> PyResult<Vec<PyTenant>> {
        Ok(self.d()?.tenants().into_iter().map(PyTenant).collect())
    }

    /// The superadministrator sets its tenant's options (`TenantSettings`). Raises
    /// `PermissionDeniedError` (kind `superadmin_only`) for anyone else and `InvalidInputError`
    /// for a malformed value; nothing changes then.
    fn set_tenant_settings(
        &self,
        py: Python<'_>,
        actor: UserArg,
        settings: PyRef<'_, PyTenantSettings>,
    ) -> PyResult<()> {
        let settings = settings.0.clone();
        self.write(py, |d| d.set_tenant_settings(actor.0, &settings))
    }

    /// A tenant's options.
    fn tenant_settings(&self, tenant: TenantArg) -> PyResult<PyTenantSettings> {
        self.inner
            .tenant_settings(tenant.0)
            .map(PyTenantSettings)
            .or_raise()
    }

    // ======================= users =======================

    /// Creates a user in the actor's tenant; returns its id. Needs `users.manage`; every role
    /// is a grant (the actor must hold its rights). `password` sets an initial password
    /// (checked against the tenant's policy once the actor is known to be allowed, hashed with
    /// the GIL released), `temporary` by default like every password set by someone else (to
    /// be changed at first login); `temporary=False` only for a password the user chose.
    /// `scopes` restrict the user to call groups / IVRs (as `set_user_scopes`; its roles are
    /// granted within them), `groups` are joined, each under the rules of `add_member`,
    /// `teams` are the teams the user is a member of (as `set_user_teams`), and `grants` roles
    /// held for one scope each (`ScopeGrant`s or `(role, scope)` pairs, as
    /// `grant_role_in_scope`): all in the same commit.
    #[pyo3(
        signature = (actor, *, first_name, last_name, email, phone = None, roles = RoleList::default(), scopes = ScopeList::default(), groups = GroupList::default(), active = true, password = None, temporary = true, teams = ScopeList::default(), grants = GrantList::default()),
        text_signature = "($self, actor, *, first_name, last_name, email, phone=None, roles=(), scopes=(), groups=(), active=True, password=None, temporary=True, teams=(), grants=())"
    )]
    #[allow(clippy::too_many_arguments)]
    fn create_user(
        &self,
        py: Python<'_>,
        actor: UserArg,
        first_name: String,
        last_name: String,
        email: String,
        phone: Option<String>,
        roles: RoleList,
        scopes: ScopeList,
        groups: GroupList,
        active: bool,
        password: Option<SecretArg>,
        temporary: bool,
        teams: ScopeList,
        grants: GrantList,
    ) -> PyResult<u64> {
        let mut u = new_user(first_name, last_name, email, phone, roles, active);
        u.scopes = scopes.0;
        u.groups = groups.0;
        u.teams = teams.0;
        u.grants = grants.0;
        u.password = password.map(|p| p.0);
        u.temporary = temporary;
        self.write(py, |d| d.create_user(actor.0, &u))
            .map(|id| id.0)
    }

    /// Creates many users in one atomic commit (an import): all of them or, when one is
    /// refused, none. Each is a `NewUser` or a dict of its fields; returns the new ids in order.
    /// At most `Directory.MAX_PASSWORDS_PER_CALL` (1000) of them may carry a password (each
    /// costs one argon2id hash, spent only once the whole import is authorised).
    fn create_users(
        &self,
        py: Python<'_>,
        actor: UserArg,
        users: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<u64>> {
        let items: Vec<NewUserArg> = extract_items(users, "users")?;
        let users: Vec<_> = items.into_iter().map(|u| u.0).collect();
        let ids = self.write(py, |d| d.create_users(actor.0, &users))?;
        Ok(ids.into_iter().map(|u| u.0).collect())
    }

    /// Edits a user's name, email or phone; an argument left out is unchanged, `phone=None`
    /// removes the phone. Needs `users.manage`, or `profile.edit` for oneself.
    #[pyo3(signature = (actor, user, *, first_name = None, last_name = None, email = None, phone = PhoneArg::Unchanged))]
    #[allow(clippy::too_many_arguments)]
    fn update_user(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        first_name: Option<String>,
        last_name: Option<String>,
        email: Option<String>,
        phone: PhoneArg,
    ) -> PyResult<()> {
        let patch = UserPatch {
            first_name,
            last_name,
            email,
            phone: match phone {
                PhoneArg::Unchanged => None,
                PhoneArg::Remove => Some(None),
                PhoneArg::Set(p) => Some(Some(p)),
            },
            ..UserPatch::default()
        };
        self.write(py, |d| d.update_user(actor.0, user.0, &patch))
    }

    /// Activates or deactivates a user. An inactive user holds nothing and cannot log in.
    fn set_active(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        active: bool,
    ) -> PyResult<()> {
        self.write(py, |d| d.set_active(actor.0, user.0, active))
    }

    /// Deletes a user with its memberships and agreement levels.
    fn delete_user(&self, py: Python<'_>, actor: UserArg, user: UserArg) -> PyResult<()> {
        self.write(py, |d| d.delete_user(actor.0, user.0))
    }

    /// Gives a user a role (a grant: the actor must hold the role's rights).
    fn assign_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        role: RoleArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.assign_role(actor.0, user.0, role.0))
    }

    /// Takes a role from a user.
    fn revoke_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        role: RoleArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.revoke_role(actor.0, user.0, role.0))
    }

    /// Replaces the roles a user holds directly.
    fn set_user_roles(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        roles: RoleList,
    ) -> PyResult<()> {
        self.write(py, |d| d.set_user_roles(actor.0, user.0, &roles.0))
    }

    /// A user. Unchecked: a read for trusted host code; `user_as` reads as an acting user.
    fn user(&self, id: UserArg) -> PyResult<PyUser> {
        self.d()?.user(id.0).map(PyUser).or_raise()
    }

    /// A user, if `actor` may view it (`check_user` with `users.view`). Raises
    /// `NotFoundError` for an unknown user or one of another tenant (as if it did not exist),
    /// `PermissionDeniedError` without `users.view`, and `PermissionDeniedError` (kind
    /// `outside_teams`) when `actor` holds it only for teams the user is not in.
    fn user_as(&self, actor: UserArg, user: UserArg) -> PyResult<PyUser> {
        self.d()?.user_as(actor.0, user.0).map(PyUser).or_raise()
    }

    /// The user of `tenant` with this email (trimmed, case-insensitive).
    fn user_by_email(&self, tenant: TenantArg, email: &str) -> PyResult<PyUser> {
        self.d()?
            .user_by_email(tenant.0, email)
            .map(PyUser)
            .or_raise()
    }

    /// Searches the users of a tenant, in id order: `text` is found case-insensitively in the
    /// name or email, or in the phone however it is formatted (None or blank matches everyone);
    /// `active_only` keeps active users; `offset` and `limit` (1 to 1000) page the result.
    /// Unchecked: a search for trusted host code; `search_users_as` searches as an acting
    /// user, showing only whom that user may view.
    #[pyo3(signature = (tenant, text = None, *, active_only = false, offset = 0, limit = 50))]
    fn search_users(
        &self,
        py: Python<'_>,
        tenant: TenantArg,
        text: Option<String>,
        active_only: bool,
        offset: usize,
        limit: usize,
    ) -> PyResult<PyPage> {
        let q = UserQuery {
            text,
            active_only,
            offset,
            limit,
            ..UserQuery::default()
        };
        self.write(py, |d| d.search_users(tenant.0, &q))
            .map(PyPage::from)
    }

    /// `search_users` in `actor`'s tenant, showing only the users `actor` may view
    /// (`check_user` with `users.view`): everyone for an actor holding it unscoped, the
    /// members of its teams (and of the teams below them) for one holding it for teams,
    /// nobody for one without it; `total` and paging count only those. `search_users` is the
    /// unchecked search for trusted host code.
    #[pyo3(signature = (actor, text = None, *, active_only = false, offset = 0, limit = 50))]
    fn search_users_as(
        &self,
        py: Python<'_>,
        actor: UserArg,
        text: Option<String>,
        active_only: bool,
        offset: usize,
        limit: usize,
    ) -> PyResult<PyPage> {
        let q = UserQuery {
            text,
            active_only,
            offset,
            limit,
            ..UserQuery::default()
        };
        self.write(py, |d| d.search_users_as(actor.0, &q))
            .map(PyPage::from)
    }

    // ======================= roles =======================

    /// Creates a custom role; returns its id. Needs `roles.manage`, and the actor must hold
    /// its rights; an `admin_tier` role only the superadministrator may create.
    #[pyo3(
        signature = (actor, *, name, permissions = PermSet::default(), scoped = false, admin_tier = false, description = String::new()),
        text_signature = "($self, actor, *, name, permissions=(), scoped=False, admin_tier=False, description='')"
    )]
    #[allow(clippy::too_many_arguments)]
    fn create_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        name: String,
        permissions: PermSet,
        scoped: bool,
        admin_tier: bool,
        description: String,
    ) -> PyResult<u64> {
        let mut role = rolecall::NewRole::new(name, permissions.0);
        role.scoped = scoped;
        role.admin_tier = admin_tier;
        role.description = description;
        self.write(py, |d| d.create_role(actor.0, &role))
            .map(|id| id.0)
    }

    /// Edits a custom role; an argument left out is unchanged. `permissions` replaces the set
    /// (added rights are a grant to every holder).
    #[pyo3(signature = (actor, role, *, name = None, permissions = None, description = None))]
    fn update_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        role: RoleArg,
        name: Option<String>,
        permissions: Option<PermSet>,
        description: Option<String>,
    ) -> PyResult<()> {
        let patch = RolePatch {
            name,
            permissions: permissions.map(|p| p.0),
            description,
            ..RolePatch::default()
        };
        self.write(py, |d| d.update_role(actor.0, role.0, &patch))
    }

    /// Deletes a custom role, removing it from every user and group.
    fn delete_role(&self, py: Python<'_>, actor: UserArg, role: RoleArg) -> PyResult<()> {
        self.write(py, |d| d.delete_role(actor.0, role.0))
    }

    /// A role.
    fn role(&self, id: RoleArg) -> PyResult<PyRole> {
        self.d()?.role(id.0).map(PyRole).or_raise()
    }

    /// The role of `tenant` with this name (case-insensitive). `"namespace/name"`
    /// (`"dashboard/Admin"`) names the namespace; a bare name held in several namespaces raises
    /// `ConflictError` of kind `ambiguous_name` (its `namespaces` lists them).
    fn role_by_name(&self, tenant: TenantArg, name: &str) -> PyResult<PyRole> {
        self.d()?
            .role_by_name(tenant.0, name)
            .map(PyRole)
            .or_raise()
    }

    /// The role of `tenant` named `name` (case-insensitive) in `namespace` (`"custom"` or a
    /// preset, as `Preset` or its name).
    fn role_in_namespace(
        &self,
        tenant: TenantArg,
        namespace: &Bound<'_, PyAny>,
        name: &str,
    ) -> PyResult<PyRole> {
        let ns = match namespace.extract::<PresetArg>() {
            Ok(p) => rolecall::RoleNamespace::Preset(p.0),
            Err(_) => namespace
                .extract::<String>()?
                .parse::<rolecall::RoleNamespace>()
                .or_raise()?,
        };
        self.d()?
            .role_in_namespace(tenant.0, ns, name)
            .map(PyRole)
            .or_raise()
    }

    /// Every role of a tenant, in id order.
    fn roles(&self, tenant: TenantArg) -> PyResult<Vec<PyRole>> {
        let roles = self.d()?.roles(tenant.0).or_raise()?;
        Ok(roles.into_iter().map(PyRole).collect())
    }

    // ======================= groups =======================

    /// Creates a user group with roles (004); returns its id. Needs `groups.manage`.
    #[pyo3(
        signature = (actor, name, roles = RoleList::default()),
        text_signature = "($self, actor, name, roles=())"
    )]
    fn create_group(
        &self,
        py: Python<'_>,
        actor: UserArg,
        name: String,
        roles: RoleList,
    ) -> PyResult<u64> {
        self.write(py, |d| d.create_group(actor.0, &name, &roles.0))
            .map(|id| id.0)
    }

    /// Renames a group.
    fn rename_group(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        name: String,
    ) -> PyResult<()> {
        self.write(py, |d| d.rename_group(actor.0, group.0, &name))
    }

    /// Adds a role to a group: a grant to every member.
    fn add_group_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        role: RoleArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.add_group_role(actor.0, group.0, role.0))
    }

    /// Removes a role from a group.
    fn remove_group_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        role: RoleArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.remove_group_role(actor.0, group.0, role.0))
    }

    /// Adds a user to a group: a grant of the group's roles.
    fn add_member(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        user: UserArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.add_member(actor.0, group.0, user.0))
    }

    /// Adds many users (ids or `User`s, any iterable) to a group in one atomic commit, each
    /// under the rules of `add_member`: all join, or none when one is refused. Members
    /// already in the group, and repeats, are skipped.
    fn add_members(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        users: UserList,
    ) -> PyResult<()> {
        self.write(py, |d| d.add_members(actor.0, group.0, &users.0))
    }

    /// Removes a user from a group.
    fn remove_member(
        &self,
        py: Python<'_>,
        actor: UserArg,
        group: GroupArg,
        user: UserArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.remove_member(actor.0, group.0, user.0))
    }

    /// Deletes a group; refused while it is the only group of one of its members (004).
    fn delete_group(&self, py: Python<'_>, actor: UserArg, group: GroupArg) -> PyResult<()> {
        self.write(py, |d| d.delete_group(actor.0, group.0))
    }

    /// A group.
    fn group(&self, id: GroupArg) -> PyResult<PyGroup> {
        self.d()?.group(id.0).map(PyGroup).or_raise()
    }

    /// The group of `tenant` with this name (case-insensitive).
    fn group_by_name(&self, tenant: TenantArg, name: &str) -> PyResult<PyGroup> {
        self.d()?
            .group_by_name(tenant.0, name)
            .map(PyGroup)
            .or_raise()
    }

    /// Every group of a tenant, in id order.
    fn groups(&self, tenant: TenantArg) -> PyResult<Vec<PyGroup>> {
        let groups = self.d()?.groups(tenant.0).or_raise()?;
        Ok(groups.into_iter().map(PyGroup).collect())
    }

    /// Ids of the members of a group, in id order.
    fn group_members(&self, group: GroupArg) -> PyResult<Vec<u64>> {
        let ids = self.d()?.group_members(group.0).or_raise()?;
        Ok(ids.into_iter().map(|u| u.0).collect())
    }

    /// The permissions a group grants its members (union of its roles).
    fn group_permissions<'py>(
        &self,
        py: Python<'py>,
        group: GroupArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p = self.d()?.group_permissions(group.0).or_raise()?;
        permission_to_py(py, p)
    }

    /// Ids of the groups a user belongs to, in id order.
    fn user_groups(&self, user: UserArg) -> PyResult<Vec<u64>> {
        let ids = self.d()?.user_groups(user.0).or_raise()?;
        Ok(ids.into_iter().map(|g| g.0).collect())
    }

    // ======================= scopes =======================

    /// Creates a scope; returns its id. `kind` is a `ScopeKind` (or its name), or the name of
    /// a tenant-defined kind (`"brand"`: lowercase letters, digits and `_`, starting with a
    /// letter, at most 24 characters). With `parent` None it is a root (needs `scopes.manage`
    /// unscoped); otherwise it is created below `parent` (any kind below any kind), and needs
    /// `scopes.manage` for `parent` or a scope above it (delegated administration).
    #[pyo3(signature = (actor, kind, name, parent = None))]
    fn create_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        kind: KindArg,
        name: String,
        parent: Option<ScopeArg>,
    ) -> PyResult<u64> {
        self.write(py, |d| match parent {
            None => d.create_scope(actor.0, kind.0, &name),
            Some(p) => d.create_scope_under(actor.0, p.0, kind.0, &name),
        })
        .map(|id| id.0)
    }

    /// Moves `scope`, with everything below it, under `parent` (None: makes it a root). Needs
    /// `scopes.manage` for the scope and the new parent (unscoped for a root); raises
    /// `ConflictError` (kind `scope_cycle`) when `parent` is the scope or below it.
    #[pyo3(signature = (actor, scope, parent))]
    fn move_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        scope: ScopeArg,
        parent: Option<ScopeArg>,
    ) -> PyResult<()> {
        self.write(py, |d| d.move_scope(actor.0, scope.0, parent.map(|p| p.0)))
    }

    /// Deletes a scope, unassigning it from everyone and ending the roles granted for it.
    /// Raises `ConflictError` (kind `scope_not_empty`) while it has child scopes or team
    /// members: `delete_scope_moving` moves them first.
    fn delete_scope(&self, py: Python<'_>, actor: UserArg, scope: ScopeArg) -> PyResult<()> {
        self.write(py, |d| d.delete_scope(actor.0, scope.0))
    }

    /// Deletes a scope, moving its child scopes to its parent (roots when it has none) and its
    /// members to its parent when that is a team (otherwise they only leave it), in one commit.
    fn delete_scope_moving(&self, py: Python<'_>, actor: UserArg, scope: ScopeArg) -> PyResult<()> {
        self.write(py, |d| d.delete_scope_moving(actor.0, scope.0))
    }

    /// Grants `role` to `user` for `scope` and everything below it: its permissions then apply
    /// only to data of that subtree (`check_scoped`, `allowed_scopes`) and to the members of
    /// the teams in it (`check_user`). A grant: the actor must hold the role's rights there.
    fn grant_role_in_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        role: RoleArg,
        scope: ScopeArg,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.grant_role_in_scope(actor.0, user.0, role.0, scope.0)
        })
    }

    /// Takes back a role granted for a scope (nothing when it is not granted).
    fn revoke_role_in_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        role: RoleArg,
        scope: ScopeArg,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.revoke_role_in_scope(actor.0, user.0, role.0, scope.0)
        })
    }

    /// Makes `user` a member of exactly `teams` (scopes of kind `ScopeKind.TEAM`; another kind
    /// raises `InvalidInputError`, kind `not_a_team`). An actor holding `users.manage` only
    /// within teams must administer every team it adds or removes (`PermissionDeniedError`,
    /// kind `outside_teams`).
    fn set_user_teams(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        teams: ScopeList,
    ) -> PyResult<()> {
        self.write(py, |d| d.set_user_teams(actor.0, user.0, &teams.0))
    }

    /// Ids of the members of a team, in id order (unchecked: for trusted host code).
    fn team_members(&self, team: ScopeArg) -> PyResult<Vec<u64>> {
        let ids = self.d()?.team_members(team.0).or_raise()?;
        Ok(ids.into_iter().map(|u| u.0).collect())
    }

    /// Ids of the scopes directly below `scope`, in id order.
    fn child_scopes(&self, scope: ScopeArg) -> PyResult<Vec<u64>> {
        let ids = self.d()?.child_scopes(scope.0).or_raise()?;
        Ok(ids.into_iter().map(|s| s.0).collect())
    }

    /// Authorises a user for a call group / IVR (a grant of its scoped rights there).
    fn assign_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        scope: ScopeArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.assign_scope(actor.0, user.0, scope.0))
    }

    /// Withdraws a call group / IVR from a user.
    fn unassign_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        scope: ScopeArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.unassign_scope(actor.0, user.0, scope.0))
    }

    /// Replaces the call groups / IVRs assigned to a user.
    fn set_user_scopes(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        scopes: ScopeList,
    ) -> PyResult<()> {
        self.write(py, |d| d.set_user_scopes(actor.0, user.0, &scopes.0))
    }

    /// A scope.
    fn scope(&self, id: ScopeArg) -> PyResult<PyScope> {
        self.d()?.scope(id.0).map(PyScope).or_raise()
    }

    /// Every scope of a tenant (of every kind), in id order.
    fn scopes(&self, tenant: TenantArg) -> PyResult<Vec<PyScope>> {
        let scopes = self.d()?.scopes(tenant.0).or_raise()?;
        Ok(scopes.into_iter().map(PyScope).collect())
    }

    // ======================= agreements =======================

    /// Creates an agreement and appoints its Owner; returns its id. Needs `agreements.manage`.
    fn create_agreement(
        &self,
        py: Python<'_>,
        actor: UserArg,
        name: String,
        owner: UserArg,
    ) -> PyResult<u64> {
        self.write(py, |d| d.create_agreement(actor.0, &name, owner.0))
            .map(|id| id.0)
    }

    /// Sets a user's access level on a product of an agreement, under the rules of 002.
    fn set_access_level(
        &self,
        py: Python<'_>,
        actor: UserArg,
        agreement: AgreementArg,
        user: UserArg,
        product: ProductArg,
        level: LevelArg,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.set_access_level(actor.0, agreement.0, user.0, product.0, level.0)
        })
    }

    /// Transfers ownership of an agreement (Owner only); the former Owner becomes Administrator.
    fn transfer_ownership(
        &self,
        py: Python<'_>,
        actor: UserArg,
        agreement: AgreementArg,
        new_owner: UserArg,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.transfer_ownership(actor.0, agreement.0, new_owner.0)
        })
    }

    /// Links a user to a virtual-PBX subscriber on an agreement; `subscriber=None` unlinks.
    fn link_pbx_subscriber(
        &self,
        py: Python<'_>,
        actor: UserArg,
        agreement: AgreementArg,
        user: UserArg,
        subscriber: Option<String>,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.link_pbx_subscriber(actor.0, agreement.0, user.0, subscriber.as_deref())
        })
    }

    /// An agreement.
    fn agreement(&self, id: AgreementArg) -> PyResult<PyAgreement> {
        self.d()?.agreement(id.0).map(PyAgreement).or_raise()
    }

    /// Every agreement of a tenant, in id order.
    fn agreements(&self, tenant: TenantArg) -> PyResult<Vec<PyAgreement>> {
        let list = self.d()?.agreements(tenant.0).or_raise()?;
        Ok(list.into_iter().map(PyAgreement).collect())
    }

    /// The PBX subscriber a user is linked to on an agreement, or None.
    fn pbx_subscriber(&self, agreement: AgreementArg, user: UserArg) -> PyResult<Option<String>> {
        self.d()?.pbx_subscriber(agreement.0, user.0).or_raise()
    }

    // ======================= credentials =======================

    /// Sets the argon2id cost of new hashes (`m_kib` memory in KiB, `t` iterations, `p`
    /// parallelism). The default is the OWASP minimum (m_kib=19456, t=2, p=1); stored hashes
    /// weaker than this are upgraded at the next successful login. Lower it in tests only.
    #[pyo3(
        signature = (*, m_kib = HashParams::OWASP_MIN.m_kib, t = HashParams::OWASP_MIN.t, p = HashParams::OWASP_MIN.p),
        text_signature = "($self, *, m_kib=19456, t=2, p=1)"
    )]
    fn set_hash_params(&self, m_kib: u32, t: u32, p: u32) -> PyResult<()> {
        self.d()?.set_hash_params(HashParams { m_kib, t, p });
        Ok(())
    }

    /// An administrator sets another user's password (`users.manage`); a `temporary` one (the
    /// default) must be changed at next login. Ends the user's sessions and pending recovery
    /// tokens. Raises `WeakPasswordError` (with `.rule`) when the policy refuses it.
    #[pyo3(signature = (actor, user, password, *, temporary = true))]
    fn set_password(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        password: SecretArg,
        temporary: bool,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.set_password(actor.0, user.0, password.expose(), temporary)
        })
    }

    /// A user changes its own password, giving the current one (a wrong one raises
    /// `AuthenticationFailedError` and counts toward the lock like a failed login; a locked
    /// account raises `AccountLockedError`). Ends the user's other sessions.
    fn change_password(
        &self,
        py: Python<'_>,
        user: UserArg,
        current: SecretArg,
        new: SecretArg,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.change_password(user.0, current.expose(), new.expose())
        })
    }

    /// Logs a user of `tenant` in by email (case-insensitive) and password; returns a
    /// `Session`. An unknown email, a wrong password and an inactive account all raise
    /// `AuthenticationFailedError`; a locked account raises `AccountLockedError` (`.until`).
    /// Every attempt is audited. Hashing runs with the GIL released.
    fn login(
        &self,
        py: Python<'_>,
        tenant: TenantArg,
        email: &str,
        password: SecretArg,
    ) -> PyResult<PySession> {
        self.write(py, |d| d.login(tenant.0, email, password.expose()))
            .map(PySession::from)
    }

    /// Unlocks an account locked by failed logins (`users.manage`).
    fn unlock(&self, py: Python<'_>, actor: UserArg, user: UserArg) -> PyResult<()> {
        self.write(py, |d| d.unlock(actor.0, user.0))
    }

    /// Starts a recovery by email: issues a single-use token and queues a
    /// `password_reset_requested` notification for the host to send. Returns the
    /// `ResetIssued`, or None (issuing nothing) when no active user of `tenant` has that email;
    /// answer your own caller the same way in both cases.
    fn request_password_reset(
        &self,
        py: Python<'_>,
        tenant: TenantArg,
        email: &str,
    ) -> PyResult<Option<PyResetIssued>> {
        self.write(py, |d| d.request_password_reset(tenant.0, email))
            .map(|r| r.map(PyResetIssued))
    }

    /// Sets a new password with a recovery token; returns the user's id. A token unknown,
    /// expired, already used or superseded raises `InvalidTokenError` and changes nothing.
    fn reset_password_with_token(
        &self,
        py: Python<'_>,
        tenant: TenantArg,
        token: SecretArg,
        new_password: SecretArg,
    ) -> PyResult<u64> {
        self.write(py, |d| {
            d.reset_password_with_token(tenant.0, token.expose(), new_password.expose())
        })
        .map(|u| u.0)
    }

    /// The superadministrator sets its tenant's password and lockout policy.
    fn set_password_policy(
        &self,
        py: Python<'_>,
        actor: UserArg,
        policy: PyRef<'_, PyPasswordPolicy>,
    ) -> PyResult<()> {
        let policy = policy.0.clone();
        self.write(py, |d| d.set_password_policy(actor.0, &policy))
    }

    /// A tenant's password and lockout policy.
    fn password_policy(&self, tenant: TenantArg) -> PyResult<PyPasswordPolicy> {
        self.d()?
            .password_policy(tenant.0)
            .map(PyPasswordPolicy)
            .or_raise()
    }

    /// Whether the user has a password, must change it, its failed logins, and whether it is
    /// locked now.
    fn credential_status(&self, user: UserArg) -> PyResult<PyCredentialStatus> {
        self.d()?
            .credential_status(user.0)
            .map(PyCredentialStatus)
            .or_raise()
    }

    /// The user's current security stamp: it changes when the user's own access shrinks (a
    /// right, call group / IVR, agreement level or PBX link lost; deactivation) or its password
    /// or login email change, and only then.
    fn security_stamp(&self, user: UserArg) -> PyResult<u64> {
        self.d()?.security_stamp(user.0).or_raise()
    }

    /// Whether a session issued to `user` under `stamp` is still valid: the user exists, is
    /// active, and nothing security-relevant changed since. Lock-free.
    fn session_valid(&self, user: UserArg, stamp: u64) -> PyResult<bool> {
        Ok(self.d()?.session_valid(user.0, stamp))
    }

    /// Takes every notification queued since the last call, oldest first (emails on change,
    /// recovery tokens, lock warnings): the host delivers them. Works after `close()` too, so
    /// nothing queued before closing is lost.
    fn drain_notifications(&self) -> Vec<PyNotification> {
        self.inner
            .drain_notifications()
            .into_iter()
            .filter_map(PyNotification::new)
            .collect()
    }

    /// Calls `callback(notification)` for each notification as it is produced (they are still
    /// queued for `drain_notifications`); None removes the callback. The callback runs on the
    /// thread that made the change, just after the change returns from the core: outside its
    /// locks, so it may call the directory. An exception it raises goes to
    /// `sys.unraisablehook` (the change is already made).
    fn on_notification(&self, callback: Option<Bound<'_, PyAny>>) -> PyResult<()> {
        if let Some(cb) = &callback {
            if !cb.is_callable() {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "callback must be callable or None, not {}",
                    crate::convert::type_name(cb)
                )));
            }
        }
        *locked(&self.notifier.callback) = callback.map(Bound::unbind);
        Ok(())
    }

    // ======================= audit =======================

    /// Audit events matching every given filter, oldest first, one page (`limit` 1 to 1000):
    /// by tenant, actor, target (`target_kind` such as "user", `target_id`), `action`
    /// ("login", "create_user", ...; an unknown kind or action raises `InvalidArgumentError`),
    /// `outcome` ("ok" or an error kind), and time range
    /// (`since` inclusive, `until` exclusive, ms since the Unix epoch).
    #[pyo3(signature = (*, tenant = None, actor = None, target_kind = None, target_id = None, action = None, outcome = None, since = None, until = None, offset = 0, limit = 100))]
    #[allow(clippy::too_many_arguments)]
    fn audit_events(
        &self,
        py: Python<'_>,
        tenant: Option<TenantArg>,
        actor: Option<UserArg>,
        target_kind: Option<String>,
        target_id: Option<u64>,
        action: Option<String>,
        outcome: Option<String>,
        since: Option<i64>,
        until: Option<i64>,
        offset: usize,
        limit: usize,
    ) -> PyResult<PyPage> {
        let q = AuditQuery {
            tenant: tenant.map(|t| t.0),
            actor: actor.map(|a| a.0),
            target_kind: target_kind
                .as_deref()
                .map(str::parse)
                .transpose()
                .or_raise()?,
            target_id,
            action: action.as_deref().map(str::parse).transpose().or_raise()?,
            outcome,
            since,
            until,
            offset,
            limit,
            ..AuditQuery::default()
        };
        self.write(py, |d| d.audit_events(&q)).map(PyPage::from)
    }

    /// Audit retention: removes the audit events stamped before `before` (ms since the Unix
    /// epoch), refusals and failed logins included; returns how many. One transaction,
    /// audited as `prune_audit` (one event per tenant).
    fn prune_audit(&self, py: Python<'_>, before: i64) -> PyResult<u64> {
        self.write(py, |d| d.prune_audit(before))
    }

    /// Export-then-prune: calls `export(event)` for every audit event stamped before
    /// `before`, oldest first, then removes them, in one transaction. If `export` raises,
    /// nothing is removed and its exception propagates. Returns how many were removed.
    fn export_audit(&self, py: Python<'_>, before: i64, export: Bound<'_, PyAny>) -> PyResult<u64> {
        let dir = self.d()?;
        let mut raised: Option<PyErr> = None;
        let result = dir.export_audit(before, |e| {
            export
                .call1((PyAuditEvent(e.clone()),))
                .map(|_| ())
                .map_err(|err| {
                    raised = Some(err);
                    Error::InvalidArgument {
                        what: "export",
                        reason: "the export callback raised".into(),
                    }
                })
        });
        self.dispatch(py);
        if let Some(err) = raised {
            return Err(err);
        }
        result.or_raise()
    }

    /// Users of `tenant` who have not logged in for `days` days (never-logged-in users count
    /// from their creation): accounts to remove.
    fn users_inactive_for(&self, tenant: TenantArg, days: u32) -> PyResult<Vec<PyUser>> {
        let users = self.d()?.users_inactive_for(tenant.0, days).or_raise()?;
        Ok(users.into_iter().map(PyUser).collect())
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

    // ======================= checks =======================

    /// May `user` do `permission`? Lock-free; False for an unknown or inactive user.
    /// `permission` is a `Permission` (several OR-ed together: all of them are needed), its
    /// int bits, or one dotted name (`"campaigns.view"`).
    #[pyo3(signature = (user, permission))]
    fn check(&self, user: UserArg, permission: Perm) -> PyResult<bool> {
        Ok(self.d()?.check(user.0, permission.0))
    }

    /// May `user` do `permission` on data of `scope`? A right held unscoped applies to every
    /// scope of the tenant; one held for a scope (a scoped role on assigned call groups /
    /// IVRs, or `grant_role_in_scope`) to that scope and everything below it.
    #[pyo3(signature = (user, permission, scope))]
    fn check_scoped(&self, user: UserArg, permission: Perm, scope: ScopeArg) -> PyResult<bool> {
        Ok(self.d()?.check_scoped(user.0, permission.0, scope.0))
    }

    /// May `actor` do `permission` on user `target` ("my team only")? True when `actor` holds
    /// it unscoped, or for a team `target` is a member of (on the team or a scope above it).
    /// Lock-free; never across tenants; False for unknown users.
    #[pyo3(signature = (actor, permission, target))]
    fn check_user(&self, actor: UserArg, permission: Perm, target: UserArg) -> PyResult<bool> {
        Ok(self.d()?.check_user(actor.0, permission.0, target.0))
    }

    /// Checks many (user, permission) pairs at one revision, crossing into Rust once.
    /// `users`: a sequence, iterable or integer buffer (`array.array`, NumPy array) of user
    /// ids. `permissions`: one permission for every user, or one per user. Returns a list of
    /// bools, or with `as_bytes=True` one byte (0 or 1) per pair.
    #[pyo3(signature = (users, permissions, *, as_bytes = false))]
    fn check_many<'py>(
        &self,
        py: Python<'py>,
        users: &Bound<'py, PyAny>,
        permissions: &Bound<'py, PyAny>,
        as_bytes: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        check_many(py, self.d()?.snapshot(), users, permissions, as_bytes)
    }

    /// Which scopes `user` may see for `permission`: `ScopeAccess.ALL`, or an explicit set
    /// (every scope it holds the permission for, with everything below them). With `kind`
    /// (a `ScopeKind`, its name, or a tenant-defined kind's name), only scopes of that kind:
    /// `ScopeAccess.ALL` then means every scope of that kind.
    #[pyo3(signature = (user, permission, kind = None))]
    fn allowed_scopes(
        &self,
        user: UserArg,
        permission: Perm,
        kind: Option<KindArg>,
    ) -> PyResult<PyScopeAccess> {
        let d = self.d()?;
        match kind {
            None => d.allowed_scopes(user.0, permission.0),
            Some(k) => d.allowed_scopes_of_kind(user.0, permission.0, k.0),
        }
        .map(PyScopeAccess)
        .or_raise()
    }

    /// The effective permissions of a user (its roles and its groups' roles).
    fn effective_permissions<'py>(
        &self,
        py: Python<'py>,
        user: UserArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p = self.d()?.effective_permissions(user.0).or_raise()?;
        permission_to_py(py, p)
    }

    /// Ids of the users of `tenant` holding `permission` (within `scope` when given), in id
    /// order.
    #[pyo3(signature = (tenant, permission, scope = None))]
    fn users_with_permission(
        &self,
        py: Python<'_>,
        tenant: TenantArg,
        permission: Perm,
        scope: Option<ScopeArg>,
    ) -> PyResult<Vec<u64>> {
        let ids = self.write(py, |d| {
            d.users_with_permission(tenant.0, permission.0, scope.map(|s| s.0))
        })?;
        Ok(ids.into_iter().map(|u| u.0).collect())
    }

    /// The access level of `user` on `product` of `agreement` (NO_ACCESS for an unknown
    /// agreement or user).
    fn access_level<'py>(
        &self,
        py: Python<'py>,
        agreement: AgreementArg,
        user: UserArg,
        product: ProductArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let level = self.d()?.access_level(agreement.0, user.0, product.0);
        enum_to_py(py, &ACCESS_LEVEL, level.name())
    }

    /// May `user` listen to the call recordings of PBX subscriber `subscriber` (002)?
    fn may_listen_recordings(
        &self,
        agreement: AgreementArg,
        user: UserArg,
        subscriber: &str,
    ) -> PyResult<bool> {
        Ok(self
            .d()?
            .may_listen_recordings(agreement.0, user.0, subscriber))
    }

    /// May `user` use click-to-call as PBX subscriber `subscriber` (002)?
    fn may_click_to_call(
        &self,
        agreement: AgreementArg,
        user: UserArg,
        subscriber: &str,
    ) -> PyResult<bool> {
        Ok(self.d()?.may_click_to_call(agreement.0, user.0, subscriber))
    }

    /// Why `check(user, permission)` answers as it does: the roles and groups granting it.
    fn explain(&self, user: UserArg, permission: Perm) -> PyResult<PyExplanation> {
        self.d()?
            .explain(user.0, permission.0)
            .map(PyExplanation)
            .or_raise()
    }
}
