//! The records of credentials, login and audit (`Session`, `CredentialStatus`,
//! `PasswordPolicy`, `ResetIssued`, `AuditEvent`, `Notification`), the test clock
//! `ManualClock`, and the conversion of passwords and tokens.
//!
//! Secrets: a password or token is taken as a `str` and wrapped at once; no message, `repr` or
//! log of this crate ever contains one (a token is readable only through its attribute).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;
use rolecall::{
    AuditEvent, CredentialStatus, ManualClock, Notification, PasswordPolicy, ResetIssued, Secret,
    Session,
};

use crate::convert::type_name;
use crate::records::repr_str;

/// A password or recovery token: a `str` without NUL characters. The error messages name the
/// problem, never the value.
pub(crate) struct SecretArg(pub Secret);

impl SecretArg {
    pub(crate) fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for SecretArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let Ok(s) = obj.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "a password or token must be a str, not {}",
                type_name(&obj)
            )));
        };
        // Lone surrogates cannot be encoded: the codec's error would quote the character.
        let text = s.to_cow().map_err(|_| {
            PyValueError::new_err("a password or token must be valid Unicode (no lone surrogates)")
        })?;
        if text.contains('\0') {
            return Err(PyValueError::new_err(
                "a password or token must not contain NUL characters",
            ));
        }
        Ok(SecretArg(Secret::new(text.into_owned())))
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "None".to_owned(), |v| v.to_string())
}

fn repr_opt(py: Python<'_>, s: Option<&str>) -> PyResult<String> {
    s.map_or_else(|| Ok("None".to_owned()), |s| repr_str(py, s))
}

// ============================ Session ============================

/// A successful login: the `user`, the security `stamp` to keep with the session (see
/// `Directory.session_valid`), and whether the password is temporary and must be changed now.
#[pyclass(frozen, eq, hash, module = "rolecall", name = "Session")]
#[derive(PartialEq, Hash)]
pub struct PySession {
    user: u64,
    stamp: u64,
    must_change_password: bool,
}

impl From<Session> for PySession {
    fn from(s: Session) -> Self {
        PySession {
            user: s.user.0,
            stamp: s.stamp,
            must_change_password: s.must_change_password,
        }
    }
}

#[pymethods]
impl PySession {
    /// Who logged in.
    #[getter]
    fn user(&self) -> u64 {
        self.user
    }
    /// The security stamp to keep with the session.
    #[getter]
    fn stamp(&self) -> u64 {
        self.stamp
    }
    /// The password is temporary and must be changed now.
    #[getter]
    fn must_change_password(&self) -> bool {
        self.must_change_password
    }
    fn __repr__(&self) -> String {
        format!(
            "Session(user={}, stamp={}, must_change_password={})",
            self.user,
            self.stamp,
            py_bool(self.must_change_password)
        )
    }
}

// ============================ CredentialStatus ============================

/// A user's credential state (never the hash): whether a password is set, whether it is
/// temporary, the failed logins in a row, and the end of the lock if locked now.
#[pyclass(frozen, eq, module = "rolecall", name = "CredentialStatus")]
#[derive(PartialEq)]
pub struct PyCredentialStatus(pub CredentialStatus);

#[pymethods]
impl PyCredentialStatus {
    /// A password is set.
    #[getter]
    fn has_password(&self) -> bool {
        self.0.has_password
    }
    /// The password is temporary (to be changed at next login).
    #[getter]
    fn must_change(&self) -> bool {
        self.0.must_change
    }
    /// Failed logins in a row.
    #[getter]
    fn failed_logins(&self) -> u32 {
        self.0.failed_logins
    }
    /// Locked until this time (ms since the Unix epoch) if locked now, else None.
    #[getter]
    fn locked_until(&self) -> Option<i64> {
        self.0.locked_until
    }
    /// Whether the account is locked now.
    #[getter]
    fn locked(&self) -> bool {
        self.0.locked_until.is_some()
    }
    fn __repr__(&self) -> String {
        let s = &self.0;
        format!(
            "CredentialStatus(has_password={}, must_change={}, failed_logins={}, locked_until={})",
            py_bool(s.has_password),
            py_bool(s.must_change),
            s.failed_logins,
            opt(s.locked_until)
        )
    }
}

