//! Credentials: passwords, logins, lockouts, recovery, the password policy, notifications.

use pyo3::prelude::*;
use rolecall::HashParams;

use crate::convert::{TenantArg, UserArg};
use crate::credentials::{
    PyCredentialStatus, PyNotification, PyPasswordPolicy, PyResetIssued, PySession, SecretArg,
};
use crate::errors::OrRaise;

use super::{locked, PyDirectory};

#[pymethods]
impl PyDirectory {
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
}