// ============================ PasswordPolicy ============================

/// A tenant's password and lockout policy. Build one with keyword arguments; any left out
/// takes the core's default (12 to 128 characters, refuse common and personal passwords, lock
/// for 15 minutes after 5 failed logins, recovery tokens valid 30 minutes). Durations are in
/// milliseconds: `lockout_ms=PasswordPolicy.UNTIL_UNLOCKED` locks until an administrator
/// unlocks, and `reset_token_ttl_ms` is at most `PasswordPolicy.MAX_RESET_TOKEN_TTL_MS` (7
/// days). The core checks the policy when it is set.
#[pyclass(frozen, eq, module = "rolecall", name = "PasswordPolicy")]
#[derive(PartialEq)]
pub struct PyPasswordPolicy(pub PasswordPolicy);

#[pymethods]
impl PyPasswordPolicy {
    /// The `lockout_ms` of a lock that lasts until an administrator unlocks (`2**63 - 1`).
    #[classattr]
    const UNTIL_UNLOCKED: i64 = PasswordPolicy::UNTIL_UNLOCKED;
    /// The longest accepted `reset_token_ttl_ms`: 7 days.
    #[classattr]
    const MAX_RESET_TOKEN_TTL_MS: i64 = PasswordPolicy::MAX_RESET_TOKEN_TTL_MS;
    #[new]
    #[pyo3(
        signature = (*, min_length = None, max_length = None, reject_common = None, reject_personal = None, max_failed_logins = None, lockout_ms = None, reset_token_ttl_ms = None),
        text_signature = "(*, min_length=12, max_length=128, reject_common=True, reject_personal=True, max_failed_logins=5, lockout_ms=900000, reset_token_ttl_ms=1800000)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        min_length: Option<usize>,
        max_length: Option<usize>,
        reject_common: Option<bool>,
        reject_personal: Option<bool>,
        max_failed_logins: Option<u32>,
        lockout_ms: Option<i64>,
        reset_token_ttl_ms: Option<i64>,
    ) -> Self {
        let d = PasswordPolicy::default();
        PyPasswordPolicy(PasswordPolicy {
            min_length: min_length.unwrap_or(d.min_length),
            max_length: max_length.unwrap_or(d.max_length),
            reject_common: reject_common.unwrap_or(d.reject_common),
            reject_personal: reject_personal.unwrap_or(d.reject_personal),
            max_failed_logins: max_failed_logins.unwrap_or(d.max_failed_logins),
            lockout_ms: lockout_ms.unwrap_or(d.lockout_ms),
            reset_token_ttl_ms: reset_token_ttl_ms.unwrap_or(d.reset_token_ttl_ms),
        })
    }
    /// A copy with the given fields changed.
    #[pyo3(
        signature = (*, min_length = None, max_length = None, reject_common = None, reject_personal = None, max_failed_logins = None, lockout_ms = None, reset_token_ttl_ms = None),
        text_signature = "($self, *, min_length=None, max_length=None, reject_common=None, reject_personal=None, max_failed_logins=None, lockout_ms=None, reset_token_ttl_ms=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn replace(
        &self,
        min_length: Option<usize>,
        max_length: Option<usize>,
        reject_common: Option<bool>,
        reject_personal: Option<bool>,
        max_failed_logins: Option<u32>,
        lockout_ms: Option<i64>,
        reset_token_ttl_ms: Option<i64>,
    ) -> Self {
        let d = &self.0;
        PyPasswordPolicy(PasswordPolicy {
            min_length: min_length.unwrap_or(d.min_length),
            max_length: max_length.unwrap_or(d.max_length),
            reject_common: reject_common.unwrap_or(d.reject_common),
            reject_personal: reject_personal.unwrap_or(d.reject_personal),
            max_failed_logins: max_failed_logins.unwrap_or(d.max_failed_logins),
            lockout_ms: lockout_ms.unwrap_or(d.lockout_ms),
            reset_token_ttl_ms: reset_token_ttl_ms.unwrap_or(d.reset_token_ttl_ms),
        })
    }
    /// Shortest accepted password, in characters.
    #[getter]
    fn min_length(&self) -> usize {
        self.0.min_length
    }
    /// Longest accepted password, in characters (longer ones are refused, never truncated).
    #[getter]
    fn max_length(&self) -> usize {
        self.0.max_length
    }
    /// Refuse the most common passwords.
    #[getter]
    fn reject_common(&self) -> bool {
        self.0.reject_common
    }
    /// Refuse passwords containing the user's email, its local part, or names.
    #[getter]
    fn reject_personal(&self) -> bool {
        self.0.reject_personal
    }
    /// Failed logins in a row that lock the account.
    #[getter]
    fn max_failed_logins(&self) -> u32 {
        self.0.max_failed_logins
    }
    /// How long a lock lasts, in ms (`UNTIL_UNLOCKED`: until an administrator unlocks).
    #[getter]
    fn lockout_ms(&self) -> i64 {
        self.0.lockout_ms
    }
    /// How long a recovery token is valid, in ms.
    #[getter]
    fn reset_token_ttl_ms(&self) -> i64 {
        self.0.reset_token_ttl_ms
    }
    fn __hash__(&self) -> u64 {
        let p = &self.0;
        let mut h = DefaultHasher::new();
        (
            p.min_length,
            p.max_length,
            p.reject_common,
            p.reject_personal,
            p.max_failed_logins,
            p.lockout_ms,
            p.reset_token_ttl_ms,
        )
            .hash(&mut h);
        h.finish()
    }
    fn __repr__(&self) -> String {
        let p = &self.0;
        format!(
            "PasswordPolicy(min_length={}, max_length={}, reject_common={}, reject_personal={}, max_failed_logins={}, lockout_ms={}, reset_token_ttl_ms={})",
            p.min_length,
            p.max_length,
            py_bool(p.reject_common),
            py_bool(p.reject_personal),
            p.max_failed_logins,
            p.lockout_ms,
            p.reset_token_ttl_ms
        )
    }
}

// ============================ ResetIssued ============================

/// A recovery token issued by `Directory.request_password_reset`: the `user` it recovers, the
/// single-use `token` to deliver (never shown by `repr`), and its expiry `expires_at` (ms since
/// the Unix epoch).
#[pyclass(frozen, eq, module = "rolecall", name = "ResetIssued")]
#[derive(PartialEq)]
pub struct PyResetIssued(pub ResetIssued);

#[pymethods]
impl PyResetIssued {
    /// The user it recovers.
    #[getter]
    fn user(&self) -> u64 {
        self.0.user.0
    }
    /// The token to deliver (single use). Never printed by `repr`.
    #[getter]
    fn token(&self) -> &str {
        self.0.token.expose()
    }
    /// Expiry, ms since the Unix epoch.
    #[getter]
    fn expires_at(&self) -> i64 {
        self.0.expires_at
    }
    fn __repr__(&self) -> String {
        format!(
            "ResetIssued(user={}, token='***', expires_at={})",
            self.0.user.0, self.0.expires_at
        )
    }
}

// ============================ AuditEvent ============================

/// One record of the append-only audit log: who (`actor`) did what (`action`, `outcome`) to
/// which object (`target_kind`, `target_id`) when (`at`, ms since the Unix epoch), with the
/// records `before` and the changes `after` as JSON (secrets redacted).
#[pyclass(frozen, eq, module = "rolecall", name = "AuditEvent")]
#[derive(PartialEq)]
pub struct PyAuditEvent(pub AuditEvent);

#[pymethods]
impl PyAuditEvent {
    /// Position in the log (1, 2, ...).
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }
    /// When, ms since the Unix epoch.
    #[getter]
    fn at(&self) -> i64 {
        self.0.at
    }
    /// The tenant it concerns (0 for none).
    #[getter]
    fn tenant(&self) -> u64 {
        self.0.tenant.0
    }
    /// Who acted, when known.
    #[getter]
    fn actor(&self) -> Option<u64> {
        self.0.actor.map(|a| a.0)
    }
    /// The operation's name (`create_user`, `login`, `set_password`, ...).
    #[getter]
    fn action(&self) -> &'static str {
        self.0.action.name()
    }
    /// `ok`, or the error kind that refused it (`permission_denied`, ...).
    #[getter]
    fn outcome(&self) -> &str {
        &self.0.outcome
    }
    /// Kind of the main object acted on (`user`, `role`, `group`, ...), or None.
    #[getter]
    fn target_kind(&self) -> Option<&'static str> {
        self.0.target_kind.map(rolecall::ObjectKind::name)
    }
    /// Id of the main object acted on, or None.
    #[getter]
    fn target_id(&self) -> Option<u64> {
        self.0.target_id
    }
    /// Free detail (the reason of a refusal, ...), or None.
    #[getter]
    fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }
    /// The directory revision this event's change created, if it changed anything.
    #[getter]
    fn revision(&self) -> Option<u64> {
        self.0.revision
    }
    /// JSON of the records as they were before the change, or None.
    #[getter]
    fn before(&self) -> Option<&str> {
        self.0.before.as_deref()
    }
    /// JSON of the changes made, or None.
    #[getter]
    fn after(&self) -> Option<&str> {
        self.0.after.as_deref()
    }
    /// The event as one line of JSON (no newline) in the stable schema `rolecall.audit/1`:
    /// schema, seq, time (RFC 3339, UTC, ms), time_ms, tenant, actor, action, outcome,
    /// target_kind, target_id, detail, revision, before, after (nested JSON).
    fn to_json_line(&self) -> String {
        self.0.to_json_line()
    }
    /// The event as one line of CEF (ArcSight Common Event Format 0) for a SIEM, escaped.
    fn to_cef(&self) -> String {
        self.0.to_cef()
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        ("audit", self.0.seq).hash(&mut h);
        h.finish()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let e = &self.0;
        Ok(format!(
            "AuditEvent(seq={}, at={}, tenant={}, actor={}, action={}, outcome={}, target_kind={}, target_id={}, detail={}, revision={})",
            e.seq,
            e.at,
            e.tenant.0,
            opt(e.actor.map(|a| a.0)),
            repr_str(py, e.action.name())?,
            repr_str(py, &e.outcome)?,
            repr_opt(py, e.target_kind.map(rolecall::ObjectKind::name))?,
            opt(e.target_id),
            repr_opt(py, e.detail.as_deref())?,
            opt(e.revision),
        ))
    }
}

// ============================ Notification ============================

/// Something the host must deliver to a user (the library never sends mail). `kind` says
/// which. The same shape as in Rust, C and uniffi: every kind has `user` and `email` (where to
/// write: the user's address now); the other fields are None unless the kind sets them:
///
/// - `"email_changed"`: `email` is the new address, `old_email` the one before (tell both);
/// - `"password_reset_requested"`: `token` (send it; never shown by `repr`), `expires_at`;
/// - `"account_locked"`: `until`;
/// - `"grant_expired"`: `assignment` (the `Assignment` whose window ended);
/// - `"activated"`: `role`, `scope` (None for a role held directly), `until`, `justification`;
/// - `"break_glass_used"`: `action` (the audit action, `"login"` for a login attempt).
#[pyclass(frozen, eq, module = "rolecall", name = "Notification")]
#[derive(PartialEq)]
pub struct PyNotification(pub Notification);

impl PyNotification {
    /// `None` for a kind added to the core after this binding (it cannot be shown faithfully).
    pub(crate) fn new(n: Notification) -> Option<Self> {
        match &n {
            Notification::EmailChanged { .. }
            | Notification::PasswordResetRequested { .. }
            | Notification::AccountLocked { .. }
            | Notification::GrantExpired { .. }
            | Notification::Activated { .. }
            | Notification::BreakGlassUsed { .. } => Some(PyNotification(n)),
            _ => None,
        }
    }
}

#[pymethods]
impl PyNotification {
    /// `"email_changed"`, `"password_reset_requested"`, `"account_locked"`, `"grant_expired"`,
    /// `"activated"` or `"break_glass_used"`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.0.kind()
    }
    /// The user concerned.
    #[getter]
    fn user(&self) -> u64 {
        self.0.user().0
    }
    /// Where to write, for every kind: the user's address now (after an email change, the new
    /// address).
    #[getter]
    fn email(&self) -> &str {
        self.0.email()
    }
    /// The address before (`email_changed`), else None.
    #[getter]
    fn old_email(&self) -> Option<&str> {
        match &self.0 {
            Notification::EmailChanged { old_email, .. } => Some(old_email),
            _ => None,
        }
    }
    /// The single-use recovery token (`password_reset_requested`), else None. Never printed by
    /// `repr`.
    #[getter]
    fn token(&self) -> Option<&str> {
        match &self.0 {
            Notification::PasswordResetRequested { token, .. } => Some(token.expose()),
            _ => None,
        }
    }
    /// Expiry of the token, ms since the Unix epoch (`password_reset_requested`), else None.
    #[getter]
    fn expires_at(&self) -> Option<i64> {
        match &self.0 {
            Notification::PasswordResetRequested { expires_at, .. } => Some(*expires_at),
            _ => None,
        }
    }
    /// End of the lock (`account_locked`) or of the activation (`activated`), ms since the
    /// Unix epoch, else None.
    #[getter]
    fn until(&self) -> Option<i64> {
        match &self.0 {
            Notification::AccountLocked { until, .. } | Notification::Activated { until, .. } => {
                Some(*until)
            }
            _ => None,
        }
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let user = self.user();
        Ok(match &self.0 {
            Notification::EmailChanged {
                old_email, email, ..
            } => format!(
                "Notification(kind='email_changed', user={user}, email={}, old_email={})",
                repr_str(py, email)?,
                repr_str(py, old_email)?
            ),
            Notification::PasswordResetRequested {
                email, expires_at, ..
            } => format!(
                "Notification(kind='password_reset_requested', user={user}, email={}, token='***', expires_at={expires_at})",
                repr_str(py, email)?
            ),
            Notification::AccountLocked { email, until, .. } => format!(
                "Notification(kind='account_locked', user={user}, email={}, until={until})",
                repr_str(py, email)?
            ),
            Notification::GrantExpired {
                email, assignment, ..
            } => format!(
                "Notification(kind='grant_expired', user={user}, email={}, assignment={})",
                repr_str(py, email)?,
                crate::records::PyAssignment(*assignment).repr(py)?
            ),
            Notification::Activated {
                email,
                role,
                scope,
                until,
                justification,
                ..
            } => format!(
                "Notification(kind='activated', user={user}, email={}, role={}, scope={}, until={until}, justification={})",
                repr_str(py, email)?,
                role.0,
                opt(scope.map(|s| s.0)),
                repr_str(py, justification)?
            ),
            Notification::BreakGlassUsed { email, action, .. } => format!(
                "Notification(kind='break_glass_used', user={user}, email={}, action={})",
                repr_str(py, email)?,
                repr_str(py, action)?
            ),
            _ => format!("Notification(kind='unknown', user={user})"),
        })
    }
}

// ============================ ManualClock ============================

/// A clock that moves only when told to, for tests and simulations: give it to
/// `Directory(clock=...)`, then `advance` it to expire locks and recovery tokens. Times are ms
/// since the Unix epoch.
#[pyclass(frozen, module = "rolecall", name = "ManualClock")]
pub struct PyManualClock(pub Arc<ManualClock>);

#[pymethods]
impl PyManualClock {
    #[new]
    #[pyo3(signature = (now_ms = 1_700_000_000_000))]
    fn new(now_ms: i64) -> Self {
        PyManualClock(Arc::new(ManualClock::new(now_ms)))
    }
    /// The time it reads, ms since the Unix epoch.
    #[getter]
    fn now(&self) -> i64 {
        self.0.now()
    }
    /// Sets the time. The directories opened on this clock see it at once: time-bound grants
    /// whose window started or ended meanwhile start or end.
    fn set(&self, py: Python<'_>, now_ms: i64) {
        py.detach(|| self.0.set(now_ms));
    }
    /// Moves the time forward by `ms`, as `set`.
    fn advance(&self, py: Python<'_>, ms: i64) {
        py.detach(|| self.0.advance(ms));
    }
    fn __repr__(&self) -> String {
        format!("ManualClock({})", self.0.now())
    }
}
